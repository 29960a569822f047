"""One process of a JAX data-parallel job: the MNIST convnet of notebook 12, trained with fit().

Run one copy per process; each reads JAX_COORDINATOR_ADDRESS (process 0's host:port),
JAX_NUM_PROCESSES and JAX_PROCESS_ID. jax.distributed joins the processes into one system whose
jax.devices() lists every process's devices; keras.distribution.DataParallel keeps a copy of the
weights on each and averages the gradients after every step. It writes its per-epoch losses,
epoch times and final weights to --out; process 0 saves the model there. Started by
workshop_utils.multiworker.train.
"""

import argparse
import json
import os
import time

import jax

# Join the job first, before any JAX computation (on a CPU the processes talk through gloo).
jax.distributed.initialize(
    coordinator_address=os.environ["JAX_COORDINATOR_ADDRESS"],
    num_processes=int(os.environ["JAX_NUM_PROCESSES"]),
    process_id=int(os.environ["JAX_PROCESS_ID"]),
)

import keras  # noqa: E402 (after jax.distributed, on purpose)
import numpy as np  # noqa: E402

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True, help=".npz file with arrays x (images) and y (labels)")
parser.add_argument("--out", required=True, help="folder for this job's results")
parser.add_argument("--epochs", type=int, default=2)
parser.add_argument("--batch-size", type=int, default=128, help="per process")
parser.add_argument("--learning-rate", type=float, default=1e-3)
parser.add_argument("--seed", type=int, default=42)
args = parser.parse_args()

worker, workers = jax.process_index(), jax.process_count()
global_batch = args.batch_size * workers
keras.utils.set_random_seed(args.seed)  # the same initial weights in every process

# One replica per device of every process. auto_shard_dataset=False: each process feeds its own
# shard, and Keras assembles the global batch from the processes' batches.
keras.distribution.set_distribution(keras.distribution.DataParallel(devices=jax.devices(), auto_shard_dataset=False))

with np.load(args.data) as data:
    x, y = data["x"].astype("float32"), data["y"].astype("int32")
usable = len(x) // global_batch * global_batch  # whole global batches: the same steps everywhere
x, y = x[:usable][worker::workers], y[:usable][worker::workers]  # this process's shard
steps = len(x) // args.batch_size

model = keras.Sequential(
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
model.compile(
    optimizer=keras.optimizers.Adam(learning_rate=args.learning_rate),
    loss="sparse_categorical_crossentropy",
    metrics=["accuracy"],
)


class EpochTimer(keras.callbacks.Callback):
    # Seconds per epoch, and one line per epoch in this process's log.
    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self.start)
        print(
            f"worker {worker}: epoch {epoch + 1} loss {logs['loss']:.4f} ({steps} steps, {self.seconds[-1]:.2f} s)",
            flush=True,
        )


timer = EpochTimer()
# batch_size is this process's share of the global batch; the loss in the logs is the global one.
history = model.fit(x, y, batch_size=args.batch_size, epochs=args.epochs, verbose=0, callbacks=[timer])

weights = model.get_weights()  # replicated on every device, so each process holds them whole
# Every process saves (when only process 0 did, tried with JAX 0.10.2, its save never finished);
# only the chief writes where others look.
model.save(os.path.join(args.out, "model.keras" if worker == 0 else f"worker_{worker}.keras"))
np.savez(os.path.join(args.out, f"worker_{worker}_weights.npz"), *weights)
report = {
    "worker": worker,
    "workers": workers,
    "replicas": len(jax.devices()),
    "global_batch": global_batch,
    "steps_per_epoch": steps,
    "losses": history.history["loss"],
    "epoch_seconds": timer.seconds,
}
with open(os.path.join(args.out, f"worker_{worker}.json"), "w") as file:
    json.dump(report, file)
print(f"worker {worker}: done", flush=True)
