// The gradients of the activations: the pointwise kernels' driver, softmax and prelu.
#include "activation_backward.h"

#include <cmath>

#include "../kernels/kernels.h"
#include "../tensor/loop.h"
#include "../tensor/parallel.h"

namespace ramp::detail {

namespace {
// Makes `t` a dense tensor with `like`'s strides and dtype (a copy only when it is not one already).
Tensor in_layout_of(const Tensor& t, const Tensor& like) {
  if (t.dtype() == like.dtype() && std::equal(t.strides().begin(), t.strides().end(), like.strides().begin(),
                                              like.strides().end()) &&
      t.is_non_overlapping_and_dense())
    return t;
  Tensor out = empty_like(like);
  copy_into(out, t);
  return out;
}
}  // namespace

Tensor activation_backward(std::size_t entry, std::string_view name, const Tensor& v0, const Tensor& dy,
                           const void* params, bool is_result) {
  auto fn = kernels::table().backward[entry][int(v0.dtype())];
  RAMP_CHECK(fn, "derivative for ", name, " is not implemented for '", dtype_error_name(v0.dtype()), "'");
  const Tensor v = v0.is_non_overlapping_and_dense() ? v0 : v0.contiguous();
  const Tensor g = in_layout_of(dy, v);
  Tensor dx = empty_like(v);
  const std::int64_t n = v.numel();
  const auto es = std::int64_t(v.element_size());
  const bool stream = stream_output(3 * std::size_t(n) * std::size_t(es), dx.data_ptr());
  const char* pv = static_cast<const char*>(v.data_ptr());
  const char* pg = static_cast<const char*>(g.data_ptr());
  char* pd = static_cast<char*>(dx.data_ptr());
  parallel_for(n, kGrain, 64, [&](std::int64_t b, std::int64_t e) {
    fn(pv + b * es, pg + b * es, pd + b * es, e - b, params, is_result, stream);
  });
  return dx;
}

Tensor mask_backward(const std::uint64_t* bits, const Tensor& dy, IntArrayRef sizes, IntArrayRef strides) {
  Tensor dx = empty_strided(sizes, strides, dy.dtype());
  auto fn = kernels::table().mask_backward[int(dx.dtype())];
  RAMP_CHECK(fn, "relu: no mask backward for '", dtype_error_name(dx.dtype()), "'");
  const Tensor g = in_layout_of(dy, dx);
  const std::int64_t n = dx.numel();
  const auto es = std::int64_t(dx.element_size());
  const bool stream = stream_output(2 * std::size_t(n) * std::size_t(es), dx.data_ptr());
  const std::uint64_t* pb = bits;
  const char* pg = static_cast<const char*>(g.data_ptr());
  char* pd = static_cast<char*>(dx.data_ptr());
  parallel_for(n, kGrain, 64, [&](std::int64_t b, std::int64_t e) {
    fn(pb + b / 64, pg + b * es, pd + b * es, e - b, stream);
  });
  return dx;
}

// softmax: dx = y (g - sum(g y));  log_softmax: dx = g - exp(y) sum(g), along dim (the kernels).
Tensor softmax_backward(const Tensor& y0, const Tensor& g0, std::int64_t dim, bool log) {
  if (y0.dim() == 0) return softmax_backward(y0.unsqueeze(0), g0.unsqueeze(0), 0, log).squeeze(0);
  auto fn = kernels::table().softmax_backward[int(y0.dtype())];
  RAMP_CHECK(fn, "derivative for ", log ? "log_softmax" : "softmax", " is not implemented for '",
             dtype_error_name(y0.dtype()), "'");
  const Tensor y = y0.contiguous(), g = g0.to(y.dtype()).contiguous();
  Tensor dx = empty(y.sizes(), y.dtype());
  const auto es = std::int64_t(y.element_size());
  const char* py = static_cast<const char*>(y.data_ptr());
  const char* pg = static_cast<const char*>(g.data_ptr());
  char* pd = static_cast<char*>(dx.data_ptr());
  softmax_split(y.sizes(), dim, [&](std::int64_t off, std::int64_t outer, std::int64_t n, std::int64_t width,
                                    std::int64_t ld) {
    fn(py + off * es, pg + off * es, pd + off * es, outer, n, width, ld, log);
  });
  return dx;
}

// dx = x > 0 ? g : w g;  dw[c] = sum over channel c of (x > 0 ? 0 : x g).
std::pair<Tensor, Tensor> prelu_backward(const Tensor& x0, const Tensor& w, const Tensor& g0) {
  const Tensor x = x0.contiguous(), g = g0.to(x.dtype()).contiguous();
  const std::int64_t channels = w.numel() == 1 ? 1 : x.size(1);
  const std::int64_t inner = x.dim() >= 2 ? x.numel() / std::max<std::int64_t>(x.size(0) * x.size(1), 1) : 1;
  Tensor dx = empty(x.sizes(), x.dtype());
  std::vector<double> dw(std::size_t(channels), 0.0);
  dispatch(x.dtype(), [&](auto v) {
    using T = decltype(v);
    if constexpr (!std::is_integral_v<T>) {
      const T* xp = static_cast<const T*>(x.data_ptr());
      const T* gp = static_cast<const T*>(g.data_ptr());
      T* dp = static_cast<T*>(dx.data_ptr());
      std::vector<T> slope(static_cast<std::size_t>(channels), T{});
      for (std::int64_t c = 0; c < channels; ++c) slope[std::size_t(c)] = convert<T>(w.at(c));
      for (std::int64_t i = 0; i < x.numel(); ++i) {
        const auto c = std::size_t(channels == 1 ? 0 : (i / inner) % channels);
        const bool pos = convert<double>(xp[i]) > 0;
        dp[i] = pos ? gp[i] : convert<T>(convert<double>(gp[i]) * convert<double>(slope[c]));
        if (!pos) dw[c] += convert<double>(xp[i]) * convert<double>(gp[i]);
      }
    }
  });
  Tensor dwt = empty(w.sizes(), w.dtype());
  for (std::int64_t c = 0; c < channels; ++c) {
    Tensor one = dwt.numel() == 1 ? dwt.reshape({1}) : dwt;
    fill_into(one.select(0, c), dw[std::size_t(c)]);
  }
  return {dx, dwt};
}

}  // namespace ramp::detail
