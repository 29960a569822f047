"""Plots the notebooks show: learning curves, labelled image grids, a confusion matrix, a forecast.

Every function returns the matplotlib Figure, so you can save it or test it.
"""

import matplotlib.pyplot as plt
import numpy as np


def plot_history(history, metrics=("loss", "accuracy"), title=None):
    """Plot training and validation curves from a Keras History (or its ``.history`` dict).

    Args:
        history: what ``model.fit`` returned, or a dict like ``{"loss": [...], "val_loss": [...]}``.
        metrics: which metrics to draw, one panel each; missing ones are skipped.
        title: optional figure title.
    """
    logs = getattr(history, "history", history)
    if not isinstance(logs, dict):
        raise ValueError(f"Expected a keras History or a dict of lists; got {type(history).__name__}.")
    present = [m for m in metrics if m in logs]
    if not present:
        raise ValueError(f"None of {list(metrics)} is in the history; it has {sorted(logs)}.")
    fig, axes = plt.subplots(1, len(present), figsize=(5 * len(present), 3.5), squeeze=False)
    for ax, metric in zip(axes[0], present):
        epochs = np.arange(1, len(logs[metric]) + 1)
        ax.plot(epochs, logs[metric], "o-", label=f"training {metric}")
        if f"val_{metric}" in logs:
            ax.plot(epochs, logs[f"val_{metric}"], "s--", label=f"validation {metric}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_image_grid(images, true_labels, predicted_labels=None, class_names=None, columns=8, count=24):
    """Show images with their true (and predicted) labels; wrong predictions get red titles.

    Args:
        images: array (n, height, width) or (n, height, width, channels).
        true_labels: integer labels, shape (n,) or (n, 1).
        predicted_labels: optional integer predictions, same shape as true_labels.
        class_names: optional names indexed by label.
        columns, count: grid width and how many images to show.
    """
    images = np.asarray(images)
    if images.ndim not in (3, 4):
        raise ValueError(f"Expected images of shape (n, h, w[, c]); got {images.shape}.")
    true_labels = np.asarray(true_labels).reshape(-1)
    if len(true_labels) != len(images):
        raise ValueError(f"Got {len(images)} images but {len(true_labels)} labels.")
    if predicted_labels is not None:
        predicted_labels = np.asarray(predicted_labels).reshape(-1)
        if len(predicted_labels) != len(images):
            raise ValueError(f"Got {len(images)} images but {len(predicted_labels)} predictions.")
    count = min(count, len(images))
    rows = int(np.ceil(count / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(1.6 * columns, 1.9 * rows), squeeze=False)
    name = (lambda i: class_names[i]) if class_names is not None else str
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k >= count:
            continue
        ax.imshow(images[k], cmap="gray" if images.ndim == 3 else None)
        title, color = name(true_labels[k]), "black"
        if predicted_labels is not None:
            title = f"{name(predicted_labels[k])}\n(true: {name(true_labels[k])})"
            color = "black" if predicted_labels[k] == true_labels[k] else "red"
        ax.set_title(title, fontsize=8, color=color)
    fig.tight_layout()
    return fig


def plot_confusion_matrix(true_labels, predicted_labels, class_names):
    """Draw the confusion matrix (rows: true class, columns: predicted class) with counts in the cells."""
    true_labels = np.asarray(true_labels).reshape(-1)
    predicted_labels = np.asarray(predicted_labels).reshape(-1)
    if true_labels.shape != predicted_labels.shape:
        raise ValueError(f"Got {true_labels.shape[0]} true labels but {predicted_labels.shape[0]} predictions.")
    n = len(class_names)
    if true_labels.size and max(true_labels.max(), predicted_labels.max()) >= n:
        raise ValueError(f"Labels must lie in 0..{n - 1} to match {n} class names.")
    matrix = np.zeros((n, n), dtype=int)
    np.add.at(matrix, (true_labels, predicted_labels), 1)
    fig, ax = plt.subplots(figsize=(0.6 * n + 2.5, 0.6 * n + 2))
    ax.imshow(matrix, cmap="Blues")
    for i in range(n):
        for j in range(n):
            ax.text(
                j,
                i,
                matrix[i, j],
                ha="center",
                va="center",
                fontsize=7,
                color="white" if matrix[i, j] > matrix.max() / 2 else "black",
            )
    ax.set_xticks(range(n), class_names, rotation=45, ha="right")
    ax.set_yticks(range(n), class_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("Confusion matrix")
    fig.tight_layout()
    fig.matrix = matrix  # handy for checks: fig.matrix.trace() is the number of correct predictions
    return fig


def plot_forecast(history_values, actual, predictions, title="Forecast"):
    """Plot an input window, the values that followed it, and one or more forecasts of them.

    Args:
        history_values: 1-D array, the values the model saw.
        actual: 1-D array, the true values that came next.
        predictions: a 1-D array, or a dict {label: 1-D array} of the same length as ``actual``.
    """
    history_values = np.asarray(history_values).reshape(-1)
    actual = np.asarray(actual).reshape(-1)
    if not isinstance(predictions, dict):
        predictions = {"prediction": predictions}
    fig, ax = plt.subplots(figsize=(8, 3.5))
    t_hist = np.arange(len(history_values))
    t_next = np.arange(len(history_values), len(history_values) + len(actual))
    ax.plot(t_hist, history_values, "k-", label="input window")
    ax.plot(t_next, actual, "ko-", label="actual")
    for label, values in predictions.items():
        values = np.asarray(values).reshape(-1)
        if len(values) != len(actual):
            raise ValueError(f"Prediction {label!r} has {len(values)} values; expected {len(actual)}.")
        ax.plot(t_next, values, "x--", label=label)
    ax.set_xlabel("time step")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_per_class_accuracy(true_labels, predicted_labels, class_names, title="Accuracy per class"):
    """Draw one bar per class: the fraction of that class's examples predicted correctly.

    Args:
        true_labels: integer labels, shape (n,) or (n, 1).
        predicted_labels: integer predictions, same number as true_labels.
        class_names: names indexed by label; classes with no examples get an empty bar.
        title: the figure title.

    The figure's ``accuracies`` attribute holds the values (NaN for a class with no examples).
    """
    true_labels = np.asarray(true_labels).reshape(-1)
    predicted_labels = np.asarray(predicted_labels).reshape(-1)
    if true_labels.shape != predicted_labels.shape:
        raise ValueError(f"Got {true_labels.shape[0]} true labels but {predicted_labels.shape[0]} predictions.")
    n = len(class_names)
    if true_labels.size and (
        min(true_labels.min(), predicted_labels.min()) < 0 or max(true_labels.max(), predicted_labels.max()) >= n
    ):
        raise ValueError(f"Labels must lie in 0..{n - 1} to match {n} class names.")
    counts = np.bincount(true_labels, minlength=n)
    hits = np.bincount(true_labels[true_labels == predicted_labels], minlength=n)
    accuracies = np.full(n, np.nan)
    accuracies[counts > 0] = hits[counts > 0] / counts[counts > 0]
    fig, ax = plt.subplots(figsize=(0.6 * n + 2.5, 3.5))
    ax.bar(range(n), np.nan_to_num(accuracies), color="tab:blue")
    overall = hits.sum() / max(counts.sum(), 1)
    ax.axhline(overall, color="tab:red", linestyle="--", label=f"overall {overall:.3f}")
    ax.set_xticks(range(n), class_names, rotation=45, ha="right")
    ax.set_ylim(0, 1)
    ax.set_ylabel("accuracy")
    ax.set_title(title)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.accuracies = accuracies
    return fig
