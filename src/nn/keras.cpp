// keras::Sequential: Keras layer descriptions turned into nn modules (include/ramp/keras.h).
#include "ramp/keras.h"

#include <cstdio>

#include "ramp/error.h"
#include "ramp/nn/activation.h"
#include "ramp/nn/init.h"
#include "ramp/nn/layers.h"

namespace ramp::keras {
namespace {

// Python's "{:,}": 50890 -> "50,890", as Keras prints the totals.
std::string thousands(std::int64_t v) {
  std::string digits = std::to_string(v), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

nn::ModulePtr activation_module(const std::string& name) {
  if (name.empty() || name == "linear") return nullptr;
  std::string n = name == "swish" ? "silu" : name == "hard_sigmoid" ? "hardsigmoid" : name;
  nn::ModulePtr m;
  act::visit_by_name(n, [&](auto a) {
    using A = decltype(a);
    typename A::Params p{};
    if constexpr (A::kind == act::Kind::softmax) p.dim = -1;  // Keras: axis=-1
    m = std::make_shared<nn::Activation<A>>(p);
  });
  RAMP_CHECK_T(ValueError, m != nullptr, "Unknown activation function: '", name, "'");
  return m;
}

Sequential::Sequential(std::initializer_list<Layer> layers) {
  std::optional<std::int64_t> features;  // the width flowing out of the layers so far
  for (const Layer& layer : layers) {
    if (const auto* d = std::get_if<Dense>(&layer)) {
      RAMP_CHECK_T(ValueError, d->units > 0, "Dense: units must be positive, got ", d->units);
      std::optional<std::int64_t> in = d->input_dim ? d->input_dim : features;
      // Keras reads input_shape on the first layer only; a later one that disagrees is a mistake
      // that would otherwise surface as a matmul shape error at the first forward.
      RAMP_CHECK_T(ValueError, !features || !d->input_dim || *d->input_dim == *features, "Dense: input_dim=",
                   *d->input_dim, " does not match the ", *features, " features of the layer before it");
      RAMP_CHECK_T(ValueError, in.has_value(),
                   "Dense: the first layer needs its input size (input_dim, Keras's input_shape=(n,))");
      auto linear = std::make_shared<nn::Linear>(*in, d->units, d->use_bias);
      nn::init::xavier_uniform_(linear->weight);  // Keras's glorot_uniform
      if (d->use_bias) nn::init::zeros_(linear->bias);
      push_back(linear);
      if (auto act = activation_module(d->activation)) push_back(act);
      features = d->units;
    } else {
      auto act = activation_module(std::get<Activation>(layer).name);
      if (act) push_back(act);
    }
  }
}

std::string Sequential::summary() const {
  std::string out = "Model: \"sequential\"\n";
  std::string rule(65, '_'), thick(65, '=');
  char line[128];
  std::snprintf(line, sizeof line, "%-29s%-26s%s\n", " Layer (type)", "Output Shape", "Param #");
  out += rule + "\n" + line + thick + "\n";
  std::int64_t total = 0, trainable = 0;
  std::string width = "?";
  for (const auto& [key, m] : named_children()) {
    std::int64_t count = 0;
    for (const Tensor& p : m->parameters()) {
      count += p.numel();
      if (p.requires_grad()) trainable += p.numel();
    }
    total += count;
    if (auto* lin = dynamic_cast<const nn::Linear*>(m.get())) width = std::to_string(lin->out_features);
    std::string label = " " + key + " (" + m->name() + ")";
    std::snprintf(line, sizeof line, "%-29s%-26s%lld\n", label.c_str(), ("(None, " + width + ")").c_str(),
                  static_cast<long long>(count));
    out += line;
  }
  out += thick + "\nTotal params: " + thousands(total) + "\nTrainable params: " + thousands(trainable) +
         "\nNon-trainable params: " + thousands(total - trainable) + "\n" + rule + "\n";
  return out;
}

}  // namespace ramp::keras
