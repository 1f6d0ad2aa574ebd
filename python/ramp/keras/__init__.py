"""ramp.keras: Keras 2's API over ramp.nn (seed 003 and the Keras ReLU tutorials), laid out as Keras
lays it out: ramp.keras.layers / models / activations / initializers / callbacks / losses /
optimizers, the common names also at the top (``from ramp.keras import Dense, Sequential, Model, Input``).

    inputs = Input(shape=(784,))
    x = Dense(units=64)(inputs)
    x = Activation("relu")(x)
    model = Model(inputs=inputs, outputs=Dense(10, activation="softmax")(x))
    model.summary()                     # Keras 2's table
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=5, validation_split=0.1, callbacks=[EarlyStopping(patience=2)])

Every model is an nn.Module: its parameters are the layers' ramp modules (a Dense is an nn.Linear in
PyTorch's layout, plus its activation's module), so autograd, ramp.optim, state_dict and
ramp.diagnostics work on it as on any PyTorch-style model.
"""
from . import activations, backend, callbacks, initializers, layers, losses, models, optimizers, utils
from .engine import KerasTensor
from .layers import *  # noqa: F401,F403 (Keras's top-level layer names)
from .models import Model, Sequential

__all__ = ["Model", "Sequential", "KerasTensor", "activations", "backend", "callbacks", "initializers", "layers",
           "losses", "utils",
           "models", "optimizers", *layers.__all__]
