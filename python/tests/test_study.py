"""`ramp study born-dead` against the same experiment run on torch 1.13: each born-dead fraction
within 3 standard errors, and below the per-input bound 1 - (1 - 2^-W)^D; LeakyReLU never dead.
`ramp study gradient-flow`'s short training of four 20-layer nets, repeated on torch 1.13.
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


def torch_deep_training(act, init, t, x, y, tx, ty, seed):
    """gradient-flow's short training on torch 1.13: the same net, initialisation, data, SGD and
    per-epoch ExponentialLR; its final test accuracy (%)."""
    torch.manual_seed(seed)
    layers = []
    for i in range(t["layers"]):
        lin = torch.nn.Linear(784 if i == 0 else t["width"], 10 if i == t["layers"] - 1 else t["width"])
        if init != "default":
            if init == "he":
                torch.nn.init.kaiming_normal_(lin.weight, 0, "fan_in", "relu")
            else:  # lecun
                torch.nn.init.normal_(lin.weight, 0, 1 / math.sqrt(lin.weight.shape[1]))
            torch.nn.init.zeros_(lin.bias)
        layers.append(lin)
        if i < t["layers"] - 1:
            layers.append(getattr(torch.nn, act)())
    net = torch.nn.Sequential(*layers)
    opt = torch.optim.SGD(net.parameters(), lr=t["lr"])
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, t["lr_decay_per_epoch"])
    n, batch = t["train_images"], t["batch"]
    for _ in range(t["epochs"]):
        order = torch.randperm(n)
        for b in range(0, n - batch + 1, batch):
            idx = order[b:b + batch]
            loss = torch.nn.functional.cross_entropy(net(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
    with torch.no_grad():
        return 100 * float((net(tx).argmax(1) == ty).double().mean())


@pytest.mark.skipif(not RAMP.exists(), reason="build/ramp (the study command) is not built")
def test_deep_training_matches_torch(tmp_path):
    """The issue's claim on ramp and on torch alike: the default-initialised 20-layer sigmoid and ReLU
    nets stay at chance in the short training, ReLU/He and SELU/LeCun pass 70%; ramp's accuracies
    within 8 points of torch's (seeds 0-2: ReLU/He 77.1-78.6% on ramp, 74.1-77.4% on torch; SELU/LeCun
    81.7-83.2% and 81.6-82.7%; the default nets 9.4-10.7% on both)."""
    subprocess.run([str(RAMP), "study", "gradient-flow", "--out", str(tmp_path)], check=True, timeout=600,
                   capture_output=True)
    t = json.loads((tmp_path / "gradient-flow.json").read_text())["training"]
    images, labels = ramp.io.load_fashion_mnist(train=True)
    test_images, test_labels = ramp.io.load_fashion_mnist(train=False)
    all_x = torch.from_numpy(images.numpy()).reshape(-1, 784)
    mean, std = all_x.mean(), all_x.std()  # standardised as train.cpp does: the whole training set's
    x = (all_x[:t["train_images"]] - mean) / std
    y = torch.from_numpy(labels.numpy())[:t["train_images"]]
    tx = (torch.from_numpy(test_images.numpy()).reshape(-1, 784)[:t["test_images"]] - mean) / std
    ty = torch.from_numpy(test_labels.numpy())[:t["test_images"]]
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        for run in t["runs"]:
            ours = run["final_accuracy"]
            theirs = torch_deep_training(run["activation"], run["init"], t, x, y, tx, ty, 0)
            learns = run["init"] in ("he", "lecun")
            for acc in (ours, theirs):
                assert (acc > 70) if learns else (acc < 20), (run["activation"], run["init"], ours, theirs)
            assert abs(ours - theirs) < 8, (run["activation"], run["init"], ours, theirs)
    finally:
        torch.set_num_threads(threads)
