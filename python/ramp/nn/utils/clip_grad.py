"""torch.nn.utils.clip_grad_norm_ / clip_grad_value_ (1.13) over include/ramp/nn/utils.h."""
import warnings

from ... import _C


def _grad_params(parameters):
    if isinstance(parameters, _C.Tensor):
        return [parameters]
    return list(parameters)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scales the gradients in place so their total norm is at most max_norm; returns the total norm."""
    return _C._clip.clip_grad_norm_(_grad_params(parameters), float(max_norm), float(norm_type), error_if_nonfinite)


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    warnings.warn("torch.nn.utils.clip_grad_norm is now deprecated in favor of torch.nn.utils.clip_grad_norm_.",
                  stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite)


def clip_grad_value_(parameters, clip_value):
    """Clamps every gradient element to [-clip_value, clip_value] in place."""
    _C._clip.clip_grad_value_(_grad_params(parameters), float(clip_value))
