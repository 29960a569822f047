"""Build a notebook from a plain-text outline (maintainer tool; the .ipynb is what learners use).

An outline is a Python file defining CELLS, a list of ("md" | "code" | "check" | "skip", source) tuples;
"check" is a code cell whose output nbval compares (tag nbval-check-output); "skip" is a code cell that
nbval and the headless runner do not execute (tag nbval-skip), e.g. one that starts a server. Usage:
    python tools/nbbuild.py outline.py notebooks/NN_name.ipynb
then `python tools/nbtool.py refresh notebooks/NN_name.ipynb` to store its checked outputs.
"""

import runpy
import sys
from pathlib import Path

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

sys.path.insert(0, str(Path(__file__).parent))
from nbtool import CHECK_TAG, SKIP_TAG, canonical, dumps  # noqa: E402


def build(cells):
    nb = new_notebook()
    for kind, source in cells:
        source = source.strip("\n")
        if kind == "md":
            nb.cells.append(new_markdown_cell(source))
        elif kind == "code":
            nb.cells.append(new_code_cell(source))
        elif kind == "check":
            nb.cells.append(new_code_cell(source, metadata={"tags": [CHECK_TAG]}))
        elif kind == "skip":
            nb.cells.append(new_code_cell(source, metadata={"tags": [SKIP_TAG]}))
        else:
            raise ValueError(f"unknown cell kind {kind!r}")
    return canonical(nb)


if __name__ == "__main__":
    outline, target = sys.argv[1], sys.argv[2]
    Path(target).write_text(dumps(build(runpy.run_path(outline)["CELLS"])))
    print(f"wrote {target}; now run: python tools/nbtool.py refresh {target}")
