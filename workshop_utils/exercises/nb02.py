"""Checks for notebook 02 (an MLP on Fashion-MNIST): labels and loss, held-out validation, argmax.

The checks hold notebook 02's own subsets (``_heldout.image_split``, the profile's sizes and seed) and score
the learner's models on the test images they hold. 02.2 calls the learner's training function with the
training images it holds and watches every ``fit``; 02.3 calls the learner's functions on a model and on
labels the learner has not seen.
"""

import contextlib
import sys

import numpy as np

from ._core import NotYet, exercise
from ._heldout import image_split, mlp_rows
from ._judging import (
    finite_array,
    given,
    history_values,
    keras_model,
    loss_name,
    recording_fit,
    require_at_least,
    require_not_validated_on,
    require_training_data,
    run_learner,
)
from ._predict import outputs_of

NOTEBOOK = "02_mlp_fashion_mnist"
NUM_CLASSES = 10


# --- the notebook's data, as notebook 02 cuts it ---------------------------------------------------------


def _fashion():
    """The raw uint8 Fashion-MNIST subsets of notebook 02 in the active profile: ((x, y), (x_test, y_test))."""
    return image_split("load_fashion_mnist", NOTEBOOK)


def _mnist():
    """The raw uint8 MNIST subsets of notebook 02's variation in the active profile."""
    return image_split("load_mnist", NOTEBOOK)


# --- helpers -------------------------------------------------------------------------------------------


def _output_units(model, what):
    units = model.output_shape[-1]
    if units != NUM_CLASSES:
        direction = "fewer" if units < NUM_CLASSES else "more"
        raise NotYet(
            f"{what}'s last layer has {units} units, {direction} than the 10 classes: it needs one "
            "output per class, with a softmax."
        )


def _history_of(history, model, what):
    """Return the finite validation accuracies of ``history`` after checking that ``model`` made it."""
    values = history_values(history, "val_accuracy")
    if history.model is not model:
        raise NotYet(f"the history comes from another model: pass the History that {what}.fit returned.")
    finite_array(history.history.get("loss", []), f"the training losses in {what}'s history")
    return finite_array(values, f"the validation accuracies in {what}'s history")


def _test_accuracy(model, x_test, y_test, what):
    outputs = finite_array(outputs_of(model, x_test), f"{what}'s outputs on the test images")
    return float(np.mean(np.argmax(outputs, axis=-1) == np.asarray(y_test).reshape(-1)))


def _dense_parameters(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


def _sparse_loss(model, what):
    """NotYet unless the model is compiled with a loss for integer labels."""
    name = loss_name(model).lower()
    if "sparse" in name and "crossentropy" in name:
        return
    if "crossentropy" in name:
        raise NotYet(
            f"{what} is compiled with {name!r}, the loss for one-hot rows: this exercise trains on the "
            "integer labels y_train, so use the sparse version of the loss."
        )
    raise NotYet(
        f"{what} is compiled with the loss {name!r}; ten classes with integer labels need "
        "sparse_categorical_crossentropy."
    )


@contextlib.contextmanager
def _closing_new_figures():
    """Close any Matplotlib figure the learner's function draws while the check calls it many times."""
    plt = sys.modules.get("matplotlib.pyplot")
    before = set(plt.get_fignums()) if plt else set()
    try:
        yield
    finally:
        plt = sys.modules.get("matplotlib.pyplot")
        for number in set(plt.get_fignums()) - before if plt else ():
            plt.close(number)


# --- the exercises -------------------------------------------------------------------------------------


@exercise("02.1", "integer labels and the sparse loss")
def check_sparse_model(model, history):
    """The model trains on integer labels with the loss that fits them, validates apart from the test set,
    and classifies the test images the check holds well."""
    model = keras_model(model, "sparse_model")
    _output_units(model, "sparse_model")
    _sparse_loss(model, "sparse_model")
    _history_of(history, model, "sparse_model")
    _, (x_test_img, y_test) = _fashion()
    x_test, y_test = mlp_rows(x_test_img), np.asarray(y_test).astype("int64").reshape(-1)
    require_not_validated_on(history, model, x_test, y_test)
    accuracy = _test_accuracy(model, x_test, y_test, "sparse_model")
    return (
        require_at_least(accuracy, "02.1", "test accuracy")
        + "; integer labels with the sparse loss, validated apart from the test set."
    )


def _model_and_history(result):
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise NotYet(
            "train_big_model should return two things, the trained model and what its fit returned: "
            "end it with `return model, history`."
        )
    return result


def _check_validation_given(calls):
    for call in calls:
        if call.validation_data is not None:
            continue
        if call.validation_split:
            raise NotYet(
                "train_big_model lets fit split the validation part (validation_split): this exercise "
                "asks you to split it yourself and pass validation_data=(x_val, y_val)."
            )
        raise NotYet(
            "train_big_model calls fit without validation data: split a validation part off its "
            "arguments and pass validation_data=(x_val, y_val)."
        )


@exercise("02.2", "validation held out of the training images")
def check_held_out_validation(train_big_model):
    """``train_big_model(x_train, y_train)`` returns ``(model, history)``: the 784-512-512-10 network, trained
    on part of the arrays it gets and validated on the rest. The check calls it with the training images it
    holds, watches every fit (no test image, no overlap), and scores the model on its held test images."""
    function = given(train_big_model, "train_big_model")
    (x_train_img, y_train), (x_test_img, y_test) = _fashion()
    x_train, x_test = mlp_rows(x_train_img), mlp_rows(x_test_img)
    y_train, y_test = np.asarray(y_train).astype("int64"), np.asarray(y_test).astype("int64")
    with recording_fit() as calls:
        result = run_learner(function, x_train, y_train.copy(), what="train_big_model")
    model, history = _model_and_history(result)
    model = keras_model(model, "the model train_big_model returns")
    require_training_data(calls, x_train, x_test, "train_big_model")
    _check_validation_given(calls)
    if not any(call.model is model for call in calls):
        raise NotYet(
            "the model train_big_model returns is not the one it trained: return the model whose fit "
            "you called, with its history."
        )
    _output_units(model, "big_model")
    expected = _dense_parameters([784, 512, 512, NUM_CLASSES])
    if model.count_params() != expected:
        direction = "fewer" if model.count_params() < expected else "more"
        raise NotYet(
            f"big_model has {direction} parameters than the MNIST network (784 inputs, two hidden "
            "layers of 512, 10 outputs; Dropout adds none)."
        )
    _sparse_loss(model, "big_model")
    _history_of(history, model, "big_model")
    accuracy = _test_accuracy(model, x_test, y_test, "big_model")
    n_val = len(calls[-1].training_and_validation()[1][0])
    return (
        require_at_least(accuracy, "02.2", "test accuracy")
        + f"; {n_val} validation images held out of the training images, none from the test set."
    )


def _template_model(images, labels, shift=0):
    """A nearest-class-mean classifier as a Keras model (one Dense layer, softmax), built from ``images``
    (flattened rows in [0, 1]); ``shift`` rolls its classes, so that it predicts other digits."""
    import keras

    labels = np.asarray(labels).reshape(-1)
    means = np.stack(
        [
            images[labels == k].mean(axis=0) if np.any(labels == k) else np.zeros(images.shape[1])
            for k in range(NUM_CLASSES)
        ]
    )
    kernel, bias = 2 * means.T / 10, -(means**2).sum(axis=1) / 10  # argmax = the nearest class mean
    model = keras.Sequential(
        [keras.Input(shape=(images.shape[1],)), keras.layers.Dense(NUM_CLASSES, activation="softmax")],
        name="check_model",
    )
    model.layers[-1].set_weights(
        [np.roll(kernel, shift, axis=1).astype("float32"), np.roll(bias, shift).astype("float32")]
    )
    return model


def _classes(result, count):
    """The learner's predicted classes as a 1-D int array of ``count`` entries, or NotYet saying why not."""
    try:
        classes = np.asarray(result)
    except Exception:
        raise NotYet(
            f"predicted_digits returned a {type(result).__name__}; it should return one class index "
            "per image (a NumPy array)."
        ) from None
    if classes.ndim == 2 and classes.shape == (count, NUM_CLASSES):
        raise NotYet(
            "predicted_digits returns a row of 10 probabilities per image; it should return one class "
            "index per image: take the argmax along the last axis."
        )
    if classes.ndim == 1 and len(classes) == NUM_CLASSES != count:
        raise NotYet(
            "predicted_digits returns one value per class instead of one per image: argmax went along "
            "the wrong axis (use axis=-1)."
        )
    if classes.ndim != 1 or len(classes) != count:
        raise NotYet(
            f"predicted_digits returned shape {classes.shape} for {count} images; it should return one "
            "class index per image it gets. Use its arguments (model, images), not the notebook's "
            "variables."
        )
    values = finite_array(classes, "the classes predicted_digits returns")
    if not np.array_equal(values, np.round(values)):
        raise NotYet(
            "predicted_digits returns numbers that are not class indices: take the argmax of the model's probabilities."
        )
    return values.astype("int64")


def _confusion(y_true, y_pred):
    counts = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype="int64")
    np.add.at(counts, (np.asarray(y_true, "int64").reshape(-1), np.asarray(y_pred, "int64").reshape(-1)), 1)
    return counts


def _planted_case(rng, pair, diagonal_top, dtype):
    """Labels whose most frequent mix-up is ``pair`` (its reverse comes second) and whose largest diagonal
    count is ``diagonal_top``: (y_true, y_pred) in a random order."""
    a, b = pair
    counts = rng.integers(0, 3, size=(NUM_CLASSES, NUM_CLASSES))
    np.fill_diagonal(counts, rng.integers(20, 40, size=NUM_CLASSES))
    counts[diagonal_top, diagonal_top] = 60
    counts[a, b] = rng.integers(12, 18)
    counts[b, a] = counts[a, b] - rng.integers(3, 6)
    rows, columns = np.indices(counts.shape)
    y_true, y_pred = np.repeat(rows.ravel(), counts.ravel()), np.repeat(columns.ravel(), counts.ravel())
    order = rng.permutation(len(y_true))
    return y_true[order].astype(dtype), y_pred[order].astype(dtype)


def _pair(answer):
    try:
        values = np.asarray(answer).reshape(-1)
        true_digit, predicted_digit = (int(d) for d in values)
        if not np.array_equal(values.astype("float64"), [true_digit, predicted_digit]):
            raise ValueError
    except (TypeError, ValueError):
        raise NotYet("most_confused should return a pair of two digits: (true digit, predicted digit).") from None
    if not (0 <= true_digit < NUM_CLASSES and 0 <= predicted_digit < NUM_CLASSES):
        raise NotYet("most_confused returned a digit outside 0..9: return (row, column) of the confusion matrix.")
    return true_digit, predicted_digit


def _judge_pair(answer, counts):
    true_digit, predicted_digit = answer
    if true_digit == predicted_digit:
        raise NotYet(
            "most_confused returned a pair of the same digit, which counts correct predictions (the "
            "diagonal): set the diagonal of a copy of the counts to 0 before you look for the largest."
        )
    off_diagonal = counts - np.diag(np.diag(counts))
    largest = off_diagonal.max()
    if off_diagonal[true_digit, predicted_digit] == largest:
        return
    if off_diagonal[predicted_digit, true_digit] == largest:
        raise NotYet(
            "most_confused gives the pair the wrong way round: return (true digit, predicted digit), "
            "the row of the confusion matrix first and the column second."
        )
    raise NotYet(
        "most_confused misses the most frequent mix-up: another pair of digits is mixed up more often. "
        "Count (true, predicted) pairs in a 10x10 table, rows for true digits, and find the largest "
        "count off the diagonal."
    )


@exercise("02.3", "the digits the MNIST model mixes up")
def check_most_confused(predicted_digits, most_confused):
    """``predicted_digits(model, images)`` is the argmax of the model's probabilities; ``most_confused(y_true,
    y_pred)`` the (true, predicted) pair with the largest count off the diagonal. The check calls both on a
    model of its own, on the MNIST test images it holds, and on labels it makes up for the occasion."""
    predicted_digits = given(predicted_digits, "predicted_digits")
    most_confused = given(most_confused, "most_confused")
    for function, name in ((predicted_digits, "predicted_digits"), (most_confused, "most_confused")):
        if not callable(function):
            raise NotYet(
                f"{name} should be a function (def {name}(...): ...), not a {type(function).__name__}: "
                "the check calls it on data you have not seen."
            )
    (x_train_img, y_train), (x_test_img, y_test) = _mnist()
    x_train, x_test = mlp_rows(x_train_img), mlp_rows(x_test_img)
    y_test = np.asarray(y_test).reshape(-1)
    rng = np.random.default_rng()
    shift = int(rng.integers(1, NUM_CLASSES))
    models = [_template_model(x_train, y_train), _template_model(x_train, y_train, shift=shift)]
    subset = rng.permutation(len(x_test))[: max(NUM_CLASSES + 1, min(len(x_test) // 3, 257))]
    predicted = None
    with _closing_new_figures():
        for model, images in ((models[0], x_test), (models[1], x_test[subset])):
            expected = np.argmax(outputs_of(model, images), axis=-1)
            got = _classes(run_learner(predicted_digits, model, images, what="predicted_digits"), len(images))
            if np.sum(got != expected) > max(1, len(images) // 1000):
                raise NotYet(
                    f"{int(np.sum(got != expected))} of the {len(images)} classes predicted_digits returns "
                    "are not the most probable class of the model it gets: return np.argmax of "
                    "model.predict(images) along the last axis."
                )
            predicted = got if predicted is None else predicted
        cases = []
        held = _confusion(y_test, predicted)
        if (held - np.diag(np.diag(held))).max() > 0:  # a perfect model (the stand-in data) has no mix-up
            cases.append((y_test.copy(), predicted.copy()))
        digits = rng.permutation(NUM_CLASSES)
        planted = [
            (_planted_case(rng, (digits[2 * i], digits[2 * i + 1]), digits[6 + i], dtype))
            for i, dtype in enumerate(("int64", "uint8", "int32"))
        ]
        answers = [
            _pair(run_learner(most_confused, y_true, y_pred, what="most_confused"))
            for y_true, y_pred in cases + planted
        ]
    if len(set(answers[-len(planted) :])) == 1:
        raise NotYet(
            "most_confused returns the same pair whatever labels it gets: a pair read off the plot holds "
            "for one model only. Compute it from its arguments y_true and y_pred."
        )
    for (y_true, y_pred), answer in zip(cases + planted, answers):
        _judge_pair(answer, _confusion(y_true, y_pred))
    return (
        f"predicted_digits is the argmax of the probabilities and most_confused finds the largest mix-up, on "
        f"{len(x_test)} test images and on {len(planted)} sets of labels you had not seen."
    )
