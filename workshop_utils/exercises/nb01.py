"""Checks for notebook 01 (anatomy of a Keras program): preprocessing inside the model, logits, regression.

The checks hold notebook 01's own splits (the same ``train_test_split`` calls, with the notebook's seed)
and score the learner's model on them: the learner hands over the model, never the test data.
"""

import functools

import numpy as np

from ._core import NotYet, exercise, exercise_target
from ._judging import (
    finite,
    finite_array,
    given,
    history_values,
    keras_model,
    loss_name,
    require_at_least,
    require_loss_fits_labels,
    require_not_validated_on,
)
from ._predict import outputs_of

NOTEBOOK = "01_anatomy_of_a_keras_program"
REGRESSION_LOSSES = ("mean_squared", "mse", "mean_absolute", "mae", "huber", "log_cosh", "logcosh")
# Statistics that agree to this relative gap are the same (float32 against float64); the training part and
# the whole table (or the test part) differ by far more.
SAME_STATISTICS = 1e-3


# --- the notebook's data, as notebook 01 splits it ------------------------------------------------------


def _seed():
    from ..course import config

    return config.notebook_settings(NOTEBOOK).seed


@functools.lru_cache(maxsize=2)
def _cancer_split_for(seed):
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    cancer = load_breast_cancer()
    return tuple(train_test_split(cancer.data, cancer.target, test_size=0.2, stratify=cancer.target, random_state=seed))


def _cancer_split():
    """Notebook 01's raw cancer split (cell 8): ``x_train, x_test, y_train, y_test``, features unscaled."""
    return _cancer_split_for(_seed())


@functools.lru_cache(maxsize=2)
def _iris_test_for(seed):
    from sklearn.datasets import load_iris
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    iris = load_iris()
    x_train, x_test, _, y_test = train_test_split(
        iris.data, iris.target, test_size=0.2, stratify=iris.target, random_state=seed
    )
    return StandardScaler().fit(x_train).transform(x_test), y_test


def _iris_test():
    """Notebook 01's iris test part (cell 49): ``x_iris_test`` scaled with the training part's scaler, labels."""
    return _iris_test_for(_seed())


@functools.lru_cache(maxsize=2)
def _diabetes_split_for(seed):
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split

    x, y = load_diabetes(return_X_y=True, scaled=False)
    return tuple(train_test_split(x, y, test_size=0.2, random_state=seed))


def _diabetes_split():
    """Notebook 01's raw diabetes split (cell 39): ``x_train, x_test, y_train, y_test``."""
    return _diabetes_split_for(_seed())


# --- helpers -------------------------------------------------------------------------------------------


def _array(value, what):
    """Return ``value`` as a NumPy array (NotStarted while it is None)."""
    return np.asarray(given(value, what))


def _outputs(model, x, what):
    """Return the model's outputs on ``x`` as a 2-D float array (one row per example); NotYet on NaN."""
    out = outputs_of(model, np.asarray(x, dtype="float32"))
    return finite_array(out.reshape(len(out), -1), what)


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


def _normalization(model, what, place):
    """Return the model's first Normalization layer; NotYet when there is none or it is not first."""
    import keras

    layers = _real_layers(model)
    norms = [i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Normalization)]
    if not norms:
        raise NotYet(f"{what} has no keras.layers.Normalization layer: {place}")
    if norms[0] != 0:
        raise NotYet(
            f"the Normalization layer of {what} is not its first layer: put it right after "
            "keras.Input, so that it scales the raw features before any Dense layer sees them."
        )
    return layers[norms[0]]


def _check_adapted_on_training_part(norm, x_train, x_test, train_name):
    """NotYet unless the Normalization layer learned the mean and variance of the raw training part."""
    import keras

    if getattr(norm, "mean", None) is None or getattr(norm, "variance", None) is None:
        raise NotYet(
            f"the Normalization layer has not learned a mean yet: call its adapt(...) on {train_name} before you train."
        )
    mean = np.asarray(keras.ops.convert_to_numpy(norm.mean), dtype="float64").reshape(-1)
    variance = np.asarray(keras.ops.convert_to_numpy(norm.variance), dtype="float64").reshape(-1)
    if mean.shape != (x_train.shape[1],) or variance.shape != (x_train.shape[1],):
        raise NotYet(
            f"the Normalization layer learned {mean.size} means for {x_train.shape[1]} features: adapt "
            "it on the whole table of training features, with the default axis=-1."
        )
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(variance))):
        raise NotYet(
            "the Normalization layer learned means or variances that are NaN or infinite, so every "
            "output of the model is NaN: the data it was adapted on holds NaN. Adapt it on "
            f"{train_name}."
        )
    if _relative_gap(mean, x_train.mean(axis=0)) <= SAME_STATISTICS:
        if _relative_gap(variance, x_train.var(axis=0)) <= SAME_STATISTICS:
            return
        raise NotYet(
            "the Normalization layer's means are those of the training part, but its variances are "
            f"not: let adapt learn both from {train_name} instead of setting them by hand."
        )
    if _relative_gap(mean, np.concatenate([x_train, x_test]).mean(axis=0)) <= SAME_STATISTICS:
        raise NotYet(
            "the Normalization layer was adapted on all the data, test set included: facts about the "
            f"test set leak into training. Adapt it on {train_name} only."
        )
    if _relative_gap(mean, x_test.mean(axis=0)) <= SAME_STATISTICS:
        raise NotYet(
            "the Normalization layer was adapted on the test features: the test set must stay unseen "
            f"until the final evaluation. Adapt it on {train_name}."
        )
    if np.allclose(mean, 0, atol=1e-2) and np.allclose(variance, 1, atol=5e-2):
        raise NotYet(
            "the Normalization layer learned means of 0 and variances of 1: it was adapted on features "
            f"that were already standardised, so it does nothing. Adapt it on {train_name}."
        )
    raise NotYet(
        f"the Normalization layer's means are not those of {train_name}: split the raw data as the "
        "notebook does and adapt the layer on the training part."
    )


# --- the exercises -------------------------------------------------------------------------------------


@exercise("01.1", "a Normalization layer instead of StandardScaler")
def check_normalization_model(model):
    """The cancer model scales its own raw inputs, adapted on the training part only, and classifies well.

    The check holds notebook 01's raw cancer split and scores the model on its raw test features.
    """
    model = keras_model(model, "norm_model")
    x_train, x_test, _, y_test = _cancer_split()
    norm = _normalization(model, "norm_model", "put one right after keras.Input, adapted on the raw training features.")
    _check_adapted_on_training_part(norm, x_train, x_test, "the raw training features (x_raw_train)")
    outputs = _outputs(model, x_test, "norm_model's outputs on the raw test features")
    if outputs.shape[1] != 1:
        raise NotYet(
            f"the model gives {outputs.shape[1]} outputs per tumour; a yes/no question needs one "
            "(the probability of class 1)."
        )
    if outputs.min() < 0 or outputs.max() > 1:
        raise NotYet("the outputs are not probabilities between 0 and 1: end with a sigmoid activation.")
    name = loss_name(model).lower()
    if "binary" not in name:
        raise NotYet(
            f"the model is compiled with the loss {name!r}; one sigmoid output for two classes "
            "goes with binary cross-entropy."
        )
    accuracy = float(np.mean((outputs[:, 0] > 0.5).astype(int) == y_test))
    reached = require_at_least(
        accuracy,
        "01.1",
        "the test accuracy on the raw test tumours",
        "Train it on the raw training features (x_raw_train), for the notebook's epochs.",
    )
    return f"{reached}; the Normalization layer was adapted on the training part only."


@exercise("01.2", "logits out, probabilities by hand")
def check_logits_model(model, probabilities):
    """The iris model outputs logits, its loss knows it, and the learner's softmax gives the probabilities.

    The check holds notebook 01's scaled iris test part; ``probabilities`` must be the softmax of the
    model's outputs on it.
    """
    import keras

    model = keras_model(model, "logits_model")
    probabilities = _array(probabilities, "softmax_probabilities")
    x_test, y_test = _iris_test()
    outputs = _outputs(model, x_test, "logits_model's outputs on x_iris_test")
    if outputs.shape[1] != 3:
        raise NotYet(f"the model gives {outputs.shape[1]} outputs per flower; it needs one per species (3).")
    if _is_probability_rows(outputs):
        raise NotYet(
            "the model's outputs already are probabilities (each row sums to 1): leave the softmax "
            "out of the last layer, so that it outputs raw scores (logits)."
        )
    name = loss_name(model).lower()
    if "categorical_crossentropy" not in name:
        raise NotYet(
            f"the model is compiled with the loss {name!r}; for three classes use "
            "SparseCategoricalCrossentropy (integer labels)."
        )
    if not from_logits(model):
        raise NotYet(
            "the last layer outputs logits, but the loss reads its input as probabilities: create the "
            "loss with from_logits=True."
        )
    require_loss_fits_labels(model, y_test)
    probabilities = finite_array(probabilities, "softmax_probabilities")
    if probabilities.shape != outputs.shape:
        raise NotYet(
            f"softmax_probabilities has shape {probabilities.shape}; it should have one row of 3 per "
            "test flower, computed from the model's outputs on x_iris_test."
        )
    expected = np.asarray(keras.ops.convert_to_numpy(keras.ops.softmax(outputs, axis=-1)), dtype="float64")
    if not np.allclose(probabilities, expected, atol=1e-4):
        if len(np.unique(np.round(probabilities, 6))) <= 2 and np.array_equal(np.argmax(probabilities, 1), y_test):
            raise NotYet(
                "softmax_probabilities look like the test labels (one-hot or smoothed rows), not like "
                "a model's outputs: a figure computed from y_iris_test says nothing about the model. "
                "Compute them from logits_model's outputs on x_iris_test."
            )
        if np.allclose(probabilities, expected, atol=1e-2):
            raise NotYet(
                "softmax_probabilities are close to the softmax of this model's outputs, but not equal "
                "to it: they look rounded, or copied from printed output. Compute them with "
                "keras.ops.softmax on the model's outputs and pass the array itself."
            )
        if not _is_probability_rows(probabilities):
            raise NotYet(
                "the rows of softmax_probabilities do not sum to 1: they look like the raw outputs. "
                "Turn the logits into probabilities with keras.ops.softmax."
            )
        raise NotYet(
            "softmax_probabilities are not the softmax of this model's outputs on x_iris_test: compute "
            "them from the trained logits_model's outputs on x_iris_test, after training."
        )
    accuracy = float(np.mean(np.argmax(expected, axis=1) == y_test))
    reached = require_at_least(
        accuracy,
        "01.2",
        "the test accuracy from argmax",
        "Train the model on x_iris_train and y_iris_train for the notebook's epochs.",
    )
    return f"{reached}; logits out, from_logits=True in the loss, softmax by hand."


@exercise("01.3", "a Functional regressor that beats the baseline")
def check_functional_regressor(model, history):
    """A Functional-API regressor: its own scaling adapted on the training part, one linear output, a
    regression loss, validation apart from the test set, and a test MAE well below the baseline's.

    The check holds notebook 01's diabetes split. The baseline always predicts the mean of the training
    targets (a baseline computed from the test targets would itself use the test set).
    """
    import keras

    model = keras_model(model, "functional_regressor")
    if isinstance(model, keras.Sequential):
        raise NotYet(
            "this is a Sequential model: build it with the Functional API, from keras.Input through "
            "each layer to keras.Model(inputs=..., outputs=...)."
        )
    x_train, x_test, y_train, y_test = _diabetes_split()
    y_train, y_test = np.asarray(y_train, "float64"), np.asarray(y_test, "float64")
    layers = _real_layers(model)
    activation = getattr(layers[-1], "activation", None) if layers else None
    activation = getattr(activation, "__name__", str(activation)).lower()
    if activation in ("sigmoid", "softmax", "tanh", "hard_sigmoid"):
        raise NotYet(
            f"the last layer ends with {activation}, which squashes the output into a small range; the "
            "targets are in the hundreds. Leave the last layer linear (no activation)."
        )
    norm = _normalization(
        model,
        "functional_regressor",
        "call one on keras.Input, adapted on x_reg_train, as the notebook's regressor does.",
    )
    _check_adapted_on_training_part(norm, x_train, x_test, "the training features (x_reg_train)")
    predictions = _outputs(model, x_test, "functional_regressor's predictions on the test patients")
    if predictions.shape[1] != 1:
        raise NotYet(
            f"the model gives {predictions.shape[1]} outputs per patient; a regression of one number needs one."
        )
    name = loss_name(model).lower()
    if not any(key in name for key in REGRESSION_LOSSES):
        raise NotYet(
            f"the model is compiled with the loss {name!r}, a loss for classes; predicting a number "
            "needs a regression loss such as 'mse'."
        )
    val_loss = history_values(history, "val_loss")
    if history.model is not model:
        raise NotYet("the history comes from another model: pass the History that this model's fit returned.")
    finite_array(val_loss, "the validation losses in functional_history")
    finite_array(history_values(history, "loss"), "the training losses in functional_history")
    require_not_validated_on(history, model, x_test, y_test, "the test patients")
    if np.std(predictions[:, 0]) < 0.01 * np.std(y_train):
        raise NotYet(
            "the model predicts about the same number for every patient, so it has learned nothing "
            "from the measurements. Train it on x_reg_train and y_reg_train, with a learning rate "
            "that reaches targets in the hundreds."
        )
    mae = float(np.mean(np.abs(predictions[:, 0] - y_test)))
    baseline = float(np.mean(np.abs(y_test - y_train.mean())))
    ratio, target = finite(mae / baseline, "the ratio of test MAEs"), exercise_target("01.3")
    if not ratio <= target:
        raise NotYet(
            f"the test MAE is {ratio:.0%} of the MAE of always predicting the training mean; this "
            f"profile asks for at most {target:.0%}. Check the scaling of the inputs, the learning "
            "rate and the number of epochs."
        )
    return (
        f"Functional model, linear output, loss {name}, {len(val_loss)} epochs with validation; test MAE "
        f"{mae:.1f} is {ratio:.0%} of the training-mean baseline's (target at most {target:.0%})."
    )
