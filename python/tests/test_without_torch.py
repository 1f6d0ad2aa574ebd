"""ramp needs no PyTorch: with `import torch` made impossible, the package imports, builds a ReLU
network, trains it and saves/loads its weights (the main job's set-up does not install torch)."""
import os
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent("""
    import sys
    class NoTorch:  # any import of torch or its submodules fails, as on a machine without it
        def find_spec(self, name, path=None, target=None):
            if name == "torch" or name.startswith("torch."):
                raise ImportError("torch is blocked for this test")
    sys.meta_path.insert(0, NoTorch())
    import os, tempfile
    import ramp, ramp.nn as nn, ramp.nn.functional as F, ramp.optim, ramp.utils.data, ramp.keras
    ramp.manual_seed(0)
    x = ramp.randn(256, 8)
    y = (x[:, 0] > 0).long()                       # a label a ReLU network learns at once
    model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2))
    opt = ramp.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(5):
        for xb, yb in ramp.utils.data.DataLoader(ramp.utils.data.TensorDataset(x, y), batch_size=32, shuffle=True):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad(); loss.backward(); opt.step()
            losses.append(loss.item())
    accuracy = (model(x).argmax(1) == y).float().mean().item()
    path = os.path.join(tempfile.mkdtemp(), "m.safetensors")
    ramp.save(model.state_dict(), path)
    assert set(ramp.load(path)) == set(model.state_dict())
    assert not any(m == "torch" or m.startswith("torch.") for m in sys.modules)
    print(losses[0], losses[-1], accuracy)
""")


def test_imports_and_trains_without_torch():
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    first, last, accuracy = map(float, out.stdout.split())
    assert last < first / 3 and accuracy > 0.95, out.stdout


def test_blocker_blocks():
    """The test's blocker really stops torch (else the test above could not fail on a torch import)."""
    script = SCRIPT.split("import os, tempfile")[0] + "import torch\n"
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "torch is blocked" in out.stderr


def test_installed_package_imports_from_any_folder(tmp_path):
    """scripts/build.sh installs ramp into /usr/local: Debian's python3 imports it with no PYTHONPATH."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run(["/usr/bin/python3", "-c", "import ramp; print(ramp.__file__); print(ramp.relu(ramp.tensor([-1.0, 3.0])))"],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("/usr/local/lib/python3") and "tensor([0., 3.])" in out.stdout, out.stdout
