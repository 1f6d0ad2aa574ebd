// Sequential and ModuleList, PyTorch's containers: children named "0", "1", ... (or given names),
// printed one per line.
//
//   auto net = std::make_shared<nn::Sequential>(
//       std::make_shared<nn::Linear>(4, 4), std::make_shared<nn::ReLU>(), std::make_shared<nn::Linear>(4, 2));
//   nn::Sequential named({{"fc1", std::make_shared<nn::Linear>(4, 4)}, {"act", std::make_shared<nn::ReLU>()}});
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "ramp/nn/module.h"

namespace ramp::nn {

using ModulePtr = std::shared_ptr<Module>;

// What Sequential and ModuleList share: children appended in order, indexed from either end.
// Like Python's len / [] / iteration of 1.13's containers, these see every slot, null ones too.
class ModuleSequence : public Module {
 public:
  std::size_t size() const { return child_slots().size(); }
  bool empty() const { return size() == 0; }
  // Index i (negative counts from the end); IndexError "index 5 is out of range" otherwise.
  ModulePtr operator[](std::int64_t i) const;
  // Appends under the next free number ("3").
  void push_back(ModulePtr m);
  auto begin() const { return child_slots().begin(); }
  auto end() const { return child_slots().end(); }

 protected:
  ModuleSequence() = default;
  explicit ModuleSequence(std::vector<ModulePtr> modules);
};

class Sequential : public ModuleSequence {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<ModulePtr> modules) : ModuleSequence(modules) {}
  // The same from separate arguments, so that make_shared<Sequential>(a, b, c) works.
  template <class... M>
    requires(sizeof...(M) > 0 && (std::is_base_of_v<Module, M> && ...))
  explicit Sequential(std::shared_ptr<M>... modules) : ModuleSequence({ModulePtr(std::move(modules))...}) {}
  // Sequential(OrderedDict([...])): the children keep these names.
  explicit Sequential(const std::vector<std::pair<std::string, ModulePtr>>& named);
  // Each child's output is the next one's input (a null child raises).
  Tensor forward(const Tensor& input) override;
};

// Holds modules for a forward written by hand; has no forward of its own.
class ModuleList : public ModuleSequence {
 public:
  ModuleList() = default;
  ModuleList(std::initializer_list<ModulePtr> modules) : ModuleSequence(modules) {}
  template <class... M>
    requires(sizeof...(M) > 0 && (std::is_base_of_v<Module, M> && ...))
  explicit ModuleList(std::shared_ptr<M>... modules) : ModuleSequence({ModulePtr(std::move(modules))...}) {}
  // Inserts before index i, renumbering the children after it.
  void insert(std::int64_t i, ModulePtr m);
};

}  // namespace ramp::nn
