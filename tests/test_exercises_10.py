"""Exercises of notebook 10: a train_step that clips gradients and matches fit, and a learning-rate recorder."""
import keras
import numpy as np
import pytest

from workshop_utils import exercises
from workshop_utils.exercises._core import ExerciseNotPassed

TENSORFLOW = keras.backend.backend() == "tensorflow"
rng = np.random.default_rng(0)
X = rng.normal(size=(96, 20)).astype("float32")
Y = rng.integers(0, 10, size=96)


# ---------------------------------------------------------------- 10.1: your own step, clipped
def step_classes():
    """The notebook's CustomStepModel and variants of a clipping step, right and wrong (TensorFlow)."""
    import tensorflow as tf

    class CustomStepModel(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.accuracy_metric = keras.metrics.SparseCategoricalAccuracy(name="acc")

        @property
        def metrics(self):
            return [self.loss_tracker, self.accuracy_metric]

        def clip(self, gradients):
            return gradients

        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = self.compute_loss(x=x, y=y, y_pred=y_pred)
            gradients = self.clip(tape.gradient(loss, self.trainable_variables))
            self.optimizer.apply(gradients, self.trainable_variables)
            self.loss_tracker.update_state(loss, sample_weight=tf.shape(x)[0])
            self.accuracy_metric.update_state(y, y_pred)
            return {metric.name: metric.result() for metric in self.metrics}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            loss = self.compute_loss(x=x, y=y, y_pred=y_pred, training=False)
            self.loss_tracker.update_state(loss, sample_weight=tf.shape(x)[0])
            self.accuracy_metric.update_state(y, y_pred)
            return {metric.name: metric.result() for metric in self.metrics}

    class Clipped(CustomStepModel):
        def clip(self, gradients):
            return tf.clip_by_global_norm(gradients, 1.0)[0]

    class ClippedEach(CustomStepModel):
        def clip(self, gradients):
            return [tf.clip_by_norm(g, 1.0) for g in gradients]

    class ClippedHalf(CustomStepModel):
        def clip(self, gradients):
            return tf.clip_by_global_norm(gradients, 0.5)[0]

    class NoMetricsProperty(Clipped):
        metrics = keras.Model.metrics

    return {"none": CustomStepModel, "global": Clipped, "each": ClippedEach, "half": ClippedHalf,
            "no_metrics_property": NoMetricsProperty}


def build(model_class):
    inputs = keras.Input(shape=(20,))
    hidden = keras.layers.Dense(16, activation="relu")(inputs)
    return model_class(inputs, keras.layers.Dense(10, activation="softmax")(hidden))


def train(model, **optimizer_args):
    keras.utils.set_random_seed(1)
    builtin = type(model).train_step is keras.Model.train_step
    metrics = [keras.metrics.SparseCategoricalAccuracy(name="acc")] if builtin else None
    model.compile(optimizer=keras.optimizers.Adam(**{"learning_rate": 1e-2, **optimizer_args}),
                  loss="sparse_categorical_crossentropy", metrics=metrics)
    return model.fit(X, Y, validation_data=(X[:32], Y[:32]), batch_size=32, epochs=2, shuffle=False, verbose=0)


@pytest.fixture(scope="module")
def runs():
    if not TENSORFLOW:
        pytest.skip("the test steps use tf.GradientTape (notebook 10 is TensorFlow-only)")
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


def test_10_1_passes(runs):
    fit_history, models, _ = runs
    model, history = models["global"]
    verdict = exercises.check("10.1", model, history, fit_history, strict=True)
    assert verdict.passed and "matches fit's step" in verdict.message


@pytest.mark.parametrize("name, reason", [
    ("none", "does not clip the global norm"),
    ("each", "clips each weight's gradient on its own"),
    ("half", "global norm of about 0.5"),
    ("no_metrics_property", "two metrics named 'loss'"),
])
def test_10_1_wrong_steps(runs, name, reason):
    fit_history, models, _ = runs
    verdict = exercises.check("10.1", *models[name], fit_history)
    assert verdict.status == "not yet" and reason in verdict.message


def test_10_1_wrong_comparisons(runs):
    fit_history, models, weights = runs
    model, history = models["global"]
    plain = build(keras.Model)
    plain.set_weights(weights)
    verdict = exercises.check("10.1", model, history, train(plain))
    assert verdict.status == "not yet" and "global_clipnorm=1.0" in verdict.message
    faster = build(keras.Model)
    faster.set_weights(weights)
    verdict = exercises.check("10.1", model, history, train(faster, global_clipnorm=1.0, learning_rate=0.05))
    assert verdict.status == "not yet" and "differ from fit's" in verdict.message
    verdict = exercises.check("10.1", plain, train(build(keras.Model)), fit_history)
    assert verdict.status == "not yet" and "built-in train_step" in verdict.message


def test_10_1_optimizer_must_not_clip(runs):
    fit_history, _, weights = runs
    model = build(step_classes()["global"])
    model.set_weights(weights)
    verdict = exercises.check("10.1", model, train(model, global_clipnorm=1.0), fit_history)
    assert verdict.status == "not yet" and "optimizer clips the gradients itself" in verdict.message


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
    learning_rate = keras.optimizers.schedules.ExponentialDecay(
        0.01, decay_steps=3, decay_rate=0.7, staircase=True) if schedule else 0.01
    model = keras.Sequential([keras.Input(shape=(20,)), keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy")
    history = model.fit(X, Y, batch_size=32, epochs=epochs, callbacks=[recorder], verbose=0)  # 3 steps per epoch
    return recorder, history


def test_10_2_passes():
    verdict = exercises.check("10.2", *recorded(AtBegin()), strict=True)
    assert verdict.passed and "3 epochs, 3 learning rates" in verdict.message


@pytest.mark.parametrize("recorder, schedule, reason", [
    (AtEnd(), True, "the one of the following epoch"),
    (PerBatch(), True, "holds 12 learning rates for a run of 3 epochs"),
    (AtBegin(), False, "learning rate is a constant"),
])
def test_10_2_wrong_answers(recorder, schedule, reason):
    verdict = exercises.check("10.2", *recorded(recorder, schedule=schedule))
    assert verdict.status == "not yet" and reason in verdict.message


def test_10_2_recorder_must_watch_the_run():
    _, history = recorded(AtBegin())
    verdict = exercises.check("10.2", recorded(AtBegin())[0], history)
    assert verdict.status == "not yet" and "did not watch the run" in verdict.message


def test_10_2_not_started_and_strict():
    assert exercises.check("10.2", None, None).status == "not started"
    assert exercises.check("10.2", AtBegin(), None).status == "not started"
    with pytest.raises(ExerciseNotPassed):
        exercises.check("10.2", *recorded(AtEnd()), strict=True)
