// The loss modules: each forwards to its functional loss with the current buffers.
#include "ramp/nn/loss.h"

namespace ramp::nn {

Tensor MSELoss::forward(const Tensor& input, const Tensor& target) { return mse_loss(input, target, options); }
Tensor L1Loss::forward(const Tensor& input, const Tensor& target) { return l1_loss(input, target, options); }

NLLLoss::NLLLoss(NllLossOptions o) : Loss(std::move(o)), weight(register_buffer("weight", options.weight)) {}
Tensor NLLLoss::forward(const Tensor& input, const Tensor& target) {
  options.weight = weight;
  return nll_loss(input, target, options);
}

CrossEntropyLoss::CrossEntropyLoss(CrossEntropyOptions o)
    : Loss(std::move(o)), weight(register_buffer("weight", options.weight)) {}
Tensor CrossEntropyLoss::forward(const Tensor& input, const Tensor& target) {
  options.weight = weight;
  return cross_entropy(input, target, options);
}

BCELoss::BCELoss(BCEOptions o) : Loss(std::move(o)), weight(register_buffer("weight", options.weight)) {}
Tensor BCELoss::forward(const Tensor& input, const Tensor& target) {
  options.weight = weight;
  return binary_cross_entropy(input, target, options);
}

BCEWithLogitsLoss::BCEWithLogitsLoss(BCEWithLogitsOptions o)
    : Loss(std::move(o)),
      weight(register_buffer("weight", options.weight)),
      pos_weight(register_buffer("pos_weight", options.pos_weight)) {}
Tensor BCEWithLogitsLoss::forward(const Tensor& input, const Tensor& target) {
  options.weight = weight;
  options.pos_weight = pos_weight;
  return binary_cross_entropy_with_logits(input, target, options);
}

}  // namespace ramp::nn
