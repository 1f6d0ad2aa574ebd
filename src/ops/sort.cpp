// sort / argsort / msort / topk / kthvalue, row by row along `dim`, NaN as the largest value. sort
// keeps equal values in index order: a radix sort (float32/bfloat16 rows from 256 elements) or a
// stable sort of (value, index) pairs. topk inserts into a sorted run of k (k <= 32, no ties met)
// or runs 1.13's own partial sort / nth_element, so tied positions are 1.13's.
#include "ramp/sort.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>
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

// A row along `dim`: its n elements at src[k * s_step], its kept results at v[k * v_step], i[k * i_step].
template <class T> struct Row {
  const T* src;
  std::int64_t s_step;
  T* v;
  std::int64_t v_step;
  std::int64_t* i;
  std::int64_t i_step;
};

// Calls order(row, n, scratch) for each row along `dim` of self (values and indices having the same
// layout with `keep` elements along dim), rows split over threads; `scratch` is per thread.
template <class T, class Scratch, class Order>
void by_rows(const Tensor& self, std::int64_t dim, const Tensor& values, const Tensor& indices, Order order) {
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
  const T* src = static_cast<const T*>(self.data_ptr());
  T* vout = static_cast<T*>(values.data_ptr());
  std::int64_t* iout = indices.data<std::int64_t>();
  detail::parallel_for(std::int64_t(starts.size()), std::max<std::int64_t>(1, 4096 / std::max<std::int64_t>(n, 1)), 1,
                       [&](std::int64_t a, std::int64_t z) {
                         Scratch scratch;
                         for (std::int64_t r = a; r < z; ++r) {
                           const auto& o = starts[std::size_t(r)];
                           order(Row<T>{src + o[0], s_step, vout + o[1], v_step, iout + o[2], i_step}, n, scratch);
                         }
                       });
}

// Sorting keys of 32-bit floats: unsigned integers in the order of less_nan (every NaN equal and
// last, -0 equal to 0), complemented for descending order.
inline std::uint32_t float_key(float v, bool descending) {
  std::uint32_t b;
  v = v == 0 ? 0.f : v;
  std::memcpy(&b, &v, 4);
  std::uint32_t k = std::isnan(v) ? ~0u : (b & 0x80000000u) ? ~b : b | 0x80000000u;
  return descending ? ~k : k;
}

// A stable LSD radix sort of (key, position) by key, four 8-bit digits; a digit every key shares
// is skipped. O(n) against std::stable_sort's O(n log n): 1M float32 in a few passes over memory.
struct RadixScratch {
  std::vector<std::uint32_t> key[2], pos[2];
};
// Sorts positions 0..n-1 of keys(k); returns the order (pos) in the scratch.
template <class Key> const std::vector<std::uint32_t>& radix_order(std::int64_t n, Key key, RadixScratch& s) {
  constexpr int kBits = 8, kDigits = 4;
  constexpr std::uint32_t kMask = (1u << kBits) - 1;
  for (auto* v : {&s.key[0], &s.key[1], &s.pos[0], &s.pos[1]}) v->resize(std::size_t(n));
  std::vector<std::uint32_t> count(std::size_t(kDigits) << kBits);
  for (std::int64_t k = 0; k < n; ++k) {
    const std::uint32_t x = key(k);
    s.key[0][std::size_t(k)] = x, s.pos[0][std::size_t(k)] = std::uint32_t(k);
    for (int d = 0; d < kDigits; ++d) ++count[(std::size_t(d) << kBits) + ((x >> (d * kBits)) & kMask)];
  }
  int cur = 0;
  for (int d = 0; d < kDigits; ++d) {
    std::uint32_t* c = count.data() + (std::size_t(d) << kBits);
    if (std::any_of(c, c + kMask + 1, [n](std::uint32_t x) { return x == std::uint32_t(n); })) continue;
    std::uint32_t sum = 0;
    for (std::uint32_t b = 0; b <= kMask; ++b) sum += std::exchange(c[b], sum);
    const std::uint32_t *ki = s.key[cur].data(), *pi = s.pos[cur].data();
    std::uint32_t *ko = s.key[1 - cur].data(), *po = s.pos[1 - cur].data();
    for (std::int64_t k = 0; k < n; ++k) {
      const std::uint32_t x = ki[k], at = c[(x >> (d * kBits)) & kMask]++;
      ko[at] = x, po[at] = pi[k];
    }
    cur = 1 - cur;
  }
  return s.pos[cur];
}

template <class C> struct SortScratch {
  std::vector<std::pair<C, std::int64_t>> pairs;
  RadixScratch radix;
};

// One row of sort: float32/bfloat16 rows from 256 elements by radix, the others by a stable sort of
// (value, position) pairs; either way equal values keep their order.
template <class T> void sort_row(const Row<T>& r, std::int64_t n, bool descending, SortScratch<detail::Compute<T>>& s) {
  using C = detail::Compute<T>;
  if constexpr (std::is_same_v<C, float>) {
    if (n >= 256 && n < (std::int64_t(1) << 32)) {
      const auto& order = radix_order(n, [&](std::int64_t k) { return float_key(float(r.src[k * r.s_step]), descending); },
                                      s.radix);
      for (std::int64_t k = 0; k < n; ++k) {
        const std::int64_t j = order[std::size_t(k)];
        r.v[k * r.v_step] = r.src[j * r.s_step];
        r.i[k * r.i_step] = j;
      }
      return;
    }
  }
  auto& p = s.pairs;
  p.resize(std::size_t(n));
  for (std::int64_t k = 0; k < n; ++k) p[std::size_t(k)] = {C(r.src[k * r.s_step]), k};
  auto sort_by = [&](auto before) {
    if (n > 32) return std::stable_sort(p.begin(), p.end(), before);
    for (std::size_t k = 1; k < p.size(); ++k) {  // short rows: insertion, stable, no buffer to allocate
      const auto x = p[k];
      std::size_t at = k;
      for (; at > 0 && before(x, p[at - 1]); --at) p[at] = p[at - 1];
      p[at] = x;
    }
  };
  if (descending)
    sort_by([](const auto& a, const auto& b) { return less_nan(b.first, a.first); });
  else
    sort_by([](const auto& a, const auto& b) { return less_nan(a.first, b.first); });
  for (std::int64_t k = 0; k < n; ++k) {
    const std::int64_t j = p[std::size_t(k)].second;
    r.v[k * r.v_step] = r.src[j * r.s_step];
    r.i[k * r.i_step] = j;
  }
}

// 1.13's topk_impl_loop for one row: (value, position) pairs, std::partial_sort when k * 64 <= n,
// else std::nth_element and (sorted) std::sort of the first k - 1, with its value-only comparators.
// The same libstdc++ algorithms on the same pairs leave ties, and sorted=False's order, where 1.13's
// do (which positions win a tie is the algorithm's, not "the lower index").
template <class T, class Better>
void topk_row_as_1_13(const Row<T>& r, std::int64_t n, std::int64_t k, bool sorted, Better better,
                      std::vector<std::pair<detail::Compute<T>, std::int64_t>>& p) {
  using C = detail::Compute<T>;
  p.resize(std::size_t(n));
  for (std::int64_t j = 0; j < n; ++j) p[std::size_t(j)] = {C(r.src[j * r.s_step]), j};
  auto comp = [&](const auto& a, const auto& b) { return better(a.first, b.first); };
  if (k * 64 <= n) {
    std::partial_sort(p.begin(), p.begin() + k, p.end(), comp);
  } else {
    std::nth_element(p.begin(), p.begin() + k - 1, p.end(), comp);
    if (sorted) std::sort(p.begin(), p.begin() + k - 1, comp);
  }
  for (std::int64_t q = 0; q < k; ++q) {
    const std::int64_t j = p[std::size_t(q)].second;
    r.v[q * r.v_step] = r.src[j * r.s_step];
    r.i[q * r.i_step] = j;
  }
}

// One row of topk: the k best (largest or smallest, NaN the largest), as 1.13 picks them. Small k
// with sorted output: one pass inserting into a sorted run of k (one comparison per element once
// it is full); that gives 1.13's result unless values tie (then which tied position 1.13 returns
// depends on its algorithm), so a row where a value met an equal one reruns as 1.13's.
template <class T>
void topk_row(const Row<T>& r, std::int64_t n, std::int64_t k, bool largest, bool sorted,
              std::vector<std::pair<detail::Compute<T>, std::int64_t>>& p) {
  using C = detail::Compute<T>;
  auto better = [largest](C a, C b) { return largest ? less_nan(b, a) : less_nan(a, b); };
  auto same = [](C a, C b) { return a == b || (is_nan(a) && is_nan(b)); };
  if (k == 0) return;
  if (k <= 32 && sorted) {
    bool tie = false;
    C bv[32];
    std::int64_t bi[32], have = 0;
    auto offer = [&](std::int64_t j) {
      const C v = C(r.src[j * r.s_step]);
      if (have == k && !better(v, bv[k - 1])) {
        tie |= same(v, bv[k - 1]);
        return;
      }
      std::int64_t at = have == k ? k - 1 : have++;
      for (; at > 0 && better(v, bv[at - 1]); --at) bv[at] = bv[at - 1], bi[at] = bi[at - 1];
      tie |= at > 0 && same(v, bv[at - 1]);
      bv[at] = v, bi[at] = j;
    };
    std::int64_t j = 0;
    if constexpr (std::is_same_v<C, T>) {
      // Contiguous rows: once the run is full, a block of 16 that cannot beat or tie its last value
      // (a vectorized test: no NaN and none at or above it, or at or below for smallest) is skipped whole.
      constexpr std::int64_t kBlock = 16;
      for (; r.s_step == 1 && j + kBlock <= n; j += kBlock) {
        const T* x = r.src + j;
        if (have == k && !is_nan(bv[k - 1])) {
          const T t = bv[k - 1];
          bool any = false;
          if (largest)
            for (std::int64_t q = 0; q < kBlock; ++q) any |= (x[q] >= t) | (x[q] != x[q]);
          else
            for (std::int64_t q = 0; q < kBlock; ++q) any |= x[q] <= t;
          if (!any) continue;
        }
        for (std::int64_t q = j; q < j + kBlock; ++q) offer(q);
      }
    }
    for (; j < n; ++j) offer(j);
    if (!tie) {
      for (std::int64_t q = 0; q < k; ++q) {
        r.v[q * r.v_step] = r.src[bi[q] * r.s_step];
        r.i[q * r.i_step] = bi[q];
      }
      return;
    }
  }
  topk_row_as_1_13(r, n, k, sorted, better, p);
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
  autograd::record(
      values, name, {self}, {{indices, false}},
      [sizes = Dims(self.sizes()), dim, keepdim](const autograd::Node& n, const Tensor& g) {
        return std::vector<Tensor>{detail::value_selecting_backward(g, sizes, dim, n.unpack(0), keepdim)};
      });
}

Tensor detail::value_selecting_backward(const Tensor& g, IntArrayRef sizes, std::int64_t dim,
                                        const Tensor& indices, bool keepdim) {
  return keepdim ? select_backward(g, sizes, dim, indices)
                 : select_backward(g.unsqueeze(dim), sizes, dim, indices.unsqueeze(dim));
}

using detail::record_select;

std::tuple<Tensor, Tensor> sort(const Tensor& self, std::int64_t dim_, bool descending, std::optional<bool> stable) {
  const std::int64_t dim = dim_of(self, dim_);
  Tensor values = empty(self.sizes(), self.dtype()), indices = empty(self.sizes(), ScalarType::Int64);
  if (self.numel())
    dispatch(self.dtype(), [&](auto e) {
      using T = decltype(e);
      by_rows<T, SortScratch<detail::Compute<T>>>(self, dim, values, indices, [descending](const Row<T>& r, std::int64_t m, auto& s) {
        sort_row(r, m, descending, s);
      });
    });
  record_select(values, self, indices, dim, stable ? "SortBackward1" : "SortBackward0");
  return {values, indices};
}

Tensor argsort(const Tensor& self, std::int64_t dim, bool descending, std::optional<bool> stable) {
  autograd::NoGradGuard g;
  return std::get<1>(sort(self, dim, descending, stable));
}

Tensor msort(const Tensor& self) { return std::get<0>(sort(self, 0)); }

std::tuple<Tensor, Tensor> topk(const Tensor& self, std::int64_t k, std::int64_t dim_, bool largest, bool sorted) {
  RAMP_CHECK(self.dtype() != ScalarType::Bool, "\"topk_cpu\" not implemented for 'Bool'");
  const std::int64_t dim = dim_of(self, dim_);
  const std::int64_t n = self.dim() ? self.size(dim) : 1;
  RAMP_CHECK(k >= 0 && k <= n, "selected index k out of range");
  Dims out_sizes(self.sizes());
  if (self.dim()) out_sizes[std::size_t(dim)] = k;
  Tensor values = empty(out_sizes, self.dtype()), indices = empty(out_sizes, ScalarType::Int64);
  if (values.numel())
    dispatch(self.dtype(), [&](auto e) {
      using T = decltype(e);
      using Pairs = std::vector<std::pair<detail::Compute<T>, std::int64_t>>;
      const std::int64_t keep = self.dim() ? k : 1;  // a 0-d tensor's one value, as 1.13
      by_rows<T, Pairs>(self, dim, values, indices, [largest, keep, sorted](const Row<T>& r, std::int64_t m, Pairs& p) {
        topk_row(r, m, keep, largest, sorted, p);
      });
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
