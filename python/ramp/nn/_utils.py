"""torch.nn.modules.utils' _single and _pair: one value for each spatial dim, or an iterable as a tuple."""
import collections.abc
import itertools


def _single(x):
    return tuple(x) if isinstance(x, collections.abc.Iterable) else (x,)


def _pair(x):
    return tuple(x) if isinstance(x, collections.abc.Iterable) else tuple(itertools.repeat(x, 2))
