// unique / unique_consecutive (of the elements, or of the slices along a dim) and
// searchsorted / bucketize. unique follows 1.13's CPU kernels step for step (a std::unordered_set
// of the elements, std::sort of it when sorted, maps for the inverse and counts; slices std::sort-ed
// by index), so the order of an unsorted result and the handling of NaN are 1.13's.
#include <algorithm>
#include <numeric>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "map.h"
#include "ramp/indexing.h"
#include "ramp/ops.h"
#include "ramp/shape.h"
#include "ramp/sort.h"
#include "record.h"

namespace ramp {
namespace {

// The element type the kernels hash and compare: bfloat16 as c10::BFloat16 does (hashed by its
// bits, compared as float), the others as themselves.
template <class T> struct Key {
  using type = T;
};
template <> struct Key<BFloat16> {
  struct type {
    BFloat16 v;
    type() = default;
    type(BFloat16 x) : v(x) {}  // NOLINT
    operator float() const { return float(v); }  // NOLINT
    bool operator==(const type& o) const { return float(v) == float(o.v); }
    bool operator<(const type& o) const { return float(v) < float(o.v); }
  };
};
template <class K> struct KeyHash {
  std::size_t operator()(const K& k) const {
    if constexpr (std::is_same_v<K, Key<BFloat16>::type>) return std::hash<std::uint16_t>()(k.v.bits);
    else return std::hash<K>()(k);
  }
};

// The graph of a unique result: 1.13 records a node whose backward is not implemented.
void record_unique(Tensor& out, const Tensor& self, const char* node, const char* aten) {
  if (!autograd::needs_grad({self})) return;
  autograd::record(out, node, {self}, {}, [aten](const autograd::Node&, const Tensor&) -> std::vector<Tensor> {
    throw NotImplementedError(detail::cat("the derivative for '", aten, "' is not implemented."));
  });
}

std::tuple<Tensor, Tensor, Tensor> unique_flat(const Tensor& self_, bool sorted, bool inverse, bool counts) {
  const Tensor self = self_.contiguous();
  const std::int64_t n = self.numel();
  Tensor out, inv = empty({0}, ScalarType::Int64), cnt = empty({0}, ScalarType::Int64);
  dispatch(self.dtype(), [&](auto e) {
    using T = decltype(e);
    using K = typename Key<T>::type;
    const K* p = reinterpret_cast<const K*>(self.data_ptr());
    static_assert(sizeof(K) == sizeof(T));
    std::unordered_set<K, KeyHash<K>> set(p, p + n);
    std::vector<K> vals(set.begin(), set.end());
    if (sorted || std::is_same_v<T, bool>) std::sort(vals.begin(), vals.end());  // 1.13 sorts bool always
    out = empty({std::int64_t(vals.size())}, self.dtype());
    std::copy(vals.begin(), vals.end(), static_cast<K*>(out.data_ptr()));
    if (!inverse && !counts) return;
    // operator[] on a missing key (NaN is never found) inserts 0, as 1.13's maps do.
    std::unordered_map<K, std::int64_t, KeyHash<K>> where;
    where.reserve(vals.size());
    for (std::size_t i = 0; i < vals.size(); ++i) where[vals[i]] = std::int64_t(i);
    inv = empty(self.sizes(), ScalarType::Int64);
    std::int64_t* ip = inv.data<std::int64_t>();
    for (std::int64_t i = 0; i < n; ++i) ip[i] = where[p[i]];
    if (!counts) return;
    std::unordered_map<K, std::int64_t, KeyHash<K>> count;
    count.reserve(vals.size());
    for (const K& v : vals) count[v] = 0;
    for (std::int64_t i = 0; i < n; ++i) count[p[i]] += 1;
    cnt = empty({std::int64_t(vals.size())}, ScalarType::Int64);
    for (std::size_t i = 0; i < vals.size(); ++i) cnt.data<std::int64_t>()[i] = count[vals[i]];
  });
  return {out, inv, cnt};
}

std::tuple<Tensor, Tensor, Tensor> unique_consecutive_flat(const Tensor& self_, bool inverse, bool counts) {
  const Tensor self = self_.contiguous();
  const std::int64_t n = self.numel();
  Tensor out = empty({n}, self.dtype()), inv = empty(inverse ? self.sizes() : IntArrayRef{0}, ScalarType::Int64);
  std::vector<std::int64_t> cnt;
  std::int64_t m = 0;
  dispatch(self.dtype(), [&](auto e) {
    using T = decltype(e);
    using C = detail::Compute<T>;
    const T* p = static_cast<const T*>(self.data_ptr());
    T* o = static_cast<T*>(out.data_ptr());
    if (n == 0) return;
    // 1.13's loop: a NaN never equals the run's value, so each NaN starts a run.
    std::int64_t last = 0;
    o[0] = p[0];
    if (inverse) inv.data<std::int64_t>()[0] = 0;
    for (std::int64_t i = 1; i < n; ++i) {
      if (C(p[i]) != C(o[m])) {
        o[++m] = p[i];
        cnt.push_back(i - last);
        last = i;
      }
      if (inverse) inv.data<std::int64_t>()[i] = m;
    }
    cnt.push_back(n - last);
    ++m;
  });
  Tensor c = empty({std::int64_t(cnt.size())}, ScalarType::Int64);
  std::copy(cnt.begin(), cnt.end(), c.data<std::int64_t>());
  return {out.narrow(0, 0, m).clone(), inv, counts ? c : empty({0}, ScalarType::Int64)};
}

// The slices along dim: 1.13's _unique_dim_cpu_template (lexicographic std::sort of the slice
// indices unless consecutive, then runs of equal slices).
std::tuple<Tensor, Tensor, Tensor> unique_slices(const Tensor& self, std::int64_t dim_, bool consecutive) {
  RAMP_CHECK_T(IndexError, self.dim() > 0, "Dimension specified as ", dim_, " but tensor has no dimensions");
  const std::int64_t dim = wrap_dim(dim_, self.dim());
  if (self.size(dim) == 0) {
    for (std::int64_t d = 0; d < self.dim(); ++d)
      RAMP_CHECK(d == dim || self.size(d) != 0,
                 "Number of zero sized dimensions is more than one, so unique cannot be applied ");
    return {empty(self.sizes(), self.dtype()), empty({0}, ScalarType::Int64), empty({0}, ScalarType::Int64)};
  }
  for (std::int64_t d = 0; d < self.dim(); ++d)
    RAMP_CHECK(self.size(d) != 0, "There are 0 sized dimensions, and they aren't selected, so unique cannot be applied");
  // 1.13 swaps dim with dim 0 (a transpose, not a move), which sets the order slices compare in.
  const Tensor flat = self.transpose(dim, 0).contiguous().reshape({self.size(dim), -1});
  const std::int64_t rows = flat.size(0), len = flat.size(1);
  std::vector<std::int64_t> idx(static_cast<std::size_t>(rows));
  std::iota(idx.begin(), idx.end(), 0);
  Tensor inv = empty({rows}, ScalarType::Int64), cnt = zeros({rows}, ScalarType::Int64);
  std::vector<std::int64_t> keep;  // the rows of the result, as positions in the sorted order
  dispatch(self.dtype(), [&](auto e) {
    using T = decltype(e);
    using C = detail::Compute<T>;
    const T* p = static_cast<const T*>(flat.data_ptr());
    auto row = [&](std::int64_t r, std::int64_t i) { return C(p[r * len + i]); };
    if (!consecutive)
      std::sort(idx.begin(), idx.end(), [&](std::int64_t a, std::int64_t b) {
        for (std::int64_t i = 0; i < len; ++i) {
          if (row(a, i) < row(b, i)) return true;
          if (row(a, i) > row(b, i)) return false;
        }
        return false;
      });
    auto equal = [&](std::int64_t a, std::int64_t b) {  // at::equal: NaN differs from itself
      for (std::int64_t i = 0; i < len; ++i)
        if (!(row(a, i) == row(b, i))) return false;
      return true;
    };
    std::int64_t* ip = inv.data<std::int64_t>();
    std::int64_t* cp = cnt.data<std::int64_t>();
    keep.push_back(idx[0]);
    ip[idx[0]] = 0;
    cp[0] = 1;
    for (std::size_t k = 1; k < idx.size(); ++k) {
      if (!equal(keep.back(), idx[k])) keep.push_back(idx[k]);
      const std::int64_t at = std::int64_t(keep.size()) - 1;
      ip[idx[k]] = at;
      cp[at] += 1;
    }
  });
  Tensor pick = empty({std::int64_t(keep.size())}, ScalarType::Int64);
  std::copy(keep.begin(), keep.end(), pick.data<std::int64_t>());
  Tensor out = index_select(flat, 0, pick);
  Dims sizes(self.transpose(dim, 0).sizes());
  sizes[0] = -1;
  out = out.reshape(sizes).transpose(0, dim).contiguous();
  return {out, inv, cnt.narrow(0, 0, std::int64_t(keep.size())).clone()};
}

// ---- searchsorted: 1.13's binary searches (a NaN value is after everything) ----
template <class C> std::int64_t bound(const C* bd, const std::int64_t* sort, std::int64_t n, C v, bool right) {
  std::int64_t lo = 0, hi = n;
  while (lo < hi) {
    const std::int64_t mid = lo + ((hi - lo) >> 1);
    const C m = sort ? bd[sort[mid]] : bd[mid];
    if (right ? !(m > v) : !(m >= v)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

}  // namespace

std::tuple<Tensor, Tensor, Tensor> unique(const Tensor& self, bool sorted, bool return_inverse, bool return_counts,
                                          std::optional<std::int64_t> dim) {
  std::tuple<Tensor, Tensor, Tensor> r;
  {
    autograd::NoGradGuard g;
    r = dim ? unique_slices(self, *dim, false) : unique_flat(self, sorted, return_inverse, return_counts);
  }
  record_unique(std::get<0>(r), self, dim ? "UniqueDimBackward0" : "Unique2Backward0", dim ? "unique_dim" : "_unique2");
  return r;
}

std::tuple<Tensor, Tensor, Tensor> unique_consecutive(const Tensor& self, bool return_inverse, bool return_counts,
                                                      std::optional<std::int64_t> dim) {
  std::tuple<Tensor, Tensor, Tensor> r;
  {
    autograd::NoGradGuard g;
    r = dim ? unique_slices(self, *dim, true) : unique_consecutive_flat(self, return_inverse, return_counts);
  }
  record_unique(std::get<0>(r), self, "UniqueConsecutiveBackward0", "unique_consecutive");
  return r;
}

Tensor searchsorted(const Tensor& sorted_sequence, const Tensor& input, bool out_int32, bool right,
                    std::optional<std::string_view> side, const Tensor& sorter) {
  const char* fn = "torch.searchsorted(): ";
  if (side) {
    RAMP_CHECK(*side == "left" || *side == "right", fn, "side can only be 'left' or 'right' but got ", *side);
    RAMP_CHECK(!right || *side == "right", fn, "side and right can't be set to opposites, got side of ", *side,
               " while right was True");
    right = *side == "right";
  }
  const Tensor& bd = sorted_sequence;
  RAMP_CHECK(bd.dim() > 0, fn, "boundaries tensor should have positive dimension, but got 0 dimension");
  if (sorter.defined()) {
    RAMP_CHECK(sorter.dtype() == ScalarType::Int64, fn, "sorter must be a tensor of long dtype but got dtype ",
               dtype_error_name(sorter.dtype()));
    RAMP_CHECK(std::equal(sorter.sizes().begin(), sorter.sizes().end(), bd.sizes().begin(), bd.sizes().end()), fn,
               "boundary and sorter must have the same size, but got boundary tensor ", shape_str(bd.sizes()),
               "and got sorter tensor ", shape_str(sorter.sizes()));  // sic: 1.13 has no space there
  }
  if (bd.dim() > 1) {
    RAMP_CHECK(input.dim() > 0, fn, "input value can be a scalar only when boundaries tensor dimension is 1, but we got ",
               "boundaries tensor dim(", bd.dim(), ") and input value's dim(", input.dim(), ") numel(", input.numel(), ")");
    const bool match = bd.dim() == input.dim() &&
                       std::equal(bd.sizes().begin(), bd.sizes().end() - 1, input.sizes().begin(), input.sizes().end() - 1);
    RAMP_CHECK(match, fn, "boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries tensor and ",
               "input value tensor must match, but we got boundaries tensor ", shape_str(bd.sizes()),
               " and input value tensor ", shape_str(input.sizes()));
  }
  const ScalarType t = result_type(bd, input);
  RAMP_CHECK(t != ScalarType::Bool, "\"searchsorted_out_cpu\" not implemented for 'Bool'");
  const Tensor b = bd.to(t).contiguous(), v = input.to(t).contiguous();
  const Tensor s = sorter.defined() ? sorter.contiguous() : sorter;
  const std::int64_t n = b.size(-1), per_row = b.dim() > 1 ? (v.dim() ? v.size(-1) : 1) : v.numel();
  if (s.defined()) {
    const std::int64_t* sp = s.data<std::int64_t>();
    for (std::int64_t i = 0; i < s.numel(); ++i)
      RAMP_CHECK(sp[i] >= 0 && sp[i] < n, fn, "sorter index out of range");
  }
  Tensor out = empty(v.sizes(), ScalarType::Int64);
  dispatch(t, [&](auto e) {
    using T = decltype(e);
    using C = detail::Compute<T>;
    if constexpr (std::is_same_v<C, bool>) return;  // refused above
    else {
    const T* bp = static_cast<const T*>(b.data_ptr());
    const T* vp = static_cast<const T*>(v.data_ptr());
    std::int64_t* op = out.data<std::int64_t>();
    std::vector<C> row(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < v.numel(); ++i) {
      const std::int64_t r = per_row ? i / per_row : 0;
      if (i % std::max<std::int64_t>(per_row, 1) == 0 || i == 0)
        for (std::int64_t k = 0; k < n; ++k) row[std::size_t(k)] = C(bp[(b.dim() > 1 ? r : 0) * n + k]);
      op[i] = bound<C>(row.data(), s.defined() ? s.data<std::int64_t>() + (b.dim() > 1 ? r : 0) * n : nullptr, n,
                       C(vp[i]), right);
    }
    }
  });
  return out_int32 ? out.to(ScalarType::Int32) : out;
}

Tensor searchsorted(const Tensor& sorted_sequence, Scalar input, bool out_int32, bool right,
                    std::optional<std::string_view> side, const Tensor& sorter) {
  return searchsorted(sorted_sequence, scalar_tensor(input, result_type(sorted_sequence, input)), out_int32, right, side,
                      sorter);
}

Tensor bucketize(const Tensor& input, const Tensor& boundaries, bool out_int32, bool right) {
  RAMP_CHECK(boundaries.dim() == 1, "boundaries tensor must be 1 dimension, but got dim(", boundaries.dim(), ")");
  return searchsorted(boundaries, input, out_int32, right);
}
Tensor bucketize(Scalar input, const Tensor& boundaries, bool out_int32, bool right) {
  RAMP_CHECK(boundaries.dim() == 1, "boundaries tensor must be 1 dimension, but got dim(", boundaries.dim(), ")");
  return searchsorted(boundaries, input, out_int32, right);
}

}  // namespace ramp
