from workshop_utils import preprocessing as pp

import numpy as np
import pytest


def test_flatten_images():
    assert pp.flatten_images(np.zeros((5, 28, 28), np.uint8)).shape == (5, 784)
    assert pp.flatten_images(np.zeros((2, 32, 32, 3), np.uint8)).shape == (2, 3072)
    with pytest.raises(ValueError, match=r"\(n, height, width"):
        pp.flatten_images(np.zeros((5, 784)))
    with pytest.raises(ValueError, match="NumPy array"):
        pp.flatten_images([[1, 2]])


def test_scale_images():
    x = pp.scale_images(np.array([[0, 255]], np.uint8))
    assert x.dtype == np.float32 and x.min() == 0.0 and x.max() == 1.0
    with pytest.raises(ValueError, match="uint8"):
        pp.scale_images(x)


def test_one_hot():
    y = pp.one_hot(np.array([0, 2, 1]), 3)
    np.testing.assert_array_equal(y, np.eye(3, dtype="float32")[[0, 2, 1]])
    assert pp.one_hot(np.array([[1], [0]]), 2).shape == (2, 2)
    with pytest.raises(ValueError, match="integer"):
        pp.one_hot(np.array([0.0, 1.0]), 2)
    with pytest.raises(ValueError, match="0..2"):
        pp.one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match="shape"):
        pp.one_hot(np.zeros((2, 3), int), 3)


def test_window_series_shifted_targets():
    x, y = pp.window_series(np.arange(10), window=3)
    assert x.shape == (7, 3, 1) and y.shape == (7, 3, 1)
    np.testing.assert_array_equal(x[0, :, 0], [0, 1, 2])
    np.testing.assert_array_equal(y[0, :, 0], [1, 2, 3])
    np.testing.assert_array_equal(y[-1, :, 0], [7, 8, 9])


def test_window_series_horizon():
    x, y = pp.window_series(np.arange(10), window=4, horizon=2)
    assert x.shape == (5, 4, 1) and y.shape == (5, 2, 1)
    np.testing.assert_array_equal(y[0, :, 0], [4, 5])
    np.testing.assert_array_equal(y[-1, :, 0], [8, 9])


@pytest.mark.parametrize(
    "args",
    [
        dict(series=np.zeros((3, 2)), window=2),
        dict(series=np.arange(5), window=0),
        dict(series=np.arange(5), window=5),
        dict(series=np.arange(5), window=2, horizon=0),
    ],
)
def test_window_series_bad_input(args):
    with pytest.raises(ValueError):
        pp.window_series(**args)


def test_stratified_subset_keeps_class_balance_and_is_seeded():
    y = np.repeat(np.arange(10), [100, 200, 100, 100, 100, 100, 100, 100, 50, 50])
    x = np.arange(len(y))
    xs, ys = pp.stratified_subset(x, y, 100, seed=1)
    assert len(xs) == 100
    counts = np.bincount(ys, minlength=10)
    assert counts[1] == 2 * counts[0] and counts[8] == counts[0] // 2
    np.testing.assert_array_equal(y[xs], ys)  # pairs stay together
    assert np.all(np.diff(xs) > 0)  # original order
    np.testing.assert_array_equal(pp.stratified_subset(x, y, 100, seed=1)[0], xs)
    assert not np.array_equal(pp.stratified_subset(x, y, 100, seed=2)[0], xs)


def test_stratified_subset_none_keeps_everything_and_column_labels_work():
    x, y = np.zeros((30, 2)), (np.arange(30) % 3).reshape(-1, 1)
    assert pp.stratified_subset(x, y, None)[0] is x
    xs, ys = pp.stratified_subset(x, y, 9)
    assert ys.shape == (9, 1) and sorted(np.bincount(ys[:, 0])) == [3, 3, 3]


def test_stratified_subset_bad_input():
    with pytest.raises(ValueError, match="same length"):
        pp.stratified_subset(np.zeros(3), np.zeros(4, int), 2)
    with pytest.raises(ValueError, match="smaller than the number of classes"):
        pp.stratified_subset(np.zeros(10), np.arange(10), 5)
