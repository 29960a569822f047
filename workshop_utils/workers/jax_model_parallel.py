"""Model parallelism with keras.distribution.ModelParallel: one layer's kernel split over devices.

Run under the JAX backend with several devices; on a CPU, fake them with
XLA_FLAGS=--xla_force_host_platform_device_count=4 (workshop_utils.multiworker.model_parallel
does). The devices form a 2-D mesh: a "batch" axis (data parallelism) and a "model" axis. The
LayoutMap splits the wide layer's kernel by columns over the "model" axis, so each device holds a
slice of it. It trains briefly, then writes where each weight's slices live to --out/report.txt.
"""

import argparse
import os

import jax
import keras
import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("--data", required=True, help=".npz file with arrays x (images) and y (labels)")
parser.add_argument("--out", required=True, help="folder for the report")
parser.add_argument("--model-axis", type=int, default=2, help="devices sharing one model copy")
parser.add_argument("--units", type=int, default=2048, help="width of the layer that is split")
parser.add_argument("--epochs", type=int, default=1)
parser.add_argument("--examples", type=int, default=1024, help="how many images to train on")
args = parser.parse_args()
keras.utils.set_random_seed(42)

devices = jax.devices()
mesh = keras.distribution.DeviceMesh(
    shape=(len(devices) // args.model_axis, args.model_axis), axis_names=("batch", "model"), devices=devices
)
# Keys are regular expressions that must match a weight's whole path ("wide_mlp/wide/kernel");
# values name a mesh axis (or None: not split) per dimension of the weight.
layout_map = keras.distribution.LayoutMap(mesh)
layout_map[".*/wide/kernel"] = (None, "model")  # (784, units): columns split over "model"
layout_map[".*/wide/bias"] = ("model",)
layout_map[".*/logits/kernel"] = ("model", None)  # (units, 10): the matching rows
keras.distribution.set_distribution(keras.distribution.ModelParallel(layout_map=layout_map, batch_dim_name="batch"))

model = keras.Sequential(
    [
        keras.Input(shape=(28, 28, 1), name="image"),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Dense(args.units, activation="relu", name="wide"),
        keras.layers.Dense(10, activation="softmax", name="logits"),
    ],
    name="wide_mlp",
)
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])

with np.load(args.data) as data:
    x, y = data["x"][: args.examples].astype("float32"), data["y"][: args.examples].astype("int32")
batch = 32 * (len(devices) // args.model_axis)  # the batch is split over the "batch" axis
history = model.fit(x, y, batch_size=batch, epochs=args.epochs, verbose=0)

shape, loss = dict(zip(mesh.axis_names, mesh.shape)), history.history["loss"][-1]
lines = [f"{len(devices)} devices in a mesh of shape {shape}; loss {loss:.4f} after training"]
held = dict.fromkeys(range(len(devices)), 0)  # parameters each device holds
for variable in model.weights:
    array = variable.value
    where = {}  # a slice of the weight -> the devices that hold it
    for shard in array.addressable_shards:
        index = ", ".join(":" if part == slice(None) else f"{part.start or 0}:{part.stop}" for part in shard.index)
        where.setdefault((index, shard.data.shape), []).append(shard.device.id)
        held[shard.device.id] += shard.data.size
    lines.append(f"{variable.path:22s} {array.shape!s:11s} split as {array.sharding.spec}")
    for (index, part_shape), ids in sorted(where.items(), key=lambda item: item[1]):
        lines.append(f"    {'[' + index + ']':16s} {part_shape!s:12s} on devices {ids}")
lines.append(f"parameters per device: {held[0]:,} of {model.count_params():,}")
with open(os.path.join(args.out, "report.txt"), "w") as file:
    file.write("\n".join(lines) + "\n")
print("\n".join(lines))
