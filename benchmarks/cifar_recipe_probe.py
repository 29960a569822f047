"""Choose notebook 06's CIFAR-10 recipe on validation images, then score the choice on the test set once.

Each ``train`` run trains the original network with one recipe on notebook 06's ``full`` split (45,000
training images; 5,000 validation images held out of the training set, class-balanced, seed 42), logs the
validation accuracy every 10 epochs and at the end (with and without flip test-time augmentation), and
keeps its weights. ``choose`` reads the runs' validation figures, picks the best, and only then scores
that one recipe on the 10,000 test images. No test figure takes part in the choice. Several runs share
one GPU (JAX backend):

    XLA_PYTHON_CLIENT_PREALLOCATE=false python benchmarks/cifar_recipe_probe.py train wd025 --weight-decay 0.25 &
    XLA_PYTHON_CLIENT_PREALLOCATE=false python benchmarks/cifar_recipe_probe.py train wd01 --weight-decay 0.1 &
    wait; python benchmarks/cifar_recipe_probe.py choose wd025 wd01

Logs, results and weights go to ``artifacts/benchmarks/cifar_recipe/``. Meant for a GPU: on a 2-core
CPU one epoch takes 20 minutes or more. A benchmark, not a test.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import workshop_utils  # noqa: E402,F401  (loads Keras quietly)
from workshop_utils import datasets  # noqa: E402
from workshop_utils.augmentation import RandomPixelShift  # noqa: E402

import keras  # noqa: E402


class Cutout(keras.layers.Layer):
    """Zero a size x size square at a random place of each training image (clipped at the border)."""

    def __init__(self, size, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.size, self.seed_generator = size, keras.random.SeedGenerator(seed)

    def call(self, images, training=False):
        if not training:
            return images
        ops = keras.ops
        n, height, width = ops.shape(images)[0], ops.shape(images)[1], ops.shape(images)[2]
        centre_y = keras.random.randint((n, 1, 1), 0, height, seed=self.seed_generator)
        centre_x = keras.random.randint((n, 1, 1), 0, width, seed=self.seed_generator)
        rows, cols = ops.arange(height)[None, :, None], ops.arange(width)[None, None, :]
        inside = (ops.abs(rows - centre_y) * 2 < self.size) & (ops.abs(cols - centre_x) * 2 < self.size)
        return images * ops.cast(ops.logical_not(inside), images.dtype)[..., None]


def original_network(augmentation):
    """Notebook 06's build_original_cifar_cnn, with augmentation layers in front."""
    layers = keras.layers
    return keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            *augmentation,
            layers.Conv2D(64, 5, padding="same", activation="relu"),
            layers.Conv2D(64, 5, padding="same", activation="relu"),
            layers.BatchNormalization(momentum=0.9),
            layers.Conv2D(64, 5, padding="same", activation="relu"),
            layers.MaxPooling2D(2, 2, padding="same"),
            layers.Conv2D(64, 5, padding="same", activation="relu"),
            layers.Conv2D(64, 5, padding="same", activation="relu"),
            layers.BatchNormalization(momentum=0.9),
            layers.MaxPooling2D(2, 2, padding="same"),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(2, 2, padding="same"),
            layers.Dropout(0.3),
            layers.Flatten(),
            layers.Dense(512, activation="relu"),
            layers.Dense(256, activation="relu"),
            layers.Dropout(0.5),
            layers.Dense(10, activation="softmax"),
        ]
    )


FOLDER = ROOT / "artifacts" / "benchmarks" / "cifar_recipe"
SEED = 42


def notebook_split(validation_size=5000, train_size=45000):
    """Notebook 06's split in the full profile: training and validation images from the training set."""
    from workshop_utils import preprocessing

    from sklearn.model_selection import train_test_split

    (x, y), (x_test, y_test) = datasets.load_cifar10()
    x, y = preprocessing.stratified_subset(x, y.reshape(-1), train_size + validation_size, seed=SEED)
    x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=validation_size, stratify=y, random_state=SEED)
    scale = lambda images: images.astype("float32") / 255  # noqa: E731
    return (scale(x_train), y_train), (scale(x_val), y_val), (scale(x_test), y_test.reshape(-1))


def build(settings, steps):
    """The original network with a recipe's augmentation, schedule and weight decay, compiled."""
    augmentation = [keras.layers.RandomFlip("horizontal", seed=SEED)]
    augmentation += [RandomPixelShift(settings["shift"], seed=SEED)] if settings["shift"] else []
    augmentation += [Cutout(settings["cutout"], seed=3)] if settings["cutout"] else []
    model = original_network(augmentation)
    warmup = steps // 10
    schedule = keras.optimizers.schedules.CosineDecay(
        settings["peak_learning_rate"] / 10,
        steps - warmup,
        warmup_target=settings["peak_learning_rate"],
        warmup_steps=warmup,
    )
    model.compile(
        optimizer=keras.optimizers.Nadam(schedule, weight_decay=settings["weight_decay"] or None),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def accuracy(model, x, y, flip=False):
    """Accuracy on (x, y); with flip, the mean of the predictions on the images and their mirror images."""
    probabilities = model.predict(x, batch_size=1000, verbose=0)
    if flip:
        probabilities = probabilities + model.predict(x[:, :, ::-1], batch_size=1000, verbose=0)
    return float(np.mean(probabilities.argmax(1) == y))


def train(args):
    keras.utils.set_random_seed(SEED)
    (x, y), (x_val, y_val), _ = notebook_split(args.validation_size, args.train_size)
    settings = {key: getattr(args, key) for key in ("epochs", "peak_learning_rate", "weight_decay", "shift", "cutout")}
    model = build(settings, args.epochs * int(np.ceil(len(x) / 100)))
    FOLDER.mkdir(parents=True, exist_ok=True)
    log_file = open(FOLDER / f"{args.name}.log", "a")

    def log(line):
        print(line, flush=True)
        print(line, file=log_file, flush=True)

    log(f"{args.name}: {settings}, backend {keras.backend.backend()}, {len(x)} training images")

    class Progress(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.time()

        def on_epoch_end(self, epoch, logs=None):
            val = accuracy(model, x_val, y_val) if epoch % 10 == 9 else None
            log(
                f"epoch {epoch + 1} {time.time() - self.start:.1f} s, training accuracy "
                f"{logs['accuracy']:.4f}" + (f", validation accuracy {val:.4f}" if val is not None else "")
            )

    start = time.time()
    model.fit(x, y, batch_size=100, epochs=args.epochs, verbose=0, callbacks=[Progress()])
    model.save_weights(FOLDER / f"{args.name}.weights.h5")
    result = {
        "name": args.name,
        "settings": settings,
        "seconds": round(time.time() - start, 1),
        "train_size": len(x),
        "validation_size": len(x_val),
        "validation": accuracy(model, x_val, y_val),
        "validation_flip_tta": accuracy(model, x_val, y_val, True),
    }
    (FOLDER / f"{args.name}.json").write_text(json.dumps(result))
    log(json.dumps(result))


def choose(args):
    runs = [json.loads((FOLDER / f"{name}.json").read_text()) for name in args.names]
    for run in sorted(runs, key=lambda r: -r["validation"]):
        print(
            f"{run['name']:12s} validation {run['validation']:.4f} (flip TTA {run['validation_flip_tta']:.4f}) "
            f"{run['settings']}"
        )
    best = max(runs, key=lambda r: r["validation"])
    (x, _), _, (x_test, y_test) = notebook_split(best["validation_size"], best["train_size"])
    model = build(best["settings"], best["settings"]["epochs"] * int(np.ceil(len(x) / 100)))
    model.optimizer.build(model.trainable_variables)  # the file holds the optimizer's state too
    model.load_weights(FOLDER / f"{best['name']}.weights.h5")
    result = {
        "chosen": best["name"],
        "settings": best["settings"],
        "validation": best["validation"],
        "test": accuracy(model, x_test, y_test),
        "test_flip_tta": accuracy(model, x_test, y_test, True),
    }
    print(json.dumps(result))
    (FOLDER / "choice.json").write_text(json.dumps(result))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("train", help="train one recipe and log its validation accuracy")
    run.add_argument("name", help="the run's name (its log, result and weights files)")
    run.add_argument("--epochs", type=int, default=60)
    run.add_argument("--peak-learning-rate", type=float, default=2e-3)
    run.add_argument("--weight-decay", type=float, default=0.25)
    run.add_argument("--shift", type=int, default=4, help="largest whole-pixel shift (0: none)")
    run.add_argument("--cutout", type=int, default=0, help="side of the erased square (0: none)")
    run.add_argument("--validation-size", type=int, default=5000)
    run.add_argument("--train-size", type=int, default=45000, help="fewer for a quick trial run")
    pick = commands.add_parser("choose", help="pick the best run by validation accuracy, then test it once")
    pick.add_argument("names", nargs="+")
    args = parser.parse_args(argv)
    train(args) if args.command == "train" else choose(args)


if __name__ == "__main__":
    main()
