"""The Python examples run, and run the same on PyTorch: examples/simple_nets.py prints the seeds'
models exactly as PyTorch 1.13 prints them (apart from the library's name), and one epoch of
examples/train_fashion_mnist.py learns Fashion-MNIST."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run(*args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    out = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_simple_nets_print_as_pytorch():
    pytest.importorskip("torch")
    ours = run("examples/simple_nets.py").replace("ramp.Size", "torch.Size")
    theirs = run("examples/simple_nets.py", "--torch")
    assert theirs.count("Model Structure:") == 2
    assert ours.startswith(theirs)  # then the Keras model, which PyTorch has not
    assert "SimpleCNN(\n  (conv1): Conv2d(3, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))" in ours


def test_one_epoch_of_fashion_mnist_learns():
    if not os.path.exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"):
        pytest.skip("dataset-fashion-mnist is not installed")
    out = run("examples/train_fashion_mnist.py", "mlp", "--epochs", "1")
    acc = float(re.search(r"test acc ([0-9.]+)%", out).group(1))
    assert acc > 80.0, out  # one epoch of this MLP: ~85% (ten classes: chance is 10%)
