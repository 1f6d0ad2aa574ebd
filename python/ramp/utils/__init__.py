"""ramp.utils: torch.utils's data loading (ramp.utils.data) and hooks (ramp.utils.hooks)."""
from . import data, hooks

__all__ = ["data", "hooks"]
