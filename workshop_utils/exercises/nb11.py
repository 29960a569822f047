"""Checks for notebook 11 (hyperparameter tuning): a search space with a dropout rate, and a random search
whose best configuration is rebuilt, trained and scored on the test set."""
import numpy as np

from ._common import check_at_least, given, keras_model
from ._core import NotYet, exercise

# name -> (what the exercise asks for, in words; the values it must allow)
SPACE = {
    "units": ("hp.Int(\"units\", 32, 512, step=32)", list(range(32, 513, 32))),
    "learning_rate": ("hp.Choice(\"learning_rate\", [1e-2, 1e-3, 1e-4])", [1e-2, 1e-3, 1e-4]),
    "dropout": ("hp.Float(\"dropout\", 0.0, 0.5, step=0.1)", [0.0, 0.1, 0.2, 0.3, 0.4, 0.5]),
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
    return [settings["min_value"] + i * step for i in range(count) if settings["min_value"] + i * step
            <= settings["max_value"] + 1e-9]


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


@exercise("11.1", "a dropout rate in the search space")
def check_dropout_space(build_function):
    """build_function: your model-building function (or its HyperModel, or a tuner built with it)."""
    import keras_tuner

    build = _build_function(build_function)
    hp = keras_tuner.HyperParameters()
    model = keras_model(build(hp), "the model your function returns")
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
            raise NotYet(f"{name!r} allows {len(allowed)} values, the exercise's {asked} allows {len(wanted)}: "
                         "check its step.")
    extra = sorted(set(found) - set(SPACE))
    if extra:
        raise NotYet(f"the search space also holds {extra}: the exercise adds only 'dropout'.")
    if getattr(model, "optimizer", None) is None or getattr(model, "loss", None) is None:
        raise NotYet("your function must return a compiled model: call model.compile(...) before returning it.")

    layers, dense, dropout = _dense_and_dropout(model)
    if len(dropout) != 1:
        raise NotYet(f"the model has {len(dropout)} Dropout layers: the exercise adds exactly one.")
    if len(dense) < 2 or not dense[0] < dropout[0] < dense[-1]:
        raise NotYet("the Dropout layer is in the wrong place: put it after the hidden Dense layer and before "
                     "the output layer.")
    if dense[0] + 1 != dropout[0]:
        raise NotYet("the Dropout layer should come right after the hidden Dense layer.")

    probe = keras_tuner.HyperParameters()
    build(probe)
    probe.values.update({"units": 64, "dropout": 0.3, "learning_rate": 1e-2})
    model = build(probe)
    layers, dense, dropout = _dense_and_dropout(model)
    if not np.isclose(layers[dropout[0]].rate, 0.3):
        raise NotYet("the Dropout layer's rate does not follow hp: pass it the value that hp.Float returns.")
    if layers[dense[0]].units != 64 or not np.isclose(_learning_rate(model), 1e-2):
        raise NotYet("the width or the learning rate no longer follows hp: keep the notebook's hp.Int and "
                     "hp.Choice, and use what they return.")
    return "units, learning rate and dropout are searched over the asked values; Dropout follows the hidden layer"


@exercise("11.2", "random search, then one test evaluation")
def check_random_search(random_tuner, best_model, x_test, y_test):
    """random_tuner: a keras_tuner.RandomSearch that has searched the space of 11.1; best_model: its best
    configuration, rebuilt and trained; x_test, y_test: the test images (as the model reads them) and labels."""
    import keras_tuner

    given(random_tuner, "random_tuner")
    if not isinstance(random_tuner, keras_tuner.Tuner):
        raise NotYet(f"random_tuner should be a keras_tuner tuner, not a {type(random_tuner).__name__}.")
    oracle = random_tuner.oracle
    if not isinstance(oracle, keras_tuner.oracles.RandomSearchOracle):
        raise NotYet(f"random_tuner searches with {type(oracle).__name__}: the exercise asks for "
                     "keras_tuner.RandomSearch.")
    objective = oracle.objective
    if getattr(objective, "name", None) != "val_accuracy" or getattr(objective, "direction", "max") != "max":
        raise NotYet(f"random_tuner ranks its trials by {getattr(objective, 'name', objective)!r}: rank them by "
                     "the validation accuracy, objective=\"val_accuracy\".")
    names = [h.name for h in oracle.hyperparameters.space]
    if "dropout" not in names:
        raise NotYet("random_tuner's search space has no dropout: build the tuner with your function from "
                     "exercise 11.1.")
    done = [t for t in oracle.trials.values() if t.status == "COMPLETED"]
    if not done:
        raise NotYet("random_tuner has no finished trial yet: run random_tuner.search(...).")

    keras_model(best_model, "best_model")
    best = random_tuner.get_best_hyperparameters(num_trials=1)[0].values
    layers, dense, dropout = _dense_and_dropout(best_model)
    if not dense or layers[dense[0]].units != best["units"]:
        raise NotYet("best_model's hidden layer is not as wide as the best trial's: rebuild it with "
                     "random_tuner.hypermodel.build(best_hps).")
    if len(dropout) != 1 or not np.isclose(layers[dropout[0]].rate, best["dropout"]):
        raise NotYet("best_model's dropout rate is not the best trial's: rebuild it with "
                     "random_tuner.hypermodel.build(best_hps).")
    if getattr(best_model, "optimizer", None) is None or not np.isclose(
            _learning_rate(best_model), best["learning_rate"], rtol=1e-4):
        raise NotYet("best_model's learning rate is not the best trial's: rebuild it with "
                     "random_tuner.hypermodel.build(best_hps).")

    x_test, y_test = given(x_test, "x_test"), np.asarray(given(y_test, "y_test")).reshape(-1)
    try:
        predictions = best_model.predict(x_test, batch_size=512, verbose=0)
    except Exception as error:  # a shape or dtype the model does not read
        raise NotYet(f"best_model cannot read x_test ({type(error).__name__}): pass the test images "
                     "prepared as the training images are (flattened, scaled).") from None
    if len(predictions) != len(y_test):
        raise NotYet(f"x_test holds {len(predictions)} images but y_test {len(y_test)} labels.")
    accuracy = float(np.mean(np.argmax(predictions, axis=-1) == y_test))
    reached = check_at_least(accuracy, "11.2", "test accuracy")
    return (f"a random search of {len(done)} trials over units, learning rate and dropout; the best "
            f"configuration rebuilt and trained: {reached}")
