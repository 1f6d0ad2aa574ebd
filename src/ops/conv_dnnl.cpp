// float32 convolutions on oneDNN (Debian's libdnnl, the library PyTorch 1.13 convolves with).
//
// Why not im2col + OpenBLAS here: measured on the target CPU at one thread, oneDNN's AVX-512 JIT
// kernels run the CNN benchmark's 32→64 3x3 layer's forward in 2.1 ms and its backward in 4.0 ms
// (reorders included), im2col + sgemm in 3.7 and 7.7 ms. float64 and bfloat16 stay on im2col
// (oneDNN has no float64 and its bfloat16 kernels need AVX512-BF16).
//
// Each call lets oneDNN pick its layouts (format_tag::any: nChw16c-style blocks), reorders ramp's
// NCHW operands into them and the result back, with every buffer from ramp's caching allocator (a
// fresh malloc per call would pay first-touch page faults on every step). The backward reorders
// dy once for both the data and the weights gradients when their layouts agree. oneDNN runs on
// OpenMP (libgomp, as ramp), so it follows ramp::set_num_threads. Primitive descriptors are made
// per call (~20 µs); the JIT kernels themselves come from oneDNN's primitive cache.
#include <dnnl.hpp>
#include <unordered_map>

#include "../tensor/parallel.h"
#include "conv.h"

namespace ramp::detail {
namespace {

using dnnl::memory;
using tag = memory::format_tag;
using dt = memory::data_type;

dnnl::engine& cpu_engine() {
  static dnnl::engine e(dnnl::engine::kind::cpu, 0);
  return e;
}

struct Descs {
  memory::desc x, w, b, y;  // ramp's plain layouts
  memory::dims strides, dilates, pad_l, pad_r;
};

Descs descs(const ConvGeometry& g) {
  Descs d;
  d.x = memory::desc({g.N, g.C, g.H, g.W}, dt::f32, tag::nchw);
  d.w = g.groups == 1 ? memory::desc({g.O, g.C, g.kH, g.kW}, dt::f32, tag::oihw)
                      : memory::desc({g.groups, g.O / g.groups, g.Cg(), g.kH, g.kW}, dt::f32, tag::goihw);
  d.b = memory::desc({g.O}, dt::f32, tag::x);
  d.y = memory::desc({g.N, g.O, g.oH, g.oW}, dt::f32, tag::nchw);
  d.strides = {g.sH, g.sW};
  d.dilates = {g.dH - 1, g.dW - 1};  // oneDNN counts the gaps between taps
  // Symmetric, as PyTorch passes it: oneDNN's output size is floored the same way.
  d.pad_l = d.pad_r = {g.pH, g.pW};
  return d;
}
memory::desc any(const memory::desc& d) { return memory::desc(d.dims(), dt::f32, tag::any); }

// A oneDNN memory over ramp bytes: `keep` owns them.
memory wrap(const memory::desc& d, const Tensor& keep) { return memory(d, cpu_engine(), keep.data_ptr()); }
Tensor bytes(std::size_t n) { return empty({std::int64_t((n + 3) / 4)}, ScalarType::Float32); }

// The operand in layout `want`: the user's memory itself, or a reordered copy held by `hold`.
memory as_layout(const memory::desc& want, memory user, Tensor& hold, dnnl::stream& s) {
  if (want == user.get_desc()) return user;
  hold = bytes(want.get_size());
  memory m = wrap(want, hold);
  dnnl::reorder(user, m).execute(s, user, m);
  return m;
}
// Memory in layout `want` for a result that ends up in `user`: the user's, or a scratch one.
memory result_in(const memory::desc& want, const memory& user, Tensor& hold) {
  if (want == user.get_desc()) return user;
  hold = bytes(want.get_size());
  return wrap(want, hold);
}
void copy_back(memory& m, memory& user, dnnl::stream& s) {
  if (m != user) dnnl::reorder(m, user).execute(s, m, user);
}

dnnl::primitive_attr user_scratchpad() {
  dnnl::primitive_attr a;
  a.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return a;
}

dnnl::convolution_forward::primitive_desc forward_pd(const Descs& d, bool bias) {
  auto op = bias ? dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training,
                                                   dnnl::algorithm::convolution_direct, any(d.x), any(d.w),
                                                   d.b, any(d.y), d.strides, d.dilates, d.pad_l, d.pad_r)
                 : dnnl::convolution_forward::desc(dnnl::prop_kind::forward_training,
                                                   dnnl::algorithm::convolution_direct, any(d.x), any(d.w),
                                                   any(d.y), d.strides, d.dilates, d.pad_l, d.pad_r);
  return {op, user_scratchpad(), cpu_engine()};
}

}  // namespace

std::optional<Tensor> dnnl_conv_forward(const Tensor& x, const Tensor& w, const Tensor& b,
                                        const ConvGeometry& g) try {
  const detail::LibraryThreads threads;  // fewer while other work holds the cores
  const Descs d = descs(g);
  Tensor y = empty({g.N, g.O, g.oH, g.oW}, ScalarType::Float32);
  dnnl::stream s(cpu_engine());
  const auto pd = forward_pd(d, b.defined());
  memory ux = wrap(d.x, x), uw = wrap(d.w, w), uy = wrap(d.y, y);
  Tensor hx, hw, hy;
  memory mx = as_layout(pd.src_desc(), ux, hx, s), mw = as_layout(pd.weights_desc(), uw, hw, s);
  memory my = result_in(pd.dst_desc(), uy, hy);
  Tensor scratch = bytes(pd.scratchpad_desc().get_size());
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, mx},
                                       {DNNL_ARG_WEIGHTS, mw},
                                       {DNNL_ARG_DST, my},
                                       {DNNL_ARG_SCRATCHPAD, wrap(pd.scratchpad_desc(), scratch)}};
  if (b.defined()) args.insert({DNNL_ARG_BIAS, wrap(d.b, b)});
  dnnl::convolution_forward(pd).execute(s, args);
  copy_back(my, uy, s);
  s.wait();
  return y;
} catch (const dnnl::error&) {
  return std::nullopt;
}

std::optional<ConvGrads> dnnl_conv_backward(const Tensor& gy, const Tensor& x, const Tensor& w,
                                            const ConvGeometry& g, bool need_x, bool need_w,
                                            bool need_b) try {
  const detail::LibraryThreads threads;  // fewer while other work holds the cores
  const Descs d = descs(g);
  ConvGrads r;
  dnnl::stream s(cpu_engine());
  const auto hint = forward_pd(d, need_b);
  memory ugy = wrap(d.y, gy);
  memory mgy;  // dy in the layout of the last primitive that read it
  Tensor hgy;
  if (need_x) {
    const dnnl::convolution_backward_data::primitive_desc pd(
        {dnnl::algorithm::convolution_direct, any(d.x), any(d.w), any(d.y), d.strides, d.dilates, d.pad_l,
         d.pad_r},
        user_scratchpad(), cpu_engine(), hint);
    r.input = empty({g.N, g.C, g.H, g.W}, ScalarType::Float32);
    memory ugx = wrap(d.x, r.input), uw = wrap(d.w, w);
    Tensor hw, hgx;
    mgy = as_layout(pd.diff_dst_desc(), ugy, hgy, s);
    memory mw = as_layout(pd.weights_desc(), uw, hw, s), mgx = result_in(pd.diff_src_desc(), ugx, hgx);
    Tensor scratch = bytes(pd.scratchpad_desc().get_size());
    dnnl::convolution_backward_data(pd).execute(s,
                                                {{DNNL_ARG_DIFF_DST, mgy},
                                                 {DNNL_ARG_WEIGHTS, mw},
                                                 {DNNL_ARG_DIFF_SRC, mgx},
                                                 {DNNL_ARG_SCRATCHPAD, wrap(pd.scratchpad_desc(), scratch)}});
    copy_back(mgx, ugx, s);
  }
  if (need_w || need_b) {
    const auto op = need_b ? dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct,
                                                                      any(d.x), any(d.w), d.b, any(d.y),
                                                                      d.strides, d.dilates, d.pad_l, d.pad_r)
                           : dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct,
                                                                      any(d.x), any(d.w), any(d.y), d.strides,
                                                                      d.dilates, d.pad_l, d.pad_r);
    const dnnl::convolution_backward_weights::primitive_desc pd(op, user_scratchpad(), cpu_engine(), hint);
    // dW is needed for dx's sake only when asked; oneDNN computes it anyway, into scratch if unwanted.
    Tensor gw = empty({g.O, g.Cg(), g.kH, g.kW}, ScalarType::Float32);
    memory ux = wrap(d.x, x), ugw = wrap(d.w, gw);
    Tensor hx, hgw;
    if (!mgy || mgy.get_desc() != pd.diff_dst_desc()) mgy = as_layout(pd.diff_dst_desc(), ugy, hgy, s);
    memory mx = as_layout(pd.src_desc(), ux, hx, s), mgw = result_in(pd.diff_weights_desc(), ugw, hgw);
    Tensor scratch = bytes(pd.scratchpad_desc().get_size());
    std::unordered_map<int, memory> args{{DNNL_ARG_DIFF_DST, mgy},
                                         {DNNL_ARG_SRC, mx},
                                         {DNNL_ARG_DIFF_WEIGHTS, mgw},
                                         {DNNL_ARG_SCRATCHPAD, wrap(pd.scratchpad_desc(), scratch)}};
    if (need_b) {
      r.bias = empty({g.O}, ScalarType::Float32);
      args.insert({DNNL_ARG_DIFF_BIAS, wrap(d.b, r.bias)});
    }
    dnnl::convolution_backward_weights(pd).execute(s, args);
    copy_back(mgw, ugw, s);
    if (need_w) r.weight = gw;
  }
  s.wait();
  return r;
} catch (const dnnl::error&) {
  return std::nullopt;
}

}  // namespace ramp::detail
