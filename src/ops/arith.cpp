// add/sub/mul/div with broadcasting and PyTorch's type promotion (reductions: src/ops/reduce.cpp).
// Plain loops: these are not the activations ramp races PyTorch on.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "../tensor/loop.h"
#include "../tensor/parallel.h"
#include "inplace.h"
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
  if (other.is_floating() && !is_floating(tensor.dtype())) return get_default_dtype();
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
      // 1.13 computes a + alpha * b as one fused multiply-add (its vectorized fmadd), sub as
      // add with -alpha; alpha == 1 gives a + b exactly either way.
      case Op::add: return T(alpha == 1 ? x + y : std::fma(y, C(alpha), x));
      case Op::sub: return T(alpha == 1 ? x - y : std::fma(y, C(-alpha), x));
      case Op::mul: return T(x * y);
      case Op::div: return T(x / y);
    }
    return T(x);
  }
}

// Which operand of a dense binary loop is one broadcast value (all strides 0), if either.
enum class One : std::uint8_t { none, a, b };

// o = fma(b, alpha, a) over contiguous data (a or b may be one value): add/sub with alpha.
template <class T> void fma_dense(T* o, const T* a, const T* b, One one, std::int64_t n, T alpha) {
  if (one == One::b) {
    const T bv = *b;
    for (std::int64_t i = 0; i < n; ++i) o[i] = std::fma(bv, alpha, a[i]);
  } else if (one == One::a) {
    const T av = *a;
    for (std::int64_t i = 0; i < n; ++i) o[i] = std::fma(b[i], alpha, av);
  } else {
    for (std::int64_t i = 0; i < n; ++i) o[i] = std::fma(b[i], alpha, a[i]);
  }
}
// The same compiled for FMA instructions (this file is built for baseline x86-64, where std::fma
// is a libm call per element), chosen at run time.
template <class T>
[[gnu::target("avx2,fma")]] void fma_dense_hw(T* o, const T* a, const T* b, One one, std::int64_t n, T alpha) {
  fma_dense(o, a, b, one, n, alpha);
}

// out = a op b over contiguous float/double data, a or b possibly one broadcast value (an
// optimizer's w -= lr * g; autograd's g.expand(sizes) * onehot after a sum): the op is chosen once,
// so each loop vectorizes. (The expanded-gradient case took the strided scalar loop: 133 us for
// [4096, 10] against 1.13's 5.7 us.)
template <class T>
[[gnu::always_inline]] inline void binary_dense_body(Op op, T* o, const T* a, const T* b, One one, std::int64_t n) {
  auto run = [&](auto f) {
    if (one == One::b) {
      const T bv = *b;
      for (std::int64_t i = 0; i < n; ++i) o[i] = f(a[i], bv);
    } else if (one == One::a) {
      const T av = *a;
      for (std::int64_t i = 0; i < n; ++i) o[i] = f(av, b[i]);
    } else {
      for (std::int64_t i = 0; i < n; ++i) o[i] = f(a[i], b[i]);
    }
  };
  switch (op) {
    case Op::add: return run([](T x, T y) { return x + y; });
    case Op::sub: return run([](T x, T y) { return x - y; });
    case Op::mul: return run([](T x, T y) { return x * y; });
    case Op::div: return run([](T x, T y) { return x / y; });
  }
}
// The same loops compiled for AVX2 (twice the lanes of this file's baseline x86-64 build; 1.13's
// kernels are AVX2), chosen at run time.
template <class T>
[[gnu::target("avx2")]] void binary_dense_avx2(Op op, T* o, const T* a, const T* b, One one, std::int64_t n) {
  binary_dense_body(op, o, a, b, one, n);
}
template <class T> void binary_dense_base(Op op, T* o, const T* a, const T* b, One one, std::int64_t n) {
  binary_dense_body(op, o, a, b, one, n);
}

template <class T> void binary_dense(Op op, T* o, const T* a, const T* b, One one, std::int64_t n, T alpha) {
  if (n == 0) return;  // an empty operand may have no storage to read the one value from
  if ((op == Op::add || op == Op::sub) && alpha != 1) {
    static const bool hw = __builtin_cpu_supports("fma");
    const T al = op == Op::add ? alpha : -alpha;
    return hw ? fma_dense_hw(o, a, b, one, n, al) : fma_dense(o, a, b, one, n, al);
  }
  static const bool avx2 = __builtin_cpu_supports("avx2");
  return avx2 ? binary_dense_avx2(op, o, a, b, one, n) : binary_dense_base(op, o, a, b, one, n);
}

void binary_loop(Op op, Tensor& out, const Tensor& a, const Tensor& b, double alpha) {
  auto is_one = [](const Tensor& t) { return std::all_of(t.strides().begin(), t.strides().end(), [](auto st) { return st == 0; }); };
  const One one = is_one(b) ? One::b : is_one(a) ? One::a : One::none;
  if ((out.dtype() == ScalarType::Float32 || out.dtype() == ScalarType::Float64) && out.is_contiguous() &&
      (one == One::a || a.is_contiguous()) && (one == One::b || b.is_contiguous())) {
    dispatch(out.dtype(), [&](auto v) {
      using T = decltype(v);
      if constexpr (std::is_floating_point_v<T>)
        binary_dense<T>(op, static_cast<T*>(out.data_ptr()), static_cast<const T*>(a.data_ptr()),
                        static_cast<const T*>(b.data_ptr()), one, out.numel(), T(alpha));
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
  if (op == Op::div && !is_floating(t)) t = get_default_dtype();  // true division
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
                       case Op::div:  // da = g / b, db = -g ((a / b) / b), 1.13's order (bit for bit)
                         if (need_a) da = g.div(n.unpack(1));
                         if (need_b) {
                           Tensor bb = n.unpack(1);
                           db = g.neg().mul(n.unpack(0).div(bb).div(bb));
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
  // 1.13 computes in the common dtype and casts the result to self's where that is a safe cast
  // (float32.add_(float64), bfloat16.mul_(float32)); an integer self refuses a floating result.
  ScalarType t = result_type(op, self, b);
  detail::check_cast(t, self);
  Dims shape = broadcast_shapes(self.sizes(), b.sizes());
  RAMP_CHECK(std::equal(shape.begin(), shape.end(), self.sizes().begin(), self.sizes().end()),
             "output with shape ", shape_str(self.sizes()), " doesn't match the broadcast shape ", shape_str(shape));
  RAMP_CHECK(!self.has_internal_overlap(),
             "unsupported operation: more than one element of the written-to tensor refers to a single "
             "memory location. Please clone() the tensor before performing the operation.");
  // b may be self (y *= y) but no other part of self's memory (y *= y[0]), as PyTorch; strided views
  // sharing the storage pass (1.13's "too hard to tell") and are read element by element in order
  // while self is written, as 1.13's serial loop reads them.
  detail::assert_no_partial_overlap(self, b);
  autograd::check_inplace(self);
  const bool grad = autograd::needs_grad({self, b});
  // The gradient reads b as it was: if the write changes it (y *= y), backward raises as PyTorch.
  const std::int64_t b_version = b.version();
  // mul/div's gradient for b reads self's value before the write.
  const Tensor before = grad && (op == Op::mul || op == Op::div) && autograd::requires_grad(b) ? self.clone() : self;
  {
    autograd::GradModeGuard g(false);
    if (t == self.dtype()) {
      binary_loop(op, self, self, b.to(t).expand(shape), alpha);
    } else {
      Tensor out = empty(shape, t);
      binary_loop(op, out, self.to(t), b.to(t).expand(shape), alpha);
      detail::copy_into(self, out);
    }
  }
  self.bump_version();
  if (grad) record_binary(op, self, self, before, b, alpha, node_name(op), b_version);
  return self;
}

Tensor scalar_as_tensor(const Tensor& like, const Scalar& s) {
  return scalar_tensor(s, ramp::result_type(like, s));
}
// A number in true division goes straight to the floating dtype it computes in, as 1.13 converts a
// wrapped number (uint8 tensor / -1 divides by -1.0, not by -1 wrapped to 255).
Tensor true_division_operand(const Tensor& like, const Scalar& s) {
  const ScalarType t = ramp::result_type(like, s);
  return scalar_tensor(s, is_floating(t) ? t : get_default_dtype());
}

// 1.13's sub_check and alpha_check (ATen/native/BinaryOps.h), made before any work: a Python bool
// counts as a bool operand (1.13 wraps it in a bool tensor), and a float alpha on an integer result
// is refused rather than truncated.
ScalarType operand_dtype(const Scalar& s) {
  return s.kind == Scalar::Kind::Bool ? ScalarType::Bool : ScalarType::Int64;
}
void sub_check(ScalarType a, ScalarType b) {
  RAMP_CHECK(a != ScalarType::Bool || b != ScalarType::Bool,
             "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or `logical_xor()` "
             "operator instead.");
  RAMP_CHECK(a != ScalarType::Bool && b != ScalarType::Bool,
             "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, "
             "use the `~` or `logical_not()` operator instead.");
}
void alpha_check(ScalarType result, const Scalar& alpha) {
  RAMP_CHECK(alpha.kind != Scalar::Kind::Bool || result == ScalarType::Bool,
             "Boolean alpha only supported for Boolean results.");
  RAMP_CHECK(is_floating(result) || !alpha.is_floating(),
             "For integral input tensors, argument alpha must not be a floating point number.");
}

}  // namespace

Tensor Tensor::add(const Tensor& o, Scalar alpha) const {
  alpha_check(result_type(Op::add, *this, o), alpha);
  return binary(Op::add, *this, o, alpha.to_double());
}
Tensor Tensor::sub(const Tensor& o, Scalar alpha) const {
  sub_check(dtype(), o.dtype());
  alpha_check(result_type(Op::sub, *this, o), alpha);
  return binary(Op::sub, *this, o, alpha.to_double());
}
Tensor Tensor::mul(const Tensor& o) const { return binary(Op::mul, *this, o); }
Tensor Tensor::div(const Tensor& o) const { return binary(Op::div, *this, o); }
Tensor Tensor::add(Scalar o) const { return add(scalar_as_tensor(*this, o)); }
Tensor Tensor::sub(Scalar o) const {
  sub_check(dtype(), operand_dtype(o));
  return sub(scalar_as_tensor(*this, o));
}
Tensor Tensor::mul(Scalar o) const { return mul(scalar_as_tensor(*this, o)); }
Tensor Tensor::div(Scalar o) const { return div(true_division_operand(*this, o)); }
Tensor Tensor::neg() const { return ramp::neg(*this); }  // ramp/elementwise.h
Tensor& Tensor::add_(const Tensor& o, Scalar alpha) {
  alpha_check(dtype(), alpha);
  return binary_(Op::add, *this, o, alpha.to_double());
}
Tensor& Tensor::sub_(const Tensor& o, Scalar alpha) {
  sub_check(dtype(), o.dtype());
  alpha_check(dtype(), alpha);
  return binary_(Op::sub, *this, o, alpha.to_double());
}
Tensor& Tensor::mul_(const Tensor& o) { return binary_(Op::mul, *this, o); }
Tensor& Tensor::div_(const Tensor& o) { return binary_(Op::div, *this, o); }
Tensor& Tensor::add_(Scalar o) { return add_(scalar_as_tensor(*this, o)); }
Tensor& Tensor::sub_(Scalar o) {
  sub_check(dtype(), operand_dtype(o));
  return sub_(scalar_as_tensor(*this, o));
}
Tensor& Tensor::mul_(Scalar o) { return mul_(scalar_as_tensor(*this, o)); }
Tensor& Tensor::div_(Scalar o) { return div_(true_division_operand(*this, o)); }

Tensor operator+(const Tensor& a, const Tensor& b) { return a.add(b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return a.sub(b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return a.mul(b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return a.div(b); }
Tensor operator+(const Tensor& a, Scalar b) { return a.add(b); }
Tensor operator-(const Tensor& a, Scalar b) { return a.sub(b); }
Tensor operator*(const Tensor& a, Scalar b) { return a.mul(b); }
Tensor operator/(const Tensor& a, Scalar b) { return a.div(b); }
Tensor operator+(Scalar a, const Tensor& b) { return b.add(a); }
Tensor operator-(Scalar a, const Tensor& b) {
  sub_check(operand_dtype(a), b.dtype());
  return binary(Op::sub, scalar_as_tensor(b, a), b, 1, "RsubBackward1");
}
Tensor operator*(Scalar a, const Tensor& b) { return b.mul(a); }
Tensor operator/(Scalar a, const Tensor& b) { return true_division_operand(b, a).div(b); }
Tensor operator-(const Tensor& a) { return a.neg(); }

}  // namespace ramp
