"""One rank started by ramp-run / python -m ramp.distributed.run in test_launch.py (not a test module).

    launch_script.py env                 env:// rendezvous, all_reduce of the ranks, prints the env as JSON
    launch_script.py exit RANK CODE      rank RANK exits CODE at once, the others sleep 60 s
    launch_script.py sleep [ignore]      prints "ready RANK PID", sleeps 60 s (ignoring SIGTERM with `ignore`)
    launch_script.py new_group FOLDER    (3 ranks) new_group's semantics, the same calls on torch 1.13's gloo
    launch_script.py work FOLDER         (2 ranks) Work's and Future's methods, the same calls on torch's

The torch scenarios run each call on torch.distributed (file:// in FOLDER) and on ramp.distributed
(env://) in the same process and print both results as JSON; the test compares them.
"""
import json
import os
import signal
import sys
import time
import warnings
from datetime import timedelta

import ramp
import ramp.distributed as rdist

ENV = ["RANK", "LOCAL_RANK", "WORLD_SIZE", "LOCAL_WORLD_SIZE", "GROUP_RANK", "GROUP_WORLD_SIZE", "ROLE_RANK",
       "ROLE_NAME", "MASTER_ADDR", "MASTER_PORT", "OMP_NUM_THREADS", "TORCHELASTIC_RESTART_COUNT"]


def emit(obj):
    """One JSON line in one write(2): the ranks share the launcher's stdout (print() writes the newline
    separately, and the lines of two ranks would interleave)."""
    os.write(1, (json.dumps(obj) + "\n").encode())


def error_text(fn, group=None):
    """The error `fn` raises, type and message (a group's repr replaced: torch and ramp print theirs)."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the text is the result
        text = str(e).splitlines()[0]
        if group is not None:
            text = text.replace(repr(group), "<group>")
        return "%s: %s" % (type(e).__name__, text)
    return None


def new_group_calls(lib, dist, rank):
    out = {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        g = dist.new_group([2, 0])  # unsorted on purpose: 1.13 sorts
        member = g is not dist.GroupMember.NON_GROUP_MEMBER
        out["member"] = member
        out["rank, size"] = [dist.get_rank(g), dist.get_world_size(g)]
        t = lib.full((4,), float(rank + 1))
        out["all_reduce returns"] = repr(dist.all_reduce(t, group=g))
        out["all_reduce"] = t.tolist()
        b = lib.full((3,), 10.0 * rank)
        dist.broadcast(b, src=2, group=g)
        out["broadcast src=2"] = b.tolist()
        r = lib.full((2,), float(rank + 1))
        dist.reduce(r, dst=2, op=dist.ReduceOp.MAX, group=g)
        out["reduce dst=2"] = r.tolist() if rank == 2 else None
        outs = [lib.zeros(2) for _ in range(2)]
        dist.all_gather(outs, lib.full((2,), float(rank)), group=g)
        out["all_gather"] = [o.tolist() for o in outs]
        gl = [lib.zeros(2) for _ in range(2)] if rank == 2 else None
        dist.gather(lib.full((2,), float(rank)), gl, dst=2, group=g)
        out["gather dst=2"] = [o.tolist() for o in gl] if gl else None
        s = lib.zeros(2)
        dist.scatter(s, [lib.full((2,), 5.0), lib.full((2,), 7.0)] if rank == 0 else None, src=0, group=g)
        out["scatter src=0"] = s.tolist()
        out["barrier"] = repr(dist.barrier(group=g))
        w = dist.all_reduce(t, group=g, async_op=True)
        out["async"] = w.wait() if member else repr(w)
        out["warnings"] = [str(c.message) for c in caught]
    if member:
        out["get_group_rank(g, 1)"] = error_text(lambda: dist.get_group_rank(g, 1), g)
        out["broadcast src=1"] = error_text(lambda: dist.broadcast(b, src=1, group=g), g)
        out["ranks"] = [dist.get_group_rank(g, rank), dist.get_global_rank(g, 1), dist.get_process_group_ranks(g)]
        out["get_global_rank(g, 5)"] = error_text(lambda: dist.get_global_rank(g, 5), g)
        out["backend"] = dist.get_backend(g)
    else:
        out["backend"] = error_text(lambda: dist.get_backend(g))
    everyone = dist.new_group()
    m = lib.full((2,), float(rank))
    dist.all_reduce(m, op=dist.ReduceOp.MAX, group=everyone)
    out["new_group() MAX"] = [m.tolist(), dist.get_rank(everyone), dist.get_world_size(everyone)]
    out["errors"] = [error_text(lambda: dist.new_group([0, 1, 2, 0])), error_text(lambda: dist.new_group([0, 3])),
                     error_text(lambda: dist.new_group([0], timeout=5))]
    out["destroy g"] = [repr(dist.destroy_process_group(g)),
                        error_text(lambda: dist.destroy_process_group(g)) if member else None]
    dist.barrier()
    return out


def work_calls(lib, dist, rank):
    out = {}
    t = lib.ones(3) * (rank + 1)
    w = dist.all_reduce(t, async_op=True)
    fut = w.get_future()
    chained = fut.then(lambda f: f.value()[0] * 2)
    out["wait"] = w.wait(timeout=timedelta(seconds=20))
    out["is_completed, is_success"] = [w.is_completed(), w.is_success()]
    out["future wait"] = [x.tolist() for x in fut.wait()]
    out["future value, done"] = [[x.tolist() for x in fut.value()], fut.done()]
    out["then"] = chained.wait().tolist()
    out["then raising"] = error_text(fut.then(lambda f: 1 / 0).wait)
    out["source_rank"] = error_text(w.source_rank)
    out["result"] = [x.tolist() for x in w.result()]
    outs = [lib.zeros(1), lib.zeros(1)]
    out["all_gather future"] = [x.tolist() for x in dist.all_gather(outs, lib.ones(1) * rank, async_op=True)
                                .get_future().wait()]
    out["barrier future"] = dist.barrier(async_op=True).get_future().wait()
    # a late peer: rank 0's wait(timeout) gives up first, a plain wait() then gets the result
    dist.barrier()
    if rank == 1:
        time.sleep(1.5)
    t2 = lib.ones(2) * (rank + 1)
    w2 = dist.all_reduce(t2, async_op=True)
    if rank == 0:
        start = time.monotonic()
        out["wait(timeout=0.3s)"] = error_text(lambda: w2.wait(timeout=timedelta(seconds=0.3)))
        out["timed out in < 1.2 s"] = time.monotonic() - start < 1.2
    out["wait after"] = [w2.wait(), t2.tolist()]
    dist.barrier()
    return out


def with_torch(scenario, folder):
    import torch
    import torch.distributed as tdist
    rank, ws = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    tdist.init_process_group("gloo", init_method="file://" + os.path.join(folder, "torch_store"), rank=rank,
                             world_size=ws, timeout=timedelta(seconds=30))
    rdist.init_process_group("gloo", timeout=timedelta(seconds=30))  # env:// from the launcher
    calls = new_group_calls if scenario == "new_group" else work_calls
    result = {"rank": rank, "torch": calls(torch, tdist, rank), "ramp": calls(ramp, rdist, rank)}
    if scenario == "work":
        # a failed op (ramp only: 1.13's Work.exception() cannot be called, its binding raises TypeError)
        rdist.barrier()
        if rank == 1:
            emit(result)
            os._exit(0)
        w = rdist.all_reduce(ramp.ones(1 << 16), async_op=True)
        result["failed"] = [error_text(w.wait), w.is_completed(), w.is_success(), type(w.exception()).__name__,
                            str(w.exception()) == error_text(w.wait).split(": ", 1)[1],
                            error_text(w.get_future().wait) == error_text(w.wait)]
    emit(result)
    os._exit(0)  # the ramp group of "work" has a dead peer; skip the interpreter's teardown


def main():
    scenario = sys.argv[1]
    rank = int(os.environ["RANK"])
    if scenario == "env":
        rdist.init_process_group("gloo", timeout=timedelta(seconds=20))
        t = ramp.full((3,), float(rdist.get_rank()))
        rdist.all_reduce(t)
        info = {k: os.environ.get(k) for k in ENV}
        info.update(rank=rdist.get_rank(), world_size=rdist.get_world_size(), sum=t.tolist()[0],
                    python=sys.executable)
        emit(info)
        rdist.destroy_process_group()
    elif scenario == "exit":
        if rank == int(sys.argv[2]):
            os._exit(int(sys.argv[3]))
        time.sleep(60)
    elif scenario == "sleep":
        if sys.argv[2:] == ["ignore"]:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        os.write(1, b"ready %d %d\n" % (rank, os.getpid()))
        time.sleep(60)
    else:
        with_torch(scenario, sys.argv[2])


if __name__ == "__main__":
    main()
