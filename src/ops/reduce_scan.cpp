// cumsum/cumprod (running reductions along one dim) and the counting reductions histc, bincount.
#include <algorithm>
#include <cmath>
#include <limits>

#include "reduce.h"

namespace ramp {
using namespace reduction;

namespace {

// out[a, r, b] = x[a, 0, b] op ... op x[a, r, b] (from the end when `reverse`), accumulated in double
// for floating dtypes and wrapping 64-bit integers otherwise (1.13's CPU acc types).
Tensor scan(const Tensor& x, std::int64_t dim, bool is_prod, bool reverse) {
  const std::int64_t dims[1] = {dim};
  const Plan p = plan(x, dim_mask(x, dims));
  Tensor out = empty(x.sizes(), x.dtype());
  dispatch(x.dtype(), [&](auto v) {
    using T = decltype(v);
    using W = std::conditional_t<std::is_floating_point_v<detail::Compute<T>>, double, std::uint64_t>;
    const T* src = static_cast<const T*>(p.x.data_ptr());
    T* dst = static_cast<T*>(out.data_ptr());
    std::vector<W> acc(std::size_t(p.B));
    for (I64 a = 0; a < p.A; ++a) {
      std::fill(acc.begin(), acc.end(), W(is_prod ? 1 : 0));
      for (I64 i = 0; i < p.R; ++i) {
        const I64 r = reverse ? p.R - 1 - i : i;
        const T* row = src + (a * p.R + r) * p.B;
        T* o = dst + (a * p.R + r) * p.B;
        for (I64 b = 0; b < p.B; ++b) {
          W& s = acc[std::size_t(b)];
          W e;
          if constexpr (std::is_floating_point_v<W>) e = W(detail::Compute<T>(row[b]));
          else e = W(std::int64_t(row[b]));
          s = is_prod ? s * e : s + e;
          if constexpr (std::is_floating_point_v<W>) o[b] = T(detail::Compute<T>(s));
          else o[b] = T(std::int64_t(s));
        }
      }
    }
  });
  return out;
}

// CumprodBackward0, exact with zeros: dx_k = P_{k-1} S_k with P the exclusive running product and
// S_k = g_k + x_{k+1} S_{k+1} (so no division by x).
Tensor cumprod_backward(const Tensor& x, const Tensor& g, std::int64_t dim) {
  const std::int64_t dims[1] = {dim};
  const Plan p = plan(x, dim_mask(x, dims));
  const std::vector<double> xv = x.contiguous().to_vector(), gv = g.contiguous().to_vector();
  std::vector<double> dx(xv.size());
  for (I64 a = 0; a < p.A; ++a)
    for (I64 b = 0; b < p.B; ++b) {
      auto at = [&](I64 r) { return std::size_t((a * p.R + r) * p.B + b); };
      double s = 0;
      for (I64 r = p.R - 1; r >= 0; --r) {
        s = gv[at(r)] + (r + 1 < p.R ? xv[at(r + 1)] * s : 0.0);
        dx[at(r)] = s;
      }
      double pre = 1;
      for (I64 r = 0; r < p.R; ++r) dx[at(r)] *= pre, pre *= xv[at(r)];
    }
  return from_vector(dx, x.sizes(), x.dtype());
}

Tensor cumulative(const Tensor& self, std::int64_t dim, std::optional<ScalarType> dtype, bool is_prod) {
  const std::int64_t d = wrap_dim(dim, self.dim());
  const ScalarType t = dtype.value_or(is_integral(self.dtype(), true) ? ScalarType::Int64 : self.dtype());
  auto f = [&] { return scan(self.to(t), d, is_prod, false); };
  if (!autograd::needs_grad({self})) return f();
  Tensor out = autograd::below(f);
  if (!is_prod) {
    // CumsumBackward0: the running sum of g from the end, in the input's dtype.
    autograd::record(out, "CumsumBackward0", {self}, {},
                     [d, st = self.dtype()](const autograd::Node&, const Tensor& g) {
                       return std::vector<Tensor>{autograd::raw_with_graph(
                           {g}, [&] { return scan(g.to(st), d, false, true); },
                           [&] { return reduction::formula::cumsum(g.to(st), d); })};
                     });
  } else {
    // A create_graph pass gives the exact loop's values the graph of 1.13's formula on the saved
    // result (saved as 1.13 saves it, so writing the result in place makes backward raise as there).
    autograd::record(out, "CumprodBackward0", {self}, {{self, false}, {out, true}},
                     [d](const autograd::Node& n, const Tensor& g) {
                       const Tensor x = n.unpack(0), y = n.unpack(1), gx = g.to(x.dtype());
                       return std::vector<Tensor>{autograd::raw_with_graph(
                           {gx, x, y}, [&] { return cumprod_backward(x, gx, d); },
                           [&] { return reduction::formula::cumprod(gx, x, y, d); })};
                     });
  }
  return out;
}

}  // namespace

Tensor cumsum(const Tensor& self, std::int64_t dim, std::optional<ScalarType> dtype) {
  return cumulative(self, dim, dtype, false);
}
Tensor cumprod(const Tensor& self, std::int64_t dim, std::optional<ScalarType> dtype) {
  return cumulative(self, dim, dtype, true);
}

namespace {
// The last of torch.linspace(lo, hi, n) in 1.13's AVX2 kernel, which histc takes as its right
// edge: vectors of W elements from the start; the second half counts down from hi, and a vector's
// lanes are base + k * step, so the last value need not be hi (1.13 then skips the maximum).
template <class T, class R> double linspace_last(double lo, double hi, std::int64_t n, R r) {
  using Cm = detail::Compute<T>;
  constexpr std::int64_t W = 32 / std::int64_t(sizeof(T));
  const Cm start = r(Cm(lo)), end = r(Cm(hi)), step = r(r(end - start) / Cm(n - 1));
  const std::int64_t half = n / 2, last = n - 1, vec_end = n - n % (2 * W);
  if (last >= vec_end) return double(last < half ? r(start + r(step * Cm(last))) : r(end - r(step * Cm(0))));
  const std::int64_t i0 = last / W * W, k = last - i0;
  const Cm base = i0 < half ? r(start + r(step * Cm(i0))) : r(end - r(step * Cm(n - i0 - 1)));
  return double(r(base + r(Cm(k) * step)));
}
}  // namespace

// 1.13's histc: edges linspace(min, max, bins + 1) in the input's dtype; bin =
// (x - left) * bins / (right - left) truncated, in the input's arithmetic (bfloat16 rounds each step).
Tensor histc(const Tensor& self, std::int64_t bins, Scalar min, Scalar max) {
  RAMP_CHECK(is_floating(self.dtype()), "\"histogram_cpu\" not implemented for '", dtype_error_name(self.dtype()), "'");
  RAMP_CHECK(bins > 0, "torch.histc(): bins must be > 0, but got ", bins, " for dimension 0");
  double lo = min.to_double(), hi = max.to_double();
  if (lo == hi && self.numel() > 0) {
    lo = ramp::min(self).item<double>();
    hi = ramp::max(self).item<double>();
  }
  if (lo == hi) lo -= 1, hi += 1;
  RAMP_CHECK(std::isfinite(lo) && std::isfinite(hi), "torch.histc: range of [", lo, ", ", hi, "] is not finite");
  RAMP_CHECK(lo < hi, "torch.histc: max must be larger than min");
  Tensor out = zeros({bins}, self.dtype());
  const std::vector<double> xv = self.contiguous().to_vector();
  dispatch(self.dtype(), [&](auto v) {
    using T = decltype(v);
    if constexpr (std::is_floating_point_v<detail::Compute<T>>) {
      using Cm = detail::Compute<T>;
      auto r = [](Cm a) { return Cm(T(a)); };  // the input type's rounding
      const Cm l = r(Cm(lo)), h = Cm(linspace_last<T>(lo, hi, bins + 1, r)), width = r(h - l), nb = r(Cm(bins));
      T* o = static_cast<T*>(out.data_ptr());
      for (double e : xv) {
        const Cm x = Cm(T(Cm(e)));
        if (!(x >= l && x <= h)) continue;  // outside, or NaN
        I64 pos = I64(r(r(r(x - l) * nb) / width));
        // The last bin includes its right edge. `bins` rounded to T can exceed bins (511 is 512 in
        // bfloat16), and 1.13 then writes past the histogram's end; here the value stays in the last bin.
        if (pos >= bins) pos = bins - 1;
        o[pos] = T(Cm(o[pos]) + Cm(1));
      }
    }
  });
  return out;
}

Tensor bincount(const Tensor& self, const Tensor& weights, std::int64_t minlength) {
  RAMP_CHECK(is_integral(self.dtype()), "\"bincount_cpu\" not implemented for '", dtype_error_name(self.dtype()), "'");
  RAMP_CHECK(minlength >= 0, "minlength should be >= 0");
  RAMP_CHECK(self.dim() == 1, "bincount only supports 1-d non-negative integral inputs.");
  const bool w = weights.defined();
  RAMP_CHECK(!w || (weights.dim() == 1 && weights.size(0) == self.size(0)),
             "weights should be 1-d and have the same length as input");
  // The values as int64 (exact above 2^53); the count's length max + 1 checked before it is made.
  const Tensor xs = self.to(ScalarType::Int64).contiguous();
  const std::int64_t* xv = xs.data<std::int64_t>();
  I64 n = minlength;
  for (I64 i = 0; i < xs.numel(); ++i) {
    RAMP_CHECK(xv[i] >= 0, "bincount only supports 1-d non-negative integral inputs.");
    RAMP_CHECK(xv[i] < std::numeric_limits<I64>::max(), "Storage size calculation overflowed with sizes=[", xv[i],
               " + 1]");
    n = std::max(n, xv[i] + 1);
  }
  const ScalarType t = !w ? ScalarType::Int64 : weights.dtype() == ScalarType::Float32 ? ScalarType::Float32 : ScalarType::Float64;
  Tensor out = zeros({n}, t);  // raises for a length that cannot be allocated
  const Tensor wt = w ? weights.to(t).contiguous() : Tensor();
  // float32 weights add in float32, as 1.13 does.
  dispatch(t, [&](auto v) {
    using T = decltype(v);
    if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, float> || std::is_same_v<T, double>) {
      T* o = out.data<T>();
      const T* wp = w ? wt.data<T>() : nullptr;
      for (I64 i = 0; i < xs.numel(); ++i) o[xv[i]] += wp ? wp[i] : T(1);
    }
  });
  return out;
}

}  // namespace ramp
