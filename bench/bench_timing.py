"""What the Python benchmarks share: calls per sample sized to a time budget, and the interleaved
ramp-against-torch table (each round times both, in alternating order; medians of per-call times,
ratio = the median of the per-round torch / ramp ratios)."""
import statistics
import time


def per_call(fn, *args, budget=0.02):
    """Seconds per fn(*args) call, timed over enough calls for ~budget seconds."""
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn(*args)
        dt = time.perf_counter() - t0
        if dt > budget or n > 1 << 16:
            return dt / n
        n *= 4


def print_interleaved(cases, rounds):
    """cases: (name, ramp call, torch call); prints a markdown row per case as it is measured."""
    print("\n| case | ramp | torch 1.13 | torch/ramp |\n|---|---:|---:|---:|")
    for name, r, t in cases:
        rt, tt, ratios = [], [], []
        for k in range(rounds):
            pair = [r, t] if k % 2 == 0 else [t, r]
            got = {id(f): per_call(f) for f in pair}
            rt.append(got[id(r)])
            tt.append(got[id(t)])
            ratios.append(got[id(t)] / got[id(r)])
        print(f"| {name} | {statistics.median(rt) * 1e6:.0f} µs | {statistics.median(tt) * 1e6:.0f} µs | "
              f"{statistics.median(ratios):.2f}× |", flush=True)
