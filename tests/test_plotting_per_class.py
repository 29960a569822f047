"""The per-class accuracy bar chart (notebook 06)."""

import matplotlib

matplotlib.use("Agg")
from workshop_utils import plotting

import matplotlib.pyplot as plt
import numpy as np
import pytest


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_per_class_accuracy_values_and_bars():
    fig = plotting.plot_per_class_accuracy([0, 0, 1, 1, 2, 2], [[0], [1], [1], [1], [0], [2]], ["a", "b", "c", "d"])
    np.testing.assert_allclose(fig.accuracies[:3], [0.5, 1.0, 0.5])
    assert np.isnan(fig.accuracies[3])  # no example of class "d"
    assert len(fig.axes[0].patches) == 4


def test_per_class_accuracy_bad_input():
    with pytest.raises(ValueError, match="predictions"):
        plotting.plot_per_class_accuracy([0, 1], [0], ["a", "b"])
    with pytest.raises(ValueError, match="class names"):
        plotting.plot_per_class_accuracy([0, 2], [0, 1], ["a", "b"])
