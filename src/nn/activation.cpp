// The generated activation modules: constructors, forward and reprs from the entries' fields.
#include <type_traits>

#include "ramp/nn/activation.h"
#include "ramp/print.h"

namespace ramp::nn {
namespace {

std::string field_repr(const Scalar& v) { return v.repr(); }
std::string field_repr(std::string_view v) { return "'" + std::string(v) + "'"; }
std::string field_repr(std::int64_t v) { return std::to_string(v); }
std::string field_repr(const std::optional<std::int64_t>& v) { return v ? std::to_string(*v) : "None"; }

}  // namespace

template <class A>
Activation<A>::Activation(Params p, bool in)
    : params(p), inplace(in), weight(A::kind == act::Kind::prelu ? register_parameter("weight", {}) : no_weight_) {
  RAMP_CHECK(!in || A::inplace != act::Inplace::none, A::module, " has no in-place form");
  if constexpr (std::is_same_v<A, act::Hardtanh>) {
    RAMP_CHECK(p.max_val.to_double() > p.min_val.to_double(), "Hardtanh: max_val (", p.max_val.repr(),
               ") must be greater than min_val (", p.min_val.repr(), ")");
  }
  if constexpr (A::kind == act::Kind::prelu) {
    RAMP_CHECK(p.num_parameters >= 0, "PReLU: num_parameters must not be negative, got ", p.num_parameters);
    weight = full({p.num_parameters}, p.init.to_double()).requires_grad_();
  }
}

template <class A> Tensor Activation<A>::forward(const Tensor& x) {
  if constexpr (A::kind == act::Kind::prelu) {
    return prelu(x, weight);
  } else {
    Params p = params;
    if constexpr (A::kind == act::Kind::rrelu) p.training = is_training();
    if constexpr (A::inplace != act::Inplace::none) {
      if (inplace) {
        Tensor y = x;
        return activation_<A>(y, p);
      }
    }
    return activation<A>(x, p);
  }
}

template <class A> std::string Activation<A>::extra_repr() const {
  std::string s;
  std::apply([&](const auto&... f) { ((s += (s.empty() ? "" : ", ") + (A::repr_bare ? "" : std::string(f.name) + "=") +
                                              field_repr(params.*(f.member))),
                                      ...); },
             A::fields);
  if (A::repr_inplace && inplace) s += s.empty() ? "inplace=True" : ", inplace=True";
  return s;
}

std::unique_ptr<Module> make_activation(std::string_view name) {
  std::unique_ptr<Module> m;
  act::visit_by_name(name, [&](auto a) { m = std::make_unique<Activation<decltype(a)>>(); });
  RAMP_CHECK_T(ValueError, m != nullptr, "unknown activation '", name, "'");
  return m;
}

#define RAMP_INSTANTIATE(fn, A) template class Activation<act::A>;
RAMP_ACTIVATION_FUNCTIONS(RAMP_INSTANTIATE)
#undef RAMP_INSTANTIATE
template class Activation<act::PReLU>;

}  // namespace ramp::nn
