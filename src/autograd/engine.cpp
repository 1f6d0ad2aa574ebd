// Nodes, saved tensors, and the pass that runs a graph backward.
#include <algorithm>
#include <atomic>
#include <limits>
#include <mutex>

#include "function.h"
#include "../tensor/loop.h"

namespace ramp::autograd {

namespace detail {
thread_local bool grad_mode = true;
}
bool is_grad_enabled() { return detail::grad_mode; }
void set_grad_enabled(bool on) { detail::grad_mode = on; }

namespace {
std::atomic<bool> mask_backward{true};
}
void set_mask_backward(bool on) { mask_backward.store(on, std::memory_order_relaxed); }
bool mask_backward_enabled() { return mask_backward.load(std::memory_order_relaxed); }

namespace {
// Creation order, per thread as in PyTorch (it only orders the nodes of one graph).
thread_local std::uint64_t next_sequence_nr = 0;

constexpr std::string_view kFreedGraph =
    "Trying to backward through the graph a second time (or directly access saved tensors after they have "
    "already been freed). Saved intermediate values of the graph are freed when you call .backward() or "
    "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a second time or if "
    "you need to access saved tensors after calling backward.";

// A view of t's data with no autograd data of its own.
Tensor detached(const Tensor& t) {
  return Tensor(std::make_shared<TensorImpl>(t.storage(), t.sizes(), t.strides(), t.storage_offset(), t.dtype()));
}
}  // namespace

std::string legacy_type_name(ScalarType t) {
  switch (t) {
    case ScalarType::Bool: return "torch.BoolTensor";
    case ScalarType::UInt8: return "torch.ByteTensor";
    case ScalarType::Int8: return "torch.CharTensor";
    case ScalarType::Int32: return "torch.IntTensor";
    case ScalarType::Int64: return "torch.LongTensor";
    case ScalarType::BFloat16: return "torch.BFloat16Tensor";
    case ScalarType::Float32: return "torch.FloatTensor";
    case ScalarType::Float64: return "torch.DoubleTensor";
  }
  return "torch.Tensor";
}

// ---- saved tensors ----
void check_saved_alive(const Node& node) { RAMP_CHECK(!node.released, kFreedGraph); }

SavedTensor::SavedTensor(const Tensor& t, bool is_output, std::int64_t version) : is_output_(is_output) {
  if (!t.defined()) return;  // a slot the backward will not read
  data_ = is_output ? detached(t) : t;
  version_ = version >= 0 ? std::uint32_t(version) : t.version();
}

void SavedTensor::remember_input_identity(const Tensor& t) {
  // An input the op wrote in place, saved detached like an output: its identity is the grad_fn it
  // had before the write (the owner holds that node through its edge already, so no cycle).
  identity_from_input_ = true;
  if (requires_grad(t)) {
    identity_ = gradient_edge(t);
    identity_nr_ = t.impl().autograd->output_nr;
  }
}

bool SavedTensor::requires_grad_when_unpacked() const {
  if (!data_.defined()) return false;
  if (is_output_) return identity_from_input_ ? identity_ != nullptr : true;
  return requires_grad(data_);
}

Tensor SavedTensor::unpack(const Node& owner) const {
  check_saved_alive(owner);
  if (!data_.defined()) return data_;
  const std::uint32_t now = data_.version();
  if (now != version_) {
    // PyTorch names the node that produced the tensor as it is now (an input's current grad_fn).
    const auto fn = is_output_ ? nullptr : data_.grad_fn();
    std::string_view producer = is_output_ ? owner.name() : fn ? fn->name() : std::string_view();
    throw Error(ramp::detail::cat(
        "one of the variables needed for gradient computation has been modified by an inplace operation: [",
        legacy_type_name(data_.dtype()), " ", shape_str(data_.sizes()), "]",
        producer.empty() ? "" : ramp::detail::cat(", which is output 0 of ", producer, ","), " is at version ", now,
        "; expected version ", version_,
        " instead. Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
        "with torch.autograd.set_detect_anomaly(True)."));
  }
  if (!is_output_ || !detail::grad_mode) return data_;
  // A create_graph pass: the output again as a tensor of the graph (a fresh alias, so the detached
  // copy kept here never holds the node that holds it).
  std::shared_ptr<Node> fn = identity_from_input_ ? identity_ : const_cast<Node&>(owner).shared_from_this();
  if (!fn) return data_;
  Tensor t = detached(data_);
  auto meta = std::make_shared<AutogradMeta>();
  meta->requires_grad = true;
  meta->grad_fn = std::move(fn);
  meta->output_nr = identity_from_input_ ? identity_nr_ : 0;
  t.impl().autograd = std::move(meta);
  return t;
}

Node::Node() : sequence_nr(next_sequence_nr++) {}
void Node::release_saved() {
  released = true;
  for (auto& s : saved) s.reset();
}

// ---- recording ----
void make_accumulator(const Tensor& leaf) {
  // Forward passes on several threads may share a parameter: made once, under a lock.
  static std::mutex creating;
  std::lock_guard<std::mutex> lock(creating);
  AutogradMeta& m = *leaf.impl().autograd;
  if (m.grad_accumulator) return;
  auto a = std::make_shared<AccumulateGrad>();
  // Last in creation order but first when ready, as PyTorch's (sequence_nr UINT64_MAX): a leaf's
  // gradient is accumulated, and its post hooks run, as soon as it is complete rather than after
  // every other node. DDP's hooks start the buckets' all_reduce there, so communication overlaps
  // the rest of backward.
  a->sequence_nr = std::numeric_limits<std::uint64_t>::max();
  a->leaf = leaf.impl_ptr();
  m.grad_accumulator = std::move(a);
}

std::shared_ptr<Node> gradient_edge(const Tensor& t) {
  if (!requires_grad(t)) return nullptr;
  AutogradMeta& m = *t.impl().autograd;
  if (m.grad_fn) return m.grad_fn;
  if (!m.grad_accumulator) make_accumulator(t);  // requires_grad_() makes it; this is a fallback
  return m.grad_accumulator;
}

Edge input_edge(const Tensor& t) {
  auto fn = gradient_edge(t);
  return {fn, t.dtype(), fn ? t.impl().autograd->output_nr : 0};
}

void attach(Tensor& out, const std::shared_ptr<Node>& node,
            std::initializer_list<std::reference_wrapper<const Tensor>> inputs, std::initializer_list<Save> saved) {
  if (!is_floating(out.dtype())) return;  // integer results carry no gradient (x.to(int))
  node->next.reserve(inputs.size());
  for (const Tensor& t : inputs) node->next.push_back(t.defined() ? input_edge(t) : Edge{nullptr, out.dtype()});
  node->saved.reserve(saved.size());
  // A saved input that is the written tensor itself (y *= y) is kept like an output, detached: a
  // full reference would be a cycle through its grad_fn.
  for (const Save& s : saved) {
    const bool written = !s.is_output && s.t.defined() && &s.t.impl() == &out.impl();
    node->saved.emplace_back(s.t, s.is_output || written, s.version);
    if (written) node->saved.back().remember_input_identity(s.t);
  }
  auto& meta = out.impl().autograd;
  if (!meta) meta = std::make_shared<AutogradMeta>();
  meta->requires_grad = true;
  meta->grad_fn = node;
  meta->output_nr = 0;
  if (meta->base) {
    for (const Tensor& t : inputs)
      if (t.defined() && &t.impl() == &out.impl()) return rebase_view(out, node);
  }
}

namespace {
bool sees_graph(const Node& n, const Tensor& g, const std::vector<Tensor>& outs);

// The base's node after an in-place op `fn` wrote through a view of it: the base's gradient passes
// through unchanged outside the view, and through fn inside it (PyTorch's CopySlices).
struct CopySlices final : Node {
  Dims base_sizes, base_strides, view_sizes, view_strides;
  std::int64_t view_offset = 0;  // relative to the base's first element
  std::shared_ptr<Node> fn;
  std::string_view name() const override { return "torch::autograd::CopySlices"; }  // as 1.13 names it
  Grads apply(const Tensor& grad) override {
    if (detail::grad_mode) return apply_recorded(grad);
    Tensor result = empty_strided(base_sizes, base_strides, grad.dtype());
    ramp::detail::copy_into(result, grad);
    Tensor slice = result.as_strided(view_sizes, view_strides, view_offset);
    Grads grads = fn->apply(slice.clone());
    if (grads.empty() || !grads[0].defined()) ramp::detail::fill_into(slice, 0);
    else ramp::detail::copy_into(slice, grads[0]);
    Grads out{result};
    for (std::size_t i = 1; i < grads.size(); ++i) out.push_back(grads[i]);
    return out;
  }
  void release_saved() override {
    Node::release_saved();
    fn->release_saved();
  }

  // A create_graph pass: the same steps as ops (1.13's CopySlices in grad mode), so the gradient
  // records: a copy of grad, fn's gradient of the view's part written into it through the view.
  // fn itself runs only if it may (as the engine checks every node).
  Grads apply_recorded(const Tensor& grad) {
    Tensor result = empty_strided(base_sizes, base_strides, grad.dtype());
    result.copy_(grad);
    Tensor slice = result.as_strided(view_sizes, view_strides, view_offset);
    const Tensor part = slice.clone();
    if (!differentiable_twice(*fn) && sees_graph(*fn, part, {})) refuse_double_backward(fn->name());
    Grads grads = fn->apply(part);
    slice.copy_(grads.empty() || !grads[0].defined() ? zeros(view_sizes, grad.dtype()) : grads[0]);
    Grads out{result};
    for (std::size_t i = 1; i < grads.size(); ++i) out.push_back(grads[i]);
    return out;
  }
};
}  // namespace

void rebase_view(Tensor& view, const std::shared_ptr<Node>& fn) {
  AutogradMeta& m = *view.impl().autograd;
  Tensor base(m.base);
  auto cs = std::make_shared<CopySlices>();
  cs->base_sizes = Dims(base.sizes());
  cs->base_strides = Dims(base.strides());
  cs->view_sizes = Dims(view.sizes());
  cs->view_strides = Dims(view.strides());
  cs->view_offset = view.storage_offset() - base.storage_offset();
  cs->fn = fn;
  cs->next.push_back(input_edge(base));
  for (std::size_t i = 1; i < fn->next.size(); ++i) cs->next.push_back(fn->next[i]);
  auto& bm = base.impl().autograd;
  if (!bm) bm = std::make_shared<AutogradMeta>();
  bm->requires_grad = true;
  bm->grad_fn = cs;
  bm->output_nr = 0;
  // The view's own gradient now flows through the base: it is an as_strided of the new base.
  Tensor regenerated = base.as_strided(view.sizes(), view.strides(), view.storage_offset());
  m.grad_fn = regenerated.grad_fn();
  m.output_nr = 0;
}

void check_inplace(const Tensor& self) {
  if (!detail::grad_mode || !self.impl().autograd) return;
  const AutogradMeta& m = *self.impl().autograd;
  if (m.base) {
    RAMP_CHECK(!m.view_created_in_no_grad,
               "A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given "
               "that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by "
               "moving both the view and the inplace either both inside the no_grad block (if you don't want the "
               "inplace to be tracked) or both outside (if you want the inplace to be tracked).");
    const auto& bm = m.base->autograd;
    RAMP_CHECK(!(bm && bm->requires_grad && !bm->grad_fn),
               "a view of a leaf Variable that requires grad is being used in an in-place operation.");
  }
  RAMP_CHECK(!(m.requires_grad && !m.grad_fn), "a leaf Variable that requires grad is being used in an in-place "
             "operation.");
}

void mark_view(Tensor& view, const Tensor& base) {
  auto& meta = view.impl().autograd;
  if (!meta) meta = std::make_shared<AutogradMeta>();
  const auto& bm = base.impl().autograd;
  meta->base = bm && bm->base ? bm->base : base.impl_ptr();
  meta->view_created_in_no_grad = !detail::grad_mode || (bm && bm->view_created_in_no_grad);
}

Tensor sum_to(const Tensor& g, IntArrayRef sizes) {
  if (std::equal(g.sizes().begin(), g.sizes().end(), sizes.begin(), sizes.end())) return g;
  const std::int64_t lead = g.dim() - std::int64_t(sizes.size());
  std::vector<std::int64_t> dims;
  for (std::int64_t i = 0; i < g.dim(); ++i)
    if (i < lead || (sizes[std::size_t(i - lead)] == 1 && g.size(i) != 1)) dims.push_back(i);
  Tensor r = dims.empty() ? g : g.sum(dims, true);
  // 1.13's at::sum_to: the leading dims dropped by a view (ViewBackward0 in a create_graph pass)
  if (lead == 0) return r;
  return r.is_contiguous() ? r.view(sizes) : r.reshape(sizes);
}

// ---- leaves ----
namespace {
Tensor run_hooks(const std::vector<std::pair<int, Hook>>& hooks, Tensor g) {
  for (const auto& [id, h] : hooks) {
    Tensor r = h(g);
    if (r.defined()) g = std::move(r);
  }
  return g;
}
}  // namespace

namespace {
// 1.13's clone_obey_contract, the first `.grad` of a create_graph pass: a dense leaf's gradient takes
// the leaf's strides (an empty tensor of them, copied into: torch::autograd::CopyBackwards, whose
// gradient passes through to the source), any other leaf's is a contiguous clone (CloneBackward0).
Tensor clone_obey_contract(const Tensor& g, const Tensor& leaf) {
  if (!leaf.is_non_overlapping_and_dense()) return g.clone();
  Tensor dst = empty_strided(leaf.sizes(), leaf.strides(), g.dtype());
  below([&] {
    ramp::detail::copy_into(dst, g);
    return 0;
  });
  if (detail::grad_mode && requires_grad(g))
    record(dst, "torch::autograd::CopyBackwards", {dst, g}, {}, [](const Node&, const Tensor& gg) {
      return std::vector<Tensor>{Tensor(), gg};
    });
  return dst;
}
}  // namespace

Grads AccumulateGrad::apply(const Tensor& grad_in) {
  auto impl = leaf.lock();
  if (!impl || !impl->autograd) return {};
  AutogradMeta& m = *impl->autograd;
  const Tensor hooked = m.hooks.empty() ? Tensor() : run_hooks(m.hooks, grad_in);
  const Tensor& g = m.hooks.empty() ? grad_in : hooked;
  if (detail::grad_mode) {
    // A create_graph pass (1.13's AccumulateGrad under grad mode): `.grad` keeps the gradient's
    // graph, a clone for the first, out of place after.
    if (m.grad_zero_pending) {
      m.grad_zero_pending = false;
      m.grad = Tensor();
    }
    m.grad = m.grad.defined() ? m.grad.add(g) : clone_obey_contract(g, Tensor(impl));
    return {};
  }
  if (!m.grad.defined() || m.grad_zero_pending) {
    // Keep the incoming buffer when only the engine holds it (PyTorch steals it the same way);
    // a gradient the caller passed in, or a hook kept, is copied (into the zeroed-later buffer
    // when zero_grad left one). The gradient takes the leaf's layout when the leaf is dense (as
    // torch), else contiguous.
    const Tensor like(impl);
    const bool unshared = g.impl_ptr().use_count() == 1 && g.storage().use_count() == 1 && !g.impl().autograd;
    const bool same_layout = std::equal(g.strides().begin(), g.strides().end(), like.strides().begin(),
                                        like.strides().end());
    const bool pending = m.grad_zero_pending;
    m.grad_zero_pending = false;
    if (unshared && g.is_non_overlapping_and_dense() && (same_layout || !like.is_non_overlapping_and_dense())) {
      m.grad = g;
    } else {
      if (!pending) m.grad = empty_like(like);
      ramp::detail::copy_into(m.grad, g);
    }
  } else {
    m.grad.add_(g);
  }
  return {};
}

// ---- the backward pass ----
namespace {

// Runs a node (its tensor hooks first, then apply, then its post hooks) on the gradients of its
// outputs; `outs` holds outputs 1.. of a node with several.
Grads run_node(Node& n, Tensor g, std::vector<Tensor>& outs) {
  Grads grads;
  if (n.num_outputs == 1) {
    if (!n.pre_hooks.empty()) g = run_hooks(n.pre_hooks, std::move(g));
    grads = n.apply(g);
    if (!n.post_hooks.empty()) outs.assign(1, g);
  } else {
    outs[0] = std::move(g);
    for (std::uint32_t i = 0; i < n.num_outputs; ++i)
      if (outs[i].defined() && !n.hooks_for(i).empty()) outs[i] = run_hooks(n.hooks_for(i), std::move(outs[i]));
    grads = n.apply_outputs(outs);
  }
  if (!n.post_hooks.empty())
    for (const auto& [id, hook] : std::vector(n.post_hooks)) hook(grads, outs);
  return grads;
}

struct BySequence {
  bool operator()(const Node* a, const Node* b) const { return a->sequence_nr < b->sequence_nr; }
};

// Runs the graph below `roots`. With `captures` (autograd.grad), the gradients arriving at those
// nodes are returned instead of accumulated, and only nodes leading to them run.
struct Root {
  std::shared_ptr<Node> fn;
  std::uint32_t output;
  Tensor grad;
};
using Roots = SmallVector<Root, 1>;
// A gradient to capture for autograd.grad: output `output` of `fn`.
using Captures = std::vector<std::pair<std::shared_ptr<Node>, std::uint32_t>>;

// Where a gradient for output `nr` of `n` gathers.
Tensor& buffer_of(Node& n, std::uint32_t nr) { return nr == 0 ? n.buffer : n.more_buffers[nr - 1]; }

// The final callbacks of the pass running on this thread (null outside a pass).
thread_local std::vector<std::function<void()>>* final_callbacks = nullptr;

// Whether a formula run in a create_graph pass would read a tensor that needs a graph: the incoming
// gradient or a saved tensor. A node whose formula is not differentiable may run only when none does
// (its result is then a constant, rightly without a graph).
bool sees_graph(const Node& n, const Tensor& g, const std::vector<Tensor>& outs) {
  if (requires_grad(g)) return true;
  for (const Tensor& o : outs)
    if (requires_grad(o)) return true;
  for (const SavedTensor& s : n.saved)
    if (s.requires_grad_when_unpacked()) return true;
  return false;
}

std::vector<Tensor> run(const Roots& roots, bool keep_graph, const Captures* captures, bool create_graph) {
  // First-order passes run the formulas with grad mode off (their raw-kernel fast paths); a
  // create_graph pass runs them in grad mode so that they record.
  GradModeGuard mode(create_graph);
  std::vector<std::function<void()>> callbacks;
  struct CurrentCallbacks {
    std::vector<std::function<void()>>* prev;
    explicit CurrentCallbacks(std::vector<std::function<void()>>* now) : prev(final_callbacks) {
      final_callbacks = now;
    }
    ~CurrentCallbacks() { final_callbacks = prev; }
  } current_callbacks(&callbacks);
  // Count each node's incoming edges; `pass` marks the nodes this pass has seen.
  static std::atomic<std::uint64_t> passes{0};
  const std::uint64_t pass = passes.fetch_add(1, std::memory_order_relaxed) + 1;
  // Scratch lists kept per thread and nesting depth (a hook may run a backward of its own), so a
  // small graph's pass allocates nothing here.
  struct Scratch {
    std::vector<Node*> nodes, stack, ready;
  };
  thread_local std::vector<std::unique_ptr<Scratch>> pool;
  thread_local std::size_t depth = 0;
  // One pass at a time in the process: passes share nodes (a parameter's AccumulateGrad) whose
  // per-pass fields and `.grad` are not safe to race on. A pass run from a hook (depth > 0) runs
  // under its caller's lock.
  static std::mutex engine;
  std::unique_lock<std::mutex> one_at_a_time(engine, std::defer_lock);
  if (depth == 0) one_at_a_time.lock();
  if (pool.size() <= depth) pool.push_back(std::make_unique<Scratch>());
  Scratch& scratch = *pool[depth];
  struct Depth {
    std::size_t& d;
    explicit Depth(std::size_t& x) : d(x) { ++d; }
    ~Depth() { --d; }
  } nesting(depth);
  std::vector<Node*>& nodes = scratch.nodes;
  std::vector<Node*>& stack = scratch.stack;
  nodes.clear();
  stack.clear();
  // A pass run from a hook shares nodes with the pass that called it: it puts back their state.
  struct Saved {
    Node* n;
    std::uint64_t pass;
    int pending, remaining;
    bool needed;
    Tensor buffer;
    std::vector<Tensor> more_buffers;
  };
  std::vector<Saved> outer_state;
  struct Restore {
    std::vector<Saved>& v;
    ~Restore() {
      for (auto& s : v) {
        s.n->pass = s.pass;
        s.n->pending = s.pending;
        s.n->remaining = s.remaining;
        s.n->needed = s.needed;
        s.n->buffer = std::move(s.buffer);
        s.n->more_buffers = std::move(s.more_buffers);
      }
    }
  } restore{outer_state};
  auto visit = [&](Node* n) {
    if (n->pass == pass) return;
    if (depth > 1)
      outer_state.push_back({n, n->pass, n->pending, n->remaining, n->needed, std::move(n->buffer),
                             std::move(n->more_buffers)});
    n->pass = pass;
    n->pending = 0;
    n->needed = captures == nullptr;
    n->buffer = Tensor();
    if (n->num_outputs > 1) n->more_buffers.assign(n->num_outputs - 1, Tensor());
    nodes.push_back(n);
    stack.push_back(n);
  };
  for (const auto& r : roots) visit(r.fn.get());
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const Edge& e : n->next) {
      if (!e.fn) continue;
      visit(e.fn.get());
      e.fn->pending++;
    }
  }

  // autograd.grad runs only the nodes that lead to a capture: walk the nodes in reverse
  // topological order, marking a node needed if it is a capture or feeds a needed node.
  std::vector<Tensor> captured;
  auto capture_index = [&](Node* n) -> int {
    if (!captures) return -1;
    for (std::size_t i = 0; i < captures->size(); ++i)
      if ((*captures)[i].first.get() == n) return int(i);
    return -1;
  };
  if (captures) {
    captured.resize(captures->size());
    std::vector<Node*> order, todo;
    for (Node* n : nodes) n->remaining = n->pending;
    for (Node* n : nodes)
      if (n->remaining == 0) todo.push_back(n);
    while (!todo.empty()) {
      Node* n = todo.back();
      todo.pop_back();
      order.push_back(n);
      for (const Edge& e : n->next)
        if (e.fn && --e.fn->remaining == 0) todo.push_back(e.fn.get());
    }
    // A capture is needed only as a way to another one; `leads` marks the captures' own paths.
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      Node* n = *it;
      n->needed = false;
      for (const Edge& e : n->next)
        n->needed = n->needed || (e.fn && (e.fn->needed || capture_index(e.fn.get()) >= 0));
    }
  }

  struct Cleanup {
    std::vector<Node*>& nodes;
    ~Cleanup() {
      for (Node* n : nodes) {
        n->buffer = Tensor();
        if (!n->more_buffers.empty()) n->more_buffers.clear();
      }
    }
  } cleanup{nodes};

  // Ready nodes, latest-created first (a heap on sequence_nr).
  std::vector<Node*>& ready = scratch.ready;
  ready.clear();
  auto push = [&](Node* n) {
    ready.push_back(n);
    std::push_heap(ready.begin(), ready.end(), BySequence{});
  };
  for (const auto& r : roots) {
    Tensor& b = buffer_of(*r.fn, r.output);
    b = b.defined() ? b.add(r.grad) : r.grad;
  }
  for (const auto& r : roots)
    if (r.fn->pending == 0) {
      r.fn->pending = -1;  // queued once even when it is several roots
      push(r.fn.get());
    }
  std::vector<Tensor> outs;
  while (!ready.empty()) {
    std::pop_heap(ready.begin(), ready.end(), BySequence{});
    Node* n = ready.back();
    ready.pop_back();
    Tensor g = std::move(n->buffer);
    n->buffer = Tensor();
    bool any = g.defined();
    if (n->num_outputs > 1) {
      outs.assign(1, Tensor());
      for (Tensor& b : n->more_buffers) {
        any = any || b.defined();
        outs.push_back(std::move(b));
      }
      n->more_buffers.clear();
    }
    Grads grads;
    if (any) {
      // autograd.grad returns an input's gradient as it arrives; the node itself (and its tensor's
      // hooks) runs only when it leads to another capture, as in 1.13.
      if (captures)
        for (std::size_t ci = 0; ci < captures->size(); ++ci)
          if ((*captures)[ci].first.get() == n)
            captured[ci] = (*captures)[ci].second == 0 ? g : outs[(*captures)[ci].second];
      if (n->needed && !(captures && n->accumulates)) {
        if (create_graph && !n->accumulates && !differentiable_twice(*n) &&
            sees_graph(*n, g, n->num_outputs > 1 ? outs : std::vector<Tensor>()))
          refuse_double_backward(n->name());
        grads = run_node(*n, std::move(g), outs);
        if (!keep_graph) n->release_saved();
      }
    }
    for (std::size_t i = 0; i < n->next.size(); ++i) {
      const Edge& e = n->next[i];
      if (!e.fn) continue;
      Node* c = e.fn.get();
      if (i < grads.size() && grads[i].defined()) {
        Tensor gi = grads[i].dtype() == e.dtype ? std::move(grads[i]) : grads[i].to(e.dtype);
        Tensor& b = buffer_of(*c, e.input_nr);
        b = b.defined() ? b.add(gi) : std::move(gi);
      }
      if (--c->pending == 0) push(c);
    }
  }
  // By index: a callback may queue another.
  for (std::size_t i = 0; i < callbacks.size(); ++i) {
    auto callback = std::move(callbacks[i]);
    callback();
  }
  return captured;
}

// The implicit gradient of a one-element output: a ones tensor of its dtype and rank, kept per
// thread (a loss.backward() per step then allocates nothing for it). Re-made if anything wrote it.
Tensor implicit_ones(const Tensor& out) {
  if (out.dim() > 4) return ones_like(out);
  struct Cached {
    Tensor t;
    std::uint32_t version = 0;
  };
  thread_local Cached cache[kNumScalarTypes][5];
  Cached& c = cache[int(out.dtype())][out.dim()];
  if (!c.t.defined() || c.t.version() != c.version) {
    c.t = ones_like(out);
    c.version = c.t.version();
  }
  return c.t;
}

Roots make_roots(std::span<const Tensor> outputs, std::span<const Tensor> grads, bool may_cache) {
  RAMP_CHECK(grads.empty() || grads.size() == outputs.size(), "grad can be implicitly created only for scalar "
             "outputs");
  Roots roots;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    RAMP_CHECK(requires_grad(out), "element ", i, " of tensors does not require grad and does not have a grad_fn");
    Tensor g = grads.empty() ? Tensor() : grads[i];
    if (!g.defined()) {
      RAMP_CHECK(out.numel() == 1, "grad can be implicitly created only for scalar outputs");
      // The cached ones may not reach user code: not for autograd.grad (returned), nor where a hook
      // on the root would see it.
      const AutogradMeta& m = *out.impl().autograd;
      const bool hooked = m.grad_fn ? !m.grad_fn->hooks_for(m.output_nr).empty() : !m.hooks.empty();
      g = may_cache && !hooked ? implicit_ones(out) : ones_like(out);
    } else {
      RAMP_CHECK(std::equal(g.sizes().begin(), g.sizes().end(), out.sizes().begin(), out.sizes().end()),
                 "Mismatch in shape: grad_output[", i, "] has a shape of torch.Size(", shape_str(g.sizes()),
                 ") and output[", i, "] has a shape of torch.Size(", shape_str(out.sizes()), ").");
      if (g.dtype() != out.dtype()) g = g.to(out.dtype());
    }
    roots.push_back({gradient_edge(out), out.impl().autograd->output_nr, g});
  }
  return roots;
}

}  // namespace

void queue_callback(std::function<void()> callback) {
  RAMP_CHECK(final_callbacks, "Final callbacks can only be installed during backward pass.");
  final_callbacks->push_back(std::move(callback));
}

void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots,
              std::optional<bool> retain_graph, bool create_graph) {
  run(make_roots(roots, grad_roots, !create_graph), retain_graph.value_or(create_graph), nullptr, create_graph);
}
void backward(const Tensor& root, const Tensor& grad_root, std::optional<bool> retain_graph, bool create_graph) {
  run(make_roots({&root, 1}, {&grad_root, 1}, !create_graph), retain_graph.value_or(create_graph), nullptr,
      create_graph);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, std::optional<bool> retain_graph, bool create_graph,
                         bool allow_unused) {
  Captures captures;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    RAMP_CHECK(requires_grad(inputs[i]), "One of the differentiated Tensors does not require grad");
    const Edge e = input_edge(inputs[i]);
    captures.emplace_back(e.fn, e.input_nr);
  }
  auto result = run(make_roots(outputs, grad_outputs, false), retain_graph.value_or(create_graph), &captures,
                    create_graph);
  for (auto& r : result)
    RAMP_CHECK(r.defined() || allow_unused, "One of the differentiated Tensors appears to not have been used in the "
               "graph. Set allow_unused=True if this is the desired behavior.");
  return result;
}

}  // namespace ramp::autograd
