// summary(model, input_size): the model as a table, in torchinfo's layout (and Keras's spirit): the
// layer tree in call order, each layer's output shape, parameters, multiply-adds and the memory
// its forward pass kept allocated, with totals.
//
//   std::cout << ramp::diagnostics::summary(net, {64, 1, 28, 28}).str();
//
// It resets the allocator's peak statistic (memory::reset_peak_stats) to measure the pass's peak.
// The memory figures are measured, not estimated: a real forward pass runs (training mode, with
// autograd recording, as a training step runs it) and ramp's allocator says how many bytes each
// layer's call left allocated (its output and what it saved for backward: a ReLU's 1-bit mask,
// a convolution's input), and the peak over the whole pass.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ramp/nn/module.h"
#include "ramp/tensor.h"

namespace ramp::diagnostics {

struct LayerSummary {
  std::string type;            // the class name PyTorch prints ("Linear")
  std::string path;            // the module's name in the model ("features.0"; "" for the model)
  int depth = 0;               // 0 for the model, 1 for its children, ...
  int index = 0;               // torchinfo's depth-idx: calls at this depth so far, from 1
  std::vector<std::int64_t> output_shape;
  std::int64_t params = 0;     // the module's own parameters (not its children's)
  std::int64_t trainable = 0;  // of those, requiring grad
  bool has_children = false;   // params 0 and children: printed "--" as torchinfo does
  // Products with the weight of a Linear or Conv layer: weight.numel() * output.numel() /
  // weight.size(0) (Linear: N*in*out; Conv: N*H_out*W_out*C_out*C_in/groups*kH*kW); 0 for others
  // (LayerNorm's weight has two dimensions too, but multiplies elementwise).
  std::int64_t mult_adds = 0;
  std::int64_t memory = 0;     // bytes the call left allocated (allocator's count, bucket-rounded)
};

struct Summary {
  std::vector<LayerSummary> layers;  // call order; a module called twice appears twice
  std::int64_t total_params = 0, trainable_params = 0, mult_adds = 0;
  std::int64_t input_bytes = 0, param_bytes = 0;
  std::int64_t forward_bytes = 0;  // allocated after the forward pass minus before (kept for backward)
  std::int64_t peak_bytes = 0;     // the allocator's peak during the pass minus the bytes before it
  // torchinfo's text: the tree, the columns, the totals.
  std::string str() const;
};

// Runs model(ones of input_size, dtype) in training mode with autograd on (the model's mode and
// the gradients are left as they were), recording every module's call through forward hooks.
Summary summary(nn::Module& model, const std::vector<std::int64_t>& input_size,
                ScalarType dtype = ScalarType::Float32);
Summary summary(nn::Module& model, const Tensor& input);

// The multiply-adds rule above for one call of a module of class `type` (Python's summary uses it too).
std::int64_t mult_adds(std::string_view type, const Tensor& weight, const std::vector<std::int64_t>& output_shape);

}  // namespace ramp::diagnostics
