"""Keep the course notebooks in their one stored form.

Storage policy (a test enforces it):
* Only cells tagged ``nbval-check-output`` keep outputs (text only, no images) and an execution
  count: these are the deterministic outputs nbval compares (shapes, sizes, parameter counts).
* Every other code cell is stored without outputs and with ``execution_count: null``, so nbval
  runs it but does not compare it, and diffs stay readable.
* Cell ids are ``c01``, ``c02``, ...; notebook metadata is only the kernel and language; JSON is
  written by nbformat (indent 1, sorted keys) with a final newline.

Usage (from the project root, inside the virtual environment):
    python tools/nbtool.py refresh notebooks/02_*.ipynb   # execute in the smoke profile, keep checked outputs
    python tools/nbtool.py format notebooks/*.ipynb        # rewrite in canonical form (no execution)
    python tools/nbtool.py check notebooks/*.ipynb         # exit 1 if any notebook breaks the policy
    python tools/nbtool.py workspace notebooks my_notebooks  # copies for a learner (make lab)
"""

import os
import subprocess
import sys
from pathlib import Path

import nbformat

# The nbval cell tags, named here only (the main job, nbbuild and nblint import them).
CHECK_TAG = "nbval-check-output"  # outputs compared by nbval and kept in the stored notebook
SKIP_TAG = "nbval-skip"  # cells that cannot run headless (e.g. starting the TensorBoard server)
METADATA = {
    "kernelspec": {"display_name": "Python 3 (keras-workshop)", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}


def is_checked(cell):
    return cell.cell_type == "code" and CHECK_TAG in cell.get("metadata", {}).get("tags", [])


def canonical(nb):
    """Return a copy of the notebook in stored form (outputs kept only on checked cells)."""
    nb = nbformat.from_dict(nb)
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata = nbformat.from_dict(METADATA)
    for index, cell in enumerate(nb.cells, start=1):
        cell.id = f"c{index:02d}"
        tags = cell.get("metadata", {}).get("tags", [])
        cell.metadata = nbformat.from_dict({"tags": tags} if tags else {})
        if cell.cell_type != "code":
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            continue
        if is_checked(cell) and cell.get("execution_count") is not None:
            for output in cell.outputs:
                if "execution_count" in output:
                    output.execution_count = cell.execution_count
        else:
            cell.outputs = []
            cell.execution_count = None
    return nb


def dumps(nb):
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def problems(path):
    """List the ways a stored notebook breaks the policy (empty when it is fine)."""
    text = Path(path).read_text()
    nb = nbformat.reads(text, as_version=4)
    found = []
    for index, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        if is_checked(cell):
            if cell.execution_count is None or not cell.outputs:
                found.append(f"cell {index}: tagged {CHECK_TAG} but has no stored outputs (run refresh)")
            for output in cell.outputs:
                data = output.get("data", {})
                if any(k.startswith("image/") for k in data) or output.get("output_type") == "error":
                    found.append(f"cell {index}: a checked cell may only store text outputs")
        elif cell.outputs or cell.execution_count is not None:
            found.append(f"cell {index}: untagged cell has stored outputs (run format)")
    if text != dumps(canonical(nb)):
        found.append("not in canonical form (run `python tools/nbtool.py format`)")
    return found


def verdict(path):
    """Return one readable line on what is wrong with a stored notebook and the command that fixes it (None if fine)."""
    found = problems(path)
    if not found:
        return None
    path = Path(path)
    name = f"notebooks/{path.name}"
    number = path.name.split("_")[0]
    ran = [p.split(":")[0] for p in found if "untagged cell has stored outputs" in p]
    if ran:
        return (
            f"{name} holds outputs saved from a run ({', '.join(ran[:5])}{', ...' if len(ran) > 5 else ''}). "
            f"If you ran it in Jupyter, restore the course copy with `git checkout -- {name}` (this drops "
            f"your edits; `make lab` opens copies in my_notebooks/ so that this does not happen). If you "
            f"changed it on purpose, store it with `make refresh-notebooks NB={number}`."
        )
    return f"{name} is not in the stored form ({'; '.join(found)}). Store it with `make refresh-notebooks NB={number}`."


def workspace(source_dir, target_dir):
    """Copy the course notebooks that are not there yet into a learner's folder; never overwrite one."""
    target_dir = Path(target_dir)
    target_dir.mkdir(parents=True, exist_ok=True)
    copied = []
    for source in sorted(Path(source_dir).glob("[0-9]*.ipynb")):
        target = target_dir / source.name
        if not target.exists():
            target.write_text(source.read_text())
            copied.append(source.name)
    return copied


def refresh(path):
    """Execute a notebook in the smoke profile and store it with its checked outputs."""
    from runner import execute_notebook

    nb = nbformat.read(path, as_version=4)
    os.environ["WORKSHOP_PROFILE"] = "smoke"
    execute_notebook(nb, Path(path).parent, stderr=subprocess.DEVNULL)  # not the kernel's own log lines
    Path(path).write_text(dumps(canonical(nb)))


def main(argv):
    if argv[:1] == ["workspace"] and len(argv) == 3:
        copied = workspace(argv[1], argv[2])
        print(
            f"Your notebooks are in {argv[2]}/ (git ignores it; {len(copied)} new copies). "
            f"The course copies in {argv[1]}/ stay as they are."
        )
        return 0
    if len(argv) < 2 or argv[0] not in ("refresh", "format", "check"):
        print(__doc__)
        return 2
    command, files = argv[0], argv[1:]
    status = 0
    for file in files:
        if command == "refresh":
            print(f"refreshing {file}", flush=True)
            refresh(file)
        elif command == "format":
            nb = nbformat.read(file, as_version=4)
            Path(file).write_text(dumps(canonical(nb)))
        for problem in problems(file):
            status = 1
            print(f"{file}: {problem}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
