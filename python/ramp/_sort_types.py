"""The (values, indices) results of sort, topk and kthvalue, as torch.return_types' structseqs:
tuples with named fields, printed as torch prints them. (The lead may merge these into
ramp.return_types, beside max/min's.)"""


def _make(name):
    def __new__(cls, seq):
        seq = tuple(seq)
        if len(seq) != 2:
            raise TypeError(f"ramp.return_types.{name} takes a 2-sequence ({len(seq)}-sequence given)")
        return tuple.__new__(cls, seq)

    def __repr__(self):
        return f"ramp.return_types.{name}(\nvalues={self[0]!r},\nindices={self[1]!r})"

    def __reduce__(self):
        return (type(self), (tuple(self),))

    cls = type(name, (tuple,), {"__new__": __new__, "__repr__": __repr__, "__reduce__": __reduce__,
                                "values": property(lambda self: self[0], doc="the selected values"),
                                "indices": property(lambda self: self[1], doc="their positions along dim"),
                                "n_fields": 2, "n_sequence_fields": 2, "n_unnamed_fields": 0,
                                "__slots__": (), "__module__": "ramp.return_types"})
    return cls


sort = _make("sort")
topk = _make("topk")
kthvalue = _make("kthvalue")
