// nn::Module: registration, traversal, modes, hooks, state_dict and repr (PyTorch 1.13's
// torch/nn/modules/module.py is the specification).
#include "ramp/nn/module.h"

#include <cxxabi.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <typeinfo>

#include "ramp/autograd.h"
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

// Rewrites t's data in place (dtype, storage, layout), keeping its autograd identity: PyTorch's
// `param.data = param.data.to(dtype)`.
void set_data(Tensor& t, const Tensor& data) {
  TensorImpl& dst = t.impl();
  const TensorImpl& src = data.impl();
  dst.storage = src.storage;
  dst.sizes = src.sizes;
  dst.strides = src.strides;
  dst.offset = src.offset;
  dst.numel = src.numel;
  dst.dtype = src.dtype;
  dst.contiguous = src.contiguous;
}

void check_name(const std::string& name, const char* what) {
  RAMP_CHECK_T(TypeError, !name.empty(), what, " name can't be empty string \"\"");
  RAMP_CHECK_T(TypeError, name.find('.') == std::string::npos, what, " name can't contain \".\", got: ", name);
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
  if (pre_hooks_.empty() && hooks_.empty()) return forward(input);
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
  // "ramp::nn::Sequential" -> "Sequential"; templates keep their arguments out of the way.
  std::string base = full.substr(0, full.find('<'));
  auto colon = base.rfind("::");
  return colon == std::string::npos ? base : base.substr(colon + 2);
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
  for (const auto& [key, child] : children_) {
    if (child) lines.push_back("(" + key + "): " + add_indent(child->repr(), 2));
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
  RAMP_CHECK(!find_child(name) && !find_buffer(name), "attribute '", name, "' already exists");
  if (t.defined() && t.requires_grad() != requires_grad) t.requires_grad_(requires_grad);
  if (Tensor* p = find_parameter(name)) return *p = std::move(t);
  params_.push_back({name, std::make_unique<Tensor>(std::move(t)), true});
  return *params_.back().tensor;
}

Tensor& Module::register_buffer(const std::string& name, Tensor t, bool persistent) {
  check_name(name, "buffer");
  RAMP_CHECK(!find_child(name) && !find_parameter(name), "attribute '", name, "' already exists");
  if (Tensor* b = find_buffer(name)) return *b = std::move(t);
  buffers_.push_back({name, std::make_unique<Tensor>(std::move(t)), persistent});
  return *buffers_.back().tensor;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> m) {
  check_name(name, "module");
  RAMP_CHECK(!find_parameter(name) && !find_buffer(name), "attribute '", name, "' already exists");
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

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  std::set<const Module*> seen;
  for (const auto& [key, child] : children_) {
    if (child && seen.insert(child.get()).second) out.push_back(child);
  }
  return out;
}

// ---- state ----
Module& Module::train(bool on) {
  training_ = on;
  for (auto& [key, child] : children_) {
    if (child) child->train(on);
  }
  return *this;
}

void Module::zero_grad(bool set_to_none) {
  for (const Tensor& p : parameters()) {
    if (!p.grad().defined()) continue;
    if (set_to_none) {
      p.set_grad({});
    } else {
      Tensor g = p.grad();
      if (g.grad_fn()) p.set_grad(g = g.detach());  // PyTorch's grad.detach_() / requires_grad_(False)
      g.zero_();
    }
  }
}

Module& Module::to(ScalarType dtype) {
  RAMP_CHECK_T(TypeError, is_floating(dtype),
               "nn.Module.to only accepts floating point or complex dtypes, but got desired dtype=",
               std::string(dtype_name(dtype)));
  autograd::NoGradGuard no_grad;
  for (Module* m : modules()) {
    for (auto* list : {&m->params_, &m->buffers_}) {
      for (Slot& s : *list) {
        Tensor& t = *s.tensor;
        if (!t.defined() || !is_floating(t.dtype()) || t.dtype() == dtype) continue;
        set_data(t, t.to(dtype));
        if (t.grad().defined()) t.set_grad(t.grad().to(dtype));
      }
    }
  }
  return *this;
}

Module& Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& [key, child] : children_) {
    if (child) child->apply(fn);
  }
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

void Module::load_into(const NamedTensors& state, const std::string& prefix, std::vector<bool>& used,
                       std::vector<std::string>& missing, std::vector<std::string>& errors) {
  auto load = [&](const Slot& s) {
    if (!s.tensor->defined() || !s.persistent) return;
    std::string key = prefix + s.name;
    auto it = std::find_if(state.begin(), state.end(), [&](const auto& kv) { return kv.first == key; });
    if (it == state.end()) {
      missing.push_back(key);
      return;
    }
    used[std::size_t(it - state.begin())] = true;
    const Tensor& src = it->second;
    Tensor& dst = *s.tensor;
    if (!std::ranges::equal(src.sizes(), dst.sizes())) {
      errors.push_back("size mismatch for " + key + ": copying a param with shape " + size_repr(src.sizes()) +
                       " from checkpoint, the shape in current model is " + size_repr(dst.sizes()) + ".");
      return;
    }
    autograd::NoGradGuard no_grad;
    dst.copy_(src);
  };
  for (const Slot& s : params_) load(s);
  for (const Slot& s : buffers_) load(s);
  for (auto& [key, child] : children_) {
    if (child) child->load_into(state, prefix + key + ".", used, missing, errors);
  }
}

IncompatibleKeys Module::load_state_dict(const NamedTensors& state, bool strict) {
  std::vector<bool> used(state.size(), false);
  IncompatibleKeys keys;
  std::vector<std::string> errors;
  load_into(state, "", used, keys.missing_keys, errors);
  for (std::size_t i = 0; i < state.size(); ++i) {
    if (!used[i]) keys.unexpected_keys.push_back(state[i].first);
  }
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
