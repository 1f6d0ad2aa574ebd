"""ramp.distributed: torch.distributed 1.13's process groups and collectives on Gloo.

    import ramp, ramp.distributed as dist
    dist.init_process_group("gloo", init_method="env://")   # RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT
    t = ramp.ones(4) * dist.get_rank()
    dist.all_reduce(t)                                       # sum over ranks, in place
    work = dist.broadcast(t, src=0, async_op=True); work.wait()

The work happens in C++ (include/ramp/distributed.h): one Gloo context and two worker threads per
group that take turns running the collectives, one at a time, in issue order. This file adds what torch checks in Python.
"""
import warnings
from datetime import timedelta

from .. import _C
from .._C import Tensor
from ._work import Future, Work

_d = _C._distributed
ReduceOp = _d.ReduceOp
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
    _pg_group_ranks[GroupMember.WORLD] = {r: r for r in range(GroupMember.WORLD.size())}


# Every live group (the default one and new_group's, members only) -> {global rank: group rank},
# as 1.13's _pg_group_ranks; destroy_process_group removes them.
_pg_group_ranks = {}


def new_group(ranks=None, timeout=default_pg_timeout, backend=None, pg_options=None):
    """1.13's new_group: every rank of the default group calls it with the same ranks; members get a
    group whose ranks are renumbered in sorted order, the others GroupMember.NON_GROUP_MEMBER."""
    _get_default_group()
    if backend:
        backend = Backend(backend)
    if ranks is not None:  # 1.13's checks, in its order (the rest in C++)
        ranks = sorted(ranks)
        if len(ranks) > get_world_size():
            raise RuntimeError("the new group's world size should be less or equal to the world size set by "
                               "init_process_group")
        if any(r < 0 or r >= get_world_size() for r in ranks):
            raise RuntimeError("The new group's rank should be within the the world_size set by init_process_group")
    if not isinstance(timeout, timedelta):
        raise RuntimeError("Expected timeout argument to be of type" "datetime.timedelta")
    if pg_options is not None:
        raise RuntimeError("GLOO options not supported")
    pg = _d.new_group(ranks, timeout.total_seconds(), backend or "")
    if not pg.is_member():
        return GroupMember.NON_GROUP_MEMBER
    _pg_group_ranks[pg] = {g: i for i, g in enumerate(pg.ranks())}
    return pg


def destroy_process_group(group=None):
    if group is GroupMember.NON_GROUP_MEMBER:
        return
    pg = GroupMember.WORLD if group is None else group
    assert pg is not None
    if pg not in _pg_group_ranks:
        raise RuntimeError("Invalid process group specified")
    if group is None or group is GroupMember.WORLD:
        GroupMember.WORLD = None
        _pg_group_ranks.clear()
        _d.destroy_process_group()
    else:
        del _pg_group_ranks[pg]


def is_initialized():
    return GroupMember.WORLD is not None


def _get_default_group():
    if not is_initialized():
        raise RuntimeError("Default process group has not been initialized, "
                           "please make sure to call init_process_group.")
    return GroupMember.WORLD


def _rank_not_in_group(group):
    return group is not None and group is GroupMember.NON_GROUP_MEMBER


def _warn_not_in_group(op_name):
    global_rank = -1 if GroupMember.WORLD is None else GroupMember.WORLD.rank()
    warnings.warn("Running {} on global rank {} which does not belong to the given group.".format(op_name, global_rank))


def _group(group):
    """The group a collective runs on (a member's)."""
    default = _get_default_group()
    return default if group is None or group is GroupMember.WORLD else group


def get_group_rank(group, global_rank):
    """Translates a rank of the default group into `group`'s (1.13's errors)."""
    if group is GroupMember.WORLD:
        return global_rank
    if group not in _pg_group_ranks:
        raise RuntimeError("Group {} is not registered, please create group with torch.distributed.new_group API"
                           .format(group))
    group_ranks = _pg_group_ranks[group]
    if global_rank not in group_ranks:
        raise RuntimeError("Global rank {} is not part of group {}".format(global_rank, group))
    return group_ranks[global_rank]


def get_global_rank(group, group_rank):
    """Translates a rank of `group` into the default group's (1.13's errors)."""
    if group is GroupMember.WORLD:
        return group_rank
    if group not in _pg_group_ranks:
        raise RuntimeError("Group {} is not registered, please create group with torch.distributed.new_group API"
                           .format(group))
    for rank, grp_rank in _pg_group_ranks[group].items():
        if grp_rank == group_rank:
            return rank
    raise RuntimeError("Group rank {} is not part of group {}".format(group_rank, group))


def get_process_group_ranks(group):
    """The global ranks of `group`'s members, by group rank."""
    return list(_pg_group_ranks[group].keys())


def _group_root(group, rank):
    """src/dst as the op takes it: a global rank, translated for a group other than the default."""
    return rank if group is None or group is GroupMember.WORLD else get_group_rank(group, rank)


def get_rank(group=None):
    if _rank_not_in_group(group):
        return -1
    default = _get_default_group()
    if group is None or group is GroupMember.WORLD:
        return default.rank()
    return get_group_rank(group, default.rank())


def get_world_size(group=None):
    if _rank_not_in_group(group):
        return -1
    return _group(group).size()


def get_backend(group=None):
    pg = _get_default_group() if group is None else group
    if _rank_not_in_group(pg):
        raise RuntimeError("Invalid process group specified")
    return pg.name()


def _check_single_tensor(param, param_name):
    if not isinstance(param, Tensor):
        raise RuntimeError("Invalid function argument. Expected parameter `{}` "
                           "to be of type torch.Tensor.".format(param_name))


def _check_tensor_list(param, param_name):
    if not isinstance(param, list) or not all(isinstance(p, Tensor) for p in param):
        raise RuntimeError("Invalid function argument. Expected parameter `{}` "
                           "to be of type List[torch.Tensor].".format(param_name))


def _run(work, async_op, outputs):
    """The Work when async_op (holding the op's output tensors for result() and get_future()), else
    waits and returns None."""
    if async_op:
        work._outputs = outputs
        return work
    work._wait()
    return None


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    _check_single_tensor(tensor, "tensor")
    if _rank_not_in_group(group):
        _warn_not_in_group("all_reduce")
        return None
    return _run(_group(group).allreduce(tensor, op), async_op, [tensor])


def broadcast(tensor, src, group=None, async_op=False):
    _check_single_tensor(tensor, "tensor")
    if _rank_not_in_group(group):
        _warn_not_in_group("broadcast")
        return None
    return _run(_group(group).broadcast(tensor, _group_root(group, src)), async_op, [tensor])


def reduce(tensor, dst, op=ReduceOp.SUM, group=None, async_op=False):
    _check_single_tensor(tensor, "tensor")
    if _rank_not_in_group(group):
        _warn_not_in_group("reduce")
        return None
    return _run(_group(group).reduce(tensor, _group_root(group, dst), op), async_op, [tensor])


def all_gather(tensor_list, tensor, group=None, async_op=False):
    _check_tensor_list(tensor_list, "tensor_list")
    _check_single_tensor(tensor, "tensor")
    if _rank_not_in_group(group):
        _warn_not_in_group("all_gather")
        return None
    return _run(_group(group).allgather(tensor_list, tensor), async_op, tensor_list)


def gather(tensor, gather_list=None, dst=0, group=None, async_op=False):
    _check_single_tensor(tensor, "tensor")
    if gather_list:
        _check_tensor_list(gather_list, "gather_list")
    else:
        gather_list = []
    if _rank_not_in_group(group):
        _warn_not_in_group("gather")
        return None
    if get_rank() == dst:  # 1.13 compares global ranks
        if not gather_list:
            raise ValueError("Argument ``gather_list`` must be specified on destination rank.")
    elif gather_list:
        raise ValueError("Argument ``gather_list`` must NOT be specified on non-destination ranks.")
    return _run(_group(group).gather(gather_list, tensor, _group_root(group, dst)), async_op, gather_list)


def scatter(tensor, scatter_list=None, src=0, group=None, async_op=False):
    _check_single_tensor(tensor, "tensor")
    if scatter_list:
        _check_tensor_list(scatter_list, "scatter_list")
    else:
        scatter_list = []
    if _rank_not_in_group(group):
        _warn_not_in_group("scatter")
        return None
    if get_rank() == src:  # 1.13 compares global ranks
        if not scatter_list:
            raise ValueError("Argument ``scatter_list`` must be specified on source rank.")
    elif scatter_list:
        raise ValueError("Argument ``scatter_list`` must NOT be specified on non-source ranks.")
    return _run(_group(group).scatter(tensor, scatter_list, _group_root(group, src)), async_op, [tensor])


def barrier(group=None, async_op=False, device_ids=None):
    if _rank_not_in_group(group):
        _warn_not_in_group("barrier")
        return None
    return _run(_group(group).barrier(), async_op, [])
