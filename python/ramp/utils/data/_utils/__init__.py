"""torch.utils.data._utils (1.13): the collate functions (collate.default_collate, default_convert)."""
from . import collate

__all__ = ["collate"]
