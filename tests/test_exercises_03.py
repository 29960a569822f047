"""Exercises of notebook 03: the order of a pipeline (03.1), a stable split (03.2), reloaded weights (03.3).

The checks hold the notebook's images; here they hold tiny ones instead (``held``, patched in for every
test), so that the right answers and the wrong ones run in a second. Notebook 03 is about tf.data, a
TensorFlow feature: these tests run under the TensorFlow backend.
"""

import tempfile
from pathlib import Path

import workshop_utils  # noqa: F401  (first: it loads Keras quietly)
from workshop_utils import exercises
from workshop_utils.course import backends, config
from workshop_utils.exercises import nb03
from workshop_utils.exercises._core import ExerciseNotPassed

import keras
import numpy as np
import pytest
from exercise_helpers import wrong

tf = pytest.importorskip("tensorflow")
pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow",
    reason=backends.skip_reason("03_tf_data_pipelines") or "",
)

AUTOTUNE = tf.data.AUTOTUNE
BATCH = 8
N_VAL = 20


def images(count=60, seed=0):
    """Raw uint8 images whose class k lights up pixel (0, k); every image is different."""
    rng = np.random.default_rng(seed)
    y = (np.arange(count) % 10).astype("uint8")
    x = rng.integers(0, 50, size=(count, 28, 28), dtype=np.uint8)
    x[np.arange(count), 0, y] = 255
    return x, y


def held_arrays():
    """What the checks hold, in small: 102 training images (20 for validation), 30 test images. The test
    images also light up pixel (1, k), so that a model that learned them apart shows it."""
    x_full, y_full = images(102)
    order = np.random.default_rng(0).permutation(len(x_full))
    val_idx, train_idx = order[:N_VAL], order[N_VAL:]
    x_test, y_test = images(30, seed=9)
    x_test[np.arange(30), 1, y_test] = 255
    return nb03.Held(
        x_train_full=x_full,
        y_train_full=y_full,
        x_train=x_full[train_idx],
        y_train=y_full[train_idx],
        x_val=x_full[val_idx],
        y_val=y_full[val_idx],
        x_test=x_test,
        y_test=y_test,
        n_val=N_VAL,
        batch_size=BATCH,
    )


HELD = held_arrays()


@pytest.fixture(autouse=True)
def held(monkeypatch):
    monkeypatch.setattr(nb03, "_held", lambda: HELD)
    return HELD


def scale(image, label):
    return tf.cast(image, tf.float32) / 255.0, label


def scale_to_nan(image, label):
    """A broken scale function: 0 / 0 gives NaN, anything else / 0 infinity."""
    return tf.cast(image, tf.float32) / 0.0, label


def scale_to_signed(image, label):
    """Pixels in [-1, 1]: not what the exercise's scale function does."""
    return tf.cast(image, tf.float32) / 127.5 - 1.0, label


def upside_down(image, label):
    """Scales, then turns the digit upside down: a 6 becomes a 9, but the label stays 6."""
    return tf.reverse(tf.cast(image, tf.float32) / 255.0, axis=[0]), label


def source(x, y):
    return tf.data.Dataset.from_tensor_slices((x, y))


# --- 03.1 ----------------------------------------------------------------------------------------------


def good_pipeline(x=None, y=None, scale_function=scale):
    x = HELD.x_train if x is None else x
    y = HELD.y_train if y is None else y
    return (
        source(x, y)
        .map(scale_function, num_parallel_calls=AUTOTUNE)
        .cache()
        .shuffle(len(x), seed=1)
        .batch(BATCH)
        .prefetch(AUTOTUNE)
    )


def labels_apart():
    """Images and labels shuffled as two separate datasets: each image gets another image's label."""
    images_ds = tf.data.Dataset.from_tensor_slices(HELD.x_train).shuffle(100, seed=1)
    labels_ds = tf.data.Dataset.from_tensor_slices(HELD.y_train).shuffle(100, seed=2)
    return (
        tf.data.Dataset.zip((images_ds, labels_ds))
        .map(scale)
        .cache()
        .shuffle(100, seed=3)
        .batch(BATCH)
        .prefetch(AUTOTUNE)
    )


def test_03_1_right_order_passes():
    verdict = exercises.check("03.1", good_pipeline(), strict=True)
    assert verdict.passed and "a new order every epoch" in verdict.message


def test_03_1_pipeline_steps_are_read_in_order():
    assert nb03.pipeline_steps(good_pipeline()) == ["map", "cache", "shuffle", "batch", "prefetch"]


def test_03_1_not_started_and_not_a_dataset():
    assert exercises.check("03.1", None).status == "not started"
    verdict = exercises.check("03.1", HELD.x_train)
    assert verdict.status == "not yet" and "should be a tf.data.Dataset" in verdict.message


def test_03_1_the_broken_pipeline_of_the_notebook():
    broken = source(HELD.x_train, HELD.y_train).map(scale).batch(BATCH).shuffle(82, seed=1).cache()
    verdict = exercises.check("03.1", broken)
    assert verdict.status == "not yet" and "batch comes before shuffle" in verdict.message


@pytest.mark.parametrize(
    "build, phrase",
    [
        (lambda d, n: d.map(scale).shuffle(n, seed=1).cache().batch(BATCH).prefetch(2), "cache comes after shuffle"),
        (lambda d, n: d.cache().map(scale).shuffle(n, seed=1).batch(BATCH).prefetch(2), "cache comes before map"),
        (lambda d, n: d.map(scale).cache().shuffle(n, seed=1).batch(BATCH), "no prefetch step"),
        (lambda d, n: d.map(scale).cache().shuffle(n, seed=1).prefetch(2).batch(BATCH), "prefetch is not the last"),
        (lambda d, n: d.cache().shuffle(n, seed=1).batch(BATCH).prefetch(2), "come out as uint8"),
        (lambda d, n: d.map(scale).cache().shuffle(n, seed=1).prefetch(2), "batch the elements"),
        (lambda d, n: d.map(scale).cache().shuffle(n, seed=1).batch(BATCH).repeat().prefetch(2), "endless"),
        (
            lambda d, n: d.map(scale).cache().shuffle(n, seed=1).batch(BATCH, drop_remainder=True).prefetch(2),
            "every training image should come exactly once",
        ),
        (
            lambda d, n: d.map(scale).cache().shuffle(n, seed=1).batch(BATCH * 2).prefetch(2),
            "batches of cfg.batch_size",
        ),
        (
            lambda d, n: (
                d.map(scale).cache().shuffle(n, seed=1, reshuffle_each_iteration=False).batch(BATCH).prefetch(2)
            ),
            "same order",
        ),
    ],
)
def test_03_1_wrong_pipelines(build, phrase):
    # 82 training images: the last batch is smaller
    verdict = exercises.check("03.1", build(source(HELD.x_train, HELD.y_train), len(HELD.x_train)))
    assert verdict.status == "not yet" and phrase in verdict.message


def test_03_1_wrong_pipeline_fails_strictly():
    with pytest.raises(ExerciseNotPassed, match="cache comes after shuffle"):
        exercises.check(
            "03.1",
            source(HELD.x_train, HELD.y_train).map(scale).shuffle(60).cache().batch(BATCH).prefetch(1),
            strict=True,
        )


# --- 03.2 ----------------------------------------------------------------------------------------------


def split(x=None, y=None, reshuffle=False, take=N_VAL, skip=N_VAL):
    x = HELD.x_train_full if x is None else x
    y = HELD.y_train_full if y is None else y
    shuffled = source(x, y).shuffle(len(x), seed=3, reshuffle_each_iteration=reshuffle)
    return shuffled.skip(skip), shuffled.take(take)


def test_03_2_shuffle_once_then_take_and_skip_passes():
    train_part, val_part = split()
    verdict = exercises.check("03.2", train_part, val_part, strict=True)
    assert verdict.passed and "20 validation and 82 training images" in verdict.message


def test_03_2_parts_with_their_own_pipelines_pass():
    train_part, val_part = split()
    train_part = train_part.map(scale).shuffle(82, seed=1).batch(BATCH)
    val_part = val_part.map(scale).batch(BATCH)
    assert exercises.check("03.2", train_part, val_part).passed


def test_03_2_not_started():
    assert exercises.check("03.2", None, None).status == "not started"


def test_03_2_images_left_out():
    train_part, val_part = split(skip=N_VAL + 5)
    verdict = exercises.check("03.2", train_part, val_part)
    assert verdict.status == "not yet" and "exactly one part" in verdict.message


def split_labels_apart():
    """Images and labels shuffled once each, but apart: the pairs no longer belong together."""
    images_ds = tf.data.Dataset.from_tensor_slices(HELD.x_train_full).shuffle(
        102, seed=1, reshuffle_each_iteration=False
    )
    labels_ds = tf.data.Dataset.from_tensor_slices(HELD.y_train_full).shuffle(
        102, seed=2, reshuffle_each_iteration=False
    )
    shuffled = tf.data.Dataset.zip((images_ds, labels_ds))
    return shuffled.skip(N_VAL), shuffled.take(N_VAL)


# --- 03.3 ----------------------------------------------------------------------------------------------


def raw_model(rescale=1 / 255, hidden=False, weight=20.0, input_dtype="uint8", row=0):
    """28x28 in, [Rescaling], Flatten, Dense(10); weights that read pixel (row, k) for class k.

    The bias favours class 0, so a model fed pixels scaled twice (all near 0) always answers 0."""
    inputs = keras.Input(shape=(28, 28), dtype=input_dtype)
    x = keras.layers.Rescaling(rescale)(inputs) if rescale else keras.layers.Identity()(inputs)
    x = keras.layers.Flatten()(x)
    if hidden:
        x = keras.layers.Dense(784)(x)
    output = keras.layers.Dense(10, activation="softmax")
    model = keras.Model(inputs, output(x))
    kernel = np.zeros((784, 10), "float32")
    kernel[row * 28 + np.arange(10), np.arange(10)] = weight
    bias = np.zeros(10, "float32")
    bias[0] = 1.0
    output.set_weights([kernel, bias])
    return model


def reloaded(model, folder, **options):
    path = folder / "raw.weights.h5"
    model.save_weights(path)
    fresh = raw_model(**options)
    fresh.layers[-1].set_weights([np.zeros((784, 10), "float32"), np.zeros(10, "float32")])
    fresh.load_weights(path)
    return fresh


def test_03_3_weights_reloaded_into_a_separate_model_pass(tmp_path):
    model = raw_model()
    verdict = exercises.check("03.3", model, reloaded(model, tmp_path), strict=True)
    assert verdict.passed and "same predictions" in verdict.message


def test_03_3_a_float_input_with_rescaling_passes(tmp_path):
    model = raw_model(input_dtype="float32")
    assert exercises.check("03.3", model, reloaded(model, tmp_path, input_dtype="float32")).passed


def test_03_3_not_started():
    assert exercises.check("03.3", None, None).status == "not started"
    assert exercises.check("03.3", raw_model(), None).status == "not started"


def test_03_3_low_accuracy_fails_strictly(tmp_path, monkeypatch):
    monkeypatch.setitem(config.EXERCISE_TARGETS, "03.3", {"smoke": 1.01, "workshop": 1.01, "full": 1.01})
    model = raw_model()
    with pytest.raises(ExerciseNotPassed, match="below this profile's target"):
        exercises.check("03.3", model, reloaded(model, tmp_path), strict=True)


def nan_model_pair(folder):
    model = raw_model()
    kernel, bias = model.layers[-1].get_weights()
    model.layers[-1].set_weights([kernel * np.nan, bias])
    return model, reloaded(model, folder)


def untrained_pair(folder):
    model = raw_model(weight=0.0)
    return model, reloaded(model, folder)


def not_loaded():
    fresh = raw_model()
    fresh.layers[-1].set_weights([np.zeros((784, 10), "float32"), np.zeros(10, "float32")])
    return raw_model(), fresh


def trained_on_scaled_images(folder):
    """Rescaling inside, but trained on images the pipeline had scaled already: its weights expect pixels
    divided by 255 twice (here: weights 255 times larger), and a float input."""
    model = raw_model(weight=20.0 * 255, input_dtype="float32")
    return model, reloaded(model, folder, input_dtype="float32")


def fitted_to_test(folder):
    """A model that reads what only the test images show (pixel (1, k)), as one trained on them would."""
    model = raw_model(row=1)
    return model, reloaded(model, folder, row=1)


def shared_layers():
    model = raw_model()
    return model, keras.Model(model.inputs, model.outputs)


# Folders for the wrong answers' weight files, removed when the tests end.
SCRATCH = tempfile.TemporaryDirectory(prefix="test_03_")


def folder():
    return Path(tempfile.mkdtemp(dir=SCRATCH.name))


WRONG = [
    # 03.1
    wrong(
        "03.1",
        "test-data",
        "the pipeline runs over the test images",
        "test images",
        lambda: good_pipeline(HELD.x_test, HELD.y_test),
    ),
    wrong(
        "03.1",
        "wrong-way",
        "the pipeline runs over x_train_full, validation images included",
        "validation images",
        lambda: good_pipeline(HELD.x_train_full, HELD.y_train_full),
    ),
    wrong(
        "03.1",
        "nan",
        "a scale function that divides by zero",
        "NaN or infinite pixels",
        lambda: good_pipeline(scale_function=scale_to_nan),
    ),
    wrong(
        "03.1",
        "form",
        "a scale function that gives pixels in [-1, 1]",
        "outside [0, 1]",
        lambda: good_pipeline(scale_function=scale_to_signed),
    ),
    wrong(
        "03.1",
        "label-breaking",
        "the map turns the digits upside down",
        "not images of x_train",
        lambda: good_pipeline(scale_function=upside_down),
    ),
    wrong("03.1", "label-breaking", "images and labels shuffled apart", "another label", labels_apart),
    wrong(
        "03.1",
        "form",
        "shuffle after batch, cache last (the notebook's broken_ds)",
        "batch comes before shuffle",
        lambda: source(HELD.x_train, HELD.y_train).map(scale).batch(BATCH).shuffle(82, seed=1).cache(),
    ),
    # 03.2
    wrong(
        "03.2",
        "test-data",
        "the validation part is the test set",
        "test images",
        lambda: (split(skip=0)[0], source(HELD.x_test, HELD.y_test)),
    ),
    wrong(
        "03.2",
        "form",
        "shuffle reshuffles on every pass, so take/skip cut elsewhere each epoch",
        "different images on each pass",
        lambda: split(reshuffle=True),
    ),
    wrong(
        "03.2",
        "wrong-way",
        "skip(0): the validation images stay in training",
        "also appear in train_part",
        lambda: split(skip=0),
    ),
    wrong(
        "03.2",
        "form",
        "half of n_val taken for validation",
        "not n_val",
        lambda: split(take=N_VAL // 2, skip=N_VAL // 2),
    ),
    wrong("03.2", "label-breaking", "images and labels shuffled apart", "another label", split_labels_apart),
    wrong(
        "03.2",
        "nan",
        "both parts mapped with a scale function that divides by zero",
        "NaN or infinite",
        lambda: tuple(part.map(scale_to_nan) for part in split()),
    ),
    # 03.3
    wrong(
        "03.3",
        "nan",
        "a diverged model: NaN weights, saved and loaded",
        "NaN or infinite",
        lambda: nan_model_pair(folder()),
    ),
    wrong(
        "03.3",
        "wrong-way",
        "the evaluation model is the trained model itself",
        "the trained model itself",
        lambda: (lambda m: (m, m))(raw_model()),
    ),
    wrong(
        "03.3",
        "wrong-way",
        "the evaluation model shares the trained model's layers",
        "shares its layers",
        shared_layers,
    ),
    wrong(
        "03.3",
        "wrong-way",
        "the weights were never loaded into the evaluation model",
        "load the saved weights",
        not_loaded,
    ),
    wrong(
        "03.3",
        "wrong-way",
        "an untrained model, its weights saved and loaded",
        "below this profile's target",
        lambda: untrained_pair(folder()),
    ),
    wrong(
        "03.3",
        "form",
        "no Rescaling layer: a model fed images scaled in the pipeline",
        "no keras.layers.Rescaling",
        lambda: (raw_model(rescale=None), raw_model(rescale=None)),
    ),
    wrong(
        "03.3",
        "form",
        "a Rescaling layer that does not scale (factor 1)",
        "into [0, 1]",
        lambda: (raw_model(rescale=1.0), raw_model(rescale=1.0)),
    ),
    wrong(
        "03.3",
        "wrong-way",
        "Rescaling inside, but trained on images scaled in the pipeline",
        "trained on scaled images",
        lambda: trained_on_scaled_images(folder()),
    ),
    wrong(
        "03.3",
        "test-data",
        "a model fitted to the test images",
        "it learned the test set",
        lambda: fitted_to_test(folder()),
    ),
    wrong(
        "03.3",
        "form",
        "an evaluation model of another architecture",
        "same layers",
        lambda: (raw_model(), raw_model(hidden=True)),
    ),
]


@pytest.mark.parametrize("case", WRONG, ids=str)
def test_wrong_answers_are_not_yet(case):
    case.assert_not_yet()
