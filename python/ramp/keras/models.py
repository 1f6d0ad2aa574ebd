"""keras.Model (the functional API) and keras.Sequential over ramp.nn: both are nn.Modules (the
layers' modules are their children), and both are Keras layers (callable on KerasTensors, so models
nest). A functional Model orders its layers and runs its nodes as Keras's Functional does (depth
from the outputs, ties by the order a depth-first walk from the outputs meets them).

Keras semantics kept: calling a model runs in inference mode (Dropout off, BatchNormalization on
its moving statistics) unless ``training=True`` or inside fit; PyTorch's ``model.train()`` also works.
"""
import collections

import numpy as np

import ramp
from ramp import nn

from . import summary as summary_module
from .engine import InputLayer, KerasTensor, Layer, Node, _check_shape, flatten, shape_str, unique_name
from .training import TrainingMixin

__all__ = ["Model", "Sequential"]


class _ModelBase(TrainingMixin, Layer):
    """What Model and Sequential share: they are their own module, run through nn.Module.__call__
    (hooks fire), collect their layers' weights, summary(), save/load of weights."""

    __repr__ = nn.Module.__repr__

    @property
    def module(self):
        return self

    def torch_modules(self):
        return [self]

    def __call__(self, inputs, *args, training=None, **kwargs):
        if any(isinstance(t, KerasTensor) for t in flatten(inputs)):
            return Layer.__call__(self, inputs)
        if training is None:
            return nn.Module.__call__(self, inputs, *args, **kwargs)
        was = self.training
        self.train(bool(training))
        try:
            return nn.Module.__call__(self, inputs, *args, **kwargs)
        finally:
            self.train(was)

    def _call_eager(self, inputs):
        return nn.Module.__call__(self, inputs)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        """Keras: setting a model's trainable sets every layer's."""
        self._trainable = bool(value)
        for layer in getattr(self, "layers", []):
            layer.trainable = value

    def _weight_slots(self, trainable):
        """(layer, index in layer.weights) of each distinct weight, in layer order."""
        seen, slots = set(), []
        for layer in self.layers:
            if isinstance(layer, _ModelBase):
                sub = layer._weight_slots(trainable)
            else:
                ws = layer.trainable_weights if trainable else layer.non_trainable_weights
                offset = 0 if trainable else len(layer.trainable_weights)
                sub = [(layer, offset + i) for i in range(len(ws))]
            for layer_, i in sub:
                w = layer_.weights[i]
                if id(w) not in seen:
                    seen.add(id(w))
                    slots.append((layer_, i))
        return slots

    def _slots(self):
        return self._weight_slots(True) + self._weight_slots(False)

    @property
    def trainable_weights(self):
        return [layer.weights[i] for layer, i in self._weight_slots(True)]

    @property
    def non_trainable_weights(self):
        return [layer.weights[i] for layer, i in self._weight_slots(False)]

    def get_weights(self):
        """Keras's order (the trainable weights, then the others) and layout."""
        return [layer._to_keras(i, layer.weights[i].detach().numpy().copy()) for layer, i in self._slots()]

    def set_weights(self, weights):
        slots = self._slots()
        if len(weights) != len(slots):
            raise ValueError(f"You called `set_weights(weights)` on layer \"{self.name}\" with a weight list of length "
                             f"{len(weights)}, but the layer was expecting {len(slots)} weights.")
        by_layer = collections.defaultdict(dict)
        for (layer, i), w in zip(slots, weights):
            by_layer[layer][i] = w
        for layer, values in by_layer.items():
            current = layer.get_weights()
            layer.set_weights([values.get(i, current[i]) for i in range(len(current))])

    def get_layer(self, name=None, index=None):
        if index is not None:
            if len(self.layers) <= index:
                raise ValueError(f"Was asked to retrieve layer at index {index} but model only has {len(self.layers)} "
                                 "layers.")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"No such layer: {name}. Existing layers are: {[layer.name for layer in self.layers]}.")

    def save_weights(self, filepath):
        """The state_dict, in ramp's (PyTorch's) file format whatever the extension."""
        ramp.save(self.state_dict(), str(filepath))

    def load_weights(self, filepath):
        """Matches the saved weights to this model's in order (Keras's topological loading), so a
        model built again by the same code loads them whatever its layers' names became."""
        saved, own = ramp.load(str(filepath)), self.state_dict()
        if list(saved) != list(own):
            if len(saved) != len(own):
                raise ValueError(f"Weight file {filepath} contains {len(saved)} weights, but the model "
                                 f"\"{self.name}\" has {len(own)}.")
            saved = collections.OrderedDict(zip(own, saved.values()))
        self.load_state_dict(saved)

    def save(self, filepath):
        """ramp.keras saves the weights only (load them into a model built by the same code with
        load_weights); Keras's full-model formats are not written."""
        self.save_weights(filepath)

    def count_params(self):
        return sum(w.numel() for w in self.trainable_weights + self.non_trainable_weights)

    def _dtype(self):
        return next((p.dtype for p in self.parameters()), ramp.float32)

    def _summary_counts(self):
        return (sum(w.numel() for w in self.trainable_weights), sum(w.numel() for w in self.non_trainable_weights))


def _cast(x, dtype):
    """Keras's layers cast their inputs (NumPy's float64 and int64 too) to their dtype."""
    x = x if isinstance(x, ramp.Tensor) else ramp.from_numpy(np.ascontiguousarray(x))
    return x.to(dtype) if x.dtype != dtype else x


def _class_name(layer):
    return "Functional" if type(layer) is Model else type(layer).__name__


class Model(_ModelBase, nn.Module):
    """keras.Model(inputs, outputs): the graph of layer calls from the Input tensors to the outputs
    (one or several each), as an nn.Module whose children are the layers' modules by layer name."""

    def __init__(self, inputs=None, outputs=None, name=None, trainable=True, **kwargs):
        nn.Module.__init__(self)
        if inputs is None or outputs is None:
            raise TypeError("ramp.keras Model takes the functional API's `inputs` and `outputs` (subclassed models "
                            "are not supported)")
        Layer.__init__(self, name=name or unique_name("model"), trainable=trainable, **kwargs)
        self._nested_inputs, self._nested_outputs = inputs, outputs
        self.inputs, self.outputs = flatten(inputs), flatten(outputs)
        for t in self.inputs:
            if not isinstance(t, KerasTensor) or not t.node.is_input:
                raise ValueError("Input tensors to a Functional must come from `keras.Input`. Received: "
                                 f"{t} (missing previous layer metadata).")
        for t in self.outputs:
            if not isinstance(t, KerasTensor):
                raise ValueError("Output tensors of a Functional model must be the output of a Keras `Layer` (thus "
                                 f"holding past layer metadata). Found: {t}")
        self._map_graph()
        names = collections.Counter(layer.name for layer in self.layers)
        for layer_name, count in names.items():
            if count > 1:
                raise ValueError(f'The name "{layer_name}" is used {count} times in the model. All layer names '
                                 "should be unique.")
        for layer in self.layers:
            if layer.module is not None:
                self.add_module(layer.name, layer.module)
        self.input_spec = [{"ndim": len(t.shape), "axes": {i: s for i, s in enumerate(t.shape) if i and s is not None}}
                           for t in self.inputs]
        # Keras's node 0 of a functional model is its own graph: a call on new tensors is node 1
        self._inbound_nodes.append(Node(self, self.inputs, self.outputs, isinstance(inputs, (list, tuple))))
        self.built = True
        self.trainable = trainable
        self.eval()

    def _map_graph(self):
        """Keras's _map_graph_network: node depths from the outputs, layers by decreasing depth
        (ties: the order a depth-first walk from the outputs first meets them), and the check that
        every node's inputs are computable from the model's inputs."""
        finished, order, layer_index = set(), [], {}

        def visit(t):
            node = t.node
            if id(node) in finished:
                return
            layer_index.setdefault(t._keras_history[0], len(layer_index))
            if not node.is_input:
                for x in node.inputs:
                    visit(x)
            finished.add(id(node))
            order.append(node)

        for t in self.outputs:
            visit(t)
        node_depth, layer_depth = {}, {}
        for node in reversed(order):
            depth = max(node_depth.setdefault(id(node), 0), layer_depth.get(node.layer, 0))
            layer_depth[node.layer] = node_depth[id(node)] = depth
            for x in node.inputs:
                node_depth[id(x.node)] = max(depth + 1, node_depth.get(id(x.node), 0))
        for t in self.inputs:  # an input the outputs do not use still belongs to the model
            layer = t._keras_history[0]
            if layer not in layer_depth:
                layer_depth[layer], layer_index[layer] = 0, -1
                node_depth[id(t.node)] = 0
                order.append(t.node)
        nodes_by_depth = collections.defaultdict(list)
        for node in order:
            nodes_by_depth[node_depth[id(node)]].append(node)
        self._nodes_by_depth = dict(nodes_by_depth)
        layers_by_depth = collections.defaultdict(list)
        for layer, depth in layer_depth.items():
            layers_by_depth[depth].append(layer)
        self.layers = [layer for depth in sorted(layers_by_depth, reverse=True)
                       for layer in sorted(layers_by_depth[depth], key=layer_index.__getitem__)]
        computable = {id(t) for t in self.inputs}
        accessed, self._exec_nodes = [], []
        for depth in sorted(nodes_by_depth, reverse=True):
            for node in nodes_by_depth[depth]:
                if node.is_input:
                    continue
                for x in node.inputs:
                    if id(x) not in computable:
                        raise ValueError(f'Graph disconnected: cannot obtain value for tensor {x} at layer '
                                         f'"{node.layer.name}". The following previous layers were accessed without '
                                         f"issue: {accessed}")
                computable.update(id(x) for x in node.outputs)
                accessed.append(node.layer.name)
                self._exec_nodes.append(node)
        for t in self.outputs:
            if id(t) not in computable:
                raise ValueError(f"Graph disconnected: cannot obtain value for tensor {t}: the output does not depend "
                                 f"on the model's inputs {[x.name for x in self.inputs]}.")
        self._relevant_nodes = {id(node) for node in order}

    def compute_output_shape(self, input_shape):
        shapes = [t.shape for t in self.outputs]
        return shapes if isinstance(self._nested_outputs, (list, tuple)) else shapes[0]

    def call(self, inputs):
        return self.forward(inputs)

    def forward(self, *args):
        inputs = args[0] if len(args) == 1 else list(args)
        flat = [_cast(x, self._dtype()) for x in flatten(inputs)]
        if len(flat) != len(self.inputs):
            raise ValueError(f'Layer "{self.name}" expects {len(self.inputs)} input(s), but it received {len(flat)} '
                             f"input tensors.")
        for i, (x, spec) in enumerate(zip(flat, self.input_spec)):
            _check_shape(self, i, tuple(x.shape), spec)
        values = {id(t): x for t, x in zip(self.inputs, flat)}
        for node in self._exec_nodes:
            args = [values[id(t)] for t in node.inputs]
            out = node.layer._call_eager(args if node.list_input else args[0])
            for t, v in zip(node.outputs, flatten(out)):
                values[id(t)] = v
        outs = [values[id(t)] for t in self.outputs]
        return outs if isinstance(self._nested_outputs, (list, tuple)) else outs[0]

    def _sequential_like(self):
        """Keras's test: one node per depth, none with several inputs, no layer called twice."""
        layers_seen = set()
        for nodes in self._nodes_by_depth.values():
            if len(nodes) > 1 or (len(nodes) == 1 and len(nodes[0].inputs) > 1):
                return False
        for nodes in self._nodes_by_depth.values():
            if nodes[0].layer in layers_seen:
                return False
            layers_seen.add(nodes[0].layer)
        return True

    def summary(self, line_length=None, positions=None, print_fn=None):
        connected = not self._sequential_like()
        rows = []
        for layer in self.layers:
            try:
                shape = layer.output_shape
            except AttributeError:
                shape = "multiple"
            row = [f"{layer.name} ({_class_name(layer)})", shape, layer.count_params()]
            if connected:
                row.append([f"{inbound.name}[{node_index}][{tensor_index}]"
                            for node in layer._inbound_nodes if id(node) in self._relevant_nodes
                            for inbound, node_index, tensor_index in node.iterate_inbound()])
            rows.append(row)
        summary_module.print_summary(self.name, rows, *self._summary_counts(), connected, print_fn, line_length,
                                     positions)


class Sequential(_ModelBase, nn.Sequential):
    """keras.Sequential: the layers in order, held as an nn.Sequential of their modules (for Dense
    and Activation layers the very modules, keys and state_dict of the equivalent PyTorch
    nn.Sequential). Without an input shape, the layers are built at the first batch."""

    def __init__(self, layers=None, name=None):
        nn.Sequential.__init__(self)
        Layer.__init__(self, name=name or unique_name("sequential"))
        self.layers = []
        self._shapes = []  # the output shape of each built layer
        self._input_shape = None  # with the batch dim (None)
        for layer in layers or []:
            self.add(layer)
        self.eval()

    def add(self, layer):
        if isinstance(layer, KerasTensor) and isinstance(layer._keras_history[0], InputLayer):
            layer = layer._keras_history[0]
        if isinstance(layer, InputLayer):
            if self.layers:
                raise ValueError("An InputLayer can only be the first layer of a Sequential model")
            self._input_shape = layer._batch_input_shape
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"The added layer must be an instance of class Layer. Received: layer={layer} of type "
                            f"{type(layer)}.")
        if any(existing.name == layer.name for existing in self.layers):
            raise ValueError(f'All layers added to a Sequential model should have unique names. Name "{layer.name}" is '
                             "already the name of a layer in this model. Update the `name` argument to pass a unique "
                             "name.")
        if not self.layers and self._input_shape is None and layer._batch_input_shape is not None:
            self._input_shape = layer._batch_input_shape
        self.layers.append(layer)
        if self._input_shape is not None:
            self._build_layers()

    def _build_layers(self):
        """Builds the layers not built yet, in order, from the shape flowing out of the others."""
        shape = self._shapes[-1] if self._shapes else self._input_shape
        for layer in self.layers[len(self._shapes):]:
            layer._maybe_build(shape)
            for module in layer.torch_modules():
                self.append(module.train(self.training))
            shape = tuple(layer.compute_output_shape(shape))
            self._shapes.append(shape)
        self.built = True

    def build(self, input_shape=None):
        if input_shape is not None and self._input_shape is None:
            self._input_shape = tuple(input_shape)
        if self._input_shape is None:
            raise ValueError("You must provide an `input_shape` argument.")
        self._build_layers()

    def compute_output_shape(self, input_shape):
        if self._input_shape is None:
            self._input_shape = (None, *tuple(input_shape)[1:])
        self._build_layers()
        return self._shapes[-1] if self._shapes else tuple(input_shape)

    def _maybe_build(self, input_shape):
        if self._input_shape is None:
            self._input_shape = (None, *tuple(input_shape)[1:])
        if len(self._shapes) < len(self.layers):
            self._build_layers()
        self.built = True

    @property
    def output_shape(self):
        if not self._shapes:
            raise AttributeError("The layer has never been called and thus has no defined output shape.")
        return self._shapes[-1]

    def call(self, inputs):
        return self.forward(inputs)

    def forward(self, input):
        input = _cast(input, self._dtype())
        if len(self._shapes) < len(self.layers):
            self._maybe_build(tuple(input.shape))
        for layer in self.layers:
            input = layer._call_eager(input)
        return input

    def summary(self, line_length=None, positions=None, print_fn=None):
        """Keras's table: ' name (Type)', '(None, units)', the parameter count; then the totals."""
        if not self.built or len(self._shapes) < len(self.layers):
            raise ValueError("This model has not yet been built. Build the model first by calling `build()` or by "
                             "calling the model on a batch of data.")
        rows = [[f"{layer.name} ({_class_name(layer)})", shape_str(shape), layer.count_params()]
                for layer, shape in zip(self.layers, self._shapes)]
        summary_module.print_summary(self.name, rows, *self._summary_counts(), False, print_fn, line_length,
                                     positions)
