"""Data the checks hold themselves, loaded and cut as the notebooks cut it.

A check that scores a learner's model on data the learner passes cannot tell the test set from a copy of
the training set. So the checks load the notebook's own splits here, with the active profile's sizes and
seed, and score models on them; the learner hands over the model (or a function that trains one).
"""

import functools
import os

from .. import datasets, preprocessing
from ..course import config

_DATA_SETTINGS = ("WORKSHOP_PROFILE", "WORKSHOP_DATA_MIRROR", "WORKSHOP_DATA_CACHE", "WORKSHOP_OFFLINE")


def data_settings():
    """What decides which data a loader returns; part of the cache key, so a changed setting reloads."""
    return tuple(os.environ.get(name, "") for name in _DATA_SETTINGS)


@functools.lru_cache(maxsize=8)
def _image_split(loader, notebook, train_key, test_key, env):
    cfg = config.notebook_settings(notebook)
    (x_train, y_train), (x_test, y_test) = getattr(datasets, loader)()
    train = preprocessing.stratified_subset(x_train, y_train, cfg[train_key], seed=cfg.seed)
    test = preprocessing.stratified_subset(x_test, y_test, cfg[test_key], seed=cfg.seed)
    return train, test


def image_split(loader, notebook, train_key="train_size", test_key="test_size"):
    """Return the raw uint8 ``((x_train, y_train), (x_test, y_test))`` a notebook uses in the active profile.

    Args:
        loader: the name of a loader in ``workshop_utils.datasets``, e.g. ``"load_mnist"``.
        notebook: the notebook's name, whose settings give the subset sizes and the seed.
        train_key, test_key: the settings that hold the two sizes (e.g. ``"mnist_train_size"``).
    """
    return _image_split(loader, notebook, train_key, test_key, data_settings())


def mlp_rows(images):
    """Flatten and scale raw images as the MLP notebooks do: float32 rows in [0, 1]."""
    return preprocessing.scale_images(preprocessing.flatten_images(images))
