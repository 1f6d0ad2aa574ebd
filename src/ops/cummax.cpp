// Running extremes and log-sum-exps along one dim (cummax, cummin, logcumsumexp) over the reduction
// engine's dense [A, R, B] view, and diff as narrow/sub (include/ramp/reduce.h).
#include <cmath>
#include <limits>

#include "reduce.h"

namespace ramp {
using namespace reduction;

namespace {

// One pass along R for each (a, b): `step(acc, e)` says whether element e replaces the running one.
template <class Step> std::pair<Tensor, Tensor> running(const Tensor& x, std::int64_t d, Step step) {
  const std::int64_t dims[1] = {d};
  const Plan p = plan(x, dim_mask(x, dims));
  Tensor values = empty(x.sizes(), x.dtype()), indices = empty(x.sizes(), ScalarType::Int64);
  dispatch(x.dtype(), [&](auto v) {
    using T = decltype(v);
    using C = detail::Compute<T>;
    const T* src = static_cast<const T*>(p.x.data_ptr());
    T* val = static_cast<T*>(values.data_ptr());
    auto* idx = static_cast<std::int64_t*>(indices.data_ptr());
    for (I64 a = 0; a < p.A; ++a)
      for (I64 b = 0; b < p.B; ++b) {
        C best{};
        std::int64_t at = 0;
        for (I64 r = 0; r < p.R; ++r) {
          const I64 k = (a * p.R + r) * p.B + b;
          const C e = C(src[k]);
          if (r == 0 || step(best, e)) best = e, at = r;
          val[k] = T(best);
          idx[k] = at;
        }
      }
  });
  return {values, indices};
}

// NaN sticks and moves the index to each new NaN; otherwise a tie moves it too (>= / <=).
template <class C> bool is_nan(C v) {
  if constexpr (std::is_floating_point_v<C>) return std::isnan(v);
  else return false;
}

std::pair<Tensor, Tensor> cumulative_extreme(const Tensor& self, std::int64_t dim, bool is_max) {
  // 1.13 ignores dim for a 0-d tensor (any value is accepted).
  const std::int64_t d = self.dim() == 0 ? 0 : wrap_dim(dim, self.dim());
  auto f = [&] {
    if (self.dim() == 0) return std::pair<Tensor, Tensor>{self.detach().clone(), zeros({}, ScalarType::Int64)};
    return running(self.detach(), d, [is_max](auto best, auto e) {
      if (is_nan(e)) return true;
      if (is_nan(best)) return false;
      return is_max ? e >= best : e <= best;
    });
  };
  if (!autograd::needs_grad({self})) return f();
  auto [values, indices] = autograd::below(f);
  // dy added at the index each value came from.
  autograd::record(values, is_max ? "CummaxBackward0" : "CumminBackward0", {self}, {},
                   [d, indices = indices.detach(), sizes = Dims(self.sizes())](const autograd::Node&, const Tensor& g) {
                     if (g.dim() == 0) return std::vector<Tensor>{g};
                     return std::vector<Tensor>{scatter_add(zeros(sizes, g.dtype()), d, indices, g)};
                   });
  return {values, indices};
}

// log(exp(a) + exp(b)) in double: the larger plus log1p(exp(smaller - larger)); two equal infinities
// (or NaN) stay as they are.
double log_add_exp(double a, double b) {
  const double lo = std::min(a, b), hi = std::max(a, b);
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  if (lo == hi && !std::isfinite(lo)) return a;
  return hi + std::log1p(std::exp(lo - hi));
}

Tensor logcumsumexp_forward(const Tensor& x, std::int64_t d) {
  if (x.dim() == 0) return x.clone();
  const std::int64_t dims[1] = {d};
  const Plan p = plan(x, dim_mask(x, dims));
  Tensor out = empty(x.sizes(), x.dtype());
  dispatch(x.dtype(), [&](auto v) {
    using T = decltype(v);
    if constexpr (std::is_floating_point_v<detail::Compute<T>>) {
      const T* src = static_cast<const T*>(p.x.data_ptr());
      T* dst = static_cast<T*>(out.data_ptr());
      for (I64 a = 0; a < p.A; ++a)
        for (I64 b = 0; b < p.B; ++b) {
          double acc = -std::numeric_limits<double>::infinity();
          for (I64 r = 0; r < p.R; ++r) {
            const I64 k = (a * p.R + r) * p.B + b;
            acc = r == 0 ? double(detail::Compute<T>(src[k])) : log_add_exp(double(detail::Compute<T>(src[k])), acc);
            dst[k] = T(detail::Compute<T>(acc));
          }
        }
    }
  });
  return out;
}

}  // namespace

std::pair<Tensor, Tensor> cummax(const Tensor& self, std::int64_t dim) { return cumulative_extreme(self, dim, true); }
std::pair<Tensor, Tensor> cummin(const Tensor& self, std::int64_t dim) { return cumulative_extreme(self, dim, false); }

Tensor logcumsumexp(const Tensor& self, std::int64_t dim) {
  RAMP_CHECK(is_floating(self.dtype()), "\"logcumsumexp_out_cpu\" not implemented for '", dtype_error_name(self.dtype()),
             "'");
  const std::int64_t d = wrap_dim(dim, std::max<std::int64_t>(self.dim(), 1));
  if (!autograd::needs_grad({self})) return logcumsumexp_forward(self, d);
  Tensor out = autograd::below([&] { return logcumsumexp_forward(self, d); });
  // dx_j = sum_{i >= j} dy_i exp(x_j - y_i), summed in log space for the positive and negative parts
  // of dy separately (no overflow). A create_graph pass gives it the graph of 1.13's formula (the
  // same sums, with the lowest finite value for log 0 and the saved output as y).
  autograd::record(
      out, "LogcumsumexpBackward0", {self}, {{self, false}, {out, true}},
      [d](const autograd::Node& n, const Tensor& g) {
        const Tensor x = n.unpack(0), y = n.unpack(1);
        if (x.dim() == 0) return std::vector<Tensor>{g};
        auto raw = [&] {
          auto part = [&](const Tensor& w) {  // w >= 0
            const Tensor from_end = flip(logcumsumexp(flip(log(w).sub(y), {d}), d), {d});
            return exp(from_end.add(x));
          };
          return part(where(gt(g, 0), g, 0)).sub(part(where(lt(g, 0), neg(g), 0)));
        };
        return std::vector<Tensor>{autograd::raw_with_graph({g, x, y}, raw, [&] {
          double low = std::numeric_limits<double>::lowest();  // the dtype's lowest, as 1.13
          dispatch(g.dtype(), [&](auto v) { low = double(std::numeric_limits<decltype(v)>::lowest()); });
          const Tensor lowest = full({}, low, g.dtype());
          const Tensor log_abs = log(abs(g));
          auto part = [&](const Tensor& log_g) {
            return exp(flip(logcumsumexp(flip(log_g.sub(y), {d}), d), {d}).add(x));
          };
          return part(where(gt(g, 0), log_abs, lowest)).sub(part(where(lt(g, 0), log_abs, lowest)));
        })};
      });
  return out;
}

Tensor diff(const Tensor& self, std::int64_t n, std::int64_t dim, const Tensor& prepend, const Tensor& append) {
  RAMP_CHECK(self.dim() >= 1, "diff expects input to be at least one-dimensional");
  const std::int64_t d = wrap_dim(dim, self.dim());
  std::vector<Tensor> parts;
  for (const Tensor* t : {&prepend, &self, &append}) {
    if (!t->defined()) continue;
    RAMP_CHECK(t->dim() == self.dim(), "diff expects prepend or append to be the same dimension as input");
    for (std::int64_t i = 0; i < self.dim(); ++i)
      RAMP_CHECK(i == d || t->size(i) == self.size(i), "diff expects the shape of tensor to prepend or append to match "
                 "that of input except along the differencing dimension; input.size(", i, ") = ", self.size(i),
                 ", but got tensor.size(", i, ") = ", t->size(i));
    parts.push_back(*t);
  }
  Tensor x = parts.size() == 1 ? self : cat(parts, d);
  if (n <= 0) return x.clone();  // 1.13 returns a copy
  for (std::int64_t i = 0; i < n && x.size(d) > 0; ++i) {
    const std::int64_t len = x.size(d) - 1;
    const Tensor later = x.narrow(d, 1, len), earlier = x.narrow(d, 0, len);
    x = x.dtype() == ScalarType::Bool ? logical_xor(later, earlier) : later.sub(earlier);
  }
  return x;
}

}  // namespace ramp
