"""Start the Keras backend without TensorFlow's C++ start-up log reaching the notebook.

While it loads, TensorFlow writes lines such as "Could not find cuda drivers" or "failed call to
cuInit" straight to the process's standard error (file descriptor 2), before any Python setting can
silence them; JupyterLab shows them as a red block above the first output. ``start_backend`` imports
Keras (and lets TensorFlow look for GPUs) with that descriptor redirected into a temporary file, then
sorts what was written: lines that a healthy machine prints are dropped, anything else is kept in
``PROBLEMS`` and reported in plain words by ``workshop_utils.setup`` and notebook 00.

TensorFlow's log level is left as it is, so the warnings TensorFlow and Keras print later (a dataset
cache read halfway, a function retraced again and again) reach the learner's cell as they would without
this course. In a Jupyter kernel, ``filter_healthy_lines`` drops only the few lines listed in
``HEALTHY_LATER``, which TensorFlow prints in a healthy session and which say nothing about the learner's
code; everything else passes through untouched.

Import ``workshop_utils`` before ``keras`` or ``tensorflow`` for this to work.
"""

import os
import re
import select
import sys
import tempfile
import threading
from pathlib import Path

# Lines TensorFlow prints on a healthy machine (some only on machines without a GPU).
EXPECTED = [
    re.compile(p)
    for p in (
        r"All log messages before absl::InitializeLog\(\) is called are written to STDERR",
        r"cudart_stub\.cc.*Could not find cuda drivers on your machine, GPU will not be used",
        r"cpu_feature_guard\.cc.*This TensorFlow binary is optimized",
        r"^To enable the following instructions:.*rebuild TensorFlow",
        r"oneDNN custom operations are on",
        r"Unable to register (cuDNN|cuFFT|cuBLAS) factory",
        r"computation_placer\.cc.*already registered",
        r"TF-TRT Warning: Could not find TensorRT",
    )
]
# Lines TensorFlow prints later in a healthy session: dropped in Jupyter kernels.
HEALTHY_LATER = [
    re.compile(p)
    for p in (
        # the first dataset that a tf.distribute strategy distributes (notebook 12's MirroredStrategy fit)
        r"generator_dataset_op\.cc.*Memory patch applied",
        r"dataset\.cc.*Input of GeneratorDatasetOp::Dataset will not be optimized",
        # a CPU-speed notice when an integer op (the gradient of RepeatVector, notebook 07) first runs
        r"util\.cc.*oneDNN supports DT_INT32 only on platforms with AVX-512",
        # now and then, when a MirroredStrategy evaluate stops its per-device input iterators at the end
        # of the data (notebook 12, in CI on a loaded CPU): "... CANCELLED: GetNextFromShard was
        # cancelled" with the node line that follows it, or "... CANCELLED: Operation was cancelled"
        r"local_rendezvous\.cc.*Local rendezvous is aborting with status: CANCELLED: ",
        r"^\s*\[\[\{\{node MultiDeviceIteratorGetNextFromShard\}\}\]\]\s*$",
    )
]
# Expected only where the machine has no NVIDIA GPU at all; with one, it means the GPU failed.
NO_GPU_ONLY = re.compile(r"failed call to cuInit")

CAPTURED = []  # every line written to standard error while the backend started
PROBLEMS = []  # the lines among them that a healthy machine does not print
_started = False
_filtering = False


def nvidia_gpu_present():
    """Say whether the machine has an NVIDIA GPU with its driver loaded (whatever the frameworks see)."""
    return Path("/proc/driver/nvidia/gpus").is_dir() or Path("/dev/nvidia0").exists()


def classify(lines, gpu_present):
    """Return the lines that are not expected on a healthy machine (empty lines dropped)."""
    problems = []
    for line in lines:
        text = line.strip()
        if not text or any(p.search(text) for p in EXPECTED):
            continue
        if NO_GPU_ONLY.search(text) and not gpu_present:
            continue
        problems.append(text)
    return problems


def _load_backend():
    import keras

    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        tf.config.list_physical_devices("GPU")  # CUDA start-up messages come out here
        tf.get_logger().setLevel("WARNING")  # no INFO lines such as "Assets written to" on model.export


def start_backend():
    """Import Keras with standard error captured at the descriptor level; sort and keep what was written.

    Returns the list of unexpected lines (also kept in ``PROBLEMS``). Does nothing if it ran before,
    or if Keras was imported before ``workshop_utils`` (then nothing can be captured any more).
    """
    global _started
    if _started or "keras" in sys.modules or "tensorflow" in sys.modules:
        _started = True
        return PROBLEMS
    _started = True
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real descriptor 2 (some embedded interpreters)
        _load_backend()
        return PROBLEMS
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 2)
        try:
            _load_backend()
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
        sink.seek(0)
        text = sink.read().decode("utf-8", errors="replace")
    CAPTURED[:] = text.splitlines()
    PROBLEMS[:] = classify(CAPTURED, nvidia_gpu_present())
    filter_healthy_lines()
    return PROBLEMS


def _in_jupyter_kernel():
    """True inside a Jupyter kernel, whose Python-level standard error does not go through descriptor 2."""
    return type(sys.stderr).__module__.startswith("ipykernel")


def _pump(read_end, target):
    """Copy what arrives at ``read_end`` to ``target`` line by line, leaving out the HEALTHY_LATER lines."""
    pending = b""
    poller = select.poll()
    poller.register(read_end, select.POLLIN)
    while True:
        if not poller.poll(100 if pending else None):  # quiet for 0.1 s: pass on a line without its end
            os.write(target, pending)
            pending = b""
            continue
        chunk = os.read(read_end, 65536)
        if not chunk:
            break
        *lines, pending = (pending + chunk).split(b"\n")
        kept = [
            line + b"\n"
            for line in lines
            if not any(p.search(line.decode("utf-8", errors="replace")) for p in HEALTHY_LATER)
        ]
        if kept:
            os.write(target, b"".join(kept))
    if pending:
        os.write(target, pending)


def filter_healthy_lines():
    """In a Jupyter kernel, send descriptor 2 through a thread that drops the HEALTHY_LATER lines only.

    Does nothing outside a kernel (a script's own standard error goes through descriptor 2, and a filter
    thread could lose its last lines at exit) or when it runs already.
    """
    global _filtering
    if _filtering or not _in_jupyter_kernel():
        return
    try:
        target = os.dup(2)
        read_end, write_end = os.pipe()
    except OSError:
        return
    os.dup2(write_end, 2)
    os.close(write_end)
    threading.Thread(target=_pump, args=(read_end, target), daemon=True, name="healthy-line-filter").start()
    _filtering = True


def gpu_problem():
    """Return one sentence if an NVIDIA GPU is present but the active backend cannot use it, else None."""
    if not nvidia_gpu_present():
        return None
    from .backends import devices

    if any(d.startswith("GPU") for d in devices()):
        return None
    import keras

    backend = keras.backend.backend()
    fixes = {
        "tensorflow": 'pip install "tensorflow[and-cuda]==2.21.0"',
        "jax": 'pip install "jax[cuda12]"',
        "torch": "a CUDA build of torch (see pytorch.org)",
    }
    return (
        f"This machine has an NVIDIA GPU, but the {backend} backend cannot use it, so everything "
        f"runs on the CPU. Install the GPU build ({fixes.get(backend, 'see the README')}) and check "
        "the driver with `nvidia-smi`."
    )


def startup_warnings():
    """Return the start-up problems as sentences in the course's words (empty on a healthy machine)."""
    notes = []
    problem = gpu_problem()
    if problem:
        notes.append(problem)
    if PROBLEMS:
        shown = "\n    ".join(PROBLEMS[:8]) + ("\n    ..." if len(PROBLEMS) > 8 else "")
        notes.append(
            "The backend printed unexpected messages while starting (a missing library or a "
            f"driver problem shows here):\n    {shown}"
        )
    return notes
