// Sequential and ModuleList (torch/nn/modules/container.py, 1.13).
#include "ramp/nn/container.h"

#include <algorithm>

#include "ramp/error.h"

namespace ramp::nn {

ModuleSequence::ModuleSequence(std::vector<ModulePtr> modules) {
  for (auto& m : modules) push_back(std::move(m));
}

ModulePtr ModuleSequence::operator[](std::int64_t i) const {
  auto n = std::int64_t(size());
  RAMP_CHECK_T(IndexError, i >= -n && i < n, "index ", i, " is out of range");
  return child_slots()[std::size_t(i < 0 ? i + n : i)].second;
}

void ModuleSequence::push_back(ModulePtr m) { add_child(std::to_string(size()), std::move(m)); }

Sequential::Sequential(const std::vector<std::pair<std::string, ModulePtr>>& named) {
  for (const auto& [key, m] : named) add_child(key, m);
}

Tensor Sequential::forward(const Tensor& input) {
  Tensor x = input;
  for (const auto& [key, m] : child_slots()) {
    // 1.13 fails here calling None ("'NoneType' object is not callable").
    RAMP_CHECK_T(TypeError, m != nullptr, "Sequential: module (", key, ") is None and cannot be called");
    x = (*m)(x);
  }
  return x;
}

void ModuleList::insert(std::int64_t i, ModulePtr m) {
  auto n = std::int64_t(size());
  i = i < 0 ? std::max<std::int64_t>(i + n, 0) : std::min(i, n);  // list.insert's clamping
  std::vector<ModulePtr> all;
  for (const auto& [key, child] : child_slots()) all.push_back(child);
  all.insert(all.begin() + i, std::move(m));
  for (std::size_t k = 0; k < all.size(); ++k) add_child(std::to_string(k), all[k]);
}

}  // namespace ramp::nn
