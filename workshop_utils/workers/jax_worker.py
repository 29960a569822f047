"""One process of a JAX data-parallel job: the MNIST convnet of notebook 12, trained with fit().

Run one copy per process; each reads JAX_COORDINATOR_ADDRESS (process 0's host:port),
JAX_NUM_PROCESSES and JAX_PROCESS_ID. jax.distributed joins the processes into one system whose
jax.devices() lists every process's devices; keras.distribution.DataParallel keeps a copy of the
weights on each and averages the gradients after every step. It writes its per-epoch losses,
epoch times and final weights to --out; process 0 saves the model there. Started by
workshop_utils.multiworker.train.
"""

import os
import time

import common  # this folder's shared pieces: command line, convnet, results
import jax

# Join the job first, before any JAX computation (on a CPU the processes talk through gloo).
jax.distributed.initialize(
    coordinator_address=os.environ["JAX_COORDINATOR_ADDRESS"],
    num_processes=int(os.environ["JAX_NUM_PROCESSES"]),
    process_id=int(os.environ["JAX_PROCESS_ID"]),
)

import keras  # noqa: E402 (after jax.distributed, on purpose)
import numpy as np  # noqa: E402

args = common.parse_args("process")

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

model = common.mnist_cnn(keras)
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

report = {
    "workers": workers,
    "replicas": len(jax.devices()),
    "global_batch": global_batch,
    "steps_per_epoch": steps,
    "losses": history.history["loss"],
    "epoch_seconds": timer.seconds,
}
common.write_results(args.out, worker, model, report)
