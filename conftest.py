"""Every test and every notebook under nbval runs in the smoke profile (seconds per notebook).

Under nbval, a notebook cell that writes to standard error fails its test: a healthy run shows no
red blocks (TensorFlow's start-up log, warnings). The message names the cell and what it wrote.
For that, nbval's kernels must forward what libraries write to file descriptor 2, as JupyterLab's
do: ipykernel turns that off when it sees pytest's PYTEST_CURRENT_TEST variable, so the kernels
here start without it.

Runs that never share a folder: every notebook kernel nbval starts, and each test process, gets a
folder of its own under artifacts/test-runs/ for the files notebooks write (``WORKSHOP_RUN_DIR``, see
workshop_utils/paths.py), removed when the test process ends. So pytest-xdist's workers, a learner's
JupyterLab kernel and a `make run` beside the tests never delete each other's files.

Under pytest-xdist (`make test` runs `-n auto --dist loadfile`), each file's tests stay together on
one worker (a notebook's cells share one kernel), and RUN_TOGETHER puts a test file on the worker of
the notebook whose files it reads, after the notebook. (xdist's loadgroup would do this with marks,
but pytest-xdist 3.8 cannot rename pytest 9.2's node ids, so the scheduler does the grouping.)
"""

import os
import re
import shutil
import tempfile
from collections import Counter
from pathlib import Path

import pytest

os.environ["WORKSHOP_PROFILE"] = "smoke"

ROOT = Path(__file__).resolve().parent
# Test file -> the notebook it reuses the run of (it falls back to running the notebook itself).
RUN_TOGETHER = {
    "tests/test_tensorboard_logs.py": "notebooks/04_tensorboard.ipynb",
    "tests/test_multiworker.py": "notebooks/12_gpus_and_distribution.ipynb",
}
# Rough seconds (2-core CPU, smoke) of the files that take longest, their RUN_TOGETHER partners included.
# Under pytest-xdist the longest start first (LPT order), so that no long file is left to start last
# while the other workers run out of work. Other files count 10 s per notebook, 8 per worked
# solution and 0.1 per test. Stale figures only change the order, never what runs.
LONGEST_FILES = {
    "notebooks/12_gpus_and_distribution.ipynb": 55,
    "tests/browser/test_lab.py": 28,
    "tests/test_concurrent_runs.py": 30,
    "notebooks/06_convolutional_networks.ipynb": 22,
    "notebooks/07_recurrent_networks.ipynb": 20,
    "tests/test_exercises_05.py": 17,
    "tests/test_exercises_10.py": 15,
    "tests/test_datasets.py": 13,
    "tests/test_runner.py": 8,
    "notebooks/01_anatomy_of_a_keras_program.ipynb": 15,
    "notebooks/05_checkpoints_and_saving.ipynb": 13,
    "tests/test_startup.py": 11,
}
KERNEL_RUN_DIRS = []  # the folders this process gave its notebook kernels, oldest first
_OWN_DIRS = []


def new_test_run_dir(prefix):
    """A new folder under artifacts/test-runs/ for one process or kernel alone, removed at exit."""
    # As workshop_utils.paths.artifacts_root(), without importing workshop_utils (it loads Keras).
    parent = Path(os.environ.get("WORKSHOP_ARTIFACTS", ROOT / "artifacts")) / "test-runs"
    parent.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    folder = Path(tempfile.mkdtemp(prefix=f"{prefix}-{worker}-", dir=parent))
    _OWN_DIRS.append(folder)
    return folder


def _start_kernel_like_jupyterlab(start_new_kernel):
    def start(*args, **kwargs):
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_CURRENT_TEST"}
        env["WORKSHOP_RUN_DIR"] = str(new_test_run_dir("kernel"))
        KERNEL_RUN_DIRS.append(Path(env["WORKSHOP_RUN_DIR"]))
        kwargs.setdefault("env", env)
        return start_new_kernel(*args, **kwargs)

    return start


def pytest_configure(config):
    # This process's own folder for notebook files (tests that call workshop_utils.setup and the like),
    # relative: inside whatever artifacts folder a test sets (WORKSHOP_ARTIFACTS), so it never claims
    # a learner's artifacts/<notebook>/.
    own = f"test-runs/tests-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}-{os.getpid()}"
    os.environ["WORKSHOP_RUN_DIR"] = own
    _OWN_DIRS.append(Path(os.environ.get("WORKSHOP_ARTIFACTS", ROOT / "artifacts")) / own)
    config.workshop_kernel_run_dirs = KERNEL_RUN_DIRS  # for tests that reuse a notebook's run
    try:
        import nbval.kernel
    except ImportError:  # nbval is not installed: no notebooks to run
        return
    if not getattr(nbval.kernel.start_new_kernel, "_like_jupyterlab", False):
        nbval.kernel.start_new_kernel = _start_kernel_like_jupyterlab(nbval.kernel.start_new_kernel)
        nbval.kernel.start_new_kernel._like_jupyterlab = True


def pytest_unconfigure(config):
    for folder in _OWN_DIRS:
        shutil.rmtree(folder, ignore_errors=True)


def _file_scope(nodeid):
    """The file of a node id without its suffix ("notebooks/04_tensorboard" for each cell's id)."""
    return re.sub(r"\.(py|ipynb)$", "", nodeid.split("::", 1)[0])


_TOGETHER = {_file_scope(test): _file_scope(notebook) for test, notebook in RUN_TOGETHER.items()}


def _group(nodeid):
    """The work unit of a node id on pytest-xdist: its file's scope, or that of the notebook it runs after."""
    scope = _file_scope(nodeid)
    return _TOGETHER.get(scope, scope)


@pytest.hookimpl(optionalhook=True, tryfirst=True)
def pytest_xdist_make_scheduler(config, log):
    """--dist loadfile, with each test file of RUN_TOGETHER on its notebook's worker, after it.

    Also for xdist's default `load` (a bare `pytest -n 2`): spread cell by cell, a notebook's cells would
    land on different kernels and fail with NameErrors.
    """
    if config.getvalue("dist") not in ("load", "loadfile"):
        return None
    from xdist.scheduler import LoadFileScheduling

    config.option.loadscopereorder = False  # keep the longest-first order of the collection (below)

    class CourseScheduling(LoadFileScheduling):
        def _split_scope(self, nodeid):
            return _group(nodeid)

    return CourseScheduling(config, log)


def _file_cost(file, tests):
    """Rough seconds of one file with ``tests`` tests, for the longest-first order."""
    if file in LONGEST_FILES:
        return LONGEST_FILES[file]
    if file.endswith(".ipynb"):
        return 8 if file.startswith("solutions/") else 10
    return 0.1 * tests


def _longest_first(items):
    """Reorder items in place: whole groups (a file, with its RUN_TOGETHER partner after it), longest first."""
    groups, tests = {}, Counter()
    for item in items:
        groups.setdefault(_group(item.nodeid), []).append(item)
        tests[item.nodeid.split("::", 1)[0]] += 1
    weight = Counter()
    for file, count in tests.items():
        weight[_group(file)] += _file_cost(file, count)
    items[:] = [item for group in sorted(groups, key=lambda g: -weight[g]) for item in groups[group]]


def pytest_collection_modifyitems(config, items):
    """Longest files first (see LONGEST_FILES); skip, with the reason, the notebooks about TensorFlow-only
    features under another Keras backend."""
    _longest_first(items)
    notebooks = {item.path.stem for item in items if item.path.suffix == ".ipynb"}
    if not notebooks:
        return
    from workshop_utils.course import backends

    import keras

    backend = keras.backend.backend()
    for item in items:
        reason = item.path.suffix == ".ipynb" and backends.skip_reason(item.path.stem, backend)
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


def stderr_of(outputs):
    """Return what a cell's outputs wrote to standard error (empty string if nothing)."""
    return "".join(o.get("text", "") for o in outputs or [] if o.get("name") == "stderr")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield
    cell = getattr(item, "cell", None)
    if cell is not None and hasattr(item, "test_outputs"):  # an nbval notebook cell
        noise = stderr_of(item.test_outputs)
        if noise.strip():
            first = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
            raise AssertionError(
                f"{item.name} (starts with {first!r}) wrote to standard error, which a learner sees as a "
                f"red block:\n{noise.strip()[:1500]}"
            )
    return result
