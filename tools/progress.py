"""Exercise progress: each exercise's last verdict in a learner's saved notebooks.

Usage (from the project root; `make progress` or `make progress DIR=collected/`):
    python tools/progress.py [FOLDER] [--summary]

FOLDER holds saved copies of the course notebooks (default: my_notebooks/, where `make lab` puts
a learner's copies). A folder of folders, one per learner as an instructor collects them, gives one
table per learner and a summary table; --summary prints the summary only. Hidden folders (such as
Jupyter's .ipynb_checkpoints) are left out.

The exercises come from the registry (workshop_utils/exercises/nbNN.py, read as text). A verdict is
the line `exercises.check` prints into the output of the cell that calls it:
"PASS  exercise 02.1 (...): ...".
Per exercise the table shows:
    PASS, NOT YET, NOT STARTED  the last verdict saved in a cell that calls check for that exercise
    error                       that cell stopped with an error before a verdict (named)
    not run                     no saved verdict: the cell never ran, or no cell calls its check
    missing                     the notebook is not in the folder
    unreadable                  the notebook file cannot be read
Only a verdict printed by a cell that calls the exercise's own check counts: a verdict for another
exercise, or text elsewhere that looks like one, does not.
"""

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import nblint  # noqa: E402

VERDICTS = ("PASS", "NOT YET", "NOT STARTED")
STATUSES = VERDICTS + ("error", "not run", "missing", "unreadable")
VERDICT_LINE = re.compile(r"^(PASS|NOT YET|NOT STARTED)  exercise (\d\d\.\d) \(", re.MULTILINE)
NOTEBOOK_NAME = re.compile(r"^(\d\d)_.*\.ipynb$")


@dataclass(frozen=True)
class Result:
    """One exercise of one learner: its status (one of STATUSES) and a short note."""

    notebook: str
    exercise: str
    title: str
    status: str
    note: str = ""


def course_exercises(course=ROOT / "notebooks"):
    """{notebook stem: {exercise id: title}} for the course notebooks with checked exercises."""
    found = {}
    for path in sorted(Path(course).glob("[0-9][0-9]_*.ipynb")):
        registered = nblint.registered_exercises(path.name[:2])
        if registered:
            found[path.stem] = dict(sorted(registered.items()))
    return found


def calls_check(source, exercise_id):
    return re.search(rf"""\bcheck\(\s*["']{re.escape(exercise_id)}["']""", source) is not None


def cell_outcome(cell, exercise_id):
    """(status, note) of one cell that calls the exercise's check, from its saved outputs."""
    verdicts, errors = [], []
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stdout":
            text = output.get("text", "")
            text = "".join(text) if isinstance(text, list) else text
            verdicts += [m[1] for m in VERDICT_LINE.finditer(text) if m[2] == exercise_id]
        elif output.get("output_type") == "error":
            errors.append(f"{output.get('ename', 'Error')}: {str(output.get('evalue', ''))[:80]}")
    if verdicts:
        return verdicts[-1], ""
    if errors:
        return "error", errors[-1]
    if cell.get("outputs") or cell.get("execution_count") is not None:
        return "not run", "the cell ran but saved no verdict"
    return "not run", ""


def notebook_results(path, stem, exercises):
    """Results of the exercises of one saved notebook (path None: missing from the folder)."""

    def every(status, note):
        return [Result(stem, i, title, status, note) for i, title in exercises.items()]

    if path is None:
        return every("missing", "")
    try:
        nb = nbformat.read(path, as_version=4)
        cells = [c for c in nb.cells if c.get("cell_type") == "code"]
    except Exception as exc:  # noqa: BLE001  unreadable, not JSON, not a notebook: say so, go on
        return every("unreadable", f"{type(exc).__name__}: {str(exc)[:80]}")
    results = []
    for exercise_id, title in exercises.items():
        callers = [c for c in cells if calls_check(c.get("source", ""), exercise_id)]
        if not callers:
            results.append(
                Result(
                    stem,
                    exercise_id,
                    title,
                    "not run",
                    f'no cell calls exercises.check("{exercise_id}", ...)',
                )
            )
            continue
        outcomes = [(c.get("execution_count") or 0, n, cell_outcome(c, exercise_id)) for n, c in enumerate(callers)]
        ran = [o for o in outcomes if o[2][0] != "not run" or o[2][1]]
        status, note = max(ran or outcomes)[2]  # the last one run (highest execution count)
        results.append(Result(stem, exercise_id, title, status, note))
    return results


def pick_file(folder, stem):
    """The learner's copy of a course notebook: same name, else the newest with the same number."""
    exact = folder / f"{stem}.ipynb"
    if exact.is_file():
        return exact, ""
    same = sorted(p for p in folder.glob(f"{stem[:2]}_*.ipynb") if p.is_file())
    if not same:
        return None, ""
    newest = max(same, key=lambda p: p.stat().st_mtime)
    note = f"read {newest.name}" + (f" (newest of {len(same)} numbered {stem[:2]})" if len(same) > 1 else "")
    return newest, note


def learner_results(folder, course):
    """Every exercise's Result for the notebooks saved in one folder."""
    results = []
    for stem, exercises in course.items():
        path, note = pick_file(folder, stem)
        for result in notebook_results(path, stem, exercises):
            if note and not result.note:
                result = Result(result.notebook, result.exercise, result.title, result.status, note)
            results.append(result)
    return results


def learner_folders(root):
    """Folders under root (root included) that hold notebooks, hidden folders left out."""
    folders = set()
    for path in root.rglob("*.ipynb"):
        parts = path.relative_to(root).parts
        if not any(part.startswith(".") for part in parts) and NOTEBOOK_NAME.match(path.name):
            folders.add(path.parent)
    return sorted(folders)


def totals(results):
    return {status: sum(r.status == status for r in results) for status in STATUSES}


def totals_line(results):
    counts = totals(results)
    shown = [f"{counts[s]} {s}" for s in STATUSES if counts[s] or s in VERDICTS]
    return f"Totals: {' · '.join(shown)} ({len(results)} exercises)"


def table(results):
    """One line per exercise: notebook (on its first exercise), id, verdict, title, note."""
    width = max([len("notebook")] + [len(r.notebook) for r in results])
    lines = [f"  {'notebook':<{width}}  exercise  {'verdict':<11}  title"]
    shown = None
    for r in results:
        name = r.notebook if r.notebook != shown else ""
        shown = r.notebook
        title = r.title if len(r.title) <= 44 else r.title[:43] + "…"
        note = f"  [{r.note}]" if r.note else ""
        lines.append(f"  {name:<{width}}  {r.exercise:<8}  {r.status:<11}  {title}{note}".rstrip())
    return "\n".join(lines)


def summary(per_learner):
    """One line per learner: the count of each status."""
    width = max([len("learner")] + [len(name) for name in per_learner])
    head = f"{'learner':<{width}}  " + "  ".join(f"{s:>{max(len(s), 3)}}" for s in STATUSES)
    lines = [head]
    for name, results in per_learner.items():
        counts = totals(results)
        lines.append(f"{name:<{width}}  " + "  ".join(f"{counts[s]:>{max(len(s), 3)}}" for s in STATUSES))
    return "\n".join(lines)


def report(root, course=None, only_summary=False):
    """The progress report, as text, of a learner's folder or of a folder of learners' folders."""
    root = Path(root)
    course = course_exercises() if course is None else course
    if not root.is_dir():
        raise SystemExit(
            f"{root}: no such folder. A learner's copies are in my_notebooks/ (made by "
            "`make lab`); name another folder with `make progress DIR=...`."
        )
    folders = learner_folders(root)
    if not folders:
        raise SystemExit(f"{root}: no saved notebooks (NN_name.ipynb) in it or in its folders.")
    per_learner = {}
    for folder in folders:
        name = str(folder.relative_to(root)) if folder != root else root.name or str(root)
        per_learner[name] = learner_results(folder, course)
    count = sum(len(exercises) for exercises in course.values())
    parts = []
    if not only_summary:
        for name, results in per_learner.items():
            passed = totals(results)["PASS"]
            parts += [
                f"{name}: {passed} of {count} exercises passed",
                table(results),
                "  " + totals_line(results),
                "",
            ]
    if len(per_learner) > 1 or only_summary:
        folders = f"{len(per_learner)} folder{'s' * (len(per_learner) > 1)}"
        parts += [f"Summary of {folders} in {root} ({count} exercises each):", summary(per_learner)]
    return "\n".join(parts).rstrip("\n")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="progress.py", description="Each exercise's last verdict in saved notebooks.")
    parser.add_argument(
        "folder",
        nargs="?",
        default="my_notebooks",
        help="a learner's notebooks, or a folder of learners' folders (default: my_notebooks)",
    )
    parser.add_argument("--summary", action="store_true", help="print only the table of counts per folder")
    args = parser.parse_args(argv)
    print(report(args.folder, only_summary=args.summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
