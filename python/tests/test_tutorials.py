"""Public PyTorch tutorials and examples about ReLU networks, run with PyTorch 1.13 and with ramp
standing in for torch (tutorials/run.py): each must run on ramp and reach torch's result.

Each script in tutorials/ names its source. They keep the source's torch calls as written; what
changed is the data (tutorials/shims: torchvision's datasets over Debian's Fashion-MNIST, capped
here to TRAIN/TEST images), sizes and epochs, and a final `RESULT key=value ...` line.

Oracle: the same script on torch 1.13. Random streams differ (ramp's are its own), so a trained
accuracy must be within POINTS percentage points of torch's; deterministic values (no training)
must agree to float32 rounding."""
import math
import os
import subprocess
import sys

import pytest

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "tutorials")
SCRIPTS = sorted(f for f in os.listdir(HERE) if f.startswith("t") and f[1:3].isdigit() and f.endswith(".py") and "helpers" not in f)
TRAIN, TEST = 10000, 2000
POINTS = 6.0  # two runs of a few thousand images with different random streams: a few points apart


def run(backend, script, tmp_path):
    env = dict(os.environ, RAMP_TUTORIAL_TRAIN=str(TRAIN), RAMP_TUTORIAL_TEST=str(TEST),
               RAMP_TUTORIAL_CWD=str(tmp_path), OMP_NUM_THREADS="2")
    out = subprocess.run([sys.executable, os.path.join(HERE, "run.py"), backend, os.path.join(HERE, script)],
                         env=env, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, f"{backend} failed on {script}:\n{out.stdout[-3000:]}\n{out.stderr[-5000:]}"
    lines = [l for l in out.stdout.splitlines() if l.startswith("RESULT ")]
    assert lines, out.stdout[-2000:]
    return dict(kv.split("=", 1) for kv in lines[-1].split()[1:])


@pytest.mark.parametrize("script", SCRIPTS)
def test_tutorial(script, tmp_path):
    pytest.importorskip("torch")
    (tmp_path / "torch").mkdir()
    (tmp_path / "ramp").mkdir()
    expected = run("torch", script, tmp_path / "torch")
    got = run("ramp", script, tmp_path / "ramp")
    assert got.keys() == expected.keys()
    for key, want in expected.items():
        if key.startswith("accuracy"):
            # Reaching torch's accuracy: at most POINTS below it. Above it by up to 2 * POINTS: the
            # streams differ (ramp's are its own), and a small net trained briefly swings that much
            # with the seed in torch too (t10's scratch MLP: 70.3 in torch, 77.2 in ramp); further
            # above would suggest a leak from the test set.
            assert -POINTS <= float(got[key]) - float(want) <= 2 * POINTS, (key, got[key], want)
        elif key.startswith("loss"):  # a trained loss: within a factor of 2 of torch's
            assert float(got[key]) <= 2 * float(want) + 1e-3, (key, got[key], want)
        else:  # deterministic values, as comma-separated numbers or words
            for g, w in zip(got[key].split(","), want.split(","), strict=True):
                try:
                    gv, wv = float(g), float(w)
                except ValueError:
                    assert g == w, (key, got[key], want)
                    continue
                assert math.isclose(gv, wv, rel_tol=1e-5, abs_tol=1e-6) or (math.isnan(gv) and math.isnan(wv)), \
                    (key, g, w)
