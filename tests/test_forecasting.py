"""workshop_utils.forecasting: simple forecasts from the past only, RMSE, inputs before a forecast, the
membrane recording split in time and cut into windows."""

from workshop_utils import forecasting, preprocessing

import numpy as np
import pytest

SERIES = np.array([10.0, 12.0, 11.0, 15.0, 14.0, 18.0, 17.0, 21.0, 20.0, 24.0])


def test_rmse():
    assert forecasting.rmse([1.0, 2.0], [1.0, 4.0]) == pytest.approx(np.sqrt(2.0))
    assert forecasting.rmse(np.zeros((2, 3)), np.zeros((2, 3))) == 0.0
    with pytest.raises(ValueError, match="must match"):
        forecasting.rmse([1.0, 2.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="empty"):
        forecasting.rmse([], [])


def test_mean_change():
    assert forecasting.mean_change(SERIES, 5) == pytest.approx((14.0 - 10.0) / 4)
    for bad in (1, 11, 2.5):
        with pytest.raises(ValueError, match="history_end"):
            forecasting.mean_change(SERIES, bad)


def test_naive_forecast_is_the_value_before():
    np.testing.assert_array_equal(forecasting.naive_forecast(SERIES, np.array([1, 5, 9])), [10.0, 14.0, 20.0])


def test_drift_uses_only_the_history_before_the_targets():
    forecast = forecasting.drift_forecast(SERIES, np.array([6, 7]), history_end=6)
    np.testing.assert_allclose(forecast, SERIES[[5, 6]] + (18.0 - 10.0) / 5)
    with pytest.raises(ValueError, match="reaches past target 5"):
        forecasting.drift_forecast(SERIES, np.array([5, 6]), history_end=6)


def test_seasonal_naive_and_mean_forecasts():
    np.testing.assert_array_equal(
        forecasting.seasonal_naive_forecast(SERIES, np.array([4, 9]), season=4), SERIES[[0, 5]]
    )
    np.testing.assert_allclose(
        forecasting.mean_forecast(SERIES, np.array([3, 9]), 3), [SERIES[0:3].mean(), SERIES[6:9].mean()]
    )
    with pytest.raises(ValueError, match="must lie in 4"):
        forecasting.seasonal_naive_forecast(SERIES, np.array([3]), season=4)
    with pytest.raises(ValueError, match="season"):
        forecasting.seasonal_naive_forecast(SERIES, np.array([5]), season=0)
    with pytest.raises(ValueError, match="length"):
        forecasting.mean_forecast(SERIES, np.array([5]), 0)


def test_simple_forecasts_one_step():
    found = forecasting.simple_forecasts(SERIES, np.array([8, 9]), history_end=8, season=4)
    assert list(found) == ["naive", "drift", "seasonal naive"]
    np.testing.assert_array_equal(found["seasonal naive"], SERIES[[4, 5]])
    assert list(forecasting.simple_forecasts(SERIES, np.array([8, 9]), history_end=8, season=None)) == [
        "naive",
        "drift",
    ]


def test_simple_forecasts_ahead():
    found = forecasting.simple_forecasts_ahead(SERIES, np.array([4, 5]), horizon=3, history_end=5, season=4)
    np.testing.assert_array_equal(found["naive"], [[14.0] * 3, [18.0] * 3])
    np.testing.assert_allclose(found["drift"][0], 14.0 + np.arange(1, 4) * 1.0)  # (14 - 10) / 4 per step
    np.testing.assert_array_equal(found["seasonal naive"], [SERIES[[1, 2, 3]], SERIES[[2, 3, 4]]])
    np.testing.assert_array_equal(forecasting.actual_ahead(SERIES, np.array([4, 5]), 3), [SERIES[5:8], SERIES[6:9]])
    with pytest.raises(ValueError, match="reaches past origin 3"):
        forecasting.simple_forecasts_ahead(SERIES, np.array([3]), horizon=2, history_end=5)
    with pytest.raises(ValueError, match="origins must lie in"):
        forecasting.simple_forecasts_ahead(SERIES, np.array([8]), horizon=3, history_end=5)
    with pytest.raises(ValueError, match="at least the horizon"):
        forecasting.simple_forecasts_ahead(SERIES, np.array([6]), horizon=3, history_end=5, season=2)
    with pytest.raises(ValueError, match="horizon"):
        forecasting.simple_forecasts_ahead(SERIES, np.array([6]), horizon=0, history_end=5)


@pytest.mark.parametrize(
    "series, targets, match",
    [
        (np.ones((3, 3)), np.array([1]), "1-D"),
        (np.array([1.0, np.nan, 3.0]), np.array([1]), "NaN"),
        (SERIES, np.array([0]), "must lie in 1"),
        (SERIES, np.array([10]), "must lie in 1..9"),
        (SERIES, np.array([1.5]), "integer positions"),
        (SERIES, np.array([], dtype=int), "non-empty"),
    ],
)
def test_wrong_inputs_are_refused(series, targets, match):
    with pytest.raises(ValueError, match=match):
        forecasting.naive_forecast(series, targets)


def test_inputs_before_are_the_changes_just_before_each_target():
    changes = np.diff(SERIES)
    x = forecasting.inputs_before(changes, np.array([4, 10]), window=3)
    assert x.shape == (2, 3, 1) and x.dtype == np.float32
    np.testing.assert_array_equal(x[0, :, 0], changes[0:3])  # the changes into positions 1, 2 and 3
    np.testing.assert_array_equal(x[1, :, 0], changes[6:9])  # position 10: one step past the end
    with pytest.raises(ValueError, match="must lie in 4"):
        forecasting.inputs_before(changes, np.array([3]), window=3)
    with pytest.raises(ValueError, match="window"):
        forecasting.inputs_before(changes, np.array([5]), window=0)


def test_split_in_time():
    assert forecasting.split_in_time(100) == (60, 80)
    assert forecasting.split_in_time(50, (0.5, 0.3)) == (25, 40)
    for fractions in ((0.6, 0.4), (0, 0.2), (0.7, -0.1)):
        with pytest.raises(ValueError, match="fractions"):
            forecasting.split_in_time(100, fractions)
    with pytest.raises(ValueError, match="too short"):
        forecasting.split_in_time(3)


def test_standardised_windows_keep_the_parts_apart():
    rng = np.random.default_rng(0)
    series = np.cumsum(rng.normal(size=200))
    data = forecasting.standardised_windows(series, 120, 160, window=10)
    changes = np.diff(series)
    assert data.mean == pytest.approx(changes[:119].mean()) and data.std == pytest.approx(changes[:119].std())
    np.testing.assert_allclose(data.scaled, (changes - data.mean) / data.std, rtol=1e-5, atol=1e-5)
    reference = preprocessing.window_series(data.scaled[:119], 10)
    np.testing.assert_array_equal(data.x_fit, reference[0])
    np.testing.assert_array_equal(data.y_fit, reference[1])
    assert data.y_fit[-1, -1, 0] == data.scaled[118]  # the last fit target: the change into position 119
    assert data.x_val.shape == (30, 10, 1) and data.x_val[0, 0, 0] == data.scaled[119]
    assert data.y_val[-1, -1, 0] == data.scaled[158]  # the change into position 159, the last validation value
    np.testing.assert_array_equal(data.test, np.arange(160, 200))
    np.testing.assert_array_equal(data.x_test[0, :, 0], data.scaled[149:159])
    np.testing.assert_allclose(data.forecast(np.zeros(40)), series[159:199] + data.mean)
    with pytest.raises(ValueError, match="one per test position"):
        data.forecast(np.zeros(39))
    with pytest.raises(ValueError, match="cut points"):
        forecasting.standardised_windows(series, 160, 120, window=10)
    with pytest.raises(ValueError, match="all equal"):
        forecasting.standardised_windows(np.arange(50.0), 30, 40, window=5)


def test_the_membrane_recording():
    values = forecasting.load_membrane()
    assert values.shape == (6000,) and -70 < values.min() < -60 and 0 < values.max() < 5  # millivolts
    assert len(forecasting.load_membrane(step=1)) == 12000
    data = forecasting.membrane_windows()
    assert (data.fit_end, data.validation_end) == (3600, 4800)
    assert data.x_fit.shape == (3549, 50, 1) and data.x_val.shape == (1150, 50, 1)
    assert data.x_test.shape == (1200, 50, 1)
    with pytest.raises(ValueError, match="step"):
        forecasting.load_membrane(step=0)


def test_a_missing_membrane_file_says_what_to_do(monkeypatch):
    from matplotlib import cbook

    def missing(name, asfileobj=True):
        raise FileNotFoundError(name)

    monkeypatch.setattr(cbook, "get_sample_data", missing)
    with pytest.raises(FileNotFoundError, match="membrane.dat is missing: it ships with matplotlib"):
        forecasting.load_membrane()
