// Advanced indexing: index / index_put_ and the rules of torch's __getitem__/__setitem__.
//
// An index resolves to a Plan: result[i, b, j] is the source element at pre[i] + block[b] + post[j]
// (offsets in elements), where i walks the dims before the indexed ones, b the broadcast index
// shape and j the dims after. Reading copies elements by size (no per-dtype code); writing (and the
// backward of reading, an accumulating write) walks the same offsets.
#include <cstring>
#include <vector>

#include "../tensor/parallel.h"
#include "map.h"
#include "offsets.h"
#include "ramp/indexing.h"
#include "record.h"

namespace ramp {
namespace {

bool is_mask(const Tensor& t) { return t.dtype() == ScalarType::Bool || t.dtype() == ScalarType::UInt8; }

using detail::for_each_offset;
using detail::offsets_of;

struct Plan {
  Dims result;
  std::vector<std::int64_t> pre, block, post;
  std::int64_t run = 0;  // > 0: the post dims are `run` contiguous elements (then `post` is unused)
  std::int64_t inner() const { return run ? run : std::int64_t(post.size()); }
};

// Fills pre/post/result around `block` (already set) for the layout (sizes, strides) whose dims
// [p, p + k) are the indexed ones.
void finish_plan(Plan& pl, const Dims& sizes, const Dims& strides, std::int64_t p, std::int64_t k, IntArrayRef shape) {
  const IntArrayRef sz = sizes, st = strides;
  pl.pre = offsets_of(sz.subspan(0, std::size_t(p)), st.subspan(0, std::size_t(p)));
  const IntArrayRef psz = sz.subspan(std::size_t(p + k)), pst = st.subspan(std::size_t(p + k));
  bool dense = true;
  std::int64_t expect = 1;
  for (std::size_t d = psz.size(); d-- > 0;) {
    if (psz[d] != 1 && pst[d] != expect) dense = false;
    expect *= psz[d];
  }
  if (dense) pl.run = expect;
  else pl.post = offsets_of(psz, pst);
  pl.result = Dims(sz.subspan(0, std::size_t(p)));
  for (auto s : shape) pl.result.push_back(s);
  for (auto s : psz) pl.result.push_back(s);
}

std::string shape_list(const std::vector<Tensor>& idx) {
  std::string s;
  for (const Tensor& t : idx)
    if (t.defined()) s += (s.empty() ? "" : ", ") + shape_str(t.sizes());
  return s;
}

void check_mask_shape(const Tensor& mask, const Tensor& self, std::int64_t at) {
  for (std::int64_t j = 0; j < mask.dim(); ++j)
    RAMP_CHECK_T(IndexError, mask.size(j) == self.size(at + j), "The shape of the mask ", shape_str(mask.sizes()),
                 " at index ", j, " does not match the shape of the indexed tensor ", shape_str(self.sizes()),
                 " at index ", at + j);
}

Plan make_plan(const Tensor& self, const std::vector<Tensor>& indices) {
  std::int64_t consumed = 0;
  int defined = 0;
  for (const Tensor& t : indices) {
    if (t.defined()) {
      RAMP_CHECK_T(IndexError, t.dtype() == ScalarType::Int64 || is_mask(t),
                   "tensors used as indices must be long, byte or bool tensors");
      ++defined;
    }
    consumed += t.defined() && is_mask(t) ? t.dim() : 1;
  }
  RAMP_CHECK_T(IndexError, consumed <= self.dim(), "too many indices for tensor of dimension ", self.dim());
  const Dims sizes(self.sizes()), strides(self.strides());
  Plan pl;
  if (defined == 0) {  // nothing indexed: the whole tensor
    pl.block = {0};
    finish_plan(pl, sizes, strides, 0, 0, {});
    return pl;
  }
  // One mask and nothing else: its true positions' offsets straight from a scan (no nonzero()).
  if (defined == 1) {
    std::int64_t p = 0;
    while (!indices[std::size_t(p)].defined()) ++p;
    const Tensor& m = indices[std::size_t(p)];
    if (is_mask(m)) {
      check_mask_shape(m, self, p);
      const Tensor mc = m.contiguous();
      const auto* mp = static_cast<const std::uint8_t*>(mc.data_ptr());
      std::int64_t i = 0;
      const IntArrayRef st = IntArrayRef(strides).subspan(std::size_t(p), std::size_t(m.dim()));
      for_each_offset(m.sizes(), st, [&](std::int64_t o) {
        if (mp[i++]) pl.block.push_back(o);
      });
      const std::int64_t count = std::int64_t(pl.block.size());
      finish_plan(pl, sizes, strides, p, m.dim(), IntArrayRef(&count, 1));
      return pl;
    }
  }
  // Masks become one int64 index per dim they cover.
  std::vector<Tensor> idx;
  for (const Tensor& t : indices) {
    if (t.defined() && is_mask(t)) {
      check_mask_shape(t, self, std::int64_t(idx.size()));
      const Tensor nz = nonzero(t);
      for (std::int64_t j = 0; j < t.dim(); ++j) idx.push_back(nz.select(1, j));
    } else {
      idx.push_back(t);
    }
  }
  Dims shape;
  std::vector<std::int64_t> dims;  // the indexed dims
  for (std::size_t i = 0; i < idx.size(); ++i) {
    if (!idx[i].defined()) continue;
    dims.push_back(std::int64_t(i));
    try {
      shape = broadcast_shapes(shape, idx[i].sizes());
    } catch (const Error&) {
      throw IndexError("shape mismatch: indexing tensors could not be broadcast together with shapes " + shape_list(idx));
    }
  }
  // 0-d masks stand for no dim: with nothing else indexed there is no index (1.13 fails an assert).
  RAMP_CHECK_T(IndexError, !dims.empty(), "index: 0-dimensional masks cannot be the only indices of several; "
               "index with one mask, or with x[mask]");
  // Separated indexed dims go first (NumPy's rule): the layout is permuted, not the data.
  Dims sz = sizes, st = strides;
  std::int64_t p = dims.front();
  if (dims.back() - dims.front() + 1 != std::int64_t(dims.size())) {
    sz.n = st.n = 0;
    for (auto d : dims) sz.push_back(sizes[std::size_t(d)]), st.push_back(strides[std::size_t(d)]);
    for (std::int64_t d = 0; d < self.dim(); ++d)
      if (std::size_t(d) >= idx.size() || !idx[std::size_t(d)].defined())
        sz.push_back(sizes[std::size_t(d)]), st.push_back(strides[std::size_t(d)]);
    p = 0;
  }
  pl.block.assign(std::size_t(numel_of(shape)), 0);
  for (std::size_t k = 0; k < dims.size(); ++k) {
    const std::int64_t size = sizes[std::size_t(dims[k])], stride = strides[std::size_t(dims[k])];
    const Tensor e = idx[std::size_t(dims[k])].expand(shape).contiguous();
    const std::int64_t* v = e.data<std::int64_t>();
    for (std::size_t b = 0; b < pl.block.size(); ++b) {
      std::int64_t i = v[b];
      RAMP_CHECK_T(IndexError, i >= -size && i < size, "index ", i, " is out of bounds for dimension ", k,
                   " with size ", size);
      pl.block[b] += (i < 0 ? i + size : i) * stride;
    }
  }
  finish_plan(pl, sz, st, p, std::int64_t(dims.size()), shape);
  return pl;
}

// Elements copied as unsigned integers of their size: one instantiation per size, not per dtype.
template <class E> void gather_kernel(const Plan& pl, const E* src, E* out) {
  const auto nb = std::int64_t(pl.block.size()), inner = pl.inner();
  const std::int64_t n = std::int64_t(pl.pre.size()) * nb;
  detail::parallel_for(n, std::max<std::int64_t>(1, 32768 / std::max<std::int64_t>(inner, 1)), 1,
                       [&](std::int64_t a, std::int64_t z) {
                         for (std::int64_t ib = a; ib < z; ++ib) {
                           const E* from = src + pl.pre[std::size_t(ib / nb)] + pl.block[std::size_t(ib % nb)];
                           E* to = out + ib * inner;
                           if (pl.run == 1) *to = *from;
                           else if (pl.run) std::memcpy(to, from, std::size_t(pl.run) * sizeof(E));
                           else
                             for (std::size_t j = 0; j < pl.post.size(); ++j) to[j] = from[pl.post[j]];
                         }
                       });
}

Tensor index_impl(const Tensor& self, const std::vector<Tensor>& indices) {
  const Plan pl = make_plan(self, indices);
  Tensor out = empty(pl.result, self.dtype());
  if (out.numel() == 0) return out;
  auto run = [&](auto e) {
    using E = decltype(e);
    gather_kernel<E>(pl, static_cast<const E*>(self.data_ptr()), static_cast<E*>(out.data_ptr()));
  };
  switch (self.element_size()) {
    case 1: run(std::uint8_t{}); break;
    case 2: run(std::uint16_t{}); break;
    case 4: run(std::uint32_t{}); break;
    default: run(std::uint64_t{}); break;
  }
  return out;
}

// self[indices] = values (or +=): serial, so the last of repeated indices wins, as on 1.13's CPU.
void put_impl(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate) {
  // One mask and one value (x[mask] = 0): a masked fill over the mask viewed in self's shape, as
  // 1.13's canDispatchToMaskedFill (no list of positions).
  if (!accumulate && values.numel() == 1 && values.dim() == 0) {
    std::int64_t p = 0, defined = 0;
    for (const Tensor& t : indices) defined += t.defined();
    while (std::size_t(p) < indices.size() && !indices[std::size_t(p)].defined()) ++p;
    if (defined == 1 && is_mask(indices[std::size_t(p)]) && indices[std::size_t(p)].dim() > 0) {
      const Tensor& m = indices[std::size_t(p)];
      RAMP_CHECK_T(IndexError, p + m.dim() <= self.dim(), "too many indices for tensor of dimension ", self.dim());
      check_mask_shape(m, self, p);
      Dims shape;
      for (std::int64_t d = 0; d < self.dim(); ++d) shape.push_back(d >= p && d < p + m.dim() ? m.size(d - p) : 1);
      detail::fill_where(self, m.reshape(shape).expand(self.sizes()), values.item());
      return;
    }
  }
  // 1.13's assert_no_overlap: neither the values nor an index may be (part of) self's memory; a
  // strided view that may still share elements (too hard to tell) is read from a copy.
  for (const Tensor& t : indices)
    if (t.defined()) detail::assert_no_overlap(self, t);
  detail::assert_no_overlap(self, values);
  const Plan pl = make_plan(self, indices);
  bool fits = values.dim() <= std::int64_t(pl.result.size());
  for (std::int64_t d = 1; fits && d <= values.dim(); ++d) {
    const std::int64_t v = values.size(values.dim() - d), r = pl.result[pl.result.size() - std::size_t(d)];
    fits = v == r || v == 1;
  }
  RAMP_CHECK(fits, "shape mismatch: value tensor of shape ", shape_str(values.sizes()),
             " cannot be broadcast to indexing result of shape ", shape_str(pl.result));
  if (numel_of(pl.result) == 0) return;
  const Tensor v = (detail::may_alias(self, values) ? values.detach().clone() : values).expand(pl.result).contiguous();
  dispatch(self.dtype(), [&](auto e) {
    using T = decltype(e);
    T* dst = static_cast<T*>(self.data_ptr());
    const T* src = static_cast<const T*>(v.data_ptr());
    const std::int64_t inner = pl.inner();
    for (std::int64_t pre : pl.pre)
      for (std::int64_t blk : pl.block) {
        T* to = dst + pre + blk;
        for (std::int64_t j = 0; j < inner; ++j, ++src) {
          T& d = to[pl.run ? j : pl.post[std::size_t(j)]];
          d = accumulate ? T(detail::Compute<T>(d) + detail::Compute<T>(*src)) : *src;
        }
      }
  });
}

std::vector<Tensor> unpack_all(const autograd::Node& n, std::size_t from, std::size_t count) {
  std::vector<Tensor> v(count);
  for (std::size_t i = 0; i < count; ++i) v[i] = n.unpack(from + i);
  return v;
}
void save_all(autograd::Node& n, const std::vector<Tensor>& ts) {
  for (const Tensor& t : ts) n.saved.push_back(t.defined() ? autograd::SavedTensor(t, false) : autograd::SavedTensor());
}

}  // namespace

void detail::check_fits(Scalar v, ScalarType t) {
  RAMP_CHECK(!overflows(v, t), "value cannot be converted to type ", c_type_name(t), " without overflow");
}

void detail::index_put_into(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate) {
  put_impl(self, indices, values, accumulate);
}

Tensor index(const Tensor& self, const std::vector<Tensor>& indices) {
  if (!autograd::needs_grad({self})) return index_impl(self, indices);
  Tensor out = autograd::below([&] { return index_impl(self, indices); });
  auto node = autograd::record(
      out, "IndexBackward0", {self}, {},
      [sizes = Dims(self.sizes()), count = indices.size()](const autograd::Node& n, const Tensor& g) {
        std::vector<Tensor> idx = unpack_all(n, 0, count);
        Tensor dx = autograd::below([&] {
          Tensor z = zeros(sizes, g.dtype());
          put_impl(z, idx, g, true);
          return z;
        });
        // A create_graph pass: dx is linear in g, recorded as 1.13's
        // _index_put_impl_ node with its adjoint, the same index, as formula.
        if (autograd::needs_grad({g})) {
          auto grad2 = autograd::record(dx, "IndexPutImplBackward0", {g}, {},
                                        [count](const autograd::Node& n2, const Tensor& gg) {
                                          return std::vector<Tensor>{index(gg, unpack_all(n2, 0, count))};
                                        });
          save_all(*grad2, idx);
        }
        return std::vector<Tensor>{dx};
      });
  save_all(*node, indices);
  return out;
}

Tensor& index_put_(const Tensor& self_, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate) {
  Tensor& self = const_cast<Tensor&>(self_);
  RAMP_CHECK(values.dtype() == self.dtype(), "Index put requires the source and destination dtypes match, got ",
             dtype_error_name(self.dtype()), " for the destination and ", dtype_error_name(values.dtype()),
             " for the source.");
  RAMP_CHECK(!self.has_internal_overlap(),
             "unsupported operation: more than one element of the written-to tensor refers to a single "
             "memory location. Please clone() the tensor before performing the operation.");
  autograd::check_inplace(self);
  autograd::below([&] {
    put_impl(self, indices, values, accumulate);
    return 0;
  });
  self.bump_version();
  if (autograd::needs_grad({self, values})) {
    auto node = autograd::record(
        self, "IndexPutBackward0", {self, values}, {},
        [accumulate, vsizes = Dims(values.sizes()), count = indices.size()](const autograd::Node& n, const Tensor& g) {
          const std::vector<Tensor> idx = unpack_all(n, 0, count);
          Tensor gs, gv;
          // a create_graph pass records 1.13's formulas: g.index_put(indices, zeros_like(values)) and
          // g.index(indices) (IndexPutBackward0, IndexBackward0)
          const bool graph = autograd::needs_grad({g});
          if (autograd::wants(n, 0) && (accumulate || !graph)) {
            gs = accumulate ? g : g.clone();
            if (!accumulate) put_impl(gs, idx, zeros({}, g.dtype()), false);
          } else if (autograd::wants(n, 0)) {
            gs = index_put(g, idx, zeros(vsizes, g.dtype()), false);
          }
          if (autograd::wants(n, 1)) gv = autograd::sum_to(graph ? index(g, idx) : index_impl(g, idx), vsizes);
          return std::vector<Tensor>{gs, gv};
        });
    save_all(*node, indices);
  }
  return self;
}

Tensor index_put(const Tensor& self, const std::vector<Tensor>& indices, const Tensor& values, bool accumulate) {
  Tensor out = self.clone();
  return index_put_(out, indices, values, accumulate);
}

// ---- __getitem__ / __setitem__ ----
namespace indexing {
namespace {

// The index tensor a bool item stands for (x[True] is x.unsqueeze(0)[[0]]).
Tensor bool_index(bool b) { return b ? zeros({1}, ScalarType::Int64) : empty({0}, ScalarType::Int64); }

// torch's applySlicing: basic items become views of self, in order; tensor items (and bools)
// land in `out` at the dim they index (one slot each, as 1.13 records them).
Tensor apply_slicing(const Tensor& self, const std::vector<TensorIndex>& items, std::vector<Tensor>& out) {
  std::int64_t specified = 0;
  for (const TensorIndex& it : items) {
    if (it.kind == TensorIndex::Kind::Integer || it.kind == TensorIndex::Kind::Slice) ++specified;
    else if (it.kind == TensorIndex::Kind::Tensor) specified += is_mask(it.tensor) ? it.tensor.dim() : 1;
  }
  RAMP_CHECK_T(IndexError, specified <= self.dim(), "too many indices for tensor of dimension ", self.dim());
  Tensor r = self;
  std::int64_t d = 0;
  auto record = [&](Tensor t) {
    out.resize(std::size_t(d + 1));
    out[std::size_t(d++)] = std::move(t);
  };
  for (const TensorIndex& it : items) {
    switch (it.kind) {
      case TensorIndex::Kind::None: r = r.unsqueeze(d++); break;
      case TensorIndex::Kind::Ellipsis: d += self.dim() - specified; break;  // 1.13 takes x[..., ...] too
      case TensorIndex::Kind::Integer: r = r.select(d, it.integer); break;
      case TensorIndex::Kind::Slice: r = r.slice(d++, it.slice.start, it.slice.stop, it.slice.step); break;
      case TensorIndex::Kind::Boolean:
        r = r.unsqueeze(d);
        record(bool_index(it.integer != 0));
        break;
      case TensorIndex::Kind::Tensor: {
        const Tensor& t = it.tensor;
        if (t.dim() == 0 && is_integral(t.dtype(), true)) {
          if (is_mask(t)) {
            r = r.unsqueeze(d);
            record(bool_index(t.item().i != 0));
          } else {
            r = r.select(d, t.item().i);
          }
        } else {
          record(t);
        }
        break;
      }
    }
  }
  return r;
}

// torch's copy_to: a same-shaped copy, a fill from a 0-d value, else a broadcast copy of the value
// without its leading size-1 dims.
void copy_to(const Tensor& dst_, const Tensor& src) {
  Tensor& dst = const_cast<Tensor&>(dst_);
  if (std::equal(dst.sizes().begin(), dst.sizes().end(), src.sizes().begin(), src.sizes().end())) {
    dst.copy_(src);
  } else if (src.dim() == 0 && !src.requires_grad()) {
    dst.fill_(src.item());
  } else {
    std::int64_t lead = 0;
    while (lead < src.dim() && src.size(lead) == 1) ++lead;
    dst.copy_(lead ? src.view(src.sizes().subspan(std::size_t(lead))) : src);
  }
}

}  // namespace

Tensor get_item(const Tensor& self, const std::vector<TensorIndex>& items) {
  std::vector<Tensor> idx;
  Tensor r = apply_slicing(self, items, idx);
  if (!idx.empty()) return index(r, idx);
  return r.is_same(self) ? self.alias() : r;
}

void set_item(const Tensor& self, const std::vector<TensorIndex>& items, const Tensor& value) {
  if (items.size() == 1) {  // 1.13's shortcuts: x[False] = v writes nothing, x[None] / x[True] a view
    const TensorIndex& it = items[0];
    if (it.kind == TensorIndex::Kind::Boolean && !it.integer) return;
    if (it.kind == TensorIndex::Kind::None || it.kind == TensorIndex::Kind::Boolean) return copy_to(self.unsqueeze(0), value);
  }
  std::vector<Tensor> idx;
  Tensor sliced = apply_slicing(self, items, idx);
  if (idx.empty()) return copy_to(sliced, value);
  std::int64_t lead = 0;
  while (lead < value.dim() && value.size(lead) == 1) ++lead;
  index_put_(sliced, idx, lead ? value.view(value.sizes().subspan(std::size_t(lead))) : value);
}

void set_item(const Tensor& self, const std::vector<TensorIndex>& items, Scalar value) {
  detail::check_fits(value, self.dtype());
  // A number needs no 0-d tensor on the basic path (x[0] = 1.0 in loops): a fill of the view.
  std::vector<Tensor> idx;
  const bool single = items.size() == 1;
  if (single && items[0].kind == TensorIndex::Kind::Boolean && !items[0].integer) return;
  Tensor sliced = single && (items[0].kind == TensorIndex::Kind::None || items[0].kind == TensorIndex::Kind::Boolean)
                      ? self.unsqueeze(0)
                      : apply_slicing(self, items, idx);
  if (idx.empty()) const_cast<Tensor&>(sliced).fill_(value);
  else index_put_(sliced, idx, scalar_tensor(value, self.dtype()));
}

}  // namespace indexing

Tensor Tensor::index(std::initializer_list<indexing::TensorIndex> indices) const {
  return indexing::get_item(*this, std::vector<indexing::TensorIndex>(indices));
}
Tensor& Tensor::index_put_(std::initializer_list<indexing::TensorIndex> indices, const Tensor& value) {
  indexing::set_item(*this, std::vector<indexing::TensorIndex>(indices), value);
  return *this;
}
Tensor& Tensor::index_put_(std::initializer_list<indexing::TensorIndex> indices, Scalar value) {
  indexing::set_item(*this, std::vector<indexing::TensorIndex>(indices), value);
  return *this;
}

}  // namespace ramp
