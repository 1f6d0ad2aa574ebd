// summary(): rows, shapes, parameter counts and multiply-adds against their arithmetic; memory
// against the allocator's bucket sizes of what each layer must keep (its output; a ReLU's 1-bit
// mask, not a copy); the model left as it was found.
#include <gtest/gtest.h>

#include <memory>

#include "ramp/elementwise.h"
#include "ramp/nn.h"
#include "ramp/random.h"
#include "ramp/summary.h"

using namespace ramp;
using ramp::diagnostics::summary;

namespace {
// The allocator's bucket for a small block (up to 64 KiB): the next power of two, at least 64.
std::int64_t bucket(std::int64_t bytes) {
  std::int64_t b = 64;
  while (b < bytes) b *= 2;
  return b;
}
}  // namespace

TEST(Summary, MlpRowsCountsAndMeasuredMemory) {
  auto net = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(784, 128), std::make_shared<nn::ReLU>(),
                                              std::make_shared<nn::Linear>(128, 10));
  net->eval();
  const auto s = summary(*net, {64, 784});
  ASSERT_EQ(s.layers.size(), 4u);
  EXPECT_EQ(s.layers[0].type, "Sequential");
  EXPECT_EQ(s.layers[0].depth, 0);
  EXPECT_EQ(s.layers[1].path, "0");
  EXPECT_EQ(s.layers[2].type, "ReLU");
  EXPECT_EQ(s.layers[3].index, 3);
  EXPECT_EQ(s.layers[1].output_shape, (std::vector<std::int64_t>{64, 128}));
  EXPECT_EQ(s.layers[0].output_shape, (std::vector<std::int64_t>{64, 10}));
  EXPECT_EQ(s.layers[1].params, 784 * 128 + 128);
  EXPECT_EQ(s.layers[2].params, 0);
  EXPECT_EQ(s.total_params, 784 * 128 + 128 + 128 * 10 + 10);
  EXPECT_EQ(s.trainable_params, s.total_params);
  EXPECT_EQ(s.layers[1].mult_adds, 64 * 784 * 128);
  EXPECT_EQ(s.layers[3].mult_adds, 64 * 128 * 10);
  EXPECT_EQ(s.mult_adds, 64 * 784 * 128 + 64 * 128 * 10);
  EXPECT_EQ(s.layers[1].memory, bucket(64 * 128 * 4));
  EXPECT_EQ(s.layers[2].memory, bucket(64 * 128 * 4) + bucket(64 * 128 / 8));  // output + 1-bit mask
  EXPECT_EQ(s.layers[3].memory, bucket(64 * 10 * 4));
  // What the whole pass keeps: fc1's output dies once the ReLU (which saves only its mask) is done.
  EXPECT_EQ(s.layers[0].memory, s.layers[2].memory + s.layers[3].memory);
  EXPECT_EQ(s.forward_bytes, s.layers[0].memory);
  EXPECT_GE(s.peak_bytes, s.forward_bytes);
  EXPECT_EQ(s.input_bytes, 64 * 784 * 4);
  EXPECT_EQ(s.param_bytes, s.total_params * 4);
  EXPECT_FALSE(net->is_training());  // the mode it had

  const std::string text = s.str();
  EXPECT_NE(text.find("Sequential                              "), std::string::npos) << text;
  EXPECT_NE(text.find("├─Linear: 1-1"), std::string::npos) << text;
  EXPECT_NE(text.find("└─Linear: 1-3"), std::string::npos) << text;
  EXPECT_NE(text.find("100,480"), std::string::npos) << text;
  EXPECT_NE(text.find("Total params: 101,770\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Total mult-adds (M): 6.50\n"), std::string::npos) << text;  // 6,504,448
}

TEST(Summary, NestedTreeConvAndTheModelLeftAlone) {
  auto block = std::make_shared<nn::Sequential>(std::make_shared<nn::Conv2d>(1, 8, nn::IntPair{3, 3}),
                                                std::make_shared<nn::BatchNorm2d>(8), std::make_shared<nn::ReLU>());
  auto net = std::make_shared<nn::Sequential>(block, std::make_shared<nn::Flatten>(), std::make_shared<nn::Dropout>(),
                                              std::make_shared<nn::Linear>(8 * 26 * 26, 10));
  const Tensor mean_before = net->named_buffers()[0].second.clone();
  const Tensor rng_before = default_generator().get_state();
  const auto s = summary(*net, {2, 1, 28, 28});
  ASSERT_EQ(s.layers.size(), 8u);
  EXPECT_EQ(s.layers[2].depth, 2);
  EXPECT_EQ(s.layers[2].path, "0.0");
  EXPECT_EQ(s.layers[2].output_shape, (std::vector<std::int64_t>{2, 8, 26, 26}));
  EXPECT_EQ(s.layers[2].mult_adds, 2 * 26 * 26 * 8 * 1 * 3 * 3);
  EXPECT_EQ(s.layers[3].mult_adds, 0);  // BatchNorm multiplies elementwise
  EXPECT_EQ(diagnostics::mult_adds("LayerNorm", ones({8, 26, 26}), {2, 8, 26, 26}), 0);  // a 3-D weight, elementwise
  EXPECT_EQ(s.layers[1].params, 0);
  EXPECT_TRUE(s.layers[1].has_children);
  EXPECT_TRUE(equal(net->named_buffers()[0].second, mean_before));  // running stats restored
  EXPECT_TRUE(equal(default_generator().get_state(), rng_before));  // dropout's draws undone
  EXPECT_TRUE(net->is_training());
  const std::string text = s.str();
  EXPECT_NE(text.find("├─Sequential: 1-1"), std::string::npos) << text;
  EXPECT_NE(text.find("│    ├─Conv2d: 2-1"), std::string::npos) << text;
  EXPECT_NE(text.find("│    └─ReLU: 2-3"), std::string::npos) << text;
  EXPECT_NE(text.find("└─Linear: 1-4"), std::string::npos) << text;
}
