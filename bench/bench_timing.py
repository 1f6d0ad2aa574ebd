"""What the Python benchmarks share: calls per sample sized to a time budget."""
import time


def per_call(fn, x, lib, budget=0.02):
    """Seconds per fn(lib, x) call, timed over enough calls for ~budget seconds."""
    n = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn(lib, x)
        dt = time.perf_counter() - t0
        if dt > budget or n > 1 << 16:
            return dt / n
        n *= 4
