"""Training steps from Python, ramp vs PyTorch 1.13, the same code on both libraries: forward, loss,
zero_grad, backward, SGD step. Models: the MLP Linear(784,256)-ReLU-Linear(256,10) at batch 1 and
64, and the seeds' CNN Conv2d(3,32,3,p=1)-ReLU-MaxPool2d(2)-Conv2d(32,64,3,p=1)-ReLU-MaxPool2d(2)
(+ Flatten-Linear(4096,10) for a loss) at batch 32 on 3x32x32. Rounds alternate between the
libraries; each round times a block of steps; the table gives medians over rounds and the median of
the per-round ratios. Prints markdown.

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_train.py [--rounds 15] [--sample-ms 200]
"""
import argparse
import statistics
import time

import numpy as np
import torch

import ramp



def mlp(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))


def cnn(lib):
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64 * 8 * 8, 10))


def make_step(lib, build, x_np, y_np):
    """A closure running one training step; both libraries start from the same weights."""
    lib.manual_seed(0)
    model = build(lib)
    if lib is ramp:  # torch's initial weights (the same seed, so the same as its model), through NumPy
        torch.manual_seed(0)
        twin = build(torch)
        model.load_state_dict({k: ramp.from_numpy(v.detach().numpy().copy()) for k, v in twin.state_dict().items()})
    opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = lib.from_numpy(x_np), lib.from_numpy(y_np)
    F = lib.nn.functional

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        return loss
    step.model, step.optimizer = model, opt  # for bench_diagnostics.py, which watches them
    return step


def time_block(step, reps):
    start = time.perf_counter()
    for _ in range(reps):
        step()
    return (time.perf_counter() - start) / reps


def batch(shape, threads):
    """A seeded input batch and labels; both libraries set to `threads`."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape, dtype=np.float32)
    y = rng.integers(0, 10, shape[0]).astype(np.int64)
    torch.set_num_threads(threads)
    ramp.set_num_threads(threads)
    return x, y


def rounds(args, runs):
    """{key: [seconds per call, one per round]}, the runs interleaved in each round (after a warm-up)."""
    reps = {k: max(1, int(args.sample_ms / 1e3 / time_block(r, 3))) for k, r in runs.items()}
    times = {k: [] for k in runs}
    for _ in range(args.rounds):
        for k, r in runs.items():
            times[k].append(time_block(r, reps[k]))
    return times


def measure(args, name, build, shape, threads):
    x, y = batch(shape, threads)
    steps = {"torch": make_step(torch, build, x, y), "ramp": make_step(ramp, build, x, y)}
    first = {k: float(s().item()) for k, s in steps.items()}  # warm-up; same weights, same loss
    times = rounds(args, steps)
    ratio = statistics.median(t / r for t, r in zip(times["torch"], times["ramp"]))
    med = {k: statistics.median(v) * 1e6 for k, v in times.items()}
    print(f"| {name} | {threads} | {med['torch']:.0f} | {med['ramp']:.0f} | **{ratio:.2f}x** | "
          f"{first['torch']:.6f} / {first['ramp']:.6f} |", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--sample-ms", type=float, default=200.0)
    args = parser.parse_args()
    print(f"ramp vs torch {torch.__version__}, {args.rounds} rounds, ~{args.sample_ms:.0f} ms per sample")
    print()
    print("| training step (Python) | threads | torch µs | ramp µs | torch/ramp | first loss torch / ramp |")
    print("| --- | --- | --- | --- | --- | --- |")
    measure(args, "MLP 784-256-10, batch 1", mlp, (1, 784), 1)
    measure(args, "MLP 784-256-10, batch 64", mlp, (64, 784), 1)
    measure(args, "CNN 3x32x32, batch 32", cnn, (32, 3, 32, 32), 1)
    measure(args, "CNN 3x32x32, batch 32", cnn, (32, 3, 32, 32), 2)


if __name__ == "__main__":
    main()
