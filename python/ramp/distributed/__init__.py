"""ramp.distributed: torch.distributed 1.13's process groups and collectives on Gloo.

    import ramp, ramp.distributed as dist
    dist.init_process_group("gloo", init_method="env://")   # RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT
    t = ramp.ones(4) * dist.get_rank()
    dist.all_reduce(t)                                       # sum over ranks, in place
    work = dist.broadcast(t, src=0, async_op=True); work.wait()

The work happens in C++ (include/ramp/distributed.h): one Gloo context and one worker thread per
group that runs the collectives in issue order. This file adds what torch checks in Python.
"""
from datetime import timedelta

from .. import _C
from .._C import Tensor

_d = _C._distributed
ReduceOp = _d.ReduceOp
Work = _d.Work
ProcessGroup = _d.ProcessGroup

default_pg_timeout = timedelta(minutes=30)


def is_available():
    return True


def is_gloo_available():
    return True


def is_nccl_available():
    return False


def is_mpi_available():
    return False


class Backend(object):
    """The backends' names (lowercase strings); ``Backend("GLOO")`` returns ``"gloo"``."""

    UNDEFINED = "undefined"
    GLOO = "gloo"
    NCCL = "nccl"
    UCC = "ucc"
    MPI = "mpi"
    TCP = "tcp"

    def __new__(cls, name):
        if not isinstance(name, str):
            raise ValueError("Backend name must be a string, but got: {}".format(name))
        value = getattr(Backend, name.upper(), Backend.UNDEFINED)
        if value == Backend.TCP:
            raise ValueError("TCP backend has been deprecated. Please use Gloo or MPI backend for collective "
                             "operations on CPU tensors.")
        if value == Backend.UNDEFINED:
            raise ValueError("Invalid backend: '{}'".format(name))
        return value


class GroupMember(object):
    WORLD = None  # the default group once init_process_group ran
    NON_GROUP_MEMBER = object()


group = GroupMember


def init_process_group(backend, init_method=None, timeout=default_pg_timeout, world_size=-1, rank=-1,
                       store=None, group_name="", pg_options=None):
    if not isinstance(timeout, timedelta):
        raise RuntimeError("Expected timeout argument to be of type" "datetime.timedelta")  # 1.13's text
    if GroupMember.WORLD is not None or _d.is_initialized():
        raise RuntimeError("trying to initialize the default process group " "twice!")
    if store is not None:
        raise NotImplementedError("ramp.distributed: init_process_group(store=...) is not supported; "
                                  "pass an init_method (env://, tcp://host:port or file:///folder)")
    if init_method is None:
        init_method = "env://"
    backend = Backend(backend)
    _d.init_process_group(backend, init_method, rank, world_size, timeout.total_seconds())
    GroupMember.WORLD = _d.default_group()


def destroy_process_group(group=None):
    if group is not None and group is not GroupMember.WORLD:
        raise RuntimeError("Invalid process group specified")
    assert GroupMember.WORLD is not None
    GroupMember.WORLD = None
    _d.destroy_process_group()


def is_initialized():
    return GroupMember.WORLD is not None


def _get_default_group():
    if not is_initialized():
        raise RuntimeError("Default process group has not been initialized, "
                           "please make sure to call init_process_group.")
    return GroupMember.WORLD


def _group(group):
    """The group a collective runs on: the default one (new_group's come later)."""
    default = _get_default_group()
    if group is not None and group is not default:
        raise RuntimeError("Invalid process group specified")
    return default


def get_rank(group=None):
    return _group(group).rank()


def get_world_size(group=None):
    return _group(group).size()


def get_backend(group=None):
    return _group(group).name()


def _check_single_tensor(param, param_name):
    if not isinstance(param, Tensor):
        raise RuntimeError("Invalid function argument. Expected parameter `{}` "
                           "to be of type torch.Tensor.".format(param_name))


def _check_tensor_list(param, param_name):
    if not isinstance(param, list) or not all(isinstance(p, Tensor) for p in param):
        raise RuntimeError("Invalid function argument. Expected parameter `{}` "
                           "to be of type List[torch.Tensor].".format(param_name))


def _run(work, async_op):
    if async_op:
        return work
    work.wait()
    return None


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    _check_single_tensor(tensor, "tensor")
    return _run(_group(group).allreduce(tensor, op), async_op)


def broadcast(tensor, src, group=None, async_op=False):
    _check_single_tensor(tensor, "tensor")
    return _run(_group(group).broadcast(tensor, src), async_op)


def reduce(tensor, dst, op=ReduceOp.SUM, group=None, async_op=False):
    _check_single_tensor(tensor, "tensor")
    return _run(_group(group).reduce(tensor, dst, op), async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    _check_tensor_list(tensor_list, "tensor_list")
    _check_single_tensor(tensor, "tensor")
    return _run(_group(group).allgather(tensor_list, tensor), async_op)


def gather(tensor, gather_list=None, dst=0, group=None, async_op=False):
    _check_single_tensor(tensor, "tensor")
    if gather_list:
        _check_tensor_list(gather_list, "gather_list")
    else:
        gather_list = []
    pg = _group(group)
    if pg.rank() == dst:
        if not gather_list:
            raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    return _run(pg.gather(gather_list, tensor, dst), async_op)


def scatter(tensor, scatter_list=None, src=0, group=None, async_op=False):
    _check_single_tensor(tensor, "tensor")
    if scatter_list:
        _check_tensor_list(scatter_list, "scatter_list")
    else:
        scatter_list = []
    pg = _group(group)
    if pg.rank() == src:
        if not scatter_list:
            raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    return _run(pg.scatter(tensor, scatter_list, src), async_op)


def barrier(group=None, async_op=False, device_ids=None):
    return _run(_group(group).barrier(), async_op)
