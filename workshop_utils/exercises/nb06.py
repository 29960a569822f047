"""Checks of notebook 06's exercises: a convnet built to a plan and trained, augmentation inside a model.

Both checks hold their data: the notebook's MNIST subsets of the active profile (``_heldout``), scaled
and given a channel axis as the notebook's cell 7 does. 06.1 scores the learner's trained model on the
held test images. 06.2 judges augmentation by its effect: it runs the layers in front of the first
convolution on held digits in training mode, many times, and measures how much of each digit survives.
"""

import re

import numpy as np

from ._core import NotYet, exercise
from ._heldout import image_split
from ._judging import (
    finite_array,
    keras_model,
    ordered_layers,
    require_at_least,
    require_loss_fits_labels,
    require_not_validated_on,
)
from ._predict import outputs_of

# The plan of exercise 06.1 (the notebook's text gives it): two 3x3 convolutions of 8 and 16 filters without
# padding, each followed by 2x2 max pooling, then Flatten and a softmax layer of 10 units.
PLAN_FILTERS = (8, 16)
PLAN_KERNEL = (3, 3)
PLAN_KINDS = ("Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense")
IMAGE_SHAPE = (28, 28, 1)


def _kind(layer):
    """The name of a layer's class as the plan spells it (Conv2D, MaxPooling2D, Flatten, Dense, ...)."""
    return type(layer).__name__


def _scaled(images):
    """Raw uint8 MNIST images as notebook 06 feeds them: floats in [0, 1] with a channel axis."""
    from .. import preprocessing

    return preprocessing.scale_images(images)[..., np.newaxis]


def _held_test():
    """The notebook's MNIST test subset in the active profile, scaled, with a channel axis: (x, y)."""
    _, (x_test, y_test) = image_split("load_mnist", "06_convolutional_networks", "mnist_train_size", "mnist_test_size")
    return _scaled(x_test), np.asarray(y_test).reshape(-1)


def _check_image_model(model):
    """NotYet unless the model reads (28, 28, 1) images and gives 10 numbers per image."""
    input_shape = tuple(model.inputs[0].shape[1:]) if len(model.inputs) == 1 else None
    if input_shape != IMAGE_SHAPE:
        raise NotYet(
            f"the model reads inputs of shape {input_shape}; it should read 28x28 images with one "
            "grey channel, (28, 28, 1), as the notebook's x_train holds them."
        )
    output_shape = tuple(model.outputs[0].shape[1:]) if len(model.outputs) == 1 else None
    if output_shape != (10,):
        raise NotYet(
            f"the model gives outputs of shape {output_shape} per image; it should give one number "
            "per class, 10 in all (Flatten before the last Dense layer?)."
        )


def _check_finite_weights(model):
    bad = [
        weight.path for weight in model.weights if not np.all(np.isfinite(np.asarray(_numpy(weight), dtype="float64")))
    ]
    if bad:
        raise NotYet(
            f"{len(bad)} of the model's weight tensors hold NaN or infinite values ({bad[0]}, ...): the "
            "training diverged. Build the model again, lower the learning rate, check that the "
            "images are scaled to [0, 1], and retrain."
        )


def _numpy(tensor):
    import keras

    return keras.ops.convert_to_numpy(tensor)


def _plain(values):
    return tuple(int(v) for v in values)


def plan_parameters():
    """The number of parameters of the network that exercise 06.1 describes."""
    size, channels, total = IMAGE_SHAPE[0], IMAGE_SHAPE[2], 0
    for filters in PLAN_FILTERS:
        total += PLAN_KERNEL[0] * PLAN_KERNEL[1] * channels * filters + filters
        size, channels = (size - PLAN_KERNEL[0] + 1) // 2, filters
    return total + size * size * channels * 10 + 10


def _check_plan(model):
    """NotYet naming the first layer that departs from the plan of exercise 06.1."""
    import keras

    layers = ordered_layers(model)
    kinds = [_kind(layer) for layer in layers if _kind(layer) in PLAN_KINDS or "Global" in _kind(layer)]
    if any("Global" in kind for kind in kinds):
        raise NotYet(
            "the model uses global pooling, which averages each feature map down to one number. "
            "The plan keeps every position: Flatten after the last pooling."
        )
    for kind, count in [("Conv2D", 2), ("MaxPooling2D", 2), ("Flatten", 1), ("Dense", 1)]:
        if kinds.count(kind) != count:
            raise NotYet(
                f"the plan has {count} {kind} layer{'s' if count > 1 else ''}; your model has {kinds.count(kind)}."
            )
    if tuple(kinds) != PLAN_KINDS:
        raise NotYet(
            f"your layers come in the order {', '.join(kinds)}; the plan pools right after each "
            f"convolution: {', '.join(PLAN_KINDS)}."
        )
    convolutions = [layer for layer in layers if isinstance(layer, keras.layers.Conv2D)]
    for number, (layer, filters) in enumerate(zip(convolutions, PLAN_FILTERS), start=1):
        if layer.filters != filters:
            raise NotYet(f"convolution {number} has {layer.filters} filters; the plan gives it {filters}.")
        if _plain(layer.kernel_size) != PLAN_KERNEL:
            raise NotYet(
                f"convolution {number} has {'x'.join(map(str, layer.kernel_size))} kernels; the plan uses 3x3."
            )
        if layer.padding != "valid":
            raise NotYet(
                f"convolution {number} pads its input (padding={layer.padding!r}), so the image keeps "
                "its size. The plan uses no padding: each 3x3 convolution trims one pixel per side."
            )
        if layer.get_config().get("activation") != "relu":
            raise NotYet(
                f"convolution {number} has no relu activation: without it, two convolutions in a row "
                "are still one linear map."
            )
    for layer in layers:
        if isinstance(layer, keras.layers.MaxPooling2D) and _plain(layer.pool_size) != (2, 2):
            raise NotYet(
                f"a pooling layer has pool_size {_plain(layer.pool_size)}; the plan halves the image with 2x2 pooling."
            )
    if model.count_params() != plan_parameters():
        raise NotYet(
            "your model's parameter count differs from the plan's: compare each layer's count in "
            "print_architecture with your own count by hand."
        )


@exercise("06.1", "a convnet built to a plan")
def planned_convnet(model):
    """The trained model follows the plan layer by layer, and reaches the target on the held test images."""
    keras_model(model, "the model")
    _check_image_model(model)
    _check_finite_weights(model)
    _check_plan(model)
    x_test, y_test = _held_test()
    require_loss_fits_labels(model, y_test)
    require_not_validated_on(getattr(model, "history", None), model, x_test, y_test, what="the notebook's test images")
    probabilities = finite_array(outputs_of(model, x_test, batch_size=1000), "the model's outputs on the test images")
    if not np.allclose(probabilities[:100].sum(axis=1), 1, atol=1e-3) or probabilities.min() < 0:
        raise NotYet("the outputs are not probabilities: give the last Dense layer activation='softmax'.")
    accuracy = float(np.mean(np.argmax(probabilities, axis=1) == y_test))
    reached = require_at_least(accuracy, "06.1", "the test accuracy")
    return (
        f"layers, shapes and {plan_parameters():,} parameters as planned; on the notebook's "
        f"{len(y_test):,} test images {reached}."
    )


# ---------------------------------------------------------------------------------------------------------
# Exercise 06.2: augmentation judged by what it does to digits.
#
# The check runs the layers in front of the first convolution on PER_CLASS digits of each class, REPEATS
# times, in training mode. For each augmented digit it finds the best match among versions of its original
# that keep the label for sure: turned by up to 15 degrees, zoomed by up to 15 %, moved to the same centre
# of mass and then by up to a pixel. The match is the correlation of the pixels, times the share of the
# contrast that is left (full marks down to half the original contrast). A digit survives when its match
# is at least SURVIVAL; at least SURVIVING_SHARE of the augmented digits must survive.
#
# Calibration (100 real MNIST digits, 800 augmented; in brackets 100 digits drawn by _drawn_digits, the
# stand-in used when the MNIST data is synthetic): share of augmented digits that survive
#   pass: RandomTranslation(0.1, 0.1) + RandomRotation(0.05) + RandomZoom(0.1) 1.00 (1.00); rotations of
#   10-30 degrees 1.00-0.99 (1.00-0.97); RandomZoom(0.2) 1.00 (1.00), 0.3 0.97 (0.97); RandomTranslation 0.2
#   0.99 (0.95); RandomPixelShift 2-8 pixels 1.00-0.97 (1.00-0.93); RandomShear(0.3) 1.00 (1.00);
#   GaussianNoise(0.2) 1.00 (1.00); RandomContrast((0.5, 0.5)) 1.00 (1.00). RandomContrast with one number
#   only raises the contrast in Keras 3.15 (factor 0.9: from 1 to 1.9 times), which keeps every digit.
#   not yet: RandomFlip horizontal 0.63 (0.72), vertical 0.56 (0.66), both 0.67 (0.67); RandomRotation 0.125
#   (45 degrees) 0.77 (0.74), 0.5 0.24 (0.27); RandomZoom(0.5) 0.77 (0.76), 0.8 0.54 (0.47); RandomTranslation
#   0.3 0.83 (0.76), 0.4 0.51 (0.49); RandomContrast((0.95, 0.95)) 0.81 (0.84); GaussianNoise(0.3) 0.63
#   (0.67), 0.5 0.00 (0.00); RandomShear(0.8) 0.58 (0.57); RandomInvert 0.48 (0.52); RandomBrightness(0.2)
#   with its default value_range (0, 255) on images in [0, 1] 0.03 (0.01).
#   The boundary lies near turns of 36 degrees (0.89), zooms of 0.4 (0.90), shifts of a quarter of the image
#   (RandomTranslation 0.25: 0.93, RandomPixelShift 10: 0.89).
# RandomCrop gives NOT YET whatever its size: in Keras 3.15 it passes images through unchanged in inference,
# so the network behind it gets images of another size when it predicts.
# ---------------------------------------------------------------------------------------------------------
SURVIVAL = 0.7
SURVIVING_SHARE = 0.9
CHANGED_SHARE = 0.25  # below this share of changed digits, the augmentation does (almost) nothing
PER_CLASS, REPEATS = 10, 8
SAFE_TURNS = (-15, -10, -5, 0, 5, 10, 15)  # degrees
SAFE_ZOOMS = (0.85, 1.0, 1.15)
FULL_CONTRAST = 0.5  # a digit that keeps half of its contrast counts as whole


def _arc(cx, cy, rx, ry, start, end, steps=24):
    angles = np.deg2rad(np.linspace(start, end, steps))
    return np.stack([cx + rx * np.cos(angles), cy + ry * np.sin(angles)], axis=1)


def _line(*points):
    return np.asarray(points, dtype="float64")


# The strokes of each digit in a unit box (x to the right, y down), as polylines.
_STROKES = {
    0: [_arc(0.5, 0.5, 0.34, 0.47, 0, 360)],
    1: [_line((0.32, 0.2), (0.55, 0.02), (0.55, 0.98))],
    2: [np.concatenate([_arc(0.5, 0.3, 0.32, 0.28, 190, 380), _line((0.15, 0.98), (0.9, 0.98))])],
    3: [_arc(0.48, 0.27, 0.3, 0.25, 200, 450), _arc(0.48, 0.73, 0.34, 0.25, 270, 520)],
    4: [_line((0.72, 0.98), (0.72, 0.02), (0.1, 0.66), (0.95, 0.66))],
    5: [np.concatenate([_line((0.85, 0.02), (0.25, 0.02), (0.2, 0.45)), _arc(0.48, 0.68, 0.34, 0.3, 220, 510)])],
    6: [np.concatenate([_arc(0.75, 0.55, 0.55, 0.53, 250, 180), _arc(0.5, 0.72, 0.3, 0.26, 180, 540)])],
    7: [_line((0.1, 0.02), (0.9, 0.02), (0.4, 0.98))],
    8: [_arc(0.5, 0.25, 0.25, 0.23, 0, 360), _arc(0.5, 0.72, 0.3, 0.26, 0, 360)],
    9: [np.concatenate([_arc(0.5, 0.3, 0.3, 0.27, 0, 360), _line((0.8, 0.3), (0.72, 0.98))])],
}


def _drawn_digits(per_class=PER_CLASS, seed=0, size=28):
    """Handwriting-like digits drawn with strokes of varied slant, turn, size and width, each centred on its
    centre of mass as MNIST's are: float32 (10 * per_class, size, size) in [0, 1], and their labels."""
    rng = np.random.default_rng(seed)
    rows, columns = np.mgrid[0:size, 0:size].astype("float64")
    pixels = np.stack([columns.ravel(), rows.ravel()], axis=1)
    images, labels = [], []
    for digit in range(10):
        for _ in range(per_class):
            slant, turn = rng.uniform(-0.25, 0.25), np.deg2rad(rng.uniform(-8, 8))
            height, width = rng.uniform(17, 21), rng.uniform(0.9, 1.6)
            rotation = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]])
            distance = np.full(len(pixels), np.inf)
            for stroke in _STROKES[digit]:
                points = stroke + rng.normal(0, 0.015, stroke.shape) - 0.5
                points[:, 0] = points[:, 0] * 0.8 - slant * points[:, 1]
                points = points @ rotation.T * height + (size - 1) / 2
                start, step = points[:-1], points[1:] - points[:-1]
                along = np.clip(((pixels[:, None] - start) * step).sum(2) / np.maximum((step**2).sum(1), 1e-9), 0, 1)
                nearest = start + along[..., None] * step
                distance = np.minimum(distance, np.linalg.norm(pixels[:, None] - nearest, axis=2).min(axis=1))
            image = np.clip(width + 0.5 - distance, 0, 1).reshape(size, size)
            centre_row, centre_column = (image * rows).sum() / image.sum(), (image * columns).sum() / image.sum()
            middle = (size - 1) / 2
            image = np.roll(image, (int(round(middle - centre_row)), int(round(middle - centre_column))), axis=(0, 1))
            images.append(image)
            labels.append(digit)
    return np.asarray(images, dtype="float32"), np.asarray(labels)


def _look_like_digits(images):
    """True for pen strokes on a dark ground (MNIST: about 80 % of the pixels are 0); False for the
    synthetic stand-in, whose images are noise."""
    return float(np.median(np.mean(images.reshape(len(images), -1) <= 0.02, axis=1))) >= 0.5


def _digits():
    """PER_CLASS digits of each class from the notebook's MNIST training subset, scaled as the notebook
    scales them, (n, 28, 28, 1); drawn digits when the data is the smoke profile's synthetic stand-in."""
    (x_train, y_train), _ = image_split(
        "load_mnist", "06_convolutional_networks", "mnist_train_size", "mnist_test_size"
    )
    y_train = np.asarray(y_train).reshape(-1)
    picked = np.concatenate([np.flatnonzero(y_train == digit)[:PER_CLASS] for digit in range(10)])
    images = _scaled(x_train[picked])
    if len(picked) < 10 * PER_CLASS or not _look_like_digits(images):
        images = _drawn_digits()[0][..., np.newaxis]
    return images


def _warp(images, degrees, zoom):
    """Turn (n, h, w) images about their centre by ``degrees`` and zoom them by ``zoom`` (bilinear)."""
    _, height, width = images.shape
    centre_row, centre_column = (height - 1) / 2, (width - 1) / 2
    rows, columns = np.mgrid[0:height, 0:width].astype("float64")
    turn = np.deg2rad(degrees)
    dy, dx = rows - centre_row, columns - centre_column
    source_row = (np.cos(turn) * dy + np.sin(turn) * dx) / zoom + centre_row
    source_column = (-np.sin(turn) * dy + np.cos(turn) * dx) / zoom + centre_column
    top, left = np.floor(source_row).astype(int), np.floor(source_column).astype(int)
    down, right = source_row - top, source_column - left
    warped = np.zeros(images.shape, dtype="float32")
    for row_step, column_step, weight in [
        (0, 0, (1 - down) * (1 - right)),
        (1, 0, down * (1 - right)),
        (0, 1, (1 - down) * right),
        (1, 1, down * right),
    ]:
        r, c = top + row_step, left + column_step
        inside = (r >= 0) & (r < height) & (c >= 0) & (c < width)
        warped[:, inside] += images[:, r[inside], c[inside]] * weight[inside].astype("float32")
    return warped


def _moved(images, rows, columns):
    """Images moved by whole pixels (one shift for all, or one per image), with zeros coming in."""
    count, height, width = images.shape
    rows, columns = np.broadcast_to(rows, (count,)), np.broadcast_to(columns, (count,))
    moved = np.zeros_like(images)
    for index, (dy, dx) in enumerate(zip(rows.astype(int), columns.astype(int))):
        if abs(dy) >= height or abs(dx) >= width:
            continue
        moved[index, max(dy, 0) : height + min(dy, 0), max(dx, 0) : width + min(dx, 0)] = images[
            index, max(-dy, 0) : height + min(-dy, 0), max(-dx, 0) : width + min(-dx, 0)
        ]
    return moved


def _centred(images):
    """Images moved by whole pixels so that their ink's centre of mass sits in the middle."""
    count, height, width = images.shape
    flat = images.reshape(count, -1)
    ink = np.clip(flat - np.median(flat, axis=1, keepdims=True), 0, None).reshape(images.shape)
    total = ink.sum(axis=(1, 2))
    rows, columns = np.mgrid[0:height, 0:width]
    safe = np.where(total > 0, total, 1)
    centre_row = np.where(total > 0, (ink * rows).sum(axis=(1, 2)) / safe, (height - 1) / 2)
    centre_column = np.where(total > 0, (ink * columns).sum(axis=(1, 2)) / safe, (width - 1) / 2)
    return _moved(images, np.rint((height - 1) / 2 - centre_row), np.rint((width - 1) / 2 - centre_column))


def _candidates(originals, versions):
    """For each original, every version of it (a list of functions of the images), centred, then moved by
    up to one pixel: (n, k, pixels)."""
    found = []
    for version in versions:
        centred = _centred(version(originals))
        found += [_moved(centred, dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    return np.stack(found, axis=1).reshape(len(originals), len(found), -1)


def _best_matches(augmented, originals, versions):
    """How much of its original each augmented digit keeps: the best correlation with a version of the
    original, times the share of contrast left (full from FULL_CONTRAST up). augmented[r * n + i] comes
    from originals[i]."""
    count = len(originals)
    candidates = _candidates(originals, versions)
    candidates = candidates - candidates.mean(axis=2, keepdims=True)
    spread = np.sqrt((candidates**2).mean(axis=2))
    candidates /= np.maximum(np.linalg.norm(candidates, axis=2, keepdims=True), 1e-12)
    pixels = _centred(augmented).reshape(len(augmented), -1)
    pixels = pixels - pixels.mean(axis=1, keepdims=True)
    own_spread = np.sqrt((pixels**2).mean(axis=1))
    pixels /= np.maximum(np.linalg.norm(pixels, axis=1, keepdims=True), 1e-12)
    scores = np.zeros(len(augmented))
    for start in range(0, len(augmented), count):
        part = slice(start, start + count)
        correlations = np.einsum("np,nkp->nk", pixels[part], candidates)
        best = np.argmax(correlations, axis=1)
        correlation = correlations[np.arange(count), best]
        contrast = own_spread[part] / np.maximum(FULL_CONTRAST * spread[np.arange(count), best], 1e-12)
        scores[part] = np.where(own_spread[part] > 1e-6, correlation * np.minimum(1.0, contrast), 0.0)
    return scores


def _safe_versions():
    return [lambda images, d=degrees, z=zoom: _warp(images, d, z) for degrees in SAFE_TURNS for zoom in SAFE_ZOOMS]


def _mirrored_versions():
    return [lambda images: images[:, :, ::-1], lambda images: images[:, ::-1, :], lambda images: images[:, ::-1, ::-1]]


def survival(augmented, originals):
    """Per augmented digit (n * repeats, 28, 28): how much of its original it keeps (see _best_matches)."""
    return _best_matches(np.asarray(augmented, "float32"), np.asarray(originals, "float32"), _safe_versions())


def _out_of_range(augmented, originals):
    """Per augmented digit: True when more than 5 % of its pixels lie far outside its original's range."""
    repeats = len(augmented) // len(originals)
    flat = np.tile(originals.reshape(len(originals), -1), (repeats, 1))
    low, high = flat.min(axis=1, keepdims=True), flat.max(axis=1, keepdims=True)
    reach = high - low
    pixels = augmented.reshape(len(augmented), -1)
    return np.mean((pixels < low - reach) | (pixels > high + reach), axis=1) > 0.05


def _is_augmentation_layer(layer):
    """A layer of Keras' image augmentation family (or the course's RandomPixelShift)."""
    try:
        from keras.src.layers.preprocessing.image_preprocessing.base_image_preprocessing_layer import (
            BaseImagePreprocessingLayer,
        )
    except ImportError:  # another Keras layout: fall back on the naming convention
        BaseImagePreprocessingLayer = ()
    return _kind(layer).startswith("Random") or (
        bool(BaseImagePreprocessingLayer) and isinstance(layer, BaseImagePreprocessingLayer)
    )


def _running(what, function, *args, **kwargs):
    """function(*args, **kwargs); NotYet saying what failed when it raises (a model that cannot run on
    28x28 digits, a layer that changes the image size in training only, ...)."""
    try:
        return function(*args, **kwargs)
    except NotYet:
        raise
    except Exception as error:
        lines = [line.strip() for line in re.sub(r"\x1b\[[0-9;]*m", "", str(error)).splitlines() if line.strip()]
        if len(lines) > 1 and lines[0].startswith("Exception encountered"):
            lines = lines[1:]
        first = lines[0][:200].rstrip(".") if lines else ""
        raise NotYet(
            f"{what} stops with {type(error).__name__}: {first}. A layer in front of the first "
            "convolution must give images of the size the network reads, in training and in "
            "inference alike."
        ) from None


def _apply(layers, images, training):
    import keras

    output = keras.ops.convert_to_tensor(images)
    for layer in layers:
        output = layer(output, training=training)
    return np.asarray(keras.ops.convert_to_numpy(output), dtype="float32")


@exercise("06.2", "augmentation inside the model")
def augmentation_inside(model):
    """The layers before the first convolution change digits in training only, and keep them the digits they were."""
    keras_model(model, "the model")
    _check_image_model(model)
    layers = ordered_layers(model)
    convolutions = [index for index, layer in enumerate(layers) if "Conv" in _kind(layer)]
    if not convolutions:
        raise NotYet("the model has no convolution: put the augmentation in front of the lean MNIST convnet.")
    front, rest = layers[: convolutions[0]], layers[convolutions[0] :]
    late = [layer for layer in rest if _is_augmentation_layer(layer)]
    if late:
        raise NotYet(
            f"{late[0].name} comes after a convolution, so it moves feature maps rather than the image. "
            "Put all augmentation layers before the first convolution."
        )
    if not front:
        raise NotYet(
            "the model holds nothing in front of its first convolution. Put augmentation layers "
            "there (RandomTranslation, RandomRotation, RandomZoom, ...): inside the model they vary "
            "every batch, act only in training and travel with the saved model."
        )
    _check_finite_weights(model)
    digits = _digits()
    originals = digits[..., 0]
    outputs = finite_array(
        _running("your model, run on 28x28 digits in inference,", outputs_of, model, digits),
        "the model's outputs on digits",
    )
    if not np.allclose(outputs, outputs_of(model, digits), atol=1e-6):
        raise NotYet(
            "in inference (training=False) the model answers differently each time you call it: "
            "augmentation must not act at prediction time."
        )
    passed = _running("the layers in front of the first convolution, in inference,", _apply, front, digits, False)
    if passed.shape != digits.shape or not np.allclose(passed, digits, atol=1e-5):
        sizes = f" (shape {digits.shape[1:]} in, {passed.shape[1:]} out)" if passed.shape != digits.shape else ""
        raise NotYet(
            f"in inference (training=False) the layers in front of the first convolution change the "
            f"images{sizes}: augmentation must leave them alone when the model predicts. The notebook's "
            "images are already scaled to [0, 1]."
        )
    augmented = np.concatenate(
        [
            _running("the layers in front of the first convolution, in training,", _apply, front, digits, True)
            for _ in range(REPEATS)
        ]
    )
    if augmented.shape[1:] != digits.shape[1:]:
        raise NotYet(
            f"in training the layers in front of the first convolution turn {digits.shape[1:]} images "
            f"into {augmented.shape[1:]} ones. Keep the image size: a crop that cuts a smaller "
            "picture changes what the convolutions see between training and prediction."
        )
    augmented = finite_array(augmented, "the augmented digits").astype("float32")[..., 0]
    every = np.tile(originals, (REPEATS, 1, 1))
    change = np.linalg.norm((augmented - every).reshape(len(every), -1), axis=1) / np.maximum(
        np.linalg.norm(every.reshape(len(every), -1), axis=1), 1e-12
    )
    if np.mean(change > 0.02) < CHANGED_SHARE:
        raise NotYet(
            "in training your augmentation leaves the digits (almost) unchanged: give its layers "
            "factors above 0, large enough to vary the images."
        )
    scores = survival(augmented, originals)
    far = _out_of_range(augmented, originals)
    kept = (scores >= SURVIVAL) & ~far
    share = float(np.mean(kept))
    if share < SURVIVING_SHARE:
        lost = ~kept
        measured = (
            f"only {share:.0%} of the augmented digits keep at least {SURVIVAL:.0%} of the original "
            f"digit; the check wants {SURVIVING_SHARE:.0%}."
        )
        if np.mean(far[lost]) >= 0.25:
            raise NotYet(
                f"{measured} Your augmentation pushes pixel values far outside the images' range "
                "(0 to 1). Layers such as RandomBrightness and RandomContrast assume pixels from 0 to "
                "255 unless you give them value_range=(0, 1)."
            )
        lost_index = np.flatnonzero(lost)  # augmented[k] comes from originals[k % n]
        flipped = _best_matches(augmented[lost_index], originals[lost_index % len(originals)], _mirrored_versions())
        if np.mean(flipped >= SURVIVAL) >= 0.5:
            raise NotYet(
                f"{measured} Most of the lost digits are mirrored or turned upside down, and a mirrored "
                "2 or an upside-down 6 is not the digit its label says. Augment only with changes that "
                "keep the label right: small shifts, turns and zooms."
            )
        raise NotYet(
            f"{measured} Large turns, strong zooms or shifts, crops, heavy noise or contrast changes "
            "turn a digit into another one or wipe it out. Keep the changes small, then run the check "
            "again."
        )
    names = ", ".join(dict.fromkeys(_kind(layer) for layer in front))
    return (
        f"{names} in front of the convolutions: in training {share:.0%} of the augmented digits keep at least "
        f"{SURVIVAL:.0%} of the original; in inference the images pass unchanged."
    )
