"""ramp.keras's training API against Keras 2's documented behaviour and torch: the optimizers'
updates (Keras's Adam epsilon placement, RMSprop, SGD with momentum), validation_split (the last
samples), validation_data, EarlyStopping (its documented example and rules), ModelCheckpoint,
History, the progress bar's text, save_weights / load_weights, evaluate / predict."""
import re

import numpy as np
import pytest

import ramp
from conftest import to_numpy
from ramp.keras import Dense, Input, Model, Sequential, callbacks, optimizers

torch = pytest.importorskip("torch")


def regression_model(dtype="float64", seed=0):
    ramp.manual_seed(seed)
    x_in = Input(shape=(4,))
    m = Model(x_in, Dense(1)(Dense(6, activation="tanh")(x_in)))
    return m.double() if dtype == "float64" else m


def torch_twin(m):
    t = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 1)).double()
    t.load_state_dict({k: torch.from_numpy(to_numpy(v).copy()) for k, v in
                       zip(t.state_dict(), m.state_dict().values())})
    return t


def data(n=40, seed=0):
    g = np.random.default_rng(seed)
    x = g.standard_normal((n, 4))
    return x, (x @ g.standard_normal(4) + 0.1 * g.standard_normal(n))[:, None]


@pytest.mark.parametrize("name", ["adam", "rmsprop", "sgd_momentum", "sgd_nesterov"])
def test_optimizer_updates_match_keras_formulas(name):
    """Full-batch steps: the losses equal a torch model updated by Keras 2's formulas (Adam:
    lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) + eps); RMSprop: g / (sqrt(v) + eps); SGD momentum:
    v = mu v - lr g)."""
    m = regression_model()
    t = torch_twin(m)
    opt = {"adam": optimizers.Adam(learning_rate=0.05), "rmsprop": "rmsprop",
           "sgd_momentum": optimizers.SGD(learning_rate=0.05, momentum=0.9),
           "sgd_nesterov": optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=True)}[name]
    m.compile(optimizer=opt, loss="mse")
    x, y = data()
    history = m.fit(x, y, batch_size=40, epochs=20, shuffle=False, verbose=0)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    state = [dict(m=torch.zeros_like(p), v=torch.zeros_like(p)) for p in t.parameters()]
    lr = {"adam": 0.05, "rmsprop": 0.001}.get(name, 0.05)
    want = []
    for step in range(1, 21):
        t.zero_grad()
        loss = torch.nn.functional.mse_loss(t(xt), yt)
        want.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p, s in zip(t.parameters(), state):
                g = p.grad
                if name == "adam":
                    s["m"] = 0.9 * s["m"] + 0.1 * g
                    s["v"] = 0.999 * s["v"] + 0.001 * g * g
                    p -= lr * (1 - 0.999 ** step) ** 0.5 / (1 - 0.9 ** step) * s["m"] / (s["v"].sqrt() + 1e-7)
                elif name == "rmsprop":
                    s["v"] = 0.9 * s["v"] + 0.1 * g * g
                    p -= lr * g / (s["v"].sqrt() + 1e-7)
                else:
                    s["m"] = 0.9 * s["m"] - lr * g
                    p += 0.9 * s["m"] - lr * g if name == "sgd_nesterov" else s["m"]
    np.testing.assert_allclose(history.history["loss"], want, rtol=1e-10)
    assert want[-1] < 0.8 * want[0]  # it trains


def test_validation_split_takes_the_last_samples():
    m = regression_model()
    m.compile(optimizer="sgd", loss="mse", metrics=[])
    x, y = data(50)
    h = m.fit(x, y, batch_size=8, epochs=3, validation_split=0.2, verbose=0)
    assert list(h.history) == ["loss", "val_loss"] and h.epoch == [0, 1, 2]
    assert h.history["val_loss"][-1] == pytest.approx(m.evaluate(x[40:], y[40:], verbose=0), rel=1e-14)
    h2 = m.fit(x[:40], y[:40], epochs=1, validation_data=(x[40:], y[40:]), verbose=0)
    assert h2.history["val_loss"][0] == pytest.approx(m.evaluate(x[40:], y[40:], verbose=0), rel=1e-14)
    with pytest.raises(ValueError, match="`validation_split` must be in"):
        m.fit(x, y, validation_split=1.5, verbose=0)


def test_early_stopping_documented_example():
    """Keras's docstring: a Dense(10) on np.arange(100).reshape(5, 20) with SGD diverges, and
    EarlyStopping(monitor='loss', patience=3) stops it after 4 epochs."""
    model = Sequential([Dense(10)])
    model.compile(optimizers.SGD(), loss="mse")
    history = model.fit(np.arange(100).reshape(5, 20), np.zeros(5), epochs=10, batch_size=1,
                        callbacks=[callbacks.EarlyStopping(monitor="loss", patience=3)], verbose=0)
    assert len(history.history["loss"]) == 4


class FakeModel:
    stop_training = False

    def __init__(self):
        self.weights = 0

    def get_weights(self):
        return self.weights

    def set_weights(self, w):
        self.weights = w


@pytest.mark.parametrize("values,kwargs,stops_at,restored", [
    ([5, 4, 4.5, 4.2, 4.1], {"patience": 2}, 3, None),
    ([5, 4, 4.5, 3.9, 4.1, 4.2], {"patience": 2}, 5, None),
    ([5, 4, 3.99, 3.98, 3.97], {"patience": 2, "min_delta": 0.05}, 3, None),
    ([0.5, 0.6, 0.55, 0.7], {"monitor": "val_accuracy", "patience": 1}, 2, None),
    ([5, 4, 6, 7], {"patience": 2, "restore_best_weights": True}, 3, 1),
    ([5, 4, 3], {"patience": 1, "baseline": 2.0}, 1, None)])
def test_early_stopping_rules(values, kwargs, stops_at, restored):
    """Keras's rules: wait counts epochs without an improvement beyond min_delta; never at epoch 0;
    'auto' maximises *accuracy; restore_best_weights; a baseline to beat."""
    es = callbacks.EarlyStopping(**kwargs)
    model = FakeModel()
    es.set_model(model)
    es.on_train_begin()
    key = kwargs.get("monitor", "val_loss")
    stopped = None
    for epoch, v in enumerate(values):
        model.weights = epoch
        es.on_epoch_end(epoch, {key: v})
        if model.stop_training:
            stopped = epoch
            break
    assert stopped == stops_at
    if restored is not None:
        assert model.weights == restored


def test_model_checkpoint_and_weights_round_trip(tmp_path, capsys):
    x, y = data(40)
    m = regression_model()
    m.compile(optimizer=optimizers.SGD(learning_rate=0.05), loss="mse")
    ck = callbacks.ModelCheckpoint(str(tmp_path / "w-{epoch:02d}-{val_loss:.3f}.pt"), save_best_only=True,
                                   save_weights_only=True, verbose=1)
    h = m.fit(x[:30], y[:30], epochs=3, batch_size=30, shuffle=False, validation_data=(x[30:], y[30:]),
              callbacks=[ck], verbose=0)
    out = capsys.readouterr().out
    assert "Epoch 1: val_loss improved from inf to" in out
    names = sorted(p.name for p in tmp_path.iterdir())
    v = h.history["val_loss"]
    best = [i for i in range(3) if v[i] < min(v[:i], default=np.inf)]
    assert names == [f"w-{i + 1:02d}-{v[i]:.3f}.pt" for i in best]
    fresh = regression_model(seed=7)
    fresh.load_weights(tmp_path / names[-1])
    want = m.predict(x, verbose=0) if best[-1] == 2 else None
    if want is not None:
        np.testing.assert_array_equal(fresh.predict(x, verbose=0), want)
    m.save_weights(tmp_path / "final.weights.h5")
    fresh.load_weights(tmp_path / "final.weights.h5")
    np.testing.assert_array_equal(fresh.predict(x, verbose=0), m.predict(x, verbose=0))
    w = m.get_weights()
    assert [a.shape for a in w] == [(4, 6), (6,), (6, 1), (1,)]
    fresh.set_weights([a * 0 for a in w])
    assert not fresh.predict(x, verbose=0).any()


def test_progress_bar_text(capsys):
    """Keras's per-epoch text: 'Epoch i/n', then the bar redrawn with \\r and finished as
    'n/n [==============================] - 0s 1ms/step - loss: 0.1234 - val_loss: ...'."""
    x, y = data(40)
    m = regression_model()
    m.compile(optimizer="sgd", loss="mse", metrics=[])
    m.fit(x, y, batch_size=16, epochs=2, validation_split=0.25, verbose=1)
    out = capsys.readouterr().out
    assert out.startswith("Epoch 1/2\n")
    final = [seg for seg in re.split(r"[\r\n]", out) if seg.startswith("2/2 [=") and "step" in seg]
    assert len(final) == 2
    assert re.fullmatch(r"2/2 \[={30}\] - \d+s \d+(ms|us|s)/step - loss: \d\.\d{4} - val_loss: \d\.\d{4}", final[0])
    m.fit(x, y, batch_size=16, epochs=1, verbose=2)
    out = capsys.readouterr().out
    assert re.fullmatch(r"3/3 - \d+s - loss: \d\.\d{4} - \d+(ms|us|s)/epoch - \d+(ms|us|s)/step\n", out)
    loss = m.evaluate(x, y, batch_size=40, verbose=1)
    out = capsys.readouterr().out.split("\r")[-1]
    assert out == re.sub(r"loss: .*", f"loss: {loss:.4f}", out) and out.startswith("1/1 [====")


def test_predict_evaluate_accuracy_and_numpy():
    """evaluate returns [loss, accuracy] (sparse accuracy for the sparse loss), predict NumPy."""
    g = np.random.default_rng(3)
    x = g.standard_normal((30, 4)).astype(np.float32)
    y = g.integers(0, 3, 30)
    m = Sequential([Dense(3, activation="softmax", input_shape=(4,))])
    m.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    loss, acc = m.evaluate(x, y, batch_size=7, verbose=0)
    p = m.predict(x, batch_size=7, verbose=0)
    assert isinstance(p, np.ndarray) and p.shape == (30, 3)
    assert acc == pytest.approx((p.argmax(1) == y).mean())
    assert loss == pytest.approx(-np.log(np.clip(p[np.arange(30), y], 1e-7, 1 - 1e-7)).mean(), rel=1e-6)
    assert m.evaluate(x, y, batch_size=7, verbose=0, return_dict=True) == {"loss": loss, "accuracy": acc}


def test_frozen_layers():
    """Keras's trainable=False: the layer's weights are non-trainable (summary counts), take no
    gradient and stay put through fit; a frozen BatchNormalization runs on its moving statistics."""
    from ramp.keras import BatchNormalization
    x_in = Input(shape=(4,))
    base = Dense(5, name="base")
    bn = BatchNormalization()
    m = Model(x_in, Dense(1)(bn(base(x_in))))
    base.trainable = False
    bn.trainable = False
    assert [w.shape for w in m.trainable_weights] == [(1, 5), (1,)]
    lines = []
    m.summary(print_fn=lines.append)
    assert lines[-4:-1] == ["Total params: 51", "Trainable params: 6", "Non-trainable params: 45"]  # 25 + 20 + 6
    before = [w.copy() for w in base.get_weights() + bn.get_weights()]
    m.compile(optimizer="sgd", loss="mse")
    x, y = data(20)
    m.fit(x, y, epochs=2, batch_size=5, verbose=0)
    for a, b in zip(before, base.get_weights() + bn.get_weights()):
        np.testing.assert_array_equal(a, b)
    m.trainable = True
    assert len(m.trainable_weights) == 6 and base.trainable and bn.trainable


def test_to_categorical_matches_one_hot():
    from ramp.keras.utils import to_categorical
    y = torch.tensor([[2], [0], [1], [2]])
    got = to_categorical(y.numpy())
    assert got.dtype == np.float32 and got.tolist() == torch.nn.functional.one_hot(y[:, 0]).tolist()
    assert to_categorical([1, 0], num_classes=4).tolist() == torch.nn.functional.one_hot(torch.tensor([1, 0]), 4).tolist()


def test_accuracy_resolves_by_shapes():
    """Keras's compile rule: 'accuracy' is binary for one output unit, sparse for index targets,
    else categorical (so multi-label sigmoid outputs with binary_crossentropy get argmax matching)."""
    g = np.random.default_rng(4)
    x = g.standard_normal((25, 4)).astype(np.float32)
    y = (g.random((25, 3)) > 0.5).astype(np.float32)
    m = Sequential([Dense(3, activation="sigmoid", input_shape=(4,))])
    m.compile(optimizer="sgd", loss="binary_crossentropy", metrics=["accuracy"])
    _, acc = m.evaluate(x, y, batch_size=25, verbose=0)
    p = m.predict(x, verbose=0)
    assert acc == pytest.approx((p.argmax(1) == y.argmax(1)).mean())
