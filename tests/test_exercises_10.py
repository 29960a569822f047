"""Exercises of notebook 10: a train_step that clips gradients and matches fit, and a learning-rate recorder."""

import functools

from workshop_utils import exercises
from workshop_utils.exercises import nb10
from workshop_utils.exercises._core import ExerciseNotPassed

import keras
import numpy as np
import pytest
from exercise_helpers import history_for, wrong
from keras import ops
from test_custom_step import notebook_steps

rng = np.random.default_rng(0)
X = rng.normal(size=(96, 20)).astype("float32")
Y = rng.integers(0, 10, size=96)


@pytest.fixture(autouse=True)
def held_validation(monkeypatch):
    """10.1's check compares the runs with the models' losses on these images instead of the notebook's."""
    monkeypatch.setattr(nb10, "_held_validation", lambda: (X[:32], Y[:32]))


# ---------------------------------------------------------------- 10.1: your own step, clipped
def global_norm(gradients):
    return ops.sqrt(sum(ops.sum(ops.square(gradient)) for gradient in gradients))


def step_classes():
    """The notebook's CustomStepModel (read from the notebook, for the active backend) and variants of a
    clipping step, right and wrong."""
    CustomStepModel = notebook_steps()["CustomStepModel"]

    class Clipped(CustomStepModel):
        def adjust_gradients(self, gradients):
            factor = 1.0 / ops.maximum(global_norm(gradients), 1.0)
            return [gradient * factor for gradient in gradients]

    class ClippedEach(CustomStepModel):
        def adjust_gradients(self, gradients):
            return [gradient / ops.maximum(ops.sqrt(ops.sum(ops.square(gradient))), 1.0) for gradient in gradients]

    class ClippedHalf(CustomStepModel):
        def adjust_gradients(self, gradients):
            factor = 0.5 / ops.maximum(global_norm(gradients), 0.5)
            return [gradient * factor for gradient in gradients]

    class OwnLossTracker(Clipped):
        """Lists a loss tracker of its own beside the compiled one: two metrics named "loss"."""

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.own_loss = keras.metrics.Mean(name="loss")

        @property
        def metrics(self):
            return [self.own_loss] + super().metrics

    return {
        "none": CustomStepModel,
        "global": Clipped,
        "each": ClippedEach,
        "half": ClippedHalf,
        "own_loss_tracker": OwnLossTracker,
    }


def build(model_class):
    inputs = keras.Input(shape=(20,))
    hidden = keras.layers.Dense(16, activation="relu")(inputs)
    return model_class(inputs, keras.layers.Dense(10, activation="softmax")(hidden))


def train(model, **optimizer_args):
    """Compile as the notebook's compile_mlp does and train as its seeded_fit does (weighted validation)."""
    model.compile(
        optimizer=keras.optimizers.Adam(**{"learning_rate": 1e-2, **optimizer_args}),
        loss="sparse_categorical_crossentropy",
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")],
        weighted_metrics=[keras.metrics.SparseCategoricalAccuracy(name="weighted_acc")],
        run_eagerly=True,  # no tracing for 6 tiny steps (the check traces the step itself, on a copy)
    )
    keras.utils.set_random_seed(1)
    return model.fit(
        X,
        Y,
        sample_weight=nb10.sample_weights(Y),
        validation_data=(X[:32], Y[:32], nb10.sample_weights(Y[:32])),
        batch_size=32,
        epochs=2,
        verbose=0,
    )


@functools.cache
def all_runs():
    classes = step_classes()
    start = build(keras.Model)
    weights = start.get_weights()
    fit_history = train(start, global_clipnorm=1.0)
    models = {}
    for name, model_class in classes.items():
        model = build(model_class)
        model.set_weights(weights)
        models[name] = (model, train(model))
    return fit_history, models, weights


@functools.cache
def plain_run():
    """The built-in step from the same start, without clipping: a plain model and its history."""
    _, _, weights = all_runs()
    plain = build(keras.Model)
    plain.set_weights(weights)
    return plain, train(plain)


@pytest.fixture(scope="module")
def runs():
    return all_runs()


def test_10_1_passes(runs):
    fit_history, models, _ = runs
    model, history = models["global"]
    verdict = exercises.check("10.1", model, history, fit_history, strict=True)
    assert verdict.passed and "matches fit's step" in verdict.message


def test_10_1_wrong_comparisons(runs):
    fit_history, models, weights = runs
    model, history = models["global"]
    plain, plain_history = plain_run()
    verdict = exercises.check("10.1", model, history, plain_history)
    assert verdict.status == "not yet" and "global_clipnorm=1.0" in verdict.message
    faster = build(keras.Model)
    faster.set_weights(weights)
    verdict = exercises.check("10.1", model, history, train(faster, global_clipnorm=1.0, learning_rate=0.05))
    assert verdict.status == "not yet" and "differ from fit's" in verdict.message
    verdict = exercises.check("10.1", plain, train(build(keras.Model)), fit_history)
    assert verdict.status == "not yet" and "built-in train_step" in verdict.message


def test_10_1_not_started_and_strict(runs):
    fit_history, models, _ = runs
    assert exercises.check("10.1", None, None, None).status == "not started"
    assert exercises.check("10.1", models["global"][0], None, fit_history).status == "not started"
    with pytest.raises(ExerciseNotPassed):
        exercises.check("10.1", *models["none"], fit_history, strict=True)


# ---------------------------------------------------------------- 10.2: a learning-rate recorder
class AtBegin(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.rates = []

    def on_epoch_begin(self, epoch, logs=None):
        self.rates.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))


class AtEnd(AtBegin):
    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_begin(epoch, logs)


class PerBatch(AtBegin):
    def on_train_batch_begin(self, batch, logs=None):
        super().on_epoch_begin(0, logs)


def recorded(recorder, schedule=True, epochs=3):
    learning_rate = (
        keras.optimizers.schedules.ExponentialDecay(0.01, decay_steps=3, decay_rate=0.7, staircase=True)
        if schedule
        else 0.01
    )
    model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        run_eagerly=True,  # no tracing for 9 tiny steps
    )
    history = model.fit(X, Y, batch_size=32, epochs=epochs, callbacks=[recorder], verbose=0)  # 3 steps per epoch
    return recorder, history


def test_10_2_passes():
    verdict = exercises.check("10.2", *recorded(AtBegin()), strict=True)
    assert verdict.passed and "3 epochs, 3 learning rates" in verdict.message


def test_10_2_recorder_must_watch_the_run():
    _, history = recorded(AtBegin())
    verdict = exercises.check("10.2", recorded(AtBegin())[0], history)
    assert verdict.status == "not yet" and "did not watch the run" in verdict.message


def test_10_2_not_started_and_strict():
    assert exercises.check("10.2", None, None).status == "not started"
    assert exercises.check("10.2", AtBegin(), None).status == "not started"
    with pytest.raises(ExerciseNotPassed):
        exercises.check("10.2", *recorded(AtEnd()), strict=True)


class Typed(keras.callbacks.Callback):
    """Rates typed in from the printed output of the run below, not read from the optimizer."""

    TYPED = [0.01, 0.007, 0.0049]

    def __init__(self):
        super().__init__()
        self.rates = []

    def on_epoch_begin(self, epoch, logs=None):
        self.rates.append(self.TYPED[epoch % len(self.TYPED)])


class Silent(AtBegin):
    def on_epoch_begin(self, epoch, logs=None):
        pass


def filled_in_afterwards():
    recorder, history = recorded(Silent())
    recorder.rates = list(Typed.TYPED)
    return recorder, history


def with_a_nan_rate():
    recorder, history = recorded(AtBegin())
    recorder.rates[1] = float("nan")
    return recorder, history


def with_nan_history():
    fit_history, models, _ = all_runs()
    model, history = models["global"]
    values = {key: list(v) for key, v in history.history.items()}
    values["loss"][-1] = float("nan")
    return model, history_for(model, **values), fit_history


def made_up_history():
    """An untrained clipping model, handed fit's figures as its own."""
    fit_history = all_runs()[0]
    model = build(step_classes()["global"])
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss="sparse_categorical_crossentropy",
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")],
        weighted_metrics=[keras.metrics.SparseCategoricalAccuracy(name="weighted_acc")],
    )
    return model, history_for(model, **fit_history.history), fit_history


def step_answer(name):
    fit_history, models, _ = all_runs()
    return (*models[name], fit_history)


def optimizer_clips():
    fit_history, _, weights = all_runs()
    model = build(step_classes()["global"])
    model.set_weights(weights)
    return model, train(model, global_clipnorm=1.0), fit_history


def builtin_step():
    return (*plain_run(), all_runs()[0])


WRONG = [
    wrong(
        "10.1",
        "wrong-way",
        "a step that does not clip at all",
        "does not clip the global norm",
        lambda: step_answer("none"),
    ),
    wrong(
        "10.1",
        "form",
        "each gradient clipped on its own",
        "clips each weight's gradient on its own",
        lambda: step_answer("each"),
    ),
    wrong("10.1", "form", "clipped to a global norm of 0.5", "global norm of about 0.5", lambda: step_answer("half")),
    wrong(
        "10.1",
        "form",
        "a loss tracker of its own beside the compiled one",
        "two metrics named 'loss'",
        lambda: step_answer("own_loss_tracker"),
    ),
    wrong(
        "10.1",
        "form",
        "the optimizer clips instead of the step",
        "optimizer clips the gradients itself",
        optimizer_clips,
    ),
    wrong("10.1", "wrong-way", "the built-in step passed as yours", "built-in train_step", builtin_step),
    wrong("10.1", "nan", "a history with a NaN loss (a diverged run)", "NaN or infinite", with_nan_history),
    wrong(
        "10.1",
        "copied",
        "fit's history passed as your step's",
        "is not the history of clipped_model",
        lambda: (all_runs()[1]["global"][0], all_runs()[0], all_runs()[0]),
    ),
    wrong(
        "10.1",
        "copied",
        "fit's figures handed to an untrained model as its history",
        "does not come from clipped_model's run",
        made_up_history,
    ),
    wrong(
        "10.2",
        "wrong-way",
        "rates read at the end of each epoch",
        "the one of the following epoch",
        lambda: recorded(AtEnd()),
    ),
    wrong(
        "10.2",
        "form",
        "one rate per batch",
        "holds 12 learning rates for a run of 3 epochs",
        lambda: recorded(PerBatch()),
    ),
    wrong(
        "10.2",
        "form",
        "a constant learning rate",
        "learning rate is a constant",
        lambda: recorded(AtBegin(), schedule=False),
    ),
    wrong("10.2", "nan", "a NaN among the rates", "NaN or infinite", with_a_nan_rate),
    wrong(
        "10.2", "copied", "rates typed in from the printed output", "a schedule of its own", lambda: recorded(Typed())
    ),
    wrong("10.2", "copied", "rates filled in after the run", "holds 0 rates", filled_in_afterwards),
]


@pytest.mark.parametrize("case", WRONG, ids=str)
def test_wrong_answers_are_not_yet(case):
    case.assert_not_yet()


def test_10_2_typed_rates_match_the_notebook_run():
    """The typed-in recorder passes the first part of the check: only the fresh run finds it out."""
    recorder, history = recorded(AtBegin())
    assert np.allclose(recorder.rates, Typed.TYPED)
