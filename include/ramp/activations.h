// Every activation, declared once.
//
// An entry carries the name, module name, parameters with PyTorch's defaults, accepted dtypes, the
// forward formula, and the small facts the generated code needs (in-place forms, repr rules,
// argument checks). The functional API, in-place forms, modules, name lookup, Python bindings,
// SIMD kernels and the tests' scalar oracle are all generated from `Activations` below.
//
// A formula is written once against an adapter `m` whose operations are either SIMD vector ops
// (src/kernels) or plain `double` arithmetic (the test oracle, `ScalarMath` below). Comparisons
// are written so NaN falls through to the branch PyTorch 1.13 takes (`x < 0 ? 0 : x` keeps NaN and
// -0.0; `m.max` would not), and clamps go through `select`, never min/max instructions.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <tuple>

#include "ramp/dtype.h"
#include "ramp/error.h"
#include "ramp/tensor.h"

namespace ramp::act {

// A named parameter of an entry, for keyword arguments, reprs and Python signatures.
template <class P, class T> struct Field {
  std::string_view name;
  T P::*member;
  bool required = false;  // no default (Threshold's threshold and value)
};

enum class Inplace : std::uint8_t {
  none,      // no in-place form (gelu, softplus, prelu, softmax)
  function,  // `relu_`, `leaky_relu_`, ... and `inplace=True`
  keyword,   // only `inplace=True` (relu6, silu, mish, hardswish, hardsigmoid)
};

enum class Kind : std::uint8_t { pointwise, prelu, rrelu, softmax };

// What backward reads: the input, or the output (which frees the input and lets the in-place form
// keep its gradient without a copy).
enum class Saves : std::uint8_t { input, output };

inline constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
inline constexpr double kSeluScale = 1.0507009873554804934193349852946;

// Defaults for the optional facts of an entry.
// A number as 1.13's Scalar::to<BFloat16>() leaves it (via float).
inline Scalar bf16_rounded(const Scalar& s) { return Scalar(double(float(BFloat16(float(s.to_double()))))); }

struct Entry {
  static constexpr Kind kind = Kind::pointwise;
  static constexpr Inplace inplace = Inplace::function;
  static constexpr bool repr_inplace = true;      // repr shows ", inplace=True"
  static constexpr bool repr_bare = false;        // repr shows the field's bare value (Softshrink(0.5))
  static constexpr bool ints_give_float = false;  // integer input -> float32 output (sigmoid, tanh)
  static constexpr bool contiguous_output = false;  // 1.13's output is contiguous whatever x's layout
  static constexpr DTypeSet dtypes = kFloating;
  template <class P> static void check(const P&, ScalarType) {}
  template <class P> static Saves saves(const P&, bool /*inplace*/) { return Saves::input; }
  // PyTorch raises this at backward when the in-place form would have to read its overwritten input.
  static constexpr std::string_view inplace_error = "";
  // Params as a backward node keeps them (string arguments must outlive the caller's strings).
  template <class P> static P persist(P p) { return p; }
  // Params as a bfloat16 kernel reads them (`backward`: the gradient's kernel). 1.13 converts some
  // to the tensor's dtype first (threshold's, the shrinks' lambd: bf16(0.3) = 0.30078125 is then
  // "<= lambd"); most stay float in its vector loops.
  template <class P> static P bf16_params(P p, bool /*backward*/) { return p; }
  // Double backward. dx = backward(v, dy) is linear in dy, so its own gradient is backward(v, gg)
  // for dy and gg * d(dx)/dv for the saved v. That second derivative is, unless an entry gives its
  // own `backward2(v, dy, params, is_result)` (double -> double, where 1.13's formula differs from
  // the derivative of `backward`'s branch at a kink), the derivative of `backward` itself, taken
  // with dual numbers through the same formula (act::DualMath, src/ops/activation_dual.h).
  // `grad_fn2` is the node 1.13 records for dx (inputs dy and v); a piecewise-linear entry has no
  // second derivative (its node gives v no gradient).
  static constexpr bool piecewise_linear = false;
  // Every exp the forward (and an input-saving backward) takes has an argument no larger than |x|:
  // the kernels may then test a block of inputs against the fast exp's range once, not each exp.
  static constexpr bool exp_within_input = false;
};

// A number as c10::str prints it in 1.13's messages (ostream's default, %g): -1, -0.5, 1e-20, nan.
inline std::string c10_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

inline constexpr std::string_view kLeakyInplaceError =
    "In-place leakyReLu backward calculation is triggered with a negative slope which is not supported. This is "
    "caused by calling in-place forward function with a negative slope, please call out-of-place version instead. "
    "File an issue at https://github.com/pytorch/pytorch if you do require supporting in-place leakRelu backward "
    "calculation with negative slope";
inline constexpr std::string_view kEluInplaceError =
    "In-place elu backward calculation is triggered with a negative slope which is not supported. This is caused "
    "by calling in-place forward function with a negative slope, please call out-of-place version instead.";

struct ReLU : Entry {
  static constexpr std::string_view name = "relu", module = "ReLU", kernel = "clamp_min_cpu";
  struct Params {};
  static constexpr std::tuple fields{};
  static constexpr DTypeSet dtypes = kFloating | kIntegral;
  static void check(const Params&, ScalarType t) {
    RAMP_CHECK(t != ScalarType::Bool, "Boolean inputs not supported for relu");
  }
  // y = x < 0 ? 0 : x  (clamp_min: NaN and -0.0 pass through)
  static auto forward(auto m, auto x, const Params&) { return m.select(m.lt(x, m.zero()), m.zero(), x); }
  // dx = y <= 0 ? 0 : dy  (threshold_backward: 0 at the kink and at -0.0, dy at NaN)
  static constexpr std::string_view grad_fn = "ReluBackward0", grad_fn_inplace = "ReluBackward0";
  static constexpr std::string_view grad_fn2 = "ThresholdBackwardBackward0";
  static constexpr bool piecewise_linear = true;
  static Saves saves(const Params&, bool) { return Saves::output; }
  static auto backward(auto m, auto y, auto dy, const Params&, bool) {
    return m.select(m.le(y, m.zero()), m.zero(), dy);
  }
  // The same as one bit per element, written by the forward: dx = pass(x) ? dy : 0.
  static auto pass(auto m, auto x, const Params&) { return m.not_(m.le(x, m.zero())); }
};

// hardtanh's clamp, shared by Hardtanh and ReLU6: NaN passes, min > max gives max everywhere.
inline auto clamp(auto m, auto x, double lo, double hi) {
  auto t = m.select(m.lt(x, m.set(lo)), m.set(lo), x);
  return m.select(m.gt(t, m.set(hi)), m.set(hi), t);
}
// dx = (v <= lo || v >= hi) ? 0 : dy, 0 at both kinks, dy at NaN. The output decides as well as
// the input (lo < y < hi exactly when lo < x < hi; lo >= hi gives 0 everywhere either way), so
// the in-place forms read their output and keep no copy (PyTorch clones, issues 81548/95432); the
// out-of-place forms read the input as PyTorch does, so writing their output stays allowed.
inline auto clamp_backward(auto m, auto v, auto dy, double lo, double hi) {
  return m.select(m.le(v, m.set(lo)), m.zero(), m.select(m.ge(v, m.set(hi)), m.zero(), dy));
}
inline void check_hardtanh(ScalarType t, double min_val, double max_val) {
  RAMP_CHECK(t != ScalarType::Bool, "Bool inputs not supported for hardtanh");
  RAMP_CHECK(t != ScalarType::UInt8 || (min_val >= 0 && max_val >= 0),
             "cannot do hardtanh on an unsigned type with negative limits");
}

struct Hardtanh : Entry {
  static constexpr std::string_view name = "hardtanh", module = "Hardtanh", kernel = "clamp_scalar_cpu";
  struct Params {
    Scalar min_val = -1.0, max_val = 1.0;
  };
  static constexpr std::tuple fields{Field<Params, Scalar>{"min_val", &Params::min_val},
                                     Field<Params, Scalar>{"max_val", &Params::max_val}};
  static constexpr DTypeSet dtypes = kFloating | kIntegral;
  static void check(const Params& p, ScalarType t) {
    check_hardtanh(t, p.min_val.to_double(), p.max_val.to_double());
  }
  // y = min(max(x, min_val), max_val)
  static auto forward(auto m, auto x, const Params& p) {
    return clamp(m, x, p.min_val.to_double(), p.max_val.to_double());
  }
  static constexpr std::string_view grad_fn = "HardtanhBackward0", grad_fn_inplace = "HardtanhBackward0";
  static constexpr std::string_view grad_fn2 = "HardtanhBackwardBackward0";
  static constexpr bool piecewise_linear = true;
  static Saves saves(const Params&, bool inplace) { return inplace ? Saves::output : Saves::input; }
  static auto backward(auto m, auto y, auto dy, const Params& p, bool) {
    return clamp_backward(m, y, dy, p.min_val.to_double(), p.max_val.to_double());
  }
};

struct ReLU6 : Entry {
  static constexpr std::string_view name = "relu6", module = "ReLU6", kernel = "clamp_scalar_cpu";
  struct Params {};
  static constexpr std::tuple fields{};
  static constexpr Inplace inplace = Inplace::keyword;
  static constexpr DTypeSet dtypes = kFloating | kIntegral;
  static void check(const Params&, ScalarType t) { check_hardtanh(t, 0, 6); }
  // y = hardtanh(x, 0, 6)
  static auto forward(auto m, auto x, const Params&) { return clamp(m, x, 0, 6); }
  static constexpr std::string_view grad_fn = "HardtanhBackward0", grad_fn_inplace = "HardtanhBackward0";
  static constexpr std::string_view grad_fn2 = "HardtanhBackwardBackward0";
  static constexpr bool piecewise_linear = true;
  static Saves saves(const Params&, bool inplace) { return inplace ? Saves::output : Saves::input; }
  static auto backward(auto m, auto y, auto dy, const Params&, bool) { return clamp_backward(m, y, dy, 0, 6); }
};

inline auto leaky_backward(auto m, auto v, auto dy, double slope) {
  return m.select(m.gt(v, m.zero()), dy, m.mul(dy, m.set(slope)));
}

struct LeakyReLU : Entry {
  static constexpr std::string_view name = "leaky_relu", module = "LeakyReLU", kernel = "leaky_relu_cpu";
  struct Params {
    Scalar negative_slope = 0.01;
  };
  static constexpr std::tuple fields{Field<Params, Scalar>{"negative_slope", &Params::negative_slope}};
  // y = x > 0 ? x : x * negative_slope
  static auto forward(auto m, auto x, const Params& p) {
    return m.select(m.gt(x, m.zero()), x, m.mul(x, m.set(p.negative_slope.to_double())));
  }
  // dx = v > 0 ? dy : dy * negative_slope (slope at the kink and at NaN). With a slope >= 0 the
  // output has the input's sign, so ramp reads the output (PyTorch reads the input, issue 63644).
  static constexpr std::string_view grad_fn = "LeakyReluBackward0", grad_fn_inplace = "LeakyReluBackward1";
  static constexpr std::string_view grad_fn2 = "LeakyReluBackwardBackward0";
  static constexpr bool piecewise_linear = true;
  static constexpr std::string_view inplace_error = kLeakyInplaceError;
  static Saves saves(const Params& p, bool) {
    return p.negative_slope.to_double() >= 0 ? Saves::output : Saves::input;
  }
  static auto backward(auto m, auto v, auto dy, const Params& p, bool) { return leaky_backward(m, v, dy, p.negative_slope.to_double()); }
};

// Channel-wise leaky_relu with a learned slope; the kernel is LeakyReLU's, run per channel.
struct PReLU : Entry {
  static constexpr std::string_view name = "prelu", module = "PReLU", kernel = "prelu_cpu";
  static constexpr Kind kind = Kind::prelu;
  static constexpr Inplace inplace = Inplace::none;
  struct Params {
    std::int64_t num_parameters = 1;  // module only
    Scalar init = 0.25;               // module only; not in the repr
  };
  static constexpr std::tuple fields{Field<Params, std::int64_t>{"num_parameters", &Params::num_parameters}};
  static constexpr std::string_view grad_fn = "PreluBackward0", grad_fn_inplace = "PreluBackward0";
  static constexpr std::string_view grad_fn2 = "PreluBackwardBackward0";
  static constexpr bool piecewise_linear = true;
};

// Training: y = x > 0 ? x : x * a, a ~ U(lower, upper) per element and call.
// Evaluation: leaky_relu with slope (lower + upper) / 2.
struct RReLU : Entry {
  static constexpr std::string_view name = "rrelu", module = "RReLU", kernel = "leaky_relu_cpu";
  static constexpr Kind kind = Kind::rrelu;
  struct Params {
    Scalar lower = 1.0 / 8, upper = 1.0 / 3;
    bool training = false;  // F.rrelu's default; the module passes its own mode
  };
  static constexpr std::tuple fields{Field<Params, Scalar>{"lower", &Params::lower},
                                     Field<Params, Scalar>{"upper", &Params::upper}};
  static void check(const Params& p, ScalarType) {
    RAMP_CHECK(p.lower.to_double() <= p.upper.to_double(),
               "Lower bound should be less than or equal to the upper bound");
  }
  // Training: dx = dy * noise (the slopes drawn). Evaluation: leaky_relu's, slope (lower + upper) / 2.
  static constexpr std::string_view grad_fn = "RreluWithNoiseBackward0", grad_fn_inplace = "RreluWithNoiseBackward1";
  static constexpr std::string_view grad_fn2 = "RreluWithNoiseBackwardBackward0";
  static constexpr bool piecewise_linear = true;
  static double eval_slope(const Params& p) { return (p.lower.to_double() + p.upper.to_double()) / 2; }
  // Evaluation mode reads like leaky_relu in place; out of place it reads the input as PyTorch does.
  static constexpr std::string_view inplace_error = kLeakyInplaceError;
  static Saves saves(const Params& p, bool inplace) {
    return inplace && eval_slope(p) >= 0 ? Saves::output : Saves::input;
  }
  static auto backward(auto m, auto v, auto dy, const Params& p, bool) { return leaky_backward(m, v, dy, eval_slope(p)); }
};

// elu, selu and celu share PyTorch's parametrisation (scale, input_scale) and kernel:
// y = x > 0 ? scale * x : alpha * scale * (exp(x * input_scale) - 1).
// ramp uses expm1 (1.13 uses exp(x) - 1, which loses every digit near 0); adding +0 keeps
// 1.13's elu(-0.0) == +0.0.
inline auto elu_formula(auto m, auto x, double alpha, double scale, double input_scale) {
  auto neg = m.add(m.mul(m.set(alpha * scale), m.expm1(m.mul(x, m.set(input_scale)))), m.zero());
  auto pos = scale == 1.0 ? x : m.mul(x, m.set(scale));
  return m.select(m.gt(x, m.zero()), pos, neg);
}

// dx = v <= 0 ? dy * input_scale * alpha * scale * exp(x * input_scale) : dy * scale, with v the
// input, or from the output y as dy * input_scale * (y + alpha * scale) (PyTorch's is_result form).
// x <= 0 takes the negative branch, so elu'(0) = alpha; NaN takes the positive one. Out of place
// ramp reads the input, as PyTorch: from the output, y + alpha * scale cancels for x << 0 (1.5e7
// float ulp at x = -19.5, where exp(x) is exact to an ulp). In place (alpha >= 0) the output.
inline auto elu_backward(auto m, auto v, auto dy, double alpha, double scale, double input_scale, bool is_result) {
  auto neg = is_result ? m.mul(m.mul(dy, m.set(input_scale)), m.add(v, m.set(alpha * scale)))
                       : m.mul(m.mul(dy, m.set(input_scale * alpha * scale)), m.exp(m.mul(v, m.set(input_scale))));
  return m.select(m.le(v, m.zero()), neg, scale == 1.0 ? dy : m.mul(dy, m.set(scale)));
}
// 1.13's elu_double_backward: d(dx)/dv with the mask v < 0 (0 at v == 0, where the first
// derivative's branch is the negative one).
inline double elu_backward2(double v, double dy, double alpha, double scale, double input_scale, bool is_result) {
  if (!(v < 0)) return 0;
  return is_result ? dy * input_scale : dy * input_scale * input_scale * alpha * scale * std::exp(v * input_scale);
}
struct EluFamily : Entry {
  static constexpr std::string_view inplace_error = kEluInplaceError;
  static constexpr Saves saves_for(double alpha, bool inplace) {
    return inplace && alpha >= 0 ? Saves::output : Saves::input;
  }
};

struct ELU : EluFamily {
  static constexpr std::string_view name = "elu", module = "ELU", kernel = "elu_cpu";
  struct Params {
    Scalar alpha = 1.0;
  };
  static constexpr std::tuple fields{Field<Params, Scalar>{"alpha", &Params::alpha}};
  static auto forward(auto m, auto x, const Params& p) { return elu_formula(m, x, p.alpha.to_double(), 1, 1); }
  static constexpr std::string_view grad_fn = "EluBackward0", grad_fn_inplace = "EluBackward1";
  static constexpr std::string_view grad_fn2 = "EluBackwardBackward0";
  static Saves saves(const Params& p, bool inplace) { return saves_for(p.alpha.to_double(), inplace); }
  static auto backward(auto m, auto v, auto dy, const Params& p, bool is_result) {
    return elu_backward(m, v, dy, p.alpha.to_double(), 1, 1, is_result);
  }
  static double backward2(double v, double dy, const Params& p, bool is_result) {
    return elu_backward2(v, dy, p.alpha.to_double(), 1, 1, is_result);
  }
};

struct SELU : EluFamily {
  static constexpr std::string_view name = "selu", module = "SELU", kernel = "elu_cpu";
  struct Params {};
  static constexpr std::tuple fields{};
  // y = scale * elu(x, alpha) with SELU's fixed constants
  static auto forward(auto m, auto x, const Params&) { return elu_formula(m, x, kSeluAlpha, kSeluScale, 1); }
  static constexpr std::string_view grad_fn = "EluBackward0", grad_fn_inplace = "EluBackward1";  // no Selu node
  static constexpr std::string_view grad_fn2 = "EluBackwardBackward0";
  static Saves saves(const Params&, bool inplace) { return saves_for(kSeluAlpha, inplace); }
  static auto backward(auto m, auto v, auto dy, const Params&, bool is_result) {
    return elu_backward(m, v, dy, kSeluAlpha, kSeluScale, 1, is_result);
  }
  static double backward2(double v, double dy, const Params&, bool is_result) {
    return elu_backward2(v, dy, kSeluAlpha, kSeluScale, 1, is_result);
  }
};

struct CELU : EluFamily {
  static constexpr std::string_view name = "celu", module = "CELU", kernel = "elu_cpu";
  struct Params {
    Scalar alpha = 1.0;
  };
  static constexpr std::tuple fields{Field<Params, Scalar>{"alpha", &Params::alpha}};
  static void check(const Params& p, ScalarType) {
    RAMP_CHECK(p.alpha.to_double() != 0, "ZeroDivisionError: alpha cannot be 0 for CELU");
  }
  // y = max(0, x) + min(0, alpha * (exp(x / alpha) - 1)); PyTorch multiplies by 1 / alpha
  static auto forward(auto m, auto x, const Params& p) {
    double a = p.alpha.to_double();
    return elu_formula(m, x, a, 1, 1.0 / a);
  }
  static constexpr std::string_view grad_fn = "CeluBackward0", grad_fn_inplace = "CeluBackward1";
  static constexpr std::string_view grad_fn2 = "EluBackwardBackward0";
  static Saves saves(const Params& p, bool inplace) { return saves_for(p.alpha.to_double(), inplace); }
  static auto backward(auto m, auto v, auto dy, const Params& p, bool is_result) {
    double a = p.alpha.to_double();
    return elu_backward(m, v, dy, a, 1, 1.0 / a, is_result);
  }
  static double backward2(double v, double dy, const Params& p, bool is_result) {
    const double a = p.alpha.to_double();
    return elu_backward2(v, dy, a, 1, 1.0 / a, is_result);
  }
};

// y = x * sigmoid(z) = x / (1 + exp(-z))  (silu(-inf) is nan, as in PyTorch)
inline auto x_sigmoid(auto m, auto x, auto z) { return m.div(x, m.add(m.set(1), m.exp(m.neg(z)))); }
// d/dx x sigmoid(b x) = s (1 + b x (1 - s)), s = sigmoid(b x): NaN at +-inf, as in PyTorch.
inline auto x_sigmoid_backward(auto m, auto x, auto dy, double b) {
  auto bx = b == 1.0 ? x : m.mul(x, m.set(b));
  auto s = m.div(m.set(1), m.add(m.set(1), m.exp(m.neg(bx))));
  return m.mul(m.mul(dy, s), m.add(m.set(1), m.mul(bx, m.sub(m.set(1), s))));
}

struct GELU : Entry {
  static constexpr std::string_view name = "gelu", module = "GELU", kernel = "GeluKernelImpl";
  static constexpr Inplace inplace = Inplace::none;
  struct Params {
    std::string_view approximate = "none";
  };
  static constexpr std::tuple fields{Field<Params, std::string_view>{"approximate", &Params::approximate}};
  static void check(const Params& p, ScalarType) {
    RAMP_CHECK(p.approximate == "none" || p.approximate == "tanh",
               "approximate argument must be either none or tanh.");
  }
  // y = 0.5 x (1 + erf(x / sqrt 2)) = x Phi(x), or with approximate="tanh"
  // y = 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3). Both as special functions of the
  // adapter, accurate to a few ulp over the whole range: the literal formulas cancel for x < 0
  // (1 + erf, 1 + tanh) and lose x^2 ulp to the rounded argument in the tail
  // (src/kernels/gelu_math.h).
  static bool tanh_form(const Params& p) { return p.approximate.size() == 4 && p.approximate[0] == 't'; }
  static auto forward(auto m, auto x, const Params& p) { return tanh_form(p) ? m.gelu_tanh(x) : m.gelu_erf(x); }
  static constexpr std::string_view grad_fn = "GeluBackward0", grad_fn_inplace = "GeluBackward0";
  static constexpr std::string_view grad_fn2 = "GeluBackwardBackward0";
  static Params persist(Params p) { return {p.approximate == "tanh" ? "tanh" : "none"}; }
  // dx = dy (Phi(x) + x phi(x)), or dy d/dx[0.5 x (1 + tanh(u))]: NaN at +-inf (x * 0), as in PyTorch
  static auto backward(auto m, auto x, auto dy, const Params& p, bool) {
    return m.mul(dy, tanh_form(p) ? m.gelu_tanh_grad(x) : m.gelu_erf_grad(x));
  }
};


struct SiLU : Entry {
  static constexpr std::string_view name = "silu", module = "SiLU", kernel = "silu_cpu";
  struct Params {};
  static constexpr std::tuple fields{};
  static constexpr Inplace inplace = Inplace::keyword;
  static constexpr bool exp_within_input = true;  // exp(-x)
  static auto forward(auto m, auto x, const Params&) { return x_sigmoid(m, x, x); }
  static constexpr std::string_view grad_fn = "SiluBackward0", grad_fn_inplace = "SiluBackward0";
  // 1.13 differentiates silu/mish's backward as a composite of mul/add: its top node is a mul.
  static constexpr std::string_view grad_fn2 = "MulBackward0";
  static auto backward(auto m, auto x, auto dy, const Params&, bool) { return x_sigmoid_backward(m, x, dy, 1.0); }
};

// Swish: x * sigmoid(beta x), beta = 1 is SiLU. Not in PyTorch; named as in the Swish paper.
struct Swish : Entry {
  static constexpr std::string_view name = "swish", module = "Swish", kernel = "swish_cpu";
  struct Params {
    Scalar beta = 1.0;
  };
  static constexpr std::tuple fields{Field<Params, Scalar>{"beta", &Params::beta}};
  static constexpr Inplace inplace = Inplace::none;
  static auto forward(auto m, auto x, const Params& p) {
    return x_sigmoid(m, x, m.mul(x, m.set(p.beta.to_double())));
  }
  static constexpr std::string_view grad_fn = "SwishBackward0", grad_fn_inplace = "SwishBackward0";
  static constexpr std::string_view grad_fn2 = "SwishBackwardBackward0";
  static auto backward(auto m, auto x, auto dy, const Params& p, bool) {
    return x_sigmoid_backward(m, x, dy, p.beta.to_double());
  }
};

struct Mish : Entry {
  static constexpr std::string_view name = "mish", module = "Mish", kernel = "mish_cpu";
  struct Params {};
  static constexpr std::tuple fields{};
  static constexpr Inplace inplace = Inplace::keyword;
  static constexpr DTypeSet dtypes{ScalarType::Float32, ScalarType::Float64};  // 1.13: no bf16
  // y = x * tanh(log1p(exp(x))), computed as the identical x * n / (n + 2), n = e (e + 2),
  // e = exp(min(x, 40)) (tanh(log(1 + e)) = ((1+e)^2 - 1) / ((1+e)^2 + 1)): one exp instead of
  // exp, log1p and tanh, and no rounding of 1 + e for small e. Past 40 the ratio is 1 in double too.
  static auto forward(auto m, auto x, const Params&) {
    auto e = m.exp(m.select(m.gt(x, m.set(40)), m.set(40), x));
    auto n = m.mul(e, m.add(e, m.set(2)));
    return m.mul(x, m.div(n, m.add(n, m.set(2))));
  }
  // dx = dy (t + x sigmoid(x) (1 - t^2)), t = tanh(softplus(x)). With e, n as above, t = n / (n + 2),
  // 1 - t^2 = 4 (n + 1) / (n + 2)^2, sigmoid(x) (n + 1) = e (1 + e), so
  //   mish'(x) = e B / (n + 2)^2,   B = 4 (1 + x) + e ((6 + 4 x) + e (4 + e)).
  // The literal sum cancels around mish's minimum (x = -1.1924, where mish' = 0: 1.13 is thousands of
  // ulp off within 1e-3 of it); in B the two cancelling coefficients 1 + x and 6 + 4 x are exact there
  // (Sterbenz), which measured ~10x closer to the exact value than 1.13 at every distance from the
  // root, with one exp and one division instead of two and three. Past x = 20 mish' is
  // 1 + (4x - 2) e^-2x: 1 in float, within an ulp of 1 in double (1 + 2^-52 up to x = 20.55, as
  // 1.13 also gives 1 there); e^4 stays finite in float. Kept as 1 + x * 0: NaN for +inf like
  // 1.13's; -inf gives 0 * -inf = NaN like 1.13's too.
  static constexpr std::string_view grad_fn = "MishBackward0", grad_fn_inplace = "MishBackward0";
  // 1.13 differentiates silu/mish's backward as a composite of mul/add: its top node is a mul.
  static constexpr std::string_view grad_fn2 = "MulBackward0";
  static auto backward(auto m, auto x, auto dy, const Params&, bool) {
    auto big = m.gt(x, m.set(20));
    auto xc = m.select(big, m.set(20), x);
    auto e = m.exp(xc);
    auto n2 = m.add(m.mul(e, m.add(e, m.set(2))), m.set(2));  // n + 2
    auto b = m.add(m.mul(m.set(4), m.add(m.set(1), xc)),
                   m.mul(e, m.add(m.add(m.set(6), m.mul(m.set(4), xc)), m.mul(e, m.add(m.set(4), e)))));
    auto g = m.select(big, m.add(m.set(1), m.mul(x, m.zero())), m.div(m.mul(e, b), m.mul(n2, n2)));
    return m.mul(dy, g);
  }
};

struct Softplus : Entry {
  static constexpr std::string_view name = "softplus", module = "Softplus", kernel = "softplus_cpu";
  struct Params {
    Scalar beta = 1, threshold = 20;
  };
  static constexpr std::tuple fields{Field<Params, Scalar>{"beta", &Params::beta},
                                     Field<Params, Scalar>{"threshold", &Params::threshold}};
  static constexpr Inplace inplace = Inplace::none;
  static constexpr bool repr_inplace = false;
  // y = x * beta > threshold ? x : log1p(exp(x * beta)) / beta  (threshold compares x*beta)
  static auto forward(auto m, auto x, const Params& p) {
    double beta = p.beta.to_double();
    auto xb = m.mul(x, m.set(beta));
    return m.select(m.gt(xb, m.set(p.threshold.to_double())), x, m.div(m.log1p(m.exp(xb)), m.set(beta)));
  }
  // dx = x * beta > threshold ? dy : dy * z / (z + 1), z = exp(x * beta)
  static constexpr std::string_view grad_fn = "SoftplusBackward0", grad_fn_inplace = "SoftplusBackward0";
  static constexpr std::string_view grad_fn2 = "SoftplusBackwardBackward0";
  static auto backward(auto m, auto x, auto dy, const Params& p, bool) {
    auto xb = m.mul(x, m.set(p.beta.to_double()));
    auto z = m.exp(xb);
    return m.select(m.gt(xb, m.set(p.threshold.to_double())), dy, m.div(m.mul(dy, z), m.add(z, m.set(1))));
  }
  // 1.13's softplus_double_backward: beta dy s (1 - s), s = sigmoid(x beta), masked by x beta < threshold
  // (0 at the threshold itself, where the first derivative still takes the curved branch).
  static double backward2(double x, double dy, const Params& p, bool) {
    const double beta = p.beta.to_double(), xb = x * beta, s = 1 / (1 + std::exp(-xb));
    return xb < p.threshold.to_double() ? dy * (1 - s) * s * beta : 0;
  }
};

// relu6(x + 3), NaN passing through (std::min/max in PyTorch keep a NaN first argument).
inline auto relu6_shift3(auto m, auto x) {
  auto t = m.add(x, m.set(3));
  t = m.select(m.lt(t, m.zero()), m.zero(), t);
  return m.select(m.gt(t, m.set(6)), m.set(6), t);
}

struct Hardswish : Entry {
  static constexpr std::string_view name = "hardswish", module = "Hardswish", kernel = "hardswish_cpu";
  struct Params {};
  static constexpr std::tuple fields{};
  static constexpr Inplace inplace = Inplace::keyword;
  static constexpr bool repr_inplace = false;  // 1.13 has no extra_repr for Hardswish
  // y = x * relu6(x + 3) / 6
  static auto forward(auto m, auto x, const Params&) { return m.div(m.mul(x, relu6_shift3(m, x)), m.set(6)); }
  // dx = x < -3 ? 0 : x <= 3 ? dy (x / 3 + 0.5) : dy  (-0.5 at -3, 1.5 at 3, dy at NaN)
  static constexpr std::string_view grad_fn = "HardswishBackward0", grad_fn_inplace = "HardswishBackward0";
  static constexpr std::string_view grad_fn2 = "HardswishBackwardBackward0";
  static auto backward(auto m, auto x, auto dy, const Params&, bool) {
    auto mid = m.mul(dy, m.add(m.div(x, m.set(3)), m.set(0.5)));
    return m.select(m.lt(x, m.set(-3)), m.zero(), m.select(m.le(x, m.set(3)), mid, dy));
  }
  // 1.13: dy / 3 strictly inside (-3, 3), 0 at both kinks.
  static double backward2(double x, double dy, const Params&, bool) { return x > -3 && x < 3 ? dy / 3 : 0; }
};

struct Hardsigmoid : Entry {
  static constexpr std::string_view name = "hardsigmoid", module = "Hardsigmoid", kernel = "hardsigmoid_cpu";
  struct Params {};
  static constexpr std::tuple fields{};
  static constexpr Inplace inplace = Inplace::keyword;
  static constexpr bool repr_inplace = false;
  // y = relu6(x + 3) / 6
  static auto forward(auto m, auto x, const Params&) { return m.div(relu6_shift3(m, x), m.set(6)); }
  // dx = -3 < x < 3 ? dy / 6 : 0  (0 at both kinks and at NaN). PyTorch multiplies by the float
  // 1.0f / 6.0f in every dtype.
  static constexpr std::string_view grad_fn = "HardsigmoidBackward0", grad_fn_inplace = "HardsigmoidBackward0";
  // 1.13 has no derivative for hardsigmoid_backward: dx's node raises at the second backward.
  static constexpr std::string_view grad_fn2 = "torch::autograd::NotImplemented";
  static constexpr bool piecewise_linear = true;
  static auto backward(auto m, auto x, auto dy, const Params&, bool) {
    auto mid = m.mul(dy, m.set(double(1.0f / 6.0f)));
    return m.select(m.gt(x, m.set(-3)), m.select(m.lt(x, m.set(3)), mid, m.zero()), m.zero());
  }
};

struct Threshold : Entry {
  static constexpr std::string_view name = "threshold", module = "Threshold", kernel = "threshold_cpu";
  struct Params {
    Scalar threshold = 0, value = 0;
  };
  static constexpr std::tuple fields{Field<Params, Scalar>{"threshold", &Params::threshold, true},
                                     Field<Params, Scalar>{"value", &Params::value, true}};
  static constexpr DTypeSet dtypes = kFloating | kIntegral;
  static Params bf16_params(Params p, bool) { return {bf16_rounded(p.threshold), bf16_rounded(p.value)}; }
  // y = x <= threshold ? value : x  (x == threshold gives value; NaN stays NaN)
  static auto forward(auto m, auto x, const Params& p) {
    return m.select(m.le(x, m.set(p.threshold.to_double())), m.set(p.value.to_double()), x);
  }
  // dx = v <= threshold ? 0 : dy. With value <= threshold the output is <= threshold exactly where
  // the input is, so the in-place form reads its output then (relu's case) and keeps no copy;
  // otherwise, and out of place (as PyTorch), the input.
  static constexpr std::string_view grad_fn = "ThresholdBackward0", grad_fn_inplace = "ThresholdBackward1";
  static constexpr std::string_view grad_fn2 = "ThresholdBackwardBackward0";
  static constexpr bool piecewise_linear = true;
  static Saves saves(const Params& p, bool inplace) {
    return inplace && p.value.to_double() <= p.threshold.to_double() ? Saves::output : Saves::input;
  }
  static auto backward(auto m, auto v, auto dy, const Params& p, bool) {
    return m.select(m.le(v, m.set(p.threshold.to_double())), m.zero(), dy);
  }
};

struct Sigmoid : Entry {
  static constexpr std::string_view name = "sigmoid", module = "Sigmoid", kernel = "sigmoid_cpu";
  struct Params {};
  static constexpr std::tuple fields{};
  static constexpr bool ints_give_float = true;
  static constexpr bool exp_within_input = true;  // exp(-x)
  // y = 1 / (1 + exp(-x))
  static auto forward(auto m, auto x, const Params&) { return m.div(m.set(1), m.add(m.set(1), m.exp(m.neg(x)))); }
  // dx = dy (1 - y) y
  static constexpr std::string_view grad_fn = "SigmoidBackward0", grad_fn_inplace = "SigmoidBackward0";
  static constexpr std::string_view grad_fn2 = "SigmoidBackwardBackward0";
  static Saves saves(const Params&, bool) { return Saves::output; }
  static auto backward(auto m, auto y, auto dy, const Params&, bool) {
    return m.mul(m.mul(dy, m.sub(m.set(1), y)), y);
  }
};

struct Tanh : Entry {
  static constexpr std::string_view name = "tanh", module = "Tanh", kernel = "tanh_vml_cpu";
  struct Params {};
  static constexpr std::tuple fields{};
  static constexpr bool ints_give_float = true;
  static auto forward(auto m, auto x, const Params&) { return m.tanh(x); }
  // dx = dy (1 - y^2), as (1 - y)(1 + y): 1 - y is exact near |y| = 1 where 1 - y^2 without a fused
  // multiply-add loses up to all digits (941 float ulp at x = 4.66 on the baseline ISA)
  static constexpr std::string_view grad_fn = "TanhBackward0", grad_fn_inplace = "TanhBackward0";
  static constexpr std::string_view grad_fn2 = "TanhBackwardBackward0";
  static Saves saves(const Params&, bool) { return Saves::output; }
  static auto backward(auto m, auto y, auto dy, const Params&, bool) {
    return m.mul(dy, m.mul(m.sub(m.set(1), y), m.add(m.set(1), y)));
  }
};

// |x| through a select (the adapters have no abs): NaN stays NaN.
inline auto abs_of(auto m, auto x) { return m.select(m.lt(x, m.zero()), m.neg(x), x); }

struct LogSigmoid : Entry {
  static constexpr std::string_view name = "logsigmoid", module = "LogSigmoid", kernel = "log_sigmoid_cpu";
  struct Params {};
  static constexpr std::tuple fields{};
  static constexpr Inplace inplace = Inplace::none;
  static constexpr bool contiguous_output = true;
  static constexpr bool exp_within_input = true;  // exp(-|x|)
  // y = min(x, 0) - log1p(exp(-|x|))  (1.13's formula; both terms <= 0, so nothing cancels)
  static auto forward(auto m, auto x, const Params&) {
    auto z = m.exp(m.neg(abs_of(m, x)));
    return m.sub(m.select(m.lt(x, m.zero()), x, m.zero()), m.log1p(z));
  }
  // dx = dy (x < 0 ? 1 - q : q), q = z / (1 + z), z = exp(-|x|)  (1.13's, which saves z as `buffer`;
  // ramp recomputes it from the input)
  static constexpr std::string_view grad_fn = "LogSigmoidBackward0", grad_fn_inplace = "LogSigmoidBackward0";
  static constexpr std::string_view grad_fn2 = "LogSigmoidBackwardBackward0";
  static auto backward(auto m, auto x, auto dy, const Params&, bool) {
    auto z = m.exp(m.neg(abs_of(m, x)));
    auto q = m.div(z, m.add(m.set(1), z));
    return m.mul(m.select(m.lt(x, m.zero()), m.sub(m.set(1), q), q), dy);
  }
};

// 1.13 composes softsign and tanhshrink of other ops in Python: their nodes are those ops' (Div, Sub),
// integer inputs give float32, and bool fails in the first op.
struct Softsign : Entry {
  static constexpr std::string_view name = "softsign", module = "Softsign", kernel = "abs_cpu";
  struct Params {};
  static constexpr std::tuple fields{};
  static constexpr Inplace inplace = Inplace::none;
  static constexpr bool ints_give_float = true;
  static void check(const Params&, ScalarType t) {
    RAMP_CHECK(t != ScalarType::Bool, "\"abs_cpu\" not implemented for 'Bool'");
  }
  // sgn(x), 0 at +-0 and NaN: |x| = x sgn(x) has 1.13's AbsBackward0 slope (0) at 0 in the dual
  // numbers, so the second derivative at 0 is 1.13's (0, not -2)
  static auto sgn(auto m, auto x) {
    return m.select(m.lt(x, m.zero()), m.set(-1), m.select(m.gt(x, m.zero()), m.set(1), m.zero()));
  }
  // y = x / (|x| + 1)  (1.13's ops, so float32/float64 are bit for bit; softsign(+-inf) is NaN)
  static auto forward(auto m, auto x, const Params&) { return m.div(x, m.add(m.mul(x, sgn(m, x)), m.set(1))); }
  // dx = dy / a + (-dy ((x / a) / a)) sgn(x), a = |x| + 1: 1.13's Div and Abs backward summed (it
  // cancels for large |x| as 1.13's does, and is NaN at +-inf like 1.13's).
  static constexpr std::string_view grad_fn = "DivBackward0", grad_fn_inplace = "DivBackward0";
  static constexpr std::string_view grad_fn2 = "AddBackward0";
  static auto backward(auto m, auto x, auto dy, const Params&, bool) {
    auto s = sgn(m, x);
    auto a = m.add(m.mul(x, s), m.set(1));
    return m.add(m.div(dy, a), m.mul(m.mul(m.neg(dy), m.div(m.div(x, a), a)), s));
  }
};

// (x - tanh x) / x^3 as a polynomial in x^2 on |x| < 1 (Chebyshev fit, mpmath: 2.3e-17 relative).
inline constexpr double kTanhshrinkPoly[] = {
    8.538161901212156e-09, -9.364144622965759e-08, 5.122767150793262e-07, -1.9216974143833895e-06,
    5.777484136865915e-06, -1.541627724102249e-05, 3.8991741215043214e-05, -9.67910218266933e-05,
    0.0002390884367049363, -0.0005900175685254319, 0.0014558326516768139, -0.003592127823422879,
    0.008863235512566054, -0.021869488535296695, 0.053968253968231523, -0.1333333333333331, 0.3333333333333333};

struct Tanhshrink : Entry {
  static constexpr std::string_view name = "tanhshrink", module = "Tanhshrink", kernel = "tanh_vml_cpu";
  struct Params {};
  static constexpr std::tuple fields{};
  static constexpr Inplace inplace = Inplace::none;
  static constexpr bool ints_give_float = true;
  static void check(const Params&, ScalarType t) {
    RAMP_CHECK(t != ScalarType::Bool,
               "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a "
               "mask, use the `~` or `logical_not()` operator instead.");
  }
  // y = x - tanh(x). 1.13's literal difference cancels for small |x| (20 float ulp at 0.3, 0 below
  // 1e-4 where the exact value is x^3 / 3); ramp: x^3 P(x^2) for |x| < 1, and beyond
  // sign(x) ((|x| - 1) + 2 / (exp(2|x|) + 1)), whose terms are >= 0 (x - 1 exact up to 2): <= 3 ulp.
  // + 0 gives 1.13's tanhshrink(-0.0) == +0.0.
  static auto forward(auto m, auto x, const Params&) {
    auto a = abs_of(m, x);
    auto big = m.add(m.sub(a, m.set(1)), tail(m, a));
    auto y = m.select(m.lt(a, m.set(1)), small(m, x), m.select(m.lt(x, m.zero()), m.neg(big), big));
    return m.add(y, m.zero());
  }
  static auto small(auto m, auto x) {
    auto t = m.mul(x, x);
    auto p = m.set(kTanhshrinkPoly[0]);
    for (std::size_t i = 1; i < std::size(kTanhshrinkPoly); ++i) p = m.add(m.mul(p, t), m.set(kTanhshrinkPoly[i]));
    return m.mul(m.mul(x, t), p);
  }
  static auto tail(auto m, auto a) { return m.div(m.set(2), m.add(m.exp(m.add(a, a)), m.set(1))); }  // 1 - tanh(a)
  // dx = dy tanh(x)^2, tanh from the same pieces: x - small(x) below 1 (small <= x^3 / 3 is a
  // correction to x, so tanh is within an ulp; the library tanh squared was 4.5 float ulp off),
  // sign(x) (1 - tail(|x|)) above. (1.13 sums dy - dy (1 - tanh^2), which cancels for small |x|.)
  static constexpr std::string_view grad_fn = "SubBackward0", grad_fn_inplace = "SubBackward0";
  static constexpr std::string_view grad_fn2 = "AddBackward0";
  static auto backward(auto m, auto x, auto dy, const Params&, bool) {
    auto a = abs_of(m, x);
    auto th = m.select(m.lt(a, m.set(1)), m.sub(x, small(m, x)), m.sub(m.set(1), tail(m, a)));
    return m.mul(dy, m.mul(th, th));
  }
};

// dx = -lambd <= v <= lambd ? 0 : dy (dy at NaN), softshrink's and hardshrink's.
inline auto shrink_backward(auto m, auto v, auto dy, double l) {
  return m.select(m.ge(v, m.set(-l)), m.select(m.le(v, m.set(l)), m.zero(), dy), dy);
}

struct Softshrink : Entry {
  static constexpr std::string_view name = "softshrink", module = "Softshrink", kernel = "softshrink_cpu";
  struct Params {
    Scalar lambd = 0.5;
  };
  static constexpr std::tuple fields{Field<Params, Scalar>{"lambd", &Params::lambd}};
  static constexpr Inplace inplace = Inplace::none;
  static constexpr bool repr_bare = true;
  static void check(const Params& p, ScalarType) {
    RAMP_CHECK(p.lambd.to_double() >= 0, "lambda must be greater or equal to 0, but found to be ",
               c10_number(p.lambd.to_double()), ".");
  }
  // y = x > lambd ? x - lambd : x < -lambd ? x + lambd : 0  (NaN gives 0, as in 1.13)
  static auto forward(auto m, auto x, const Params& p) {
    const double l = p.lambd.to_double();
    return m.select(m.gt(x, m.set(l)), m.sub(x, m.set(l)), m.select(m.lt(x, m.set(-l)), m.add(x, m.set(l)), m.zero()));
  }
  static Params bf16_params(Params p, bool backward) { return {backward ? bf16_rounded(p.lambd) : p.lambd}; }
  static constexpr std::string_view grad_fn = "SoftshrinkBackward0", grad_fn_inplace = "SoftshrinkBackward0";
  static constexpr std::string_view grad_fn2 = "SoftshrinkBackwardBackward0";
  static constexpr bool piecewise_linear = true;
  static auto backward(auto m, auto v, auto dy, const Params& p, bool) {
    return shrink_backward(m, v, dy, p.lambd.to_double());
  }
};

struct Hardshrink : Entry {
  static constexpr std::string_view name = "hardshrink", module = "Hardshrink", kernel = "hardshrink_cpu";
  struct Params {
    Scalar lambd = 0.5;
  };
  static constexpr std::tuple fields{Field<Params, Scalar>{"lambd", &Params::lambd}};
  static constexpr Inplace inplace = Inplace::none;
  static constexpr bool repr_bare = true;
  // y = -lambd <= x <= lambd ? 0 : x  (NaN passes; a negative lambd is allowed, as in 1.13)
  static auto forward(auto m, auto x, const Params& p) {
    const double l = p.lambd.to_double();
    return m.select(m.ge(x, m.set(-l)), m.select(m.le(x, m.set(l)), m.zero(), x), x);
  }
  static Params bf16_params(Params p, bool) { return {bf16_rounded(p.lambd)}; }
  static constexpr std::string_view grad_fn = "HardshrinkBackward0", grad_fn_inplace = "HardshrinkBackward0";
  static constexpr std::string_view grad_fn2 = "HardshrinkBackwardBackward0";
  static constexpr bool piecewise_linear = true;
  static auto backward(auto m, auto v, auto dy, const Params& p, bool) {
    return shrink_backward(m, v, dy, p.lambd.to_double());
  }
};

// Softmax and LogSoftmax reduce along `dim`; their kernels live in src/kernels/softmax.
struct Softmax : Entry {
  static constexpr std::string_view name = "softmax", module = "Softmax", kernel = "softmax_lastdim_kernel_impl";
  static constexpr Kind kind = Kind::softmax;
  static constexpr Inplace inplace = Inplace::none;
  static constexpr bool log = false;
  static constexpr bool negate = false;  // softmin: softmax(-x), as 1.13 composes it
  struct Params {
    std::optional<std::int64_t> dim;
  };
  static constexpr std::tuple fields{Field<Params, std::optional<std::int64_t>>{"dim", &Params::dim}};
  static constexpr std::string_view grad_fn = "SoftmaxBackward0", grad_fn_inplace = "SoftmaxBackward0";
  static constexpr std::string_view grad_fn2 = "SoftmaxBackwardDataBackward0";
};
struct LogSoftmax : Softmax {
  static constexpr std::string_view name = "log_softmax", module = "LogSoftmax",
                                    kernel = "log_softmax_lastdim_kernel_impl";
  static constexpr bool log = true;
  static constexpr std::string_view grad_fn = "LogSoftmaxBackward0", grad_fn_inplace = "LogSoftmaxBackward0";
  static constexpr std::string_view grad_fn2 = "LogSoftmaxBackwardDataBackward0";
};
// y = softmax(-x): 1.13's nodes are NegBackward0 under SoftmaxBackward0.
struct Softmin : Softmax {
  static constexpr std::string_view name = "softmin", module = "Softmin";
  static constexpr bool negate = true;
};

// The list every generated piece iterates over. Add an activation: one entry above, one name here.
using Activations = std::tuple<ReLU, ReLU6, LeakyReLU, PReLU, RReLU, ELU, SELU, CELU, GELU, SiLU, Swish, Mish,
                               Softplus, Hardtanh, Hardswish, Hardsigmoid, Threshold, Sigmoid, Tanh, Softmax,
                               LogSoftmax, LogSigmoid, Softsign, Tanhshrink, Softshrink, Hardshrink, Softmin>;
inline constexpr std::size_t kNumActivations = std::tuple_size_v<Activations>;

template <class A, std::size_t I = 0> constexpr std::size_t index_of() {
  if constexpr (std::is_same_v<std::tuple_element_t<I, Activations>, A>) return I;
  else return index_of<A, I + 1>();
}
template <class F> constexpr void for_each_activation(F&& f) {
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    (f(std::tuple_element_t<I, Activations>{}), ...);
  }(std::make_index_sequence<kNumActivations>{});
}
// Calls f(Entry{}) for the entry named `name` ("relu" or "ReLU"); false when there is none.
template <class F> bool visit_by_name(std::string_view name, F&& f) {
  bool found = false;
  for_each_activation([&](auto a) {
    using A = decltype(a);
    if (!found && (name == A::name || name == A::module)) {
      found = true;
      f(a);
    }
  });
  return found;
}
template <class A> constexpr bool is_pointwise = A::kind == Kind::pointwise;

// The formula adapter over plain numbers: the tests' oracle runs each formula with T = double.
template <class T> struct ScalarMath {
  using V = T;
  static V zero() { return T(0); }
  static V set(double c) { return convert<T>(c); }
  static V add(V a, V b) { return a + b; }
  static V sub(V a, V b) { return a - b; }
  static V mul(V a, V b) { return a * b; }
  static V div(V a, V b) { return a / b; }
  static V neg(V a) { return -a; }
  static bool lt(V a, V b) { return a < b; }
  static bool le(V a, V b) { return a <= b; }
  static bool gt(V a, V b) { return a > b; }
  static bool ge(V a, V b) { return a >= b; }
  static bool not_(bool a) { return !a; }
  static V select(bool c, V a, V b) { return c ? a : b; }
  static V exp(V a) { return std::exp(a); }
  static V expm1(V a) { return std::expm1(a); }
  static V log1p(V a) { return std::log1p(a); }
  static V tanh(V a) { return std::tanh(a); }
  static V erf(V a) { return std::erf(a); }
  // gelu's special functions in long double (11 more bits than double; the test oracle).
  using L = long double;
  static L tanh_2u(L x) { return 2 * std::sqrt(2 / 3.14159265358979323846264338327950288L) * (x + 0.044715L * x * x * x); }
  static L sigmoid(L v) { return 1 / (1 + std::exp(-v)); }
  static V gelu_erf(V a) { L x = a; return T(x / 2 * std::erfc(-x / std::sqrt(2.0L))); }
  static V gelu_erf_grad(V a) {
    L x = a;
    return T(std::erfc(-x / std::sqrt(2.0L)) / 2 + x * std::exp(-x * x / 2) / std::sqrt(2 * 3.14159265358979323846264338327950288L));
  }
  static V gelu_tanh(V a) { L x = a; return T(x * sigmoid(tanh_2u(x))); }
  static V gelu_tanh_grad(V a) {
    L x = a, s = sigmoid(tanh_2u(x));
    L dv = 2 * std::sqrt(2 / 3.14159265358979323846264338327950288L) * (1 + 3 * 0.044715L * x * x);
    return T(s + x * dv * s * sigmoid(-tanh_2u(x)));
  }
};

// Entries whose gradient is dy or 0 by a predicate of the input, which can be saved as a bit mask.
template <class A> constexpr bool has_pass = requires(const typename A::Params& p) { A::pass(ScalarMath<double>{}, 0.0, p); };

}  // namespace ramp::act
