"""Train notebook 06's original CIFAR-10 network with one recipe and report its test accuracy.

The sweep behind notebook 06's better recipe and docs/results.md (weight decay, cutout, test-time
augmentation) ran with this script on an H100 under JAX, several recipes at once:

    XLA_PYTHON_CLIENT_PREALLOCATE=false python benchmarks/cifar_recipe_probe.py wd025 --weight-decay 0.25
    XLA_PYTHON_CLIENT_PREALLOCATE=false python benchmarks/cifar_recipe_probe.py cut --cutout 16

It trains on the first 45,000 training images (`--train-size`) (batch 100), scores all 10,000 test images every 10
epochs and at the end, with and without flip test-time augmentation, and appends its log to
``artifacts/benchmarks/cifar_recipe/<name>.log``. It is meant for a GPU: on a 2-core CPU one epoch
takes 20 minutes or more. A benchmark, not a test.
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
import keras  # noqa: E402
from workshop_utils import datasets  # noqa: E402
from workshop_utils.augmentation import RandomPixelShift  # noqa: E402


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
    return keras.Sequential([
        keras.Input((32, 32, 3)), *augmentation,
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
        layers.Dropout(0.3), layers.Flatten(),
        layers.Dense(512, activation="relu"), layers.Dense(256, activation="relu"),
        layers.Dropout(0.5), layers.Dense(10, activation="softmax"),
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", help="the run's name (its log file)")
    parser.add_argument("--epochs", type=int, default=60)
    parser.add_argument("--peak-learning-rate", type=float, default=2e-3)
    parser.add_argument("--weight-decay", type=float, default=0.25)
    parser.add_argument("--shift", type=int, default=4, help="largest whole-pixel shift (0: none)")
    parser.add_argument("--cutout", type=int, default=0, help="side of the erased square (0: none)")
    parser.add_argument("--train-size", type=int, default=45000, help="fewer for a quick trial run")
    parser.add_argument("--test-size", type=int, default=10000, help="fewer for a quick trial run")
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(42)
    (x, y), (x_test, y_test) = datasets.load_cifar10()
    x, y = x[:args.train_size].astype("float32") / 255, y[:args.train_size].reshape(-1)
    x_test, y_test = x_test[:args.test_size].astype("float32") / 255, y_test[:args.test_size].reshape(-1)
    augmentation = [keras.layers.RandomFlip("horizontal", seed=42)]
    augmentation += [RandomPixelShift(args.shift, seed=42)] if args.shift else []
    augmentation += [Cutout(args.cutout, seed=3)] if args.cutout else []
    model = original_network(augmentation)
    steps = args.epochs * int(np.ceil(len(x) / 100))
    warmup = steps // 10
    schedule = keras.optimizers.schedules.CosineDecay(
        args.peak_learning_rate / 10, steps - warmup, warmup_target=args.peak_learning_rate,
        warmup_steps=warmup)
    model.compile(optimizer=keras.optimizers.Nadam(schedule, weight_decay=args.weight_decay or None),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])

    folder = ROOT / "artifacts" / "benchmarks" / "cifar_recipe"
    folder.mkdir(parents=True, exist_ok=True)
    log_file = open(folder / f"{args.name}.log", "a")

    def log(line):
        print(line, flush=True)
        print(line, file=log_file, flush=True)

    log(f"{args.name}: {vars(args)}, backend {keras.backend.backend()}")

    class Progress(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.time()

        def on_epoch_end(self, epoch, logs=None):
            test = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)[1] if epoch % 10 == 9 else None
            log(f"epoch {epoch + 1} {time.time() - self.start:.1f} s, training accuracy "
                f"{logs['accuracy']:.4f}" + (f", test accuracy {test:.4f}" if test is not None else ""))

    start = time.time()
    model.fit(x, y, batch_size=100, epochs=args.epochs, verbose=0, callbacks=[Progress()])
    plain = model.predict(x_test, batch_size=1000, verbose=0)
    mirrored = model.predict(x_test[:, :, ::-1], batch_size=1000, verbose=0)
    log(json.dumps({"name": args.name, "seconds": round(time.time() - start, 1),
                    "test": float(np.mean(plain.argmax(1) == y_test)),
                    "test_flip_tta": float(np.mean((plain + mirrored).argmax(1) == y_test))}))


if __name__ == "__main__":
    main()
