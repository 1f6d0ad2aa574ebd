// nn::init, following torch/nn/init.py (1.13): the same gains, fans, bounds and error texts.
#include "ramp/nn/init.h"

#include <cctype>
#include <cmath>
#include <numbers>
#include <sstream>
#include <string>

#include "ramp/autograd.h"
#include "ramp/error.h"

namespace ramp::nn::init {
namespace {

// Writes `values` (drawn in float64 so every dtype sees the same distribution) into t.
Tensor& assign(Tensor& t, const Tensor& values) {
  autograd::NoGradGuard no_grad;
  t.copy_(values);
  return t;
}

// A number as c10::str prints it (ostream's default: 1.5, 0.25, 1).
std::string num(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

std::int64_t fan(const Tensor& t, std::string_view given) {
  std::string mode(given);  // 1.13 lower-cases it first
  for (char& c : mode) c = char(std::tolower(static_cast<unsigned char>(c)));
  RAMP_CHECK_T(ValueError, mode == "fan_in" || mode == "fan_out", "Mode ", mode,
               " not supported, please use one of ['fan_in', 'fan_out']");
  auto [in, out] = calculate_fan_in_and_fan_out(t);
  return mode == "fan_in" ? in : out;
}

double kaiming_std(const Tensor& t, double a, std::string_view mode, std::string_view nonlinearity) {
  return calculate_gain(nonlinearity, a) / std::sqrt(double(fan(t, mode)));
}

}  // namespace

double calculate_gain(std::string_view nonlinearity, std::optional<double> param) {
  for (std::string_view linear : {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                                  "conv_transpose3d", "sigmoid"}) {
    if (nonlinearity == linear) return 1;
  }
  if (nonlinearity == "tanh") return 5.0 / 3;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") {
    double slope = param.value_or(0.01);
    return std::sqrt(2.0 / (1 + slope * slope));
  }
  if (nonlinearity == "selu") return 3.0 / 4;  // 1.13's value, chosen for self-normalising nets
  throw ValueError("Unsupported nonlinearity " + std::string(nonlinearity));
}

std::pair<std::int64_t, std::int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  RAMP_CHECK_T(ValueError, t.dim() >= 2,
               "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions");
  std::int64_t receptive = 1;
  for (std::int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

Tensor& uniform_(Tensor& t, double a, double b) {
  RAMP_CHECK(a <= b, "uniform_ expects to return a [from, to) range, but found from=", num(a), " > to=", num(b));
  return assign(t, rand(t.sizes(), ScalarType::Float64).mul(b - a).add(a));
}

Tensor& normal_(Tensor& t, double mean, double std) {
  RAMP_CHECK(std >= 0, "normal expects std >= 0.0, but found std ", num(std));
  return assign(t, randn(t.sizes(), ScalarType::Float64).mul(std).add(mean));
}

Tensor& constant_(Tensor& t, Scalar val) {
  autograd::NoGradGuard no_grad;
  t.fill_(val);
  return t;
}
Tensor& ones_(Tensor& t) { return constant_(t, 1); }
Tensor& zeros_(Tensor& t) { return constant_(t, 0); }

Tensor& xavier_uniform_(Tensor& t, double gain) {
  auto [in, out] = calculate_fan_in_and_fan_out(t);
  double std = gain * std::sqrt(2.0 / double(in + out));
  return uniform_(t, -std::sqrt(3.0) * std, std::sqrt(3.0) * std);
}

Tensor& xavier_normal_(Tensor& t, double gain) {
  auto [in, out] = calculate_fan_in_and_fan_out(t);
  return normal_(t, 0, gain * std::sqrt(2.0 / double(in + out)));
}

Tensor& kaiming_uniform_(Tensor& t, double a, std::string_view mode, std::string_view nonlinearity) {
  if (t.numel() == 0) return t;  // 1.13 warns "Initializing zero-element tensors is a no-op"
  double bound = std::sqrt(3.0) * kaiming_std(t, a, mode, nonlinearity);
  return uniform_(t, -bound, bound);
}

Tensor& kaiming_normal_(Tensor& t, double a, std::string_view mode, std::string_view nonlinearity) {
  if (t.numel() == 0) return t;
  return normal_(t, 0, kaiming_std(t, a, mode, nonlinearity));
}

}  // namespace ramp::nn::init
