"""ramp.cuda: torch.cuda as torch 1.13 behaves in a build without CUDA, which ramp is.

Queries answer "no CUDA" (is_available() False, device_count() 0, memory counters 0); seeding is
accepted and dropped (torch queues it for a CUDA init that never comes); anything that needs a GPU
(current_device, synchronize, get_device_name, ...) raises AssertionError, as torch's lazy init does.
"""
from collections import OrderedDict

from .. import _C
from . import amp

_NO_CUDA = "ramp not compiled with CUDA enabled: this build computes on the CPU only"


def _no_cuda(*args, **kwargs):
    raise AssertionError(_NO_CUDA)


def is_available():
    return False


def device_count():
    return 0


def is_initialized():
    return False


def get_arch_list():
    return []


def manual_seed(seed):
    int(seed)  # torch converts first (ValueError/TypeError for non-numbers), then queues for CUDA init


def manual_seed_all(seed):
    int(seed)


def seed():
    pass


def seed_all():
    pass


def set_rng_state(new_state, device="cuda"):
    pass


def set_rng_state_all(new_states):
    pass


def get_rng_state_all():
    return []


def empty_cache():
    pass


def memory_allocated(device=None):
    return 0


max_memory_allocated = memory_reserved = max_memory_reserved = memory_cached = max_memory_cached = memory_allocated


def memory_stats(device=None):
    return OrderedDict()


def _device_index(device):
    """torch.cuda._get_device_index: an int, "cuda[:i]" or a cuda ramp.device; -1 / None: none."""
    if device is None:
        return None
    if isinstance(device, int):
        return device
    d = _C.device(device)
    if d.type != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {d}")
    return -1 if d.index is None else d.index


def set_device(device):
    idx = _device_index(device)
    if idx is not None and idx >= 0:
        _no_cuda()


class device:
    """torch.cuda.device(idx): a context manager selecting a GPU; a negative index selects none."""

    def __init__(self, device):
        self.idx = _device_index(device)

    def __enter__(self):
        if self.idx is None or self.idx >= 0:
            _no_cuda()

    def __exit__(self, *exc):
        return False


(current_device, synchronize, get_device_name, get_device_properties, get_device_capability, initial_seed,
 get_rng_state, current_stream, default_stream, mem_get_info, ipc_collect, is_bf16_supported, init,
 set_per_process_memory_fraction, reset_peak_memory_stats, reset_max_memory_allocated) = (_no_cuda,) * 16

__all__ = ["is_available", "device_count", "is_initialized", "get_arch_list", "manual_seed", "manual_seed_all",
           "seed", "seed_all", "set_rng_state", "set_rng_state_all", "get_rng_state_all", "empty_cache",
           "memory_allocated", "max_memory_allocated", "memory_reserved", "max_memory_reserved", "memory_stats",
           "set_device", "device", "current_device", "synchronize", "get_device_name", "get_device_properties",
           "get_device_capability", "initial_seed", "get_rng_state", "current_stream", "default_stream",
           "mem_get_info", "ipc_collect", "is_bf16_supported", "init", "amp"]
