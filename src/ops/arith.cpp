// add/sub/mul/div with broadcasting and PyTorch's type promotion; reductions sum/mean/max.
// Plain loops: these are not the activations ramp races PyTorch on.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "../tensor/loop.h"
#include "../tensor/parallel.h"
#include "ramp/ops.h"
#include "ramp/tensor.h"
#include "../autograd/function.h"

namespace ramp {

ScalarType promote_types(ScalarType a, ScalarType b) {
  if (a == b) return a;
  auto rank = [](ScalarType t) { return t == ScalarType::Bool ? 0 : is_integral(t) ? 1 : 2; };
  if (rank(a) != rank(b)) return rank(a) > rank(b) ? a : b;
  if (rank(a) == 2) {
    if (a == ScalarType::Float64 || b == ScalarType::Float64) return ScalarType::Float64;
    return ScalarType::Float32;  // bfloat16 with float32
  }
  // Integers: uint8 with int8 would be int16, which ramp lacks.
  if ((a == ScalarType::UInt8 && b == ScalarType::Int8) || (a == ScalarType::Int8 && b == ScalarType::UInt8))
    return ScalarType::Int32;
  return element_size(a) >= element_size(b) ? a : b;
}

// A Python number joins a tensor op without raising the tensor's dtype within its category.
ScalarType result_type(const Tensor& tensor, const Scalar& other) {
  if (other.is_floating() && !is_floating(tensor.dtype())) return ScalarType::Float32;
  if (other.kind == Scalar::Kind::Int && tensor.dtype() == ScalarType::Bool) return ScalarType::Int64;
  return tensor.dtype();
}
// A 0-d tensor acts like a Python number unless it is of a higher category.
ScalarType result_type(const Tensor& a, const Tensor& b) {
  auto category = [](ScalarType t) { return t == ScalarType::Bool ? 0 : is_integral(t) ? 1 : 2; };
  if (a.dim() == 0 && b.dim() > 0 && category(a.dtype()) <= category(b.dtype())) return b.dtype();
  if (b.dim() == 0 && a.dim() > 0 && category(b.dtype()) <= category(a.dtype())) return a.dtype();
  return promote_types(a.dtype(), b.dtype());
}

namespace {

enum class Op { add, sub, mul, div };


template <class T> T apply(Op op, T a, T b, double alpha) {
  if constexpr (std::is_same_v<T, bool>) {
    if (op == Op::add) return a || b;
    if (op == Op::mul) return a && b;
    throw Error("Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
                "`logical_xor()` operator instead.");
  } else if constexpr (std::is_integral_v<T>) {
    // Wrap around like PyTorch instead of signed-overflow UB.
    using U = std::make_unsigned_t<T>;
    U ua = U(a), ub = U(b), ual = U(std::int64_t(alpha));
    switch (op) {
      case Op::add: return T(U(ua + U(ub * ual)));
      case Op::sub: return T(U(ua - U(ub * ual)));
      case Op::mul: return T(U(ua * ub));
      case Op::div: break;
    }
    throw Error("integer division goes through floating point");
  } else {
    using C = std::conditional_t<std::is_same_v<T, BFloat16>, float, T>;  // bf16 math in float
    C x = C(a), y = C(b);
    switch (op) {
      case Op::add: return T(alpha == 1 ? x + y : x + C(alpha) * y);
      case Op::sub: return T(alpha == 1 ? x - y : x - C(alpha) * y);
      case Op::mul: return T(x * y);
      case Op::div: return T(x / y);
    }
    return T(x);
  }
}

// out = a op b, all three already of out's dtype and broadcast to out's sizes.
// out = a op b over contiguous float/double data, b either contiguous or one broadcast value:
// the op is chosen once, so each loop vectorizes (an optimizer's w -= lr * g runs here).
template <class T> void binary_dense(Op op, T* o, const T* a, const T* b, bool b_scalar, std::int64_t n, T alpha) {
  auto run = [&](auto f) {
    if (b_scalar) {
      const T bv = *b;
      for (std::int64_t i = 0; i < n; ++i) o[i] = f(a[i], bv);
    } else {
      for (std::int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
    }
  };
  switch (op) {
    case Op::add: return alpha == 1 ? run([](T x, T y) { return x + y; }) : run([alpha](T x, T y) { return x + alpha * y; });
    case Op::sub: return alpha == 1 ? run([](T x, T y) { return x - y; }) : run([alpha](T x, T y) { return x - alpha * y; });
    case Op::mul: return run([](T x, T y) { return x * y; });
    case Op::div: return run([](T x, T y) { return x / y; });
  }
}

void binary_loop(Op op, Tensor& out, const Tensor& a, const Tensor& b, double alpha) {
  const bool b_scalar = std::all_of(b.strides().begin(), b.strides().end(), [](auto st) { return st == 0; });
  if ((out.dtype() == ScalarType::Float32 || out.dtype() == ScalarType::Float64) && out.is_contiguous() &&
      a.is_contiguous() && (b_scalar || b.is_contiguous())) {
    dispatch(out.dtype(), [&](auto v) {
      using T = decltype(v);
      if constexpr (std::is_floating_point_v<T>)
        binary_dense<T>(op, static_cast<T*>(out.data_ptr()), static_cast<const T*>(a.data_ptr()),
                        static_cast<const T*>(b.data_ptr()), b_scalar, out.numel(), T(alpha));
    });
    return;
  }
  dispatch(out.dtype(), [&](auto v) {
    using T = decltype(v);
    detail::for_each_row<3>(out.sizes(),
                            {static_cast<char*>(out.data_ptr()), static_cast<char*>(a.data_ptr()),
                             static_cast<char*>(b.data_ptr())},
                            {detail::byte_strides(out), detail::byte_strides(a), detail::byte_strides(b)},
                            [&](auto p, auto s, std::int64_t n) {
                              for (std::int64_t i = 0; i < n; ++i)
                                *reinterpret_cast<T*>(p[0] + i * s[0]) =
                                    apply<T>(op, *reinterpret_cast<const T*>(p[1] + i * s[1]),
                                             *reinterpret_cast<const T*>(p[2] + i * s[2]), alpha);
                            });
  });
}

ScalarType result_type(Op op, const Tensor& a, const Tensor& b) {
  ScalarType t = ramp::result_type(a, b);
  if (op == Op::div && !is_floating(t)) t = ScalarType::Float32;  // true division
  return t;
}

// ---- gradients of the binary ops ----
// PyTorch's names: Python numbers become tensors, so x + 2 is AddBackward0 too.
std::string_view node_name(Op op) {
  switch (op) {
    case Op::add: return "AddBackward0";
    case Op::sub: return "SubBackward0";
    case Op::mul: return "MulBackward0";
    case Op::div: return "DivBackward0";
  }
  return "";
}

// Records out = a op b; `a_saved` is a's value before an in-place write (else a itself). Only what
// the needed gradients read is saved: mul keeps b for da and a for db.
void record_binary(Op op, Tensor& out, const Tensor& a, const Tensor& a_saved, const Tensor& b, double alpha,
                   std::string_view name, std::int64_t b_version = -1) {
  const bool ga = autograd::requires_grad(a), gb = autograd::requires_grad(b);
  const Tensor none;
  const bool keep_a = (op == Op::mul && gb) || (op == Op::div && gb);
  const bool keep_b = (op == Op::mul && ga) || op == Op::div;
  autograd::record(out, name, {a, b}, {{keep_a ? a_saved : none, false}, {keep_b ? b : none, false, b_version}},
                   [op, alpha, sa = Dims(a.sizes()), sb = Dims(b.sizes())](const autograd::Node& n, const Tensor& g) {
                     Tensor da, db;
                     const bool need_a = n.next[0].fn != nullptr, need_b = n.next[1].fn != nullptr;
                     switch (op) {
                       case Op::add:  // da = g, db = alpha g
                       case Op::sub:  // da = g, db = -alpha g
                         if (need_a) da = g;
                         if (need_b) db = op == Op::add ? (alpha == 1 ? g : g.mul(alpha)) : g.mul(-alpha);
                         break;
                       case Op::mul:  // da = g b, db = g a
                         if (need_a) da = g.mul(n.unpack(1));
                         if (need_b) db = g.mul(n.unpack(0));
                         break;
                       case Op::div:  // da = g / b, db = -g a / b^2
                         if (need_a) da = g.div(n.unpack(1));
                         if (need_b) {
                           Tensor bb = n.unpack(1);
                           db = g.neg().mul(n.unpack(0)).div(bb.mul(bb));
                         }
                         break;
                     }
                     return std::vector<Tensor>{da.defined() ? autograd::sum_to(da, sa) : da,
                                                db.defined() ? autograd::sum_to(db, sb) : db};
                   });
}

Tensor binary(Op op, const Tensor& a, const Tensor& b, double alpha = 1, std::string_view name = {}) {
  ScalarType t = result_type(op, a, b);
  Dims shape = broadcast_shapes(a.sizes(), b.sizes());
  Tensor out = empty(shape, t);
  const bool grad = autograd::needs_grad({a, b});
  {
    autograd::GradModeGuard g(false);
    binary_loop(op, out, a.to(t).expand(shape), b.to(t).expand(shape), alpha);
  }
  if (grad) record_binary(op, out, a, a, b, alpha, name.empty() ? node_name(op) : name);
  return out;
}

Tensor& binary_(Op op, Tensor& self, const Tensor& b, double alpha = 1) {
  ScalarType t = result_type(op, self, b);
  RAMP_CHECK(promote_types(t, self.dtype()) == self.dtype(), "result type ", dtype_error_name(t),
             " can't be cast to the desired output type ", dtype_error_name(self.dtype()));
  Dims shape = broadcast_shapes(self.sizes(), b.sizes());
  RAMP_CHECK(std::equal(shape.begin(), shape.end(), self.sizes().begin(), self.sizes().end()),
             "output with shape ", shape_str(self.sizes()), " doesn't match the broadcast shape ", shape_str(shape));
  RAMP_CHECK(!self.has_internal_overlap(),
             "unsupported operation: more than one element of the written-to tensor refers to a single "
             "memory location. Please clone() the tensor before performing the operation.");
  // b may be self (y *= y) but no other part of self's memory (y *= y[0]), as PyTorch.
  const bool same_view = b.data_ptr() == self.data_ptr() &&
                         std::equal(b.sizes().begin(), b.sizes().end(), self.sizes().begin(), self.sizes().end()) &&
                         std::equal(b.strides().begin(), b.strides().end(), self.strides().begin());
  RAMP_CHECK(b.storage() != self.storage() || same_view || !detail::ranges_overlap(self, b),
             "unsupported operation: some elements of the input tensor and the written-to tensor refer to a "
             "single memory location. Please clone() the tensor before performing the operation.");
  autograd::check_inplace(self);
  const bool grad = autograd::needs_grad({self, b});
  // The gradient reads b as it was: if the write changes it (y *= y), backward raises as PyTorch.
  const std::int64_t b_version = b.version();
  // mul/div's gradient for b reads self's value before the write.
  const Tensor before = grad && (op == Op::mul || op == Op::div) && autograd::requires_grad(b) ? self.clone() : self;
  {
    autograd::GradModeGuard g(false);
    binary_loop(op, self, self, b.to(self.dtype()).expand(shape), alpha);
  }
  self.bump_version();
  if (grad) record_binary(op, self, self, before, b, alpha, node_name(op), b_version);
  return self;
}

Tensor scalar_as_tensor(const Tensor& like, const Scalar& s) {
  return scalar_tensor(s, ramp::result_type(like, s));
}

}  // namespace

Tensor Tensor::add(const Tensor& o, Scalar alpha) const { return binary(Op::add, *this, o, alpha.to_double()); }
Tensor Tensor::sub(const Tensor& o, Scalar alpha) const { return binary(Op::sub, *this, o, alpha.to_double()); }
Tensor Tensor::mul(const Tensor& o) const { return binary(Op::mul, *this, o); }
Tensor Tensor::div(const Tensor& o) const { return binary(Op::div, *this, o); }
Tensor Tensor::add(Scalar o) const { return add(scalar_as_tensor(*this, o)); }
Tensor Tensor::sub(Scalar o) const { return sub(scalar_as_tensor(*this, o)); }
Tensor Tensor::mul(Scalar o) const { return mul(scalar_as_tensor(*this, o)); }
Tensor Tensor::div(Scalar o) const { return div(scalar_as_tensor(*this, o)); }
Tensor Tensor::neg() const { return ramp::neg(*this); }  // ramp/elementwise.h
Tensor& Tensor::add_(const Tensor& o, Scalar alpha) { return binary_(Op::add, *this, o, alpha.to_double()); }
Tensor& Tensor::sub_(const Tensor& o, Scalar alpha) { return binary_(Op::sub, *this, o, alpha.to_double()); }
Tensor& Tensor::mul_(const Tensor& o) { return binary_(Op::mul, *this, o); }
Tensor& Tensor::div_(const Tensor& o) { return binary_(Op::div, *this, o); }
Tensor& Tensor::add_(Scalar o) { return add_(scalar_as_tensor(*this, o)); }
Tensor& Tensor::sub_(Scalar o) { return sub_(scalar_as_tensor(*this, o)); }
Tensor& Tensor::mul_(Scalar o) { return mul_(scalar_as_tensor(*this, o)); }
Tensor& Tensor::div_(Scalar o) { return div_(scalar_as_tensor(*this, o)); }

Tensor operator+(const Tensor& a, const Tensor& b) { return a.add(b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return a.sub(b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return a.mul(b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return a.div(b); }
Tensor operator+(const Tensor& a, Scalar b) { return a.add(b); }
Tensor operator-(const Tensor& a, Scalar b) { return a.sub(b); }
Tensor operator*(const Tensor& a, Scalar b) { return a.mul(b); }
Tensor operator/(const Tensor& a, Scalar b) { return a.div(b); }
Tensor operator+(Scalar a, const Tensor& b) { return b.add(a); }
Tensor operator-(Scalar a, const Tensor& b) { return binary(Op::sub, scalar_as_tensor(b, a), b, 1, "RsubBackward1"); }
Tensor operator*(Scalar a, const Tensor& b) { return b.mul(a); }
Tensor operator/(Scalar a, const Tensor& b) { return scalar_as_tensor(b, a).div(b); }
Tensor operator-(const Tensor& a) { return a.neg(); }

// ---- reductions ----
namespace {

// Moves the reduced dims last: returns (x permuted and made contiguous, kept sizes, reduced count).
struct Split {
  Tensor x;
  Dims out_sizes;  // with keepdim ones where reduced
  Dims kept_sizes;
  std::int64_t inner = 1;
};
Split split_dims(const Tensor& self, IntArrayRef dims, bool keepdim) {
  std::vector<bool> red(std::size_t(self.dim()), dims.empty());
  for (auto d : dims) {
    auto w = std::size_t(wrap_dim(d, self.dim()));
    RAMP_CHECK(!red[w] || dims.empty(), "dim ", w, " appears multiple times in the list of dims");
    red[w] = true;
  }
  Dims perm, kept, outs;
  std::int64_t inner = 1;
  for (std::size_t i = 0; i < red.size(); ++i)
    if (!red[i]) {
      perm.push_back(std::int64_t(i));
      kept.push_back(self.sizes()[i]);
      outs.push_back(self.sizes()[i]);
    } else if (keepdim) {
      outs.push_back(1);
    }
  for (std::size_t i = 0; i < red.size(); ++i)
    if (red[i]) {
      perm.push_back(std::int64_t(i));
      inner *= self.sizes()[i];
    }
  return {self.permute(perm).contiguous(), outs, kept, inner};
}

template <class F> Tensor reduce(const Tensor& self, IntArrayRef dims, bool keepdim, ScalarType out_t, F f) {
  Split s = split_dims(self, dims, keepdim);
  Tensor out = empty(s.out_sizes, out_t);
  std::int64_t outer = numel_of(s.kept_sizes);
  dispatch(self.dtype(), [&](auto v) {
    using T = decltype(v);
    const T* x = static_cast<const T*>(s.x.data_ptr());
    dispatch(out_t, [&](auto o) {
      using O = decltype(o);
      O* y = static_cast<O*>(out.data_ptr());
      for (std::int64_t r = 0; r < outer; ++r) y[r] = f(x + r * s.inner, s.inner, O{});
    });
  });
  return out;
}

ScalarType sum_type(ScalarType t, std::optional<ScalarType> dtype) {
  return dtype.value_or(is_integral(t, true) ? ScalarType::Int64 : t);
}

// The gradient of a reduction over `dims` back to `sizes`: g with the reduced dims restored
// (size 1), expanded, and scaled by `scale` (1 / count for mean).
struct ReduceBack {
  Dims sizes, dims;  // dims empty: all
  bool keepdim;
  double scale;
  Tensor operator()(const Tensor& g0) const {
    Tensor g = g0;
    if (!keepdim) {
      std::vector<bool> red(sizes.size(), dims.size() == 0);
      for (auto d : dims) red[std::size_t(wrap_dim(d, std::int64_t(sizes.size())))] = true;
      for (std::size_t i = 0; i < red.size(); ++i)
        if (red[i]) g = g.unsqueeze(std::int64_t(i));
    }
    g = g.expand(sizes);
    return scale == 1 ? g : g.mul(scale);
  }
};

template <class F> Tensor reduction(const Tensor& x, std::string_view name, IntArrayRef dims, bool keepdim, bool mean, F f) {
  if (!autograd::needs_grad({x})) return f();
  Tensor out = autograd::below(f);
  const double count = out.numel() ? double(x.numel()) / double(out.numel()) : 1.0;
  autograd::record(out, name, {x}, {},
                   [back = ReduceBack{Dims(x.sizes()), Dims(dims), keepdim, mean ? 1.0 / count : 1.0}](
                       const autograd::Node&, const Tensor& g) { return std::vector<Tensor>{back(g)}; });
  return out;
}

// Sums (in double) of a contiguous floating tensor over exactly its leading `dims` (a bias
// gradient: [batch, features] summed over batch), scaled by `scale`; nullopt for other reductions.
// Rows are read in order, columns split across threads; the general path would first transpose
// the whole tensor.
std::optional<Tensor> leading_sum(const Tensor& x, IntArrayRef dims, bool keepdim, ScalarType out_t, double scale) {
  if (!x.is_contiguous() || !is_floating(x.dtype()) || !is_floating(out_t) || dims.empty() ||
      std::int64_t(dims.size()) >= x.dim())
    return std::nullopt;
  std::vector<bool> red(std::size_t(x.dim()), false);
  for (auto d : dims) red[std::size_t(wrap_dim(d, x.dim()))] = true;
  for (std::size_t i = 0; i < dims.size(); ++i)
    if (!red[i]) return std::nullopt;
  std::int64_t rows = 1;
  Dims out_sizes;
  for (std::int64_t i = 0; i < x.dim(); ++i) {
    if (i < std::int64_t(dims.size())) {
      rows *= x.size(i);
      if (keepdim) out_sizes.push_back(1);
    } else {
      out_sizes.push_back(x.size(i));
    }
  }
  const std::int64_t cols = numel_of(out_sizes);
  std::vector<double> acc(std::size_t(cols), 0.0);
  dispatch(x.dtype(), [&](auto v) {
    using T = decltype(v);
    if constexpr (!std::is_integral_v<T>) {
      const T* p = static_cast<const T*>(x.data_ptr());
      detail::parallel_for(cols, std::max<std::int64_t>(64, 65536 / std::max<std::int64_t>(rows, 1)), 64,
                           [&](std::int64_t b, std::int64_t e) {
                             for (std::int64_t r = 0; r < rows; ++r)
                               for (std::int64_t c = b; c < e; ++c) acc[std::size_t(c)] += convert<double>(p[r * cols + c]);
                           });
    }
  });
  if (scale != 1)
    for (double& a : acc) a *= scale;
  return from_vector(acc, out_sizes, out_t);
}

Tensor sum_impl(const Tensor& self, IntArrayRef dims, bool keepdim, std::optional<ScalarType> dtype) {
  if (auto fast = leading_sum(self, dims, keepdim, sum_type(self.dtype(), dtype), 1.0)) return *fast;
  return reduce(self, dims, keepdim, sum_type(self.dtype(), dtype), [](const auto* x, std::int64_t n, auto o) {
    using O = decltype(o);
    if constexpr (std::is_integral_v<O> && !std::is_same_v<O, bool>) {
      std::uint64_t acc = 0;  // wraps like PyTorch's int64 sum
      for (std::int64_t i = 0; i < n; ++i) acc += std::uint64_t(convert<std::int64_t>(x[i]));
      return O(std::int64_t(acc));
    } else {
      double acc = 0;
      for (std::int64_t i = 0; i < n; ++i) acc += convert<double>(x[i]);
      return convert<O>(acc);
    }
  });
}
Tensor mean_impl(const Tensor& self, IntArrayRef dims, bool keepdim, std::optional<ScalarType> dtype) {
  ScalarType t = dtype.value_or(self.dtype());
  if (is_floating(t) && self.numel() > 0) {
    std::int64_t count = 1;  // elements per mean (leading_sum takes distinct leading dims only)
    for (auto d : dims) count *= self.size(d);
    if (auto fast = leading_sum(self, dims, keepdim, t, 1.0 / double(count))) return *fast;
  }
  RAMP_CHECK(is_floating(t), "mean(): could not infer output dtype. Input dtype must be either a floating point or "
             "complex dtype. Got: ", dtype_error_name(t));
  return reduce(self, dims, keepdim, t, [](const auto* x, std::int64_t n, auto o) {
    using O = decltype(o);
    double acc = 0;
    for (std::int64_t i = 0; i < n; ++i) acc += convert<double>(x[i]);
    return convert<O>(acc / double(n));
  });
}
}  // namespace

Tensor Tensor::sum(IntArrayRef dims, bool keepdim, std::optional<ScalarType> dtype) const {
  return reduction(*this, "SumBackward1", dims, keepdim, false, [&] { return sum_impl(*this, dims, keepdim, dtype); });
}
Tensor Tensor::sum(std::optional<ScalarType> dtype) const {
  return reduction(*this, "SumBackward0", {}, false, false, [&] { return sum_impl(*this, {}, false, dtype); });
}
Tensor Tensor::mean(IntArrayRef dims, bool keepdim, std::optional<ScalarType> dtype) const {
  return reduction(*this, "MeanBackward1", dims, keepdim, true, [&] { return mean_impl(*this, dims, keepdim, dtype); });
}
Tensor Tensor::mean(std::optional<ScalarType> dtype) const {
  return reduction(*this, "MeanBackward0", {}, false, true, [&] { return mean_impl(*this, {}, false, dtype); });
}

namespace {
// Index of the largest of n values; the first NaN wins, as in PyTorch.
template <class T> std::int64_t argmax(const T* x, std::int64_t n) {
  std::int64_t best = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    double v = convert<double>(x[i]), b = convert<double>(x[best]);
    if (v != v) return i;
    if (v > b) best = i;
  }
  return best;
}
}  // namespace

namespace {
std::pair<Tensor, Tensor> max_impl(const Tensor& self, std::int64_t d, bool keepdim) {
  d = wrap_dim(d, self.dim());
  if (self.dim() == 0) return {self.clone(), zeros({}, ScalarType::Int64)};
  RAMP_CHECK_T(IndexError, self.size(d) > 0, "max(): Expected reduction dim ", d,
               " to have non-zero size.");
  const std::int64_t dims[1] = {d};
  Split s = split_dims(self, dims, keepdim);
  Tensor values = empty(s.out_sizes, self.dtype()), indices = empty(s.out_sizes, ScalarType::Int64);
  std::int64_t outer = numel_of(s.kept_sizes);
  dispatch(self.dtype(), [&](auto v) {
    using T = decltype(v);
    const T* x = static_cast<const T*>(s.x.data_ptr());
    T* y = static_cast<T*>(values.data_ptr());
    auto* ix = static_cast<std::int64_t*>(indices.data_ptr());
    for (std::int64_t r = 0; r < outer; ++r) {
      ix[r] = argmax(x + r * s.inner, s.inner);
      y[r] = x[r * s.inner + ix[r]];
    }
  });
  return {values, indices};
}
}  // namespace


Tensor Tensor::max() const {
  RAMP_CHECK(numel() > 0, "max(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
             "reduction dim with the 'dim' argument.");
  auto f = [&] { return dim() == 0 ? clone() : reshape({-1}).max(0, false).first.reshape({}); };
  if (!autograd::needs_grad({*this})) return f();
  Tensor out = autograd::below(f);
  // The gradient is shared evenly among the elements equal to the maximum (NaN: the NaNs).
  autograd::record(out, "MaxBackward1", {*this}, {{*this, false}, {out, true}}, [](const autograd::Node& n, const Tensor& g) {
    Tensor x = n.unpack(0);
    const double m = n.unpack(1).item<double>(), gv = g.item<double>();
    std::vector<double> v = x.to_vector();
    double count = 0;
    for (double& e : v) count += (e == m || (e != e && m != m));
    for (double& e : v) e = (e == m || (e != e && m != m)) ? gv / count : 0.0;
    return std::vector<Tensor>{from_vector(v, x.sizes(), g.dtype())};
  });
  return out;
}

std::pair<Tensor, Tensor> Tensor::max(std::int64_t d, bool keepdim) const {
  auto result = autograd::below([&] { return max_impl(*this, d, keepdim); });
  if (!autograd::needs_grad({*this})) return result;
  // The gradient goes to the chosen index of each reduced row.
  const std::int64_t dw = wrap_dim(d, dim());
  autograd::record(result.first, "MaxBackward0", {*this}, {{result.second, false}},
                   [in = Dims(sizes()), dw, keepdim](const autograd::Node& n, const Tensor& g0) {
                     Tensor dx = zeros(in, g0.dtype());
                     if (in.size() == 0) return std::vector<Tensor>{g0.clone()};
                     const Tensor g = keepdim ? g0 : g0.unsqueeze(dw);
                     const Tensor idx = keepdim ? n.unpack(0) : n.unpack(0).unsqueeze(dw);
                     std::int64_t outer = 1, inner = 1;
                     for (std::size_t i = 0; i < in.size(); ++i) {
                       if (std::int64_t(i) < dw) outer *= in[i];
                       if (std::int64_t(i) > dw) inner *= in[i];
                     }
                     const std::vector<double> gv = g.contiguous().to_vector(), iv = idx.contiguous().to_vector();
                     std::vector<double> out(std::size_t(dx.numel()), 0.0);
                     for (std::int64_t o = 0; o < outer; ++o)
                       for (std::int64_t k = 0; k < inner; ++k) {
                         const auto at = std::size_t(o * inner + k);
                         out[std::size_t((o * in[std::size_t(dw)] + std::int64_t(iv[at])) * inner + k)] = gv[at];
                       }
                     return std::vector<Tensor>{from_vector(out, in, g0.dtype())};
                   });
  return result;
}

}  // namespace ramp
