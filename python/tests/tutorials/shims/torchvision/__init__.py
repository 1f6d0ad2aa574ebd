"""A stand-in for the parts of torchvision the tutorial scripts import (datasets, transforms), so
their import lines stay as written. Both backends use it (torchvision itself reaches into torch's
C++ internals and is not what is being tested). MNIST, FashionMNIST and CIFAR10 all serve Debian's
Fashion-MNIST (the issue's rule: downloads replaced by dataset-fashion-mnist); `download` is ignored.
"""
from . import datasets, transforms  # noqa: F401
