// median / nanmedian / mode (one value and its index per row along a dim, or over everything) and
// aminmax, with 1.13's picks among ties, NaN rules, errors and grad_fn names. The per-row picks are
// 1.13's own: std::nth_element / std::sort with its comparators, so ties land on the same index.
#include <algorithm>
#include <limits>
#include <numeric>
#include <vector>

#include "../tensor/parallel.h"
#include "map.h"
#include "ramp/elementwise.h"
#include "ramp/indexing.h"
#include "ramp/reduce.h"
#include "ramp/sort.h"
#include "record.h"
#include "reduce.h"
#include "select.h"

namespace ramp {
namespace {

template <class C> bool is_nan(C v) {
  if constexpr (std::is_floating_point_v<C>) return v != v;
  else return false;
}

// Runs pick(row, n) -> index on every row of self along dim (moved last and made contiguous,
// the other dims in order): values and int64 indices of the reduced shape.
template <class Pick>
std::tuple<Tensor, Tensor> per_row(const Tensor& self, std::int64_t dim, bool keepdim, const char* op, Pick pick) {
  const std::int64_t n = self.dim() ? self.size(dim) : 1;
  Dims out_sizes(self.sizes());
  if (self.dim()) {
    if (keepdim) out_sizes[std::size_t(dim)] = 1;
    else out_sizes.erase(std::size_t(dim));
  }
  Tensor values = empty(out_sizes, self.dtype()), indices = empty(out_sizes, ScalarType::Int64);
  if (values.numel() == 0) return {values, indices};
  RAMP_CHECK_T(IndexError, n > 0, op, "(): Expected reduction dim ", dim, " to have non-zero size.");
  std::vector<std::int64_t> perm;
  for (std::int64_t d = 0; d < self.dim(); ++d)
    if (d != dim) perm.push_back(d);
  if (self.dim()) perm.push_back(dim);
  const Tensor in = self.dim() ? self.permute(perm).contiguous() : self.reshape({1});
  const Tensor v = values.reshape({-1}), ix = indices.reshape({-1});  // fresh tensors: views
  dispatch(self.dtype(), [&](auto e) {
    using T = decltype(e);
    const T* p = static_cast<const T*>(in.data_ptr());
    T* vo = static_cast<T*>(v.data_ptr());
    std::int64_t* io = ix.data<std::int64_t>();
    detail::parallel_for(v.numel(), std::max<std::int64_t>(1, 4096 / n), 1, [&](std::int64_t a, std::int64_t z) {
      for (std::int64_t r = a; r < z; ++r) {
        const std::int64_t j = pick(p + r * n, n);
        vo[r] = p[r * n + j];
        io[r] = j;
      }
    });
  });
  return {values, indices};
}

// 1.13's median_with_indices_impl: the first NaN (median), else the nth of the order by (value,
// index), NaNs last for nanmedian (all NaN: whichever NaN nth_element leaves at the front).
template <class T> std::int64_t median_pick(const T* row, std::int64_t n, bool ignore_nan) {
  using C = detail::Compute<T>;
  auto at = [row](std::int64_t i) { return C(row[i]); };
  if (!ignore_nan)
    for (std::int64_t i = 0; i < n; ++i)
      if (is_nan(at(i))) return i;
  std::vector<std::int64_t> idx(static_cast<std::size_t>(n));
  std::iota(idx.begin(), idx.end(), 0);
  std::int64_t k = (n - 1) / 2;
  if (!ignore_nan) {
    std::nth_element(idx.begin(), idx.begin() + k, idx.end(), [&](std::int64_t i, std::int64_t j) {
      return at(i) < at(j) || (at(i) == at(j) && i < j);
    });
  } else {
    std::int64_t nans = 0;
    for (std::int64_t i = 0; i < n; ++i) nans += is_nan(at(i));
    k = (n - nans - 1) / 2;  // C++ division: all NaN gives 0
    std::nth_element(idx.begin(), idx.begin() + k, idx.end(), [&](std::int64_t i, std::int64_t j) {
      return at(i) < at(j) || (at(i) == at(j) && i < j) || (is_nan(at(j)) && !is_nan(at(i)));
    });
  }
  return idx[std::size_t(k)];
}

// 1.13's mode kernel: (value, index) pairs std::sort-ed by value; the longest run of equal values
// (the first one on a tie in length) reports the index of its last pair.
template <class T> std::int64_t mode_pick(const T* row, std::int64_t n) {
  using C = detail::Compute<T>;
  std::vector<std::pair<C, std::int64_t>> el(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) el[std::size_t(i)] = {C(row[i]), i};
  std::sort(el.begin(), el.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::int64_t best = 0, run = 0, max_run = 0;
  for (std::size_t i = 0; i < el.size(); ++i) {
    ++run;
    if (i + 1 == el.size() || el[i].first != el[i + 1].first) {
      if (run > max_run) best = el[i].second, max_run = run;
      run = 0;
    }
  }
  return best;
}

void check_median_dtype(const Tensor& self, const char* kernel) {
  RAMP_CHECK(self.dtype() != ScalarType::Bool, "\"", kernel, "\" not implemented for 'Bool'");
}

std::tuple<Tensor, Tensor> median_dim(const Tensor& self, std::int64_t dim_, bool keepdim, bool ignore_nan) {
  check_median_dtype(self, "median_out");
  const std::int64_t dim = wrap_dim(dim_, std::max<std::int64_t>(self.dim(), 1));
  auto [values, indices] = per_row(self, dim, keepdim, "median", [ignore_nan](const auto* row, std::int64_t n) {
    return median_pick(row, n, ignore_nan);
  });
  detail::record_select(values, self, indices, dim, ignore_nan ? "NanmedianBackward1" : "MedianBackward1",
                        keepdim || self.dim() == 0);
  return {values, indices};
}

Tensor median_all(const Tensor& self, bool ignore_nan) {
  check_median_dtype(self, "median_cpu");
  auto compute = [&] {
    if (self.numel() == 0) {  // 1.13: NaN converted to the dtype by x86's cvtt* (the lowest int32/int64, else 0)
      if (is_floating(self.dtype())) return full({}, NAN, self.dtype());
      if (self.dtype() == ScalarType::Int32) return full({}, std::numeric_limits<std::int32_t>::min(), self.dtype());
      if (self.dtype() == ScalarType::Int64) return full({}, std::numeric_limits<std::int64_t>::min(), self.dtype());
      return zeros({}, self.dtype());
    }
    return std::get<0>(per_row(self.reshape({-1}), 0, false, "median", [ignore_nan](const auto* row, std::int64_t n) {
      return median_pick(row, n, ignore_nan);
    }));
  };
  if (!autograd::needs_grad({self})) return compute();
  Tensor out = autograd::below(compute);
  autograd::record(
      out, ignore_nan ? "NanmedianBackward0" : "MedianBackward0", {self}, {{self, false}, {out, true}},
      [](const autograd::Node& n, const Tensor& g) {
        return std::vector<Tensor>{reduction::formula::evenly_distribute(g, n.unpack(0), n.unpack(1))};
      });
  return out;
}

}  // namespace

Tensor median(const Tensor& self) { return median_all(self, false); }
Tensor nanmedian(const Tensor& self) { return median_all(self, true); }
std::tuple<Tensor, Tensor> median(const Tensor& self, std::int64_t dim, bool keepdim) {
  return median_dim(self, dim, keepdim, false);
}
std::tuple<Tensor, Tensor> nanmedian(const Tensor& self, std::int64_t dim, bool keepdim) {
  return median_dim(self, dim, keepdim, true);
}

std::tuple<Tensor, Tensor> mode(const Tensor& self, std::int64_t dim_, bool keepdim) {
  const std::int64_t dim = wrap_dim(dim_, std::max<std::int64_t>(self.dim(), 1));
  auto [values, indices] = per_row(self, dim, keepdim, "mode", [](const auto* row, std::int64_t n) { return mode_pick(row, n); });
  detail::record_select(values, self, indices, dim, "ModeBackward0", keepdim || self.dim() == 0);
  return {values, indices};
}

std::pair<Tensor, Tensor> aminmax(const Tensor& self, std::optional<std::int64_t> dim_, bool keepdim) {
  std::vector<std::int64_t> dims;
  if (dim_) {
    RAMP_CHECK(self.dtype() != ScalarType::BFloat16, "\"aminmax_cpu\" not implemented for 'BFloat16'");
    const std::int64_t dim = wrap_dim(*dim_, std::max<std::int64_t>(self.dim(), 1));
    RAMP_CHECK_T(IndexError, self.dim() == 0 || self.size(dim) > 0, "aminmax: Expected reduction dim ", dim,
                 " to have non-zero size.");
    if (self.dim()) dims.push_back(dim);
  } else {
    RAMP_CHECK(self.numel() > 0,
               "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.");
  }
  Tensor lo, hi;
  {
    autograd::NoGradGuard no_grad;
    lo = amin(self, dims, keepdim);
    hi = amax(self, dims, keepdim);
  }
  if (autograd::needs_grad({self}))
    for (Tensor* t : {&lo, &hi})
      autograd::record(*t, "torch::autograd::NotImplemented", {self}, {},
                       [](const autograd::Node&, const Tensor&) -> std::vector<Tensor> {
                         throw Error("derivative for aten::aminmax is not implemented");
                       });
  return {lo, hi};
}

}  // namespace ramp
