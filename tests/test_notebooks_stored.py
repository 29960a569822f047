"""tools/nbtool.py: the one-line verdict on a notebook run in Jupyter, and learners' copies.

The rules every notebook keeps (stored form, title, header, recap, exercises, removed APIs, paths) live in
tools/nblint.py; tests/test_notebook_lint.py runs them over notebooks/ and solutions/.
"""

import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import nbtool  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_a_notebook_run_in_jupyter_gets_one_readable_line(tmp_path):
    nb = nbformat.read(NOTEBOOKS[0], as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code" and not nbtool.is_checked(cell):
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="learner's output\n")]
            cell.execution_count = 7
    ran = tmp_path / NOTEBOOKS[0].name
    nbformat.write(nb, ran)
    message = nbtool.verdict(ran)
    assert message.startswith(f"notebooks/{ran.name} holds outputs saved from a run (cell ")
    assert f"git checkout -- notebooks/{ran.name}" in message and "\n" not in message
    assert nbtool.verdict(NOTEBOOKS[0]) is None


def test_workspace_copies_without_overwriting(tmp_path):
    mine = tmp_path / "my_notebooks"
    assert nbtool.workspace(ROOT / "notebooks", mine) == [p.name for p in NOTEBOOKS if p.name[0].isdigit()]
    (mine / NOTEBOOKS[0].name).write_text("my edits")
    assert nbtool.workspace(ROOT / "notebooks", mine) == []
    assert (mine / NOTEBOOKS[0].name).read_text() == "my edits"
