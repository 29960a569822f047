"""Exercises of notebook 12: mixed precision with a float32 output, and a model built in a strategy's scope."""

import functools

from workshop_utils import exercises
from workshop_utils.exercises._core import ExerciseNotPassed

import keras
import numpy as np
import pytest
from exercise_helpers import wrong

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


def test_12_1_softmax_must_be_last():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    model = keras.Sequential(
        [
            keras.Input(shape=(6,)),
            keras.layers.Dense(10),
            keras.layers.Activation("softmax", dtype="float32"),
            keras.layers.Dense(10, dtype="float32"),
        ]
    )
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


@functools.cache
def cpu_strategy():
    import tensorflow as tf

    return tf.distribute.MirroredStrategy(["/CPU:0"])


@pytest.fixture(scope="module")
def strategy():
    if not TENSORFLOW:
        pytest.skip("tf.distribute needs the TensorFlow backend")
    return cpu_strategy()


def test_12_2_passes_inside_the_scope(strategy):
    with strategy.scope():
        model = compiled(cnn())
    verdict = exercises.check("12.2", model, strategy, strict=True)
    assert verdict.passed and "1 replica in sync" in verdict.message


def test_12_2_not_compiled_and_not_started(strategy):
    with strategy.scope():
        model = cnn()
    assert "not compiled" in exercises.check("12.2", model, strategy).message
    assert exercises.check("12.2", None, strategy).status == "not started"


@pytest.mark.skipif(TENSORFLOW, reason="the skip verdict is for the other backends")
def test_12_2_says_skipped_under_other_backends():
    verdict = exercises.check("12.2", compiled(cnn()), None)
    assert verdict.status == "not started" and verdict.message.startswith("skipped: this exercise needs the tensorflow")


def overflowing():
    """A float16 model whose hidden activations pass 65,504: they become inf, and the softmax gives NaN."""
    model = mixed(policy="mixed_float16")
    model.layers[0].set_weights([np.full((6, 8), 3e4, "float32"), np.zeros(8, "float32")])
    return model


def policy_after_building():
    model = classifier()
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    keras.mixed_precision.set_global_policy("float32")
    return model


def built_outside():
    model = cnn()
    with cpu_strategy().scope():
        compiled(model)
    return model, cpu_strategy()


def compiled_outside():
    with cpu_strategy().scope():
        model = cnn()
    return compiled(model), cpu_strategy()


def in_scope(nan=False):
    with cpu_strategy().scope():
        model = compiled(cnn())
    if nan:
        model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
    return model


def default_strategy():
    import tensorflow as tf

    return compiled(cnn()), tf.distribute.get_strategy()


WRONG = [
    wrong(
        "12.1",
        "form",
        "the softmax inside the last 16-bit Dense",
        "softmax computes in bfloat16",
        lambda: mixed(float32_softmax=False),
    ),
    wrong(
        "12.1",
        "form",
        "the global policy left mixed",
        "global policy is still 'mixed_bfloat16'",
        lambda: mixed(reset=False),
    ),
    wrong(
        "12.1",
        "form",
        "weights stored in 16 bits (policy bfloat16)",
        "stores its weights in 16 bits",
        lambda: mixed(policy="bfloat16"),
    ),
    wrong(
        "12.1",
        "wrong-way",
        "a float32 model: the policy set only after building",
        "computes in float32",
        policy_after_building,
    ),
    wrong("12.1", "nan", "float16 activations that overflow, so the softmax gives NaN", "NaN or infinite", overflowing),
    wrong(
        "12.2",
        "wrong-way",
        "built outside the scope, compiled inside (it still trains, on one device)",
        "weights were created outside",
        built_outside,
    ),
    wrong(
        "12.2",
        "wrong-way",
        "the default strategy passed instead of the MirroredStrategy",
        "default strategy",
        default_strategy,
    ),
    wrong("12.2", "form", "compiled outside the scope", "optimizer was created outside", compiled_outside),
    wrong("12.2", "form", "not compiled", "not compiled", lambda: (cnn_in_scope_uncompiled(), cpu_strategy())),
    wrong(
        "12.2",
        "nan",
        "a model in the scope whose weights are NaN (a diverged run)",
        "NaN or infinite",
        lambda: (in_scope(nan=True), cpu_strategy()),
    ),
]


def cnn_in_scope_uncompiled():
    with cpu_strategy().scope():
        return cnn()


@pytest.mark.parametrize("case", WRONG, ids=str)
def test_wrong_answers_are_not_yet(case):
    if case.exercise == "12.2" and not TENSORFLOW:
        pytest.skip("tf.distribute needs the TensorFlow backend")
    case.assert_not_yet()
