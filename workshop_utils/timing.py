"""Measure training throughput: steps per second of ``model.fit`` over a timed stretch after a warm-up.

Used by notebook 03 to compare input pipelines on one model::

    rate = timing.training_steps_per_second(model, dataset.repeat(), steps=300, warmup_steps=50)
"""

import numbers
import time

import keras


class StepTimer(keras.callbacks.Callback):
    """A callback that records the wall-clock time (``time.perf_counter()``) at the end of each training step."""

    def __init__(self):
        super().__init__()
        self.times = []

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter())


def _require_count(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}.")


def _known_length(dataset):
    """Return the number of batches of a finite ``tf.data.Dataset``, or None when it is endless or unknown."""
    cardinality = getattr(dataset, "cardinality", None)
    if not callable(cardinality):
        return None
    count = int(cardinality())
    return count if count >= 0 else None  # -1: endless (repeat()), -2: unknown


def training_steps_per_second(model, dataset, steps, warmup_steps=1):
    """Train ``model`` on ``dataset`` and return its training steps per second, measured after a warm-up.

    One ``fit`` call runs ``warmup_steps + steps`` steps; only the last ``steps`` are timed, so one-off
    costs (building the training function, filling a cache, priming buffers) stay out of the figure.

    Args:
        model: a compiled Keras model. It keeps training, so pass one whose weights you do not need.
        dataset: batches of ``(inputs, targets)`` that ``fit`` accepts, e.g. a ``tf.data.Dataset``;
            endless (``.repeat()``) or at least ``warmup_steps + steps`` batches long.
        steps: number of timed steps, an integer >= 1.
        warmup_steps: untimed steps run first, an integer >= 1.

    Returns:
        Steps per second over the timed steps (a float).
    """
    _require_count(steps, "steps", 1)
    _require_count(warmup_steps, "warmup_steps", 1)
    if not isinstance(model, keras.Model):
        raise ValueError(f"model must be a keras.Model; got {type(model).__name__}.")
    if not getattr(model, "compiled", False):
        raise ValueError("model must be compiled first: call model.compile(optimizer=..., loss=...).")
    total = warmup_steps + steps
    length = _known_length(dataset)
    if length is not None and length < total:
        raise ValueError(
            f"The dataset has {length} batches, fewer than the {total} steps needed "
            f"({warmup_steps} warm-up + {steps} timed); make it endless with .repeat()."
        )
    timer = StepTimer()
    # shuffle=False: a tf.data pipeline shuffles itself (fit warns when asked to shuffle one).
    model.fit(dataset, steps_per_epoch=total, epochs=1, callbacks=[timer], shuffle=False, verbose=0)
    if len(timer.times) < total:
        raise ValueError(
            f"The dataset ran out after {len(timer.times)} of {total} steps; make it endless with .repeat()."
        )
    elapsed = timer.times[total - 1] - timer.times[warmup_steps - 1]
    return steps / elapsed
