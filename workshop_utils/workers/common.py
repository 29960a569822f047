"""What both worker programs share: their command line, the convnet they train (notebook 12's), and how
they hand their results back. The workers run as scripts, so they import this module from their own
folder (``import common``), without loading the rest of workshop_utils.
"""

import argparse
import json
import os


def parse_args(unit):
    """The command line of one worker; ``unit`` names what --batch-size is per ("worker", "process")."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True, help=".npz file with arrays x (images) and y (labels)")
    parser.add_argument("--out", required=True, help="folder for this job's results")
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=128, help=f"per {unit}")
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=42)
    return parser.parse_args()


def mnist_cnn(keras):
    """Notebook 12's MNIST convnet (``keras`` passed in: each worker imports it at its own moment)."""
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1), name="image"),
            keras.layers.Conv2D(16, kernel_size=3, activation="relu", name="conv_1"),
            keras.layers.MaxPooling2D(pool_size=2, name="pool_1"),
            keras.layers.Conv2D(32, kernel_size=3, activation="relu", name="conv_2"),
            keras.layers.MaxPooling2D(pool_size=2, name="pool_2"),
            keras.layers.Flatten(name="flatten"),
            keras.layers.Dropout(0.3, name="dropout"),
            keras.layers.Dense(10, name="logits"),
            keras.layers.Activation("softmax", dtype="float32", name="probabilities"),
        ],
        name="mnist_cnn",
    )


def write_results(out, worker, model, report):
    """Save the model, this worker's final weights and its report (losses, epoch times) into ``out``.

    Every worker saves (saving may need all of them; under JAX 0.10.2, when only process 0 saved, its save
    never finished); only the chief writes where the launcher looks for the model.
    """
    import numpy as np

    weights = model.get_weights()  # replicated, so each worker holds them whole
    model.save(os.path.join(out, "model.keras" if worker == 0 else f"worker_{worker}.keras"))
    np.savez(os.path.join(out, f"worker_{worker}_weights.npz"), *weights)
    with open(os.path.join(out, f"worker_{worker}.json"), "w") as file:
        json.dump({"worker": worker, **report}, file)
    print(f"worker {worker}: done", flush=True)
