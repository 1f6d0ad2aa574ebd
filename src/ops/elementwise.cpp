// The engines behind ramp/elementwise.h's table: one unary and one binary loop, dtype checks,
// result dtypes, in-place forms and autograd recording, instantiated for every entry of the lists.
#include "ramp/elementwise.h"

#include <algorithm>

#include "../kernels/kernels.h"
#include "../tensor/parallel.h"
#include "activation_backward.h"
#include "inplace.h"
#include "map.h"
#include "../autograd/function.h"
#include "ramp/ops.h"

namespace ramp {

namespace ew {
namespace {

using autograd::Node;
using detail::check_cast;
using detail::check_writable;

// The dtypes an entry's formula is instantiated for: floating-result ops see floating data only
// (integers are converted first).
template <class E> constexpr DTypeSet computes() {
  return E::result == Result::floating ? kFloating : E::dtypes;
}
template <class E, class T> constexpr bool instantiated() { return computes<E>().has(dtype_of<T>); }

template <class E> [[noreturn]] void not_implemented(ScalarType t) {
  throw Error(detail::cat("\"", E::kernel, "\" not implemented for '", dtype_error_name(t), "'"));
}
template <class E> void check_dtype(ScalarType t) {
  E::check(t);
  if (!E::dtypes.has(t)) not_implemented<E>(t);
}

template <class E> ScalarType result_dtype(ScalarType computing) {
  if constexpr (E::result == Result::boolean) return ScalarType::Bool;
  else return computing;
}

// out[i] = f(in[i]...) over same-shaped tensors, inputs of element type I, output O. Dense
// operands (or a broadcast number as the last input) take a plain pointer loop that GCC
// vectorizes where the formula allows; large ones are split across threads.
template <class O, class I, class F, class... In>
void map(const Tensor& out, F f, const In&... in) {
  using C = detail::Compute<I>;
  const bool dense = out.is_contiguous() && ((in.is_contiguous() && in.numel() == out.numel()) && ...);
  if (!dense) return detail::map_elements<O, I>(out, f, in...);
  O* o = static_cast<O*>(out.data_ptr());  // may be the input itself (in place)
  auto run = [&](const auto*... p) {
    detail::parallel_for(out.numel(), 32768, 64, [&](std::int64_t b, std::int64_t e) {
      for (std::int64_t i = b; i < e; ++i) o[i] = O(f(C(p[i])...));
    });
  };
  run(static_cast<const I*>(in.data_ptr())...);
}

// ---- unary ----
// Runs E's vector kernel (src/kernels/elementwise_kernels.cpp) when the table has one for the
// dtype: over the whole buffer, split across threads, when in and out share a dense layout; else
// row by row when both rows are contiguous. Returns false for the generic loop to do it.
template <class E> bool unary_kernel(const Tensor& out, const Tensor& in) {
  if constexpr (!has_vec<E>) {
    return false;
  } else {
    const kernels::UnaryFn fn = kernels::table().elementwise[unary_index<E>()][int(in.dtype())];
    if (!fn || out.dtype() != in.dtype()) return false;
    if (out.numel() == 0) return true;
    const std::int64_t esize = std::int64_t(in.element_size());
    const bool same_layout = (in.is_contiguous() && out.is_contiguous()) ||
                             (std::equal(in.strides().begin(), in.strides().end(), out.strides().begin(), out.strides().end()) &&
                              in.is_non_overlapping_and_dense());
    if (same_layout) {
      const char* x = static_cast<const char*>(in.data_ptr());
      char* y = static_cast<char*>(out.data_ptr());
      const std::int64_t n = out.numel();
      const bool stream = x != y && detail::stream_output(2 * std::size_t(n * esize), y);
      detail::parallel_for(n, 32768, 64, [&](std::int64_t b, std::int64_t e) {
        fn(x + b * esize, y + b * esize, e - b, nullptr, stream);
      });
      return true;
    }
    if (out.dim() == 0 || out.stride(-1) != 1 || in.stride(-1) != 1) return false;
    detail::for_each_row<2>(out.sizes(), {static_cast<char*>(out.data_ptr()), static_cast<char*>(in.data_ptr())},
                            {detail::byte_strides(out), detail::byte_strides(in)},
                            [&](auto p, auto, std::int64_t n) { fn(p[1], p[0], n, nullptr, false); });
    return true;
  }
}

template <class E> void unary_loop(const Tensor& out, const Tensor& in) {
  if (unary_kernel<E>(out, in)) return;
  dispatch(in.dtype(), [&](auto v) {
    using I = decltype(v);
    if constexpr (std::is_same_v<I, BFloat16> && E::bf16_steps) {
      map<I, I>(out, [](float x) { return E::f_bf16(x); }, in);
    } else if constexpr (instantiated<E, I>()) {
      using O = std::conditional_t<E::result == Result::boolean, bool, I>;
      map<O, I>(out, [](auto x) { return E::f(x); }, in);
    } else {
      not_implemented<E>(in.dtype());
    }
  });
}

template <class E> ScalarType unary_result(ScalarType in) {
  if constexpr (E::result == Result::floating) return is_floating(in) ? in : get_default_dtype();
  else return result_dtype<E>(in);
}
// The dtype a binary entry computes in, from torch.result_type of its operands: a floating-result
// entry (atan2) takes integers and bool to the default dtype, as 1.13's promote_integer_inputs_to_float.
template <class E> ScalarType binary_computing(ScalarType t) {
  if constexpr (E::result == Result::floating) return is_floating(t) ? t : get_default_dtype();
  else return t;
}

// Records E's node on `out`; `original` is the input's value before an in-place write (else the input).
template <class E> void record_unary(Tensor& out, const Tensor& self, const Tensor& original) {
  auto back = [](const Node& n, const Tensor& g) {
    return std::vector<Tensor>{E::backward(g, E::reads == Reads::nothing ? Tensor() : n.unpack(0))};
  };
  if constexpr (E::reads == Reads::nothing) autograd::record(out, E::grad_fn, {self}, {}, back);
  else if constexpr (E::reads == Reads::output) autograd::record(out, E::grad_fn, {self}, {{out, true}}, back);
  else autograd::record(out, E::grad_fn, {self}, {{original, false}}, back);
}

}  // namespace

template <class E> Tensor unary(const Tensor& self) {
  check_dtype<E>(self.dtype());
  const ScalarType t = unary_result<E>(self.dtype());
  auto compute = [&] {
    const Tensor in = E::result == Result::floating ? self.detach().to(t) : self.detach();
    Tensor out = empty_like(in, t);
    unary_loop<E>(out, in);
    return out;
  };
  if constexpr (E::grad_fn.empty()) {
    return compute();
  } else {
    if (!autograd::needs_grad({self})) return compute();
    Tensor out = autograd::below(compute);
    record_unary<E>(out, self, self);
    return out;
  }
}

template <class E> Tensor& unary_(Tensor& self) {
  check_dtype<E>(self.dtype());
  const ScalarType t = unary_result<E>(self.dtype());
  check_cast(t, self);
  check_writable(self);
  autograd::check_inplace(self);
  const bool grad = !E::grad_fn.empty() && autograd::needs_grad({self});
  // recorded in the graph, as write_inplace's copy (src/ops/inplace.h)
  const Tensor original = grad && E::reads == Reads::input ? self.clone() : Tensor();
  if (t == self.dtype()) {
    unary_loop<E>(self, self);
  } else {  // a bool result written into another dtype (x.logical_not_() of a float tensor)
    Tensor r = empty_like(self, t);
    unary_loop<E>(r, self);
    detail::copy_into(self, r);
  }
  self.bump_version();
  if constexpr (!E::grad_fn.empty()) {
    if (grad) record_unary<E>(self, self, original);
  }
  return self;
}

// ---- binary ----
namespace {

// Runs E's vector kernel when the table has one for the dtype and out and a are contiguous (b is
// made so: a broadcast number or row costs one fill, far less than the op), split across threads.
template <class E> bool binary_kernel(const Tensor& out, const Tensor& a, const Tensor& b) {
  if constexpr (!has_vec<E>) {
    return false;
  } else {
    const kernels::BinaryFn fn = kernels::table().elementwise_binary[binary_index<E>()][int(a.dtype())];
    if (!fn || out.dtype() != a.dtype() || b.dtype() != a.dtype() || !out.is_contiguous() || !a.is_contiguous())
      return false;
    const Tensor bc = b.is_contiguous() ? b : b.contiguous();
    const std::int64_t esize = std::int64_t(a.element_size());
    const char* x = static_cast<const char*>(a.data_ptr());
    const char* y = static_cast<const char*>(bc.data_ptr());
    char* o = static_cast<char*>(out.data_ptr());
    detail::parallel_for(out.numel(), 32768, 64, [&](std::int64_t lo, std::int64_t hi) {
      fn(x + lo * esize, y + lo * esize, o + lo * esize, hi - lo);
    });
    return true;
  }
}

template <class E> void binary_loop(const Tensor& out, const Tensor& a, const Tensor& b) {
  if (binary_kernel<E>(out, a, b)) return;
  dispatch(a.dtype(), [&](auto v) {
    using I = decltype(v);
    if constexpr (std::is_same_v<I, BFloat16> && E::bf16_steps) {
      map<I, I>(out, [](float x, float y) { return E::f_bf16(x, y); }, a, b);
    } else if constexpr (instantiated<E, I>()) {
      using O = std::conditional_t<E::result == Result::boolean, bool, I>;
      map<O, I>(out, [](auto x, auto y) { return E::f(x, y); }, a, b);
    } else {
      not_implemented<E>(a.dtype());
    }
  });
}

bool has_zero(const Tensor& t) {
  bool zero = false;
  dispatch(t.dtype(), [&](auto v) {
    using T = decltype(v);
    detail::for_each_row<1>(t.sizes(), {static_cast<char*>(t.data_ptr())}, {detail::byte_strides(t)},
                            [&](auto p, auto s, std::int64_t n) {
                              for (std::int64_t i = 0; i < n; ++i) zero |= *reinterpret_cast<const T*>(p[0] + i * s[0]) == T(0);
                            });
  });
  return zero;
}

// out = E(a, b) with both in dtype t, broadcast; no graph.
template <class E> Tensor binary_forward(const Tensor& a, const Tensor& b, ScalarType t) {
  const Dims shape = broadcast_shapes(a.sizes(), b.sizes());
  const Tensor x = a.detach().to(t), y = b.detach().to(t);
  if constexpr (E::divides) RAMP_CHECK(is_floating(t) || !has_zero(y), "ZeroDivisionError");
  const bool like_a = std::equal(shape.begin(), shape.end(), a.sizes().begin(), a.sizes().end());
  Tensor out = like_a ? empty_like(x, result_dtype<E>(t)) : empty(shape, result_dtype<E>(t));
  binary_loop<E>(out, x.expand(shape), y.expand(shape));
  return out;
}

template <class E> constexpr bool has_grad() { return !E::grad_fn.empty(); }

// E's gradient formula; in place, its backward_inplace where it has one (heaviside_'s own error).
template <class E, bool Inplace> std::pair<Tensor, Tensor> backward_of(const Tensor& g, const Tensor& a, const Tensor& b) {
  if constexpr (Inplace && requires { E::backward_inplace(g, a, b); }) return E::backward_inplace(g, a, b);
  else return E::backward(g, a, b);
}

// Records E's node for a tensor `other`; `a_saved` is a's value before an in-place write.
template <class E, bool Inplace = false>
void record_binary(Tensor& out, const Tensor& a, const Tensor& a_saved, const Tensor& b, std::int64_t b_version = -1) {
  autograd::record(out, E::grad_fn, {a, b}, {{a_saved, false}, {b, false, b_version}},
                   [sa = Dims(a.sizes()), sb = Dims(b.sizes())](const Node& n, const Tensor& g) {
                     auto [da, db] = backward_of<E, Inplace>(g, n.unpack(0), n.unpack(1));
                     return std::vector<Tensor>{autograd::wants(n, 0) ? autograd::sum_to(da, sa) : Tensor(),
                                                autograd::wants(n, 1) ? autograd::sum_to(db, sb) : Tensor()};
                   });
}
// ... and for a number `other` (b is its 0-d tensor).
template <class E> void record_binary_scalar(Tensor& out, const Tensor& a, const Tensor& a_saved, const Tensor& b) {
  autograd::record(out, E::grad_fn_scalar, {a}, {{a_saved, false}, {b, false}},
                   [sa = Dims(a.sizes())](const Node& n, const Tensor& g) {
                     return std::vector<Tensor>{autograd::sum_to(E::backward(g, n.unpack(0), n.unpack(1)).first, sa)};
                   });
}

// The number as a 0-d tensor of the dtype E computes in: torch.result_type(self, number), or the
// floating dtype a floating-result entry takes integers to. 1.13 converts a wrapped number straight
// to the dtype it computes in: xlogy(int8 tensor, 200) is x log(200.), not x log(200 wrapped to -56).
template <class E> Tensor wrap(const Tensor& self, const Scalar& s) {
  return scalar_tensor(s, binary_computing<E>(result_type(self, s)));
}

template <class E> Tensor scalar_forward(const Tensor& a, const Scalar& s, const Tensor& b) {
  if constexpr (requires { E::scalar_forward(a, s); }) {
    return E::scalar_forward(a.detach(), s);
  } else {
    const ScalarType t = binary_computing<E>(b.dtype());
    check_dtype<E>(t);
    return binary_forward<E>(a, b, t);
  }
}

}  // namespace

template <class E> Tensor binary(const Tensor& self, const Tensor& other) {
  E::check_operands(self.dtype(), other.dtype());
  const ScalarType t = binary_computing<E>(result_type(self, other));
  check_dtype<E>(t);
  if constexpr (has_grad<E>()) {
    if (autograd::needs_grad({self, other})) {
      Tensor out = autograd::below([&] { return binary_forward<E>(self, other, t); });
      record_binary<E>(out, self, self, other);
      return out;
    }
  }
  return binary_forward<E>(self, other, t);
}

template <class E> Tensor binary(const Tensor& self, const Scalar& other) {
  const Tensor b = wrap<E>(self, other);
  if constexpr (has_grad<E>()) {
    if (autograd::needs_grad({self})) {
      Tensor out = autograd::below([&] { return scalar_forward<E>(self, other, b); });
      record_binary_scalar<E>(out, self, self, b);
      return out;
    }
  }
  return scalar_forward<E>(self, other, b);
}

template <class E> Tensor binary(const Scalar& self, const Tensor& other) {
  const Tensor a = wrap<E>(other, self);
  if constexpr (has_grad<E>() && !E::grad_fn_number_first.empty()) {
    if (autograd::needs_grad({other})) {  // 1.13's own node (xlogy.Scalar_Self): other's gradient only
      Tensor out = autograd::below([&] { return binary<E>(a, other); });
      autograd::record(out, E::grad_fn_number_first, {other}, {{a, false}, {other, false}},
                       [sb = Dims(other.sizes())](const Node& n, const Tensor& g) {
                         return std::vector<Tensor>{autograd::sum_to(E::backward(g, n.unpack(0), n.unpack(1)).second, sb)};
                       });
      return out;
    }
  }
  return binary<E>(a, other);
}

template <class E> Tensor& binary_(Tensor& self, const Tensor& other) {
  E::check_operands(self.dtype(), other.dtype());
  const ScalarType t = binary_computing<E>(result_type(self, other));
  detail::check_cast(result_dtype<E>(t), self);  // before the kernel's dtype check, as 1.13
  check_dtype<E>(t);
  detail::check_no_partial_overlap(self, other);
  const std::int64_t other_version = other.version();
  return detail::write_inplace(
      self, result_dtype<E>(t), broadcast_shapes(self.sizes(), other.sizes()),
      has_grad<E>() && autograd::needs_grad({self, other}), [&] { return binary_forward<E>(self, other, t); },
      [&](const Tensor& original) {
        if constexpr (has_grad<E>()) record_binary<E, true>(self, self, original, other, other_version);
      });
}

template <class E> Tensor& binary_(Tensor& self, const Scalar& other) {
  const Tensor b = wrap<E>(self, other);
  ScalarType result = result_type(self, other);
  if constexpr (!requires { E::scalar_forward(self, other); }) {
    result = result_dtype<E>(binary_computing<E>(b.dtype()));
    detail::check_cast(result, self);
    check_dtype<E>(binary_computing<E>(b.dtype()));
  }
  return detail::write_inplace(
      self, result, self.sizes(), has_grad<E>() && autograd::needs_grad({self}),
      [&] { return scalar_forward<E>(self, other, b); },
      [&](const Tensor& original) {
        if constexpr (has_grad<E>()) record_binary_scalar<E>(self, self, original, b);
      });
}

namespace {
struct DivFloor : BinaryEntry {
  static auto f(auto x, auto y) { return ew::div_floor(x, y); }
  static constexpr DTypeSet dtypes = kFloating;
};
}  // namespace

void Heaviside::check_operands(ScalarType a, ScalarType b) {
  RAMP_CHECK(a == b, "heaviside is not yet implemented for tensors with different dtypes.");
}

// In a create_graph pass (remainder's gradient for b) the public op, so the result carries 1.13's
// DivBackward2 (a zero gradient) and a and b count as used.
Tensor div_floor(const Tensor& a, const Tensor& b) {
  if (autograd::needs_grad({a, b})) return div(a, b, "floor");
  return binary_forward<DivFloor>(a, b, result_type(a, b));
}

// ---- instantiation and the named functions ----
#define RAMP_INSTANTIATE_UNARY(name, E)  \
  template Tensor unary<E>(const Tensor&); \
  template Tensor& unary_<E>(Tensor&);
#define RAMP_INSTANTIATE_PREDICATE(name, E) template Tensor unary<E>(const Tensor&);
#define RAMP_INSTANTIATE_BINARY(name, E)                   \
  template Tensor binary<E>(const Tensor&, const Tensor&); \
  template Tensor binary<E>(const Tensor&, const Scalar&); \
  template Tensor binary<E>(const Scalar&, const Tensor&); \
  template Tensor& binary_<E>(Tensor&, const Tensor&);     \
  template Tensor& binary_<E>(Tensor&, const Scalar&);
#define RAMP_INSTANTIATE_LOGICAL(name, E)                  \
  template Tensor binary<E>(const Tensor&, const Tensor&); \
  template Tensor& binary_<E>(Tensor&, const Tensor&);
RAMP_UNARY_OPS(RAMP_INSTANTIATE_UNARY)
RAMP_UNARY_PREDICATES(RAMP_INSTANTIATE_PREDICATE)
RAMP_BINARY_OPS(RAMP_INSTANTIATE_BINARY)
RAMP_LOGICAL_OPS(RAMP_INSTANTIATE_LOGICAL)

}  // namespace ew

#define RAMP_DEFINE_UNARY(name, E)                                      \
  Tensor name(const Tensor& self) { return ew::unary<ew::E>(self); } \
  Tensor& name##_(Tensor& self) { return ew::unary_<ew::E>(self); }
#define RAMP_DEFINE_PREDICATE(name, E) \
  Tensor name(const Tensor& self) { return ew::unary<ew::E>(self); }
#define RAMP_DEFINE_BINARY(name, E)                                                                       \
  Tensor name(const Tensor& self, const Tensor& other) { return ew::binary<ew::E>(self, other); }       \
  Tensor name(const Tensor& self, Scalar other) { return ew::binary<ew::E>(self, other); }              \
  Tensor& name##_(Tensor& self, const Tensor& other) { return ew::binary_<ew::E>(self, other); }        \
  Tensor& name##_(Tensor& self, Scalar other) { return ew::binary_<ew::E>(self, other); }
#define RAMP_DEFINE_LOGICAL(name, E)                                                                \
  Tensor name(const Tensor& self, const Tensor& other) { return ew::binary<ew::E>(self, other); } \
  Tensor& name##_(Tensor& self, const Tensor& other) { return ew::binary_<ew::E>(self, other); }
RAMP_UNARY_OPS(RAMP_DEFINE_UNARY)
RAMP_UNARY_PREDICATES(RAMP_DEFINE_PREDICATE)
RAMP_BINARY_OPS(RAMP_DEFINE_BINARY)
RAMP_LOGICAL_OPS(RAMP_DEFINE_LOGICAL)

}  // namespace ramp
