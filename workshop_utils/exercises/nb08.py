"""Checks of notebook 08's exercises: one answer per image (Flatten), a two-input, two-output reader.

08.1 asks for the network with Flatten and for a function that counts its parameters from the layer sizes;
the check calls the function on networks of sizes the learner has not seen and compares each count with the
network the check builds itself. 08.2 asks for a function that builds, compiles and trains the reader: the
check calls it with the notebook's training and validation images, records every fit, and scores the model
on the notebook's test images, which it holds.
"""

import functools
from collections import Counter

import numpy as np

from ._core import NotStarted, NotYet, exercise
from ._heldout import image_split
from ._judging import (
    FitCall,
    finite_array,
    given,
    keras_model,
    loss_label,
    ordered_layers,
    recording_fit,
    require_at_least,
    require_training_data,
    run_learner,
    shared_rows,
)

CNN_KINDS = ("Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dense")
# The notebook's convolutional network with Flatten before dense_10: 544 + 8,208 + 13*13*16*10 + 10 + 11.
CNN_PARAMETERS = 544 + 8208 + (13 * 13 * 16 * 10 + 10) + 11
CNN_SIZES = (64, 32, 16, 10)  # image_size, filters_1, filters_2, units of the notebook's network
# Networks of other sizes for the learner's function: sizes whose convolutions leave odd sides (so that
# pooling must round down), and a few drawn at random on every call.
OTHER_SIZES = ((29, 3, 5, 7), (50, 8, 4, 6), (33, 5, 9, 3), (21, 4, 6, 2))
RANDOM_NETWORKS = 3
HALF_SHAPE = (28, 14)
# Exercise 08.2: one encoder (Flatten, Dense 64) for both halves, Dense 64 on both codes, the two outputs.
READER_PARAMETERS = (28 * 14 * 64 + 64) + (128 * 64 + 64) + (64 * 10 + 10) + (64 + 1)


def flat_cnn(image_size, filters_1, filters_2, units):
    """The notebook's convolutional network with Flatten before dense_10, in other sizes."""
    import keras

    layers = keras.layers
    image = keras.Input(shape=(image_size, image_size, 1), name="image")
    x = layers.Conv2D(filters_1, kernel_size=4, activation="relu", name="conv_1")(image)
    x = layers.MaxPooling2D(pool_size=2, name="pool_1")(x)
    x = layers.Conv2D(filters_2, kernel_size=4, activation="relu", name="conv_2")(x)
    x = layers.MaxPooling2D(pool_size=2, name="pool_2")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(units, activation="relu", name="dense_10")(x)
    probability = layers.Dense(1, activation="sigmoid", name="probability")(x)
    return keras.Model(image, probability, name="flat_cnn")


def _side(image_size, trim=3):
    """The side of the grid that reaches Flatten: each 4x4 convolution trims 3, each pooling halves."""
    return ((image_size - trim) // 2 - trim) // 2


# Counts a learner may give by mistake, with the hint each mistake needs (checked on every network).
_MISTAKES = [
    (
        lambda n, f1, f2, u: 16 * f1 + 16 * f1 * f2 + _side(n) ** 2 * f2 * u + u,
        "You leave out the biases: every convolution has one per filter, every Dense layer one per unit.",
    ),
    (
        lambda n, f1, f2, u: 17 * f1 + 16 * f1 * f2 + f2 + (n // 4) ** 2 * f2 * u + 2 * u + 1,
        "The grid that reaches Flatten has the wrong size: a 4x4 convolution without padding trims 3 pixels "
        "before each pooling halves the image.",
    ),
    (
        lambda n, f1, f2, u: 17 * f1 + 16 * f1 * f2 + f2 + _side(n, trim=4) ** 2 * f2 * u + 2 * u + 1,
        "The grid that reaches Flatten has the wrong size: a 4x4 convolution without padding trims the kernel "
        "size minus one, 3 pixels, not 4.",
    ),
    (
        lambda n, f1, f2, u: 17 * f1 + 17 * f2 + _side(n) ** 2 * f2 * u + 2 * u + 1,
        "Each filter of conv_2 has a 4x4 kernel for every one of the filters_1 channels it reads.",
    ),
    (
        lambda n, f1, f2, u: 17 * f1 + 16 * f1 * f2 + f2 + f2 * u + 2 * u + 1,
        "After Flatten, dense_10 has one weight for every number of the grid (side x side x filters_2) and "
        "each of its units; without Flatten it would have only filters_2 per unit.",
    ),
]


def _networks():
    """The sizes of the networks the check builds: fixed ones and a few drawn at random."""
    rng = np.random.default_rng()
    drawn = [
        (int(rng.integers(16, 97)), int(rng.integers(1, 49)), int(rng.integers(1, 49)), int(rng.integers(1, 33)))
        for _ in range(RANDOM_NETWORKS)
    ]
    return [CNN_SIZES, *OTHER_SIZES, *drawn]


@functools.lru_cache(maxsize=64)
def _true_count(sizes):
    return flat_cnn(*sizes).count_params()


def _call_counting(function, sizes):
    """The learner's count for one network; NotYet when the function fails, builds Keras layers to find
    the count, or gives something other than a whole number."""
    import keras

    call = f"flat_cnn_parameters({', '.join(map(str, sizes))})"
    Layer = keras.layers.Layer
    original = Layer.__init__
    built = []

    @functools.wraps(original)
    def counting(self, *args, **kwargs):
        built.append(type(self).__name__)
        return original(self, *args, **kwargs)

    Layer.__init__ = counting
    try:
        value = function(*sizes)
    except NotYet:
        raise
    except Exception as error:
        first = str(error).splitlines()[0][:200] if str(error) else ""
        raise NotYet(
            f"{call} stops with {type(error).__name__}: {first}. The function takes the four sizes, "
            "(image_size, filters_1, filters_2, units), and returns the count."
        ) from None
    finally:
        Layer.__init__ = original
    if value is None:
        raise NotStarted("flat_cnn_parameters still returns None: return the count, worked out from the four sizes.")
    if built:
        raise NotYet(
            "flat_cnn_parameters builds Keras layers to count the parameters. Work the count out with "
            "arithmetic from the four sizes: what each layer's output shape is, and what each layer "
            "holds, is the exercise."
        )
    try:
        number = float(np.asarray(value, dtype="float64").reshape(()))
    except (TypeError, ValueError):
        raise NotYet(f"{call} gives a {type(value).__name__}; it should give one whole number.") from None
    if not np.isfinite(number):
        raise NotYet(
            f"{call} gives {number}, not a count: a division by zero, or a size that got lost on the "
            "way? Follow the image size from layer to layer."
        )
    if isinstance(value, bool) or number != int(number):
        raise NotYet(
            f"{call} gives {value!r}, not a whole number. Pooling rounds the size down: use // to divide whole numbers."
        )
    return int(number)


def _check_counts(function):
    """NotYet unless the learner's function gives the right count for every network the check builds."""
    if not callable(function):
        what = "a number" if isinstance(function, (int, float, np.number)) else f"a {type(function).__name__}"
        raise NotYet(
            "flat_cnn_parameters should be a function of the layer sizes, def flat_cnn_parameters("
            f"image_size, filters_1, filters_2, units): ..., not {what}."
        )
    networks = _networks()
    answers = {sizes: _call_counting(function, sizes) for sizes in networks}
    if len(set(answers.values())) == 1:
        raise NotYet(
            "flat_cnn_parameters gives the same count for networks of different sizes. Compute the "
            "count from the four sizes, layer by layer, instead of writing one number down."
        )
    wrong = [sizes for sizes in networks if answers[sizes] != _true_count(sizes)]
    if not wrong:
        return len(networks)
    example = wrong[0] if wrong[0] != CNN_SIZES or len(wrong) == 1 else wrong[1]
    hint = next(
        (hint for mistake, hint in _MISTAKES if all(answers[sizes] == mistake(*sizes) for sizes in networks)),
        "Follow one network layer by layer: the output shape after each convolution and pooling, then "
        "the weights and biases of each layer.",
    )
    names = "image_size={}, filters_1={}, filters_2={}, units={}".format(*example)
    raise NotYet(
        f"flat_cnn_parameters gives a wrong count for {len(wrong)} of the {len(networks)} networks the "
        f"check built, for instance for {names} (your function says {answers[example]:,}). {hint}"
    )


@exercise("08.1", "one answer per image")
def flattened_cnn(model, parameters_of):
    """The notebook's convnet with Flatten between pool_2 and dense_10, and a function that counts the
    parameters of that network in any size."""
    keras_model(model, "the model")
    given(parameters_of, "flat_cnn_parameters (your function of the layer sizes)")
    input_shape = tuple(model.inputs[0].shape[1:])
    if len(model.inputs) != 1 or input_shape != (64, 64, 1):
        raise NotYet(
            f"the model reads inputs of shape {input_shape}; the notebook's network reads 64x64 grey "
            "images, (64, 64, 1)."
        )
    kinds = [type(layer).__name__ for layer in ordered_layers(model)]
    if any("Global" in kind for kind in kinds):
        raise NotYet(
            "global pooling averages the 13x13 grid away; the exercise asks for Flatten, which keeps "
            "every position as an input of dense_10."
        )
    if "Flatten" not in kinds:
        raise NotYet("there is no Flatten layer: dense_10 still acts on each of the 13x13 positions separately.")
    if tuple(kinds) != CNN_KINDS:
        raise NotYet(
            f"your layers come in the order {', '.join(kinds)}; the exercise puts Flatten between "
            "pool_2 and dense_10 and changes nothing else."
        )
    output_shape = tuple(model.outputs[0].shape[1:])
    if output_shape != (1,):
        raise NotYet(
            f"the output has shape {output_shape} per image; with Flatten it is one probability per image, (1,)."
        )
    if model.count_params() != CNN_PARAMETERS:
        raise NotYet(
            "the model's parameter count differs from the notebook's network with Flatten added: keep "
            "the other layers (filters, kernel sizes, units) as they were."
        )
    checked = _check_counts(parameters_of)
    return (
        f"one probability per image, and your function counts the parameters right for all {checked} "
        "networks the check built, of sizes you had not seen."
    )


def _losses_by_output(model):
    """Return {output name: loss name} of a compiled model with several outputs."""
    loss = getattr(model, "loss", None)
    if loss is None:
        raise NotYet(
            "the model is not compiled: compile it with one loss per output inside your function, then train it."
        )
    if isinstance(loss, dict):
        return {name: loss_label(value).lower() for name, value in loss.items()}
    if isinstance(loss, (list, tuple)):
        return {name: loss_label(value).lower() for name, value in zip(model.output_names, loss)}
    raise NotYet(
        "the model has one loss for both outputs. Give each output its own, by name: loss={'digit': ..., 'even': ...}."
    )


def _shared_layers(model):
    """Names of the layers with weights that the model's graph calls more than once."""
    nodes = getattr(model, "_nodes_by_depth", {})
    calls = Counter(id(node.operation) for depth in nodes.values() for node in depth)
    return [layer.name for layer in model.layers if calls[id(layer)] > 1 and layer.weights]


def _halves(images):
    """Raw uint8 images scaled to [0, 1], cut into left and right halves (columns 0-13 and 14-27)."""
    pixels = np.asarray(images).astype("float32") / 255.0
    return {"left": pixels[:, :, :14], "right": pixels[:, :, 14:]}


def _held_data():
    """The notebook's MNIST subsets in the active profile, split as its cell 38 splits them: raw uint8
    ((x_train, y_train), (x_val, y_val), (x_test, y_test))."""
    from sklearn.model_selection import train_test_split

    from ..course import config

    cfg = config.notebook_settings("08_functional_api")
    (x_full, y_full), (x_test, y_test) = image_split("load_mnist", "08_functional_api", "train_size", "test_size")
    x_train, x_val, y_train, y_val = train_test_split(
        x_full, y_full, test_size=cfg.validation_size, stratify=y_full, random_state=cfg.seed
    )
    return (x_train, y_train), (x_val, y_val), (x_test, y_test)


def _images_of(inputs, known):
    """The whole images behind a reader's inputs (two halves, by name or in a pair), to see which images a
    fit used: left beside right, or right beside left, whichever gives more of the ``known`` images.
    Anything else is returned as it is, for require_training_data to judge."""
    if isinstance(inputs, dict) and {"left", "right"} <= set(inputs):
        pairs = [(inputs["left"], inputs["right"])]
    elif isinstance(inputs, (dict, list, tuple)) and len(inputs) == 2:
        first, second = inputs.values() if isinstance(inputs, dict) else inputs
        pairs = [(first, second), (second, first)]
    else:
        return inputs
    joined = []
    for left, right in pairs:
        left, right = np.asarray(left), np.asarray(right)
        if left.shape != right.shape or left.ndim < 3:
            return inputs
        joined.append(np.concatenate([left, right], axis=2))
    return max(joined, key=lambda images: shared_rows(images, known))


def _as_images(call, known):
    """A FitCall with the reader's inputs turned back into whole images."""
    validation = call.validation_data
    if validation is not None:
        validation = tuple(validation)
        validation = (_images_of(validation[0], known), *validation[1:])
    return FitCall(
        call.model, _images_of(call.x, known), call.y, validation, call.validation_split, call.callbacks, call.history
    )


def _outputs(model, halves, batch_size=2048):
    """The model's two outputs on the halves, by name, as NumPy arrays (inference mode, in slices)."""
    import keras

    names = list(model.output_names)
    parts = {name: [] for name in names}
    for start in range(0, len(halves["left"]), batch_size):
        batch = {key: value[start : start + batch_size] for key, value in halves.items()}
        if not isinstance(model.input, dict):
            batch = [batch[tensor.name] for tensor in model.inputs]
        output = model(batch, training=False)
        if not isinstance(output, dict):
            output = dict(zip(names, output))
        for name in names:
            parts[name].append(keras.ops.convert_to_numpy(output[name]))
    return {name: np.concatenate(values) for name, values in parts.items()}


def _check_reader(model):
    """NotYet unless the model has the plan's inputs, outputs, shared encoder, parameters and losses."""
    names = [getattr(tensor, "name", None) for tensor in model.inputs]
    if sorted(names) != ["left", "right"]:
        raise NotYet(
            f"the model's inputs are named {names}; it should have two, named 'left' and 'right' "
            "(keras.Input(..., name='left'))."
        )
    for tensor in model.inputs:
        if tuple(tensor.shape[1:]) != HALF_SHAPE:
            raise NotYet(
                f"input {tensor.name!r} reads shape {tuple(tensor.shape[1:])}; a left or right half "
                "of an MNIST image is 28 rows of 14 columns, (28, 14)."
            )
    outputs = dict(zip(model.output_names, model.outputs))
    if sorted(outputs) != ["digit", "even"]:
        raise NotYet(f"the model's outputs are named {sorted(outputs)}; name the two output layers 'digit' and 'even'.")
    for name, width in [("digit", 10), ("even", 1)]:
        if tuple(outputs[name].shape[1:]) != (width,):
            raise NotYet(
                f"output {name!r} has shape {tuple(outputs[name].shape[1:])} per image; it should "
                f"give {width} number{'s' if width > 1 else ''}."
            )
    if not _shared_layers(model):
        raise NotYet(
            "no layer with weights is called on both halves: build one encoder and call it on the "
            "left and on the right input, so that both share its weights."
        )
    if model.count_params() != READER_PARAMETERS:
        raise NotYet(
            "the model's parameter count differs from the plan's: check the encoder (Flatten, "
            "Dense 64), the hidden layer (Dense 64) and the two output layers."
        )
    losses = _losses_by_output(model)
    if "sparse_categorical_crossentropy" not in losses.get("digit", ""):
        raise NotYet(
            f"the digit output's loss is {losses.get('digit')!r}: its targets are integer labels "
            "0-9, which want the sparse categorical cross-entropy."
        )
    if "binary_crossentropy" not in losses.get("even", ""):
        raise NotYet(
            f"the even output's loss is {losses.get('even')!r}: a yes/no target with a sigmoid "
            "output wants the binary cross-entropy."
        )


def _explain_failure(calls, failure):
    """The learner's function stopped: when fit had started, a model off the plan (one loss for two outputs,
    the wrong loss for an output, ...) says more than the error, so say that; otherwise raise the failure."""
    try:
        if calls:
            _check_reader(calls[-1].model)
    except NotYet:
        raise
    except Exception:  # a model the plan's check cannot read either: the error itself says most
        pass
    raise failure


@exercise("08.2", "two inputs, two outputs, one shared encoder")
def left_right_reader(train_reader):
    """A function that builds, compiles and trains the left/right reader on the data it is given; the check
    calls it with the notebook's training and validation images and scores the model on the test images."""
    import keras

    given(train_reader, "train_left_right_reader (your function)")
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = _held_data()
    with recording_fit() as calls:
        try:
            model = run_learner(train_reader, x_train, y_train, x_val, y_val, what="train_left_right_reader")
        except NotYet as failure:
            _explain_failure(calls, failure)
    if isinstance(model, (tuple, list)):  # (model, history) is fine too
        model = next((item for item in model if isinstance(item, keras.Model)), model)
    keras_model(model, "what train_left_right_reader returns")
    _check_reader(model)
    given_images = np.concatenate([x_train, x_val])
    known = np.concatenate([given_images, x_test])
    require_training_data(
        [_as_images(call, known) for call in calls], given_images, x_test, what="train_left_right_reader"
    )
    if not any(call.model is model for call in calls):
        raise NotYet(
            "train_left_right_reader returns a model it did not train: build, compile and fit the "
            "model inside the function, then return it."
        )
    predictions = _outputs(model, _halves(x_test))
    digit = finite_array(predictions["digit"], "the digit output on the test images")
    even = finite_array(predictions["even"], "the even output on the test images").reshape(-1)
    digits = np.asarray(y_test).reshape(-1)
    digit_accuracy = float(np.mean(np.argmax(digit, axis=1) == digits))
    even_accuracy = float(np.mean((even > 0.5) == (digits % 2 == 0)))
    reached = [
        require_at_least(digit_accuracy, "08.2", "the digit test accuracy"),
        require_at_least(even_accuracy, "08.2", "the even test accuracy"),
    ]
    return (
        f"trained on the images it was given, validated apart from them; names, shapes, the shared encoder "
        f"and {READER_PARAMETERS:,} parameters as planned; on the notebook's {len(digits):,} test images "
        f"{'; '.join(reached)}."
    )
