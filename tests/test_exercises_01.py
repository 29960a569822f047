"""Exercises of notebook 01: Normalization in the model (01.1), logits (01.2), a Functional regressor (01.3).

The checks hold notebook 01's splits themselves; here those are swapped for small synthetic tables
(monkeypatch), and the models get their weights by hand instead of training, so each answer is exact and
the tests are fast. ``WRONG`` lists wrong answers of different kinds; each must get NOT YET.
"""

import workshop_utils  # noqa: F401  (first: it loads Keras quietly)
from workshop_utils import exercises
from workshop_utils.exercises import nb01
from workshop_utils.exercises._core import ExerciseNotPassed

import keras
import numpy as np
import pytest
from exercise_helpers import history_for, wrong


@pytest.fixture(autouse=True)
def held_data(monkeypatch):
    """The checks' held splits, replaced by the synthetic tables below."""
    monkeypatch.setattr(nb01, "_cancer_split", lambda: CANCER)
    monkeypatch.setattr(nb01, "_iris_test", lambda: IRIS)
    monkeypatch.setattr(nb01, "_diabetes_split", lambda: DIABETES)


# --- 01.1 ----------------------------------------------------------------------------------------------


def raw_cancer_like(seed=0):
    """30 raw features on large, different scales; the label says whether feature 0 is above its mean.
    Returned as notebook 01 splits: x_train, x_test, y_train, y_test."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, size=(150, 30)) * np.arange(1, 31) * 10 + np.arange(30) * 100
    y = (x[:, 0] > 0).astype(int)
    return x[:120], x[120:], y[:120], y[120:]


CANCER = raw_cancer_like()


def cancer_model(
    adapt_on=None,
    normalize=True,
    loss="binary_crossentropy",
    units=1,
    activation="sigmoid",
    first=True,
    kernel_value=20.0,
):
    """Input(30) [-> Normalization] -> Dense(units); the Dense layer reads the first scaled feature."""
    adapt_on = CANCER[0] if adapt_on is None else adapt_on
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
    kernel[0, :] = kernel_value
    dense.set_weights([kernel, np.zeros(units, "float32")])
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy"])
    return model


def standardised(x):
    return (x - x.mean(axis=0)) / x.std(axis=0)


def test_01_1_normalization_adapted_on_the_training_part_passes():
    verdict = exercises.check("01.1", cancer_model(), strict=True)
    assert verdict.passed and "training part only" in verdict.message


def test_01_1_not_started():
    verdict = exercises.check("01.1", None)
    assert verdict.status == "not started" and "norm_model" in verdict.message


def test_01_1_accuracy_below_target_fails_strictly():
    with pytest.raises(ExerciseNotPassed, match="below this profile's target"):
        exercises.check("01.1", cancer_model(kernel_value=-20.0), strict=True)  # every tumour the wrong way


def test_01_1_the_check_holds_notebook_01s_split(monkeypatch):
    monkeypatch.undo()
    x_train, x_test, y_train, y_test = nb01._cancer_split()
    assert x_train.shape == (455, 30) and x_test.shape == (114, 30)
    assert x_train.mean() > 10  # raw measurements, not standardised
    assert abs(y_test.mean() - y_train.mean()) < 0.01  # stratified


# --- 01.2 ----------------------------------------------------------------------------------------------


def iris_like(seed=0):
    rng = np.random.default_rng(seed)
    y = np.arange(60) % 3
    x = rng.normal(0, 0.2, size=(60, 4)).astype("float32")
    x[np.arange(60), y] += 2.0
    return x, y


IRIS = iris_like()


def logits_model(activation=None, loss=None, nan=False):
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation=activation)])
    kernel = np.zeros((4, 3), "float32")
    kernel[:3, :3] = 3 * np.eye(3)
    if nan:
        kernel[:] = np.nan
    model.layers[-1].set_weights([kernel, np.zeros(3, "float32")])
    model.compile(optimizer="sgd", loss=loss or keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def softmax_of(model, x=None):
    logits = model.predict(IRIS[0] if x is None else x, verbose=0)
    return keras.ops.convert_to_numpy(keras.ops.softmax(logits, axis=-1))


def test_01_2_logits_and_softmax_by_hand_pass():
    model = logits_model()
    verdict = exercises.check("01.2", model, softmax_of(model), strict=True)
    assert verdict.passed and "from_logits=True" in verdict.message


def test_01_2_not_started():
    assert exercises.check("01.2", None, None).status == "not started"
    assert exercises.check("01.2", logits_model(), None).status == "not started"


def test_01_2_low_accuracy_fails_strictly():
    model = logits_model()
    kernel, bias = model.layers[-1].get_weights()
    model.layers[-1].set_weights([np.roll(kernel, 1, axis=1), bias])  # every flower one species off
    with pytest.raises(ExerciseNotPassed, match="below this profile's target"):
        exercises.check("01.2", model, softmax_of(model), strict=True)


def test_01_2_the_check_holds_notebook_01s_split(monkeypatch):
    monkeypatch.undo()
    x_test, y_test = nb01._iris_test()
    assert x_test.shape == (30, 4) and np.bincount(y_test).tolist() == [10, 10, 10]
    assert np.abs(x_test.mean(axis=0)).max() < 0.5  # scaled with the training part's scaler


# --- 01.3 ----------------------------------------------------------------------------------------------


def diabetes_like(seed=0):
    """x_train, x_test, y_train, y_test: the target is 150 + 60 * feature 0, plus a little noise."""
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1, size=(80, 10)) * 10 + 50
    y = 150 + 6 * (x[:, 0] - 50) + rng.normal(0, 5, size=80)
    return x[:60], x[60:], y[:60], y[60:]


DIABETES = diabetes_like()


def regressor(functional=True, activation=None, loss="mse", slope=60.0, adapt_on=None, constant=None, nan=False):
    """Input -> Normalization -> Dense(1): predicts 150 + slope * (standardised feature 0)."""
    x_train = DIABETES[0]
    norm = keras.layers.Normalization()
    norm.adapt(x_train if adapt_on is None else adapt_on)
    output = keras.layers.Dense(1, activation=activation)
    if functional:
        inputs = keras.Input(shape=(10,))
        model = keras.Model(inputs, output(norm(inputs)))
    else:
        model = keras.Sequential([keras.Input(shape=(10,)), norm, output])
    kernel = np.zeros((10, 1), "float32")
    kernel[0, 0] = np.nan if nan else (0.0 if constant is not None else slope)
    output.set_weights([kernel, np.array([150.0 if constant is None else constant], "float32")])
    model.compile(optimizer="adam", loss=loss)
    return model


def good_history(model):
    return history_for(model, loss=[30.0], val_loss=[31.0])


def test_01_3_functional_regressor_passes():
    model = regressor()
    verdict = exercises.check("01.3", model, good_history(model), strict=True)
    assert verdict.passed and "training-mean baseline" in verdict.message


def test_01_3_a_real_fit_validated_on_its_own_split_passes():
    x_train, _, y_train, _ = DIABETES
    model = regressor()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-4), loss="mse")
    history = model.fit(x_train, y_train, validation_split=0.2, epochs=1, batch_size=16, verbose=0)
    assert exercises.check("01.3", model, history, strict=True).passed


def test_01_3_not_started():
    assert exercises.check("01.3", None, None).status == "not started"
    assert exercises.check("01.3", regressor(), None).status == "not started"


def test_01_3_no_better_than_the_mean_fails_strictly():
    model = regressor(slope=-60.0)  # the right size, the wrong direction
    with pytest.raises(ExerciseNotPassed, match="training mean"):
        exercises.check("01.3", model, good_history(model), strict=True)


def test_01_3_the_check_holds_notebook_01s_split(monkeypatch):
    monkeypatch.undo()
    x_train, x_test, y_train, y_test = nb01._diabetes_split()
    assert x_train.shape == (353, 10) and x_test.shape == (89, 10) and y_train.max() > 300


def test_01_3_targets_are_out_of_reach_of_any_constant_forecast(monkeypatch):
    """On notebook 01's split, no constant (not even one picked on the test targets) gets below 97 % of the
    training-mean baseline, so every profile's target must be below that."""
    monkeypatch.undo()
    _, _, y_train, y_test = nb01._diabetes_split()
    baseline = np.mean(np.abs(y_test - y_train.mean()))
    best_constant = min(np.mean(np.abs(y_test - c)) for c in np.linspace(y_test.min(), y_test.max(), 2000))
    assert best_constant / baseline > 0.97
    from workshop_utils.course import config

    for profile in ("smoke", "workshop", "full"):
        assert config.EXERCISE_TARGETS["01.3"][profile] < 0.95


# --- the wrong answers ---------------------------------------------------------------------------------


def _validated_on_test():
    x_train, x_test, y_train, y_test = DIABETES
    model = regressor()
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=1e-4), loss="mse")
    history = model.fit(x_train, y_train, validation_data=(x_test, y_test), epochs=1, batch_size=16, verbose=0)
    return model, history


def _with_history(model):
    return model, good_history(model)


def _nan_history():
    model = regressor()
    return model, history_for(model, loss=[30.0, np.nan], val_loss=[31.0, np.nan])


def _cancer_nan_adapted():
    x_train = CANCER[0].copy()
    x_train[3, 5] = np.nan  # one missing measurement: adapt learns NaN statistics
    return cancer_model(adapt_on=x_train)


def _test_labels_as_probabilities(smoothing):
    y_test = IRIS[1]
    one_hot = np.eye(3)[y_test]
    return logits_model(), one_hot * (1 - smoothing) + smoothing / 3


WRONG = [
    # 01.1: the check holds the raw cancer split and judges what the Normalization layer learned.
    wrong(
        "01.1",
        "test-data",
        "Normalization adapted on train + test",
        "test set included",
        lambda: cancer_model(adapt_on=np.concatenate([CANCER[0], CANCER[1]])),
    ),
    wrong(
        "01.1",
        "test-data",
        "Normalization adapted on the test part",
        "adapted on the test features",
        lambda: cancer_model(adapt_on=CANCER[1]),
    ),
    wrong(
        "01.1",
        "wrong-way",
        "Normalization adapted on features already standardised (x_train)",
        "already standardised",
        lambda: cancer_model(adapt_on=standardised(CANCER[0])),
    ),
    wrong(
        "01.1",
        "wrong-way",
        "no Normalization layer at all",
        "no keras.layers.Normalization",
        lambda: cancer_model(normalize=False),
    ),
    wrong(
        "01.1",
        "nan",
        "Dense weights that are NaN (a diverged run)",
        "NaN or infinite",
        lambda: cancer_model(kernel_value=np.nan),
    ),
    wrong(
        "01.1", "nan", "Normalization adapted on a table with a missing value", "NaN or infinite", _cancer_nan_adapted
    ),
    wrong(
        "01.1", "form", "Normalization after a Dense layer", "not its first layer", lambda: cancer_model(first=False)
    ),
    wrong(
        "01.1",
        "form",
        "mean squared error for a yes/no question",
        "binary cross-entropy",
        lambda: cancer_model(loss="mse"),
    ),
    wrong(
        "01.1",
        "form",
        "two softmax outputs",
        "2 outputs per tumour",
        lambda: cancer_model(units=2, activation="softmax", loss="sparse_categorical_crossentropy"),
    ),
    # 01.2: the check holds the scaled iris test part; the probabilities must come from the model.
    wrong(
        "01.2",
        "from-targets",
        "one-hot test labels passed as probabilities",
        "look like the test labels",
        lambda: _test_labels_as_probabilities(0.0),
    ),
    wrong(
        "01.2",
        "from-targets",
        "smoothed test labels passed as probabilities",
        "look like the test labels",
        lambda: _test_labels_as_probabilities(0.1),
    ),
    wrong(
        "01.2",
        "copied",
        "probabilities rounded as printed (np.round(p, 3))",
        "copied from printed output",
        lambda: (logits_model(), np.round(softmax_of(logits_model()), 3)),
    ),
    wrong(
        "01.2",
        "nan",
        "a model whose weights are NaN",
        "NaN or infinite",
        lambda: (logits_model(nan=True), softmax_of(logits_model())),
    ),
    wrong("01.2", "nan", "NaN probabilities", "NaN or infinite", lambda: (logits_model(), np.full((60, 3), np.nan))),
    wrong(
        "01.2",
        "wrong-way",
        "softmax left inside the model",
        "already are probabilities",
        lambda: (lambda m: (m, m.predict(IRIS[0], verbose=0)))(
            logits_model(activation="softmax", loss="sparse_categorical_crossentropy")
        ),
    ),
    wrong(
        "01.2",
        "wrong-way",
        "probabilities of other inputs (the flowers in another order)",
        "not the softmax of this model's outputs",
        lambda: (logits_model(), softmax_of(logits_model(), IRIS[0][::-1])),
    ),
    wrong(
        "01.2",
        "form",
        "loss without from_logits=True",
        "from_logits=True",
        lambda: (lambda m: (m, softmax_of(m)))(logits_model(loss="sparse_categorical_crossentropy")),
    ),
    wrong(
        "01.2",
        "form",
        "the one-hot loss with integer labels",
        "sparse version",
        lambda: (lambda m: (m, softmax_of(m)))(
            logits_model(loss=keras.losses.CategoricalCrossentropy(from_logits=True))
        ),
    ),
    wrong(
        "01.2",
        "form",
        "the logits passed as probabilities",
        "do not sum to 1",
        lambda: (logits_model(), logits_model().predict(IRIS[0], verbose=0)),
    ),
    # 01.3: the check holds the diabetes split; the baseline is always the training mean.
    wrong("01.3", "test-data", "fit validated on the test part", "fit validated on them", _validated_on_test),
    wrong(
        "01.3",
        "test-data",
        "Normalization adapted on train + test",
        "test set included",
        lambda: _with_history(regressor(adapt_on=np.concatenate([DIABETES[0], DIABETES[1]]))),
    ),
    wrong(
        "01.3",
        "from-targets",
        "a model that always predicts the mean of the test targets",
        "the same number for every patient",
        lambda: _with_history(regressor(constant=DIABETES[3].mean())),
    ),
    wrong(
        "01.3",
        "nan",
        "weights that are NaN (a diverged run)",
        "NaN or infinite",
        lambda: _with_history(regressor(nan=True)),
    ),
    wrong("01.3", "nan", "a history whose losses turned NaN", "NaN or infinite", _nan_history),
    wrong(
        "01.3",
        "wrong-way",
        "a Sequential model",
        "Sequential model",
        lambda: _with_history(regressor(functional=False)),
    ),
    wrong("01.3", "form", "a sigmoid output", "squashes", lambda: _with_history(regressor(activation="sigmoid"))),
    wrong(
        "01.3",
        "form",
        "a loss for classes",
        "a loss for classes",
        lambda: _with_history(regressor(loss="binary_crossentropy")),
    ),
    wrong(
        "01.3",
        "form",
        "a history without validation",
        "validation data",
        lambda: (lambda m: (m, history_for(m, loss=[1.0])))(regressor()),
    ),
    wrong(
        "01.3",
        "form",
        "the history of another model",
        "another model",
        lambda: (regressor(), good_history(regressor())),
    ),
]


@pytest.mark.parametrize("case", WRONG, ids=str)
def test_wrong_answers_are_not_yet(case):
    case.assert_not_yet()
