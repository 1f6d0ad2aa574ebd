"""ramp.utils.data.DistributedSampler against torch 1.13's on the same arguments: lengths, the
unshuffled indices of every rank (equal), the shuffled ones (torch's partition rule applied to
ramp's own permutation: streams differ by design), set_epoch and the errors."""
import math

import pytest

import ramp

torch = pytest.importorskip("torch")


def rule(order, replicas, rank, drop_last):
    """1.13's partition, written from its documentation: pad by repeating (or drop the tail), stride."""
    n = len(order)
    per = math.ceil((n - replicas) / replicas) if drop_last and n % replicas else math.ceil(n / replicas)
    total = per * replicas
    full = (order * (total // max(n, 1) + 1))[:total] if not drop_last else order[:total]
    return [full[i] for i in range(rank, total, replicas)]


@pytest.mark.parametrize("n", [1, 2, 5, 10, 11, 17])
@pytest.mark.parametrize("replicas", [1, 2, 3, 4, 7])
@pytest.mark.parametrize("drop_last", [False, True])
def test_unshuffled_matches_torch(n, replicas, drop_last):
    data = list(range(n))
    shares = []
    for rank in range(replicas):
        r = ramp.utils.data.DistributedSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        t = torch.utils.data.DistributedSampler(data, replicas, rank, shuffle=False, drop_last=drop_last)
        assert len(r) == len(t) and list(r) == list(t)
        assert list(r) == rule(data, replicas, rank, drop_last)
        shares += list(r)
    if drop_last:
        assert len(shares) == len(set(shares))  # no index twice
    else:
        assert set(shares) == set(data)  # every index somewhere


@pytest.mark.parametrize("drop_last", [False, True])
def test_shuffled_partition_and_epochs(drop_last):
    data = list(range(23))
    samplers = [ramp.utils.data.DistributedSampler(data, 4, k, seed=5, drop_last=drop_last) for k in range(4)]
    g = ramp.Generator()
    g.manual_seed(5)
    order = ramp.randperm(23, generator=g).tolist()
    for k, s in enumerate(samplers):
        assert list(s) == rule(order, 4, k, drop_last)
        assert list(s) == list(s)  # the same epoch gives the same order
    first = [list(s) for s in samplers]
    for s in samplers:
        s.set_epoch(1)
    assert [list(s) for s in samplers] != first
    g.manual_seed(6)  # seed + epoch
    assert list(samplers[2]) == rule(ramp.randperm(23, generator=g).tolist(), 4, 2, drop_last)


def test_errors_match_torch():
    for rank in (-1, 3):
        with pytest.raises(ValueError) as r:
            ramp.utils.data.DistributedSampler(range(5), 3, rank)
        with pytest.raises(ValueError) as t:
            torch.utils.data.DistributedSampler(range(5), 3, rank)
        assert str(r.value) == str(t.value)
    with pytest.raises(RuntimeError) as r:  # no process group to ask
        ramp.utils.data.DistributedSampler(range(5))
    with pytest.raises(RuntimeError) as t:
        torch.utils.data.DistributedSampler(range(5))
    assert str(r.value) == str(t.value)
    assert ramp.utils.data.distributed.DistributedSampler is ramp.utils.data.DistributedSampler
