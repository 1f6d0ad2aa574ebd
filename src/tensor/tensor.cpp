// Tensor metadata, views and copies.
#include "ramp/tensor.h"
#include "../autograd/function.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "loop.h"
#include "ramp/allocator.h"
#include "ramp/indexing.h"

namespace ramp {

// ---- Dims ----
Dims::Dims(IntArrayRef a) {
  RAMP_CHECK(a.size() <= std::size_t(kMaxDims), "ramp supports tensors of at most ", kMaxDims,
             " dimensions, got ", a.size());
  n = std::int32_t(a.size());
  std::copy(a.begin(), a.end(), v);
}
void Dims::push_back(std::int64_t x) { insert(size(), x); }
void Dims::insert(std::size_t at, std::int64_t x) {
  RAMP_CHECK(n < kMaxDims, "ramp supports tensors of at most ", kMaxDims, " dimensions");
  std::copy_backward(v + at, v + n, v + n + 1);
  v[at] = x;
  ++n;
}
void Dims::erase(std::size_t at) {
  std::copy(v + at + 1, v + n, v + at);
  --n;
}

bool overflows(const Scalar& v, ScalarType t) {
  if (!is_integral(t)) return false;
  return dispatch(t, [&](auto z) {
    using L = std::numeric_limits<decltype(z)>;
    if (v.is_floating()) return !(v.d >= double(L::lowest()) && v.d <= double(L::max()));
    if (!L::is_signed && v.i < 0) return std::uint64_t(-v.i) > std::uint64_t(L::max());
    return v.i < std::int64_t(L::lowest()) || (v.i > 0 && std::uint64_t(v.i) > std::uint64_t(L::max()));
  });
}

// ---- Storage ----
Storage::Storage(std::size_t n) : data(n <= kInlineBytes ? inline_data : memory::allocate(n)), nbytes(n) {}
Storage::Storage(void* d, std::size_t n, void (*rel)(void*), void* own)
    : data(d), nbytes(n), release(rel), owner(own) {}
Storage::~Storage() {
  if (release)
    release(owner);
  else if (data != inline_data)
    memory::deallocate(data, nbytes);
}

// ---- shape helpers ----
std::int64_t numel_of(IntArrayRef sizes) {
  std::int64_t n = 1;
  bool overflow = false, empty = false;
  for (auto s : sizes) {
    empty = empty || s == 0;
    overflow = __builtin_mul_overflow(n, s, &n) || overflow;
  }
  if (empty) return 0;
  RAMP_CHECK(!overflow, "numel: integer multiplication overflow");  // 1.13's text (views: expand, as_strided)
  return n;
}
Dims contiguous_strides(IntArrayRef sizes) {
  Dims st(sizes);
  std::int64_t acc = 1;
  for (int i = int(sizes.size()) - 1; i >= 0; --i) {
    st[std::size_t(i)] = acc;
    acc *= std::max<std::int64_t>(sizes[std::size_t(i)], 1);
  }
  return st;
}
std::string shape_str(IntArrayRef sizes) {
  std::string s = "[";
  for (std::size_t i = 0; i < sizes.size(); ++i) s += (i ? ", " : "") + std::to_string(sizes[i]);
  return s + "]";
}
std::int64_t wrap_dim(std::int64_t dim, std::int64_t ndim) {
  std::int64_t n = std::max<std::int64_t>(ndim, 1);  // a 0-d tensor accepts dims -1 and 0
  RAMP_CHECK_T(IndexError, dim >= -n && dim < n, "Dimension out of range (expected to be in range of [",
               -n, ", ", n - 1, "], but got ", dim, ")");
  return dim < 0 ? dim + n : dim;
}
Dims broadcast_shapes(IntArrayRef a, IntArrayRef b) {
  std::size_t n = std::max(a.size(), b.size());
  Dims out;
  out.n = std::int32_t(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::int64_t x = i < n - a.size() ? 1 : a[i - (n - a.size())];
    std::int64_t y = i < n - b.size() ? 1 : b[i - (n - b.size())];
    RAMP_CHECK(x == y || x == 1 || y == 1, "The size of tensor a (", x,
               ") must match the size of tensor b (", y, ") at non-singleton dimension ", i);
    out[i] = x == 1 ? y : x;
  }
  return out;
}

TensorImpl::TensorImpl(std::shared_ptr<Storage> st, IntArrayRef sz, IntArrayRef strd, std::int64_t off,
                       ScalarType dt)
    : storage(std::move(st)), sizes(sz), strides(strd), offset(off), numel(numel_of(sz)), dtype(dt) {
  std::int64_t expected = 1;
  for (int i = sizes.n - 1; i >= 0 && numel != 0; --i) {
    if (sizes[std::size_t(i)] != 1 && strides[std::size_t(i)] != expected) {
      contiguous = false;
      break;
    }
    expected *= sizes[std::size_t(i)];
  }
}

static Tensor make(std::shared_ptr<Storage> storage, IntArrayRef sizes, IntArrayRef strides,
                   std::int64_t offset, ScalarType dtype) {
  return Tensor(std::make_shared<TensorImpl>(std::move(storage), sizes, strides, offset, dtype));
}

// ---- factories that allocate ----
Tensor empty_strided(IntArrayRef sizes, IntArrayRef strides, std::optional<ScalarType> dtype_) {
  const ScalarType dtype = dtype_.value_or(get_default_dtype());
  for (auto s : sizes) RAMP_CHECK(s >= 0, "Trying to create tensor with negative dimension ", s, ": ", shape_str(sizes));
  std::int64_t span = 1;  // elements the layout reaches
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] == 0) span = 0;
  }
  bool overflow = false;
  if (span) {
    for (std::size_t i = 0; i < sizes.size(); ++i) {
      std::int64_t step = 0;
      overflow = overflow || __builtin_mul_overflow(sizes[i] - 1, strides[i], &step) || __builtin_add_overflow(span, step, &span);
    }
  }
  std::int64_t bytes = 0;
  overflow = overflow || __builtin_mul_overflow(span, std::int64_t(element_size(dtype)), &bytes);
  RAMP_CHECK(!overflow, "Storage size calculation overflowed with sizes=", shape_str(sizes));
  return make(std::make_shared<Storage>(std::size_t(bytes)), sizes, strides, 0, dtype);
}
Tensor empty(IntArrayRef sizes, std::optional<ScalarType> dtype) {
  return empty_strided(sizes, contiguous_strides(sizes), dtype);
}
Tensor empty_like(const Tensor& like, std::optional<ScalarType> dtype) {
  ScalarType dt = dtype.value_or(like.dtype());
  if (like.is_contiguous() || like.dim() < 2) return empty(like.sizes(), dt);
  if (like.is_non_overlapping_and_dense()) return empty_strided(like.sizes(), like.strides(), dt);
  // PyTorch's TensorIterator: a strided input gives a dense output whose dimension order follows
  // the input's strides (a sliced transpose stays column-major).
  std::vector<std::int64_t> perm(static_cast<std::size_t>(like.dim()));
  std::iota(perm.begin(), perm.end(), 0);
  auto st = like.strides();
  std::stable_sort(perm.begin(), perm.end(), [&](auto a, auto b) {
    return std::abs(st[std::size_t(a)]) > std::abs(st[std::size_t(b)]);
  });
  Dims sizes, strides(like.sizes());
  for (auto p : perm) sizes.push_back(like.size(p));
  Dims cs = contiguous_strides(sizes);
  for (std::size_t i = 0; i < perm.size(); ++i) strides[std::size_t(perm[i])] = cs[i];
  return empty_strided(like.sizes(), strides, dt);
}
Tensor from_blob(void* data, IntArrayRef sizes, IntArrayRef strides, ScalarType dtype,
                 void (*release)(void*), void* owner) {
  std::int64_t span = 0;
  if (numel_of(sizes) > 0) {
    span = 1;
    for (std::size_t i = 0; i < sizes.size(); ++i) span += (sizes[i] - 1) * std::abs(strides[i]);
  }
  auto st = std::make_shared<Storage>(data, std::size_t(span) * element_size(dtype), release, owner);
  return make(std::move(st), sizes, strides, 0, dtype);
}

// ---- queries ----
namespace {
// 1.13's maybe_wrap_dim without wrap_scalar: a 0-d tensor has no size or stride to read (wrap_dim's
// scalar rule gave index 0, read past the end of the empty sizes).
std::size_t queried_dim(std::int64_t d, std::int64_t ndim) {
  RAMP_CHECK_T(IndexError, ndim > 0, "Dimension specified as ", d, " but tensor has no dimensions");
  return std::size_t(wrap_dim(d, ndim));
}
}  // namespace
std::int64_t Tensor::size(std::int64_t d) const { return sizes()[queried_dim(d, dim())]; }
std::int64_t Tensor::stride(std::int64_t d) const { return strides()[queried_dim(d, dim())]; }

bool Tensor::is_non_overlapping_and_dense() const {
  if (is_contiguous()) return true;
  std::vector<std::size_t> perm(static_cast<std::size_t>(dim()));
  std::iota(perm.begin(), perm.end(), 0);
  std::sort(perm.begin(), perm.end(), [&](auto a, auto b) {
    if (sizes()[a] < 2) return false;
    if (sizes()[b] < 2) return true;
    return strides()[a] < strides()[b];
  });
  std::int64_t expected = 1;
  for (auto d : perm) {
    auto s = sizes()[d];
    if (s == 1) continue;
    if (strides()[d] != expected) return false;
    expected *= s;
  }
  return true;
}
bool Tensor::has_internal_overlap() const {
  for (std::size_t i = 0; i < std::size_t(dim()); ++i)
    if (sizes()[i] > 1 && strides()[i] == 0) return true;
  return false;  // like PyTorch, other overlaps (as_strided tricks) are not searched for
}

// ---- views ----
namespace {
// The backward of a view that only regroups elements: the gradient reshaped to the input's sizes.
auto reshape_to(IntArrayRef sizes) {
  return [in = Dims(sizes)](const Tensor& g) { return g.reshape(in); };
}
}  // namespace

// Each view records its backward (a reshape, transpose, ... of the gradient) through view_op.
Tensor Tensor::as_strided(IntArrayRef sz, IntArrayRef st, std::int64_t offset) const {
  RAMP_CHECK(sz.size() == st.size(), "mismatch in length of strides and shape");
  Dims in_sizes(sizes()), in_strides(strides());
  const std::int64_t in_offset = storage_offset();
  Dims out_sizes(sz), out_strides(st);
  return autograd::view_op(*this, "AsStridedBackward0", [&] { return make(storage(), sz, st, offset, dtype()); },
                           [=](const Tensor& g) {
                             // Add each gradient element at its storage position (views may overlap),
                             // then read the input's elements back from there.
                             std::int64_t span = std::max(in_offset, offset) + 1;
                             for (std::size_t i = 0; i < out_sizes.size(); ++i) span += std::max<std::int64_t>(out_sizes[i] - 1, 0) * out_strides[i];
                             for (std::size_t i = 0; i < in_sizes.size(); ++i) span += std::max<std::int64_t>(in_sizes[i] - 1, 0) * in_strides[i];
                             auto raw = [&] {
                               std::vector<double> acc(static_cast<std::size_t>(span), 0.0);
                               const std::vector<double> gv = g.to_vector();
                               std::vector<std::int64_t> idx(out_sizes.size(), 0);
                               for (double v : gv) {
                                 std::int64_t pos = offset;
                                 for (std::size_t i = 0; i < idx.size(); ++i) pos += idx[i] * out_strides[i];
                                 acc[std::size_t(pos)] += v;
                                 for (std::size_t i = idx.size(); i-- > 0;) {
                                   if (++idx[i] < out_sizes[i]) break;
                                   idx[i] = 0;
                                 }
                               }
                               return from_vector(acc, {span}, g.dtype())
                                   .as_strided(in_sizes, in_strides, in_offset)
                                   .clone();
                             };
                             // A create_graph pass: the same sum as ops, g put (accumulating) at the storage
                             // positions of a zero storage, read back through the input's geometry (1.13's
                             // as_strided_backward, whose result is an as_strided view: AsStridedBackward0).
                             return autograd::raw_with_graph({g}, raw, [&] {
                               const Tensor positions =
                                   autograd::below([&] { return arange(double(span), ScalarType::Int64)
                                                                .as_strided(out_sizes, out_strides, offset); });
                               Tensor storage = zeros({span}, g.dtype());
                               put_(storage, positions, g, true);
                               return storage.as_strided(in_sizes, in_strides, in_offset);
                             });
                           });
}
Tensor Tensor::alias() const {
  return autograd::view_op(*this, "AliasBackward0", [&] { return make(storage(), sizes(), strides(), storage_offset(), dtype()); },
                           [](const Tensor& g) { return g; });
}

// The target shape with one -1 inferred, with PyTorch's error texts.
static Dims infer_size(IntArrayRef shape, std::int64_t numel) {
  Dims out(shape);
  std::int64_t known = 1;
  int infer = -1;
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      RAMP_CHECK(infer < 0, "only one dimension can be inferred");
      infer = int(i);
    } else {
      RAMP_CHECK(shape[i] >= 0, "invalid shape dimension ", shape[i]);
      known *= shape[i];
    }
  }
  bool ok = infer >= 0 ? (known > 0 && numel % known == 0) || (known == 0 && numel == 0) : known == numel;
  RAMP_CHECK(ok, "shape '", shape_str(shape), "' is invalid for input of size ", numel);
  if (infer >= 0) {
    RAMP_CHECK(known != 0, "cannot reshape tensor of 0 elements into shape ", shape_str(shape),
               " because the unspecified dimension size -1 can be any value and is ambiguous");
    out[std::size_t(infer)] = numel / known;
  }
  return out;
}

// Strides for viewing (sizes, strides) as `shape` without a copy, or nullopt (PyTorch's
// computeStride: groups of old dims that are contiguous with each other can be re-split).
static std::optional<Dims> view_strides(IntArrayRef old_sizes, IntArrayRef old_strides, IntArrayRef shape) {
  Dims out(shape);
  if (old_sizes.empty()) {
    for (std::size_t i = 0; i < shape.size(); ++i) out[i] = 1;
    return out;
  }
  std::int64_t numel = numel_of(old_sizes);
  if (numel == 0) {
    if (std::equal(old_sizes.begin(), old_sizes.end(), shape.begin(), shape.end())) return Dims(old_strides);
    return contiguous_strides(shape);
  }
  int view_d = int(shape.size()) - 1;
  std::int64_t chunk_base_stride = old_strides.back();
  std::int64_t tensor_numel = 1, view_numel = 1;
  for (int d = int(old_sizes.size()) - 1; d >= 0; --d) {
    tensor_numel *= old_sizes[std::size_t(d)];
    if (d == 0 || (old_sizes[std::size_t(d - 1)] != 1 &&
                   old_strides[std::size_t(d - 1)] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[std::size_t(view_d)] == 1)) {
        out[std::size_t(view_d)] = view_numel * chunk_base_stride;
        view_numel *= shape[std::size_t(view_d)];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk_base_stride = old_strides[std::size_t(d - 1)];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return out;
}

Tensor Tensor::view(IntArrayRef shape) const {
  Dims sz = infer_size(shape, numel());
  auto st = view_strides(sizes(), strides(), sz);
  RAMP_CHECK(st.has_value(),
             "view size is not compatible with input tensor's size and stride (at least one dimension "
             "spans across two contiguous subspaces). Use .reshape(...) instead.");
  return autograd::view_op(*this, "ViewBackward0", [&] { return make(storage(), sz, *st, storage_offset(), dtype()); },
                           reshape_to(sizes()));
}
Tensor Tensor::reshape(IntArrayRef shape) const {
  Dims sz = infer_size(shape, numel());
  if (auto st = view_strides(sizes(), strides(), sz))
    return autograd::view_op(*this, "ReshapeAliasBackward0",
                             [&] { return make(storage(), sz, *st, storage_offset(), dtype()); }, reshape_to(sizes()));
  // A copy, then a view of it that is not a view for autograd (PyTorch's _unsafe_view).
  Tensor c = contiguous();
  Tensor out = make(c.storage(), sz, contiguous_strides(sz), c.storage_offset(), dtype());
  if (autograd::needs_grad({c}))
    autograd::record(out, "UnsafeViewBackward0", {c}, {}, [back = reshape_to(c.sizes())](const autograd::Node&, const Tensor& g) {
      return std::vector<Tensor>{back(g)};
    });
  return out;
}
Tensor Tensor::transpose(std::int64_t d0, std::int64_t d1) const {
  d0 = wrap_dim(d0, dim());
  d1 = wrap_dim(d1, dim());
  Dims sz(sizes()), st(strides());
  if (dim() > 0) {
    std::swap(sz[std::size_t(d0)], sz[std::size_t(d1)]);
    std::swap(st[std::size_t(d0)], st[std::size_t(d1)]);
  }
  return autograd::view_op(*this, "TransposeBackward0", [&] { return make(storage(), sz, st, storage_offset(), dtype()); },
                           [d0, d1](const Tensor& g) { return g.transpose(d0, d1); });
}
Tensor Tensor::t() const {
  RAMP_CHECK(dim() <= 2, "t() expects a tensor with <= 2 dimensions, but self is ", dim(), "D");
  const Dims sz(sizes()), st(strides());
  const bool swap = dim() == 2;
  return autograd::view_op(*this, "TBackward0",
                           [&] { return swap ? make(storage(), {sz[1], sz[0]}, {st[1], st[0]}, storage_offset(), dtype())
                                             : make(storage(), sz, st, storage_offset(), dtype()); },
                           [](const Tensor& g) { return g.t(); });
}
Tensor Tensor::permute(IntArrayRef dims) const {
  RAMP_CHECK(std::int64_t(dims.size()) == dim(),
             "permute(sparse_coo): number of dimensions in the tensor input does not match the length of "
             "the desired ordering of dimensions i.e. input.dim() = ",
             dim(), " is not equal to len(dims) = ", dims.size());
  Dims sz(sizes()), st(strides());
  std::vector<bool> seen(static_cast<std::size_t>(dim()), false);
  for (std::size_t i = 0; i < dims.size(); ++i) {
    auto d = std::size_t(wrap_dim(dims[i], dim()));
    RAMP_CHECK(!seen[d], "permute(): duplicate dims are not allowed.");
    seen[d] = true;
    sz[i] = sizes()[d];
    st[i] = strides()[d];
  }
  Dims inverse(sizes());
  for (std::size_t i = 0; i < dims.size(); ++i) inverse[std::size_t(wrap_dim(dims[i], dim()))] = std::int64_t(i);
  return autograd::view_op(*this, "PermuteBackward0", [&] { return make(storage(), sz, st, storage_offset(), dtype()); },
                           [inverse](const Tensor& g) { return g.permute(inverse); });
}
Tensor Tensor::slice(std::int64_t d, std::optional<std::int64_t> start, std::optional<std::int64_t> end,
                     std::int64_t step) const {
  RAMP_CHECK(dim() > 0, "slice() cannot be applied to a 0-dim tensor.");
  RAMP_CHECK_T(ValueError, step > 0, "step must be greater than zero");
  d = wrap_dim(d, dim());
  std::int64_t n = sizes()[std::size_t(d)];
  auto clampi = [n](std::int64_t v) { return v < 0 ? std::max<std::int64_t>(v + n, 0) : std::min(v, n); };
  std::int64_t b = clampi(start.value_or(0)), e = clampi(end.value_or(n));
  if (e < b) e = b;
  Dims sz(sizes()), st(strides());
  sz[std::size_t(d)] = (e - b + step - 1) / step;
  st[std::size_t(d)] *= step;
  return autograd::view_op(
      *this, "SliceBackward0",
      [&] { return make(storage(), sz, st, storage_offset() + b * strides()[std::size_t(d)], dtype()); },
      [in = Dims(sizes()), d, b, e, step](const Tensor& g) {
        return autograd::slice_backward(g, in, d, b, e, step, "SliceBackward0");
      });
}
Tensor Tensor::narrow(std::int64_t d, std::int64_t start, std::int64_t length) const {
  RAMP_CHECK(dim() > 0, "narrow() cannot be applied to a 0-dim tensor.");
  const std::int64_t n = size(d);
  if (start != n) start = wrap_dim(start, n);  // start == size is a valid empty narrow
  RAMP_CHECK(length >= 0 && start <= n - length, "start (", start, ") + length (", length,
             ") exceeds dimension size (", n, ").");
  return slice(d, start, start + length);
}
Tensor Tensor::select(std::int64_t d, std::int64_t index) const {
  RAMP_CHECK_T(IndexError, dim() > 0, "select() cannot be applied to a 0-dim tensor.");
  d = wrap_dim(d, dim());
  std::int64_t n = sizes()[std::size_t(d)];
  RAMP_CHECK_T(IndexError, index >= -n && index < n, "index ", index, " is out of bounds for dimension ", d,
               " with size ", n);
  if (index < 0) index += n;
  Dims sz(sizes()), st(strides());
  sz.erase(std::size_t(d));
  st.erase(std::size_t(d));
  return autograd::view_op(
      *this, "SelectBackward0",
      [&] { return make(storage(), sz, st, storage_offset() + index * strides()[std::size_t(d)], dtype()); },
      [in = Dims(sizes()), d, index](const Tensor& g) {
        return autograd::slice_backward(g, in, d, index, index + 1, 1, "SelectBackward0");
      });
}
Tensor Tensor::expand(IntArrayRef shape) const {
  RAMP_CHECK(shape.size() >= std::size_t(dim()), "expand(", autograd::legacy_type_name(dtype()), "{", shape_str(sizes()),
             "}, size=", shape_str(shape),
             "): the number of sizes provided (", shape.size(),
             ") must be greater or equal to the number of dimensions in the tensor (", dim(), ")");
  Dims sz(shape), st(shape);
  std::size_t lead = shape.size() - std::size_t(dim());
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      RAMP_CHECK(shape[i] >= 0, "The expanded size of the tensor (", shape[i],
                 ") isn't allowed in a leading, non-existing dimension ", i);
      st[i] = 0;
      continue;
    }
    std::int64_t have = sizes()[i - lead];
    std::int64_t want = shape[i] == -1 ? have : shape[i];
    RAMP_CHECK(have == want || have == 1, "The expanded size of the tensor (", want,
               ") must match the existing size (", have, ") at non-singleton dimension ", i,
               ".  Target sizes: ", shape_str(shape), ".  Tensor sizes: ", shape_str(sizes()));
    sz[i] = want;
    st[i] = have == want ? strides()[i - lead] : 0;
  }
  return autograd::view_op(*this, "ExpandBackward0", [&] { return make(storage(), sz, st, storage_offset(), dtype()); },
                           [in = Dims(sizes())](const Tensor& g) { return autograd::sum_to(g, in); });
}
Tensor Tensor::squeeze() const {
  Dims sz, st;
  for (std::size_t i = 0; i < std::size_t(dim()); ++i)
    if (sizes()[i] != 1) {
      sz.push_back(sizes()[i]);
      st.push_back(strides()[i]);
    }
  return autograd::view_op(*this, "SqueezeBackward0", [&] { return make(storage(), sz, st, storage_offset(), dtype()); },
                           reshape_to(sizes()));
}
Tensor Tensor::squeeze(std::int64_t d) const {
  Dims sz(sizes()), st(strides());
  if (dim() > 0) {
    d = wrap_dim(d, dim());
    if (sizes()[std::size_t(d)] == 1) {
      sz.erase(std::size_t(d));
      st.erase(std::size_t(d));
    }
  }
  // 1.13's unsqueeze_to: the gradient is unsqueezed back (UnsqueezeBackward0 in a create_graph pass)
  const bool removed = sz.size() < sizes().size();
  return autograd::view_op(*this, "SqueezeBackward1", [&] { return make(storage(), sz, st, storage_offset(), dtype()); },
                           [d, removed](const Tensor& g) { return removed ? g.unsqueeze(d) : g; });
}
Tensor Tensor::unsqueeze(std::int64_t d) const {
  d = wrap_dim(d, dim() + 1);
  Dims sz(sizes()), st(strides());
  std::int64_t s = std::size_t(d) < std::size_t(dim()) ? sizes()[std::size_t(d)] * strides()[std::size_t(d)] : 1;
  sz.insert(std::size_t(d), 1);
  st.insert(std::size_t(d), s);
  // 1.13: the gradient squeezed at d (SqueezeBackward1 in a create_graph pass)
  return autograd::view_op(*this, "UnsqueezeBackward0", [&] { return make(storage(), sz, st, storage_offset(), dtype()); },
                           [d](const Tensor& g) { return g.squeeze(d); });
}

// ---- copies ----
Tensor& Tensor::copy_(const Tensor& src) {
  // 1.13's copy_: one element written twice, or a source that partly is the destination, raise
  // (copying element by element would read values already written); the same elements in the same
  // layout are a copy of nothing.
  RAMP_CHECK(!has_internal_overlap(),
             "unsupported operation: more than one element of the written-to tensor refers to a single "
             "memory location. Please clone() the tensor before performing the operation.");
  detail::assert_no_partial_overlap(*this, src);
  autograd::check_inplace(*this);
  detail::copy_into(*this, src);
  bump_version();
  if (autograd::needs_grad({*this, src}))
    autograd::record(*this, "torch::autograd::CopyBackwards", {*this, src}, {}, [in = Dims(src.sizes())](const autograd::Node& n, const Tensor& g) {
      return std::vector<Tensor>{n.next[0].fn ? zeros_like(g) : Tensor(), autograd::sum_to(g, in)};
    });
  return *this;
}
void detail::copy_into(const Tensor& dst, const Tensor& src) {
  const Tensor& self = dst;
  Tensor s = std::equal(src.sizes().begin(), src.sizes().end(), self.sizes().begin(), self.sizes().end())
                 ? src
                 : src.expand(self.sizes());
  // The same bits: contiguous runs moved whole, else word by word (unless the two may share memory in
  // a layout copy_ lets through: element by element below, as before).
  if (s.dtype() == self.dtype() && !detail::may_alias(self, s)) {
    const std::int64_t es = std::int64_t(self.element_size());
    auto strided = [](auto word, char* const* p, const std::int64_t* st, std::int64_t n) {
      using W = decltype(word);
      for (std::int64_t i = 0; i < n; ++i)
        std::memcpy(p[0] + i * st[0], p[1] + i * st[1], sizeof(W));  // unaligned-safe word copy
    };
    detail::for_each_row<2>(self.sizes(), {static_cast<char*>(self.data_ptr()), static_cast<char*>(s.data_ptr())},
                            {detail::byte_strides(self), detail::byte_strides(s)}, [&](auto p, auto st, std::int64_t n) {
                              if (st[0] == es && st[1] == es) return void(std::memcpy(p[0], p[1], std::size_t(n * es)));
                              switch (es) {
                                case 1: return strided(std::uint8_t{}, p.data(), st.data(), n);
                                case 2: return strided(std::uint16_t{}, p.data(), st.data(), n);
                                case 4: return strided(std::uint32_t{}, p.data(), st.data(), n);
                                default: return strided(std::uint64_t{}, p.data(), st.data(), n);
                              }
                            });
    return;
  }
  dispatch(self.dtype(), [&](auto o) {
    using O = decltype(o);
    dispatch(s.dtype(), [&](auto a) {
      using A = decltype(a);
      detail::map1<O, A>(self, s, [](O& y, const A& x) { y = convert<O>(x); });
    });
  });
}
namespace {
// A copy into `out` (x's values, out's dtype and layout), recorded as `name` whose gradient is the
// incoming one (the engine casts it back to x's dtype).
Tensor copy_op(const Tensor& x, Tensor out, std::string_view name) {
  detail::copy_into(out, x);
  if (autograd::needs_grad({x}))
    autograd::record(out, name, {x}, {}, [](const autograd::Node&, const Tensor& g) { return std::vector<Tensor>{g}; });
  return out;
}
}  // namespace
Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return copy_op(*this, empty(sizes(), dtype()), "CloneBackward0");
}
Tensor Tensor::clone() const { return copy_op(*this, empty_like(*this), "CloneBackward0"); }
Tensor Tensor::to(ScalarType t, bool copy) const {
  if (t == dtype() && !copy) return *this;
  return copy_op(*this, empty_like(*this, t), "ToCopyBackward0");
}
Tensor& Tensor::fill_(Scalar v) {
  autograd::check_inplace(*this);
  detail::fill_into(*this, v);
  bump_version();
  if (autograd::needs_grad({*this}))
    autograd::record(*this, "FillBackward2", {*this}, {}, [](const autograd::Node&, const Tensor& g) {
      return std::vector<Tensor>{zeros_like(g)};
    });
  return *this;
}
void Tensor::set_data(const Tensor& src) const {
  TensorImpl& d = impl();
  const TensorImpl& s = src.impl();
  d.storage = s.storage;
  d.sizes = s.sizes;
  d.strides = s.strides;
  d.offset = s.offset;
  d.numel = s.numel;
  d.dtype = s.dtype;
  d.contiguous = s.contiguous;
}

void detail::fill_into(const Tensor& self, Scalar v) {
  dispatch(self.dtype(), [&](auto o) {
    using O = decltype(o);
    O val = v.to<O>();
    // Dense (any order of dims, positive strides): one span from data_ptr, filled at memset speed
    // (zero_grad fills every gradient; the strided loop below ran 10x slower).
    bool positive = std::ranges::all_of(self.strides(), [](std::int64_t s) { return s >= 0; });
    if (positive && self.is_non_overlapping_and_dense()) {
      O* p = static_cast<O*>(self.data_ptr());
      if (v.to_double() == 0 && !std::signbit(v.to_double())) {
        std::memset(static_cast<void*>(p), 0, self.nbytes());  // +0 is all-zero bits in every dtype
      } else {
        std::fill_n(p, self.numel(), val);
      }
      return;
    }
    detail::for_each_row<1>(self.sizes(), {static_cast<char*>(self.data_ptr())}, {detail::byte_strides(self)},
                            [&](auto p, auto s, std::int64_t n) {
                              for (std::int64_t i = 0; i < n; ++i) *reinterpret_cast<O*>(p[0] + i * s[0]) = val;
                            });
  });
}

// ---- values ----
Scalar Tensor::item() const {
  RAMP_CHECK(numel() == 1, "a Tensor with ", numel(), " elements cannot be converted to Scalar");
  return dispatch(dtype(), [&](auto v) -> Scalar {
    using T = decltype(v);
    T x = *static_cast<const T*>(data_ptr());
    if constexpr (std::is_same_v<T, bool>) return Scalar(x);
    else if constexpr (std::is_integral_v<T>) return Scalar(std::int64_t(x));
    else return Scalar(double(x));
  });
}
double Tensor::at(std::int64_t flat) const {
  RAMP_CHECK_T(IndexError, flat >= 0 && flat < numel(), "index ", flat, " is out of bounds for size ", numel());
  std::int64_t off = 0;
  for (int d = int(dim()) - 1; d >= 0; --d) {
    auto s = sizes()[std::size_t(d)];
    off += (flat % s) * strides()[std::size_t(d)];
    flat /= s;
  }
  return dispatch(dtype(), [&](auto v) {
    using T = decltype(v);
    return convert<double>(static_cast<const T*>(data_ptr())[off]);
  });
}
std::vector<double> Tensor::to_vector() const {
  Tensor c = to(ScalarType::Float64).contiguous();
  const double* p = c.data<double>();
  return std::vector<double>(p, p + c.numel());
}

}  // namespace ramp
