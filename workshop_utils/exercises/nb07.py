"""Checks of notebook 07's exercises: a scaler fitted on the training part, windows, beating the naive forecast."""
import numpy as np

from ._common import given
from ._core import NotYet, exercise, exercise_target


def _series(values, what):
    """Return a 1-D float array of a series (a pandas Series, a list, an array or a column)."""
    values = np.asarray(given(values, what), dtype="float64")
    if values.ndim == 2 and 1 in values.shape:
        values = values.reshape(-1)
    if values.ndim != 1:
        raise NotYet(f"{what} should be one series of values; it has shape {values.shape}.")
    return values


def _same(a, b):
    return bool(np.isclose(a, b, rtol=1e-9, atol=1e-9))


@exercise("07.1", "a scaler fitted on the training part only")
def training_scaler(scaler, values, split):
    """A fitted MinMaxScaler whose minimum and maximum are those of ``values[:split]``."""
    given(scaler, "scaler (your fitted MinMaxScaler)")
    values = _series(values, "the series (changes)")
    given(split, "split")
    if not hasattr(scaler, "data_min_"):
        if hasattr(scaler, "fit"):
            raise NotYet("the scaler is not fitted yet: call its fit method on the training values.")
        raise NotYet(f"scaler should be a fitted sklearn.preprocessing.MinMaxScaler, not a {type(scaler).__name__}.")
    if np.size(scaler.data_min_) != 1:
        raise NotYet(f"the scaler learned {np.size(scaler.data_min_)} features, so it saw one row of many values. "
                     "Give it one column, values.reshape(-1, 1): one feature, one sample per month.")
    if tuple(getattr(scaler, "feature_range", (0, 1))) != (0, 1):
        raise NotYet("the exercise scales to [0, 1]: keep the scaler's default feature_range.")
    low, high = float(np.ravel(scaler.data_min_)[0]), float(np.ravel(scaler.data_max_)[0])
    train, test = values[:split], values[split:]
    if _same(low, train.min()) and _same(high, train.max()):
        scaled_test = (test - low) / (high - low)
        outside = scaled_test.min() < 0 or scaled_test.max() > 1
        return (f"fitted on the {len(train)} training values only; the test part scales to "
                f"{scaled_test.min():.2f} .. {scaled_test.max():.2f}"
                f"{', partly outside [0, 1], as the real future may be' if outside else ''}.")
    if _same(low, values.min()) and _same(high, values.max()):
        raise NotYet("the scaler was fitted on all the data, test part included: its minimum and maximum "
                     "tell the model how far the future goes (leakage). Fit it on the training part only.")
    if _same(low, test.min()) and _same(high, test.max()):
        raise NotYet("the scaler was fitted on the test part: its numbers must come from the training part.")
    raise NotYet("the scaler's minimum and maximum are not those of the training part of the values you "
                 "passed: fit it on the values before the split, the same series you pass to the check.")


@exercise("07.2", "windows with targets one step ahead")
def one_step_windows(x, y, values):
    """Every window of ``values`` in order, shaped (n, window, 1), its targets the same window one step later."""
    given(x, "x (the input windows)")
    given(y, "y (the targets)")
    values = _series(values, "the series you cut the windows from")
    x, y = np.asarray(x, dtype="float64"), np.asarray(y, dtype="float64")
    if x.ndim == 2:
        raise NotYet(f"x has shape {x.shape}: add a trailing axis of one feature, as an LSTM reads "
                     "(windows, steps, features).")
    if x.ndim != 3 or x.shape[2] != 1:
        raise NotYet(f"x has shape {x.shape}; it should be (windows, steps, 1).")
    window = x.shape[1]
    count = len(values) - window
    if count < 1:
        raise NotYet(f"windows of {window} steps do not fit a series of {len(values)} values with a target after them.")
    if len(x) != count:
        direction = "fewer" if len(x) < count else "more"
        raise NotYet(f"you have {direction} windows than the series allows: every window that still has a "
                     "next value after its last step is one example, from the first value on.")
    inputs = np.stack([values[i:i + window] for i in range(count)])[..., None]
    if not np.allclose(x, inputs, rtol=1e-5, atol=1e-6):
        raise NotYet("the input windows are not consecutive slices of the series, in order, one step apart.")
    targets = np.stack([values[i + 1:i + window + 1] for i in range(count)])[..., None]
    if y.shape == targets.shape[:2]:
        raise NotYet(f"y has shape {y.shape}: add the trailing feature axis, like x.")
    if y.size == count and np.allclose(y.reshape(-1), targets[:, -1, 0], rtol=1e-5, atol=1e-6):
        raise NotYet("y holds only the value after each window; the exercise asks for a target at every step "
                     "(the model uses return_sequences=True), the whole window shifted one step ahead.")
    if y.shape != targets.shape:
        raise NotYet(f"y has shape {y.shape}; it should have the shape of x.")
    if np.allclose(y, inputs, rtol=1e-5, atol=1e-6):
        raise NotYet("the targets equal the inputs: the model would learn to copy. Shift them one step ahead.")
    if not np.allclose(y, targets, rtol=1e-5, atol=1e-6):
        raise NotYet("the targets are not the input windows shifted one step ahead.")
    return f"{count} windows of {window} steps; every step's target is the next value."


def _rmse(forecast, actual):
    return float(np.sqrt(np.mean((forecast - actual) ** 2)))


@exercise("07.3", "beat the naive forecast")
def beat_naive(forecast, actual, previous):
    """One forecast per test month whose RMSE is below the profile's share of the naive forecast's RMSE."""
    forecast = np.asarray(given(forecast, "forecast (your forecast of each test month)"), dtype="float64")
    actual = _series(actual, "actual (the test months)")
    previous = _series(previous, "previous (the month before each test month)")
    if forecast.size != actual.size:
        if forecast.ndim >= 2 and len(forecast) == len(actual):
            raise NotYet(f"forecast has shape {forecast.shape}: keep one value per test month, the forecast at "
                         "the last step of each window.")
        raise NotYet(f"forecast has {forecast.size} values; the test part has {actual.size} months.")
    forecast = forecast.reshape(-1)
    if np.allclose(forecast, actual):
        raise NotYet("the forecast equals the test months exactly: a forecast may only use the months before it.")
    if np.allclose(forecast, previous):
        raise NotYet("that is the naive forecast itself (last month's value): it cannot beat itself.")
    if np.median(np.abs(forecast)) < 0.1 * np.median(np.abs(actual)):
        raise NotYet("the forecast is far below the consumption figures: it looks like scaled changes. "
                     "Unscale the predicted change and add it to the previous month.")
    ratio = _rmse(forecast, actual) / _rmse(previous, actual)
    target = exercise_target("07.3")
    if ratio > target:
        raise NotYet(f"your test RMSE is {ratio:.3f} times the naive forecast's; this profile asks for at most "
                     f"{target}. Train longer, or try another model from the notebook.")
    return f"test RMSE {ratio:.3f} times the naive forecast's (at most {target})."
