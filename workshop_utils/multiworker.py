"""Start several training workers on this machine, as a cluster manager would (notebook 12).

``train`` runs one job: it picks free ports, gives each worker process its cluster settings
(``TF_CONFIG`` for TensorFlow, a coordinator address for JAX), sends each worker's output to its
own log file in a fresh folder, waits with a time limit, and stops every worker of the job as soon
as one fails or the time is up, raising ``WorkerError`` with the end of the guilty worker's log.
The worker programs live in ``workshop_utils/workers/``; ``worker_source`` returns one to read.

* ``train``             - one multi-worker training job; returns a ``JobResult``
* ``read_job``          - the JobResult of a job folder that a finished job left
* ``run_workers``       - the launcher under it, for any list of worker commands
* ``free_ports``        - ports on localhost that no program listens on right now
* ``weight_difference`` - the largest difference between two workers' weights
* ``check_identical``   - raise unless every worker ended with the same weights
* ``loss_table``        - each worker's per-epoch loss side by side
* ``model_parallel``    - run the model-parallel demo (JAX, several virtual CPU devices)
"""

import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

WORKERS_DIR = Path(__file__).resolve().parent / "workers"
WORKER_SCRIPTS = {"tensorflow": "tf_worker.py", "jax": "jax_worker.py", "model_parallel": "jax_model_parallel.py"}
INSTALL_HINT = {
    "tensorflow": 'pip install "tensorflow==2.21.0" (the course environment has it)',
    "jax": 'pip install -c constraints.txt "jax[cpu]==0.10.2" (in the course folder)',
}
LOG_LINES = 25  # how much of a failing worker's log an error quotes
STUCK_SECONDS = 30  # XLA aborts a CPU collective that waits this long (its default: 40)
STUCK_MESSAGE = "may be stuck"  # what XLA logs while a collective waits


class WorkerError(RuntimeError):
    """A worker failed or hung; the message quotes the end of its log."""


@dataclass
class JobResult:
    """What a finished job left: each worker's report and weights, the logs, the wall time."""

    engine: str
    folder: Path
    reports: list
    weights: list
    logs: list
    wall_seconds: float
    model_path: Path = None


def engine_available(engine):
    """Return None when ``engine`` ("tensorflow" or "jax") can be imported, else why not and how."""
    if importlib.util.find_spec(engine) is None:
        return f"{engine} is not installed in this environment; to add it: {INSTALL_HINT[engine]}"
    return None


def worker_source(name):
    """Return the source of a worker program: "tensorflow", "jax" or "model_parallel"."""
    return (WORKERS_DIR / WORKER_SCRIPTS[name]).read_text()


def free_ports(count, host="127.0.0.1"):
    """Return ``count`` distinct TCP ports on ``host`` that no program listens on right now."""
    sockets = []
    try:
        for _ in range(count):  # keep each socket open until all are chosen, so the ports differ
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind((host, 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def base_environment(engine):
    """The environment a worker starts from: ours, less cluster settings and proxy variables."""
    # gRPC (TensorFlow's and JAX's coordination) would send even localhost traffic to a proxy.
    env = {
        key: value
        for key, value in os.environ.items()
        if key != "TF_CONFIG" and not key.startswith("JAX_") and "_proxy" not in key.lower()
    }
    env.update(KERAS_BACKEND=engine, PYTHONUNBUFFERED="1")
    if engine == "tensorflow":
        env["CUDA_VISIBLE_DEVICES"] = "-1"  # a notebook's TensorFlow already holds the GPU's memory
    else:
        env["JAX_PLATFORMS"] = "cpu"  # CPU collectives (gloo); GPUs would need one GPU per process
    return env


def cluster_environments(engine, workers, host="127.0.0.1"):
    """Return one environment per worker, with the settings a cluster manager would give it."""
    environments = []
    if engine == "tensorflow":
        addresses = [f"{host}:{port}" for port in free_ports(workers, host)]
        for index in range(workers):
            env = base_environment(engine)
            env["TF_CONFIG"] = json.dumps(
                {"cluster": {"worker": addresses}, "task": {"type": "worker", "index": index}}
            )
            environments.append(env)
    elif engine == "jax":
        coordinator = f"{host}:{free_ports(1, host)[0]}"
        for index in range(workers):
            env = base_environment(engine)
            env.update(JAX_COORDINATOR_ADDRESS=coordinator, JAX_NUM_PROCESSES=str(workers), JAX_PROCESS_ID=str(index))
            environments.append(env)
    else:
        raise ValueError(f"engine must be 'tensorflow' or 'jax', not {engine!r}")
    return environments


def _stop(processes):
    """Stop every process group still running: SIGTERM, then SIGKILL after a grace period."""
    running = [process for process in processes if process.poll() is None]
    for process in running:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + 5
    for process in running:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def log_tail(path, lines=LOG_LINES):
    """Return the last ``lines`` lines of a log file ("" if it is missing)."""
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return ""


def run_workers(commands, environments, folder, timeout, names=None):
    """Run one process per command at once and wait for all; stop all if one fails or hangs.

    Args:
        commands: one argument list per worker (``[sys.executable, "worker.py", ...]``).
        environments: one environment per worker.
        folder: where each worker's log goes (``worker_0.log``, ...).
        timeout: seconds for the whole job; past it every worker still running is stopped.
        names: how errors call the workers (default "worker 0", "worker 1", ...).

    Returns:
        The log files, in worker order.

    Raises:
        WorkerError: a worker exited with an error, or the job ran out of time; the message
            names the worker and quotes the end of its log.
    """
    folder = Path(folder)
    names = names or [f"worker {index}" for index in range(len(commands))]
    logs = [folder / f"worker_{index}.log" for index in range(len(commands))]
    processes = []
    try:
        for command, env, log in zip(commands, environments, logs):
            with open(log, "wb") as output:  # the child keeps its own copy of the descriptor
                processes.append(
                    subprocess.Popen(
                        command,
                        env=env,
                        stdout=output,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        start_new_session=True,
                    )
                )  # a group of its own: stopping it stops its children
        deadline = time.monotonic() + timeout
        while True:
            codes = [process.poll() for process in processes]
            failed = [index for index, code in enumerate(codes) if code not in (None, 0)]
            if failed:
                index = failed[0]
                _stop(processes)
                others = "; the others were stopped" if len(processes) > 1 else ""
                raise WorkerError(
                    f"{names[index]} failed (exit code {codes[index]}){others}. "
                    f"The end of its log ({logs[index]}):\n{log_tail(logs[index])}"
                )
            if all(code == 0 for code in codes):
                return logs
            if time.monotonic() > deadline:
                hung = [index for index, code in enumerate(codes) if code is None]
                _stop(processes)
                raise WorkerError(
                    f"{', '.join(names[i] for i in hung)} still running after {timeout:.0f} s: "
                    f"stopped (a worker whose partner died or never started waits forever for "
                    f"it). The end of {names[hung[0]]}'s log ({logs[hung[0]]}):\n"
                    f"{log_tail(logs[hung[0]])}"
                )
            time.sleep(0.1)
    finally:
        _stop(processes)  # also on KeyboardInterrupt (a learner's "interrupt the kernel")


def _job_folder(prefix, folder):
    if folder is not None:
        Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=folder))


def train(engine, data_path, workers=2, *, epochs, batch_size, learning_rate=1e-3, seed=42, folder=None, timeout=600):
    """Train notebook 12's convnet with ``workers`` processes on localhost; return a JobResult.

    Args:
        engine: "tensorflow" (MultiWorkerMirroredStrategy, a custom loop) or "jax"
            (jax.distributed and keras.distribution.DataParallel, ``fit``).
        data_path: an ``.npz`` file with ``x`` (images, N x 28 x 28 x 1) and ``y`` (labels).
        workers: how many worker processes.
        epochs, batch_size, learning_rate, seed: passed to every worker; batch_size is per worker.
        folder: a parent folder for the job's own new folder (default: the system's temporary one).
        timeout: seconds for the whole job, start-up included.

    Raises:
        WorkerError: the engine is missing, or a worker failed or hung (the message quotes its log).
    """
    problem = engine_available(engine)
    if problem:
        raise WorkerError(problem)
    job = _job_folder(f"{engine}-{workers}-workers-", folder)
    command = [
        sys.executable,
        str(WORKERS_DIR / WORKER_SCRIPTS[engine]),
        "--data",
        str(data_path),
        "--out",
        str(job),
        "--epochs",
        str(epochs),
        "--batch-size",
        str(batch_size),
        "--learning-rate",
        str(learning_rate),
        "--seed",
        str(seed),
    ]
    start = time.perf_counter()
    logs = run_workers([command] * workers, cluster_environments(engine, workers), job, timeout)
    return read_job(engine, job, len(logs), time.perf_counter() - start)


def read_job(engine, job, workers, wall_seconds=None):
    """Return the JobResult of a job that ended: each worker's report and weights from its folder ``job``.

    Raises:
        WorkerError: a worker left no report (the message quotes the end of its log).
    """
    job = Path(job)
    logs = [job / f"worker_{index}.log" for index in range(workers)]
    reports, weights = [], []
    for index, log in enumerate(logs):
        report = job / f"worker_{index}.json"
        if not report.exists():
            raise WorkerError(
                f"worker {index} ended without writing {report.name}. The end of its log ({log}):\n{log_tail(log)}"
            )
        reports.append(json.loads(report.read_text()))
        with np.load(job / f"worker_{index}_weights.npz") as arrays:
            weights.append([arrays[f"arr_{i}"] for i in range(len(arrays.files))])
    return JobResult(engine, job, reports, weights, logs, wall_seconds, job / "model.keras")


def weight_difference(weights_a, weights_b):
    """Return the largest absolute difference between two lists of weights (inf if unlike)."""
    if len(weights_a) != len(weights_b):
        return float("inf")
    largest = 0.0
    for a, b in zip(weights_a, weights_b):
        a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
        if a.shape != b.shape:
            return float("inf")
        if a.size:
            difference = np.abs(a - b)
            if np.isnan(difference).any():
                return float("inf")
            largest = max(largest, float(difference.max()))
    return largest


def check_identical(result, tolerance=0.0):
    """Raise WorkerError unless every worker's final weights equal worker 0's within ``tolerance``.

    Returns:
        The largest difference found (0.0 when the weights are the same bit for bit).
    """
    differences = [weight_difference(result.weights[0], other) for other in result.weights[1:]]
    largest = max(differences, default=0.0)
    if largest > tolerance:
        worst = 1 + differences.index(largest)
        raise WorkerError(
            f"worker {worst}'s weights differ from worker 0's by up to {largest:.3g} "
            f"(allowed: {tolerance:g}): the workers did not train in step"
        )
    return largest


def loss_table(result):
    """Return each worker's per-epoch loss side by side, one line per epoch."""
    lines = ["epoch  " + "  ".join(f"worker {r['worker']} loss" for r in result.reports)]
    for epoch in range(len(result.reports[0]["losses"])):
        losses = "  ".join(f"{r['losses'][epoch]:13.4f}" for r in result.reports)
        lines.append(f"{epoch + 1:5d}  {losses}")
    return "\n".join(lines)


def model_parallel(data_path, devices=4, model_axis=2, epochs=1, folder=None, timeout=300):
    """Run the model-parallel demo (JAX, ``devices`` virtual CPU devices); return its report.

    XLA's collectives between virtual CPU devices can deadlock now and then (seen about once in a
    dozen runs with JAX 0.10.2 on a 2-core CPU): XLA then aborts the process after
    ``STUCK_SECONDS``, and the demo runs once more, saying so in the report.

    Args:
        data_path: an ``.npz`` file with ``x`` (images, N x 28 x 28 x 1) and ``y`` (labels).
        devices: how many CPU devices XLA pretends to have.
        model_axis: how many devices share one copy of the model (the rest is data parallelism).
        epochs: training epochs before the report.
        folder, timeout: as for ``train``.

    Raises:
        WorkerError: JAX is missing, or the demo failed or hung (the message quotes its log).
    """
    problem = engine_available("jax")
    if problem:
        raise WorkerError(problem)
    env = base_environment("jax")
    # XLA reads these flags when JAX starts: that is why the demo is a process of its own.
    flags = [
        f"--xla_force_host_platform_device_count={devices}",
        f"--xla_cpu_collective_call_terminate_timeout_seconds={STUCK_SECONDS}",
    ]
    env["XLA_FLAGS"] = " ".join(filter(None, [env.get("XLA_FLAGS"), *flags]))
    note = ""
    for attempt in (1, 2):
        job = _job_folder("model-parallel-", folder)
        command = [
            sys.executable,
            str(WORKERS_DIR / WORKER_SCRIPTS["model_parallel"]),
            "--data",
            str(data_path),
            "--out",
            str(job),
            "--model-axis",
            str(model_axis),
            "--epochs",
            str(epochs),
        ]
        try:
            run_workers([command], [env], job, timeout, names=["the model-parallel demo"])
            return note + (job / "report.txt").read_text()
        except WorkerError:
            if attempt == 2 or STUCK_MESSAGE not in log_tail(job / "worker_0.log", lines=10**6):
                raise
            note = (
                f"(the first run stopped in a deadlock of XLA's collectives between virtual "
                f"CPU devices, log in {job}; this is the second)\n"
            )
