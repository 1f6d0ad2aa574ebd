"""ramp.return_types: torch.return_types' named results, e.g. ``ramp.max(x, 1)`` returns
``ramp.return_types.max(values=..., indices=...)``. Like torch's structseqs they are tuples with
named fields, built from one sequence, picklable, and not namedtuples (default_collate transposes
them as sequences). A new one is one ``_named`` line; C++ (python/src/reduce.cpp, indexing.cpp)
looks them up by name."""
from . import _C


def _named(name, fields=("values", "indices")):
    def __new__(cls, seq):
        seq = tuple(seq)
        if len(seq) != len(fields):
            raise TypeError(f"ramp.return_types.{name} takes a {len(fields)}-sequence ({len(seq)}-sequence given)")
        return tuple.__new__(cls, seq)

    def __repr__(self):
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(fields, self))
        return f"ramp.return_types.{name}(\n{body})"

    def __reduce__(self):
        return (type(self), (tuple(self),))

    attrs = {f: property(lambda self, i=i: self[i]) for i, f in enumerate(fields)}
    attrs.update(__new__=__new__, __repr__=__repr__, __reduce__=__reduce__, __slots__=(), __module__=__name__,
                 n_fields=len(fields), n_sequence_fields=len(fields), n_unnamed_fields=0,
                 __doc__=f"torch.return_types.{name}: ({', '.join(fields)})")
    cls = type(name, (tuple,), attrs)
    _C._register_return_type(name, cls)
    return cls


max = _named("max")
min = _named("min")
sort = _named("sort")
topk = _named("topk")
kthvalue = _named("kthvalue")
median = _named("median")
nanmedian = _named("nanmedian")
mode = _named("mode")
aminmax = _named("aminmax", ("min", "max"))
cummax = _named("cummax")
cummin = _named("cummin")

__all__ = ["max", "min", "sort", "topk", "kthvalue", "median", "nanmedian", "mode", "aminmax", "cummax", "cummin"]
