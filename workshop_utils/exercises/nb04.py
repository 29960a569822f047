"""Checks for notebook 04 (TensorBoard): a run in its own log folder, the better run read from the logs.

The checks read the event files back with ``workshop_utils.tensorboard_logs.read_scalars``. 04.1 also holds
the notebook's test rows, to tell whether a run validated on them. 04.2 asks for functions that read a logs
folder, and calls them on a folder of runs that the check writes itself (names and figures the learner has
not seen) as well as on the notebook's own logs.
"""

import functools
import math
import secrets
import tempfile
from pathlib import Path

import numpy as np

from ._core import NotYet, exercise
from ._heldout import data_settings, image_split, mlp_rows
from ._judging import given, history_values, keras_model, model_loss, run_learner

NOTEBOOK = "04_tensorboard"
EPOCH_TAGS = ("epoch_loss", "epoch_accuracy")


@functools.lru_cache(maxsize=4)
def _test_rows(env):
    _, (x_test, y_test) = image_split("load_mnist", NOTEBOOK)
    return mlp_rows(x_test), y_test


def _held_test():
    """The notebook's test rows (784 pixels in [0, 1]) and labels, for the active profile (tests replace it)."""
    return _test_rows(data_settings())


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
    last = rows.sort_values("step", kind="stable").groupby("run").tail(1)  # not .last(): it skips NaN
    return {run[: -len("/validation")]: float(value) for run, value in zip(last["run"], last["value"])}


def _learning_rate(model):
    import keras

    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return None
    return float(keras.ops.convert_to_numpy(optimizer.learning_rate))


@exercise("04.1", "a third run in its own folder")
def check_own_run(logs_dir, run_name, history, learning_rate=1e-2):
    """The run logged finite epoch loss and accuracy, for train and validation, once per epoch, in
    logs_dir/run_name; it trained with the learning rate asked for and validated on training images."""
    logs_dir = _logs_dir(logs_dir)
    run_name = str(given(run_name, "run_name"))
    epochs = len(history_values(history, "val_accuracy"))
    model = getattr(history, "model", None)
    if model is None:
        raise NotYet("this history belongs to no model: pass what fit returned for the run.")
    keras_model(model, "the model of this run")
    if (logs_dir / "train").is_dir() or (logs_dir / "validation").is_dir():
        raise NotYet(
            "a run wrote its train/validation folders straight into logs_dir: give every run its own "
            "sub-folder, log_dir=logs_dir / run_name, so that TensorBoard can tell runs apart."
        )
    run_dir = logs_dir / run_name
    if not run_dir.is_dir():
        raise NotYet(
            f"there is no folder {run_name!r} in logs_dir: give the callback log_dir=str(logs_dir / run_name)."
        )
    scalars = _scalars(run_dir)
    epoch_rows = scalars[scalars["tag"].str.startswith("epoch_")]
    if not np.all(np.isfinite(epoch_rows["value"].to_numpy(dtype="float64"))):
        raise NotYet(
            f"the logs of {run_name!r} hold NaN or infinite values: the run diverged. Check the "
            "learning rate and the inputs, delete the run's folder, and train again."
        )
    for split in ("train", "validation"):
        for tag in EPOCH_TAGS:
            steps = sorted(scalars[(scalars["run"] == split) & (scalars["tag"] == tag)]["step"])
            if not steps:
                hint = " Pass validation_split=0.1 to fit." if split == "validation" else ""
                raise NotYet(f"{run_name}/{split} holds no {tag}.{hint}")
            if len(steps) != len(set(steps)):
                raise NotYet(
                    f"{run_name}/{split} holds {tag} twice for some epochs: two runs wrote into the same "
                    "folder. Give a new run a new name, or empty its folder before you train again."
                )
            if steps != list(range(epochs)):
                raise NotYet(
                    f"{run_name}/{split} holds {len(steps)} values of {tag}, but the history has "
                    f"{epochs} epochs: pass the history of the run that wrote this folder."
                )

    def last(split, tag):
        rows = scalars[(scalars["run"] == split) & (scalars["tag"] == tag)]
        return float(rows.sort_values("step")["value"].iloc[-1])

    if not np.isclose(last("validation", "epoch_accuracy"), history.history["val_accuracy"][-1], atol=1e-5):
        raise NotYet(
            "the history does not match the logs in this folder: pass the history of the run you logged there."
        )
    rate = _learning_rate(model)
    rates = scalars[(scalars["run"] == "train") & (scalars["tag"] == "epoch_learning_rate")]["value"]
    logged = [float(value) for value in rates] + ([rate] if rate is not None else [])
    for value in logged:
        if not np.isclose(value, learning_rate, rtol=1e-3):
            raise NotYet(
                f"this run trained with learning rate {value:g}; the exercise asks for {learning_rate:g}. "
                "Pass it to the optimizer (keras.optimizers.Adam(learning_rate=...))."
            )
    x_test, y_test = _held_test()
    try:
        test_loss = model_loss(model, x_test, y_test)
    except Exception as error:
        raise NotYet(
            f"the model of this run cannot read the notebook's test rows ({type(error).__name__}): "
            "train build_model's network on x_train, as the notebook does."
        ) from None
    validation_losses = [last("validation", "epoch_loss"), *(history.history.get("val_loss") or [])[-1:]]
    if any(np.isclose(value, test_loss, rtol=1e-4, atol=1e-7) for value in validation_losses):
        raise NotYet(
            "the validation figures of this run are the model's figures on the test set: fit validated "
            "on x_test. The test set stays unseen until the final evaluation; let validation_split=0.1 "
            "take the validation images from the training images."
        )
    return (
        f"run {run_name!r}: finite epoch_loss and epoch_accuracy for train and validation, once per epoch "
        f"({epochs} epochs), learning rate {learning_rate:g}, validated on training images."
    )


# --- 04.2: a folder of runs the learner has not seen ---------------------------------------------------

_RUN_WORDS = (
    "adam",
    "sgd",
    "wide",
    "narrow",
    "deep",
    "shallow",
    "dropout",
    "batchnorm",
    "l2",
    "momentum",
    "cosine",
    "warmup",
    "relu",
    "gelu",
    "tanh",
    "small_batch",
    "big_batch",
)


def _write_series(folder, values):
    """Write ``{tag: [(step, value), ...]}`` into an event file in ``folder``, as tf.summary does."""
    import tensorflow as tf

    writer = tf.summary.create_file_writer(str(folder))
    with writer.as_default():
        for tag, points in values.items():
            for step, value in points:
                tf.summary.scalar(tag, value, step=step)
    writer.flush()
    writer.close()


def write_unseen_runs(folder, rng):
    """Write a folder of runs in the layout of Keras' TensorBoard callback, with names and figures drawn from
    ``rng``: each run's last validation accuracy differs from its first, its best and its training one, and
    the validation folders also hold ``evaluation_accuracy_vs_iterations``. One run diverged: its last
    validation accuracy is NaN. Its name sorts first and it has the fewest epochs, so that it comes first
    whether a table is ordered by run or by last step (a plain max() then keeps it)."""
    words = list(rng.choice(_RUN_WORDS, size=4, replace=False))
    names = [f"b{index}_{word}_{int(rng.integers(10, 99))}" for index, word in enumerate(words)]
    names.insert(0, f"a_{rng.choice(_RUN_WORDS)}_diverged")
    finals = rng.permutation(np.linspace(0.62, 0.9, len(names) - 1) + rng.uniform(-0.01, 0.01, len(names) - 1))
    steps_per_epoch = int(rng.integers(20, 60))
    for index, name in enumerate(names):
        epochs = 3 if index == 0 else int(rng.integers(4, 7))  # the diverged run comes first in any order
        if index == 0:
            val = list(rng.uniform(0.5, 0.7, epochs - 1)) + [math.nan]
        else:
            final = float(finals[index - 1])
            # first, best and last epoch all differ: [first, lower ones..., best, last]
            val = [final + 0.02, *rng.uniform(0.3, final - 0.05, epochs - 3), final + 0.04, final]
        train = [min(0.999, value + rng.uniform(0.03, 0.09)) if math.isfinite(value) else math.nan for value in val]
        losses = [1.0 / (epoch + 1) + rng.uniform(0, 0.05) for epoch in range(epochs)]
        _write_series(
            folder / name / "train",
            {
                "epoch_accuracy": list(enumerate(train)),
                "epoch_loss": list(enumerate(losses)),
                "epoch_learning_rate": [(epoch, 1e-3) for epoch in range(epochs)],
            },
        )
        iterations = [((epoch + 1) * steps_per_epoch, rng.uniform(0.1, 0.99)) for epoch in range(epochs)]
        _write_series(
            folder / name / "validation",
            {
                "epoch_accuracy": list(enumerate(val)),
                "epoch_loss": list(enumerate(losses)),
                "evaluation_accuracy_vs_iterations": iterations,
                "evaluation_loss_vs_iterations": iterations,
            },
        )
    return names


def _as_table(answer, what):
    if answer is None:
        raise NotYet(f"{what} returns None: end it with return and the dict {{run name: accuracy}}.")
    if not isinstance(answer, dict):
        try:  # a pandas Series works too
            answer = dict(answer.items())
        except AttributeError:
            raise NotYet(
                f"{what} should return a dict {{run name: accuracy}}, not a {type(answer).__name__}."
            ) from None
    table = {}
    for run, value in answer.items():
        run = str(run)
        if run.endswith("/train"):
            raise NotYet(f"{what} returns runs of the train folders: the comparison uses the validation folders.")
        try:
            table[run.removesuffix("/validation")] = float(value)
        except (TypeError, ValueError):
            raise NotYet(f"{what} returns {type(value).__name__} values: give one number per run.") from None
    return table


def _judge_table(table, scalars, where, copied_runs=None):
    """NotYet unless ``table`` holds each run's last validation epoch_accuracy in the logs of ``scalars``."""
    truth = final_validation_accuracy(scalars)
    finite = {run: value for run, value in truth.items() if math.isfinite(value)}
    if copied_runs is not None and set(table) == set(copied_runs) and set(table) != set(truth):
        raise NotYet(
            f"on {where}, final_accuracies returns the runs of the notebook's logs: it should read "
            "the folder it is given. A table of figures copied from the output fails on any other "
            "logs."
        )
    missing = sorted(set(finite) - set(table))
    if missing:
        raise NotYet(f"on {where}, final_accuracies misses the run(s) {', '.join(missing)}: read every run folder.")
    extra = sorted(set(table) - set(truth))
    if extra:
        raise NotYet(
            f"on {where}, final_accuracies returns {', '.join(extra)}, which has no validation "
            "folder there: read the folder it is given."
        )
    rows = scalars[scalars["tag"] == "epoch_accuracy"]
    for run, value in sorted(table.items(), key=lambda item: not math.isfinite(truth[item[0]])):  # NaN runs last
        if not math.isfinite(truth[run]):
            if math.isfinite(value):
                raise NotYet(
                    f"on {where}, the run {run!r} ends with NaN, but final_accuracies gives it a "
                    "number: report the last epoch's figure (NaN), or leave that run out."
                )
            continue
        if np.isclose(value, truth[run], atol=1e-6):
            continue
        validation = rows[rows["run"] == f"{run}/validation"].sort_values("step")["value"]
        train = rows[rows["run"] == f"{run}/train"].sort_values("step")["value"]
        if not math.isfinite(value):
            raise NotYet(f"on {where}, final_accuracies gives {run!r} a NaN, but its last epoch has a number.")
        if np.isclose(value, validation.iloc[0], atol=1e-6):
            raise NotYet(
                f"on {where}, the value for {run!r} is its first epoch's: take the last epoch (the highest step)."
            )
        if np.isclose(value, validation.max(), atol=1e-6):
            raise NotYet(
                f"on {where}, the value for {run!r} is its best epoch's, not its last one's: sort by "
                "step and take the last value."
            )
        if len(train) and np.isclose(value, train.iloc[-1], atol=1e-6):
            raise NotYet(f"on {where}, the value for {run!r} is its training accuracy: read the validation folder.")
        raise NotYet(
            f"on {where}, the value for {run!r} is not the last epoch_accuracy in its validation "
            "folder: keep the rows whose tag is exactly epoch_accuracy."
        )
    return finite


def _judge_best(best, finite, truth, where):
    if best is None:
        raise NotYet("best_run_in returns None: end it with return and the name of the run.")
    best = str(best).removesuffix("/validation")
    winner = max(finite.values())
    if best in truth and not math.isfinite(truth[best]):
        raise NotYet(
            f"on {where}, best_run_in picks {best!r}, a run whose final accuracy is NaN (it diverged). "
            "Comparisons with NaN are always false, so max() can keep it: leave runs with NaN out "
            "before you rank (pandas' idxmax skips them)."
        )
    if best not in finite or not np.isclose(finite[best], winner, atol=1e-6):
        raise NotYet(f"on {where}, best_run_in does not pick the run with the highest final validation accuracy.")


@exercise("04.2", "the better run, read from the event files")
def check_best_from_logs(final_accuracies, best_run_in, logs_dir):
    """Two functions of a logs folder: ``final_accuracies`` ({run: last validation epoch_accuracy}) and
    ``best_run_in`` (the run with the highest one, never a NaN), called on the notebook's logs and on a folder
    of runs the check writes."""
    given(final_accuracies, "final_accuracies (your function)")
    given(best_run_in, "best_run_in (your function)")
    logs_dir = _logs_dir(logs_dir)
    for function, name in ((final_accuracies, "final_accuracies"), (best_run_in, "best_run_in")):
        if not callable(function):
            raise NotYet(
                f"{name} should be a function of a logs folder (def {name}(logs_dir): ...), not a "
                f"{type(function).__name__}."
            )
    scalars = _scalars(logs_dir)
    if not final_validation_accuracy(scalars):
        raise NotYet("logs_dir holds no validation accuracy: run the training cells above first.")
    table = _as_table(
        run_learner(final_accuracies, logs_dir, what="final_accuracies(logs_dir)"), "final_accuracies(logs_dir)"
    )
    finite = _judge_table(table, scalars, "logs_dir")
    truth = final_validation_accuracy(scalars)
    if not finite:
        raise NotYet("every run in logs_dir ends with NaN: train the runs again.")
    _judge_best(run_learner(best_run_in, logs_dir, what="best_run_in(logs_dir)"), finite, truth, "logs_dir")

    rng = np.random.default_rng(secrets.randbits(64))
    with tempfile.TemporaryDirectory(prefix="check_04_2_") as folder:
        folder = Path(folder)
        write_unseen_runs(folder, rng)
        unseen = _scalars(folder)
        what = "a folder of runs it has not seen"
        unseen_table = _as_table(run_learner(final_accuracies, folder, what="final_accuracies"), "final_accuracies")
        unseen_finite = _judge_table(unseen_table, unseen, what, copied_runs=table)
        _judge_best(
            run_learner(best_run_in, folder, what="best_run_in"), unseen_finite, final_validation_accuracy(unseen), what
        )
    return f"right on logs_dir ({len(truth)} runs) and on a folder of runs it had not seen, a diverged one among them."
