"""Exercises of notebook 04: a run in its own log folder (04.1), the better run read from the logs (04.2).

Most tests write event files with tf.summary directly, in the layout Keras' TensorBoard callback uses
(run/train and run/validation, one value per epoch), so every case is exact and fast; one test trains a
tiny model with the real callback. Notebook 04 needs TensorFlow: these tests run under its backend.
"""
import numpy as np
import pytest

import workshop_utils  # noqa: F401  (first: it loads Keras quietly)
import keras
from workshop_utils import config, exercises
from workshop_utils.exercises._core import ExerciseNotPassed

tf = pytest.importorskip("tensorflow")
pytestmark = pytest.mark.skipif(keras.backend.backend() != "tensorflow",
                                reason=config.skip_reason("04_tensorboard", keras.backend.backend()) or "")

EPOCHS = 3


def write_run(folder, val_accuracy, train_accuracy=None, learning_rate=1e-2, splits=("train", "validation")):
    """Write epoch_loss / epoch_accuracy (and the learning rate for train) per epoch, as the callback does."""
    train_accuracy = train_accuracy or [a + 0.05 for a in val_accuracy]
    for split in splits:
        writer = tf.summary.create_file_writer(str(folder / split))
        with writer.as_default():
            for step, accuracy in enumerate(val_accuracy if split == "validation" else train_accuracy):
                tf.summary.scalar("epoch_loss", 1.0 / (step + 1), step=step)
                tf.summary.scalar("epoch_accuracy", accuracy, step=step)
                if split == "train":
                    tf.summary.scalar("epoch_learning_rate", learning_rate, step=step)
        writer.close()


def history_with(val_accuracy):
    history = keras.callbacks.History()
    history.set_model(keras.Sequential([keras.Input(shape=(2,)), keras.layers.Dense(1)]))
    history.history = {"loss": [1.0] * len(val_accuracy), "val_accuracy": list(val_accuracy)}
    history.epoch = list(range(len(val_accuracy)))
    return history


VAL = [0.80, 0.85, 0.90]


@pytest.fixture
def logs(tmp_path):
    """A log folder with the notebook's two runs."""
    write_run(tmp_path / "dropout", [0.70, 0.80, 0.86], [0.70, 0.85, 0.90], learning_rate=1e-3)
    write_run(tmp_path / "no_dropout", [0.75, 0.84, 0.84], [0.80, 0.92, 0.97], learning_rate=1e-3)
    return tmp_path


# --- 04.1 ----------------------------------------------------------------------------------------------


def test_04_1_a_run_in_its_own_folder_passes(logs):
    write_run(logs / "lr_1e-2", VAL)
    verdict = exercises.check("04.1", logs, "lr_1e-2", history_with(VAL), strict=True)
    assert verdict.passed and "once per epoch (3 epochs)" in verdict.message


def test_04_1_the_real_callback_passes(logs):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype(int)
    model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    callback = keras.callbacks.TensorBoard(log_dir=str(logs / "lr_1e-2"))
    history = model.fit(x, y, validation_split=0.25, epochs=2, callbacks=[callback], verbose=0)
    assert exercises.check("04.1", logs, "lr_1e-2", history, strict=True).passed


def test_04_1_not_started(logs):
    assert exercises.check("04.1", logs, "lr_1e-2", None).status == "not started"
    assert exercises.check("04.1", None, "lr_1e-2", history_with(VAL)).status == "not started"


def test_04_1_no_folder_for_the_run(logs):
    verdict = exercises.check("04.1", logs, "lr_1e-2", history_with(VAL))
    assert verdict.status == "not yet" and "no folder 'lr_1e-2'" in verdict.message


def test_04_1_run_written_straight_into_logs_dir(logs):
    write_run(logs, VAL)
    verdict = exercises.check("04.1", logs, "lr_1e-2", history_with(VAL))
    assert verdict.status == "not yet" and "its own sub-folder" in verdict.message


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


def test_04_1_history_of_another_run(logs):
    write_run(logs / "lr_1e-2", VAL)
    verdict = exercises.check("04.1", logs, "lr_1e-2", history_with(VAL[:2]))
    assert verdict.status == "not yet" and "history has 2 epochs" in verdict.message
    verdict = exercises.check("04.1", logs, "lr_1e-2", history_with([0.1, 0.2, 0.3]))
    assert verdict.status == "not yet" and "does not match the logs" in verdict.message


# --- 04.2 ----------------------------------------------------------------------------------------------

RIGHT = {"dropout": 0.86, "no_dropout": 0.84}


def test_04_2_final_validation_accuracy_from_the_logs_passes(logs):
    verdict = exercises.check("04.2", logs, RIGHT, "dropout", strict=True)
    assert verdict.passed and "2 runs read" in verdict.message


def test_04_2_run_folders_as_keys_and_a_series_pass(logs):
    import pandas as pd

    answer = pd.Series({"dropout/validation": 0.86, "no_dropout/validation": 0.84})
    assert exercises.check("04.2", logs, answer, "dropout").passed


def test_04_2_not_started(logs):
    assert exercises.check("04.2", logs, None, None).status == "not started"
    assert exercises.check("04.2", logs, RIGHT, None).status == "not started"


@pytest.mark.parametrize("answer, phrase", [
    ({"dropout": 0.86}, "misses the run(s) no_dropout"),
    ({"dropout": 0.70, "no_dropout": 0.75}, "first epoch's"),
    ({"dropout": 0.90, "no_dropout": 0.97}, "training accuracy"),
    ({"dropout/train": 0.90, "no_dropout/train": 0.97}, "train folders"),
    ({"dropout": 0.5, "no_dropout": 0.84}, "not the last epoch_accuracy"),
    ({**RIGHT, "lr_1e-2": 0.9}, "no validation folder for lr_1e-2"),
])
def test_04_2_wrong_tables(logs, answer, phrase):
    verdict = exercises.check("04.2", logs, answer, "dropout")
    assert verdict.status == "not yet" and phrase in verdict.message


def test_04_2_wrong_best_run(logs):
    verdict = exercises.check("04.2", logs, RIGHT, "no_dropout")
    assert verdict.status == "not yet" and "not the run with the highest" in verdict.message


def test_04_2_empty_logs(tmp_path):
    verdict = exercises.check("04.2", tmp_path, RIGHT, "dropout")
    assert verdict.status == "not yet" and "no validation accuracy" in verdict.message
