"""torch.nn.modules.utils' _pair: one value for both spatial dims, or an iterable as a tuple."""
import collections.abc
import itertools


def _pair(x):
    return tuple(x) if isinstance(x, collections.abc.Iterable) else tuple(itertools.repeat(x, 2))
