// The seeds' first examples in C++: relu, relu_ and every variant on two small tensors, printed
// exactly as PyTorch prints them, then ReLU's derivative through autograd (1 for x > 0, else 0).
#include <cstdio>

#include "ramp/autograd.h"
#include "ramp/functional.h"
#include "ramp/nn/activation.h"

int main() {
  using namespace ramp;
  const Tensor inputs[] = {tensor({-1., 0., 1., 2.}), tensor({{-1., 2., -3.}, {4., -5., 6.}})};
  for (const Tensor& x : inputs) {
    std::printf("input:\n%s\n\n", x.str().c_str());
    std::printf("ramp::relu(x):\n%s\n", relu(x).str().c_str());
    Tensor y = x.clone();
    relu_(y);
    std::printf("ramp::relu_(x.clone()):\n%s\n", y.str().c_str());
    act::for_each_activation([&](auto a) {
      using A = decltype(a);
      nn::Activation<A> m;
      std::printf("%s:\n%s\n", m.repr().c_str(), m(x).str().c_str());
    });
    std::printf("\n");
  }
  Tensor x = tensor({-1., 0., 1., 2.}).requires_grad_();
  Tensor y = relu(x);
  std::printf("y = ramp::relu(x):\n%s\n", format_tensor(y, {"grad_fn=<" + std::string(y.grad_fn()->name()) + ">"}).c_str());
  y.sum().backward();
  std::printf("x.grad after y.sum().backward():\n%s\n", x.grad().str().c_str());
}
