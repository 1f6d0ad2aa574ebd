// div(a, b, rounding_mode="trunc" | "floor"): torch.div's rounding modes (and `//`). Integers stay
// integers (exact, with 1.13's ZeroDivisionError); floats use 1.13's formulas so results agree to
// the bit. The graph is 1.13's: DivBackward2, whose gradients are zero (a rounded quotient is flat
// almost everywhere), and for floor_divide (`//`) a node without a derivative, as 1.13 records it.
#include <cmath>
#include <string>

#include "map.h"
#include "record.h"
#include "ramp/error.h"
#include "ramp/ops.h"

namespace ramp {
namespace {

// c10's div_floor_floating: the quotient from fmod, so a // b == floor(a / b) without the rounding
// a / b can do first (7.0 // 0.7 is 9, while floor(7.0 / 0.7) is 10). T is the element type: for
// bfloat16 (computed in C = float) every step rounds to bfloat16, as 1.13's kernel does.
template <class T, class C> C div_floor_floating(C a, C b) {
  auto r = [](C x) { return C(T(x)); };
  if (b == 0) return r(a / b);
  C mod = r(std::fmod(a, b));
  C div = r(r(a - mod) / b);
  if (mod != 0 && (b < 0) != (mod < 0)) div = r(div - C(1));
  if (div == 0) return std::copysign(C(0), r(a / b));
  C floordiv = std::floor(div);
  if (r(div - floordiv) > C(0.5)) floordiv = r(floordiv + C(1));
  return floordiv;
}

template <class T> T div_floor_integer(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) {
    return a;  // b is true (false raised): a / 1
  } else {
    // C truncates; floor differs when the signs differ and there is a remainder.
    if constexpr (std::is_signed_v<T>)
      if (b == -1) return T(0 - std::make_unsigned_t<T>(a));  // INT_MIN // -1 wraps, as 1.13
    T q = T(a / b);
    if (std::is_signed_v<T> && (a % b != 0) && ((a < 0) != (b < 0))) --q;
    return q;
  }
}

template <class T> T div_trunc_integer(T a, T b) {
  if constexpr (std::is_same_v<T, bool>) {
    return a;
  } else {
    if constexpr (std::is_signed_v<T>)
      if (b == -1) return T(0 - std::make_unsigned_t<T>(a));
    return T(a / b);
  }
}

// The rounded quotient, without a graph.
Tensor div_rounded(const Tensor& a, const Tensor& b, bool floor) {
  const ScalarType t = result_type(a, b);
  const Dims shape = broadcast_shapes(a.sizes(), b.sizes());
  const Tensor x = a.detach().to(t).expand(shape), y = b.detach().to(t).expand(shape);
  Tensor out = empty(shape, t);
  bool by_zero = false;  // integers: 1.13 raises RuntimeError("ZeroDivisionError")
  dispatch(t, [&](auto v) {
    using T = decltype(v);
    using C = detail::Compute<T>;
    if constexpr (std::is_floating_point_v<C>) {
      if (floor)
        detail::map_elements<T, T>(out, [](C p, C q) { return div_floor_floating<T>(p, q); }, x, y);
      else
        detail::map_elements<T, T>(out, [](C p, C q) { return std::trunc(C(T(p / q))); }, x, y);
    } else {
      detail::map_elements<T, T>(out, [&](C p, C q) {
        if (q == 0) return by_zero = true, C(0);
        return floor ? div_floor_integer<C>(p, q) : div_trunc_integer<C>(p, q);
      }, x, y);
    }
  });
  RAMP_CHECK(!by_zero, "ZeroDivisionError");
  return out;
}

bool floor_mode(std::string_view mode) {
  RAMP_CHECK(mode == "floor" || mode == "trunc",
             "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '", std::string(mode), "'");
  return mode == "floor";
}

}  // namespace

Tensor div(const Tensor& a, const Tensor& b, std::optional<std::string_view> rounding_mode) {
  if (!rounding_mode) return a.div(b);
  const bool floor = floor_mode(*rounding_mode);
  if (!autograd::needs_grad({a, b})) return div_rounded(a, b, floor);
  Tensor out = autograd::below([&] { return div_rounded(a, b, floor); });
  autograd::record(out, "DivBackward2", {a, b}, {}, [sa = Dims(a.sizes()), sb = Dims(b.sizes())](
                                                        const autograd::Node& n, const Tensor& g) {
    return std::vector<Tensor>{autograd::wants(n, 0) ? zeros(sa, g.dtype()) : Tensor(),
                               autograd::wants(n, 1) ? zeros(sb, g.dtype()) : Tensor()};
  });
  return out;
}

Tensor floor_divide(const Tensor& a, const Tensor& b) {
  if (!autograd::needs_grad({a, b})) return div_rounded(a, b, true);
  Tensor out = autograd::below([&] { return div_rounded(a, b, true); });
  autograd::record(out, "torch::autograd::NotImplemented", {a, b}, {},
                   [](const autograd::Node&, const Tensor&) -> std::vector<Tensor> {
                     throw Error("derivative for aten::floor_divide is not implemented");
                   });
  return out;
}

Tensor div(const Tensor& a, const Scalar& b, std::optional<std::string_view> rounding_mode) {
  if (!rounding_mode) return a.div(b);
  return div(a, scalar_tensor(b, result_type(a, b)), rounding_mode);
}

}  // namespace ramp
