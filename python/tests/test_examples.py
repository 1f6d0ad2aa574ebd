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


def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("lang", ["python", "cpp"])
def test_fashion_mnist_distributed_two_ranks(lang):
    # as a torchrun-style launcher starts them: RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT
    if not os.path.exists("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"):
        pytest.skip("dataset-fashion-mnist is not installed")
    import ramp
    if lang == "python":
        cmd = [sys.executable, "examples/train_fashion_mnist.py", "mlp", "--epochs", "2"]
    else:
        binary = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(ramp.__file__))),
                              "ramp_train_fashion_mnist")
        if not os.path.exists(binary):
            pytest.skip("ramp_train_fashion_mnist is not built beside the Python package")
        cmd = [binary, "mlp", "2"]
    cmd += ["--limit", "3000", "--distributed"]
    base = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p), OMP_NUM_THREADS="1",
                WORLD_SIZE="2", MASTER_ADDR="127.0.0.1", MASTER_PORT=str(_free_port()))
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=dict(base, RANK=str(r), LOCAL_RANK=str(r)), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for r in range(2)]
    try:
        outs = [p.communicate(timeout=300) for p in procs]
    except subprocess.TimeoutExpired:
        for p in procs:
            p.kill()
        pytest.fail("a rank hung")
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    lines = [line for line in outs[0][0].splitlines() if "epoch" in line]
    assert len(lines) == 2 and "x2 ranks] epoch 1/2" in lines[0], outs[0][0]  # one line per epoch, rank 0
    assert "epoch" not in outs[1][0]  # rank 1 prints nothing
    acc = float(re.search(r"test acc ([0-9.]+)%", lines[-1]).group(1))
    assert acc > 50.0, lines  # 3000 images, 1500 per rank, 2 epochs: ~70% (chance: 10%)
