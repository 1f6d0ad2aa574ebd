// Linear, Conv2d, the pools, Dropout, Flatten: argument checks, parameters and reprs as
// torch/nn/modules/{linear,conv,pooling,dropout,flatten}.py (1.13); the maths is in the ops
// (include/ramp/nn/functional.h).
#include <cmath>

#include "ramp/error.h"
#include "ramp/nn/functional.h"
#include "ramp/nn/init.h"
#include "ramp/nn/layers.h"

namespace ramp::nn {
namespace {

std::string pair_tuple(const IntPair& p) { return "(" + std::to_string(p.h) + ", " + std::to_string(p.w) + ")"; }
std::string py_bool(bool b) { return b ? "True" : "False"; }

// 1.13's reset_parameters for Linear and Conv: kaiming_uniform_(a = sqrt(5)) for the weight
// (U(-1/sqrt(fan_in), 1/sqrt(fan_in)) in effect), the same bound for the bias.
void reset_weight_and_bias(Tensor& weight, Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (!bias.defined()) return;
  auto fan_in = init::calculate_fan_in_and_fan_out(weight).first;
  double bound = fan_in > 0 ? 1 / std::sqrt(double(fan_in)) : 0;
  init::uniform_(bias, -bound, bound);
}

}  // namespace

std::string IntPair::repr() const { return single ? std::to_string(h) : pair_tuple(*this); }

// ---- Linear ----
Linear::Linear(std::int64_t in, std::int64_t out, bool with_bias)
    : in_features(in),
      out_features(out),
      weight(register_parameter("weight", empty({out, in}))),
      bias(register_parameter("bias", with_bias ? empty({out}) : Tensor{})) {
  reset_parameters();
}

void Linear::reset_parameters() { reset_weight_and_bias(weight, bias); }

Tensor Linear::forward(const Tensor& input) { return linear(input, weight, bias); }

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
         ", bias=" + py_bool(bias.defined());
}

// ---- Conv2d ----
namespace {
Conv2dOptions checked(std::int64_t in, std::int64_t out, Conv2dOptions o) {
  RAMP_CHECK_T(ValueError, o.groups > 0, "groups must be a positive integer");
  RAMP_CHECK_T(ValueError, in % o.groups == 0, "in_channels must be divisible by groups");
  RAMP_CHECK_T(ValueError, out % o.groups == 0, "out_channels must be divisible by groups");
  const std::string& m = o.padding.mode;
  RAMP_CHECK_T(ValueError, m.empty() || m == "same" || m == "valid", "Invalid padding string '", m,
               "', should be one of {'valid', 'same'}");
  RAMP_CHECK_T(ValueError, m != "same" || (o.stride.h == 1 && o.stride.w == 1),
               "padding='same' is not supported for strided convolutions");
  const std::string& pm = o.padding_mode;
  RAMP_CHECK_T(ValueError, pm == "zeros" || pm == "reflect" || pm == "replicate" || pm == "circular",
               "padding_mode must be one of ['zeros', 'reflect', 'replicate', 'circular'], but got padding_mode='",
               pm, "'");
  return o;
}
}  // namespace

Conv2d::Conv2d(std::int64_t in, std::int64_t out, IntPair k, Conv2dOptions o)
    : in_channels(in),
      out_channels(out),
      kernel_size(k),
      options(checked(in, out, std::move(o))),
      weight(register_parameter("weight", empty({out, in / options.groups, k.h, k.w}))),
      bias(register_parameter("bias", options.bias ? empty({out}) : Tensor{})) {
  reset_parameters();
}

void Conv2d::reset_parameters() { reset_weight_and_bias(weight, bias); }

Tensor Conv2d::forward(const Tensor& input) {
  const Conv2dOptions& o = options;
  if (o.padding_mode != "zeros") {  // 1.13: F.pad by (left, right) per dim, last dim first; then no padding
    std::vector<std::int64_t> p;
    for (auto [k, d, n] : {std::tuple{kernel_size.w, o.dilation.w, o.padding.w},
                           std::tuple{kernel_size.h, o.dilation.h, o.padding.h}}) {
      const std::int64_t total = o.padding.mode == "same" ? d * (k - 1) : o.padding.mode == "valid" ? 0 : 2 * n;
      p.push_back(total / 2);
      p.push_back(total - total / 2);
    }
    return conv2d(pad(input, p, o.padding_mode), weight, bias, o.stride.vec(), std::vector<std::int64_t>{0}, o.dilation.vec(),
                  o.groups);
  }
  if (!o.padding.mode.empty()) {
    return conv2d(input, weight, bias, o.stride.vec(), o.padding.mode, o.dilation.vec(), o.groups);
  }
  return conv2d(input, weight, bias, o.stride.vec(), o.padding.vec(), o.dilation.vec(), o.groups);
}

// Conv2d(3, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1)): padding, dilation, groups and
// bias only when not the default; the sizes always as tuples (PyTorch stores them through _pair).
std::string Conv2d::extra_repr() const {
  const Conv2dOptions& o = options;
  std::string s = std::to_string(in_channels) + ", " + std::to_string(out_channels) +
                  ", kernel_size=" + pair_tuple(kernel_size) + ", stride=" + pair_tuple(o.stride);
  if (!o.padding.mode.empty()) {
    s += ", padding=" + o.padding.mode;
  } else if (!(o.padding == IntPair(0))) {
    s += ", padding=" + pair_tuple(o.padding);
  }
  if (!(o.dilation == IntPair(1))) s += ", dilation=" + pair_tuple(o.dilation);
  if (o.groups != 1) s += ", groups=" + std::to_string(o.groups);
  if (!bias.defined()) s += ", bias=False";
  if (o.padding_mode != "zeros") s += ", padding_mode=" + o.padding_mode;
  return s;
}

// ---- pools ----
MaxPool2d::MaxPool2d(IntPair k, MaxPool2dOptions o) : kernel_size(k), stride(o.stride.value_or(k)), options(o) {}

Tensor MaxPool2d::forward(const Tensor& input) {
  return max_pool2d(input, kernel_size.vec(), stride.vec(), options.padding.vec(), options.dilation.vec(),
                    options.ceil_mode);
}

std::string MaxPool2d::extra_repr() const {
  return "kernel_size=" + kernel_size.repr() + ", stride=" + stride.repr() + ", padding=" + options.padding.repr() +
         ", dilation=" + options.dilation.repr() + ", ceil_mode=" + py_bool(options.ceil_mode);
}

AvgPool2d::AvgPool2d(IntPair k, AvgPool2dOptions o) : kernel_size(k), stride(o.stride.value_or(k)), options(o) {}

Tensor AvgPool2d::forward(const Tensor& input) {
  return avg_pool2d(input, kernel_size.vec(), stride.vec(), options.padding.vec(), options.ceil_mode,
                    options.count_include_pad, options.divisor_override);
}

std::string AvgPool2d::extra_repr() const {
  return "kernel_size=" + kernel_size.repr() + ", stride=" + stride.repr() + ", padding=" + options.padding.repr();
}

std::string AdaptiveSize::repr() const {
  auto one = [](const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : std::string("None"); };
  return single ? one(h) : "(" + one(h) + ", " + one(w) + ")";
}

std::vector<std::int64_t> AdaptiveSize::resolve(const Tensor& input) const {
  if (single) return {*h, *w};
  RAMP_CHECK_T(ValueError, input.dim() > 2, "Input dimension should be at least 3");
  return {h.value_or(input.size(-2)), w.value_or(input.size(-1))};
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(AdaptiveSize out) : output_size(out) {}

Tensor AdaptiveAvgPool2d::forward(const Tensor& input) { return adaptive_avg_pool2d(input, output_size.resolve(input)); }

std::string AdaptiveAvgPool2d::extra_repr() const { return "output_size=" + output_size.repr(); }

AdaptiveMaxPool2d::AdaptiveMaxPool2d(AdaptiveSize out) : output_size(out) {}

Tensor AdaptiveMaxPool2d::forward(const Tensor& input) { return adaptive_max_pool2d(input, output_size.resolve(input)); }

std::pair<Tensor, Tensor> AdaptiveMaxPool2d::forward_with_indices(const Tensor& input) {
  return adaptive_max_pool2d_with_indices(input, output_size.resolve(input));
}

std::string AdaptiveMaxPool2d::extra_repr() const { return "output_size=" + output_size.repr(); }

AdaptiveMaxPool1d::AdaptiveMaxPool1d(std::int64_t out) : output_size(out) {}

Tensor AdaptiveMaxPool1d::forward(const Tensor& input) { return adaptive_max_pool1d(input, {output_size}); }

std::pair<Tensor, Tensor> AdaptiveMaxPool1d::forward_with_indices(const Tensor& input) {
  return adaptive_max_pool1d_with_indices(input, {output_size});
}

std::string AdaptiveMaxPool1d::extra_repr() const { return "output_size=" + std::to_string(output_size); }

// ---- Dropout, Flatten ----
Dropout::Dropout(Scalar prob, bool in) : p(prob), inplace(in) {
  double v = p.to_double();
  RAMP_CHECK_T(ValueError, v >= 0 && v <= 1, "dropout probability has to be between 0 and 1, but got ", p.repr());
}

Tensor Dropout::forward(const Tensor& input) { return dropout(input, p.to_double(), is_training(), inplace); }

std::string Dropout::extra_repr() const { return "p=" + p.repr() + ", inplace=" + py_bool(inplace); }

Tensor flatten(const Tensor& input, std::int64_t start_dim, std::int64_t end_dim) {
  // ATen's order: the dims are checked first (a 0-d tensor takes only -1 and 0, so nn.Flatten()'s
  // start_dim=1 raises on it), then a 0-d tensor becomes [1].
  std::int64_t s = wrap_dim(start_dim, input.dim()), e = wrap_dim(end_dim, input.dim());
  RAMP_CHECK(s <= e, "flatten() has invalid args: start_dim cannot come after end_dim");
  if (input.dim() == 0) return input.reshape({1});
  if (s == e) return input;
  std::vector<std::int64_t> shape(input.sizes().begin(), input.sizes().begin() + s);
  std::int64_t folded = 1;
  for (std::int64_t d = s; d <= e; ++d) folded *= input.size(d);
  shape.push_back(folded);
  shape.insert(shape.end(), input.sizes().begin() + e + 1, input.sizes().end());
  return input.reshape(shape);
}

Tensor Flatten::forward(const Tensor& input) { return flatten(input, start_dim, end_dim); }

std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
}

}  // namespace ramp::nn
