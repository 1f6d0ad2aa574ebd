"""ramp.nn.parallel.DistributedDataParallel: ranks as subprocesses (ddp_worker.py) on 127.0.0.1 with
file:// rendezvous in a temporary folder, 20 s group timeouts and a subprocess deadline. The oracles:
torch 1.13's DistributedDataParallel running the same script on the same numbers, and one process
training on the concatenated batch."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import ramp
from conftest import collect_ranks

WORKER = os.path.join(os.path.dirname(__file__), "ddp_worker.py")


def run_ranks(lib, scenario, ws, tmp_path, wall=120):
    """Starts `ws` ranks of ddp_worker.py on `lib`; returns (exit codes, one dict per rank)."""
    if lib == "torch":
        pytest.importorskip("torch")
    folder = tmp_path / lib
    folder.mkdir(exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    procs = [subprocess.Popen([sys.executable, WORKER, lib, scenario, str(r), str(ws), str(folder)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for r in range(ws)]
    codes, outs = collect_ranks(procs, wall)
    for o in outs:
        assert "exception" not in o and "stderr" not in o, o
    return codes, outs


def assert_close(a, b, tol=1e-6):
    """Nested lists of numbers (None where a gradient is None) equal within tol."""
    if a is None or b is None:
        assert a is None and b is None, (a, b)
        return
    if isinstance(a, list) and a and isinstance(a[0], (list, type(None))):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_close(x, y, tol)
        return
    np.testing.assert_allclose(np.array(a), np.array(b), rtol=0, atol=tol)


def max_diff(a, b):
    return max(float(np.max(np.abs(np.array(x) - np.array(y)))) for x, y in zip(a, b))


@pytest.mark.parametrize("ws", [2, 3])
def test_ranks_bit_identical_and_equal_one_process(ws, tmp_path):
    codes, outs = run_ranks("ramp", "train", ws, tmp_path)
    assert codes == [0] * ws
    for o in outs[1:]:
        assert o["init"] == outs[0]["init"]  # rank 0's weights everywhere, though ranks started elsewhere
        assert o["final"] == outs[0]["final"]  # bit-identical replicas
    # one process, the concatenated batch, the same 10 SGD steps
    F = ramp.nn.functional
    net = ramp.nn.Sequential(ramp.nn.Linear(8, 16), ramp.nn.ReLU(), ramp.nn.Linear(16, 4))
    with ramp.no_grad():
        for p, v in zip(net.parameters(), outs[0]["init"]):
            p.copy_(ramp.tensor(v, dtype=ramp.float32).reshape(p.shape))
    opt = ramp.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    for step in range(10):
        rng = np.random.default_rng(1000 + step)
        x = ramp.from_numpy(rng.standard_normal((ws * 6, 8)).astype(np.float32))
        y = ramp.from_numpy(rng.standard_normal((ws * 6, 4)).astype(np.float32))
        loss = F.mse_loss(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    ref = [np.asarray(p.detach().numpy(), dtype=np.float64).ravel().tolist() for p in net.parameters()]
    assert_close(outs[0]["final"], ref)
    assert max_diff(outs[0]["final"], outs[0]["init"]) > 1e-2  # it did train


@pytest.mark.parametrize("ws", [2, 3])
def test_same_parameters_as_torch_ddp(ws, tmp_path):
    codes, ours = run_ranks("ramp", "train", ws, tmp_path)
    tcodes, theirs = run_ranks("torch", "train", ws, tmp_path)
    assert codes == [0] * ws and tcodes == [0] * ws
    for o, t in zip(ours, theirs):
        assert_close(o["init"], t["init"], 0)
        assert_close(o["final"], t["final"])


def test_no_sync_accumulates_locally_then_syncs(tmp_path):
    codes, ours = run_ranks("ramp", "no_sync", 2, tmp_path)
    assert codes == [0, 0]
    assert max_diff(ours[0]["local"], ours[1]["local"]) > 1e-3  # no communication inside no_sync
    assert ours[0]["synced"] == ours[1]["synced"]
    _, theirs = run_ranks("torch", "no_sync", 2, tmp_path)
    for o, t in zip(ours, theirs):
        assert_close(o["local"], t["local"])
        assert_close(o["synced"], t["synced"])


def test_unused_parameter_error_is_torchs(tmp_path):
    codes, ours = run_ranks("ramp", "unused", 2, tmp_path)
    assert codes == [0, 0]
    for rank, o in enumerate(ours):
        assert o["error"].startswith("Expected to have finished reduction in the prior iteration before starting a "
                                     "new one. This error indicates that your module has parameters that were not "
                                     "used in producing loss. You can enable unused parameter detection by passing "
                                     "the keyword argument `find_unused_parameters=True`")
        assert "Parameter indices which did not receive grad for rank %d: 2 3 6 7\n" % rank in o["error"]
    _, theirs = run_ranks("torch", "unused", 2, tmp_path)
    assert [o["error"] for o in ours] == [t["error"] for t in theirs]


def test_find_unused_parameters_as_torch(tmp_path):
    # rank 0 uses `extra`, rank 1 does not; `never` is used by no rank
    codes, ours = run_ranks("ramp", "find_unused", 2, tmp_path)
    assert codes == [0, 0]
    for o in ours:
        for g in o["grads"]:
            assert g[6] is None and g[7] is None  # used by no rank: left alone
            assert g[2] is not None  # rank 1 gets rank 0's gradient, averaged
    assert ours[0]["grads"] == ours[1]["grads"] and ours[0]["final"] == ours[1]["final"]
    _, theirs = run_ranks("torch", "find_unused", 2, tmp_path)
    for o, t in zip(ours, theirs):
        assert_close(o["grads"], t["grads"])
        assert_close(o["final"], t["final"])


@pytest.mark.parametrize("scenario", ["buffers", "no_buffers"])
def test_buffer_broadcast_batchnorm_as_torch(scenario, tmp_path):
    codes, ours = run_ranks("ramp", scenario, 2, tmp_path)
    assert codes == [0, 0]
    if scenario == "buffers":
        # the eval forward broadcast rank 0's running stats first
        assert ours[0]["after_eval_forward"] == ours[1]["after_eval_forward"] == ours[0]["trained"]
    else:
        assert max_diff(ours[0]["after_eval_forward"][:2], ours[1]["after_eval_forward"][:2]) > 1e-3
    assert ours[0]["params"] == ours[1]["params"]
    _, theirs = run_ranks("torch", scenario, 2, tmp_path)
    for o, t in zip(ours, theirs):
        for key in ("trained", "after_eval_forward", "params"):
            assert_close(o[key], t[key])


def test_module_state_dict_kwargs_and_errors_as_torch(tmp_path):
    codes, ours = run_ranks("ramp", "api", 2, tmp_path)
    assert codes == [0, 0]
    o = ours[0]
    assert o["keys"] == ["module.fc.weight", "module.fc.bias"]
    assert o["module_is_inner"]
    _, theirs = run_ranks("torch", "api", 2, tmp_path)
    t = theirs[0]
    for key in ("repr", "keys", "errors"):
        assert o[key] == t[key], key
    assert_close(o["kwargs"][0], t["kwargs"][0])
    assert o["kwargs"][1] == 7


def test_buckets_rebuilt_as_torch_and_reduced_during_backward(tmp_path):
    codes, ours = run_ranks("ramp", "overlap", 2, tmp_path)
    assert codes == [0, 0]
    for o in ours:
        # the averaged gradient of the last layer arrived while backward was held in an earlier layer's hook
        assert o["overlapped"], o
        assert o["buckets"] == ours[0]["buckets"]  # rank 0's ready order everywhere
    assert ours[0]["buckets"][0] == [[0, 1, 2, 3, 4, 5]]  # 1.13: one bucket until the rebuild
    assert ours[0]["buckets"][1] == ours[0]["buckets"][2]  # rebuilt once, at the second forward
    _, theirs = run_ranks("torch", "overlap", 2, tmp_path)
    # torch logs the rebuilt buckets one iteration late: [[5, 4], [3, 2, 1, 0]] (ties in any order)
    assert [sorted(b) for b in ours[0]["buckets"][2]] == [sorted(b) for b in theirs[0]["buckets"][2]]


@pytest.mark.parametrize("how", ["killed", "uneven"])
def test_rank_that_stops_early_fails_the_others_fast(how, tmp_path):
    # rank 1 runs 2 batches, then dies (killed) or destroys its group and exits (uneven); rank 0's
    # third backward must raise well before its 20 s timeout
    folder = tmp_path / "ramp"
    folder.mkdir()
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    procs = [subprocess.Popen([sys.executable, WORKER, "ramp", how, str(r), "2", str(folder)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env) for r in range(2)]
    try:
        outs = [p.communicate(timeout=60) for p in procs]
    except subprocess.TimeoutExpired:
        for p in procs:
            p.kill()
        pytest.fail("a rank hung")
    assert procs[1].returncode == (3 if how == "killed" else 0)
    info = json.loads(outs[0][0].decode().strip().splitlines()[-1])
    assert info.get("step") == 2, info
    assert info["seconds"] < 5.0, info
    assert info["error"].startswith("DistributedDataParallel: averaging the gradients (bucket 0 of 1) failed on "
                                    "rank 0; every rank must run the same number of backward passes"), info


def test_import_paths():
    from ramp.nn.parallel import DistributedDataParallel as DDP
    assert ramp.nn.parallel.DistributedDataParallel is DDP
    with pytest.raises(RuntimeError, match="Default process group has not been initialized"):
        DDP(ramp.nn.Linear(2, 2))


def test_bucket_assignment_as_torchs():
    torch = pytest.importorskip("torch")
    import torch.distributed as tdist
    assign = ramp._C._distributed._compute_bucket_assignment_by_size
    rng = np.random.default_rng(0)
    for trial in range(20):
        n = int(rng.integers(1, 12))
        sizes = [int(s) for s in rng.integers(1, 400, n)]
        dtypes = [ramp.float64 if trial % 2 and rng.random() < 0.3 else ramp.float32 for _ in range(n)]
        ours = [ramp.empty(s, dtype=d) for s, d in zip(sizes, dtypes)]
        theirs = [torch.empty(s, dtype=torch.float64 if d == ramp.float64 else torch.float32)
                  for s, d in zip(sizes, dtypes)]
        limits = [int(rng.integers(100, 1500)), int(rng.integers(100, 3000))]
        # registration order: buckets sorted by their smallest index (DDP reverses them after)
        assert assign(ours, limits) == tdist._compute_bucket_assignment_by_size(theirs, limits, [False] * n)[0]
        if all(d == ramp.float32 for d in dtypes):  # a ready order (the rebuild): buckets as they filled
            order = [int(i) for i in rng.permutation(n)]
            want = tdist._compute_bucket_assignment_by_size([theirs[i] for i in order], limits, [False] * n, order)[0]
            assert assign(ours, limits, order) == want
