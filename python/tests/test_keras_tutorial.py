"""The seeds' Keras code as tests: the ReLU tutorial's Sequential and functional snippets and a
Keras CNN, written as the tutorials write them (only the import lines say ramp.keras), run and
print Keras 2's summaries. The expected summaries are Keras 2.9-2.11's print_summary layout
(keras/utils/layer_utils.py: 65 columns split at 0.45/0.85, or 98 at 0.33/0.55/0.67 with
"Connected to" when a model has merges; a blank line after each layer; long fields wrapped),
the toy ResNet being the keras.io functional-API guide's model (223,242 parameters there too)."""
import numpy as np
import pytest

import ramp
from conftest import to_numpy, to_ramp

torch = pytest.importorskip("torch")


def summary_lines(model):
    lines = []
    model.summary(print_fn=lines.append)
    return lines


SEQUENTIAL_SUMMARY = [
    'Model: "sequential"',
    "_" * 65,
    " Layer (type)                Output Shape              Param #   ",
    "=" * 65,
    " dense (Dense)               (None, 64)                6464      ",
    " " * 65,
    " activation (Activation)     (None, 64)                0         ",
    " " * 65,
    "=" * 65,
    "Total params: 6,464",
    "Trainable params: 6,464",
    "Non-trainable params: 0",
    "_" * 65,
]

FUNCTIONAL_SUMMARY = [
    'Model: "model"',
    "_" * 65,
    " Layer (type)                Output Shape              Param #   ",
    "=" * 65,
    " input_1 (InputLayer)        [(None, 100)]             0         ",
    " " * 65,
    " dense (Dense)               (None, 64)                6464      ",
    " " * 65,
    " activation (Activation)     (None, 64)                0         ",
    " " * 65,
    "=" * 65,
    "Total params: 6,464",
    "Trainable params: 6,464",
    "Non-trainable params: 0",
    "_" * 65,
]


def test_tutorial_sequential_way():
    from ramp.keras import backend
    backend.clear_session()
    # --- the tutorial's code (import lines changed) ---
    from ramp.keras.models import Sequential
    from ramp.keras.layers import Dense, Activation

    input_dim = 100
    model = Sequential()
    model.add(Dense(units=64, input_shape=(input_dim,)))
    model.add(Activation('relu'))
    # ---
    assert summary_lines(model) == SEQUENTIAL_SUMMARY
    x = torch.randn(8, input_dim, dtype=torch.float64)
    t = torch.nn.Sequential(torch.nn.Linear(input_dim, 64), torch.nn.ReLU()).double()
    assert repr(model) == repr(t)
    model.double()  # float64 twins: agreement to a few ulps
    t.load_state_dict({k: torch.from_numpy(to_numpy(v).copy()) for k, v in model.state_dict().items()})
    np.testing.assert_allclose(to_numpy(model(to_ramp(x))), t(x).detach().numpy(), rtol=1e-14, atol=1e-15)


def test_tutorial_functional_way():
    from ramp.keras import backend
    backend.clear_session()
    # --- the tutorial's code (import lines changed) ---
    from ramp.keras.layers import Input, Dense, Activation
    from ramp.keras.models import Model

    input_dim = 100
    input_tensor = Input(shape=(input_dim,))
    x = Dense(units=64)(input_tensor)
    x = Activation('relu')(x)
    model = Model(inputs=input_tensor, outputs=x)
    # ---
    assert x.shape == (None, 64)
    assert summary_lines(model) == FUNCTIONAL_SUMMARY
    model.double()  # float64 twins: agreement to a few ulps
    xs = torch.randn(8, input_dim, dtype=torch.float64)
    w, b = (torch.from_numpy(a) for a in model.get_weights())  # Keras's kernel [in, out]
    np.testing.assert_allclose(to_numpy(model(to_ramp(xs))), torch.relu(xs @ w + b).numpy(), rtol=1e-14, atol=1e-15)
    assert model.predict(xs.numpy(), verbose=0).shape == (8, 64)


TOY_RESNET_SUMMARY = [
    'Model: "toy_resnet"',
    '__________________________________________________________________________________________________',
    ' Layer (type)                   Output Shape         Param #     Connected to                     ',
    '==================================================================================================',
    ' img (InputLayer)               [(None, 32, 32, 3)]  0           []                               ',
    '                                                                                                  ',
    " conv2d (Conv2D)                (None, 30, 30, 32)   896         ['img[0][0]']                    ",
    '                                                                                                  ',
    " conv2d_1 (Conv2D)              (None, 28, 28, 64)   18496       ['conv2d[0][0]']                 ",
    '                                                                                                  ',
    " max_pooling2d (MaxPooling2D)   (None, 9, 9, 64)     0           ['conv2d_1[0][0]']               ",
    '                                                                                                  ',
    " conv2d_2 (Conv2D)              (None, 9, 9, 64)     36928       ['max_pooling2d[0][0]']          ",
    '                                                                                                  ',
    " conv2d_3 (Conv2D)              (None, 9, 9, 64)     36928       ['conv2d_2[0][0]']               ",
    '                                                                                                  ',
    " add (Add)                      (None, 9, 9, 64)     0           ['conv2d_3[0][0]',               ",
    "                                                                  'max_pooling2d[0][0]']          ",
    '                                                                                                  ',
    " conv2d_4 (Conv2D)              (None, 9, 9, 64)     36928       ['add[0][0]']                    ",
    '                                                                                                  ',
    " conv2d_5 (Conv2D)              (None, 9, 9, 64)     36928       ['conv2d_4[0][0]']               ",
    '                                                                                                  ',
    " add_1 (Add)                    (None, 9, 9, 64)     0           ['conv2d_5[0][0]',               ",
    "                                                                  'add[0][0]']                    ",
    '                                                                                                  ',
    " conv2d_6 (Conv2D)              (None, 7, 7, 64)     36928       ['add_1[0][0]']                  ",
    '                                                                                                  ',
    " global_average_pooling2d (Glob  (None, 64)          0           ['conv2d_6[0][0]']               ",
    ' alAveragePooling2D)                                                                              ',
    '                                                                                                  ',
    " dense (Dense)                  (None, 256)          16640       ['global_average_pooling2d[0][0]'",
    '                                                                 ]                                ',
    '                                                                                                  ',
    " dropout (Dropout)              (None, 256)          0           ['dense[0][0]']                  ",
    '                                                                                                  ',
    " dense_1 (Dense)                (None, 10)           2570        ['dropout[0][0]']                ",
    '                                                                                                  ',
    '==================================================================================================',
    'Total params: 223,242',
    'Trainable params: 223,242',
    'Non-trainable params: 0',
    '__________________________________________________________________________________________________',
]


def test_toy_resnet_summary_with_connections():
    """The keras.io guide's toy ResNet (two Add merges): the "Connected to" layout, wrapped fields."""
    from ramp import keras
    from ramp.keras import layers
    keras.backend.clear_session()
    inputs = keras.Input(shape=(32, 32, 3), name="img")
    x = layers.Conv2D(32, 3, activation="relu")(inputs)
    x = layers.Conv2D(64, 3, activation="relu")(x)
    block_1_output = layers.MaxPooling2D(3)(x)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_1_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_2_output = layers.add([x, block_1_output])
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(block_2_output)
    x = layers.Conv2D(64, 3, activation="relu", padding="same")(x)
    block_3_output = layers.add([x, block_2_output])
    x = layers.Conv2D(64, 3, activation="relu")(block_3_output)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(256, activation="relu")(x)
    x = layers.Dropout(0.5)(x)
    outputs = layers.Dense(10)(x)
    model = keras.Model(inputs, outputs, name="toy_resnet")
    assert summary_lines(model) == TOY_RESNET_SUMMARY
    assert model.count_params() == sum(p.numel() for p in model.parameters()) == 223242
    assert model(ramp.zeros(2, 32, 32, 3)).shape == (2, 10)


CNN_SUMMARY = [
    'Model: "sequential"',
    '_________________________________________________________________',
    ' Layer (type)                Output Shape              Param #   ',
    '=================================================================',
    ' conv2d (Conv2D)             (None, 26, 26, 32)        320       ',
    '                                                                 ',
    ' max_pooling2d (MaxPooling2D  (None, 13, 13, 32)       0         ',
    ' )                                                               ',
    '                                                                 ',
    ' conv2d_1 (Conv2D)           (None, 11, 11, 64)        18496     ',
    '                                                                 ',
    ' leaky_re_lu (LeakyReLU)     (None, 11, 11, 64)        0         ',
    '                                                                 ',
    ' max_pooling2d_1 (MaxPooling  (None, 5, 5, 64)         0         ',
    ' 2D)                                                             ',
    '                                                                 ',
    ' flatten (Flatten)           (None, 1600)              0         ',
    '                                                                 ',
    ' dense (Dense)               (None, 64)                102464    ',
    '                                                                 ',
    ' dropout (Dropout)           (None, 64)                0         ',
    '                                                                 ',
    ' dense_1 (Dense)             (None, 10)                650       ',
    '                                                                 ',
    '=================================================================',
    'Total params: 121,930',
    'Trainable params: 121,930',
    'Non-trainable params: 0',
    '_________________________________________________________________',
]


def test_tutorial_cnn_trains():
    """A Keras ReLU tutorial's CNN (Conv2D + ReLU, LeakyReLU, pooling, Dropout, softmax), compiled and
    fitted on random data: Keras's summary, shapes, a History of the epochs."""
    from ramp import keras
    keras.backend.clear_session()
    from ramp.keras.models import Sequential
    from ramp.keras.layers import Conv2D, MaxPooling2D, Flatten, Dense, Dropout, LeakyReLU

    model = Sequential()
    model.add(Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)))
    model.add(MaxPooling2D((2, 2)))
    model.add(Conv2D(64, (3, 3)))
    model.add(LeakyReLU(alpha=0.1))
    model.add(MaxPooling2D((2, 2)))
    model.add(Flatten())
    model.add(Dense(64, activation='relu'))
    model.add(Dropout(0.5))
    model.add(Dense(10, activation='softmax'))
    model.compile(optimizer='adam', loss='sparse_categorical_crossentropy', metrics=['accuracy'])
    assert summary_lines(model) == CNN_SUMMARY
    ramp.manual_seed(0)
    x = np.random.default_rng(0).random((64, 28, 28, 1)).astype("float32")
    y = np.random.default_rng(1).integers(0, 10, 64)
    history = model.fit(x, y, epochs=2, batch_size=32, validation_split=0.25, verbose=0)
    assert list(history.history) == ["loss", "accuracy", "val_loss", "val_accuracy"] and history.epoch == [0, 1]
    assert model.predict(x[:5], verbose=0).shape == (5, 10)
    np.testing.assert_allclose(model.predict(x[:5], verbose=0).sum(1), np.ones(5), rtol=1e-6)


def test_summary_line_length_and_positions():
    """summary(line_length, positions) as Keras's: the rules and columns move, the text wraps."""
    from ramp import keras
    keras.backend.clear_session()
    from ramp.keras.layers import Input, Dense
    from ramp.keras.models import Model
    x_in = Input(shape=(3,))
    model = Model(x_in, Dense(2)(x_in))
    lines = []
    model.summary(line_length=42, positions=[20, 34, 42], print_fn=lines.append)
    assert lines[1] == "_" * 42 and lines[-1] == "_" * 42
    assert lines[2] == " Layer (type)       Output Shape  Param # "
    # Keras 2.11 cuts a first column at width - 2 and wraps the rest (the shape column then starts
    # one character late: its 2.13 fix is not in 2.11)
    assert lines[4:7] == [" input_1 (InputLaye  [(None, 3)]  0       ", " r)" + " " * 39, " " * 42]
