"""ramp.distributed: ranks as subprocesses on 127.0.0.1 (dist_worker.py), file:// rendezvous in a
temporary folder, short process-group timeouts and a subprocess timeout so nothing can hang."""
import datetime
import os
import socket
import subprocess
import sys
import time

import pytest

import ramp
from conftest import collect_ranks
import ramp.distributed as dist

WORKER = os.path.join(os.path.dirname(__file__), "dist_worker.py")


def run_ranks(scenario, ws, tmp_path, timeout_s=20.0, env=None, wall=90):
    """Starts `ws` ranks, waits (at most `wall` seconds), returns (exit codes, one JSON per rank)."""
    base = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=os.pathsep.join(sys.path))
    procs = []
    for rank in range(ws):
        e = dict(base, **(env or {}))
        if scenario == "env":
            e.update(RANK=str(rank), WORLD_SIZE=str(ws))
        procs.append(subprocess.Popen([sys.executable, WORKER, scenario, str(rank), str(ws), str(tmp_path),
                                       str(timeout_s)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=e))
    return collect_ranks(procs, wall)


@pytest.mark.parametrize("ws", [2, 3])
def test_async_ops_run_one_at_a_time_in_issue_order(ws, tmp_path):
    # 40 async all_reduces issued back to back: results exact, each future's callback ran after its
    # op and before the next op started, in issue order (the group's two workers take turns)
    codes, infos = run_ranks("order", ws, tmp_path)
    for info in infos:
        assert not info.get("failures") and "stderr" not in info, info
        assert info["checks"] == 2 + 40 + 2 + 1
    assert codes == [0] * ws


@pytest.mark.parametrize("ws", [2, 3])
def test_collectives_every_dtype_exact(ws, tmp_path):
    codes, infos = run_ranks("collectives", ws, tmp_path)
    for info in infos:
        assert not info.get("failures") and "stderr" not in info, info
        assert info["checks"] > 90  # every op x dtype ran
    assert codes == [0] * ws


def test_env_rendezvous_tcp_store(tmp_path):
    port = free_port()  # rank 0's store binds it right after
    codes, infos = run_ranks("env", 3, tmp_path, env={"MASTER_ADDR": "127.0.0.1", "MASTER_PORT": str(port)})
    assert codes == [0] * 3, infos


@pytest.mark.parametrize("ws", [2, 3])
def test_bit_identical_to_torch_gloo(ws, tmp_path):
    pytest.importorskip("torch")
    codes, infos = run_ranks("torch", ws, tmp_path)
    assert codes == [0] * ws, infos


@pytest.mark.parametrize("ws", [2, 3, 4])
def test_killed_rank_raises_within_seconds(ws, tmp_path):
    # a 20 s group timeout: the error must come from the dead peer's closed socket, not the timeout;
    # with 4 ranks, rank 3 is no neighbour of rank 1 in the ring: it learns from the ranks that failed
    codes, infos = run_ranks("killed", ws, tmp_path, timeout_s=20.0)
    assert codes[1] == 3
    for rank in [0] + list(range(2, ws)):
        info = infos[rank]
        assert info.get("error"), info
        assert info["seconds"] < 5.0, info
        assert "all_reduce failed on rank %d (world size %d)" % (rank, ws) in info["error"]
        # the group is unusable afterwards, and says why
        assert info["after"] == ("barrier on rank %d: the process group failed earlier and cannot be used (%s)"
                                 % (rank, info["error"])), info


def test_stuck_rank_raises_at_timeout(tmp_path):
    codes, infos = run_ranks("stuck", 2, tmp_path, timeout_s=1.0)
    info = infos[0]
    assert info.get("error"), info
    assert "all_reduce failed on rank 0 (world size 2)" in info["error"]
    assert "Timed out" in info["error"]
    assert 0.9 < info["seconds"] < 4.0, info


# ---- in this process: rendezvous errors and a one-rank group ----

def test_not_initialized_errors():
    msg = "Default process group has not been initialized, please make sure to call init_process_group."
    assert not dist.is_initialized()
    for fn in (dist.get_rank, dist.get_world_size, lambda: dist.all_reduce(ramp.ones(2)), dist.barrier):
        with pytest.raises(RuntimeError, match="^" + msg.replace(".", r"\.") + "$"):
            fn()


@pytest.mark.parametrize("kwargs,exc,text", [
    (dict(init_method="env://"), ValueError,
     "Error initializing torch.distributed using env:// rendezvous: environment variable RANK expected, but not set"),
    (dict(init_method="tcp://127.0.0.1", rank=0, world_size=1), ValueError,
     "Error initializing torch.distributed using tcp:// rendezvous: port number missing"),
    (dict(init_method="tcp://127.0.0.1:1234", world_size=1), ValueError,
     "Error initializing torch.distributed using tcp:// rendezvous: rank parameter missing"),
    (dict(init_method="file:///tmp/x", rank=0), ValueError,
     "Error initializing torch.distributed using file:// rendezvous: world size parameter missing"),
    (dict(init_method="foo://x", rank=0, world_size=1), RuntimeError, "No rendezvous handler for foo://"),
    (dict(init_method="file:///tmp/x", rank=0, world_size=1, timeout=5), RuntimeError,
     "Expected timeout argument to be of typedatetime.timedelta"),
])
def test_rendezvous_errors(kwargs, exc, text, monkeypatch):
    for var in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(exc) as info:
        dist.init_process_group("gloo", **kwargs)
    assert str(info.value) == text
    assert not dist.is_initialized()


def test_backend_names():
    assert dist.Backend("GLOO") == "gloo" == dist.Backend.GLOO
    with pytest.raises(ValueError, match="^Invalid backend: 'foo'$"):
        dist.init_process_group("foo", init_method="file:///tmp/x", rank=0, world_size=1)
    with pytest.raises(RuntimeError, match="doesn't have NCCL built in"):
        dist.init_process_group("nccl", init_method="file:///tmp/x", rank=0, world_size=1)


def test_one_rank_group_and_double_init(tmp_path):
    dist.init_process_group("gloo", init_method="file://%s" % (tmp_path / "s"), rank=0, world_size=1,
                            timeout=datetime.timedelta(seconds=5))
    try:
        assert (dist.get_rank(), dist.get_world_size(), dist.get_backend()) == (0, 1, "gloo")
        with pytest.raises(RuntimeError, match="^trying to initialize the default process group twice!$"):
            dist.init_process_group("gloo", init_method="file://%s" % (tmp_path / "t"), rank=0, world_size=1)
        t = ramp.tensor([1.5, -2.0])
        assert dist.all_reduce(t) is None and t.tolist() == [1.5, -2.0]
    finally:
        dist.destroy_process_group()
    assert not dist.is_initialized()
    with pytest.raises(AssertionError):
        dist.destroy_process_group()


def test_rendezvous_timeout_when_a_rank_never_comes(tmp_path):
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="init_process_group failed on rank 0 \\(world size 2\\)"):
        dist.init_process_group("gloo", init_method="file://%s" % (tmp_path / "s"), rank=0, world_size=2,
                                timeout=datetime.timedelta(seconds=1))
    assert time.monotonic() - start < 4
    assert not dist.is_initialized()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_tcp_store_one_rank_and_port_in_use():
    port = free_port()
    dist.init_process_group("gloo", init_method="tcp://127.0.0.1:%d" % port, rank=0, world_size=1,
                            timeout=datetime.timedelta(seconds=5))
    try:
        t = ramp.tensor([3, 4], dtype=ramp.int64)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        assert t.tolist() == [3, 4]
    finally:
        dist.destroy_process_group()
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        with pytest.raises(RuntimeError, match="The server socket has failed to listen on any local network address"):
            dist.init_process_group("gloo", init_method="tcp://127.0.0.1:%d" % busy.getsockname()[1], rank=0,
                                    world_size=1, timeout=datetime.timedelta(seconds=2))
    assert not dist.is_initialized()


def test_tcp_store_unreachable_master_times_out():
    start = time.monotonic()
    with pytest.raises(RuntimeError, match="could not connect to the store at 127.0.0.1:%d" % 1):
        dist.init_process_group("gloo", init_method="tcp://127.0.0.1:1", rank=1, world_size=2,
                                timeout=datetime.timedelta(seconds=1))
    assert time.monotonic() - start < 3
