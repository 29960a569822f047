"""Checks for notebook 04 (TensorBoard): a run in its own log folder, the better run read from the logs.

The checks read the event files back with ``workshop_utils.tensorboard_logs.read_scalars``.
"""
from pathlib import Path

import numpy as np

from ._common import given, history_values
from ._core import NotYet, exercise

EPOCH_TAGS = ("epoch_loss", "epoch_accuracy")


def _logs_dir(value, what="logs_dir"):
    folder = Path(given(value, what))
    if not folder.is_dir():
        raise NotYet(f"{what} ({folder}) is not a folder: pass the folder that holds one sub-folder per run.")
    return folder


def _scalars(folder):
    from ..tensorboard_logs import read_scalars

    return read_scalars(folder)


def final_validation_accuracy(scalars):
    """Return ``{run: last epoch_accuracy of run/validation}`` from a table of ``read_scalars``."""
    rows = scalars[(scalars["tag"] == "epoch_accuracy") & scalars["run"].str.endswith("/validation")]
    last = rows.sort_values("step").groupby("run")["value"].last()
    return {run[: -len("/validation")]: float(value) for run, value in last.items()}


@exercise("04.1", "a third run in its own folder")
def check_own_run(logs_dir, run_name, history, learning_rate=1e-2):
    """The run logged epoch loss and accuracy, for train and validation, once per epoch, in logs_dir/run_name."""
    logs_dir = _logs_dir(logs_dir)
    run_name = str(given(run_name, "run_name"))
    epochs = len(history_values(history, "val_accuracy"))
    if (logs_dir / "train").is_dir() or (logs_dir / "validation").is_dir():
        raise NotYet("a run wrote its train/validation folders straight into logs_dir: give every run its own "
                     "sub-folder, log_dir=logs_dir / run_name, so that TensorBoard can tell runs apart.")
    run_dir = logs_dir / run_name
    if not run_dir.is_dir():
        raise NotYet(f"there is no folder {run_name!r} in logs_dir: give the callback "
                     "log_dir=str(logs_dir / run_name).")
    scalars = _scalars(run_dir)
    for split in ("train", "validation"):
        for tag in EPOCH_TAGS:
            steps = sorted(scalars[(scalars["run"] == split) & (scalars["tag"] == tag)]["step"])
            if not steps:
                hint = " Pass validation_split=0.1 to fit." if split == "validation" else ""
                raise NotYet(f"{run_name}/{split} holds no {tag}.{hint}")
            if len(steps) != len(set(steps)):
                raise NotYet(f"{run_name}/{split} holds {tag} twice for some epochs: two runs wrote into the same "
                             "folder. Give a new run a new name, or empty its folder before you train again.")
            if steps != list(range(epochs)):
                raise NotYet(f"{run_name}/{split} holds {len(steps)} values of {tag}, but the history has "
                             f"{epochs} epochs: pass the history of the run that wrote this folder.")
    logged = scalars[(scalars["run"] == "validation") & (scalars["tag"] == "epoch_accuracy")]
    last_logged = float(logged.sort_values("step")["value"].iloc[-1])
    if not np.isclose(last_logged, history.history["val_accuracy"][-1], atol=1e-5):
        raise NotYet("the history does not match the logs in this folder: pass the history of the run you "
                     "logged there.")
    rates = scalars[(scalars["run"] == "train") & (scalars["tag"] == "epoch_learning_rate")]["value"]
    if len(rates) and not np.allclose(rates, learning_rate, rtol=1e-3):
        raise NotYet(f"this run trained with learning rate {float(rates.iloc[-1]):g}; the exercise asks for "
                     f"{learning_rate:g}. Pass it to the optimizer (keras.optimizers.Adam(learning_rate=...)).")
    return (f"run {run_name!r}: epoch_loss and epoch_accuracy for train and validation, once per epoch "
            f"({epochs} epochs).")


@exercise("04.2", "the better run, read from the event files")
def check_best_from_logs(logs_dir, final_accuracy, best_run):
    """A table {run: final validation accuracy} read from the event files, and the run it ranks first."""
    logs_dir = _logs_dir(logs_dir)
    final_accuracy = given(final_accuracy, "final_accuracy_from_logs")
    best_run = given(best_run, "best_run_from_logs")
    if not isinstance(final_accuracy, dict):
        try:  # a pandas Series works too
            final_accuracy = dict(final_accuracy.items())
        except AttributeError:
            raise NotYet("final_accuracy_from_logs should be a dict {run name: accuracy}.") from None
    answer = {str(run).removesuffix("/validation"): value for run, value in final_accuracy.items()}
    scalars = _scalars(logs_dir)
    truth = final_validation_accuracy(scalars)
    if not truth:
        raise NotYet("logs_dir holds no validation accuracy: run the training cells above first.")
    if any(str(run).endswith("/train") for run in answer):
        raise NotYet("your table holds runs of the train folders: the comparison uses the validation folders.")
    missing = sorted(set(truth) - set(answer))
    if missing:
        raise NotYet(f"your table misses the run(s) {', '.join(missing)}: read every run in logs_dir.")
    extra = sorted(set(answer) - set(truth))
    if extra:
        raise NotYet(f"logs_dir holds no validation folder for {', '.join(extra)}.")
    rows = scalars[scalars["tag"] == "epoch_accuracy"]
    for run, value in answer.items():
        if np.isclose(float(value), truth[run], atol=1e-6):
            continue
        first = rows[rows["run"] == f"{run}/validation"].sort_values("step")["value"].iloc[0]
        train = rows[rows["run"] == f"{run}/train"].sort_values("step")["value"]
        if np.isclose(float(value), first, atol=1e-6):
            raise NotYet(f"the value for {run!r} is its first epoch's: take the last epoch (the highest step).")
        if len(train) and np.isclose(float(value), train.iloc[-1], atol=1e-6):
            raise NotYet(f"the value for {run!r} is its training accuracy: read the validation folder.")
        raise NotYet(f"the value for {run!r} is not the last epoch_accuracy in its validation folder.")
    best = max(truth, key=truth.get)
    if str(best_run) != best and not np.isclose(truth.get(str(best_run), -1), truth[best]):
        raise NotYet(f"{best_run!r} is not the run with the highest final validation accuracy in your table.")
    return f"{len(truth)} runs read from the event files; {best_run!r} has the best final validation accuracy."
