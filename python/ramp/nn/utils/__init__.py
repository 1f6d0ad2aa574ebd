"""ramp.nn.utils: gradient clipping (torch.nn.utils.clip_grad_norm_, clip_grad_value_) and the
parameters as one vector (parameters_to_vector, vector_to_parameters)."""
from . import clip_grad, convert_parameters
from .clip_grad import clip_grad_norm, clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad", "clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "convert_parameters",
           "parameters_to_vector", "vector_to_parameters"]
