"""Training on a shared machine: an MLP and a CNN epoch over a shuffling DataLoader, ramp beside
PyTorch 1.13 (2 threads each, the same code), first on the quiet machine, then with busy processes
beside it (pure-Python spin loops this bench starts and stops itself, by process id). Two busy
processes beside a 2-thread job on a 2-core machine leave it half the cores: a 2x slowdown is the
fair share (issue 12 asks for at most 2.5x). Prints markdown: seconds per epoch (median of rounds,
the libraries alternating) and each library's slowdown.

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_busy.py [--busy 2] [--rounds 3]
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import time

import numpy as np
import torch

import ramp


def models(lib):
    nn = lib.nn
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    cnn = nn.Sequential(nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(32 * 7 * 7, 10))
    return {"MLP": mlp, "CNN": cnn}


def epoch(lib, name, x, y, batch=64):
    lib.manual_seed(0)
    model = models(lib)[name]
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    data = lib.utils.data.TensorDataset(lib.from_numpy(x), lib.from_numpy(y))
    loader = lib.utils.data.DataLoader(data, batch_size=batch, shuffle=True)
    loss_fn = lib.nn.CrossEntropyLoss()
    start = time.perf_counter()
    for xb, yb in loader:
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        opt.step()
    return time.perf_counter() - start


def start_busy(n):
    """n processes spinning in pure Python; their pids, to stop them."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]).pid for _ in range(n)]


def stop_busy(pids):
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--busy", type=int, default=2, help="busy processes in the loaded runs")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--mlp-images", type=int, default=10000)
    ap.add_argument("--cnn-images", type=int, default=2000)
    args = ap.parse_args()
    ramp.set_num_threads(2)
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    sizes = {"MLP": args.mlp_images, "CNN": args.cnn_images}
    data = {k: (rng.standard_normal((n, 1, 28, 28)).astype(np.float32), rng.integers(0, 10, n).astype(np.int64))
            for k, n in sizes.items()}
    times = {}  # (model, lib, loaded) -> [seconds]
    for loaded in (False, True):
        pids = start_busy(args.busy) if loaded else []
        try:
            time.sleep(0.5 if loaded else 0)  # the spinners get going
            for _ in range(args.rounds):
                for name, (x, y) in data.items():
                    for lib in (ramp, torch):
                        times.setdefault((name, lib.__name__, loaded), []).append(epoch(lib, name, x, y))
        finally:
            stop_busy(pids)
    print(f"torch {torch.__version__}, {os.cpu_count()} cores, 2 threads each, {args.busy} busy processes, "
          f"median of {args.rounds} rounds")
    print("| epoch | library | quiet s | busy s | slowdown |")
    print("|---|---|---|---|---|")
    for name in data:
        for lib in ("ramp", "torch"):
            q = statistics.median(times[(name, lib, False)])
            b = statistics.median(times[(name, lib, True)])
            print(f"| {name} ({sizes[name]} images, batch 64) | {lib} | {q:.2f} | {b:.2f} | {b / q:.2f}x |")


if __name__ == "__main__":
    main()
