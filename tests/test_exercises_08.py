"""Exercises of notebook 08: Flatten for one answer per image (08.1), a left/right reader (08.2)."""
import numpy as np
import pytest

import workshop_utils  # noqa: F401  (first: it loads Keras quietly)
import keras
from workshop_utils import config, exercises
from workshop_utils.exercises import nb08
from workshop_utils.exercises._core import ExerciseNotPassed

layers = keras.layers


def cnn(flatten="before_dense", pooling=None, conv_2=16):
    """The notebook's convolutional network, with Flatten (or another layer) put where asked."""
    image = keras.Input(shape=(64, 64, 1), name="image")
    x = layers.Conv2D(32, kernel_size=4, activation="relu", name="conv_1")(image)
    x = layers.MaxPooling2D(pool_size=2, name="pool_1")(x)
    x = layers.Conv2D(conv_2, kernel_size=4, activation="relu", name="conv_2")(x)
    x = layers.MaxPooling2D(pool_size=2, name="pool_2")(x)
    if pooling is not None:
        x = pooling(x)
    elif flatten == "before_dense":
        x = layers.Flatten()(x)
    x = layers.Dense(10, activation="relu", name="dense_10")(x)
    if flatten == "after_dense":
        x = layers.Flatten()(x)
    probability = layers.Dense(1, activation="sigmoid", name="probability")(x)
    return keras.Model(image, probability, name="cnn")


def test_flatten_before_dense_with_the_right_count_passes():
    assert nb08.CNN_PARAMETERS == cnn().count_params() == 35813
    verdict = exercises.check("08.1", cnn(), 35813, strict=True)
    assert verdict.passed and "35,813 parameters" in verdict.message


def test_flatten_not_started():
    assert exercises.check("08.1", None, None).status == "not started"
    assert exercises.check("08.1", cnn(), None).status == "not started"


@pytest.mark.parametrize("model, predicted, phrase", [
    (lambda: cnn(flatten=None), 35813, "no Flatten layer"),
    (lambda: cnn(flatten="after_dense"), 35813, "between pool_2 and dense_10"),
    (lambda: cnn(pooling=layers.GlobalAveragePooling2D()), 35813, "global pooling"),
    (lambda: cnn(conv_2=8), 35813, "fewer parameters"),
    (lambda: cnn(), 8933, "too low"),
    (lambda: cnn(), 36000, "too high"),
    (lambda: cnn(), "many", "whole number"),
])
def test_wrong_flattened_networks_or_counts_are_not_yet(model, predicted, phrase):
    verdict = exercises.check("08.1", model(), predicted)
    assert verdict.status == "not yet" and phrase in verdict.message


def encoder(name="half_encoder"):
    half = keras.Input(shape=(28, 14), name="half")
    return keras.Model(half, layers.Dense(64, activation="relu")(layers.Flatten()(half)), name=name)


def reader(shared=True, names=("left", "right"), shape=(28, 14), outputs_as="dict", hidden=64):
    left = keras.Input(shape=shape, name=names[0])
    right = keras.Input(shape=shape, name=names[1])
    first = encoder() if shape == (28, 14) else keras.Sequential([layers.Flatten(), layers.Dense(64)])
    second = first if shared else encoder("second_encoder")
    both = layers.Concatenate()([first(left), second(right)])
    h = layers.Dense(hidden, activation="relu")(both)
    digit = layers.Dense(10, activation="softmax", name="digit")(h)
    even = layers.Dense(1, activation="sigmoid", name="even")(h)
    inputs = {names[0]: left, names[1]: right}
    outputs = {"digit": digit, "even": even} if outputs_as == "dict" else [digit, even]
    return keras.Model(inputs, outputs, name="reader")


def compiled(model, digit="sparse_categorical_crossentropy", even="binary_crossentropy"):
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss={"digit": digit, "even": even},
                  metrics={"digit": ["accuracy"], "even": ["accuracy"]})
    return model


def digits(count=60, seed=0):
    """Raw uint8 'images' where digit k lights up a row block, seen in both halves."""
    rng = np.random.default_rng(seed)
    y = np.arange(count) % 10
    x = rng.integers(0, 40, size=(count, 28, 28)).astype("uint8")
    for i, label in enumerate(y):
        x[i, 2 * label + 4:2 * label + 7, 2:26] = 255
    return x, y


def halves(x):
    pixels = x.astype("float32") / 255
    return {"left": pixels[:, :, :14], "right": pixels[:, :, 14:]}


def trained(model, epochs=15):
    keras.utils.set_random_seed(0)
    x, y = digits()
    model.fit(halves(x), {"digit": y, "even": (y % 2 == 0).astype("float32")}, epochs=epochs, batch_size=20,
              verbose=0)
    return model, x, y


@pytest.fixture
def low_target(monkeypatch):
    monkeypatch.setitem(config.EXERCISE_TARGETS, "08.2", {"smoke": 0.5, "workshop": 0.5, "full": 0.5})


def test_the_left_right_reader_passes(low_target):
    assert nb08.READER_PARAMETERS == reader().count_params() == 34123
    model, x, y = trained(compiled(reader()))
    verdict = exercises.check("08.2", model, x, y, strict=True)
    assert verdict.passed and "34,123 parameters" in verdict.message


def test_outputs_as_a_list_and_scaled_images_pass_too(low_target):
    model = reader(outputs_as="list")
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=["sparse_categorical_crossentropy",
                                                                "binary_crossentropy"])
    keras.utils.set_random_seed(0)
    x, y = digits()
    model.fit(halves(x), [y, (y % 2 == 0).astype("float32")], epochs=15, batch_size=20, verbose=0)
    assert exercises.check("08.2", model, x.astype("float32") / 255, y).passed


def test_reader_not_started():
    assert exercises.check("08.2", None, None, None).status == "not started"


@pytest.mark.parametrize("model, phrase", [
    (lambda: compiled(reader(shared=False)), "no layer with weights is called on both halves"),
    (lambda: compiled(reader(names=("top", "bottom"))), "named 'left' and 'right'"),
    (lambda: compiled(reader(shape=(14, 28))), "28 rows of 14 columns"),
    (lambda: compiled(reader(hidden=32)), "fewer parameters than the plan"),
    (lambda: compiled(reader(), digit="binary_crossentropy", even="sparse_categorical_crossentropy"),
     "the digit output's loss"),
    (lambda: compiled(reader(), even="mse"), "the even output's loss"),
    (lambda: reader(), "not compiled"),
])
def test_wrong_readers_are_not_yet(model, phrase):
    x, y = digits(10)
    verdict = exercises.check("08.2", model(), x, y)
    assert verdict.status == "not yet" and phrase in verdict.message


def test_one_loss_for_both_outputs_is_not_yet():
    model = reader()
    model.compile(optimizer="adam", loss="mse")
    x, y = digits(10)
    assert "one loss for both outputs" in exercises.check("08.2", model, x, y).message


def test_an_untrained_reader_misses_the_target_and_strict_raises(monkeypatch):
    monkeypatch.setitem(config.EXERCISE_TARGETS, "08.2", {"smoke": 0.9, "workshop": 0.9, "full": 0.9})
    keras.utils.set_random_seed(4)
    x, y = digits(30)
    with pytest.raises(ExerciseNotPassed, match="below this profile's target"):
        exercises.check("08.2", compiled(reader()), x, y, strict=True)
