"""Notebook 10's hand-written train_step/test_step against fit, with sample weights, under the active backend.

The step classes are read from the notebook itself (its cells are the one source learners read), executed
here and trained beside the built-in step: the same start, the same seeded batches, the same sample weights
and compiled metrics must give the same history, test figures and weights. A step that ignores the sample
weights, or one that does not pass them on to the compiled metrics, must fail the same comparison.
"""

import functools
from pathlib import Path

import keras
import nbformat
import numpy as np

NOTEBOOK = Path(__file__).parents[1] / "notebooks" / "10_custom_training.ipynb"
STEP_CELLS = (
    "class StepModel(",
    "class TensorFlowStepModel(",
    "class TorchStepModel(",
    "class JaxStepModel(",
    "STEPS = {",
)
BACKEND = keras.backend.backend()
MAX_GAP = 1e-5  # exactly 0 on a CPU; the notebook's target (1e-3) leaves room for a GPU


@functools.cache
def notebook_steps():
    """Run the notebook's cells that define the step classes; return their namespace (CustomStepModel is the
    active backend's)."""
    namespace = {"keras": keras, "ops": keras.ops, "np": np, "BACKEND": BACKEND}
    if BACKEND == "tensorflow":
        import tensorflow as tf

        namespace["tf"] = tf
    elif BACKEND == "jax":
        import jax

        namespace["jax"] = jax
    elif BACKEND == "torch":
        import torch

        namespace["torch"] = torch
    cells = [cell.source for cell in nbformat.read(NOTEBOOK, as_version=4).cells if cell.cell_type == "code"]
    for start in STEP_CELLS:
        found = [source for source in cells if source.startswith(start)]
        assert len(found) == 1, f"notebook 10 should have one cell starting with {start!r}"
        exec(compile(found[0], f"{NOTEBOOK.name}: {start}", "exec"), namespace)  # noqa: S102
    return namespace


rng = np.random.default_rng(0)
X = rng.normal(size=(200, 20)).astype("float32")
Y = rng.integers(0, 5, size=200)
W = rng.uniform(0.2, 3.0, size=200).astype("float32")
X_VAL, Y_VAL, W_VAL = X[:40] + 0.1, Y[:40], W[40:80]


def build(model_class):
    inputs = keras.Input(shape=(20,))
    hidden = keras.layers.Dense(16, activation="relu")(inputs)
    return model_class(inputs, keras.layers.Dense(5, activation="softmax")(hidden))


def compiled(model):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=1e-2),
        loss="sparse_categorical_crossentropy",
        metrics=[keras.metrics.SparseCategoricalAccuracy(name="acc")],
        weighted_metrics=[keras.metrics.SparseCategoricalAccuracy(name="weighted_acc")],
    )
    return model


def run(model):
    """Seeded fit with sample weights (batch 32: a smaller last batch), then a weighted evaluate."""
    keras.utils.set_random_seed(3)
    history = model.fit(
        X, Y, sample_weight=W, validation_data=(X_VAL, Y_VAL, W_VAL), batch_size=32, epochs=3, verbose=0
    )
    test = model.evaluate(X_VAL, Y_VAL, sample_weight=W_VAL, batch_size=32, return_dict=True, verbose=0)
    return history.history, test, [keras.ops.convert_to_numpy(w) for w in model.get_weights()]


def largest_gap(model_class):
    """The largest difference between fit's step and ``model_class``'s: history, test figures, weights."""
    reference = compiled(build(keras.Model))
    candidate = compiled(build(model_class))
    candidate.set_weights(reference.get_weights())
    (ours, our_test, our_weights), (theirs, their_test, their_weights) = run(candidate), run(reference)
    assert sorted(ours) == sorted(theirs), f"logged keys differ: {sorted(ours)} vs {sorted(theirs)}"
    assert sorted(our_test) == sorted(their_test)
    gaps = [np.max(np.abs(np.subtract(ours[key], theirs[key]))) for key in theirs]
    gaps += [abs(our_test[key] - their_test[key]) for key in their_test]
    gaps += [np.max(np.abs(a - b)) for a, b in zip(our_weights, their_weights)]
    return float(max(gaps))


def test_the_active_backend_gets_its_own_step():
    steps = notebook_steps()
    expected = {"tensorflow": "TensorFlowStepModel", "jax": "JaxStepModel", "torch": "TorchStepModel"}[BACKEND]
    assert steps["CustomStepModel"].__mro__[1].__name__ == expected


def test_the_notebook_step_matches_fit_with_sample_weights_and_compiled_metrics():
    gap = largest_gap(notebook_steps()["CustomStepModel"])
    assert gap <= MAX_GAP, f"the notebook's step differs from fit's by {gap}"


def test_the_weights_matter_here():
    """Without sample weights fit's own run ends elsewhere: the comparison above can see them."""
    reference = compiled(build(keras.Model))
    start = reference.get_weights()
    weighted = run(reference)[2]
    reference = compiled(build(keras.Model))
    reference.set_weights(start)
    keras.utils.set_random_seed(3)
    reference.fit(X, Y, validation_data=(X_VAL, Y_VAL), batch_size=32, epochs=3, verbose=0)
    unweighted = [keras.ops.convert_to_numpy(w) for w in reference.get_weights()]
    assert max(np.max(np.abs(a - b)) for a, b in zip(weighted, unweighted)) > 1e-3


def ignoring_sample_weight(step_class):
    class IgnoresSampleWeight(step_class):
        def train_step(self, *args):  # (data), or (state, data) under JAX
            *state, data = args
            x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
            return super().train_step(*state, (x, y))

    return IgnoresSampleWeight


def unweighted_metrics(step_class):
    class UnweightedMetrics(step_class):
        def update_metrics(self, loss, y, y_pred, sample_weight):
            return super().update_metrics(loss, y, y_pred, None)

    return UnweightedMetrics


def test_a_step_that_ignores_sample_weight_fails_the_comparison():
    gap = largest_gap(ignoring_sample_weight(notebook_steps()["CustomStepModel"]))
    assert gap > 1e-3, gap


def test_a_step_that_does_not_pass_sample_weight_to_the_metrics_fails_the_comparison():
    gap = largest_gap(unweighted_metrics(notebook_steps()["CustomStepModel"]))
    assert gap > 1e-3, gap
