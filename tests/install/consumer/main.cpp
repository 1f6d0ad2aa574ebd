// Trains y = relu(x) - relu(-x) / 2 (a kinked line) with a small ReLU MLP through the installed
// headers and library, and prints what the test script checks: the printed module, relu's values,
// and the loss before and after training.
#include <cmath>
#include <cstdio>
#include <iostream>

#include "ramp/functional.h"
#include "ramp/nn.h"
#include "ramp/nn/loss.h"
#include "ramp/optim.h"

int main() {
  using namespace ramp;
  manual_seed(0);
  std::cout << relu(tensor({-1.0, 0.0, 2.0})).str() << "\n";
  auto model = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(1, 16), std::make_shared<nn::ReLU>(),
                                                std::make_shared<nn::Linear>(16, 1));
  std::cout << model->repr() << "\n";
  Tensor x = linspace(-2, 2, 64).reshape({64, 1});
  Tensor y = relu(x) - relu(x.neg()) * 0.5;
  optim::Adam opt(model->parameters(), {.lr = 0.02});
  double first = 0, last = 0;
  for (int step = 0; step < 300; ++step) {
    Tensor loss = mse_loss((*model)(x), y);
    if (step == 0) first = loss.item<double>();
    last = loss.item<double>();
    opt.zero_grad();
    loss.backward();
    opt.step();
  }
  std::printf("loss %.6f -> %.6f\n", first, last);
  return last < first / 10 ? 0 : 1;
}
