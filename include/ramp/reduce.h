// Reductions with PyTorch 1.13's names, defaults, dtypes, NaN and empty-tensor rules, all run by one
// engine (src/ops/reduce.cpp over src/kernels/reduce_kernels.cpp): each op is an init/step/join/store.
//
//   ramp::sum(x, {0}), ramp::mean(x, {0, 2}, /*keepdim=*/true), ramp::amax(x, {1})
//   auto [values, indices] = ramp::max(x, 1);
//   ramp::std(x, {1}, /*correction=*/0), ramp::norm(x, INFINITY), ramp::logsumexp(x, {1})
//
// `dim` lists: empty means every dim (1.13's dim=None / dim=()), negative dims count from the end,
// a repeated dim raises. Integer and bool sums/products give int64 (wrapping), floating ones are
// accumulated in double. Gradients record 1.13's nodes (SumBackward1, MaxBackward0, ...).
#pragma once

#include <optional>
#include <string_view>
#include <utility>

#include "ramp/tensor.h"

namespace ramp {

// sum: SumBackward0 (every element) / SumBackward1 (dims); `dtype` converts the input first.
Tensor sum(const Tensor& self, std::optional<ScalarType> dtype = {});
Tensor sum(const Tensor& self, IntArrayRef dim, bool keepdim = false, std::optional<ScalarType> dtype = {});
// mean: floating dtypes only (or a floating `dtype`); the sum rounded to the dtype, then divided (1.13).
Tensor mean(const Tensor& self, std::optional<ScalarType> dtype = {});
Tensor mean(const Tensor& self, IntArrayRef dim, bool keepdim = false, std::optional<ScalarType> dtype = {});
// prod over everything (ProdBackward0) or one dim (ProdBackward1); the gradient is exact with zeros.
Tensor prod(const Tensor& self, std::optional<ScalarType> dtype = {});
Tensor prod(const Tensor& self, std::int64_t dim, bool keepdim = false, std::optional<ScalarType> dtype = {});

// Variance / standard deviation with Bessel's `correction` (1 = unbiased, 0 = biased): floating
// dtypes only; fewer elements than the correction give NaN/inf as 1.13. VarBackward0, StdBackward0.
Tensor var(const Tensor& self, IntArrayRef dim = {}, double correction = 1, bool keepdim = false);
Tensor std(const Tensor& self, IntArrayRef dim = {}, double correction = 1, bool keepdim = false);
// (var or std, mean) from one pass; both outputs record VarMeanBackward0 / StdMeanBackward0.
std::pair<Tensor, Tensor> var_mean(const Tensor& self, IntArrayRef dim = {}, double correction = 1, bool keepdim = false);
std::pair<Tensor, Tensor> std_mean(const Tensor& self, IntArrayRef dim = {}, double correction = 1, bool keepdim = false);

// max/min of every element (NaN wins; an empty tensor raises): MaxBackward1 shares the gradient
// evenly among the elements equal to the result.
Tensor max(const Tensor& self);
Tensor min(const Tensor& self);
// (values, indices) along `dim`: the first NaN, else the first extreme; MaxBackward0 / MinBackward0
// send the gradient to the index.
std::pair<Tensor, Tensor> max(const Tensor& self, std::int64_t dim, bool keepdim = false);
std::pair<Tensor, Tensor> min(const Tensor& self, std::int64_t dim, bool keepdim = false);
// amax/amin over dims: AmaxBackward0 / AminBackward0 share the gradient evenly among ties.
Tensor amax(const Tensor& self, IntArrayRef dim = {}, bool keepdim = false);
Tensor amin(const Tensor& self, IntArrayRef dim = {}, bool keepdim = false);
// (amin, amax) over `dim` (none: every element) in one call; NaN wins. No derivative in 1.13: a graph
// records torch::autograd::NotImplemented, whose backward raises.
std::pair<Tensor, Tensor> aminmax(const Tensor& self, std::optional<std::int64_t> dim = {}, bool keepdim = false);
// Index (int64) of the extreme along `dim`, or in the flattened tensor when dim is none (then
// keepdim gives every dim size 1). Bool is refused ("argmax_cpu" not implemented for 'Bool').
Tensor argmax(const Tensor& self, std::optional<std::int64_t> dim = {}, bool keepdim = false);
Tensor argmin(const Tensor& self, std::optional<std::int64_t> dim = {}, bool keepdim = false);

// all/any: bool results (uint8 for uint8 inputs, as 1.13); NaN counts as true; empty: true / false.
Tensor all(const Tensor& self);
Tensor all(const Tensor& self, std::int64_t dim, bool keepdim = false);
Tensor any(const Tensor& self);
Tensor any(const Tensor& self, std::int64_t dim, bool keepdim = false);

// torch.norm: the vector p-norm over `dim` (p = 2, 1, inf, -inf, 0, any other p); NormBackward1.
// `dtype` converts the input first. "fro" is p = 2 over at most two dims; "nuc" is not supported.
Tensor norm(const Tensor& self, double p = 2, IntArrayRef dim = {}, bool keepdim = false,
            std::optional<ScalarType> dtype = {});
Tensor norm(const Tensor& self, std::string_view p, IntArrayRef dim = {}, bool keepdim = false);

// log(sum(exp(x))) over dims without overflow (1.13's formula: the max, set to 0 when infinite, is
// subtracted first). Integer inputs give the default float dtype. LogsumexpBackward0.
Tensor logsumexp(const Tensor& self, IntArrayRef dim, bool keepdim = false);

// Running sums / products along `dim` (accumulated in double, integers wrapping in int64).
// CumsumBackward0 / CumprodBackward0 (exact with zeros).
Tensor cumsum(const Tensor& self, std::int64_t dim, std::optional<ScalarType> dtype = {});
Tensor cumprod(const Tensor& self, std::int64_t dim, std::optional<ScalarType> dtype = {});
// (values, indices) of the running max / min along dim (src/ops/cummax.cpp): a tie moves the index
// to the later element; from the first NaN on the value is NaN and the index that of the latest NaN
// (1.13's rules). CummaxBackward0 / CumminBackward0 add dy at the indices.
std::pair<Tensor, Tensor> cummax(const Tensor& self, std::int64_t dim);
std::pair<Tensor, Tensor> cummin(const Tensor& self, std::int64_t dim);
// log(cumsum(exp(self))) along dim without overflow, accumulated in double (floating dtypes only);
// LogcumsumexpBackward0 (once differentiable: a create_graph pass refuses it).
Tensor logcumsumexp(const Tensor& self, std::int64_t dim);
// The n-th forward difference along dim of cat(prepend, self, append) (bool: logical_xor); n <= 0
// returns a copy. A composition of narrow and sub (SubBackward0).
Tensor diff(const Tensor& self, std::int64_t n = 1, std::int64_t dim = -1, const Tensor& prepend = {},
            const Tensor& append = {});

// Elementwise max/min with broadcasting and type promotion; NaN wins. MaximumBackward0 gives each
// side the gradient where it is larger, half of it where they tie (1.13).
Tensor maximum(const Tensor& self, const Tensor& other);
Tensor minimum(const Tensor& self, const Tensor& other);
Tensor max(const Tensor& self, const Tensor& other);  // = maximum
Tensor min(const Tensor& self, const Tensor& other);  // = minimum

// Histogram of `bins` equal bins over [min, max] (both 0: the data's range); floating inputs,
// values outside and NaN are skipped, the last bin includes max. No gradient.
Tensor histc(const Tensor& self, std::int64_t bins = 100, Scalar min = 0, Scalar max = 0);
// Counts of each value of a 1-d non-negative integer tensor, at least `minlength` long; with
// `weights` (same length) their sums instead: float32 weights give float32, others float64.
Tensor bincount(const Tensor& self, const Tensor& weights = {}, std::int64_t minlength = 0);

// sum treating NaN as zero (src/ops/nansum.cpp): dtypes and dims as sum's (an empty dim list is
// every dim); NansumBackward0 passes dy where the input is not NaN.
Tensor nansum(const Tensor& self, IntArrayRef dim = {}, bool keepdim = false, std::optional<ScalarType> dtype = {});
// The number of nonzero elements (NaN counts, -0.0 does not) over dims (empty: every dim), int64.
Tensor count_nonzero(const Tensor& self, IntArrayRef dim = {});

}  // namespace ramp
