// F.pad as PyTorch 1.13 (aten/src/ATen/native/PadNd.cpp and the padding kernels):
//   constant:  out = value everywhere, the input (cropped by negative pads) in the middle;
//              ConstantPadNdBackward0 (the gradient cropped back).
//   reflect:   out[o] = x[reflect(o - left)] (no edge repeat), replicate: x[clamp(o - left)], over
//              the last 1-3 dims; ReflectionPad{1,2,3}DBackward0 / ReplicationPad...: each output's
//              gradient added into the input element it read, in output order (as 1.13's loops).
//   circular:  1.13's _pad_circular: copies into slices of a new tensor, so its grad_fn is
//              CopySlices as there (and negative pads crop before the wrap, as there).
#include <string>
#include <vector>

#include "../tensor/loop.h"
#include "../tensor/parallel.h"
#include "ramp/nn/functional.h"
#include "ramp/print.h"
#include "record.h"

namespace ramp {
namespace {

// Up to three padded dims, as index maps from output to input positions.
struct PadMaps {
  std::int64_t planes = 1;
  std::int64_t in[3] = {1, 1, 1}, out[3] = {1, 1, 1};
  std::vector<std::int64_t> map[3];
};

PadMaps make_maps(const Tensor& x, IntArrayRef pad, bool reflect) {
  PadMaps m;
  const std::int64_t k = std::int64_t(pad.size() / 2), lead = x.dim() - k;
  for (std::int64_t i = 0; i < lead; ++i) m.planes *= x.size(i);
  for (std::int64_t d = 0; d < 3; ++d) m.map[d] = {0};
  for (std::int64_t j = 0; j < k; ++j) {
    const std::size_t d = std::size_t(3 - k + j);  // maps right-aligned: d == 2 is the last dim
    const std::int64_t n = x.size(lead + j), l = pad[std::size_t(2 * (k - 1 - j))],
                       r = pad[std::size_t(2 * (k - 1 - j) + 1)];
    m.in[d] = n, m.out[d] = n + l + r;
    m.map[d].resize(std::size_t(m.out[d]));
    for (std::int64_t o = 0; o < m.out[d]; ++o) {
      std::int64_t i = o - l;
      if (reflect) i = i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
      else i = std::clamp<std::int64_t>(i, 0, n - 1);
      m.map[d][std::size_t(o)] = i;
    }
  }
  return m;
}

// Calls f(output offset, input offset) for every output element of plane p, in output order.
template <class F> void each_element(const PadMaps& m, std::int64_t p, F f) {
  const std::int64_t in_plane = m.in[0] * m.in[1] * m.in[2], out_plane = m.out[0] * m.out[1] * m.out[2];
  std::int64_t o = p * out_plane;
  for (std::int64_t a = 0; a < m.out[0]; ++a)
    for (std::int64_t b = 0; b < m.out[1]; ++b) {
      const std::int64_t row = p * in_plane + (m.map[0][std::size_t(a)] * m.in[1] + m.map[1][std::size_t(b)]) * m.in[2];
      for (std::int64_t c = 0; c < m.out[2]; ++c) f(o++, row + m.map[2][std::size_t(c)]);
    }
}

Tensor gather_pad(const Tensor& x_in, IntArrayRef pad, bool reflect, std::string_view mode) {
  const std::int64_t k = std::int64_t(pad.size() / 2), lead = x_in.dim() - k;
  const std::string kind = std::string(reflect ? "reflection_pad" : "replication_pad") + std::to_string(k) + "d";
  // 1.13: the padded dims (and the channel dim of a batched input) must not be empty.
  bool nonempty = true;
  for (std::int64_t i = x_in.dim() == k + 2 ? 1 : 0; i < x_in.dim(); ++i) nonempty = nonempty && x_in.size(i) != 0;
  if (!nonempty) {
    if (reflect) {
      std::string dims;
      for (std::int64_t i = 0; i < x_in.dim(); ++i) dims += (i ? "," : "") + std::to_string(x_in.size(i));
      throw Error(detail::cat(k + 1, "D or ", k + 2, "D (batch mode) tensor expected for input, but got: [ ",
                              autograd::legacy_type_name(x_in.dtype()), "{", dims, "} ]"));
    }
    throw Error(detail::cat("Expected ", k + 1, "D or ", k + 2, "D (batch mode) tensor with possibly 0 batch size "
                            "and other non-zero dimensions for input, but got: ", shape_str(x_in.sizes())));
  }
  for (std::int64_t j = 0; j < k; ++j) {  // j == 0: the last dim
    const std::int64_t l = pad[std::size_t(2 * j)], r = pad[std::size_t(2 * j + 1)], d = x_in.dim() - 1 - j,
                       n = x_in.size(d);
    if (reflect)
      RAMP_CHECK(l < n && r < n, "Argument #", 4 + 2 * j, ": Padding size should be less than the corresponding "
                 "input dimension, but got: padding (", l, ", ", r, ") at dimension ", d, " of input ",
                 k == 2 ? std::to_string(x_in.dim()) : shape_str(x_in.sizes()));
    // 1.13's 1-D kernels want an output; the others take an empty one (these texts are 1.13's).
    if (k == 1 && n + l + r < 1)
      throw Error(reflect ? detail::cat(d, "input (W: ", n, ")is too small. Calculated output W: ", n + l + r)
                          : detail::cat("input (W: ", n, ") is too small. Calculated output W: ", n + l + r));
  }
  Dims out_sizes(x_in.sizes());
  for (std::int64_t j = 0; j < k; ++j) {
    const std::int64_t d = x_in.dim() - 1 - j;
    out_sizes[std::size_t(d)] += pad[std::size_t(2 * j)] + pad[std::size_t(2 * j + 1)];
  }
  for (std::int64_t v : out_sizes)
    RAMP_CHECK(v >= 0, "Trying to create tensor with negative dimension ", v, ": ", shape_str(out_sizes));
  const bool half_ok = reflect && k == 3 && x_in.dtype() == ScalarType::BFloat16;  // 1.13's reflection_pad3d
  RAMP_CHECK(half_ok || x_in.dtype() == ScalarType::Float32 || x_in.dtype() == ScalarType::Float64, "\"", kind,
             reflect && k < 3 ? "" : "_cpu", "\" not implemented for '", dtype_error_name(x_in.dtype()), "'");
  (void)mode;
  const Tensor x = x_in.contiguous();
  const PadMaps m = make_maps(x, pad, reflect);
  Dims sizes(x.sizes());
  for (std::int64_t j = 0; j < k; ++j) sizes[std::size_t(lead + j)] = m.out[3 - k + j];
  Tensor out = empty(sizes, x.dtype());
  const std::int64_t work = m.out[0] * m.out[1] * m.out[2];
  dispatch(x.dtype(), [&](auto z) {
    using T = decltype(z);
    const T* px = x.data<T>();
    T* po = out.data<T>();
    detail::parallel_for(m.planes, std::max<std::int64_t>(1, (1 << 15) / std::max<std::int64_t>(work, 1)), 1,
                         [&](std::int64_t b, std::int64_t e) {
                           for (std::int64_t p = b; p < e; ++p)
                             each_element(m, p, [&](std::int64_t o, std::int64_t i) { po[o] = px[i]; });
                         });
  });
  if (!autograd::needs_grad({x_in})) return out;
  static const std::string names[2][3] = {
      {"ReplicationPad1DBackward0", "ReplicationPad2DBackward0", "ReplicationPad3DBackward0"},
      {"ReflectionPad1DBackward0", "ReflectionPad2DBackward0", "ReflectionPad3DBackward0"}};
  autograd::record(out, names[reflect][k - 1], {x_in}, {},
                   [m, in_sizes = Dims(x.sizes())](const autograd::Node&, const Tensor& gy_in) -> std::vector<Tensor> {
                     const Tensor gy = gy_in.contiguous();
                     Tensor gx = zeros(in_sizes, gy.dtype());
                     const std::int64_t w = m.out[0] * m.out[1] * m.out[2];
                     dispatch(gy.dtype(), [&](auto z) {
                       using T = decltype(z);
                       const T* pg = gy.data<T>();
                       T* pd = gx.data<T>();
                       detail::parallel_for(m.planes, std::max<std::int64_t>(1, (1 << 15) / std::max<std::int64_t>(w, 1)),
                                            1, [&](std::int64_t b, std::int64_t e) {
                                              for (std::int64_t p = b; p < e; ++p)
                                                each_element(m, p, [&](std::int64_t o, std::int64_t i) {
                                                  pd[i] = T(pd[i] + pg[o]);
                                                });
                                            });
                     });
                     return {gx};
                   });
  return out;
}

// 1.13's constant_pad_nd: crop by the negative pads (narrow, with its errors), then place.
Tensor constant_pad(const Tensor& x, IntArrayRef pad, double value) {
  const std::int64_t k = std::int64_t(pad.size() / 2), lead = x.dim() - k;
  Tensor c = x;
  for (std::int64_t i = 0; i < k; ++i) {
    const std::int64_t l = pad[pad.size() - std::size_t((i + 1) * 2)], r = pad[pad.size() - std::size_t((i + 1) * 2) + 1];
    auto narrow = [&](std::int64_t start, std::int64_t length) {
      RAMP_CHECK(length >= 0, "start (", start, ") + length (", length, ") exceeds dimension size (",
                 c.size(lead + i), ").");
      c = c.narrow(lead + i, start, length);
    };
    if (l < 0) narrow(-l, c.size(lead + i) + l);
    if (r < 0) narrow(0, c.size(lead + i) + r);
  }
  Dims sizes(x.sizes());
  for (std::int64_t i = 0; i < k; ++i) {
    const std::size_t at = pad.size() - std::size_t((i + 1) * 2);
    const std::int64_t n = x.size(lead + i) + pad[at] + pad[at + 1];
    RAMP_CHECK(n > 0, "The input size ", x.size(lead + i), ", plus negative padding ", pad[at], " and ", pad[at + 1],
               " resulted in a negative output size, which is invalid. Check dimension ", lead + i,
               " of your input.");
    sizes[std::size_t(lead + i)] = n;
  }
  Tensor out = autograd::below([&] {
    Tensor o = full(sizes, value, x.dtype());
    Tensor inner = o;
    for (std::int64_t i = 0; i < k; ++i) {
      const std::int64_t l = pad[pad.size() - std::size_t((i + 1) * 2)];
      inner = inner.narrow(lead + i, std::max<std::int64_t>(l, 0), c.size(lead + i));
    }
    detail::copy_into(inner, c);
    return o;
  });
  if (!autograd::needs_grad({x})) return out;
  autograd::record(out, "ConstantPadNdBackward0", {x}, {},
                   [neg = [&] {
                     std::vector<std::int64_t> v(pad.begin(), pad.end());
                     for (auto& p : v) p = -p;
                     return v;
                   }()](const autograd::Node&, const Tensor& g) -> std::vector<Tensor> {
                     return {constant_pad(g, neg, 0)};
                   });
  return out;
}

// 1.13's _pad_circular: the interior, then the left and right wraps copied from the result itself.
Tensor circular_pad(const Tensor& x, IntArrayRef padding) {
  const std::int64_t ndim = x.dim() - 2;
  RAMP_CHECK(std::int64_t(padding.size()) + 4 == x.dim() * 2, "Invalid padding size, expected ", ndim * 2,
             " but got ", padding.size());
  Dims sizes(x.sizes());
  for (std::int64_t i = 0; i < ndim; ++i) {
    const std::int64_t l = padding[std::size_t(2 * (ndim - i - 1))], r = padding[std::size_t(2 * (ndim - i - 1) + 1)],
                       n = x.size(2 + i);
    sizes[std::size_t(2 + i)] = n + l + r;
    RAMP_CHECK(l <= n && r <= n, "Padding value causes wrapping around more than once.");
    RAMP_CHECK(n + l + r >= 0, "Negative padding value is resulting in an empty dimension");
  }
  Tensor out = empty(sizes, x.dtype());
  Tensor out_slice = out, in_slice = x;
  for (std::int64_t i = 0; i < ndim; ++i) {
    const std::int64_t dim = ndim - i + 1, l = padding[std::size_t(2 * i)], r = padding[std::size_t(2 * i + 1)];
    out_slice = out_slice.slice(dim, std::max<std::int64_t>(l, 0), sizes[std::size_t(dim)] - std::max<std::int64_t>(r, 0));
    in_slice = in_slice.slice(dim, std::max<std::int64_t>(-l, 0), x.size(dim) - std::max<std::int64_t>(-r, 0));
  }
  out_slice.copy_(in_slice);
  for (std::int64_t i = 0; i < ndim; ++i) {
    const std::int64_t dim = ndim - i + 1, l = padding[std::size_t(2 * i)], r = padding[std::size_t(2 * i + 1)],
                       n = sizes[std::size_t(dim)];
    if (l > 0) {
      Tensor o = out.slice(dim, 0, l);
      o.copy_(out.slice(dim, n - l - std::max<std::int64_t>(r, 0), n - std::max<std::int64_t>(r, 0)));
    }
    if (r > 0) {
      Tensor o = out.slice(dim, n - r, n);
      o.copy_(out.slice(dim, std::max<std::int64_t>(l, 0), std::max<std::int64_t>(l, 0) + r));
    }
  }
  return out;
}

}  // namespace

Tensor pad(const Tensor& input, IntArrayRef padding, std::string_view mode, std::optional<double> value) {
  const std::int64_t dim = input.dim(), n = std::int64_t(padding.size());
  RAMP_CHECK(n % 2 == 0, "Padding length must be divisible by 2");
  RAMP_CHECK(n <= dim * 2, "Padding length too large");
  const bool reflect = mode == "reflect", replicate = mode == "replicate", circular = mode == "circular";
  if (!(mode == "constant" || reflect || replicate || circular))
    throw NotImplementedError(detail::cat("Unrecognised padding mode ", mode));
  if (mode == "constant") return constant_pad(input, padding, value.value_or(0.0));
  RAMP_CHECK(!value || *value == 0, "Padding mode \"", mode, "\" doesn't take in value argument");
  const std::int64_t k = n / 2;
  RAMP_CHECK_T(NotImplementedError, k >= 1 && k <= 3 && (dim == k + 1 || dim == k + 2),
               "Only 2D, 3D, 4D, 5D padding with non-constant padding are supported for now");
  if (circular) return circular_pad(input, padding);
  return gather_pad(input, padding, reflect, mode);
}

}  // namespace ramp
