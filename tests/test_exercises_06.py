"""Exercises of notebook 06: a convnet built to a plan (06.1), augmentation inside the model (06.2)."""
import numpy as np
import pytest

import workshop_utils  # noqa: F401  (first: it loads Keras quietly)
import keras
from workshop_utils import config, exercises
from workshop_utils.exercises import nb06
from workshop_utils.augmentation import RandomPixelShift
from workshop_utils.exercises._core import ExerciseNotPassed

layers = keras.layers


def images(count=40, seed=0):
    """Tiny digit-like images: class k lights up row block k, so a convnet learns them in a few steps."""
    rng = np.random.default_rng(seed)
    y = np.arange(count) % 10
    x = rng.uniform(0, 0.2, size=(count, 28, 28, 1)).astype("float32")
    for i, label in enumerate(y):
        x[i, 2 * label + 4:2 * label + 7, 4:24, 0] = 1.0
    return x, y


def planned(conv=("valid", "valid"), filters=(8, 16), pools=True, head=None, activation="softmax"):
    stack = [keras.Input(shape=(28, 28, 1))]
    for count, padding in zip(filters, conv):
        stack.append(layers.Conv2D(count, 3, padding=padding, activation="relu"))
        if pools:
            stack.append(layers.MaxPooling2D(2))
    stack += head or [layers.Flatten()]
    stack.append(layers.Dense(10, activation=activation))
    return keras.Sequential(stack)


def compiled(model, loss="sparse_categorical_crossentropy"):
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss=loss, metrics=["accuracy"])
    return model


@pytest.fixture
def no_target(monkeypatch):
    monkeypatch.setitem(config.EXERCISE_TARGETS, "06.1", {"smoke": 0.0, "workshop": 0.0, "full": 0.0})


def test_the_plan_counts_as_the_notebook_says():
    assert nb06.plan_parameters() == planned().count_params() == 5258


def test_the_planned_convnet_passes(no_target):
    x, y = images()
    keras.utils.set_random_seed(0)
    model = compiled(planned())
    model.fit(x, y, epochs=1, batch_size=20, verbose=0)
    verdict = exercises.check("06.1", model, x, y, strict=True)
    assert verdict.passed and "5,258 parameters" in verdict.message


def test_planned_convnet_not_started():
    assert exercises.check("06.1", None, None, None).status == "not started"


@pytest.mark.parametrize("model, phrase", [
    (lambda: planned(conv=("same", "valid")), "pads its input"),
    (lambda: planned(filters=(16, 16)), "convolution 1 has 16 filters"),
    (lambda: planned(pools=False), "2 MaxPooling2D layers"),
    (lambda: planned(head=[layers.GlobalAveragePooling2D()]), "global pooling"),
    (lambda: keras.Sequential([keras.Input(shape=(28, 28, 1)), layers.Conv2D(8, 3, activation="relu"),
                               layers.Conv2D(16, 3, activation="relu"), layers.MaxPooling2D(2),
                               layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(10, activation="softmax")]),
     "pools right after each convolution"),
    (lambda: keras.Sequential([keras.Input(shape=(28, 28)), layers.Reshape((28, 28, 1)),
                               *planned().layers]), "one grey channel"),
    (lambda: planned(head=[layers.Flatten(), layers.Dense(32, activation="relu")]), "1 Dense layer"),
])
def test_models_off_the_plan_are_not_yet(model, phrase):
    x, y = images(10)
    verdict = exercises.check("06.1", compiled(model()), x, y)
    assert verdict.status == "not yet" and phrase in verdict.message


def test_the_loss_must_fit_integer_labels_and_the_output_must_be_probabilities(no_target):
    x, y = images(10)
    verdict = exercises.check("06.1", compiled(planned(), loss="categorical_crossentropy"), x, y)
    assert "your labels are integers" in verdict.message
    model = planned(activation=None)
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert "not probabilities" in exercises.check("06.1", model, x, y).message


def test_below_the_target_is_not_yet_and_strict_raises(monkeypatch):
    monkeypatch.setitem(config.EXERCISE_TARGETS, "06.1", {"smoke": 1.01, "workshop": 1.01, "full": 1.01})
    x, y = images(20)
    keras.utils.set_random_seed(3)
    with pytest.raises(ExerciseNotPassed, match="below this profile's target"):
        exercises.check("06.1", compiled(planned()), x, y, strict=True)


def lean(*augmentation, after=()):
    return keras.Sequential([keras.Input(shape=(28, 28, 1)), *augmentation, layers.Conv2D(4, 3, activation="relu"),
                             *after, layers.MaxPooling2D(2), layers.Flatten(), layers.Dropout(0.3),
                             layers.Dense(10, activation="softmax")])


def test_augmentation_in_front_passes():
    x, _ = images(8)
    block = keras.Sequential([layers.RandomTranslation(0.1, 0.1, seed=1), layers.RandomRotation(0.05, seed=1)],
                             name="augmentation")
    verdict = exercises.check("06.2", lean(block), x, strict=True)
    assert verdict.passed and "RandomTranslation, RandomRotation" in verdict.message


def test_augmentation_in_a_functional_model_passes():
    x, _ = images(8)
    inputs = keras.Input(shape=(28, 28, 1))
    h = layers.RandomZoom(0.1, seed=2)(inputs)
    h = layers.Conv2D(4, 3, activation="relu")(h)
    outputs = layers.Dense(10, activation="softmax")(layers.Flatten()(h))
    assert exercises.check("06.2", keras.Model(inputs, outputs), x).passed


def test_whole_pixel_shifts_pass():
    x, _ = images(8)
    verdict = exercises.check("06.2", lean(RandomPixelShift(3, seed=1)), x, strict=True)
    assert verdict.passed and "RandomPixelShift" in verdict.message


def test_augmentation_not_started():
    assert exercises.check("06.2", None, None).status == "not started"


@pytest.mark.parametrize("model, phrase", [
    (lambda: lean(), "holds no augmentation layer"),
    (lambda: lean(layers.RandomFlip("horizontal")), "mirrors the digits"),
    (lambda: lean(layers.RandomRotation(0.5)), "turns images by up to 180 degrees"),
    (lambda: lean(layers.RandomTranslation(0.4, 0.1)), "more than a quarter"),
    (lambda: lean(RandomPixelShift(10)), "up to 10 pixels, more than a quarter"),
    (lambda: lean(after=[layers.RandomTranslation(0.1, 0.1)]), "comes after a convolution"),
    (lambda: lean(layers.RandomTranslation(0.0, 0.0)), "leave the images unchanged"),
])
def test_wrong_augmentation_is_not_yet(model, phrase):
    x, _ = images(8)
    verdict = exercises.check("06.2", model(), x)
    assert verdict.status == "not yet" and phrase in verdict.message
