// More of 1.13's layers: LayerNorm, the channel-wise dropouts, Unflatten, ModuleDict.
//
//   nn::LayerNorm ln({4, 5});                LayerNorm((4, 5), eps=1e-05, elementwise_affine=True)
//   nn::Dropout2d drop(0.2);                 Dropout2d(p=0.2, inplace=False)
//   nn::Unflatten unflat(1, {2, -1});        Unflatten(dim=1, unflattened_size=(2, -1))
//   nn::ModuleDict heads({{"cls", std::make_shared<nn::Linear>(8, 2)}});
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "ramp/nn/layers.h"

namespace ramp::nn {

class LayerNorm : public Module {
 public:
  explicit LayerNorm(std::vector<std::int64_t> normalized_shape, double eps = 1e-5, bool elementwise_affine = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  void reset_parameters();  // weight 1, bias 0

  std::vector<std::int64_t> normalized_shape;
  double eps;
  bool elementwise_affine;
  Tensor& weight;  // normalized_shape, undefined without elementwise_affine
  Tensor& bias;
};

// Dropout1d ([N, C, L] or [C, L]), Dropout2d ([N, C, H, W]; other ranks as 1.13's F.dropout2d),
// Dropout3d ([N, C, D, H, W] or [C, D, H, W]): whole channels zeroed in training.
template <int D> class FeatureDropout : public Dropout {
 public:
  using Dropout::Dropout;
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "Dropout" + std::to_string(D) + "d"; }
};
using Dropout1d = FeatureDropout<1>;
using Dropout2d = FeatureDropout<2>;
using Dropout3d = FeatureDropout<3>;

// Splits dim into sizes (one may be -1), as a view (input.unflatten(dim, sizes)).
class Unflatten : public Module {
 public:
  Unflatten(std::int64_t dim, std::vector<std::int64_t> unflattened_size);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  std::int64_t dim;
  std::vector<std::int64_t> unflattened_size;
};

// Children under string keys in insertion order (no forward of its own).
class ModuleDict : public Module {
 public:
  ModuleDict() = default;
  explicit ModuleDict(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules);
  std::shared_ptr<Module> operator[](const std::string& key) const;  // KeyError-like ramp::IndexError if absent
  void insert(const std::string& key, std::shared_ptr<Module> module);  // replaces an existing key in place
  bool contains(const std::string& key) const { return has_child(key); }
  std::size_t size() const { return child_slots().size(); }
  std::vector<std::string> keys() const;
};

}  // namespace ramp::nn
