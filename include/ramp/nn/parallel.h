// nn::parallel::DistributedDataParallel: 1.13's torch.nn.parallel.DistributedDataParallel on CPU.
// Every rank holds a replica of the module; construction checks that the parameters' shapes agree
// and gives every rank rank 0's parameters and buffers; each backward averages the gradients over
// the ranks while it runs (ramp/distributed/reducer.h), so after it `.grad` is the gradient of the
// mean loss over all ranks' batches and the optimizers step in lockstep.
//
//   ramp::distributed::init_process_group("gloo");           // env:// (RANK, WORLD_SIZE, ...)
//   auto model = std::make_shared<ramp::nn::parallel::DistributedDataParallel>(net);
//   optim::SGD opt(model->parameters(), {.lr = 0.1});
//   Tensor loss = cross_entropy((*model)(x), y);  opt.zero_grad();  loss.backward();  opt.step();
//   { auto no_sync = model->no_sync(); (*model)(x2).sum().backward(); }   // accumulate locally
//
// The wrapped module is the child "module" (state_dict keys "module.fc1.weight", as 1.13).
#pragma once

#include <memory>

#include "ramp/distributed.h"
#include "ramp/distributed/reducer.h"
#include "ramp/nn/module.h"

namespace ramp::nn::parallel {

struct DistributedDataParallelOptions {
  bool broadcast_buffers = true;  // rank 0's buffers to every rank before each forward
  std::shared_ptr<distributed::ProcessGroup> process_group = nullptr;  // null: the default group
  double bucket_cap_mb = 25;
  bool find_unused_parameters = false;
};

class DistributedDataParallel : public Module {
 public:
  explicit DistributedDataParallel(std::shared_ptr<Module> module, DistributedDataParallelOptions options = {});

  // Broadcasts the buffers (when asked and syncing), runs the module, and arms the gradient
  // averaging for the next backward, unless grad mode is off or no_sync() is active.
  Tensor forward(const Tensor& input) override;
  std::string name() const override { return "DistributedDataParallel"; }

  Module& module() const { return *module_; }
  std::shared_ptr<Module> module_ptr() const { return module_; }
  distributed::Reducer& reducer() { return *reducer_; }
  distributed::ProcessGroup& process_group() const { return *group_; }

  // While the guard lives, backward passes accumulate gradients locally (no communication); the
  // first synced backward after it averages the accumulated ones (1.13's no_sync()).
  class NoSyncGuard {
   public:
    explicit NoSyncGuard(DistributedDataParallel& ddp) : ddp_(&ddp), prev_(ddp.require_backward_grad_sync) {
      ddp.require_backward_grad_sync = false;
    }
    ~NoSyncGuard() {
      if (ddp_) ddp_->require_backward_grad_sync = prev_;
    }
    NoSyncGuard(NoSyncGuard&& o) noexcept : ddp_(o.ddp_), prev_(o.prev_) { o.ddp_ = nullptr; }
    NoSyncGuard(const NoSyncGuard&) = delete;
    NoSyncGuard& operator=(const NoSyncGuard&) = delete;
    NoSyncGuard& operator=(NoSyncGuard&&) = delete;

   private:
    DistributedDataParallel* ddp_;
    bool prev_;
  };
  [[nodiscard]] NoSyncGuard no_sync() { return NoSyncGuard(*this); }

  bool require_backward_grad_sync = true;
  bool require_forward_param_sync = true;

 private:
  std::shared_ptr<Module> module_;
  std::shared_ptr<distributed::ProcessGroup> group_;
  std::unique_ptr<distributed::Reducer> reducer_;
  bool broadcast_buffers_;
};

}  // namespace ramp::nn::parallel
