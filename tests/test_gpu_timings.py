"""Unit tests for workshop_utils.gpu_timings (recorded reference figures in data/reference/)."""

import copy
import json

from workshop_utils import gpu_timings

import pytest

RECORDED = {
    "model": "mnist_cnn",
    "notebook": "12_gpus_and_distribution",
    "train_size": 12000,
    "batch_size": 128,
    "backend": "tensorflow",
    "cpu": {"name": "2-core CPU", "epoch_seconds": 8.0, "date": "2026-11-25", "status": "recorded"},
    "gpu": {"name": "NVIDIA H100", "epoch_seconds": 0.5, "date": "2026-11-26", "status": "recorded"},
}


def _write(tmp_path, content):
    path = tmp_path / "timings.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return path


def test_the_shipped_file_loads_and_names_notebook_12():
    timings = gpu_timings.load_gpu_timings()
    assert timings["notebook"] == "12_gpus_and_distribution"
    assert timings["cpu"]["status"] in gpu_timings.STATUSES


def test_not_recorded_gpu_says_so(tmp_path):
    timings = copy.deepcopy(RECORDED)
    timings["gpu"] = {"name": None, "epoch_seconds": None, "date": None, "status": "not yet recorded"}
    text = gpu_timings.describe_gpu_timings(gpu_timings.load_gpu_timings(_write(tmp_path, timings)))
    assert text.startswith("RECORDED")
    assert "CPU 2-core CPU: 8.00 s per epoch" in text
    assert text.endswith(gpu_timings.NOT_RECORDED_GPU)


def test_recorded_figures_give_the_speed_up(tmp_path):
    text = gpu_timings.describe_gpu_timings(gpu_timings.load_gpu_timings(_write(tmp_path, RECORDED)))
    assert "GPU NVIDIA H100: 0.50 s per epoch" in text
    assert "speed-up of the GPU: 16.0x" in text


def test_missing_file_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match="No reference timings"):
        gpu_timings.load_gpu_timings(tmp_path / "absent.json")


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda t: t.pop("gpu"), "lacks gpu"),
        (lambda t: t["cpu"].pop("date"), "'cpu' lacks date"),
        (lambda t: t["gpu"].update(status="maybe"), "status must be one of"),
        (lambda t: t["gpu"].update(epoch_seconds=None), "positive number"),
        (lambda t: t["cpu"].update(epoch_seconds=-1), "positive number"),
        (lambda t: t["gpu"].update(status="not yet recorded"), "must be null"),
    ],
)
def test_inconsistent_files_are_rejected(tmp_path, change, message):
    timings = copy.deepcopy(RECORDED)
    change(timings)
    with pytest.raises(ValueError, match=message):
        gpu_timings.load_gpu_timings(_write(tmp_path, timings))


def test_invalid_json_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="not valid JSON"):
        gpu_timings.load_gpu_timings(_write(tmp_path, "{not json"))
    with pytest.raises(ValueError, match="one JSON object"):
        gpu_timings.load_gpu_timings(_write(tmp_path, "[1, 2]"))


def test_describe_rejects_other_input():
    with pytest.raises(ValueError, match="load_gpu_timings"):
        gpu_timings.describe_gpu_timings({"cpu": {}})


def test_written_timings_load_back(tmp_path):
    path = tmp_path / "measured.json"
    written = gpu_timings.write_gpu_timings(
        path,
        model="mnist_cnn",
        notebook="12_gpus_and_distribution",
        train_size=6000,
        batch_size=128,
        backend="tensorflow",
        cpu_name="2-core CPU",
        cpu_seconds=4.56789,
        date="2026-11-25",
    )
    assert gpu_timings.load_gpu_timings(path) == written
    assert written["cpu"] == {"name": "2-core CPU", "epoch_seconds": 4.568, "date": "2026-11-25", "status": "recorded"}
    assert written["gpu"]["status"] == "not yet recorded"
    both = gpu_timings.write_gpu_timings(
        path,
        model="m",
        notebook="n",
        train_size=1,
        batch_size=1,
        backend="jax",
        cpu_name="c",
        cpu_seconds=2,
        gpu_name="NVIDIA H100",
        gpu_seconds=0.25,
    )
    assert "8.0x" in gpu_timings.describe_gpu_timings(gpu_timings.load_gpu_timings(path))
    assert both["gpu"]["date"] == both["cpu"]["date"]


def test_write_rejects_half_a_gpu_entry(tmp_path):
    with pytest.raises(ValueError, match="together"):
        gpu_timings.write_gpu_timings(
            tmp_path / "x.json",
            model="m",
            notebook="n",
            train_size=1,
            batch_size=1,
            backend="tensorflow",
            cpu_name="c",
            cpu_seconds=1,
            gpu_name="NVIDIA H100",
        )
    with pytest.raises(ValueError, match="positive number"):
        gpu_timings.write_gpu_timings(
            tmp_path / "x.json",
            model="m",
            notebook="n",
            train_size=1,
            batch_size=1,
            backend="tensorflow",
            cpu_name="c",
            cpu_seconds=0,
        )
