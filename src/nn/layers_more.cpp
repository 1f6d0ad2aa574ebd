// LayerNorm, Dropout1d/2d/3d, Unflatten and ModuleDict (include/ramp/nn/layers_more.h).
#include "ramp/nn/layers_more.h"

#include "ramp/autograd.h"
#include "ramp/nn/functional.h"
#include "ramp/print.h"

namespace ramp::nn {

namespace {
std::string py_bool(bool b) { return b ? "True" : "False"; }
// Python's tuple repr: "(3,)", "(3, 4)".
std::string tuple_repr(const std::vector<std::int64_t>& v) {
  std::string s = "(";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + (v.size() == 1 ? ",)" : ")");
}
}  // namespace

LayerNorm::LayerNorm(std::vector<std::int64_t> shape, double e, bool affine)
    : normalized_shape(std::move(shape)),
      eps(e),
      elementwise_affine(affine),
      weight(register_parameter("weight", affine ? ramp::empty(normalized_shape) : Tensor())),
      bias(register_parameter("bias", affine ? ramp::empty(normalized_shape) : Tensor())) {
  reset_parameters();
}

void LayerNorm::reset_parameters() {
  if (!elementwise_affine) return;
  autograd::NoGradGuard no_grad;
  weight.fill_(1);
  bias.fill_(0);
}

Tensor LayerNorm::forward(const Tensor& input) { return layer_norm(input, normalized_shape, weight, bias, eps); }

std::string LayerNorm::extra_repr() const {
  return tuple_repr(normalized_shape) + ", eps=" + Scalar(eps).repr() + ", elementwise_affine=" +
         py_bool(elementwise_affine);
}

template <int D> Tensor FeatureDropout<D>::forward(const Tensor& input) {
  const double prob = p.to_double();
  // As 1.13's F.dropout1d/2d/3d (python/ramp/nn/functional.py): 1D takes [C, L] unbatched; 3D takes
  // every rank but 5 as unbatched (4 without its warning); 2D reads a 3-D input as [N, C, L].
  const bool unbatched = D == 1 ? input.dim() == 2 : D == 3 && input.dim() != 5;
  if constexpr (D == 1)
    RAMP_CHECK(input.dim() == 2 || input.dim() == 3, "dropout1d: Expected 2D or 3D input, but received a ",
               input.dim(), "D input. Note that dropout1d exists to provide channel-wise dropout on inputs with 1 "
               "spatial dimension, a channel dimension, and an optional batch dimension (i.e. 2D or 3D inputs).");
  if (!unbatched) return feature_dropout(input, prob, is_training(), inplace);
  if (inplace) {  // through a batched view of input (1.13 unsqueezes input itself in place)
    feature_dropout(input.unsqueeze(0), prob, is_training(), true);
    return input;
  }
  return feature_dropout(input.unsqueeze(0), prob, is_training(), false).squeeze(0);
}
template class FeatureDropout<1>;
template class FeatureDropout<2>;
template class FeatureDropout<3>;

Unflatten::Unflatten(std::int64_t d, std::vector<std::int64_t> sizes) : dim(d), unflattened_size(std::move(sizes)) {}

Tensor Unflatten::forward(const Tensor& input) {
  const std::int64_t d = wrap_dim(dim, input.dim());
  RAMP_CHECK(!unflattened_size.empty(), "unflatten: sizes must be non-empty");
  std::int64_t known = 1, infer = -1;
  std::vector<std::int64_t> sizes = unflattened_size;
  for (std::size_t i = 0; i < sizes.size(); ++i) {
    if (sizes[i] != -1) {
      known *= sizes[i];
      continue;
    }
    RAMP_CHECK(infer < 0, "unflatten got an unexpected error:\nonly one dimension can be inferred");
    infer = std::int64_t(i);
  }
  const std::int64_t n = input.size(d);
  const bool fits = infer >= 0 ? known != 0 && n % known == 0 : known == n;
  RAMP_CHECK(fits, "unflatten: Provided sizes ", shape_str(unflattened_size), " don't multiply up to the size of dim ",
             d, " (", n, ") in the input tensor");
  if (infer >= 0) sizes[std::size_t(infer)] = n / known;
  std::vector<std::int64_t> shape(input.sizes().begin(), input.sizes().begin() + d);
  shape.insert(shape.end(), sizes.begin(), sizes.end());
  shape.insert(shape.end(), input.sizes().begin() + d + 1, input.sizes().end());
  return input.view(shape);
}

std::string Unflatten::extra_repr() const {
  return "dim=" + std::to_string(dim) + ", unflattened_size=" + tuple_repr(unflattened_size);
}

ModuleDict::ModuleDict(const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& modules) {
  for (const auto& [k, m] : modules) insert(k, m);
}

std::shared_ptr<Module> ModuleDict::operator[](const std::string& key) const {
  RAMP_CHECK_T(IndexError, has_child(key), "ModuleDict: no module named '", key, "'");
  return find_child(key);
}

void ModuleDict::insert(const std::string& key, std::shared_ptr<Module> module) { add_child(key, std::move(module)); }

std::vector<std::string> ModuleDict::keys() const {
  std::vector<std::string> out;
  for (const auto& [k, m] : child_slots()) out.push_back(k);
  return out;
}

}  // namespace ramp::nn
