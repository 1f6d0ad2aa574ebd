// Gradient clipping, torch.nn.utils.clip_grad_norm_ / clip_grad_value_ of 1.13.
//
//   auto total = ramp::nn::utils::clip_grad_norm_(params, /*max_norm=*/1.0);   // 0-d tensor
//   ramp::nn::utils::clip_grad_value_(params, 0.5);
#pragma once

#include <vector>

#include "ramp/tensor.h"

namespace ramp::nn::utils {

// The norm of order `norm_type` (inf too) of all gradients together, as a 0-d tensor of their
// dtype; parameters without a gradient are skipped (none: tensor(0.)). Each gradient is then
// scaled in place by clip_coef = max_norm / (total_norm + 1e-6) where that is below 1 (also where
// it is NaN, as 1.13 multiplies by the clamped coefficient). error_if_nonfinite raises 1.13's error
// for a NaN or infinite total instead.
Tensor clip_grad_norm_(const std::vector<Tensor>& parameters, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
inline Tensor clip_grad_norm_(const Tensor& parameter, double max_norm, double norm_type = 2.0,
                              bool error_if_nonfinite = false) {
  return clip_grad_norm_(std::vector<Tensor>{parameter}, max_norm, norm_type, error_if_nonfinite);
}

// Clamps every gradient element to [-clip_value, clip_value] in place.
void clip_grad_value_(const std::vector<Tensor>& parameters, double clip_value);
inline void clip_grad_value_(const Tensor& parameter, double clip_value) {
  clip_grad_value_(std::vector<Tensor>{parameter}, clip_value);
}

}  // namespace ramp::nn::utils
