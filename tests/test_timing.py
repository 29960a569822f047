"""Unit tests for workshop_utils.timing."""

from workshop_utils import timing

import keras
import numpy as np
import pytest
import tensorflow as tf


def _model(compiled=True):
    inputs = keras.Input(shape=(4,))
    outputs = keras.layers.Dense(2, activation="softmax")(inputs)
    model = keras.Model(inputs, outputs)
    if compiled:
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    return model


def _dataset(batches=5, batch_size=8):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batches * batch_size, 4)).astype("float32")
    y = rng.integers(0, 2, size=batches * batch_size)
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(batch_size)


def test_steps_per_second_is_a_positive_float():
    rate = timing.training_steps_per_second(_model(), _dataset().repeat(), steps=4, warmup_steps=2)
    assert isinstance(rate, float)
    assert rate > 0


def test_a_finite_dataset_long_enough_is_accepted():
    rate = timing.training_steps_per_second(_model(), _dataset(batches=6), steps=3, warmup_steps=3)
    assert rate > 0


def test_step_timer_records_one_time_per_step():
    timer = timing.StepTimer()
    _model().fit(_dataset(batches=5), epochs=1, callbacks=[timer], verbose=0, shuffle=False)
    assert len(timer.times) == 5
    assert timer.times == sorted(timer.times)


@pytest.mark.parametrize("steps", [0, -3, 2.5, True, "10", None])
def test_bad_steps_are_rejected(steps):
    with pytest.raises(ValueError, match="steps must be an integer"):
        timing.training_steps_per_second(_model(), _dataset().repeat(), steps=steps)


def test_bad_warmup_is_rejected():
    with pytest.raises(ValueError, match="warmup_steps must be an integer >= 1"):
        timing.training_steps_per_second(_model(), _dataset().repeat(), steps=2, warmup_steps=0)


def test_uncompiled_model_is_rejected():
    with pytest.raises(ValueError, match="compiled"):
        timing.training_steps_per_second(_model(compiled=False), _dataset().repeat(), steps=2)


def test_non_model_is_rejected():
    with pytest.raises(ValueError, match="keras.Model"):
        timing.training_steps_per_second("model", _dataset().repeat(), steps=2)


def test_too_short_dataset_is_rejected_before_training():
    with pytest.raises(ValueError, match=r"has 5 batches.*repeat\(\)"):
        timing.training_steps_per_second(_model(), _dataset(batches=5), steps=5, warmup_steps=1)


def test_dataset_of_unknown_length_that_runs_out_is_reported():
    short = _dataset(batches=3).filter(lambda x, y: True)  # filter makes the length unknown
    assert int(short.cardinality()) == tf.data.UNKNOWN_CARDINALITY
    with pytest.raises(ValueError, match="ran out"), pytest.warns(UserWarning, match="ran out of data"):
        timing.training_steps_per_second(_model(), short, steps=5, warmup_steps=1)
