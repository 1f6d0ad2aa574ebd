// The seeds' SimpleNN (Linear-ReLU-Linear), as PyTorch users define it (examples/simple_nets.py):
// shared by examples/simple_nets.cpp and examples/run_torch_checkpoint.cpp.
#pragma once

#include "ramp/nn.h"

struct SimpleNN : ramp::nn::Module {
  std::shared_ptr<ramp::nn::Linear> fc1 = register_module("fc1", std::make_shared<ramp::nn::Linear>(784, 128));
  std::shared_ptr<ramp::nn::ReLU> relu = register_module("relu", std::make_shared<ramp::nn::ReLU>());
  std::shared_ptr<ramp::nn::Linear> fc2 = register_module("fc2", std::make_shared<ramp::nn::Linear>(128, 10));

  ramp::Tensor forward(const ramp::Tensor& x) override { return (*fc2)((*relu)((*fc1)(x))); }
};
