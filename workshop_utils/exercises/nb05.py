"""Checks of notebook 05's exercises: the best epoch in one checkpoint file, a whole-model round trip."""
import tempfile
from pathlib import Path

import numpy as np

from ._common import check_at_least, given, history_values, keras_model, loss_name
from ._core import NotYet, exercise


def _predict(model, x, what):
    """Return a model's predictions as a NumPy array; NotYet with the reason when it cannot predict ``x``."""
    try:
        return np.asarray(model.predict(x, batch_size=1000, verbose=0))
    except Exception as error:  # a shape mismatch, images in the wrong form, ...
        raise NotYet(f"{what} cannot predict the arrays you passed ({type(error).__name__}: "
                     f"{str(error).splitlines()[0][:200]}).") from None


def _optimizer_steps(model):
    """Return how many steps a model's optimizer has taken (None when the model has no optimizer)."""
    import keras

    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return None
    return int(keras.ops.convert_to_numpy(optimizer.iterations))


@exercise("05.1", "keep the best epoch in one file")
def best_checkpoint(checkpoint, history, x_val, y_val):
    """The checkpoint watches val_accuracy upwards, keeps one file, and that file holds the best epoch."""
    import keras

    given(checkpoint, "checkpoint (your ModelCheckpoint)")
    if not isinstance(checkpoint, keras.callbacks.ModelCheckpoint):
        raise NotYet(f"checkpoint should be a keras.callbacks.ModelCheckpoint, not a {type(checkpoint).__name__}.")
    val_accuracy = history_values(history, "val_accuracy")
    given(x_val, "x_val")
    given(y_val, "y_val")
    if checkpoint.monitor not in history.history:
        raise NotYet(f"the checkpoint monitors {checkpoint.monitor!r}, a key that fit never logs (it logs "
                     f"{', '.join(sorted(history.history))}). Keras then warns and saves every epoch, so "
                     "the file holds the last epoch, not the best.")
    if checkpoint.monitor != "val_accuracy":
        raise NotYet(f"the checkpoint watches {checkpoint.monitor!r}; the exercise asks for the epoch with the "
                     "best accuracy on the validation data.")
    if checkpoint.mode == "min":
        raise NotYet("mode='min' tells the checkpoint that lower is better: for an accuracy it then keeps "
                     "the worst epoch. Use mode='max'.")
    if not checkpoint.save_best_only:
        raise NotYet("without save_best_only=True the checkpoint writes at every epoch, so the file ends up "
                     "holding the last epoch, not the best one.")
    if "{" in checkpoint.filepath:
        raise NotYet("the file name has a placeholder such as {epoch}, so each improvement gets a file of its "
                     "own. Use one fixed name (e.g. best.keras): each improvement then replaces the last.")
    path = Path(checkpoint.filepath)
    if path.resolve().parent == Path(tempfile.gettempdir()).resolve():
        raise NotYet(f"{path} lies in the system's temporary folder, which is shared and emptied on reboot. "
                     "Keep the file in this notebook's folder (paths.artifacts_dir).")
    if checkpoint.best is None:
        raise NotYet("the checkpoint has not watched a training run yet: pass it to fit(callbacks=[...]).")
    best = max(val_accuracy)
    if abs(float(checkpoint.best) - best) > 1e-6:
        raise NotYet("the checkpoint's best value is not the best val_accuracy of this history: pass the "
                     "history that the same fit call returned (a fresh checkpoint for every run).")
    if not path.exists():
        raise NotYet(f"there is no file at {path}: did the run finish?")
    y_val = np.asarray(y_val).reshape(-1)
    saved = keras.models.load_model(path, compile=False)
    file_accuracy = float(np.mean(np.argmax(_predict(saved, x_val, "the saved model"), axis=-1) == y_val))
    tolerance = 0.5 / len(y_val) + 1e-6
    if abs(file_accuracy - best) > tolerance:
        epochs = [k + 1 for k, value in enumerate(val_accuracy) if abs(value - file_accuracy) <= tolerance]
        which = f"epoch {epochs[-1]}'s model" if epochs else "a model of no epoch of this history"
        raise NotYet(f"the file holds {which} (validation accuracy {file_accuracy:.4f}), not the best epoch's "
                     f"({best:.4f}). Is it the file of this run, and x_val, y_val the validation data of fit?")
    best_epoch = int(np.argmax(val_accuracy)) + 1
    reached = check_at_least(best, "05.1", "the best validation accuracy")
    return (f"{path.name} holds epoch {best_epoch} of {len(val_accuracy)}, the best one; {reached}.")


@exercise("05.2", "a whole model, saved and loaded")
def round_trip(model, reloaded, x):
    """``reloaded`` came from a .keras file: same predictions, compiled, with the optimizer's state."""
    keras_model(model, "model (the trained model you saved)")
    keras_model(reloaded, "reloaded (the model you loaded back)")
    given(x, "x (the images to predict)")
    if reloaded is model:
        raise NotYet("reloaded is the very same Python object as model: load a new copy from the file with "
                     "keras.models.load_model.")
    steps = _optimizer_steps(model)
    if not steps:
        raise NotYet("model has not been trained yet: save a trained model, so that the round trip has "
                     "weights and an optimizer state to keep.")
    original = _predict(model, x, "model")
    copy = _predict(reloaded, x, "reloaded")
    if copy.shape != original.shape:
        raise NotYet(f"reloaded gives outputs of shape {copy.shape}, model {original.shape}: they are not "
                     "the same network.")
    if not np.allclose(copy, original, rtol=1e-6, atol=1e-7):
        raise NotYet(f"reloaded predicts differently (largest difference {np.abs(copy - original).max():.2g}). "
                     "Load the file you saved from this model, and save it after training, not before.")
    if not getattr(reloaded, "compiled", False):
        raise NotYet("reloaded predicts like model but is not compiled: a weights file fills a model you "
                     "build yourself and keeps no loss or optimizer. Save the whole model with "
                     "model.save('....keras') and load it with keras.models.load_model.")
    if loss_name(reloaded) != loss_name(model):
        raise NotYet("reloaded is compiled with another loss than model: load the compile settings from the "
                     "file instead of compiling again.")
    if _optimizer_steps(reloaded) != steps:
        raise NotYet("reloaded's optimizer has not kept model's state (its step count differs), so further "
                     "training would start the optimizer afresh. Load the whole .keras file rather than "
                     "compiling a new model and loading weights into it.")
    return (f"identical predictions for {len(original)} images, and reloaded is compiled with the same loss "
            f"and optimizer state ({steps} steps): it could carry on training.")
