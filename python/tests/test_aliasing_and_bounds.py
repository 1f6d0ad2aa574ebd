"""Review of issue 9's C++ side: writes whose source shares memory with the destination, rounding-mode
division's graph, channel dropout of unbatched inputs, histc's last bin, size overflow. Each case
runs torch 1.13 and ramp on the same inputs and compares results, or the error type and text."""
import pytest

import ramp
from conftest import assert_values, outcome, to_ramp

torch = pytest.importorskip("torch")

OVERLAP = ("unsupported operation: some elements of the input tensor and the written-to tensor refer to a "
           "single memory location. Please clone() the tensor before performing the operation.")


def both(fn):
    """outcome(fn, torch), outcome(fn, ramp): (result, None) or (None, (exception type, text)) each."""
    return outcome(fn, torch), outcome(fn, ramp)


def after(x, write):
    """x's values after write(x)."""
    write(x)
    return x.tolist()


def same_outcome(fn):
    t, r = both(fn)
    assert r == t


# ---- a source that is (part of) the tensor written: 1.13 refuses (assert_no_overlap) ----
ALIASED_WRITES = {
    "setitem_list_from_view": lambda L: after(L.arange(5.), lambda x: x.__setitem__(L.tensor([1, 2, 3]), x[0:3])),
    "setitem_mask_from_view": lambda L: after(L.arange(5.), lambda x: x.__setitem__(x > 1, x[0:3])),
    "index_put_self": lambda L: after(L.arange(5.), lambda x: x.index_put_((L.tensor([4, 3, 2, 1, 0]),), x)),
    "scatter_self": lambda L: after(L.arange(5.), lambda x: x.scatter_(0, L.tensor([1, 2, 3]), x)),
    "scatter_add_self": lambda L: after(L.arange(5.), lambda x: x.scatter_add_(0, L.tensor([1, 2, 3]), x)),
    "index_add_self": lambda L: after(L.arange(5.), lambda x: x.index_add_(0, L.tensor([1, 2, 3, 4, 0]), x)),
    "index_copy_self": lambda L: after(L.arange(5.), lambda x: x.index_copy_(0, L.tensor([1, 2, 3, 4, 0]), x)),
    "index_copy_view": lambda L: after(L.arange(5.), lambda x: x.index_copy_(0, L.tensor([1, 2]), x[0:2])),
    "setitem_slice_overlap": lambda L: after(L.arange(5.), lambda x: x.__setitem__(slice(1, 4), x[0:3])),
    "copy_overlap": lambda L: after(L.arange(5.), lambda x: x[0:3].copy_(x[1:4])),
}


@pytest.mark.parametrize("name", sorted(ALIASED_WRITES))
def test_aliased_source_refused_as_1_13(name):
    t, r = both(ALIASED_WRITES[name])
    assert t == (None, ("RuntimeError", OVERLAP))  # the oracle itself
    assert r == t


# Sources that share the storage without a provable overlap (1.13's "too hard" case: strided views),
# or that are the destination exactly (an elementwise in-place op): 1.13 computes, so must ramp.
ALLOWED = {
    "fmod_strided": lambda L: after(L.arange(1., 7.), lambda x: x[::2].fmod_(x[1::2])),
    "remainder_strided": lambda L: after(L.arange(1., 7.), lambda x: x[::2].remainder_(x[1::2])),
    "lerp_strided": lambda L: after(L.arange(1., 7.), lambda x: x[::2].lerp_(x[1::2], 0.25)),
    "addcmul_strided": lambda L: after(L.arange(1., 7.), lambda x: x[::2].addcmul_(x[1::2], x[1::2])),
    "fmod_self": lambda L: after(L.arange(1., 7.), lambda x: x.fmod_(x)),
    "copy_self_view": lambda L: after(L.arange(5.), lambda x: x[0:3].copy_(x[0:3])),
    "copy_strided": lambda L: after(L.arange(6.), lambda x: x[::2].copy_(x[1::2])),
    "sub_strided_overlapping": lambda L: after(L.arange(6.), lambda x: x[::2].sub_(x[0:3])),  # read in order
    "index_put_strided_source": lambda L: after(L.arange(6.), lambda x: x.index_put_((L.tensor([0, 2, 4]),), x[1::2])),
}


@pytest.mark.parametrize("name", sorted(ALLOWED))
def test_shared_storage_without_overlap_computes_as_1_13(name):
    t, r = both(ALLOWED[name])
    assert t[1] is None, t
    assert r == t


def test_partial_overlap_of_an_elementwise_input_still_refused():
    same_outcome(lambda L: after(L.arange(1., 7.), lambda x: x[0:4].fmod_(x[1:5])))


# ---- index_add_/index_fill_/index_copy_ on a 0-d tensor (1.13 treats it as one element) ----
@pytest.mark.parametrize("op", [
    lambda L: L.tensor(1.).index_add_(0, L.tensor([0]), L.tensor(2.)).item(),
    lambda L: L.tensor(1.).index_add(0, L.tensor([0, 0]), L.tensor([2., 3.])).item(),
    lambda L: L.tensor(1.).index_fill_(0, L.tensor([0]), 5.).item(),
    lambda L: L.tensor(1.).index_copy_(0, L.tensor([0]), L.tensor(4.)).item(),
    lambda L: L.tensor(1.).index_add_(0, L.tensor([1]), L.tensor(2.)).item(),
])
def test_index_ops_on_0d(op):
    same_outcome(op)


# ---- torch.div with a rounding mode: DivBackward2 with zero gradients (1.13's derivatives.yaml) ----
@pytest.mark.parametrize("mode", ["floor", "trunc"])
def test_div_rounding_mode_records_a_zero_gradient(mode):
    got = {}
    for L in (torch, ramp):
        x = L.tensor([1.5, -2.5, 7.0], dtype=L.float64, requires_grad=True)
        y = L.tensor([2.0, 2.0, -0.5], dtype=L.float64, requires_grad=True)
        z = L.div(x, y, rounding_mode=mode)
        s = L.div(x, 3, rounding_mode=mode)
        (z.sum() + s.sum()).backward()
        got[L.__name__] = (z.requires_grad, z.grad_fn.name(), s.grad_fn.name(), z.tolist(), x.grad.tolist(),
                           y.grad.tolist())
    assert got["ramp"] == got["torch"]
    for L in (torch, ramp):  # integers carry no graph
        assert not L.div(L.tensor([3, 4]), 2, rounding_mode=mode).requires_grad


def test_floor_divide_has_no_derivative_as_1_13():
    for L in (torch, ramp):
        x = L.tensor([1.5, -2.5], requires_grad=True)
        y = x // 2
        assert y.requires_grad
        with pytest.raises(RuntimeError, match="derivative for aten::floor_divide is not implemented"):
            y.sum().backward()


# ---- histc: the maximum lands in the last bin even when bins does not fit the dtype exactly ----
@pytest.mark.parametrize("dtype,bins", [("bfloat16", 511), ("bfloat16", 257), ("float32", 2**25 - 1)])
def test_histc_counts_every_value_in_range(dtype, bins):
    # 1.13 computes bin = (x - min) * bins / (max - min) in the input's type, where `bins` rounds
    # (511 -> 512 in bfloat16): the maximum gets bin 512 and 1.13 writes past the histogram's end.
    # ramp puts it in the last bin (the documented rule), so every value in range is counted once.
    x = ramp.tensor([0.0, 0.5, 1.0, 1.0]).to(getattr(ramp, dtype))
    h = ramp.histc(x, bins=bins, min=0, max=1)
    assert h.shape == (bins,)
    assert h.double().sum().item() == 4
    assert h[-1].item() == 2 and h[0].item() == 1


def test_histc_matches_torch_where_bins_is_exact():
    for dtype in ("float32", "bfloat16", "float64"):
        t = torch.tensor([0.0, 0.1, 0.5, 0.99, 1.0, 1.5, -0.2]).to(getattr(torch, dtype))
        assert_values(ramp.histc(to_ramp(t), bins=7, min=0, max=1), torch.histc(t, bins=7, min=0, max=1))


# ---- sizes whose element count overflows int64 are refused, as 1.13 ----
@pytest.mark.parametrize("make", [
    lambda L: L.empty(2**32, 2**32),
    lambda L: L.zeros(2**31, 2**31, 4),
    lambda L: L.ones(2, 2).repeat(2**32, 2**32),
    lambda L: L.ones(1).expand(2**40, 2**40).contiguous(),
])
def test_element_count_overflow_raises(make):
    t, r = both(make)
    assert t[1] is not None and t[1][0] == "RuntimeError" and "overflow" in t[1][1], t
    assert r[1] is not None and r[1][0] == "RuntimeError" and "overflow" in r[1][1], r


# ---- generator states: an all-zero engine state would draw zeros forever (randn then never ends) ----
@pytest.mark.parametrize("L", [torch, ramp], ids=["torch", "ramp"])
def test_set_rng_state_refuses_an_all_zero_state(L):
    saved = L.get_rng_state()
    try:
        with pytest.raises(RuntimeError):
            L.set_rng_state(L.zeros(saved.shape, dtype=L.uint8))
        assert L.equal(L.get_rng_state(), saved)  # unchanged
        assert L.isfinite(L.randn(4)).all()
    finally:
        L.set_rng_state(saved)


# ---- integer counts near int64's end: clear errors, not a double -> int64 overflow ----
@pytest.mark.parametrize("make", [
    lambda L: L.bincount(L.tensor([2**62])),
    lambda L: L.nn.functional.one_hot(L.tensor([2**63 - 1])),
])
def test_huge_counts_raise_runtime_error(make):
    t, r = both(make)
    assert t[1] is not None and t[1][0] == "RuntimeError", t
    assert r[1] is not None and r[1][0] == "RuntimeError", r


def test_bincount_of_int64_max_raises():
    # 1.13 crashes here (max + 1 wraps negative): no oracle but "a clear error, never a crash"
    with pytest.raises(RuntimeError, match="overflow"):
        ramp.bincount(ramp.tensor([2**63 - 1]))


def test_bincount_matches_torch():
    for args in [([3, 0, 3], None, 5), ([1, 1, 2], [0.5, 0.25, 1.0], 0), ([0, 2], [1, 2], 4), ([], None, 2)]:
        x, w, m = args
        got = []
        for L in (torch, ramp):
            weights = None if w is None else L.tensor(w, dtype=L.float32 if isinstance(w[0], float) else L.int64)
            r = L.bincount(L.tensor(x, dtype=L.int64), weights=weights, minlength=m)
            got.append((str(r.dtype).split(".")[-1], r.tolist()))
        assert got[1] == got[0], args


def test_size_and_stride_of_a_0d_tensor_raise():
    # 1.13: no dim to read on a 0-d tensor (ramp read past the end of its empty sizes: garbage)
    for d in (0, -1, 1):
        for method in ("size", "stride"):
            _, et = outcome(getattr(torch.tensor(3.0), method), d)
            _, er = outcome(getattr(ramp.tensor(3.0), method), d)
            assert et is not None and er == et
    assert ramp.tensor(3.0).size() == () and ramp.tensor(3.0).stride() == ()
    assert ramp.ones(2, 3).size(-1) == 3 and ramp.ones(2, 3).stride(0) == 3
