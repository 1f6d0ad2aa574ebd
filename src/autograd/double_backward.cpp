// Which backward formulas may run in a create_graph pass (double backward).
//
// A formula built from differentiable ops records a graph by itself once the pass runs in grad
// mode; one that calls a raw kernel (a loop over doubles, a BLAS call without a node) would return
// a gradient with no graph: a silently wrong (zero) second derivative. So a create_graph pass runs
// a node only when its formula is known to record (the list below, checked by the tests'
// gradgradcheck against finite differences and against torch 1.13), and otherwise refuses with
// "double backward through X is not supported" when the formula would read a tensor that needs a
// graph (the incoming gradient or a saved tensor that requires grad). A node whose formula reads
// only constants may still run: its gradient is rightly a constant.
#include <algorithm>
#include <array>

#include "function.h"
#include "ramp/custom_function.h"
#include "ramp/nn/functional.h"
#include "../tensor/loop.h"

namespace ramp::autograd {

namespace {
// Sorted: binary search. Names are 1.13's; several ops share one (the activations' in-place forms).
constexpr auto kTwice = std::to_array<std::string_view>({
    "AbsBackward0", "AdaptiveAvgPool2DBackward0", "AdaptiveAvgPool2DBackwardBackward0",
    "AdaptiveMaxPool2DBackward0", "AdaptiveMaxPool2DBackwardBackward0", "AddBackward0", "AddBackward1",
    "AddcdivBackward0", "AddcmulBackward0", "AddmmBackward0", "AliasBackward0", "AmaxBackward0", "AminBackward0",
    "AsStridedBackward0", "Atan2Backward0", "AvgPool2DBackward0", "AvgPool2DBackwardBackward0",
    "BinaryCrossEntropyBackward0", "BinaryCrossEntropyWithLogitsBackward0", "BmmBackward0", "CatBackward0",
    "CeilBackward0", "CeluBackward0", "CeluBackward1", "ClampBackward0", "ClampBackward1", "ClampMaxBackward0",
    "ClampMaxBackward1", "ClampMinBackward0", "ClampMinBackward1", "CloneBackward0", "ConstantPadNdBackward0",
    "ConvolutionBackward0", "ConvolutionBackwardBackward0", "CopysignBackward0", "CopysignBackward1",
    "CosBackward0", "CummaxBackward0", "CumminBackward0", "CumprodBackward0", "CumsumBackward0", "Deg2RadBackward0",
    "DiagBackward0", "DiagEmbedBackward0", "DiagonalBackward0", "DigammaBackward0", "DivBackward0", "DivBackward1",
    "DotBackward0", "EluBackward0", "EluBackward1", "EluBackwardBackward0", "ErfBackward0", "ErfcBackward0",
    "EuclideanDistBackward0", "ExpBackward0", "ExpandBackward0", "Expm1Backward0", "FlipBackward0",
    "FloorBackward0", "FmaxBackward0", "FminBackward0", "FmodBackward0", "FmodBackward1", "GatherBackward0",
    "GeluBackward0", "GeluBackwardBackward0", "GluBackward0", "GluBackwardBackward0", "HardshrinkBackward0",
    "HardshrinkBackwardBackward0", "HardsigmoidBackward0", "HardswishBackward0", "HardswishBackwardBackward0",
    "HardtanhBackward0", "HardtanhBackwardBackward0", "HypotBackward0", "IndexAddBackward0", "IndexBackward0",
    "IndexCopyBackward0", "IndexFillBackward0", "IndexPutBackward0", "IndexPutImplBackward0",
    "IndexReduceBackward0", "IndexSelectBackward0", "KthvalueBackward0", "LeakyReluBackward0", "LeakyReluBackward1",
    "LeakyReluBackwardBackward0", "LerpBackward0", "LerpBackward1", "LgammaBackward0", "LinalgCrossBackward0",
    "Log10Backward0", "Log1PBackward0", "Log2Backward0", "LogBackward0", "LogSigmoidBackward0",
    "LogSigmoidBackwardBackward0", "LogSoftmaxBackward0", "LogSoftmaxBackwardDataBackward0", "Logaddexp2Backward0",
    "LogaddexpBackward0", "LogcumsumexpBackward0", "LogitBackward0", "LogsumexpBackward0", "MaskedFillBackward0",
    "MaskedFillBackward1", "MaskedScatterBackward0", "MaskedSelectBackward0", "MaxBackward0", "MaxBackward1",
    "MaxPool2DWithIndicesBackward0", "MaxPool2DWithIndicesBackwardBackward0", "MaximumBackward0", "MeanBackward0",
    "MeanBackward1", "MedianBackward0", "MedianBackward1", "MinBackward0", "MinBackward1", "MinimumBackward0",
    "MishBackward0", "MmBackward0", "ModeBackward0", "MseLossBackward0", "MseLossBackwardBackward0", "MulBackward0",
    "MulBackward1", "NanToNumBackward0", "NanmedianBackward0", "NanmedianBackward1", "NansumBackward0",
    "NativeBatchNormBackward0", "NativeLayerNormBackward0", "NegBackward0", "NllLoss2DBackward0",
    "NllLoss2DBackwardBackward0", "NllLossBackward0", "NllLossBackwardBackward0", "NormBackward1", "NormBackward3",
    "PermuteBackward0", "PolygammaBackward0", "PolygammaBackward1", "PowBackward0", "PowBackward1", "PowBackward2",
    "PreluBackward0", "PreluBackwardBackward0", "ProdBackward0", "ProdBackward1", "PutBackward0",
    "Rad2DegBackward0", "ReciprocalBackward0", "ReluBackward0", "RemainderBackward0", "RemainderBackward1",
    "RepeatBackward0", "ReshapeAliasBackward0", "Rot90Backward0", "RoundBackward0", "RreluWithNoiseBackward0",
    "RreluWithNoiseBackward1", "RreluWithNoiseBackwardBackward0", "RsqrtBackward0", "RsubBackward0",
    "RsubBackward1", "ScatterAddBackward0", "ScatterBackward0", "ScatterBackward1", "ScatterReduceBackward0",
    "SelectBackward0", "SelectBackwardBackward0", "SgnBackward0", "SigmoidBackward0", "SigmoidBackwardBackward0",
    "SignBackward0", "SiluBackward0", "SinBackward0", "SincBackward0", "SliceBackward0", "SliceBackwardBackward0",
    "SoftmaxBackward0", "SoftmaxBackwardDataBackward0", "SoftplusBackward0", "SoftplusBackwardBackward0",
    "SoftshrinkBackward0", "SoftshrinkBackwardBackward0", "SortBackward0", "SortBackward1",
    "SpecialXlog1PyBackward0", "SpecialXlog1PyBackward1", "SpecialXlog1PyBackward2", "SplitBackward0",
    "SplitWithSizesBackward0", "SqrtBackward0", "SqueezeBackward0", "SqueezeBackward1", "SqueezeBackward3",
    "StackBackward0", "StdBackward0", "StdMeanBackward0", "SubBackward0", "SubBackward1", "SumBackward0",
    "SumBackward1", "SwishBackward0", "SwishBackwardBackward0", "TBackward0", "TakeBackward0", "TanBackward0",
    "TanhBackward0", "TanhBackwardBackward0", "ThresholdBackward0", "ThresholdBackward1",
    "ThresholdBackwardBackward0", "ToCopyBackward0", "TopkBackward0", "TraceBackward0", "TransposeBackward0",
    "TruncBackward0", "UnbindBackward0", "UnsafeViewBackward0", "UnsqueezeBackward0", "VarBackward0",
    "VarMeanBackward0", "ViewBackward0", "WhereBackward0", "XlogyBackward0", "XlogyBackward1", "XlogyBackward2",
    "torch::autograd::CopyBackwards", "torch::autograd::CopySlices"
});
static_assert(std::is_sorted(kTwice.begin(), kTwice.end()));
}  // namespace

bool differentiable_twice(const Node& node) {
  // A user Function's backward is user code: it records whatever differentiable ops it uses, as
  // in 1.13 (once_differentiable marks the ones that may not).
  if (dynamic_cast<const CustomNode*>(&node)) return true;
  return std::binary_search(kTwice.begin(), kTwice.end(), node.name());
}

Tensor slice_backward(const Tensor& g, IntArrayRef sizes, std::int64_t dim, std::int64_t start, std::int64_t end,
                      std::int64_t step, std::string_view node_name) {
  const bool selected = node_name == "SelectBackward0" || node_name == "UnbindBackward0";  // g lacks dim
  auto scatter = [&] {
    Tensor dx = zeros(sizes, g.dtype());
    ramp::detail::copy_into(selected ? dx.select(dim, start) : dx.slice(dim, start, end, step), g);
    return dx;
  };
  if (detail::grad_mode && requires_grad(g)) {
    // dx is linear in g: recorded with its adjoint, the slice itself, as the formula.
    Tensor dx = below([&] {
      if (step != 1) return scatter();
      // pad's pairs run from the last dim: only dim's pair is non-zero
      std::vector<std::int64_t> pad(2 * (sizes.size() - std::size_t(dim)), 0);
      const std::size_t k = 2 * (sizes.size() - 1 - std::size_t(dim));
      pad[k] = start;
      pad[k + 1] = sizes[std::size_t(dim)] - end;
      return ramp::pad(selected ? g.unsqueeze(dim) : g, pad, "constant", 0.0);
    });
    // 1.13's names for slice and select (split and unbind show its cat and stack: ramp's own node)
    const std::string_view name = node_name == "SliceBackward0"    ? "SliceBackwardBackward0"
                                  : node_name == "SelectBackward0" ? "SelectBackwardBackward0"
                                                                   : "ConstantPadNdBackward0";
    record(dx, name, {g}, {}, [dim, start, end, step, selected](const Node&, const Tensor& gg) {
      return std::vector<Tensor>{selected ? gg.select(dim, start) : gg.slice(dim, start, end, step)};
    });
    return dx;
  }
  return scatter();
}

Tensor with_graph_of(const Tensor& value, const Tensor& formula) {
  if (!formula.defined() || !requires_grad(formula)) return value;
  RAMP_CHECK(std::equal(value.sizes().begin(), value.sizes().end(), formula.sizes().begin(), formula.sizes().end()),
             "with_graph_of: a gradient of shape ",
             shape_str(value.sizes()), " with a formula of shape ", shape_str(formula.sizes()));
  const Tensor v = value.dtype() == formula.dtype() ? value : below([&] { return value.to(formula.dtype()); });
  const auto& from = *formula.impl().autograd;
  if (!from.grad_fn) return formula;  // the formula is an input itself: its values are the gradient's
  Tensor out(std::make_shared<TensorImpl>(v.storage(), v.sizes(), v.strides(), v.storage_offset(), v.dtype()));
  auto meta = std::make_shared<AutogradMeta>();
  meta->requires_grad = true;
  meta->grad_fn = from.grad_fn;
  meta->output_nr = from.output_nr;
  out.impl().autograd = std::move(meta);
  return out;
}

void refuse_double_backward(std::string_view node_name) {
  throw Error(ramp::detail::cat("double backward through ", node_name,
                                " is not supported: its backward formula is not differentiable in ramp (it "
                                "would give a gradient with no graph); create_graph=True needs it"));
}

}  // namespace ramp::autograd
