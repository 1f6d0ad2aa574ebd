// The reductions' first derivatives as differentiable ops, in 1.13's order (FunctionsManual.cpp's
// var_backward, std_backward, norm_backward, logsumexp_backward, evenly_distribute_backward,
// scale_grad_by_count, prod_backward, cumsum_backward): the graph a create_graph pass gives their
// gradients (autograd::raw_with_graph), so the second-order node names and the derivatives at
// ties, zeros and kinks are 1.13's. The values themselves still come from the raw kernels in
// reduce.cpp (the bits of a first-order pass).
#include "reduce.h"

#include "ramp/elementwise.h"
#include "ramp/indexing.h"
#include "ramp/shape.h"

namespace ramp::reduction::formula {

namespace {
std::vector<std::int64_t> dims_of(std::uint32_t m, std::int64_t ndim) {
  std::vector<std::int64_t> d;
  for (std::int64_t i = 0; i < ndim; ++i)
    if (m >> i & 1u) d.push_back(i);
  return d;
}
}  // namespace

// 1.13's unsqueeze_multiple: the reduced dims back as size 1 (broadcasting does the rest).
Tensor unsqueeze_reduced(const Tensor& g, std::int64_t ndim, std::uint32_t m, bool keepdim) {
  if (keepdim) return g;
  Tensor r = g;
  for (std::int64_t i = 0; i < ndim; ++i)
    if (m >> i & 1u) r = r.unsqueeze(i);
  return r;
}

// (2 / dof) g (x - mean(x)); std: var's with g / (2 std), 0 where std is 0.
Tensor var(const Tensor& g, const Tensor& x, std::uint32_t m, double correction, bool keepdim) {
  const double dof = double(reduced_count(x.sizes(), m)) - correction;
  const Tensor G = unsqueeze_reduced(g, x.dim(), m, keepdim);
  return G.mul(2.0 / dof).mul(x.sub(x.mean(dims_of(m, x.dim()), true)));
}
Tensor std(const Tensor& g, const Tensor& x, const Tensor& result, std::uint32_t m, double correction,
           bool keepdim) {
  const Tensor gvar = masked_fill(g.div(result.mul(2.0)), eq(result, 0), 0.0);
  return var(gvar, x, m, correction, keepdim);
}

Tensor norm(const Tensor& g, const Tensor& self, const Tensor& result, double p, std::uint32_t m,
            bool keepdim) {
  const Tensor x = self.dtype() == result.dtype() ? self : self.to(result.dtype());
  const Tensor G = unsqueeze_reduced(g, x.dim(), m, keepdim),
               N = unsqueeze_reduced(result, x.dim(), m, keepdim);
  if (p == 1) return sgn(x).mul(G);
  if (p == 2) return G.mul(masked_fill(x.div(N), eq(N, 0), 0.0));
  if (std::isinf(p)) {  // amax(|x|) respecting NaNs: the gradient shared among the maxima
    const Tensor a = abs(x), mask = logical_or(eq(a, N), isnan(a));
    return sgn(x).mul(G.div(mask.sum(dims_of(m, x.dim()), true)).mul(mask));
  }
  if (p < 1) return sgn(x).mul(masked_fill(pow(abs(x), p - 1), eq(x, 0), 0.0)).mul(G).mul(pow(N, 1 - p));
  const Tensor scaled = p < 2 ? sgn(x).mul(pow(abs(x), p - 1)) : x.mul(pow(abs(x), p - 2));
  return scaled.mul(masked_fill(G.div(pow(N, p - 1)), eq(N, 0), 0.0));
}

// sqrt(sum(x * x)): SqrtBackward0's g / (2 result), expanded by the sum, then x * x's two sides.
Tensor frobenius(const Tensor& g, const Tensor& x, const Tensor& result, std::uint32_t m, bool keepdim) {
  const Tensor ds = unsqueeze_reduced(g.div(result.mul(2.0)), x.dim(), m, keepdim).expand(x.sizes());
  return ds.mul(x).add(ds.mul(x));
}

Tensor logsumexp(const Tensor& g, const Tensor& x, const Tensor& result, std::uint32_t m, bool keepdim) {
  return unsqueeze_reduced(g, x.dim(), m, keepdim)
      .mul(exp(x.sub(unsqueeze_reduced(result, x.dim(), m, keepdim))));
}

// max()/min(): evenly_distribute_backward (1.13's CPU form: a masked_fill of g / count).
Tensor evenly_distribute(const Tensor& g, const Tensor& x, const Tensor& value) {
  const Tensor mask = autograd::below([&] { return isnan(value).item<bool>(); }) ? isnan(x) : eq(x, value);
  return masked_fill(zeros(x.sizes(), g.dtype()), mask, g.div(mask.sum()));
}
// amax/amin: scale_grad_by_count: (g / count) * mask, the ties sharing g.
Tensor amax(const Tensor& g, const Tensor& x, const Tensor& result, std::uint32_t m, bool keepdim) {
  const Tensor mask = eq(unsqueeze_reduced(result, x.dim(), m, keepdim), x);
  return unsqueeze_reduced(g, x.dim(), m, keepdim).div(mask.sum(dims_of(m, x.dim()), true)).mul(mask);
}
namespace {
// g times the product of the others along dim, through exclusive cumulative products (exact with
// zeros), as 1.13's prod_safe_zeros_backward.
Tensor prod_safe_zeros(const Tensor& g, const Tensor& x, std::int64_t dim) {
  if (x.numel() == 0) return g.expand(x.sizes());
  Dims one(x.sizes());
  one[std::size_t(dim)] = 1;
  const Tensor ones_ = ones(one, g.dtype());
  const std::int64_t n = x.size(dim);
  const Tensor before = cumprod(cat({ones_, x.narrow(dim, 0, n - 1)}, dim), dim);
  const Tensor after = flip(cumprod(cat({ones_, flip(x.narrow(dim, 1, n - 1), {dim})}, dim), dim), {dim});
  return g.mul(before.mul(after));
}
}  // namespace

// prod(): g result / x without zeros, 0 with two or more, the exclusive products with one.
Tensor prod_all(const Tensor& g, const Tensor& self, const Tensor& result) {
  const Tensor x = self.dtype() == g.dtype() ? self : self.to(g.dtype());
  if (x.dim() == 0) return g;
  const std::int64_t zeros_ = autograd::below([&] { return eq(x, 0).sum().item<std::int64_t>(); });
  if (zeros_ == 0) return g.mul(result.div(x));
  if (zeros_ > 1) return Tensor();  // 1.13: zeros_like, a constant
  return prod_safe_zeros(g, x.contiguous().view({-1}), 0).view(x.sizes());
}
Tensor prod_dim(const Tensor& g, const Tensor& self, const Tensor& result, std::int64_t dim, bool keepdim) {
  const Tensor x = self.dtype() == g.dtype() ? self : self.to(g.dtype());
  if (x.dim() == 0) return g;
  const bool unsq = !keepdim && x.dim() != 1;
  const Tensor G = unsq ? g.unsqueeze(dim) : g, R = unsq ? result.unsqueeze(dim) : result;
  if (autograd::below([&] { return eq(x, 0).sum().item<std::int64_t>(); }) == 0) return G.mul(R.div(x));
  return prod_safe_zeros(G, x, dim);
}

// The running sum of g from the end: flip, cumsum, flip.
Tensor cumsum(const Tensor& g, std::int64_t dim) {
  if (g.numel() <= 1 || g.size(dim) == 1) return g;
  return flip(ramp::cumsum(flip(g, {dim}), dim), {dim});
}

// 1.13's cumprod_backward as it runs in grad mode: without zeros the running sum from the end of
// result g, divided by x; with a zero, its O(n^2) form that is differentiable again, one slot k at
// a time: dx_k = sum_{j >= k} g_j prod_{i <= j, i != k} x_i, written into zeros through select(k)
// (so its node is 1.13's CopySlices).
Tensor cumprod(const Tensor& g, const Tensor& x, const Tensor& result, std::int64_t dim) {
  if (x.numel() <= 1 || x.size(dim) == 1) return g;
  if (autograd::below([&] { return eq(x, 0).sum().item<std::int64_t>(); }) == 0)
    return formula::cumsum(result.mul(g), dim).div(x);
  const std::int64_t n = x.size(dim);
  Dims one(x.sizes());
  one[std::size_t(dim)] = 1;
  const Tensor ones_ = ones({1}, g.dtype()).expand(one);
  Tensor grad_input = zeros(x.sizes(), g.dtype());
  for (std::int64_t k = 0; k < n; ++k) {
    Tensor omitted;
    if (k == 0) {
      omitted = cat({ones_, ramp::cumprod(x.slice(dim, 1, n), dim)}, dim);
    } else if (k == n - 1) {
      omitted = prod(x.slice(dim, 0, k), dim, true);
    } else {
      const Tensor until_k = prod(x.slice(dim, 0, k), dim, true);
      const Tensor from_k1 = ramp::cumprod(x.slice(dim, k + 1, n), dim);
      omitted = cat({until_k, until_k.expand(from_k1.sizes()).mul(from_k1)}, dim);
    }
    grad_input.select(dim, k).copy_(g.slice(dim, k, n).mul(omitted).sum({dim}));
  }
  return grad_input;
}

}  // namespace ramp::reduction::formula
