"""Checks of notebook 05's exercises: the best epoch in one checkpoint file, a whole-model round trip.

The checks hold the notebook's data (``_held``): its MNIST subset for the active profile, split into
training and validation rows as the notebook splits them, and its test rows. 05.1 calls the learner's
training function with the training and validation rows and watches its ``fit``; both checks score models
on rows the check holds. Backend-agnostic: the notebook runs under TensorFlow, JAX and PyTorch.
"""

import dataclasses
import functools
import tempfile
from pathlib import Path

import numpy as np

from ._core import NotYet, exercise
from ._heldout import data_settings, image_split, mlp_rows
from ._judging import (
    finite,
    given,
    keras_model,
    loss_name,
    recording_fit,
    require_at_least,
    require_not_fitted_to_test,
    require_training_data,
    run_learner,
    shared_rows,
)
from ._predict import outputs_of

NOTEBOOK = "05_checkpoints_and_saving"


@dataclasses.dataclass(frozen=True)
class Held:
    """The notebook's rows, as its cells 5-9 cut and scale them: 784 floats in [0, 1] per image."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray


@functools.lru_cache(maxsize=4)
def _notebook_rows(env):
    from sklearn.model_selection import train_test_split

    from ..course import config

    cfg = config.notebook_settings(NOTEBOOK)
    (x_full, y_full), (x_test, y_test) = image_split("load_mnist", NOTEBOOK)
    x_train, x_val, y_train, y_val = train_test_split(
        x_full, y_full, test_size=cfg.validation_size, stratify=y_full, random_state=cfg.seed
    )
    return Held(mlp_rows(x_train), y_train, mlp_rows(x_val), y_val, mlp_rows(x_test), y_test)


def _held():
    """The notebook's rows for the active profile and data settings (the tests replace this)."""
    return _notebook_rows(data_settings())


def _outputs(model, x, what):
    """A model's outputs on ``x``; NotYet when it cannot read them or gives NaN or infinite values."""
    try:
        outputs = outputs_of(model, x)
    except Exception as error:  # a shape mismatch, images in the wrong form, ...
        raise NotYet(
            f"{what} cannot read the notebook's rows of 784 pixels ({type(error).__name__}: "
            f"{str(error).splitlines()[0][:200]})."
        ) from None
    if not np.all(np.isfinite(outputs)):
        raise NotYet(
            f"{what} gives NaN or infinite outputs: its weights diverged. Lower the learning rate and train again."
        )
    return outputs


def _as_bytes(rows):
    """Rows of pixels in [0, 1] back as uint8 0..255: the same images for the checks' comparisons, in an eighth
    of the memory that comparing floats takes."""
    return np.rint(np.asarray(rows) * 255).astype(np.uint8)


def _accuracy(outputs, y):
    return float(np.mean(np.argmax(outputs, axis=-1) == np.asarray(y).reshape(-1)))


def _optimizer_steps(model):
    """Return how many steps a model's optimizer has taken (None when the model has no optimizer)."""
    import keras

    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return None
    return int(keras.ops.convert_to_numpy(optimizer.iterations))


def _check_finite_weights(model, what):
    import keras

    for weight in model.weights:
        if not np.all(np.isfinite(keras.ops.convert_to_numpy(weight))):
            raise NotYet(
                f"{what}'s weights hold NaN or infinite values: the training diverged. Lower the "
                "learning rate and train again."
            )


@exercise("05.1", "keep the best epoch in one file")
def best_checkpoint(train_with_checkpoint):
    """``train_with_checkpoint(x_train, y_train, x_val, y_val)`` trains with a ModelCheckpoint that watches
    val_accuracy upwards and keeps one file; the check calls it with the notebook's data, watches fit, and
    scores the file on the validation rows."""
    import keras

    given(train_with_checkpoint, "train_with_checkpoint (your function)")
    held = _held()
    with recording_fit() as calls:
        result = run_learner(
            train_with_checkpoint, held.x_train, held.y_train, held.x_val, held.y_val, what="train_with_checkpoint"
        )
    if not (isinstance(result, tuple) and len(result) == 2):
        raise NotYet(
            "train_with_checkpoint should return two things: the checkpoint and what fit returned "
            "(return checkpoint, history)."
        )
    checkpoint, history = result
    if not isinstance(checkpoint, keras.callbacks.ModelCheckpoint):
        raise NotYet(f"the checkpoint should be a keras.callbacks.ModelCheckpoint, not a {type(checkpoint).__name__}.")
    if not isinstance(history, keras.callbacks.History):
        raise NotYet(f"pass the History object that fit returns, not a {type(history).__name__}.")
    x_given = np.concatenate([_as_bytes(held.x_train), _as_bytes(held.x_val)])  # compared as images
    require_training_data(calls, x_given, _as_bytes(held.x_test), what="train_with_checkpoint")
    runs = [call for call in calls if any(callback is checkpoint for callback in call.callbacks)]
    if not runs:
        raise NotYet("no fit call got the checkpoint: pass it to fit(callbacks=[checkpoint]).")
    run = runs[-1]
    if run.history is not history:
        raise NotYet(
            "the history is not the one that fit returned for the run with the checkpoint: return "
            "both from the same fit call."
        )
    (x_fit, _), validation = run.training_and_validation()
    if validation is None:
        raise NotYet(
            "fit got no validation data, so there is no val_accuracy to watch: pass validation_data=(x_val, y_val)."
        )
    x_val_fit = validation[0]
    if len(x_val_fit) != len(held.x_val) or shared_rows(x_val_fit, held.x_val) < len(held.x_val):
        raise NotYet(
            "fit did not validate on x_val, the validation rows the function received: pass "
            "validation_data=(x_val, y_val), so that the checkpoint chooses its epoch on them."
        )
    if shared_rows(x_fit, held.x_val):
        raise NotYet("fit trained on validation rows too: train on x_train, y_train, and keep x_val for validation.")
    for key in ("loss", "val_loss"):
        for value in history.history.get(key, []):
            finite(value, f"a {key} of the run")
    val_accuracy = list(history.history.get("val_accuracy") or [])
    if checkpoint.monitor not in history.history:
        raise NotYet(
            f"the checkpoint monitors {checkpoint.monitor!r}, a key that fit never logs (it logs "
            f"{', '.join(sorted(history.history))}). Keras then warns and saves every epoch, so "
            "the file holds the last epoch, not the best."
        )
    if checkpoint.monitor != "val_accuracy":
        raise NotYet(
            f"the checkpoint watches {checkpoint.monitor!r}; the exercise asks for the epoch with the "
            "best accuracy on the validation data."
        )
    if checkpoint.mode == "min":
        raise NotYet(
            "mode='min' tells the checkpoint that lower is better: for an accuracy it then keeps "
            "the worst epoch. Use mode='max'."
        )
    if not checkpoint.save_best_only:
        raise NotYet(
            "without save_best_only=True the checkpoint writes at every epoch, so the file ends up "
            "holding the last epoch, not the best one."
        )
    if "{" in checkpoint.filepath:
        raise NotYet(
            "the file name has a placeholder such as {epoch}, so each improvement gets a file of its "
            "own. Use one fixed name (e.g. best.keras): each improvement then replaces the last."
        )
    path = Path(checkpoint.filepath)
    if path.resolve().parent == Path(tempfile.gettempdir()).resolve():
        raise NotYet(
            f"{path} lies in the system's temporary folder, which is shared and emptied on reboot. "
            "Keep the file in this notebook's folder (paths.artifacts_dir)."
        )
    if not path.exists():
        raise NotYet(f"there is no file at {path}: did the run finish?")
    best = finite(max(val_accuracy), "the best val_accuracy")
    saved = keras.models.load_model(path, compile=False)
    _check_finite_weights(saved, "the saved model")
    file_accuracy = _accuracy(_outputs(saved, held.x_val, "the saved model"), held.y_val)
    tolerance = 0.5 / len(held.y_val) + 1e-6
    if abs(file_accuracy - best) > tolerance:
        epochs = [k + 1 for k, value in enumerate(val_accuracy) if abs(value - file_accuracy) <= tolerance]
        which = f"epoch {epochs[-1]}'s model" if epochs else "a model of no epoch of this run"
        raise NotYet(
            f"the file holds {which}, not the best epoch's. Does the checkpoint write the file of this "
            "run, and keep only improvements?"
        )
    best_epoch = int(np.argmax(val_accuracy)) + 1
    reached = require_at_least(file_accuracy, "05.1", "the saved model's validation accuracy")
    return (
        f"{path.name} holds epoch {best_epoch} of {len(val_accuracy)}, the best one on the validation "
        f"rows fit got; {reached}."
    )


@exercise("05.2", "a whole model, saved and loaded")
def round_trip(model, reloaded):
    """``reloaded`` came from a .keras file: a separate model with the same predictions on the notebook's test
    rows (held by the check), compiled alike, with the optimizer's state; and the model is a trained one."""
    keras_model(model, "best_model (the trained model you saved)")
    keras_model(reloaded, "reloaded_model (the model you loaded back)")
    if reloaded is model:
        raise NotYet(
            "reloaded_model is the very same Python object as best_model: load a new copy from the "
            "file with keras.models.load_model."
        )
    if {id(v) for v in model.weights} & {id(v) for v in reloaded.weights}:
        raise NotYet(
            "reloaded_model shares its weights with best_model, so nothing went through a file: save "
            "best_model and load a new copy with keras.models.load_model."
        )
    _check_finite_weights(model, "best_model")
    _check_finite_weights(reloaded, "reloaded_model")
    steps = _optimizer_steps(model)
    if not steps:
        raise NotYet(
            "best_model has not been trained yet: save a trained model, so that the round trip has "
            "weights and an optimizer state to keep."
        )
    held = _held()
    original = _outputs(model, held.x_test, "best_model")
    copy = _outputs(reloaded, held.x_test, "reloaded_model")
    if copy.shape != original.shape:
        raise NotYet(
            f"reloaded_model gives outputs of shape {copy.shape}, best_model {original.shape}: they are "
            "not the same network."
        )
    if not np.allclose(copy, original, rtol=1e-6, atol=1e-7):
        raise NotYet(
            f"reloaded_model predicts differently (largest difference "
            f"{np.abs(copy - original).max():.2g}). Load the file you saved from this model, and save it "
            "after training, not before."
        )
    if not getattr(reloaded, "compiled", False):
        raise NotYet(
            "reloaded_model predicts like best_model but is not compiled: a weights file fills a model "
            "you build yourself and keeps no compile settings. Save the whole model with "
            "model.save('....keras') and load it with keras.models.load_model."
        )
    if loss_name(reloaded) != loss_name(model):
        raise NotYet(
            "reloaded_model is compiled with another loss than best_model: load the compile settings "
            "from the file instead of compiling again."
        )
    if _optimizer_steps(reloaded) != steps:
        raise NotYet(
            "reloaded_model's optimizer has not kept best_model's state (its step count differs), so "
            "further training would start the optimizer afresh. Load the whole .keras file rather than "
            "compiling a new model and loading weights into it."
        )
    accuracy = _accuracy(copy, held.y_test)
    require_not_fitted_to_test(
        accuracy,
        len(held.y_test),
        _accuracy(_outputs(reloaded, held.x_val, "reloaded_model"), held.y_val),
        len(held.y_val),
        "reloaded_model",
    )
    reached = require_at_least(
        accuracy,
        "05.2",
        "the reloaded model's test accuracy",
        "Save the trained best model (the best checkpoint), not a model that has barely trained.",
    )
    return (
        f"identical predictions for the {len(original)} test images ({reached}), "
        f"and reloaded_model is compiled with the same loss and optimizer state ({steps} steps): it could "
        "carry on training."
    )
