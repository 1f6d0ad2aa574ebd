"""What watching a training step costs: ramp's Monitor (every statistic on, every step) beside the
same step unwatched, and torch 1.13 computing the same statistics through hooks, as users write
them (forward hooks with .item() per statistic, histc, a tensor hook for the input gradient,
parameter snapshots for update ratios), beside its own unwatched step; both log every `--every`-th
step (unit liveness every step). The last column is an A/A control: a second unwatched ramp model
timed the same way against the first, the noise floor of the run. Steps and models are
bench_train.py's; rounds alternate the four; the table gives the median per-round overhead.

    PYTHONPATH=build/python /usr/bin/python3 bench/bench_diagnostics.py [--rounds 15] [--every 1]
"""
import argparse
import statistics

import torch

import ramp
from bench_train import batch, cnn, make_step, mlp, rounds

WATCHED = (torch.nn.ReLU,)


class TorchHooks:
    """The Monitor's statistics, computed with torch's public API: unit liveness every step, the
    rest on every `every`-th step (the snapshot for update ratios taken just before those)."""

    def __init__(self, model, opt, every=1):
        self.model, self.opt, self.records, self.every, self.n = model, opt, [], every, 0
        self.before = [p.detach().clone() for p in model.parameters()]
        self.alive = {}
        for name, m in model.named_modules():
            if isinstance(m, WATCHED):
                m.register_forward_hook(self.hook(name))

    def hook(self, name):
        def fwd(mod, inp, out):
            y = out.detach()
            units = (y > 0).transpose(0, 1).reshape(y.shape[1], -1).any(dim=1)
            self.alive[name] = units | self.alive.get(name, torch.zeros_like(units))
            if self.n % self.every:
                return
            self.records.append((name, (y <= 0).float().mean().item(), y.mean().item(), y.std().item(),
                                 torch.histc(y, 40, -4, 4)))
            if inp[0].requires_grad:
                inp[0].register_hook(lambda g: self.records.append((name, g.norm().item())))
        return fwd

    def step(self, loss):
        logged = self.n % self.every == 0
        self.n += 1
        with torch.no_grad():
            for p, b in zip(self.model.parameters(), self.before):
                if logged:
                    self.records.append((p.grad.norm().item(), ((p - b).norm() / b.norm()).item()))
                if self.n % self.every == 0:  # the next step is logged: its update's starting point
                    b.copy_(p)
        if logged:
            self.records.append(loss.item())
        if len(self.records) > 10000:
            self.records.clear()


def watched(step, lib, every):
    """The step, then the statistics: ramp's Monitor or torch's hooks."""
    if lib is ramp:
        mon = ramp.diagnostics.Monitor(step.model, optimizer=step.optimizer, every=every)

        def run():
            mon.step(step())
        run.monitor = mon
        return run
    hooks = TorchHooks(step.model, step.optimizer, every)
    return lambda: hooks.step(step())


def measure(args, name, build, shape, threads):
    x, y = batch(shape, threads)
    runs = {}
    for lib in (ramp, torch):
        runs[(lib.__name__, "plain")] = make_step(lib, build, x, y)
        runs[(lib.__name__, "watched")] = watched(make_step(lib, build, x, y), lib, args.every)
    # A/A control: a second unwatched ramp model beside the first, the noise floor of one run
    runs[("ramp", "twin")] = make_step(ramp, build, x, y)
    for r in runs.values():
        r()
    times = rounds(args, runs)
    over = {key: 100 * statistics.median(w / p - 1 for w, p in zip(times[(lib, kind)], times[(lib, "plain")]))
            for key, lib, kind in (("ramp", "ramp", "watched"), ("torch", "torch", "watched"), ("twin", "ramp", "twin"))}
    med = {k: statistics.median(v) * 1e6 for k, v in times.items()}
    print(f"| {name} | {threads} | {med[('ramp', 'plain')]:.0f} | **{over['ramp']:+.1f}%** | "
          f"{med[('torch', 'plain')]:.0f} | {over['torch']:+.1f}% | {over['twin']:+.1f}% |", flush=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--sample-ms", type=float, default=200.0)
    parser.add_argument("--every", type=int, default=1)
    args = parser.parse_args()
    print(f"ramp Monitor (every {args.every}) vs torch {torch.__version__} hooks, {args.rounds} rounds")
    print()
    print("| training step | threads | ramp µs | ramp overhead | torch µs | torch hooks overhead | A/A |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    measure(args, "MLP 784-256-10, batch 64", mlp, (64, 784), 1)
    measure(args, "CNN 3x32x32, batch 32", cnn, (32, 3, 32, 32), 1)


if __name__ == "__main__":
    main()
