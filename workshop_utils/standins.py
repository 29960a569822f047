"""Synthetic stand-ins for datasets that are not available, used only by the ``smoke`` profile.

They have the real datasets' shapes, dtypes and number of classes, and are learnable (each class
has its own pattern), so a smoke run exercises every cell. Their figures mean nothing.
"""
import os
import tempfile

import numpy as np

SPECS = {
    # name: (train count, test count, image shape, label shape suffix)
    "mnist": (60000, 10000, (28, 28), ()),
    "fashion_mnist": (60000, 10000, (28, 28), ()),
    "cifar10": (50000, 10000, (32, 32, 3), (1,)),
}


def image_arrays(name, num_classes=10, seed=0):
    """Return ``(x_train, y_train), (x_test, y_test)`` shaped and typed like the real dataset."""
    n_train, n_test, shape, label_suffix = SPECS[name]
    rng = np.random.default_rng(seed)
    prototypes = rng.uniform(0, 255, size=(num_classes, *shape)).astype(np.float32)

    def make(count):
        labels = np.arange(count) % num_classes
        rng.shuffle(labels)
        noise = rng.normal(0, 60, size=(count, *shape)).astype(np.float32)
        images = np.clip(prototypes[labels] * 0.7 + noise, 0, 255).astype(np.uint8)
        return images, labels.astype(np.uint8).reshape(count, *label_suffix)

    return make(n_train), make(n_test)


def nigeria_csv(folder, seed=0):
    """Write a synthetic monthly series in the Nigeria CSV format (123 values, like the real file, plus footer); return its path."""
    rng = np.random.default_rng(seed)
    months = np.arange(123)
    values = 60000 + 1300 * months + 8000 * np.sin(2 * np.pi * months / 12) + rng.normal(0, 3000, 123)
    lines = ['"Month","Nigeria power consumption"']
    lines += [f'"{m // 12 + 1}-{m % 12 + 1:02d}",{int(v)}' for m, v in zip(months, values)]
    lines += ["", "Nigeria power consumption", ""]
    path = folder / "nigeria-power-consumption-standin.csv"
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".partial")  # another process may read it meanwhile
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(lines))
    os.replace(tmp, path)
    return path


def imdb_folder(folder, per_class=100, seed=0):
    """Write a tiny ``aclImdb`` layout of synthetic reviews (positive and negative words); return it."""
    rng = np.random.default_rng(seed)
    words = {"pos": ["great", "wonderful", "moving", "brilliant", "fun", "superb"],
             "neg": ["awful", "boring", "dull", "terrible", "weak", "clumsy"]}
    filler = ["the", "film", "plot", "actor", "story", "scene", "was", "and", "a", "very"]
    root = folder / "aclImdb"
    done = root / ".complete"
    if done.is_file():  # written before, by this process or another
        return root
    for split in ("train", "test"):
        for label in ("pos", "neg"):
            target = root / split / label
            target.mkdir(parents=True, exist_ok=True)
            for i in range(per_class):
                text = " ".join(rng.choice(filler + words[label] * 2, size=30))
                rating = 8 if label == "pos" else 2
                (target / f"{i}_{rating}.txt").write_text(text)
    done.write_text("ok\n")
    return root
