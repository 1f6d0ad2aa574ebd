"""Trains the seeds' small ReLU MLP and CNN on Fashion-MNIST (Debian's dataset-fashion-mnist) with
SGD + momentum, a step learning-rate schedule and gradient clipping, a line per epoch (loss,
accuracy, time). --torch runs the same code on PyTorch 1.13, for the time per epoch beside ramp's.

    PYTHONPATH=build/python /usr/bin/python3 examples/train_fashion_mnist.py [mlp|cnn|both] [--epochs N] [--torch]

--distributed trains data-parallel over the ranks a torchrun-style launcher started (it sets RANK,
LOCAL_RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT): a Gloo process group through env://, each rank
its share of the images (DistributedSampler), the model in DistributedDataParallel; rank 0 prints.
With two ranks by hand:

    for r in 0 1; do RANK=$r LOCAL_RANK=$r WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29500 \
      PYTHONPATH=build/python /usr/bin/python3 examples/train_fashion_mnist.py mlp --distributed & done; wait
"""
import argparse
import time

import numpy as np

import ramp

parser = argparse.ArgumentParser()
parser.add_argument("model", nargs="?", default="both", choices=["mlp", "cnn", "both"])
parser.add_argument("--epochs", type=int, default=None, help="default: 5 for the MLP, 1 for the CNN")
parser.add_argument("--torch", action="store_true", help="run on PyTorch instead of ramp")
parser.add_argument("--threads", type=int, default=None)
parser.add_argument("--distributed", action="store_true",
                    help="data-parallel over the ranks a launcher started (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT)")
parser.add_argument("--limit", type=int, default=None, help="use only the first N training and test images")
args = parser.parse_args()

if args.torch:
    import torch
else:
    torch = ramp
nn, F = torch.nn, torch.nn.functional
if args.threads:
    torch.set_num_threads(args.threads)


def load(train):
    # ramp's IDX reader for both libraries, so both train on the very same arrays.
    images, labels = (np.array(t)[:args.limit] for t in ramp.io.load_fashion_mnist(train))
    return torch.from_numpy(images), torch.from_numpy(labels)


def make_model(kind):
    if kind == "mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64 * 7 * 7, 10))


def accuracy(model, images, labels):
    model.eval()
    with torch.no_grad():
        right = sum(int((model(images[i:i + 1000]).argmax(1) == labels[i:i + 1000]).sum())
                    for i in range(0, len(labels), 1000))
    model.train()
    return 100.0 * right / len(labels)


def train(kind, epochs, train_set, test_set):
    torch.manual_seed(0)
    model = make_model(kind)
    rank = dist.get_rank() if args.distributed else 0
    if rank == 0:
        print(model)
    dataset = torch.utils.data.TensorDataset(*train_set)
    if args.distributed:
        # rank 0's weights everywhere; gradients averaged over the ranks in backward
        model = torch.nn.parallel.DistributedDataParallel(model)
        sampler = torch.utils.data.DistributedSampler(dataset, shuffle=True, seed=0)
        loader = torch.utils.data.DataLoader(dataset, batch_size=64, sampler=sampler)
    else:
        sampler = None
        loader = torch.utils.data.DataLoader(dataset, batch_size=64, shuffle=True,
                                             generator=torch.Generator().manual_seed(0))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    schedule = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for epoch in range(1, epochs + 1):
        if sampler is not None:
            sampler.set_epoch(epoch)  # a new shuffle each epoch, the same on every rank
        start = time.perf_counter()
        loss_sum, right, seen = 0.0, 0, 0
        for x, y in loader:
            logits = model(x)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            loss_sum += loss.item() * len(y)
            right += int((logits.argmax(1) == y).sum())
            seen += len(y)
        schedule.step()
        seconds = time.perf_counter() - start
        if rank != 0:
            continue  # rank 0 reports its share's loss and accuracy, and tests its replica
        replica = model.module if args.distributed else model
        ranks = f" x{dist.get_world_size()} ranks" if args.distributed else ""
        print(f"[{torch.__name__} {kind}{ranks}] epoch {epoch}/{epochs}  loss {loss_sum / seen:.4f}  "
              f"train acc {100.0 * right / seen:.2f}%  test acc {accuracy(replica, *test_set):.2f}%  "
              f"time {seconds:.1f} s", flush=True)


if __name__ == "__main__":
    if args.distributed:
        import importlib
        dist = importlib.import_module(torch.__name__ + ".distributed")
        dist.init_process_group("gloo", init_method="env://")
    train_set, test_set = load(True), load(False)
    for kind in ["mlp", "cnn"]:
        if args.model in (kind, "both"):
            train(kind, args.epochs or (5 if kind == "mlp" else 1), train_set, test_set)
    if args.distributed:
        dist.destroy_process_group()
