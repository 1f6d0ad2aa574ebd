// User-defined functions' node and graph wiring (1.13's custom_function.cpp / python_function.cpp).
#include "ramp/custom_function.h"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>

#include "function.h"

namespace ramp::autograd {

namespace {
bool contains(const std::vector<const TensorImpl*>& v, const TensorImpl* p) {
  return std::find(v.begin(), v.end(), p) != v.end();
}
bool same_sizes(IntArrayRef a, IntArrayRef b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }
// `from` broadcasts to `to` (torch's is_expandable_to).
bool expandable(IntArrayRef from, IntArrayRef to) {
  if (from.size() > to.size()) return false;
  for (std::size_t i = 1; i <= from.size(); ++i) {
    const std::int64_t a = from[from.size() - i], b = to[to.size() - i];
    if (a != b && a != 1) return false;
  }
  return true;
}
}  // namespace

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!is_grad_enabled()) return false;
  return std::any_of(inputs.begin(), inputs.end(), [](const Tensor& t) { return requires_grad(t); });
}

void CustomNode::check_count(std::size_t got, bool extra_undefined) const {
  const std::size_t expected = is_tensor_input.size();
  RAMP_CHECK(got == expected || (got > expected && extra_undefined), "function ", node_name,
             " returned an incorrect number of gradients (expected ", expected, ", got ", got, ")");
}

void CustomNode::non_tensor_gradient(std::size_t i) const {
  throw Error(ramp::detail::cat("function ", node_name, " returned a gradient different than None at position ",
                                i + 1, ", but the corresponding forward input was not a Variable"));
}

Grads CustomNode::apply(const Tensor& grad) {
  std::vector<Tensor> grads{grad};
  return apply_outputs(grads);
}

Grads CustomNode::apply_outputs(std::vector<Tensor>& incoming) {
  // Materialized in a copy: post hooks see the gradients that came (None where none did), as 1.13.
  std::vector<Tensor> grads = incoming;
  for (std::size_t i = 0; i < outputs.size() && i < grads.size(); ++i)
    if (!grads[i].defined() && materialize_grads && outputs[i].is_tensor)
      grads[i] = zeros(outputs[i].sizes, outputs[i].dtype);
  std::vector<Tensor> per_arg = call_backward(grads);
  Grads out;
  std::size_t edge = 0;
  for (std::size_t i = 0; i < is_tensor_input.size(); ++i) {
    if (!is_tensor_input[i]) {
      if (per_arg[i].defined()) non_tensor_gradient(i);
      continue;
    }
    Tensor g = std::move(per_arg[i]);
    if (g.defined() && next[edge].fn && !same_sizes(g.sizes(), input_sizes[edge])) {
      RAMP_CHECK(expandable(input_sizes[edge], g.sizes()), "Function ", node_name,
                 " returned an invalid gradient at index ", edge, " - got ", shape_str(g.sizes()),
                 " but expected shape compatible with ", shape_str(input_sizes[edge]));
      g = sum_to(g, input_sizes[edge]);
    }
    out.push_back(next[edge].fn ? std::move(g) : Tensor());
    ++edge;
  }
  return out;
}

void wrap_outputs(const std::shared_ptr<CustomNode>& node, const std::vector<Tensor>& inputs,
                  std::vector<Tensor>& outputs, const ForwardInfo& info, bool executable) {
  auto is_input = [&](const Tensor& t) {
    return std::any_of(inputs.begin(), inputs.end(), [&](const Tensor& in) { return in.is_same(t); });
  };
  for (const TensorImpl* d : info.dirty)
    RAMP_CHECK(std::any_of(outputs.begin(), outputs.end(), [&](const Tensor& t) { return t.defined() && &t.impl() == d; }),
               "Some elements marked as dirty during the forward method were not returned as output. The inputs "
               "that are modified inplace must all be outputs of the Function.");
  if (executable) {
    node->is_tensor_input.clear();
    for (const Tensor& t : inputs) {
      node->is_tensor_input.push_back(t.defined());
      if (!t.defined()) continue;
      node->next.push_back(input_edge(t));
      node->input_sizes.emplace_back(t.sizes());
    }
    node->num_outputs = std::uint32_t(std::max<std::size_t>(outputs.size(), 1));
    node->more_pre_hooks.resize(node->num_outputs - 1);
    node->materialize_grads = info.materialize_grads;
  }
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    Tensor& var = outputs[i];
    if (!var.defined()) {
      if (executable) node->outputs.push_back({});
      continue;
    }
    const bool input = is_input(var), dirty = contains(info.dirty, &var.impl());
    if (executable) node->outputs.push_back({true, Dims(var.sizes()), var.dtype()});
    const bool differentiable = executable && !contains(info.non_differentiable, &var.impl()) && is_floating(var.dtype());
    if (!differentiable) {
      // 1.13: a returned input becomes an alias; a non-differentiable output that requires grad is
      // cut from its graph (an input's alias, so the input keeps its own flag).
      if (!var.requires_grad()) {
        if (input && !dirty) var = var.alias();
      } else if (input) {
        var = var.detach();
      } else {
        var.detach_();
      }
      continue;
    }
    if (dirty) {
      RAMP_CHECK(!(var.is_leaf() && var.requires_grad()),
                 "a leaf Variable that requires grad has been used in an in-place operation.");
    } else if (input) {
      var = var.alias();  // an input returned unmodified gets a new grad_fn on an alias of it
    }
    auto& meta = var.impl().autograd;
    if (!meta) meta = std::make_shared<AutogradMeta>();
    meta->requires_grad = true;
    meta->grad_fn = node;
    meta->output_nr = std::uint32_t(i);
    if (dirty && meta->base) rebase_view(var, node);  // as an in-place op through a view: CopySlices
  }
  if (!executable) return;
  for (const Tensor& t : info.to_save) {
    const bool output =
        t.defined() && std::any_of(outputs.begin(), outputs.end(), [&](const Tensor& o) { return o.is_same(t); });
    node->saved.emplace_back(t, output);
  }
}

// ---- the C++ front end ----
void AutogradContext::mark_dirty(const std::vector<Tensor>& inputs) {
  info_.dirty.clear();
  for (const Tensor& t : inputs) info_.dirty.push_back(&t.impl());
}

void AutogradContext::mark_non_differentiable(const std::vector<Tensor>& outputs) {
  info_.non_differentiable.clear();
  for (const Tensor& t : outputs) info_.non_differentiable.push_back(&t.impl());
}

std::vector<Tensor> AutogradContext::get_saved_variables() const {
  auto node = node_.lock();
  if (!node || node->next.empty()) return saved_plain_;
  std::vector<Tensor> out;
  for (std::size_t i = 0; i < node->saved.size(); ++i) out.push_back(node->unpack(i));
  return out;
}

bool AutogradContext::needs_input_grad(std::size_t index) const {
  return index < needs_input_grad_.size() && needs_input_grad_[index];
}

namespace detail {
std::string class_name(const std::type_info& t) {
  int status = 0;
  char* d = abi::__cxa_demangle(t.name(), nullptr, nullptr, &status);
  std::string name = status == 0 && d ? d : t.name();
  std::free(d);
  return name;
}

void run_cpp_function(const std::shared_ptr<CustomNode>& node, AutogradContext& ctx, const std::vector<Tensor>& args,
                      std::vector<Tensor>& outputs, bool executable) {
  wrap_outputs(node, args, outputs, ctx.info_, executable);
  if (!executable) ctx.saved_plain_ = ctx.info_.to_save;
  ctx.info_.to_save.clear();  // the node holds them now (version-checked)
}
}  // namespace detail

}  // namespace ramp::autograd
