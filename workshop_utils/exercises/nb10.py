"""Checks for notebook 10 (custom training): a train_step that clips gradients and still matches fit, and
a callback that records the learning rate of each epoch.

10.1 holds the notebook's validation images and their sample weights, so that it can tell a history that
came from the model's own run from one copied or made up. 10.2 also trains a fresh recorder of the learner's
class itself, under a schedule the learner has not seen, so that rates typed in from printed output do not
pass.
"""

import functools
import math

import numpy as np

from ..course import config
from ._core import NotYet, exercise
from ._heldout import data_settings, image_split, mlp_rows
from ._judging import finite_array, given, history_values, keras_model

NOTEBOOK = "10_custom_training"

CLIP_NORM = 1.0
# On a CPU your step and fit's give exactly the same figures; a GPU may add numbers in another order.
MAX_GAP = 1e-3


@functools.lru_cache(maxsize=2)
def _validation_split(env):
    from sklearn.model_selection import train_test_split

    cfg = config.notebook_settings(NOTEBOOK)
    (x_train_full, y_train_full), _ = image_split("load_mnist", NOTEBOOK)
    _, x_val, _, y_val = train_test_split(
        x_train_full, y_train_full, test_size=cfg.validation_size, stratify=y_train_full, random_state=cfg.seed
    )
    return mlp_rows(x_val), np.asarray(y_val)


def sample_weights(labels):
    """The notebook's sample weights: 2 for the images of a 5 or an 8, 1 for the others."""
    return np.where(np.isin(labels, [5, 8]), 2.0, 1.0).astype("float32")


def _held_validation():
    """The notebook's validation images in the active profile, as rows of pixels in [0, 1], and labels."""
    return _validation_split(data_settings())


def _weighted_loss(model, x, y):
    """The model's compiled loss on ``x``, ``y`` with the notebook's sample weights, as fit reports val_loss."""
    import keras

    from ._predict import outputs_of

    loss = model.compute_loss(
        x=None,
        y=keras.ops.convert_to_tensor(np.asarray(y)),
        y_pred=keras.ops.convert_to_tensor(outputs_of(model, x)),
        sample_weight=keras.ops.convert_to_tensor(sample_weights(y)),
        training=False,
    )
    return float(keras.ops.convert_to_numpy(loss))


def _check_finite_history(history, what):
    for key, values in history.history.items():
        finite_array(values, f"{what}[{key!r}]")


def _check_run_of(history, model, x_val, y_val, what, model_name):
    """NotYet unless the last val_loss of ``history`` is ``model``'s weighted loss on the validation images
    now: the history came from this model's own run, validated on the notebook's weighted validation data."""
    last = history.history["val_loss"][-1]
    loss = _weighted_loss(model, x_val, y_val)
    if not math.isfinite(loss):
        raise NotYet(
            f"{model_name} gives NaN or infinite losses on the validation images: its training "
            "diverged. Lower the learning rate and train it again."
        )
    if not np.isclose(last, loss, rtol=1e-3, atol=1e-5):
        raise NotYet(
            f"{what} does not come from {model_name}'s run on the notebook's data: its last val_loss "
            f"is not {model_name}'s loss on the weighted validation images. Pass what "
            f"seeded_fit({model_name}) returned, and train it after building it, not a copy or "
            "numbers typed in."
        )


def _step_update_norm(model):
    """Train a copy of ``model`` for one step of plain SGD (learning rate 1) on a batch whose gradients are
    huge, and return the global norm of the weight update and the norm of each weight's update."""
    import keras

    clone = keras.models.clone_model(model)
    if type(clone) is not type(model):
        raise NotYet(
            f"{model.name} could not be copied as a {type(model).__name__}: build it the notebook's "
            "way, build_mlp(YourModelClass, ...), whose class takes (*args, **kwargs)."
        )
    clone.set_weights(model.get_weights())
    clone.compile(optimizer=keras.optimizers.SGD(learning_rate=1.0), loss=model.loss)
    rng = np.random.default_rng(0)
    # Large enough for gradients far above the clipping norm, small enough that the softmax does not
    # saturate: a saturated softmax gives zero gradients under JAX and PyTorch.
    x = 10.0 * rng.normal(size=(32,) + tuple(model.inputs[0].shape[1:])).astype("float32")
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
        raise NotYet(
            "clipped_model uses the built-in train_step: the exercise asks for your own step, a "
            "subclass of CustomStepModel whose adjust_gradients clips."
        )
    names = [metric.name for metric in clipped_model.metrics]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        raise NotYet(
            f"clipped_model lists two metrics named {twice[0]!r}: keep the `metrics` property that "
            "returns exactly your own metric objects."
        )
    if any(getattr(clipped_model.optimizer, name, None) for name in ("global_clipnorm", "clipnorm", "clipvalue")):
        raise NotYet(
            "clipped_model's optimizer clips the gradients itself: compile it with a plain Adam and "
            "clip in your train_step instead."
        )

    total, each = _step_update_norm(clipped_model)
    if not math.isfinite(total):
        raise NotYet(
            "one step of your model gives NaN or infinite weights: check the step's arithmetic (and "
            "that clipped_model's weights are finite) before you train it again."
        )
    if total > 2 * CLIP_NORM * len(each) ** 0.5:
        raise NotYet(
            "your step does not clip the global norm of the gradients: one step on a batch with huge "
            f"gradients moved the weights far more than a step clipped to a global norm of {CLIP_NORM} would."
        )
    if abs(total - CLIP_NORM) > 1e-3 * CLIP_NORM:
        if all(n <= CLIP_NORM * (1 + 1e-3) for n in each) and total > CLIP_NORM:
            raise NotYet(
                "your step clips each weight's gradient on its own: clip their global norm, all "
                "gradients together, each scaled by the same factor min(1, 1.0 / global norm)."
            )
        raise NotYet(f"your step clips the gradients to a global norm of about {total:.3g}, not {CLIP_NORM}.")

    fit_model = getattr(fit_history, "model", None)
    fit_optimizer = getattr(fit_model, "optimizer", None)
    if getattr(fit_optimizer, "global_clipnorm", None) != CLIP_NORM:
        raise NotYet(
            f"fit_history comes from a model whose optimizer does not clip to a global norm of "
            f"{CLIP_NORM}: give the built-in model's optimizer global_clipnorm={CLIP_NORM}."
        )
    for history, name in ((clipped_history, "clipped_history"), (fit_history, "fit_history")):
        if not isinstance(history, keras.callbacks.History):
            raise NotYet(f"{name} should be what fit returns (a History), not a {type(history).__name__}.")
        _check_finite_history(history, name)
    if clipped_history is fit_history or getattr(clipped_history, "model", None) is not clipped_model:
        raise NotYet(
            "clipped_history is not the history of clipped_model's training: pass what "
            "clipped_model.fit(...) returned, not fit_history or another run's history."
        )
    if fit_model is clipped_model or type(fit_model).train_step is not keras.Model.train_step:
        raise NotYet(
            "fit_history should come from the built-in step: a keras.Model (not your subclass) whose "
            "optimizer clips, trained with fit."
        )
    ours, theirs = clipped_history.history, fit_history.history
    if sorted(ours) != sorted(theirs):
        raise NotYet(
            f"the two runs log different keys: yours {sorted(ours)}, fit's {sorted(theirs)}. Name your "
            "metric objects as the built-in model's metrics are named."
        )
    if len(history_values(clipped_history, "loss")) != len(history_values(fit_history, "loss")):
        raise NotYet("the two runs trained for a different number of epochs: give both the same epochs.")
    if "val_loss" not in ours:
        raise NotYet(
            "the runs did not validate: train both with seeded_fit, which validates on the "
            "notebook's weighted validation images."
        )
    x_val, y_val = _held_validation()
    _check_run_of(clipped_history, clipped_model, x_val, y_val, "clipped_history", "clipped_model")
    _check_run_of(fit_history, fit_model, x_val, y_val, "fit_history", "the built-in model")
    gap = max(float(np.max(np.abs(np.asarray(ours[key]) - np.asarray(theirs[key])))) for key in ours)
    if not gap <= MAX_GAP:
        raise NotYet(
            f"your step's figures differ from fit's by up to {gap:.2g} (more than {MAX_GAP}): start "
            "both from the same weights (set_weights), train both with seeded_fit (the same seeded "
            "batches and sample weights), and use the same learning rate."
        )
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
        raise NotYet(
            f"recorder holds {len(rates)} learning rates for a run of {epochs} epochs: record one "
            "per epoch (an on_epoch_... method, not on_train_batch_...)."
        )
    try:
        rates = [float(keras.ops.convert_to_numpy(rate)) for rate in rates]
    except (TypeError, ValueError):
        raise NotYet(
            "recorder's rates should be numbers: convert the optimizer's learning rate with "
            "float(keras.ops.convert_to_numpy(...))."
        ) from None
    finite_array(rates, "recorder.rates")

    optimizer = model.optimizer
    schedule = _schedule_of(optimizer)
    if schedule is None:
        raise NotYet(
            "the optimizer's learning rate is a constant, so every epoch records the same number: "
            "train with the notebook's ExponentialDecay schedule."
        )
    steps = int(keras.ops.convert_to_numpy(optimizer.iterations))
    if steps % epochs:
        raise NotYet("the run ended in the middle of an epoch: let it finish its epochs.")
    _compare(rates, _expected_rates(schedule, epochs, steps // epochs), "recorder's rates")
    _check_fresh_recorder(type(recorder))
    return (
        f"{epochs} epochs, {epochs} learning rates, each the one its epoch trained with; a fresh "
        f"{type(recorder).__name__} records a schedule it has not seen just as well"
    )


def _expected_rates(schedule, epochs, per_epoch):
    import keras

    return [float(keras.ops.convert_to_numpy(schedule(epoch * per_epoch))) for epoch in range(epochs)]


def _compare(rates, expected, what):
    if np.allclose(rates, expected, rtol=1e-5):
        return
    if len(rates) > 1 and np.allclose(rates[:-1], expected[1:], rtol=1e-5):
        raise NotYet(
            f"each of {what} is the one of the following epoch: at the end of an epoch the "
            "optimizer has already taken all its steps. Read it when the epoch begins."
        )
    raise NotYet(
        f"{what} are not the rates the optimizer used in each epoch: read "
        "self.model.optimizer.learning_rate once per epoch, when the epoch begins."
    )


# The check's own run: a schedule, a step count per epoch and a number of epochs the notebook never uses.
FRESH_EPOCHS, FRESH_STEPS, FRESH_BATCH = 4, 3, 8


def _check_fresh_recorder(recorder_class):
    """Train a tiny model with a new recorder of the learner's class, under a schedule drawn now, and
    compare what it records with the schedule: a recorder that reads the optimizer passes, one that holds
    numbers typed in (or filled in after the run) does not."""
    import keras

    try:
        recorder = recorder_class()
    except Exception as error:
        raise NotYet(
            f"{recorder_class.__name__}() fails ({type(error).__name__}): the check makes a fresh "
            "recorder to try it on a run of its own, so give __init__ no required arguments."
        ) from None
    rng = np.random.default_rng()
    schedule = keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate=float(rng.uniform(0.01, 0.05)),
        decay_steps=int(rng.integers(2, 5)),
        decay_rate=float(rng.uniform(0.3, 0.8)),
        staircase=bool(rng.integers(0, 2)),
    )
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule), loss="sparse_categorical_crossentropy")
    x = rng.normal(size=(FRESH_STEPS * FRESH_BATCH, 4)).astype("float32")
    y = rng.integers(0, 2, size=len(x))
    model.fit(x, y, batch_size=FRESH_BATCH, epochs=FRESH_EPOCHS, callbacks=[recorder], verbose=0)
    rates = getattr(recorder, "rates", None)
    if not isinstance(rates, list) or len(rates) != FRESH_EPOCHS:
        raise NotYet(
            f"a fresh {recorder_class.__name__}, trained by the check for {FRESH_EPOCHS} epochs, holds "
            f"{len(rates) if isinstance(rates, list) else 'no list of'} rates: record one per epoch, "
            "read from the optimizer while the run goes on, not numbers filled in afterwards."
        )
    try:
        rates = [float(keras.ops.convert_to_numpy(rate)) for rate in rates]
    except (TypeError, ValueError):
        raise NotYet(
            "recorder's rates should be numbers: convert the optimizer's learning rate with "
            "float(keras.ops.convert_to_numpy(...))."
        ) from None
    finite_array(rates, f"the rates of a fresh {recorder_class.__name__}")
    try:
        _compare(
            rates,
            _expected_rates(schedule, FRESH_EPOCHS, FRESH_STEPS),
            f"the rates a fresh {recorder_class.__name__} records on the check's own run",
        )
    except NotYet as reason:
        raise NotYet(
            f"{reason} (The check trained a fresh recorder under a schedule of its own: a recorder "
            "that holds numbers copied from the notebook's run records them again there.)"
        ) from None
