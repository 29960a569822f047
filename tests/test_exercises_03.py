"""Exercises of notebook 03: the order of a pipeline (03.1), a stable split (03.2), reloaded weights (03.3).

Notebook 03 is about tf.data, a TensorFlow feature: these tests run under the TensorFlow backend.
"""
import numpy as np
import pytest

import workshop_utils  # noqa: F401  (first: it loads Keras quietly)
import keras
from workshop_utils import config, exercises
from workshop_utils.exercises._core import ExerciseNotPassed

tf = pytest.importorskip("tensorflow")
pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                                reason=config.skip_reason("03_tf_data_pipelines", keras.backend.backend()) or "")

AUTOTUNE = tf.data.AUTOTUNE
BATCH = 8


def images(count=60, seed=0):
    """Raw uint8 images whose class k lights up pixel (0, k); every image is different."""
    rng = np.random.default_rng(seed)
    y = (np.arange(count) % 10).astype("uint8")
    x = rng.integers(0, 50, size=(count, 28, 28), dtype=np.uint8)
    x[np.arange(count), 0, y] = 255
    return x, y


def scale(image, label):
    return tf.cast(image, tf.float32) / 255.0, label


def source(x, y):
    return tf.data.Dataset.from_tensor_slices((x, y))


# --- 03.1 ----------------------------------------------------------------------------------------------


def good_pipeline(x, y):
    return (source(x, y).map(scale, num_parallel_calls=AUTOTUNE).cache()
            .shuffle(len(x), seed=1).batch(BATCH).prefetch(AUTOTUNE))


def test_03_1_right_order_passes():
    x, y = images()
    verdict = exercises.check("03.1", good_pipeline(x, y), x, BATCH, strict=True)
    assert verdict.passed and "a new order every epoch" in verdict.message


def test_03_1_pipeline_steps_are_read_in_order():
    x, y = images()
    from workshop_utils.exercises.nb03 import pipeline_steps

    assert pipeline_steps(good_pipeline(x, y)) == ["map", "cache", "shuffle", "batch", "prefetch"]


def test_03_1_not_started_and_not_a_dataset():
    x, _ = images()
    assert exercises.check("03.1", None, x, BATCH).status == "not started"
    verdict = exercises.check("03.1", x, x, BATCH)
    assert verdict.status == "not yet" and "should be a tf.data.Dataset" in verdict.message


def test_03_1_the_broken_pipeline_of_the_notebook():
    x, y = images()
    broken = source(x, y).map(scale).batch(BATCH).shuffle(len(x), seed=1).cache()
    verdict = exercises.check("03.1", broken, x, BATCH)
    assert verdict.status == "not yet" and "batch comes before shuffle" in verdict.message


@pytest.mark.parametrize("build, phrase", [
    (lambda d, n: d.map(scale).shuffle(n, seed=1).cache().batch(BATCH).prefetch(2), "cache comes after shuffle"),
    (lambda d, n: d.cache().map(scale).shuffle(n, seed=1).batch(BATCH).prefetch(2), "cache comes before map"),
    (lambda d, n: d.map(scale).cache().shuffle(n, seed=1).batch(BATCH), "no prefetch step"),
    (lambda d, n: d.map(scale).cache().shuffle(n, seed=1).prefetch(2).batch(BATCH), "prefetch is not the last"),
    (lambda d, n: d.cache().shuffle(n, seed=1).batch(BATCH).prefetch(2), "come out as uint8"),
    (lambda d, n: d.map(scale).cache().shuffle(n, seed=1).prefetch(2), "batch the elements"),
    (lambda d, n: d.map(scale).cache().shuffle(n, seed=1).batch(BATCH).repeat().prefetch(2), "endless"),
    (lambda d, n: d.map(scale).cache().shuffle(n, seed=1).batch(BATCH, drop_remainder=True).prefetch(2),
     "fewer batches"),
    (lambda d, n: d.map(scale).cache().shuffle(n, seed=1, reshuffle_each_iteration=False).batch(BATCH).prefetch(2),
     "same order"),
])
def test_03_1_wrong_pipelines(build, phrase):
    x, y = images(62)  # 62 images: the last batch is smaller
    verdict = exercises.check("03.1", build(source(x, y), len(x)), x, BATCH)
    assert verdict.status == "not yet" and phrase in verdict.message


def test_03_1_wrong_pipeline_fails_strictly():
    x, y = images()
    with pytest.raises(ExerciseNotPassed, match="cache comes after shuffle"):
        exercises.check("03.1", source(x, y).map(scale).shuffle(60).cache().batch(BATCH).prefetch(1), x, BATCH,
                        strict=True)


# --- 03.2 ----------------------------------------------------------------------------------------------

N_VAL = 20


def split(x, y, reshuffle=False, take=N_VAL, skip=N_VAL):
    shuffled = source(x, y).shuffle(len(x), seed=3, reshuffle_each_iteration=reshuffle)
    return shuffled.skip(skip), shuffled.take(take)


def test_03_2_shuffle_once_then_take_and_skip_passes():
    x, y = images(100)
    train_part, val_part = split(x, y)
    verdict = exercises.check("03.2", train_part, val_part, x, strict=True)
    assert verdict.passed and "20 validation and 80 training images" in verdict.message


def test_03_2_parts_with_their_own_pipelines_pass():
    x, y = images(100)
    train_part, val_part = split(x, y)
    train_part = train_part.map(scale).shuffle(80, seed=1).batch(BATCH)
    val_part = val_part.map(scale).batch(BATCH)
    assert exercises.check("03.2", train_part, val_part, x).passed


def test_03_2_not_started():
    x, _ = images(100)
    assert exercises.check("03.2", None, None, x).status == "not started"


def test_03_2_reshuffling_moves_the_split():
    x, y = images(100)
    train_part, val_part = split(x, y, reshuffle=True)
    verdict = exercises.check("03.2", train_part, val_part, x)
    assert verdict.status == "not yet" and "different images on each pass" in verdict.message


def test_03_2_validation_inside_training():
    x, y = images(100)
    train_part, val_part = split(x, y, skip=0)
    verdict = exercises.check("03.2", train_part, val_part, x)
    assert verdict.status == "not yet" and "also appear in train_part" in verdict.message


def test_03_2_images_left_out():
    x, y = images(100)
    train_part, val_part = split(x, y, skip=N_VAL + 5)
    verdict = exercises.check("03.2", train_part, val_part, x)
    assert verdict.status == "not yet" and "exactly one part" in verdict.message


def test_03_2_validation_from_the_test_set():
    x, y = images(100)
    x_test, y_test = images(30, seed=9)
    train_part, _ = split(x, y, skip=0)
    verdict = exercises.check("03.2", train_part, source(x_test, y_test), x)
    assert verdict.status == "not yet" and "not in x_train_full" in verdict.message


# --- 03.3 ----------------------------------------------------------------------------------------------


def raw_model(rescale=True, hidden=False):
    """uint8 28x28 in, [Rescaling], Flatten, Dense(10); weights that read pixel (0, k) for class k."""
    inputs = keras.Input(shape=(28, 28), dtype="uint8")
    x = keras.layers.Rescaling(1 / 255)(inputs) if rescale else keras.layers.Identity()(inputs)
    x = keras.layers.Flatten()(x)
    if hidden:
        x = keras.layers.Dense(784)(x)
    output = keras.layers.Dense(10, activation="softmax")
    model = keras.Model(inputs, output(x))
    kernel = np.zeros((784, 10), "float32")
    kernel[np.arange(10), np.arange(10)] = 20.0
    output.set_weights([kernel, np.zeros(10, "float32")])
    return model


def reloaded(model, folder):
    path = folder / "raw.weights.h5"
    model.save_weights(path)
    fresh = raw_model()
    fresh.layers[-1].set_weights([np.zeros((784, 10), "float32"), np.zeros(10, "float32")])
    fresh.load_weights(path)
    return fresh


def test_03_3_weights_reloaded_into_a_separate_model_pass(tmp_path):
    x, y = images()
    model = raw_model()
    verdict = exercises.check("03.3", model, reloaded(model, tmp_path), x, y, strict=True)
    assert verdict.passed and "same predictions" in verdict.message


def test_03_3_not_started():
    x, y = images()
    assert exercises.check("03.3", None, None, x, y).status == "not started"
    assert exercises.check("03.3", raw_model(), None, x, y).status == "not started"


def test_03_3_the_trained_model_itself():
    x, y = images()
    model = raw_model()
    verdict = exercises.check("03.3", model, model, x, y)
    assert verdict.status == "not yet" and "the trained model itself" in verdict.message


def test_03_3_weights_not_loaded():
    x, y = images()
    fresh = raw_model()
    fresh.layers[-1].set_weights([np.zeros((784, 10), "float32"), np.zeros(10, "float32")])
    verdict = exercises.check("03.3", raw_model(), fresh, x, y)
    assert verdict.status == "not yet" and "load the saved weights" in verdict.message


def test_03_3_no_rescaling_layer(tmp_path):
    x, y = images()
    verdict = exercises.check("03.3", raw_model(rescale=False), raw_model(rescale=False), x, y)
    assert verdict.status == "not yet" and "no keras.layers.Rescaling" in verdict.message


def test_03_3_other_architecture():
    x, y = images()
    verdict = exercises.check("03.3", raw_model(), raw_model(hidden=True), x, y)
    assert verdict.status == "not yet" and "same layers" in verdict.message


def test_03_3_scaled_test_images():
    x, y = images()
    model = raw_model()
    verdict = exercises.check("03.3", model, raw_model(), x / 255.0, y)
    assert verdict.status == "not yet" and "raw test images" in verdict.message


def test_03_3_low_accuracy(tmp_path):
    x, y = images()
    model = raw_model()
    verdict = exercises.check("03.3", model, reloaded(model, tmp_path), x, (y + 1) % 10)
    assert verdict.status == "not yet" and "below this profile's target" in verdict.message
