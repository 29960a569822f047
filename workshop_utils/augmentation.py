"""Augmentation layers that cost little on every Keras backend.

``keras.layers.RandomTranslation`` computes each output pixel by interpolation. That is cheap with the
TensorFlow backend, but under JAX on a GPU it stretched one epoch of notebook 06's CIFAR-10 network
from 1.7 s to 260 s (H100, JAX 0.11, 2026-11-25). ``RandomPixelShift`` moves images by whole pixels
instead, so no interpolation is needed: only index arithmetic and two small matrix products.
"""

import keras

__all__ = ["RandomPixelShift"]


@keras.saving.register_keras_serializable(package="workshop_utils")
class RandomPixelShift(keras.layers.Layer):
    """Shift every training image by its own random whole number of pixels, filling with zeros.

    Each image moves by ``-pixels .. +pixels`` rows and, independently, columns: the same as padding it
    with ``pixels`` zeros on every side and cutting a random window of the original size out of it.
    In ``evaluate`` and ``predict`` (``training=False``) images pass through unchanged.

    Args:
        pixels: the largest shift, in pixels, in each direction.
        seed: seed of the layer's random generator.
    """

    def __init__(self, pixels=4, seed=None, **kwargs):
        super().__init__(**kwargs)
        if int(pixels) < 0:
            raise ValueError(f"pixels must be 0 or more, got {pixels}")
        self.pixels = int(pixels)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=False):
        if not training or self.pixels == 0:
            return images
        ops, p = keras.ops, self.pixels
        batch, height, width = ops.shape(images)[0], ops.shape(images)[1], ops.shape(images)[2]
        padded = ops.pad(images, [[0, 0], [p, p], [p, p], [0, 0]])
        dtype = keras.backend.standardize_dtype(images.dtype)
        # The window's top-left corner in the padded image, one per image: 0 .. 2p.
        top = keras.random.randint((batch,), 0, 2 * p + 1, seed=self.seed_generator)
        left = keras.random.randint((batch,), 0, 2 * p + 1, seed=self.seed_generator)
        # Row i of the output is row top + i of the padded image. A one-hot matrix per image picks those
        # rows (and another the columns) with a matrix product, which every backend does fast.
        pick_rows = ops.one_hot(
            ops.arange(height)[None, :] + top[:, None], height + 2 * p, dtype=dtype
        )  # (batch, height, height + 2p)
        pick_cols = ops.one_hot(
            ops.arange(width)[None, :] + left[:, None], width + 2 * p, dtype=dtype
        )  # (batch, width, width + 2p)
        rows = ops.einsum("bip,bpqc->biqc", pick_rows, padded)  # (batch, height, width + 2p, channels)
        return ops.einsum("bjq,biqc->bijc", pick_cols, rows)  # (batch, height, width, channels)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "pixels": self.pixels, "seed": self.seed}
