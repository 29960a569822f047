from workshop_utils import plotting

import matplotlib.pyplot as plt
import numpy as np
import pytest


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_plot_history_draws_train_and_validation():
    fig = plotting.plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8]})
    assert len(fig.axes) == 2
    assert len(fig.axes[0].lines) == 2 and len(fig.axes[1].lines) == 1


def test_plot_history_bad_input():
    with pytest.raises(ValueError, match="None of"):
        plotting.plot_history({"loss": [1.0]}, metrics=("accuracy",))
    with pytest.raises(ValueError, match="History"):
        plotting.plot_history([1, 2, 3])


def test_image_grid_marks_wrong_predictions_red():
    images = np.zeros((4, 8, 8), np.uint8)
    fig = plotting.plot_image_grid(images, [0, 1, 2, 3], [0, 1, 2, 0], class_names="abcd", columns=4)
    colors = [ax.title.get_color() for ax in fig.axes]
    assert colors == ["black", "black", "black", "red"]
    with pytest.raises(ValueError, match="labels"):
        plotting.plot_image_grid(images, [0, 1])
    with pytest.raises(ValueError, match="shape"):
        plotting.plot_image_grid(np.zeros((4, 64)), [0, 1, 2, 3])


def test_confusion_matrix_counts():
    fig = plotting.plot_confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], ["a", "b", "c"])
    np.testing.assert_array_equal(fig.matrix, [[1, 0, 0], [0, 1, 1], [0, 0, 1]])
    with pytest.raises(ValueError, match="predictions"):
        plotting.plot_confusion_matrix([0, 1], [0], ["a", "b"])
    with pytest.raises(ValueError, match="class names"):
        plotting.plot_confusion_matrix([0, 5], [0, 1], ["a", "b"])


def test_forecast_plot():
    fig = plotting.plot_forecast(np.arange(5), [5, 6], {"model": [5.1, 6.2], "naive": [4, 4]})
    assert len(fig.axes[0].lines) == 4
    with pytest.raises(ValueError, match="expected 2"):
        plotting.plot_forecast(np.arange(5), [5, 6], [1, 2, 3])
