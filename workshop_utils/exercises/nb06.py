"""Checks of notebook 06's exercises: a convnet built to a plan and trained, augmentation inside a model."""
import numpy as np

from ._common import check_at_least, check_loss_fits_labels, given, keras_model, ordered_layers
from ._core import NotYet, exercise

# The plan of exercise 06.1 (the notebook's text gives it): two 3x3 convolutions of 8 and 16 filters without
# padding, each followed by 2x2 max pooling, then Flatten and a softmax layer of 10 units.
PLAN_FILTERS = (8, 16)
PLAN_KERNEL = (3, 3)
PLAN_KINDS = ("Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense")
IMAGE_SHAPE = (28, 28, 1)


def _kind(layer):
    """The name of a layer's class as the plan spells it (Conv2D, MaxPooling2D, Flatten, Dense, ...)."""
    return type(layer).__name__


def _check_image_model(model):
    """NotYet unless the model reads (28, 28, 1) images and gives 10 numbers per image."""
    input_shape = tuple(model.inputs[0].shape[1:]) if len(model.inputs) == 1 else None
    if input_shape != IMAGE_SHAPE:
        raise NotYet(f"the model reads inputs of shape {input_shape}; it should read 28x28 images with one "
                     "grey channel, (28, 28, 1), as the notebook's x_train holds them.")
    output_shape = tuple(model.outputs[0].shape[1:]) if len(model.outputs) == 1 else None
    if output_shape != (10,):
        raise NotYet(f"the model gives outputs of shape {output_shape} per image; it should give one number "
                     "per class, 10 in all (Flatten before the last Dense layer?).")


def _plain(values):
    return tuple(int(v) for v in values)


def plan_parameters():
    """The number of parameters of the network that exercise 06.1 describes."""
    size, channels, total = IMAGE_SHAPE[0], IMAGE_SHAPE[2], 0
    for filters in PLAN_FILTERS:
        total += PLAN_KERNEL[0] * PLAN_KERNEL[1] * channels * filters + filters
        size, channels = (size - PLAN_KERNEL[0] + 1) // 2, filters
    return total + size * size * channels * 10 + 10


@exercise("06.1", "a convnet built to a plan")
def planned_convnet(model, x_test, y_test):
    """The model follows the plan layer by layer, fits its labels, and reaches the accuracy target."""
    import keras

    keras_model(model, "the model")
    given(x_test, "x_test")
    given(y_test, "y_test")
    _check_image_model(model)
    layers = ordered_layers(model)
    kinds = [_kind(layer) for layer in layers if _kind(layer) in PLAN_KINDS or "Global" in _kind(layer)]
    if any("Global" in kind for kind in kinds):
        raise NotYet("the model uses global pooling, which averages each feature map down to one number. "
                     "The plan keeps every position: Flatten after the last pooling.")
    for kind, count in [("Conv2D", 2), ("MaxPooling2D", 2), ("Flatten", 1), ("Dense", 1)]:
        if kinds.count(kind) != count:
            raise NotYet(f"the plan has {count} {kind} layer{'s' if count > 1 else ''}; your model has "
                         f"{kinds.count(kind)}.")
    if tuple(kinds) != PLAN_KINDS:
        raise NotYet(f"your layers come in the order {', '.join(kinds)}; the plan pools right after each "
                     f"convolution: {', '.join(PLAN_KINDS)}.")
    convolutions = [layer for layer in layers if isinstance(layer, keras.layers.Conv2D)]
    for number, (layer, filters) in enumerate(zip(convolutions, PLAN_FILTERS), start=1):
        if layer.filters != filters:
            raise NotYet(f"convolution {number} has {layer.filters} filters; the plan gives it {filters}.")
        if _plain(layer.kernel_size) != PLAN_KERNEL:
            raise NotYet(f"convolution {number} has {'x'.join(map(str, layer.kernel_size))} kernels; the plan "
                         "uses 3x3.")
        if layer.padding != "valid":
            raise NotYet(f"convolution {number} pads its input (padding={layer.padding!r}), so the image keeps "
                         "its size. The plan uses no padding: each 3x3 convolution trims one pixel per side.")
        if layer.get_config().get("activation") != "relu":
            raise NotYet(f"convolution {number} has no relu activation: without it, two convolutions in a row "
                         "are still one linear map.")
    for layer in layers:
        if isinstance(layer, keras.layers.MaxPooling2D) and _plain(layer.pool_size) != (2, 2):
            raise NotYet(f"a pooling layer has pool_size {_plain(layer.pool_size)}; the plan halves the "
                         "image with 2x2 pooling.")
    expected = plan_parameters()
    if model.count_params() != expected:
        direction = "more" if model.count_params() > expected else "fewer"
        raise NotYet(f"your model has {direction} parameters than the plan: compare each layer's count "
                     "in print_architecture with your own count by hand.")
    check_loss_fits_labels(model, y_test)
    probabilities = np.asarray(model.predict(x_test, batch_size=1000, verbose=0))
    if not np.allclose(probabilities[:100].sum(axis=1), 1, atol=1e-3) or probabilities.min() < 0:
        raise NotYet("the outputs are not probabilities: give the last Dense layer activation='softmax'.")
    accuracy = float(np.mean(np.argmax(probabilities, axis=1) == np.asarray(y_test).reshape(-1)))
    reached = check_at_least(accuracy, "06.1", "the test accuracy")
    return f"layers, shapes and {expected:,} parameters as planned; {reached}."


def _image_width(x):
    """The width of the images in ``x`` (n, height, width, channels)."""
    return int(np.shape(x)[2])


def _augmentation_layers(layers):
    return [layer for layer in layers if _kind(layer).startswith("Random")]


def _largest(factor):
    return float(np.max(np.abs(np.asarray(factor, dtype="float64"))))


@exercise("06.2", "augmentation inside the model")
def augmentation_inside(model, x):
    """Augmentation layers suited to digits sit before the first convolution and act only in training."""
    import keras

    keras_model(model, "the model")
    given(x, "x (a few training images)")
    _check_image_model(model)
    layers = ordered_layers(model)
    augmentation = _augmentation_layers(layers)
    if not augmentation:
        raise NotYet("the model holds no augmentation layer (RandomTranslation, RandomRotation, RandomZoom, "
                     "...). Put them inside the model, in front of the network: then they vary every batch, "
                     "act only in training and travel with the saved model.")
    for layer in augmentation:
        if isinstance(layer, keras.layers.RandomFlip):
            raise NotYet("RandomFlip mirrors the digits, and a mirrored digit is no longer the digit of its label "
                         "(think of a 2, a 6 or a 9). Augment only with changes that keep the label right.")
        if isinstance(layer, keras.layers.RandomRotation) and _largest(layer.factor) > 0.125:
            raise NotYet(f"{layer.name} turns images by up to {_largest(layer.factor) * 360:.0f} degrees: far "
                         "enough to turn a 6 towards a 9. Keep rotations small.")
        if isinstance(layer, keras.layers.RandomTranslation) and max(_largest(layer.height_factor),
                                                                     _largest(layer.width_factor)) > 0.25:
            raise NotYet(f"{layer.name} shifts images by more than a quarter of their size, which pushes parts "
                         "of the digit out of the picture. Keep shifts small.")
        if _kind(layer) == "RandomPixelShift" and getattr(layer, "pixels", 0) > _image_width(x) // 4:
            raise NotYet(f"{layer.name} shifts images by up to {layer.pixels} pixels, more than a quarter of their "
                         "size, which pushes parts of the digit out of the picture. Keep shifts small.")
    convolutions = [index for index, layer in enumerate(layers) if isinstance(layer, keras.layers.Conv2D)]
    if not convolutions:
        raise NotYet("the model has no Conv2D layer: put the augmentation in front of a convnet.")
    if max(layers.index(layer) for layer in augmentation) > convolutions[0]:
        raise NotYet("an augmentation layer comes after a convolution, so it moves feature maps rather than "
                     "the image. Put all augmentation layers before the first Conv2D.")
    x = np.asarray(x, dtype="float32")[:32]
    first, second = (keras.ops.convert_to_numpy(model(x, training=False)) for _ in range(2))
    if not np.allclose(first, second):
        raise NotYet("in inference (training=False) the model answers differently each time you call it: "
                     "augmentation must not act at prediction time.")
    images = keras.ops.convert_to_tensor(x)
    for layer in augmentation:
        images = layer(images, training=True)
    if np.allclose(keras.ops.convert_to_numpy(images), x):
        raise NotYet("in training your augmentation layers leave the images unchanged: give them factors "
                     "above 0.")
    names = ", ".join(_kind(layer) for layer in augmentation)
    return (f"{names} in front of the convolutions: they vary the images in training and leave them alone "
            "in inference.")
