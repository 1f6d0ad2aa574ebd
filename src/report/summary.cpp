// summary(): a real forward pass watched through forward hooks (see include/ramp/summary.h).
#include "ramp/summary.h"

#include <algorithm>
#include <map>

#include "ramp/allocator.h"
#include "ramp/autograd.h"
#include "ramp/random.h"

namespace ramp::diagnostics {

namespace {

std::int64_t numel_of(const std::vector<std::int64_t>& shape) {
  std::int64_t n = 1;
  for (auto s : shape) n *= s;
  return n;
}

// Puts the model back as it was: each module's mode, the buffers (BatchNorm's running
// statistics move in a training forward) and the default generator (dropout draws from it).
class Restore {
 public:
  explicit Restore(nn::Module& model) : model_(model), rng_(default_generator().get_state()) {
    for (auto* m : model.modules()) modes_.push_back(m->is_training());
    for (auto& b : model.buffers()) buffers_.push_back({b, b.clone()});
  }
  ~Restore() {
    auto modules = model_.modules();
    // Pre-order: a parent's train() sets its subtree, its descendants then set their own.
    for (std::size_t i = 0; i < modules.size() && i < modes_.size(); ++i) modules[i]->train(modes_[i]);
    autograd::NoGradGuard no_grad;
    for (auto& [live, saved] : buffers_) live.copy_(saved);
    default_generator().set_state(rng_);
  }
  Restore(const Restore&) = delete;
  Restore& operator=(const Restore&) = delete;

 private:
  nn::Module& model_;
  Tensor rng_;
  std::vector<bool> modes_;
  std::vector<std::pair<Tensor, Tensor>> buffers_;
};

// The hooks on every module, removed on the way out (an exception in forward included).
class Hooks {
 public:
  explicit Hooks(nn::Module& model) {
    for (auto& [name, m] : model.named_modules()) modules_.push_back(m);
  }
  void add(nn::Module* m, int pre, int post) { ids_.push_back({m, {pre, post}}); }
  const std::vector<nn::Module*>& modules() const { return modules_; }
  ~Hooks() {
    for (auto& [m, ids] : ids_) m->remove_hook(ids.first), m->remove_hook(ids.second);
  }
  Hooks(const Hooks&) = delete;
  Hooks& operator=(const Hooks&) = delete;

 private:
  std::vector<nn::Module*> modules_;
  std::vector<std::pair<nn::Module*, std::pair<int, int>>> ids_;
};

}  // namespace

std::int64_t mult_adds(std::string_view type, const Tensor& weight, const std::vector<std::int64_t>& output_shape) {
  const bool product = type == "Linear" || type == "Bilinear" || type.starts_with("Conv");
  if (!product || !weight.defined() || weight.dim() < 2 || weight.size(0) == 0) return 0;
  return weight.numel() * (numel_of(output_shape) / weight.size(0));
}

Summary summary(nn::Module& model, const std::vector<std::int64_t>& input_size, ScalarType dtype) {
  return summary(model, ones(input_size, dtype));
}

Summary summary(nn::Module& model, const Tensor& input) {
  Summary s;
  std::map<const nn::Module*, std::pair<std::string, int>> where;  // path and depth
  for (auto& [path, m] : model.named_modules())
    where.emplace(m, std::pair{path, path.empty() ? 0 : int(std::count(path.begin(), path.end(), '.')) + 1});
  Restore restore(model);
  model.train(true);
  autograd::EnableGradGuard grad;
  std::vector<std::pair<std::size_t, std::int64_t>> open;  // row being called, bytes before it
  std::map<int, int> calls_at_depth;
  Hooks hooks(model);
  for (nn::Module* m : hooks.modules()) {
    const int pre = m->register_forward_pre_hook([&](nn::Module& self, const Tensor&) -> std::optional<Tensor> {
      const auto& [path, depth] = where.at(&self);
      LayerSummary row;
      row.type = self.name(), row.path = path, row.depth = depth, row.index = ++calls_at_depth[depth];
      for (auto& p : self.parameters(false)) {
        row.params += p.numel();
        if (p.requires_grad()) row.trainable += p.numel();
      }
      row.has_children = !self.children().empty();
      s.layers.push_back(row);
      open.push_back({s.layers.size() - 1, memory::stats().allocated});
      return std::nullopt;
    });
    const int post = m->register_forward_hook([&](nn::Module& self, const Tensor&, const Tensor& out) -> std::optional<Tensor> {
      auto [row, before] = open.back();
      open.pop_back();
      LayerSummary& l = s.layers[row];
      l.output_shape.assign(out.sizes().begin(), out.sizes().end());
      l.memory = memory::stats().allocated - before;
      if (Tensor* w = self.find_parameter("weight")) l.mult_adds = mult_adds(l.type, *w, l.output_shape);
      return std::nullopt;
    });
    hooks.add(m, pre, post);
  }
  const std::int64_t before = memory::stats().allocated;
  memory::reset_peak_stats();
  {
    Tensor out = model(input);
    s.forward_bytes = memory::stats().allocated - before;
  }
  s.peak_bytes = memory::stats().peak_allocated - before;
  for (const auto& l : s.layers) s.mult_adds += l.mult_adds;
  for (auto& p : model.parameters()) {
    s.total_params += p.numel();
    if (p.requires_grad()) s.trainable_params += p.numel();
    s.param_bytes += p.numel() * std::int64_t(p.element_size());
  }
  s.input_bytes = input.numel() * std::int64_t(input.element_size());
  return s;
}

}  // namespace ramp::diagnostics
