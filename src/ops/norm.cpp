// F.batch_norm as PyTorch 1.13 (torch/nn/functional.py, aten/src/ATen/native/Normalization.cpp and
// its CPU kernel), recorded as NativeBatchNormBackward0. Input [N, C, *] is read as [N, C, S].
//
// Training: per channel, mean and the biased variance over N*S values (sums in double, two
// passes, as 1.13's accumulate type on CPU); invstd = 1 / sqrt(var + eps);
//   running_mean = (1 - momentum) running_mean + momentum mean
//   running_var  = (1 - momentum) running_var  + momentum var * n / (n - 1)   (unbiased)
// written in place without a version bump, as 1.13. Evaluation uses the running statistics.
// Either way y = x * alpha + beta with alpha = invstd * w, beta = b - mean * alpha (1.13's order).
// Backward (1.13's formulas), with sum = Σ dy, dotp = Σ (x - mean) dy per channel:
//   training:  dx = (dy - sum / n - (x - mean) dotp invstd² / n) invstd w
//   eval:      dx = dy invstd w
//   dw = dotp invstd, db = sum.
// In a create_graph pass each gradient also records 1.13's NativeBatchNormBackwardBackward0 with
// its closed-form second derivatives (norm_grad2.cpp).
#include <cmath>
#include <memory>
#include <vector>

#include "../tensor/loop.h"
#include "../tensor/parallel.h"
#include "norm_grad2.h"
#include "ramp/autograd.h"
#include "ramp/nn/functional.h"
#include "ramp/print.h"
#include "record.h"

namespace ramp {
namespace {

template <class T>
using Acc = std::conditional_t<std::is_same_v<T, BFloat16>, float, T>;
template <class T>
double dbl(T v) {
  return static_cast<double>(static_cast<Acc<T>>(v));
}

struct Shape {
  std::int64_t N, C, S;
};

// A per-channel parameter as doubles (fill when undefined).
std::vector<double> per_channel(const Tensor& t, std::int64_t C, double fill) {
  if (!t.defined()) return std::vector<double>(std::size_t(C), fill);
  return t.reshape({C}).to_vector();
}

// Per channel, over every (n, s): f(c, row pointer, S) for each of the N rows; channels over threads.
template <class T, class F>
void over_channels(const Shape& s, const T* x, F f) {
  detail::parallel_for(s.C, std::max<std::int64_t>(1, (1 << 16) / std::max<std::int64_t>(s.N * s.S, 1)), 1,
                       [&](std::int64_t b, std::int64_t e) {
                         for (std::int64_t c = b; c < e; ++c)
                           for (std::int64_t n = 0; n < s.N; ++n) f(c, x + (n * s.C + c) * s.S);
                       });
}

// Batch mean and biased variance per channel, in double.
template <class T>
void batch_stats(const Shape& s, const T* x, std::vector<double>& mean, std::vector<double>& var) {
  mean.assign(std::size_t(s.C), 0.0), var.assign(std::size_t(s.C), 0.0);
  const double count = double(s.N * s.S);
  over_channels(s, x, [&](std::int64_t c, const T* row) {
    double a = 0;
    for (std::int64_t i = 0; i < s.S; ++i) a += dbl(row[i]);
    mean[std::size_t(c)] += a;
  });
  for (double& m : mean) m /= count;
  over_channels(s, x, [&](std::int64_t c, const T* row) {
    const double m = mean[std::size_t(c)];
    double a = 0;
    for (std::int64_t i = 0; i < s.S; ++i) {
      const double d = dbl(row[i]) - m;
      a += d * d;
    }
    var[std::size_t(c)] += a;
  });
  for (double& v : var) v /= count;
}

// y = x * alpha[c] + beta[c].
template <class T>
void affine(const Shape& s, const T* x, T* y, const std::vector<double>& alpha,
            const std::vector<double>& beta) {
  using A = Acc<T>;
  detail::parallel_for(s.N * s.C, std::max<std::int64_t>(1, (1 << 15) / std::max<std::int64_t>(s.S, 1)), 1,
                       [&](std::int64_t b, std::int64_t e) {
                         for (std::int64_t r = b; r < e; ++r) {
                           const A a = A(alpha[std::size_t(r % s.C)]), bb = A(beta[std::size_t(r % s.C)]);
                           const T* in = x + r * s.S;
                           T* out = y + r * s.S;
                           for (std::int64_t i = 0; i < s.S; ++i) out[i] = T(A(in[i]) * a + bb);
                         }
                       });
}

struct BnGrads {
  Tensor input, weight, bias;
};

template <class T>
BnGrads backward(const Shape& s, const Tensor& gy_in, const Tensor& x_in, const std::vector<double>& mean,
                 const std::vector<double>& invstd, const std::vector<double>& w, bool training, bool nx,
                 bool nw, bool nb, ScalarType param_dtype) {
  using A = Acc<T>;
  const Tensor gy = gy_in.contiguous(), x = x_in.contiguous();
  const T* pg = gy.data<T>();
  const T* px = x.data<T>();
  std::vector<double> sum(std::size_t(s.C), 0.0), dotp(std::size_t(s.C), 0.0);
  // Σ dy and Σ (x - mean) dy per channel, rows of one channel in order.
  detail::parallel_for(s.C, std::max<std::int64_t>(1, (1 << 16) / std::max<std::int64_t>(s.N * s.S, 1)), 1,
                       [&](std::int64_t b, std::int64_t e) {
                         for (std::int64_t c = b; c < e; ++c) {
                           const double m = mean[std::size_t(c)];
                           double a = 0, d = 0;
                           for (std::int64_t n = 0; n < s.N; ++n) {
                             const T* g = pg + (n * s.C + c) * s.S;
                             const T* xr = px + (n * s.C + c) * s.S;
                             for (std::int64_t i = 0; i < s.S; ++i) {
                               const double gv = dbl(g[i]);
                               a += gv;
                               d += (dbl(xr[i]) - m) * gv;
                             }
                           }
                           sum[std::size_t(c)] = a, dotp[std::size_t(c)] = d;
                         }
                       });
  BnGrads r;
  const double n = double(s.N * s.S);
  if (nx) {
    r.input = empty_like(x);
    T* pd = r.input.data<T>();
    detail::parallel_for(s.N * s.C, std::max<std::int64_t>(1, (1 << 15) / std::max<std::int64_t>(s.S, 1)), 1,
                         [&](std::int64_t b, std::int64_t e) {
                           for (std::int64_t row = b; row < e; ++row) {
                             const auto c = std::size_t(row % s.C);
                             const A is = A(invstd[c]), scale = A(invstd[c] * w[c]);
                             const T* g = pg + row * s.S;
                             T* d = pd + row * s.S;
                             if (!training) {
                               for (std::int64_t i = 0; i < s.S; ++i) d[i] = T(A(g[i]) * scale);
                               continue;
                             }
                             const A m = A(mean[c]), k = A(dotp[c]) * is * is / A(n), gm = A(sum[c] / n);
                             const T* xr = px + row * s.S;
                             for (std::int64_t i = 0; i < s.S; ++i)
                               d[i] = T((A(g[i]) - gm - (A(xr[i]) - m) * k) * scale);
                           }
                         });
  }
  if (nw) {
    std::vector<double> dw(std::size_t(s.C));
    for (std::size_t c = 0; c < dw.size(); ++c) dw[c] = dotp[c] * invstd[c];
    r.weight = from_vector(dw, {s.C}, param_dtype);
  }
  if (nb) r.bias = from_vector(sum, {s.C}, param_dtype);
  return r;
}

// 1.13's mixed-dtype rule on CPU: parameters of the input's dtype, or float32 ones for bfloat16 input.
ScalarType check_dtypes(const Tensor& input,
                        const std::vector<std::pair<const char*, const Tensor*>>& params) {
  const Tensor* first = nullptr;
  for (const auto& [_, t] : params)
    if (t->defined()) {
      first = t;
      break;
    }
  if (first == nullptr) return input.dtype();
  if (first->dtype() != input.dtype()) {
    for (const auto& [_, t] : params)
      RAMP_CHECK(!t->defined() || t->dtype() == ScalarType::Float32,
                 "mixed dtype (CPU): expect parameter to have scalar type of Float");
    RAMP_CHECK(input.dtype() == ScalarType::BFloat16,
               "mixed dtype (CPU): expect input to have scalar type of BFloat16");
  }
  for (const auto& [name, t] : params)  // 1.13 reads such a tensor as the wrong type
    RAMP_CHECK(!t->defined() || t->dtype() == first->dtype(), "batch_norm: expected ", name,
               " to have dtype ", dtype_error_name(first->dtype()), " (as the other parameters), but got ",
               dtype_error_name(t->dtype()));
  return first->dtype();
}

}  // namespace

Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum, double eps) {
  // 1.13 reads past the sizes of a 0-D or 1-D input; ramp says what it expects.
  RAMP_CHECK(input.dim() >= 2,
             "batch_norm: expected an input of at least 2 dimensions [N, C, *], but got input of size ",
             shape_str(input.sizes()));
  if (training) {  // F.batch_norm's _verify_batch_size
    std::int64_t per_channel_count = input.size(0);
    for (std::int64_t i = 2; i < input.dim(); ++i) per_channel_count *= input.size(i);
    RAMP_CHECK_T(ValueError, per_channel_count != 1,
                 "Expected more than 1 value per channel when training, got input size ",
                 size_repr(input.sizes()));
  }
  const std::int64_t C = input.size(1);
  if (input.numel() == 0) {  // 1.13: a copy (not a view), through the affine parameters' first entries
    Tensor out = input.clone();
    if (weight.defined()) out = out * weight[0];
    if (bias.defined()) out = out + bias[0];
    return out;
  }
  auto check_count = [&](const char* name, const Tensor& t) {
    RAMP_CHECK(t.numel() == C, name, " should contain ", C, " elements not ", t.numel());
  };
  if (running_mean.defined())
    check_count("running_mean", running_mean);
  else
    RAMP_CHECK(training, "running_mean must be defined in evaluation mode");
  if (running_var.defined())
    check_count("running_var", running_var);
  else
    RAMP_CHECK(training, "running_var must be defined in evaluation mode");
  if (weight.defined()) check_count("weight", weight);
  if (bias.defined()) check_count("bias", bias);
  const ScalarType param_dtype = check_dtypes(
      input,
      {{"weight", &weight}, {"bias", &bias}, {"running_mean", &running_mean}, {"running_var", &running_var}});
  RAMP_CHECK(is_floating(input.dtype()), "\"batch_norm\" not implemented for '",
             dtype_error_name(input.dtype()), "'");

  const Shape s{input.size(0), C, input.numel() / (input.size(0) * C)};
  const Tensor x = input.contiguous();
  std::vector<double> mean, var;
  if (training) {
    dispatch(x.dtype(), [&](auto z) {
      using T = decltype(z);
      if constexpr (!std::is_integral_v<T>) batch_stats<T>(s, x.data<T>(), mean, var);
    });
    const double n = double(s.N * s.S);
    auto update = [&](const Tensor& running, const std::vector<double>& batch, double scale) {
      if (!running.defined()) return;
      std::vector<double> r = running.reshape({C}).to_vector();
      for (std::size_t c = 0; c < r.size(); ++c) r[c] = momentum * batch[c] * scale + (1 - momentum) * r[c];
      detail::copy_into(running, from_vector(r, running.sizes(), running.dtype()));
    };
    update(running_mean, mean, 1.0);
    update(running_var, var, n / (n - 1));
  } else {
    mean = running_mean.reshape({C}).to_vector();
    var = running_var.reshape({C}).to_vector();
  }
  const auto channels = std::size_t(C);
  std::vector<double> invstd(channels), alpha(channels), beta(channels);
  const std::vector<double> w = per_channel(weight, C, 1.0), b = per_channel(bias, C, 0.0);
  for (std::size_t c = 0; c < invstd.size(); ++c) {
    invstd[c] = 1.0 / std::sqrt(var[c] + eps);
    alpha[c] = invstd[c] * w[c];
    beta[c] = b[c] - mean[c] * alpha[c];
  }
  Tensor out = empty_like(x);
  dispatch(x.dtype(), [&](auto z) {
    using T = decltype(z);
    if constexpr (!std::is_integral_v<T>) affine<T>(s, x.data<T>(), out.data<T>(), alpha, beta);
  });
  if (!autograd::needs_grad({input, weight, bias})) return out;
  // The batch statistics are kept as numbers in the node (k, with what the second derivatives read:
  // channels of [N, C, S], statistics [1, C, 1] over dims {0, 2}, the weight [1, C, 1] summed over
  // them); input and weight as saved tensors (an in-place change to either before backward raises,
  // as in 1.13).
  auto k = std::make_shared<const detail::NormGrad2>(
      detail::NormGrad2{"NativeBatchNormBackwardBackward0", Dims(input.sizes()), {s.N, s.C, s.S}, {0, 2}, {1, C, 1},
                        {1, C, 1}, {0, 2}, {C}, param_dtype, std::move(mean), std::move(invstd), training});
  auto node = autograd::record(
      out, "NativeBatchNormBackward0", {input, weight, bias}, {},
      [s, training, param_dtype, k](const autograd::Node& n, const Tensor& gy) {
        const bool nx = autograd::wants(n, 0), nw = autograd::wants(n, 1), nb = autograd::wants(n, 2);
        const Tensor x = n.unpack(0), weight = n.unpack(1);
        BnGrads r = autograd::below([&] {
          const std::vector<double> w = per_channel(weight, s.C, 1.0);
          return dispatch(gy.dtype(), [&](auto z) -> BnGrads {
            using T = decltype(z);
            if constexpr (std::is_integral_v<T>)
              throw Error("batch_norm backward: integer gradient");
            else
              return backward<T>(s, gy, x, k->mean, k->invstd, w, training, nx, nw, nb, param_dtype);
          });
        });
        // a create_graph pass: the gradients become ops (second derivatives in norm_grad2.cpp)
        if (autograd::is_grad_enabled()) detail::record_norm_grad2(r.input, r.weight, r.bias, gy, x, weight, k);
        return std::vector<Tensor>{r.input, r.weight, r.bias};
      });
  autograd::save_if(*node, {{true, input}, {weight.defined(), weight}});
  return out;
}

}  // namespace ramp
