"""Exercises of notebook 11: a dropout rate in the search space, and a random search's best model."""
import keras
import keras_tuner
import numpy as np
import pytest

from workshop_utils import exercises
from workshop_utils.exercises._core import ExerciseNotPassed


def make_builder(dropout_low=0.0, dropout_high=0.5, step=0.1, where="after_hidden", fixed_rate=None,
                 with_dropout=True, compile_it=True):
    """A model-building function like the notebook's, with a dropout rate that can be set wrong on purpose."""
    def build(hp):
        units = hp.Int("units", min_value=32, max_value=512, step=32, default=128)
        learning_rate = hp.Choice("learning_rate", values=[1e-2, 1e-3, 1e-4], default=1e-3)
        layers = [keras.Input(shape=(12,))]
        if with_dropout:
            rate = hp.Float("dropout", dropout_low, dropout_high, step=step)
            dropout = keras.layers.Dropout(fixed_rate if fixed_rate is not None else rate)
        hidden = keras.layers.Dense(units, activation="relu", name="hidden")
        output = keras.layers.Dense(10, activation="softmax", name="digit")
        if not with_dropout:
            layers += [hidden, output]
        elif where == "after_hidden":
            layers += [hidden, dropout, output]
        elif where == "on_input":
            layers += [dropout, hidden, output]
        model = keras.Sequential(layers)
        if compile_it:
            model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                          loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        return model

    return build


def test_11_1_passes():
    verdict = exercises.check("11.1", make_builder(), strict=True)
    assert verdict.passed


def test_11_1_accepts_a_choice_and_a_hypermodel():
    class Builder(keras_tuner.HyperModel):
        def build(self, hp):
            hp.Choice("dropout", [0.0, 0.1, 0.2, 0.3, 0.4, 0.5])
            return make_builder()(hp)

    assert exercises.check("11.1", Builder()).passed


@pytest.mark.parametrize("builder, reason", [
    (make_builder(with_dropout=False), "no 'dropout'"),
    (make_builder(dropout_high=0.9), "range of 'dropout' ends elsewhere"),
    (make_builder(dropout_low=0.1), "range of 'dropout' starts elsewhere"),
    (make_builder(step=0.05), "check its step"),
    (make_builder(step=None), "'dropout' is continuous"),
    (make_builder(where="on_input"), "wrong place"),
    (make_builder(fixed_rate=0.2), "rate does not follow hp"),
    (make_builder(compile_it=False), "compiled model"),
])
def test_11_1_wrong_answers(builder, reason):
    verdict = exercises.check("11.1", builder)
    assert verdict.status == "not yet" and reason in verdict.message


def test_11_1_not_started_and_strict():
    assert exercises.check("11.1", None).status == "not started"
    with pytest.raises(ExerciseNotPassed):
        exercises.check("11.1", make_builder(where="on_input"), strict=True)


@pytest.fixture(scope="module")
def data():
    """Tiny separable data: the class is which of the first 10 features is large."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, size=300)
    x = rng.normal(scale=0.1, size=(300, 12)).astype("float32")
    x[np.arange(300), y] += 3.0
    return x[:200], y[:200], x[200:], y[200:]


@pytest.fixture(scope="module")
def searched(data, tmp_path_factory):
    x, y, x_val, y_val = data
    keras.utils.set_random_seed(0)
    tuner = keras_tuner.RandomSearch(make_builder(), objective="val_accuracy", max_trials=2, seed=0,
                                     directory=str(tmp_path_factory.mktemp("tuner")), project_name="random")
    tuner.search(x, y, validation_data=(x_val, y_val), epochs=2, batch_size=32, verbose=0)
    best_hps = tuner.get_best_hyperparameters(1)[0]
    model = tuner.hypermodel.build(best_hps)
    model.fit(x, y, epochs=6, batch_size=32, verbose=0)
    return tuner, best_hps, model


def test_11_2_passes(searched, data):
    tuner, _, model = searched
    verdict = exercises.check("11.2", tuner, model, data[2], data[3], strict=True)
    assert verdict.passed and "2 trials" in verdict.message


def test_11_2_wrong_model_or_data(searched, data):
    tuner, best_hps, model = searched
    other = best_hps.copy()
    other.values["units"] = 512 if best_hps.values["units"] != 512 else 32
    verdict = exercises.check("11.2", tuner, tuner.hypermodel.build(other), data[2], data[3])
    assert verdict.status == "not yet" and "not as wide as the best trial's" in verdict.message
    verdict = exercises.check("11.2", tuner, model, data[2][:, :6], data[3])
    assert verdict.status == "not yet" and "cannot read x_test" in verdict.message
    untrained = tuner.hypermodel.build(best_hps)
    assert "below this profile's target" in exercises.check("11.2", tuner, untrained, data[2], data[3]).message


def test_11_2_wrong_tuner(data, tmp_path):
    hyperband = keras_tuner.Hyperband(make_builder(), objective="val_accuracy", max_epochs=2,
                                      directory=str(tmp_path), project_name="hyperband")
    assert "keras_tuner.RandomSearch" in exercises.check("11.2", hyperband, None, None, None).message
    by_loss = keras_tuner.RandomSearch(make_builder(), objective="val_loss", max_trials=1,
                                       directory=str(tmp_path), project_name="by_loss")
    assert "val_accuracy" in exercises.check("11.2", by_loss, None, None, None).message
    without = keras_tuner.RandomSearch(make_builder(with_dropout=False), objective="val_accuracy", max_trials=1,
                                       directory=str(tmp_path), project_name="without")
    assert "no dropout" in exercises.check("11.2", without, None, None, None).message
    fresh = keras_tuner.RandomSearch(make_builder(), objective="val_accuracy", max_trials=1,
                                     directory=str(tmp_path), project_name="fresh")
    assert "no finished trial" in exercises.check("11.2", fresh, None, None, None).message


def test_11_2_not_started(searched):
    assert exercises.check("11.2", None, None, None, None).status == "not started"
    assert exercises.check("11.2", searched[0], None, None, None).status == "not started"
