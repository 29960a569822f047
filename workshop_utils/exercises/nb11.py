"""Checks for notebook 11 (hyperparameter tuning): a search space with a dropout rate, and a random search
whose best configuration is rebuilt, trained and scored on the test set.

For 11.2 the learner hands over a function that runs the search; the check calls it with the notebook's
training and validation images, which it holds, records every fit (the tuner's trials included), and
scores the returned model once on the test images, which the function never sees.
"""

import functools

import numpy as np

from ..course import config
from ._core import NotYet, exercise
from ._heldout import data_settings, image_split, mlp_rows
from ._judging import (
    finite_array,
    given,
    keras_model,
    probe_outputs,
    recording_fit,
    require_at_least,
    require_training_data,
    run_learner,
    shared_rows,
)
from ._predict import outputs_of

NOTEBOOK = "11_hyperparameter_tuning"

# name -> (what the exercise asks for, in words; the values it must allow)
SPACE = {
    "units": ('hp.Int("units", 32, 512, step=32)', list(range(32, 513, 32))),
    "learning_rate": ('hp.Choice("learning_rate", [1e-2, 1e-3, 1e-4])', [1e-2, 1e-3, 1e-4]),
    "dropout": ('hp.Float("dropout", 0.0, 0.5, step=0.1)', [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]),
}


def _build_function(hypermodel):
    """Return a function hp -> model from a build function, a keras_tuner.HyperModel or a tuner."""
    import keras_tuner

    given(hypermodel, "build_dropout_model (your model-building function)")
    if isinstance(hypermodel, keras_tuner.Tuner):
        hypermodel = hypermodel.hypermodel
    if isinstance(hypermodel, keras_tuner.HyperModel):
        return hypermodel.build
    if callable(hypermodel):
        return hypermodel
    raise NotYet(f"pass your model-building function (hp -> compiled model), not a {type(hypermodel).__name__}.")


def _allowed_values(hyperparameter):
    """The values a hyperparameter can take, or None when it is continuous (a Float without a step)."""
    import keras_tuner

    settings = hyperparameter.get_config()
    if isinstance(hyperparameter, keras_tuner.engine.hyperparameters.Choice):
        return sorted(settings["values"])
    if isinstance(hyperparameter, keras_tuner.engine.hyperparameters.Fixed):
        return [settings["value"]]
    step = settings.get("step")
    if not step or settings.get("sampling", "linear") != "linear":
        return None
    count = int(round((settings["max_value"] - settings["min_value"]) / step)) + 1
    return [
        settings["min_value"] + i * step
        for i in range(count)
        if settings["min_value"] + i * step <= settings["max_value"] + 1e-9
    ]


def _same_values(got, wanted):
    return got is not None and len(got) == len(wanted) and np.allclose(sorted(got), sorted(wanted))


def _dense_and_dropout(model):
    """The Dense and Dropout layers of a model, in order, with their positions among its layers."""
    import keras

    layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
    dense = [i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Dense)]
    dropout = [i for i, layer in enumerate(layers) if isinstance(layer, keras.layers.Dropout)]
    return layers, dense, dropout


def _learning_rate(model):
    import keras

    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def _check_finite_outputs(model):
    """NotYet when the model gives NaN or infinite outputs on a batch of pixel rows in [0, 1]."""
    outputs = probe_outputs(model)
    if outputs is not None and not np.all(np.isfinite(outputs)):
        raise NotYet(
            "the model your function builds gives NaN or infinite outputs on a batch of pixel rows in "
            "[0, 1], before any training: check its layers and activations (a log or a division by "
            "zero does this)."
        )


@exercise("11.1", "a dropout rate in the search space")
def check_dropout_space(build_function):
    """build_function: your model-building function (or its HyperModel, or a tuner built with it)."""
    import keras_tuner

    build = _build_function(build_function)
    hp = keras_tuner.HyperParameters()
    what = "your model-building function"
    model = keras_model(run_learner(build, hp, what=what), "the model your function returns")
    found = {h.name: h for h in hp.space}
    for name, (asked, wanted) in SPACE.items():
        if name not in found:
            raise NotYet(f"the search space has no {name!r}: declare it with {asked}.")
        allowed = _allowed_values(found[name])
        if allowed is None:
            raise NotYet(f"{name!r} is continuous: give it a step, as in {asked}.")
        if not _same_values(allowed, wanted):
            low, high = min(allowed), max(allowed)
            if not np.isclose(low, min(wanted)) or not np.isclose(high, max(wanted)):
                where = "starts" if not np.isclose(low, min(wanted)) else "ends"
                raise NotYet(f"the range of {name!r} {where} elsewhere than the exercise asks: {asked}.")
            raise NotYet(
                f"{name!r} allows {len(allowed)} values, the exercise's {asked} allows {len(wanted)}: check its step."
            )
    extra = sorted(set(found) - set(SPACE))
    if extra:
        raise NotYet(f"the search space also holds {extra}: the exercise adds only 'dropout'.")
    if getattr(model, "optimizer", None) is None or getattr(model, "loss", None) is None:
        raise NotYet("your function must return a compiled model: call model.compile(...) before returning it.")

    layers, dense, dropout = _dense_and_dropout(model)
    if len(dropout) != 1:
        raise NotYet(f"the model has {len(dropout)} Dropout layers: the exercise adds exactly one.")
    if len(dense) < 2 or not dense[0] < dropout[0] < dense[-1]:
        raise NotYet(
            "the Dropout layer is in the wrong place: put it after the hidden Dense layer and before the output layer."
        )
    if dense[0] + 1 != dropout[0]:
        raise NotYet("the Dropout layer should come right after the hidden Dense layer.")

    probe = keras_tuner.HyperParameters()
    run_learner(build, probe, what=what)
    probe.values.update({"units": 64, "dropout": 0.3, "learning_rate": 1e-2})
    model = run_learner(build, probe, what=what)
    _check_finite_outputs(model)
    layers, dense, dropout = _dense_and_dropout(model)
    if not np.isclose(layers[dropout[0]].rate, 0.3):
        raise NotYet("the Dropout layer's rate does not follow hp: pass it the value that hp.Float returns.")
    if layers[dense[0]].units != 64 or not np.isclose(_learning_rate(model), 1e-2):
        raise NotYet(
            "the width or the learning rate no longer follows hp: keep the notebook's hp.Int and "
            "hp.Choice, and use what they return."
        )
    return "units, learning rate and dropout are searched over the asked values; Dropout follows the hidden layer"


@functools.lru_cache(maxsize=2)
def _split(env):
    from sklearn.model_selection import train_test_split

    cfg = config.notebook_settings(NOTEBOOK)
    (x_search, y_search), (x_test, y_test) = image_split("load_mnist", NOTEBOOK)
    x_train, x_val, y_train, y_val = train_test_split(
        x_search, y_search, test_size=cfg.validation_size, stratify=y_search, random_state=cfg.seed
    )
    return (
        (mlp_rows(x_train), np.asarray(y_train)),
        (mlp_rows(x_val), np.asarray(y_val)),
        (mlp_rows(x_test), np.asarray(y_test)),
    )


def _held_data():
    """The notebook's ``(x_train, y_train), (x_val, y_val), (x_test, y_test)`` in the active profile, the
    images as rows of 784 pixels in [0, 1], as the notebook prepares them."""
    return _split(data_settings())


@exercise("11.2", "random search, then one test evaluation")
def check_random_search(random_search):
    """random_search: your function ``random_search(x_train, y_train, x_val, y_val)`` that runs a
    keras_tuner.RandomSearch over the space of 11.1, ranks the trials on (x_val, y_val), rebuilds and trains
    the best configuration and returns ``(tuner, best_model)``. The check calls it with the notebook's
    training and validation images and scores best_model once on the test images, all held by itself."""
    import keras_tuner

    given(random_search, "random_search (your function)")
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = _held_data()
    with recording_fit() as calls:
        result = run_learner(random_search, x_train, y_train, x_val, y_val, what="random_search")
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise NotYet(
            "random_search should return two things, the tuner and the best model: `return random_tuner, best_model`."
        )
    random_tuner, best_model = result
    if not isinstance(random_tuner, keras_tuner.Tuner):
        raise NotYet(
            f"random_search's first result should be the keras_tuner tuner, not a {type(random_tuner).__name__}."
        )
    oracle = random_tuner.oracle
    if not isinstance(oracle, keras_tuner.oracles.RandomSearchOracle):
        raise NotYet(
            f"random_search searches with {type(oracle).__name__}: the exercise asks for keras_tuner.RandomSearch."
        )
    objective = oracle.objective
    if getattr(objective, "name", None) != "val_accuracy" or getattr(objective, "direction", "max") != "max":
        raise NotYet(
            f"the tuner ranks its trials by {getattr(objective, 'name', objective)!r}: rank them by "
            'the validation accuracy, objective="val_accuracy".'
        )
    names = [h.name for h in oracle.hyperparameters.space]
    if "dropout" not in names:
        raise NotYet("the tuner's search space has no dropout: build the tuner with your function from exercise 11.1.")
    done = [t for t in oracle.trials.values() if t.status == "COMPLETED"]
    if not done:
        raise NotYet("the tuner has no finished trial: run random_tuner.search(...) inside random_search.")
    keras_model(best_model, "best_model (random_search's second result)")

    require_training_data(calls, np.concatenate([x_train, x_val]), x_test, what="random_search")
    trials = [call for call in calls if call.model is not best_model]
    for call in trials:
        _, validation = call.training_and_validation()
        if validation is None:
            raise NotYet(
                "a trial of the search trained without validation data, so val_accuracy cannot rank "
                "it: pass search validation_data=(x_val, y_val)."
            )
        if len(validation[0]) != len(x_val) or shared_rows(validation[0], x_val) < len(x_val):
            raise NotYet(
                "the trials validated on other images than the x_val that random_search receives: "
                "pass search validation_data=(x_val, y_val), the function's own arguments."
            )
    if not any(call.model is best_model for call in calls):
        raise NotYet(
            "best_model was not trained inside random_search: rebuild the best configuration with "
            "random_tuner.hypermodel.build(best_hps) and fit it for cfg.epochs epochs."
        )

    best = random_tuner.get_best_hyperparameters(num_trials=1)[0].values
    layers, dense, dropout = _dense_and_dropout(best_model)
    if not dense or layers[dense[0]].units != best["units"]:
        raise NotYet(
            "best_model's hidden layer is not as wide as the best trial's: rebuild it with "
            "random_tuner.hypermodel.build(best_hps)."
        )
    if len(dropout) != 1 or not np.isclose(layers[dropout[0]].rate, best["dropout"]):
        raise NotYet(
            "best_model's dropout rate is not the best trial's: rebuild it with "
            "random_tuner.hypermodel.build(best_hps)."
        )
    if getattr(best_model, "optimizer", None) is None or not np.isclose(
        _learning_rate(best_model), best["learning_rate"], rtol=1e-4
    ):
        raise NotYet(
            "best_model's learning rate is not the best trial's: rebuild it with "
            "random_tuner.hypermodel.build(best_hps)."
        )

    try:
        probabilities = outputs_of(best_model, x_test)
    except Exception as error:  # a shape the model does not read
        raise NotYet(
            f"best_model cannot read the test images ({type(error).__name__}): it should take rows of "
            "784 pixels between 0 and 1, as the function's x_train."
        ) from None
    finite_array(probabilities, "best_model's outputs on the test images")
    accuracy = float(np.mean(np.argmax(probabilities, axis=-1) == y_test))
    reached = require_at_least(accuracy, "11.2", "test accuracy")
    score = max(t.score for t in done if t.score is not None)
    return (
        f"a random search of {len(done)} trials over units, learning rate and dropout, ranked on the "
        f"validation images (best val_accuracy {score:.4f}); the best configuration rebuilt and trained: "
        f"{reached}"
    )
