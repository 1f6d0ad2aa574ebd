"""torch.nn.parallel.DistributedDataParallel (1.13) on CPU: a replica of the module on every rank,
the gradients averaged over the ranks during backward.

The work is C++ (include/ramp/distributed/reducer.h): the bucketed all_reduces started from
autograd hooks while backward runs, the end-of-backward callback that writes the averaged .grad,
the construction-time shape check and broadcast. This class takes 1.13's steps around them, as
the C++ ramp::nn::parallel::DistributedDataParallel does for one-tensor modules.
"""
from contextlib import contextmanager

from ... import _C
from ..module import Module

_d = _C._distributed

__all__ = ["DistributedDataParallel"]


def _find_tensors(obj):
    """The tensors in a (nested) output: the roots find_unused_parameters searches the graph from."""
    if isinstance(obj, _C.Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for o in obj for t in _find_tensors(o)]
    if isinstance(obj, dict):
        return [t for o in obj.values() for t in _find_tensors(o)]
    return []


class DistributedDataParallel(Module):
    def __init__(self, module, device_ids=None, output_device=None, dim=0, broadcast_buffers=True,
                 process_group=None, bucket_cap_mb=25, find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False):
        super().__init__()
        if not any(p.requires_grad for p in module.parameters()):
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter "
                               "that requires a gradient.")
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError("device_ids can only be None or contain a single element.")
        # every ramp tensor is on the CPU: 1.13 takes device_ids/output_device only for GPU modules
        if device_ids or output_device:
            raise ValueError("DistributedDataParallel device_ids and output_device arguments only work with "
                             "single-device/multiple-device GPU modules or CPU modules, but got device_ids {}, "
                             "output_device {}, and module parameters {}.".format(
                                 device_ids, output_device, {p.device for p in module.parameters()}))
        if gradient_as_bucket_view or static_graph:
            raise NotImplementedError("ramp's DistributedDataParallel: gradient_as_bucket_view and static_graph "
                                      "are not supported")
        from ... import distributed as dist
        self.module = module
        self.device_ids = None
        self.output_device = None
        self.dim = dim
        self.device_type = "cpu"
        self.process_group = process_group if process_group is not None else dist._get_default_group()
        self.broadcast_buffers = broadcast_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_grad_sync = True
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.gradient_as_bucket_view = gradient_as_bucket_view
        self.static_graph = False
        self.broadcast_bucket_size = int(250 * 1024 * 1024)
        self.bucket_bytes_cap = int(bucket_cap_mb * 1024 * 1024)
        # each parameter once, those that need a gradient, in registration order
        parameters = [p for p in module.parameters() if p.requires_grad]
        _d._verify_params_across_processes(self.process_group, parameters)
        # every replica starts from rank 0's parameters and buffers
        states = [p.detach() for p in module.parameters()] + [b.detach() for b in module.buffers()]
        _d._broadcast_coalesced(self.process_group, states, self.broadcast_bucket_size, 0)
        self.modules_buffers = [b for b in module.buffers()]
        self.reducer = _d.Reducer(parameters, self.process_group, self.bucket_bytes_cap, find_unused_parameters)

    def forward(self, *inputs, **kwargs):
        grad = _C.is_grad_enabled()
        # raises 1.13's error if the last backward left gradients unreduced; rebuilds buckets once
        if grad:
            self.reducer._rebuild_buckets()
        if self.require_forward_param_sync and self.broadcast_buffers and self.modules_buffers:
            _d._broadcast_coalesced(self.process_group, [b.detach() for b in self.module.buffers()],
                                    self.broadcast_bucket_size, 0)
        output = self.module(*inputs, **kwargs)
        if grad and self.require_backward_grad_sync:
            self.require_forward_param_sync = True
            self.reducer.prepare_for_backward(_find_tensors(output) if self.find_unused_parameters else [])
        else:
            self.require_forward_param_sync = False
        return output

    @contextmanager
    def no_sync(self):
        """Backward passes inside accumulate gradients locally; the first synced one after averages them."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old
