"""ramp.keras's functional API against a torch 1.13 twin built from the same weights: a model with
two inputs, a shared layer, Add / Multiply / Concatenate, a nested model and two outputs gives
torch's outputs, gradients and training losses over 20 SGD steps (float64: the tolerances are a
few ulps of the result); it is an nn.Module for ramp.optim, state_dict and diagnostics.Monitor;
bad graphs and shapes raise Keras's ValueErrors."""
import numpy as np
import pytest

import ramp
from conftest import to_numpy, to_ramp
from ramp.keras import (Add, Concatenate, Dense, Input, LeakyReLU, Model, Multiply, Sequential, Softmax, Activation,
                        Reshape, Conv2D)

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def build():
    """Two inputs through one shared Dense, merged three ways, a nested functional model, two outputs."""
    a, b = Input(shape=(6,), name="a"), Input(shape=(6,), name="b")
    shared = Dense(8, activation="relu", name="shared")
    ha, hb = shared(a), shared(b)
    merged = Concatenate(name="cat")([Add(name="add")([ha, hb]), Multiply(name="mul")([ha, hb])])
    inner_in = Input(shape=(16,), name="inner_in")
    inner = Model(inner_in, Dense(3, name="inner_out")(LeakyReLU(name="leaky")(Dense(12, name="inner_h")(inner_in))),
                  name="inner")
    probs = Softmax(name="probs")(inner(merged))
    gate = Dense(1, activation="sigmoid", name="gate")(merged)
    return Model(inputs=[a, b], outputs=[probs, gate], name="twin")


class Twin(torch.nn.Module):
    """The same network in torch, its weights copied from the ramp model's state_dict."""

    def __init__(self, state):
        super().__init__()
        lin = {}
        for key in ("shared.0", "inner.inner_h", "inner.inner_out", "gate.0"):
            w = torch.from_numpy(to_numpy(state[key + ".weight"]).copy())
            layer = torch.nn.Linear(w.shape[1], w.shape[0]).double()
            with torch.no_grad():
                layer.weight.copy_(w)
                layer.bias.copy_(torch.from_numpy(to_numpy(state[key + ".bias"]).copy()))
            lin[key.replace(".", "_")] = layer
        self.layers = torch.nn.ModuleDict(lin)

    def forward(self, a, b):
        L = self.layers
        ha, hb = TF.relu(L["shared_0"](a)), TF.relu(L["shared_0"](b))
        merged = torch.cat([ha + hb, ha * hb], -1)
        probs = torch.softmax(L["inner_inner_out"](TF.leaky_relu(L["inner_inner_h"](merged), 0.3)), -1)
        return probs, torch.sigmoid(L["gate_0"](merged))


def data(n=32, seed=0):
    g = torch.Generator().manual_seed(seed)
    a, b = torch.randn(n, 6, generator=g, dtype=torch.float64), torch.randn(n, 6, generator=g, dtype=torch.float64)
    return a, b, torch.randint(0, 3, (n,), generator=g), torch.randint(0, 2, (n, 1), generator=g).double()


def test_structure_and_module():
    m = build()
    assert isinstance(m, ramp.nn.Module)
    assert [layer.name for layer in m.layers] == ["a", "b", "shared", "add", "mul", "cat", "inner", "probs",
                                             "gate"]  # Keras's order
    assert list(m.state_dict()) == ["shared.0.weight", "shared.0.bias", "inner.inner_h.weight", "inner.inner_h.bias",
                                    "inner.inner_out.weight", "inner.inner_out.bias", "gate.0.weight", "gate.0.bias"]
    # Keras's counts: the shared layer once
    assert m.count_params() == (6 * 8 + 8) + (16 * 12 + 12) + (12 * 3 + 3) + (16 + 1)
    assert [w.shape for w in m.get_weights()][:2] == [(6, 8), (8,)]  # Keras's kernel layout [in, out]
    assert m.get_layer("inner").get_layer("inner_h").output_shape == (None, 12)
    assert m.get_layer("shared").output_shape == (None, 8)  # both calls agree


def test_outputs_and_gradients_match_torch():
    m = build().double()
    t = Twin(m.state_dict())
    a, b, _, _ = data()
    probs, gate = m([to_ramp(a), to_ramp(b)])
    tp, tg = t(a, b)
    np.testing.assert_allclose(to_numpy(probs), tp.detach().numpy(), rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(to_numpy(gate), tg.detach().numpy(), rtol=1e-14, atol=1e-16)
    g1, g2 = torch.randn_like(tp), torch.randn_like(tg)
    (probs * to_ramp(g1)).sum().add((gate * to_ramp(g2)).sum()).backward()
    ((tp * g1).sum() + (tg * g2).sum()).backward()
    grads = dict(m.named_parameters())
    for key, tkey in [("shared.0", "shared_0"), ("inner.inner_h", "inner_inner_h"),
                      ("inner.inner_out", "inner_inner_out"), ("gate.0", "gate_0")]:
        for kind in ("weight", "bias"):
            want = getattr(t.layers[tkey], kind).grad.numpy()
            np.testing.assert_allclose(to_numpy(grads[f"{key}.{kind}"].grad), want, rtol=1e-12,
                                       atol=1e-14 * np.abs(want).max(), err_msg=f"{key}.{kind}")


def torch_losses(t, a, b, y1, y2, steps, lr):
    opt = torch.optim.SGD(t.parameters(), lr=lr)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        p, g = t(a, b)
        l1 = TF.nll_loss(p.clamp(1e-7, 1 - 1e-7).log(), y1)
        l2 = TF.binary_cross_entropy(g.clamp(1e-7, 1 - 1e-7), y2)
        loss = l1 + l2
        out.append((loss.item(), l1.item(), l2.item()))
        loss.backward()
        opt.step()
    return out


def test_fit_20_steps_matches_torch():
    """compile/fit with one loss per output: the logs are the total and each output's loss (Keras's
    '<output layer>_loss' names), equal to torch's training of the twin step by step."""
    from ramp.keras.optimizers import SGD
    m = build().double()
    t = Twin(m.state_dict())
    a, b, y1, y2 = data(48, seed=1)
    m.compile(optimizer=SGD(learning_rate=0.1), loss=["sparse_categorical_crossentropy", "binary_crossentropy"])
    history = m.fit([a.numpy(), b.numpy()], [y1.numpy(), y2.numpy()], batch_size=48, epochs=20, shuffle=False,
                    verbose=0)
    want = torch_losses(t, a, b, y1, y2, 20, 0.1)
    assert list(history.history) == ["loss", "probs_loss", "gate_loss"]
    for key, column in [("loss", 0), ("probs_loss", 1), ("gate_loss", 2)]:
        np.testing.assert_allclose(history.history[key], [w[column] for w in want], rtol=1e-12, err_msg=key)
    assert want[-1][0] < 0.9 * want[0][0]  # it trained


def test_ramp_optimizer_state_dict_and_monitor():
    """The model under a plain ramp training loop: ramp.optim.Adam equals torch's Adam on the twin;
    state_dict loads into a fresh model; diagnostics.Monitor finds the activation modules."""
    m = build().double()
    t = Twin(m.state_dict())
    a, b, y1, y2 = data(16, seed=2)
    opt, topt = ramp.optim.Adam(m.parameters(), lr=0.01), torch.optim.Adam(t.parameters(), lr=0.01)
    monitor = ramp.diagnostics.Monitor(m, optimizer=opt)
    assert {"shared.1", "gate.1", "inner.leaky"} <= set(monitor.layer_names)
    ra, rb, ry1, ry2 = to_ramp(a), to_ramp(b), to_ramp(y1), to_ramp(y2)
    for _ in range(5):
        opt.zero_grad()
        p, g = m([ra, rb])
        loss = ramp.nn.functional.nll_loss(p.log(), ry1) + ramp.nn.functional.binary_cross_entropy(g, ry2)
        loss.backward()
        opt.step()
        monitor.step(loss.item())
        topt.zero_grad()
        tp, tg = t(a, b)
        tloss = TF.nll_loss(tp.log(), y1) + TF.binary_cross_entropy(tg, y2)
        tloss.backward()
        topt.step()
        assert loss.item() == pytest.approx(tloss.item(), rel=1e-12)
    fresh = build().double()
    fresh.load_state_dict(m.state_dict())
    np.testing.assert_array_equal(to_numpy(fresh([ra, rb])[0]), to_numpy(m([ra, rb])[0]))
    assert "shared.1" in monitor.table()


def test_single_input_forms_and_training_flag():
    """One input and one output give a tensor, not a list; Input(shape=int); Dropout acts only while
    training (Keras: model(x) is inference, model(x, training=True) or fit train)."""
    from ramp.keras import Dropout
    x_in = Input(shape=5)
    out = Dropout(0.5)(Dense(4, kernel_initializer="ones")(x_in))
    m = Model(x_in, out)
    x = ramp.ones(64, 5)
    np.testing.assert_array_equal(to_numpy(m(x)), np.full((64, 4), 5.0, np.float32))
    y = to_numpy(m(x, training=True))
    assert set(np.unique(y)) <= {0.0, 10.0} and 0.3 < (y == 0).mean() < 0.7
    assert not m.training
    # a model of a model of a layer; an output that is an input
    outer_in = Input(shape=(5,))
    outer = Model(outer_in, [m(outer_in), outer_in])
    r = outer(x)
    assert isinstance(r, list) and r[1] is x or np.array_equal(to_numpy(r[1]), to_numpy(x))
    assert m._inbound_nodes[1].layer is m  # Keras: the nested call is the model's node 1


def test_sequential_nests_in_functional():
    seq = Sequential([Dense(4, activation="relu"), Dense(2)], name="head")
    x_in = Input(shape=(3,))
    m = Model(x_in, seq(Dense(3)(x_in)))
    assert list(m.state_dict())[2:] == ["head.0.weight", "head.0.bias", "head.2.weight", "head.2.bias"]
    x = ramp.randn(5, 3)
    np.testing.assert_array_equal(to_numpy(m(x)), to_numpy(seq(m.layers[1](x))))


def test_errors():
    a = Input(shape=(4,))
    d = Dense(3)
    d(a)
    with pytest.raises(ValueError, match=r'Input 0 of layer "dense(_\d+)?" is incompatible with the layer: expected '
                                         r"axis -1 of input shape to have value 4, but received input with shape "
                                         r"\(None, 5\)"):
        d(Input(shape=(5,)))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 4, but received input with "
                                         r"shape \(2, 5\)"):
        d(ramp.zeros(2, 5))
    other = Input(shape=(4,), name="other_input")
    with pytest.raises(ValueError, match='Graph disconnected: cannot obtain value for tensor .*other_input.* at layer '
                                         '"dense'):
        Model(inputs=a, outputs=Dense(2)(other))
    with pytest.raises(ValueError, match="Graph disconnected: cannot obtain value for tensor .*does not depend on"):
        Model(inputs=a, outputs=other)
    with pytest.raises(ValueError, match="Input tensors to a Functional must come from `keras.Input`"):
        Model(inputs=d(a), outputs=Dense(2)(d(a)))
    with pytest.raises(ValueError, match="Inputs have incompatible shapes. Received shapes \\(3,\\) and \\(4,\\)"):
        Add()([d(a), a])
    with pytest.raises(ValueError, match="A merge layer should be called on a list of inputs"):
        Add()(a)
    with pytest.raises(ValueError, match="requires inputs with matching shapes except for the concatenation axis"):
        Concatenate()([Input(shape=(2, 3)), Input(shape=(4, 3))])
    with pytest.raises(ValueError, match="Unknown activation function: 'rleu'"):
        Dense(2, activation="rleu")
    with pytest.raises(ValueError, match="Unknown activation function: 'rleu'"):
        Activation("rleu")
    with pytest.raises(ValueError, match="Unknown initializer: 'glorot'"):
        Dense(2, kernel_initializer="glorot")
    with pytest.raises(ValueError, match='The name "twice" is used 2 times in the model'):
        Model(a, Dense(2, name="twice")(Dense(2, name="twice")(a)))
    m = Model(a, Dense(2)(a))
    with pytest.raises(ValueError, match=r'Input 0 of layer "model(_\d+)?" is incompatible with the layer: expected '
                                         r"axis 1 of input shape to have value 4"):
        m(ramp.zeros(3, 7))
    with pytest.raises(ValueError, match="expects 1 input\\(s\\), but it received 2 input tensors"):
        m([ramp.zeros(3, 4), ramp.zeros(3, 4)])
    with pytest.raises(ValueError, match="expected min_ndim=4, found ndim=2"):
        Conv2D(2, 3)(a)
    with pytest.raises(ValueError, match="total size of new array must be unchanged"):
        Reshape((3, 2))(a)
    with pytest.raises(ValueError, match="mix of symbolic"):
        Add()([a, ramp.zeros(2, 4)])
    with pytest.raises(TypeError, match="Keyword argument not understood"):
        Dense(2, unit=3)
