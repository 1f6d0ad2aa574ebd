"""torch.nn.utils.parameters_to_vector / vector_to_parameters (1.13's module path)."""
from ... import _C


def parameters_to_vector(parameters):
    """The parameters flattened and concatenated into one vector (differentiable, as 1.13's cat of
    views)."""
    return _C.cat([p.view(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Slices of vec, in order, become the parameters' data (each parameter's .data replaced by a
    view of vec, as 1.13)."""
    if not isinstance(vec, _C.Tensor):
        raise TypeError("expected torch.Tensor, but got: {}".format(type(vec).__name__))
    pointer = 0
    for param in parameters:
        n = param.numel()
        param.data = vec[pointer:pointer + n].view_as(param).data
        pointer += n
