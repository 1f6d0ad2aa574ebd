// F.layer_norm as PyTorch 1.13 (aten/src/ATen/native/layer_norm.cpp and its CPU kernel), recorded
// as NativeLayerNormBackward0. The input is read as [M, N] rows, N = prod(normalized_shape).
//
// Per row: mean and the biased variance in double (1.13 sums in the accumulate type; this is within
// an ulp of it), rstd = 1 / sqrt(var + eps); in the accumulate type A (float for float32 and
// bfloat16, double for float64), 1.13's order:
//   y = (x * rstd + (-rstd * mean)) * gamma + beta
// Backward (1.13's formulas), per row with ds = Σ dy γ x, db = Σ dy γ, s = 1 / N:
//   b = (db * mean - ds) * rstd³ * s,  c = -b * mean - db * rstd * s
//   dx = rstd * dy * γ + b * x + c
//   dγ = Σ_rows dy (x - mean) rstd,  dβ = Σ_rows dy
// In a create_graph pass each gradient also records 1.13's NativeLayerNormBackwardBackward0 with
// its closed-form second derivatives (norm_grad2.cpp).
#include <cmath>
#include <memory>
#include <vector>

#include "../tensor/parallel.h"
#include "norm_grad2.h"
#include "ramp/nn/functional.h"
#include "ramp/print.h"
#include "record.h"

namespace ramp {
namespace {

template <class T>
using Acc = std::conditional_t<std::is_same_v<T, double>, double, float>;
template <class T>
double dbl(T v) {
  return static_cast<double>(static_cast<Acc<T>>(v));
}

struct Rows {
  std::int64_t M, N;
};

std::int64_t grain(std::int64_t n) { return std::max<std::int64_t>(1, (1 << 15) / std::max<std::int64_t>(n, 1)); }

template <class T>
void forward(const Rows& r, const T* x, const T* w, const T* b, T* y, std::vector<double>& mean,
             std::vector<double>& rstd, double eps) {
  using A = Acc<T>;
  detail::parallel_for(r.M, grain(r.N), 1, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t i = lo; i < hi; ++i) {
      const T* xr = x + i * r.N;
      double s = 0;
      for (std::int64_t j = 0; j < r.N; ++j) s += dbl(xr[j]);
      const double m = s / double(r.N);
      double v = 0;
      for (std::int64_t j = 0; j < r.N; ++j) v += (dbl(xr[j]) - m) * (dbl(xr[j]) - m);
      const double rs = 1.0 / std::sqrt(std::max(v / double(r.N), 0.0) + eps);
      mean[std::size_t(i)] = m, rstd[std::size_t(i)] = rs;
      const A scale = A(rs), bias = -A(rs) * A(m);
      T* yr = y + i * r.N;
      for (std::int64_t j = 0; j < r.N; ++j) {
        const A g = w ? A(w[j]) : A(1), bb = b ? A(b[j]) : A(0);
        yr[j] = T((A(xr[j]) * scale + bias) * g + bb);
      }
    }
  });
}

struct LnGrads {
  Tensor input, weight, bias;
};

template <class T>
LnGrads backward(const Rows& r, const Dims& shape, const Tensor& gy_in, const Tensor& x_in, const Tensor& w_in,
                 const std::vector<double>& mean, const std::vector<double>& rstd, bool nx, bool nw, bool nb) {
  using A = Acc<T>;
  const Tensor gy = gy_in.contiguous(), x = x_in.contiguous(), w = w_in.defined() ? w_in.contiguous() : w_in;
  const T* pg = gy.data<T>();
  const T* px = x.data<T>();
  const T* pw = w.defined() ? w.data<T>() : nullptr;
  LnGrads out;
  if (nx) {
    out.input = empty_like(x);
    T* pd = out.input.data<T>();
    const double s = 1.0 / double(r.N);
    detail::parallel_for(r.M, grain(r.N), 1, [&](std::int64_t lo, std::int64_t hi) {
      for (std::int64_t i = lo; i < hi; ++i) {
        const T* g = pg + i * r.N;
        const T* xr = px + i * r.N;
        double ds = 0, db = 0;
        for (std::int64_t j = 0; j < r.N; ++j) {
          const double gg = dbl(g[j]) * (pw ? dbl(pw[j]) : 1.0);
          ds += gg * dbl(xr[j]);
          db += gg;
        }
        const double m = mean[std::size_t(i)], rs = rstd[std::size_t(i)];
        const double bd = (db * m - ds) * rs * rs * rs * s;
        const A a = A(rs), b = A(bd), c = A(-bd * m - db * rs * s);
        T* d = pd + i * r.N;
        for (std::int64_t j = 0; j < r.N; ++j)
          d[j] = T(a * A(g[j]) * (pw ? A(pw[j]) : A(1)) + b * A(xr[j]) + c);
      }
    });
  }
  if (nw || nb) {
    std::vector<double> dw(std::size_t(r.N), 0.0), dbias(std::size_t(r.N), 0.0);
    detail::parallel_for(r.N, grain(r.M), 1, [&](std::int64_t lo, std::int64_t hi) {
      for (std::int64_t i = 0; i < r.M; ++i) {
        const double m = mean[std::size_t(i)], rs = rstd[std::size_t(i)];
        for (std::int64_t j = lo; j < hi; ++j) {
          const double g = dbl(pg[i * r.N + j]);
          dw[std::size_t(j)] += g * (dbl(px[i * r.N + j]) - m) * rs;
          dbias[std::size_t(j)] += g;
        }
      }
    });
    if (nw) out.weight = from_vector(dw, shape, gy.dtype());
    if (nb) out.bias = from_vector(dbias, shape, gy.dtype());
  }
  return out;
}

}  // namespace

Tensor layer_norm(const Tensor& input, IntArrayRef normalized_shape, const Tensor& weight, const Tensor& bias,
                  double eps) {
  const auto nd = std::int64_t(normalized_shape.size());
  RAMP_CHECK(nd >= 1, "Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one "
             "element, but got normalized_shape = ", shape_str(normalized_shape));
  auto same = [&](const Tensor& t) {
    return std::equal(t.sizes().begin(), t.sizes().end(), normalized_shape.begin(), normalized_shape.end());
  };
  RAMP_CHECK(!weight.defined() || same(weight), "Expected weight to be of same shape as normalized_shape, but got "
             "weight of shape ", shape_str(weight.defined() ? weight.sizes() : IntArrayRef()),
             " and normalized_shape = ", shape_str(normalized_shape));
  RAMP_CHECK(!bias.defined() || same(bias), "Expected bias to be of same shape as normalized_shape, but got bias of "
             "shape ", shape_str(bias.defined() ? bias.sizes() : IntArrayRef()), " and normalized_shape = ",
             shape_str(normalized_shape));
  const std::int64_t lead = input.dim() - nd;
  bool fits = lead >= 0;
  for (std::int64_t i = 0; fits && i < nd; ++i) fits = input.size(lead + i) == normalized_shape[std::size_t(i)];
  RAMP_CHECK(fits, "Given normalized_shape=", shape_str(normalized_shape), ", expected input with shape [*, ",
             shape_str(normalized_shape).substr(1), ", but got input of size", shape_str(input.sizes()));
  RAMP_CHECK(is_floating(input.dtype()), "\"LayerNormKernelImpl\" not implemented for '",
             dtype_error_name(input.dtype()), "'");
  for (const Tensor* p : {&weight, &bias})
    RAMP_CHECK(!p->defined() || p->dtype() == input.dtype(), "expected scalar type ",
               dtype_error_name(input.dtype()), " but found ", dtype_error_name(p->dtype()));

  std::int64_t N = 1;
  for (std::int64_t s : normalized_shape) N *= s;
  const Rows r{N == 0 ? 0 : input.numel() / N, N};
  const Tensor x = input.contiguous(), w = weight.defined() ? weight.contiguous() : weight,
               b = bias.defined() ? bias.contiguous() : bias;
  Tensor out = empty(input.sizes(), input.dtype());
  std::vector<double> mean(std::size_t(r.M)), rstd(std::size_t(r.M));
  dispatch(x.dtype(), [&](auto z) {
    using T = decltype(z);
    if constexpr (!std::is_integral_v<T>)
      forward<T>(r, x.data<T>(), w.defined() ? w.data<T>() : nullptr, b.defined() ? b.data<T>() : nullptr,
                 out.data<T>(), mean, rstd, eps);
  });
  if (!autograd::needs_grad({input, weight, bias})) return out;
  // rows of [R, K]: statistics [R, 1] over dim 1, the weight [1, K] summed over dim 0
  auto k = std::make_shared<const detail::NormGrad2>(
      detail::NormGrad2{"NativeLayerNormBackwardBackward0", Dims(input.sizes()), {r.M, r.N}, {1}, {r.M, 1},
                        {1, r.N}, {0}, Dims(normalized_shape), input.dtype(), std::move(mean), std::move(rstd), true});
  auto node = autograd::record(
      out, "NativeLayerNormBackward0", {input, weight, bias}, {},
      [r, shape = Dims(normalized_shape), k](const autograd::Node& n, const Tensor& gy) {
        const bool nx = autograd::wants(n, 0), nw = autograd::wants(n, 1), nb = autograd::wants(n, 2);
        const Tensor x = n.unpack(0), w = n.unpack(1);
        LnGrads g = autograd::below([&] {
          return dispatch(gy.dtype(), [&](auto z) -> LnGrads {
            using T = decltype(z);
            if constexpr (std::is_integral_v<T>)
              throw Error("layer_norm backward: integer gradient");
            else
              return backward<T>(r, shape, gy, x, w, k->mean, k->invstd, nx, nw, nb);
          });
        });
        // a create_graph pass: the gradients become ops (second derivatives in norm_grad2.cpp)
        if (autograd::is_grad_enabled()) detail::record_norm_grad2(g.input, g.weight, g.bias, gy, x, w, k);
        return std::vector<Tensor>{g.input, g.weight, g.bias};
      });
  autograd::save_if(*node, {{true, input}, {weight.defined(), weight}});
  return out;
}

}  // namespace ramp
