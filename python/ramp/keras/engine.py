"""Keras 2's layer machinery over ramp: Layer (build on first input shape, call on ramp tensors or
on symbolic KerasTensors), the Node graph the functional API records, InputLayer / Input, and the
process-wide layer names ('dense', 'dense_1', ...; inputs count from 'input_1' as Keras does).

A layer keeps its weights in ordinary ramp nn modules (``layer.module``: a Linear, a Conv2d, ...,
in PyTorch's layout), so a model built from layers is an nn.Module whose parameters, state_dict,
optimizers and diagnostics are ramp's own.
"""
import collections
import re

import numpy as np

import ramp

_name_counts = collections.Counter()


def unique_name(base, zero_based=True):
    """Keras's backend.unique_object_name: 'dense', 'dense_1', ... ('input_1', 'input_2', ... for
    the one-based prefixes)."""
    n = _name_counts[base]
    _name_counts[base] += 1
    if not zero_based:
        return f"{base}_{n + 1}"
    return base if n == 0 else f"{base}_{n}"


def snake_case(name):
    """Keras's generic_utils.to_snake_case: 'MaxPooling2D' -> 'max_pooling2d'."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def flatten(structure):
    """The tensors of a tensor / list / tuple, in order (tf.nest.flatten for the structures Keras
    layers take)."""
    if isinstance(structure, (list, tuple)):
        return [t for s in structure for t in flatten(s)]
    return [structure]


def shape_str(shape):
    """Keras's display of a shape: (None, 64)."""
    return str(tuple(shape))


class KerasTensor:
    """A symbolic tensor: the shape (batch dim None), the dtype, and which layer call made it."""

    def __init__(self, shape, dtype, layer, node_index, tensor_index):
        self.shape = tuple(shape)
        self.dtype = dtype
        self._keras_history = (layer, node_index, tensor_index)

    @property
    def name(self):
        layer, node_index, tensor_index = self._keras_history
        return layer.name if isinstance(layer, InputLayer) else f"{layer.name}/{node_index}:{tensor_index}"

    @property
    def node(self):
        layer, node_index, _ = self._keras_history
        return layer._inbound_nodes[node_index]

    def __repr__(self):
        return (f"KerasTensor(shape={self.shape}, dtype={self.dtype}, name='{self.name}', "
                f"description=\"created by layer '{self._keras_history[0].name}'\")")

    def __len__(self):
        raise TypeError("Keras symbolic inputs/outputs do not implement `__len__`.")


class Node:
    """One call of a layer in a graph: the symbolic inputs (in order, as flat list) and outputs."""

    def __init__(self, layer, inputs, outputs, list_input, is_input=False):
        self.layer, self.inputs, self.outputs = layer, list(inputs), list(outputs)
        self.list_input, self.is_input = list_input, is_input

    @property
    def output_shapes(self):
        """Keras's Node.output_shapes: one shape, or a list for an input node / several outputs."""
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 and not self.is_input else shapes

    def iterate_inbound(self):
        for t in self.inputs:
            yield t._keras_history


def _check_shape(layer, index, shape, spec):
    """Keras's input_spec check: ndim / min_ndim and fixed axis sizes, with its error texts."""
    ndim = len(shape)
    where = f'Input {index} of layer "{layer.name}" is incompatible with the layer: '
    if "ndim" in spec and ndim != spec["ndim"]:
        raise ValueError(f"{where}expected ndim={spec['ndim']}, found ndim={ndim}. Full shape received: "
                         f"{shape_str(shape)}")
    if "min_ndim" in spec and ndim < spec["min_ndim"]:
        raise ValueError(f"{where}expected min_ndim={spec['min_ndim']}, found ndim={ndim}. Full shape received: "
                         f"{shape_str(shape)}")
    for axis, value in spec.get("axes", {}).items():
        got = shape[axis] if -ndim <= axis < ndim else None
        if got is not None and got != value:
            raise ValueError(f"{where}expected axis {axis} of input shape to have value {value}, but received "
                             f"input with shape {shape_str(shape)}")


class Layer:
    """Keras's Layer contract: ``build(input_shape)`` once (makes ``self.module``, the ramp module
    holding the weights), ``call(inputs)`` on ramp tensors, ``compute_output_shape``. Calling a layer
    on KerasTensors records a Node and returns KerasTensors; on ramp tensors it computes."""

    def __init__(self, name=None, input_shape=None, batch_input_shape=None, input_dim=None, trainable=True,
                 dtype=None, **kwargs):
        if kwargs:
            raise TypeError(f"('Keyword argument not understood:', '{next(iter(kwargs))}')")
        self.name = name or unique_name(snake_case(type(self).__name__))
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            self._batch_input_shape = tuple(batch_input_shape)
        elif input_shape is not None:
            self._batch_input_shape = (None, *tuple(input_shape))
        else:
            self._batch_input_shape = None
        self._module = None
        self.trainable, self.dtype = trainable, dtype
        self.built = False
        self.input_spec = None  # {"ndim": n, "axes": {axis: size}}, set by build
        self._inbound_nodes = []

    def __init_subclass__(cls, **kwargs):
        """A layer's build marks it built, however it is called (Keras's layers set self.built)."""
        super().__init_subclass__(**kwargs)
        if "build" in cls.__dict__:
            build = cls.__dict__["build"]

            def built_build(self, input_shape=None, _build=build):
                _build(self, input_shape)
                self.built = True
                if self._module is not None:
                    self._module.eval()  # Keras: layers infer unless training
                self.trainable = self.trainable  # freezes the new weights of a non-trainable layer
            built_build.__doc__, built_build.__name__ = build.__doc__, "build"
            cls.build = built_build

    # ---- what each layer defines ----
    def build(self, input_shape):
        self.built = True

    def call(self, inputs):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return input_shape

    # ---- the machinery ----
    @property
    def module(self):
        """The ramp nn module holding this layer's weights (None for a layer without state)."""
        return self._module

    def torch_modules(self):
        """The ramp modules in order, as the equivalent PyTorch nn.Sequential lists them."""
        m = self.module
        if m is None:
            return []
        return list(m) if type(m) is ramp.nn.Sequential else [m]

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Keras's freezing: a non-trainable layer's weights take no gradient (requires_grad off),
        so optimizers leave them, and count as non-trainable."""
        self._trainable = bool(value)
        for w in self._variables():
            w.requires_grad_(self._trainable)

    def _variables(self):
        """The weights that training changes (the module's parameters)."""
        return [] if self.module is None else list(self.module.parameters())

    @property
    def weights(self):
        return self.trainable_weights + self.non_trainable_weights

    @property
    def trainable_weights(self):
        return self._variables() if self.trainable else []

    @property
    def non_trainable_weights(self):
        return [] if self.trainable else self._variables()

    def count_params(self):
        return sum(w.numel() for w in self.weights)

    @property
    def output_shape(self):
        """Keras's Layer.output_shape: that of every call, or AttributeError when they differ."""
        if not self._inbound_nodes:
            raise AttributeError("The layer has never been called and thus has no defined output shape.")
        shapes = {str(node.output_shapes) for node in self._inbound_nodes}
        if len(shapes) != 1:
            raise AttributeError(f'The layer "{self.name}" has multiple inbound nodes, with different output shapes.')
        return self._inbound_nodes[0].output_shapes

    def _maybe_build(self, input_shape):
        if not self.built:
            self.build(input_shape)
            self.built = True
        spec = self.input_spec
        if spec is not None:
            shapes = input_shape if isinstance(input_shape, list) else [input_shape]
            for i, (shape, s) in enumerate(zip(shapes, spec if isinstance(spec, list) else [spec] * len(shapes))):
                _check_shape(self, i, tuple(shape), s)

    def __call__(self, inputs, training=None):
        """On KerasTensors: records the call, returns KerasTensors. On ramp tensors: computes, in
        inference mode unless ``training=True`` (Keras's default for a direct call) or the model
        holding the layer trains."""
        flat = flatten(inputs)
        symbolic = [isinstance(t, KerasTensor) for t in flat]
        if any(symbolic):
            if not all(symbolic):
                raise ValueError(f'Layer "{self.name}" was called on a mix of symbolic (KerasTensor) and concrete '
                                 f"inputs: {inputs}")
            return self._call_symbolic(inputs, flat)
        module = self.module
        if training is None or module is None or module.training == bool(training):
            return self._call_eager(inputs)
        was = module.training
        module.train(bool(training))
        try:
            return self._call_eager(inputs)
        finally:
            module.train(was)

    def _call_eager(self, inputs):
        shape = [tuple(t.shape) for t in inputs] if isinstance(inputs, (list, tuple)) else tuple(inputs.shape)
        self._maybe_build(shape)
        return self.call(inputs)

    def _call_symbolic(self, inputs, flat):
        list_input = isinstance(inputs, (list, tuple))
        shape = [t.shape for t in flat] if list_input else flat[0].shape
        self._maybe_build(shape)
        out_shape = self.compute_output_shape(shape)
        shapes = out_shape if isinstance(out_shape, list) else [out_shape]
        node_index = len(self._inbound_nodes)
        dtype = flat[0].dtype
        outputs = [KerasTensor(s, dtype, self, node_index, i) for i, s in enumerate(shapes)]
        self._inbound_nodes.append(Node(self, flat, outputs, list_input))
        return outputs if isinstance(out_shape, list) else outputs[0]

    def get_weights(self):
        """The weights as NumPy arrays in Keras's layout (a Dense kernel is [in, out])."""
        return [self._to_keras(i, w.detach().numpy().copy()) for i, w in enumerate(self.weights)]

    def set_weights(self, weights):
        mine = self.weights
        if len(weights) != len(mine):
            raise ValueError(f'Layer {self.name} weight shape mismatch: you called `set_weights(weights)` on layer '
                             f'"{self.name}" with a weight list of length {len(weights)}, but the layer was '
                             f"expecting {len(mine)} weights.")
        with ramp.no_grad():
            for i, (w, value) in enumerate(zip(mine, weights)):
                value = self._from_keras(i, ramp.from_numpy(np.ascontiguousarray(value)))
                if tuple(value.shape) != tuple(w.shape):
                    raise ValueError(f"Layer {self.name} weight shape {tuple(w.shape)} is not compatible with "
                                     f"provided weight shape {tuple(value.shape)}.")
                w.copy_(value)

    # PyTorch layout <-> Keras layout of weight i (the identity except for kernels)
    def _to_keras(self, index, array):
        return array

    def _from_keras(self, index, tensor):
        return tensor

    def __repr__(self):
        return f"<{type(self).__module__}.{type(self).__name__} name={self.name}>"


class InputLayer(Layer):
    """The layer behind Input(): no weights, one input node holding the KerasTensor."""

    def __init__(self, input_shape=None, batch_size=None, dtype=None, name=None, batch_input_shape=None, **kwargs):
        if batch_input_shape is None:
            if input_shape is None:
                raise ValueError("Please provide to Input a `shape` or a `tensor` or a `type_spec` argument. Note "
                                 "that `shape` does not include the batch dimension.")
            batch_input_shape = (batch_size, *tuple(input_shape))
        super().__init__(name=name or unique_name("input", zero_based=False), dtype=dtype or "float32", **kwargs)
        self._batch_input_shape = tuple(batch_input_shape)
        self.built = True
        tensor = KerasTensor(self._batch_input_shape, self.dtype, self, 0, 0)
        self._inbound_nodes.append(Node(self, [], [tensor], False, is_input=True))

    @property
    def output(self):
        return self._inbound_nodes[0].outputs[0]


def Input(shape=None, batch_size=None, name=None, dtype=None, batch_shape=None, **kwargs):
    """keras.Input: a symbolic tensor of shape (batch_size, *shape) to build a functional model on."""
    if isinstance(shape, int):
        shape = (shape,)
    return InputLayer(input_shape=shape, batch_size=batch_size, name=name, dtype=dtype,
                      batch_input_shape=batch_shape, **kwargs).output
