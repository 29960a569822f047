"""Checks of notebook 08's exercises: one answer per image (Flatten), a two-input, two-output reader."""
from collections import Counter

import numpy as np

from ._common import check_at_least, given, keras_model, loss_label, ordered_layers
from ._core import NotYet, exercise

CNN_KINDS = ("Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dense")
# The notebook's convolutional network with Flatten before dense_10: 544 + 8,208 + 13*13*16*10 + 10 + 11.
CNN_PARAMETERS = 544 + 8208 + (13 * 13 * 16 * 10 + 10) + 11
HALF_SHAPE = (28, 14)
# Exercise 08.2: one encoder (Flatten, Dense 64) for both halves, Dense 64 on both codes, the two outputs.
READER_PARAMETERS = (28 * 14 * 64 + 64) + (128 * 64 + 64) + (64 * 10 + 10) + (64 + 1)


def _direction(value, expected):
    return "more" if value > expected else "fewer"


@exercise("08.1", "one answer per image")
def flattened_cnn(model, predicted_parameters):
    """The notebook's convnet with Flatten between pool_2 and dense_10, and the learner's count of its parameters."""
    keras_model(model, "the model")
    given(predicted_parameters, "predicted_parameters (your count, worked out before you print the table)")
    input_shape = tuple(model.inputs[0].shape[1:])
    if len(model.inputs) != 1 or input_shape != (64, 64, 1):
        raise NotYet(f"the model reads inputs of shape {input_shape}; the notebook's network reads 64x64 grey "
                     "images, (64, 64, 1).")
    kinds = [type(layer).__name__ for layer in ordered_layers(model)]
    if any("Global" in kind for kind in kinds):
        raise NotYet("global pooling averages the 13x13 grid away; the exercise asks for Flatten, which keeps "
                     "every position as an input of dense_10.")
    if "Flatten" not in kinds:
        raise NotYet("there is no Flatten layer: dense_10 still acts on each of the 13x13 positions separately.")
    if tuple(kinds) != CNN_KINDS:
        raise NotYet(f"your layers come in the order {', '.join(kinds)}; the exercise puts Flatten between "
                     "pool_2 and dense_10 and changes nothing else.")
    output_shape = tuple(model.outputs[0].shape[1:])
    if output_shape != (1,):
        raise NotYet(f"the output has shape {output_shape} per image; with Flatten it is one probability per "
                     "image, (1,).")
    count = model.count_params()
    if count != CNN_PARAMETERS:
        raise NotYet(f"the model has {_direction(count, CNN_PARAMETERS)} parameters than the notebook's network "
                     "with Flatten added: keep the other layers as they were.")
    try:
        predicted = int(predicted_parameters)
    except (TypeError, ValueError):
        raise NotYet(f"predicted_parameters should be a whole number, not {predicted_parameters!r}.") from None
    if predicted != count:
        raise NotYet(f"your prediction is {'too high' if predicted > count else 'too low'}. "
                     "Count dense_10 again: one weight per input and unit, plus one bias per unit.")
    return f"one probability per image, {count:,} parameters, and you predicted the count right."


def _losses_by_output(model):
    """Return {output name: loss name} of a compiled model with several outputs."""
    loss = getattr(model, "loss", None)
    if loss is None:
        raise NotYet("the model is not compiled yet: compile it with one loss per output, then train it.")
    if isinstance(loss, dict):
        return {name: loss_label(value).lower() for name, value in loss.items()}
    if isinstance(loss, (list, tuple)):
        return {name: loss_label(value).lower() for name, value in zip(model.output_names, loss)}
    raise NotYet("the model has one loss for both outputs. Give each output its own, by name: "
                 "loss={'digit': ..., 'even': ...}.")


def _shared_layers(model):
    """Names of the layers with weights that the model's graph calls more than once."""
    nodes = getattr(model, "_nodes_by_depth", {})
    calls = Counter(id(node.operation) for depth in nodes.values() for node in depth)
    return [layer.name for layer in model.layers if calls[id(layer)] > 1 and layer.weights]


def _halves(images):
    """Scale images if they are raw pixels; return the left and right halves (columns 0-13 and 14-27)."""
    images = np.asarray(images)
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]
    if images.ndim != 3 or images.shape[1:] != (28, 28):
        raise NotYet(f"x_test should hold MNIST images of shape (n, 28, 28); it has shape {images.shape}.")
    pixels = images.astype("float32") / 255.0 if images.max() > 1.5 else images.astype("float32")
    return {"left": pixels[:, :, :14], "right": pixels[:, :, 14:]}


@exercise("08.2", "two inputs, two outputs, one shared encoder")
def left_right_reader(model, x_test, y_test):
    """Inputs left/right (28, 14), outputs digit (10) and even (1), one shared encoder, losses per output, accuracy."""
    keras_model(model, "the model")
    given(x_test, "x_test (the raw test images)")
    given(y_test, "y_test (the test digits)")
    names = [getattr(tensor, "name", None) for tensor in model.inputs]
    if sorted(names) != ["left", "right"]:
        raise NotYet(f"the model's inputs are named {names}; it should have two, named 'left' and 'right' "
                     "(keras.Input(..., name='left')).")
    for tensor in model.inputs:
        if tuple(tensor.shape[1:]) != HALF_SHAPE:
            raise NotYet(f"input {tensor.name!r} reads shape {tuple(tensor.shape[1:])}; a left or right half "
                         "of an MNIST image is 28 rows of 14 columns, (28, 14).")
    outputs = dict(zip(model.output_names, model.outputs))
    if sorted(outputs) != ["digit", "even"]:
        raise NotYet(f"the model's outputs are named {sorted(outputs)}; name the two output layers 'digit' and "
                     "'even'.")
    for name, width in [("digit", 10), ("even", 1)]:
        if tuple(outputs[name].shape[1:]) != (width,):
            raise NotYet(f"output {name!r} has shape {tuple(outputs[name].shape[1:])} per image; it should "
                         f"give {width} number{'s' if width > 1 else ''}.")
    if not _shared_layers(model):
        raise NotYet("no layer with weights is called on both halves: build one encoder and call it on the "
                     "left and on the right input, so that both share its weights.")
    count = model.count_params()
    if count != READER_PARAMETERS:
        raise NotYet(f"the model has {_direction(count, READER_PARAMETERS)} parameters than the plan: check the "
                     "encoder (Flatten, Dense 64), the hidden layer (Dense 64) and the two output layers.")
    losses = _losses_by_output(model)
    if "sparse_categorical_crossentropy" not in losses.get("digit", ""):
        raise NotYet(f"the digit output's loss is {losses.get('digit')!r}: its targets are integer labels "
                     "0-9, which want the sparse categorical cross-entropy.")
    if "binary_crossentropy" not in losses.get("even", ""):
        raise NotYet(f"the even output's loss is {losses.get('even')!r}: a yes/no target with a sigmoid "
                     "output wants the binary cross-entropy.")
    halves = _halves(x_test)
    inputs = halves if isinstance(model.input, dict) else [halves[name] for name in names]
    predictions = model.predict(inputs, batch_size=1000, verbose=0)
    if not isinstance(predictions, dict):
        predictions = dict(zip(model.output_names, predictions))
    digits = np.asarray(y_test).reshape(-1)
    digit_accuracy = float(np.mean(np.argmax(predictions["digit"], axis=1) == digits))
    even_accuracy = float(np.mean((np.asarray(predictions["even"]).reshape(-1) > 0.5) == (digits % 2 == 0)))
    reached = [check_at_least(digit_accuracy, "08.2", "the digit test accuracy"),
               check_at_least(even_accuracy, "08.2", "the even test accuracy")]
    return f"shapes, names, the shared encoder and {count:,} parameters as planned; {'; '.join(reached)}."
