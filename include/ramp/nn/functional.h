// The layers' differentiable ops, as free functions with PyTorch's names and defaults (F.linear,
// F.conv2d, F.max_pool2d, ...). Each records PyTorch 1.13's grad_fn when an input requires grad.
// Tuple arguments take one value for both spatial dims ({2}) or one per dim ({2, 3}), as PyTorch's
// `_pair` does. Inputs are [N, C, H, W] or unbatched [C, H, W].
//
//   auto y = ramp::conv2d(x, w, b, /*stride=*/{1}, /*padding=*/{1});
//   auto p = ramp::max_pool2d(ramp::relu(y), {2});
#pragma once

#include <optional>
#include <string_view>
#include <utility>

#include "ramp/tensor.h"

namespace ramp {

// y = input @ weight^T + bias; input [*, in], weight [out, in], bias [out] or undefined.
Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias = {});

// Convolution (cross-correlation) by im2col + GEMM. weight [out, in / groups, kH, kW].
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias = {}, IntArrayRef stride = {1},
              IntArrayRef padding = {0}, IntArrayRef dilation = {1}, std::int64_t groups = 1);
// padding "valid" (none) or "same" (output size == input size; stride must be 1).
Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, IntArrayRef stride,
              std::string_view padding, IntArrayRef dilation = {1}, std::int64_t groups = 1);

// stride {} means stride = kernel_size, as PyTorch's default stride=None.
Tensor max_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {}, IntArrayRef padding = {0},
                  IntArrayRef dilation = {1}, bool ceil_mode = false);
// (output, indices): indices are int64 flat positions within each [H, W] plane, as PyTorch's.
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& input, IntArrayRef kernel_size,
                                                  IntArrayRef stride = {}, IntArrayRef padding = {0},
                                                  IntArrayRef dilation = {1}, bool ceil_mode = false);
Tensor avg_pool2d(const Tensor& input, IntArrayRef kernel_size, IntArrayRef stride = {}, IntArrayRef padding = {0},
                  bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<std::int64_t> divisor_override = {});
Tensor adaptive_avg_pool2d(const Tensor& input, IntArrayRef output_size);
// The max over the adaptive bins of [H, W] ([C, H, W] or [N, C, H, W]; output_size one int or two),
// the first maximum of a bin in row-major order, NaN winning. indices: int64 flat positions within
// each [H, W] plane. The 1-d forms take [C, L] or [N, C, L] and one size (indices within L).
Tensor adaptive_max_pool2d(const Tensor& input, IntArrayRef output_size);
std::pair<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& input, IntArrayRef output_size);
Tensor adaptive_max_pool1d(const Tensor& input, IntArrayRef output_size);
std::pair<Tensor, Tensor> adaptive_max_pool1d_with_indices(const Tensor& input, IntArrayRef output_size);

// F.batch_norm. In training, normalises by the batch statistics and, when running_mean/var are
// defined, updates them in place: running = (1 - momentum) * running + momentum * batch (the
// variance unbiased). In eval, normalises by running_mean/var. weight/bias may be undefined.
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = {}, const Tensor& bias = {}, bool training = false, double momentum = 0.1,
                  double eps = 1e-5);

// F.dropout: in training zeroes each element with probability p and scales the rest by 1 / (1 - p).
Tensor dropout(const Tensor& input, double p = 0.5, bool training = true, bool inplace = false);

// F.layer_norm: normalises over the last normalized_shape.size() dims; weight/bias (of
// normalized_shape) may be undefined. NativeLayerNormBackward0.
Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);

// F.pad: `pad` lists (left, right) pairs from the last dim backwards. mode "constant" (any dims,
// negative pads crop), "reflect", "replicate", "circular" (the last 1-3 dims of a 2-5 D input).
Tensor pad(const Tensor& input, IntArrayRef pad, std::string_view mode = "constant",
           std::optional<double> value = {});

// F.dropout1d / F.dropout2d's channel-wise dropout (ATen's feature_dropout): input [N, C, *]; each
// (n, c) channel is zeroed with probability p, the rest scaled by 1 / (1 - p).
Tensor feature_dropout(const Tensor& input, double p = 0.5, bool training = true, bool inplace = false);

}  // namespace ramp
