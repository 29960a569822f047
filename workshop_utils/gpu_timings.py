"""Recorded reference figures that a live run cannot measure on every machine (e.g. GPU timings).

They live as small JSON files in ``data/reference/``, written by hand from the course's own runs.
Notebook 12 reads ``gpu_timings.json`` to show what a GPU buys when the learner's machine has none::

    timings = reference.load_gpu_timings()
    print(reference.describe_gpu_timings(timings))
"""

import json
import numbers
from pathlib import Path

from .course import paths

REFERENCE_DIR = paths.PROJECT_ROOT / "data" / "reference"
GPU_TIMINGS_FILE = REFERENCE_DIR / "gpu_timings.json"

STATUSES = ("recorded", "not yet recorded")
_TOP_KEYS = ("model", "notebook", "train_size", "batch_size", "backend", "cpu", "gpu")
_DEVICE_KEYS = ("name", "epoch_seconds", "date", "status")
NOT_RECORDED_GPU = "GPU reference figures: not recorded yet (the course's GPU reference run fills them in)"


def _check_device_entry(entry, key, source):
    if not isinstance(entry, dict):
        raise ValueError(f"{source}: {key!r} must be an object with keys {', '.join(_DEVICE_KEYS)}.")
    missing = [k for k in _DEVICE_KEYS if k not in entry]
    if missing:
        raise ValueError(f"{source}: {key!r} lacks {', '.join(missing)}.")
    status, seconds = entry["status"], entry["epoch_seconds"]
    if status not in STATUSES:
        raise ValueError(f"{source}: {key}.status must be one of {STATUSES}; got {status!r}.")
    if status == "recorded":
        if isinstance(seconds, bool) or not isinstance(seconds, numbers.Real) or seconds <= 0:
            raise ValueError(f"{source}: {key}.epoch_seconds must be a positive number when recorded; got {seconds!r}.")
    elif seconds is not None:
        raise ValueError(
            f"{source}: {key}.epoch_seconds must be null while {key} is not yet recorded; got {seconds!r}."
        )


def load_gpu_timings(path=None):
    """Read and check the recorded epoch times on CPU and GPU; return them as a dict.

    Args:
        path: a JSON file in the format of ``data/reference/gpu_timings.json`` (the default): keys
            ``model``, ``notebook``, ``train_size``, ``batch_size``, ``backend``, and ``cpu`` / ``gpu``
            objects with ``name``, ``epoch_seconds``, ``date`` and ``status`` (``"recorded"`` or
            ``"not yet recorded"``, the latter with ``epoch_seconds`` null; an optional ``backend``
            where one device was timed under another backend than the top-level one).

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file is not valid JSON or lacks a key, or a figure does not fit its status.
    """
    path = Path(path) if path is not None else GPU_TIMINGS_FILE
    if not path.is_file():
        raise FileNotFoundError(
            f"No reference timings at {path}; the course ships them in "
            f"{GPU_TIMINGS_FILE.relative_to(paths.PROJECT_ROOT)}."
        )
    try:
        timings = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(timings, dict):
        raise ValueError(f"{path} must hold one JSON object; got {type(timings).__name__}.")
    missing = [k for k in _TOP_KEYS if k not in timings]
    if missing:
        raise ValueError(f"{path} lacks {', '.join(missing)}.")
    for key in ("cpu", "gpu"):
        _check_device_entry(timings[key], key, path)
    return timings


def _backend_of(entry, timings):
    """The backend a device entry was timed under: its own, or else the file's."""
    return entry.get("backend", timings["backend"])


def describe_gpu_timings(timings):
    """Return recorded CPU and GPU epoch times (and the GPU's speed-up) as lines of text, labelled as recorded.

    Args:
        timings: the dict that ``load_gpu_timings`` returns.
    """
    if not isinstance(timings, dict) or "cpu" not in timings or "gpu" not in timings:
        raise ValueError("timings must be the dict that load_gpu_timings() returns.")
    lines = [
        f"RECORDED reference figures (not measured now): {timings['model']}, "
        f"{timings['train_size']:,} images, batch {timings['batch_size']}, backend {timings['backend']}"
    ]
    for key in ("cpu", "gpu"):
        entry = timings[key]
        if entry["status"] == "recorded":
            backend = f", backend {entry['backend']}" if _backend_of(entry, timings) != timings["backend"] else ""
            lines.append(
                f"  {key.upper()} {entry['name']}: {entry['epoch_seconds']:.2f} s per epoch "
                f"(recorded {entry['date']}{backend})"
            )
    cpu, gpu = timings["cpu"], timings["gpu"]
    if gpu["status"] != "recorded":
        lines.append(NOT_RECORDED_GPU)
    elif cpu["status"] == "recorded":
        caveat = (
            " (different backends, so a rough guide)" if _backend_of(cpu, timings) != _backend_of(gpu, timings) else ""
        )
        lines.append(f"  recorded speed-up of the GPU: {cpu['epoch_seconds'] / gpu['epoch_seconds']:.1f}x{caveat}")
    return "\n".join(lines)


def _device_entry(name, seconds, date):
    if seconds is None:
        return {"name": None, "epoch_seconds": None, "date": None, "status": "not yet recorded"}
    return {"name": name, "epoch_seconds": round(float(seconds), 3), "date": date, "status": "recorded"}


def write_gpu_timings(
    path,
    *,
    model,
    notebook,
    train_size,
    batch_size,
    backend,
    cpu_name,
    cpu_seconds,
    gpu_name=None,
    gpu_seconds=None,
    date=None,
):
    """Write measured epoch times in the format of ``data/reference/gpu_timings.json``; return them as a dict.

    Args:
        path: the JSON file to write (its folder must exist).
        model, notebook, train_size, batch_size, backend: what was timed, and under which backend.
        cpu_name, cpu_seconds: the CPU (e.g. ``"2-core x86_64 CPU"``) and its epoch time in seconds.
        gpu_name, gpu_seconds: the same for the GPU; None for both when there is none (then the GPU
            entry says ``"not yet recorded"``).
        date: ``YYYY-MM-DD`` of the run; None means today.
    """
    import datetime

    if (gpu_name is None) != (gpu_seconds is None):
        raise ValueError("Give gpu_name and gpu_seconds together, or neither.")
    date = date or datetime.date.today().isoformat()
    timings = {
        "model": model,
        "notebook": notebook,
        "train_size": train_size,
        "batch_size": batch_size,
        "backend": backend,
        "cpu": _device_entry(cpu_name, cpu_seconds, date),
        "gpu": _device_entry(gpu_name, gpu_seconds, date),
    }
    for key in ("cpu", "gpu"):
        _check_device_entry(timings[key], key, "write_gpu_timings")
    Path(path).write_text(json.dumps(timings, indent=2) + "\n")
    return timings
