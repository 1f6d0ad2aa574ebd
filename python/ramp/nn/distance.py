"""nn.PairwiseDistance (torch/nn/modules/distance.py, 1.13) and the functional forms it and
F.normalize use, composed of ramp's ops as 1.13 composes them (so their grad_fn are 1.13's)."""
from .module import Module

__all__ = ["PairwiseDistance", "pairwise_distance", "normalize"]


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """The p-norm of x1 - x2 + eps over the last dim (of the broadcast shape)."""
    return (x1 - x2 + eps).norm(p, max(x1.dim(), x2.dim()) - 1, keepdim)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p over dim, eps)."""
    if out is not None:
        raise RuntimeError("normalize: ramp has no out= arguments; use the returned tensor")
    return input / input.norm(p, dim, keepdim=True).clamp_min(eps).expand_as(input)


class PairwiseDistance(Module):
    __constants__ = ["norm", "eps", "keepdim"]

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm, self.eps, self.keepdim = p, eps, keepdim

    def forward(self, x1, x2):
        return pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)
