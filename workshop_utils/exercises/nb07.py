"""Checks of notebook 07's exercises: a scaler fitted on the fit part, windows, beating the best simple forecast.

07.1 holds the Nigeria series and cuts it as the notebook does (fit part, validation part, test part); the
learner hands over the fitted scaler, whose minimum, maximum and count of values seen say which changes it saw.
07.2 asks for a function that cuts windows; the check calls it on series and window sizes it makes up. 07.3
asks for a function that trains a model on windows it is given; the check prepares the membrane recording
itself, calls the function inside the fit recorder, makes sure no fit saw a test window, and scores the model
on the 1,200 test steps it kept back.
"""

import functools
import hashlib

import numpy as np

from .. import forecasting, preprocessing
from ..course import config
from ._core import NotStarted, NotYet, exercise
from ._judging import finite, finite_array, given, keras_model, recording_fit, require_at_most, run_learner
from ._predict import outputs_of

NOTEBOOK = "07_recurrent_networks"


def _settings():
    return config.notebook_settings(NOTEBOOK)


def _same(a, b):
    return bool(np.isclose(a, b, rtol=1e-9, atol=1e-9))


# ---- 07.1 ------------------------------------------------------------------------------------------------


def _nigeria():
    """The Nigeria series as notebook 07 loads it (the stand-in where the notebook gets one), with its cut
    points in the active profile: (values, n_fit, n_train)."""
    from .. import datasets

    cfg = _settings()
    values = datasets.load_nigeria_power()["consumption"].to_numpy(dtype="float64")
    n_train = int(len(values) * (1 - cfg.test_fraction))
    return values, n_train - cfg.validation_months, n_train


def _scaler_numbers(scaler):
    """(minimum, maximum, values seen) that a fitted MinMaxScaler learned from one column."""
    if not hasattr(scaler, "data_min_"):
        if hasattr(scaler, "mean_") or hasattr(scaler, "center_"):
            raise NotYet(
                f"the exercise asks for a MinMaxScaler, the scaler the notebook uses; this is a "
                f"{type(scaler).__name__}."
            )
        if hasattr(scaler, "fit"):
            raise NotYet("the scaler is not fitted yet: call its fit method on the changes between fit months.")
        raise NotYet(
            f"change_scaler should be a fitted sklearn.preprocessing.MinMaxScaler, not a {type(scaler).__name__}."
        )
    if np.size(scaler.data_min_) != 1:
        raise NotYet(
            f"the scaler learned {np.size(scaler.data_min_)} features, so it saw one row of many values. "
            "Give it one column, values.reshape(-1, 1): one feature, one sample per month."
        )
    if tuple(getattr(scaler, "feature_range", (0, 1))) != (0, 1):
        raise NotYet("the exercise scales to [0, 1]: keep the scaler's default feature_range.")
    low = finite(np.ravel(scaler.data_min_)[0], "the scaler's minimum (data_min_)")
    high = finite(np.ravel(scaler.data_max_)[0], "the scaler's maximum (data_max_)")
    seen = int(np.ravel(getattr(scaler, "n_samples_seen_", [-1]))[0])
    return low, high, seen


@exercise("07.1", "a scaler fitted on the fit part only")
def fit_part_scaler(scaler):
    """A fitted MinMaxScaler that saw exactly the changes between the fit months of the notebook's series."""
    given(scaler, "change_scaler (your fitted MinMaxScaler)")
    low, high, seen = _scaler_numbers(scaler)
    values, n_fit, n_train = _nigeria()
    changes = np.diff(values)

    def saw(part):
        return _same(low, part.min()) and _same(high, part.max()) and seen == len(part)

    if saw(changes[: n_fit - 1]):
        later = (changes[n_fit - 1 :] - low) / (high - low)
        outside = later.min() < 0 or later.max() > 1
        return (
            f"fitted on the {n_fit - 1} changes between fit months only; the later changes scale to "
            f"{later.min():.2f} .. {later.max():.2f}"
            f"{', partly outside [0, 1], as the real future may be' if outside else ''}."
        )
    if saw(changes):
        raise NotYet(
            "the scaler saw all the changes, test months included: its minimum and maximum tell the "
            "model how far the future goes (leakage). Fit it on the changes between fit months only."
        )
    if saw(changes[: n_train - 1]):
        raise NotYet(
            "the scaler saw the validation months too. They choose among the models, so nothing the "
            "models learn from may come from them, the scaler's numbers included: fit it on the changes "
            "between fit months only."
        )
    if saw(changes[n_train - 1 :]):
        raise NotYet("the scaler was fitted on the test months: its numbers must come from the fit part.")
    if saw(changes[n_fit - 1 :]):
        raise NotYet(
            "the scaler was fitted on the months after the fit part, test months included: its numbers "
            "must come from the fit part."
        )
    if saw(changes[n_fit - 1 : n_train - 1]):
        raise NotYet("the scaler was fitted on the validation months: its numbers must come from the fit part.")
    if saw(changes[:n_fit]):
        raise NotYet(
            "the scaler saw one change too many: changes[i] is the change into month i + 1, so the last "
            "of the changes it saw is the change into the first validation month."
        )
    if saw(values[:n_fit]) or saw(values):
        raise NotYet(
            "the scaler was fitted on the consumption itself; the notebook scales the changes from one "
            "month to the next (changes), which stay in one range while the series trends."
        )
    if _same(low, changes[: n_fit - 1].min()) and _same(high, changes[: n_fit - 1].max()):
        raise NotYet(
            f"the scaler's minimum and maximum fit, but it saw {seen} values where the fit part has "
            f"{n_fit - 1} changes between its months: fit it once, on those changes and nothing else "
            "(a NaN from diff() counts too: drop it)."
        )
    raise NotYet(
        "the scaler's minimum and maximum are not those of the changes between fit months of the "
        "notebook's series: fit it on the first n_fit - 1 values of `changes`."
    )


# ---- 07.2 ------------------------------------------------------------------------------------------------

# Series the check makes up for make_windows: (length, window) pairs, then a few drawn at random on every call.
WINDOW_CASES = ((30, 4), (47, 9), (13, 12))
RANDOM_WINDOW_CASES = 2


def _window_cases():
    rng = np.random.default_rng()
    sizes = list(WINDOW_CASES) + [
        (int(rng.integers(20, 81)), int(rng.integers(2, 16))) for _ in range(RANDOM_WINDOW_CASES)
    ]
    return [(rng.normal(size=length).astype("float32"), window) for length, window in sizes]


def _pair(result, call):
    """The (x, y) arrays a make_windows call returned; NotYet for anything else."""
    if result is None:
        raise NotStarted("make_windows still returns None: return the two arrays, x and y.")
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise NotYet(f"{call} returns a {type(result).__name__}; it should return two arrays, (x, y).")
    x = finite_array(result[0], f"x from {call}")
    y = finite_array(result[1], f"y from {call}")
    return x, y


def _judge_windows(x, y, values, window, call):
    """NotYet unless x and y are every window of ``values`` with targets one step ahead."""
    reference_x, reference_y = preprocessing.window_series(values, window)
    count = len(reference_x)
    if x.ndim == 2:
        raise NotYet(
            f"x from {call} has shape {x.shape}: add a trailing axis of one feature, as an LSTM reads "
            "(windows, steps, features)."
        )
    if x.ndim != 3 or x.shape[2] != 1:
        raise NotYet(f"x from {call} has shape {x.shape}; it should be (windows, steps, 1).")
    if x.shape[1] != window:
        raise NotYet(f"the windows from {call} have {x.shape[1]} steps: use the function's window argument.")
    if len(x) != count:
        direction = "fewer" if len(x) < count else "more"
        raise NotYet(
            f"{call} gives {direction} windows than the series allows: every window that still has a "
            "next value after its last step is one example, from the first value on."
        )
    if not np.allclose(x, reference_x, rtol=1e-5, atol=1e-6):
        raise NotYet(
            f"the input windows from {call} are not consecutive slices of the series, in order, one step apart."
        )
    if y.shape == reference_y.shape[:2]:
        raise NotYet(f"y from {call} has shape {y.shape}: add the trailing feature axis, like x.")
    if y.size == count and np.allclose(y.reshape(-1), reference_y[:, -1, 0], rtol=1e-5, atol=1e-6):
        raise NotYet(
            "y holds only the value after each window; the exercise asks for a target at every step "
            "(the model uses return_sequences=True), the whole window shifted one step ahead."
        )
    if y.shape != reference_y.shape:
        raise NotYet(f"y from {call} has shape {y.shape}; it should have the shape of x.")
    if np.allclose(y, reference_x, rtol=1e-5, atol=1e-6):
        raise NotYet("the targets equal the inputs: the model would learn to copy. Shift them one step ahead.")
    if not np.allclose(y, reference_y, rtol=1e-5, atol=1e-6):
        raise NotYet(f"the targets from {call} are not the input windows shifted one step ahead.")


@exercise("07.2", "windows with targets one step ahead")
def one_step_windows(make_windows):
    """A function make_windows(values, window) -> (x, y) that cuts every window of a series, its targets the
    same window one step later; the check calls it on series it makes up."""
    given(make_windows, "make_windows (your function)")
    if not callable(make_windows):
        raise NotYet(
            f"make_windows should be a function, def make_windows(values, window): ..., not a "
            f"{type(make_windows).__name__}."
        )
    cases = _window_cases()
    answers = []
    for values, window in cases:
        call = f"make_windows(<a series of {len(values)} values>, {window})"
        result = run_learner(make_windows, values.copy(), window, what="make_windows")
        answers.append(_pair(result, call))
    first_x = answers[0][0]
    if all(x.shape == first_x.shape and np.array_equal(x, first_x) for x, _ in answers[1:]):
        raise NotYet(
            "make_windows gives the same windows for every series it gets: cut them from its arguments, "
            "values and window, not from the notebook's variables."
        )
    for (values, window), (x, y) in zip(cases, answers):
        _judge_windows(x, y, values, window, f"make_windows(<a series of {len(values)} values>, {window})")
    return (
        f"right on all {len(cases)} series the check made up ({', '.join(str(len(v)) for v, _ in cases)} "
        f"values; windows of {', '.join(str(w) for _, w in cases)})."
    )


# ---- 07.3 ------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _membrane_windows(step, fractions, window):
    return forecasting.membrane_windows(step, fractions, window)


def _membrane():
    """The membrane recording cut as notebook 07 cuts it (forecasting.SeriesWindows), in the active profile."""
    cfg = _settings()
    return _membrane_windows(cfg.membrane_step, tuple(cfg.membrane_fractions), cfg.membrane_window)


def _row_hashes(x, what):
    """One short hash per window (row) of ``x``, from its float32 values."""
    try:
        rows = np.ascontiguousarray(np.asarray(x, dtype="float32"))
    except (TypeError, ValueError):
        raise NotYet(
            f"{what} is a {type(x).__name__}: pass fit the arrays train_model receives (or parts of "
            "them), so that the check can see which windows it used."
        ) from None
    if rows.ndim == 0 or len(rows) == 0:
        raise NotYet(f"{what} holds no windows: pass fit the arrays train_model receives.")
    return [hashlib.sha1(row.tobytes()).hexdigest()[:16] for row in rows.reshape(len(rows), -1)]


def _check_windows(calls, data):
    """NotYet unless every recorded fit trained and validated only on windows the check handed over, with
    validation windows apart from training windows and no test window anywhere."""
    if not calls:
        raise NotYet("train_model never called fit: build, compile and train the model inside the function.")
    given_rows = set(_row_hashes(data.x_fit, "x_fit")) | set(_row_hashes(data.x_val, "x_val"))
    test_rows = set(_row_hashes(data.x_test, "the test windows"))
    for call in calls:
        (x_fit, _), validation = call.training_and_validation()
        fit_rows = _row_hashes(x_fit, "what fit trained on")
        leaked = sum(row in test_rows for row in fit_rows)
        if leaked:
            raise NotYet(
                f"train_model trained on {leaked} test windows: the test part stays unseen until the final evaluation."
            )
        if not set(fit_rows) <= given_rows:
            raise NotYet(
                "train_model trained on windows that are not among those the check handed it: use the "
                "function's arguments, not the notebook's variables."
            )
        if validation is None:
            continue
        val_rows = _row_hashes(validation[0], "what fit validated on")
        leaked = sum(row in test_rows for row in val_rows)
        if leaked:
            raise NotYet(
                f"train_model validated on {leaked} test windows: the validation loss stops the training "
                "and picks its epoch, so it must come from the validation part, never from the test part."
            )
        if not set(val_rows) <= given_rows:
            raise NotYet(
                "train_model validated on windows that are not among those the check handed it: use "
                "x_val and y_val, the function's arguments."
            )
        shared = len(set(val_rows) & set(fit_rows))
        if shared:
            raise NotYet(
                f"{shared} of the validation windows are also training windows, so the validation loss "
                "looks better than it is. Validate on x_val, y_val and train on x_fit, y_fit."
            )


def _last_step(outputs, window):
    """The predicted change at the last step of each test window, from outputs shaped (n, window, 1), (n, 1)
    or (n,)."""
    if outputs.shape[1:] not in ((), (1,), (window, 1), (window,)):
        raise NotYet(
            f"your model gives outputs of shape {outputs.shape[1:]} per window; it should give one "
            f"change per step, ({window}, 1), or one change after the window, (1,)."
        )
    return outputs.reshape(len(outputs), -1)[:, -1]


@exercise("07.3", "beat the best simple forecast on the membrane recording")
def beat_simple_on_membrane(train_model):
    """A function train_model(x_fit, y_fit, x_val, y_val) -> model; the check calls it with the membrane
    recording's fit and validation windows and scores the model on the test steps it kept back."""
    import keras

    given(train_model, "train_model (your function)")
    if not callable(train_model) or isinstance(train_model, keras.Model):
        raise NotYet(
            f"train_model should be a function, def train_model(x_fit, y_fit, x_val, y_val): ..., that "
            f"trains a model and returns it, not a {type(train_model).__name__}: the check trains it."
        )
    data = _membrane()
    keras.utils.set_random_seed(_settings().seed)
    with recording_fit() as calls:
        model = run_learner(
            train_model, data.x_fit.copy(), data.y_fit.copy(), data.x_val.copy(), data.y_val.copy(), what="train_model"
        )
    if isinstance(model, (tuple, list)):  # (model, history) is fine too
        model = next((item for item in model if isinstance(item, keras.Model)), model)
    keras_model(model, "what train_model returns")
    _check_windows(calls, data)
    if not any(call.model is model for call in calls):
        raise NotYet(
            "train_model returns a model it did not train: build, compile and fit the model inside the "
            "function, then return it."
        )
    outputs = finite_array(outputs_of(model, data.x_test), "your model's outputs on the test windows")
    changes = _last_step(outputs, data.window)
    if np.ptp(changes) < 1e-6:
        raise NotYet(
            "your model predicts the same change for every test step: it learned nothing from the "
            "windows. Train it longer, or check what it trains on."
        )
    actual = data.values[data.test]
    simple = forecasting.simple_forecasts(data.values, data.test, data.validation_end, season=None)
    best = min(forecasting.rmse(forecast, actual) for forecast in simple.values())
    ratio = forecasting.rmse(data.forecast(changes), actual) / best
    reached = require_at_most(ratio, "07.3", "your test RMSE over the best simple forecast's")
    return (
        f"trained on the windows it was given, validated apart from them, no test window seen; on the "
        f"{len(data.test):,} test steps the check kept back, {reached}."
    )
