// The functional activation API over the kernel table: dtype rules, layouts, in-place checks,
// threading. Generated for every entry; nothing here is written per activation except the three
// non-pointwise kinds (prelu, rrelu training, softmax).
#include <unistd.h>

#include <algorithm>
#include <random>

#include "../kernels/kernels.h"
#include "../tensor/loop.h"
#include "../tensor/parallel.h"
#include "ramp/random.h"
#include "../autograd/function.h"
#include "activation_backward.h"
#include "activation_grad2.h"
#include "ramp/diagnostics.h"
#include "ramp/functional.h"

namespace ramp {
using detail::kGrain;
namespace {

// The cache one core can use. sysconf reports the whole socket's L3 (508 MiB on the VMs here),
// so it is capped at 32 MiB, where non-temporal stores measured faster.
std::size_t last_level_cache_bytes() {
  static const std::size_t bytes = [] {
    long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
    const std::size_t cap = std::size_t(32) << 20;
    return l3 > 0 ? std::min(std::size_t(l3), cap) : cap;
  }();
  return bytes;
}

}  // namespace

bool detail::stream_output(std::size_t traffic, const void* out) {
  return traffic > last_level_cache_bytes() / 2 && reinterpret_cast<std::uintptr_t>(out) % 64 == 0;
}

namespace {
// The layout PyTorch's suggest_memory_format gives prelu's output: channels-last
// for a channels-last 4-d input, else contiguous.
Tensor empty_suggested(const Tensor& x) {
  if (x.dim() == 4 && !x.is_contiguous()) {
    auto sz = x.sizes();
    Dims cl{sz[2] * sz[3] * sz[1], 1, sz[3] * sz[1], sz[1]};
    if (std::equal(cl.begin(), cl.end(), x.strides().begin())) return empty_strided(sz, cl, x.dtype());
  }
  return empty(x.sizes(), x.dtype());
}

[[noreturn]] void not_implemented(std::string_view kernel, ScalarType t) {
  throw Error(detail::cat("\"", kernel, "\" not implemented for '", dtype_error_name(t), "'"));
}

void check_writable(const Tensor& x) {
  RAMP_CHECK(!x.has_internal_overlap(),
             "unsupported operation: more than one element of the written-to tensor refers to a single "
             "memory location. Please clone() the tensor before performing the operation.");
}

// Runs `fn` over n dense elements from x to y, split across threads.
void run_dense(kernels::UnaryFn fn, const void* x, void* y, std::int64_t n, std::size_t esize, const void* p,
               bool out_of_place) {
  const bool stream = out_of_place && detail::stream_output(2 * std::size_t(n) * esize, y);
  detail::parallel_for(n, kGrain, 64, [&](std::int64_t b, std::int64_t e) {
    fn(static_cast<const char*>(x) + b * std::int64_t(esize), static_cast<char*>(y) + b * std::int64_t(esize),
       e - b, p, stream);
  });
}

template <class A> kernels::UnaryFn kernel_for(ScalarType t) {
  auto fn = kernels::table().unary[act::index_of<A>()][int(t)];
  if (!fn) not_implemented(A::kernel, t);
  return fn;
}

// Applies a pointwise entry to `x` writing `out` (same sizes; may be x itself).
template <class A> void pointwise(const Tensor& x, Tensor& out, const typename A::Params& p) {
  auto fn = kernel_for<A>(out.dtype());
  const bool same_layout = (x.is_contiguous() && out.is_contiguous()) ||
                           (std::equal(x.strides().begin(), x.strides().end(), out.strides().begin()) &&
                            x.is_non_overlapping_and_dense());
  if (x.dtype() == out.dtype() && same_layout) {
    run_dense(fn, x.data_ptr(), out.data_ptr(), x.numel(), x.element_size(), &p, !x.is_same(out));
    return;
  }
  // Strided or converted input: gather into a dense tensor in out's layout, then run in place.
  Tensor dense = out.is_non_overlapping_and_dense() ? out : empty_like(out);
  detail::copy_into(dense, x);
  run_dense(fn, dense.data_ptr(), dense.data_ptr(), dense.numel(), dense.element_size(), &p, false);
  if (!dense.is_same(out)) detail::copy_into(out, dense);
}

ScalarType result_dtype(bool ints_give_float, ScalarType t) {
  return ints_give_float && is_integral(t, true) ? get_default_dtype() : t;
}

// c10 names int32 "int" in its overflow message (and the others uint8_t, int64_t, ...).
void check_fits(const Scalar& s, ScalarType t) {
  const bool int32 = t == ScalarType::Int32;
  RAMP_CHECK(!overflows(s, t), "value cannot be converted to type ", int32 ? "int" : dtype_name(t),
             int32 ? "" : "_t", " without overflow");
}

template <class A> void check_args(const Tensor& x, const typename A::Params& p) {
  RAMP_CHECK(x.defined(), A::name, "(): expected a defined tensor");
  A::check(p, x.dtype());
  if (!A::dtypes.has(result_dtype(A::ints_give_float, x.dtype()))) not_implemented(A::kernel, x.dtype());
  std::apply([&](const auto&... f) {
    auto one = [&](const auto& field) {
      if constexpr (std::is_same_v<std::decay_t<decltype(p.*(field.member))>, Scalar>)
        check_fits(p.*(field.member), x.dtype());
    };
    (void)one;  // entries without fields
    (one(f), ...);
  }, A::fields);
}

void leaky(const Tensor& x, Tensor& out, double slope) { pointwise<act::LeakyReLU>(x, out, {slope}); }

Tensor softmax_impl(const Tensor& x0, std::optional<std::int64_t> dim0, bool log) {
  std::string_view kernel = log ? act::LogSoftmax::kernel : act::Softmax::kernel;
  if (!is_floating(x0.dtype())) not_implemented(kernel, x0.dtype());
  std::int64_t dim = wrap_dim(dim0.value_or(implicit_softmax_dim(x0.dim())), x0.dim());
  if (x0.dim() == 0) return softmax_impl(x0.unsqueeze(0), 0, log).squeeze(0);
  const Tensor x = x0.contiguous();
  Tensor y = empty(x.sizes(), x.dtype());  // 1.13's softmax output is contiguous
  auto fn = kernels::table().softmax[int(x.dtype())];
  if (!fn) not_implemented(kernel, x.dtype());
  const auto es = std::int64_t(x.element_size());
  const char* px = static_cast<const char*>(x.data_ptr());
  char* py = static_cast<char*>(y.data_ptr());
  detail::softmax_split(x.sizes(), dim, [&](std::int64_t off, std::int64_t outer, std::int64_t n, std::int64_t width,
                                            std::int64_t ld) {
    fn(px + off * es, py + off * es, outer, n, width, ld, log);
  });
  return y;
}

// ---- gradients ----
using autograd::Node;
using autograd::Grads;

// Records the node of entry A (pointwise, or rrelu in evaluation) for out = A(x). `original` is a
// copy of x taken before an in-place write, for entries whose backward reads the input.
template <class A>
void record_pointwise(Tensor& out, const Tensor& x, const typename A::Params& p0, bool inplace,
                      const Tensor& original) {
  const std::string_view name = inplace ? A::grad_fn_inplace : A::grad_fn;
  const act::Saves saves = A::saves(p0, inplace);
  if (inplace && saves == act::Saves::input && !A::inplace_error.empty()) {
    // PyTorch's in-place leaky_relu/elu with a negative slope: the forward succeeds, backward raises.
    autograd::record(out, name, {x}, {}, [](const Node&, const Tensor&) -> Grads {
      throw Error(std::string(A::inplace_error));
    });
    return;
  }
  const bool is_result = saves == act::Saves::output;
  const Tensor& v = is_result ? out : inplace ? original : x;
  autograd::record(out, name, {x}, {{v, is_result}}, [p = A::persist(p0), is_result](const Node& n, const Tensor& g) {
    // In a create_graph pass the gradient is itself recorded (its grad_fn2 node); else the kernel.
    return Grads{detail::activation_backward_op<A>(n.unpack(0), g, p, is_result)};
  });
}

// Whether the in-place form of A must copy its input first (its backward reads the input).
template <class A> bool needs_original(const typename A::Params& p) {
  if constexpr (A::kind == act::Kind::rrelu) {
    if (p.training) return false;  // reads the slopes drawn
  }
  return A::saves(p, true) == act::Saves::input && A::inplace_error.empty();
}

// Whether A's gradient should come from a bit mask the forward writes (dense inputs only: the bits
// follow memory order).
template <class A> bool use_mask(const Tensor& x) {
  if constexpr (act::has_pass<A>) {
    return autograd::mask_backward_enabled() && x.is_non_overlapping_and_dense() &&
           kernels::table().mask_forward[act::index_of<A>()][int(x.dtype())] != nullptr;
  }
  return false;
}

// The node of a 1-bit-mask backward: dx = bit ? dy : 0. The bits live in the node: inline for up
// to 128 elements (a one-element relu allocates nothing for them), else in a buffer from ramp's
// allocator; freed after the backward pass like saved tensors.
struct MaskNode final : autograd::Node {
  std::string_view node_name, grad_fn2;
  std::uint64_t small[2] = {};
  std::shared_ptr<Storage> big;
  bool contiguous = true;
  bool twin = false;    // the create_graph node (grad_fn2) with inputs dy and the result
  Dims sizes, strides;  // the input's layout, when not contiguous
  std::uint64_t* bits() { return big ? static_cast<std::uint64_t*>(big->data) : small; }
  std::string_view name() const override { return node_name; }
  Grads apply(const Tensor& g) override {
    autograd::check_saved_alive(*this);
    Grads r{autograd::is_grad_enabled() ? backward_op(g) : raw(g)};
    // a twin's second input is the rectifier's result: 1.13's zeros_like(grad) there, a defined
    // zero, so autograd.grad counts the input as used
    if (twin) r.push_back(autograd::wants(*this, 1) ? zeros_like(g) : Tensor());
    return r;
  }
  Tensor raw(const Tensor& g) {
    if (contiguous) return detail::mask_backward(bits(), g, g.sizes(), contiguous_strides(g.sizes()));
    return detail::mask_backward(bits(), g, sizes, strides);
  }
  // A create_graph pass: dx = bit ? dy : 0 recorded as 1.13's grad_fn2 node, with edges to dy and
  // to this node's output (1.13's threshold_backward reads relu's result; its gradient there is 0).
  // The bits go with the new node (shared, or copied when inline): this node frees its own after
  // the pass when the graph is not retained.
  Tensor backward_op(const Tensor& g) {
    Tensor dx = autograd::below([&] { return raw(g); });
    Tensor result = g.detach();  // stands for this node's output: only its identity is used
    auto meta = std::make_shared<autograd::AutogradMeta>();
    meta->requires_grad = true;
    meta->grad_fn = shared_from_this();
    result.impl().autograd = std::move(meta);
    auto twin = std::make_shared<MaskNode>();
    twin->node_name = twin->grad_fn2 = grad_fn2;
    twin->twin = true;
    std::copy(std::begin(small), std::end(small), twin->small);
    twin->big = big;
    twin->contiguous = contiguous;
    twin->sizes = sizes;
    twin->strides = strides;
    autograd::attach(dx, twin, {g, result}, {});
    return dx;
  }
  void release_saved() override {
    Node::release_saved();
    big.reset();
  }
};

// out = A(x) (out is x itself in place, or a fresh tensor in x's layout) writing the pass bits,
// recorded with the bits as all that backward keeps.
template <class A> void masked(const Tensor& x, Tensor& out, const typename A::Params& p, bool inplace) {
  const std::int64_t n = x.numel();
  auto node = std::make_shared<MaskNode>();
  node->node_name = inplace ? A::grad_fn_inplace : A::grad_fn;
  node->grad_fn2 = A::grad_fn2;
  const auto words = std::size_t((n + 63) / 64);
  if (words > std::size(node->small)) node->big = std::make_shared<Storage>(words * sizeof(std::uint64_t));
  if (!x.is_contiguous()) {
    node->contiguous = false;
    node->sizes = Dims(x.sizes());
    node->strides = Dims(x.strides());
  }
  auto fn = kernels::table().mask_forward[act::index_of<A>()][int(x.dtype())];
  const auto es = std::int64_t(x.element_size());
  const bool stream = !inplace && detail::stream_output(2 * std::size_t(n) * std::size_t(es), out.data_ptr());
  const char* px = static_cast<const char*>(x.data_ptr());
  char* py = static_cast<char*>(out.data_ptr());
  std::uint64_t* pb = node->bits();
  detail::parallel_for(n, kGrain, 64, [&](std::int64_t b, std::int64_t e) {
    fn(px + b * es, py + b * es, pb + b / 64, e - b, &p, stream);
  });
  if (inplace) out.bump_version();
  autograd::attach(out, node, {x}, {});
}

void record_rrelu_noise(Tensor& out, const Tensor& x, const Tensor& noise, bool inplace) {
  autograd::record(out, inplace ? act::RReLU::grad_fn_inplace : act::RReLU::grad_fn, {x}, {{noise, false}},
                   [](const Node& n, const Tensor& g) { return Grads{g.mul(n.unpack(0))}; });
}

}  // namespace

// diagnostics::Monitor reads a rectifier's liveness from the bits its forward wrote (no pass over
// the output): those of the MaskNode that recorded `out`, in `out`'s memory order.
const std::uint64_t* diagnostics::pass_bits(const Tensor& out) {
  auto* node = dynamic_cast<MaskNode*>(out.grad_fn().get());
  // After a backward pass the node's bits are freed (released): nothing to hand out then.
  return node && !node->released && node->contiguous && out.is_contiguous() ? node->bits() : nullptr;
}

std::int64_t implicit_softmax_dim(std::int64_t ndim) { return (ndim == 0 || ndim == 1 || ndim == 3) ? 0 : 1; }

template <class A> Tensor activation(const Tensor& x, const typename A::Params& p) {
  if constexpr (A::kind == act::Kind::softmax) {
    if constexpr (A::negate) {
      RAMP_CHECK(x.defined(), A::name, "(): expected a defined tensor");
      return activation<act::Softmax>(x.neg(), p);  // softmin: records NegBackward0, SoftmaxBackward0
    }
    if (!autograd::needs_grad({x})) return softmax_impl(x, p.dim, A::log);
    Tensor out = autograd::below([&] { return softmax_impl(x, p.dim, A::log); });
    const std::int64_t dim = wrap_dim(p.dim.value_or(implicit_softmax_dim(x.dim())), x.dim());
    autograd::record(out, A::grad_fn, {x}, {{out, true}}, [dim](const Node& n, const Tensor& g) {
      return Grads{detail::softmax_backward_op(n.unpack(0), g, dim, A::log)};
    });
    return out;
  } else if constexpr (A::kind == act::Kind::prelu) {
    throw Error("prelu(): call ramp::prelu(input, weight)");
  } else {
    check_args<A>(x, p);
    Tensor out;
    if constexpr (A::kind == act::Kind::rrelu) {
      if (p.training) {
        auto [y, noise] = rrelu_with_noise(x, p, false);
        if (autograd::needs_grad({x})) record_rrelu_noise(y, x, noise, false);
        return y;
      }
      out = empty(x.sizes(), x.dtype());  // 1.13's rrelu output is always contiguous
      leaky(x, out, act::RReLU::eval_slope(p));
    } else {
      out = A::contiguous_output ? empty(x.sizes(), result_dtype(A::ints_give_float, x.dtype()))
                                 : empty_like(x, result_dtype(A::ints_give_float, x.dtype()));
      if (autograd::needs_grad({x}) && use_mask<A>(x)) {
        masked<A>(x, out, p, false);
        return out;
      }
      pointwise<A>(x, out, p);
    }
    if (autograd::needs_grad({x})) record_pointwise<A>(out, x, p, false, Tensor());
    return out;
  }
}

template <class A> Tensor& activation_(Tensor& x, const typename A::Params& p) {
  RAMP_CHECK(A::inplace != act::Inplace::none, A::name, "() has no in-place form");
  check_args<A>(x, p);
  check_writable(x);
  RAMP_CHECK(result_dtype(A::ints_give_float, x.dtype()) == x.dtype(), "result type Float can't be cast to the "
             "desired output type ", dtype_error_name(x.dtype()));
  autograd::check_inplace(x);
  const bool grad = autograd::needs_grad({x});
  const Tensor original = grad && needs_original<A>(p) ? x.clone() : Tensor();
  if constexpr (A::kind == act::Kind::rrelu) {
    if (p.training) {
      Tensor noise = rrelu_with_noise(x, p, true).second;
      if (grad) record_rrelu_noise(x, x, noise, true);
      return x;
    }
    leaky(x, x, act::RReLU::eval_slope(p));
  } else {
    if (grad && use_mask<A>(x)) {
      masked<A>(x, x, p, true);
      return x;
    }
    pointwise<A>(x, x, p);
  }
  x.bump_version();
  if (grad) record_pointwise<A>(x, x, p, true, original);
  return x;
}

template <class A> Tensor& activation_out(const Tensor& x, Tensor& out, const typename A::Params& p) {
  RAMP_CHECK(A::kind == act::Kind::pointwise, A::name, "(): out= is not supported");
  check_args<A>(x, p);
  RAMP_CHECK(out.defined(), A::name, "(): out must be a defined tensor");
  const ScalarType t = result_dtype(A::ints_give_float, x.dtype());
  RAMP_CHECK(out.dtype() == t, "result type ", dtype_error_name(t), " can't be cast to the desired output type ",
             dtype_error_name(out.dtype()));
  RAMP_CHECK(std::equal(out.sizes().begin(), out.sizes().end(), x.sizes().begin(), x.sizes().end()), A::name,
             "(): out has shape ", shape_str(out.sizes()), " but the result has shape ", shape_str(x.sizes()),
             " (ramp does not resize out)");
  check_writable(out);
  const bool same_view = out.data_ptr() == x.data_ptr() &&
                         std::equal(out.strides().begin(), out.strides().end(), x.strides().begin());
  RAMP_CHECK(out.storage() != x.storage() || same_view,
             "unsupported operation: some elements of the input tensor and the written-to tensor refer to a "
             "single memory location. Please clone() the tensor before performing the operation.");
  RAMP_CHECK(!autograd::needs_grad({x, out}), A::name, "(): functions with out=... arguments don't support "
             "automatic differentiation, but one of the arguments requires grad.");
  if constexpr (A::kind == act::Kind::pointwise) pointwise<A>(x, out, p);
  out.bump_version();
  return out;
}

std::pair<Tensor, Tensor> rrelu_with_noise(const Tensor& x, const act::RReLU::Params& p, bool inplace) {
  check_args<act::RReLU>(x, p);
  if (inplace) check_writable(x);
  Tensor out = inplace ? x : empty(x.sizes(), x.dtype());
  Tensor noise = empty(x.sizes(), x.dtype());
  Tensor xc = x.contiguous();
  Tensor oc = out.is_contiguous() ? out : empty(x.sizes(), x.dtype());
  Tensor nc = noise.is_contiguous() ? noise : empty(x.sizes(), x.dtype());
  const double lo = p.lower.to_double(), hi = p.upper.to_double();
  dispatch(x.dtype(), [&](auto v) {
    using T = decltype(v);
    if constexpr (!std::is_integral_v<T>) {
      const T* xp = static_cast<const T*>(xc.data_ptr());
      T* op = static_cast<T*>(oc.data_ptr());
      T* np = static_cast<T*>(nc.data_ptr());
      default_generator().with_engine([&](Mt19937_64& g) {
        std::uniform_real_distribution<double> u(lo, hi);
        // y = x <= 0 ? x * a : x, a ~ U(lower, upper); a slope is drawn only where x <= 0
        for (std::int64_t i = 0; i < x.numel(); ++i) {
          if (convert<double>(xp[i]) <= 0) {
            double a = u(g);
            np[i] = convert<T>(a);
            op[i] = convert<T>(double(xp[i]) * double(convert<T>(a)));
          } else {
            np[i] = convert<T>(1.0);
            op[i] = xp[i];
          }
        }
      });
    }
  });
  if (!oc.is_same(out)) detail::copy_into(out, oc);
  if (!nc.is_same(noise)) detail::copy_into(noise, nc);
  if (inplace) x.bump_version();
  return {out, noise};
}

namespace {
Tensor prelu_forward(const Tensor& x, const Tensor& w);

// prelu's gradients in a create_graph pass, each recorded as 1.13's PreluBackwardBackward0
// (inputs g, x, w). With m = !(x > 0) (a constant) and wb the weight broadcast per channel:
//   dx = g (1 - m + m wb):  d g = gg (1 - m + m wb),  d w = Σ gg g m   (none for x: piecewise linear)
//   dw = Σ g x m:           d g = ggw x m,            d x = ggw g m
// (Σ over all but the channel dim). Made of differentiable ops: every order follows.
struct PreluGrad2 {
  const Tensor &x, &w;
  Tensor m;
  PreluGrad2(const Tensor& x_, const Tensor& w_) : x(x_), w(w_) {
    m = autograd::below([&] { return gt(x, 0).to(x.dtype()).neg().add(1.0); });
  }
  Tensor spread(const Tensor& t) const {  // a weight-shaped tensor against x
    if (t.numel() == 1) return t.reshape({}).to(x.dtype());
    std::vector<std::int64_t> shape(std::size_t(x.dim()), 1);
    shape[1] = t.numel();
    return t.reshape(shape).to(x.dtype());
  }
  Tensor to_weight(const Tensor& t) const {  // Σ over all but the channel dim
    if (w.numel() == 1) return t.sum().reshape(w.sizes()).to(w.dtype());
    std::vector<std::int64_t> dims;
    for (std::int64_t d = 0; d < x.dim(); ++d)
      if (d != 1) dims.push_back(d);
    return t.sum(dims).reshape(w.sizes()).to(w.dtype());
  }
  Tensor slope(const Tensor& wv) const { return m.mul(spread(wv)).add(m.neg().add(1.0)); }
};

void prelu_record_grad2(Tensor& dx, Tensor& dw, const Tensor& g, const Tensor& x, const Tensor& w) {
  if (!autograd::needs_grad({g, x, w})) return;
  std::initializer_list<autograd::Save> saved{{g, false}, {x, false}, {w, false}};
  autograd::record(dx, "PreluBackwardBackward0", {g, x, w}, saved, [](const Node& n, const Tensor& gg) {
    const Tensor g = n.unpack(0), x = n.unpack(1), w = n.unpack(2);
    const PreluGrad2 p(x, w);
    return Grads{autograd::wants(n, 0) ? gg.mul(p.slope(w)) : Tensor(), Tensor(),
                 autograd::wants(n, 2) ? p.to_weight(gg.mul(g).mul(p.m)) : Tensor()};
  });
  autograd::record(dw, "PreluBackwardBackward0", {g, x, w}, saved, [](const Node& n, const Tensor& gg) {
    const Tensor g = n.unpack(0), x = n.unpack(1), w = n.unpack(2);
    const PreluGrad2 p(x, w);
    const Tensor G = p.spread(gg);
    return Grads{autograd::wants(n, 0) ? G.mul(x).mul(p.m) : Tensor(),
                 autograd::wants(n, 1) ? G.mul(g).mul(p.m) : Tensor(), Tensor()};
  });
}
}  // namespace

Tensor prelu(const Tensor& x, const Tensor& w) {
  if (!autograd::needs_grad({x, w})) return prelu_forward(x, w);
  Tensor out = autograd::below([&] { return prelu_forward(x, w); });
  autograd::record(
      out, act::PReLU::grad_fn, {x, w}, {{x, false}, {w, false}}, [](const Node& n, const Tensor& g) {
        const Tensor x = n.unpack(0), w = n.unpack(1);
        auto [dx, dw] = autograd::below([&] { return detail::prelu_backward(x, w, g); });
        if (autograd::is_grad_enabled()) prelu_record_grad2(dx, dw, g, x, w);  // a create_graph pass
        return Grads{autograd::wants(n, 0) ? dx : Tensor(), autograd::wants(n, 1) ? dw : Tensor()};
      });
  return out;
}

namespace {
Tensor prelu_forward(const Tensor& x, const Tensor& w) {
  RAMP_CHECK(w.dim() <= 1, "prelu: Expected `weight` to be a scalar or 1D tensor, but got ndim = ", w.dim());
  RAMP_CHECK(x.dim() > 0 || w.numel() == 1, "Not allow zero-dim input tensor.");
  RAMP_CHECK(w.dtype() == x.dtype() || (is_floating(w.dtype()) && is_floating(x.dtype())), "Found dtype ",
             dtype_error_name(w.dtype()), " but expected ", dtype_error_name(x.dtype()));
  if (!act::PReLU::dtypes.has(x.dtype())) not_implemented(act::PReLU::kernel, x.dtype());
  const std::int64_t channels = x.dim() >= 2 ? x.size(1) : 1;
  if (w.numel() == 1) {
    Tensor out = empty_suggested(x);
    leaky(x, out, w.at(0));
    return out;
  }
  RAMP_CHECK(w.numel() == channels, "Mismatch of parameter numbers and input channel size. Found parameter numbers = ",
             w.numel(), " and channel size = ", channels, ".");
  // One leaky_relu per (batch, channel) block of the contiguous input, with that channel's slope.
  Tensor xc = x.contiguous();
  Tensor out = empty(x.sizes(), x.dtype());
  const std::int64_t inner = x.numel() / std::max<std::int64_t>(x.size(0) * channels, 1);
  const std::int64_t blocks = x.size(0) * channels;
  const auto es = std::int64_t(x.element_size());
  auto fn = kernel_for<act::LeakyReLU>(x.dtype());
  std::vector<act::LeakyReLU::Params> slopes;
  for (std::int64_t c = 0; c < channels; ++c) slopes.push_back({w.at(c)});
  detail::parallel_for(blocks, std::max<std::int64_t>(1, kGrain / std::max<std::int64_t>(inner, 1)), 1,
                       [&](std::int64_t b, std::int64_t e) {
                         for (std::int64_t k = b; k < e; ++k)
                           fn(static_cast<const char*>(xc.data_ptr()) + k * inner * es,
                              static_cast<char*>(out.data_ptr()) + k * inner * es, inner,
                              &slopes[std::size_t(k % channels)], false);
                       });
  Tensor result = empty_suggested(x);
  if (result.is_contiguous()) return out;
  detail::copy_into(result, out);  // back to channels-last
  return result;
}
}  // namespace

// ---- lookup by name ----
bool is_activation_name(std::string_view name) {
  return act::visit_by_name(name, [](auto) {});
}
Tensor activation_by_name(std::string_view name, const Tensor& x) {
  Tensor out;
  bool found = act::visit_by_name(name, [&](auto a) {
    using A = decltype(a);
    if constexpr (A::kind == act::Kind::prelu) {
      out = prelu(x, full({1}, 0.25, x.dtype()));
    } else {
      out = activation<A>(x, {});
    }
  });
  RAMP_CHECK_T(ValueError, found, "unknown activation '", name, "'");
  return out;
}

// The generated API, for every entry.
#define RAMP_INSTANTIATE(fn, A)                                                \
  template Tensor activation<act::A>(const Tensor&, const act::A::Params&); \
  template Tensor& activation_<act::A>(Tensor&, const act::A::Params&);       \
  template Tensor& activation_out<act::A>(const Tensor&, Tensor&, const act::A::Params&);
RAMP_ACTIVATION_FUNCTIONS(RAMP_INSTANTIATE)
#undef RAMP_INSTANTIATE

}  // namespace ramp
