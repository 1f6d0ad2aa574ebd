// What the DDP test ranks (ddp_worker.cpp) and the test that checks them (tests/cpp/test_ddp.cpp)
// share: the models and the batches, which every process can rebuild.
#pragma once

#include <memory>
#include <utility>

#include "ramp/functional.h"
#include "ramp/nn.h"
#include "ramp/random.h"

namespace ddp_test {

inline constexpr std::int64_t kBatch = 6;  // rows per rank
inline constexpr int kSteps = 10;

// 8 -> 16 -> ReLU -> 4
inline std::shared_ptr<ramp::nn::Sequential> make_mlp() {
  using namespace ramp::nn;
  return std::make_shared<Sequential>(std::make_shared<Linear>(8, 16), std::make_shared<ReLU>(),
                                      std::make_shared<Linear>(16, 4));
}

// Step `step`'s batch of all `ws` ranks (rank r takes rows r*kBatch ..): inputs [ws*kBatch, 8],
// targets [ws*kBatch, 4].
inline std::pair<ramp::Tensor, ramp::Tensor> batch(int step, int ws) {
  ramp::Generator g(std::uint64_t(1000 + step));
  ramp::Tensor x = ramp::empty({ws * kBatch, 8}), y = ramp::empty({ws * kBatch, 4});
  ramp::normal_(x, 0, 1, &g);
  ramp::normal_(y, 0, 1, &g);
  return {x, y};
}

// Parameters 0, 1 (body), 2, 3 (unused: registered, never called), 4, 5 (head).
struct TwoHeads : ramp::nn::Module {
  std::shared_ptr<ramp::nn::Linear> body = register_module("body", std::make_shared<ramp::nn::Linear>(8, 8));
  std::shared_ptr<ramp::nn::Linear> unused = register_module("unused", std::make_shared<ramp::nn::Linear>(8, 4));
  std::shared_ptr<ramp::nn::Linear> head = register_module("head", std::make_shared<ramp::nn::Linear>(8, 4));
  ramp::Tensor forward(const ramp::Tensor& x) override { return (*head)(ramp::relu((*body)(x))); }
};

}  // namespace ddp_test
