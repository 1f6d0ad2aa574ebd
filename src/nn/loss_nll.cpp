// nll_loss and cross_entropy as 1.13 computes them: the same checks and messages, the same
// graph (NllLossBackward0 / NllLoss2DBackward0 over LogSoftmaxBackward0), and nll's arithmetic
// in 1.13's order (its cascade sum, in the element type), so results match 1.13's bit for bit.
#include <algorithm>
#include <bit>
#include <sstream>

#include "../autograd/function.h"
#include "loss_common.h"
#include "ramp/functional.h"
#include "ramp/indexing.h"
#include "ramp/nn/loss.h"

namespace ramp {
namespace {
using loss::Acc;
using loss::rnd;
using loss::Reduction;

// An nll input seen as [n, c, s] (s: the spatial elements of a 4-d input, else 1) with a target
// of n * s class indices.
struct Nll {
  std::int64_t n, c, s;
  Reduction red;
  std::int64_t ignore_index;
};

std::int64_t ceil_log2(std::int64_t x) {  // c10::utils::CeilLog2
  return x <= 2 ? 1 : 64 - std::countl_zero(std::uint64_t(x - 1));
}

template <class I> void check_target(I t, const Nll& a) {
  RAMP_CHECK_T(IndexError, std::int64_t(t) >= 0 && std::int64_t(t) < a.c, "Target ", std::int64_t(t),
               " is out of bounds.");
}

// out[i] = -x[i, t[i]] * w[t[i]] per element (reduction none), else their sum (mean: divided by the
// summed weights) through 1.13's cascade of 8 partial sums, so the rounding is 1.13's.
// Returns the total weight (the mean's divisor), which backward needs.
template <class T, class I> T nll_forward(const T* x, const I* t, const T* w, const Nll& a, T* out) {
  using A = Acc<T>;
  const std::int64_t count = a.n * a.s;
  auto input_at = [&](std::int64_t i, std::int64_t cls) { return A(x[((i / a.s) * a.c + cls) * a.s + i % a.s]); };
  if (a.red == Reduction::None) {
    for (std::int64_t i = 0; i < count; ++i) {
      if (std::int64_t(t[i]) == a.ignore_index) {
        out[i] = T(0);
        continue;
      }
      check_target(t[i], a);
      out[i] = T(-input_at(i, t[i]) * (w ? A(w[t[i]]) : A(1)));
    }
    return T(0);
  }
  if (count == 0 && a.red == Reduction::Mean) {
    out[0] = T(A(NAN));
    return T(0);
  }
  constexpr int kLevels = 8;
  const std::int64_t power = std::max<std::int64_t>(4, ceil_log2(count) / kLevels);
  const std::int64_t mask = (std::int64_t(1) << power) - 1;
  A loss_sums[kLevels] = {}, weight_sums[kLevels] = {};
  std::int64_t ignored = 0;
  for (std::int64_t i = 0; i < count; ++i) {
    if (std::int64_t(t[i]) == a.ignore_index) {
      ++ignored;
      continue;
    }
    check_target(t[i], a);
    const A v = input_at(i, t[i]);
    if (w) {
      loss_sums[0] = rnd<T>(loss_sums[0] - rnd<T>(v * A(w[t[i]])));
      weight_sums[0] = rnd<T>(weight_sums[0] + A(w[t[i]]));
    } else {
      loss_sums[0] = rnd<T>(loss_sums[0] - v);
    }
    for (int j = 0; j + 1 < kLevels; ++j) {  // carry a full level up
      if ((i & (mask << (j * power))) != 0) break;
      weight_sums[j + 1] = rnd<T>(weight_sums[j + 1] + weight_sums[j]);
      loss_sums[j + 1] = rnd<T>(loss_sums[j + 1] + loss_sums[j]);
      weight_sums[j] = loss_sums[j] = A(0);
    }
  }
  A total = A(0), sum = A(0);
  for (int j = 0; j < kLevels; ++j) {
    total = rnd<T>(total + weight_sums[j]);
    sum = rnd<T>(sum + loss_sums[j]);
  }
  if (!w) total = rnd<T>(A(count - ignored));
  out[0] = T(a.red == Reduction::Mean ? sum / total : sum);
  return T(total);
}

// gx (zeroed, [n, c, s]) at each target: -w * g (none), else w * -(g / total) (mean) or w * -g.
template <class T, class I>
void nll_backward(const T* g, const I* t, const T* w, const Nll& a, T total, T* gx) {
  using A = Acc<T>;
  const std::int64_t count = a.n * a.s;
  auto grad_at = [&](std::int64_t i, std::int64_t cls) -> T& { return gx[((i / a.s) * a.c + cls) * a.s + i % a.s]; };
  if (a.red == Reduction::None) {
    for (std::int64_t i = 0; i < count; ++i)
      if (std::int64_t(t[i]) != a.ignore_index) grad_at(i, t[i]) = T(-(w ? A(w[t[i]]) : A(1)) * A(g[i]));
    return;
  }
  const A grad = -(a.red == Reduction::Mean ? rnd<T>(A(g[0]) / A(total)) : A(g[0]));
  for (std::int64_t i = 0; i < count; ++i)
    if (std::int64_t(t[i]) != a.ignore_index) grad_at(i, t[i]) = w ? T(A(w[t[i]]) * grad) : T(grad);
}

// Calls f(T{}, I{}) for a floating input type and an int64 or uint8 target type, with 1.13's errors.
template <class F> void dispatch_nll(const Tensor& input, const Tensor& target, const Tensor& weight,
                                     std::string_view kernel, F f) {
  RAMP_CHECK(is_floating(input.dtype()), "\"", kernel, "\" not implemented for '", dtype_error_name(input.dtype()), "'");
  RAMP_CHECK(!weight.defined() || weight.dtype() == input.dtype(), "expected scalar type ",
             dtype_error_name(input.dtype()), " but found ", dtype_error_name(weight.dtype()));
  RAMP_CHECK(target.dtype() == ScalarType::Int64 || target.dtype() == ScalarType::UInt8,
             "expected scalar type Long but found ", dtype_error_name(target.dtype()));
  dispatch(input.dtype(), [&](auto v) {
    using T = decltype(v);
    if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, BFloat16>) {
      if (target.dtype() == ScalarType::UInt8) f(T{}, std::uint8_t{});
      else f(T{}, std::int64_t{});
    }
  });
}

// 1.13's nll_loss (1-d, 2-d input) and nll_loss2d (4-d input), after their checks.
Tensor nll_kernel(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction red,
                  std::int64_t ignore_index) {
  const bool spatial = input.dim() == 4;
  const std::string_view fn = spatial ? "nll_loss2d_forward" : "nll_loss_forward";
  if (autograd::is_grad_enabled()) loss::check_no_requires_grad(weight, "weight", fn);
  Nll a{input.dim() == 1 ? 1 : input.size(0), input.size(1 - (input.dim() == 1)), 1, red, ignore_index};
  if (spatial) a.s = input.size(2) * input.size(3);
  Dims out_sizes;
  if (red == Reduction::None && input.dim() > 1) out_sizes = target.sizes();
  Tensor out = empty(out_sizes, input.dtype());
  const Tensor x = input.contiguous(), t = target.contiguous(), w = weight.defined() ? weight.contiguous() : weight;
  double total = 0;
  dispatch_nll(input, target, weight, spatial ? "nll_loss2d_forward_out_frame" : "nll_loss_out_frame", [&](auto v, auto i) {
    using T = decltype(v);
    using I = decltype(i);
    total = double(nll_forward<T, I>(x.data<T>(), t.data<I>(), w.defined() ? w.data<T>() : nullptr, a, out.data<T>()));
  });
  if (!autograd::needs_grad({input})) return out;
  autograd::record(out, spatial ? "NllLoss2DBackward0" : "NllLossBackward0", {input}, {{target, false}, {weight, false}},
                   [a, total, sizes = Dims(input.sizes()), dtype = input.dtype()](const autograd::Node& n, const Tensor& g) {
                     const Tensor t = n.unpack(0).contiguous(), w = n.unpack(1), gc = g.contiguous();
                     const Tensor wc = w.defined() ? w.contiguous() : w;
                     Tensor gx = zeros(sizes, dtype);
                     dispatch_nll(gx, t, wc, "nll_loss_backward_out_frame", [&](auto v, auto i) {
                       using T = decltype(v);
                       using I = decltype(i);
                       nll_backward<T, I>(gc.data<T>(), t.data<I>(), wc.defined() ? wc.data<T>() : nullptr, a, T(total),
                                          gx.data<T>());
                     });
                     // A create_graph pass with a gradient that needs a graph: gx is linear in g and
                     // does not depend on the input, and its adjoint is nll_loss itself (1.13's
                     // derivative of nll_loss_backward), so the node differentiates by the forward.
                     if (autograd::is_grad_enabled() && autograd::requires_grad(g))
                       autograd::record(gx, sizes.size() == 4 ? "NllLoss2DBackwardBackward0" : "NllLossBackwardBackward0",
                                        {g}, {{n.unpack(0), false}, {w, false}},
                                        [a](const autograd::Node& m, const Tensor& gg) {
                                          return std::vector<Tensor>{
                                              nll_kernel(gg, m.unpack(0), m.unpack(1), a.red, a.ignore_index)};
                                        });
                     return std::vector<Tensor>{gx};
                   });
  return out;
}

Tensor nll_1d_2d(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction red, std::int64_t ignore) {
  RAMP_CHECK(target.dim() <= 1, "0D or 1D target tensor expected, multi-target not supported");
  const bool no_batch_dim = input.dim() == 1 && target.dim() == 0;
  RAMP_CHECK(no_batch_dim || (target.dim() == 1 && input.size(0) == target.size(0)), "size mismatch (got input: ",
             shape_str(input.sizes()), ", target: ", shape_str(target.sizes()), ")");
  const std::int64_t classes = input.size(-1);
  RAMP_CHECK(!weight.defined() || (weight.dim() == 1 && weight.numel() == classes),
             "weight tensor should be defined either for all ", classes,
             " classes or no classes but got weight tensor of shape: ", shape_str(weight.sizes()));
  return nll_kernel(input, target, weight, red, ignore);
}

Tensor nll_2d(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction red, std::int64_t ignore) {
  RAMP_CHECK(target.dim() == 3, "only batches of spatial targets supported (3D tensors) but got targets of dimension: ",
             target.dim());
  RAMP_CHECK(!weight.defined() || weight.numel() == input.size(1),
             "weight tensor should be defined either for all or no classes");
  RAMP_CHECK(input.size(0) == target.size(0) && input.size(2) == target.size(1) && input.size(3) == target.size(2),
             "size mismatch (got input: ", shape_str(input.sizes()), " , target: ", shape_str(target.sizes()));
  return nll_kernel(input, target, weight, red, ignore);
}

// 1.13's nll_loss_nd: 1-d/2-d -> nll_loss, 4-d -> nll_loss2d, others viewed as [N, C, 1, -1].
Tensor nll_nd(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction red, std::int64_t ignore) {
  RAMP_CHECK_T(ValueError, input.dim() >= 1, "Expected 1 or more dimensions (got ", input.dim(), ")");
  // (1.13 reads a 0-d target's missing size as 0.)
  RAMP_CHECK_T(ValueError, input.dim() == 1 || (target.dim() > 0 && input.size(0) == target.size(0)),
               "Expected input batch_size (", input.size(0), ") to match target batch_size (",
               target.dim() > 0 ? target.size(0) : 0, ").");
  if (input.dim() <= 2) return nll_1d_2d(input, target, weight, red, ignore);
  if (input.dim() == 4) return nll_2d(input, target, weight, red, ignore);
  const std::int64_t n = input.size(0), c = input.size(1);
  Dims out_size(input.sizes());
  out_size.erase(1);
  RAMP_CHECK(std::equal(target.sizes().begin() + 1, target.sizes().end(), input.sizes().begin() + 2, input.sizes().end()),
             "Expected target size ", shape_str(out_size), ", got ", shape_str(target.sizes()));
  const bool any = input.numel() > 0;
  const Tensor x = input.contiguous().view(any ? Dims{n, c, 1, -1} : Dims{n, c, 0, 0});
  const Tensor t = target.contiguous().view(target.numel() > 0 ? Dims{n, 1, -1} : Dims{n, 0, 0});
  Tensor out = nll_2d(x, t, weight, red, ignore);
  return red == Reduction::None ? out.view(out_size) : out;
}

// Python's repr of a float, as 1.13's messages print a double ("2", "1.5").
std::string number_str(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// The weight viewed to broadcast along the class dim of a `dim`-d input: [1, C, 1, ...].
Tensor class_weight_view(const Tensor& weight, std::int64_t dim, std::int64_t class_dim) {
  if (dim <= 1) return weight;
  Dims shape;
  for (std::int64_t i = 0; i < dim; ++i) shape.push_back(i == class_dim ? weight.size(0) : 1);
  return weight.view(shape);
}

// 1.13's cross_entropy_loss_prob_target: -(log_softmax(x) * target [* w]) summed over classes.
Tensor cross_entropy_probs(const Tensor& self, const Tensor& target_in, const Tensor& weight, Reduction red,
                           double label_smoothing) {
  const std::int64_t class_dim = self.dim() == 1 ? 0 : 1;
  const std::int64_t classes = self.size(class_dim);
  RAMP_CHECK(!weight.defined() || (weight.dim() == 1 && weight.numel() == classes),
             "cross_entropy: weight tensor should be defined either for all ", classes,
             " classes or no classes but got weight tensor of shape: ", shape_str(weight.sizes()));
  const Tensor input = log_softmax(self, {.dim = class_dim});
  Tensor target = target_in;
  if (label_smoothing > 0.0) {
    RAMP_CHECK(label_smoothing <= 1.0, "label_smoothing must be between 0.0 and 1.0. Got: ", number_str(label_smoothing));
    target = target_in.mul(1 - label_smoothing).add(label_smoothing / double(classes));
  }
  Tensor prod = input.mul(target);
  if (weight.defined()) prod = prod.mul(class_weight_view(weight, input.dim(), class_dim));
  switch (red) {
    case Reduction::Mean:
      if (input.numel() == 0) return autograd::below([&] { return full({}, NAN, prod.dtype()); });
      return loss::div_scalar(prod.sum().neg(), input.numel() / classes);
    case Reduction::Sum: return prod.sum().neg();
    case Reduction::None: break;
  }
  return prod.sum({class_dim}).neg();
}

// out = x where !mask, else 0 (1.13's masked_fill_(mask, 0.0), MaskedFillBackward0).
Tensor masked_zero(const Tensor& x, const Tensor& mask) {
  auto run = [](const Tensor& v, const Tensor& m) {
    Tensor out = v.is_contiguous() ? v.clone() : v.contiguous();
    const bool* mp = m.data<bool>();
    dispatch(out.dtype(), [&](auto e) {
      using T = decltype(e);
      T* p = static_cast<T*>(out.data_ptr());
      for (std::int64_t i = 0; i < out.numel(); ++i)
        if (mp[i]) p[i] = T(0);
    });
    return out;
  };
  if (!autograd::needs_grad({x})) return run(x, mask);
  Tensor out = autograd::below([&] { return run(x, mask); });
  // the raw loop records no graph: a create_graph pass takes masked_fill's (MaskedFillBackward0 is
  // on double_backward.cpp's list by name)
  autograd::record(out, "MaskedFillBackward0", {x}, {{mask, false}}, [run](const autograd::Node& n, const Tensor& g) {
    const Tensor mask = n.unpack(0);
    return std::vector<Tensor>{
        autograd::raw_with_graph({g}, [&] { return run(g, mask); }, [&] { return masked_fill(g, mask, 0.0); })};
  });
  return out;
}

// 1.13's cross_entropy_loss_label_smoothing:
// (1 - ls) * nll(log_softmax(x)) + ls / C * reduce(-sum_c log_softmax(x) [* w], ignored -> 0).
Tensor cross_entropy_smoothed(const Tensor& self, const Tensor& target, const Tensor& weight, Reduction red,
                              std::int64_t ignore_index, double label_smoothing) {
  const std::int64_t class_dim = self.dim() == 1 ? 0 : 1;
  const Tensor input = log_softmax(self, {.dim = class_dim});
  const Tensor nll = nll_nd(input, target, weight, red, ignore_index);
  const std::int64_t classes = self.size(class_dim);
  // Which targets are ignored, and the summed weight of the others (both need no gradient).
  Tensor ignored = empty(target.sizes(), ScalarType::Bool);
  double kept_weight = 0;
  {
    const Tensor t = target.contiguous().to(ScalarType::Int64);
    const Tensor w = weight.defined() ? weight.to(ScalarType::Float64).contiguous() : weight;
    const std::int64_t* tp = t.data<std::int64_t>();
    bool* ip = ignored.data<bool>();
    for (std::int64_t i = 0; i < t.numel(); ++i) {
      ip[i] = tp[i] == ignore_index;
      if (!ip[i]) kept_weight += w.defined() ? w.data<double>()[tp[i]] : 1.0;  // nll checked the bounds
    }
  }
  Tensor smooth = weight.defined() ? input.mul(class_weight_view(weight, input.dim(), class_dim)).sum({class_dim}).neg()
                                   : input.sum({class_dim}).neg();
  smooth = masked_zero(smooth, ignored);
  Tensor ret = smooth;
  if (red == Reduction::Mean) {
    // Divided by the kept targets' weight sum (their count without weights), as nll's mean.
    ret = smooth.sum().div(weight.defined() ? full({}, kept_weight, weight.dtype())
                                            : full({}, std::int64_t(kept_weight), ScalarType::Int64));
  } else if (red == Reduction::Sum) {
    ret = smooth.sum();
  }
  return loss::mul_scalar(nll, 1 - label_smoothing).add(loss::mul_scalar(ret, label_smoothing / double(classes)));
}

}  // namespace

Tensor nll_loss(const Tensor& input, const Tensor& target, const NllLossOptions& o) {
  return nll_nd(input, target, o.weight, loss::reduction_enum(o.reduction), o.ignore_index);
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const CrossEntropyOptions& o) {
  const Reduction red = loss::reduction_enum(o.reduction);
  if (std::equal(input.sizes().begin(), input.sizes().end(), target.sizes().begin(), target.sizes().end())) {
    // A target of the input's shape holds class probabilities.
    RAMP_CHECK(is_floating(target.dtype()), "Expected floating point type for target with class probabilities, got ",
               dtype_error_name(target.dtype()));
    RAMP_CHECK(o.ignore_index < 0, "ignore_index is not supported for floating point target");
    return cross_entropy_probs(input, target, o.weight, red, o.label_smoothing);
  }
  if (o.label_smoothing > 0.0) {
    RAMP_CHECK(o.label_smoothing <= 1.0, "label_smoothing must be between 0.0 and 1.0. Got: ",
               number_str(o.label_smoothing));
    return cross_entropy_smoothed(input, target, o.weight, red, o.ignore_index, o.label_smoothing);
  }
  const std::int64_t class_dim = input.dim() == 1 ? 0 : 1;
  return nll_nd(log_softmax(input, {.dim = class_dim}), target, o.weight, red, o.ignore_index);
}

}  // namespace ramp
