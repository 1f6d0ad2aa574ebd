// clamp with its derivative (derivatives.yaml): plain loops over map.h, the backward formula
// fused into one loop. (sqrt and abs are entries of ramp/elementwise.h.)
#include <cmath>
#include <limits>

#include "inplace.h"
#include "map.h"
#include "ramp/ops.h"
#include "record.h"

namespace ramp {

// The name c10's checked conversion prints for a dtype's C++ type.
const char* detail::c_type_name(ScalarType t) {
  switch (t) {
    case ScalarType::UInt8: return "uint8_t";
    case ScalarType::Int8: return "int8_t";
    case ScalarType::Int32: return "int";
    case ScalarType::Int64: return "int64_t";
    case ScalarType::BFloat16: return "at::BFloat16";
    case ScalarType::Float32: return "float";
    default: return "double";
  }
}

namespace {

template <class T>
constexpr bool kFloating = is_floating(dtype_of<T>);

// make(T{})'s function over the inputs (same dtype and shape as `first`) into a fresh tensor of
// that dtype. Instantiated for the floating element types only when FloatOnly (backward formulas
// and sqrt: the callers convert first).
template <bool FloatOnly, class Make, class... In>
Tensor map_new(const Make& make, const Tensor& first, const In&... rest) {
  Tensor out = empty_like(first);
  dispatch(first.dtype(), [&](auto v) {
    using T = decltype(v);
    if constexpr (!FloatOnly || kFloating<T>) detail::map_elements<T, T>(out, make(v), first, rest...);
    else throw Error("ramp: floating dtype expected");
  });
  return out;
}


// clamp's bounds: absent ones always hold. c10 converts present ones to the computing dtype with
// a check: integers must fit (negative ones may wrap into unsigned types), finite floats must fit
// float32's or bfloat16's range.
struct Bounds {
  std::optional<Scalar> min, max;
  void check(ScalarType t) const {
    for (const auto& s : {min, max}) {
      if (!s) continue;
      bool bad = overflows(*s, t);
      if (t == ScalarType::Float32 || t == ScalarType::BFloat16) {
        const double d = s->to_double(), top = t == ScalarType::Float32 ? 3.4028234663852886e38 : 3.3895313892515355e38;
        bad = std::isfinite(d) && std::abs(d) > top;
      }
      RAMP_CHECK(!bad, "value cannot be converted to type ", detail::c_type_name(t), " without overflow");
    }
  }
  bool has_nan() const {
    return (min && min->to_double() != min->to_double()) || (max && max->to_double() != max->to_double());
  }
  // (lo, hi) in the computing type of T; an absent bound is the type's extreme.
  template <class T>
  auto get() const {
    using C = detail::Compute<T>;
    using L = std::numeric_limits<C>;
    C lo = L::has_infinity ? -L::infinity() : L::lowest(), hi = L::has_infinity ? L::infinity() : L::max();
    if (min) lo = C(min->to<T>());
    if (max) hi = C(max->to<T>());
    return std::pair<C, C>{lo, hi};
  }
};

}  // namespace

Tensor clamp(const Tensor& self, std::optional<Scalar> min, std::optional<Scalar> max) {
  RAMP_CHECK(min || max, "torch.clamp: At least one of 'min' or 'max' must not be None");
  const Bounds b{min, max};
  // The bounds take part in type promotion unless self is floating already.
  ScalarType t = self.dtype();
  if (!is_floating(t))
    t = promote_types(min ? result_type(self, *min) : t, max ? result_type(self, *max) : t);
  // A bool result (bool bounds): 1.13's kernels refuse it, each with its own name.
  RAMP_CHECK(t != ScalarType::Bool, "\"", min && max ? "clamp_scalar_cpu" : min ? "clamp_min_cpu" : "clamp_max_scalar_cpu",
             "\" not implemented for 'Bool'");
  if (!b.has_nan()) b.check(t);
  auto compute = [&] {
    // 1.13 fills the result with NaN when both bounds are given and one is NaN.
    if (b.has_nan() && min && max) return full(self.sizes(), std::numeric_limits<double>::quiet_NaN(), t);
    return map_new<false>([&b](auto v) {
      return [lh = b.get<decltype(v)>()](auto x) {
        const auto r = x < lh.first ? lh.first : x;  // std::max, then std::min, as 1.13: NaN x stays NaN
        return lh.second < r ? lh.second : r;
      };
    }, self.detach().to(t));
  };
  if (!autograd::needs_grad({self})) return compute();
  Tensor out = autograd::below(compute);
  autograd::record(out, "ClampBackward1", {self}, {{self, false}}, [b](const autograd::Node& n, const Tensor& g) {
    // grad where min <= self <= max, else 0 (NaN self too)
    const Tensor self = n.unpack(0);
    auto raw = [&] {
      const Tensor x = self.to(g.dtype()).expand(g.sizes());
      return map_new<true>(
          [&b](auto v) {
            return [lh = b.get<decltype(v)>()](auto gv, auto xv) {
              return xv >= lh.first && xv <= lh.second ? gv : decltype(gv)(0);
            };
          },
          g.contiguous(), x);
    };
    return std::vector<Tensor>{autograd::raw_with_graph(
        {g, self}, raw, [&] { return detail::clamp_backward(g, self, b.min, b.max); })};
  });
  return out;
}

}  // namespace ramp
