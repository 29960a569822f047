"""Time series for notebook 07: the simple forecasts every model must beat, RMSE, the inputs before a forecast,
and a second, longer series (the membrane-potential recording that ships with matplotlib), split in time and
cut into windows. Notebook 07, its exercise checks (07.x) and ``tools/baselines.py`` share these.

Positions count from 0: ``series[t]`` is the value at position t. A forecast of position t may use
``series[:t]`` only; every function here refuses a request that would look at t or later. Changes are
``np.diff(series)``: ``changes[i] = series[i + 1] - series[i]``, so the change into position t is
``changes[t - 1]``.

About membrane.dat: it is one of matplotlib's sample data files (``matplotlib.cbook.get_sample_data``), the
recording drawn in matplotlib's original logo (2003-2008). Matplotlib's docs read it as float32, convert it to
millivolts (times 100) and give 0.0005 s as its sample interval: 12,000 samples, 6 seconds of a neuron's
membrane potential, at rest, then spiking while a current is injected, then decaying. Matplotlib states no
other origin and no separate licence for the file; it ships with matplotlib under the Matplotlib License.
"""

import dataclasses

import numpy as np

from . import preprocessing

MEMBRANE_FILE = "membrane.dat"
MEMBRANE_TO_MV = 100.0  # matplotlib's docs: 1000 * 0.1 * the stored value
MEMBRANE_SAMPLE_SECONDS = 0.0005  # matplotlib's docs: the sample interval of the file (2 kHz)


def _series(series, what="series"):
    """Return a 1-D float64 array of finite values; ValueError otherwise."""
    values = np.asarray(series, dtype="float64")
    if values.ndim != 1:
        raise ValueError(f"{what} must be 1-D; got shape {values.shape}.")
    if not np.isfinite(values).all():
        raise ValueError(f"{what} holds NaN or infinite values.")
    return values


def _positions(positions, what, lowest, length):
    """Return integer positions as an array; ValueError unless every one lies in lowest..length-1."""
    array = np.asarray(positions)
    if array.ndim != 1 or array.size == 0 or not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{what} must be a non-empty 1-D array of integer positions; got {positions!r:.80}.")
    if array.min() < lowest or array.max() >= length:
        raise ValueError(f"{what} must lie in {lowest}..{length - 1}; got {array.min()}..{array.max()}.")
    return array


def rmse(forecast, actual):
    """Root mean squared error of a forecast, in the units of the data.

    Args:
        forecast, actual: arrays of the same shape.
    """
    forecast, actual = np.asarray(forecast, dtype="float64"), np.asarray(actual, dtype="float64")
    if forecast.shape != actual.shape:
        raise ValueError(f"forecast has shape {forecast.shape}, actual {actual.shape}: they must match.")
    if forecast.size == 0:
        raise ValueError("forecast and actual are empty.")
    return float(np.sqrt(np.mean((forecast - actual) ** 2)))


def mean_change(series, history_end):
    """The mean change per step over ``series[:history_end]``: (last value - first value) / (steps - 1).

    Args:
        series: 1-D array of values.
        history_end: how many values, from the start, the mean is taken over (at least 2).
    """
    values = _series(series)
    if not isinstance(history_end, (int, np.integer)) or not 2 <= history_end <= len(values):
        raise ValueError(f"history_end must be an integer in 2..{len(values)}; got {history_end!r}.")
    return float((values[history_end - 1] - values[0]) / (history_end - 1))


def naive_forecast(series, targets):
    """One step ahead, "same as last time": the value just before each target position, ``series[t - 1]``.

    Args:
        series: 1-D array of values.
        targets: integer positions to forecast (each at least 1).
    """
    values = _series(series)
    targets = _positions(targets, "targets", 1, len(values))
    return values[targets - 1]


def drift_forecast(series, targets, history_end):
    """One step ahead: the last value plus the mean change over ``series[:history_end]``.

    Args:
        series: 1-D array of values.
        targets: integer positions to forecast; none may come before ``history_end`` (the mean change
            may only use values before every forecast).
        history_end: how many values the mean change is taken over, e.g. the training part's length.
    """
    values = _series(series)
    targets = _positions(targets, "targets", 1, len(values))
    if targets.min() < history_end:
        raise ValueError(
            f"the drift's history (the first {history_end} values) reaches past target "
            f"{targets.min()}: a forecast may only use the values before it."
        )
    return values[targets - 1] + mean_change(values, history_end)


def seasonal_naive_forecast(series, targets, season=12):
    """One step ahead: the value one season before each target, ``series[t - season]`` (a year for months).

    Args:
        series: 1-D array of values.
        targets: integer positions to forecast (each at least ``season``).
        season: the length of a season in steps.
    """
    values = _series(series)
    if not isinstance(season, (int, np.integer)) or season < 1:
        raise ValueError(f"season must be a positive integer; got {season!r}.")
    targets = _positions(targets, "targets", season, len(values))
    return values[targets - season]


def mean_forecast(series, targets, length):
    """One step ahead: the mean of the ``length`` values before each target.

    Args:
        series: 1-D array of values.
        targets: integer positions to forecast (each at least ``length``).
        length: how many of the latest values to average.
    """
    values = _series(series)
    if not isinstance(length, (int, np.integer)) or length < 1:
        raise ValueError(f"length must be a positive integer; got {length!r}.")
    targets = _positions(targets, "targets", length, len(values))
    sums = np.concatenate([[0.0], np.cumsum(values)])
    return (sums[targets] - sums[targets - length]) / length


def simple_forecasts(series, targets, history_end, season=12):
    """The simple forecasts a forecaster tries first, one step ahead of each target position.

    Args:
        series: 1-D array of values.
        targets: integer positions to forecast, none before ``history_end``.
        history_end: how many values the drift's mean change is taken over (the part the models learn from).
        season: the season's length in steps for the seasonal naive forecast; None leaves it out.

    Returns:
        {"naive": ..., "drift": ..., "seasonal naive": ...}, each an array with one forecast per target.
    """
    found = {"naive": naive_forecast(series, targets), "drift": drift_forecast(series, targets, history_end)}
    if season is not None:
        found["seasonal naive"] = seasonal_naive_forecast(series, targets, season)
    return found


def simple_forecasts_ahead(series, origins, horizon, history_end, season=12):
    """The simple forecasts of the ``horizon`` values after each origin, made from ``series[:origin + 1]``.

    Args:
        series: 1-D array of values.
        origins: integer positions of the last known value of each forecast, none before ``history_end - 1``.
        horizon: how many steps ahead each forecast reaches.
        history_end: how many values the drift's mean change is taken over.
        season: the season's length in steps (at least ``horizon``); None leaves the seasonal naive out.

    Returns:
        {"naive": ..., "drift": ..., "seasonal naive": ...}, each of shape (len(origins), horizon).
    """
    values = _series(series)
    if not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise ValueError(f"horizon must be a positive integer; got {horizon!r}.")
    origins = _positions(origins, "origins", 0, len(values) - horizon)
    steps = np.arange(1, horizon + 1)
    if origins.min() + 1 < history_end:
        raise ValueError(
            f"the drift's history (the first {history_end} values) reaches past origin "
            f"{origins.min()}: a forecast may only use the values up to its origin."
        )
    last = values[origins][:, None]
    found = {"naive": np.repeat(last, horizon, axis=1), "drift": last + steps * mean_change(values, history_end)}
    if season is not None:
        if not isinstance(season, (int, np.integer)) or season < horizon:
            raise ValueError(f"season must be an integer of at least the horizon ({horizon}); got {season!r}.")
        if origins.min() + 1 < season:
            raise ValueError(f"origin {origins.min()} has less than a season ({season} values) before it.")
        found["seasonal naive"] = values[origins[:, None] + steps - season]
    return found


def actual_ahead(series, origins, horizon):
    """The true values after each origin: an array of shape (len(origins), horizon).

    Args:
        series: 1-D array of values.
        origins: integer positions of the last known value of each forecast.
        horizon: how many steps ahead.
    """
    values = _series(series)
    origins = _positions(origins, "origins", 0, len(values) - horizon)
    return values[origins[:, None] + np.arange(1, horizon + 1)]


def inputs_before(changes, targets, window):
    """The ``window`` changes before each target position, ``changes[t - 1 - window:t - 1]``, shaped for a
    recurrent layer: float32 of shape (len(targets), window, 1).

    Args:
        changes: 1-D array of (scaled) changes, ``changes[i]`` being the change into position i + 1.
        targets: integer positions to forecast (each at least ``window + 1``).
        window: how many changes each input holds.
    """
    changes = _series(changes, "changes")
    if not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError(f"window must be a positive integer; got {window!r}.")
    targets = _positions(targets, "targets", window + 1, len(changes) + 2)
    return np.stack([changes[t - 1 - window : t - 1] for t in targets]).astype("float32")[..., None]


# ---- the membrane recording ------------------------------------------------------------------------------


def load_membrane(step=2):
    """The membrane-potential recording that ships with matplotlib, in millivolts (see the module's notes).

    Args:
        step: keep every step-th sample (2 gives 6,000 values, one per millisecond).
    """
    from matplotlib import cbook

    if not isinstance(step, (int, np.integer)) or step < 1:
        raise ValueError(f"step must be a positive integer; got {step!r}.")
    try:
        path = cbook.get_sample_data(MEMBRANE_FILE, asfileobj=False)
        raw = np.fromfile(path, dtype=np.float32)
    except (OSError, ValueError) as error:
        raise FileNotFoundError(
            f"{MEMBRANE_FILE} is missing: it ships with matplotlib's sample data "
            f"(matplotlib.cbook.get_sample_data); reinstall matplotlib ({error})."
        ) from None
    return raw.astype("float64")[::step] * MEMBRANE_TO_MV


def split_in_time(length, fractions=(0.6, 0.2)):
    """Where a series of ``length`` values is cut into fit, validation and test parts, in time order.

    Args:
        length: how many values the series has.
        fractions: the fit part's and the validation part's shares; the test part gets the rest.

    Returns:
        (fit_end, validation_end): the fit part is ``[:fit_end]``, validation ``[fit_end:validation_end]``,
        test ``[validation_end:]``.
    """
    fit, validation = fractions
    if not (0 < fit and 0 < validation and fit + validation < 1):
        raise ValueError(f"fractions must be two positive shares that leave a test part; got {fractions!r}.")
    fit_end, validation_end = int(length * fit), int(length * (fit + validation))
    if not 2 <= fit_end < validation_end < length:
        raise ValueError(f"a series of {length} values is too short for the fractions {fractions!r}.")
    return fit_end, validation_end


@dataclasses.dataclass
class SeriesWindows:
    """A series split in time, its changes standardised on the fit part, and the windows cut from them."""

    values: np.ndarray  # the series
    fit_end: int  # the fit part is values[:fit_end]
    validation_end: int  # validation is values[fit_end:validation_end]; test is values[validation_end:]
    window: int  # changes per input window
    mean: float  # mean of the fit part's changes
    std: float  # their standard deviation
    scaled: np.ndarray  # all changes, standardised with mean and std (float32)
    x_fit: np.ndarray  # windows of changes between fit values, targets one step ahead at every step
    y_fit: np.ndarray
    x_val: np.ndarray  # windows cut from the changes into validation values alone
    y_val: np.ndarray
    test: np.ndarray  # the test positions
    x_test: np.ndarray  # the window of changes before each test position

    def forecast(self, scaled_changes):
        """Forecasts of the test values from predicted standardised changes (one per test position)."""
        predicted = np.asarray(scaled_changes, dtype="float64").reshape(-1)
        if predicted.size != self.test.size:
            raise ValueError(
                f"expected {self.test.size} predicted changes, one per test position; got {predicted.size}."
            )
        return self.values[self.test - 1] + predicted * self.std + self.mean


def standardised_windows(series, fit_end, validation_end, window):
    """Split a series in time, standardise its changes with the fit part's mean and standard deviation, and
    cut windows: fit windows from the changes between fit values, validation windows from the changes into
    validation values alone, and the inputs before every test position.

    Args:
        series: 1-D array of values.
        fit_end, validation_end: the cut points (see ``split_in_time``).
        window: changes per input window.
    """
    values = _series(series)
    if not 2 <= fit_end < validation_end < len(values):
        raise ValueError(
            f"cut points must satisfy 2 <= fit_end < validation_end < {len(values)}; got {fit_end}, {validation_end}."
        )
    changes = np.diff(values)
    fit_changes = changes[: fit_end - 1]
    mean, std = float(fit_changes.mean()), float(fit_changes.std())
    if std == 0:
        raise ValueError("the fit part's changes are all equal: nothing to standardise.")
    scaled = ((changes - mean) / std).astype("float32")
    x_fit, y_fit = preprocessing.window_series(scaled[: fit_end - 1], window)
    x_val, y_val = preprocessing.window_series(scaled[fit_end - 1 : validation_end - 1], window)
    test = np.arange(validation_end, len(values))
    return SeriesWindows(
        values,
        fit_end,
        validation_end,
        window,
        mean,
        std,
        scaled,
        x_fit,
        y_fit,
        x_val,
        y_val,
        test,
        inputs_before(scaled, test, window),
    )


def membrane_windows(step=2, fractions=(0.6, 0.2), window=50):
    """The membrane recording (``load_membrane``), split in time and cut into windows (``standardised_windows``).

    Args:
        step: keep every step-th sample.
        fractions: the fit part's and the validation part's shares.
        window: changes per input window.
    """
    values = load_membrane(step)
    return standardised_windows(values, *split_in_time(len(values), fractions), window)
