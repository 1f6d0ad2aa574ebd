// smooth_l1_loss and huber_loss: quadratic below a threshold, linear above. Composed of the vector
// kernels in 1.13's per-element order and type (z = |x - t|; smooth_l1: z < beta ? 0.5 z z / beta :
// z - 0.5 beta; huber: z < delta ? 0.5 z z : delta (z - 0.5 delta)), so the elements equal 1.13's
// bit for bit before the reduction (smooth_l1's bfloat16 ones in float32, rounded once); one node each (SmoothL1LossBackward0, HuberLossBackward0) whose
// gradient is 1.13's vector kernel: norm * (|x| >= k ? ±s : x / beta or x) * g.
#include "../autograd/function.h"
#include "loss_common.h"
#include "ramp/elementwise.h"
#include "ramp/nn/loss.h"
#include "ramp/ops.h"

namespace ramp {
namespace {
using loss::Reduction;

enum class Kind { SmoothL1, Huber };

struct Spec {
  Kind kind;
  double k;  // beta or delta
  const char* name;
  const char* node;
  bool bf16_in_float;  // 1.13's smooth_l1 kernel computes bfloat16 in float32; huber's rounds every op
};

Tensor reduce(const Tensor& loss, Reduction red) {
  if (red == Reduction::Mean) return loss.mean();
  return red == Reduction::Sum ? loss.sum() : loss;
}

Tensor forward(const Tensor& x, const Tensor& t, const Spec& s) {
  const Tensor z = abs(x.sub(t));
  const Tensor below = s.kind == Kind::SmoothL1 ? z.mul(0.5).mul(z).div(s.k) : z.mul(0.5).mul(z);
  const Tensor above = s.kind == Kind::SmoothL1 ? z.sub(0.5 * s.k) : z.sub(0.5 * s.k).mul(s.k);
  return where(lt(z, s.k), below, above);
}

// d loss / d x for the loss's gradient g (0-d for a reduced loss).
Tensor backward(const Tensor& g, const Tensor& x, const Tensor& t, const Spec& s, Reduction red) {
  const Tensor d = x.sub(t);
  const double norm = red == Reduction::Mean ? 1.0 / double(d.numel()) : 1.0;
  const double step = s.kind == Kind::SmoothL1 ? 1.0 : s.k;  // the linear part's slope
  const Tensor sign = where(gt(d, 0), full({}, step, d.dtype()), full({}, -step, d.dtype()));
  const Tensor inner = s.kind == Kind::SmoothL1 ? d.div(s.k) : d;
  return where(ge(abs(d), s.k), sign, inner).mul(norm).mul(g);
}


Tensor threshold_loss(const Tensor& input, const Tensor& target, const std::string& reduction, const Spec& s) {
  const Reduction red = loss::reduction_enum(reduction);
  const Dims shape = broadcast_shapes(input.sizes(), target.sizes());
  const ScalarType dt = result_type(input, target);
  RAMP_CHECK(is_floating(dt), "\"", s.name, "\" not implemented for '", dtype_error_name(dt), "'");
  // huber writes into a tensor of the input's dtype (1.13: computed in the promoted type, then cast,
  // which must be allowed); smooth_l1's result has the promoted type
  const ScalarType out_dt = s.kind == Kind::Huber ? input.dtype() : dt;
  RAMP_CHECK(is_floating(out_dt), "result type ", dtype_error_name(dt), " can't be cast to the desired output type ",
             dtype_error_name(out_dt));
  const Tensor x = input.expand(shape).to(dt), t = target.expand(shape).to(dt);
  auto in_float = [&s](const Tensor& v) {
    return s.bf16_in_float && v.dtype() == ScalarType::BFloat16 ? v.to(ScalarType::Float32) : v;
  };
  auto loss = [&] { return reduce(forward(in_float(x), in_float(t), s).to(out_dt), red); };
  if (!autograd::needs_grad({x, t})) return loss();
  Tensor out = autograd::below(loss);
  autograd::record(out, s.node, {x, t}, {{x, false}, {t, false}}, [s, red, in_float](const autograd::Node& n, const Tensor& g) {
    const Tensor x = n.unpack(0);
    const Tensor gx = backward(in_float(g.to(x.dtype())), in_float(x), in_float(n.unpack(1)), s, red).to(x.dtype());
    return std::vector<Tensor>{n.next[0].fn ? gx : Tensor(), n.next[1].fn ? gx.neg() : Tensor()};
  });
  return out;
}

}  // namespace

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const SmoothL1Options& o) {
  RAMP_CHECK(o.beta >= 0, "smooth_l1_loss does not support negative values for beta.");
  return threshold_loss(input, target, o.reduction, {Kind::SmoothL1, o.beta, "smooth_l1_cpu", "SmoothL1LossBackward0", true});
}

Tensor huber_loss(const Tensor& input, const Tensor& target, const HuberOptions& o) {
  RAMP_CHECK(o.delta > 0, "huber_loss does not support non-positive values for delta.");
  return threshold_loss(input, target, o.reduction, {Kind::Huber, o.delta, "huber_cpu", "HuberLossBackward0", false});
}

}  // namespace ramp
