"""One worker of a MultiWorkerMirroredStrategy job: the MNIST convnet of notebook 12, a custom loop.

Run one copy per worker; each reads TF_CONFIG (which lists the cluster and says which worker it is).
Keras 3.15's fit() fails with two or more workers (Keras issue #20585), so this worker trains with
a custom loop around strategy.run. It writes its per-epoch losses, epoch times and final weights to
--out; the chief (worker 0) saves the model there. Started by workshop_utils.multiworker.train.
"""

import time

import common  # this folder's shared pieces: command line, convnet, results
import tensorflow as tf

# Create the strategy first, before any other TensorFlow operation: it sets up the collective ops.
strategy = tf.distribute.MultiWorkerMirroredStrategy()

import keras  # noqa: E402 (after the strategy, on purpose)
import numpy as np  # noqa: E402

args = common.parse_args("worker")

resolver = strategy.cluster_resolver
worker = resolver.task_id if resolver.task_type else 0  # 0 without TF_CONFIG: a cluster of one
workers = len(resolver.cluster_spec().as_dict().get("worker", [0]))
replicas = strategy.num_replicas_in_sync  # one per worker on CPUs; one per GPU with GPUs
global_batch = args.batch_size * replicas
keras.utils.set_random_seed(args.seed)  # the strategy also copies worker 0's initial weights

with np.load(args.data) as data:
    x, y = data["x"].astype("float32"), data["y"].astype("int32")


def make_dataset(input_context):
    # Each worker reads its own shard (every n-th example) and batches its share of the global
    # batch. drop_remainder: a worker that runs one step more than the others waits forever.
    shard = tf.data.Dataset.from_tensor_slices((x, y)).shard(
        input_context.num_input_pipelines, input_context.input_pipeline_id
    )
    per_replica_batch = input_context.get_per_replica_batch_size(global_batch)
    return shard.shuffle(len(x), seed=args.seed).batch(per_replica_batch, drop_remainder=True)


dataset = strategy.distribute_datasets_from_function(make_dataset)

with strategy.scope():  # variables created here are mirrored on every replica of every worker
    model = common.mnist_cnn(keras)
    optimizer = keras.optimizers.Adam(learning_rate=args.learning_rate)
    optimizer.build(model.trainable_variables)  # its slots too must be created inside the scope
loss_fn = keras.losses.SparseCategoricalCrossentropy(reduction=None)  # one loss per example


def replica_step(images, labels):
    with tf.GradientTape() as tape:
        probabilities = model(images, training=True)
        # Summed over this replica's examples, divided by the GLOBAL batch: the all-reduce of
        # the gradients then adds up to the gradient of the mean loss over the global batch.
        per_example = loss_fn(labels, probabilities)
        loss = tf.nn.compute_average_loss(per_example, global_batch_size=global_batch)
    gradients = tape.gradient(loss, model.trainable_variables)
    # Inside strategy.run, apply_gradients sums the gradients of all replicas, then updates.
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss


@tf.function
def train_step(images, labels):
    per_replica_loss = strategy.run(replica_step, args=(images, labels))
    # The mean loss over the global batch: a sum over every replica of every worker.
    return strategy.reduce(tf.distribute.ReduceOp.SUM, per_replica_loss, axis=None)


losses, seconds = [], []
for epoch in range(args.epochs):
    start, total, steps = time.perf_counter(), 0.0, 0
    for images, labels in dataset:
        total += float(train_step(images, labels))
        steps += 1
    seconds.append(time.perf_counter() - start)
    losses.append(total / steps)
    print(f"worker {worker}: epoch {epoch + 1} loss {losses[-1]:.4f} ({steps} steps, {seconds[-1]:.2f} s)", flush=True)

report = {
    "workers": workers,
    "replicas": replicas,
    "global_batch": global_batch,
    "steps_per_epoch": steps,
    "losses": losses,
    "epoch_seconds": seconds,
}
common.write_results(args.out, worker, model, report)
