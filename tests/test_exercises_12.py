"""Exercises of notebook 12: mixed precision with a float32 output, and a model built in a strategy's scope."""
import keras
import pytest

from workshop_utils import exercises
from workshop_utils.exercises._core import ExerciseNotPassed

TENSORFLOW = keras.backend.backend() == "tensorflow"


@pytest.fixture(autouse=True)
def float32_policy():
    keras.mixed_precision.set_global_policy("float32")
    yield
    keras.mixed_precision.set_global_policy("float32")


def classifier(float32_softmax=True):
    """A tiny 10-class classifier; the softmax is a float32 layer of its own, or part of the last Dense."""
    if float32_softmax:
        head = [keras.layers.Dense(10), keras.layers.Activation("softmax", dtype="float32")]
    else:
        head = [keras.layers.Dense(10, activation="softmax")]
    return keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(8, activation="relu"), *head])


def mixed(policy="mixed_bfloat16", reset=True, **kwargs):
    keras.mixed_precision.set_global_policy(policy)
    model = classifier(**kwargs)
    if reset:
        keras.mixed_precision.set_global_policy("float32")
    return model


def test_12_1_passes_with_a_float32_softmax():
    verdict = exercises.check("12.1", mixed(), strict=True)
    assert verdict.passed and "float32" in verdict.message


@pytest.mark.parametrize("build, reason", [
    (lambda: mixed(float32_softmax=False), "softmax computes in bfloat16"),
    (lambda: mixed(reset=False), "global policy is still 'mixed_bfloat16'"),
    (lambda: classifier(), "computes in float32"),
    (lambda: mixed(policy="bfloat16"), "stores its weights in 16 bits"),
])
def test_12_1_wrong_answers(build, reason):
    verdict = exercises.check("12.1", build())
    assert verdict.status == "not yet" and reason in verdict.message


def test_12_1_softmax_must_be_last():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(10),
                              keras.layers.Activation("softmax", dtype="float32"),
                              keras.layers.Dense(10, dtype="float32")])
    keras.mixed_precision.set_global_policy("float32")
    verdict = exercises.check("12.1", model)
    assert verdict.status == "not yet" and "not the last layer" in verdict.message


def test_12_1_not_started_and_strict():
    assert exercises.check("12.1", None).status == "not started"
    with pytest.raises(ExerciseNotPassed):
        exercises.check("12.1", classifier(), strict=True)


def cnn():
    return keras.Sequential([keras.Input(shape=(6,)), keras.layers.Dense(10, activation="softmax")])


def compiled(model):
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.fixture(scope="module")
def strategy():
    if not TENSORFLOW:
        pytest.skip("tf.distribute needs the TensorFlow backend")
    import tensorflow as tf

    return tf.distribute.MirroredStrategy(["/CPU:0"])


def test_12_2_passes_inside_the_scope(strategy):
    with strategy.scope():
        model = compiled(cnn())
    verdict = exercises.check("12.2", model, strategy, strict=True)
    assert verdict.passed and "1 replica in sync" in verdict.message


def test_12_2_built_outside(strategy):
    model = cnn()
    with strategy.scope():
        compiled(model)
    verdict = exercises.check("12.2", model, strategy)
    assert verdict.status == "not yet" and "weights were created outside" in verdict.message


def test_12_2_compiled_outside(strategy):
    with strategy.scope():
        model = cnn()
    verdict = exercises.check("12.2", compiled(model), strategy)
    assert verdict.status == "not yet" and "optimizer was created outside" in verdict.message


def test_12_2_not_compiled_and_not_started(strategy):
    with strategy.scope():
        model = cnn()
    assert "not compiled" in exercises.check("12.2", model, strategy).message
    assert exercises.check("12.2", None, strategy).status == "not started"


@pytest.mark.skipif(TENSORFLOW, reason="the skip verdict is for the other backends")
def test_12_2_says_skipped_under_other_backends():
    verdict = exercises.check("12.2", compiled(cnn()), None)
    assert verdict.status == "not started" and verdict.message.startswith("skipped: tf.distribute needs")
