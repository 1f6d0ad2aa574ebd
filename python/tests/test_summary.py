"""ramp.diagnostics.summary on Python models: rows, output shapes and parameter counts against the
same model built in torch 1.13 (shapes through torch's own forward hooks), multiply-adds against
their arithmetic, memory against the allocator's bucket sizes of what each layer keeps, and the
model left as it was found."""
import pytest

import ramp
import ramp.nn as nn

torch = pytest.importorskip("torch")


def build(lib):
    m = lib.nn
    return m.Sequential(m.Sequential(m.Conv2d(1, 8, 3), m.BatchNorm2d(8), m.ReLU()), m.Flatten(), m.Dropout(),
                        m.Linear(8 * 26 * 26, 10))


def torch_rows(model, size):
    """(class name, depth, output shape, own parameter count) per call, by torch's hooks."""
    where = {id(m): 0 if not n else n.count(".") + 1 for n, m in model.named_modules()}
    rows = []
    hooks = [m.register_forward_hook(lambda mod, i, o: rows.append(
        (type(mod).__name__, where[id(mod)], list(o.shape), sum(p.numel() for p in mod.parameters(recurse=False)))))
        for m in model.modules()]
    model(torch.ones(size))
    for h in hooks:
        h.remove()
    return rows


def bucket(n):
    b = 64
    while b < n:
        b *= 2
    return b


def test_rows_match_torch_and_arithmetic():
    net = build(ramp)
    s = ramp.diagnostics.summary(net, (2, 1, 28, 28))
    got = sorted((r.type, r.depth, list(r.output_shape), r.params) for r in s.layers)
    assert got == sorted(torch_rows(build(torch), (2, 1, 28, 28)))
    assert [r.type for r in s.layers][:3] == ["Sequential", "Sequential", "Conv2d"]  # call order, outer first
    conv, linear = s.layers[2], s.layers[7]
    assert conv.mult_adds == 2 * 26 * 26 * 8 * 1 * 3 * 3
    assert linear.mult_adds == 2 * 8 * 26 * 26 * 10
    assert s.mult_adds == conv.mult_adds + linear.mult_adds
    assert s.total_params == sum(p.numel() for p in build(torch).parameters())
    assert s.param_bytes == 4 * s.total_params
    assert conv.memory == bucket(2 * 8 * 26 * 26 * 4)
    relu = s.layers[4]
    assert relu.type == "ReLU" and relu.memory == bucket(2 * 8 * 26 * 26 * 4) + bucket(2 * 8 * 26 * 26 // 8)
    text = str(s)
    assert "│    └─ReLU: 2-3" in text and "└─Linear: 1-4" in text
    assert "Total params: 54,186\n" in text


def test_model_left_as_found_and_errors():
    net = build(ramp)
    net.eval()
    bn = net[0][1]
    mean = bn.running_mean.clone()
    state = ramp.get_rng_state()
    ramp.diagnostics.summary(net, input_data=ramp.ones(3, 1, 28, 28))
    assert not net.training and not net[0][0].training
    assert ramp.equal(bn.running_mean, mean)
    assert ramp.equal(ramp.get_rng_state(), state)
    assert all(len(m._forward_hooks) == 0 and len(m._forward_pre_hooks) == 0 for m in net.modules())
    with pytest.raises(ValueError, match="input_size or input_data"):
        ramp.diagnostics.summary(net)
    with pytest.raises(RuntimeError):  # a wrong input size: the forward's own error, hooks removed
        ramp.diagnostics.summary(net, (2, 3, 28, 28))
    assert all(len(m._forward_hooks) == 0 for m in net.modules())
