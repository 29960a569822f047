"""Exercises of notebook 07: the scaler (07.1), windows one step ahead (07.2), beating the naive forecast (07.3)."""
import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import MinMaxScaler

import workshop_utils  # noqa: F401  (first: it loads Keras quietly)
from workshop_utils import config, exercises, preprocessing
from workshop_utils.exercises._core import ExerciseNotPassed

# A trending series: the test part (after SPLIT) reaches values the training part never saw.
SERIES = pd.Series(np.arange(40, dtype="float64") * 3 + np.sin(np.arange(40)) * 5)
SPLIT = 30


def column(values):
    return np.asarray(values, dtype="float64").reshape(-1, 1)


def test_a_scaler_fitted_on_the_training_part_passes():
    scaler = MinMaxScaler().fit(column(SERIES[:SPLIT]))
    verdict = exercises.check("07.1", scaler, SERIES, SPLIT, strict=True)
    assert verdict.passed and "30 training values" in verdict.message


def test_scaler_not_started():
    assert exercises.check("07.1", None, SERIES, SPLIT).status == "not started"


@pytest.mark.parametrize("scaler, phrase", [
    (lambda: MinMaxScaler().fit(column(SERIES)), "fitted on all the data"),
    (lambda: MinMaxScaler().fit(column(SERIES[SPLIT:])), "fitted on the test part"),
    (lambda: MinMaxScaler().fit(column(SERIES[:SPLIT]).T), "one row of many values"),
    (lambda: MinMaxScaler(), "not fitted yet"),
    (lambda: MinMaxScaler(feature_range=(-1, 1)).fit(column(SERIES[:SPLIT])), "[0, 1]"),
    (lambda: MinMaxScaler().fit(column(SERIES[:SPLIT] * 2)), "not those of the training part"),
    (lambda: (SERIES.min(), SERIES.max()), "fitted sklearn.preprocessing.MinMaxScaler"),
])
def test_wrong_scalers_are_not_yet(scaler, phrase):
    verdict = exercises.check("07.1", scaler(), SERIES, SPLIT)
    assert verdict.status == "not yet" and phrase in verdict.message


def test_strict_raises_on_a_leaky_scaler():
    with pytest.raises(ExerciseNotPassed, match="leakage"):
        exercises.check("07.1", MinMaxScaler().fit(column(SERIES)), SERIES, SPLIT, strict=True)


VALUES = np.linspace(0, 1, 12).astype("float32") ** 2
WINDOW = 4


def windows(values=VALUES, window=WINDOW, shift=1, count=None):
    count = len(values) - window - shift + 1 if count is None else count
    x = np.stack([values[i:i + window] for i in range(count)])[..., None]
    y = np.stack([values[i + shift:i + shift + window] for i in range(count)])[..., None]
    return x, y


def test_windows_one_step_ahead_pass():
    x, y = windows()
    verdict = exercises.check("07.2", x, y, VALUES, strict=True)
    assert verdict.passed and "8 windows of 4 steps" in verdict.message
    reference = preprocessing.window_series(VALUES, WINDOW)
    assert exercises.check("07.2", *reference, VALUES).passed


def test_windows_not_started():
    assert exercises.check("07.2", None, None, VALUES).status == "not started"


@pytest.mark.parametrize("answer, phrase", [
    (lambda: windows(shift=0, count=8), "equal the inputs"),
    (lambda: windows(shift=2), "fewer windows"),
    (lambda: (windows()[0], windows()[1] + 0.5), "not the input windows shifted one step"),
    (lambda: (windows()[0][..., 0], windows()[1][..., 0]), "add a trailing axis"),
    (lambda: (windows()[0], windows()[1][..., 0]), "add the trailing feature axis"),
    (lambda: (windows()[0], windows()[1][:, -1, :]), "only the value after each window"),
    (lambda: (windows()[0][::-1], windows()[1][::-1]), "not consecutive slices"),
])
def test_wrong_windows_are_not_yet(answer, phrase):
    x, y = answer()
    verdict = exercises.check("07.2", x, y, VALUES)
    assert verdict.status == "not yet" and phrase in verdict.message


ACTUAL = np.array([100.0, 110.0, 105.0, 120.0, 118.0, 130.0])
PREVIOUS = np.array([95.0, 100.0, 110.0, 105.0, 120.0, 118.0])


@pytest.fixture
def must_beat_naive(monkeypatch):
    monkeypatch.setitem(config.EXERCISE_TARGETS, "07.3", {"smoke": 1.0, "workshop": 1.0, "full": 1.0})


def test_a_forecast_better_than_naive_passes(must_beat_naive):
    forecast = PREVIOUS + 0.6 * (ACTUAL - PREVIOUS)
    verdict = exercises.check("07.3", forecast.reshape(-1, 1), ACTUAL, PREVIOUS, strict=True)
    assert verdict.passed and "0.400 times" in verdict.message


def test_forecast_not_started():
    assert exercises.check("07.3", None, ACTUAL, PREVIOUS).status == "not started"


@pytest.mark.parametrize("forecast, phrase", [
    (PREVIOUS - 0.5 * (ACTUAL - PREVIOUS), "1.500 times the naive"),
    (PREVIOUS, "the naive forecast itself"),
    (ACTUAL, "equals the test months exactly"),
    ((ACTUAL - PREVIOUS) / 20, "looks like scaled changes"),
    (np.tile(ACTUAL[:, None], (1, 20)), "one value per test month"),
    (ACTUAL[:4], "the test part has 6 months"),
])
def test_wrong_forecasts_are_not_yet(must_beat_naive, forecast, phrase):
    verdict = exercises.check("07.3", forecast, ACTUAL, PREVIOUS)
    assert verdict.status == "not yet" and phrase in verdict.message
