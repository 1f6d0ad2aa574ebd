"""`ramp study born-dead` against the same experiment run on torch 1.13: each born-dead fraction
within 3 standard errors, and below the per-input bound 1 - (1 - 2^-W)^D; LeakyReLU never dead.
The command is the build's (build/ramp beside build/python); skipped where it is not built."""
import json
import math
import pathlib
import subprocess

import pytest

import ramp

torch = pytest.importorskip("torch")
RAMP = pathlib.Path(ramp.__file__).resolve().parents[2] / "ramp"


def torch_born_dead(width, depth, inits, inputs):
    x = (torch.rand(inputs, 2, dtype=torch.float64) * 2 - 1).expand(inits, inputs, 2)
    h = x
    for layer in range(depth + 1):
        fan_in = h.shape[2]
        w = torch.randn(inits, fan_in, 1 if layer == depth else width, dtype=torch.float64) * math.sqrt(2 / fan_in)
        h = torch.bmm(h, w)
        if layer < depth:
            h = torch.relu(h)
    return float(((h.amax(1) - h.amin(1)) == 0).double().mean())


@pytest.mark.skipif(not RAMP.exists(), reason="build/ramp (the study command) is not built")
def test_born_dead_matches_torch(tmp_path):
    subprocess.run([str(RAMP), "study", "born-dead", "--out", str(tmp_path)], check=True, timeout=600,
                   capture_output=True)
    d = json.loads((tmp_path / "born-dead.json").read_text())
    assert d["widths"] == [2, 3, 4] and d["depths"] == [5, 10, 20]
    n = d["initialisations"]
    torch.manual_seed(0)
    for i, w in enumerate(d["widths"]):
        for j, depth in enumerate(d["depths"]):
            p = d["p_dead"][i][j]
            q = torch_born_dead(w, depth, n, d["inputs"])
            pooled = (p + q) / 2
            se = math.sqrt(max(pooled * (1 - pooled), 1 / n) * 2 / n)
            assert abs(p - q) <= 3 * se, (w, depth, p, q)
            assert p <= 1 - (1 - 2.0 ** -w) ** depth + 3 * se
            assert d["p_dead_leaky_relu"][i][j] == 0
    assert (tmp_path / "report.html").exists()
