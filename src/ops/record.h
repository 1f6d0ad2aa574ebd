// What src/ops/{linalg,math,shape}.cpp add to the recording API of src/autograd/function.h:
// saving a tensor only when a backward formula will read it, and nodes with a list of inputs
// (cat, stack).
#pragma once

#include <vector>

#include "../autograd/function.h"

namespace ramp::autograd {

// Whether input i of the node being run gets a gradient (its edge leads somewhere).
inline bool wants(const Node& n, std::size_t i) { return i < n.next.size() && n.next[i].fn != nullptr; }

// Replaces the node's saved list: slot i holds `saves[i]` when its flag is set, else stays empty
// (unpack gives an undefined tensor). mm saves self only when mat2 needs grad, and so on.
struct SaveIf {
  bool keep;
  const Tensor& t;
  bool is_output = false;
};
inline void save_if(Node& n, std::initializer_list<SaveIf> saves) {
  n.saved.clear();
  for (const SaveIf& s : saves) n.saved.push_back(s.keep ? SavedTensor(s.t, s.is_output) : SavedTensor());
}

// Grad mode is on and one of `inputs` requires grad (needs_grad for a runtime list).
inline bool needs_grad_list(const std::vector<Tensor>& inputs) {
  if (!is_grad_enabled()) return false;
  for (const Tensor& t : inputs)
    if (requires_grad(t)) return true;
  return false;
}

// record() for a node whose inputs are a list: one edge per tensor, nothing saved.
template <class F>
std::shared_ptr<Node> record_list(Tensor& out, std::string_view name, const std::vector<Tensor>& inputs,
                                  F backward) {
  auto node = std::make_shared<FnNode<F>>(name, std::move(backward));
  attach(out, node, {}, {});
  node->next.reserve(inputs.size());
  for (const Tensor& t : inputs) node->next.push_back(input_edge(t));
  return node;
}

}  // namespace ramp::autograd
