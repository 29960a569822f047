from workshop_utils import tuning

import matplotlib.pyplot as plt
import pandas as pd
import pytest


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def totals(schedule):
    return sum(r["models"] for r in schedule), sum(r["models"] * r["new_epochs"] for r in schedule)


def test_schedule_of_the_profiles():
    # smoke: one bracket, two models of two epochs
    assert tuning.hyperband_schedule(2, 3) == [
        {"iteration": 0, "bracket": 0, "round": 0, "models": 2, "epochs": 2, "new_epochs": 2}
    ]
    # workshop: three brackets, 15 trials, 30 epochs in all
    schedule = tuning.hyperband_schedule(4, 2)
    assert [(r["bracket"], r["round"], r["models"], r["epochs"]) for r in schedule] == [
        (2, 0, 4, 1),
        (2, 1, 2, 2),
        (2, 2, 1, 4),
        (1, 0, 3, 2),
        (1, 1, 2, 4),
        (0, 0, 3, 4),
    ]
    assert totals(schedule) == (15, 30)
    # full (the Keras Tuner tutorial's setting): 30 trials
    assert totals(tuning.hyperband_schedule(10, 3))[0] == 30
    assert totals(tuning.hyperband_schedule(2, 3, hyperband_iterations=2)) == (4, 8)
    assert totals(tuning.hyperband_schedule(1, 2)) == (1, 1)


def test_schedule_matches_keras_tuner_oracle():
    keras_tuner = pytest.importorskip("keras_tuner")
    for max_epochs, factor in [(2, 3), (4, 2), (10, 3), (27, 3), (5, 2)]:
        oracle = keras_tuner.oracles.HyperbandOracle(objective="val_accuracy", max_epochs=max_epochs, factor=factor)
        expected = [
            (b, r, oracle._get_size(b, r), oracle._get_epochs(b, r))
            for b in reversed(range(oracle._get_num_brackets()))
            for r in range(b + 1)
        ]
        got = [
            (r["bracket"], r["round"], r["models"], r["epochs"]) for r in tuning.hyperband_schedule(max_epochs, factor)
        ]
        assert got == expected, (max_epochs, factor)


@pytest.mark.parametrize(
    "args, message",
    [((0, 3), "max_epochs"), ((4, 1), "factor"), ((4, 2.0), "factor"), ((4, 2, 0), "hyperband_iterations")],
)
def test_schedule_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        tuning.hyperband_schedule(*args)


def test_plot_trials_one_colour_per_learning_rate():
    table = pd.DataFrame(
        {
            "units": [32, 64, 96, 128],
            "learning_rate": [1e-2, 1e-3, 1e-2, 1e-4],
            "epochs": [1, 2, 4, 4],
            "val_accuracy": [0.9, 0.8, 0.95, 0.7],
        }
    )
    fig = tuning.plot_trials(table, title="trials")
    ax = fig.axes[0]
    assert len(ax.collections) == 3
    assert sum(len(c.get_offsets()) for c in ax.collections) == 4
    assert ax.get_xlabel() == "units" and ax.get_ylabel() == "val_accuracy"
    fig = tuning.plot_trials(table, hue=None, size=None)
    assert len(fig.axes[0].collections) == 1


def test_plot_trials_bad_input():
    with pytest.raises(ValueError, match="DataFrame"):
        tuning.plot_trials([{"units": 1}])
    with pytest.raises(ValueError, match="no column"):
        tuning.plot_trials(pd.DataFrame({"units": [1]}))
    with pytest.raises(ValueError, match="no trials"):
        tuning.plot_trials(pd.DataFrame(columns=["units", "val_accuracy", "learning_rate", "epochs"]))
