"""Small array helpers the notebooks use again and again. Each checks its input and says what it expected."""

import numpy as np


def _require_array(x, name):
    if not isinstance(x, np.ndarray):
        raise ValueError(f"{name} must be a NumPy array, got {type(x).__name__}.")


def flatten_images(images):
    """Turn images of shape (n, height, width[, channels]) into rows of shape (n, height*width*channels)."""
    _require_array(images, "images")
    if images.ndim not in (3, 4):
        raise ValueError(f"Expected images of shape (n, height, width[, channels]); got shape {images.shape}.")
    return images.reshape(len(images), -1)


def scale_images(images):
    """Scale uint8 pixel values 0..255 to float32 values in [0, 1]."""
    _require_array(images, "images")
    if images.dtype != np.uint8:
        raise ValueError(f"Expected uint8 pixels (0..255); got dtype {images.dtype}. Were the images scaled already?")
    return images.astype("float32") / 255.0


def one_hot(labels, num_classes):
    """Turn integer class labels of shape (n,) or (n, 1) into float32 one-hot rows of shape (n, num_classes)."""
    _require_array(labels, "labels")
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1:
        raise ValueError(f"Expected integer labels of shape (n,) or (n, 1); got shape {labels.shape}.")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"Expected integer class labels; got dtype {labels.dtype}. Already one-hot?")
    if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(f"Labels must lie in 0..{num_classes - 1}; got {labels.min()}..{labels.max()}.")
    return np.eye(num_classes, dtype="float32")[labels]


def window_series(series, window, horizon=None):
    """Cut a 1-D series into supervised windows for a sequence model.

    Args:
        series: 1-D array of values (already scaled).
        window: number of time steps per input window.
        horizon: None for per-step targets shifted one step ahead (targets shape (n, window, 1));
            an int for the next ``horizon`` values after the window (targets shape (n, horizon, 1)).

    Returns:
        (inputs, targets): inputs have shape (n, window, 1).
    """
    series = np.asarray(series, dtype="float32")
    if series.ndim != 1:
        raise ValueError(f"Expected a 1-D series; got shape {series.shape}.")
    if not isinstance(window, (int, np.integer)) or window < 1:
        raise ValueError(f"window must be a positive integer; got {window!r}.")
    ahead = 1 if horizon is None else horizon
    if not isinstance(ahead, (int, np.integer)) or ahead < 1:
        raise ValueError(f"horizon must be None or a positive integer; got {horizon!r}.")
    count = len(series) - window - ahead + 1
    if count < 1:
        raise ValueError(f"A series of {len(series)} values is too short for window {window} and horizon {ahead}.")
    inputs = np.stack([series[i : i + window] for i in range(count)])[..., None]
    if horizon is None:
        targets = np.stack([series[i + 1 : i + window + 1] for i in range(count)])[..., None]
    else:
        targets = np.stack([series[i + window : i + window + horizon] for i in range(count)])[..., None]
    return inputs, targets


def stratified_subset(x, y, size, seed=0):
    """Return a seeded, class-balanced subset of (x, y) with ``size`` examples, in the original order.

    Args:
        x, y: arrays with the same first dimension; y holds integer labels of shape (n,) or (n, 1).
        size: number of examples to keep; None (or at least len(x)) keeps everything.
        seed: random seed, so every run picks the same examples.
    """
    _require_array(x, "x")
    _require_array(y, "y")
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length; got {len(x)} and {len(y)}.")
    if size is None or size >= len(x):
        return x, y
    labels = y.reshape(len(y), -1)[:, 0]
    classes, counts = np.unique(labels, return_counts=True)
    if size < len(classes):
        raise ValueError(f"size {size} is smaller than the number of classes ({len(classes)}).")
    rng = np.random.default_rng(seed)
    # Share the budget in proportion to class frequency, largest remainders first.
    exact = counts * size / len(labels)
    quota = np.floor(exact).astype(int)
    for i in np.argsort(quota - exact)[: size - quota.sum()]:
        quota[i] += 1
    keep = np.concatenate([rng.choice(np.flatnonzero(labels == c), q, replace=False) for c, q in zip(classes, quota)])
    keep.sort()
    return x[keep], y[keep]
