"""Helpers for notebook 10's GAN: pixel conversion, a grid of samples, and a judge of generated digits.

The judge asks a digit classifier (trained on real digits) what it sees in generated images and compares
distances between images. A generator that learned nothing fails it: noise is classified with little
confidence or as few classes, one repeated digit covers one class and has no diversity, and copies of
training images lie at distance 0 from the training set.
"""

import numpy as np

# A sample counts as a recognisable digit when the classifier gives its top class at least this probability.
CONFIDENCE = 0.9
# A class counts as covered when at least this share of the samples are confident digits of that class.
CLASS_SHARE = 0.02


def to_pixels(images):
    """Generator output in [-1, 1] (any shape with 784 values per image) -> rows of 784 pixels in [0, 1]."""
    images = np.asarray(images, dtype="float32").reshape(len(images), -1)
    return np.clip((images + 1.0) / 2.0, 0.0, 1.0)


def from_pixels(rows):
    """Rows of pixels in [0, 1] -> the generator's range [-1, 1] (what the discriminator sees as real)."""
    return np.asarray(rows, dtype="float32") * 2.0 - 1.0


def _nearest_distances(queries, pool, exclude_self=False):
    """Euclidean distance from each row of ``queries`` to its nearest row of ``pool``."""
    queries = np.asarray(queries, dtype="float64")
    pool = np.asarray(pool, dtype="float64")
    squared = np.sum(queries**2, axis=1)[:, None] + np.sum(pool**2, axis=1)[None, :] - 2.0 * queries @ pool.T
    if exclude_self:
        np.fill_diagonal(squared, np.inf)
    return np.sqrt(np.maximum(squared.min(axis=1), 0.0))


def judge_digits(classifier, generated, train_rows, real_rows):
    """Figures that tell generated digits from noise, one repeated digit and copies of training images.

    Args:
        classifier: a Keras model from rows of 784 pixels in [0, 1] to 10 class probabilities.
        generated: rows of 784 pixels in [0, 1] (``to_pixels`` of the generator's output).
        train_rows: the images the generator learned from, rows of pixels in [0, 1].
        real_rows: as many real digits the generator never saw (e.g. test images), the yardstick.

    Returns:
        dict with ``confident_share`` (share of samples the classifier is sure about), ``classes_covered``
        (digits 0-9 among the sure ones, each with at least 2 % of the samples), ``diversity`` (median
        distance of a sample to its nearest other sample, over the same among ``real_rows``) and
        ``novelty`` (median distance of a sample to its nearest training image, over the same for
        ``real_rows``: about 1 for new digits, 0 for copies).
    """
    generated = np.asarray(generated, dtype="float32")
    real_rows = np.asarray(real_rows, dtype="float32")
    probabilities = np.asarray(classifier.predict(generated, verbose=0))
    confident = probabilities.max(axis=1) >= CONFIDENCE
    counts = np.bincount(probabilities.argmax(axis=1)[confident], minlength=probabilities.shape[1])
    covered = int(np.sum(counts >= max(1.0, CLASS_SHARE * len(generated))))
    real_spread = np.median(_nearest_distances(real_rows, real_rows, exclude_self=True))
    real_novelty = np.median(_nearest_distances(real_rows, train_rows))
    return {
        "confident_share": float(confident.mean()),
        "classes_covered": covered,
        "diversity": float(np.median(_nearest_distances(generated, generated, exclude_self=True)) / real_spread),
        "novelty": float(np.median(_nearest_distances(generated, train_rows)) / real_novelty),
    }


def plot_samples(images, columns=10, title=None, size=0.9):
    """Show generated images (output in [-1, 1] or pixels in [0, 1], 784 values each) as a grid; return it."""
    import matplotlib.pyplot as plt

    images = np.asarray(images, dtype="float32").reshape(len(images), 28, 28)
    if images.min() < 0:
        images = (images + 1.0) / 2.0
    rows = int(np.ceil(len(images) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * size, rows * size))
    for ax, index in zip(np.ravel(axes), range(rows * columns)):
        ax.axis("off")
        if index < len(images):
            ax.imshow(images[index], cmap="gray_r", vmin=0.0, vmax=1.0)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    plt.show()
    return fig
