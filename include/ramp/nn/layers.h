// The layers ReLU lives among, with PyTorch 1.13's constructor arguments, defaults, parameter
// names, default initialisation and reprs:
//
//   nn::Linear fc(784, 128);                                 Linear(in_features=784, out_features=128, bias=True)
//   nn::Conv2d conv(3, 32, 3, {.padding = 1});               Conv2d(3, 32, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1))
//   nn::MaxPool2d pool(2);                                   MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
//   nn::BatchNorm2d bn(32);  nn::Dropout drop(0.5);  nn::Flatten flat;
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "ramp/nn/module.h"

namespace ramp::nn {

// A size argument given as one int (applied to both spatial dims) or as a pair; it remembers which,
// because PyTorch prints what it was given ("kernel_size=2" vs "kernel_size=(2, 2)").
struct IntPair {
  std::int64_t h = 0, w = 0;
  bool single = true;
  IntPair(std::int64_t v) : h(v), w(v) {}  // NOLINT: an int converts, as in Python
  IntPair(std::int64_t a, std::int64_t b) : h(a), w(b), single(false) {}
  std::string repr() const;
  std::vector<std::int64_t> vec() const { return {h, w}; }
  bool operator==(const IntPair& o) const { return h == o.h && w == o.w; }
};

class Linear : public Module {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features, bool bias = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  // kaiming_uniform_(a = sqrt(5)) weight, U(-1/sqrt(fan_in), 1/sqrt(fan_in)) bias, as 1.13.
  void reset_parameters();

  std::int64_t in_features, out_features;
  Tensor& weight;  // [out_features, in_features]
  Tensor& bias;    // [out_features], undefined when bias=false
};

// Conv2d's padding: numbers, or "same" / "valid" (`{.padding = "same"}`).
struct Conv2dPadding : IntPair {
  std::string mode;  // empty when given as numbers
  Conv2dPadding(std::int64_t v) : IntPair(v) {}                                   // NOLINT
  Conv2dPadding(std::int64_t a, std::int64_t b) : IntPair(a, b) {}
  // A string literal (an array, so that 0 is not taken for a null `const char*`).
  template <std::size_t N> Conv2dPadding(const char (&m)[N]) : IntPair(0), mode(m) {}  // NOLINT
  Conv2dPadding(std::string m) : IntPair(0), mode(std::move(m)) {}                 // NOLINT
};

struct Conv2dOptions {
  IntPair stride = 1;
  Conv2dPadding padding = 0;
  IntPair dilation = 1;
  std::int64_t groups = 1;
  bool bias = true;
  std::string padding_mode = "zeros";  // or "reflect", "replicate", "circular" (F.pad before)
};

class Conv2d : public Module {
 public:
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, IntPair kernel_size, Conv2dOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  void reset_parameters();  // as Linear's, with fan_in = in_channels / groups * kH * kW

  std::int64_t in_channels, out_channels;
  IntPair kernel_size;
  Conv2dOptions options;
  Tensor& weight;  // [out, in / groups, kH, kW]
  Tensor& bias;    // [out] or undefined
};

// Every member has a default initializer: `{.padding = 1}` then compiles cleanly under -Wextra
// (GCC's -Wmissing-field-initializers names each designated-omitted member without one).
struct MaxPool2dOptions {
  std::optional<IntPair> stride = std::nullopt;  // default: kernel_size
  IntPair padding = 0;
  IntPair dilation = 1;
  bool ceil_mode = false;
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(IntPair kernel_size, MaxPool2dOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  IntPair kernel_size, stride;
  MaxPool2dOptions options;
};

struct AvgPool2dOptions {
  std::optional<IntPair> stride = std::nullopt;  // default: kernel_size
  IntPair padding = 0;
  bool ceil_mode = false;
  bool count_include_pad = true;
  std::optional<std::int64_t> divisor_override = std::nullopt;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(IntPair kernel_size, AvgPool2dOptions options = {});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  IntPair kernel_size, stride;
  AvgPool2dOptions options;
};

// An adaptive pool's output size: one int, or a pair whose entries may be nullopt (that dim keeps
// the input's size: Python's `(None, 7)`). Prints as given.
struct AdaptiveSize {
  std::optional<std::int64_t> h, w;
  bool single = true;
  AdaptiveSize(std::int64_t v) : h(v), w(v) {}  // NOLINT: an int converts, as in Python
  AdaptiveSize(std::optional<std::int64_t> a, std::optional<std::int64_t> b) : h(a), w(b), single(false) {}
  AdaptiveSize(const IntPair& p) : h(p.h), w(p.w), single(p.single) {}  // NOLINT
  std::string repr() const;
  // The sizes for `input`, nullopt entries taken from its last two dims (1.13's _list_with_default:
  // ValueError "Input dimension should be at least 3" for a pair and fewer dims).
  std::vector<std::int64_t> resolve(const Tensor& input) const;
};

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(AdaptiveSize output_size);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  AdaptiveSize output_size;
};

// AdaptiveMaxPool2d(3), AdaptiveMaxPool2d({std::nullopt, 3}): forward gives the maxima,
// forward_with_indices also their positions (Python's return_indices=True).
class AdaptiveMaxPool2d : public Module {
 public:
  explicit AdaptiveMaxPool2d(AdaptiveSize output_size);
  Tensor forward(const Tensor& input) override;
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& input);
  std::string extra_repr() const override;
  AdaptiveSize output_size;
};

class AdaptiveMaxPool1d : public Module {
 public:
  explicit AdaptiveMaxPool1d(std::int64_t output_size);
  Tensor forward(const Tensor& input) override;
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& input);
  std::string extra_repr() const override;
  std::int64_t output_size;
};

struct BatchNormOptions {
  double eps = 1e-5;
  std::optional<double> momentum = 0.1;  // nullopt: cumulative moving average
  bool affine = true;
  bool track_running_stats = true;
};

// BatchNorm1d ([N, C] or [N, C, L]) and BatchNorm2d ([N, C, H, W]): weight/bias (affine), buffers
// running_mean, running_var, num_batches_tracked (track_running_stats). Training normalises by the
// batch and updates the running statistics; eval normalises by the running ones.
class BatchNorm : public Module {
 public:
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  void reset_running_stats();
  void reset_parameters();  // weight 1, bias 0, running stats reset

  std::int64_t num_features;
  BatchNormOptions options;
  Tensor& weight;
  Tensor& bias;
  Tensor& running_mean;
  Tensor& running_var;
  Tensor& num_batches_tracked;

 protected:
  BatchNorm(std::int64_t num_features, BatchNormOptions options);
  virtual void check_input_dim(const Tensor& input) const = 0;
  // A state_dict without num_batches_tracked (older PyTorch) loads it as 0, as 1.13 does.
  std::optional<Tensor> default_for_missing(const std::string& name) const override;
};

class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(std::int64_t num_features, BatchNormOptions options = {}) : BatchNorm(num_features, options) {}

 protected:
  void check_input_dim(const Tensor& input) const override;
};

class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(std::int64_t num_features, BatchNormOptions options = {}) : BatchNorm(num_features, options) {}

 protected:
  void check_input_dim(const Tensor& input) const override;
};

class Dropout : public Module {
 public:
  explicit Dropout(Scalar p = 0.5, bool inplace = false);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  Scalar p;  // kept as given: PyTorch prints p=1 for an int
  bool inplace;
};

class Flatten : public Module {
 public:
  explicit Flatten(std::int64_t start_dim = 1, std::int64_t end_dim = -1) : start_dim(start_dim), end_dim(end_dim) {}
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  std::int64_t start_dim, end_dim;
};

class Identity : public Module {
 public:
  Tensor forward(const Tensor& input) override { return input; }
};

// input.flatten(start_dim, end_dim) (torch.flatten): a view when the dims are contiguous.
Tensor flatten(const Tensor& input, std::int64_t start_dim = 0, std::int64_t end_dim = -1);

}  // namespace ramp::nn
