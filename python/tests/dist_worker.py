"""One rank of the multi-process tests in test_distributed.py (not a test module itself).

    python dist_worker.py SCENARIO RANK WORLD_SIZE STORE_FOLDER TIMEOUT_S

Every rank builds every rank's inputs (a formula of rank and index), so each checks its result
against the exact answer computed locally in Python integers; values stay small so every dtype holds
them exactly (sums and products included). Prints one JSON line and exits 0 if all checks passed.
"""
import json
import os
import sys
import time
from datetime import timedelta
from functools import reduce as fold

import ramp
import ramp.distributed as dist

DTYPES = ["bool", "uint8", "int8", "int32", "int64", "bfloat16", "float32", "float64"]
INTEGRAL = {"bool", "uint8", "int8", "int32", "int64"}
N = 7


def values(rank, dtype, salt=0):
    """Rank `rank`'s input: 1..4 (products of 3 ranks fit int8), 0/1 for bool."""
    v = [((rank * 3 + i * 5 + salt) % 4) + 1 for i in range(N)]
    return [x % 2 == 0 for x in v] if dtype == "bool" else v


def bits(rank, i):
    return (rank * 7 + i * 3 + 5) % 16


def exact(op, cols, dtype):
    """The reduction of one column of per-rank values, as Python computes it."""
    if dtype == "bool":
        table = {"SUM": any, "MAX": any, "BOR": any, "PRODUCT": all, "MIN": all, "BAND": all}
        if op == "BXOR":
            return fold(lambda a, b: a != b, cols)
        return table[op](cols)
    return {"SUM": sum, "MAX": max, "MIN": min,
            "PRODUCT": lambda c: fold(lambda a, b: a * b, c),
            "BAND": lambda c: fold(lambda a, b: a & b, c),
            "BOR": lambda c: fold(lambda a, b: a | b, c),
            "BXOR": lambda c: fold(lambda a, b: a ^ b, c)}[op](cols)


def make(vals, dtype):
    return ramp.tensor(vals, dtype=getattr(ramp, dtype))


def as_list(t):
    out = t.tolist()
    return [bool(x) for x in out] if t.dtype == ramp.bool else [int(x) if not isinstance(x, bool) else x for x in out]


class Checker:
    def __init__(self):
        self.failures, self.count = [], 0

    def eq(self, what, got, want):
        self.count += 1
        if got != want:
            self.failures.append("%s: got %r, want %r" % (what, got, want))

    def raises(self, what, exc, text, fn):
        self.count += 1
        try:
            fn()
        except exc as e:
            if text not in str(e):
                self.failures.append("%s: message %r lacks %r" % (what, str(e), text))
            return
        except Exception as e:  # noqa: BLE001 - reported as a failure
            self.failures.append("%s: raised %s(%s), want %s" % (what, type(e).__name__, e, exc.__name__))
            return
        self.failures.append("%s: did not raise" % what)


def collectives(rank, ws, check):
    ops = ["SUM", "PRODUCT", "MIN", "MAX", "BAND", "BOR", "BXOR"]
    for dtype in DTYPES:
        for op in ops:
            bitwise = op in ("BAND", "BOR", "BXOR")
            if bitwise and dtype not in INTEGRAL:
                continue
            per_rank = [[bits(r, i) for i in range(N)] if bitwise and dtype != "bool" else values(r, dtype)
                        for r in range(ws)]
            want = [exact(op, [per_rank[r][i] for r in range(ws)], dtype) for i in range(N)]
            t = make(per_rank[rank], dtype)
            dist.all_reduce(t, op=getattr(dist.ReduceOp, op))
            check.eq("all_reduce %s %s" % (op, dtype), as_list(t), want)
            # reduce: the result on the destination only (the others hold partial sums, as in 1.13)
            t = make(per_rank[rank], dtype)
            dist.reduce(t, dst=ws - 1, op=getattr(dist.ReduceOp, op))
            if rank == ws - 1:
                check.eq("reduce %s %s" % (op, dtype), as_list(t), want)
        mine = [values(r, dtype, salt=1) for r in range(ws)]
        for root in range(ws):
            t = make(mine[rank], dtype)
            dist.broadcast(t, src=root)
            check.eq("broadcast %s root %d" % (dtype, root), as_list(t), mine[root])
        outs = [make([0] * N, dtype) for _ in range(ws)]
        dist.all_gather(outs, make(mine[rank], dtype))
        check.eq("all_gather %s" % dtype, [as_list(o) for o in outs], mine)
        root = 1 % ws
        outs = [make([0] * N, dtype) for _ in range(ws)] if rank == root else None
        dist.gather(make(mine[rank], dtype), outs, dst=root)
        if rank == root:
            check.eq("gather %s" % dtype, [as_list(o) for o in outs], mine)
        out = make([0] * N, dtype)
        dist.scatter(out, [make(mine[r], dtype) for r in range(ws)] if rank == root else None, src=root)
        check.eq("scatter %s" % dtype, as_list(out), mine[rank])

    # non-contiguous tensors: the result lands in the caller's strided view
    base = ramp.arange(12, dtype=ramp.float32).reshape(3, 4) * (rank + 1)
    view = base.t()
    dist.all_reduce(view)
    tri = ws * (ws + 1) // 2
    check.eq("all_reduce transposed", base.tolist(), [[float(x * tri) for x in range(r * 4, r * 4 + 4)] for r in range(3)])
    empty = ramp.zeros(0)
    dist.all_reduce(empty)
    check.eq("all_reduce empty", empty.tolist(), [])

    # async: several ops in flight, then waits in any order; results as if run one by one
    ts = [ramp.full((1000,), float(rank + k)) for k in range(4)]
    works = [dist.all_reduce(t, async_op=True) for t in ts]
    check.eq("async returns Work", all(isinstance(w, dist.Work) for w in works), True)
    for w in reversed(works):
        check.eq("wait", w.wait(), True)
    for k, t in enumerate(ts):
        check.eq("async all_reduce %d" % k, set(t.tolist()), {float(sum(r + k for r in range(ws)))})
    check.eq("is_completed", [w.is_completed() for w in works], [True] * 4)
    w = dist.barrier(async_op=True)
    w.wait()
    check.eq("barrier is_success", w.is_success(), True)

    # 1.13's refusals (raised on the caller's thread, before anything is sent)
    t = ramp.ones(3)
    check.raises("AVG", RuntimeError, "Cannot use ReduceOp.AVG with Gloo",
                 lambda: dist.all_reduce(t, op=dist.ReduceOp.AVG))
    check.raises("BAND float", RuntimeError, "Cannot use ReduceOp.BAND with non-integral dtype",
                 lambda: dist.all_reduce(t, op=dist.ReduceOp.BAND))
    check.raises("bad root", RuntimeError, "ProcessGroupGloo::broadcast: invalid root rank: %d" % ws,
                 lambda: dist.broadcast(t, src=ws))
    check.raises("all_gather list", RuntimeError, "invalid output tensor list at index 0 (expected length %d, got 1)" % ws,
                 lambda: dist.all_gather([t], t))
    check.raises("all_gather size", RuntimeError, "invalid tensor size at index 0 (expected (3), got (2))",
                 lambda: dist.all_gather([ramp.ones(2)] * ws, t))
    check.raises("not a tensor", RuntimeError, "Expected parameter `tensor` to be of type torch.Tensor.",
                 lambda: dist.all_reduce([t]))
    if rank == 0:
        check.raises("gather_list", ValueError, "Argument ``gather_list`` must be specified on destination rank.",
                     lambda: dist.gather(t, None, dst=0))
    else:
        check.raises("gather_list", ValueError, "must NOT be specified on non-destination ranks",
                     lambda: dist.gather(t, [t] * ws, dst=0))
    dist.barrier()  # everyone is past the refusals (they sent nothing)


def against_torch(rank, ws, check, folder):
    """The same random float inputs through torch 1.13's gloo and ramp's: bit-identical (same library,
    same ring algorithm)."""
    import numpy as np
    import torch
    import torch.distributed as tdist
    tdist.init_process_group("gloo", init_method="file://" + os.path.join(folder, "torch_store"), rank=rank,
                             world_size=ws, timeout=timedelta(seconds=20))
    rng = np.random.default_rng(1234 + rank)
    for n in (5, 1000, 300001):  # 300001 floats: several Gloo segments
        x = rng.standard_normal(n).astype(np.float32)
        a, b = torch.from_numpy(x.copy()), ramp.from_numpy(x.copy())
        tdist.all_reduce(a)
        dist.all_reduce(b)
        check.eq("torch all_reduce n=%d" % n, bool((a.numpy().view(np.uint32) == b.numpy().view(np.uint32)).all()), True)
        a, b = torch.from_numpy(x.astype(np.float64)), ramp.from_numpy(x.astype(np.float64))
        tdist.all_reduce(a, op=tdist.ReduceOp.MAX)
        dist.all_reduce(b, op=dist.ReduceOp.MAX)
        check.eq("torch all_reduce MAX n=%d" % n, a.numpy().tolist() == b.numpy().tolist(), True)
    tdist.destroy_process_group()


def in_order(rank, ws, check):
    """Many async collectives issued back to back (the group's workers take turns): each runs after
    the one before it and before the next one, and its future's callbacks run in between (1.13's
    FIFO: DDP's bucket callbacks rely on it). Op i reduces its own tensor; its callback records the
    order and whether op i+1's tensor is still untouched."""
    k = 40
    ops = [dist.ReduceOp.SUM, dist.ReduceOp.MAX, dist.ReduceOp.MIN, dist.ReduceOp.PRODUCT]
    ts = [ramp.tensor([rank + 1 + i, (rank * 7 + i) % 5 + 1], dtype=ramp.int64) for i in range(k)]
    originals = [t.tolist() for t in ts]
    seen, untouched = [], []

    def callback(i):
        def cb(_fut):
            seen.append(i)
            if i + 1 < k:
                untouched.append(ts[i + 1].tolist() == originals[i + 1])
        return cb
    works = []
    for i in range(k):
        w = dist.all_reduce(ts[i], op=ops[i % 4], async_op=True)
        w.get_future().add_done_callback(callback(i))
        works.append(w)
    for w in works:
        w.wait()
    for i in range(k):
        cols = [[r + 1 + i, (r * 7 + i) % 5 + 1] for r in range(ws)]
        f = {0: sum, 1: max, 2: min, 3: lambda xs: fold(lambda a, b: a * b, xs)}[i % 4]
        check.eq("op %d result" % i, ts[i].tolist(), [f([c[j] for c in cols]) for j in range(2)])
    check.eq("callbacks in issue order", seen, list(range(k)))
    check.eq("each op done before the next started", untouched, [True] * (k - 1))


def main():
    scenario, rank, ws, folder, timeout = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], float(sys.argv[5])
    check = Checker()
    info = {"rank": rank}
    if scenario == "env":  # RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT come from the parent
        dist.init_process_group("gloo", timeout=timedelta(seconds=timeout))
    else:
        dist.init_process_group("gloo", init_method="file://" + os.path.join(folder, "store"), rank=rank,
                                world_size=ws, timeout=timedelta(seconds=timeout))
    check.eq("get_rank", dist.get_rank(), rank)
    check.eq("get_world_size", dist.get_world_size(), ws)
    if scenario == "collectives":
        collectives(rank, ws, check)
    elif scenario == "env":
        t = ramp.full((3,), float(rank))
        dist.all_reduce(t)
        check.eq("env all_reduce", t.tolist(), [float(ws * (ws - 1) // 2)] * 3)
    elif scenario == "torch":
        against_torch(rank, ws, check, folder)
    elif scenario == "order":
        in_order(rank, ws, check)
    elif scenario in ("killed", "stuck"):
        dist.barrier()
        if rank == 1:
            if scenario == "killed":
                os._exit(3)  # dies without a goodbye; the kernel closes its sockets
            time.sleep(timeout + 4)  # never joins the next op
            os._exit(0)
        start = time.monotonic()
        try:
            dist.all_reduce(ramp.ones(1 << 16))
            info["error"] = None
        except RuntimeError as e:
            info["error"] = str(e)
        info["seconds"] = time.monotonic() - start
        try:
            dist.barrier()
            info["after"] = None
        except RuntimeError as e:
            info["after"] = str(e)
        if ws >= 4:  # stay alive: a rank far from the dead one must not learn of it from our exit
            time.sleep(6)
    dist.destroy_process_group()
    check.eq("is_initialized after destroy", dist.is_initialized(), False)
    info.update(checks=check.count, failures=check.failures)
    print(json.dumps(info), flush=True)
    # skip interpreter teardown: a killed peer's group is gone already
    os._exit(0 if not check.failures else 1)


if __name__ == "__main__":
    main()
