"""The main job keeps going past failures, says why and how to fix, and exits non-zero."""

from workshop_utils import datasets

import nbformat
import run_report
import runner
from nbformat.v4 import new_code_cell, new_notebook


def _notebook(folder, name, *sources, tags=()):
    nb = new_notebook(cells=[new_code_cell(s) for s in sources])
    for cell in nb.cells:
        cell.metadata["tags"] = list(tags)
    nbformat.write(nb, folder / f"{name}.ipynb")


def test_runner_reports_each_outcome(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WORKSHOP_ARTIFACTS", str(tmp_path / "artifacts"))
    books = tmp_path / "notebooks"
    books.mkdir()
    _notebook(books, "01_ok", "print('hello')")
    # The loaders' error, by the name the runner knows it by; defined here so that the kernel need not
    # load Keras (workshop_utils does) for it.
    assert datasets.DatasetUnavailable.__name__ == "DatasetUnavailable"
    _notebook(
        books,
        "02_no_data",
        "class DatasetUnavailable(RuntimeError):\n    pass\n"
        "raise DatasetUnavailable('The X dataset is not available.\\nFix, either:\\n  - do this')",
    )
    _notebook(books, "03_broken", "1 / 0")
    _notebook(books, "04_skipped_cell", "raise SystemExit('must not run')", tags=["nbval-skip"])
    status = runner.main(["--notebooks-dir", str(books), "--profile", "smoke"])
    assert status == 1
    latest = tmp_path / "artifacts" / "runs" / "latest"
    report = (latest / "report.md").read_text()
    assert "3 of 4" not in report and "2 of 4 notebooks passed" in report
    assert "| 01_ok | smoke |" in report and "| PASS |" in report
    assert "### 02_no_data: dataset unavailable" in report and "- Fix: either:\n    - do this" in report
    assert "### 03_broken: failed" in report and "ZeroDivisionError" in report
    assert "04_skipped_cell" in report and "### 04_skipped_cell" not in report
    assert (latest / "report.html").read_text().count("<tr") == 5
    assert (latest / "03_broken.ipynb").is_file() and (latest / "03_broken.html").is_file()


def test_runner_only_filter_and_success_exit(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_ARTIFACTS", str(tmp_path / "artifacts"))
    books = tmp_path / "notebooks"
    books.mkdir()
    _notebook(books, "01_ok", "x = 1")
    _notebook(books, "02_broken", "1 / 0")
    assert runner.main(["01", "--notebooks-dir", str(books), "--profile", "smoke"]) == 0
    assert runner.main(["99", "--notebooks-dir", str(books), "--profile", "smoke"]) == 2


def test_headline_shows_target_and_standins():
    result = runner.Result(
        "02",
        metrics=[
            {
                "metric": "test_accuracy",
                "value": 0.9,
                "target": 0.88,
                "direction": "min",
                "passed": True,
                "standins": ["fashion_mnist"],
            }
        ],
    )
    assert run_report.headline(result) == "test_accuracy 0.9000 (target >= 0.88: met) [stand-in data]"


def test_report_lists_cells_that_wrote_to_stderr_and_every_figure(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKSHOP_ARTIFACTS", str(tmp_path / "artifacts"))
    books = tmp_path / "notebooks"
    books.mkdir()
    _notebook(books, "01_noisy", "print('fine')", "import sys; sys.stderr.write('oops\\n')")
    assert runner.main(["--notebooks-dir", str(books), "--profile", "smoke"]) == 0
    report = (tmp_path / "artifacts" / "runs" / "latest" / "report.md").read_text()
    assert "## Cells that wrote to standard error" in report and "- 01_noisy: cells 2" in report
    result = runner.Result(
        "x",
        metrics=[
            {"metric": "a", "value": 0.5, "target": 0.4, "direction": "min", "passed": True},
            {"metric": "b_train_seconds", "value": 3.0},
        ],
    )
    assert run_report.figure(result.metrics[1]) == "b_train_seconds 3.0000"
