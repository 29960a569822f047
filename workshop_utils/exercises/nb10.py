"""Checks for notebook 10 (custom training): a train_step that clips gradients and still matches fit, and
a callback that records the learning rate of each epoch."""
import math

import numpy as np

from ._common import given, history_values, keras_model
from ._core import NotYet, exercise

CLIP_NORM = 1.0
# On a CPU your step and fit's give exactly the same figures; a GPU may add numbers in another order.
MAX_GAP = 1e-3


def _step_update_norm(model):
    """Train a copy of ``model`` for one step of plain SGD (learning rate 1) on a batch whose gradients are
    huge, and return the global norm of the weight update and the norm of each weight's update."""
    import keras

    clone = keras.models.clone_model(model)
    if type(clone) is not type(model):
        raise NotYet(f"{model.name} could not be copied as a {type(model).__name__}: build it the notebook's "
                     "way, build_mlp(YourModelClass, ...), whose class takes (*args, **kwargs).")
    clone.set_weights(model.get_weights())
    clone.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss=model.loss)
    rng = np.random.default_rng(0)
    x = 100.0 * rng.normal(size=(32,) + tuple(model.inputs[0].shape[1:])).astype("float32")
    y = rng.integers(0, model.outputs[0].shape[-1], size=32)
    before = [keras.ops.convert_to_numpy(w) for w in clone.trainable_weights]
    clone.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    after = [keras.ops.convert_to_numpy(w) for w in clone.trainable_weights]
    each = [float(np.linalg.norm(a - b)) for a, b in zip(after, before)]
    return math.sqrt(sum(n * n for n in each)), each


@exercise("10.1", "clip the gradients in your own step")
def check_clipped_step(clipped_model, clipped_history, fit_history):
    """clipped_model: your step's model (clips to a global norm of 1.0, plain Adam); clipped_history: its fit;
    fit_history: the built-in step's fit with Adam(global_clipnorm=1.0), same start and batches."""
    import keras

    keras_model(clipped_model, "clipped_model")
    given(clipped_history, "clipped_history")
    given(fit_history, "fit_history")
    if type(clipped_model).train_step is keras.Model.train_step:
        raise NotYet("clipped_model uses the built-in train_step: the exercise asks for your own step, in a "
                     "subclass of keras.Model (or of CustomStepModel).")
    names = [metric.name for metric in clipped_model.metrics]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise NotYet(f"clipped_model lists two metrics named {twice[0]!r}: keep the `metrics` property that "
                     "returns exactly your own metric objects.")
    if any(getattr(clipped_model.optimizer, name, None) for name in ("global_clipnorm", "clipnorm", "clipvalue")):
        raise NotYet("clipped_model's optimizer clips the gradients itself: compile it with a plain Adam and "
                     "clip in your train_step instead.")

    total, each = _step_update_norm(clipped_model)
    if total > 2 * CLIP_NORM * len(each) ** 0.5:
        raise NotYet("your step does not clip the global norm of the gradients: one step on a batch with huge "
                     f"gradients moved the weights far more than a step clipped to a global norm of {CLIP_NORM} would.")
    if abs(total - CLIP_NORM) > 1e-3 * CLIP_NORM:
        if all(n <= CLIP_NORM * (1 + 1e-3) for n in each) and total > CLIP_NORM:
            raise NotYet("your step clips each weight's gradient on its own: clip their global norm, all "
                         "gradients together (tf.clip_by_global_norm).")
        raise NotYet(f"your step clips the gradients to a global norm of about {total:.3g}, not {CLIP_NORM}.")

    fit_model = getattr(fit_history, "model", None)
    fit_optimizer = getattr(fit_model, "optimizer", None)
    if getattr(fit_optimizer, "global_clipnorm", None) != CLIP_NORM:
        raise NotYet(f"fit_history comes from a model whose optimizer does not clip to a global norm of "
                     f"{CLIP_NORM}: give the built-in model's optimizer global_clipnorm={CLIP_NORM}.")
    ours, theirs = clipped_history.history, fit_history.history
    if sorted(ours) != sorted(theirs):
        raise NotYet(f"the two runs log different keys: yours {sorted(ours)}, fit's {sorted(theirs)}. Name your "
                     "metric objects as the built-in model's metrics are named.")
    if len(history_values(clipped_history, "loss")) != len(history_values(fit_history, "loss")):
        raise NotYet("the two runs trained for a different number of epochs: give both the same epochs.")
    gap = max(float(np.max(np.abs(np.asarray(ours[key]) - np.asarray(theirs[key])))) for key in ours)
    if not gap <= MAX_GAP:
        raise NotYet(f"your step's figures differ from fit's by up to {gap:.2g} (more than {MAX_GAP}): start "
                     "both from the same weights (set_weights), feed both a fresh dataset with the same seed, "
                     "and use the same learning rate.")
    return f"your step clips to a global norm of {CLIP_NORM} and matches fit's step to {gap:.1e}"


def _schedule_of(optimizer):
    """Return the optimizer's learning-rate schedule, or None when its learning rate is a constant."""
    import keras

    schedule = getattr(optimizer, "_learning_rate", None)
    if schedule is None:  # another Keras version: rebuild it from the optimizer's config
        setting = optimizer.get_config().get("learning_rate")
        schedule = keras.saving.deserialize_keras_object(setting) if isinstance(setting, dict) else None
    return schedule if isinstance(schedule, keras.optimizers.schedules.LearningRateSchedule) else None


@exercise("10.2", "record the learning rate of each epoch")
def check_rate_recorder(recorder, history):
    """recorder: your callback, with ``rates``, one float per epoch; history: the fit it watched."""
    import keras

    given(recorder, "recorder")
    if not isinstance(recorder, keras.callbacks.Callback):
        raise NotYet(f"recorder should be a keras.callbacks.Callback subclass, not a {type(recorder).__name__}.")
    epochs = len(history_values(history, "loss"))
    model = getattr(recorder, "model", None)
    if model is None or model is not getattr(history, "model", None):
        raise NotYet("recorder did not watch the run of this history: pass it to fit as callbacks=[recorder].")
    rates = getattr(recorder, "rates", None)
    if not isinstance(rates, list):
        raise NotYet("recorder should keep its figures in a list, self.rates, one learning rate per epoch.")
    if len(rates) != epochs:
        raise NotYet(f"recorder holds {len(rates)} learning rates for a run of {epochs} epochs: record one "
                     "per epoch (an on_epoch_... method, not on_train_batch_...).")
    try:
        rates = [float(keras.ops.convert_to_numpy(rate)) for rate in rates]
    except (TypeError, ValueError):
        raise NotYet("recorder's rates should be numbers: convert the optimizer's learning rate with "
                     "float(keras.ops.convert_to_numpy(...)).") from None

    optimizer = model.optimizer
    schedule = _schedule_of(optimizer)
    if schedule is None:
        raise NotYet("the optimizer's learning rate is a constant, so every epoch records the same number: "
                     "train with the notebook's ExponentialDecay schedule.")
    steps = int(keras.ops.convert_to_numpy(optimizer.iterations))
    if steps % epochs:
        raise NotYet("the run ended in the middle of an epoch: let it finish its epochs.")
    per_epoch = steps // epochs
    expected = [float(keras.ops.convert_to_numpy(schedule(epoch * per_epoch))) for epoch in range(epochs)]
    if np.allclose(rates, expected, rtol=1e-5):
        return f"{epochs} epochs, {epochs} learning rates, each the one its epoch trained with"
    if epochs > 1 and np.allclose(rates[:-1], expected[1:], rtol=1e-5):
        raise NotYet("each recorded rate is the one of the following epoch: at the end of an epoch the "
                     "optimizer has already taken all its steps. Read it when the epoch begins.")
    raise NotYet("recorder's rates are not the rates the optimizer used in each epoch: read "
                 "self.model.optimizer.learning_rate once per epoch, when the epoch begins.")
