"""Exercises of notebook 01: Normalization in the model (01.1), logits (01.2), a Functional regressor (01.3).

The models get their weights by hand instead of training, so each answer is exact and the tests are fast.
"""
import numpy as np
import pytest

import workshop_utils  # noqa: F401  (first: it loads Keras quietly)
import keras
from exercise_helpers import history_for
from workshop_utils import exercises
from workshop_utils.exercises._core import ExerciseNotPassed


# --- 01.1 ----------------------------------------------------------------------------------------------


def raw_cancer_like(seed=0):
    """30 raw features on large, different scales; the label says whether feature 0 is above its mean."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, size=(150, 30)) * np.arange(1, 31) * 10 + np.arange(30) * 100
    y = (x[:, 0] > 0).astype(int)
    return x[:120], x[120:], y[:120], y[120:]


def cancer_model(adapt_on, normalize=True, loss="binary_crossentropy", units=1, activation="sigmoid",
                 first=True):
    """Input(30) [-> Normalization] -> Dense(units); the Dense layer reads the first scaled feature."""
    layers = [keras.Input(shape=(30,))]
    dense = keras.layers.Dense(units, activation=activation)
    norm = keras.layers.Normalization()
    if normalize:
        norm.adapt(adapt_on)
    if normalize and first:
        layers += [norm, dense]
    elif normalize:
        layers += [keras.layers.Dense(30, use_bias=False, kernel_initializer="identity"), norm, dense]
    else:
        layers += [dense]
    model = keras.Sequential(layers)
    kernel = np.zeros((30, units), "float32")
    kernel[0, :] = 20.0
    dense.set_weights([kernel, np.zeros(units, "float32")])
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


@pytest.fixture
def cancer():
    return raw_cancer_like()


def test_01_1_normalization_adapted_on_the_training_part_passes(cancer):
    x_train, x_test, _, y_test = cancer
    verdict = exercises.check("01.1", cancer_model(x_train), x_train, x_test, y_test, strict=True)
    assert verdict.passed and "training part only" in verdict.message


def test_01_1_not_started():
    verdict = exercises.check("01.1", None, None, None, None)
    assert verdict.status == "not started" and "norm_model" in verdict.message


def test_01_1_adapted_on_all_data_is_leakage(cancer):
    x_train, x_test, _, y_test = cancer
    model = cancer_model(np.concatenate([x_train, x_test]))
    verdict = exercises.check("01.1", model, x_train, x_test, y_test)
    assert verdict.status == "not yet" and "test set included" in verdict.message


def test_01_1_adapted_on_scaled_features(cancer):
    x_train, x_test, _, y_test = cancer
    scaled = (x_train - x_train.mean(axis=0)) / x_train.std(axis=0)
    verdict = exercises.check("01.1", cancer_model(scaled), x_train, x_test, y_test)
    assert verdict.status == "not yet" and "already standardised" in verdict.message


def test_01_1_scaled_features_passed_as_raw(cancer):
    x_train, x_test, _, y_test = cancer
    scaled = (x_train - x_train.mean(axis=0)) / x_train.std(axis=0)
    verdict = exercises.check("01.1", cancer_model(scaled), scaled, x_test, y_test)
    assert verdict.status == "not yet" and "raw measurements" in verdict.message


@pytest.mark.parametrize("options, phrase", [
    ({"normalize": False}, "no keras.layers.Normalization"),
    ({"first": False}, "not the first layer"),
    ({"loss": "mse"}, "binary cross-entropy"),
    ({"units": 2, "activation": "softmax", "loss": "sparse_categorical_crossentropy"}, "2 outputs per tumour"),
])
def test_01_1_wrong_models(cancer, options, phrase):
    x_train, x_test, _, y_test = cancer
    verdict = exercises.check("01.1", cancer_model(x_train, **options), x_train, x_test, y_test)
    assert verdict.status == "not yet" and phrase in verdict.message


def test_01_1_accuracy_below_target(cancer):
    x_train, x_test, _, y_test = cancer
    verdict = exercises.check("01.1", cancer_model(x_train), x_train, x_test, 1 - y_test)
    assert verdict.status == "not yet" and "below this profile's target" in verdict.message


# --- 01.2 ----------------------------------------------------------------------------------------------


def iris_like(seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(60) % 3
    x = rng.normal(0, 0.2, size=(60, 4)).astype("float32")
    x[np.arange(60), y] += 2.0
    return x, y


def logits_model(activation=None, loss=None):
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation=activation)])
    kernel = np.zeros((4, 3), "float32")
    kernel[:3, :3] = 3 * np.eye(3)
    model.layers[-1].set_weights([kernel, np.zeros(3, "float32")])
    model.compile(optimizer="sgd", loss=loss or keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def softmax_of(model, x):
    logits = model.predict(x, verbose=0)
    return keras.ops.convert_to_numpy(keras.ops.softmax(logits, axis=-1))


def test_01_2_logits_and_softmax_by_hand_pass():
    x, y = iris_like()
    model = logits_model()
    verdict = exercises.check("01.2", model, softmax_of(model, x), x, y, strict=True)
    assert verdict.passed and "from_logits=True" in verdict.message


def test_01_2_not_started():
    x, y = iris_like()
    assert exercises.check("01.2", None, None, x, y).status == "not started"


def test_01_2_softmax_left_in_the_model():
    x, y = iris_like()
    model = logits_model(activation="softmax", loss="sparse_categorical_crossentropy")
    verdict = exercises.check("01.2", model, model.predict(x, verbose=0), x, y)
    assert verdict.status == "not yet" and "already are probabilities" in verdict.message


def test_01_2_loss_without_from_logits():
    x, y = iris_like()
    model = logits_model(loss="sparse_categorical_crossentropy")
    verdict = exercises.check("01.2", model, softmax_of(model, x), x, y)
    assert verdict.status == "not yet" and "from_logits=True" in verdict.message


def test_01_2_one_hot_loss_with_integer_labels():
    x, y = iris_like()
    model = logits_model(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
    verdict = exercises.check("01.2", model, softmax_of(model, x), x, y)
    assert verdict.status == "not yet" and "sparse version" in verdict.message


def test_01_2_logits_passed_as_probabilities():
    x, y = iris_like()
    model = logits_model()
    verdict = exercises.check("01.2", model, model.predict(x, verbose=0), x, y)
    assert verdict.status == "not yet" and "do not sum to 1" in verdict.message


def test_01_2_probabilities_of_other_inputs():
    x, y = iris_like()
    model = logits_model()
    verdict = exercises.check("01.2", model, softmax_of(model, x[::-1]), x, y)
    assert verdict.status == "not yet" and "not the softmax of this model's outputs" in verdict.message


# --- 01.3 ----------------------------------------------------------------------------------------------


def diabetes_like(seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, size=(80, 10)).astype("float32")
    y = 150 + 60 * x[:, 0] + rng.normal(0, 5, size=80)
    return x, y


def regressor(functional=True, activation=None, loss="mse", slope=60.0):
    """A linear model that predicts 150 + slope * x[:, 0]."""
    output = keras.layers.Dense(1, activation=activation)
    if functional:
        inputs = keras.Input(shape=(10,))
        model = keras.Model(inputs, output(inputs))
    else:
        model = keras.Sequential([keras.Input(shape=(10,)), output])
    kernel = np.zeros((10, 1), "float32")
    kernel[0, 0] = slope
    output.set_weights([kernel, np.array([150.0], "float32")])
    model.compile(optimizer="adam", loss=loss)
    return model


def test_01_3_functional_regressor_passes():
    x, y = diabetes_like()
    model = regressor()
    verdict = exercises.check("01.3", model, history_for(model, loss=[9.0], val_loss=[10.0]), x, y, strict=True)
    assert verdict.passed and "of the baseline's" in verdict.message


def test_01_3_not_started():
    x, y = diabetes_like()
    assert exercises.check("01.3", None, None, x, y).status == "not started"


@pytest.mark.parametrize("options, phrase", [
    ({"functional": False}, "Sequential model"),
    ({"activation": "sigmoid"}, "squashes"),
    ({"loss": "binary_crossentropy"}, "a loss for classes"),
])
def test_01_3_wrong_models(options, phrase):
    x, y = diabetes_like()
    model = regressor(**options)
    verdict = exercises.check("01.3", model, history_for(model, loss=[1.0], val_loss=[1.0]), x, y)
    assert verdict.status == "not yet" and phrase in verdict.message


def test_01_3_history_without_validation():
    x, y = diabetes_like()
    model = regressor()
    verdict = exercises.check("01.3", model, history_for(model, loss=[1.0]), x, y)
    assert verdict.status == "not yet" and "validation data" in verdict.message


def test_01_3_no_better_than_the_mean_fails_strictly():
    x, y = diabetes_like()
    model = regressor(slope=-60.0)  # the right size, the wrong direction
    with pytest.raises(ExerciseNotPassed, match="always-the-mean baseline"):
        exercises.check("01.3", model, history_for(model, loss=[1.0], val_loss=[1.0]), x, y, strict=True)


def test_01_3_history_of_another_model():
    x, y = diabetes_like()
    verdict = exercises.check("01.3", regressor(), history_for(regressor(), loss=[1.0], val_loss=[1.0]), x, y)
    assert verdict.status == "not yet" and "another model" in verdict.message
