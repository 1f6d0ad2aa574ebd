// sort / argsort / msort / topk / kthvalue: each row along `dim` is ordered through an index array
// (std::stable_sort, std::partial_sort with the index as tie-break), NaN as the largest value.
#include "ramp/sort.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "../tensor/parallel.h"
#include "map.h"
#include "offsets.h"
#include "ramp/indexing.h"
#include "record.h"
#include "select.h"

namespace ramp {
namespace {

template <class C> bool is_nan(C v) {
  if constexpr (std::is_floating_point_v<C>) return std::isnan(v);
  else return false;
}
// a before b in ascending order, NaN last (and equal to NaN).
template <class C> bool less_nan(C a, C b) { return !is_nan(a) && (is_nan(b) || a < b); }

// For each row along `dim` of self (and of the outputs, which have `out_sizes`), orders the row's
// positions with `order(vals, idx, n)` and writes the first `keep` of them.
template <class Order>
void by_rows(const Tensor& self, std::int64_t dim, std::int64_t keep, const Tensor& values, const Tensor& indices,
             Order order) {
  const std::int64_t n = self.dim() ? self.size(dim) : 1;
  Dims rows(self.sizes()), sst(self.strides()), vst(values.strides()), ist(indices.strides());
  const std::int64_t s_step = self.dim() ? self.stride(dim) : 1, v_step = values.dim() ? values.stride(dim) : 1,
                     i_step = indices.dim() ? indices.stride(dim) : 1;
  if (self.dim()) {
    rows.erase(std::size_t(dim)), sst.erase(std::size_t(dim)), vst.erase(std::size_t(dim)), ist.erase(std::size_t(dim));
  }
  std::vector<std::array<std::int64_t, 3>> starts;
  detail::for_each_offset<3>(rows, {IntArrayRef(sst), IntArrayRef(vst), IntArrayRef(ist)},
                             [&](const std::array<std::int64_t, 3>& o) { starts.push_back(o); });
  dispatch(self.dtype(), [&](auto e) {
    using T = decltype(e);
    using C = detail::Compute<T>;
    const T* src = static_cast<const T*>(self.data_ptr());
    T* vout = static_cast<T*>(values.data_ptr());
    std::int64_t* iout = indices.data<std::int64_t>();
    detail::parallel_for(std::int64_t(starts.size()), std::max<std::int64_t>(1, 4096 / std::max<std::int64_t>(n, 1)), 1,
                         [&](std::int64_t a, std::int64_t z) {
                           std::vector<C> vals(static_cast<std::size_t>(n));
                           std::vector<std::int64_t> idx(static_cast<std::size_t>(n));
                           for (std::int64_t r = a; r < z; ++r) {
                             const auto& o = starts[std::size_t(r)];
                             for (std::int64_t k = 0; k < n; ++k) vals[std::size_t(k)] = C(src[o[0] + k * s_step]);
                             std::iota(idx.begin(), idx.end(), 0);
                             order(vals, idx);
                             for (std::int64_t k = 0; k < keep; ++k) {
                               const std::int64_t j = idx[std::size_t(k)];
                               vout[o[1] + k * v_step] = src[o[0] + j * s_step];
                               iout[o[2] + k * i_step] = j;
                             }
                           }
                         });
  });
}

std::int64_t dim_of(const Tensor& self, std::int64_t dim) { return wrap_dim(dim, std::max<std::int64_t>(self.dim(), 1)); }

}  // namespace

// The gradient of a selection: g scattered back to the positions `indices` picked along dim.
static Tensor select_backward(const Tensor& g, IntArrayRef sizes, std::int64_t dim, const Tensor& indices) {
  Tensor dx = zeros(sizes, g.dtype());
  if (sizes.empty()) return g.clone();
  scatter_(dx, dim, indices, g.contiguous());
  return dx;
}

void detail::record_select(Tensor& values, const Tensor& self, const Tensor& indices, std::int64_t dim, std::string_view name,
                           bool keepdim) {
  if (!autograd::needs_grad({self})) return;
  autograd::record(values, name, {self}, {{indices, false}},
                   [sizes = Dims(self.sizes()), dim, keepdim](const autograd::Node& n, const Tensor& g) {
                     const Tensor i = n.unpack(0);
                     return std::vector<Tensor>{keepdim ? select_backward(g, sizes, dim, i)
                                                        : select_backward(g.unsqueeze(dim), sizes, dim, i.unsqueeze(dim))};
                   });
}

using detail::record_select;

std::tuple<Tensor, Tensor> sort(const Tensor& self, std::int64_t dim_, bool descending, std::optional<bool> stable) {
  const std::int64_t dim = dim_of(self, dim_);
  Tensor values = empty(self.sizes(), self.dtype()), indices = empty(self.sizes(), ScalarType::Int64);
  const std::int64_t n = self.dim() ? self.size(dim) : 1;
  if (self.numel())
    by_rows(self, dim, n, values, indices, [descending](const auto& v, std::vector<std::int64_t>& idx) {
      if (descending)
        std::stable_sort(idx.begin(), idx.end(), [&](auto a, auto b) { return less_nan(v[std::size_t(b)], v[std::size_t(a)]); });
      else
        std::stable_sort(idx.begin(), idx.end(), [&](auto a, auto b) { return less_nan(v[std::size_t(a)], v[std::size_t(b)]); });
    });
  record_select(values, self, indices, dim, stable ? "SortBackward1" : "SortBackward0");
  return {values, indices};
}

Tensor argsort(const Tensor& self, std::int64_t dim, bool descending, std::optional<bool> stable) {
  autograd::NoGradGuard g;
  return std::get<1>(sort(self, dim, descending, stable));
}

Tensor msort(const Tensor& self) { return std::get<0>(sort(self, 0)); }

std::tuple<Tensor, Tensor> topk(const Tensor& self, std::int64_t k, std::int64_t dim_, bool largest, bool /*sorted*/) {
  RAMP_CHECK(self.dtype() != ScalarType::Bool, "\"topk_cpu\" not implemented for 'Bool'");
  const std::int64_t dim = dim_of(self, dim_);
  const std::int64_t n = self.dim() ? self.size(dim) : 1;
  RAMP_CHECK(k >= 0 && k <= n, "selected index k out of range");
  Dims out_sizes(self.sizes());
  if (self.dim()) out_sizes[std::size_t(dim)] = k;
  Tensor values = empty(out_sizes, self.dtype()), indices = empty(out_sizes, ScalarType::Int64);
  if (values.numel())
    by_rows(self, dim, self.dim() ? k : 1, values, indices, [largest, k](const auto& v, std::vector<std::int64_t>& idx) {
      // Ties go to the lower index, so a row's result does not depend on the algorithm.
      auto before = [&](std::int64_t a, std::int64_t b) {
        const auto va = v[std::size_t(a)], vb = v[std::size_t(b)];
        if (largest ? less_nan(vb, va) : less_nan(va, vb)) return true;
        if (largest ? less_nan(va, vb) : less_nan(vb, va)) return false;
        return a < b;
      };
      std::partial_sort(idx.begin(), idx.begin() + k, idx.end(), before);
    });
  record_select(values, self, indices, dim, "TopkBackward0");
  return {values, indices};
}

std::tuple<Tensor, Tensor> kthvalue(const Tensor& self, std::int64_t k, std::int64_t dim_, bool keepdim) {
  const std::int64_t dim = dim_of(self, dim_);
  const std::int64_t n = self.dim() ? self.size(dim) : 1;
  RAMP_CHECK(k >= 1 && k <= n, "kthvalue(): selected number k out of range for dimension ", dim);
  Tensor values, indices;
  {
    autograd::NoGradGuard g;
    auto [v, i] = sort(self, dim, false, true);
    values = self.dim() ? v.narrow(dim, k - 1, 1).contiguous() : v;
    indices = self.dim() ? i.narrow(dim, k - 1, 1).contiguous() : i;
    if (!keepdim && self.dim()) values = values.squeeze(dim), indices = indices.squeeze(dim);
  }
  record_select(values, self, indices, dim, "KthvalueBackward0", keepdim || self.dim() == 0);
  return {values, indices};
}

}  // namespace ramp
