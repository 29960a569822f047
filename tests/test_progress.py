"""tools/progress.py (`make progress`): each exercise's last verdict in a learner's saved notebooks.

The notebooks are written here with nbformat, with outputs as Jupyter saves them after a run; the
verdict lines have the form `exercises.check` prints (a test holds them to workshop_utils' Verdict).
"""

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import progress  # noqa: E402

COURSE = progress.course_exercises()
NB01, NB02, NB03 = list(COURSE)[:3]
TOTAL = sum(len(exercises) for exercises in COURSE.values())


def verdict(label, exercise_id, message="the check's words."):
    title = COURSE[next(s for s in COURSE if s.startswith(exercise_id[:2]))][exercise_id]
    return f"{label}  exercise {exercise_id} ({title}): {message}\n"


def stdout(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def error(name="NameError", value="name 'model' is not defined"):
    return nbformat.v4.new_output("error", ename=name, evalue=value, traceback=[f"{name}: {value}"])


def check_cell(exercise_id, outputs=(), count=None, source=None):
    cell = nbformat.v4.new_code_cell(source or f'answer = None\nexercises.check("{exercise_id}", answer)')
    cell.outputs, cell.execution_count = list(outputs), count
    return cell


def save(folder, stem, cells):
    folder.mkdir(parents=True, exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {stem[:2]} · demo")] + cells)
    nbformat.write(nb, folder / f"{stem}.ipynb")
    return folder / f"{stem}.ipynb"


def statuses(results):
    return {r.exercise: r.status for r in results}


def a_learner(folder):
    """01: a PASS, a NOT YET and a NOT STARTED; 02: an error, a cell never run, no check cell."""
    save(
        folder,
        NB01,
        [
            check_cell("01.1", [stdout("Epoch 1/2\n"), stdout(verdict("PASS", "01.1"))], 7),
            check_cell("01.2", [stdout(verdict("NOT YET", "01.2", "the loss does not fit the labels."))], 8),
            check_cell("01.3", [stdout(verdict("NOT STARTED", "01.3", "model is still None."))], 9),
        ],
    )
    save(
        folder,
        NB02,
        [
            check_cell("02.1", [error()], 3),
            check_cell("02.2"),
            nbformat.v4.new_code_cell("print('the learner deleted the check of 02.3')"),
        ],
    )


def test_each_kind_of_verdict_is_read_and_counted(tmp_path):
    a_learner(tmp_path / "my_notebooks")
    results = progress.learner_results(tmp_path / "my_notebooks", COURSE)
    found = statuses(results)
    assert {k: found[k] for k in ("01.1", "01.2", "01.3", "02.1", "02.2", "02.3")} == {
        "01.1": "PASS",
        "01.2": "NOT YET",
        "01.3": "NOT STARTED",
        "02.1": "error",
        "02.2": "not run",
        "02.3": "not run",
    }
    assert {found[k] for k in found if k[:2] not in ("01", "02")} == {"missing"}
    notes = {r.exercise: r.note for r in results}
    assert notes["02.1"] == "NameError: name 'model' is not defined"
    assert notes["02.3"] == 'no cell calls exercises.check("02.3", ...)'
    counts = progress.totals(results)
    assert counts == {
        "PASS": 1,
        "NOT YET": 1,
        "NOT STARTED": 1,
        "error": 1,
        "not run": 2,
        "missing": TOTAL - 6,
        "unreadable": 0,
    }


def test_the_report_prints_a_table_and_totals(tmp_path):
    a_learner(tmp_path / "my_notebooks")
    text = progress.report(tmp_path / "my_notebooks", COURSE)
    lines = text.splitlines()
    assert lines[0] == f"my_notebooks: 1 of {TOTAL} exercises passed"
    row = next(line for line in lines if " 01.1 " in line)
    assert row.split()[:3] == [NB01, "01.1", "PASS"]
    assert any(line.split()[:2] == ["01.2", "NOT"] and "NOT YET" in line for line in lines)
    assert "[NameError: name 'model' is not defined]" in text
    assert lines[-1] == (
        f"  Totals: 1 PASS · 1 NOT YET · 1 NOT STARTED · 1 error · 2 not run · {TOTAL - 6} missing ({TOTAL} exercises)"
    )
    assert "Summary" not in text  # one learner: no summary table


@pytest.mark.parametrize(
    "name, cells",
    [
        (
            "a NOT YET whose words say PASS",
            [check_cell("01.1", [stdout(verdict("NOT YET", "01.1", "PASS needs 0.8, you have 0.5."))], 4)],
        ),
        (
            "a PASS of another exercise in the cell",
            [check_cell("01.1", [stdout(verdict("PASS", "01.2"))], 4)],
        ),
        (
            "a PASS printed by a cell that calls no check",
            [check_cell("01.1", [], None), nbformat.v4.new_code_cell("print('x')")],
        ),
        (
            "a PASS on standard error",
            [
                check_cell(
                    "01.1",
                    [nbformat.v4.new_output("stream", name="stderr", text=verdict("PASS", "01.1"))],
                    4,
                )
            ],
        ),
        (
            "a PASS in a markdown cell",
            [nbformat.v4.new_markdown_cell(verdict("PASS", "01.1")), check_cell("01.1")],
        ),
        (
            "a PASS not at the start of a line",
            [check_cell("01.1", [stdout("print: " + verdict("PASS", "01.1"))], 4)],
        ),
        (
            "an older PASS, a newer NOT YET in another cell",
            [
                check_cell("01.1", [stdout(verdict("PASS", "01.1"))], 3),
                check_cell("01.1", [stdout(verdict("NOT YET", "01.1"))], 12),
            ],
        ),
        (
            "a strict check that did not pass",
            [
                check_cell(
                    "01.1",
                    [stdout(verdict("NOT YET", "01.1")), error("ExerciseNotPassed", "NOT YET ...")],
                    5,
                )
            ],
        ),
        (
            "a verdict line for 01.1 in a cell now calling 01.2",
            [check_cell("01.2", [stdout(verdict("PASS", "01.1"))], 4)],
        ),
    ],
)
def test_a_wrong_verdict_is_never_counted_as_pass(tmp_path, name, cells):
    if name == "a PASS printed by a cell that calls no check":
        cells[1].outputs, cells[1].execution_count = [stdout(verdict("PASS", "01.1"))], 2
    save(tmp_path, NB01, cells)
    found = statuses(progress.learner_results(tmp_path, COURSE))
    assert found["01.1"] != "PASS", name
    assert progress.totals(progress.learner_results(tmp_path, COURSE))["PASS"] == 0


def test_the_last_verdict_counts(tmp_path):
    save(
        tmp_path,
        NB01,
        [
            check_cell("01.1", [stdout(verdict("NOT YET", "01.1"))], 3),
            check_cell("01.1", [stdout(verdict("PASS", "01.1"))], 12),
        ],
    )
    assert statuses(progress.learner_results(tmp_path, COURSE))["01.1"] == "PASS"


def test_a_cell_that_ran_without_a_verdict_says_so(tmp_path):
    save(tmp_path, NB01, [check_cell("01.1", [], 6)])
    result = next(r for r in progress.learner_results(tmp_path, COURSE) if r.exercise == "01.1")
    assert (result.status, result.note) == ("not run", "the cell ran but saved no verdict")


def test_an_unreadable_notebook_is_reported_and_the_rest_still_read(tmp_path):
    a_learner(tmp_path)
    (tmp_path / f"{NB03}.ipynb").write_text("{ this is not a notebook")
    results = progress.learner_results(tmp_path, COURSE)
    broken = [r for r in results if r.notebook == NB03]
    assert broken and {r.status for r in broken} == {"unreadable"}
    assert "JSONDecodeError" in broken[0].note or "NotJSONError" in broken[0].note
    assert statuses(results)["01.1"] == "PASS"


def test_a_renamed_copy_is_read_and_named(tmp_path):
    save(tmp_path, NB01[:2] + "_my_copy", [check_cell("01.1", [stdout(verdict("PASS", "01.1"))], 1)])
    result = next(r for r in progress.learner_results(tmp_path, COURSE) if r.exercise == "01.1")
    assert result.status == "PASS" and result.note == f"read {NB01[:2]}_my_copy.ipynb"


def test_a_folder_per_learner_gives_a_table_each_and_a_summary(tmp_path):
    collected = tmp_path / "collected"
    a_learner(collected / "alice")
    save(collected / "bob", NB01, [check_cell("01.1", [stdout(verdict("NOT YET", "01.1"))], 2)])
    save(
        collected / "bob" / ".ipynb_checkpoints",
        NB01,
        [check_cell("01.1", [stdout(verdict("PASS", "01.1"))], 1)],
    )  # Jupyter's backup: left out
    text = progress.report(collected, COURSE)
    assert f"alice: 1 of {TOTAL} exercises passed" in text and f"bob: 0 of {TOTAL} exercises passed" in text
    assert ".ipynb_checkpoints" not in text
    summary = text.split(f"Summary of 2 folders in {collected} ({TOTAL} exercises each):\n")[1].splitlines()
    assert summary[0].split() == [
        "learner",
        "PASS",
        "NOT",
        "YET",
        "NOT",
        "STARTED",
        "error",
        "not",
        "run",
        "missing",
        "unreadable",
    ]
    assert summary[1].split() == ["alice", "1", "1", "1", "1", "2", str(TOTAL - 6), "0"]
    assert summary[2].split() == ["bob", "0", "1", "0", "0", "2", str(TOTAL - 3), "0"]
    only = progress.report(collected, COURSE, only_summary=True)
    assert "alice:" not in only and only.splitlines()[-2].startswith("alice")


def test_a_missing_or_empty_folder_stops_with_a_message(tmp_path):
    with pytest.raises(SystemExit, match="no such folder.*make lab"):
        progress.report(tmp_path / "my_notebooks", COURSE)
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit, match="no saved notebooks"):
        progress.report(tmp_path / "empty", COURSE)


def test_the_command_line(tmp_path, capsys):
    a_learner(tmp_path / "my_notebooks")
    assert progress.main([str(tmp_path / "my_notebooks")]) == 0
    assert capsys.readouterr().out.startswith(f"my_notebooks: 1 of {TOTAL} exercises passed\n")


def test_the_exercises_and_the_verdict_lines_are_the_registry_s():
    from workshop_utils import exercises
    from workshop_utils.exercises._core import Verdict

    registered = exercises.list_exercises()
    listed = {i: t for per_notebook in COURSE.values() for i, t in per_notebook.items()}
    assert listed == registered
    assert [stem[:2] for stem in COURSE] == sorted({i[:2] for i in registered})
    for status, label in [("pass", "PASS"), ("not yet", "NOT YET"), ("not started", "NOT STARTED")]:
        line = str(Verdict("02.1", registered["02.1"], status, "words."))
        assert line + "\n" == verdict(label, "02.1", "words.")
        match = progress.VERDICT_LINE.match(line)
        assert match and match.groups() == (label, "02.1")
