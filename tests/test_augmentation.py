"""RandomPixelShift: whole-pixel shifts in training, the identity otherwise, on any backend."""

import workshop_utils  # noqa: F401  (loads Keras quietly)
from workshop_utils.augmentation import RandomPixelShift

import keras
import numpy as np
import pytest


def _images(n=64, size=12, channels=3, seed=0):
    return np.random.default_rng(seed).random((n, size, size, channels)).astype("float32") + 0.1


def _shift_of(original, shifted, pixels):
    """The (rows, columns) offset that turns ``original`` into ``shifted``, or None if none does."""
    size = original.shape[0]
    padded = np.pad(original, ((pixels, pixels), (pixels, pixels), (0, 0)))
    for top in range(2 * pixels + 1):
        for left in range(2 * pixels + 1):
            if np.array_equal(padded[top : top + size, left : left + size], shifted):
                return top - pixels, left - pixels
    return None


def test_training_shifts_every_image_by_whole_pixels_within_the_limit():
    images = _images()
    shifted = keras.ops.convert_to_numpy(RandomPixelShift(pixels=3, seed=1)(images, training=True))
    assert shifted.shape == images.shape
    shifts = [_shift_of(a, b, 3) for a, b in zip(images, shifted)]
    assert None not in shifts, "an output is not a whole-pixel shift of its input"
    assert len(set(shifts)) > 10, f"the images of a batch should move independently, got {set(shifts)}"


def test_shifts_cover_the_whole_range():
    images = _images(n=256, size=8)
    layer = RandomPixelShift(pixels=2, seed=3)
    seen = set()
    for _ in range(3):
        shifted = keras.ops.convert_to_numpy(layer(images, training=True))
        seen |= {_shift_of(a, b, 2) for a, b in zip(images, shifted)}
    assert seen == {(dy, dx) for dy in range(-2, 3) for dx in range(-2, 3)}


@pytest.mark.parametrize("kwargs", [{}, {"training": False}])
def test_inference_passes_images_through(kwargs):
    images = _images(n=4)
    out = keras.ops.convert_to_numpy(RandomPixelShift(pixels=4)(images, **kwargs))
    np.testing.assert_array_equal(out, images)


def test_zero_pixels_is_the_identity_and_negative_is_refused():
    images = _images(n=4)
    out = keras.ops.convert_to_numpy(RandomPixelShift(pixels=0)(images, training=True))
    np.testing.assert_array_equal(out, images)
    with pytest.raises(ValueError, match="pixels"):
        RandomPixelShift(pixels=-1)


def test_trains_and_survives_saving(tmp_path):
    images, labels = _images(n=32), np.arange(32) % 2
    model = keras.Sequential(
        [
            keras.Input((12, 12, 3)),
            RandomPixelShift(pixels=2, seed=5),
            keras.layers.Flatten(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(images, labels, epochs=1, batch_size=8, verbose=0)
    path = tmp_path / "shift.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert isinstance(loaded.layers[0], RandomPixelShift)
    assert loaded.layers[0].get_config()["pixels"] == 2
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loaded.predict(images, verbose=0)),
        keras.ops.convert_to_numpy(model.predict(images, verbose=0)),
        rtol=1e-6,
    )
