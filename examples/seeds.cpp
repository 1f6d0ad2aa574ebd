// The seeds' first examples in C++: relu, relu_ and every variant on two small tensors, printed
// exactly as PyTorch prints them.
#include <cstdio>

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
}
