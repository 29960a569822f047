"""Two runs of the same notebook at once must both succeed: each keeps its files in a folder of its own.

Unit tests of the folder logic in workshop_utils/paths.py (a learner's kernel claims
artifacts/<notebook>/, a second kernel gets a folder of its own, managed runs use WORKSHOP_RUN_DIR,
old second folders are pruned only when their run has ended), then notebook 05 run twice at the same
time, as two JupyterLab kernels would: before per-run folders, one of them failed with
FileNotFoundError when the other emptied the shared folder.
"""

import fcntl
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from workshop_utils import self_checks
from workshop_utils.course import config, paths

import pytest
import runner
from nbtool import SKIP_TAG

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "05_checkpoints_and_saving"


@pytest.fixture
def artifacts(tmp_path, monkeypatch):
    """An empty artifacts folder, no managed run, and no claims left from other tests."""
    monkeypatch.setenv("WORKSHOP_ARTIFACTS", str(tmp_path / "artifacts"))
    monkeypatch.delenv("WORKSHOP_RUN_DIR", raising=False)
    monkeypatch.delenv("WORKSHOP_METRICS_DIR", raising=False)
    monkeypatch.setattr(paths, "_claims", {})
    return tmp_path / "artifacts"


def held_by_another_process(root, name):
    """Hold the lock of ``name`` as another live process would (flock locks are per open file)."""
    (root / ".locks").mkdir(parents=True, exist_ok=True)
    handle = open(root / ".locks" / f"{name}.lock", "a")  # noqa: SIM115 - the caller closes it
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise
    return handle


def test_a_learner_kernel_uses_the_notebooks_own_folder(artifacts):
    folder = paths.artifacts_dir(NOTEBOOK, "checkpoints")
    assert folder == artifacts / NOTEBOOK / "checkpoints" and folder.is_dir()
    assert paths.metrics_file(NOTEBOOK) == artifacts / NOTEBOOK / "metrics.json"
    assert paths.artifacts_dir("standins") == artifacts / "standins"  # shared folders stay shared


def test_a_second_kernel_gets_a_folder_of_its_own_and_says_where(artifacts, capsys):
    with held_by_another_process(artifacts, NOTEBOOK):
        folder = paths.notebook_dir(NOTEBOOK)
        assert folder != artifacts / NOTEBOOK
        assert folder.parent == artifacts and folder.name.startswith(f"{NOTEBOOK}.")
        assert folder.name.endswith(f"-{os.getpid()}") and folder.is_dir()
        assert str(folder) in capsys.readouterr().err
        assert paths.artifacts_dir(NOTEBOOK, "saved") == folder / "saved"  # the same folder all run long


def test_the_claim_survives_the_notebook_emptying_its_folder(artifacts):
    import shutil

    folder = paths.notebook_dir(NOTEBOOK)
    shutil.rmtree(folder)  # what notebooks 05 and 12 do first
    assert paths.artifacts_dir(NOTEBOOK) == folder and folder.is_dir()
    with pytest.raises(BlockingIOError):  # another kernel still finds the folder taken
        held_by_another_process(artifacts, NOTEBOOK)


def test_without_the_lock_two_kernels_would_share_a_folder(artifacts, monkeypatch):
    """The wrong input: with locking off (as on Windows) both claims get one folder, which the test above
    would catch."""
    monkeypatch.setattr(paths, "fcntl", None)
    first = paths.notebook_dir(NOTEBOOK)
    monkeypatch.setattr(paths, "_claims", {})
    assert paths.notebook_dir(NOTEBOOK) == first


def test_a_managed_run_writes_under_its_run_folder(artifacts, tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_RUN_DIR", str(tmp_path / "run-a"))
    assert paths.artifacts_dir(NOTEBOOK, "saved") == tmp_path / "run-a" / NOTEBOOK / "saved"
    assert paths.metrics_file(NOTEBOOK) == tmp_path / "run-a" / NOTEBOOK / "metrics.json"
    assert paths.artifacts_dir("standins") == artifacts / "standins"
    assert not (artifacts / NOTEBOOK).exists()


def test_two_runs_record_their_figures_apart(artifacts, tmp_path, monkeypatch):
    cfg = config.notebook_settings(NOTEBOOK, "smoke")
    for run, value in [("run-a", 0.9), ("run-b", 0.1)]:
        monkeypatch.setenv("WORKSHOP_RUN_DIR", str(tmp_path / run))
        self_checks.record_metric(cfg, "test_accuracy", value)
    figures = {
        run: json.loads((tmp_path / run / NOTEBOOK / "metrics.json").read_text())[0]["value"]
        for run in ("run-a", "run-b")
    }
    assert figures == {"run-a": pytest.approx(0.9), "run-b": pytest.approx(0.1)}
    assert not list((tmp_path / "run-a" / NOTEBOOK).glob(".*partial"))  # written, then renamed


def test_prune_removes_only_old_second_folders_whose_run_ended(artifacts):
    day = paths.FALLBACK_KEEP_SECONDS
    old_ended, old_live, recent = (artifacts / f"{NOTEBOOK}.2026010{n}-000000-{n}" for n in (1, 2, 3))
    for folder in (old_ended, old_live, recent):
        (folder / "checkpoints").mkdir(parents=True)
    other = artifacts / "04_tensorboard.20260101-000000-9"
    other.mkdir()
    for folder in (old_ended, old_live, other):
        os.utime(folder, (time.time() - day - 60,) * 2)
    with held_by_another_process(artifacts, old_live.name):
        paths._prune_fallbacks(artifacts, NOTEBOOK)
        assert not old_ended.exists() and not (artifacts / ".locks" / f"{old_ended.name}.lock").exists()
        assert old_live.is_dir() and recent.is_dir()  # still running; less than a day old
        assert other.is_dir()  # another notebook's


def test_new_run_dir_never_hands_out_a_name_twice(tmp_path):
    first = paths.new_run_dir(tmp_path / "runs", "20260101-000000-smoke")
    second = paths.new_run_dir(tmp_path / "runs", "20260101-000000-smoke")
    assert first != second and first.is_dir() and second.is_dir()
    assert second.name == "20260101-000000-smoke-2"


def test_link_latest_replaces_the_link_in_one_step(tmp_path):
    first, second = (paths.new_run_dir(tmp_path, name) for name in ("a", "b"))
    link = paths.link_latest(first)
    assert link.resolve() == first.resolve()
    paths.link_latest(second)
    assert link.resolve() == second.resolve()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "latest"]  # no temporary left


def test_the_runner_reads_the_figures_of_the_run_it_started(tmp_path, monkeypatch):
    """A kernel's figures reach the runner's report through its run folder, not a shared file."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    monkeypatch.setenv("WORKSHOP_ARTIFACTS", str(tmp_path / "artifacts"))
    monkeypatch.setenv("WORKSHOP_METRICS_DIR", str(tmp_path / "elsewhere"))  # the runner ignores it
    books = tmp_path / "notebooks"
    books.mkdir()
    source = (
        "from workshop_utils import self_checks\nfrom workshop_utils.course import config\n"
        f"self_checks.record_metric(config.notebook_settings('{NOTEBOOK}', 'smoke'), 'test_accuracy', 0.5)"
    )
    nbformat.write(new_notebook(cells=[new_code_cell(source)]), books / f"{NOTEBOOK}.ipynb")
    run_dir = paths.new_run_dir(tmp_path / "runs", "one")
    result = runner.run_notebook(books / f"{NOTEBOOK}.ipynb", run_dir, "smoke", timeout=300)
    assert result.passed, result.why
    assert [m["value"] for m in result.metrics] == [0.5]
    assert (run_dir / NOTEBOOK / "metrics.json").is_file() and not (tmp_path / "elsewhere").exists()


# A kernel driven as JupyterLab drives it (nbclient, as tools/runner.py does), from a process that
# does not load Keras itself: only the two kernels do.
DRIVER = f"""
import sys
from pathlib import Path
import nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
folder = str(Path(sys.argv[1]).parent)
NotebookClient(nb, timeout=600, kernel_name="python3", skip_cells_with_tag={SKIP_TAG!r},
               resources={{"metadata": {{"path": folder}}}}).execute()
print("finished")
"""


def test_two_kernels_run_notebook_05_at_once(tmp_path):
    """Notebook 05 (smoke) twice at the same time in one checkout, as two JupyterLab kernels: both pass."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("WORKSHOP_RUN_DIR", "WORKSHOP_METRICS_DIR", "PYTEST_CURRENT_TEST")
    }
    env.update(WORKSHOP_PROFILE="smoke", WORKSHOP_ARTIFACTS=str(tmp_path / "artifacts"))
    notebook = ROOT / "notebooks" / f"{NOTEBOOK}.ipynb"
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", DRIVER, str(notebook)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=900)[0] for run in runs]
    for run, output in zip(runs, outputs):
        assert run.returncode == 0 and "finished" in output, output[-3000:]
    folders = sorted(p.name for p in (tmp_path / "artifacts").iterdir() if p.name.startswith(NOTEBOOK))
    assert len(folders) == 2 and folders[0] == NOTEBOOK, folders  # one claimed the folder, one had its own
    for name in folders:
        recorded = json.loads((tmp_path / "artifacts" / name / "metrics.json").read_text())
        assert recorded and all(entry["passed"] for entry in recorded if entry.get("target") is not None)
