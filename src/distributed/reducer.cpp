// DistributedDataParallel's Reducer (1.13's c10d::Reducer without comm hooks, static graphs or
// gradient_as_bucket_view). The bucket assignment and DDP's construction-time steps: ddp_setup.cpp.
#include "ramp/distributed/reducer.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <unordered_set>

#include "ramp/autograd.h"
#include "ramp/error.h"
#include "../tensor/loop.h"

namespace ramp::distributed {

using ramp::detail::cat;

struct Reducer::State : std::enable_shared_from_this<Reducer::State> {
  std::vector<Tensor> params;
  std::shared_ptr<ProcessGroup> group;
  std::int64_t bucket_bytes_cap, first_bucket_bytes;
  bool find_unused;
  double div = 1.0;  // 1 / world size: each gradient is scaled into its bucket, then summed

  struct Bucket {
    std::vector<std::size_t> variables;  // parameter indices
    Tensor flat;                         // every variable's gradient, one after the other
    std::vector<Tensor> views;           // views[k]: variables[k]'s slice, shaped as the parameter
    std::size_t pending = 0;             // variables not yet ready this iteration
    WorkPtr work;
  };
  std::vector<Bucket> buckets;
  std::vector<std::pair<std::size_t, std::size_t>> locators;  // parameter -> (bucket, index in it)
  std::vector<std::weak_ptr<autograd::Node>> accumulators;
  int hook_id = 0;

  std::size_t next_bucket = 0;  // buckets are launched in order: every rank queues the same ops
  bool expect_hooks = false, require_finalize = false, has_marked_unused = false, has_rebuilt = false;
  std::vector<char> ready;                 // marked ready this iteration
  std::vector<std::size_t> rebuilt_order;  // the first iteration's ready order
  std::vector<std::size_t> unused;         // find_unused_parameters: not reached by the outputs
  Tensor local_used;                       // int32 per parameter: got a gradient here this iteration
  WorkPtr local_used_work;
  std::vector<char> used_here;             // local_used before its all_reduce

  void initialize_buckets(const std::vector<std::vector<std::size_t>>& assignment) {
    buckets.clear();
    locators.assign(params.size(), {0, 0});
    for (const auto& indices : assignment) {
      Bucket b;
      b.variables = indices;
      std::int64_t n = 0;
      for (std::size_t i : indices) n += params[i].numel();
      b.flat = zeros({n}, params[indices.front()].dtype());
      std::int64_t at = 0;
      for (std::size_t k = 0; k < indices.size(); ++k) {
        const Tensor& p = params[indices[k]];
        b.views.push_back(b.flat.narrow(0, at, p.numel()).view(p.sizes()));
        locators[indices[k]] = {buckets.size(), k};
        at += p.numel();
      }
      buckets.push_back(std::move(b));
    }
  }

  void wait_in_flight() noexcept {
    for (auto& b : buckets)
      if (b.work) try {
          b.work->wait();
        } catch (...) {
        }
    if (local_used_work) try {
        local_used_work->wait();
      } catch (...) {
      }
  }

  void autograd_hook(std::size_t index) {
    if (!expect_hooks) return;  // no_sync, or no DDP forward before this backward
    if (find_unused && params[index].grad().defined()) local_used.data<std::int32_t>()[index] = 1;
    if (!has_marked_unused) {
      has_marked_unused = true;
      for (std::size_t u : unused) mark_variable_ready(u);
    }
    if (!has_rebuilt && !find_unused) rebuilt_order.push_back(index);
    mark_variable_ready(index);
  }

  void mark_variable_ready(std::size_t index) {
    // 1.13's text (from libtorch's strings; no test reaches it: like 1.13, a second backward in one
    // iteration finds the hooks disarmed by the first one's finalize)
    RAMP_CHECK(!ready[index],
               "Expected to mark a variable ready only once. \nThis error is caused by one of the following reasons: "
               "\n1) Use of a module parameter outside the `forward` function. \nPlease make sure model parameters "
               "are not shared across multiple \nconcurrent forward-backward passes. or try to use "
               "_set_static_graph() \nas a workaround if this module graph does not change \nduring training loop."
               "\n2) Reused parameters in multiple reentrant backward passes. For \nexample, if you use multiple "
               "`checkpoint` functions to wrap the \nsame part of your model, it would result in the same set of "
               "\nparameters been used by different reentrant backward passes \nmultiple times, and hence marking "
               "a variable ready multiple times. \nDDP does not support such use cases in default. You can try to "
               "\nuse _set_static_graph() as a workaround if your module graph \ndoes not change over iterations."
               "\nParameter at index ", index, " has been marked as ready twice. This means that multiple autograd "
               "engine \n hooks have fired for this particular parameter during this iteration.\n You can set the "
               "environment variable TORCH_DISTRIBUTED_DEBUG to either\n INFO or DETAIL to print parameter names for "
               "further debugging.");
    ready[index] = 1;
    require_finalize = true;
    const auto [b, k] = locators[index];
    Bucket& bucket = buckets[b];
    const Tensor& grad = params[index].grad();
    if (grad.defined()) {
      // 1.13 scales while copying (grad * (1 / world_size)), then sums: the same roundings.
      ramp::detail::copy_into(bucket.views[k], grad);
      bucket.views[k].mul_(Scalar(div));
    } else {
      bucket.views[k].zero_();
    }
    if (--bucket.pending == 0) mark_bucket_ready(b);
    if (next_bucket == buckets.size()) {
      if (find_unused) {
        const std::int32_t* used = local_used.data<std::int32_t>();
        used_here.assign(used, used + params.size());
        local_used_work = group->all_reduce(local_used);
      }
      autograd::queue_callback([weak = weak_from_this()] {
        if (auto self = weak.lock()) self->finalize_backward();
      });
    }
  }

  void mark_bucket_ready(std::size_t b) {
    if (b > next_bucket) return;  // an earlier bucket is not full yet: it goes first
    for (; next_bucket < buckets.size() && buckets[next_bucket].pending == 0; ++next_bucket) {
      Bucket& bucket = buckets[next_bucket];
      bucket.work = group->all_reduce(bucket.flat);
      // On the worker, as soon as the bucket is reduced (backward may still be running).
      bucket.work->then([weak = weak_from_this(), i = next_bucket] {
        if (auto self = weak.lock()) self->copy_to_grads(i);
      });
    }
  }

  // The reduced bucket into its variables' .grad (a worker thread; must not throw). A variable
  // that got no gradient here waits for finalize_backward, which knows whether any rank used it.
  void copy_to_grads(std::size_t b) noexcept {
    Bucket& bucket = buckets[b];
    if (bucket.work->exception()) return;
    for (std::size_t k = 0; k < bucket.variables.size(); ++k) {
      const std::size_t i = bucket.variables[k];
      if (find_unused && !local_used.data<std::int32_t>()[i]) continue;
      const Tensor& grad = params[i].grad();
      if (grad.defined()) ramp::detail::copy_into(grad, bucket.views[k]);
    }
  }

  void finalize_backward() {
    expect_hooks = false;
    require_finalize = false;
    for (std::size_t b = 0; b < buckets.size(); ++b) {
      try {
        buckets[b].work->wait();
      } catch (const std::exception& e) {
        throw Error(cat("DistributedDataParallel: averaging the gradients (bucket ", b, " of ", buckets.size(),
                        ") failed on rank ", group->rank(),
                        "; every rank must run the same number of backward passes, and a rank that stopped or "
                        "left makes the others fail here: ", e.what()));
      }
    }
    if (!find_unused) return;
    local_used_work->wait();  // by now the group is known to work
    std::int32_t* used = local_used.data<std::int32_t>();  // summed over the ranks
    // copy_to_grads wrote the gradients this rank computed. 1.13: one that no rank computed stays as
    // it was (None or stale); one that only other ranks computed is their average.
    for (std::size_t i = 0; i < params.size(); ++i) {
      if (!ready[i] || used_here[i] || used[i] == 0) continue;
      const auto [b, k] = locators[i];
      const Tensor& grad = params[i].grad();
      if (grad.defined()) ramp::detail::copy_into(grad, buckets[b].views[k]);
      else params[i].set_grad(buckets[b].views[k].clone());
    }
    std::fill(used, used + params.size(), 0);
  }

  std::string unmarked_message() const {
    std::string msg =
        "Expected to have finished reduction in the prior iteration before starting a new one. This error indicates "
        "that your module has parameters that were not used in producing loss. ";
    const std::string outputs = "making sure all `forward` function outputs participate in calculating loss. ";
    const std::string bug =
        "\nIf you already have done the above, then the distributed data parallel module wasn't able to locate the "
        "output tensors in the return value of your module's `forward` function. Please include the loss function "
        "and the structure of the return value of `forward` of your module when reporting this issue (e.g. list, "
        "dict, iterable).";
    if (!find_unused)
      msg += "You can enable unused parameter detection by passing the keyword argument "
             "`find_unused_parameters=True` to `torch.nn.parallel.DistributedDataParallel`, and by \n" +
             outputs + bug;
    else
      msg += "Since `find_unused_parameters=True` is enabled, this likely  means that not all `forward` outputs "
             "participate in computing loss. You can fix this by " +
             outputs + bug;
    msg += cat("\nParameter indices which did not receive grad for rank ", group->rank(), ":");
    for (std::size_t i = 0; i < params.size(); ++i)
      if (!ready[i]) msg += cat(" ", i);
    msg += "\n In addition, you can set the environment variable TORCH_DISTRIBUTED_DEBUG to either INFO or DETAIL "
           "to print out information about which particular parameters did not receive gradient on this rank as "
           "part of this error";
    return msg;
  }
};

Reducer::Reducer(std::vector<Tensor> params, std::shared_ptr<ProcessGroup> group, std::int64_t bucket_bytes_cap,
                 bool find_unused_parameters, std::int64_t first_bucket_bytes)
    : state_(std::make_shared<State>()) {
  RAMP_CHECK(group, "Reducer: no process group");
  RAMP_CHECK(!params.empty(), "DistributedDataParallel is not needed when a module doesn't have any parameter that "
             "requires a gradient.");
  State& s = *state_;
  s.params = std::move(params);
  s.group = std::move(group);
  s.bucket_bytes_cap = bucket_bytes_cap;
  s.first_bucket_bytes = first_bucket_bytes;
  s.find_unused = find_unused_parameters;
  s.div = 1.0 / double(s.group->size());
  s.ready.assign(s.params.size(), 0);
  s.local_used = zeros({std::int64_t(s.params.size())}, ScalarType::Int32);
  // 1.13's DDP: one bucket per dtype until the rebuild after the first iteration (which fills them in
  // the order gradients arrived); with find_unused_parameters (never rebuilt), buckets by
  // registration order, reversed (gradients usually arrive last layer first).
  const auto initial_limits = find_unused_parameters ? std::vector<std::int64_t>{first_bucket_bytes, bucket_bytes_cap}
                                                     : std::vector<std::int64_t>{INT64_MAX};
  auto assignment = compute_bucket_assignment_by_size(s.params, initial_limits);
  std::reverse(assignment.begin(), assignment.end());
  s.initialize_buckets(assignment);
  static std::atomic<int> next_id{1 << 29};  // apart from Python's and modules' hook ids
  s.hook_id = next_id.fetch_add(1);
  for (std::size_t i = 0; i < s.params.size(); ++i) {
    const Tensor& p = s.params[i];
    RAMP_CHECK(p.requires_grad() && !p.grad_fn(), "DistributedDataParallel: parameter ", i,
               " must be a leaf that requires grad");
    auto acc = autograd::gradient_edge(p);
    acc->post_hooks.emplace_back(s.hook_id, [weak = std::weak_ptr<State>(state_), i](autograd::Grads&,
                                                                                     const std::vector<Tensor>&) {
      if (auto self = weak.lock()) self->autograd_hook(i);
    });
    s.accumulators.push_back(acc);
  }
}

Reducer::~Reducer() {
  state_->wait_in_flight();
  for (auto& weak : state_->accumulators)
    if (auto acc = weak.lock())
      std::erase_if(acc->post_hooks, [id = state_->hook_id](const auto& h) { return h.first == id; });
}

bool Reducer::rebuild_buckets() {
  State& s = *state_;
  RAMP_CHECK(!s.require_finalize, s.unmarked_message());
  if (s.has_rebuilt || s.find_unused || s.rebuilt_order.empty()) return false;
  s.has_rebuilt = true;
  s.wait_in_flight();
  // Rank 0's order for everyone (ranks may see gradients arrive in another order).
  Tensor t = empty({std::int64_t(s.rebuilt_order.size())}, ScalarType::Int64);
  std::copy(s.rebuilt_order.begin(), s.rebuilt_order.end(), t.data<std::int64_t>());
  RAMP_CHECK(s.rebuilt_order.size() == s.params.size(), "DistributedDataParallel: ", s.rebuilt_order.size(), " of ", s.params.size(),
             " parameters got a gradient in the first iteration");
  s.group->broadcast(t, 0)->wait();
  std::vector<std::size_t> ranked(s.params.size());
  for (std::size_t i = 0; i < ranked.size(); ++i) ranked[i] = std::size_t(t.data<std::int64_t>()[i]);
  s.initialize_buckets(compute_bucket_assignment_by_size(s.params, {s.first_bucket_bytes, s.bucket_bytes_cap}, ranked));
  s.rebuilt_order.clear();
  return true;
}

void Reducer::prepare_for_backward(const std::vector<Tensor>& outputs) {
  State& s = *state_;
  s.wait_in_flight();  // a backward that failed midway may have left buckets in flight
  s.expect_hooks = true;
  s.next_bucket = 0;
  for (auto& b : s.buckets) {
    b.pending = b.variables.size();
    b.work.reset();
  }
  s.local_used_work.reset();
  s.has_marked_unused = false;
  std::fill(s.ready.begin(), s.ready.end(), 0);
  s.unused.clear();
  if (!s.find_unused) return;
  // The graph below the outputs: a parameter whose AccumulateGrad it does not reach gets no gradient.
  std::unordered_set<const autograd::Node*> seen;
  std::vector<std::shared_ptr<autograd::Node>> stack;
  for (const Tensor& out : outputs)
    if (auto fn = autograd::gradient_edge(out); fn && seen.insert(fn.get()).second) stack.push_back(fn);
  while (!stack.empty()) {
    auto n = std::move(stack.back());
    stack.pop_back();
    for (const auto& e : n->next)
      if (e.fn && seen.insert(e.fn.get()).second) stack.push_back(e.fn);
  }
  for (std::size_t i = 0; i < s.params.size(); ++i) {
    auto acc = s.accumulators[i].lock();
    if (!acc || !seen.count(acc.get())) s.unused.push_back(i);
  }
}

std::vector<std::vector<std::size_t>> Reducer::bucket_indices() const {
  std::vector<std::vector<std::size_t>> out;
  for (const auto& b : state_->buckets) out.push_back(b.variables);
  return out;
}

const std::vector<Tensor>& Reducer::parameters() const { return state_->params; }

}  // namespace ramp::distributed
