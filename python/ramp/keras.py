"""ramp.keras: the Keras way of writing the same networks (seed 003), built from ramp.nn modules.

    from ramp.keras import Sequential, Dense, Activation
    model = Sequential([Dense(64, activation="relu", input_shape=(784,)), Dense(10, activation="softmax")])
    model(x)            # an nn.Sequential underneath: Linear, ReLU, Linear, Softmax(dim=-1)
    model.summary()     # Keras's table: layers, output shapes, parameter counts
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=5, batch_size=32); model.evaluate(x, y); model.predict(x)

Dense is a Linear (Keras's glorot_uniform weights, zero biases) followed by the activation module of
any registry name ("relu", "LeakyReLU", "gelu", "swish", ...; Keras's "hard_sigmoid" and "linear" too);
softmax-like activations run over the last dim, as Keras's axis=-1. Without input_shape, the first
Dense takes its input size from the first batch it sees.
"""
import collections
import math

import numpy as np

from . import _C, _generate, nn
from .autograd import no_grad
from .nn import init
from .nn import loss as _losses

__all__ = ["Sequential", "Dense", "Activation"]

# Keras's names that ramp's registry lacks (hard_sigmoid: PyTorch's relu6(x + 3) / 6, not Keras's
# 0.2 x + 0.5). Keras's "swish" is the registry's own swish (beta 1: x sigmoid(x)).
_ALIASES = {"hard_sigmoid": "hardsigmoid"}
_name_counts = collections.Counter()


def _unique_name(base):
    """Keras's layer names: 'dense', 'dense_1', ... per process."""
    n = _name_counts[base]
    _name_counts[base] += 1
    return base if n == 0 else f"{base}_{n}"


def _activation_module(activation):
    """The nn module for a Keras or ramp activation name (None for no activation)."""
    if activation is None or activation == "linear":
        return None
    if isinstance(activation, nn.Module):
        return activation
    name = _ALIASES.get(activation, activation)
    entry = _generate.BY_NAME.get(name) or next((e for e in _generate.REGISTRY if e["module"] == name), None)
    if entry is None:
        raise ValueError(f"Unknown activation function: '{activation}'")
    return getattr(nn, entry["module"])(**({"dim": -1} if entry["kind"] == "softmax" else {}))


def _kernel_init(weight, initializer):
    """Keras's kernel initialisers by name (its fan_in / fan_out are PyTorch's for a [out, in] weight)."""
    if callable(initializer):
        initializer(weight)
    elif initializer == "glorot_uniform":
        init.xavier_uniform_(weight)
    elif initializer == "he_uniform":
        init.kaiming_uniform_(weight, nonlinearity="relu")  # U(-sqrt(6 / fan_in), sqrt(6 / fan_in))
    elif initializer == "lecun_uniform":
        init.kaiming_uniform_(weight, nonlinearity="linear")  # U(-sqrt(3 / fan_in), sqrt(3 / fan_in))
    elif initializer == "random_uniform":
        init.uniform_(weight, -0.05, 0.05)
    elif initializer == "random_normal":
        init.normal_(weight, 0.0, 0.05)
    elif initializer in ("zeros", "ones"):
        init.constant_(weight, float(initializer == "ones"))
    else:
        raise ValueError(f"Unknown initializer: '{initializer}'")


class LazyLinear(nn.Linear):
    """A Linear whose in_features comes from its first input; it then becomes a plain nn.Linear
    (torch's LazyLinear does the same)."""

    def __init__(self, out_features, bias, kernel_initializer):
        nn.Module.__init__(self)
        self.in_features, self.out_features = 0, out_features
        self._use_bias, self._kernel_initializer = bias, kernel_initializer
        self.register_parameter("weight", None)
        self.register_parameter("bias", None)

    def materialize(self, in_features):
        self.in_features = in_features
        self.weight = nn.Parameter(_C.empty((self.out_features, in_features)))
        if self._use_bias:
            self.bias = nn.Parameter(_C.zeros(self.out_features))
        _kernel_init(self.weight, self._kernel_initializer)
        self.__class__ = nn.Linear

    def forward(self, input):
        self.materialize(input.shape[-1])
        return self.forward(input)

    def extra_repr(self):
        return f"in_features=0, out_features={self.out_features}, bias={self._use_bias}"


class Dense:
    """A Keras Dense layer: units outputs, then the activation (None: none)."""

    def __init__(self, units, activation=None, use_bias=True, input_shape=None, kernel_initializer="glorot_uniform",
                 name=None):
        if not isinstance(units, int) or isinstance(units, bool) or units <= 0:
            raise ValueError(f"Received an invalid value for `units`, expected a positive integer. Received: "
                             f"units={units}")
        self.units, self.use_bias, self.kernel_initializer = units, use_bias, kernel_initializer
        self.input_shape = None if input_shape is None else tuple(input_shape)
        self.activation = _activation_module(activation)
        self.name = name or _unique_name("dense")

    def modules(self, in_features):
        """[Linear, activation]: a LazyLinear when in_features is not known yet."""
        if in_features is None:
            linear = LazyLinear(self.units, self.use_bias, self.kernel_initializer)
        else:
            linear = nn.Linear(in_features, self.units, bias=self.use_bias)
            _kernel_init(linear.weight, self.kernel_initializer)
            if linear.bias is not None:
                init.zeros_(linear.bias)  # Keras's bias_initializer="zeros"
        return [linear] + ([self.activation] if self.activation is not None else [])

    def output_shape(self, input_shape):
        return input_shape[:-1] + (self.units,)


class Activation:
    """A Keras Activation layer: the activation module alone."""

    def __init__(self, activation, name=None):
        self.activation = _activation_module(activation)
        self.input_shape = None
        self.name = name or _unique_name("activation")

    def modules(self, in_features):
        return [self.activation] if self.activation is not None else []

    def output_shape(self, input_shape):
        return input_shape


# Keras's losses on probabilities (from_logits=False): they clip to [eps, 1 - eps] first.
_EPSILON = 1e-7


def _probabilities(p):
    return _C.clamp(p, _EPSILON, 1 - _EPSILON)


def _loss_fn(loss):
    if callable(loss):
        return loss
    F = _losses

    def matched(fn):  # Keras's squeeze_or_expand_dimensions: a (N,) target for a (N, 1) output
        return lambda p, y: fn(p, y.unsqueeze(-1) if y.dim() == p.dim() - 1 and p.shape[-1] == 1 else y)

    losses = {
        "sparse_categorical_crossentropy": lambda p, y: F.nll_loss(_probabilities(p).log(), y),
        "categorical_crossentropy": lambda p, y: -(y * _probabilities(p).log()).sum(-1).mean(),
        "binary_crossentropy": matched(lambda p, y: F.binary_cross_entropy(_probabilities(p), y)),
        "mean_squared_error": matched(F.mse_loss), "mse": matched(F.mse_loss),
        "mean_absolute_error": matched(F.l1_loss), "mae": matched(F.l1_loss),
    }
    if loss not in losses:
        raise ValueError(f"Unknown loss function: '{loss}'")
    return losses[loss]


def _as_tensor(a):
    return a if isinstance(a, _C.Tensor) else _C.from_numpy(np.ascontiguousarray(a))


class History:
    """What fit returns: history["loss"] (and each metric): a list with one value per epoch."""

    def __init__(self):
        self.history = {}


class Sequential(nn.Sequential):
    """Keras layers in order, held as their nn modules (an nn.Sequential: same forward, parameters,
    state_dict and repr as the equivalent PyTorch nn.Sequential)."""

    def __init__(self, layers=None, name=None):
        super().__init__()
        self.name = name or _unique_name("sequential")
        self._layers = []  # (Keras layer, [module keys])
        self._input_shape = None  # without the batch dim
        self._compiled = None
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        if not isinstance(layer, (Dense, Activation)):
            raise TypeError(f"The added layer must be an instance of class Dense or Activation. Received: "
                            f"layer={layer} of type {type(layer)}.")
        if not self._layers and layer.input_shape is not None:
            self._input_shape = layer.input_shape
        in_features = self._features()
        keys = []
        for module in layer.modules(in_features):
            keys.append(str(len(self)))
            self.append(module)
        self._layers.append((layer, keys))

    def _features(self):
        """The width flowing out of the layers so far: the last Dense's units, else the input's
        (None until known)."""
        for layer, _ in reversed(self._layers):
            if isinstance(layer, Dense):
                return layer.units
        return None if self._input_shape is None else self._input_shape[-1]

    def _output_shapes(self):
        shapes, shape = [], self._input_shape
        for layer, _ in self._layers:
            shape = None if shape is None else layer.output_shape(shape)
            shapes.append(shape)
        return shapes

    @property
    def built(self):
        return self._input_shape is not None

    def forward(self, input):
        if self._input_shape is None:
            self._input_shape = tuple(input.shape[1:])
        return super().forward(input)

    def summary(self, print_fn=None):
        """Keras's table: ' name (Type)', '(None, units)', the parameter count; then the totals."""
        if not self.built:
            raise ValueError("This model has not yet been built. Build the model first by calling `build()` or "
                             "by calling the model on a batch of data.")
        print_fn = print_fn or print
        positions = [29, 55, 65]

        def row(fields):
            line = ""
            for field, end in zip(fields, positions):
                line = (line[:-1] + " " if line else "") + str(field)
                line = line[:end].ljust(end)
            return line

        lines = [f'Model: "{self.name}"', "_" * 65, row([" Layer (type)", "Output Shape", "Param #"]), "=" * 65]
        total = trainable = 0
        for (layer, keys), shape in zip(self._layers, self._output_shapes()):
            params = [p for k in keys for p in self._modules[k].parameters()]
            count = sum(p.numel() for p in params)
            total += count
            trainable += sum(p.numel() for p in params if p.requires_grad)
            lines += [row([f" {layer.name} ({type(layer).__name__})", str((None, *shape)).replace(",)", ")"),
                           count]), " " * 65]
        lines += ["=" * 65, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
                  f"Non-trainable params: {total - trainable:,}", "_" * 65]
        for line in lines:
            print_fn(line)

    # ---- training, as Keras's Model ----
    def compile(self, optimizer="rmsprop", loss=None, metrics=None):
        """optimizer: "adam" (Keras's lr 0.001, epsilon 1e-7), "sgd" (lr 0.01) or a ramp.optim
        optimizer; loss: a Keras loss name or a callable (output, target) -> loss;
        metrics: ["accuracy"] or []."""
        if isinstance(optimizer, str) and optimizer not in ("adam", "sgd"):
            raise ValueError(f"Unknown optimizer: '{optimizer}' (ramp.keras has 'adam' and 'sgd')")
        for m in metrics or []:
            if m not in ("accuracy", "acc"):
                raise ValueError(f"Unknown metric function: '{m}'")
        self._compiled = dict(optimizer=optimizer, loss=_loss_fn(loss), loss_name=loss,
                              metrics=["accuracy" for _ in metrics or []])

    def _optimizer(self):
        opt = self._compiled["optimizer"]
        if isinstance(opt, str):  # made at the first fit, once the parameters exist
            from . import optim
            params = list(self.parameters())
            opt = optim.Adam(params, lr=0.001, eps=1e-7) if opt == "adam" else optim.SGD(params, lr=0.01)
            self._compiled["optimizer"] = opt
        return opt

    def _accuracy(self, p, y):
        if p.shape[-1] == 1 and y.dim() == p.dim() - 1:  # binary targets without the unit dim
            y = y.unsqueeze(-1)
        if y.dim() == p.dim():  # one-hot (or binary) targets
            if p.shape[-1] == 1:
                return ((p > 0.5).float() == y.float()).float().mean().item()
            y = y.argmax(-1)
        return (p.argmax(-1) == y).float().mean().item()

    def _batches(self, x, y, batch_size, shuffle):
        n = x.shape[0]
        if not shuffle:
            for start in range(0, n, batch_size):
                yield x[start:start + batch_size], None if y is None else y[start:start + batch_size]
            return
        order = _C.randperm(n)  # ramp's stream: manual_seed makes fit reproducible
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size]
            yield _C.index_select(x, 0, idx), _C.index_select(y, 0, idx)

    def _inputs(self, x):
        """x as a tensor of the model's dtype: Keras casts inputs to its layers' dtype (float32), so
        NumPy's default float64 arrays (or lists) train a float32 model."""
        x = _as_tensor(x)
        dtype = next((p.dtype for p in self.parameters()), _C.float32)
        return x if x.dtype == dtype else x.to(dtype)

    def _targets(self, y, dtype):
        """y as Keras's built-in losses take it: class indices as int64 for the sparse loss (Keras
        casts them), else values of the model's dtype."""
        y = _as_tensor(y)
        if not isinstance(self._compiled["loss_name"], str):
            return y  # the user's own loss gets y as given
        want = _C.int64 if self._compiled["loss_name"] == "sparse_categorical_crossentropy" else dtype
        return y if y.dtype == want else y.to(want)

    def _check_compiled(self):
        if self._compiled is None:
            raise RuntimeError("You must compile your model before training/testing. Use `model.compile(optimizer, "
                               "loss)`.")

    def fit(self, x, y, epochs=1, batch_size=32, verbose=1, shuffle=True):
        """Mini-batch training; returns a History of the per-epoch mean loss (and accuracy)."""
        self._check_compiled()
        x = self._inputs(x)
        if not self.built:
            with no_grad():
                self(x[:1])
        x = self._inputs(x)  # the model's dtype, now that its parameters exist
        y = self._targets(y, x.dtype)
        opt, loss_fn, history = self._optimizer(), self._compiled["loss"], History()
        steps = math.ceil(x.shape[0] / batch_size)
        for epoch in range(epochs):
            self.train()
            totals = collections.Counter()
            for xb, yb in self._batches(x, y, batch_size, shuffle):
                opt.zero_grad()
                p = self(xb)
                loss = loss_fn(p, yb)
                loss.backward()
                opt.step()
                totals["loss"] += loss.item() * xb.shape[0]
                for m in self._compiled["metrics"]:
                    totals[m] += self._accuracy(p.detach(), yb) * xb.shape[0]
            logs = {k: v / x.shape[0] for k, v in totals.items()}
            for k, v in logs.items():
                history.history.setdefault(k, []).append(v)
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs}\n{steps}/{steps} - " +
                      " - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        return history

    def evaluate(self, x, y, batch_size=32, verbose=1):
        """The mean loss, or [loss, accuracy] with metrics."""
        self._check_compiled()
        x = self._inputs(x)
        y = self._targets(y, x.dtype)
        self.eval()
        totals = collections.Counter()
        with no_grad():
            for xb, yb in self._batches(x, y, batch_size, False):
                p = self(xb)
                totals["loss"] += self._compiled["loss"](p, yb).item() * xb.shape[0]
                for m in self._compiled["metrics"]:
                    totals[m] += self._accuracy(p, yb) * xb.shape[0]
        logs = {k: v / x.shape[0] for k, v in totals.items()}
        if verbose:
            print(" - ".join(f"{k}: {v:.4f}" for k, v in logs.items()))
        return logs["loss"] if len(logs) == 1 else list(logs.values())

    def predict(self, x, batch_size=32, verbose=0):
        """The outputs in eval mode without gradients, as a NumPy array (as Keras returns)."""
        x = self._inputs(x)
        self.eval()
        with no_grad():
            outs = [self(xb).numpy() for xb, _ in self._batches(x, None, batch_size, False)]
        return np.concatenate(outs)
