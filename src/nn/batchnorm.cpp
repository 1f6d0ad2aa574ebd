// BatchNorm1d/2d: parameters, buffers and the momentum rule of torch/nn/modules/batchnorm.py (1.13).
#include "ramp/autograd.h"
#include "ramp/error.h"
#include "ramp/nn/functional.h"
#include "ramp/nn/init.h"
#include "ramp/nn/layers.h"

namespace ramp::nn {

BatchNorm::BatchNorm(std::int64_t n, BatchNormOptions o)
    : num_features(n),
      options(o),
      weight(register_parameter("weight", o.affine ? empty({n}) : Tensor{})),
      bias(register_parameter("bias", o.affine ? empty({n}) : Tensor{})),
      running_mean(register_buffer("running_mean", o.track_running_stats ? zeros({n}) : Tensor{})),
      running_var(register_buffer("running_var", o.track_running_stats ? ones({n}) : Tensor{})),
      num_batches_tracked(register_buffer("num_batches_tracked",
                                          o.track_running_stats ? scalar_tensor(0, ScalarType::Int64) : Tensor{})) {
  reset_parameters();
}

void BatchNorm::reset_running_stats() {
  if (!options.track_running_stats) return;
  init::zeros_(running_mean);
  init::ones_(running_var);
  init::zeros_(num_batches_tracked);
}

void BatchNorm::reset_parameters() {
  reset_running_stats();
  if (!options.affine) return;
  init::ones_(weight);
  init::zeros_(bias);
}

Tensor BatchNorm::forward(const Tensor& input) {
  check_input_dim(input);
  // momentum=None: the cumulative average, factor 1 / batches seen so far.
  double factor = options.momentum.value_or(0.0);
  if (is_training() && options.track_running_stats) {
    {
      autograd::NoGradGuard no_grad;
      num_batches_tracked.add_(1);
    }
    if (!options.momentum) factor = 1.0 / double(num_batches_tracked.item<std::int64_t>());
  }
  // Without running statistics even eval normalises by the batch.
  bool use_batch = is_training() || !running_mean.defined();
  bool pass_running = !is_training() || options.track_running_stats;
  return batch_norm(input, pass_running ? running_mean : Tensor{}, pass_running ? running_var : Tensor{}, weight,
                    bias, use_batch, factor, options.eps);
}

std::optional<Tensor> BatchNorm::default_for_missing(const std::string& name) const {
  if (name != "num_batches_tracked" || !options.track_running_stats) return std::nullopt;
  return scalar_tensor(0, ScalarType::Int64);
}

std::string BatchNorm::extra_repr() const {
  auto b = [](bool v) { return std::string(v ? "True" : "False"); };
  return std::to_string(num_features) + ", eps=" + Scalar(options.eps).repr() +
         ", momentum=" + (options.momentum ? Scalar(*options.momentum).repr() : "None") + ", affine=" + b(options.affine) +
         ", track_running_stats=" + b(options.track_running_stats);
}

void BatchNorm1d::check_input_dim(const Tensor& input) const {
  RAMP_CHECK_T(ValueError, input.dim() == 2 || input.dim() == 3, "expected 2D or 3D input (got ", input.dim(),
               "D input)");
}

void BatchNorm2d::check_input_dim(const Tensor& input) const {
  RAMP_CHECK_T(ValueError, input.dim() == 4, "expected 4D input (got ", input.dim(), "D input)");
}

}  // namespace ramp::nn
