"""ramp.utils: torch.utils's data loading (ramp.utils.data)."""
from . import data

__all__ = ["data"]
