"""ramp.nn.parallel: torch.nn.parallel 1.13's DistributedDataParallel (CPU, Gloo).

    from ramp.nn.parallel import DistributedDataParallel as DDP
"""
from .distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
