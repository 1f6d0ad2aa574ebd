// The second derivatives of batch_norm and layer_norm (internal to src/ops): in a create_graph
// pass their first-order gradients, computed by the raw kernels, are recorded as ops of dy, x and
// the weight (1.13's NativeBatchNormBackwardBackward0 / NativeLayerNormBackwardBackward0).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "ramp/tensor.h"

namespace ramp::detail {

// Both normalise groups of M values: batch_norm a channel over [N, C, S] (dims {0, 2}, statistics
// [1, C, 1], weight [1, C, 1] reduced over {0, 2}), layer_norm a row of [R, K] (dims {1},
// statistics [R, 1], weight [1, K] reduced over {0}).
struct NormGrad2 {
  std::string_view name;
  Dims sizes;         // the input's
  Dims view;          // the input read as [N, C, S] or [R, K]
  Dims group_dims;    // the dims one statistic reduces
  Dims stat_shape;    // mean / invstd broadcast against view
  Dims weight_view;   // the weight broadcast against view
  Dims weight_dims;   // the dims dw reduces
  Dims weight_sizes;  // dw's sizes
  ScalarType weight_dtype;
  std::vector<double> mean, invstd;  // per group
  // false: mean and invstd are constants (batch_norm's running statistics)
  bool training;
};

// Makes the defined ones of dx, dw, db (first-order gradients of dy without a graph) ops of dy, x
// and w where one of those requires grad.
void record_norm_grad2(Tensor& dx, Tensor& dw, Tensor& db, const Tensor& dy, const Tensor& x, const Tensor& w,
                       std::shared_ptr<const NormGrad2> k);

}  // namespace ramp::detail
