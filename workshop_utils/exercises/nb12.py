"""Checks for notebook 12 (GPUs and distribution): a mixed-precision model with a float32 output, and a
model built and compiled inside a tf.distribute strategy's scope (TensorFlow only)."""

import numpy as np

from ..course import backends
from ._core import NotStarted, NotYet, exercise
from ._judging import given, keras_model, probe_outputs

SIXTEEN_BITS = ("float16", "bfloat16")


def _dtype(value):
    import keras

    return keras.backend.standardize_dtype(value)


def _softmax_layers(model):
    import keras

    return [
        layer
        for layer in model.layers
        if getattr(layer, "activation", None) is keras.activations.softmax or (isinstance(layer, keras.layers.Softmax))
    ]


def _check_probabilities(model):
    """Run the model on a batch of images with pixels in [0, 1]: its outputs must be finite probabilities.
    16 bits overflow above 65,504 (float16), and an overflow turns the softmax's output into NaN."""
    outputs = probe_outputs(model, count=16)
    if outputs is None:
        return
    if not np.all(np.isfinite(outputs)):
        raise NotYet(
            "mixed_mlp gives NaN or infinite outputs on a batch of images with pixels in [0, 1]: in "
            "float16 any number above 65,504 overflows to inf, and the softmax then gives NaN. Check the "
            'weights and the scaling of the inputs, or compute in bfloat16 ("mixed_bfloat16").'
        )
    if not np.allclose(outputs.sum(axis=-1), 1.0, atol=1e-3) or outputs.min() < 0:
        raise NotYet(
            "mixed_mlp's outputs on a batch of images are not probabilities that sum to 1: end the "
            "model with a softmax over the 10 outputs."
        )


@exercise("12.1", "mixed precision, float32 out")
def check_mixed_model(mixed_mlp):
    """mixed_mlp: a classifier of 10 classes built under a mixed policy, its softmax in float32; afterwards
    the global policy is back to float32."""
    import keras

    keras_model(mixed_mlp, "mixed_mlp")
    layers = [layer for layer in mixed_mlp.layers if layer.weights]
    if not layers:
        raise NotYet("mixed_mlp has no layer with weights: build the small classifier the exercise describes.")
    variable_dtypes = sorted({_dtype(v.dtype) for layer in layers for v in layer.weights})
    if any(dtype in SIXTEEN_BITS for dtype in variable_dtypes):
        raise NotYet(
            'mixed_mlp stores its weights in 16 bits: use a mixed policy ("mixed_float16" or '
            '"mixed_bfloat16"), which keeps the variables in float32, not "float16" or "bfloat16".'
        )
    computing = [_dtype(layer.compute_dtype) for layer in layers]
    if not any(dtype in SIXTEEN_BITS for dtype in computing):
        raise NotYet(
            "every layer of mixed_mlp computes in float32: set the mixed policy before you build the "
            "model (layers take the policy that holds when they are created)."
        )
    output_shape = tuple(mixed_mlp.outputs[0].shape[1:])
    if output_shape != (10,):
        raise NotYet(f"mixed_mlp gives {output_shape} numbers per image: the exercise asks for 10 class probabilities.")
    softmaxes = _softmax_layers(mixed_mlp)
    if not softmaxes:
        raise NotYet("mixed_mlp has no softmax: end it with the class probabilities.")
    if softmaxes[-1] is not mixed_mlp.layers[-1]:
        raise NotYet("the softmax is not the last layer of mixed_mlp: end the model with it.")
    if _dtype(softmaxes[-1].compute_dtype) != "float32":
        raise NotYet(
            f"mixed_mlp's softmax computes in {_dtype(softmaxes[-1].compute_dtype)}: in 16 bits "
            "small probabilities round to 0 and the loss takes log(0). Give that layer "
            'dtype="float32" (a separate softmax layer after 10 plain outputs).'
        )
    output_dtype = _dtype(mixed_mlp.outputs[0].dtype)
    if output_dtype != "float32":
        raise NotYet(f"mixed_mlp's output is {output_dtype}: the last layer must run in float32.")
    _check_probabilities(mixed_mlp)
    policy = keras.mixed_precision.global_policy().name
    if policy != "float32":
        raise NotYet(
            f"the global policy is still {policy!r}: every layer built from now on inherits it. "
            'Reset it with keras.mixed_precision.set_global_policy("float32").'
        )
    sixteen = sum(dtype in SIXTEEN_BITS for dtype in computing)
    return (
        f"{sixteen} of {len(layers)} layers with weights compute in 16 bits, the weights stay float32, "
        "the softmax and the output are float32, and the policy is reset"
    )


@exercise("12.2", "build and compile inside the scope")
def check_strategy_scope(scoped_model, strategy):
    """scoped_model: the CNN built and compiled inside ``strategy.scope()``; strategy: a tf.distribute
    strategy. TensorFlow only: under another backend the check says it is skipped."""
    problem = backends.backend_problem("tensorflow", "tf.distribute", what="this exercise")
    if problem:
        raise NotStarted(f"skipped: {problem} Nothing to do for this exercise under this backend.")
    import tensorflow as tf

    keras_model(scoped_model, "scoped_model")
    given(strategy, "strategy")
    if not isinstance(strategy, tf.distribute.Strategy):
        raise NotYet(
            f"strategy should be a tf.distribute strategy (the notebook's MirroredStrategy), not a "
            f"{type(strategy).__name__}."
        )
    if "Default" in type(strategy).__name__:
        raise NotYet(
            "strategy is TensorFlow's default strategy (what tf.distribute.get_strategy() returns "
            "outside any scope), which owns every variable and distributes nothing: pass the "
            "notebook's MirroredStrategy, the one whose scope you built the model in."
        )
    weights = scoped_model.get_weights()
    broken = sum(not np.all(np.isfinite(w)) for w in weights)
    if broken:
        raise NotYet(
            f"{broken} of scoped_model's {len(weights)} weights hold NaN or infinite values (a diverged "
            "run): build and compile a fresh model inside the scope."
        )
    outside = [v for v in scoped_model.weights if not strategy.extended.variable_created_in_scope(v.value)]
    if outside:
        raise NotYet(
            f"{len(outside)} of scoped_model's {len(scoped_model.weights)} weights were created outside "
            "strategy.scope(): build the model inside the `with strategy.scope():` block."
        )
    optimizer = getattr(scoped_model, "optimizer", None)
    if optimizer is None:
        raise NotYet("scoped_model is not compiled: call compile inside the `with strategy.scope():` block.")
    if not strategy.extended.variable_created_in_scope(optimizer.iterations.value):
        raise NotYet(
            "scoped_model's optimizer was created outside strategy.scope(): call compile inside the "
            "`with` block too, so that the optimizer's variables are mirrored as well."
        )
    replicas = strategy.num_replicas_in_sync
    return (
        f"the weights and the optimizer belong to the strategy ({replicas} replica"
        f"{'s' if replicas != 1 else ''} in sync)"
    )
