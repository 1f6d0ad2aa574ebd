// Tensor printing, reproducing PyTorch 1.13's torch/_tensor_str.py character for character
// (`print(t)` / `repr(t)`), with `ramp.` where PyTorch writes `torch.` (`dtype=ramp.float64`).
//
// The core works on a PrintSource (sizes, dtype and element accessors) rather than a Tensor, so it
// has no dependency on the tensor implementation; Tensor::str() builds a PrintSource and calls
// format_tensor().
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ramp/dtype.h"

namespace ramp {

// torch._tensor_str.PRINT_OPTS. `threshold` is a float in Python (the "full" profile sets it to
// inf); here the "full" profile sets it to INT64_MAX, which no numel can exceed.
struct PrintOptions {
  int precision = 4;
  std::int64_t threshold = 1000;
  int edgeitems = 3;
  int linewidth = 80;
  std::optional<bool> sci_mode;  // nullopt: _Formatter decides per tensor
};

// The process-wide options every format_tensor() call reads. Mutable: callers may assign fields
// directly (e.g. print_options().sci_mode.reset() to go back to automatic sci mode).
PrintOptions& print_options();

// torch.set_printoptions(precision=, threshold=, edgeitems=, linewidth=, sci_mode=) without the
// `profile` argument: each nullopt leaves that option as it is, including sci_mode.
// NB: PyTorch's set_printoptions *always* assigns sci_mode, so torch.set_printoptions(precision=2)
// also resets sci_mode to None. A binding that wants that behaviour must reset it itself
// (print_options().sci_mode.reset()) when the caller gave no sci_mode.
void set_printoptions(std::optional<int> precision, std::optional<std::int64_t> threshold,
                      std::optional<int> edgeitems, std::optional<int> linewidth,
                      std::optional<bool> sci_mode);

// torch.set_printoptions(profile=name): "default", "short" or "full" set precision, threshold,
// edgeitems and linewidth as PyTorch does; like PyTorch, any other name changes none of them.
// Always resets sci_mode to automatic (PyTorch assigns its sci_mode=None argument).
void set_printoptions_profile(std::string_view profile);

// What format_tensor() needs to know about a tensor. Elements are addressed by their flat
// row-major (contiguous) index, 0 <= i < prod(sizes); `sizes` empty means a 0-d tensor.
struct PrintSource {
  std::vector<std::int64_t> sizes;
  ScalarType dtype = ScalarType::Float32;
  // Floating types: the value converted exactly to double (bfloat16/float32 -> double is exact).
  // Bool: nonzero is True. Also used for integer types when int_value is empty.
  std::function<double(std::int64_t)> value;
  // Integer types (uint8/int8/int32/int64), exact. Also used for bool when value is empty.
  std::function<std::int64_t(std::int64_t)> int_value;
};

// repr() of a dense CPU tensor, as torch._tensor_str._str_intern builds it: "tensor(" + the
// contents, then the suffixes ", size=(2, 0)" (empty tensors not 1-d), ", dtype=ramp.X" (dtypes
// other than get_default_dtype()/int64/bool; for empty tensors, any but the default), then `suffixes` in
// order, e.g. {"grad_fn=<ReluBackward0>"} or {"requires_grad=True"}; each suffix moves to a new
// line indented under "tensor(" when it would pass linewidth; then ")".
// A Parameter's repr is "Parameter containing:\n" + format_tensor(...) (nn.Parameter.__repr__
// adds the header outside _str_intern).
// Throws ramp::Error for a malformed source (negative size, missing accessor) and where PyTorch
// raises: summarizing a tensor of 2+ dims with edgeitems <= 0 ("stack expects a non-empty
// TensorList"), or a negative precision.
std::string format_tensor(const PrintSource& src, const std::vector<std::string>& suffixes = {});

// Python's repr() of a float: the shortest digits that round-trip, in fixed notation with at
// least one decimal ("1.0", "100000.0", "0.0001") unless the decimal exponent is < -4 or >= 16
// ("1e-05", "1e+16", "1.5e+16"); "inf", "-inf", "nan" (never "-nan"), "-0.0".
std::string python_float_repr(double v);

// A shape as ramp.Size prints it: "ramp.Size([2, 3])" (torch.Size's form).
std::string size_repr(std::span<const std::int64_t> sizes);

}  // namespace ramp
