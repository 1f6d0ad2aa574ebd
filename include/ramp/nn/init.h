// nn::init: PyTorch 1.13's initialisers, in place, without recording a graph. Each returns its
// tensor. The distributions are PyTorch's; the random stream is ramp's generator (manual_seed).
//
//   nn::init::kaiming_normal_(conv.weight, 0, "fan_out", "relu");   // He initialisation
//   nn::init::zeros_(conv.bias);
#pragma once

#include <optional>
#include <string_view>
#include <utility>

#include "ramp/tensor.h"

namespace ramp::nn::init {

// The recommended gain for a nonlinearity: linear/conv*/sigmoid 1, tanh 5/3, relu sqrt(2),
// leaky_relu sqrt(2 / (1 + slope^2)) (slope defaults to 0.01), selu 3/4.
double calculate_gain(std::string_view nonlinearity, std::optional<double> param = {});
// (fan_in, fan_out) of a weight of >= 2 dims: size(1) and size(0) times the receptive field.
std::pair<std::int64_t, std::int64_t> calculate_fan_in_and_fan_out(const Tensor& t);

Tensor& uniform_(Tensor& t, double a = 0, double b = 1);
Tensor& normal_(Tensor& t, double mean = 0, double std = 1);
Tensor& constant_(Tensor& t, Scalar val);
Tensor& ones_(Tensor& t);
Tensor& zeros_(Tensor& t);
// U(-b, b), b = gain sqrt(6 / (fan_in + fan_out)); N(0, gain sqrt(2 / (fan_in + fan_out))).
Tensor& xavier_uniform_(Tensor& t, double gain = 1);
Tensor& xavier_normal_(Tensor& t, double gain = 1);
// He: std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a); uniform bound sqrt(3) std.
// mode "fan_in" keeps the forward pass's variance, "fan_out" the backward pass's.
Tensor& kaiming_uniform_(Tensor& t, double a = 0, std::string_view mode = "fan_in",
                         std::string_view nonlinearity = "leaky_relu");
Tensor& kaiming_normal_(Tensor& t, double a = 0, std::string_view mode = "fan_in",
                        std::string_view nonlinearity = "leaky_relu");

}  // namespace ramp::nn::init
