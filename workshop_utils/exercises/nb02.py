"""Checks for notebook 02 (an MLP on Fashion-MNIST): labels and loss, held-out validation, argmax."""
import numpy as np

from ._common import (check_at_least, check_loss_fits_labels, fingerprints, given, history_values, keras_model,
                      label_form)
from ._core import NotYet, exercise
from ._predict import outputs_of

NUM_CLASSES = 10
# Fashion-MNIST holds a few exact duplicate images; more than this share of shared samples is a real leak.
LEAK_TOLERANCE = 0.01


def _output_units(model, what):
    units = model.output_shape[-1]
    if units != NUM_CLASSES:
        direction = "fewer" if units < NUM_CLASSES else "more"
        raise NotYet(f"{what}'s last layer has {units} units, {direction} than the 10 classes: it needs one "
                     "output per class, with a softmax.")


def _history_of(history, model, what):
    """Return the validation accuracies of ``history`` after checking that ``model`` made it."""
    values = history_values(history, "val_accuracy")
    if history.model is not model:
        raise NotYet(f"the history comes from another model: pass the History that {what}.fit returned.")
    return values


def _shared_fraction(x_a, x_b):
    """Return how many rows of x_a are also rows of x_b, and that count as a share of len(x_a)."""
    shared = len(fingerprints(x_a) & fingerprints(x_b))
    return shared, shared / max(len(x_a), 1)


def _dense_parameters(sizes):
    return sum(a * b + b for a, b in zip(sizes[:-1], sizes[1:]))


@exercise("02.1", "integer labels and the sparse loss")
def check_sparse_model(model, history, y_train):
    """The model trains on integer labels with the loss that fits them, and validates well."""
    model = keras_model(model, "sparse_model")
    y_train = np.asarray(given(y_train, "y_train (the labels you trained on)"))
    _output_units(model, "sparse_model")
    if label_form(y_train) != "integer":
        raise NotYet("these labels are one-hot rows: this exercise trains on the integer labels y_train.")
    check_loss_fits_labels(model, y_train)
    values = _history_of(history, model, "sparse_model")
    return check_at_least(values[-1], "02.1", "final validation accuracy") + \
        "; integer labels with the sparse loss."


@exercise("02.2", "validation held out of the training images")
def check_held_out_validation(model, history, x_fit, x_val, x_test):
    """The 512-512 network validates on images split off the training set, never on test images."""
    model = keras_model(model, "big_model")
    x_fit = np.asarray(given(x_fit, "x_fit (the images you trained on)"))
    x_val = np.asarray(given(x_val, "x_val (the validation images)"))
    x_test = np.asarray(given(x_test, "x_test"))
    _output_units(model, "big_model")
    expected = _dense_parameters([784, 512, 512, NUM_CLASSES])
    if model.count_params() != expected:
        direction = "fewer" if model.count_params() < expected else "more"
        raise NotYet(f"big_model has {direction} parameters than the MNIST network (784 inputs, two hidden "
                     "layers of 512, 10 outputs; Dropout adds none).")
    if len(x_val) == 0 or len(x_fit) == 0:
        raise NotYet("x_fit and x_val must both hold images: split x_train into two parts.")
    if len(x_val) >= len(x_fit):
        raise NotYet("x_val is as large as the training part: keep most images for training (e.g. 90 %).")
    shared, share = _shared_fraction(x_val, x_test)
    if share > LEAK_TOLERANCE:
        raise NotYet(f"{shared} of your {len(x_val)} validation images are test images. Take validation data "
                     "from the training images only: the test set stays unseen until the final evaluation.")
    shared, share = _shared_fraction(x_val, x_fit)
    if share > LEAK_TOLERANCE:
        raise NotYet(f"{shared} of your {len(x_val)} validation images are also in x_fit, so the model trained "
                     "on them and the validation accuracy looks better than it is. Split x_train into two "
                     "parts that do not overlap, and train on the first part only.")
    values = _history_of(history, model, "big_model")
    return check_at_least(values[-1], "02.2", "final validation accuracy") + \
        f"; {len(x_val)} validation images held out of the training set, none from the test set."


@exercise("02.3", "the digits the MNIST model mixes up")
def check_most_confused(predicted, most_confused, model, x_test, y_test):
    """``predicted`` is the argmax of the model's probabilities; ``most_confused`` the largest mix-up."""
    predicted = given(predicted, "mnist_predicted")
    given(most_confused, "most_confused")
    model = keras_model(model, "mnist_model")
    x_test = np.asarray(given(x_test, "mnist_x_test"))
    y_test = np.asarray(given(y_test, "mnist_y_test")).reshape(-1).astype(int)
    predicted = np.asarray(predicted)
    if predicted.ndim == 2 and predicted.shape[1] == NUM_CLASSES and len(predicted) == len(x_test):
        raise NotYet("mnist_predicted holds a row of 10 probabilities per image; the exercise wants one class "
                     "index per image: take the argmax along the last axis.")
    if predicted.ndim != 1 or len(predicted) != len(x_test):
        if predicted.reshape(-1).shape == (NUM_CLASSES,):
            raise NotYet("mnist_predicted holds one value per class instead of one per image: argmax went "
                         "along the wrong axis (use axis=-1).")
        raise NotYet(f"mnist_predicted has shape {predicted.shape}; it should hold one class index per test "
                     "image.")
    reference = np.argmax(outputs_of(model, x_test), axis=-1)
    wrong = int(np.sum(predicted != reference))
    if wrong > max(1, len(reference) // 1000):
        raise NotYet(f"{wrong} of the {len(reference)} classes in mnist_predicted are not the most probable class "
                     "of the model's predictions: use np.argmax on mnist_model.predict(mnist_x_test).")
    try:
        true_digit, predicted_digit = (int(d) for d in most_confused)
    except (TypeError, ValueError):
        raise NotYet("most_confused should be a pair of two digits: (true digit, predicted digit).") from None
    counts = np.zeros((NUM_CLASSES, NUM_CLASSES), dtype=int)
    np.add.at(counts, (y_test, reference), 1)
    off_diagonal = counts - np.diag(np.diag(counts))
    largest = off_diagonal.max()
    if largest == 0:  # a perfect model (e.g. on the synthetic stand-in data): there is no mix-up to find
        return "mnist_predicted is the argmax of the probabilities; the model mixes up no digits at all."
    if true_digit == predicted_digit:
        raise NotYet("a pair of the same digit counts correct predictions (the diagonal): look off the "
                     "diagonal for the mix-ups.")
    if off_diagonal[true_digit, predicted_digit] == largest:
        return (f"mnist_predicted is the argmax of the probabilities; {true_digit}s taken for {predicted_digit}s "
                f"are the most frequent mix-up ({largest} test images).")
    if off_diagonal[predicted_digit, true_digit] == largest:
        raise NotYet("the pair is the wrong way round: give (true digit, predicted digit), the row first and "
                     "the column second.")
    raise NotYet("another pair of digits is mixed up more often: find the largest count off the diagonal of "
                 "the confusion matrix of mnist_y_test against mnist_predicted.")
