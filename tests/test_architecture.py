"""print_architecture: one deterministic line per layer, so that nbval sees a changed layer or activation."""

from workshop_utils import architecture

import keras
import pytest


def _mlp(activation="relu", units=8):
    return keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(units, activation=activation, name="hidden"),
            keras.layers.Dropout(0.2, name="drop"),
            keras.layers.Dense(2, activation="softmax", name="out"),
        ],
        name="mlp",
    )


def test_rows_name_type_shape_activation_params():
    rows = architecture.architecture_rows(_mlp())
    assert rows == [
        ("hidden", "Dense", "(None, 8)", "relu", 40),
        ("drop", "Dropout", "(None, 8)", "-", 0),
        ("out", "Dense", "(None, 2)", "softmax", 18),
    ]


def test_text_changes_with_activation_and_units():
    base = architecture.architecture_text(_mlp())
    assert "total parameters: 58 (trainable 58, non-trainable 0)" in base
    assert architecture.architecture_text(_mlp(activation="tanh")) != base
    assert architecture.architecture_text(_mlp(units=9)) != base


def test_recurrent_wrapped_and_nested_models():
    inputs = keras.Input((6, 1))
    x = keras.layers.Bidirectional(keras.layers.LSTM(3, return_sequences=True), name="bi")(inputs)
    x = keras.layers.TimeDistributed(keras.layers.Dense(1, activation="sigmoid"), name="td")(x)
    inner = keras.Model(inputs, x, name="inner")
    outer_in = keras.Input((6, 1))
    outer = keras.Model(outer_in, keras.layers.Flatten(name="flat")(inner(outer_in)), name="outer")
    rows = architecture.architecture_rows(outer)
    assert [r[0] for r in rows] == ["inner", "  bi", "  td", "flat"]
    assert rows[1][3] == "tanh/sigmoid" and rows[2][3] == "sigmoid"
    assert rows[0][4] == inner.count_params()


def test_batchnorm_counts_non_trainable():
    model = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization(name="bn")])
    assert "non-trainable 6" in architecture.architecture_text(model)


def test_unbuilt_model_says_what_to_do():
    with pytest.raises(ValueError, match="not built yet"):
        architecture.architecture_text(keras.Sequential([keras.layers.Dense(2)]))
