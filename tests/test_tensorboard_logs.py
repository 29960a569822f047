"""TensorBoard logs: notebook 04 must leave per-epoch loss and accuracy for both runs, and read_scalars must read them.

This file runs on the pytest worker that runs notebooks/04_tensorboard.ipynb under nbval, after it
(conftest.py, RUN_TOGETHER): the logs of that run, in the folder its kernel was given, are reused when
the run finished (its self-check recorded its figures after the last event file). Otherwise (this file
run alone, or the notebook failed) the notebook is executed here, in the smoke profile, into a
temporary folder.
"""

import json
import math
import os
from pathlib import Path

from workshop_utils.course import config, paths
from workshop_utils.tensorboard_logs import read_scalars

import pytest
import runner

NAME = "04_tensorboard"
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / f"{NAME}.ipynb"
RUNS = ("dropout", "no_dropout")
SPLITS = ("train", "validation")
TAGS = ("epoch_loss", "epoch_accuracy")


def finished_smoke_logs(run_dir):
    """The logs folder of a complete smoke run of notebook 04 in ``run_dir``, or None.

    Complete: event files under ``04_tensorboard/logs`` and, written after all of them by the
    notebook's last step, its self-check figures, every one from the smoke profile.
    """
    folder = Path(run_dir) / NAME
    logdir, metrics = folder / "logs", folder / "metrics.json"
    events = list(logdir.rglob("events.out.tfevents.*"))
    if not events or not metrics.is_file():
        return None
    if metrics.stat().st_mtime < max(p.stat().st_mtime for p in events):
        return None
    entries = json.loads(metrics.read_text())
    if entries and all(entry.get("profile") == "smoke" for entry in entries):
        return logdir
    return None


def execute_notebook(notebook, run_dir, monkeypatch):
    """Execute a notebook in the smoke profile (working dir: its folder), its files under ``run_dir``."""
    import nbformat

    monkeypatch.setenv("WORKSHOP_PROFILE", "smoke")
    monkeypatch.setenv("WORKSHOP_RUN_DIR", str(run_dir))
    monkeypatch.delenv("WORKSHOP_METRICS_DIR", raising=False)
    nb = nbformat.read(notebook, as_version=4)
    runner.execute_notebook(nb, Path(notebook).parent)
    return Path(run_dir) / NAME / "logs"


def check_epoch_scalars(frame, runs, epochs):
    """Assert that every run has epoch_loss and epoch_accuracy for train and validation, one finite value per epoch."""
    for run in runs:
        for split in SPLITS:
            for tag in TAGS:
                rows = frame[(frame["run"] == f"{run}/{split}") & (frame["tag"] == tag)]
                assert sorted(rows["step"]) == list(range(epochs)), (
                    f"{run}/{split} {tag}: expected one value for each of {epochs} epochs, "
                    f"got steps {sorted(rows['step'])}"
                )
                assert all(math.isfinite(v) for v in rows["value"]), f"{run}/{split} {tag}: {list(rows['value'])}"


@pytest.fixture(scope="module")
def notebook_logs(request, tmp_path_factory):
    """The log folder of nbval's run of the notebook on this worker if it finished, else a new smoke run's."""
    for run_dir in reversed(getattr(request.config, "workshop_kernel_run_dirs", [])):
        logdir = finished_smoke_logs(run_dir)
        if logdir is not None:
            return logdir
    with pytest.MonkeyPatch.context() as monkeypatch:
        return execute_notebook(NOTEBOOK, tmp_path_factory.mktemp("run"), monkeypatch)


def test_finished_smoke_logs_wants_the_self_check_after_the_logs(tmp_path):
    """A run that stopped before its self-check, or another profile's run, is not reused."""
    folder = tmp_path / NAME
    event = folder / "logs" / "dropout" / "train" / "events.out.tfevents.1"
    event.parent.mkdir(parents=True)
    event.write_bytes(b"")
    assert finished_smoke_logs(tmp_path) is None  # no figures recorded: the run did not finish
    metrics = folder / "metrics.json"
    metrics.write_text(json.dumps([{"metric": "test_accuracy", "profile": "workshop"}]))
    assert finished_smoke_logs(tmp_path) is None  # not the smoke profile
    metrics.write_text(json.dumps([{"metric": "test_accuracy", "profile": "smoke"}]))
    assert finished_smoke_logs(tmp_path) == folder / "logs"
    os.utime(event, (metrics.stat().st_mtime + 5,) * 2)  # logs written after the figures: a later run
    assert finished_smoke_logs(tmp_path) is None


def test_notebook_logs_loss_and_accuracy_per_epoch_for_both_runs(notebook_logs):
    frame = read_scalars(notebook_logs)
    epochs = config.notebook_settings(NAME, "smoke").epochs
    assert epochs >= 2, "the smoke profile needs at least 2 epochs to show one value per epoch"
    check_epoch_scalars(frame, RUNS, epochs)


def test_notebook_logs_histograms_and_graph(notebook_logs):
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    for run in RUNS:
        acc = EventAccumulator(str(notebook_logs / run / "train"), size_guidance={"tensors": 0})
        acc.Reload()
        tags = acc.Tags()["tensors"]
        assert "hidden_1/kernel/histogram" in tags, f"{run}: no weight histograms (histogram_freq=1?): {tags}"
        assert "keras" in tags, f"{run}: no model graph (write_graph=True?): {tags}"


def _tiny_fit(logdir, epochs=2):
    import keras
    import numpy as np

    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    inputs = keras.Input(shape=(4,))
    outputs = keras.layers.Dense(2, activation="softmax")(keras.layers.Dense(8, activation="relu")(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    callback = keras.callbacks.TensorBoard(log_dir=str(logdir), histogram_freq=1, write_graph=True)
    return model.fit(x, y, epochs=epochs, batch_size=16, validation_split=0.25, callbacks=[callback], verbose=0)


def test_read_scalars_returns_what_fit_logged(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_ARTIFACTS", str(tmp_path))
    logdir = paths.artifacts_dir("unit", "logs")
    history = _tiny_fit(logdir / "tiny", epochs=2)
    frame = read_scalars(logdir)
    assert list(frame.columns) == ["run", "tag", "step", "value"]
    check_epoch_scalars(frame, ["tiny"], epochs=2)
    for split, prefix in [("train", ""), ("validation", "val_")]:
        for tag, key in [("epoch_loss", "loss"), ("epoch_accuracy", "accuracy")]:
            rows = frame[(frame["run"] == f"tiny/{split}") & (frame["tag"] == tag)].sort_values("step")
            assert list(rows["value"]) == pytest.approx(history.history[prefix + key], rel=1e-5)
    # Histograms and the model graph (tag "keras") are in the files but are not scalars.
    assert "keras" not in set(frame["tag"])
    assert not frame["tag"].str.contains("histogram").any()


def test_read_scalars_of_a_folder_without_event_files(tmp_path):
    frame = read_scalars(tmp_path)
    assert frame.empty
    assert list(frame.columns) == ["run", "tag", "step", "value"]


def test_read_scalars_of_a_missing_folder(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        read_scalars(tmp_path / "nothing")


def test_the_check_fails_without_the_callback(tmp_path):
    """The per-epoch check must fail when a run logged nothing (e.g. the callback was removed)."""
    _tiny_fit(tmp_path / "logs" / "dropout", epochs=2)
    frame = read_scalars(tmp_path / "logs")
    with pytest.raises(AssertionError, match="no_dropout/train epoch_loss"):
        check_epoch_scalars(frame, RUNS, epochs=2)
