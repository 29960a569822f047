"""Synthetic stand-ins for datasets that are not available, used only by the ``smoke`` profile.

They have the real datasets' shapes, dtypes and number of classes, and are learnable (each class
has its own pattern: a random image for the grey ones, a colour for CIFAR-10's, so that flips and shifts
keep it), so a smoke run exercises every cell. Their figures mean nothing.
"""

import os
import shutil
import tempfile

import numpy as np

SPECS = {
    # name: (train count, test count, image shape, label shape suffix)
    "mnist": (60000, 10000, (28, 28), ()),
    "fashion_mnist": (60000, 10000, (28, 28), ()),
    "cifar10": (50000, 10000, (32, 32, 3), (1,)),
}


def _labels(count, num_classes, rng):
    labels = np.arange(count) % num_classes
    rng.shuffle(labels)
    return labels


def labels(name, num_classes=10, seed=0):
    """Return the stand-in's ``(y_train, y_test)`` alone (cheap: no images are made)."""
    n_train, n_test, _, label_suffix = SPECS[name]
    rng = np.random.default_rng([seed, 1])
    return tuple(
        _labels(count, num_classes, rng).astype(np.uint8).reshape(count, *label_suffix) for count in (n_train, n_test)
    )


def image_arrays(name, num_classes=10, seed=0):
    """Return ``(x_train, y_train), (x_test, y_test)`` shaped and typed like the real dataset."""
    n_train, n_test, shape, _ = SPECS[name]
    rng = np.random.default_rng([seed, 2])
    if len(shape) == 3:  # colour photos: one colour per class, which flips and shifts keep (notebook 06's recipe)
        colours = rng.uniform(30, 225, size=(num_classes, 1, 1, shape[2]))
        prototypes = np.broadcast_to(colours, (num_classes, *shape)).astype(np.float32)
    else:
        prototypes = rng.uniform(0, 255, size=(num_classes, *shape)).astype(np.float32)

    scaled = prototypes * 0.7

    def make(y):
        # float32, in place, the class patterns added a slice at a time: CIFAR-10's 60,000 photos take
        # about 2 s this way, against 8 s in float64 with whole-array temporaries.
        images = rng.standard_normal((len(y), *shape), dtype=np.float32)
        images *= 60
        flat = y.reshape(-1)
        for start in range(0, len(flat), 2000):
            images[start : start + 2000] += scaled[flat[start : start + 2000]]
        np.clip(images, 0, 255, out=images)
        return images.astype(np.uint8), y

    y_train, y_test = labels(name, num_classes, seed)
    return make(y_train), make(y_test)


def nigeria_csv(folder, seed=0):
    """Write a synthetic monthly series in the Nigeria CSV format (123 values, like the real file,
    plus footer); return its path."""
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


def imdb_folder(folder, per_class=500, seed=0):
    """Write a small ``aclImdb`` layout of synthetic reviews (positive and negative words); return it.

    ``per_class`` reviews go into each of train/pos, train/neg, test/pos and test/neg: enough for the
    ``smoke`` profile's subsets of notebook 09.
    """
    rng = np.random.default_rng(seed)
    words = {
        "pos": ["great", "wonderful", "moving", "brilliant", "fun", "superb"],
        "neg": ["awful", "boring", "dull", "terrible", "weak", "clumsy"],
    }
    filler = ["the", "film", "plot", "actor", "story", "scene", "was", "and", "a", "very"]
    root = folder / "aclImdb"
    done = root / ".complete"
    version = f"{per_class} reviews per folder, seed {seed}\n"
    if done.is_file() and done.read_text() == version:  # written before, by this process or another
        return root
    shutil.rmtree(root, ignore_errors=True)  # an older, smaller stand-in
    for split in ("train", "test"):
        for label in ("pos", "neg"):
            target = root / split / label
            target.mkdir(parents=True, exist_ok=True)
            for i in range(per_class):
                text = " ".join(rng.choice(filler + words[label] * 2, size=30))
                rating = 8 if label == "pos" else 2
                (target / f"{i}_{rating}.txt").write_text(text)
    done.write_text(version)
    return root
