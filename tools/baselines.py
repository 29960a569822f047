"""What a model that learned nothing scores on the data each notebook uses, per profile.

A target that such a model reaches is no target: a classifier that always answers the most frequent class
of the test data, or guesses, and a forecast of "same as last month" (or the best of the other simple
forecasts) learn nothing. For every self-check target (``config.TARGETS``) and exercise target
(``config.EXERCISE_TARGETS``) this module works out that figure from the labels or series the profile
really uses, stand-ins included, and the figure a target must clear:

* accuracy: the larger of chance and the majority-class share, plus two standard errors of a guess on that
  many test examples (so that luck alone passes less than about 2 % of the time);
* error ratios: the best trivial forecast's ratio; a target must lie below it.

``python tools/baselines.py`` prints the table; ``tests/test_targets.py`` fails when a target does
not clear its figure.
"""

import functools
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's workshop_utils

from workshop_utils import datasets, forecasting, preprocessing
from workshop_utils.course import config, paths, standins

# Targets that are not "how well did it learn": the gap between the notebook's own train_step and fit's
# is an equivalence (0 when both learned nothing too); the same notebook's accuracy target covers learning.
NOT_A_LEARNING_TARGET = {
    ("10_custom_training", "max_metric_gap_vs_fit"): "the gap between two training loops that must agree",
    # The GAN's figures judge images, not a classifier's answers: what a generator that learned nothing makes
    # (noise, blank images, repeated digits, copies of training images) is fed to the judge in tests/test_gan.py,
    # which fails it against the workshop and full targets of config.TARGETS.
    **{
        ("10_custom_training", f"gan_{name}"): "generated images: tests/test_gan.py fails noise and copies"
        for name in ("classes_covered", "confident_share", "diversity", "novelty")
    },
}


@dataclass
class Baseline:
    """The no-learning figure of one target for one profile and one source of data."""

    kind: str  # "accuracy" (a target must be above bar) or "ratio" (below bar)
    value: float  # what a model that learned nothing gets
    bar: float  # what a target must clear
    examples: int  # how many test examples (or months) the figure rests on
    data: str  # "real" or "stand-in"
    what: str  # in words


def accuracy_baseline(labels, classes, data):
    """The no-learning accuracy on these test labels: max(chance, majority share), and the bar above it."""
    labels = np.asarray(labels).reshape(-1)
    majority = float(np.bincount(labels.astype(int)).max() / len(labels))
    value = max(1.0 / classes, majority)
    bar = value + 2 * math.sqrt(value * (1 - value) / len(labels))
    what = f"majority share {majority:.3f}, chance {1 / classes:.3f}, {len(labels)} test examples"
    return Baseline("accuracy", value, bar, len(labels), data, what)


def ratio_baseline(value, examples, data, what):
    """A ratio target must lie below the best trivial forecast's ratio ``value``."""
    return Baseline("ratio", float(value), float(value), examples, data, what)


# ---- the data each notebook uses ---------------------------------------------------------------------


def _standin_labels(name):
    """The test labels of a stand-in image set, as its loader returns them."""
    return standins.labels(name)[1]


@functools.cache
def _real_labels(name):
    """(train labels, test labels) of a real image dataset, or None when it is not available here.

    Cached: reading CIFAR-10's archive takes about a second, and each of its targets asks for it.
    """
    try:
        files = datasets.dataset_files(name, allow_download=False)
    except datasets.DatasetUnavailable:
        return None
    (_, y_train), (_, y_test) = datasets.arrays_from(name, files)
    return y_train, y_test


def _real_test_labels(name):
    """The real test labels of an image dataset, or None when it is not available here."""
    labels = _real_labels(name)
    return None if labels is None else labels[1]


def _image_sources(name):
    """[(data, test labels)] for each source a profile may use: the real data where available, the stand-in."""
    sources = []
    real = _real_test_labels(name)
    if real is not None:
        sources.append(("real", real))
    elif name == "fashion_mnist":  # not here, but Zalando's test split holds exactly 1,000 images per class
        sources.append(("real", np.repeat(np.arange(10), 1000)))
    sources.append(("stand-in", _standin_labels(name)))
    return sources


def _subset(labels, size, seed=config.SEED):
    return preprocessing.stratified_subset(np.zeros((len(labels), 1)), np.asarray(labels), size, seed=seed)[1]


def image_accuracy(name, notebook, size_key, classes=10, transform=None):
    """Baselines of an accuracy measured on a stratified test subset of an image dataset."""

    def baselines(profile):
        size = config.notebook_settings(notebook, profile)[size_key]
        found = []
        for data, labels in _image_sources(name):
            if data == "stand-in" and profile != "smoke":
                continue  # only smoke runs ever use a stand-in
            subset = _subset(labels, size).reshape(-1)
            found.append(accuracy_baseline(transform(subset) if transform else subset, classes, data))
        return found

    return baselines


def validation_accuracy(name, notebook):
    """Baselines of notebook 05's validation accuracy: its validation part is split off the training subset."""

    def baselines(profile):
        from sklearn.model_selection import train_test_split

        cfg = config.notebook_settings(notebook, profile)
        found = []
        for data, _ in _image_sources(name):
            if data == "stand-in" and profile != "smoke":
                continue
            if data == "real":
                train_labels = _real_labels(name)[0]
            else:
                train_labels = standins.labels(name)[0]
            labels = _subset(train_labels, cfg.train_size).reshape(-1)
            _, val = train_test_split(labels, test_size=cfg.validation_size, stratify=labels, random_state=cfg.seed)
            found.append(accuracy_baseline(val, 10, data))
        return found

    return baselines


def sklearn_accuracy(loader):
    """Baselines of notebook 01's classifiers: the stratified 20 % test split of a scikit-learn dataset."""

    def baselines(profile):
        import sklearn.datasets
        from sklearn.model_selection import train_test_split

        data = getattr(sklearn.datasets, loader)()
        _, test = train_test_split(data.target, test_size=0.2, stratify=data.target, random_state=config.SEED)
        return [accuracy_baseline(test, len(data.target_names), "real")]

    return baselines


def diabetes_ratio(profile):
    """Exercise 01.3's ratio: test MAE over the MAE of always predicting the training mean. The best constant
    a model that learned nothing can answer is the training mean or the training median."""
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split

    x, y = load_diabetes(return_X_y=True, scaled=False)
    _, _, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=config.SEED)
    mae = {
        name: float(np.mean(np.abs(y_test - value)))
        for name, value in (("mean", y_train.mean()), ("median", np.median(y_train)))
    }
    best = min(mae.values()) / mae["mean"]
    return [ratio_baseline(best, len(y_test), "real", "the training median or mean, predicted for every patient")]


def imdb_accuracy(notebook, size_key):
    """Baselines of an accuracy on notebook 09's test reviews: the first `size` of the seeded shuffled files."""

    def baselines(profile):
        cfg = config.notebook_settings(notebook, profile)
        size = cfg[size_key]
        return [
            accuracy_baseline(labels if size is None else labels[:size], 2, data)
            for data, labels in _imdb_test_labels(cfg.seed, profile == "smoke")
        ]

    return baselines


@functools.cache
def _imdb_test_labels(seed, with_standin):
    """(source, labels of the test reviews in the loader's seeded order) for the real data and the stand-in.

    Cached: indexing 25,000 files and checking the archive's checksum is the slow part, and the targets of
    09's self-checks and exercises, in every profile, all read the same labels.
    """
    from keras.src.utils import dataset_utils

    roots = []
    try:
        if datasets.availability("imdb_reviews") in ("cached", "mirror"):
            roots.append(("real", datasets.load_imdb_reviews()))
    except datasets.DatasetUnavailable:
        pass
    if with_standin:
        roots.append(("stand-in", standins.imdb_folder(_standin_folder())))
    found = []
    for data, root in roots:
        _, labels, _ = dataset_utils.index_directory(
            root / "test", "inferred", formats=(".txt",), class_names=["neg", "pos"], seed=seed, verbose=False
        )
        found.append((data, np.asarray(labels)))
    return tuple(found)


def _standin_folder():
    return paths.artifacts_dir("standins")


def series_ratio(profile):
    """Notebook 07's ratios (its self-check and exercise 07.3): the test RMSE on the membrane recording over the
    lower of the naive and drift forecasts' RMSE. A model that learned nothing answers one of the trivial
    forecasts: naive, drift, or the mean of the last few values; the best of them, over that reference, is the
    ratio a target must lie below. The recording ships with matplotlib, so every profile uses the real data."""
    cfg = config.notebook_settings("07_recurrent_networks", profile)
    data = forecasting.membrane_windows(cfg.membrane_step, cfg.membrane_fractions, cfg.membrane_window)
    actual = data.values[data.test]
    simple = forecasting.simple_forecasts(data.values, data.test, data.validation_end, season=None)
    reference = min(forecasting.rmse(forecast, actual) for forecast in simple.values())
    trivial = {name: forecasting.rmse(forecast, actual) for name, forecast in simple.items()}
    for length in (2, 5, 10, 50):
        trivial[f"mean of the last {length}"] = forecasting.rmse(
            forecasting.mean_forecast(data.values, data.test, length), actual
        )
    best = min(trivial, key=trivial.get)
    what = (
        f"{best} is the best trivial forecast (naive, drift, the mean of the last 2-50 values) of the "
        f"{len(data.test)} test steps"
    )
    return [ratio_baseline(trivial[best] / reference, len(data.test), "real", what)]


def _even(labels):
    return (np.asarray(labels) % 2 == 0).astype(int)


# (notebook, metric) or exercise id -> how to work out its baselines for a profile
BASELINES = {
    ("01_anatomy_of_a_keras_program", "iris_test_accuracy"): sklearn_accuracy("load_iris"),
    ("01_anatomy_of_a_keras_program", "cancer_test_accuracy"): sklearn_accuracy("load_breast_cancer"),
    ("02_mlp_fashion_mnist", "test_accuracy"): image_accuracy("fashion_mnist", "02_mlp_fashion_mnist", "test_size"),
    ("02_mlp_fashion_mnist", "mnist_test_accuracy"): image_accuracy("mnist", "02_mlp_fashion_mnist", "test_size"),
    ("03_tf_data_pipelines", "test_accuracy"): image_accuracy("mnist", "03_tf_data_pipelines", "test_size"),
    ("04_tensorboard", "test_accuracy"): image_accuracy("mnist", "04_tensorboard", "test_size"),
    ("05_checkpoints_and_saving", "test_accuracy"): image_accuracy("mnist", "05_checkpoints_and_saving", "test_size"),
    ("06_convolutional_networks", "mnist_test_accuracy"): image_accuracy(
        "mnist", "06_convolutional_networks", "mnist_test_size"
    ),
    ("06_convolutional_networks", "cifar10_test_accuracy"): image_accuracy(
        "cifar10", "06_convolutional_networks", "cifar_test_size"
    ),
    ("06_convolutional_networks", "cifar10_recipe_test_accuracy"): image_accuracy(
        "cifar10", "06_convolutional_networks", "cifar_test_size"
    ),
    ("07_recurrent_networks", "membrane_rmse_vs_best_simple"): series_ratio,
    ("08_functional_api", "digit_test_accuracy"): image_accuracy("mnist", "08_functional_api", "test_size"),
    ("08_functional_api", "even_test_accuracy"): image_accuracy(
        "mnist", "08_functional_api", "test_size", classes=2, transform=_even
    ),
    ("09_text_classification", "test_accuracy"): imdb_accuracy("09_text_classification", "test_size"),
    ("09_text_classification", "sequence_test_accuracy"): imdb_accuracy("09_text_classification", "test_size"),
    ("10_custom_training", "test_accuracy"): image_accuracy("mnist", "10_custom_training", "test_size"),
    ("11_hyperparameter_tuning", "test_accuracy"): image_accuracy("mnist", "11_hyperparameter_tuning", "test_size"),
    ("12_gpus_and_distribution", "mirrored_test_accuracy"): image_accuracy(
        "mnist", "12_gpus_and_distribution", "test_size"
    ),
    "01.1": sklearn_accuracy("load_breast_cancer"),
    "01.2": sklearn_accuracy("load_iris"),
    "01.3": diabetes_ratio,
    "02.1": image_accuracy("fashion_mnist", "02_mlp_fashion_mnist", "test_size"),
    "02.2": image_accuracy("fashion_mnist", "02_mlp_fashion_mnist", "test_size"),
    "03.3": image_accuracy("mnist", "03_tf_data_pipelines", "test_size"),
    "05.1": validation_accuracy("mnist", "05_checkpoints_and_saving"),
    "05.2": image_accuracy("mnist", "05_checkpoints_and_saving", "test_size"),
    "06.1": image_accuracy("mnist", "06_convolutional_networks", "mnist_test_size"),
    "07.3": series_ratio,
    "08.2": lambda profile: (
        image_accuracy("mnist", "08_functional_api", "test_size")(profile)
        + image_accuracy("mnist", "08_functional_api", "test_size", 2, _even)(profile)
    ),
    "09.1": imdb_accuracy("09_text_classification", "test_size"),
    "09.2": imdb_accuracy("09_text_classification", "test_size"),
    "11.2": image_accuracy("mnist", "11_hyperparameter_tuning", "test_size"),
}


def target_of(key, profile):
    """Return (direction, target) of a self-check metric (notebook, metric) or an exercise id."""
    if isinstance(key, tuple):
        return config.TARGETS[key[0]][key[1]][0], config.TARGETS[key[0]][key[1]][1][profile]
    direction = "max" if key in config.EXERCISE_RATIO_TARGETS else "min"
    return direction, config.EXERCISE_TARGETS[key][profile]


def all_targets():
    """Every target key: (notebook, metric) for the self-checks, then the exercise ids."""
    keys = [(notebook, metric) for notebook, metrics in config.TARGETS.items() for metric in metrics]
    return keys + list(config.EXERCISE_TARGETS)


def clears(key, profile, baseline):
    """True when the target of ``key`` in ``profile`` clears this baseline's bar."""
    direction, target = target_of(key, profile)
    if baseline.kind == "accuracy":
        return direction == "min" and target > baseline.bar
    return direction == "max" and target < baseline.bar


def table():
    """Rows (key, profile, target, baseline) for every target and every source of data."""
    rows = []
    for key in all_targets():
        if key in NOT_A_LEARNING_TARGET:
            continue
        for profile in config.PROFILES:
            for baseline in BASELINES[key](profile):
                rows.append((key, profile, target_of(key, profile)[1], baseline))
    return rows


def main():
    os.environ.setdefault("WORKSHOP_PROFILE", "smoke")
    failed = 0
    for key, profile, target, baseline in table():
        name = key if isinstance(key, str) else f"{key[0][:2]} {key[1]}"
        ok = clears(key, profile, baseline)
        failed += not ok
        relation = ">" if baseline.kind == "accuracy" else "<"
        print(
            f"{'ok ' if ok else 'LOW'} {name:38s} {profile:8s} {baseline.data:8s} target {target:<7} must be "
            f"{relation} {baseline.bar:.4f} ({baseline.what})"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
