// The Keras way of writing the same networks (seed 003), built from ramp's nn modules:
//
//   keras::Sequential model{keras::Dense(64, "relu", /*input_dim=*/784), keras::Dense(10, "softmax")};
//   model.repr();     // "Sequential(\n  (0): Linear(in_features=784, out_features=64, bias=True)\n  (1): ReLU()\n ..."
//   model(x);         // an nn::Sequential underneath: the same forward, parameters, state_dict
//   model.summary();  // Keras's table: one row per ramp module (layer, output shape, parameter
//                     // count), then "Total params: 50,890" as Keras prints the totals
//
// Dense(units, activation) is a Linear followed by the activation module named by any registry name
// ("relu", "LeakyReLU", "gelu", ...; Keras's "swish", "hard_sigmoid" and "linear" too). Keras
// initialises Dense with glorot_uniform weights and zero biases, and so does this.
#pragma once

#include <initializer_list>
#include <optional>
#include <string>
#include <variant>

#include "ramp/nn/container.h"

namespace ramp::keras {

struct Dense {
  std::int64_t units;
  std::string activation;                // "" or "linear": none
  std::optional<std::int64_t> input_dim;  // input_shape=(input_dim,); the first layer needs it
  bool use_bias = true;
  Dense(std::int64_t units, std::string activation = "", std::optional<std::int64_t> input_dim = {}, bool use_bias = true)
      : units(units), activation(std::move(activation)), input_dim(input_dim), use_bias(use_bias) {}
};

struct Activation {
  std::string name;
  explicit Activation(std::string name) : name(std::move(name)) {}
};

using Layer = std::variant<Dense, Activation>;

// The activation module for a Keras or ramp name; softmax-like ones over the last dim, as Keras.
// nullptr for "linear" or "".
nn::ModulePtr activation_module(const std::string& name);

class Sequential : public nn::Sequential {
 public:
  Sequential(std::initializer_list<Layer> layers);
  // "Layer (type)  Output Shape  Param #" rows and the totals, as Keras prints them.
  std::string summary() const;
};

}  // namespace ramp::keras
