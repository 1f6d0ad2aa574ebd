"""nn.Conv1d and nn.Conv2d (torch/nn/modules/conv.py, 1.13); padding_mode other than 'zeros' pads
with F.pad first."""
from .. import _C
from . import init
from ._utils import _pair, _single
from .module import Module
from .parameter import Parameter

__all__ = ["Conv1d", "Conv2d"]


class _ConvNd(Module):
    """Cross-correlation over the last len(kernel_size) dims; weight [out_channels, in_channels /
    groups, *kernel_size], bias [out_channels]. padding: an int, a tuple, "valid" (none) or "same"
    (output size = input size; stride 1 only). Subclasses set _tuple and _conv."""
    __constants__ = ["stride", "padding", "dilation", "groups", "padding_mode", "output_padding", "in_channels",
                     "out_channels", "kernel_size"]

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        _C._check_device(device)  # the CPU only; CUDA raises as torch without CUDA
        tup = type(self)._tuple
        kernel_size, stride, dilation = tup(kernel_size), tup(stride), tup(dilation)
        padding = padding if isinstance(padding, str) else tup(padding)
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        valid_padding_strings = {"same", "valid"}
        if isinstance(padding, str):
            if padding not in valid_padding_strings:
                raise ValueError(f"Invalid padding string {padding!r}, should be one of {valid_padding_strings}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
        valid_padding_modes = {"zeros", "reflect", "replicate", "circular"}
        if padding_mode not in valid_padding_modes:
            raise ValueError(f"padding_mode must be one of {valid_padding_modes}, but got padding_mode='{padding_mode}'")
        if isinstance(padding, str):  # F.pad's (left, right) per dim, last dim first
            self._reversed_padding_repeated_twice = [0, 0] * len(kernel_size)
            if padding == "same":
                for d, k, i in zip(dilation, kernel_size, range(len(kernel_size) - 1, -1, -1)):
                    total_padding = d * (k - 1)
                    left_pad = total_padding // 2
                    self._reversed_padding_repeated_twice[2 * i] = left_pad
                    self._reversed_padding_repeated_twice[2 * i + 1] = total_padding - left_pad
        else:
            self._reversed_padding_repeated_twice = [p for p in reversed(padding) for _ in range(2)]
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.stride, self.padding, self.dilation = stride, padding, dilation
        self.transposed, self.output_padding = False, tup(0)
        self.groups, self.padding_mode = groups, padding_mode
        self.weight = Parameter(_C.empty((out_channels, in_channels // groups, *kernel_size), dtype=dtype))
        if bias:
            self.bias = Parameter(_C.empty(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init._reset_weight_and_bias(self.weight, self.bias)

    def _conv_forward(self, input, weight, bias):
        conv = type(self)._conv
        if self.padding_mode != "zeros":
            return conv(_C.pad(input, self._reversed_padding_repeated_twice, self.padding_mode, None), weight,
                        bias, self.stride, type(self)._tuple(0), self.dilation, self.groups)
        return conv(input, weight, bias, self.stride, self.padding, self.dilation, self.groups)

    def forward(self, input):
        return self._conv_forward(input, self.weight, self.bias)

    def extra_repr(self):
        s = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.padding):
            s += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            s += ", dilation={dilation}"
        if self.groups != 1:
            s += ", groups={groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += ", padding_mode={padding_mode}"
        return s.format(**self.__dict__)


class Conv1d(_ConvNd):
    """1-D cross-correlation of [N, C, L] (or [C, L]); weight [out_channels, in_channels / groups, k]."""
    _tuple = staticmethod(_single)

    @staticmethod
    def _conv(input, weight, bias, stride, padding, dilation, groups):
        from .functional import conv1d
        return conv1d(input, weight, bias, stride, padding, dilation, groups)


class Conv2d(_ConvNd):
    """2-D cross-correlation; weight [out_channels, in_channels / groups, kH, kW], bias [out_channels]."""
    _tuple = staticmethod(_pair)
    _conv = staticmethod(_C.conv2d)
