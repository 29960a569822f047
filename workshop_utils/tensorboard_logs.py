"""Read TensorBoard event files back into a table, so a notebook can plot (and a test can check) them."""

from pathlib import Path

import pandas as pd


def read_scalars(logdir):
    """Return every scalar logged under ``logdir`` as a DataFrame.

    Columns: ``run`` (the sub-folder of logdir, e.g. ``dropout/train``), ``tag`` (e.g. ``epoch_loss``),
    ``step`` and ``value``. Keras' TensorBoard callback writes one ``train`` and one ``validation``
    folder per run.
    """
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.util.tensor_util import make_ndarray

    logdir = Path(logdir)
    if not logdir.is_dir():
        raise ValueError(f"Expected a folder of TensorBoard logs; {logdir} does not exist.")
    rows = []
    for folder in sorted({p.parent for p in logdir.rglob("events.out.tfevents.*")}):
        acc = EventAccumulator(str(folder), size_guidance={"tensors": 0, "scalars": 0})
        acc.Reload()
        run = folder.relative_to(logdir).as_posix()
        for tag in acc.Tags().get("tensors", []):
            for event in acc.Tensors(tag):
                value = make_ndarray(event.tensor_proto)
                if value.ndim == 0 and value.dtype.kind in "biuf":  # not histograms, graphs, model config
                    rows.append((run, tag, event.step, float(value)))
        for tag in acc.Tags().get("scalars", []):
            rows.extend((run, tag, e.step, e.value) for e in acc.Scalars(tag))
    return pd.DataFrame(rows, columns=["run", "tag", "step", "value"])
