// The module base class. (The full module system, with children and parameters, grows here.)
#pragma once

#include <string>

#include "ramp/tensor.h"

namespace ramp::nn {

class Module {
 public:
  virtual ~Module() = default;
  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }
  // The class name PyTorch prints ("ReLU", "LeakyReLU").
  virtual std::string name() const = 0;
  // What goes between the parentheses of the repr.
  virtual std::string extra_repr() const { return ""; }
  // As PyTorch's Module.__repr__: `Name(extra_repr)`.
  std::string repr() const { return name() + "(" + extra_repr() + ")"; }

  bool is_training() const { return training_; }
  Module& train(bool on = true) {
    training_ = on;
    return *this;
  }
  Module& eval() { return train(false); }

 private:
  bool training_ = true;
};

}  // namespace ramp::nn
