// The reduction engine's front: dims -> a dense [A, R, B] view, the kernel for (op, dtype), 1.13's
// dtype and error rules, and each op's gradient (include/ramp/reduce.h).
#include "reduce.h"

#include <bit>
#include <string_view>

#include "../kernels/kernels.h"
#include "../nn/loss_common.h"  // div_scalar: 1.13's Tensor-Scalar node
#include "select.h"

namespace ramp {

namespace kernels {
const ReduceTable& reduce_table() {
  static const ReduceTable& t = []() -> const ReduceTable& {
    const std::string_view isa = table().isa;  // the activation kernels' choice
    if (isa.starts_with("AVX3")) return avx512::reduce_table();
    if (isa == "AVX2") return avx2::reduce_table();
    return baseline::reduce_table();
  }();
  return t;
}
}  // namespace kernels

namespace reduction {

std::uint32_t dim_mask(const Tensor& x, IntArrayRef dims) {
  if (dims.empty()) return x.dim() ? (1u << x.dim()) - 1 : 0u;
  std::uint32_t m = 0;
  for (auto d : dims) {
    const auto w = wrap_dim(d, x.dim());
    RAMP_CHECK(!(m >> w & 1u), "dim ", w, " appears multiple times in the list of dims");
    m |= 1u << w;
  }
  return x.dim() ? m : 0u;
}

Dims reduced_sizes(IntArrayRef sizes, std::uint32_t m, bool keepdim) {
  Dims out;
  for (std::size_t i = 0; i < sizes.size(); ++i)
    if (!(m >> i & 1u)) out.push_back(sizes[i]);
    else if (keepdim) out.push_back(1);
  return out;
}

std::int64_t reduced_count(IntArrayRef sizes, std::uint32_t m) {
  std::int64_t n = 1;
  for (std::size_t i = 0; i < sizes.size(); ++i)
    if (m >> i & 1u) n *= sizes[i];
  return n;
}

Plan plan(const Tensor& self, std::uint32_t m, bool split) {
  // Runs of reduced and kept dims in memory order (size-1 dims belong to neither): one reduced run
  // is [A, R, B] as it lies; two (BatchNorm's (0, 2, 3) of NCHW) are [A, R, B, S, C] as they lie
  // when `split` and the inner slabs are worth a kernel call each (see kMinSplitSlab); more are
  // moved last by a copy.
  I64 size[5] = {1, 1, 1, 1, 1};  // A, R, B, S, C
  int runs = 0, part = 0;
  for (std::int64_t i = 0; i < self.dim(); ++i) {
    const I64 s = self.size(i);
    if (s == 1) continue;
    const bool r = m >> i & 1u;
    if (r && !(part & 1)) ++runs;
    part = std::min(4, r ? 2 * runs - 1 : 2 * runs);
    size[part] *= s;
  }
  if (runs <= 1) return {self.contiguous(), size[0], size[1], size[2]};
  if (split && runs == 2 && size[3] > 1 && (size[4] == 1 || size[3] * size[4] >= kMinSplitSlab))  // S > 1: run() tells by it
    return {self.contiguous(), size[0], size[1], size[2], size[3], size[4]};
  Dims perm;
  for (int pass = 0; pass < 2; ++pass)
    for (std::int64_t i = 0; i < self.dim(); ++i)
      if (int(m >> i & 1u) == pass) perm.push_back(i);
  // A from the kept sizes, not numel / R: with an empty reduced dim that was 0 outputs computed of
  // 3, and the sums of zeros(2, 3, 0) over (0, 2) came back uninitialized.
  const I64 R = reduced_count(self.sizes(), m), A = reduced_count(self.sizes(), ~m);
  return {self.permute(perm).contiguous(), A, R, 1};
}

Tensor run(kernels::ReduceOp op, const Tensor& x, std::uint32_t m, bool keepdim, std::optional<ScalarType> out_t,
           Tensor* out2, ScalarType out2_t, const kernels::ReduceArgs& args) {
  const kernels::ReduceTable& t = kernels::reduce_table();
  const kernels::ReduceSplitFn split = t.split[int(op)][int(x.dtype())];
  const Plan p = plan(x, m, split != nullptr);
  const Dims sizes = reduced_sizes(x.sizes(), m, keepdim);
  Tensor out = out_t ? empty(sizes, *out_t) : Tensor();
  if (out2) *out2 = empty(sizes, out2_t);
  void* o1 = out_t ? out.data_ptr() : nullptr;
  void* o2 = out2 ? out2->data_ptr() : nullptr;
  if (p.S > 1) {
    split(p.x.data_ptr(), o1, o2, p.A, p.R, p.B, p.S, p.C, args);
    return out;
  }
  const kernels::ReduceFn fn = t.fn[int(op)][int(x.dtype())];
  RAMP_CHECK(fn, "reduction not implemented for '", dtype_error_name(x.dtype()), "'");
  fn(p.x.data_ptr(), o1, o2, p.A, p.R, p.B, args);
  return out;
}

Tensor restore(const Tensor& g, IntArrayRef sizes, std::uint32_t m, bool keepdim) {
  Tensor r = g;
  if (!keepdim)
    for (std::size_t i = 0; i < sizes.size(); ++i)
      if (m >> i & 1u) r = r.unsqueeze(std::int64_t(i));
  return r.expand(sizes);
}

void check_nonempty(const Tensor& x, IntArrayRef dims, std::string_view fn, bool wrapped_in_message) {
  if (x.numel() != 0) return;
  RAMP_CHECK(!dims.empty(), fn, "(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
             "reduction dim with the 'dim' argument.");
  for (auto d : dims) {
    const auto w = wrap_dim(d, x.dim());
    RAMP_CHECK_T(IndexError, x.dim() == 0 || x.size(w) != 0, fn, "(): Expected reduction dim ",
                 wrapped_in_message ? w : d, " to have non-zero size.");
  }
}

}  // namespace reduction

using namespace reduction;
using kernels::ReduceOp;

namespace {

// Sum, mean: the gradient is g restored to x's shape, divided by the count for mean.
template <class F>
Tensor linear(const Tensor& x, std::string_view name, std::uint32_t m, bool keepdim, bool is_mean, F f) {
  if (!autograd::needs_grad({x})) return f();
  Tensor out = autograd::below(f);
  const double count = double(reduced_count(x.sizes(), m));
  autograd::record(out, name, {x}, {},
                   [sizes = Dims(x.sizes()), m, keepdim, is_mean, count, t = x.dtype()](const autograd::Node&,
                                                                                        const Tensor& g) {
                     Tensor r = restore(g, sizes, m, keepdim);
                     // mean: 1.13's g / n (a division: g * (1 / n) differs in the last bit); create_graph
                     // records its DivBackward1 over those values
                     if (is_mean)
                       r = autograd::raw_with_graph(
                           {g}, [&] { return r.div(count); },
                           [&] { return loss::div_scalar(r, count); });
                     return std::vector<Tensor>{r.dtype() == t ? r : r.to(t)};
                   });
  return out;
}

Tensor sum_impl(const Tensor& self, std::uint32_t m, bool keepdim, std::optional<ScalarType> dtype, ReduceOp op) {
  Tensor x = self;
  if (dtype && !(is_integral(*dtype, true) && is_integral(x.dtype(), true))) x = x.to(*dtype);
  const ScalarType t = is_integral(x.dtype(), true) ? ScalarType::Int64 : x.dtype();
  Tensor out = run(op, x, m, keepdim, t);
  return dtype && *dtype != t ? out.to(*dtype) : out;
}

Tensor mean_impl(const Tensor& self, std::uint32_t m, bool keepdim, std::optional<ScalarType> dtype) {
  RAMP_CHECK(is_floating(self.dtype()) || dtype, "mean(): could not infer output dtype. Input dtype must be either "
             "a floating point or complex dtype. Got: ", dtype_error_name(self.dtype()));
  RAMP_CHECK(!dtype || is_floating(*dtype), "mean(): could not infer output dtype. Optional dtype must be either a "
             "floating point or complex dtype. Got: ", dtype_error_name(*dtype));
  const Tensor x = dtype ? self.to(*dtype) : self;
  return run(ReduceOp::mean, x, m, keepdim, x.dtype());
}

// dx = prod of the others in each reduced row: prefix * suffix products, exact with zeros.
Tensor prod_backward(const Tensor& x, const Tensor& g, std::uint32_t m, bool keepdim) {
  const Plan p = plan(x, m);
  const std::vector<double> xv = x.contiguous().to_vector(),
                            gv = restore(g, x.sizes(), m, keepdim).contiguous().to_vector();
  std::vector<double> dx(xv.size());
  for (I64 a = 0; a < p.A; ++a)
    for (I64 b = 0; b < p.B; ++b) {
      auto at = [&](I64 r) { return std::size_t((a * p.R + r) * p.B + b); };
      double pre = 1;
      for (I64 r = 0; r < p.R; ++r) dx[at(r)] = pre, pre *= xv[at(r)];
      double suf = 1;
      for (I64 r = p.R - 1; r >= 0; --r) dx[at(r)] *= suf * gv[at(r)], suf *= xv[at(r)];
    }
  return from_vector(dx, x.sizes(), x.dtype());
}

Tensor prod_impl(const Tensor& self, std::uint32_t m, bool keepdim, std::optional<ScalarType> dtype,
                 std::string_view name) {
  RAMP_CHECK(self.dtype() != ScalarType::BFloat16 || (dtype && *dtype != ScalarType::BFloat16),
             "\"prod_cpu\" not implemented for 'BFloat16'");
  auto f = [&] { return sum_impl(self, m, keepdim, dtype, ReduceOp::prod); };
  if (!autograd::needs_grad({self})) return f();
  Tensor out = autograd::below(f);
  autograd::record(out, name, {self}, {{self, false}, {out, true}},
                   [m, keepdim, all = name == "ProdBackward0"](const autograd::Node& n, const Tensor& g) {
                     const Tensor x = n.unpack(0);
                     return std::vector<Tensor>{autograd::raw_with_graph(
                         {g, x}, [&] { return prod_backward(x, g, m, keepdim); },
                         [&] {
                           const Tensor r = n.unpack(1);
                           return all ? formula::prod_all(g, x, r)
                                      : formula::prod_dim(g, x, r, std::countr_zero(m), keepdim);
                         })};
                   });
  return out;
}

// The elements equal to the result (NaN: the NaNs when `nan_ties`) share its gradient evenly:
// MaxBackward1 (nan_ties) and AmaxBackward0 (1.13 divides by the count of equal elements, so a
// NaN result gives NaN gradients).
Tensor tie_backward(const Tensor& x, const Tensor& r, const Tensor& g, std::uint32_t m, bool keepdim, bool nan_ties) {
  const Tensor rr = restore(r, x.sizes(), m, keepdim);
  const Tensor tie = pointwise(x.sizes(), x.dtype(), [nan_ties](double v, double e) {
    return double(nan_ties && e != e ? v != v : v == e);
  }, x, rr);
  const Tensor count = restore(run(ReduceOp::sum, tie, m, keepdim, tie.dtype()), x.sizes(), m, keepdim);
  return pointwise(x.sizes(), x.dtype(), [](double t, double gv, double c) { return gv / c * t; }, tie,
                   restore(g, x.sizes(), m, keepdim), count);
}

Tensor extreme(const Tensor& self, IntArrayRef dims, bool keepdim, bool is_max, bool all) {
  const std::string_view name = all ? (is_max ? "max" : "min") : (is_max ? "amax" : "amin");
  check_nonempty(self, dims, name, false);
  const std::uint32_t m = dim_mask(self, dims);
  auto f = [&] { return run(is_max ? ReduceOp::max : ReduceOp::min, self, m, keepdim, self.dtype()); };
  if (!autograd::needs_grad({self})) return f();
  Tensor out = autograd::below(f);
  autograd::record(
      out, all ? (is_max ? "MaxBackward1" : "MinBackward1") : (is_max ? "AmaxBackward0" : "AminBackward0"),
      {self}, {{self, false}, {out, true}}, [m, keepdim, all](const autograd::Node& n, const Tensor& g) {
        const Tensor x = n.unpack(0), r = n.unpack(1);
        return std::vector<Tensor>{autograd::raw_with_graph(
            {g, x}, [&] { return tie_backward(x, r, g, m, keepdim, all); },
            [&] { return all ? formula::evenly_distribute(g, x, r) : formula::amax(g, x, r, m, keepdim); })};
      });
  return out;
}

std::pair<Tensor, Tensor> extreme_dim(const Tensor& self, std::int64_t dim, bool keepdim, bool is_max) {
  const std::int64_t d = wrap_dim(dim, self.dim());
  const std::int64_t dims[1] = {d};
  check_nonempty(self, dims, is_max ? "max" : "min", true);
  const std::uint32_t m = dim_mask(self, dims);
  Tensor indices;
  Tensor values = autograd::below([&] {
    return run(is_max ? ReduceOp::argmax : ReduceOp::argmin, self, m, keepdim, self.dtype(), &indices);
  });
  if (!autograd::needs_grad({self})) return {values, indices};
  // The gradient goes to the chosen index of each reduced row.
  autograd::record(
      values, is_max ? "MaxBackward0" : "MinBackward0", {self}, {{indices, false}},
      [sizes = Dims(self.sizes()), m, keepdim, t = self.dtype()](const autograd::Node& n, const Tensor& g) {
        return std::vector<Tensor>{autograd::raw_with_graph(
            {g},
            [&] {
              const Tensor x = zeros(sizes, t);
              const Plan p = plan(x, m);
              const std::vector<double> gv = g.contiguous().to_vector(),
                                        iv = n.unpack(0).contiguous().to_vector();
              std::vector<double> dx(std::size_t(x.numel()), 0.0);
              for (I64 a = 0; a < p.A; ++a)
                for (I64 b = 0; b < p.B; ++b) {
                  const auto k = std::size_t(a * p.B + b);
                  dx[std::size_t((a * p.R + I64(iv[k])) * p.B + b)] = gv[k];
                }
              return from_vector(dx, sizes, t);
            },
            [&] {
              return detail::value_selecting_backward(g.to(t), sizes, std::countr_zero(m), n.unpack(0),
                                                      keepdim);
            })};
      });
  return {values, indices};
}

Tensor arg_extreme(const Tensor& self, std::optional<std::int64_t> dim, bool keepdim, bool is_max) {
  const char* name = is_max ? "argmax" : "argmin";
  RAMP_CHECK(self.dtype() != ScalarType::Bool, "\"", name, "_cpu\" not implemented for 'Bool'");
  if (!dim) {
    RAMP_CHECK_T(IndexError, self.numel() > 0, name, "(): Expected reduction dim to be specified for input.numel() == 0.");
    Tensor idx;
    run(is_max ? ReduceOp::argmax : ReduceOp::argmin, self.reshape({-1}), 1u, false, std::nullopt, &idx);
    return keepdim ? idx.reshape(std::vector<std::int64_t>(std::size_t(self.dim()), 1)) : idx;
  }
  const std::int64_t dims[1] = {wrap_dim(*dim, self.dim())};
  if (self.numel() == 0)
    RAMP_CHECK_T(IndexError, self.size(dims[0]) != 0, name, "(): Expected reduction dim ", dims[0], " to have non-zero size.");
  Tensor idx;
  run(is_max ? ReduceOp::argmax : ReduceOp::argmin, self, dim_mask(self, dims), keepdim, std::nullopt, &idx);
  return idx;
}

Tensor logical(const Tensor& self, std::uint32_t m, bool keepdim, bool is_all) {
  return run(is_all ? ReduceOp::all : ReduceOp::any, self, m, keepdim,
             self.dtype() == ScalarType::UInt8 ? ScalarType::UInt8 : ScalarType::Bool);
}

// var/std (and the mean when `mean` is given). VarBackward0: dx = g * 2 (x - mean) / (N - c);
// StdBackward0: the same with g / (2 std), 0 where std is 0 (1.13).
Tensor moments(const Tensor& self, IntArrayRef dims, double correction, bool keepdim, bool is_std, Tensor* mean,
               std::string_view name) {
  RAMP_CHECK(is_floating(self.dtype()), "std and var only support floating point and complex dtypes");
  const std::uint32_t m = dim_mask(self, dims);
  Tensor out = autograd::below([&] {
    return run(is_std ? ReduceOp::std : ReduceOp::var, self, m, keepdim, self.dtype(), mean, self.dtype(),
               {2, correction});
  });
  if (!autograd::needs_grad({self})) return out;
  const double n = double(reduced_count(self.sizes(), m));
  autograd::record(
      out, name, {self}, {{self, false}, {out, true}},
      [m, keepdim, is_std, correction, k = 2.0 / (n - correction)](const autograd::Node& nd,
                                                                   const Tensor& g) {
        const Tensor x = nd.unpack(0);
        return std::vector<Tensor>{autograd::raw_with_graph(
            {g, x},
            [&] {
              const Tensor mu = restore(run(ReduceOp::mean, x, m, true, x.dtype()), x.sizes(), m, true);
              return pointwise(
                  x.sizes(), x.dtype(),
                  [is_std, k](double v, double u, double gv, double r) {
                    const double gvar = is_std ? (r == 0 ? 0.0 : gv / (2 * r)) : gv;
                    return k * gvar * (v - u);
                  },
                  x, mu, restore(g, x.sizes(), m, keepdim), restore(nd.unpack(1), x.sizes(), m, keepdim));
            },
            [&] {
              return is_std ? formula::std(g, x, nd.unpack(1), m, correction, keepdim)
                            : formula::var(g, x, m, correction, keepdim);
            })};
      });
  if (mean) {
    autograd::record(*mean, name, {self}, {}, [sizes = Dims(self.sizes()), m, keepdim, n](const autograd::Node&, const Tensor& g) {
      return std::vector<Tensor>{restore(g, sizes, m, keepdim).div(n)};  // g / n, as 1.13
    });
  }
  return out;
}

double sgn(double v) { return double(v > 0) - double(v < 0); }

}  // namespace

// ---- sum, mean, prod ----
Tensor sum(const Tensor& self, std::optional<ScalarType> dtype) {
  return linear(self, "SumBackward0", dim_mask(self, {}), false, false,
                [&] { return sum_impl(self, dim_mask(self, {}), false, dtype, ReduceOp::sum); });
}
Tensor sum(const Tensor& self, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) {
  const std::uint32_t m = dim_mask(self, dim);
  return linear(self, "SumBackward1", m, keepdim, false, [&] { return sum_impl(self, m, keepdim, dtype, ReduceOp::sum); });
}
Tensor mean(const Tensor& self, std::optional<ScalarType> dtype) {
  const std::uint32_t m = dim_mask(self, {});
  return linear(self, "MeanBackward0", m, false, true, [&] { return mean_impl(self, m, false, dtype); });
}
Tensor mean(const Tensor& self, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) {
  const std::uint32_t m = dim_mask(self, dim);
  return linear(self, "MeanBackward1", m, keepdim, true, [&] { return mean_impl(self, m, keepdim, dtype); });
}
Tensor prod(const Tensor& self, std::optional<ScalarType> dtype) {
  return prod_impl(self, dim_mask(self, {}), false, dtype, "ProdBackward0");
}
Tensor prod(const Tensor& self, std::int64_t dim, bool keepdim, std::optional<ScalarType> dtype) {
  const std::int64_t dims[1] = {dim};
  return prod_impl(self, dim_mask(self, dims), keepdim, dtype, "ProdBackward1");
}

Tensor Tensor::sum(std::optional<ScalarType> dtype) const { return ramp::sum(*this, dtype); }
Tensor Tensor::sum(IntArrayRef dims, bool keepdim, std::optional<ScalarType> dtype) const {
  return ramp::sum(*this, dims, keepdim, dtype);
}
Tensor Tensor::mean(std::optional<ScalarType> dtype) const { return ramp::mean(*this, dtype); }
Tensor Tensor::mean(IntArrayRef dims, bool keepdim, std::optional<ScalarType> dtype) const {
  return ramp::mean(*this, dims, keepdim, dtype);
}
Tensor Tensor::max() const { return ramp::max(*this); }
std::pair<Tensor, Tensor> Tensor::max(std::int64_t dim, bool keepdim) const { return ramp::max(*this, dim, keepdim); }

// ---- var, std ----
Tensor var(const Tensor& self, IntArrayRef dim, double correction, bool keepdim) {
  return moments(self, dim, correction, keepdim, false, nullptr, "VarBackward0");
}
Tensor std(const Tensor& self, IntArrayRef dim, double correction, bool keepdim) {
  return moments(self, dim, correction, keepdim, true, nullptr, "StdBackward0");
}
std::pair<Tensor, Tensor> var_mean(const Tensor& self, IntArrayRef dim, double correction, bool keepdim) {
  Tensor mean;
  Tensor v = moments(self, dim, correction, keepdim, false, &mean, "VarMeanBackward0");
  return {v, mean};
}
std::pair<Tensor, Tensor> std_mean(const Tensor& self, IntArrayRef dim, double correction, bool keepdim) {
  Tensor mean;
  Tensor s = moments(self, dim, correction, keepdim, true, &mean, "StdMeanBackward0");
  return {s, mean};
}

// ---- max, min, amax, amin, argmax, argmin ----
Tensor max(const Tensor& self) { return extreme(self, {}, false, true, true); }
Tensor min(const Tensor& self) { return extreme(self, {}, false, false, true); }
std::pair<Tensor, Tensor> max(const Tensor& self, std::int64_t dim, bool keepdim) { return extreme_dim(self, dim, keepdim, true); }
std::pair<Tensor, Tensor> min(const Tensor& self, std::int64_t dim, bool keepdim) { return extreme_dim(self, dim, keepdim, false); }
Tensor amax(const Tensor& self, IntArrayRef dim, bool keepdim) { return extreme(self, dim, keepdim, true, false); }
Tensor amin(const Tensor& self, IntArrayRef dim, bool keepdim) { return extreme(self, dim, keepdim, false, false); }
Tensor argmax(const Tensor& self, std::optional<std::int64_t> dim, bool keepdim) { return arg_extreme(self, dim, keepdim, true); }
Tensor argmin(const Tensor& self, std::optional<std::int64_t> dim, bool keepdim) { return arg_extreme(self, dim, keepdim, false); }

// ---- all, any ----
Tensor all(const Tensor& self) { return logical(self, dim_mask(self, {}), false, true); }
Tensor any(const Tensor& self) { return logical(self, dim_mask(self, {}), false, false); }
Tensor all(const Tensor& self, std::int64_t dim, bool keepdim) {
  const std::int64_t dims[1] = {dim};
  return logical(self, dim_mask(self, dims), keepdim, true);
}
Tensor any(const Tensor& self, std::int64_t dim, bool keepdim) {
  const std::int64_t dims[1] = {dim};
  return logical(self, dim_mask(self, dims), keepdim, false);
}

// ---- norm ----
namespace {
Tensor norm_impl(const Tensor& self, double p, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype,
                 std::string_view name) {
  RAMP_CHECK(is_floating(self.dtype()), "norm(): input dtype should be either floating point or complex. Got ",
             dtype_error_name(self.dtype()), " instead.");
  RAMP_CHECK(!dtype || is_floating(*dtype), "norm(): the desired output dtype should be either floating point or "
             "complex. Got ", dtype_error_name(*dtype), " instead.");
  const Tensor x = dtype ? self.to(*dtype) : self;
  const std::uint32_t m = dim_mask(x, dim);
  const ReduceOp op = p == 2 ? ReduceOp::norm2 : p == 1 ? ReduceOp::norm1 : p == 0 ? ReduceOp::norm0
                      : std::isinf(p) ? (p > 0 ? ReduceOp::norm_inf : ReduceOp::norm_neg_inf) : ReduceOp::norm_p;
  auto f = [&] {
    Tensor r = run(op, x, m, keepdim, x.dtype(), nullptr, ScalarType::Int64, {p, 1});
    // 1.13's norm of an empty set is 0 for every p (sum(|x|^p)^(1/p) would be inf for p < 0)
    if (x.numel() == 0 && p < 0) r.zero_();
    return r;
  };
  if (!autograd::needs_grad({self})) return f();
  Tensor out = autograd::below(f);
  // NormBackward1 (1.13's norm_backward): p = 2: x g / n; 1: sgn(x) g; inf: sgn(x) g shared among
  // the |x| equal to n (or NaN); 0: none; p < 1: sgn(x) |x|^(p-1) g n^(1-p), 0 where x is 0; else
  // sgn(x) |x|^(p-1) g / n^(p-1), 0 where n is 0.
  autograd::record(
      out, name, {self}, {{self, false}, {out, true}},
      [m, keepdim, p, t = self.dtype(), fro = name == "SqrtBackward0"](const autograd::Node& n,
                                                                       const Tensor& g) {
        const Tensor self = n.unpack(0);
        if (p == 0) return std::vector<Tensor>{Tensor()};  // 1.13: no gradient (x.grad stays None)
        return std::vector<Tensor>{autograd::raw_with_graph(
            {g, self},
            [&] {
              const Tensor x = self.to(n.unpack(1).dtype());
              const Tensor nr = restore(n.unpack(1), x.sizes(), m, keepdim),
                           gr = restore(g, x.sizes(), m, keepdim);
              Tensor dx;
              if (std::isinf(p)) {
                const Tensor tie = pointwise(
                    x.sizes(), x.dtype(),
                    [](double v, double e) { return double(std::fabs(v) == e || v != v); }, x, nr);
                const Tensor count =
                    restore(run(ReduceOp::sum, tie, m, true, tie.dtype()), x.sizes(), m, true);
                dx = pointwise(
                    x.sizes(), x.dtype(),
                    [](double v, double tv, double gv, double c) { return sgn(v) * (gv / c) * tv; }, x, tie,
                    gr, count);
              } else {
                dx = pointwise(
                    x.sizes(), x.dtype(),
                    [p](double v, double nv, double gv) {
                      if (p == 1) return sgn(v) * gv;
                      if (p < 1)
                        return v == 0 ? 0.0
                                      : sgn(v) * std::pow(std::fabs(v), p - 1) * gv * std::pow(nv, 1 - p);
                      if (nv == 0) return 0.0;
                      if (p == 2) return v * (gv / nv);
                      if (p < 2) return sgn(v) * std::pow(std::fabs(v), p - 1) * (gv / std::pow(nv, p - 1));
                      return v * std::pow(std::fabs(v), p - 2) * (gv / std::pow(nv, p - 1));
                    },
                    x, nr, gr);
              }
              return dx.dtype() == t ? dx : dx.to(t);
            },
            [&] {
              const Tensor r = n.unpack(1);
              const Tensor dx =
                  fro ? formula::frobenius(g, self, r, m, keepdim) : formula::norm(g, self, r, p, m, keepdim);
              return !dx.defined() || dx.dtype() == t ? dx : dx.to(t);
            })};
      });
  return out;
}
}  // namespace

// 1.13 records NormBackward3 when a dtype is given, and the Frobenius norm over two dims as
// sqrt(sum(x * x)) (SqrtBackward0); the gradients are the same.
Tensor norm(const Tensor& self, double p, IntArrayRef dim, bool keepdim, std::optional<ScalarType> dtype) {
  return norm_impl(self, p, dim, keepdim, dtype, dtype ? "NormBackward3" : "NormBackward1");
}
Tensor norm(const Tensor& self, std::string_view p, IntArrayRef dim, bool keepdim) {
  RAMP_CHECK(p == "fro", "norm(): p='", p, "' is not supported by ramp (numbers and 'fro' are)");
  RAMP_CHECK(dim.size() <= 2, "norm(): 'fro' takes at most two dims, got ", dim.size());
  return norm_impl(self, 2.0, dim, keepdim, std::nullopt, dim.size() == 2 ? "SqrtBackward0" : "NormBackward1");
}

// ---- logsumexp ----
Tensor logsumexp(const Tensor& self, IntArrayRef dim, bool keepdim) {
  const Tensor x = is_floating(self.dtype()) ? self : self.to(get_default_dtype());
  const std::uint32_t m = dim_mask(x, dim);
  auto f = [&] {
    if (x.numel() == 0) return ramp::log(sum(ramp::exp(x), dim, keepdim));
    if (kernels::reduce_table().fn[int(ReduceOp::logsumexp)][int(x.dtype())])  // float32: one fused kernel
      return run(ReduceOp::logsumexp, x, m, keepdim, x.dtype());
    // The max is subtracted first; an infinite max is replaced by 0 (inf - inf would be NaN).
    Tensor mx = run(ReduceOp::max, x, m, true, x.dtype());
    mx = pointwise(mx.sizes(), mx.dtype(), [](double v) { return std::isinf(v) ? 0.0 : v; }, mx);
    Tensor s = ramp::log(run(ReduceOp::sum, ramp::exp(x.sub(mx)), m, keepdim, x.dtype()));
    return s.add(keepdim ? mx : mx.reshape(s.sizes()));
  };
  if (!autograd::needs_grad({self})) return f();
  Tensor out = autograd::below(f);
  // LogsumexpBackward0: dx = g exp(x - result).
  autograd::record(out, "LogsumexpBackward0", {self}, {{self, false}, {out, true}},
                   [m, keepdim](const autograd::Node& n, const Tensor& g) {
                     const Tensor x = n.unpack(0), r = n.unpack(1);
                     return std::vector<Tensor>{autograd::raw_with_graph(
                         {g, x},
                         [&] {
                           return pointwise(
                               x.sizes(), x.dtype(),
                               [](double v, double rv, double gv) { return gv * std::exp(v - rv); }, x,
                               restore(r, x.sizes(), m, keepdim), restore(g, x.sizes(), m, keepdim));
                         },
                         [&] { return formula::logsumexp(g, x, r, m, keepdim); })};
                   });
  return out;
}

// ---- maximum, minimum ----
namespace {
Tensor binary_extreme(const Tensor& a, const Tensor& b, bool is_max) {
  const ScalarType t = result_type(a, b);
  const Dims shape = broadcast_shapes(a.sizes(), b.sizes());
  auto f = [&] {
    Tensor out = empty(shape, t);
    dispatch(t, [&](auto v) {
      using T = decltype(v);
      detail::map_elements<T, T>(out, [is_max](auto x, auto y) {
        if (x != x) return x;  // NaN wins
        if (y != y) return y;
        return (is_max ? x > y : x < y) ? x : y;
      }, a.to(t).expand(shape), b.to(t).expand(shape));
    });
    return out;
  };
  if (!autograd::needs_grad({a, b})) return f();
  Tensor out = autograd::below(f);
  // MaximumBackward0: each side gets g where it wins (or is NaN), g / 2 where they are equal.
  autograd::record(out, is_max ? "MaximumBackward0" : "MinimumBackward0", {a, b}, {{a, false}, {b, false}},
                   [is_max, shape, sa = Dims(a.sizes()), sb = Dims(b.sizes()), ta = a.dtype(), tb = b.dtype()](
                       const autograd::Node& n, const Tensor& g) {
                     const Tensor x = n.unpack(0), y = n.unpack(1);
                     auto side = [&](bool first) {
                       auto raw = [&] {
                         return pointwise(
                             shape, g.dtype(),
                             [is_max, first](double u, double v, double gv) {
                               const bool loses = first == is_max ? u < v : u > v;
                               return loses ? 0.0 : u == v ? gv / 2 : gv;
                             },
                             x, y, g);
                       };
                       // 1.13: where(x == y, g / 2, g).masked_fill_(the side loses, 0)
                       return autograd::raw_with_graph({g, x, y}, raw, [&] {
                         const Tensor loses = first == is_max ? lt(x, y) : gt(x, y);
                         return masked_fill(where(eq(x, y), loss::div_scalar(g, 2), g), loses, 0.0);
                       });
                     };
                     Tensor da, db;
                     if (autograd::wants(n, 0)) da = autograd::sum_to(side(true), sa).to(ta);
                     if (autograd::wants(n, 1)) db = autograd::sum_to(side(false), sb).to(tb);
                     return std::vector<Tensor>{da, db};
                   });
  return out;
}
}  // namespace

Tensor maximum(const Tensor& self, const Tensor& other) { return binary_extreme(self, other, true); }
Tensor minimum(const Tensor& self, const Tensor& other) { return binary_extreme(self, other, false); }
Tensor max(const Tensor& self, const Tensor& other) { return binary_extreme(self, other, true); }
Tensor min(const Tensor& self, const Tensor& other) { return binary_extreme(self, other, false); }

}  // namespace ramp
