"""nn.Embedding and F.embedding (torch/nn/modules/sparse.py, 1.13): rows of a weight table picked
by integer indices. Composed of index_select (values and the weight's gradient as 1.13's, which
sums the gradients of repeated indices); the padding row gets no gradient and scale_grad_by_freq
divides each row's gradient by its count in the batch, both by a hook on the looked-up rows that
scales their gradient (the values untouched); max_norm renormalises the looked-up rows of the
weight in place first, as 1.13's embedding_renorm_ (the scale in double)."""
from .. import _C
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Embedding"]


def _check_padding_idx(padding_idx, num_embeddings):
    if padding_idx is None:
        return None
    if padding_idx > 0:
        assert padding_idx < num_embeddings, "Padding_idx must be within num_embeddings"
    elif padding_idx < 0:
        assert padding_idx >= -num_embeddings, "Padding_idx must be within num_embeddings"
        padding_idx = num_embeddings + padding_idx
    return padding_idx


def _renorm_(weight, indices, max_norm, norm_type):
    """Rows of weight named in indices whose norm exceeds max_norm scaled to max_norm / (norm + 1e-7)."""
    from ..autograd import no_grad
    with no_grad():
        rows = _C.unique(indices.reshape(-1))
        picked = weight.index_select(0, rows)
        acc = picked.float() if picked.dtype == _C.bfloat16 else picked  # 1.13's accumulate type
        norms = acc.norm(norm_type, 1, True).double()  # 1.13: norm.item(), a double, and its scale
        scale = _C.where(norms > max_norm, max_norm / (norms + 1e-7), _C.ones_like(norms))
        weight.index_copy_(0, rows, (acc * scale.to(acc.dtype)).to(weight.dtype))


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):
    """weight[input]: input int64 or int32 of any shape, weight [num_embeddings, dim]."""
    if sparse:
        raise RuntimeError("embedding: ramp has no sparse gradients (sparse=True); use sparse=False")
    padding_idx = _check_padding_idx(padding_idx, weight.size(0))
    if input.dtype not in (_C.int64, _C.int32):
        name = {"float32": "Float", "float64": "Double", "bfloat16": "BFloat16", "bool": "Bool", "uint8": "Byte",
                "int8": "Char"}.get(str(input.dtype).split(".")[-1], str(input.dtype))
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the following scalar types: "
                           f"Long, Int; but got torch.{name}Tensor instead (while checking arguments for embedding)")
    if weight.dim() != 2:
        raise RuntimeError("'weight' must be 2-D")
    if max_norm is not None:
        _renorm_(weight, input.contiguous(), max_norm, norm_type)
    flat = input.reshape(-1)
    out = weight.index_select(0, flat)
    if (padding_idx is not None or scale_grad_by_freq) and out.requires_grad:
        scale = _C.ones(flat.shape[0], dtype=out.dtype)
        if scale_grad_by_freq:
            counts = _C.bincount(flat.long(), minlength=weight.size(0))
            scale = 1.0 / counts.index_select(0, flat.long()).to(out.dtype)
        if padding_idx is not None:
            scale = _C.where(flat == padding_idx, _C.zeros_like(scale), scale)
        scale = scale.unsqueeze(1)
        out.register_hook(lambda g: g * scale)  # the values untouched; only the gradient is scaled
    return out.reshape(tuple(input.shape) + (weight.size(1),))


class Embedding(Module):
    """A table of num_embeddings vectors of embedding_dim, N(0, 1) initialised (the padding row 0)."""
    __constants__ = ["num_embeddings", "embedding_dim", "padding_idx", "max_norm", "norm_type", "scale_grad_by_freq",
                     "sparse"]

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0,
                 scale_grad_by_freq=False, sparse=False, _weight=None, device=None, dtype=None):
        super().__init__()
        _C._check_device(device)
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.padding_idx = _check_padding_idx(padding_idx, num_embeddings)
        self.max_norm, self.norm_type = max_norm, norm_type
        self.scale_grad_by_freq, self.sparse = scale_grad_by_freq, sparse
        if _weight is None:
            self.weight = Parameter(_C.empty((num_embeddings, embedding_dim), dtype=dtype))
            self.reset_parameters()
        else:
            assert list(_weight.shape) == [num_embeddings, embedding_dim], \
                "Shape of weight does not match num_embeddings and embedding_dim"
            self.weight = Parameter(_weight)

    def reset_parameters(self):
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self):
        if self.padding_idx is not None:
            from ..autograd import no_grad
            with no_grad():
                self.weight[self.padding_idx].fill_(0)

    def forward(self, input):
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type, self.scale_grad_by_freq,
                         self.sparse)

    def extra_repr(self):
        s = "{num_embeddings}, {embedding_dim}"
        if self.padding_idx is not None:
            s += ", padding_idx={padding_idx}"
        if self.max_norm is not None:
            s += ", max_norm={max_norm}"
        if self.norm_type != 2:
            s += ", norm_type={norm_type}"
        if self.scale_grad_by_freq is not False:
            s += ", scale_grad_by_freq={scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s.format(**self.__dict__)

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None, norm_type=2.0,
                        scale_grad_by_freq=False, sparse=False):
        assert embeddings.dim() == 2, "Embeddings parameter is expected to be 2-dimensional"
        rows, cols = embeddings.shape
        embedding = cls(num_embeddings=rows, embedding_dim=cols, _weight=embeddings, padding_idx=padding_idx,
                        max_norm=max_norm, norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)
        embedding.weight.requires_grad = not freeze
        return embedding
