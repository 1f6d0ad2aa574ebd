// nn::parallel::DistributedDataParallel: 1.13's DistributedDataParallel.__init__ and forward around
// the Reducer (src/distributed/reducer.cpp), for one-tensor modules. Python's class
// (python/ramp/nn/parallel/distributed.py) takes the same steps around the same Reducer.
#include "ramp/nn/parallel.h"

#include "ramp/autograd.h"
#include "ramp/error.h"

namespace ramp::nn::parallel {

namespace {
constexpr std::int64_t kBroadcastBucketBytes = 250LL * 1024 * 1024;  // 1.13's broadcast_bucket_size
}

DistributedDataParallel::DistributedDataParallel(std::shared_ptr<Module> module, DistributedDataParallelOptions options)
    : broadcast_buffers_(options.broadcast_buffers) {
  RAMP_CHECK(module, "DistributedDataParallel: module is null");
  module_ = register_module("module", std::move(module));
  group_ = options.process_group ? options.process_group : distributed::default_group();
  std::vector<Tensor> params;
  for (const Tensor& p : module_->parameters())
    if (p.requires_grad()) params.push_back(p);
  RAMP_CHECK(!params.empty(), "DistributedDataParallel is not needed when a module doesn't have any parameter that "
             "requires a gradient.");
  distributed::verify_params_across_processes(*group_, params);
  // Every replica starts from rank 0's parameters (all of them) and buffers.
  std::vector<Tensor> states = module_->parameters();
  for (const Tensor& b : module_->buffers()) states.push_back(b);
  distributed::broadcast_coalesced(*group_, states, kBroadcastBucketBytes, 0);
  reducer_ = std::make_unique<distributed::Reducer>(std::move(params), group_,
                                                    std::int64_t(options.bucket_cap_mb * 1024 * 1024),
                                                    options.find_unused_parameters);
}

Tensor DistributedDataParallel::forward(const Tensor& input) {
  const bool grad = autograd::is_grad_enabled();
  // Raises if the last backward left gradients unreduced; rebuilds the buckets once.
  if (grad) reducer_->rebuild_buckets();
  if (require_forward_param_sync && broadcast_buffers_) {
    auto buffers = module_->buffers();
    if (!buffers.empty()) distributed::broadcast_coalesced(*group_, buffers, kBroadcastBucketBytes, 0);
  }
  Tensor output = (*module_)(input);
  if (grad && require_backward_grad_sync) {
    require_forward_param_sync = true;
    reducer_->prepare_for_backward({output});
  } else {
    require_forward_param_sync = false;
  }
  return output;
}

}  // namespace ramp::nn::parallel
