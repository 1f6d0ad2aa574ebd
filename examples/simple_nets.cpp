// The seeds' two networks, SimpleNN (Linear-ReLU-Linear) and SimpleCNN (Conv2d-ReLU-MaxPool2d
// twice), defined as PyTorch users define them, printed as PyTorch prints them, run on one input.
// The same in Python: examples/simple_nets.py.
#include <cstdio>

#include "ramp/keras.h"
#include "ramp/nn.h"
#include "ramp/print.h"
#include "simple_nn.h"

using namespace ramp;

struct SimpleCNN : nn::Module {
  std::shared_ptr<nn::Conv2d> conv1 = register_module("conv1", std::make_shared<nn::Conv2d>(3, 32, 3, nn::Conv2dOptions{.padding = 1}));
  std::shared_ptr<nn::ReLU> relu1 = register_module("relu1", std::make_shared<nn::ReLU>());
  std::shared_ptr<nn::Conv2d> conv2 = register_module("conv2", std::make_shared<nn::Conv2d>(32, 64, 3, nn::Conv2dOptions{.padding = 1}));
  std::shared_ptr<nn::ReLU> relu2 = register_module("relu2", std::make_shared<nn::ReLU>());
  std::shared_ptr<nn::MaxPool2d> pool = register_module("pool", std::make_shared<nn::MaxPool2d>(2, nn::MaxPool2dOptions{.stride = 2}));

  Tensor forward(const Tensor& x) override {
    Tensor h = (*pool)((*relu1)((*conv1)(x)));
    return (*pool)((*relu2)((*conv2)(h)));
  }
};

void show(nn::Module& model, const Tensor& input) {
  Tensor output = model(input);
  std::size_t params = 0;
  for (const Tensor& p : model.parameters()) params += std::size_t(p.numel());
  std::printf("Model Structure: %s\n", model.repr().c_str());
  std::printf("Input shape: %s\n", size_repr(input.sizes()).c_str());
  std::printf("Output shape: %s\n", size_repr(output.sizes()).c_str());
  std::printf("Parameters: %zu\n\n", params);
}

int main() {
  manual_seed(0);
  SimpleNN nn_model;
  show(nn_model, randn({1, 784}));
  SimpleCNN cnn;
  show(cnn, randn({1, 3, 32, 32}));
  // Seed 003: Keras's Dense(64, activation="relu").
  keras::Sequential keras_model{keras::Dense(64, "relu", 784), keras::Dense(10, "softmax")};
  show(keras_model, randn({1, 784}));
  std::printf("%s", keras_model.summary().c_str());
}
