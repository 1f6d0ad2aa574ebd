// F.conv2d's arguments as PyTorch 1.13 takes them: unbatched inputs (unsqueeze, conv, squeeze),
// the padding modes "valid" and "same" (an odd total padding pads the end by one more, through a
// zero-padded copy: ConstantPadNdBackward0), and at::_convolution's checks in its order, with its
// texts. The computation is conv.cpp's.
#include <string>

#include "../tensor/loop.h"
#include "conv.h"
#include "ramp/autograd.h"
#include "ramp/nn/functional.h"
#include "record.h"

namespace ramp {
namespace {

using detail::ConvGeometry;

// The Python binding turns one int into a pair (F.conv2d(x, w, stride=2) passes [2, 2]).
Dims pair(IntArrayRef v) { return v.size() == 1 ? Dims{v[0], v[0]} : Dims(v); }

// 1.13's expand_param_if_needed: one value stands for every spatial dim.
Dims expand_param(IntArrayRef v, const char* name, std::int64_t dims) {
  if (v.size() == 1) {
    Dims d;
    for (std::int64_t i = 0; i < dims; ++i) d.push_back(v[0]);
    return d;
  }
  RAMP_CHECK(std::int64_t(v.size()) == dims, "expected ", name, " to be a single integer value or a list of ",
             dims, " values to match the convolution dimensions, but got ", name, "=", shape_str(v));
  return Dims(v);
}

// The C++ type names of 1.13's bias message, and the tensor type names of its weight message.
std::string cpp_type_name(ScalarType t) {
  switch (t) {
    case ScalarType::Bool:
      return "bool";
    case ScalarType::UInt8:
      return "unsigned char";
    case ScalarType::Int8:
      return "signed char";
    case ScalarType::Int32:
      return "int";
    case ScalarType::Int64:
      return "long int";
    case ScalarType::BFloat16:
      return "c10::BFloat16";
    case ScalarType::Float32:
      return "float";
    case ScalarType::Float64:
      return "double";
  }
  return "?";
}
std::string tensor_type_name(ScalarType t) {
  return t == ScalarType::BFloat16 ? "CPUBFloat16Type" : autograd::legacy_type_name(t);
}

// at::batchify: [C, H, W] is one image.
Tensor batchify(const Tensor& input) {
  RAMP_CHECK(input.dim() == 3 || input.dim() == 4,
             "Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: ",
             shape_str(input.sizes()));
  return input.dim() == 3 ? input.unsqueeze(0) : input;
}

// at::_convolution's checks on a batched input, then the kernel.
Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride_in,
                   IntArrayRef padding_in, IntArrayRef dilation_in, std::int64_t groups) {
  const std::int64_t wdim = weight.dim();
  RAMP_CHECK(wdim >= 3, "weight should have at least three dimensions");
  RAMP_CHECK(groups > 0, "non-positive groups is not supported");
  const Dims stride = expand_param(stride_in, "stride", wdim - 2);
  const Dims padding = expand_param(padding_in, "padding", wdim - 2);
  const Dims dilation = expand_param(dilation_in, "dilation", wdim - 2);
  for (auto p : padding) RAMP_CHECK(p >= 0, "negative padding is not supported");
  for (auto s : stride) RAMP_CHECK(s > 0, "non-positive stride is not supported");
  for (auto d : dilation) RAMP_CHECK(d > 0, "non-positive dilation is not supported");
  const std::string ws = shape_str(weight.sizes());
  RAMP_CHECK(wdim == input.dim(), "Expected ", wdim, "-dimensional input for ", wdim, "-dimensional weight ",
             ws, ", but got ", input.dim(), "-dimensional input of size ", shape_str(input.sizes()),
             " instead");
  RAMP_CHECK(weight.size(0) >= groups, "Given groups=", groups, ", expected weight to be at least ", groups,
             " at dimension 0, but got weight of size ", ws, " instead");
  RAMP_CHECK(weight.size(0) % groups == 0, "Given groups=", groups, ", expected weight to be divisible by ",
             groups, " at dimension 0, but got weight of size [", ws, "] instead");
  RAMP_CHECK(input.size(1) == weight.size(1) * groups, "Given groups=", groups, ", weight of size ", ws,
             ", expected input", shape_str(input.sizes()), " to have ", weight.size(1) * groups,
             " channels, but got ", input.size(1), " channels instead");
  RAMP_CHECK(!bias.defined() || (bias.dim() == 1 && bias.size(0) == weight.size(0)), "Given weight of size ",
             ws, ", expected bias to be 1-dimensional with ", weight.size(0),
             " elements, but got bias of size ", shape_str(bias.sizes()), " instead");
  bool fits = true;
  std::string padded, kernel;
  for (std::int64_t i = 0; i < 2; ++i) {
    const std::int64_t in = input.size(2 + i) + 2 * padding[std::size_t(i)];
    const std::int64_t k = dilation[std::size_t(i)] * (weight.size(2 + i) - 1) + 1;
    fits = fits && in >= k;
    padded += (i ? " x " : "") + std::to_string(in);
    kernel += (i ? " x " : "") + std::to_string(k);
  }
  RAMP_CHECK(fits, "Calculated padded input size per channel: (", padded, "). Kernel size: (", kernel,
             "). Kernel size can't be greater than actual input size");
  RAMP_CHECK(input.dtype() == weight.dtype(), "Input type (", tensor_type_name(input.dtype()),
             ") and weight type (", tensor_type_name(weight.dtype()),
             ") should be the same or input should be a MKLDNN tensor and weight is a dense tensor");
  RAMP_CHECK(!bias.defined() || bias.dtype() == input.dtype(), "Input type (", cpp_type_name(input.dtype()),
             ") and bias type (", cpp_type_name(bias.dtype()), ") should be the same");
  // Where ramp stops short of 1.13 (which convolves integers on CPU; a zero-size kernel reaches oneDNN's
  // error).
  RAMP_CHECK(
      is_floating(input.dtype()), "conv2d: '", dtype_error_name(input.dtype()),
      "' is not supported: ramp convolves Float, Double or BFloat16 tensors (PyTorch 1.13 also accepts "
      "integer dtypes on CPU)");
  RAMP_CHECK(weight.size(2) > 0 && weight.size(3) > 0,
             "conv2d: expected a kernel of positive size, but got weight of size ", ws);
  ConvGeometry g{input.size(0),
                 input.size(1),
                 input.size(2),
                 input.size(3),
                 weight.size(0),
                 weight.size(2),
                 weight.size(3),
                 stride[0],
                 stride[1],
                 padding[0],
                 padding[1],
                 dilation[0],
                 dilation[1],
                 groups,
                 0,
                 0};
  g.oH = (g.H + 2 * g.pH - g.dH * (g.kH - 1) - 1) / g.sH + 1;
  g.oW = (g.W + 2 * g.pW - g.dW * (g.kW - 1) - 1) / g.sW + 1;
  return detail::convolution(input, weight, bias, g);
}

// at::constant_pad_nd(x, {0, right, 0, bottom}) with zeros: [N, C, H, W] -> [N, C, H + bottom, W + right].
// Its gradient is the crop below, and the crop's the pad (1.13: constant_pad_nd with the negated
// padding, ConstantPadNdBackward0 at every order).
Tensor pad_end(const Tensor& x, std::int64_t bottom, std::int64_t right);

Tensor crop_end(const Tensor& x, std::int64_t bottom, std::int64_t right) {
  const std::int64_t H = x.size(2) - bottom, W = x.size(3) - right;
  Tensor out = autograd::below([&] { return x.narrow(2, 0, H).narrow(3, 0, W).contiguous(); });
  if (autograd::needs_grad({x}))
    autograd::record(out, "ConstantPadNdBackward0", {x}, {},
                     [bottom, right](const autograd::Node&, const Tensor& g) {
                       return std::vector<Tensor>{pad_end(g, bottom, right)};
                     });
  return out;
}

Tensor pad_end(const Tensor& x, std::int64_t bottom, std::int64_t right) {
  const std::int64_t H = x.size(2), W = x.size(3);
  Tensor out = autograd::below([&] {
    Tensor o = zeros({x.size(0), x.size(1), H + bottom, W + right}, x.dtype());
    detail::copy_into(o.narrow(2, 0, H).narrow(3, 0, W), x);
    return o;
  });
  if (autograd::needs_grad({x}))
    autograd::record(out, "ConstantPadNdBackward0", {x}, {},
                     [bottom, right](const autograd::Node&, const Tensor& g) {
                       return std::vector<Tensor>{
                           autograd::is_grad_enabled()
                               ? crop_end(g, bottom, right)
                               : g.narrow(2, 0, g.size(2) - bottom).narrow(3, 0, g.size(3) - right)};
                     });
  return out;
}

// 1.13's convolution_same: total padding d * (k - 1) per dim, the odd one out at the end.
Tensor convolution_same(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
                        IntArrayRef dilation, std::int64_t groups) {
  const std::int64_t k = weight.dim();
  RAMP_CHECK(k > 2, "weight should have at least three dimensions");
  RAMP_CHECK(k == input.dim(), "Expected ", k, "-dimensional input for ", k, "-dimensional weight",
             shape_str(weight.sizes()), ", but got ", input.dim(), "-dimensional input of size ",
             shape_str(input.sizes()), " instead");
  const std::size_t dims = std::size_t(k - 2);
  RAMP_CHECK(stride.size() == dims || stride.size() == 1, "stride cannot broadcast to ", dims, " dimensions");
  RAMP_CHECK(dilation.size() == dims || dilation.size() == 1, "dilation cannot broadcast to ", dims,
             " dimensions");
  for (auto s : stride) RAMP_CHECK(s == 1, "padding='same' is not supported for strided convolutions");
  Dims left, extra;
  for (std::size_t i = 0; i < dims; ++i) {
    const std::int64_t d = dilation.size() == 1 ? dilation[0] : dilation[i];
    const std::int64_t total = d * (weight.size(std::int64_t(i) + 2) - 1);
    left.push_back(total / 2);
    extra.push_back(total - total / 2 - total / 2);
  }
  // Only 2-D weights reach past the dims check (input is 4-D).
  if (extra[0] == 0 && extra[1] == 0) return convolution(input, weight, bias, stride, left, dilation, groups);
  return convolution(pad_end(input, extra[0], extra[1]), weight, bias, stride, left, dilation, groups);
}

Tensor unbatch(const Tensor& out, const Tensor& input) { return input.dim() == 3 ? out.squeeze(0) : out; }

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              IntArrayRef padding, IntArrayRef dilation, std::int64_t groups) {
  const Tensor x = batchify(input);
  return unbatch(convolution(x, weight, bias, pair(stride), pair(padding), pair(dilation), groups), input);
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              std::string_view padding, IntArrayRef dilation, std::int64_t groups) {
  const Tensor x = batchify(input);
  if (padding == "valid")
    return unbatch(convolution(x, weight, bias, pair(stride), {0}, pair(dilation), groups), input);
  RAMP_CHECK(padding == "same", "Invalid padding string: '", padding, "'");
  return unbatch(convolution_same(x, weight, bias, pair(stride), pair(dilation), groups), input);
}

}  // namespace ramp
