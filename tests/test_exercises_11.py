"""Exercises of notebook 11: a dropout rate in the search space, and a random search's best model."""

import gc
import tempfile

from workshop_utils import exercises
from workshop_utils.exercises import nb11
from workshop_utils.exercises._core import ExerciseNotPassed

import keras
import keras_tuner
import numpy as np
import pytest
from exercise_helpers import wrong


def make_builder(
    dropout_low=0.0,
    dropout_high=0.5,
    step=0.1,
    where="after_hidden",
    fixed_rate=None,
    with_dropout=True,
    compile_it=True,
    units_from_hp=True,
    hidden_activation="relu",
):
    """A model-building function like the notebook's, with a dropout rate that can be set wrong on purpose."""

    def build(hp):
        units = hp.Int("units", min_value=32, max_value=512, step=32, default=128)
        learning_rate = hp.Choice("learning_rate", values=[1e-2, 1e-3, 1e-4], default=1e-3)
        layers = [keras.Input(shape=(12,))]
        if with_dropout:
            rate = hp.Float("dropout", dropout_low, dropout_high, step=step)
            dropout = keras.layers.Dropout(fixed_rate if fixed_rate is not None else rate)
        hidden = keras.layers.Dense(units if units_from_hp else 128, activation=hidden_activation, name="hidden")
        output = keras.layers.Dense(10, activation="softmax", name="digit")
        if not with_dropout:
            layers += [hidden, output]
        elif where == "after_hidden":
            layers += [hidden, dropout, output]
        elif where == "on_input":
            layers += [dropout, hidden, output]
        model = keras.Sequential(layers)
        if compile_it:
            model.compile(
                optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                loss="sparse_categorical_crossentropy",
                metrics=["accuracy"],
                run_eagerly=True,  # no tracing: faster for the few tiny batches of a trial
            )
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


def test_11_1_not_started_and_strict():
    assert exercises.check("11.1", None).status == "not started"
    with pytest.raises(ExerciseNotPassed):
        exercises.check("11.1", make_builder(where="on_input"), strict=True)


def separable(count, seed):
    """Tiny separable data in [0, 1]: the class is which of the first 10 features is large."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, size=count)
    x = rng.uniform(0, 0.5, size=(count, 12)).astype("float32")
    x[np.arange(count), y] += 0.5
    return x, y


TRAIN, VAL, TEST = separable(200, 0), separable(100, 1), separable(100, 2)
TUNER_DIR = tempfile.TemporaryDirectory(prefix="test-exercises-11-")


@pytest.fixture(autouse=True)
def held_data(monkeypatch):
    """The check hands the learner's function these arrays, and scores on TEST, instead of the notebook's."""
    monkeypatch.setattr(nb11, "_held_data", lambda: (TRAIN, VAL, TEST))


@pytest.fixture(scope="module", autouse=True)
def frozen_heap():
    """Keras Tuner calls gc.collect() twice before every trial (keras.backend.clear_session, then its own);
    with TensorFlow and the test session in memory each takes a few tenths of a second. Freezing what is
    already there keeps those collections to the trials' own objects; nothing about the verdicts changes."""
    gc.freeze()
    yield
    gc.unfreeze()


def make_search(
    validation="given",
    objective="val_accuracy",
    tuner="random",
    best="rebuilt",
    builder=None,
    fit_on_test=False,
    nan=False,
    returns="both",
    trials=2,
    epochs=4,
):
    """A learner's random_search function, right by default, wrong in the ways its arguments say."""

    def random_search(x_train, y_train, x_val, y_val):
        keras.utils.set_random_seed(0)
        if returns == "model":  # no search needed to be wrong this way
            return make_builder()(keras_tuner.HyperParameters())
        settings = dict(objective=objective, seed=0, directory=TUNER_DIR.name, project_name="random", overwrite=True)
        if tuner == "random":
            search = keras_tuner.RandomSearch(builder or make_builder(), max_trials=trials, **settings)
        else:
            search = keras_tuner.Hyperband(builder or make_builder(), max_epochs=1, factor=3, **settings)
        where = {
            "given": {"validation_data": (x_val, y_val)},
            "test": {"validation_data": TEST},
            "split": {"validation_split": 0.2},
        }[validation]
        search.search(x_train, y_train, epochs=1, batch_size=32, verbose=0, **where)
        best_hps = search.get_best_hyperparameters(1)[0]
        if best == "checkpoint":
            return search, search.get_best_models(1)[0]
        if best == "other":
            best_hps = best_hps.copy()
            best_hps.values["units"] = 512 if best_hps.values["units"] != 512 else 32
        model = search.hypermodel.build(best_hps)
        x, y = (
            (np.concatenate([x_train, TEST[0]]), np.concatenate([y_train, TEST[1]]))
            if fit_on_test
            else (x_train, y_train)
        )
        model.fit(x, y, epochs=epochs, batch_size=32, verbose=0)
        if nan:
            model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])
        return search, model

    return random_search


def wrong_search(**how):
    """A wrong random_search: one trial and one epoch for the best model are enough to be wrong (every
    wrong answer below is judged before the test accuracy, the only figure more training would change)."""
    return make_search(trials=1, epochs=1, **how)


def test_11_2_passes():
    verdict = exercises.check("11.2", make_search(), strict=True)
    assert verdict.passed and "2 trials" in verdict.message and "ranked on the validation images" in verdict.message


def test_11_2_not_started():
    assert exercises.check("11.2", None).status == "not started"


WRONG = [
    wrong("11.1", "form", "no dropout in the space", "no 'dropout'", lambda: make_builder(with_dropout=False)),
    wrong(
        "11.1",
        "form",
        "a range that ends at 0.9",
        "range of 'dropout' ends elsewhere",
        lambda: make_builder(dropout_high=0.9),
    ),
    wrong(
        "11.1",
        "form",
        "a range that starts at 0.1",
        "range of 'dropout' starts elsewhere",
        lambda: make_builder(dropout_low=0.1),
    ),
    wrong("11.1", "form", "a step of 0.05", "check its step", lambda: make_builder(step=0.05)),
    wrong("11.1", "form", "a continuous rate", "'dropout' is continuous", lambda: make_builder(step=None)),
    wrong("11.1", "form", "dropout on the input", "wrong place", lambda: make_builder(where="on_input")),
    wrong("11.1", "form", "a model that is not compiled", "compiled model", lambda: make_builder(compile_it=False)),
    wrong(
        "11.1",
        "wrong-way",
        "a rate declared but a fixed 0.2 used",
        "rate does not follow hp",
        lambda: make_builder(fixed_rate=0.2),
    ),
    wrong(
        "11.1",
        "wrong-way",
        "a width declared but a fixed 128 used",
        "no longer follows hp",
        lambda: make_builder(units_from_hp=False),
    ),
    wrong(
        "11.1",
        "nan",
        "a model whose outputs are NaN (log of the hidden pre-activations)",
        "NaN or infinite",
        lambda: make_builder(hidden_activation=keras.ops.log),
    ),
    wrong(
        "11.2",
        "test-data",
        "trials ranked on the test images (validation_data=(x_test, y_test))",
        "validated on",
        lambda: wrong_search(validation="test"),
    ),
    wrong(
        "11.2",
        "test-data",
        "the best model trained on the test images too",
        "trained on",
        lambda: wrong_search(fit_on_test=True),
    ),
    wrong(
        "11.2",
        "form",
        "trials validated on a split of the training images, not on x_val",
        "other images than the x_val",
        lambda: wrong_search(validation="split"),
    ),
    wrong(
        "11.2",
        "form",
        "trials ranked by the training accuracy",
        'objective="val_accuracy"',
        lambda: wrong_search(objective="accuracy"),
    ),
    wrong(
        "11.2",
        "form",
        "Hyperband instead of random search",
        "keras_tuner.RandomSearch",
        lambda: wrong_search(tuner="hyperband"),
    ),
    wrong("11.2", "form", "only the model returned", "should return two things", lambda: wrong_search(returns="model")),
    wrong(
        "11.2",
        "wrong-way",
        "a model that is not the best trial's",
        "not as wide as the best trial's",
        lambda: wrong_search(best="other"),
    ),
    wrong(
        "11.2",
        "wrong-way",
        "the best trial's checkpoint, not rebuilt and trained",
        "was not trained inside",
        lambda: wrong_search(best="checkpoint"),
    ),
    wrong(
        "11.2",
        "nan",
        "a best model whose weights are NaN (a diverged run)",
        "NaN or infinite",
        lambda: wrong_search(nan=True),
    ),
]


@pytest.mark.parametrize("case", WRONG, ids=str)
def test_wrong_answers_are_not_yet(case):
    case.assert_not_yet()
