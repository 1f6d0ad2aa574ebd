// ATen's feature_dropout (F.dropout1d / F.dropout2d on CPU): one draw per (n, c) channel,
// noise = dropout(ones [N, C, 1, ...]) = bernoulli(1 - p) / (1 - p), then y = x * noise
// (MulBackward0; in place: x *= noise), as 1.13's _dropout_impl with feature_dropout.
#include "ramp/nn/functional.h"

namespace ramp {

Tensor feature_dropout(const Tensor& input, double p, bool training, bool inplace) {
  RAMP_CHECK_T(ValueError, p >= 0 && p <= 1, "dropout probability has to be between 0 and 1, but got ",
               Scalar(p).repr());
  if (p == 0 || !training || input.numel() == 0) return input;
  RAMP_CHECK(input.dim() >= 2, "Feature dropout requires at least 2 dimensions in the input");
  Dims shape(input.sizes());
  for (std::size_t i = 2; i < shape.size(); ++i) shape[i] = 1;
  // The same draws as dropout's on a tensor of the noise's shape (1 * m == m exactly).
  const Tensor noise = dropout(ones(shape, input.dtype()), p, true, false);
  Tensor x = input;
  if (inplace) return x.mul_(noise);
  return x.mul(noise);
}

}  // namespace ramp
