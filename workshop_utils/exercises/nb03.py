"""Checks for notebook 03 (tf.data pipelines): the order of a pipeline, a stable split, weights reloaded.

These exercises are about TensorFlow's tf.data, so the checks import TensorFlow (the notebook does too).
"""
import math

import numpy as np

from ._common import check_at_least, fingerprints, given, keras_model
from ._core import NotYet, exercise
from ._predict import outputs_of

STEP_NAMES = {"parallelmap": "map", "map": "map", "cache": "cache", "shuffle": "shuffle", "batch": "batch",
              "paddedbatch": "batch", "parallelbatch": "batch", "prefetch": "prefetch", "repeat": "repeat"}


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
        name = name[:-len("dataset")] if name.endswith("dataset") else name
        if name in STEP_NAMES:
            steps.append(STEP_NAMES[name])
        inputs = node._inputs() if hasattr(node, "_inputs") else []
        node = inputs[0] if inputs else None
    return steps[::-1]


def _label_order(dataset):
    """Labels of one full pass over a dataset of (image, label) batches, in the order they come."""
    return np.concatenate([np.asarray(labels).reshape(-1) for _, labels in dataset])


@exercise("03.1", "put the pipeline in order")
def check_pipeline_order(dataset, x_train, batch_size):
    """A training pipeline: map, cache, shuffle, batch, prefetch; float batches; a new order every epoch."""
    import tensorflow as tf

    dataset = _dataset(dataset, "fixed_ds")
    n = len(given(x_train, "x_train"))
    spec = dataset.element_spec
    if not isinstance(spec, tuple) or len(spec) != 2:
        raise NotYet("each element should be an (images, labels) pair: start from "
                     "tf.data.Dataset.from_tensor_slices((x_train, y_train)).")
    images, _ = spec
    if images.shape.rank != 3:
        raise NotYet(f"the images come out with shape {images.shape}: batch the elements, so that each one is "
                     "a batch of 28x28 images.")
    if images.dtype != tf.float32:
        raise NotYet(f"the images come out as {images.dtype.name}: map the scale function over the elements, "
                     "so that the model reads float32 pixels in [0, 1].")
    cardinality = int(dataset.cardinality())
    if cardinality == int(tf.data.INFINITE_CARDINALITY):
        raise NotYet("the dataset is endless (repeat): leave repeat() out here, one pass is one epoch.")
    expected = math.ceil(n / batch_size)
    if cardinality >= 0 and cardinality != expected:
        direction = "fewer" if cardinality < expected else "more"
        raise NotYet(f"the dataset has {direction} batches than one pass over x_train in batches of "
                     f"{batch_size} gives: batch every training image once, and keep the last, smaller batch.")
    steps = pipeline_steps(dataset)
    for step in ("map", "cache", "shuffle", "batch"):
        if step not in steps:
            raise NotYet(f"the pipeline has no {step} step.")
    where = {step: steps.index(step) for step in ("map", "cache", "shuffle", "batch")}
    if where["batch"] < where["shuffle"]:
        raise NotYet("batch comes before shuffle: shuffle then mixes whole batches, so the same images always "
                     "share a batch. Shuffle the single images, then batch them.")
    if where["shuffle"] < where["cache"]:
        raise NotYet("cache comes after shuffle: it stores the first epoch's order and replays it in every "
                     "later epoch. Cache first, then shuffle.")
    if where["cache"] < where["map"]:
        raise NotYet("cache comes before map: it stores the raw images, so the scaling runs again every epoch. "
                     "Map first, then cache the result.")
    if "prefetch" not in steps:
        raise NotYet("the pipeline has no prefetch step: end it with prefetch, so that tf.data prepares the next "
                     "batch while the model trains on this one.")
    if steps[-1] != "prefetch":
        raise NotYet("prefetch is not the last step: end the pipeline with prefetch, so that tf.data prepares "
                     "the next batch while the model trains on this one.")
    first, second = _label_order(dataset), _label_order(dataset)
    if len(first) != n:
        raise NotYet(f"one pass gives {len(first)} images, not the {n} of x_train.")
    if np.array_equal(first, second):
        raise NotYet("two passes give the images in the same order: let shuffle reshuffle every epoch "
                     "(its default) and keep cache before it.")
    return (f"map, cache, shuffle, batch, prefetch: {cardinality} batches of float32 images, a new order "
            "every epoch.")


def _image_batches(dataset):
    """Yield the images of a dataset of (image, label) elements, batched or not, as uint8 NumPy arrays."""
    images_spec = dataset.element_spec[0]
    if images_spec.shape.rank == 2:
        dataset = dataset.batch(4096)
    for images, _ in dataset:
        images = np.asarray(images)
        if images.dtype != np.uint8:  # scaled pixels: back to bytes, so they compare with x_train_full
            images = np.rint(images * 255 if images.max() <= 1.0 else images).astype(np.uint8)
        yield images


def _fingerprints_of(dataset):
    found, count = set(), 0
    for images in _image_batches(dataset):
        found |= fingerprints(images)
        count += len(images)
    return found, count


@exercise("03.2", "a validation split that stays put")
def check_stable_split(train_part, val_part, x_train_full):
    """take/skip on a shuffled dataset: the same validation images every pass, never in the training part."""
    train_part = _dataset(train_part, "train_part")
    val_part = _dataset(val_part, "val_part")
    everything = fingerprints(given(x_train_full, "x_train_full"))
    for part, what in ((train_part, "train_part"), (val_part, "val_part")):
        spec = part.element_spec
        if not isinstance(spec, tuple) or len(spec) != 2 or spec[0].shape.rank not in (2, 3):
            raise NotYet(f"the elements of {what} should be (image, label) pairs, or batches of them.")
    val_first, n_val = _fingerprints_of(val_part)
    val_second, _ = _fingerprints_of(val_part)
    train_first, n_train = _fingerprints_of(train_part)
    if not n_val or not n_train:
        raise NotYet("both parts must hold images: take() some for validation and skip() them for training.")
    if not val_first <= everything:
        raise NotYet("val_part holds images that are not in x_train_full: split the training images, and "
                     "leave the test set alone.")
    if val_first != val_second:
        raise NotYet("val_part holds different images on each pass: the shuffle before take/skip reshuffles "
                     "every time the dataset is read. Shuffle once, with reshuffle_each_iteration=False.")
    shared = len(train_first & val_first)
    if shared:
        raise NotYet(f"{shared} validation images also appear in train_part: the split leaks. Shuffle once "
                     "(reshuffle_each_iteration=False), then take() the validation part and skip() it for "
                     "training.")
    if n_val + n_train != len(x_train_full):
        raise NotYet(f"the two parts hold {n_val + n_train} images, x_train_full {len(x_train_full)}: every "
                     "training image should land in exactly one part.")
    return f"{n_val} validation and {n_train} training images, the same split on every pass, no overlap."


def _has_rescaling(model):
    import keras

    for layer in model.layers:
        if isinstance(layer, keras.layers.Rescaling):
            return True
        if isinstance(layer, keras.Model) and _has_rescaling(layer):
            return True
    return False


@exercise("03.3", "raw pixels in, weights out")
def check_reloaded_raw_model(trained, reloaded, x_test, y_test):
    """A model that rescales raw pixels itself, and a separate evaluation model loaded with its weights."""
    trained = keras_model(trained, "raw_model")
    reloaded = keras_model(reloaded, "eval_raw_model")
    x_test = np.asarray(given(x_test, "x_test"))
    y_test = np.asarray(given(y_test, "y_test")).reshape(-1)
    if x_test.dtype != np.uint8:
        raise NotYet("pass the raw test images (uint8, 0..255): the model is meant to scale them itself.")
    if reloaded is trained:
        raise NotYet("eval_raw_model is the trained model itself: build a fresh model of the same "
                     "architecture and load the saved weights into it.")
    if not _has_rescaling(trained):
        raise NotYet("the model has no keras.layers.Rescaling layer: put one right after the input, so that "
                     "the model takes raw pixels and carries its own preprocessing.")
    if trained.count_params() != reloaded.count_params():
        raise NotYet("the evaluation model does not have the trained model's parameters: build it with the "
                     "same layers.")
    sample = x_test[:256]
    a = outputs_of(trained, sample)
    b = outputs_of(reloaded, sample)
    if a.shape != b.shape or not np.allclose(a, b, atol=1e-5):
        raise NotYet("the evaluation model's predictions differ from the trained model's: load the saved "
                     "weights into it (load_weights) before you evaluate.")
    accuracy = np.mean(np.argmax(outputs_of(reloaded, x_test), axis=-1) == y_test)
    return check_at_least(accuracy, "03.3", "the evaluation model's test accuracy on raw pixels") + \
        "; same predictions as the trained model."
