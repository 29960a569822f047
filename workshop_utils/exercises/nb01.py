"""Checks for notebook 01 (anatomy of a Keras program): preprocessing inside the model, logits, regression."""
import numpy as np

from ._common import check_at_least, check_loss_fits_labels, given, history_values, keras_model, loss_name
from ._core import NotYet, exercise, exercise_target
from ._predict import outputs_of

REGRESSION_LOSSES = ("mean_squared", "mse", "mean_absolute", "mae", "huber", "log_cosh", "logcosh")


def _array(value, what):
    """Return ``value`` as a NumPy array (NotStarted while it is None)."""
    return np.asarray(given(value, what))


def _outputs(model, x):
    """Return the model's outputs on ``x`` as a 2-D NumPy array (one row per example)."""
    out = outputs_of(model, np.asarray(x, dtype="float32"))
    return out.reshape(len(out), -1)


def _real_layers(model):
    """The model's layers without the InputLayer that functional models list first."""
    import keras

    return [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]


def from_logits(model):
    """Return True when the compiled loss reads the outputs as logits (``from_logits=True``)."""
    loss = getattr(model, "loss", None)
    if loss is None or isinstance(loss, str):
        return False
    flag = getattr(loss, "from_logits", None)
    if flag is None:
        try:
            flag = loss.get_config().get("from_logits")
        except (AttributeError, NotImplementedError, TypeError):
            flag = False
    return bool(flag)


def _is_probability_rows(outputs):
    return bool(np.all(outputs >= -1e-6) and np.allclose(outputs.sum(axis=1), 1, atol=1e-3))


def _relative_gap(a, b):
    return float(np.max(np.abs(a - b) / (np.abs(b) + 1e-6)))


@exercise("01.1", "a Normalization layer instead of StandardScaler")
def check_normalization_model(model, x_raw_train, x_raw_test, y_raw_test):
    """The cancer model scales its own raw inputs, adapted on the training part only, and classifies well."""
    import keras

    model = keras_model(model, "norm_model")
    x_raw_train = _array(x_raw_train, "x_raw_train")
    x_raw_test = _array(x_raw_test, "x_raw_test")
    y_raw_test = _array(y_raw_test, "y_raw_test").reshape(-1)
    if x_raw_train.ndim != 2 or x_raw_test.ndim != 2 or x_raw_train.shape[1] != x_raw_test.shape[1]:
        raise NotYet("x_raw_train and x_raw_test should be tables with one row per tumour and the same columns.")
    if len(y_raw_test) != len(x_raw_test):
        raise NotYet(f"y_raw_test has {len(y_raw_test)} labels for {len(x_raw_test)} test tumours: pass the "
                     "labels of the same split.")
    if np.allclose(x_raw_train.mean(axis=0), 0, atol=1e-3) and np.allclose(x_raw_train.std(axis=0), 1, atol=1e-2):
        raise NotYet("x_raw_train is already standardised (mean 0, standard deviation 1): the point is to give "
                     "the model the raw measurements. Split cancer.data again, as the hint says.")
    layers = _real_layers(model)
    norms = [i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Normalization)]
    if not norms:
        raise NotYet("the model has no keras.layers.Normalization layer: put one right after keras.Input, "
                     "adapted on the raw training features.")
    if norms[0] != 0:
        raise NotYet("the Normalization layer is not the first layer: put it right after keras.Input, so "
                     "that it scales the raw features before any Dense layer sees them.")
    norm = layers[norms[0]]
    if getattr(norm, "mean", None) is None:
        raise NotYet("the Normalization layer has not learned a mean yet: call its adapt(...) on the raw "
                     "training features before you train.")
    mean = np.asarray(keras.ops.convert_to_numpy(norm.mean), dtype="float64").reshape(-1)
    if mean.shape != (x_raw_train.shape[1],):
        raise NotYet(f"the Normalization layer learned {mean.size} means for {x_raw_train.shape[1]} features: "
                     "adapt it on the whole table of training features.")
    train_mean = x_raw_train.mean(axis=0)
    all_mean = np.concatenate([x_raw_train, x_raw_test]).mean(axis=0)
    if _relative_gap(mean, train_mean) > 1e-3:
        if _relative_gap(mean, all_mean) <= 1e-3:
            raise NotYet("the Normalization layer was adapted on all the data, test set included: facts about "
                         "the test set leak into training. Adapt it on the training part only.")
        if np.allclose(mean, 0, atol=1e-2):
            raise NotYet("the Normalization layer was adapted on features that were already standardised, so "
                         "it learned mean 0 and does nothing. Adapt it on the raw training features.")
        raise NotYet("the Normalization layer's means do not match the training features you passed: adapt it "
                     "on x_raw_train, the same array you train on.")
    outputs = _outputs(model, x_raw_test)
    if outputs.shape[1] != 1:
        raise NotYet(f"the model gives {outputs.shape[1]} outputs per tumour; a yes/no question needs one "
                     "(the probability of class 1).")
    if outputs.min() < 0 or outputs.max() > 1:
        raise NotYet("the outputs are not probabilities between 0 and 1: end with a sigmoid activation.")
    name = loss_name(model).lower()
    if "binary" not in name:
        raise NotYet(f"the model is compiled with the loss {name!r}; one sigmoid output for two classes "
                     "goes with binary cross-entropy.")
    accuracy = np.mean((outputs[:, 0] > 0.5).astype(int) == y_raw_test)
    return check_at_least(accuracy, "01.1", "test accuracy on the raw test features") + \
        "; the Normalization layer was adapted on the training part only."


@exercise("01.2", "logits out, probabilities by hand")
def check_logits_model(model, probabilities, x_test, y_test):
    """The iris model outputs logits, its loss knows it, and the learner's softmax gives the probabilities."""
    model = keras_model(model, "logits_model")
    probabilities = _array(probabilities, "probabilities")
    x_test = _array(x_test, "x_iris_test")
    y_test = _array(y_test, "y_iris_test").reshape(-1)
    outputs = _outputs(model, x_test)
    if outputs.shape[1] != 3:
        raise NotYet(f"the model gives {outputs.shape[1]} outputs per flower; it needs one per species (3).")
    if _is_probability_rows(outputs):
        raise NotYet("the model's outputs already are probabilities (each row sums to 1): leave the softmax "
                     "out of the last layer, so that it outputs raw scores (logits).")
    name = loss_name(model).lower()
    if "categorical_crossentropy" not in name:
        raise NotYet(f"the model is compiled with the loss {name!r}; for three classes use "
                     "SparseCategoricalCrossentropy (integer labels).")
    if not from_logits(model):
        raise NotYet("the last layer outputs logits, but the loss reads its input as probabilities: create the "
                     "loss with from_logits=True.")
    check_loss_fits_labels(model, y_test)
    if probabilities.shape != outputs.shape:
        raise NotYet(f"probabilities has shape {probabilities.shape}; it should have one row of 3 per test "
                     "flower, computed from the model's outputs on x_iris_test.")
    if not _is_probability_rows(probabilities):
        raise NotYet("the rows of probabilities do not sum to 1: they look like the raw outputs. Turn the "
                     "logits into probabilities with keras.ops.softmax.")
    import keras

    expected = np.asarray(keras.ops.convert_to_numpy(keras.ops.softmax(outputs, axis=-1)))
    if not np.allclose(probabilities, expected, atol=1e-4):
        raise NotYet("probabilities are not the softmax of this model's outputs on x_iris_test: compute them "
                     "from the trained logits_model's outputs on x_iris_test.")
    accuracy = np.mean(np.argmax(probabilities, axis=1) == y_test)
    return check_at_least(accuracy, "01.2", "test accuracy from argmax") + \
        "; logits out, from_logits=True in the loss, softmax by hand."


@exercise("01.3", "a Functional regressor that beats the baseline")
def check_functional_regressor(model, history, x_test, y_test):
    """A Functional-API regressor: one linear output, a regression loss, validation, beats the mean baseline."""
    import keras

    model = keras_model(model, "functional_regressor")
    if isinstance(model, keras.Sequential):
        raise NotYet("this is a Sequential model: build it with the Functional API, from keras.Input through "
                     "each layer to keras.Model(inputs=..., outputs=...).")
    x_test = _array(x_test, "x_reg_test")
    y_test = _array(y_test, "y_reg_test").reshape(-1).astype("float64")
    activation = getattr(_real_layers(model)[-1], "activation", None)
    activation = getattr(activation, "__name__", str(activation)).lower()
    if activation in ("sigmoid", "softmax", "tanh", "hard_sigmoid"):
        raise NotYet(f"the last layer ends with {activation}, which squashes the output into a small range; the "
                     "targets are in the hundreds. Leave the last layer linear (no activation).")
    predictions = _outputs(model, x_test)
    if predictions.shape[1] != 1:
        raise NotYet(f"the model gives {predictions.shape[1]} outputs per patient; a regression of one "
                     "number needs one.")
    name = loss_name(model).lower()
    if not any(key in name for key in REGRESSION_LOSSES):
        raise NotYet(f"the model is compiled with the loss {name!r}, a loss for classes; predicting a number "
                     "needs a regression loss such as 'mse'.")
    val_loss = history_values(history, "val_loss")
    if history.model is not model:
        raise NotYet("the history comes from another model: pass the History that this model's fit returned.")
    mae = float(np.mean(np.abs(predictions[:, 0] - y_test)))
    baseline = float(np.mean(np.abs(y_test - y_test.mean())))
    ratio, target = mae / baseline, exercise_target("01.3")
    if not np.isfinite(ratio) or ratio > target:
        raise NotYet(f"test MAE {mae:.1f} is {ratio:.0%} of the always-the-mean baseline ({baseline:.1f}); this "
                     f"profile asks for at most {target:.0%}. Check the scaling of the inputs, the learning "
                     "rate and the number of epochs.")
    return (f"Functional model, linear output, loss {name}, {len(val_loss)} epochs with validation; test MAE "
            f"{mae:.1f} is {ratio:.0%} of the baseline's (target at most {target:.0%}).")
