"""Checks for notebook 03 (tf.data pipelines): the order of a pipeline, a stable split, weights reloaded.

These exercises are about TensorFlow's tf.data, so the checks import TensorFlow (the notebook does too).
The checks hold the notebook's own images (``_held``): the MNIST subset of the active profile, the
notebook's NumPy validation split and its test images. A pipeline is judged by what it yields, compared
with those images, and a model by its predictions on the raw test images.
"""

import collections
import dataclasses
import functools
import hashlib
import math

import numpy as np

from ._core import NotYet, exercise
from ._heldout import data_settings, image_split
from ._judging import given, keras_model, pixel_fingerprints, pixel_rows, require_at_least, require_not_fitted_to_test
from ._predict import outputs_of

NOTEBOOK = "03_tf_data_pipelines"
STEP_NAMES = {
    "parallelmap": "map",
    "map": "map",
    "cache": "cache",
    "shuffle": "shuffle",
    "batch": "batch",
    "paddedbatch": "batch",
    "parallelbatch": "batch",
    "prefetch": "prefetch",
    "repeat": "repeat",
}


@dataclasses.dataclass(frozen=True)
class Held:
    """The notebook's arrays, as its cells 5-7 cut them: raw uint8 images, integer labels."""

    x_train_full: np.ndarray
    y_train_full: np.ndarray
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_val: int
    batch_size: int


@functools.lru_cache(maxsize=4)
def _notebook_arrays(env):
    from ..course import config

    cfg = config.notebook_settings(NOTEBOOK)
    (x_full, y_full), (x_test, y_test) = image_split("load_mnist", NOTEBOOK)
    order = np.random.default_rng(cfg.seed).permutation(len(x_full))
    n_val = int(cfg.validation_fraction * len(x_full))
    val_idx, train_idx = order[:n_val], order[n_val:]
    return Held(
        x_full,
        y_full,
        x_full[train_idx],
        y_full[train_idx],
        x_full[val_idx],
        y_full[val_idx],
        x_test,
        y_test,
        n_val,
        cfg.batch_size,
    )


def _held():
    """The notebook's arrays for the active profile and data settings (the tests replace this)."""
    return _notebook_arrays(data_settings())


def _dataset(value, what):
    import tensorflow as tf

    given(value, what)
    if not isinstance(value, tf.data.Dataset):
        raise NotYet(f"{what} should be a tf.data.Dataset, not a {type(value).__name__}.")
    return value


def pipeline_steps(dataset):
    """Return the steps of a tf.data pipeline from source to output, e.g. ['map', 'cache', 'shuffle', ...].

    Reads the chain of datasets that each transformation wraps; steps that change nothing for the lesson
    (options, private optimisations) are left out.
    """
    steps, node = [], dataset
    while node is not None:
        name = type(node).__name__.strip("_").lower()
        name = name[: -len("dataset")] if name.endswith("dataset") else name
        if name in STEP_NAMES:
            steps.append(STEP_NAMES[name])
        inputs = node._inputs() if hasattr(node, "_inputs") else []
        node = inputs[0] if inputs else None
    return steps[::-1]


def _row_hashes(rows):
    return [hashlib.sha1(row.tobytes()).hexdigest()[:16] for row in rows]


def _labels_by_image(x, y):
    """{image fingerprint: set of its labels} (a set: real data holds a few duplicate images)."""
    table = collections.defaultdict(set)
    for key, label in zip(_row_hashes(pixel_rows(x)), np.asarray(y).reshape(-1)):
        table[key].add(int(label))
    return table


def _image_counts(x):
    """How many times each image (fingerprint) occurs in ``x``."""
    return collections.Counter(_row_hashes(pixel_rows(x)))


@dataclasses.dataclass
class Pass:
    """What one pass over a dataset of (image, label) elements gave: image fingerprints (in order), labels
    and batch sizes (none for single elements)."""

    keys: list
    labels: np.ndarray
    batch_sizes: list

    @property
    def counts(self):
        return collections.Counter(self.keys)


def _read_pass(dataset, what):
    """Read one pass over ``dataset``; NotYet when its pixels are not finite or not in 0..255 / [0, 1]."""
    single = dataset.element_spec[0].shape.rank == 2
    if single:  # single images: read them in batches, for speed
        dataset = dataset.batch(1024)
    keys, labels, sizes = [], [], []
    for images, batch_labels in dataset:
        images = np.asarray(images)
        if images.dtype != np.uint8:
            finite = np.isfinite(images)
            if not finite.all():
                raise NotYet(
                    f"{what} yields NaN or infinite pixels: the scale function divides by zero or "
                    "takes a logarithm. Map a function that turns 0..255 into [0, 1]."
                )
            low, high = float(images.min(initial=0.0)), float(images.max(initial=0.0))
            if low < 0 or high > 1.0 + 1e-6:
                raise NotYet(
                    f"{what} yields pixels outside [0, 1] (from {low:.3g} to {high:.3g}): the scale "
                    "function should turn 0..255 into [0, 1], as the notebook's `scale` does."
                )
        keys.extend(_row_hashes(pixel_rows(images)))
        labels.append(np.asarray(batch_labels).reshape(-1))
        sizes.append(len(images))
    if single:
        sizes = []
    return Pass(keys, np.concatenate(labels) if labels else np.zeros(0, int), sizes)


def _check_images(seen, x_own, y_own, x_test, what, own_name, x_val=None):
    """NotYet unless the images of a pass are images of ``x_own``, each with its own label (no test image,
    and no image of ``x_val``, the notebook's validation images, when given)."""
    test_keys = pixel_fingerprints(x_test)
    own = _labels_by_image(x_own, y_own)
    from_test = sum(key in test_keys and key not in own for key in seen.keys)
    if from_test:
        raise NotYet(
            f"{what} holds {from_test} test images: build it from {own_name}. The test set stays "
            "unseen until the final evaluation."
        )
    if x_val is not None:
        val_keys = pixel_fingerprints(x_val)
        from_val = sum(key in val_keys and key not in own for key in seen.keys)
        if from_val:
            raise NotYet(
                f"{what} holds {from_val} validation images: build it from {own_name} alone, so that "
                "the validation images stay apart from training."
            )
    foreign = sum(key not in own for key in seen.keys)
    if foreign:
        raise NotYet(
            f"{foreign} of the images {what} yields are not images of {own_name}, even scaled: keep "
            "the pixels as they are, apart from the scaling (no flips, crops or other changes), and "
            f"build it from {own_name}."
        )
    mislabelled = sum(int(label) not in own[key] for key, label in zip(seen.keys, seen.labels))
    if mislabelled:
        raise NotYet(
            f"{mislabelled} images of {what} come with another label than their own: keep each image "
            "with its label. Shuffle the (image, label) pairs, never the images and the labels apart, "
            "and leave the labels out of the map's changes."
        )


@exercise("03.1", "put the pipeline in order")
def check_pipeline_order(dataset):
    """A training pipeline over the notebook's x_train: map, cache, shuffle, batch, prefetch; float32 pixels
    in [0, 1], every image once with its label; a new order every epoch."""
    import tensorflow as tf

    dataset = _dataset(dataset, "fixed_ds")
    held = _held()
    n, batch_size = len(held.x_train), held.batch_size
    spec = dataset.element_spec
    if not isinstance(spec, tuple) or len(spec) != 2:
        raise NotYet(
            "each element should be an (images, labels) pair: start from "
            "tf.data.Dataset.from_tensor_slices((x_train, y_train))."
        )
    images, _ = spec
    if images.shape.rank != 3:
        raise NotYet(
            f"the images come out with shape {images.shape}: batch the elements, so that each one is "
            "a batch of 28x28 images."
        )
    if images.dtype != tf.float32:
        raise NotYet(
            f"the images come out as {images.dtype.name}: map the scale function over the elements, "
            "so that the model reads float32 pixels in [0, 1]."
        )
    cardinality = int(dataset.cardinality())
    if cardinality == int(tf.data.INFINITE_CARDINALITY):
        raise NotYet("the dataset is endless (repeat): leave repeat() out here, one pass is one epoch.")
    first = _read_pass(dataset, "fixed_ds")
    _check_images(first, held.x_train, held.y_train, held.x_test, "fixed_ds", "x_train, y_train", held.x_val)
    if first.counts != _image_counts(held.x_train):
        raise NotYet(
            f"one pass gives {len(first.keys)} images, but x_train holds {n}: every training image "
            "should come exactly once per pass. Start from x_train, y_train, and leave out take, skip "
            "and filter."
        )
    expected = math.ceil(n / batch_size)
    if len(first.batch_sizes) != expected or first.batch_sizes[0] != min(batch_size, n):
        raise NotYet(
            f"one pass gives {len(first.batch_sizes)} batches, not the {expected} that batches of "
            f"cfg.batch_size ({batch_size}) give: batch with cfg.batch_size and keep the last, "
            "smaller batch."
        )
    steps = pipeline_steps(dataset)
    for step in ("map", "cache", "shuffle", "batch"):
        if step not in steps:
            raise NotYet(f"the pipeline has no {step} step.")
    where = {step: steps.index(step) for step in ("map", "cache", "shuffle", "batch")}
    if where["batch"] < where["shuffle"]:
        raise NotYet(
            "batch comes before shuffle: shuffle then mixes whole batches, so the same images always "
            "share a batch. Shuffle the single images, then batch them."
        )
    if where["shuffle"] < where["cache"]:
        raise NotYet(
            "cache comes after shuffle: it stores the first epoch's order and replays it in every "
            "later epoch. Cache first, then shuffle."
        )
    if where["cache"] < where["map"]:
        raise NotYet(
            "cache comes before map: it stores the raw images, so the scaling runs again every epoch. "
            "Map first, then cache the result."
        )
    if "prefetch" not in steps:
        raise NotYet(
            "the pipeline has no prefetch step: end it with prefetch, so that tf.data prepares the next "
            "batch while the model trains on this one."
        )
    if steps[-1] != "prefetch":
        raise NotYet(
            "prefetch is not the last step: end the pipeline with prefetch, so that tf.data prepares "
            "the next batch while the model trains on this one."
        )
    second = _read_pass(dataset, "fixed_ds")
    if second.keys == first.keys:
        raise NotYet(
            "two passes give the images in the same order: let shuffle reshuffle every epoch "
            "(its default) and keep cache before it."
        )
    return (
        f"map, cache, shuffle, batch, prefetch: {expected} batches of float32 images in [0, 1], every "
        "training image once with its label, a new order every epoch."
    )


@exercise("03.2", "a validation split that stays put")
def check_stable_split(train_part, val_part):
    """take/skip on a shuffled x_train_full: n_val validation images, the same on every pass, never in the
    training part, every image once with its label, no test image."""
    train_part = _dataset(train_part, "train_part")
    val_part = _dataset(val_part, "val_part")
    held = _held()
    for part, what in ((train_part, "train_part"), (val_part, "val_part")):
        spec = part.element_spec
        if not isinstance(spec, tuple) or len(spec) != 2 or spec[0].shape.rank not in (2, 3):
            raise NotYet(f"the elements of {what} should be (image, label) pairs, or batches of them.")
    val_first = _read_pass(val_part, "val_part")
    train_first = _read_pass(train_part, "train_part")
    if not val_first.keys or not train_first.keys:
        raise NotYet("both parts must hold images: take() some for validation and skip() them for training.")
    for seen, what in ((val_first, "val_part"), (train_first, "train_part")):
        _check_images(seen, held.x_train_full, held.y_train_full, held.x_test, what, "x_train_full, y_train_full")
    val_second = _read_pass(val_part, "val_part")
    train_second = _read_pass(train_part, "train_part")
    if val_first.counts != val_second.counts or train_first.counts != train_second.counts:
        raise NotYet(
            "the parts hold different images on each pass: the shuffle before take/skip reshuffles "
            "every time the dataset is read. Shuffle once, with reshuffle_each_iteration=False."
        )
    everything = _image_counts(held.x_train_full)
    both = val_first.counts + train_first.counts
    shared = sum(
        min(val_first.counts[key], train_first.counts[key]) for key in val_first.counts if both[key] > everything[key]
    )
    if shared:
        raise NotYet(
            f"{shared} validation images also appear in train_part: the split leaks. Shuffle once "
            "(reshuffle_each_iteration=False), then take() the validation part and skip() it for "
            "training."
        )
    if both != everything:
        raise NotYet(
            f"the two parts hold {sum(both.values())} images, x_train_full {len(held.x_train_full)}: "
            "every training image should land in exactly one part, once."
        )
    if len(val_first.keys) != held.n_val:
        raise NotYet(
            f"val_part holds {len(val_first.keys)} images, not n_val ({held.n_val}): take n_val single "
            "elements (before any batch) for validation, and skip the same number for training."
        )
    return (
        f"{len(val_first.keys)} validation and {len(train_first.keys)} training images, the same split on "
        "every pass, no overlap, no test image."
    )


def _rescaling_layers(model):
    import keras

    found = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Rescaling):
            found.append(layer)
        elif isinstance(layer, keras.Model):
            found.extend(_rescaling_layers(layer))
    return found


def _accuracy(model, x, y):
    return float(np.mean(np.argmax(outputs_of(model, x), axis=-1) == np.asarray(y).reshape(-1)))


@exercise("03.3", "raw pixels in, weights out")
def check_reloaded_raw_model(trained, reloaded):
    """A model that rescales raw pixels itself, and a separate evaluation model loaded with its weights,
    scored on the notebook's raw test images (held by the check)."""
    import keras

    trained = keras_model(trained, "raw_model")
    reloaded = keras_model(reloaded, "eval_raw_model")
    if reloaded is trained:
        raise NotYet(
            "eval_raw_model is the trained model itself: build a fresh model of the same "
            "architecture and load the saved weights into it."
        )
    if {id(v) for v in trained.weights} & {id(v) for v in reloaded.weights}:
        raise NotYet(
            "eval_raw_model shares its layers with raw_model, so it is not a separate model: build a "
            "fresh one with build_raw_mlp and load the saved weights into it."
        )
    for model, what in ((trained, "raw_model"), (reloaded, "eval_raw_model")):
        for weight in model.weights:
            values = keras.ops.convert_to_numpy(weight)
            if not np.all(np.isfinite(values)):
                raise NotYet(
                    f"{what}'s weights hold NaN or infinite values: the training diverged. Lower the "
                    "learning rate, check the pipeline's images, and train again."
                )
    layers = _rescaling_layers(trained)
    if not layers:
        raise NotYet(
            "the model has no keras.layers.Rescaling layer: put one right after the input, so that "
            "the model takes raw pixels and carries its own preprocessing."
        )
    edges = np.array([[0.0, 255.0]], "float32")
    scaled = keras.ops.convert_to_numpy(layers[0](edges)).reshape(-1)
    if not (np.isfinite(scaled).all() and np.allclose(scaled, [0.0, 1.0], atol=1e-4)):
        raise NotYet("the Rescaling layer does not turn raw pixels 0..255 into [0, 1]: give it the factor 1 / 255.")
    if trained.count_params() != reloaded.count_params():
        raise NotYet(
            "the evaluation model does not have the trained model's parameters: build it with the same layers."
        )
    held = _held()
    x_test, y_test = held.x_test, held.y_test
    a, b = outputs_of(trained, x_test), outputs_of(reloaded, x_test)
    for outputs, what in ((a, "raw_model"), (b, "eval_raw_model")):
        if not np.all(np.isfinite(outputs)):
            raise NotYet(
                f"{what} gives NaN or infinite outputs on the raw test images: check its layers and train it again."
            )
    if a.shape != b.shape or not np.allclose(a, b, atol=1e-5):
        raise NotYet(
            "the evaluation model's predictions differ from the trained model's: load the saved "
            "weights into it (load_weights) before you evaluate."
        )
    raw_accuracy = float(np.mean(np.argmax(b, axis=-1) == y_test.reshape(-1)))
    prescaled_accuracy = _accuracy(reloaded, x_test.astype("float32") / 255.0, y_test)
    if prescaled_accuracy >= max(raw_accuracy - 0.05, 0.3):
        raise NotYet(
            "the model classifies images scaled to [0, 1] about as well as raw ones, so it was trained "
            "on scaled images and its Rescaling scales them a second time. Train it on the raw uint8 "
            "images (no map in the pipeline) and let the model do the scaling."
        )
    require_not_fitted_to_test(
        raw_accuracy, len(y_test), _accuracy(reloaded, held.x_val, held.y_val), len(held.y_val), "the model"
    )
    return (
        require_at_least(raw_accuracy, "03.3", "the evaluation model's test accuracy on raw pixels")
        + "; same predictions as the trained model."
    )
