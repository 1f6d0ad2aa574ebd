// gather / scatter / scatter_add, index_add_ / index_fill_ / index_copy_, masked_fill,
// masked_select, nonzero and take, with 1.13's checks, messages and grad_fn names.
#include <vector>

#include "../nn/loss_common.h"
#include "../tensor/parallel.h"
#include "map.h"
#include "offsets.h"
#include "ramp/indexing.h"
#include "ramp/ops.h"
#include "record.h"

namespace ramp {
namespace {

bool same_shape(IntArrayRef a, IntArrayRef b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

// A write into self (in place) or into a clone of it, recorded as `name` with edges to self and
// `other` (when defined) and `index` saved: the shape shared by scatter_, index_add_, masked_fill_...
// Out of place, the copy takes `shape` when given (masked_fill broadcasts self against the mask).
template <class W, class B>
Tensor write_op(const Tensor& self, bool inplace, std::string_view name, const Tensor& other, const Tensor& index,
                W write, B back, const Dims* shape = nullptr) {
  Tensor out = self;
  if (inplace) {
    RAMP_CHECK(!self.has_internal_overlap(),
               "unsupported operation: more than one element of the written-to tensor refers to a single "
               "memory location. Please clone() the tensor before performing the operation.");
    autograd::check_inplace(self);
  }
  autograd::below([&] {
    if (!inplace) out = shape ? self.expand(*shape).clone() : self.clone();
    write(out);
    return 0;
  });
  if (inplace) out.bump_version();
  if (autograd::needs_grad({self, other})) {
    if (other.defined()) autograd::record(out, name, {self, other}, {{index, false}}, back);
    else autograd::record(out, name, {self}, {{index, false}}, back);
  }
  return out;
}

// ---- gather / scatter: self and index have the same number of dims (a 0-d one acts as [1]) ----
Tensor as_1d(const Tensor& t) { return t.dim() == 0 ? t.reshape({1}) : t; }

// 1.13's assert_no_overlap of an in-place write's index and source with self.
void check_no_overlap(const Tensor& self, const Tensor& index, const Tensor& source) {
  detail::assert_no_overlap(self, index);
  if (source.defined()) detail::assert_no_overlap(self, source);
}

// Calls f(self_offset, index_offset, other_offset) for every element of index, where self_offset
// points at self's element for that position along every dim but `dim` (index's value picks that).
template <class F>
void along_dim(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& other, F&& f) {
  Dims st(self.strides());
  st[std::size_t(dim)] = 0;
  const Dims ost = other.defined() ? Dims(other.strides()) : Dims(index.strides());
  detail::for_each_offset<3>(index.sizes(), {IntArrayRef(st), index.strides(), IntArrayRef(ost)},
                             [&](const std::array<std::int64_t, 3>& o) { f(o[0], o[1], o[2]); });
}

// 1.13's gather/scatter shape checks: index no larger than self (and src) outside `dim`.
void check_scatter_shapes(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src,
                          const char* op) {
  RAMP_CHECK(index.dim() == self.dim() || index.numel() == 0,
             "Index tensor must have the same number of dimensions as ", op, " tensor");
  for (std::int64_t d = 0; d < index.dim(); ++d) {
    bool ok = d == dim || index.size(d) <= self.size(d);
    if (src.defined()) ok = ok && index.size(d) <= src.size(d);
    if (!ok && src.defined())
      throw Error(detail::cat("Expected index ", shape_str(index.sizes()), " to be smaller than self ",
                              shape_str(self.sizes()), " apart from dimension ", dim, " and to be smaller size than src ",
                              shape_str(src.sizes())));
    if (!ok && std::string_view(op) == "input")
      throw Error(detail::cat("Size does not match at dimension ", d, " expected index ", shape_str(index.sizes()),
                              " to be smaller than self ", shape_str(self.sizes()), " apart from dimension ", dim));
    RAMP_CHECK(ok, "Expected index ", shape_str(index.sizes()), " to be smaller than self ", shape_str(self.sizes()),
               " apart from dimension ", dim);
  }
}

std::int64_t checked(std::int64_t i, std::int64_t dim, std::int64_t size) {
  RAMP_CHECK(i >= 0 && i < size, "index ", i, " is out of bounds for dimension ", dim, " with size ", size);
  return i;
}

Tensor gather_impl(const Tensor& self_, std::int64_t dim, const Tensor& index_) {
  const Tensor self = as_1d(self_), index = as_1d(index_);
  Tensor out = empty(index.sizes(), self.dtype());
  const std::int64_t size = self.size(dim), stride = self.stride(dim);
  const std::int64_t* ip = index.data<std::int64_t>();
  dispatch(self.dtype(), [&](auto e) {
    using T = decltype(e);
    const T* s = static_cast<const T*>(self.data_ptr());
    T* o = static_cast<T*>(out.data_ptr());
    along_dim(self, dim, index, out, [&](std::int64_t so, std::int64_t io, std::int64_t oo) {
      o[oo] = s[so + checked(ip[io], dim, size) * stride];
    });
  });
  return out.reshape(index_.sizes());
}

// The gradient of a scatter's source: g read back at the index. A create_graph pass records it as
// 1.13's gather (GatherBackward0); otherwise the raw loop.
Tensor src_grad(const Tensor& g, std::int64_t dim, const Tensor& index) {
  if (autograd::needs_grad({g})) return gather(g, dim, index);
  return gather_impl(g, dim, index);
}

// The gradient of index_add's / index_copy's source: g's slices at the index, as 1.13's
// grad.index_select(dim, index).expand_as(source) (IndexSelectBackward0, ExpandBackward0).
Tensor source_grad(const Tensor& g, std::int64_t dim, const Tensor& index, IntArrayRef ssizes) {
  const Tensor picked = index_select(g, dim, index);
  if (autograd::needs_grad({g}) && picked.dim() == std::int64_t(ssizes.size())) return picked.expand(ssizes);
  return picked.reshape(ssizes);
}

enum class Reduce { none, add, multiply };
Reduce parse_reduce(const std::string& r) {
  if (r.empty()) return Reduce::none;
  if (r == "add") return Reduce::add;
  if (r == "multiply") return Reduce::multiply;
  throw Error("reduce argument must be either add or multiply.");
}

// self[... index ...] (op)= src (or value when src is undefined), in place.
void scatter_impl(const Tensor& self_, std::int64_t dim, const Tensor& index_, const Tensor& src_, Scalar value,
                  Reduce red) {
  const Tensor self = as_1d(self_), index = as_1d(index_);
  // a source sharing self's elements in a way 1.13 does not refuse (strided views) is read from a copy
  const Tensor src = !src_.defined() ? src_ : as_1d(detail::may_alias(self_, src_) ? src_.detach().clone() : src_);
  const std::int64_t size = self.size(dim), stride = self.stride(dim);
  const std::int64_t* ip = index.data<std::int64_t>();
  dispatch(self.dtype(), [&](auto e) {
    using T = decltype(e);
    using C = detail::Compute<T>;
    T* s = static_cast<T*>(self.data_ptr());
    const T* v = src.defined() ? static_cast<const T*>(src.data_ptr()) : nullptr;
    const T fill = value.to<T>();
    along_dim(self, dim, index, src, [&](std::int64_t so, std::int64_t io, std::int64_t vo) {
      T& d = s[so + checked(ip[io], dim, size) * stride];
      const T x = v ? v[vo] : fill;
      d = red == Reduce::none ? x : red == Reduce::add ? T(C(d) + C(x)) : T(C(d) * C(x));
    });
  });
}

Tensor scatter_op(const Tensor& self, std::int64_t dim_, const Tensor& index, const Tensor& src, Scalar value,
                  const std::string& reduce, bool inplace, bool add) {
  const char* op = add ? "scatter_add" : "scatter";
  RAMP_CHECK(index.dtype() == ScalarType::Int64, op, "(): Expected dtype int64 for index");
  RAMP_CHECK(!src.defined() || src.dtype() == self.dtype(), op, "(): Expected self.dtype to be equal to src.dtype");
  const std::int64_t dim = wrap_dim(dim_, std::max<std::int64_t>(self.dim(), 1));
  const Reduce red = add ? Reduce::add : parse_reduce(reduce);
  if (!src.defined()) detail::check_fits(value, self.dtype());
  check_scatter_shapes(as_1d(self), dim, as_1d(index), src.defined() ? as_1d(src) : src, "self");
  if (inplace) check_no_overlap(self, index, src);
  auto write = [&](Tensor& out) { scatter_impl(out, dim, index, src, value, red); };
  if (add)
    return write_op(self, inplace, "ScatterAddBackward0", src, index, write,
                    [dim](const autograd::Node& n, const Tensor& g) {
                      return std::vector<Tensor>{g, autograd::wants(n, 1) ? src_grad(g, dim, n.unpack(0)) : Tensor()};
                    });
  if (red != Reduce::none)  // 1.13 has no derivative for a reducing scatter
    return write_op(self, inplace, "torch::autograd::NotImplemented", src, index, write,
                    [](const autograd::Node&, const Tensor&) -> std::vector<Tensor> {
                      throw Error("derivative for aten::scatter is not implemented");
                    });
  auto self_grad = [dim](const autograd::Node& n, const Tensor& g) {
    if (autograd::needs_grad({g})) return scatter(g, dim, n.unpack(0), 0.0);  // 1.13's, ScatterBackward1
    Tensor gs = g.clone();
    scatter_impl(gs, dim, n.unpack(0), Tensor(), 0, Reduce::none);
    return gs;
  };
  if (src.defined())
    return write_op(self, inplace, "ScatterBackward0", src, index, write,
                    [self_grad, dim](const autograd::Node& n, const Tensor& g) {
                      return std::vector<Tensor>{autograd::wants(n, 0) ? self_grad(n, g) : Tensor(),
                                                 autograd::wants(n, 1) ? src_grad(g, dim, n.unpack(0)) : Tensor()};
                    });
  return write_op(self, inplace, "ScatterBackward1", src, index, write,
                  [self_grad](const autograd::Node& n, const Tensor& g) { return std::vector<Tensor>{self_grad(n, g)}; });
}

// ---- index_add_ / index_fill_ / index_copy_: index_put_ with the index at `dim` ----
std::vector<Tensor> at_dim(std::int64_t dim, const Tensor& index) {
  std::vector<Tensor> v{std::size_t(dim), Tensor()};
  v.push_back(index.reshape({-1}).to(ScalarType::Int64));
  return v;
}
Tensor check_dim_index(const Tensor& self, std::int64_t dim, const Tensor& index, const char* op) {
  RAMP_CHECK_T(IndexError, index.dim() <= 1, op, "(): Index is supposed to be a vector");
  RAMP_CHECK(index.dtype() == ScalarType::Int64 || index.dtype() == ScalarType::Int32, op,
             "(): Expected dtype int32/int64 for index but got: ", dtype_error_name(index.dtype()));
  const Tensor i = index.reshape({-1}).to(ScalarType::Int64);
  const std::int64_t size = self.dim() ? self.size(dim) : 1;
  const std::int64_t* p = i.data<std::int64_t>();
  for (std::int64_t k = 0; k < i.numel(); ++k) {
    if (std::string_view(op) == "index_add_")
      RAMP_CHECK_T(IndexError, p[k] >= 0 && p[k] < size, "index out of range in self");
    else
      RAMP_CHECK_T(IndexError, p[k] >= -size && p[k] < size, std::string_view(op) == "index_copy_" ? "index_copy_(): " : "",
                   "index ", p[k], " is out of bounds for dimension ", dim, " with size ", size);
  }
  return i;
}
void check_source(const Tensor& self, std::int64_t dim, const Tensor& idx, const Tensor& source, const char* op) {
  RAMP_CHECK(source.dtype() == self.dtype(), op, "(): self (", dtype_error_name(self.dtype()), ") and source (",
             dtype_error_name(source.dtype()), ") must have the same scalar type");
  const std::int64_t n = source.dim() ? source.size(dim) : 1;
  RAMP_CHECK_T(IndexError, idx.numel() == n, op, "(): Number of indices (", idx.numel(),
               ") should be equal to source.size(dim) (", n, ")");
}

Tensor index_add_op(const Tensor& self, std::int64_t dim_, const Tensor& index, const Tensor& source, Scalar alpha,
                    bool inplace) {
  const std::int64_t dim = wrap_dim(dim_, std::max<std::int64_t>(self.dim(), 1));
  const Tensor idx = check_dim_index(self, dim, index, "index_add_");
  check_source(self, dim, idx, source, "index_add_");
  if (inplace) check_no_overlap(self, index, source);
  return write_op(
      self, inplace, "IndexAddBackward0", source, idx,
      [&](Tensor& out) {
        const Tensor v = alpha.to_double() == 1 ? source : source.mul(alpha);
        detail::index_put_into(as_1d(out), at_dim(dim, idx), v.to(out.dtype()), true);
      },
      [dim, alpha, ssizes = Dims(source.sizes())](const autograd::Node& n, const Tensor& g) {
        Tensor gv;
        if (autograd::wants(n, 1)) {
          gv = source_grad(g, dim, n.unpack(0), ssizes);
          if (alpha.to_double() != 1) gv = loss::mul_scalar(gv, alpha);  // 1.13's maybe_multiply: MulBackward1
        }
        return std::vector<Tensor>{g, gv};
      });
}

Tensor index_fill_op(const Tensor& self, std::int64_t dim_, const Tensor& index, Scalar value, bool inplace) {
  const std::int64_t dim = wrap_dim(dim_, std::max<std::int64_t>(self.dim(), 1));
  const Tensor idx = check_dim_index(self, dim, index, "index_fill_");
  detail::check_fits(value, self.dtype());
  auto fill = [dim](const Tensor& t, const Tensor& i, Scalar v) {
    detail::index_put_into(as_1d(t), at_dim(dim, i), scalar_tensor(v, t.dtype()), false);
  };
  return write_op(
      self, inplace, "IndexFillBackward0", Tensor(), idx, [&](Tensor& out) { fill(out, idx, value); },
      [fill, dim](const autograd::Node& n, const Tensor& g) {
        if (autograd::needs_grad({g})) return std::vector<Tensor>{index_fill(g, dim, n.unpack(0), 0.0)};  // 1.13's
        Tensor gs = g.clone();
        fill(gs, n.unpack(0), 0);
        return std::vector<Tensor>{gs};
      });
}

Tensor index_copy_op(const Tensor& self, std::int64_t dim_, const Tensor& index, const Tensor& source, bool inplace) {
  const std::int64_t dim = wrap_dim(dim_, std::max<std::int64_t>(self.dim(), 1));
  const Tensor idx = check_dim_index(self, dim, index, "index_copy_");
  check_source(self, dim, idx, source, "index_copy_");
  if (inplace) check_no_overlap(self, index, source);
  return write_op(
      self, inplace, "IndexCopyBackward0", source, idx,
      [&](Tensor& out) {
        detail::index_put_into(as_1d(out), at_dim(dim, idx), source, false);
      },
      [dim, ssizes = Dims(source.sizes())](const autograd::Node& n, const Tensor& g) {
        const Tensor i = n.unpack(0);
        Tensor gs, gv;
        if (autograd::wants(n, 0) && autograd::needs_grad({g})) {
          gs = index_fill(g, dim, i, 0.0);  // 1.13's, IndexFillBackward0
        } else if (autograd::wants(n, 0)) {
          gs = g.clone();
          detail::index_put_into(as_1d(gs), at_dim(dim, i), zeros({}, g.dtype()), false);
        }
        if (autograd::wants(n, 1)) gv = source_grad(g, dim, i, ssizes);
        return std::vector<Tensor>{gs, gv};
      });
}

// ---- masks ----
void check_mask(const Tensor& mask, const char* op) {
  if (mask.dtype() == ScalarType::Bool || mask.dtype() == ScalarType::UInt8) return;
  RAMP_CHECK(!is_floating(mask.dtype()), op, " only supports boolean masks, but got mask with dtype ",
             dtype_name(mask.dtype()));
  // 1.13 still takes integer masks holding only 0 and 1.
  const Tensor m = mask.to(ScalarType::Int64).contiguous();
  const std::int64_t* p = m.data<std::int64_t>();
  for (std::int64_t i = 0; i < m.numel(); ++i) RAMP_CHECK(p[i] == 0 || p[i] == 1, "Mask tensor can take 0 and 1 values only");
}

}  // namespace

void detail::fill_where(const Tensor& out, const Tensor& mask, Scalar value) {
  const Tensor m = mask.dtype() == ScalarType::Bool || mask.dtype() == ScalarType::UInt8 ? mask : mask.to(ScalarType::Bool);
  dispatch(out.dtype(), [&](auto e) {
    using T = decltype(e);
    const T v = value.to<T>();
    if (out.is_contiguous() && m.is_contiguous()) {
      T* o = static_cast<T*>(out.data_ptr());
      const auto* mp = static_cast<const std::uint8_t*>(m.data_ptr());
      detail::parallel_for(out.numel(), 65536, 64, [&](std::int64_t a, std::int64_t z) {
        for (std::int64_t i = a; i < z; ++i) o[i] = mp[i] ? v : o[i];
      });
      return;
    }
    detail::for_each_row<2>(out.sizes(), {static_cast<char*>(out.data_ptr()), static_cast<char*>(m.data_ptr())},
                            {detail::byte_strides(out), detail::byte_strides(m)},
                            [&](auto p, auto s, std::int64_t n) {
                              for (std::int64_t i = 0; i < n; ++i)
                                if (*reinterpret_cast<const std::uint8_t*>(p[1] + i * s[1]))
                                  *reinterpret_cast<T*>(p[0] + i * s[0]) = v;
                            });
  });
}

namespace {
using detail::fill_where;

Tensor masked_fill_op(const Tensor& self, const Tensor& mask, const Tensor& value_t, Scalar value, bool inplace) {
  check_mask(mask, inplace ? "masked_fill_" : "masked_fill");
  if (value_t.defined())
    RAMP_CHECK(value_t.dim() == 0, "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with ",
               value_t.dim(), " dimension(s).");
  const Dims shape = broadcast_shapes(self.sizes(), mask.sizes());
  if (inplace)
    RAMP_CHECK(same_shape(shape, self.sizes()), "output with shape ", shape_str(self.sizes()),
               " doesn't match the broadcast shape ", shape_str(shape));
  const Tensor m = same_shape(mask.sizes(), shape) ? mask : mask.expand(shape);
  auto grad_self = [ssizes = Dims(self.sizes())](const Tensor& g, const Tensor& mk) {
    auto raw = [&] {
      Tensor gs = g.clone();
      fill_where(gs, mk.expand(g.sizes()), 0);
      return autograd::sum_to(gs, ssizes);
    };
    // a create_graph pass records 1.13's g.masked_fill(mask, 0) over these values
    return autograd::raw_with_graph({g}, raw,
                                    [&] { return autograd::sum_to(masked_fill(g, mk, 0.0), ssizes); });
  };
  const Scalar v = value_t.defined() ? value_t.item() : value;
  if (!value_t.defined()) detail::check_fits(v, self.dtype());
  auto write = [&](Tensor& out) { fill_where(out, m, v); };
  if (!value_t.defined())
    return write_op(self, inplace, "MaskedFillBackward0", Tensor(), mask, write,
                    [grad_self](const autograd::Node& n, const Tensor& g) { return std::vector<Tensor>{grad_self(g, n.unpack(0))}; },
                    &shape);
  return write_op(self, inplace, "MaskedFillBackward1", value_t, mask, write,
                  [grad_self](const autograd::Node& n, const Tensor& g) {
                    const Tensor mk = n.unpack(0);
                    Tensor gv;
                    if (autograd::wants(n, 1)) gv = masked_select(g, mk).sum();
                    return std::vector<Tensor>{autograd::wants(n, 0) ? grad_self(g, mk) : Tensor(), gv};
                  },
                  &shape);
}

}  // namespace

Tensor gather(const Tensor& self, std::int64_t dim_, const Tensor& index, bool /*sparse_grad*/) {
  RAMP_CHECK(index.dtype() == ScalarType::Int64, "gather(): Expected dtype int64 for index");
  const std::int64_t dim = wrap_dim(dim_, std::max<std::int64_t>(self.dim(), 1));
  check_scatter_shapes(as_1d(self), dim, as_1d(index), Tensor(), "input");
  if (!autograd::needs_grad({self})) return gather_impl(self, dim, index);
  Tensor out = autograd::below([&] { return gather_impl(self, dim, index); });
  autograd::record(out, "GatherBackward0", {self}, {{index, false}},
                   [dim, sizes = Dims(self.sizes())](const autograd::Node& n, const Tensor& g) {
                     const Tensor index = n.unpack(0);
                     auto raw = [&] {
                       Tensor dx = zeros(sizes, g.dtype());
                       scatter_impl(dx, dim, index, g.contiguous(), 0, Reduce::add);
                       return dx;
                     };
                     // a create_graph pass: 1.13's zeros.scatter_add_(dim, index, g) (ScatterAddBackward0)
                     return std::vector<Tensor>{autograd::raw_with_graph(
                         {g}, raw, [&] { return scatter_add(zeros(sizes, g.dtype()), dim, index, g); })};
                   });
  return out;
}

Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce) {
  return scatter_op(self, dim, index, src, 0, reduce, false, false);
}
Tensor scatter(const Tensor& self, std::int64_t dim, const Tensor& index, Scalar value, const std::string& reduce) {
  return scatter_op(self, dim, index, Tensor(), value, reduce, false, false);
}
Tensor& scatter_(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src, const std::string& reduce) {
  scatter_op(self, dim, index, src, 0, reduce, true, false);
  return const_cast<Tensor&>(self);
}
Tensor& scatter_(const Tensor& self, std::int64_t dim, const Tensor& index, Scalar value, const std::string& reduce) {
  scatter_op(self, dim, index, Tensor(), value, reduce, true, false);
  return const_cast<Tensor&>(self);
}
Tensor scatter_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src) {
  return scatter_op(self, dim, index, src, 0, "", false, true);
}
Tensor& scatter_add_(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src) {
  scatter_op(self, dim, index, src, 0, "", true, true);
  return const_cast<Tensor&>(self);
}

Tensor& index_add_(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha) {
  index_add_op(self, dim, index, source, alpha, true);
  return const_cast<Tensor&>(self);
}
Tensor index_add(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source, Scalar alpha) {
  return index_add_op(self, dim, index, source, alpha, false);
}
Tensor& index_fill_(const Tensor& self, std::int64_t dim, const Tensor& index, Scalar value) {
  index_fill_op(self, dim, index, value, true);
  return const_cast<Tensor&>(self);
}
Tensor index_fill(const Tensor& self, std::int64_t dim, const Tensor& index, Scalar value) {
  return index_fill_op(self, dim, index, value, false);
}
Tensor& index_copy_(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source) {
  index_copy_op(self, dim, index, source, true);
  return const_cast<Tensor&>(self);
}
Tensor index_copy(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source) {
  return index_copy_op(self, dim, index, source, false);
}

Tensor masked_fill(const Tensor& self, const Tensor& mask, Scalar value) {
  return masked_fill_op(self, mask, Tensor(), value, false);
}
Tensor masked_fill(const Tensor& self, const Tensor& mask, const Tensor& value) {
  return masked_fill_op(self, mask, value, 0, false);
}
Tensor& masked_fill_(const Tensor& self, const Tensor& mask, Scalar value) {
  masked_fill_op(self, mask, Tensor(), value, true);
  return const_cast<Tensor&>(self);
}
Tensor& masked_fill_(const Tensor& self, const Tensor& mask, const Tensor& value) {
  masked_fill_op(self, mask, value, 0, true);
  return const_cast<Tensor&>(self);
}

Tensor masked_select(const Tensor& self, const Tensor& mask) {
  RAMP_CHECK(mask.dtype() == ScalarType::Bool || mask.dtype() == ScalarType::UInt8,
             "masked_select: expected BoolTensor or ByteTensor for mask");
  const Dims shape = broadcast_shapes(self.sizes(), mask.sizes());
  const Tensor m = mask.expand(shape);
  auto compute = [&] { return index(self.expand(shape), {m}); };
  if (!autograd::needs_grad({self})) return compute();
  Tensor out = autograd::below(compute);
  autograd::record(out, "MaskedSelectBackward0", {self}, {{mask, false}},
                   [shape, ssizes = Dims(self.sizes())](const autograd::Node& n, const Tensor& g) {
                     Tensor dx = zeros(shape, g.dtype());
                     // a create_graph pass: 1.13's zeros.masked_scatter_(mask, g) (MaskedScatterBackward0)
                     if (autograd::needs_grad({g})) masked_scatter_(dx, n.unpack(0).expand(shape), g);
                     else detail::index_put_into(dx, {n.unpack(0).expand(shape)}, g, false);
                     return std::vector<Tensor>{autograd::sum_to(dx, ssizes)};
                   });
  return out;
}

Tensor nonzero(const Tensor& self) {
  const Tensor c = self.contiguous();
  const std::int64_t nd = self.dim();
  std::vector<std::int64_t> pos;
  std::int64_t n = 0;
  dispatch(c.dtype(), [&](auto e) {
    using T = decltype(e);
    const T* p = static_cast<const T*>(c.data_ptr());
    std::int64_t idx[kMaxDims] = {};
    for (std::int64_t i = 0; i < c.numel(); ++i) {
      if (convert<double>(p[i]) != 0.0) {
        ++n;
        pos.insert(pos.end(), idx, idx + nd);
      }
      for (std::int64_t d = nd - 1; d >= 0 && ++idx[d] == self.size(d); --d) idx[d] = 0;
    }
  });
  Tensor out = empty({n, nd}, ScalarType::Int64);
  std::copy(pos.begin(), pos.end(), out.data<std::int64_t>());
  return out;
}
std::vector<Tensor> nonzero_tuple(const Tensor& self) {
  const Tensor nz = nonzero(self.dim() ? self : self.reshape({1}));
  std::vector<Tensor> out;
  for (std::int64_t d = 0; d < nz.size(1); ++d) out.push_back(nz.select(1, d).contiguous());
  return out;
}
Tensor argwhere(const Tensor& self) { return nonzero(self); }

Tensor take(const Tensor& self, const Tensor& index) {
  RAMP_CHECK(index.dtype() == ScalarType::Int64, "take(): Expected a long tensor for index, but got ",
             dtype_error_name(index.dtype()));
  const std::int64_t n = self.numel();
  Tensor idx = index.contiguous().clone();
  std::int64_t* p = idx.data<std::int64_t>();
  for (std::int64_t i = 0; i < idx.numel(); ++i) {
    RAMP_CHECK_T(IndexError, p[i] >= -n && p[i] < n, "out of range: tried to access index ", p[i], " on a tensor of ", n,
                 " elements.");
    if (p[i] < 0) p[i] += n;
  }
  auto compute = [&] { return index_select(self.reshape({-1}), 0, idx.reshape({-1})).reshape(index.sizes()); };
  if (!autograd::needs_grad({self})) return compute();
  Tensor out = autograd::below(compute);
  autograd::record(out, "TakeBackward0", {self}, {{idx, false}}, [sizes = Dims(self.sizes())](const autograd::Node& n, const Tensor& g) {
    // a create_graph pass: 1.13's zeros.put_(index, g, accumulate=true) (PutBackward0)
    if (autograd::needs_grad({g})) {
      Tensor dx = zeros(sizes, g.dtype());
      put_(dx, n.unpack(0), g, true);
      return std::vector<Tensor>{dx};
    }
    Tensor dx = zeros({numel_of(sizes)}, g.dtype());
    detail::index_put_into(dx, {n.unpack(0).reshape({-1})}, g.reshape({-1}), true);
    return std::vector<Tensor>{dx.reshape(sizes)};
  });
  return out;
}

}  // namespace ramp
