// gradcheck: the analytical Jacobian (one backward pass per output element) against central finite
// differences, as torch.autograd.gradcheck does in its slow mode.
#include <cmath>

#include "function.h"
#include "ramp/ops.h"

namespace ramp::autograd {

bool gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn, const std::vector<Tensor>& inputs,
               double eps, double atol, double rtol, bool raise_exception) {
  auto evaluate = [&] {
    NoGradGuard no_grad;
    return fn(inputs).contiguous().to(ScalarType::Float64).to_vector();
  };
  const Tensor out = fn(inputs);
  const std::int64_t m = out.numel();
  // Analytical: row k of the Jacobian is the gradient of output element k.
  std::vector<std::vector<std::vector<double>>> analytical(inputs.size());  // [input][k][j]
  std::vector<std::size_t> differentiable;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].requires_grad()) {
      RAMP_CHECK(inputs[i].dtype() == ScalarType::Float64 && inputs[i].is_contiguous(),
                 "gradcheck: inputs that require grad must be contiguous float64 tensors");
      differentiable.push_back(i);
    }
  RAMP_CHECK(!differentiable.empty(), "gradcheck expects at least one input tensor to require gradient, but none "
             "of the them have requires_grad=True.");
  std::vector<Tensor> wrt;
  for (auto i : differentiable) wrt.push_back(inputs[i]);
  for (std::int64_t k = 0; k < m; ++k) {
    Tensor onehot = zeros(out.sizes(), out.dtype());
    onehot.reshape({-1}).select(0, k).fill_(1);
    std::vector<Tensor> g = out.requires_grad() ? grad({out}, wrt, {onehot}, true, false, true) : std::vector<Tensor>(wrt.size());
    for (std::size_t w = 0; w < wrt.size(); ++w)
      analytical[w].push_back(g[w].defined() ? g[w].contiguous().to_vector()
                                             : std::vector<double>(std::size_t(wrt[w].numel()), 0.0));
  }
  // Numerical: column j from f(x + eps e_j) - f(x - eps e_j).
  for (std::size_t w = 0; w < wrt.size(); ++w) {
    double* x = wrt[w].data<double>();
    for (std::int64_t j = 0; j < wrt[w].numel(); ++j) {
      const double orig = x[j];
      x[j] = orig + eps;
      auto plus = evaluate();
      x[j] = orig - eps;
      auto minus = evaluate();
      x[j] = orig;
      for (std::int64_t k = 0; k < m; ++k) {
        const double num = (plus[std::size_t(k)] - minus[std::size_t(k)]) / (2 * eps);
        const double ana = analytical[w][std::size_t(k)][std::size_t(j)];
        if (!(std::abs(num - ana) <= atol + rtol * std::abs(num))) {
          if (!raise_exception) return false;
          throw Error(ramp::detail::cat("Jacobian mismatch for output 0 with respect to input ", differentiable[w],
                                        ",\nnumerical:", num, "\nanalytical:", ana, "\n(output element ", k,
                                        ", input element ", j, ")"));
        }
      }
    }
  }
  return true;
}

}  // namespace ramp::autograd

namespace ramp::autograd {

bool gradgradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn, const std::vector<Tensor>& inputs,
                   const std::vector<Tensor>& grad_outputs, double eps, double atol, double rtol,
                   bool raise_exception) {
  RAMP_CHECK(grad_outputs.size() <= 1, "gradgradcheck: fn has one output, so at most one grad_output");
  Tensor v;
  if (grad_outputs.empty()) {
    // 1.13 draws the grad_outputs uniformly in [-1, 1).
    const Tensor out = [&] {
      NoGradGuard no_grad;
      return fn(inputs);
    }();
    v = rand(out.sizes(), ScalarType::Float64).mul(2.0).sub(1.0);
  } else {
    v = grad_outputs[0].detach().to(ScalarType::Float64).contiguous();
  }
  v.requires_grad_();
  std::vector<Tensor> args = inputs;
  args.push_back(v);
  // The first derivatives (with their graph), flattened into one output: gradcheck compares its
  // Jacobian, the second derivatives, with finite differences of the first.
  auto first = [&fn](const std::vector<Tensor>& a) {
    EnableGradGuard grad_mode;  // gradcheck's finite differences run fn in no-grad mode
    const std::vector<Tensor> xs(a.begin(), a.end() - 1);
    std::vector<Tensor> wrt;
    for (const Tensor& x : xs)
      if (x.requires_grad()) wrt.push_back(x);
    const Tensor out = fn(xs);
    std::vector<Tensor> parts;
    if (!out.requires_grad()) {
      for (const Tensor& w : wrt) parts.push_back(zeros({w.numel()}, w.dtype()));
    } else {
      const auto g = grad({out}, wrt, {a.back()}, true, true, true);
      for (std::size_t i = 0; i < wrt.size(); ++i)
        parts.push_back(g[i].defined() ? g[i].reshape({-1}) : zeros({wrt[i].numel()}, wrt[i].dtype()));
    }
    return cat(parts, 0);
  };
  return gradcheck(first, args, eps, atol, rtol, raise_exception);
}

}  // namespace ramp::autograd
