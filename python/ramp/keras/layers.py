"""keras.layers over ramp's nn modules, with Keras 2's arguments, defaults and shapes: Dense, the
activation layers, Dropout, BatchNormalization, Flatten, Reshape, Conv2D and MaxPooling2D on
channels-last input, the merge layers, Lambda. Each layer's weights live in ramp modules in
PyTorch's layout (``layer.module``); kernels are drawn by Keras's initializers in Keras's layout and
copied in (get_weights/set_weights speak Keras's layout)."""
import functools
import math

import ramp
from ramp import nn
from ramp.nn import functional as F

from . import activations, initializers
from .engine import Input, InputLayer, Layer, shape_str

__all__ = ["Layer", "Input", "InputLayer", "Dense", "Activation", "ReLU", "LeakyReLU", "PReLU", "ELU", "Softmax",
           "Dropout", "BatchNormalization", "Flatten", "Reshape", "Conv2D", "MaxPooling2D", "GlobalAveragePooling2D",
           "Add", "Subtract",
           "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "Lambda", "add", "multiply", "concatenate"]


def _pair(value, name):
    t = (value, value) if isinstance(value, int) else tuple(value)
    if len(t) != 2 or not all(isinstance(v, int) and v > 0 for v in t):
        raise ValueError(f"The `{name}` argument must be a tuple of 2 integers. Received: {value}")
    return t


def _padding(padding):
    padding = padding.lower() if isinstance(padding, str) else padding
    if padding not in ("valid", "same"):
        raise ValueError(f"The `padding` argument must be a list/tuple or one of \"valid\", \"same\" (or "
                         f"\"causal\", only for `Conv1D). Received: {padding}")
    return padding


def _out_length(size, kernel, padding, stride, dilation=1):
    """Keras's conv_utils.conv_output_length."""
    if size is None:
        return None
    dilated = kernel + (kernel - 1) * (dilation - 1)
    out = size if padding == "same" else size - dilated + 1
    return (out + stride - 1) // stride


def _same_pads(size, kernel, stride, dilation=1):
    """TensorFlow's SAME padding of one dim: (before, after), the odd pixel after."""
    out = (size + stride - 1) // stride
    total = max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def _nchw(x):
    return x.permute(0, 3, 1, 2)


def _nhwc(x):
    return x.permute(0, 2, 3, 1)


def _init_weight(weight, initializer, keras_shape, to_torch):
    """Fills a PyTorch-layout weight from a Keras initializer called on the Keras-layout shape."""
    value = initializer(tuple(keras_shape), dtype=weight.dtype)
    value = value if isinstance(value, ramp.Tensor) else ramp.tensor(value, dtype=weight.dtype)
    with ramp.no_grad():
        weight.copy_(to_torch(value))


def _module(ops):
    ops = [op for op in ops if op is not None]
    return None if not ops else ops[0] if len(ops) == 1 else nn.Sequential(*ops)


class _Kernel(Layer):
    """A layer with a kernel (PyTorch layout in the module, Keras layout outside), an optional
    bias and an activation applied on its channels-last output."""
    # kernel: Keras layout -> PyTorch layout, and back (NumPy axes)
    _to_torch_axes = _to_keras_axes = (1, 0)

    def __init__(self, activation, use_bias, kernel_initializer, bias_initializer, **kwargs):
        super().__init__(**kwargs)
        self.use_bias = use_bias
        self.activation = activations.get(activation)
        self._activation = activations.module(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)

    def _make(self, core, kernel_shape):
        _init_weight(core.weight, self.kernel_initializer, kernel_shape, lambda v: v.permute(*self._to_torch_axes))
        if self.use_bias:
            _init_weight(core.bias, self.bias_initializer, (core.bias.shape[0],), lambda v: v)
        self._core = core
        self._module = _module([core, self._activation])

    @property
    def kernel(self):
        return self._core.weight

    @property
    def bias(self):
        return self._core.bias if self.use_bias else None

    def _to_keras(self, index, array):
        return array.transpose(self._to_keras_axes) if index == 0 else array

    def _from_keras(self, index, tensor):
        return tensor.permute(*self._to_torch_axes) if index == 0 else tensor

    def _activate(self, y):
        return y if self._activation is None else self._activation(y)


def _check_units(name, value):
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"Received an invalid value for `{name}`, expected a positive integer. Received: "
                         f"{name}={value}")


class Dense(_Kernel):
    """Keras's Dense: activation(x @ kernel + bias), a Linear (+ the activation's module)."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        _check_units("units", units)
        super().__init__(activation, use_bias, kernel_initializer, bias_initializer, **kwargs)
        self.units = units

    def build(self, input_shape):
        last = input_shape[-1]
        if last is None:
            raise ValueError("The last dimension of the inputs to a Dense layer should be defined. Found None. Full "
                             f"input shape received: {shape_str(input_shape)}")
        self._make(nn.Linear(last, self.units, bias=self.use_bias), (last, self.units))
        self.input_spec = {"min_ndim": 2, "axes": {-1: last}}

    def call(self, inputs):
        return self._activate(self._core(inputs))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)


class Conv2D(_Kernel):
    """Keras's Conv2D on channels-last input [N, H, W, C]: a Conv2d on the NCHW view (TensorFlow's
    'same' padding, the odd pixel bottom/right)."""
    _to_torch_axes, _to_keras_axes = (3, 2, 0, 1), (2, 3, 1, 0)

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None, dilation_rate=(1, 1),
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        _check_units("filters", filters)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"ramp.keras supports data_format='channels_last' only. Received: {data_format}")
        super().__init__(activation, use_bias, kernel_initializer, bias_initializer, **kwargs)
        self.filters, self.groups = filters, groups
        self.kernel_size, self.strides = _pair(kernel_size, "kernel_size"), _pair(strides, "strides")
        self.dilation_rate, self.padding = _pair(dilation_rate, "dilation_rate"), _padding(padding)

    def build(self, input_shape):
        if len(input_shape) != 4:
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: expected min_ndim=4, '
                             f"found ndim={len(input_shape)}. Full shape received: {shape_str(input_shape)}")
        channels = input_shape[-1]
        if channels is None or channels % self.groups:
            raise ValueError(f"The number of input channels must be evenly divisible by the number of groups. "
                             f"Received groups={self.groups}, but the input has {channels} channels (full input "
                             f"shape is {shape_str(input_shape)})")
        # 'same' with a stride of 1 and an even total pad is PyTorch's symmetric padding
        total = [(k - 1) * d for k, d in zip(self.kernel_size, self.dilation_rate)]
        self._symmetric = self.padding == "valid" or (self.strides == (1, 1) and all(t % 2 == 0 for t in total))
        pad = (0, 0) if self.padding == "valid" or not self._symmetric else tuple(t // 2 for t in total)
        conv = nn.Conv2d(channels, self.filters, self.kernel_size, self.strides, pad, self.dilation_rate, self.groups,
                         bias=self.use_bias)
        self._make(conv, (*self.kernel_size, channels // self.groups, self.filters))
        self.input_spec = {"min_ndim": 4, "axes": {-1: channels}}

    def call(self, inputs):
        x = _nchw(inputs)
        if not self._symmetric:
            (t, b), (l, r) = [_same_pads(s, k, st, d) for s, k, st, d in
                              zip(x.shape[2:], self.kernel_size, self.strides, self.dilation_rate)]
            x = F.pad(x, (l, r, t, b))
        return self._activate(_nhwc(self._core(x)))

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        out = [_out_length(s, k, self.padding, st, d)
               for s, k, st, d in zip((h, w), self.kernel_size, self.strides, self.dilation_rate)]
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f"One of the dimensions in the output is <= 0 due to downsampling in {self.name}. "
                             f"Consider increasing the input size. Received input shape {list(input_shape)} which "
                             "would produce output shape with a zero or negative value in a dimension.")
        return (n, *out, self.filters)


class MaxPooling2D(Layer):
    """Keras's MaxPooling2D on channels-last input (strides default to pool_size; 'same' pads with
    -inf, the odd pixel bottom/right, as TensorFlow)."""

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None, **kwargs):
        if data_format not in (None, "channels_last"):
            raise ValueError(f"ramp.keras supports data_format='channels_last' only. Received: {data_format}")
        super().__init__(**kwargs)
        self.pool_size = _pair(pool_size, "pool_size")
        self.strides = self.pool_size if strides is None else _pair(strides, "strides")
        self.padding = _padding(padding)
        self._module = nn.MaxPool2d(self.pool_size, self.strides).eval()
        self.input_spec = {"ndim": 4}

    def call(self, inputs):
        x = _nchw(inputs)
        if self.padding == "same":
            (t, b), (l, r) = [_same_pads(s, k, st) for s, k, st in zip(x.shape[2:], self.pool_size, self.strides)]
            if t or b or l or r:
                x = F.pad(x, (l, r, t, b), value=-math.inf)
        return _nhwc(self._module(x))

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        return (n, *[_out_length(s, k, self.padding, st) for s, k, st in zip((h, w), self.pool_size, self.strides)], c)


class GlobalAveragePooling2D(Layer):
    """Keras's GlobalAveragePooling2D: the mean over H and W of [N, H, W, C] (keepdims=False)."""

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        if data_format not in (None, "channels_last"):
            raise ValueError(f"ramp.keras supports data_format='channels_last' only. Received: {data_format}")
        super().__init__(**kwargs)
        self.keepdims = keepdims
        self.input_spec = {"ndim": 4}

    def call(self, inputs):
        return inputs.mean((1, 2), keepdim=self.keepdims)

    def compute_output_shape(self, input_shape):
        n, _, _, c = input_shape
        return (n, 1, 1, c) if self.keepdims else (n, c)


class _Module(Layer):
    """A layer that is one ramp module applied as is (the shape unchanged unless overridden)."""

    def __init__(self, module=None, **kwargs):
        super().__init__(**kwargs)
        self._module = module if module is None else module.eval()  # Keras: layers infer unless training

    def call(self, inputs):
        return inputs if self._module is None else self._module(inputs)


class Activation(_Module):
    """Keras's Activation: the activation's module alone (none for 'linear' / None)."""

    def __init__(self, activation, **kwargs):
        super().__init__(activations.module(activation), **kwargs)
        self.activation = activations.get(activation)


def _non_negative(layer, name, value):
    if value is None or value < 0:
        raise ValueError(f"{name} of a {layer} layer cannot be a negative value. Received: {value}")


class ReLU(_Module):
    """Keras's ReLU(max_value, negative_slope, threshold): the registry's ReLU / ReLU6 / LeakyReLU
    module when it is one of those, else keras.activations.relu with the arguments."""

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        if max_value is not None:
            _non_negative("ReLU", "max_value", max_value)
        _non_negative("ReLU", "negative_slope", negative_slope)
        _non_negative("ReLU", "threshold", threshold)
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold
        if threshold == 0 and max_value is None:
            module = nn.ReLU() if negative_slope == 0 else nn.LeakyReLU(negative_slope)
        elif threshold == 0 and negative_slope == 0 and max_value == 6:
            module = nn.ReLU6()
        else:
            fn = functools.partial(activations.relu, alpha=negative_slope, max_value=max_value, threshold=threshold)
            module = activations.Lambda(functools.update_wrapper(fn, activations.relu))
        super().__init__(module, **kwargs)


class LeakyReLU(_Module):
    def __init__(self, alpha=0.3, **kwargs):
        if alpha is None:
            raise ValueError(f"The alpha value of a Leaky ReLU layer cannot be None, needs a float. Got {alpha}")
        self.alpha = alpha
        super().__init__(nn.LeakyReLU(alpha), **kwargs)


class ELU(_Module):
    def __init__(self, alpha=1.0, **kwargs):
        if alpha is None:
            raise ValueError(f"Alpha of an ELU layer cannot be None, expecting a float. Received: {alpha}")
        self.alpha = alpha
        super().__init__(nn.ELU(alpha), **kwargs)


class Softmax(_Module):
    def __init__(self, axis=-1, **kwargs):
        self.axis = axis
        super().__init__(nn.Softmax(dim=axis), **kwargs)


class _SharedPReLU(nn.Module):
    """Keras's PReLU for inputs other than [N, features]: relu(x) - alpha relu(-x) with alpha of the
    input's shape without the batch dim (1 along the shared axes)."""

    def __init__(self, shape):
        super().__init__()
        self.weight = nn.Parameter(ramp.zeros(shape))

    def forward(self, input):
        return F.relu(input) - self.weight * F.relu(-input)


class PReLU(Layer):
    """Keras's PReLU: a learned alpha per input element (shared along shared_axes); on [N, F]
    inputs that is the registry's PReLU(num_parameters=F)."""

    def __init__(self, alpha_initializer="zeros", shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.shared_axes = None if shared_axes is None else (
            [shared_axes] if isinstance(shared_axes, int) else list(shared_axes))

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            shape[axis - 1] = 1
        if any(s is None for s in shape):
            raise ValueError(f"PReLU needs the input's non-batch dims. Received: input_shape={shape_str(input_shape)}")
        self._module = nn.PReLU(shape[0], 0.0) if len(shape) == 1 else _SharedPReLU(shape)
        _init_weight(self._module.weight, self.alpha_initializer, shape, lambda v: v)
        self.input_spec = {"ndim": len(input_shape), "axes": {i + 1: s for i, s in enumerate(shape) if s != 1}}

    def call(self, inputs):
        return self._module(inputs)


class Dropout(_Module):
    """Keras's Dropout(rate): PyTorch's Dropout (active while the model trains: in fit, or
    ``model(x, training=True)``)."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        if isinstance(rate, (int, float)) and not 0 <= rate <= 1:
            raise ValueError(f"Invalid value {rate} received for `rate`, expected a value between 0 and 1.")
        if noise_shape is not None:
            raise NotImplementedError("ramp.keras Dropout has no noise_shape")
        self.rate = rate
        super().__init__(nn.Dropout(rate), **kwargs)


class BatchNormalization(Layer):
    """Keras's BatchNormalization(axis=-1, momentum=0.99, epsilon=1e-3): normalises by the batch's
    mean and biased variance while training, by the moving statistics otherwise; moving = moving -
    (moving - batch) (1 - momentum). As Keras, 4-D inputs (its fused kernel) move the variance by
    the batch's unbiased variance, other ranks by the biased one. The module is a PyTorch
    BatchNorm1d/2d (momentum = 1 - Keras's) holding gamma, beta and the moving statistics."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 **kwargs):
        super().__init__(**kwargs)
        if not center or not scale:
            raise NotImplementedError("ramp.keras BatchNormalization needs center=True and scale=True")
        self.axis, self.momentum, self.epsilon = axis, momentum, epsilon
        self._initializers = [initializers.get(i) for i in (gamma_initializer, beta_initializer,
                                                            moving_mean_initializer, moving_variance_initializer)]

    def build(self, input_shape):
        ndim = len(input_shape)
        axis = self.axis % ndim if -ndim <= self.axis < ndim else None
        if axis is None or axis == 0:
            raise ValueError(f"Invalid axis: {self.axis}. Full input shape received: {shape_str(input_shape)}")
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(f"Axis {self.axis} of input tensor should have a defined dimension but the layer "
                             f"received an input with shape {shape_str(input_shape)}.")
        self._axis, self._fused = axis, ndim == 4
        bn = (nn.BatchNorm2d if ndim == 4 else nn.BatchNorm1d)(channels, eps=self.epsilon, momentum=1 - self.momentum)
        for tensor, init in zip((bn.weight, bn.bias, bn.running_mean, bn.running_var), self._initializers):
            _init_weight(tensor, init, (channels,), lambda v: v)
        self._module = bn
        self.input_spec = {"ndim": ndim, "axes": {axis: channels}}

    def _variables(self):
        return [] if self._module is None else [self._module.weight, self._module.bias]

    @property
    def non_trainable_weights(self):
        return super().non_trainable_weights + [self._module.running_mean, self._module.running_var]

    def call(self, inputs):
        bn = self._module
        x = inputs.transpose(1, self._axis) if self._axis != 1 else inputs
        if bn.training and not self.trainable:  # Keras 2: a frozen BatchNormalization runs in inference mode
            y = F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)
        elif not bn.training or self._fused:
            y = bn(x)  # 4-D training: PyTorch's update is Keras's fused one
        else:
            y = F.batch_norm(x, None, None, bn.weight, bn.bias, True, 0.0, bn.eps)
            with ramp.no_grad():
                dims = [d for d in range(x.dim()) if d != 1]
                mean = x.mean(dims)
                var = x.var(dims, unbiased=False)
                decay = 1 - self.momentum
                bn.running_mean.sub_((bn.running_mean - mean) * decay)
                bn.running_var.sub_((bn.running_var - var) * decay)
                bn.num_batches_tracked.add_(1)
        return y.transpose(1, self._axis) if self._axis != 1 else y


class Flatten(_Module):
    """Keras's Flatten: [N, ...] -> [N, prod(...)] in channels-last order (PyTorch's Flatten)."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(nn.Flatten(), **kwargs)

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if any(s is None for s in rest) else math.prod(rest))


class Reshape(Layer):
    """Keras's Reshape(target_shape): the batch dim kept, one -1 allowed."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(target_shape)

    def _fix(self, input_shape):
        known = [s for s in self.target_shape if s != -1]
        unknown = len(self.target_shape) - len(known)
        size = None if any(s is None for s in input_shape[1:]) else math.prod(input_shape[1:])
        bad = unknown > 1 or (size is not None and (
            (unknown == 0 and size != math.prod(known)) or (unknown == 1 and (not known or size % math.prod(known)))))
        if unknown == 1 and known and size is not None and math.prod(known) == 0:
            bad = True
        if bad:
            raise ValueError(f"total size of new array must be unchanged, input_shape = {list(input_shape[1:])}, "
                             f"output_shape = {list(self.target_shape)}")
        if unknown and size is not None:
            return tuple(size // math.prod(known) if s == -1 else s for s in self.target_shape)
        return tuple(None if s == -1 else s for s in self.target_shape)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self._fix(input_shape))

    def call(self, inputs):
        return inputs.reshape(inputs.shape[0], *self._fix(tuple(inputs.shape)))


class Lambda(Layer):
    """Keras's Lambda(function): any function of ramp tensors as a layer; its output shape is found
    by running it on zeros (the batch dim as 2)."""

    def __init__(self, function, output_shape=None, **kwargs):
        super().__init__(**kwargs)
        self.function, self._output_shape = function, output_shape

    def call(self, inputs):
        return self.function(inputs)

    def compute_output_shape(self, input_shape):
        if self._output_shape is not None:
            return (input_shape[0], *self._output_shape)

        def zeros(shape):
            return ramp.zeros(tuple(2 if s is None else s for s in shape))
        dummy = [zeros(s) for s in input_shape] if isinstance(input_shape, list) else zeros(input_shape)
        with ramp.no_grad():
            out = self.function(dummy)
        shapes = [(None, *o.shape[1:]) for o in (out if isinstance(out, (list, tuple)) else [out])]
        return shapes if isinstance(out, (list, tuple)) else shapes[0]


# ---- merge layers ----
class _Merge(Layer):
    """Keras's _Merge: a list of tensors combined elementwise (shapes broadcast as Keras's
    _compute_elemwise_op_output_shape allows)."""

    def build(self, input_shape):
        if not isinstance(input_shape, list):
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: input_shape="
                             f"{shape_str(input_shape)} (not a list of shapes)")
        if len(input_shape) < 2:
            raise ValueError(f"A merge layer should be called on a list of at least 2 inputs. Got {len(input_shape)} "
                             "inputs.")
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, list):
            raise ValueError(f"A merge layer should be called on a list of inputs. Received: input_shape="
                             f"{shape_str(input_shape)} (not a list of shapes)")
        out = tuple(input_shape[0])
        for shape in input_shape[1:]:
            shape = tuple(shape)
            if len(shape) != len(out):
                raise ValueError(f"Inputs have incompatible shapes. Received shapes {out[1:]} and {shape[1:]}")
            dims = []
            for i, j in zip(out, shape):
                if i is None or j is None:
                    dims.append(None)
                elif i == 1 or j == 1:
                    dims.append(j if i == 1 else i)
                elif i != j:
                    raise ValueError(f"Inputs have incompatible shapes. Received shapes {out[1:]} and {shape[1:]}")
                else:
                    dims.append(i)
            out = tuple(dims)
        return out

    def call(self, inputs):
        return functools.reduce(self._op, inputs[1:], inputs[0]) if self._op else self._reduce(inputs)

    _op = None


class Add(_Merge):
    _op = staticmethod(ramp.add)


class Multiply(_Merge):
    _op = staticmethod(ramp.mul)


class Maximum(_Merge):
    _op = staticmethod(ramp.maximum)


class Minimum(_Merge):
    _op = staticmethod(ramp.minimum)


class Average(_Merge):
    def _reduce(self, inputs):
        return functools.reduce(ramp.add, inputs[1:], inputs[0]) / len(inputs)


class Subtract(_Merge):
    def build(self, input_shape):
        super().build(input_shape)
        if len(input_shape) != 2:
            raise ValueError(f"A `Subtract` layer should be called on exactly 2 inputs. Received: input_shape="
                             f"{input_shape}")

    _op = staticmethod(ramp.sub)


class Concatenate(_Merge):
    """Keras's Concatenate(axis=-1): the shapes equal except along axis."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = axis

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, list):
            raise ValueError("A `Concatenate` layer should be called on a list of at least 1 input. Received: "
                             f"input_shape={shape_str(input_shape)}")
        ndim = len(input_shape[0])
        axis = self.axis % ndim if -ndim <= self.axis < ndim else None
        ok = axis is not None and all(len(s) == ndim for s in input_shape)
        if ok:
            for d in range(ndim):
                sizes = {s[d] for s in input_shape if s[d] is not None}
                ok &= d == axis or len(sizes) <= 1
        if not ok:
            raise ValueError("A `Concatenate` layer requires inputs with matching shapes except for the "
                             f"concatenation axis. Received: input_shape={[tuple(s) for s in input_shape]}")
        along = [s[axis] for s in input_shape]
        out = list(next((s for s in input_shape if None not in s), input_shape[0]))
        out[axis] = None if None in along else sum(along)
        return tuple(out)

    def call(self, inputs):
        return ramp.cat(list(inputs), self.axis)


def add(inputs, **kwargs):
    return Add(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    return Concatenate(axis=axis, **kwargs)(inputs)
