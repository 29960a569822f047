"""Exercises of notebook 02: the sparse loss (02.1), validation held out (02.2), the largest mix-up (02.3).

Tiny untrained models, hand-made histories and random arrays: the checks look at what they are given.
"""
import numpy as np
import pytest

import workshop_utils  # noqa: F401  (first: it loads Keras quietly)
import keras
from exercise_helpers import history_for
from workshop_utils import exercises
from workshop_utils.exercises._core import ExerciseNotPassed


def classifier(units=10, loss="sparse_categorical_crossentropy", inputs=8):
    model = keras.Sequential([keras.Input(shape=(inputs,)), keras.layers.Dense(units, activation="softmax")])
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


# --- 02.1 ----------------------------------------------------------------------------------------------

LABELS = np.arange(50) % 10


def test_02_1_integer_labels_and_sparse_loss_pass():
    model = classifier()
    verdict = exercises.check("02.1", model, history_for(model, val_accuracy=[0.5, 0.9]), LABELS, strict=True)
    assert verdict.passed and "sparse loss" in verdict.message


def test_02_1_a_real_fit_passes():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 0.1, size=(200, 10)).astype("float32")
    y = np.arange(200) % 10
    x[np.arange(200), y] += 3
    model = classifier(inputs=10)
    model.optimizer.learning_rate = 0.1
    history = model.fit(x, y, validation_split=0.2, epochs=2, batch_size=32, verbose=0)
    assert exercises.check("02.1", model, history, y, strict=True).passed


def test_02_1_not_started():
    assert exercises.check("02.1", None, None, LABELS).status == "not started"


@pytest.mark.parametrize("units, phrase", [(5, "fewer than the 10 classes"), (12, "more than the 10 classes")])
def test_02_1_wrong_number_of_outputs(units, phrase):
    model = classifier(units=units)
    verdict = exercises.check("02.1", model, history_for(model, val_accuracy=[0.9]), LABELS)
    assert verdict.status == "not yet" and phrase in verdict.message


def test_02_1_one_hot_loss_with_integer_labels():
    model = classifier(loss="categorical_crossentropy")
    verdict = exercises.check("02.1", model, history_for(model, val_accuracy=[0.9]), LABELS)
    assert verdict.status == "not yet" and "sparse version" in verdict.message


def test_02_1_one_hot_labels():
    model = classifier(loss="categorical_crossentropy")
    one_hot = np.eye(10)[LABELS]
    verdict = exercises.check("02.1", model, history_for(model, val_accuracy=[0.9]), one_hot)
    assert verdict.status == "not yet" and "integer labels y_train" in verdict.message


def test_02_1_history_of_another_model_or_without_validation():
    model = classifier()
    verdict = exercises.check("02.1", model, history_for(classifier(), val_accuracy=[0.9]), LABELS)
    assert verdict.status == "not yet" and "another model" in verdict.message
    verdict = exercises.check("02.1", model, history_for(model, accuracy=[0.9]), LABELS)
    assert verdict.status == "not yet" and "validation data" in verdict.message


def test_02_1_low_accuracy_fails_strictly():
    model = classifier()
    with pytest.raises(ExerciseNotPassed, match="below this profile's target"):
        exercises.check("02.1", model, history_for(model, val_accuracy=[0.12]), LABELS, strict=True)


# --- 02.2 ----------------------------------------------------------------------------------------------


def mnist_network(hidden=512):
    model = keras.Sequential([
        keras.Input(shape=(784,)),
        keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(hidden, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.fixture(scope="module")
def images():
    rng = np.random.default_rng(0)
    x_train = rng.random((100, 784)).astype("float32")
    x_test = rng.random((40, 784)).astype("float32")
    return x_train[:90], x_train[90:], x_test


@pytest.fixture(scope="module")
def big():
    return mnist_network()


def test_02_2_own_validation_split_passes(images, big):
    x_fit, x_val, x_test = images
    verdict = exercises.check("02.2", big, history_for(big, val_accuracy=[0.8]), x_fit, x_val, x_test, strict=True)
    assert verdict.passed and "10 validation images held out" in verdict.message


def test_02_2_not_started(images):
    x_fit, x_val, x_test = images
    assert exercises.check("02.2", None, None, x_fit, x_val, x_test).status == "not started"
    assert exercises.check("02.2", mnist_network(), None, None, None, x_test).status == "not started"


def test_02_2_validation_on_the_test_set(images, big):
    x_fit, _, x_test = images
    verdict = exercises.check("02.2", big, history_for(big, val_accuracy=[0.8]), x_fit, x_test, x_test)
    assert verdict.status == "not yet" and "are test images" in verdict.message


def test_02_2_validation_inside_the_training_part(images, big):
    x_fit, x_val, x_test = images
    x_all = np.concatenate([x_fit, x_val])
    verdict = exercises.check("02.2", big, history_for(big, val_accuracy=[0.8]), x_all, x_val, x_test)
    assert verdict.status == "not yet" and "also in x_fit" in verdict.message


def test_02_2_smaller_network(images):
    x_fit, x_val, x_test = images
    model = mnist_network(hidden=256)
    verdict = exercises.check("02.2", model, history_for(model, val_accuracy=[0.8]), x_fit, x_val, x_test)
    assert verdict.status == "not yet" and "fewer parameters" in verdict.message


def test_02_2_validation_part_too_large(images, big):
    x_fit, x_val, x_test = images
    verdict = exercises.check("02.2", big, history_for(big, val_accuracy=[0.8]), x_val, x_fit, x_test)
    assert verdict.status == "not yet" and "as large as the training part" in verdict.message


# --- 02.3 ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    """A model that predicts argmax(x), and labels where 5 true digits 5 are predicted 3, and 2 are 1 -> 7."""
    rng = np.random.default_rng(0)
    classes = np.arange(200) % 10
    x = (np.eye(10)[classes] + rng.normal(0, 0.05, size=(200, 10))).astype("float32")
    model = keras.Sequential([keras.Input(shape=(10,)), keras.layers.Dense(10, activation="softmax")])
    model.layers[-1].set_weights([10 * np.eye(10, dtype="float32"), np.zeros(10, "float32")])
    y = classes.copy()
    y[np.flatnonzero(classes == 3)[:5]] = 5
    y[np.flatnonzero(classes == 7)[:2]] = 1
    predicted = np.argmax(model.predict(x, verbose=0), axis=-1)
    return model, x, y, predicted


def test_02_3_argmax_and_largest_mix_up_pass(digits):
    model, x, y, predicted = digits
    verdict = exercises.check("02.3", predicted, (5, 3), model, x, y, strict=True)
    assert verdict.passed and "5 test images" in verdict.message


def test_02_3_not_started(digits):
    model, x, y, predicted = digits
    assert exercises.check("02.3", None, None, model, x, y).status == "not started"
    assert exercises.check("02.3", predicted, None, model, x, y).status == "not started"


def test_02_3_probabilities_instead_of_classes(digits):
    model, x, y, _ = digits
    verdict = exercises.check("02.3", model.predict(x, verbose=0), (5, 3), model, x, y)
    assert verdict.status == "not yet" and "row of 10 probabilities" in verdict.message


def test_02_3_argmax_along_the_wrong_axis(digits):
    model, x, y, _ = digits
    verdict = exercises.check("02.3", np.argmax(model.predict(x, verbose=0), axis=0), (5, 3), model, x, y)
    assert verdict.status == "not yet" and "wrong axis" in verdict.message


def test_02_3_classes_that_are_not_the_argmax(digits):
    model, x, y, predicted = digits
    verdict = exercises.check("02.3", (predicted + 1) % 10, (5, 3), model, x, y)
    assert verdict.status == "not yet" and "not the most probable class" in verdict.message


@pytest.mark.parametrize("pair, phrase", [
    ((3, 5), "wrong way round"),
    ((4, 4), "diagonal"),
    ((7, 1), "another pair"),
    ("5 and 3", "pair of two digits"),
])
def test_02_3_wrong_pairs(digits, pair, phrase):
    model, x, y, predicted = digits
    verdict = exercises.check("02.3", predicted, pair, model, x, y)
    assert verdict.status == "not yet" and phrase in verdict.message


def test_02_3_a_model_without_mistakes_has_no_mix_up(digits):
    model, x, _, predicted = digits
    verdict = exercises.check("02.3", predicted, (0, 0), model, x, predicted, strict=True)
    assert verdict.passed and "no digits at all" in verdict.message
