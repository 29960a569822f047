"""Exercises of notebook 07: the scaler of the fit part (07.1), windows one step ahead (07.2), beating the best
simple forecast on the membrane recording (07.3).

07.1's check holds the Nigeria series; here it is replaced by a short series whose validation changes stay
inside the fit part's range (as on the real series), so that only the count of values seen tells them apart.
07.3's check holds the membrane recording; here it is replaced by a short noisy wave that a linear model
learns in a few epochs.
"""

import workshop_utils  # noqa: F401  (first: it loads Keras quietly)
from workshop_utils import exercises, forecasting, preprocessing
from workshop_utils.course import config
from workshop_utils.exercises import nb07
from workshop_utils.exercises._core import ExerciseNotPassed

import keras
import numpy as np
import pytest
from exercise_helpers import wrong
from sklearn.preprocessing import MinMaxScaler, StandardScaler

# ---- 07.1 ------------------------------------------------------------------------------------------------

N_FIT, N_TRAIN = 20, 28
_rng = np.random.default_rng(7)
CHANGES = np.concatenate(
    [
        np.r_[_rng.uniform(-4, 4, 17), -5.0, 5.0],  # the 19 changes between the 20 fit values
        _rng.uniform(-3, 3, 8),  # into the 8 validation values: inside the fit range
        np.r_[_rng.uniform(-4, 4, 6), 9.0, -8.0],  # into the 8 test values: beyond it
    ]
)
VALUES = 100 + np.concatenate([[0.0], np.cumsum(CHANGES)])


@pytest.fixture(autouse=True)
def held_series(monkeypatch):
    monkeypatch.setattr(nb07, "_nigeria", lambda: (VALUES, N_FIT, N_TRAIN))


def scaler_on(values):
    return MinMaxScaler().fit(np.asarray(values, dtype="float64").reshape(-1, 1))


def nan_scaler():
    scaler = scaler_on(CHANGES[: N_FIT - 1])
    scaler.data_min_ = np.array([np.nan])
    return scaler


def test_a_scaler_fitted_on_the_fit_part_passes():
    verdict = exercises.check("07.1", scaler_on(np.diff(VALUES)[: N_FIT - 1]), strict=True)
    assert verdict.passed and "19 changes between fit months" in verdict.message


def test_the_real_check_reads_the_notebooks_series(monkeypatch):
    monkeypatch.undo()
    values, n_fit, n_train = nb07._nigeria()
    assert len(values) == 123 and (n_fit, n_train) == (78, 98)
    assert exercises.check("07.1", scaler_on(np.diff(values)[: n_fit - 1])).passed


def test_scaler_not_started():
    assert exercises.check("07.1", None).status == "not started"


def test_strict_raises_on_a_leaky_scaler():
    with pytest.raises(ExerciseNotPassed, match="leakage"):
        exercises.check("07.1", scaler_on(CHANGES), strict=True)


# ---- 07.2 ------------------------------------------------------------------------------------------------


def make_windows(values, window):
    """The right answer."""
    count = len(values) - window
    x = np.stack([values[i : i + window] for i in range(count)])[..., np.newaxis]
    y = np.stack([values[i + 1 : i + window + 1] for i in range(count)])[..., np.newaxis]
    return x, y


def windows_then(change):
    """make_windows with its answer changed by ``change(x, y, values, window)``."""

    def make(values, window):
        return change(*make_windows(values, window), values, window)

    return make


FIXED = make_windows(np.linspace(0, 1, 60).astype("float32") ** 2, 20)  # the notebook's windows, whatever asked


def test_windows_one_step_ahead_pass():
    verdict = exercises.check("07.2", make_windows, strict=True)
    assert verdict.passed and f"all {len(nb07.WINDOW_CASES) + nb07.RANDOM_WINDOW_CASES} series" in verdict.message
    assert exercises.check("07.2", lambda values, window: preprocessing.window_series(values, window)).passed


def test_the_check_makes_up_new_series_every_time():
    first, second = nb07._window_cases(), nb07._window_cases()
    assert len(first) >= 5 and len({window for _, window in first}) >= 3
    assert not np.array_equal(first[0][0], second[0][0])


def test_windows_not_started():
    assert exercises.check("07.2", None).status == "not started"
    assert exercises.check("07.2", lambda values, window: None).status == "not started"


# ---- 07.3 ------------------------------------------------------------------------------------------------

WINDOW = 10


def wave(length=600, seed=0):
    rng = np.random.default_rng(seed)
    steps = np.arange(length)
    return 10 * np.sin(2 * np.pi * steps / 23) + 4 * np.sin(2 * np.pi * steps / 7) + rng.normal(0, 0.3, length)


HELD = forecasting.standardised_windows(wave(), 360, 480, WINDOW)
OTHER = forecasting.standardised_windows(wave(seed=5), 360, 480, WINDOW)  # "the notebook's" windows
TEST_TARGETS = HELD.scaled[HELD.test[:, None] - WINDOW + np.arange(WINDOW)][..., None]  # the test windows' targets


@pytest.fixture(autouse=True)
def held_membrane(monkeypatch):
    monkeypatch.setattr(nb07, "_membrane", lambda: HELD)


def linear(units=1):
    model = keras.Sequential([keras.Input(shape=(WINDOW, 1)), keras.layers.Flatten(), keras.layers.Dense(units)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.02), loss="mse")
    return model


def trainer(build=linear, fit_on=None, validate_on=None, epochs=8, then=None, last=True):
    """A learner's train_model: build, fit (on the arrays given, or on fit_on / validate_on), return."""

    def train_model(x_fit, y_fit, x_val, y_val):
        model = build()
        x, y = fit_on or (x_fit, y_fit)
        xv, yv = validate_on or (x_val, y_val)
        if last:
            y, yv = y[:, -1], yv[:, -1]
        model.fit(
            x,
            y,
            validation_data=(xv, yv),
            epochs=epochs,
            batch_size=32,
            verbose=0,
            callbacks=[keras.callbacks.EarlyStopping(patience=3, restore_best_weights=True)],
        )
        return then(model) if then else model

    return train_model


def test_a_trained_model_beats_the_best_simple_forecast():
    verdict = exercises.check("07.3", trainer(), strict=True)
    assert verdict.passed and "120 test steps" in verdict.message


def test_an_lstm_with_an_output_at_every_step_is_read_at_its_last_step(monkeypatch):
    monkeypatch.setitem(config.EXERCISE_TARGETS, "07.3", {"smoke": 50.0, "workshop": 50.0, "full": 50.0})

    def lstm():
        model = keras.Sequential(
            [keras.Input(shape=(WINDOW, 1)), keras.layers.LSTM(4, return_sequences=True), keras.layers.Dense(1)]
        )
        model.compile(optimizer="adam", loss="mse")
        return model

    def train_model(x_fit, y_fit, x_val, y_val):
        model = lstm()
        history = model.fit(x_fit, y_fit, validation_split=0.2, epochs=1, verbose=0)
        return model, history

    assert exercises.check("07.3", train_model, strict=True).passed


def test_an_undertrained_model_misses_the_target_and_strict_raises(monkeypatch):
    monkeypatch.setitem(config.EXERCISE_TARGETS, "07.3", {"smoke": 0.01, "workshop": 0.01, "full": 0.01})
    with pytest.raises(ExerciseNotPassed, match="above this profile's target"):
        exercises.check("07.3", trainer(epochs=1), strict=True)


def test_model_not_started():
    assert exercises.check("07.3", None).status == "not started"


def with_nan_weights(model):
    weights = model.get_weights()
    weights[-1] = np.full_like(weights[-1], np.nan)
    model.set_weights(weights)
    return model


def frozen():
    """A model that always answers the same change (no weights on the window), trained at learning rate 0."""
    model = linear()
    model.set_weights([np.zeros((WINDOW, 1)), np.zeros(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.0), loss="mse")
    return model


WRONG = [
    # 07.1: the check reads what the scaler learned: its minimum, maximum and how many values it saw.
    wrong(
        "07.1",
        "test-data",
        "fitted on all the changes, test months included",
        "saw all the changes",
        lambda: scaler_on(CHANGES),
    ),
    wrong(
        "07.1",
        "test-data",
        "fitted on all the training changes, validation months included",
        "saw the validation months too",
        lambda: scaler_on(CHANGES[: N_TRAIN - 1]),
    ),
    wrong(
        "07.1",
        "test-data",
        "fitted on the test changes",
        "fitted on the test months",
        lambda: scaler_on(CHANGES[N_TRAIN - 1 :]),
    ),
    wrong(
        "07.1",
        "test-data",
        "one change too many: the change into the first validation month",
        "one change too many",
        lambda: scaler_on(CHANGES[:N_FIT]),
    ),
    wrong("07.1", "nan", "a scaler whose minimum is NaN", "is nan", nan_scaler),
    wrong(
        "07.1",
        "copied",
        "a scaler fitted on the two extremes copied from the printed range",
        "it saw 2 values",
        lambda: scaler_on([CHANGES[: N_FIT - 1].min(), CHANGES[: N_FIT - 1].max()]),
    ),
    wrong(
        "07.1",
        "form",
        "fitted on the consumption, not its changes",
        "the consumption itself",
        lambda: scaler_on(VALUES[:N_FIT]),
    ),
    wrong(
        "07.1",
        "form",
        "one row of many values instead of a column",
        "one row of many values",
        lambda: MinMaxScaler().fit(CHANGES[: N_FIT - 1].reshape(1, -1)),
    ),
    wrong("07.1", "form", "a scaler not fitted yet", "not fitted yet", lambda: MinMaxScaler()),
    wrong(
        "07.1",
        "form",
        "scaled to [-1, 1]",
        "[0, 1]",
        lambda: MinMaxScaler(feature_range=(-1, 1)).fit(CHANGES[: N_FIT - 1].reshape(-1, 1)),
    ),
    wrong(
        "07.1",
        "form",
        "a StandardScaler instead",
        "asks for a MinMaxScaler",
        lambda: StandardScaler().fit(CHANGES[: N_FIT - 1].reshape(-1, 1)),
    ),
    wrong(
        "07.1",
        "form",
        "the two numbers instead of a scaler",
        "fitted sklearn.preprocessing.MinMaxScaler",
        lambda: ((CHANGES.min(), CHANGES.max()),),
    ),
    # 07.2: the check calls make_windows on series it makes up.
    wrong(
        "07.2",
        "copied",
        "the notebook's windows, whatever the series",
        "the same windows for every series",
        lambda: lambda values, window: FIXED,
    ),
    wrong(
        "07.2",
        "nan",
        "targets holding NaN",
        "NaN",
        lambda: windows_then(lambda x, y, values, window: (x, np.full_like(y, np.nan))),
    ),
    wrong(
        "07.2",
        "wrong-way",
        "targets equal to the inputs: the model would learn to copy",
        "equal the inputs",
        lambda: windows_then(lambda x, y, values, window: (x, x)),
    ),
    wrong(
        "07.2",
        "wrong-way",
        "targets one step back instead of ahead",
        "not the input windows shifted one step",
        lambda: windows_then(lambda x, y, values, window: (x, np.concatenate([x[:1], x[:-1]]))),
    ),
    wrong(
        "07.2",
        "form",
        "no feature axis",
        "add a trailing axis",
        lambda: windows_then(lambda x, y, values, window: (x[..., 0], y[..., 0])),
    ),
    wrong(
        "07.2",
        "form",
        "only the value after each window as target",
        "only the value after each window",
        lambda: windows_then(lambda x, y, values, window: (x, y[:, -1, :])),
    ),
    wrong(
        "07.2",
        "form",
        "the last window dropped",
        "fewer windows",
        lambda: windows_then(lambda x, y, values, window: (x[:-1], y[:-1])),
    ),
    wrong(
        "07.2",
        "form",
        "windows of the notebook's 20 steps, whatever the window asked",
        "use the function's window argument",
        lambda: lambda values, window: make_windows(values, 20) if len(values) > 21 else make_windows(values, 5),
    ),
    wrong(
        "07.2",
        "form",
        "one array returned",
        "should return two arrays",
        lambda: windows_then(lambda x, y, values, window: x),
    ),
    wrong("07.2", "form", "the windows instead of a function", "should be a function", lambda: (FIXED,)),
    # 07.3: the check trains through train_model with the windows it holds, and keeps the test steps back.
    wrong("07.3", "nan", "a diverged run: NaN weights", "NaN", lambda: trainer(then=with_nan_weights, epochs=1)),
    wrong(
        "07.3",
        "test-data",
        "early stopping on the test windows",
        "validated on 120 test windows",
        lambda: trainer(validate_on=(HELD.x_test, TEST_TARGETS), epochs=1),
    ),
    wrong(
        "07.3",
        "test-data",
        "trained on the test windows",
        "trained on 120 test windows",
        lambda: trainer(fit_on=(HELD.x_test, TEST_TARGETS), epochs=1),
    ),
    wrong(
        "07.3",
        "test-data",
        "the notebook's own windows instead of the function's arguments",
        "not among those the check handed it",
        lambda: trainer(fit_on=(OTHER.x_fit, OTHER.y_fit), epochs=1),
    ),
    wrong(
        "07.3",
        "wrong-way",
        "validated on windows it also trained on",
        "also training windows",
        lambda: trainer(validate_on=(HELD.x_fit[:50], HELD.y_fit[:50]), epochs=1),
    ),
    wrong(
        "07.3",
        "wrong-way",
        "returns a model it never trained",
        "never called fit",
        lambda: lambda x_fit, y_fit, x_val, y_val: linear(),
    ),
    wrong(
        "07.3",
        "wrong-way",
        "returns a fresh model instead of the trained one",
        "did not train",
        lambda: trainer(then=lambda model: linear(), epochs=1),
    ),
    wrong(
        "07.3",
        "wrong-way",
        "a model that answers the same change whatever the window",
        "same change for every test step",
        lambda: trainer(frozen, epochs=1),
    ),
    wrong("07.3", "form", "two outputs per window", "outputs of shape", lambda: trainer(lambda: linear(2), epochs=1)),
    wrong("07.3", "form", "a model instead of a function", "should be a function", lambda: (linear(),)),
]


@pytest.mark.parametrize("case", WRONG, ids=str)
def test_wrong_answers_are_not_yet(case):
    case.assert_not_yet()
