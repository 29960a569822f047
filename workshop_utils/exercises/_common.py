"""Checks that several exercises share: is it filled in, does the loss fit the labels, no leakage."""
import hashlib

import numpy as np

from ._core import NotStarted, NotYet, exercise_target


def given(value, what):
    """Return ``value``; raise NotStarted naming ``what`` while it is still ``None`` (the placeholder)."""
    if value is None:
        raise NotStarted(f"{what} is still None. Replace the None with your answer, then run the cell again.")
    return value


def keras_model(model, what="the model"):
    """Return ``model`` if it is a built Keras model; NotStarted for None, NotYet for anything else."""
    import keras

    given(model, what)
    if not isinstance(model, keras.Model):
        raise NotYet(f"{what} should be a Keras model (keras.Sequential or keras.Model), "
                     f"not a {type(model).__name__}.")
    if not model.built:
        raise NotYet(f"{what} is not built yet: give it a keras.Input(...) first, or train it once.")
    return model


def loss_label(loss):
    """Return the name of one loss (a string, a loss object or a function) as a string."""
    if isinstance(loss, str):
        return loss
    name = getattr(loss, "name", None) or getattr(loss, "__name__", None) or type(loss).__name__
    return str(name)


def loss_name(model):
    """Return the name of a compiled model's loss as a string (e.g. 'sparse_categorical_crossentropy')."""
    loss = getattr(model, "loss", None)
    if loss is None:
        raise NotYet("the model is not compiled yet: call model.compile(optimizer=..., loss=..., "
                     "metrics=[...]) before fit.")
    return loss_label(loss)


def ordered_layers(model):
    """Return a model's layers in order, nested models opened up in place (Input layers left out)."""
    import keras

    layers = []
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            layers.extend(ordered_layers(layer))
        elif not isinstance(layer, keras.layers.InputLayer):
            layers.append(layer)
    return layers


def label_form(y):
    """Return "one-hot" for labels of shape (n, classes) with rows summing to 1, otherwise "integer"."""
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] > 1 and np.allclose(y.sum(axis=1), 1):
        return "one-hot"
    return "integer"


def check_loss_fits_labels(model, y):
    """Raise NotYet when the compiled loss does not match the label form (integer vs one-hot)."""
    name = loss_name(model).lower()
    form = label_form(y)
    if "sparse" in name and form == "one-hot":
        raise NotYet("your labels are one-hot rows, but the loss expects integer class labels: "
                     "use the loss made for one-hot labels, or pass integer labels.")
    if "crossentropy" in name and "sparse" not in name and "binary" not in name and form == "integer":
        raise NotYet("your labels are integers, but the loss expects one-hot rows: use the sparse "
                     "version of the loss, or one-hot encode the labels.")


def fingerprints(x):
    """Return a set of short hashes, one per row (sample) of ``x``."""
    x = np.ascontiguousarray(np.asarray(x))
    return {hashlib.sha1(row.tobytes()).hexdigest()[:16] for row in x.reshape(len(x), -1)}


def check_at_least(value, exercise_id, what):
    """Raise NotYet when ``value`` is below the exercise's target for the active profile."""
    target = exercise_target(exercise_id)
    if float(value) < target:
        raise NotYet(f"{what} is {float(value):.4f}, below this profile's target of {target}. "
                     "Train longer, or check the model against the exercise text.")
    return f"{what} {float(value):.4f} >= {target}"


def history_values(history, metric):
    """Return the list of a metric's values per epoch from a ``History`` (what ``fit`` returns)."""
    import keras

    given(history, "the history (what fit returns)")
    if not isinstance(history, keras.callbacks.History):
        raise NotYet(f"pass the History object that fit returns, not a {type(history).__name__}.")
    if metric not in history.history:
        raise NotYet(f"the history has no {metric!r}: it holds {', '.join(history.history) or 'nothing'}. "
                     "Did you pass validation data, and the metric, to compile and fit?")
    return list(history.history[metric])
