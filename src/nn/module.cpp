// nn::Module: registration, traversal, modes, hooks, state_dict and repr (PyTorch 1.13's
// torch/nn/modules/module.py is the specification).
#include "ramp/nn/module.h"

#include <cxxabi.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <set>
#include <typeinfo>
#include <unordered_map>

#include "ramp/autograd.h"
#include "ramp/custom_function.h"
#include "ramp/error.h"
#include "ramp/print.h"

namespace ramp::nn {
namespace {

std::atomic<int> next_hook_id{0};

std::string quoted_list(const std::vector<std::string>& keys) {
  std::string s;
  for (const auto& k : keys) s += (s.empty() ? "\"" : ", \"") + k + "\"";
  return s;
}

// 1.13's texts (it raises KeyError; ramp has no KeyError, so TypeError, as for a non-str name).
void check_name(const std::string& name, const char* what) {
  RAMP_CHECK_T(TypeError, name.find('.') == std::string::npos, what, " name can't contain \".\"",
               std::string_view(what) == "module" ? ", got: " + name : "");
  RAMP_CHECK_T(TypeError, !name.empty(), what, " name can't be empty string \"\"");
}

// The class as Python's __name__ would give it: the last component of the demangled name at
// nesting depth 0, without template arguments. Scopes may themselves hold "::" and "<"
// ("Outer<ramp::nn::Linear>::Inner", "f(std::vector<int>)::Local", "(anonymous namespace)::Net",
// "main::{lambda()#1}::operator()() const::Local"), so brackets are tracked.
std::string last_component(const std::string& full) {
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < full.size(); ++i) {
    char c = full[i];
    if (c == '<' || c == '(' || c == '{' || c == '[') ++depth;
    if (c == '>' || c == ')' || c == '}' || c == ']') --depth;
    if (depth == 0 && c == ':' && i + 1 < full.size() && full[i + 1] == ':') start = ++i + 1;
  }
  std::string last = full.substr(start);
  return last.substr(0, last.find('<'));
}

}  // namespace

std::string add_indent(const std::string& s, int spaces) {
  std::string out;
  std::string pad(std::size_t(spaces), ' ');
  for (char c : s) {
    out += c;
    if (c == '\n') out += pad;
  }
  return out;
}

Tensor Module::forward(const Tensor&) {
  throw Error("Module [" + name() + "] is missing the required \"forward\" function");
}

Tensor Module::operator()(const Tensor& input) {
  if (pre_hooks_.empty() && hooks_.empty() && backward_hooks_.empty()) return forward(input);
  if (!backward_hooks_.empty()) return call_with_backward_hooks(input);
  Tensor x = input;
  for (auto& [id, hook] : std::vector(pre_hooks_)) {
    if (auto r = hook(*this, x)) x = *r;
  }
  Tensor y = forward(x);
  for (auto& [id, hook] : std::vector(hooks_)) {
    if (auto r = hook(*this, x, y)) y = *r;
  }
  return y;
}

std::string Module::name() const {
  const char* mangled = typeid(*this).name();
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string full = status == 0 && demangled ? demangled : mangled;
  std::free(demangled);
  return last_component(full);  // "ramp::nn::Sequential" -> "Sequential"
}

std::string Module::repr() const {
  std::vector<std::string> lines;
  std::string extra = extra_repr();
  std::size_t extra_lines = 0;
  for (std::size_t start = 0; !extra.empty();) {
    auto nl = extra.find('\n', start);
    lines.push_back(extra.substr(start, nl == std::string::npos ? nl : nl - start));
    ++extra_lines;
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  for (const auto& [key, child] : children_) {  // a null child prints as Python's None
    lines.push_back("(" + key + "): " + (child ? add_indent(child->repr(), 2) : "None"));
  }
  std::string s = name() + "(";
  if (extra_lines == 1 && lines.size() == 1) {
    s += lines[0];
  } else if (!lines.empty()) {
    s += "\n";
    for (const auto& l : lines) s += "  " + l + "\n";
  }
  return s + ")";
}

// ---- registration ----
Tensor& Module::register_parameter(const std::string& name, Tensor t, bool requires_grad) {
  check_name(name, "parameter");
  RAMP_CHECK(!has_child(name) && !find_buffer(name), "attribute '", name, "' already exists");
  // A non-leaf would never receive a .grad: the optimizer would silently skip it.
  RAMP_CHECK_T(ValueError, !t.defined() || !t.grad_fn(), "Cannot assign non-leaf Tensor to parameter '", name,
               "'. Model parameters must be created explicitly. To express '", name,
               "' as a function of another Tensor, compute the value in the forward() method.");
  if (t.defined() && t.requires_grad() != requires_grad) t.requires_grad_(requires_grad);
  if (Tensor* p = find_parameter(name)) return *p = std::move(t);
  params_.push_back({name, std::make_unique<Tensor>(std::move(t)), true});
  return *params_.back().tensor;
}

Tensor& Module::register_buffer(const std::string& name, Tensor t, bool persistent) {
  check_name(name, "buffer");
  RAMP_CHECK(!has_child(name) && !find_parameter(name), "attribute '", name, "' already exists");
  for (Slot& s : buffers_) {
    if (s.name != name) continue;
    s.persistent = persistent;  // re-registering may change it, as 1.13's non-persistent set
    return *s.tensor = std::move(t);
  }
  buffers_.push_back({name, std::make_unique<Tensor>(std::move(t)), persistent});
  return *buffers_.back().tensor;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> m) {
  RAMP_CHECK(!find_parameter(name) && !find_buffer(name), "attribute '", name, "' already exists");
  check_name(name, "module");
  // 1.13 accepts a cycle and then recurses without end in repr/state_dict; in C++ that is a stack
  // overflow (and a shared_ptr cycle that never frees), so it is refused here.
  if (m) {
    for (Module* d : m->modules()) {
      RAMP_CHECK(d != this, "cannot register module '", name, "': it contains this ", this->name(),
                 ", which would make a cycle");
    }
  }
  for (auto& [key, child] : children_) {
    if (key == name) {
      child = std::move(m);
      return;
    }
  }
  children_.emplace_back(name, std::move(m));
}

Tensor* Module::find_parameter(const std::string& name) {
  for (auto& s : params_) {
    if (s.name == name) return s.tensor.get();
  }
  return nullptr;
}

Tensor* Module::find_buffer(const std::string& name) {
  for (auto& s : buffers_) {
    if (s.name == name) return s.tensor.get();
  }
  return nullptr;
}

std::shared_ptr<Module> Module::find_child(const std::string& name) const {
  for (const auto& [key, child] : children_) {
    if (key == name) return child;
  }
  return nullptr;
}

bool Module::has_child(const std::string& name) const {
  return std::ranges::any_of(children_, [&](const auto& kv) { return kv.first == name; });
}

// ---- traversal ----
std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> out;
  std::set<const Module*> seen;
  std::function<void(Module&, const std::string&)> walk = [&](Module& m, const std::string& prefix) {
    if (!seen.insert(&m).second) return;
    out.emplace_back(prefix, &m);
    for (auto& [key, child] : m.children_) {
      if (child) walk(*child, prefix.empty() ? key : prefix + "." + key);
    }
  };
  walk(*this, "");
  return out;
}

std::vector<Module*> Module::modules() {
  std::vector<Module*> out;
  for (auto& [key, m] : named_modules()) out.push_back(m);
  return out;
}

template <class F>
void Module::each_tensor(const std::vector<Slot> Module::*list, bool recurse, F&& f) const {
  auto* self = const_cast<Module*>(this);  // named_modules is non-const only because it hands out pointers
  std::vector<std::pair<std::string, Module*>> mods = recurse ? self->named_modules()
                                                              : std::vector<std::pair<std::string, Module*>>{{"", self}};
  std::set<const TensorImpl*> seen;  // a tensor shared by two modules is listed once
  for (auto& [prefix, m] : mods) {
    for (const Slot& s : m->*list) {
      if (!s.tensor->defined() || !seen.insert(&s.tensor->impl()).second) continue;
      f(prefix.empty() ? s.name : prefix + "." + s.name, *s.tensor);
    }
  }
}

NamedTensors Module::named_parameters(bool recurse) const {
  NamedTensors out;
  each_tensor(&Module::params_, recurse, [&](std::string n, const Tensor& t) { out.emplace_back(std::move(n), t); });
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  each_tensor(&Module::params_, recurse, [&](const std::string&, const Tensor& t) { out.push_back(t); });
  return out;
}

NamedTensors Module::named_buffers(bool recurse) const {
  NamedTensors out;
  each_tensor(&Module::buffers_, recurse, [&](std::string n, const Tensor& t) { out.emplace_back(std::move(n), t); });
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  each_tensor(&Module::buffers_, recurse, [&](const std::string&, const Tensor& t) { out.push_back(t); });
  return out;
}

std::vector<std::pair<std::string, std::shared_ptr<Module>>> Module::named_children() const {
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> out;
  std::set<const Module*> seen;
  for (const auto& [key, child] : children_) {
    if (child && seen.insert(child.get()).second) out.emplace_back(key, child);
  }
  return out;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (auto& [key, child] : named_children()) out.push_back(std::move(child));
  return out;
}

// ---- state ----
Module& Module::train(bool on) {
  training_ = on;
  for (const auto& child : children()) child->train(on);
  return *this;
}

void Module::zero_grad(bool set_to_none) {
  for (const Tensor& p : parameters()) autograd::zero_grad(p, set_to_none);
}

Module& Module::to(ScalarType dtype) {
  RAMP_CHECK_T(TypeError, is_floating(dtype),
               "nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=ramp.",
               dtype_name(dtype));
  autograd::NoGradGuard no_grad;
  auto convertible = [&](const Tensor& t) { return t.defined() && is_floating(t.dtype()) && t.dtype() != dtype; };
  for (Module* m : modules()) {
    for (Slot& s : m->params_) {
      Tensor& p = *s.tensor;
      if (!convertible(p)) continue;
      p.set_data(p.to(dtype));
      Tensor g = p.grad();
      if (convertible(g)) g.set_data(g.to(dtype));  // 1.13: param.grad.data = ...
    }
    for (Slot& s : m->buffers_) {
      if (convertible(*s.tensor)) *s.tensor = s.tensor->to(dtype);  // 1.13 replaces buffers
    }
  }
  return *this;
}

Module& Module::apply(const std::function<void(Module&)>& fn) {
  for (const auto& child : children()) child->apply(fn);  // a child registered twice: once
  fn(*this);
  return *this;
}

// ---- hooks ----
int Module::register_forward_pre_hook(ForwardPreHook hook) {
  int id = next_hook_id++;
  pre_hooks_.emplace_back(id, std::move(hook));
  return id;
}

int Module::register_forward_hook(ForwardHook hook) {
  int id = next_hook_id++;
  hooks_.emplace_back(id, std::move(hook));
  return id;
}

void Module::remove_hook(int id) {
  std::erase_if(pre_hooks_, [&](const auto& h) { return h.first == id; });
  std::erase_if(hooks_, [&](const auto& h) { return h.first == id; });
  std::erase_if(backward_hooks_, [&](const auto& h) { return h.first == id; });
}

int Module::register_full_backward_hook(BackwardHook hook) {
  int id = next_hook_id++;
  backward_hooks_.emplace_back(id, std::move(hook));
  return id;
}

namespace {
// 1.13's BackwardHookFunction: the identity, whose node sees the gradients passing through it.
struct BackwardHookFunction : autograd::Function<BackwardHookFunction> {
  static Tensor forward(autograd::AutogradContext* ctx, const Tensor& x) {
    if (!x.requires_grad()) ctx->mark_non_differentiable({x});
    return x;
  }
  static std::vector<Tensor> backward(autograd::AutogradContext*, std::vector<Tensor> g) { return g; }
};
constexpr std::string_view kBackwardHookNode = "BackwardHookFunctionBackward";
}  // namespace

// 1.13's BackwardHook: the output's node records grad_output; the input's node then calls the hooks
// with both (or the output's node calls them itself when the input needs no gradient).
Tensor Module::call_with_backward_hooks(const Tensor& input) {
  struct State {
    Tensor grad_output;
    bool seen = false;
  };
  Tensor x = input;
  for (auto& [id, hook] : std::vector(pre_hooks_)) {
    if (auto r = hook(*this, x)) x = *r;
  }
  const bool on = autograd::is_grad_enabled();
  auto st = std::make_shared<State>();
  auto self = alive_.self;
  *self = this;
  auto run = [self, hooks = backward_hooks_](Tensor grad_input, const Tensor& grad_output) {
    RAMP_CHECK(*self, "You are trying to call the hook of a dead Module!");
    for (const auto& [id, h] : hooks)
      if (auto r = h(**self, grad_input, grad_output)) grad_input = *r;
    return grad_input;
  };
  const bool input_hooked = on && x.requires_grad();
  if (input_hooked) {
    x = BackwardHookFunction::apply(x);
    auto& node = static_cast<autograd::CustomNode&>(*x.grad_fn());
    node.node_name = kBackwardHookNode;
    node.post_hooks.emplace_back(-1, [st, run](autograd::Grads& gi, const std::vector<Tensor>&) {
      if (!st->seen) return;  // reached the input without passing through the output
      gi[0] = run(gi[0], st->grad_output);
      st->seen = false;
      st->grad_output = Tensor();
    });
  }
  Tensor y = forward(x);
  for (auto& [id, hook] : std::vector(hooks_)) {
    if (auto r = hook(*this, x, y)) y = *r;
  }
  if (on && y.requires_grad()) {
    y = BackwardHookFunction::apply(y);
    auto& node = static_cast<autograd::CustomNode&>(*y.grad_fn());
    node.node_name = kBackwardHookNode;
    node.post_hooks.emplace_back(-1, [st, run, input_hooked](autograd::Grads&, const std::vector<Tensor>& go) {
      st->grad_output = go[0];
      st->seen = true;
      if (input_hooked) return;
      RAMP_CHECK(!run(Tensor(), go[0]).defined(), "Backward hook for Modules where no input requires gradient "
                 "should always return None or None for all gradients.");
      st->seen = false;
    });
  }
  return y;
}

// ---- state_dict ----
void Module::state_dict_into(NamedTensors& out, const std::string& prefix) const {
  for (const Slot& s : params_) {
    if (s.tensor->defined()) out.emplace_back(prefix + s.name, s.tensor->detach());
  }
  for (const Slot& s : buffers_) {
    if (s.tensor->defined() && s.persistent) out.emplace_back(prefix + s.name, s.tensor->detach());
  }
  for (const auto& [key, child] : children_) {
    if (child) child->state_dict_into(out, prefix + key + ".");
  }
}

NamedTensors Module::state_dict() const {
  NamedTensors out;
  state_dict_into(out, "");
  return out;
}

std::optional<Tensor> Module::default_for_missing(const std::string&) const { return std::nullopt; }

struct Module::LoadState {
  const NamedTensors& state;
  IncompatibleKeys keys;
  std::vector<std::string> errors;
};

// 1.13's Module._load_from_state_dict, then the children with the keys under their prefix.
// `keys` are the indices into st.state of the keys that start with `prefix`.
void Module::load_into(LoadState& st, const std::vector<std::size_t>& keys, const std::string& prefix) {
  std::vector<const Slot*> local;  // the parameters and persistent buffers that are not None
  for (const Slot& s : params_) {
    if (s.tensor->defined()) local.push_back(&s);
  }
  for (const Slot& s : buffers_) {
    if (s.tensor->defined() && s.persistent) local.push_back(&s);
  }
  for (const Slot* s : local) {
    std::string key = prefix + s->name;
    auto it = std::ranges::find_if(keys, [&](std::size_t k) { return st.state[k].first == key; });
    std::optional<Tensor> fallback;
    if (it == keys.end()) {
      fallback = default_for_missing(s->name);
      if (!fallback) {
        st.keys.missing_keys.push_back(key);
        continue;
      }
    }
    Tensor src = fallback ? *fallback : st.state[*it].second;
    Tensor& dst = *s->tensor;
    if (!src.defined()) {
      st.errors.push_back("While copying the parameter named \"" + key +
                          "\", expected ramp.Tensor or Tensor-like object from checkpoint but received an "
                          "undefined tensor");
      continue;
    }
    if (dst.dim() == 0 && src.dim() == 1) src = src[0];  // 1.13: checkpoints of 0.3 stored scalars as [1]
    if (!std::ranges::equal(src.sizes(), dst.sizes())) {
      st.errors.push_back("size mismatch for " + key + ": copying a param with shape " + size_repr(src.sizes()) +
                          " from checkpoint, the shape in current model is " + size_repr(dst.sizes()) + ".");
      continue;
    }
    try {
      autograd::NoGradGuard no_grad;
      dst.copy_(src);
    } catch (const Error& e) {
      st.errors.push_back("While copying the parameter named \"" + key + "\", whose dimensions in the model are " +
                          size_repr(dst.sizes()) + " and whose dimensions in the checkpoint are " +
                          size_repr(src.sizes()) + ", an exception occurred : ('" + e.what() + "',).");
    }
  }
  // Unexpected: the first name after the prefix is neither a child nor one of `local`. A key
  // under a child's prefix is left to that child, and one under a parameter's name
  // ("weight.x") is ignored, as 1.13 ignores it.
  for (std::size_t k : keys) {
    const std::string& key = st.state[k].first;
    std::string first = key.substr(prefix.size(), key.find('.', prefix.size()) - prefix.size());
    bool known = has_child(first) || std::ranges::any_of(local, [&](const Slot* s) { return s->name == first; });
    if (!known) st.keys.unexpected_keys.push_back(key);
  }
  for (const auto& [name, child] : children_) {
    if (!child) continue;
    std::string child_prefix = prefix + name + ".";
    std::vector<std::size_t> under;
    for (std::size_t k : keys) {
      if (st.state[k].first.starts_with(child_prefix)) under.push_back(k);
    }
    child->load_into(st, under, child_prefix);
  }
}

IncompatibleKeys Module::load_state_dict(const NamedTensors& state, bool strict) {
  std::unordered_map<std::string_view, std::size_t> seen;
  for (std::size_t i = 0; i < state.size(); ++i) {
    RAMP_CHECK(seen.emplace(state[i].first, i).second, "Error(s) in loading state_dict for ", name(),
               ": the key \"", state[i].first, "\" appears twice");
  }
  LoadState st{state, {}, {}};
  std::vector<std::size_t> all(state.size());
  for (std::size_t i = 0; i < all.size(); ++i) all[i] = i;
  load_into(st, all, "");
  std::vector<std::string>& errors = st.errors;
  const IncompatibleKeys& keys = st.keys;
  if (strict) {
    if (!keys.unexpected_keys.empty())
      errors.insert(errors.begin(), "Unexpected key(s) in state_dict: " + quoted_list(keys.unexpected_keys) + ". ");
    if (!keys.missing_keys.empty())
      errors.insert(errors.begin(), "Missing key(s) in state_dict: " + quoted_list(keys.missing_keys) + ". ");
  }
  if (!errors.empty()) {
    std::string msg = "Error(s) in loading state_dict for " + name() + ":";
    for (const auto& e : errors) msg += "\n\t" + e;
    throw Error(msg);
  }
  return keys;
}

}  // namespace ramp::nn
