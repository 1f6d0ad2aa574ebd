// Reverse-mode automatic differentiation, PyTorch's model and names.
//
// An op whose input requires grad (and grad mode is on) records a Node: the backward formula, an
// edge to each input's own node, and the tensors the formula reads (SavedTensor, which remembers
// the storage's version and refuses to be read after an in-place write, with PyTorch's message).
// A leaf that requires grad gets its gradient through an AccumulateGrad node. `backward()` runs the
// nodes reachable from the root once each, after every node that feeds them.
//
//   auto x = ramp::randn({3}).requires_grad_();
//   auto y = ramp::relu(x * 2);
//   y.sum().backward();            // x.grad() == 2 where x > 0, else 0
//   y.grad_fn()->name();           // "ReluBackward0"
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ramp/small_vector.h"
#include "ramp/tensor.h"

namespace ramp::autograd {

// ---- grad mode (thread-local, as in PyTorch) ----
bool is_grad_enabled();
void set_grad_enabled(bool on);
class GradModeGuard {
 public:
  explicit GradModeGuard(bool on) : prev_(is_grad_enabled()) { set_grad_enabled(on); }
  ~GradModeGuard() { set_grad_enabled(prev_); }
  GradModeGuard(const GradModeGuard&) = delete;
  GradModeGuard& operator=(const GradModeGuard&) = delete;

 private:
  bool prev_;
};
struct NoGradGuard : GradModeGuard {
  NoGradGuard() : GradModeGuard(false) {}
};
struct EnableGradGuard : GradModeGuard {
  EnableGradGuard() : GradModeGuard(true) {}
};

// A tensor hook: sees the gradient, may return a replacement (an undefined tensor keeps it).
using Hook = std::function<Tensor(const Tensor&)>;

struct Node;

// One gradient per input of a node (inline for the usual one or two).
using Grads = SmallVector<Tensor, 2>;

// A tensor a backward formula reads. Saving the node's own output keeps a detached alias (the
// output's autograd data points at the node, so a full reference would be a cycle).
class SavedTensor {
 public:
  SavedTensor() = default;
  // `version`: the version to expect, when the tensor was captured before a write (else its current).
  SavedTensor(const Tensor& t, bool is_output, std::int64_t version = -1);
  // The saved value; throws PyTorch's errors when the graph was freed or the tensor was written in
  // place since it was saved. `owner` names the node for the message when the tensor is its output.
  // In grad mode (a create_graph pass) a saved output comes back with its autograd identity, the
  // owner as grad_fn (or, for an input the op wrote in place, the grad_fn it had before), so
  // formulas that read it record a graph that reaches the original leaves.
  Tensor unpack(const Node& owner) const;
  bool defined() const { return data_.defined(); }
  void reset() {
    data_ = Tensor();
    identity_.reset();
  }
  // Marks a saved input that is the op's own (in-place) output: see unpack.
  void remember_input_identity(const Tensor& t);
  // Whether the formula reading it would see a tensor that requires grad in a create_graph pass.
  bool requires_grad_when_unpacked() const;

 private:
  Tensor data_;
  std::shared_ptr<Node> identity_;  // the grad_fn of an input written in place (is_output_ only)
  std::uint32_t version_ = 0, identity_nr_ = 0;
  bool is_output_ = false;
  bool identity_from_input_ = false;
};

// One input of a node: the node its gradient goes to (null when it needs none).
struct Edge {
  std::shared_ptr<Node> fn;
  ScalarType dtype = ScalarType::Float32;  // the input's dtype: gradients are cast back to it
  std::uint32_t input_nr = 0;              // which of fn's outputs the input is (custom Functions)
};

// A recorded op. A built-in op's node has one output: `apply` maps its gradient to one gradient per
// input. A custom autograd.Function's node may have several (`num_outputs`): their gradients come
// together to `apply_outputs`, undefined where none arrived.
struct Node : std::enable_shared_from_this<Node> {
  SmallVector<Edge, 2> next;
  SmallVector<SavedTensor, 2> saved;
  std::vector<std::pair<int, Hook>> pre_hooks;  // the output tensor's hooks (register_hook)
  // torch's Node.register_hook: called with the gradients for the inputs (which it may replace)
  // and the gradients that came in, after the node ran.
  using PostHook = std::function<void(Grads& grad_inputs, const std::vector<Tensor>& grad_outputs)>;
  std::vector<std::pair<int, PostHook>> post_hooks;
  std::uint32_t num_outputs = 1;
  std::vector<Tensor> more_buffers;                          // outputs 1.. (engine bookkeeping)
  std::vector<std::vector<std::pair<int, Hook>>> more_pre_hooks;  // outputs 1..'s tensor hooks
  std::uint64_t sequence_nr;                    // creation order: later nodes run first on ties
  bool released = false;                        // saved tensors freed by a backward pass
  bool accumulates = false;                     // an AccumulateGrad (autograd.grad skips those)

  Node();
  virtual ~Node() = default;
  virtual std::string_view name() const = 0;
  virtual Grads apply(const Tensor& grad) = 0;
  virtual Grads apply_outputs(std::vector<Tensor>& grads) { return apply(grads[0]); }
  virtual void release_saved();
  // Output i's tensor hooks.
  std::vector<std::pair<int, Hook>>& hooks_for(std::uint32_t output) {
    return output == 0 ? pre_hooks : more_pre_hooks[output - 1];
  }
  const Tensor unpack(std::size_t i) const { return saved[i].unpack(*this); }

  // Engine bookkeeping for the pass in progress.
  std::uint64_t pass = 0;  // the last pass that visited this node
  int pending = 0, remaining = 0;
  bool needed = true;
  Tensor buffer;
};

// A leaf's node: adds the incoming gradient into the leaf's `.grad`.
struct AccumulateGrad final : Node {
  AccumulateGrad() { accumulates = true; }
  std::weak_ptr<TensorImpl> leaf;
  std::string_view name() const override { return "torch::autograd::AccumulateGrad"; }
  Grads apply(const Tensor& grad) override;
};

// What autograd knows of one tensor (TensorImpl::autograd; absent for tensors that never needed it).
struct AutogradMeta {
  bool requires_grad = false;
  std::shared_ptr<Node> grad_fn;               // null for leaves
  std::uint32_t output_nr = 0;                 // which output of grad_fn this tensor is
  // A leaf's AccumulateGrad, kept for the leaf's life (it points back only weakly), so a training
  // loop does not make a new one per step.
  std::shared_ptr<Node> grad_accumulator;
  Tensor grad;
  // zero_grad's zeros, not yet written: set only while nothing but this meta holds `grad`, so no
  // one can see the stale values. Tensor::grad() writes them on first access; the next backward
  // instead overwrites (or replaces) the buffer, saving the fill and the read of the add.
  bool grad_zero_pending = false;
  bool retains_grad = false;
  std::vector<std::pair<int, Hook>> hooks;     // a leaf's hooks; a non-leaf's live on its grad_fn
  // Views of a tensor that requires grad remember their base for the in-place rules.
  std::shared_ptr<TensorImpl> base;
  bool view_created_in_no_grad = false;
};

// 1.13's optimizer / module zero_grad for one tensor: set_to_none drops `.grad`; otherwise the same
// gradient tensor is cut from any graph and zeroed in place (lazily while no one else holds it).
void zero_grad(const Tensor& t, bool set_to_none = false);

// The node a tensor's gradient flows into: its grad_fn, a leaf's accumulator, or null.
std::shared_ptr<Node> gradient_edge(const Tensor& t);
// The edge from a node to input `t`: its gradient node, dtype and which output of it t is.
Edge input_edge(const Tensor& t);

// d(outputs)/d(inputs) weighted by grad_outputs, without touching any `.grad` (torch.autograd.grad).
// An input that the outputs do not depend on raises unless allow_unused (then undefined).
// create_graph: the pass runs in grad mode, so the gradients carry a graph of their own (double
// backward); retain_graph defaults to create_graph, as in 1.13. A node whose backward formula is
// not differentiable refuses then ("double backward through X is not supported").
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, std::optional<bool> retain_graph = {},
                         bool create_graph = false, bool allow_unused = false);
// Accumulates d(roots)/d(leaves) into every reachable leaf's `.grad` (torch.autograd.backward).
void backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grad_roots = {},
              std::optional<bool> retain_graph = {}, bool create_graph = false);
void backward(const Tensor& root, const Tensor& grad_root = {}, std::optional<bool> retain_graph = {},
              bool create_graph = false);

// Whether `node`'s backward formula records a graph when run in grad mode (a create_graph pass
// runs it; otherwise it refuses when its inputs need a graph).
bool differentiable_twice(const Node& node);
// The error a node whose formula is not differentiable raises in a create_graph pass.
[[noreturn]] void refuse_double_backward(std::string_view node_name);

// Runs `callback` once the backward pass in progress on this thread has run all its nodes, before
// backward() returns (1.13's Variable._execution_engine.queue_callback): DDP's "wait for the buckets
// and write .grad" step. Callbacks run in the order queued (one may queue more); one that throws
// ends the pass with its error. Outside a pass: 1.13's "Final callbacks can only be installed
// during backward pass."
void queue_callback(std::function<void()> callback);

// Compares the analytical Jacobian of `fn` at `inputs` with central finite differences, as
// torch.autograd.gradcheck (inputs should be float64). Returns true, or throws with the first
// mismatch when raise_exception, else returns false.
bool gradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn, const std::vector<Tensor>& inputs,
               double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3, bool raise_exception = true);

// How relu's backward reads what it needs: a 1-bit mask written by the forward (x > 0, or NaN; the
// default), or the output (PyTorch's way). The mask holds 1/32 of a float32 output's bytes: the
// MLP step of docs/benchmarks.md peaks 31% lower at the same speed, so it is the default. With it,
// writing relu's output in place before backward is allowed (PyTorch raises the version error).
void set_mask_backward(bool on);
bool mask_backward_enabled();

// torch.autograd.gradgradcheck: gradcheck of the map (inputs, v) -> v^T J(inputs), the first
// derivatives computed with create_graph, against finite differences of them. `grad_outputs` are
// the v (random, as 1.13, when empty); all float64.
bool gradgradcheck(const std::function<Tensor(const std::vector<Tensor>&)>& fn, const std::vector<Tensor>& inputs,
                   const std::vector<Tensor>& grad_outputs = {}, double eps = 1e-6, double atol = 1e-5,
                   double rtol = 1e-3, bool raise_exception = true);

// "torch.FloatTensor", as PyTorch names tensor types in its messages.
std::string legacy_type_name(ScalarType t);

}  // namespace ramp::autograd
