// Activation modules, one template generated from the entries:
//   ramp::nn::ReLU relu;                 relu.repr() == "ReLU()"
//   ramp::nn::LeakyReLU leaky({0.2}, /*inplace=*/true);   "LeakyReLU(negative_slope=0.2, inplace=True)"
//   ramp::nn::Softmax softmax({.dim = 1});
#pragma once

#include <memory>

#include "ramp/functional.h"
#include "ramp/nn/module.h"

namespace ramp::nn {

template <class A> class Activation : public Module {
 public:
  using Entry = A;
  using Params = typename A::Params;
  explicit Activation(Params p = {}, bool inplace = false);
  Tensor forward(const Tensor& x) override;
  std::string name() const override { return std::string(A::module); }
  std::string extra_repr() const override;

  Params params;
  bool inplace = false;

 private:
  Tensor no_weight_;  // what `weight` names in the modules without one

 public:
  // PReLU only: the registered parameter "weight", (num_parameters,) filled with init.
  Tensor& weight;
};

#define RAMP_MODULE_ALIAS(fn, A) using A = Activation<act::A>;
RAMP_ACTIVATION_FUNCTIONS(RAMP_MODULE_ALIAS)
#undef RAMP_MODULE_ALIAS
using PReLU = Activation<act::PReLU>;

// A module by name ("relu", "ReLU", "LeakyReLU", ...) with default arguments.
std::unique_ptr<Module> make_activation(std::string_view name);

}  // namespace ramp::nn
