// The convolution kernel behind conv2d and its ConvolutionBackward0 node. float32 (and bfloat16,
// computed in float32) runs on oneDNN (conv_dnnl.cpp, which says why); float64, and whatever
// oneDNN refuses, runs here by im2col + GEMM (detail::gemm_into on OpenBLAS):
//
// Per image n and group g, with K = C/groups * kH * kW and L = oH * oW:
//   cols[K, L]  = im2col(x[n, g])                  (a 1x1, stride-1, unpadded kernel reads x itself)
//   y[n, g]     = W[g] [O/g, K] @ cols + bias
//   dW[g]      += dy[n, g] @ colsᵀ                  (cols recomputed: saving them costs K/C × the input)
//   dx[n, g]    = col2im(W[g]ᵀ @ dy[n, g])          (col2im: the adjoint of im2col, a scatter-add)
// Images are split over threads (each BLAS call then runs single-threaded, OpenBLAS's OpenMP build
// does that inside a parallel region); each thread sums its own dW/db, added up in thread order.
// With one chunk (one thread, or one image) BLAS threads each product itself.
#include "conv.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "../tensor/loop.h"
#include "../tensor/parallel.h"
#include "blas.h"
#include "ramp/autograd.h"
#include "ramp/nn/functional.h"
#include "record.h"

namespace ramp {
namespace {

using autograd::Node;
using autograd::wants;
using detail::ConvGeometry;
using detail::ConvGrads;

// ---- im2col and its adjoint ----
// Row (c, i, j) of cols holds x[c, oh*sH - pH + i*dH, ow*sW - pW + j*dW] over (oh, ow), 0 outside.
// For each (row, oh) the valid ow form one range [lo, hi): the rest is zero-filled, and with
// stride 1 the range is one contiguous copy.
struct Span {
  std::int64_t lo, hi;
};
inline Span valid_range(std::int64_t offset, std::int64_t stride, std::int64_t size, std::int64_t n) {
  // ow such that 0 <= offset + ow * stride < size
  std::int64_t lo = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  std::int64_t hi = offset >= size ? 0 : (size - offset + stride - 1) / stride;
  lo = std::min(lo, n), hi = std::clamp(hi, lo, n);
  return {lo, hi};
}

template <class T>
void im2col(const T* x, T* cols, const ConvGeometry& g) {
  const std::int64_t L = g.oH * g.oW;
  for (std::int64_t c = 0; c < g.Cg(); ++c)
    for (std::int64_t i = 0; i < g.kH; ++i)
      for (std::int64_t j = 0; j < g.kW; ++j) {
        T* row = cols + ((c * g.kH + i) * g.kW + j) * L;
        const std::int64_t w0 = j * g.dW - g.pW;
        const Span s = valid_range(w0, g.sW, g.W, g.oW);
        for (std::int64_t oh = 0; oh < g.oH; ++oh) {
          T* out = row + oh * g.oW;
          const std::int64_t ih = oh * g.sH - g.pH + i * g.dH;
          if (ih < 0 || ih >= g.H) {
            std::fill(out, out + g.oW, T(0));
            continue;
          }
          const T* in = x + (c * g.H + ih) * g.W + w0;
          std::fill(out, out + s.lo, T(0));
          if (g.sW == 1) {
            std::copy(in + s.lo, in + s.hi, out + s.lo);
          } else {
            for (std::int64_t ow = s.lo; ow < s.hi; ++ow) out[ow] = in[ow * g.sW];
          }
          std::fill(out + s.hi, out + g.oW, T(0));
        }
      }
}

// dx += the adjoint of im2col applied to cols (dx holds one image-group, [C/groups, H, W]).
template <class T>
void col2im(const T* cols, T* dx, const ConvGeometry& g) {
  const std::int64_t L = g.oH * g.oW;
  for (std::int64_t c = 0; c < g.Cg(); ++c)
    for (std::int64_t i = 0; i < g.kH; ++i)
      for (std::int64_t j = 0; j < g.kW; ++j) {
        const T* row = cols + ((c * g.kH + i) * g.kW + j) * L;
        const std::int64_t w0 = j * g.dW - g.pW;
        const Span s = valid_range(w0, g.sW, g.W, g.oW);
        for (std::int64_t oh = 0; oh < g.oH; ++oh) {
          const std::int64_t ih = oh * g.sH - g.pH + i * g.dH;
          if (ih < 0 || ih >= g.H) continue;
          T* out = dx + (c * g.H + ih) * g.W + w0;
          const T* in = row + oh * g.oW;
          for (std::int64_t ow = s.lo; ow < s.hi; ++ow) out[ow * g.sW] += in[ow];
        }
      }
}

// Whether cols would equal the input itself (1x1 kernel, stride 1, no padding).
bool is_pointwise(const ConvGeometry& g) {
  return g.kH == 1 && g.kW == 1 && g.sH == 1 && g.sW == 1 && g.pH == 0 && g.pW == 0;
}

// Splits n images into chunks, one per thread; f(chunk, begin, end).
template <class F>
void over_images(std::int64_t n, std::int64_t chunks, F f) {
  detail::parallel_for(chunks, 1, 1, [&](std::int64_t lo, std::int64_t hi) {
    for (std::int64_t c = lo; c < hi; ++c) f(c, n * c / chunks, n * (c + 1) / chunks);
  });
}
std::int64_t chunks_for(std::int64_t n) {
  return std::max<std::int64_t>(1, std::min<std::int64_t>(n, get_num_threads()));
}

template <class T>
Tensor forward(const Tensor& x, const Tensor& w, const Tensor& b, const ConvGeometry& g) {
  Tensor out = empty({g.N, g.O, g.oH, g.oW}, x.dtype());
  const std::int64_t K = g.Cg() * g.kH * g.kW, L = g.oH * g.oW, Og = g.O / g.groups;
  const bool direct = is_pointwise(g);
  const std::int64_t chunks = chunks_for(g.N);
  Tensor scratch = direct || K == 0 ? Tensor() : empty({chunks, K * L}, x.dtype());
  const T* px = x.data<T>();
  const T* pw = w.data<T>();
  const T* pb = b.defined() ? b.data<T>() : nullptr;
  T* py = out.data<T>();
  over_images(g.N, chunks, [&](std::int64_t chunk, std::int64_t n0, std::int64_t n1) {
    T* cols = scratch.defined() ? scratch.data<T>() + chunk * K * L : nullptr;
    for (std::int64_t n = n0; n < n1; ++n) {
      T* y = py + n * g.O * L;
      for (std::int64_t o = 0; o < g.O; ++o) std::fill(y + o * L, y + (o + 1) * L, pb ? pb[o] : T(0));
      if (K == 0) continue;  // no input channels: bias only
      for (std::int64_t grp = 0; grp < g.groups; ++grp) {
        const T* xg = px + (n * g.C + grp * g.Cg()) * g.H * g.W;
        if (!direct) im2col(xg, cols, g);
        detail::gemm_into(false, false, Og, L, K, T(1), pw + grp * Og * K, K, direct ? xg : cols, L, T(1),
                          y + grp * Og * L, L);
      }
    }
  });
  return out;
}

template <class T>
ConvGrads backward(const Tensor& gy_in, const Tensor& x, const Tensor& w, const ConvGeometry& g, bool need_x,
                   bool need_w, bool need_b) {
  const Tensor gy = gy_in.contiguous();
  const std::int64_t K = g.Cg() * g.kH * g.kW, L = g.oH * g.oW, Og = g.O / g.groups;
  const bool direct = is_pointwise(g);
  const std::int64_t chunks = chunks_for(g.N);
  const ScalarType dt = gy.dtype();
  ConvGrads r;
  if (need_x) r.input = zeros({g.N, g.C, g.H, g.W}, dt);
  // Per chunk: its partial dW [O, K] and db [O] (double: float32 sums over a batch stay accurate),
  // and the cols scratch [K, L].
  Tensor dw_part = need_w ? empty({chunks, g.O * K}, dt) : Tensor();
  std::vector<double> db_part(need_b ? std::size_t(chunks * g.O) : 0, 0.0);
  Tensor scratch = (need_w && !direct) || (need_x && !direct) ? empty({chunks, K * L}, dt) : Tensor();
  const T* pgy = gy.data<T>();
  const T* px = need_w ? x.data<T>() : nullptr;
  const T* pw = need_x ? w.data<T>() : nullptr;
  over_images(g.N, chunks, [&](std::int64_t chunk, std::int64_t n0, std::int64_t n1) {
    T* cols = scratch.defined() ? scratch.data<T>() + chunk * K * L : nullptr;
    T* dw = need_w ? dw_part.data<T>() + chunk * g.O * K : nullptr;
    if (dw) std::fill(dw, dw + g.O * K, T(0));
    for (std::int64_t n = n0; n < n1; ++n) {
      const T* gyn = pgy + n * g.O * L;
      if (need_b) {
        double* db = db_part.data() + chunk * g.O;
        for (std::int64_t o = 0; o < g.O; ++o) {
          double s = 0;
          for (std::int64_t l = 0; l < L; ++l) s += double(gyn[o * L + l]);
          db[o] += s;
        }
      }
      if (K == 0) continue;
      for (std::int64_t grp = 0; grp < g.groups; ++grp) {
        const T* gyg = gyn + grp * Og * L;
        if (need_w) {
          const T* xg = px + (n * g.C + grp * g.Cg()) * g.H * g.W;
          if (!direct) im2col(xg, cols, g);
          detail::gemm_into(false, true, Og, K, L, T(1), gyg, L, direct ? xg : cols, L, T(1),
                            dw + grp * Og * K, K);
        }
        if (need_x) {
          T* dxg = r.input.data<T>() + (n * g.C + grp * g.Cg()) * g.H * g.W;
          // direct: dx is the product itself (dx was zeroed, so beta = 0 writes it)
          detail::gemm_into(true, false, K, L, Og, T(1), pw + grp * Og * K, K, gyg, L, T(0),
                            direct ? dxg : cols, L);
          if (!direct) col2im(cols, dxg, g);
        }
      }
    }
  });
  if (need_w) {  // the chunks' partial sums, added in chunk order
    r.weight = empty({g.O, g.Cg(), g.kH, g.kW}, dt);
    T* dw = r.weight.data<T>();
    const T* parts = dw_part.data<T>();
    std::copy(parts, parts + g.O * K, dw);
    for (std::int64_t c = 1; c < chunks; ++c)
      for (std::int64_t i = 0; i < g.O * K; ++i) dw[i] += parts[c * g.O * K + i];
  }
  if (need_b) {
    std::vector<double> db(std::size_t(g.O), 0.0);
    for (std::int64_t c = 0; c < chunks; ++c)
      for (std::int64_t o = 0; o < g.O; ++o) db[std::size_t(o)] += db_part[std::size_t(c * g.O + o)];
    r.bias = from_vector(db, {g.O}, dt);
  }
  return r;
}

// Runs f<T> for float32/float64; bfloat16 is computed in float32 and rounded back, as the GEMMs
// it is made of are (detail::gemm).
template <class F>
auto on_floating(ScalarType t, F f) {
  if (t == ScalarType::Float64) return f(double{});
  return f(float{});
}
Tensor as_compute(const Tensor& t) {
  if (!t.defined()) return t;
  return (t.dtype() == ScalarType::BFloat16 ? t.to(ScalarType::Float32) : t).contiguous();
}
Tensor as_dtype(const Tensor& t, ScalarType dt) { return t.defined() && t.dtype() != dt ? t.to(dt) : t; }

// The first-order gradients by the raw kernels (no graph): oneDNN for float32 (and bfloat16,
// computed in float32) unless empty or refused, im2col + GEMM otherwise. x is read for dW only,
// w for dx only.
ConvGrads raw_backward(const Tensor& gy, const Tensor& x, const Tensor& w, const ConvGeometry& g, bool nx,
                       bool nw, bool nb) {
  const ScalarType dt = gy.dtype();
  auto gemm = [&](bool need_x, bool need_w, bool need_b) {
    return on_floating(dt, [&](auto z) {
      return backward<decltype(z)>(as_compute(gy), as_compute(x), as_compute(w), g, need_x, need_w, need_b);
    });
  };
  std::optional<ConvGrads> r;
  if (dt != ScalarType::Float64 && g.N > 0 && g.C > 0) {
    // oneDNN computes db beside dW, from x: without x (the weight needs no grad, so x was not
    // saved) db is the GEMM path's sum of dy.
    const bool db_apart = nb && !x.defined();
    r = dnnl_conv_backward(as_compute(gy), as_compute(x), as_compute(w), g, nx, nw, nb && !db_apart);
    if (r && db_apart) r->bias = gemm(false, false, true).bias;
  }
  if (!r) r = gemm(nx, nw, nb);
  return {as_dtype(r->input, dt), as_dtype(r->weight, dt), as_dtype(r->bias, dt)};
}

// In a create_graph pass each gradient is an op of its own, recorded as 1.13's
// ConvolutionBackwardBackward0. With C(x, w) the convolution, Cx' its adjoint in x (dx = Cx'(dy, w))
// and Cw' its adjoint in w (dW = Cw'(x, dy)), all three bilinear, the gradients of dx and dW are
// again C, Cx' and Cw' (<gg, Cx'(dy, w)> = <C(gg, w), dy>, <gg, Cw'(x, dy)> = <C(x, gg), dy>):
//   dx = Cx'(dy, w):  d dy = C(gg, w),   d w = Cw'(gg, dy)
//   dW = Cw'(x, dy):  d dy = C(x, gg),   d x = Cx'(dy, gg)
// so every order is the same three kernels (the first order's fast paths), each recorded again. The
// first-order values are those of a pass without create_graph (one raw call), then recorded.
Tensor conv_weight_grad(const Tensor& x, const Tensor& gy, const ConvGeometry& g);
Tensor conv_input_grad(const Tensor& gy, const Tensor& w, const ConvGeometry& g);

// Record dx = Cx'(gy, w), dW = Cw'(x, gy), db = Σ gy (computed already) as ops of their operands.
void record_input_grad(Tensor& dx, const Tensor& gy, const Tensor& w, const ConvGeometry& g) {
  if (!autograd::needs_grad({gy, w})) return;
  auto node =
      autograd::record(dx, "ConvolutionBackwardBackward0", {gy, w}, {}, [g](const Node& n, const Tensor& gg) {
        return std::vector<Tensor>{wants(n, 0) ? detail::convolution(gg, n.unpack(1), Tensor(), g) : Tensor(),
                                   wants(n, 1) ? conv_weight_grad(gg, n.unpack(0), g) : Tensor()};
      });
  autograd::save_if(*node, {{autograd::requires_grad(w), gy}, {autograd::requires_grad(gy), w}});
}
void record_weight_grad(Tensor& dw, const Tensor& x, const Tensor& gy, const ConvGeometry& g) {
  if (!autograd::needs_grad({x, gy})) return;
  auto node =
      autograd::record(dw, "ConvolutionBackwardBackward0", {x, gy}, {}, [g](const Node& n, const Tensor& gg) {
        return std::vector<Tensor>{
            wants(n, 0) ? conv_input_grad(n.unpack(1), gg, g) : Tensor(),
            wants(n, 1) ? detail::convolution(n.unpack(0), gg, Tensor(), g) : Tensor()};
      });
  autograd::save_if(*node, {{autograd::requires_grad(gy), x}, {autograd::requires_grad(x), gy}});
}
void record_bias_grad(Tensor& db, const Tensor& gy) {
  if (!autograd::needs_grad({gy})) return;
  autograd::record(db, "ConvolutionBackwardBackward0", {gy}, {},
                   [sizes = Dims(gy.sizes())](const Node&, const Tensor& gg) {
                     return std::vector<Tensor>{gg.reshape({1, gg.numel(), 1, 1}).expand(sizes)};
                   });
}

Tensor conv_input_grad(const Tensor& gy, const Tensor& w, const ConvGeometry& g) {
  Tensor dx = autograd::below([&] { return raw_backward(gy, Tensor(), w, g, true, false, false).input; });
  record_input_grad(dx, gy, w, g);
  return dx;
}
Tensor conv_weight_grad(const Tensor& x, const Tensor& gy, const ConvGeometry& g) {
  Tensor dw = autograd::below([&] { return raw_backward(gy, x, Tensor(), g, false, true, false).weight; });
  record_weight_grad(dw, x, gy, g);
  return dw;
}

}  // namespace

namespace detail {

Tensor convolution(const Tensor& input, const Tensor& weight, const Tensor& bias, const ConvGeometry& g) {
  const ScalarType dt = input.dtype();
  // float32 (and bfloat16, computed in float32) on oneDNN unless empty or refused; float64 (and
  // those) on im2col + GEMM.
  const bool dnnl = dt != ScalarType::Float64 && g.N > 0 && g.C > 0;
  auto compute = [&] {
    if (dnnl)
      if (auto y = dnnl_conv_forward(as_compute(input), as_compute(weight), as_compute(bias), g))
        return as_dtype(*y, dt);
    return as_dtype(on_floating(dt,
                                [&](auto z) {
                                  return forward<decltype(z)>(as_compute(input), as_compute(weight),
                                                              as_compute(bias), g);
                                }),
                    dt);
  };
  if (!autograd::needs_grad({input, weight, bias})) return compute();
  Tensor out = autograd::below(compute);
  auto node = autograd::record(
      out, "ConvolutionBackward0", {input, weight, bias}, {}, [g](const Node& n, const Tensor& gy) {
        const bool nx = wants(n, 0), nw = wants(n, 1), nb = wants(n, 2);
        const Tensor x = n.unpack(0), w = n.unpack(1);
        ConvGrads r = autograd::below([&] { return raw_backward(gy, x, w, g, nx, nw, nb); });
        if (autograd::is_grad_enabled()) {  // create_graph: each gradient an op
          if (nx) record_input_grad(r.input, gy, w, g);
          if (nw) record_weight_grad(r.weight, x, gy, g);
          if (nb) record_bias_grad(r.bias, gy);
        }
        return std::vector<Tensor>{r.input, r.weight, r.bias};
      });
  // The input is read for dW only, the weight for dx only.
  autograd::save_if(*node,
                    {{autograd::requires_grad(weight), input}, {autograd::requires_grad(input), weight}});
  return out;
}

}  // namespace detail

}  // namespace ramp
