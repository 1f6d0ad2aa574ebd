"""ramp.keras layers against Keras 2's documented behaviour and torch 1.13 on the same weights:
the activation layers (ReLU's max_value / negative_slope / threshold by Keras's formula and its
documented examples), PReLU, BatchNormalization's moving statistics, channels-last Conv2D and
MaxPooling2D (valid, same, strided), Flatten / Reshape, the initializers' formulas."""
import math

import numpy as np
import pytest

import ramp
from conftest import to_numpy, to_ramp
from ramp.keras import (ELU, PReLU, ReLU, BatchNormalization, Conv2D, Dense, Dropout, Flatten, Input, LeakyReLU,
                        MaxPooling2D, Model, Reshape, Sequential, Softmax, activations, initializers)

torch = pytest.importorskip("torch")
TF = torch.nn.functional

FOO = [-10.0, -5.0, 0.0, 5.0, 10.0]


def keras_relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Keras's documented piecewise rule."""
    x = np.asarray(x, np.float64)
    hi = np.inf if max_value is None else max_value
    return np.where(x >= hi, hi, np.where(x > threshold, x, alpha * (x - threshold)))


@pytest.mark.parametrize("kwargs,want", [({}, [0, 0, 0, 5, 10]), ({"alpha": 0.5}, [-5, -2.5, 0, 5, 10]),
                                         ({"max_value": 5}, [0, 0, 0, 5, 5]), ({"threshold": 5}, [0, 0, 0, 0, 10])])
def test_activations_relu_documented_examples(kwargs, want):
    got = to_numpy(activations.relu(ramp.tensor(FOO), **kwargs))
    assert got.tolist() == want
    # Keras's documented examples pass plain arrays (TF converts): so does ramp.keras
    for plain in (np.array(FOO, np.float32), FOO):
        got = activations.relu(plain, **kwargs)
        assert isinstance(got, ramp.Tensor) and to_numpy(got).tolist() == want


def test_activations_take_arrays_and_keep_their_module_mapping():
    x = np.linspace(-3, 3, 13)
    for name in ["sigmoid", "tanh", "softplus", "swish", "elu", "softsign", "exponential"]:
        fn = activations.get(name)
        got = fn(x)
        assert got.dtype == ramp.float64
        np.testing.assert_array_equal(to_numpy(got), to_numpy(fn(ramp.tensor(x))))
    assert type(activations.module(activations.sigmoid)).__name__ == "Sigmoid"
    assert type(activations.module(ramp.nn.functional.sigmoid)).__name__ == "Sigmoid"
    assert activations.serialize(activations.relu) == "relu"


@pytest.mark.parametrize("kwargs", [{}, {"max_value": 6.0}, {"max_value": 1.5}, {"negative_slope": 0.2},
                                    {"threshold": 0.4}, {"max_value": 2.0, "negative_slope": 0.1, "threshold": 0.5},
                                    {"negative_slope": 0.25, "threshold": -0.3 + 0.3}])
def test_relu_layer_formula_and_gradient(kwargs):
    x = torch.randn(200, dtype=torch.float64) * 3
    layer = ReLU(**kwargs)
    xr = to_ramp(x).requires_grad_()
    y = layer(xr)
    alpha = kwargs.get("negative_slope", 0.0)
    want = keras_relu(x.numpy(), alpha, kwargs.get("max_value"), kwargs.get("threshold", 0.0))
    np.testing.assert_array_equal(to_numpy(y), want)
    y.sum().backward()
    hi = kwargs.get("max_value") or np.inf
    th = kwargs.get("threshold", 0.0)
    xn = x.numpy()
    slope = np.where(xn >= hi, 0.0, np.where(xn > th, 1.0, alpha))
    np.testing.assert_array_equal(to_numpy(xr.grad), slope)


def test_activation_layers_match_torch():
    x = torch.randn(4, 3, 5)
    xr = to_ramp(x)
    for layer, want in [(LeakyReLU(), TF.leaky_relu(x, 0.3)), (LeakyReLU(alpha=0.1), TF.leaky_relu(x, 0.1)),
                        (ELU(), TF.elu(x)), (ELU(alpha=0.5), TF.elu(x, 0.5)), (Softmax(), torch.softmax(x, -1)),
                        (Softmax(axis=1), torch.softmax(x, 1))]:
        np.testing.assert_allclose(to_numpy(layer(xr)), want.numpy(), rtol=2e-7, atol=1e-7)
    assert LeakyReLU().alpha == 0.3 and ReLU().module.__class__ is ramp.nn.ReLU
    with pytest.raises(ValueError, match="max_value of a ReLU layer cannot be a negative value. Received: -1"):
        ReLU(max_value=-1)
    with pytest.raises(ValueError, match="negative_slope of a ReLU layer cannot be a negative value"):
        ReLU(negative_slope=-0.1)


def test_prelu():
    """Keras's PReLU: alpha zeros by default (a ReLU), one alpha per feature; shared_axes=[1, 2] on
    channels-last images: one per channel."""
    x = torch.randn(6, 4, dtype=torch.float64)
    layer = PReLU()
    layer.build((None, 4))
    layer.module.double()
    assert to_numpy(layer(to_ramp(x))).tolist() == TF.relu(x).tolist()
    assert type(layer.module) is ramp.nn.PReLU and layer.get_weights()[0].shape == (4,)
    alpha = np.array([0.1, 0.2, -0.3, 0.4])
    layer.set_weights([alpha])
    np.testing.assert_allclose(to_numpy(layer(to_ramp(x))), TF.prelu(x, torch.from_numpy(alpha)).numpy(), rtol=1e-15)
    img = torch.randn(2, 3, 3, 5, dtype=torch.float64)
    shared = PReLU(alpha_initializer=initializers.Constant(0.25), shared_axes=[1, 2])
    shared.build((None, 3, 3, 5))
    shared.module.double()
    xr = to_ramp(img).requires_grad_()
    y = shared(xr)
    assert shared.get_weights()[0].shape == (1, 1, 5)
    want = TF.prelu(img.permute(0, 3, 1, 2), torch.full((5,), 0.25, dtype=torch.float64)).permute(0, 2, 3, 1)
    np.testing.assert_allclose(to_numpy(y), want.numpy(), rtol=1e-15)


def test_dropout():
    layer = Dropout(0.25)
    x = ramp.ones(1000, 10)
    layer.module.eval()
    assert to_numpy(layer(x)).tolist() == to_numpy(x).tolist()
    layer.module.train()
    y = to_numpy(layer(x))
    assert set(np.unique(y)) == {0.0, np.float32(1 / 0.75)}
    assert abs((y == 0).mean() - 0.25) < 0.02  # 10000 draws: 5 sigma is 0.022
    with pytest.raises(ValueError, match="Invalid value 1.5 received for `rate`"):
        Dropout(1.5)
    # Keras: a direct call infers unless training=True; so does a model, except in fit
    fresh = Dropout(0.5)
    assert to_numpy(fresh(x)).tolist() == to_numpy(x).tolist()
    assert (to_numpy(fresh(x, training=True)) == 0).any() and not fresh.module.training
    m = Sequential([Dense(10, kernel_initializer="ones"), Dropout(0.5)])
    assert not (to_numpy(m(x)) == 0).any() and (to_numpy(m(x, training=True)) == 0).any()


def test_batch_normalization_dense_moving_stats():
    """Keras's defaults (momentum 0.99, epsilon 1e-3); training normalises by the batch (biased
    variance), moves the statistics by moving - (moving - batch) * 0.01 with the biased variance
    for non-4-D input; inference uses the moving statistics."""
    x = torch.randn(16, 5, dtype=torch.float64) * 2 + 1
    layer = BatchNormalization()
    assert (layer.momentum, layer.epsilon) == (0.99, 1e-3)
    x_in = Input(shape=(5,))
    m = Model(x_in, layer(x_in)).double()
    gamma, beta = np.linspace(0.5, 1.5, 5), np.linspace(-1, 1, 5)
    layer.set_weights([gamma, beta, np.zeros(5), np.ones(5)])
    y = m(to_ramp(x), training=True)
    xn = x.numpy()
    mean, var = xn.mean(0), xn.var(0)
    np.testing.assert_allclose(to_numpy(y), (xn - mean) / np.sqrt(var + 1e-3) * gamma + beta, rtol=1e-12, atol=1e-13)
    _, _, mm, mv = layer.get_weights()
    np.testing.assert_allclose(mm, 0 - (0 - mean) * 0.01, rtol=1e-14)
    np.testing.assert_allclose(mv, 1 - (1 - var) * 0.01, rtol=1e-14)
    np.testing.assert_allclose(to_numpy(m(to_ramp(x))), (xn - mm) / np.sqrt(mv + 1e-3) * gamma + beta, rtol=1e-12)
    assert m.count_params() == 20 and len(m.non_trainable_weights) == 2


def test_batch_normalization_images_match_torch():
    """4-D channels-last input (Keras's fused kernel): torch's BatchNorm2d(eps=1e-3, momentum=0.01)
    on the NCHW view, whose moving variance is the unbiased one, as TensorFlow's fused op."""
    x = torch.randn(4, 3, 3, 6, dtype=torch.float64)
    layer = BatchNormalization()
    layer.build((None, 3, 3, 6))
    layer.module.double()
    layer.module.train()
    t = torch.nn.BatchNorm2d(6, eps=1e-3, momentum=0.01).double()
    for _ in range(3):
        y = layer(to_ramp(x))
        ty = t(x.permute(0, 3, 1, 2)).permute(0, 2, 3, 1)
        np.testing.assert_allclose(to_numpy(y), ty.detach().numpy(), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(layer.get_weights()[3], t.running_var.numpy(), rtol=1e-14)


@pytest.mark.parametrize("kwargs,size", [({"kernel_size": 3}, 9), ({"kernel_size": (3, 2), "padding": "same"}, 9),
                                         ({"kernel_size": 3, "strides": 2, "padding": "same"}, 10),
                                         ({"kernel_size": 4, "strides": (2, 3), "padding": "same"}, 9),
                                         ({"kernel_size": 3, "dilation_rate": 2, "padding": "same"}, 8),
                                         ({"kernel_size": 3, "strides": 2}, 9)])
def test_conv2d_channels_last_matches_torch(kwargs, size):
    """TensorFlow's SAME: out = ceil(in / stride), the odd padding pixel at the bottom/right."""
    x = torch.randn(2, size, size + 1, 3, dtype=torch.float64)
    layer = Conv2D(4, activation="relu", **kwargs)
    y = layer(to_ramp(x).float())
    kernel, bias = layer.get_weights()
    k = layer.kernel_size
    assert kernel.shape == (*k, 3, 4) and not bias.any()
    w = torch.from_numpy(kernel.astype(np.float64)).permute(3, 2, 0, 1)
    xt = x.permute(0, 3, 1, 2)
    stride, dil = layer.strides, layer.dilation_rate
    if layer.padding == "same":
        pads = []
        for s, kk, st, d in zip(xt.shape[2:], k, stride, dil):
            out = -(-s // st)
            total = max((out - 1) * st + (kk - 1) * d + 1 - s, 0)
            pads.append((total // 2, total - total // 2))
        xt = TF.pad(xt, (*pads[1], *pads[0]))
    want = TF.relu(TF.conv2d(xt, w, stride=stride, dilation=dil)).permute(0, 2, 3, 1)
    assert tuple(y.shape) == tuple(want.shape) == (2, *layer.compute_output_shape((None, size, size + 1, 3))[1:])
    np.testing.assert_allclose(to_numpy(y), want.numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs", [{}, {"pool_size": 3}, {"pool_size": 3, "strides": 2, "padding": "same"},
                                    {"pool_size": 2, "padding": "same"}])
def test_max_pooling2d_matches_torch(kwargs):
    x = torch.randn(2, 7, 8, 3)
    layer = MaxPooling2D(**kwargs)
    y = layer(to_ramp(x))
    xt = x.permute(0, 3, 1, 2)
    k, st = layer.pool_size, layer.strides
    if layer.padding == "same":
        pads = []
        for s, kk, ss in zip(xt.shape[2:], k, st):
            total = max((-(-s // ss) - 1) * ss + kk - s, 0)
            pads.append((total // 2, total - total // 2))
        xt = TF.pad(xt, (*pads[1], *pads[0]), value=-math.inf)
    want = TF.max_pool2d(xt, k, st).permute(0, 2, 3, 1)
    assert tuple(y.shape) == (2, *layer.compute_output_shape((None, 7, 8, 3))[1:])
    np.testing.assert_array_equal(to_numpy(y), want.numpy())


def test_flatten_reshape_channels_last_order():
    x = np.arange(2 * 3 * 4 * 5, dtype=np.float32).reshape(2, 3, 4, 5)
    assert to_numpy(Flatten()(ramp.from_numpy(x))).tolist() == x.reshape(2, -1).tolist()
    assert to_numpy(Reshape((-1, 10))(ramp.from_numpy(x))).tolist() == x.reshape(2, 6, 10).tolist()
    assert Reshape((-1, 10)).compute_output_shape((None, 3, 4, 5)) == (None, 6, 10)
    assert Flatten().compute_output_shape((None, 3, 4, 5)) == (None, 60)


def test_dense_arguments():
    """activation by name or callable, use_bias, kernel/bias initializers, Keras's layouts."""
    d = Dense(3, activation=activations.relu, use_bias=False, kernel_initializer="ones")
    y = d(ramp.tensor([[1.0, -2.0]]))
    assert to_numpy(y).tolist() == [[0.0, 0.0, 0.0]] and d.get_weights()[0].shape == (2, 3)
    assert type(d.module) is ramp.nn.Sequential and type(d.module[1]) is ramp.nn.ReLU  # the registry's module
    d = Dense(2, activation=lambda t: t * 2, bias_initializer=initializers.Constant(0.5), kernel_initializer="zeros")
    assert to_numpy(d(ramp.ones(1, 4))).tolist() == [[1.0, 1.0]]
    d = Dense(2, activation=lambda t: activations.relu(t, max_value=1.0), kernel_initializer="ones")
    assert to_numpy(d(ramp.tensor([[3.0]]))).tolist() == [[1.0, 1.0]]


def moments_ok(w, mean, std, n_bound=None):
    a = to_numpy(w).astype(np.float64).ravel()
    n = a.size
    assert abs(a.mean() - mean) < 5 * std / math.sqrt(n)
    assert abs(a.std() - std) < 5 * std / math.sqrt(2 * n) * 1.5
    if n_bound is not None:
        assert np.abs(a - mean).max() <= n_bound


TRUNC = 0.87962566103423978


@pytest.mark.parametrize("name,std,bound", [
    ("glorot_uniform", math.sqrt(2 / (300 + 200)), math.sqrt(6 / 500)),
    ("glorot_normal", math.sqrt(2 / 500), 2 * math.sqrt(2 / 500) / TRUNC),
    ("he_uniform", math.sqrt(2 / 300), math.sqrt(6 / 300)),
    ("he_normal", math.sqrt(2 / 300), 2 * math.sqrt(2 / 300) / TRUNC),
    ("lecun_uniform", math.sqrt(1 / 300), math.sqrt(3 / 300)),
    ("lecun_normal", math.sqrt(1 / 300), 2 * math.sqrt(1 / 300) / TRUNC),
    ("random_normal", 0.05, None), ("random_uniform", 0.1 / math.sqrt(12), 0.05),
    ("truncated_normal", 0.05 * TRUNC, 0.1)])
def test_initializer_formulas(name, std, bound):
    """Keras's VarianceScaling: the variance scale / n (glorot: fan_avg, he: 2 / fan_in, lecun:
    1 / fan_in); normal ones truncated at two of their stds (std / 0.8796 before truncation)."""
    d = Dense(200, kernel_initializer=name)
    d.build((None, 300))
    moments_ok(d.kernel, 0.0, std, bound)
    assert not to_numpy(d.bias).any()
    conv = initializers.get(name)((3, 3, 20, 30))  # fans: 180 and 270
    if name.startswith(("glorot", "he", "lecun")):
        n = {"glorot": (180 + 270) / 2, "he": 180 / 2, "lecun": 180}[name.split("_")[0]]
        moments_ok(conv, 0.0, math.sqrt(1 / n))


def test_initializer_names_and_classes():
    assert type(initializers.get("GlorotUniform")) is initializers.GlorotUniform
    assert to_numpy(initializers.get("ones")((2, 2))).tolist() == [[1, 1], [1, 1]]
    with pytest.raises(ValueError, match="Unknown initializer: 'orthogonal'"):
        initializers.get("orthogonal")


def test_cnn_sequential_summary_shapes():
    """The tutorial's CNN: shapes and parameter counts by Keras's formulas."""
    m = Sequential([Conv2D(32, (3, 3), activation="relu", input_shape=(28, 28, 1)), MaxPooling2D((2, 2)),
                    Conv2D(64, (3, 3), activation="relu"), MaxPooling2D((2, 2)), Flatten(),
                    Dense(64, activation="relu"), Dropout(0.5), Dense(10, activation="softmax")])
    assert m._shapes == [(None, 26, 26, 32), (None, 13, 13, 32), (None, 11, 11, 64), (None, 5, 5, 64), (None, 1600),
                         (None, 64), (None, 64), (None, 10)]
    assert [layer.count_params() for layer in m.layers] == [320, 0, 18496, 0, 0, 102464, 0, 650]
    assert m(ramp.zeros(2, 28, 28, 1)).shape == (2, 10)
