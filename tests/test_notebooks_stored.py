"""Notebooks are stored in one canonical form (see tools/nbtool.py) and follow the course's shape."""
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import nbtool  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
BANNED = ["predict_classes", "tf_keras", "tensorflow_hub", "make_one_shot_iterator", "target_tensors",
          "tf.compat.v1", "pd.datetime", "np_utils", "'/tmp", '"/tmp']
# Monitoring "val_acc" silently breaks checkpoints (the key is val_accuracy); 05 shows the bug on purpose
# through a variable, never as a literal argument.
WRONG_MONITOR = re.compile(r"monitor\s*=\s*[\"']val_acc[\"']")


def test_notebooks_exist_and_are_numbered():
    names = [p.name for p in NOTEBOOKS]
    assert names and all(n[:2].isdigit() and n[2] == "_" for n in names), names
    assert len({n[:2] for n in names}) == len(names), "two notebooks share a number"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_form(path):
    message = nbtool.verdict(path)
    if message:
        pytest.fail(message, pytrace=False)


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


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_shape_of_a_lesson(path):
    nb = nbformat.read(path, as_version=4)
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    assert "What you will learn" in nb.cells[0].source and "Run time" in nb.cells[0].source
    assert "## Setup" in markdown and "## What you learned" in markdown and "## Exercises" in markdown
    assert f'workshop_utils.setup("{path.stem}")' in code
    for banned in BANNED:
        assert banned not in code, f"{path.name} uses {banned}"
    assert not WRONG_MONITOR.search(code), f"{path.name} monitors val_acc"
    assert any("nbval-check-output" in c.metadata.get("tags", []) for c in nb.cells), \
        "at least one deterministic output must be compared"
