"""Checks that several exercises share: is it filled in, finite figures, the loss fits the labels, and
where the data of a training run came from (no test data for validation or selection)."""

import contextlib
import dataclasses
import functools
import hashlib
import inspect
import math

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
        raise NotYet(f"{what} should be a Keras model (keras.Sequential or keras.Model), not a {type(model).__name__}.")
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
        raise NotYet(
            "the model is not compiled yet: call model.compile(optimizer=..., loss=..., metrics=[...]) before fit."
        )
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


def require_loss_fits_labels(model, y):
    """Raise NotYet when the compiled loss does not match the label form (integer vs one-hot)."""
    name = loss_name(model).lower()
    form = label_form(y)
    if "sparse" in name and form == "one-hot":
        raise NotYet(
            "your labels are one-hot rows, but the loss expects integer class labels: "
            "use the loss made for one-hot labels, or pass integer labels."
        )
    if "crossentropy" in name and "sparse" not in name and "binary" not in name and form == "integer":
        raise NotYet(
            "your labels are integers, but the loss expects one-hot rows: use the sparse "
            "version of the loss, or one-hot encode the labels."
        )


def fingerprints(x):
    """Return a set of short hashes, one per row (sample) of ``x``."""
    x = np.ascontiguousarray(np.asarray(x))
    return {hashlib.sha1(row.tobytes()).hexdigest()[:16] for row in x.reshape(len(x), -1)}


def finite(value, what):
    """Return ``value`` as a float; NotYet when it is NaN or infinite (a diverged run, a division by zero)."""
    try:
        number = float(np.asarray(value, dtype="float64").reshape(()))
    except (TypeError, ValueError):
        raise NotYet(f"{what} should be one number, not {type(value).__name__} {value!r:.60}.") from None
    if not math.isfinite(number):
        raise NotYet(
            f"{what} is {number}: a figure that is not finite means the training diverged or a "
            "division went wrong. Lower the learning rate, check the inputs' scaling, and retrain."
        )
    return number


def finite_array(values, what):
    """Return ``values`` as a float64 array; NotYet when any of them is NaN or infinite."""
    try:
        array = np.asarray(values, dtype="float64")
    except (TypeError, ValueError):
        raise NotYet(f"{what} should hold numbers, not {type(values).__name__}.") from None
    bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
    if bad:
        raise NotYet(
            f"{bad} of the {array.size} values of {what} are NaN or infinite: the training diverged "
            "or a computation went wrong. Lower the learning rate, check the inputs' scaling, and retrain."
        )
    return array


ADVICE = "Train longer, or check the model against the exercise text."


def require_at_least(value, exercise_id, what, advice=ADVICE):
    """Raise NotYet (with ``advice``) when ``value`` is not finite or below the exercise's target for the
    active profile; return a line saying it met it."""
    value = finite(value, what)
    target = exercise_target(exercise_id)
    if not value >= target:
        raise NotYet(f"{what} is {value:.4f}, below this profile's target of {target}. {advice}")
    return f"{what} {value:.4f} >= {target}"


def require_at_most(value, exercise_id, what, advice=ADVICE):
    """Raise NotYet (with ``advice``) when ``value`` (an error ratio) is not finite or above the exercise's
    target; return a line saying it met it."""
    value = finite(value, what)
    target = exercise_target(exercise_id)
    if not value <= target:
        raise NotYet(f"{what} is {value:.3f}, above this profile's target of at most {target}. {advice}")
    return f"{what} {value:.3f} <= {target}"


def probe_outputs(model, count=8, seed=0):
    """The model's outputs on ``count`` random inputs in [0, 1] of its input shape (None when that shape
    has unknown sizes): a cheap look for NaN before any training or scoring."""
    shape = tuple(model.inputs[0].shape[1:])
    if any(size is None for size in shape):
        return None
    from ._predict import outputs_of

    probe = np.random.default_rng(seed).uniform(size=(count,) + shape).astype("float32")
    return np.asarray(outputs_of(model, probe), dtype="float64")


def pixel_rows(x):
    """Return images or rows of pixels in any of the course's forms (uint8 0..255, floats in [0, 1] or in
    0..255, flattened or not) as uint8 rows, so that the same image always gives the same row."""
    x = np.asarray(x)
    if len(x) == 0:
        return x.reshape(0, 0).astype(np.uint8)
    if x.dtype != np.uint8:
        x = np.asarray(x, dtype=np.float32)
        if not np.isfinite(x).all():
            x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
        scale = np.float32(255.0 if x.max() <= 1.0 + 1e-6 else 1.0)
        x = np.clip(np.rint(x * scale), 0, 255).astype(np.uint8)
    return x.reshape(len(x), -1)


def _row_hashes(x):
    """One short hash per image of ``x`` (see ``pixel_rows``), in order."""
    rows = np.ascontiguousarray(pixel_rows(x))
    return [hashlib.sha1(row.data).hexdigest()[:16] for row in rows]


def pixel_fingerprints(x):
    """Return one short hash per image (see ``pixel_rows``): compare them to find shared images."""
    return set(_row_hashes(x))


def shared_rows(x, reference):
    """How many rows (images) of ``x`` are also rows of ``reference``, whatever their scale."""
    known = reference if isinstance(reference, (set, frozenset)) else pixel_fingerprints(reference)
    return sum(fingerprint in known for fingerprint in _row_hashes(x))


def model_loss(model, x, y):
    """The model's compiled loss on ``x``, ``y`` in inference mode, as fit reports val_loss (regularisation
    included), computed without tracing a new function."""
    import keras

    from ._predict import outputs_of

    predictions = outputs_of(model, x)
    loss = model.compute_loss(
        x=None,
        y=keras.ops.convert_to_tensor(np.asarray(y)),
        y_pred=keras.ops.convert_to_tensor(predictions),
        training=False,
    )
    return float(keras.ops.convert_to_numpy(loss))


def require_not_validated_on(history, model, x, y, what="the test images"):
    """NotYet when one of the history's ``val_loss`` values is the model's loss on ``x``, ``y``: the run
    validated (and perhaps stopped or chose its epoch) on that data."""
    values = (getattr(history, "history", None) or {}).get("val_loss") or []
    if not values:
        return
    loss = model_loss(model, x, y)
    if any(np.isclose(value, loss, rtol=1e-4, atol=1e-7) for value in values):
        raise NotYet(
            f"the validation figures of this run are the model's figures on {what}: fit validated on "
            "them. The test set stays unseen until the final evaluation; validate on data split off "
            "the training set."
        )


def require_not_fitted_to_test(test_accuracy, n_test, val_accuracy, n_val, what):
    """NotYet when a model does clearly better on the test images than on validation images it never saw
    (beyond 3.5 standard errors of the difference, plus 2 points): it was trained or chosen on the test set."""
    p = min(max((test_accuracy + val_accuracy) / 2, 0.01), 0.99)
    margin = 0.02 + 3.5 * math.sqrt(p * (1 - p) * (1 / n_test + 1 / n_val))
    if test_accuracy - val_accuracy > margin:
        raise NotYet(
            f"{what} does much better on the test images ({test_accuracy:.3f}) than on validation images "
            f"it never saw ({val_accuracy:.3f}): it learned the test set. Train on the training images "
            "only; the test images stay unseen until the final evaluation."
        )


@dataclasses.dataclass
class FitCall:
    """One call of ``fit`` seen by ``recording_fit``: the model and the data it got."""

    model: object
    x: object
    y: object
    validation_data: object
    validation_split: float
    callbacks: list
    history: object = None

    def training_and_validation(self):
        """Return ((x, y) fitted on, (x, y) validated on or None), as fit splits them."""
        if self.validation_data is not None:
            data = tuple(self.validation_data)
            return (self.x, self.y), (data[0], data[1] if len(data) > 1 else None)
        if self.validation_split:
            from keras.src.trainers.data_adapters.array_slicing import train_validation_split

            (x_fit, y_fit), (x_val, y_val) = train_validation_split((self.x, self.y), self.validation_split)
            return (x_fit, y_fit), (x_val, y_val)
        return (self.x, self.y), None


@contextlib.contextmanager
def recording_fit():
    """Within the block, every ``fit`` of every Keras model (Keras Tuner's trials included) is recorded in
    the list this yields, with the data it got; training itself is unchanged."""
    import keras

    calls = []
    had_own = "fit" in keras.Model.__dict__
    original = keras.Model.fit
    signature = inspect.signature(original)

    @functools.wraps(original)
    def fit(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        given = bound.arguments
        call = FitCall(
            self,
            given["x"],
            given["y"],
            given["validation_data"],
            given["validation_split"],
            list(given["callbacks"] or []),
        )
        calls.append(call)
        call.history = original(self, *args, **kwargs)
        return call.history

    keras.Model.fit = fit
    try:
        yield calls
    finally:
        if had_own:
            keras.Model.fit = original
        else:
            del keras.Model.fit


def run_learner(function, *args, what="your function"):
    """Call a function the learner wrote with data the check holds; NotYet (with the error) when it fails."""
    if not callable(function):
        raise NotYet(f"{what} should be a function (def ...), not a {type(function).__name__}.")
    try:
        return function(*args)
    except (NotYet, NotStarted):
        raise
    except Exception as error:
        first = str(error).splitlines()[0][:300] if str(error) else ""
        raise NotYet(
            f"{what} stopped with {type(error).__name__}: {first}. Run it on the notebook's data "
            "first and fix what it says."
        ) from error


# Real image sets hold a few exact duplicates (the same image in train and test); up to this share of a
# part may be shared by chance. A leak shares far more.
DUPLICATE_TOLERANCE = 0.01


def _leaks(x, reference):
    shared = shared_rows(x, reference)
    return shared if shared > DUPLICATE_TOLERANCE * max(len(x), 1) else 0


def require_training_data(calls, x_given, x_test, what="your function"):
    """NotYet unless every recorded fit trained and validated on the images the check handed over, with
    validation images kept apart from the training images and no test image anywhere."""
    if not calls:
        raise NotYet(f"{what} never called fit: train the model inside the function.")
    given, test = pixel_fingerprints(x_given), pixel_fingerprints(x_test)
    for call in calls:
        (x_fit, _), validation = call.training_and_validation()
        if x_fit is None or not hasattr(x_fit, "__len__"):
            raise NotYet(
                f"{what} trained on a {type(x_fit).__name__}: pass fit the arrays it receives (or parts "
                "of them), so that the check can see which images it trained on."
            )
        fit_rows = pixel_fingerprints(x_fit)
        if _leaks(x_fit, test):
            raise NotYet(
                f"{what} trained on {_leaks(x_fit, test)} test images: the test set stays unseen "
                "until the final evaluation."
            )
        if shared_rows(x_fit, given) < len(x_fit):
            raise NotYet(
                f"{what} trained on images that are not among those the check handed it: use the "
                "function's arguments, not the notebook's variables."
            )
        if validation is None:
            continue
        x_val = validation[0]
        if _leaks(x_val, test):
            raise NotYet(
                f"{what} validated on {_leaks(x_val, test)} test images: the validation data "
                "chooses epochs and models, so it must come from the training images, never from the "
                "test set."
            )
        if shared_rows(x_val, given) < len(x_val):
            raise NotYet(
                f"{what} validated on images that are not among those the check handed it: split "
                "the validation part off the function's arguments."
            )
        if _leaks(x_val, fit_rows):
            raise NotYet(
                f"{_leaks(x_val, fit_rows)} of the validation images are also training images, so "
                "the validation figures look better than they are. Split the training arrays into "
                "two parts that do not overlap."
            )


def history_values(history, metric):
    """Return the list of a metric's values per epoch from a ``History`` (what ``fit`` returns)."""
    import keras

    given(history, "the history (what fit returns)")
    if not isinstance(history, keras.callbacks.History):
        raise NotYet(f"pass the History object that fit returns, not a {type(history).__name__}.")
    if metric not in history.history:
        raise NotYet(
            f"the history has no {metric!r}: it holds {', '.join(history.history) or 'nothing'}. "
            "Did you pass validation data, and the metric, to compile and fit?"
        )
    return list(history.history[metric])
