// Loss functions with PyTorch 1.13's names, defaults, errors and grad_fn graphs.
//
//   auto loss = ramp::cross_entropy(logits, labels);                    // NllLossBackward0
//   ramp::cross_entropy(logits, labels, {.weight = w, .label_smoothing = 0.1});
//   ramp::mse_loss(y, target, {.reduction = "sum"});                   // MseLossBackward0
//   ramp::binary_cross_entropy_with_logits(z, t, {.pos_weight = pw});
//   ramp::nn::CrossEntropyLoss criterion({.label_smoothing = 0.1});  criterion(logits, labels);
//
// `reduction` is "none", "mean" or "sum" (1.13's deprecated "elementwise_mean" is "mean"); anything
// else raises ValueError "<value> is not a valid value for reduction".
// Class-index targets are int64 (uint8 too, as 1.13's CPU kernels take); inputs [C], [N, C] or
// [N, C, d1, d2, ...] with targets [], [N] or [N, d1, d2, ...].
#pragma once

#include <cstdint>
#include <string>

#include "ramp/nn/module.h"
#include "ramp/tensor.h"

namespace ramp {

// (Tensor members have `{}` initializers so designated initializers may skip them under
// -Wmissing-field-initializers.)
struct LossOptions {
  std::string reduction = "mean";
};

// (input - target)^2, input and target broadcast to a common shape (1.13 warns in Python).
// float32/float64 ("mse_cpu" has no bfloat16 in 1.13).
Tensor mse_loss(const Tensor& input, const Tensor& target, const LossOptions& options = {});
// |input - target|, composed as 1.13 does (SubBackward0, AbsBackward0, MeanBackward0/SumBackward0).
Tensor l1_loss(const Tensor& input, const Tensor& target, const LossOptions& options = {});

struct SmoothL1Options {
  std::string reduction = "mean";
  double beta = 1.0;  // >= 0 (0: |input - target|)
};
// z = |input - target|: 0.5 z^2 / beta below beta, z - 0.5 beta above (SmoothL1LossBackward0).
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1Options& options = {});
struct HuberOptions {
  std::string reduction = "mean";
  double delta = 1.0;  // > 0
};
// z = |input - target|: 0.5 z^2 below delta, delta (z - 0.5 delta) above (HuberLossBackward0).
Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberOptions& options = {});

struct NllLossOptions {
  Tensor weight{};  // [C] rescales each class; undefined: all 1
  std::int64_t ignore_index = -100;
  std::string reduction = "mean";  // "mean" divides by the summed weights of non-ignored targets
};
// -input[n, target[n]] * weight[target[n]]; input holds log-probabilities. 4-d inputs record
// NllLoss2DBackward0, 3-d and >4-d ones are viewed as 4-d (ViewBackward0 around it), as in 1.13.
Tensor nll_loss(const Tensor& input, const Tensor& target, const NllLossOptions& options = {});

struct CrossEntropyOptions {
  Tensor weight{};
  std::int64_t ignore_index = -100;
  std::string reduction = "mean";
  double label_smoothing = 0.0;  // in [0, 1]
};
// Class indices: nll_loss(log_softmax(input, class dim)) (NllLossBackward0 over LogSoftmaxBackward0);
// with label smoothing (1 - ls) * that + ls / C * the smoothing term (AddBackward0). A target with
// the input's shape holds class probabilities (floating, ignore_index must stay negative).
Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyOptions& options = {});

struct BCEOptions {
  Tensor weight{};  // broadcast to the input's shape
  std::string reduction = "mean";
};
// -w (t log(x) + (1 - t) log(1 - x)), each log clamped to >= -100 as 1.13 does; input in [0, 1].
// float32/float64 (1.13 has no bfloat16 kernel).
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const BCEOptions& options = {});

struct BCEWithLogitsOptions {
  Tensor weight{};
  std::string reduction = "mean";
  Tensor pos_weight{};  // weight of the positive term, broadcast along the last dim ([C])
};
// -w (pw t log(sigmoid(x)) + (1 - t) log(1 - sigmoid(x))) = w ((1 - t) x + (1 + (pw - 1) t) softplus(-x)),
// softplus(-x) = max(-x, 0) + log1p(exp(-|x|)): no overflow, and no cancellation where 1.13's
// log(exp(-m) + exp(-x - m)) rounds 1 + tiny to 1 (so results differ from 1.13's in the last bits).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const BCEWithLogitsOptions& options = {});

namespace nn {

// The loss modules (torch.nn.MSELoss, ...): reprs "MSELoss()", weight / pos_weight registered as
// buffers (state_dict, to(dtype)), the rest of the options kept as given. A module's forward takes
// (input, target); the one-input forward of Module is not one of them.
template <class Options> class Loss : public Module {
 public:
  using Module::forward;
  using Module::operator();
  virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  Options options;  // its weight / pos_weight are the buffers' values at the call

 protected:
  explicit Loss(Options o) : options(std::move(o)) {}
};

class MSELoss : public Loss<LossOptions> {
 public:
  explicit MSELoss(LossOptions o = {}) : Loss(std::move(o)) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
};
class L1Loss : public Loss<LossOptions> {
 public:
  explicit L1Loss(LossOptions o = {}) : Loss(std::move(o)) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
};
class NLLLoss : public Loss<NllLossOptions> {
 public:
  explicit NLLLoss(NllLossOptions o = {});
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor& weight;  // buffer "weight" (undefined: None)
};
class CrossEntropyLoss : public Loss<CrossEntropyOptions> {
 public:
  explicit CrossEntropyLoss(CrossEntropyOptions o = {});
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor& weight;
};
class BCELoss : public Loss<BCEOptions> {
 public:
  explicit BCELoss(BCEOptions o = {});
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor& weight;
};
class BCEWithLogitsLoss : public Loss<BCEWithLogitsOptions> {
 public:
  explicit BCEWithLogitsLoss(BCEWithLogitsOptions o = {});
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor& weight;
  Tensor& pos_weight;
};

}  // namespace nn
}  // namespace ramp
