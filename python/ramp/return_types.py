"""ramp.return_types: torch.return_types' named results, e.g. ``ramp.max(x, 1)`` returns
``ramp.return_types.max(values=..., indices=...)``. A new one is one ``_named`` line."""
import collections

from . import _C


def _named(name, fields):
    base = collections.namedtuple(name, fields)

    def __repr__(self):
        body = ",\n".join(f"{f}={getattr(self, f)!r}" for f in fields)
        return f"ramp.return_types.{name}(\n{body})"

    cls = type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__module__": __name__,
                               "__doc__": f"torch.return_types.{name}: ({', '.join(fields)})"})
    _C._register_return_type(name, cls)
    return cls


max = _named("max", ["values", "indices"])
min = _named("min", ["values", "indices"])
median = _named("median", ["values", "indices"])
nanmedian = _named("nanmedian", ["values", "indices"])
mode = _named("mode", ["values", "indices"])
aminmax = _named("aminmax", ["min", "max"])

__all__ = ["max", "min", "median", "nanmedian", "mode", "aminmax"]
