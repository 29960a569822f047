"""workshop_utils.multiworker: failing and hanging workers are stopped; real jobs train in step.

The launcher is tested on small stand-in workers (one that fails, one that hangs, one that starts a
child process). Then the real jobs run as separate processes on localhost: two TensorFlow workers
(MultiWorkerMirroredStrategy, a custom loop) and two JAX processes (jax.distributed, DataParallel,
fit), which must end with the same weights on every worker within the time limit; and the
model-parallel demo, whose wide kernel must be split over the devices. A job for an engine that is
not installed is skipped with the reason (the JAX side environment has no TensorFlow).

The real jobs are the ones notebook 12 runs too. Under `make test`, this file runs on the pytest
worker of nbval's run of notebook 12, after it (conftest.py, RUN_TOGETHER), and checks the jobs that
run left in its folder when they finished; otherwise (this file alone, or the notebook skipped or
failed before a job) it runs each job itself on stand-in digits.
"""

import json
import math
import os
import socket
import sys
import time
from pathlib import Path

from workshop_utils import multiworker
from workshop_utils.course import config
from workshop_utils.multiworker import WorkerError

import numpy as np
import pytest

JOB_TIMEOUT = 480  # seconds for a real job; a healthy one takes well under a minute on a 2-core CPU


def python(code):
    return [sys.executable, "-c", code]


def _gone(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def _wait_gone(pid, seconds=10):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if _gone(pid):
            return True
        time.sleep(0.1)
    return False


# --- ports and cluster settings ------------------------------------------------------------------


def test_free_ports_are_distinct_and_bindable():
    ports = multiworker.free_ports(4)
    assert len(set(ports)) == 4
    for port in ports:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", port))


def test_tensorflow_workers_get_one_cluster_and_their_own_index(monkeypatch):
    monkeypatch.setenv("https_proxy", "http://proxy.invalid:3128")
    monkeypatch.setenv("TF_CONFIG", '{"stale": true}')
    environments = multiworker.cluster_environments("tensorflow", 3)
    configs = [json.loads(env["TF_CONFIG"]) for env in environments]
    addresses = configs[0]["cluster"]["worker"]
    assert len(set(addresses)) == 3 and all(a.startswith("127.0.0.1:") for a in addresses)
    assert [c["cluster"]["worker"] for c in configs] == [addresses] * 3
    assert [c["task"] for c in configs] == [{"type": "worker", "index": i} for i in range(3)]
    for env in environments:
        assert env["KERAS_BACKEND"] == "tensorflow" and env["CUDA_VISIBLE_DEVICES"] == "-1"
        assert "https_proxy" not in env


def test_jax_processes_share_a_coordinator(monkeypatch):
    monkeypatch.setenv("JAX_PROCESS_ID", "7")  # a stale setting must not leak into the workers
    environments = multiworker.cluster_environments("jax", 2)
    assert len({env["JAX_COORDINATOR_ADDRESS"] for env in environments}) == 1
    assert [env["JAX_PROCESS_ID"] for env in environments] == ["0", "1"]
    assert all(env["JAX_NUM_PROCESSES"] == "2" and env["KERAS_BACKEND"] == "jax" for env in environments)
    assert "TF_CONFIG" not in environments[0]


def test_an_unknown_engine_is_refused():
    with pytest.raises(ValueError, match="tensorflow' or 'jax"):
        multiworker.cluster_environments("torch", 2)


def test_worker_sources_are_the_files_that_run():
    assert "MultiWorkerMirroredStrategy()" in multiworker.worker_source("tensorflow")
    assert "jax.distributed.initialize" in multiworker.worker_source("jax")
    assert "ModelParallel" in multiworker.worker_source("model_parallel")


# --- the launcher --------------------------------------------------------------------------------


def test_workers_that_succeed_leave_their_logs(tmp_path):
    logs = multiworker.run_workers(
        [python("print('hello from 0')"), python("print('hello from 1')")],
        [dict(os.environ)] * 2,
        tmp_path,
        timeout=60,
    )
    assert [log.read_text().strip() for log in logs] == ["hello from 0", "hello from 1"]


def test_a_failing_worker_stops_the_others_and_quotes_its_log(tmp_path):
    pid_file = tmp_path / "waiting.pid"
    waiting = python(f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(120)")
    failing = python(
        "import sys, time; time.sleep(1); print('reading the data'); "
        "sys.exit('FileNotFoundError: no such file: data.npz')"
    )
    start = time.monotonic()
    with pytest.raises(WorkerError) as error:
        multiworker.run_workers([waiting, failing], [dict(os.environ)] * 2, tmp_path, timeout=120)
    assert time.monotonic() - start < 60  # it did not wait for the time limit
    message = str(error.value)
    assert "worker 1 failed (exit code 1)" in message and "the others were stopped" in message
    assert "reading the data" in message and "no such file: data.npz" in message
    assert _wait_gone(int(pid_file.read_text()))


def test_a_hung_job_is_stopped_at_the_time_limit_with_its_children(tmp_path):
    pid_file = tmp_path / "child.pid"
    # The worker starts a child of its own (as TensorFlow and gloo start helpers): it must go too.
    hanging = python(
        "import subprocess, sys, time; "
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); "
        f"open({str(pid_file)!r}, 'w').write(str(child.pid)); "
        "print('waiting for worker 1', flush=True); time.sleep(120)"
    )
    start = time.monotonic()
    with pytest.raises(WorkerError) as error:
        multiworker.run_workers(
            [hanging, python("import time; time.sleep(120)")],
            [dict(os.environ)] * 2,
            tmp_path,
            timeout=3,
        )
    assert time.monotonic() - start < 30
    message = str(error.value)
    assert "worker 0, worker 1 still running after 3 s" in message
    assert "waiting for worker 1" in message
    assert _wait_gone(int(pid_file.read_text()))


def test_a_job_without_its_engine_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(multiworker.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(WorkerError, match="jax is not installed.*pip install"):
        multiworker.train("jax", tmp_path / "data.npz", epochs=1, batch_size=8, folder=tmp_path)


# --- comparing the workers -----------------------------------------------------------------------


def _job(weights):
    reports = [{"worker": i, "losses": [0.5, 0.25]} for i in range(len(weights))]
    return multiworker.JobResult("tensorflow", None, reports, weights, [], 0.0)


def test_identical_weights_pass_and_different_ones_fail():
    same = [np.arange(6, dtype="float32").reshape(2, 3), np.ones(3, "float32")]
    assert multiworker.check_identical(_job([same, [w.copy() for w in same]])) == 0.0
    drifted = [same[0] + 1e-3, same[1]]
    with pytest.raises(WorkerError, match="worker 1's weights differ from worker 0's by up to 0.001"):
        multiworker.check_identical(_job([same, drifted]))
    assert multiworker.check_identical(_job([same, drifted]), tolerance=1e-2) == pytest.approx(1e-3, rel=1e-3)
    nan = [np.full((2, 3), np.nan, "float32"), same[1]]
    with pytest.raises(WorkerError):
        multiworker.check_identical(_job([same, nan]))
    with pytest.raises(WorkerError):  # a weight missing, or of another shape
        multiworker.check_identical(_job([same, same[:1]]))
    with pytest.raises(WorkerError):
        multiworker.check_identical(_job([same, [same[0].T, same[1]]]))


def test_loss_table_puts_the_workers_side_by_side():
    table = multiworker.loss_table(_job([[], [], []]))
    assert table.splitlines() == [
        "epoch  worker 0 loss  worker 1 loss  worker 2 loss",
        "    1         0.5000         0.5000         0.5000",
        "    2         0.2500         0.2500         0.2500",
    ]


# --- real jobs -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    """512 stand-in 28x28 'digits': noise with a bright stripe whose place gives the class."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 10, 512)
    x = rng.random((512, 28, 28, 1), dtype=np.float32) * 0.3
    for label in range(10):
        x[y == label, 2 + 2 * label : 4 + 2 * label, :, 0] += 0.7
    path = tmp_path_factory.mktemp("digits") / "digits.npz"
    np.savez(path, x=x, y=y)
    return path


def _needs(engine):
    problem = multiworker.engine_available(engine)
    if problem:
        pytest.skip(problem)


NOTEBOOK = "12_gpus_and_distribution"


def finished_notebook_jobs(run_dir):
    """What a smoke run of notebook 12 in ``run_dir`` left of its jobs: {kind: folder}, finished ones only.

    Kinds: "tensorflow" and "jax" (the two-worker jobs: every worker wrote its report and weights,
    which it does last) and "model_parallel" (the demo wrote its report, which it does last).
    """
    folder, found = Path(run_dir) / NOTEBOOK, {}
    workers = config.notebook_settings(NOTEBOOK, "smoke").workers
    for engine in ("tensorflow", "jax"):
        for job in sorted(folder.glob(f"{engine}-{workers}-workers-*")):
            if all((job / f"worker_{i}{end}").is_file() for i in range(workers) for end in (".json", "_weights.npz")):
                found[engine] = job
    for job in sorted(folder.glob("model-parallel-*")):
        if (job / "report.txt").is_file():
            found["model_parallel"] = job
    return found


@pytest.fixture(scope="module")
def notebook_jobs(request):
    """The finished jobs of nbval's run of notebook 12 on this pytest worker ({} if none)."""
    for run_dir in reversed(getattr(request.config, "workshop_kernel_run_dirs", [])):
        found = finished_notebook_jobs(run_dir)
        if found:
            return found
    return {}


def test_finished_notebook_jobs_wants_every_report(tmp_path):
    """A job whose worker left no report or weights, or another job's folder, is not reused."""
    job = tmp_path / NOTEBOOK / "jax-2-workers-abc"
    job.mkdir(parents=True)
    (job / "worker_0.json").write_text("{}")
    (job / "worker_0_weights.npz").write_bytes(b"")
    (job / "worker_1.json").write_text("{}")
    assert finished_notebook_jobs(tmp_path) == {}  # worker 1 left no weights: the job did not finish
    (tmp_path / NOTEBOOK / "jax-1-workers-abc").mkdir()
    (tmp_path / NOTEBOOK / "model-parallel-abc").mkdir()
    assert finished_notebook_jobs(tmp_path) == {}  # a one-worker job; a demo without its report
    (job / "worker_1_weights.npz").write_bytes(b"")
    (tmp_path / NOTEBOOK / "model-parallel-abc" / "report.txt").write_text("")
    demo = tmp_path / NOTEBOOK / "model-parallel-abc"
    assert finished_notebook_jobs(tmp_path) == {"jax": job, "model_parallel": demo}


@pytest.mark.parametrize("engine", ["tensorflow", "jax"])
def test_two_workers_train_in_step(engine, digits, notebook_jobs, tmp_path):
    _needs(engine)
    if engine in notebook_jobs:  # notebook 12's job, on its data and settings
        settings = config.notebook_settings(NOTEBOOK, "smoke")
        job = multiworker.read_job(engine, notebook_jobs[engine], settings.workers)
        batch, images, epochs = settings.batch_size, settings.worker_size, settings.worker_epochs
    else:
        batch, images, epochs = 32, 512, 2
        job = multiworker.train(
            engine, digits, 2, epochs=epochs, batch_size=batch, folder=tmp_path, timeout=JOB_TIMEOUT
        )
    steps = math.ceil(images / (2 * batch))
    assert [r["worker"] for r in job.reports] == [0, 1]
    for report in job.reports:
        assert (report["workers"], report["global_batch"], report["steps_per_epoch"]) == (2, 2 * batch, steps)
    assert multiworker.check_identical(job) == 0.0
    first, second = (r["losses"] for r in job.reports)
    assert len(first) == epochs and first == second and first[-1] < first[0] and np.isfinite(first).all()
    assert job.model_path.exists() and len(job.weights[0]) == 6  # 3 layers with a kernel and a bias
    assert [log.exists() for log in job.logs] == [True, True]


def test_model_parallel_splits_the_wide_kernel(digits, notebook_jobs, tmp_path):
    _needs("jax")
    if "model_parallel" in notebook_jobs:  # notebook 12's demo, with the smoke profile's mesh
        settings = config.notebook_settings(NOTEBOOK, "smoke")
        assert (settings.model_parallel_devices, settings.model_axis) == (4, 2)
        report = (notebook_jobs["model_parallel"] / "report.txt").read_text()
    else:
        report = multiworker.model_parallel(digits, devices=4, model_axis=2, folder=tmp_path, timeout=JOB_TIMEOUT)
    assert "4 devices in a mesh of shape {'batch': 2, 'model': 2}" in report
    lines = report.splitlines()
    kernel = next(i for i, line in enumerate(lines) if line.startswith("wide_mlp/wide/kernel"))
    assert "(784, 2048)" in lines[kernel] and "P(None, 'model')" in lines[kernel]
    assert "[:, 0:1024]" in lines[kernel + 1] and "on devices [0, 2]" in lines[kernel + 1]
    assert "[:, 1024:2048]" in lines[kernel + 2] and "on devices [1, 3]" in lines[kernel + 2]
    assert lines[-1] == "parameters per device: 814,090 of 1,628,170"


def test_model_parallel_runs_once_more_after_a_collective_deadlock(monkeypatch, tmp_path):
    _needs("jax")
    runs, stuck_runs = [], {1}

    def fake_run(commands, environments, folder, timeout, names=None):
        runs.append(environments[0]["XLA_FLAGS"])
        log = folder / "worker_0.log"
        if len(runs) in stuck_runs:
            log.write_text("E rendezvous.cc] This thread ... for 20 seconds and may be stuck.\n")
            raise WorkerError("the model-parallel demo failed (exit code -6)")
        (folder / "report.txt").write_text("4 devices in a mesh\n")
        return [log]

    monkeypatch.setattr(multiworker, "run_workers", fake_run)
    report = multiworker.model_parallel(tmp_path / "x.npz", folder=tmp_path)
    assert report.startswith("(the first run stopped in a deadlock") and "4 devices" in report
    assert len(runs) == 2 and "--xla_force_host_platform_device_count=4" in runs[0]
    runs.clear()
    stuck_runs.update({1, 2})  # a deadlock twice is an error
    with pytest.raises(WorkerError, match="exit code -6"):
        multiworker.model_parallel(tmp_path / "x.npz", folder=tmp_path)
    assert len(runs) == 2
