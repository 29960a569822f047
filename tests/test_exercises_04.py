"""Exercises of notebook 04: a run in its own log folder (04.1), the better run read from the logs (04.2).

Most tests write event files with tf.summary directly, in the layout Keras' TensorBoard callback uses
(run/train and run/validation, one value per epoch), so every case is exact and fast; a few train a tiny
model with the real callback. The check of 04.1 holds the notebook's test rows: here tiny ones (patched in
for every test). Notebook 04 needs TensorFlow: these tests run under its backend.
"""

import math
import tempfile
from pathlib import Path

import workshop_utils  # noqa: F401  (first: it loads Keras quietly)
from workshop_utils import exercises
from workshop_utils.course import backends
from workshop_utils.exercises import nb04
from workshop_utils.exercises._core import ExerciseNotPassed
from workshop_utils.tensorboard_logs import read_scalars

import keras
import numpy as np
import pandas as pd
import pytest
from exercise_helpers import wrong

tf = pytest.importorskip("tensorflow")
pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason=backends.skip_reason("04_tensorboard") or ""
)

FEATURES = 4


def rows(count, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(count, FEATURES)).astype("float32")
    return x, (x[:, 0] > 0).astype("int64")


X_TRAIN, Y_TRAIN = rows(64, 0)
X_TEST, Y_TEST = rows(40, 1)


@pytest.fixture(autouse=True)
def held_test(monkeypatch):
    monkeypatch.setattr(nb04, "_held_test", lambda: (X_TEST, Y_TEST))


def write_run(folder, val_accuracy, train_accuracy=None, learning_rate=1e-2, splits=("train", "validation"), loss=None):
    """Write epoch_loss / epoch_accuracy (and the learning rate for train) per epoch, as the callback does."""
    train_accuracy = train_accuracy or [a + 0.05 for a in val_accuracy]
    loss = loss or [1.0 / (step + 1) for step in range(len(val_accuracy))]
    for split in splits:
        writer = tf.summary.create_file_writer(str(folder / split))
        with writer.as_default():
            for step, accuracy in enumerate(val_accuracy if split == "validation" else train_accuracy):
                tf.summary.scalar("epoch_loss", loss[step], step=step)
                tf.summary.scalar("epoch_accuracy", accuracy, step=step)
                if split == "train":
                    tf.summary.scalar("epoch_learning_rate", learning_rate, step=step)
        writer.close()


def tiny_model(learning_rate=1e-2):
    model = keras.Sequential([keras.Input(shape=(FEATURES,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def history_with(val_accuracy, learning_rate=1e-2):
    """A History as fit returns it, of a compiled model with the given learning rate (no training)."""
    history = keras.callbacks.History()
    history.set_model(tiny_model(learning_rate))
    history.history = {
        "loss": [1.0] * len(val_accuracy),
        "val_accuracy": list(val_accuracy),
        "val_loss": [1.0 / (step + 1) for step in range(len(val_accuracy))],
    }
    history.epoch = list(range(len(val_accuracy)))
    return history


def real_run(folder, learning_rate=1e-2, **fit_options):
    """Train the tiny model for 2 epochs with the real TensorBoard callback logging into ``folder``."""
    keras.utils.set_random_seed(0)
    model = tiny_model(learning_rate)
    callback = keras.callbacks.TensorBoard(log_dir=str(folder))
    fit_options = fit_options or {"validation_split": 0.25}
    return model.fit(X_TRAIN, Y_TRAIN, epochs=2, callbacks=[callback], verbose=0, **fit_options)


VAL = [0.80, 0.85, 0.90]


def notebook_logs(folder):
    """A log folder with the notebook's two runs."""
    write_run(folder / "dropout", [0.70, 0.80, 0.86], [0.70, 0.85, 0.90], learning_rate=1e-3)
    write_run(folder / "no_dropout", [0.75, 0.84, 0.84], [0.80, 0.92, 0.97], learning_rate=1e-3)
    return folder


@pytest.fixture
def logs(tmp_path):
    return notebook_logs(tmp_path)


# Folders for the wrong answers' logs, removed when the tests end.
SCRATCH = tempfile.TemporaryDirectory(prefix="test_04_")


def new_logs():
    return notebook_logs(Path(tempfile.mkdtemp(dir=SCRATCH.name)))


# --- 04.1 ----------------------------------------------------------------------------------------------


def test_04_1_a_run_in_its_own_folder_passes(logs):
    write_run(logs / "lr_1e-2", VAL)
    verdict = exercises.check("04.1", logs, "lr_1e-2", history_with(VAL), strict=True)
    assert verdict.passed and "once per epoch (3 epochs)" in verdict.message


def test_04_1_the_real_callback_passes(logs):
    history = real_run(logs / "lr_1e-2")
    assert exercises.check("04.1", logs, "lr_1e-2", history, strict=True).passed


def test_04_1_not_started(logs):
    assert exercises.check("04.1", logs, "lr_1e-2", None).status == "not started"
    assert exercises.check("04.1", None, "lr_1e-2", history_with(VAL)).status == "not started"


def test_04_1_two_runs_in_one_folder(logs):
    write_run(logs / "lr_1e-2", VAL)
    write_run(logs / "lr_1e-2", VAL)
    verdict = exercises.check("04.1", logs, "lr_1e-2", history_with(VAL))
    assert verdict.status == "not yet" and "two runs wrote into the same folder" in verdict.message


def test_04_1_no_validation(logs):
    write_run(logs / "lr_1e-2", VAL, splits=("train",))
    verdict = exercises.check("04.1", logs, "lr_1e-2", history_with(VAL))
    assert verdict.status == "not yet" and "validation_split" in verdict.message


def test_04_1_wrong_learning_rate_fails_strictly(logs):
    write_run(logs / "lr_1e-2", VAL, learning_rate=1e-3)
    with pytest.raises(ExerciseNotPassed, match="learning rate 0.001"):
        exercises.check("04.1", logs, "lr_1e-2", history_with(VAL), strict=True)


def test_04_1_history_of_a_shorter_run(logs):
    write_run(logs / "lr_1e-2", VAL)
    verdict = exercises.check("04.1", logs, "lr_1e-2", history_with(VAL[:2]))
    assert verdict.status == "not yet" and "history has 2 epochs" in verdict.message


def logged(run_name, values, history_values=VAL, straight=False, **options):
    """Write a run into a fresh notebook log folder; return the check's arguments."""
    folder = new_logs()
    write_run(folder if straight else folder / run_name, values, **options)
    return folder, "lr_1e-2", history_with(history_values, options.get("learning_rate", 1e-2))


def validated_on_test():
    folder = new_logs()
    return folder, "lr_1e-2", real_run(folder / "lr_1e-2", validation_data=(X_TEST, Y_TEST))


# --- 04.2 ----------------------------------------------------------------------------------------------


def validation_rows(logs_dir, tag="epoch_accuracy"):
    scalars = read_scalars(logs_dir)
    return scalars[(scalars["tag"] == tag) & scalars["run"].str.endswith("/validation")]


def final_accuracies(logs_dir):
    """The right answer: each run's last validation epoch_accuracy, NaN included."""
    last = validation_rows(logs_dir).sort_values("step").groupby("run").tail(1)
    return {run.removesuffix("/validation"): value for run, value in zip(last["run"], last["value"])}


def best_run(logs_dir):
    """The right answer: the highest final accuracy; idxmax skips NaN."""
    return pd.Series(final_accuracies(logs_dir)).idxmax()


def first_epoch(logs_dir):
    first = validation_rows(logs_dir).sort_values("step").groupby("run").head(1)
    return {run.removesuffix("/validation"): value for run, value in zip(first["run"], first["value"])}


def best_epoch(logs_dir):
    best = validation_rows(logs_dir).groupby("run")["value"].max()
    return {run.removesuffix("/validation"): value for run, value in best.items()}


def training_folders(logs_dir):
    scalars = read_scalars(logs_dir)
    train = scalars[(scalars["tag"] == "epoch_accuracy") & scalars["run"].str.endswith("/train")]
    last = train.sort_values("step").groupby("run").tail(1)
    return {run.removesuffix("/train"): value for run, value in zip(last["run"], last["value"])}


def any_accuracy_tag(logs_dir):
    """Every tag with "accuracy" in it: the evaluation_accuracy_vs_iterations steps come last."""
    scalars = read_scalars(logs_dir)
    found = scalars[scalars["tag"].str.contains("accuracy") & scalars["run"].str.endswith("/validation")]
    last = found.sort_values("step").groupby("run").tail(1)
    return {run.removesuffix("/validation"): value for run, value in zip(last["run"], last["value"])}


def last_skipping_nan(logs_dir):
    """groupby().last() skips NaN: a diverged run gets its epoch before the NaN."""
    last = validation_rows(logs_dir).sort_values("step").groupby("run")["value"].last()
    return {run.removesuffix("/validation"): value for run, value in last.items()}


def plain_max(logs_dir):
    table = final_accuracies(logs_dir)
    return max(table, key=table.get)


def lowest(logs_dir):
    return pd.Series(final_accuracies(logs_dir)).idxmin()


COPIED = {"dropout": 0.86, "no_dropout": 0.84}


def test_04_2_functions_of_the_logs_folder_pass(logs):
    verdict = exercises.check("04.2", final_accuracies, best_run, logs, strict=True)
    assert verdict.passed and "a folder of runs it had not seen" in verdict.message


def test_04_2_run_folders_as_keys_and_a_series_pass(logs):
    def as_series(logs_dir):
        last = validation_rows(logs_dir).sort_values("step").groupby("run").tail(1)
        return pd.Series(list(last["value"]), index=list(last["run"]))

    assert exercises.check("04.2", as_series, best_run, logs).passed


def test_04_2_leaving_a_diverged_run_out_passes(logs):
    def finite_only(logs_dir):
        return {run: value for run, value in final_accuracies(logs_dir).items() if math.isfinite(value)}

    def best(logs_dir):
        table = finite_only(logs_dir)
        return max(table, key=table.get)

    assert exercises.check("04.2", finite_only, best, logs).passed


def test_04_2_not_started(logs):
    assert exercises.check("04.2", None, None, logs).status == "not started"
    assert exercises.check("04.2", final_accuracies, None, logs).status == "not started"


def test_04_2_empty_logs(tmp_path):
    verdict = exercises.check("04.2", final_accuracies, best_run, tmp_path)
    assert verdict.status == "not yet" and "no validation accuracy" in verdict.message


def test_04_2_the_unseen_runs_differ_every_time(tmp_path):
    names = [nb04.write_unseen_runs(tmp_path / str(seed), np.random.default_rng(seed)) for seed in (1, 2)]
    assert names[0] != names[1]
    table = final_accuracies(tmp_path / "1")
    assert math.isnan(table[names[0][0]]) and list(table)[0] == names[0][0]
    assert sum(math.isfinite(value) for value in table.values()) == 4


def test_04_2_a_function_that_fails_is_not_yet(logs):
    def broken(logs_dir):
        raise KeyError("value")

    verdict = exercises.check("04.2", broken, best_run, logs)
    assert verdict.status == "not yet" and "stopped with KeyError" in verdict.message


WRONG = [
    # 04.1
    wrong("04.1", "test-data", "fit validated on the test rows", "fit validated on x_test", validated_on_test),
    wrong(
        "04.1",
        "nan",
        "a diverged run: NaN losses in the logs",
        "NaN or infinite",
        lambda: logged("lr_1e-2", VAL, loss=[0.5, math.nan, math.nan]),
    ),
    wrong(
        "04.1",
        "form",
        "the run wrote straight into logs_dir",
        "its own sub-folder",
        lambda: logged("lr_1e-2", VAL, straight=True),
    ),
    wrong("04.1", "form", "the run's folder has another name", "no folder 'lr_1e-2'", lambda: logged("lr_0.01", VAL)),
    wrong(
        "04.1",
        "wrong-way",
        "the run kept the notebook's learning rate",
        "learning rate 0.001",
        lambda: logged("lr_1e-2", VAL, learning_rate=1e-3),
    ),
    wrong(
        "04.1",
        "wrong-way",
        "the history of another run",
        "does not match the logs",
        lambda: logged("lr_1e-2", VAL, history_values=[0.1, 0.2, 0.3]),
    ),
    # 04.2
    wrong(
        "04.2",
        "copied",
        "a table copied from the printed output",
        "copied from the output",
        lambda: (lambda logs_dir: dict(COPIED), best_run, new_logs()),
    ),
    wrong(
        "04.2",
        "copied",
        "the better run's name copied from the printed output",
        "does not pick",
        lambda: (final_accuracies, lambda logs_dir: "dropout", new_logs()),
    ),
    wrong("04.2", "form", "each run's first epoch", "first epoch's", lambda: (first_epoch, best_run, new_logs())),
    wrong(
        "04.2",
        "form",
        "each run's best epoch, not its last",
        "best epoch's",
        lambda: (best_epoch, best_run, new_logs()),
    ),
    wrong(
        "04.2",
        "form",
        "the training folders' accuracy",
        "training accuracy",
        lambda: (training_folders, best_run, new_logs()),
    ),
    wrong(
        "04.2",
        "form",
        "every accuracy tag, evaluation_accuracy_vs_iterations included",
        "exactly epoch_accuracy",
        lambda: (any_accuracy_tag, best_run, new_logs()),
    ),
    wrong(
        "04.2",
        "nan",
        "max() keeps the diverged run whose accuracy is NaN",
        "NaN",
        lambda: (final_accuracies, plain_max, new_logs()),
    ),
    wrong(
        "04.2",
        "nan",
        "groupby().last() gives the diverged run its epoch before the NaN",
        "ends with NaN",
        lambda: (last_skipping_nan, best_run, new_logs()),
    ),
    wrong(
        "04.2",
        "wrong-way",
        "the run with the lowest final accuracy",
        "does not pick",
        lambda: (final_accuracies, lowest, new_logs()),
    ),
]


@pytest.mark.parametrize("case", WRONG, ids=str)
def test_wrong_answers_are_not_yet(case):
    case.assert_not_yet()
