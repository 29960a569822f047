"""TensorBoard logs: notebook 04 must leave per-epoch loss and accuracy for both runs, and read_scalars must read them.

pytest runs the notebooks before the tests (pyproject testpaths), so the logs nbval just wrote under
artifacts/04_tensorboard/logs are reused when they are fresh and come from the smoke profile;
otherwise the notebook is executed here, in the smoke profile, into a temporary artifacts folder.
"""
import json
import math
from pathlib import Path

import pytest

from workshop_utils import checks, config, paths
from workshop_utils import runner
from workshop_utils.tensorboard_logs import read_scalars

NAME = "04_tensorboard"
NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / f"{NAME}.ipynb"
RUNS = ("dropout", "no_dropout")
SPLITS = ("train", "validation")
TAGS = ("epoch_loss", "epoch_accuracy")


def fresh_smoke_logs(logdir, notebook=NOTEBOOK):
    """Return True if a complete smoke run of the notebook wrote ``logdir`` after the notebook last changed."""
    events = list(Path(logdir).rglob("events.out.tfevents.*"))
    metrics = checks._metrics_file(NAME)  # written by the self-check, the notebook's last step
    if not events or not metrics.is_file():
        return False
    since = Path(notebook).stat().st_mtime
    oldest_event = min(p.stat().st_mtime for p in events)
    if oldest_event < since or metrics.stat().st_mtime < max(p.stat().st_mtime for p in events):
        return False
    entries = json.loads(metrics.read_text())
    return bool(entries) and all(entry.get("profile") == "smoke" for entry in entries)


def execute_notebook(notebook, artifacts, monkeypatch):
    """Execute a notebook in the smoke profile (working dir: its folder), writing under ``artifacts``."""
    import nbformat

    monkeypatch.setenv("WORKSHOP_PROFILE", "smoke")
    monkeypatch.setenv("WORKSHOP_ARTIFACTS", str(artifacts))
    monkeypatch.delenv("WORKSHOP_METRICS_DIR", raising=False)
    nb = nbformat.read(notebook, as_version=4)
    runner.execute_notebook(nb, Path(notebook).parent)
    return Path(artifacts) / NAME / "logs"


def check_epoch_scalars(frame, runs, epochs):
    """Assert that every run has epoch_loss and epoch_accuracy for train and validation, one finite value per epoch."""
    for run in runs:
        for split in SPLITS:
            for tag in TAGS:
                rows = frame[(frame["run"] == f"{run}/{split}") & (frame["tag"] == tag)]
                assert sorted(rows["step"]) == list(range(epochs)), (
                    f"{run}/{split} {tag}: expected one value for each of {epochs} epochs, "
                    f"got steps {sorted(rows['step'])}")
                assert all(math.isfinite(v) for v in rows["value"]), f"{run}/{split} {tag}: {list(rows['value'])}"


@pytest.fixture(scope="module")
def notebook_logs(tmp_path_factory):
    """The notebook's log folder: the one nbval just wrote if it is fresh, else a new smoke run's."""
    logdir = paths.artifacts_dir(NAME, "logs")
    if fresh_smoke_logs(logdir):
        return logdir
    with pytest.MonkeyPatch.context() as monkeypatch:
        return execute_notebook(NOTEBOOK, tmp_path_factory.mktemp("artifacts"), monkeypatch)


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
