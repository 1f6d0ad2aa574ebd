// scatter_reduce / index_reduce (sum, prod, mean, amax, amin; include_self), masked_scatter and
// put_, with 1.13's rules, messages, grad_fn names and backward formulas (derivatives.yaml's
// scatter_reduce_backward / index_reduce_backward, written with tensor ops so they round as 1.13's).
// index_reduce is scatter_reduce with the index spread along dim over source's shape.
#include <algorithm>
#include <limits>
#include <vector>

#include "map.h"
#include "offsets.h"
#include "ramp/elementwise.h"
#include "ramp/indexing.h"
#include "ramp/reduce.h"
#include "record.h"

namespace ramp {
namespace {

enum class Red { sum, prod, mean, amax, amin };

Red parse(std::string_view r, bool index_reduce) {
  if (r == "sum" && !index_reduce) return Red::sum;
  if (r == "prod") return Red::prod;
  if (r == "mean") return Red::mean;
  if (r == "amax") return Red::amax;
  if (r == "amin") return Red::amin;
  if (index_reduce)
    throw Error(detail::cat("index_reduce(): Expected reduce to be one of prod, mean, amax or amin but got ", r, "."));
  throw Error("reduce argument must be either sum, prod, mean, amax or amin.");
}

// out[... index ...] op= src, in place on out (contiguous or not), in index's iteration order
// (the order 1.13's CPU kernel reduces in). include_self=false first sets the written positions to
// the reduction's identity; mean then divides by the count (floor division for integers).
void scatter_reduce_into(Tensor& out, std::int64_t dim, const Tensor& index, const Tensor& src, Red red,
                         bool include_self) {
  const Tensor idx = index.dim() ? index : index.reshape({1});
  const Tensor s = src.dim() ? src : src.reshape({1});
  Tensor o = out.dim() ? out : out.reshape({1});
  const std::int64_t size = o.size(dim), stride = o.stride(dim);
  Dims st(o.strides());
  st[std::size_t(dim)] = 0;
  const std::int64_t* ip = idx.data<std::int64_t>();
  Tensor count;
  if (red == Red::mean) count = include_self ? ones(o.sizes(), ScalarType::Int64) : zeros(o.sizes(), ScalarType::Int64);
  auto each = [&](auto f) {
    detail::for_each_offset<3>(idx.sizes(), {IntArrayRef(st), idx.strides(), s.strides()},
                               [&](const std::array<std::int64_t, 3>& a) {
                                 const std::int64_t i = ip[a[1]];
                                 RAMP_CHECK(i >= 0 && i < size, "index ", i, " is out of bounds for dimension ", dim,
                                            " with size ", size);
                                 f(a[0] + i * stride, a[2]);
                               });
  };
  dispatch(o.dtype(), [&](auto e) {
    using T = decltype(e);
    using C = detail::Compute<T>;
    T* d = static_cast<T*>(o.data_ptr());
    const T* v = static_cast<const T*>(s.data_ptr());
    if (!include_self) {
      T init = T(0);
      if (red == Red::prod) init = T(1);
      if constexpr (!std::is_same_v<T, bool>) {
        if (red == Red::amax) init = std::numeric_limits<C>::has_infinity ? T(-std::numeric_limits<C>::infinity())
                                                                          : T(std::numeric_limits<C>::lowest());
        if (red == Red::amin) init = std::numeric_limits<C>::has_infinity ? T(std::numeric_limits<C>::infinity())
                                                                          : T(std::numeric_limits<C>::max());
      } else {
        if (red == Red::amax) init = false;
        if (red == Red::amin) init = true;
      }
      each([&](std::int64_t so, std::int64_t) { d[so] = init; });
    }
    auto is_nan = [](C x) { return x != x; };
    each([&](std::int64_t so, std::int64_t vo) {
      const C a = C(d[so]), b = C(v[vo]);
      switch (red) {
        case Red::sum: case Red::mean: d[so] = T(a + b); break;
        case Red::prod: d[so] = T(a * b); break;
        case Red::amax: d[so] = is_nan(b) ? T(b) : T(std::max(a, b)); break;
        case Red::amin: d[so] = is_nan(b) ? T(b) : T(std::min(a, b)); break;
      }
    });
    if (red != Red::mean) return;
    std::int64_t* cp = count.data<std::int64_t>();
    const Dims cst = Dims(count.strides());
    std::vector<std::int64_t> cs(cst.begin(), cst.end());
    cs[std::size_t(dim)] = 0;
    detail::for_each_offset<2>(idx.sizes(), {IntArrayRef(cs), idx.strides()}, [&](const std::array<std::int64_t, 2>& a) {
      cp[a[0] + ip[a[1]] * count.stride(dim)] += 1;
    });
    detail::for_each_offset<2>(o.sizes(), {o.strides(), count.strides()}, [&](const std::array<std::int64_t, 2>& a) {
      const std::int64_t c = std::max<std::int64_t>(cp[a[1]], 1);
      const C x = C(d[a[0]]);
      if constexpr (std::is_floating_point_v<C>) d[a[0]] = T(x / C(c));
      else if constexpr (std::is_same_v<C, bool>) d[a[0]] = x;
      else {  // floor division, as div(..., rounding_mode="floor")
        auto q = x / C(c);
        if ((x % C(c) != 0) && ((x < 0) != (C(c) < 0))) q -= 1;
        d[a[0]] = T(q);
      }
    });
  });
}

void check_scatter_reduce(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src) {
  RAMP_CHECK(index.dtype() == ScalarType::Int64, "scatter(): Expected dtype int64 for index");
  RAMP_CHECK(src.dtype() == self.dtype(), "scatter(): Expected self.dtype to be equal to src.dtype");
  const std::int64_t nd = std::max<std::int64_t>(self.dim(), 1);
  RAMP_CHECK(std::max<std::int64_t>(index.dim(), 1) == nd || index.numel() == 0,
             "Index tensor must have the same number of dimensions as self tensor");
  for (std::int64_t d = 0; d < index.dim(); ++d) {
    const bool ok = (d == dim || index.size(d) <= self.size(d)) && index.size(d) <= src.size(d);
    RAMP_CHECK(ok, "Expected index ", shape_str(index.sizes()), " to be smaller than self ", shape_str(self.sizes()),
               " apart from dimension ", dim, " and to be smaller size than src ", shape_str(src.sizes()));
  }
}

Tensor reduce_fn(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src, Red red, bool include_self) {
  Tensor out = self.clone();
  scatter_reduce_into(out, dim, index, src, red, include_self);
  return out;
}

// derivatives.yaml's scatter_reduce_backward: {grad_self, grad_src}.
std::vector<Tensor> reduce_backward(const Tensor& g, const Tensor& self, std::int64_t dim, const Tensor& index,
                                    const Tensor& src, Red red, bool include_self, const Tensor& result) {
  Tensor gs, gsrc;
  switch (red) {
    case Red::sum:
      gs = g;
      gsrc = gather(g, dim, index);
      break;
    case Red::mean: {
      Tensor n = include_self ? ones_like(g) : zeros_like(g);
      n = scatter_add(n, dim, index, ones_like(src));
      n = masked_fill(n, eq(n, 0), 1);
      gs = g.div(n);
      gsrc = gather(g, dim, index).div(gather(n, dim, index));
      break;
    }
    case Red::prod: {
      const Tensor masked_self = masked_fill(self, eq(self, 0), 1);
      const Tensor masked_self_result = reduce_fn(masked_self, dim, index, src, red, include_self);
      gs = g.mul(masked_self_result).div(masked_self);
      const Tensor src_zero = eq(src, 0);
      const Tensor src_num_zeros = gather(scatter_add(zeros_like(self), dim, index, src_zero.to(self.dtype())), dim, index);
      const Tensor src_single_zero = logical_and(src_zero, eq(src_num_zeros, 1));
      const Tensor masked_src = masked_fill(src, src_single_zero, 1);
      const Tensor masked_src_result = reduce_fn(self, dim, index, masked_src, red, include_self);
      gsrc = where(src_single_zero, gather(g.mul(masked_src_result), dim, index),
                   gather(g.mul(result), dim, index).div(masked_fill(src, src_zero, 1)));
      break;
    }
    case Red::amax: case Red::amin: {
      const Tensor value = gather(result, dim, index);
      const Tensor self_is_result = eq(self, result).to(self.dtype());
      const Tensor src_is_result = eq(src, value).to(self.dtype());
      const Tensor n = scatter_add(self_is_result, dim, index, src_is_result);
      const Tensor distributed = g.div(n);
      gs = eq(self, result).mul(distributed);
      gsrc = eq(src, value).mul(gather(distributed, dim, index));
      break;
    }
  }
  if (!include_self) gs = scatter(gs, dim, index, Scalar(0));
  return {gs, gsrc};
}

// scatter_reduce (or index_reduce, under `name`) in place or out of place, recording `name`.
Tensor reduce_op(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src, Red red,
                 bool include_self, bool inplace, std::string_view name) {
  Tensor out = self;
  if (inplace) autograd::check_inplace(self);
  const bool grad = autograd::needs_grad({self, src});
  const Tensor original = grad && inplace ? self.detach().clone() : self.detach();
  autograd::below([&] {
    if (!inplace) out = self.clone();
    scatter_reduce_into(out, dim, index, src, red, include_self);
    return 0;
  });
  if (inplace) out.bump_version();
  if (grad) {
    auto node = autograd::record(out, name, {self, src}, {},
                                 [dim, red, include_self](const autograd::Node& n, const Tensor& g) {
                                   const Tensor result = n.unpack(3);
                                   // sum/mean/amax/amin: ops of g and the result with constant masks and
                                   // counts (1.13's formulas), so a create_graph pass records them; prod's
                                   // reads self and src (saved detached here): not differentiable again
                                   if (red == Red::prod && autograd::needs_grad({g, result}))
                                     autograd::refuse_double_backward(n.name());
                                   return reduce_backward(g, n.unpack(0), dim, n.unpack(1), n.unpack(2), red,
                                                          include_self, result);
                                 });
    autograd::save_if(*node, {{true, original}, {true, index}, {true, src.detach()}, {true, out, true}});
  }
  return out;
}

Tensor scatter_reduce_impl(const Tensor& self, std::int64_t dim_, const Tensor& index, const Tensor& src,
                           std::string_view reduce, bool include_self, bool inplace) {
  const Red red = parse(reduce, false);
  const std::int64_t dim = wrap_dim(dim_, std::max<std::int64_t>(self.dim(), 1));
  check_scatter_reduce(self, dim, index, src);
  RAMP_CHECK(red != Red::mean || self.dtype() != ScalarType::Bool,
             "\"scatter_gather_tensor_cpu_reduce_mean\" not implemented for 'Bool'");
  return reduce_op(self, dim, index, src, red, include_self, inplace, "ScatterReduceBackward0");
}

Tensor index_reduce_impl(const Tensor& self, std::int64_t dim_, const Tensor& index, const Tensor& source,
                         std::string_view reduce, bool include_self, bool inplace) {
  const Red red = parse(reduce, true);
  const std::int64_t dim = wrap_dim(dim_, std::max<std::int64_t>(self.dim(), 1));
  RAMP_CHECK_T(IndexError, index.dim() <= 1, "index_reduce_(): Index is supposed to be a vector, but got dim: ",
               index.dim(), " with type: ", dtype_error_name(index.dtype()), " and size: ", shape_str(index.sizes()));
  RAMP_CHECK(index.dtype() == ScalarType::Int64 || index.dtype() == ScalarType::Int32,
             "index_reduce_(): Expected dtype int32/int64 for index but got: ", dtype_error_name(index.dtype()));
  RAMP_CHECK(self.dtype() == source.dtype(), "index_reduce_(): self (", dtype_error_name(self.dtype()),
             ") and source (", dtype_error_name(source.dtype()), ") must have the same scalar type");
  // 1.13 refuses bool in its kernels: the identity fill and the 1-d loop (its n-d path runs tensor ops).
  RAMP_CHECK(self.dtype() != ScalarType::Bool || include_self, "\"index_reduce_func_exclude_input_init\" not implemented for 'Bool'");
  RAMP_CHECK(self.dtype() != ScalarType::Bool || self.dim() > 1, "\"index_func_\" not implemented for 'Bool'");
  RAMP_CHECK(self.dtype() != ScalarType::Bool || red != Red::mean, "\"div_floor_cpu\" not implemented for 'Bool'");
  RAMP_CHECK(std::max<std::int64_t>(self.dim(), 1) == std::max<std::int64_t>(source.dim(), 1),
             "index_reduce_(): Source and self must have the same number of dimensions");
  const std::int64_t n = source.dim() ? source.size(dim) : 1;
  RAMP_CHECK(index.numel() == n, "index_reduce_(): Number of indices (", index.numel(),
             ") should be equal to source.size(dim): (", n, "), for dim: ", dim);
  for (std::int64_t d = 0; d < self.dim(); ++d)
    RAMP_CHECK(d == dim || self.size(d) == source.size(d), "index_reduce_(): Source/destination tensor must have ",
               "same slice shapes. Destination slice shape: ", self.size(d), " at dimension ", d,
               " and source slice shape: ", source.size(d), " at dimension 0.");
  const Tensor idx = index.to(ScalarType::Int64).reshape({-1});
  const std::int64_t size = self.dim() ? self.size(dim) : 1;
  const std::int64_t* p = idx.contiguous().data<std::int64_t>();
  for (std::int64_t k = 0; k < idx.numel(); ++k)
    RAMP_CHECK_T(IndexError, p[k] >= 0 && p[k] < size, "index out of range in self");
  // index[k] for every element of source's slice k along dim.
  std::vector<std::int64_t> shape(std::size_t(std::max<std::int64_t>(source.dim(), 1)), 1);
  shape[std::size_t(dim)] = n;
  const Tensor spread = idx.reshape(shape).expand(source.dim() ? source.sizes() : IntArrayRef(shape)).contiguous();
  return reduce_op(self, dim, source.dim() ? spread : spread.reshape({}), source, red, include_self, inplace,
                   "IndexReduceBackward0");
}

}  // namespace

Tensor scatter_reduce(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src,
                      std::string_view reduce, bool include_self) {
  return scatter_reduce_impl(self, dim, index, src, reduce, include_self, false);
}
Tensor& scatter_reduce_(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& src,
                        std::string_view reduce, bool include_self) {
  scatter_reduce_impl(self, dim, index, src, reduce, include_self, true);
  return const_cast<Tensor&>(self);
}
Tensor index_reduce(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source,
                    std::string_view reduce, bool include_self) {
  return index_reduce_impl(self, dim, index, source, reduce, include_self, false);
}
Tensor& index_reduce_(const Tensor& self, std::int64_t dim, const Tensor& index, const Tensor& source,
                      std::string_view reduce, bool include_self) {
  index_reduce_impl(self, dim, index, source, reduce, include_self, true);
  return const_cast<Tensor&>(self);
}

// ---- masked_scatter: source's elements, in order, where mask (broadcast to self) is true ----
namespace {
Tensor masked_scatter_impl(const Tensor& self, const Tensor& mask_, const Tensor& source, bool inplace) {
  RAMP_CHECK(self.dtype() == source.dtype(), "masked_scatter: expected self and source to have same dtypes but got",
             dtype_error_name(self.dtype()), " and ", dtype_error_name(source.dtype()));
  const Tensor mask = mask_.dtype() == ScalarType::Bool ? mask_ : mask_.to(ScalarType::Bool);
  const Dims shape = inplace ? Dims(self.sizes()) : broadcast_shapes(self.sizes(), mask.sizes());
  const Tensor m = mask.expand(shape).contiguous();
  const std::int64_t ones_n = sum(m).item().to<std::int64_t>();
  RAMP_CHECK(source.numel() >= ones_n, "Number of elements of source < number of ones in mask");
  Tensor out = self;
  if (inplace) autograd::check_inplace(self);
  autograd::below([&] {
    if (!inplace) out = self.expand(shape).contiguous().clone();
    // 1.13 hands out source's elements in self's memory order (its TensorIterator's), not the logical
    // order: visit the dims from the largest stride to the smallest.
    std::vector<std::int64_t> perm(std::size_t(out.dim()));
    for (std::size_t d = 0; d < perm.size(); ++d) perm[d] = std::int64_t(d);
    std::stable_sort(perm.begin(), perm.end(), [&](std::int64_t a, std::int64_t b) { return out.stride(a) > out.stride(b); });
    detail::index_put_into(out.permute(perm), {m.permute(perm)}, source.reshape({-1}).narrow(0, 0, ones_n), false);
    return 0;
  });
  if (inplace) out.bump_version();
  if (autograd::needs_grad({self, source}))
    autograd::record(out, "MaskedScatterBackward0", {self, source}, {{m, false}},
                     [ssizes = Dims(self.sizes()), srcsizes = Dims(source.sizes()), n = source.numel()](
                         const autograd::Node& nd, const Tensor& g) {
                       const Tensor mk = nd.unpack(0);
                       Tensor gs, gsrc;
                       if (autograd::wants(nd, 0)) gs = autograd::sum_to(masked_fill(g, mk, 0), ssizes);
                       if (autograd::wants(nd, 1)) {
                         // 1.13's masked_scatter_backward: zeros appended only when some are missing
                         const Tensor picked = masked_select(g, mk);
                         gsrc = (picked.numel() < n ? cat({picked, zeros({n - picked.numel()}, g.dtype())}, 0) : picked)
                                    .view(srcsizes);
                       }
                       return std::vector<Tensor>{gs, gsrc};
                     });
  return out;
}

// ---- put_: self.flatten()[index] = source (+= with accumulate) ----
Tensor put_impl(const Tensor& self, const Tensor& index, const Tensor& source, bool accumulate, bool inplace) {
  RAMP_CHECK(index.dtype() == ScalarType::Int64, "put_(): Expected a long tensor for index, but got ",
             dtype_error_name(index.dtype()));
  RAMP_CHECK(self.dtype() == source.dtype(), "put_(): self and source expected to have the same dtype, but got ",
             "self.dtype = ", dtype_error_name(self.dtype()), " and source.dtype = ", dtype_error_name(source.dtype()));
  RAMP_CHECK_T(IndexError, source.numel() == index.numel(),
               "put_(): Expected source and index to have the same number of elements, but got source.numel() = ",
               source.numel(), ", index.numel() = ", index.numel());
  const std::int64_t n = self.numel();
  Tensor idx = index.reshape({-1}).contiguous().clone();
  std::int64_t* p = idx.data<std::int64_t>();
  for (std::int64_t i = 0; i < idx.numel(); ++i) {
    RAMP_CHECK_T(IndexError, p[i] >= -n && p[i] < n, "out of range: tried to access index ", p[i], " on a tensor of ",
                 n, " elements.");
    if (p[i] < 0) p[i] += n;
  }
  Tensor out = self;
  if (inplace) autograd::check_inplace(self);
  autograd::below([&] {
    if (!inplace) out = self.clone();
    Tensor flat = out.is_contiguous() ? out.view({-1}) : out.reshape({-1}).clone();
    detail::index_put_into(flat, {idx}, source.reshape({-1}), accumulate);
    if (!out.is_contiguous()) out.copy_(flat.view(out.sizes()));
    return 0;
  });
  if (inplace) out.bump_version();
  if (autograd::needs_grad({self, source}))
    autograd::record(out, "PutBackward0", {self, source}, {{idx, false}},
                     [accumulate, srcsizes = Dims(source.sizes())](const autograd::Node& nd, const Tensor& g) {
                       const Tensor i = nd.unpack(0);
                       Tensor gs, gsrc;
                       if (autograd::wants(nd, 0))
                         gs = accumulate ? g : put_impl(g, i, zeros(srcsizes, g.dtype()), false, false);
                       if (autograd::wants(nd, 1)) gsrc = take(g, i).reshape(srcsizes);
                       return std::vector<Tensor>{gs, gsrc};
                     });
  return out;
}
}  // namespace

Tensor masked_scatter(const Tensor& self, const Tensor& mask, const Tensor& source) {
  return masked_scatter_impl(self, mask, source, false);
}
Tensor& masked_scatter_(const Tensor& self, const Tensor& mask, const Tensor& source) {
  masked_scatter_impl(self, mask, source, true);
  return const_cast<Tensor&>(self);
}
Tensor put(const Tensor& self, const Tensor& index, const Tensor& source, bool accumulate) {
  return put_impl(self, index, source, accumulate, false);
}
Tensor& put_(const Tensor& self, const Tensor& index, const Tensor& source, bool accumulate) {
  put_impl(self, index, source, accumulate, true);
  return const_cast<Tensor&>(self);
}

}  // namespace ramp
