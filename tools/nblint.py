"""Notebook lint: the one place for the rules every course notebook and worked solution keeps.

Usage (from the project root, inside the virtual environment; `make lint` and `make lint-fix`):
    python tools/nblint.py check [PATHS]   # exit 1 and print one line per problem: file, cell, what, how to fix
    python tools/nblint.py fix [PATHS]     # fix what can be fixed, then say what could not
PATHS are notebooks or folders (default: notebooks/ and solutions/). Option: --report FILE, the
results.json of a run of the main job (default: artifacts/runs/latest/results.json).

Rules for course notebooks (notebooks/NN_name.ipynb), each with its id as printed:
  name           file named NN_name.ipynb, no two notebooks share a number
  stored-form    the stored form of tools/nbtool.py (outputs only on cells tagged nbval-check-output)
  title          the first cell is markdown and starts with "# NN · Title" (NN = the file's number)
  learn          the first cell says "What you will learn"
  run-time       the first cell has a "**Run time:**" line written by `fix` from the last workshop run report
  prerequisites  the first cell says "Prerequisites"
  launch-links   the first cell's "Open in Colab" / "Open in Vertex AI Workbench" links match the repository
                 setting ([tool.keras-workshop] in pyproject.toml)
  colab-install  notebook 00's first code cell installs the course package on Google Colab (only there),
                 from the repository setting
  setup          a "## Setup" heading and the call workshop_utils.setup("<file stem>")
  checked-output at least one cell tagged nbval-check-output (a deterministic output nbval compares)
  recap          a "## What you learned" heading
  exercises      a "## Exercises" heading, after the recap
  todo           no TODO, FIXME or XXX in any cell
  removed-api    no call of an API that Keras 3 / TensorFlow 2 / pandas 2 removed (code cells only, so that
                 markdown may name them)
  outside-path   no path outside the project in code: absolute paths (/tmp, /home, C:\\), ~, .., the home or
                 temporary folder; build paths from workshop_utils.paths (artifacts_dir) instead
Worked solutions (solutions/NN_name.ipynb) keep name, stored-form, todo, removed-api and outside-path, and
start with "# Solutions · NN · Title".

`fix` repairs stored-form (tools/nbtool.canonical), run-time, launch-links and colab-install; the others
need an author. Run times: when the report is of a `workshop` run, each notebook's run-time sentence
becomes "**Run time:** about 2 minutes in the `workshop` profile (the default) on a 2-core CPU, measured
on 2026-11-25 with the TensorFlow backend." Only that sentence is the tool's: hand-written sentences
after it (on the next lines) stay. A notebook the run did not pass keeps its line, and `fix` says so.
"""
import argparse
import ast
import io
import json
import os
import re
import sys
import textwrap
import tokenize
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
import nbtool  # noqa: E402

DEFAULT_PATHS = (ROOT / "notebooks", ROOT / "solutions")
PYPROJECT = ROOT / "pyproject.toml"
# Notebooks whose first code cell installs the course package on Google Colab.
COLAB_INSTALL_NOTEBOOKS = ("00",)
COLAB_MARKER = '"google.colab" in sys.modules'

COURSE_NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
TITLE = re.compile(r"^# (\d\d) · \S")
SOLUTION_TITLE = re.compile(r"^# Solutions · (\d\d) · \S")
TODO = re.compile(r"\b(TODO|FIXME|XXX)\b")

# Removed APIs, matched in code cells only (markdown may name them in words): pattern, what to use instead.
_OPTIMIZERS = r"\b(?:SGD|Adam|AdamW|RMSprop|Adagrad|Adadelta|Adamax|Nadam|Ftrl|Lion)\((?:[^()]|\([^()]*\))*?"
REMOVED_APIS = [
    (r"\bpredict_classes\b", "predict_classes",
     "np.argmax(model.predict(x), axis=-1) (or `> 0.5` for one sigmoid output)"),
    (r"\btf_keras\b", "tf_keras (Keras 2)", "import keras (Keras 3)"),
    (r"\btensorflow_hub\b", "tensorflow_hub", "keras.applications or KerasHub (keras_hub) models"),
    (r"\bmake_one_shot_iterator\b", "make_one_shot_iterator", "iterate the tf.data.Dataset itself (`for x in ds`)"),
    (r"\btarget_tensors\b", "target_tensors", "pass the targets to fit(x, y)"),
    (r"\btf\.compat\.v1\b", "tf.compat.v1", "TensorFlow 2 and Keras 3 APIs"),
    (r"\btf\.(?:Session|placeholder|contrib)\b", "a TensorFlow 1 API (Session, placeholder, contrib)",
     "eager code or tf.function"),
    (r"\b(?:get|set)_session\b", "get_session/set_session", "nothing: Keras 3 has no sessions"),
    (r"\bpd\.datetime\b", "pd.datetime (removed in pandas 2.0)", "datetime.datetime or pd.Timestamp"),
    (r"\bnp_utils\b", "np_utils", "keras.utils.to_categorical"),
    (r"monitor\s*=\s*[\"']val_acc[\"']", 'monitor="val_acc" (a key Keras never logs)',
     'monitor="val_accuracy" (the key follows the metric\'s name)'),
    (r"\b(?:fit|evaluate|predict)_generator\b", "fit_generator/evaluate_generator/predict_generator",
     "fit/evaluate/predict, which take generators and keras.utils.PyDataset"),
    (r"\bkeras\.wrappers\b", "keras.wrappers.scikit_learn", "the scikeras package"),
    (r"\bCuDNN(?:LSTM|GRU)\b", "CuDNNLSTM/CuDNNGRU", "keras.layers.LSTM/GRU (they use cuDNN by themselves)"),
    (r"\bkeras\.engine\b", "keras.engine", "the public keras.* API"),
    (r"\b(?:set_)?learning_phase\b", "learning_phase/set_learning_phase", "pass training=True/False to the call"),
    (_OPTIMIZERS + r"\blr\s*=", "the optimizer argument lr=", "learning_rate="),
    (_OPTIMIZERS + r"\bdecay\s*=", "the optimizer argument decay=", "a keras.optimizers.schedules schedule"),
    (r"\bsave_format\s*=", "save(..., save_format=...)",
     "the file suffix (.keras, .weights.h5), or model.export for a SavedModel"),
]
REMOVED_APIS = [(re.compile(p), name, instead) for p, name, instead in REMOVED_APIS]

# Paths outside the project, in the value of a string literal or an argument of a shell/magic line.
# An absolute POSIX path is a known root folder ("/tmp", "/home/me") or has two parts ("/a/b"): a lone
# "/validation" is a suffix such as a TensorBoard run name, and "/GPU:0" or "/job:worker/task:0" are
# TensorFlow device names.
ROOTS = ("tmp|var|home|Users|root|work|shared|mnt|media|data|datasets|content|opt|srv|scratch|usr|etc|private|"
         "Volumes|dev|run|nfs|gpfs|lustre")
OUTSIDE_START = re.compile(rf"^(?:/(?![\w-]+:)(?:(?:{ROOTS})(?:[\\/]|$)|[\w.~-]+/[\w.~-])"
                           r"|~(?:[\\/]|$|\w+[\\/])|[A-Za-z]:[\\/]|\\\\)")
PARENT_PART = re.compile(r"(?:^|[\\/])\.\.(?:[\\/]|$)")
OUTSIDE_CODE = [
    (re.compile(r"\bPath\.home\s*\("), "Path.home() (the home folder)"),
    (re.compile(r"\bexpanduser\s*\("), "expanduser (the home folder)"),
    (re.compile(r"\btempfile\.\w+|\b(?:gettempdir|mkdtemp|mkstemp|TemporaryDirectory)\b"),
     "the system's temporary folder (tempfile)"),
    (re.compile(r"""(?:environ(?:\.get)?\s*[\[(]|getenv\s*\()\s*["'](?:HOME|USERPROFILE|TMPDIR|TEMP)["']"""),
     "the home or temporary folder from the environment"),
]

RUN_TIME_LINE = re.compile(r"^\*\*Run time\b")
GENERATED_RUN_TIME = re.compile(
    r"^\*\*Run time:\*\* (about .+ in the `workshop` profile \(the default\) on .+, "
    r"measured on \d{4}-\d{2}-\d{2} with the .+ backend|not measured in the `workshop` profile: the run "
    r"of \d{4}-\d{2}-\d{2} on .+ could not get the notebook's dataset)\.$")
LINK_LINE = re.compile(r"Open in Colab|Open in Vertex AI Workbench")
BACKENDS = {"tensorflow": "TensorFlow", "jax": "JAX", "torch": "PyTorch"}


@dataclass(frozen=True)
class Problem:
    """One way a notebook breaks a rule; `fixable` when `fix` repairs it."""

    path: str
    rule: str
    what: str
    how: str
    cell: int = None
    fixable: bool = False

    def __str__(self):
        where = f"cell {self.cell}: " if self.cell else ""
        return f"{self.path}: {where}{self.rule}: {self.what}. Fix: {self.how}"


# ---------------------------------------------------------------------------------------------------
# The repository setting and what is built from it


@dataclass(frozen=True)
class Repository:
    """The course's GitHub repository and branch (pyproject.toml, [tool.keras-workshop])."""

    owner: str
    name: str
    branch: str = "main"
    tuner_pin: str = "keras-tuner"

    @property
    def url(self):
        return f"https://github.com/{self.owner}/{self.name}"

    def colab(self, relpath):
        return f"https://colab.research.google.com/github/{self.owner}/{self.name}/blob/{self.branch}/{relpath}"

    def raw(self, relpath):
        return f"https://raw.githubusercontent.com/{self.owner}/{self.name}/{self.branch}/{relpath}"

    def vertex(self, relpath):
        return ("https://console.cloud.google.com/vertex-ai/workbench/deploy-notebook?download_url="
                + quote(self.raw(relpath), safe=""))

    def links(self, relpath):
        """The header line with the launch links of one notebook (relpath: e.g. notebooks/02_x.ipynb)."""
        return f"[Open in Colab]({self.colab(relpath)}) · [Open in Vertex AI Workbench]({self.vertex(relpath)})"

    def colab_install(self):
        """The source of the code cell that installs the course package on Google Colab, and only there."""
        return textwrap.dedent(f"""\
            # On Google Colab only: install the course package (workshop_utils) and Keras Tuner from the course
            # repository, on top of Colab's own TensorFlow and Keras. Anywhere else this cell does nothing.
            import sys

            if {COLAB_MARKER}:
                %pip install --quiet --no-deps {self.tuner_pin} "keras-workshop @ git+{self.url}@{self.branch}"
            """).rstrip("\n")


def load_repository(pyproject=PYPROJECT):
    """Read the repository setting from pyproject.toml ([tool.keras-workshop] repository and branch).

    Args:
        pyproject: path of the pyproject.toml to read.
    """
    data = tomllib.loads(Path(pyproject).read_text())
    setting = data.get("tool", {}).get("keras-workshop", {})
    url = setting.get("repository", "")
    match = re.fullmatch(r"https://github\.com/([A-Za-z0-9-]+)/([A-Za-z0-9._-]+?)(?:\.git)?/?", url)
    if not match:
        raise SystemExit(f"{pyproject}: [tool.keras-workshop] repository must be a GitHub URL such as "
                         f'"https://github.com/OWNER/keras-workshop" (found {url!r}).')
    pins = [d for d in data.get("project", {}).get("dependencies", []) if d.startswith("keras-tuner")]
    return Repository(match[1], match[2], setting.get("branch", "main"), pins[0] if pins else "keras-tuner")


# ---------------------------------------------------------------------------------------------------
# Reading notebooks


def kind_of(path):
    """'solution' for solutions/NN_*.ipynb, 'course' for any other NN_*.ipynb."""
    return "solution" if Path(path).parent.name == "solutions" else "course"


def display(path):
    path = Path(os.path.abspath(path))
    for base in (Path.cwd(), ROOT):
        try:
            return str(path.relative_to(base))
        except ValueError:
            pass
    return str(path)


def link_relpath(path):
    """Where the notebook lives in the repository (copies elsewhere link to the same place)."""
    return f"{'solutions' if kind_of(path) == 'solution' else 'notebooks'}/{Path(path).name}"


def headings(nb, level="## "):
    """(cell number, heading line) of every markdown heading of one level."""
    return [(i, line.strip()) for i, cell in enumerate(nb.cells, start=1) if cell.cell_type == "markdown"
            for line in cell.source.splitlines() if line.startswith(level)]


def header(nb):
    first = nb.cells[0] if nb.cells else None
    return first.source if first is not None and first.cell_type == "markdown" else ""


def string_values(code):
    """(line, value) of the string literals of a code cell; IPython magic and shell lines give their words."""
    found, lines = [], code.splitlines()
    python = []
    for number, line in enumerate(lines, start=1):
        stripped = line.lstrip()
        if stripped.startswith(("!", "%", "?")) or (number == 1 and stripped.startswith("%%")):
            found += [(number, word.strip("\"'")) for word in stripped.lstrip("!%").split()[1:]]
            python.append("")
        else:
            python.append(line)
    if lines and lines[0].lstrip().startswith("%%"):
        return found  # a cell magic: the body is not Python
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("\n".join(python) + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return found + [(0, m[2]) for m in re.finditer(r"(['\"])((?:\\.|(?!\1).)*)\1", code)]
    for token in tokens:
        if token.type != tokenize.STRING:
            continue
        try:
            node = ast.parse(token.string.strip(), mode="eval").body
        except SyntaxError:
            continue
        parts = node.values if isinstance(node, ast.JoinedStr) else [node]
        if not (isinstance(node, ast.Constant) and isinstance(node.value, bytes)):  # fields read as "\0"
            found.append((token.start[0], "".join(p.value if isinstance(p, ast.Constant) else "\0" for p in parts)))
    return found


def line_of(text, match):
    """The stripped line of text on which a regex match starts."""
    return text.splitlines()[text.count("\n", 0, match.start())].strip()


# ---------------------------------------------------------------------------------------------------
# The rules


def check_notebook(path, repo=None):
    """Every problem of one notebook (course or solution) as a list of Problems; empty when it is clean.

    Args:
        path: the .ipynb file.
        repo: the Repository setting (default: read from pyproject.toml).
    """
    path = Path(path)
    shown, kind = display(path), kind_of(path)
    found = []

    def add(rule, what, how, cell=None, fixable=False):
        found.append(Problem(shown, rule, what, how, cell, fixable))

    match = COURSE_NAME.match(path.name)
    if not match:
        add("name", "the file name is not NN_name.ipynb (two digits, underscore, lower-case name)",
            "rename it, e.g. 03_tf_data_pipelines.ipynb")
    number = match[1] if match else path.name[:2]
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # not JSON, not a notebook
        add("stored-form", f"cannot be read as a notebook ({type(exc).__name__}: {str(exc)[:200]})",
            "restore it with `git checkout -- " + shown + "`")
        return found

    found += stored_form(path, shown, number, kind)
    text = header(nb)
    if kind == "solution":
        if not SOLUTION_TITLE.match(text):
            add("title", 'the first cell does not start with "# Solutions · NN · Title"',
                f'make the first cell a markdown cell starting "# Solutions · {number} · <title of notebook {number}>"',
                cell=1)
        elif SOLUTION_TITLE.match(text)[1] != number:
            add("title", f"the title says {SOLUTION_TITLE.match(text)[1]} but the file name says {number}",
                "make the number in the title and in the file name the same", cell=1)
    else:
        found += course_header(nb, text, shown, number, repo or load_repository(), path)
        found += course_body(nb, shown, path.stem)
    found += content(nb, shown, number)
    return found


def stored_form(path, shown, number, kind):
    listed = nbtool.problems(path)
    if not listed:
        return []
    ran = [p.split(":")[0] for p in listed if "untagged cell has stored outputs" in p]
    missing = [p.split(":")[0] for p in listed if "no stored outputs" in p]
    refresh = (f"make refresh-notebooks NB={number}" if kind == "course"
               else f"python tools/nbtool.py refresh {shown}")
    if ran:
        cells = ", ".join(ran[:5]) + (", ..." if len(ran) > 5 else "")
        what = f"holds outputs saved from a run ({cells})"
        how = (f"if you ran it in Jupyter, restore the course copy with `git checkout -- {shown}` (drops your "
               f"edits; `make lab` works on copies); if you changed it on purpose, store it with `{refresh}`")
        return [Problem(shown, "stored-form", what, how, fixable=not missing)]
    if missing:
        return [Problem(shown, "stored-form", f"compared cells have no stored outputs ({', '.join(missing)})",
                        f"store them with `{refresh}`")]
    return [Problem(shown, "stored-form", "not in the stored form (" + "; ".join(listed) + ")",
                    f"`make lint-fix` (or `{refresh}`)", fixable=True)]


def course_header(nb, text, shown, number, repo, path):
    found = []

    def add(rule, what, how, fixable=False):
        found.append(Problem(shown, rule, what, how, 1, fixable))

    title = TITLE.match(text)
    if not title:
        add("title", 'the first cell does not start with "# NN · Title"',
            f'make the first cell a markdown cell whose first line is "# {number} · <title>"')
    elif title[1] != number:
        add("title", f"the title says {title[1]} but the file name says {number}",
            "make the number in the title and in the file name the same")
    if "What you will learn" not in text:
        add("learn", 'the header has no "What you will learn"',
            'add "**What you will learn**" and 3-5 bullets to the first cell')
    lines = text.splitlines()
    run_time = [line for line in lines if RUN_TIME_LINE.match(line)]
    if not run_time:
        add("run-time", 'the header has no "**Run time:**" line',
            'add a "**Run time:**" line to the first cell, then `make lint-fix` after a workshop run (`make run`)')
    elif not GENERATED_RUN_TIME.match(run_time[0]):
        add("run-time", "the run-time line is written by hand, not taken from a run report",
            "`make lint-fix` after a workshop run of this notebook (`make run`)", fixable=True)
    if "Prerequisites" not in text:
        add("prerequisites", 'the header has no "Prerequisites"',
            'add "**Prerequisites:**" (the earlier notebooks this one builds on) to the first cell')
    expected = repo.links(link_relpath(path))
    present = [line for line in lines if LINK_LINE.search(line)]
    if not present:
        add("launch-links", "the header has no Open in Colab / Open in Vertex AI Workbench links",
            "`make lint-fix` (builds them from [tool.keras-workshop] in pyproject.toml)", fixable=True)
    elif present != [expected]:
        add("launch-links", f"the launch links do not match the repository setting ({repo.url}, branch "
            f"{repo.branch})", "`make lint-fix` (rewrites them from [tool.keras-workshop] in pyproject.toml)",
            fixable=True)
    code = [(i, c) for i, c in enumerate(nb.cells, start=1) if c.cell_type == "code"]
    installs = [(i, c) for i, c in code if COLAB_MARKER in c.source]
    if number in COLAB_INSTALL_NOTEBOOKS and (not code or COLAB_MARKER not in code[0][1].source):
        found.append(Problem(shown, "colab-install", "the first code cell is not the Colab install cell",
                             "`make lint-fix` (adds it before the setup cell)", code[0][0] if code else None, True))
    for i, cell in installs:
        if cell.source != repo.colab_install():
            found.append(Problem(shown, "colab-install", "the Colab install cell is out of step with the "
                                 f"repository setting ({repo.url}@{repo.branch})", "`make lint-fix`", i, True))
    return found


def course_body(nb, shown, stem):
    found = []
    heads = headings(nb)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    last = len(nb.cells)

    def cell_of(name):
        return next((i for i, line in heads if line.startswith(name)), None)

    setup, recap, exercises = cell_of("## Setup"), cell_of("## What you learned"), cell_of("## Exercises")
    if setup is None:
        found.append(Problem(shown, "setup", 'no "## Setup" heading', 'add a markdown cell "## Setup" before '
                             "the setup cell", 2))
    if f'workshop_utils.setup("{stem}")' not in code:
        found.append(Problem(shown, "setup", f'no call workshop_utils.setup("{stem}")',
                             f'start the setup cell with `import workshop_utils`, then '
                             f'`cfg = workshop_utils.setup("{stem}")`', setup and setup + 1))
    if not any(nbtool.is_checked(c) for c in nb.cells):
        found.append(Problem(shown, "checked-output", f"no cell tagged {nbtool.CHECK_TAG}",
                             f"tag the cell that prints the architecture (print_architecture) {nbtool.CHECK_TAG}, "
                             f"then `make refresh-notebooks NB={stem[:2]}`"))
    if recap is None:
        found.append(Problem(shown, "recap", 'no "## What you learned" recap heading',
                             'add a markdown cell "## What you learned" with 3 bullets before "## Exercises"',
                             exercises or last))
    if exercises is None:
        found.append(Problem(shown, "exercises", 'no "## Exercises" heading',
                             'end the notebook with a markdown cell "## Exercises": 2-3 exercises, each with a '
                             "*Hint:* and its check", last))
    elif recap is not None and exercises < recap:
        found.append(Problem(shown, "exercises", '"## Exercises" comes before "## What you learned"',
                             "move the recap before the exercises", exercises))
    if stem[:2] != "00":
        found += checked_exercises(nb, shown, stem[:2])
    return found


EXERCISE_HEADING = re.compile(r"^### Exercise (\d\d\.\d) · (.+)$", re.MULTILINE)
REGISTERED = re.compile(r"""@exercise\(\s*"(\d\d\.\d)",\s*"([^"]+)"\s*\)""")


def registered_exercises(number):
    """{id: title} of the checks in workshop_utils/exercises/nbNN.py, read as text (no Keras import)."""
    module = ROOT / "workshop_utils" / "exercises" / f"nb{number}.py"
    return dict(REGISTERED.findall(module.read_text())) if module.is_file() else {}


def checked_exercises(nb, shown, number):
    """From notebook 01 on: 2-3 "### Exercise NN.k · title" sections, each with its check, titled as registered."""
    found, registered = [], registered_exercises(number)
    where = {}
    for i, cell in enumerate(nb.cells, start=1):
        if cell.cell_type == "markdown":
            for exercise_id, title in EXERCISE_HEADING.findall(cell.source):
                where[exercise_id] = (i, title.strip())
    if not 2 <= len(where) <= 3:
        found.append(Problem(shown, "checked-exercises", f"{len(where)} checked exercises (want 2-3)",
                             f'give each exercise a heading "### Exercise {number}.k · title" and a code cell that '
                             f'ends in exercises.check("{number}.k", ...)'))
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    for exercise_id, (cell, title) in sorted(where.items()):
        if exercise_id not in registered:
            found.append(Problem(shown, "checked-exercises", f"exercise {exercise_id} has no check",
                                 f'register one with @exercise("{exercise_id}", "{title}") in '
                                 f"workshop_utils/exercises/nb{number}.py", cell))
        elif registered[exercise_id].lower() != title.lower():
            found.append(Problem(shown, "checked-exercises", f"exercise {exercise_id} is titled {title!r} here but "
                                 f"{registered[exercise_id]!r} in its check", "use one title in both places", cell))
        if f'exercises.check("{exercise_id}"' not in code:
            found.append(Problem(shown, "checked-exercises", f"exercise {exercise_id} has no check call",
                                 f'end its code cell with exercises.check("{exercise_id}", ...)', cell))
    for exercise_id in sorted(set(registered) - set(where)):
        found.append(Problem(shown, "checked-exercises", f"the check {exercise_id} has no exercise in the notebook",
                             f'add a "### Exercise {exercise_id} · ..." section, or remove the check'))
    return found


def content(nb, shown, number):
    found = []
    for i, cell in enumerate(nb.cells, start=1):
        for line in cell.source.splitlines():
            word = TODO.search(line)
            if word:
                found.append(Problem(shown, "todo", f"{word[1]} left in a {cell.cell_type} cell: {line.strip()[:80]!r}",
                                     "finish the work or remove the note", i))
        if cell.cell_type != "code":
            continue
        for pattern, name, instead in REMOVED_APIS:
            match = pattern.search(cell.source)
            if match:
                found.append(Problem(shown, "removed-api", f"uses {name}: {line_of(cell.source, match)[:80]!r}",
                                     f"use {instead} (markdown may name the old API in words)", i))
        for line, value in string_values(cell.source):
            if OUTSIDE_START.match(value) or PARENT_PART.search(value):
                found.append(Problem(shown, "outside-path", f"path outside the project {value[:60]!r}"
                                     + (f" (line {line})" if line else ""),
                                     f'build it from workshop_utils.paths.artifacts_dir("{nb_stem(nb, number)}") '
                                     "(git-ignored) or another path inside the project", i))
        for pattern, name in OUTSIDE_CODE:
            match = pattern.search(cell.source)
            if match:
                found.append(Problem(shown, "outside-path", f"uses {name}: {line_of(cell.source, match)[:80]!r}",
                                     "write under workshop_utils.paths.artifacts_dir(...) instead", i))
    return found


def nb_stem(nb, number):
    setup = re.search(r'workshop_utils\.setup\("([^"]+)"\)', "\n".join(c.source for c in nb.cells))
    return setup[1] if setup else f"{number}_..."


def check_numbers(paths):
    """Problems of a set of course notebooks taken together: two of them sharing a number."""
    found, seen = [], {}
    for path in paths:
        if kind_of(path) == "course" and COURSE_NAME.match(Path(path).name):
            key = (Path(path).parent.resolve(), Path(path).name[:2])
            if key in seen:
                found.append(Problem(display(path), "name", f"shares its number with {Path(seen[key]).name}",
                                     "give every notebook its own number"))
            seen.setdefault(key, path)
    return found


# ---------------------------------------------------------------------------------------------------
# Run times from the last run report


def about(seconds):
    """A wall time rounded for a reader: '45 seconds', '1 minute', '2.5 minutes', '12 minutes'."""
    if seconds < 0:
        raise ValueError(f"seconds must be >= 0, got {seconds}")
    if seconds < 55:
        return f"{max(5, 5 * round(seconds / 5))} seconds"
    minutes = round(seconds / 30) / 2 if seconds < 600 else round(seconds / 60)
    return "1 minute" if minutes == 1 else f"{minutes:g} minutes"


def machine(device):
    """'CPU (2 cores)' -> 'a 2-core CPU'; 'GPU: NVIDIA H100' -> 'a GPU (NVIDIA H100)'."""
    cores = re.fullmatch(r"CPU \((\d+) cores?\)", device.strip())
    if cores:
        return f"a {cores[1]}-core CPU"
    if device.startswith("GPU: "):
        return f"a GPU ({device[5:].strip()})"
    return device.strip() or "an unnamed machine"


def default_report():
    """artifacts/runs/latest/results.json (WORKSHOP_ARTIFACTS moves the artifacts folder, as in workshop_utils.paths)."""
    root = Path(os.environ.get("WORKSHOP_ARTIFACTS", ROOT / "artifacts"))
    return root / "runs" / "latest" / "results.json"


def load_report(path):
    """Return (report, None) for a workshop run report, or (None, why the run times stay as they are)."""
    path = Path(path)
    keep = "run-time lines left as they are"
    if not path.exists():
        return None, (f"no run report at {display(path)}: {keep} (run `make run` in the workshop profile, "
                      "then `make lint-fix`)")
    try:
        report = json.loads(path.read_text())
        profile = report["profile"]
    except (ValueError, KeyError) as exc:
        return None, f"cannot read the run report {display(path)} ({exc}): {keep}"
    if profile != "workshop":
        return None, (f"the last run ({display(path)}, {report.get('date', '?')}) used the {profile} profile, "
                      f"not workshop: {keep}")
    return report, None


def run_time_sentence(report, entry):
    if entry.get("status") == "dataset unavailable":
        return (f"**Run time:** not measured in the `workshop` profile: the run of {str(report['date'])[:10]} on "
                f"{machine(str(report.get('device', '')))} could not get the notebook's dataset.")
    return (f"**Run time:** about {about(float(entry['seconds']))} in the `workshop` profile (the default) on "
            f"{machine(str(report.get('device', '')))}, measured on {str(report['date'])[:10]} with the "
            f"{BACKENDS.get(report.get('backend'), report.get('backend'))} backend.")


def first_sentence_end(text):
    """Index just past the first sentence of a paragraph ('1.5' and 'e.g. x' do not end one)."""
    for match in re.finditer(r"\.(?=\s+[A-Z*`(]|\s*$)", text):
        return match.end()
    return len(text)


def set_run_time(source, sentence):
    """Put the generated run-time sentence into a header; return (new source, the hand-written text replaced)."""
    lines = source.splitlines()
    start = next((i for i, line in enumerate(lines) if RUN_TIME_LINE.match(line)), None)
    if start is None:  # no line yet: before the prerequisites, or at the end of the header
        at = next((i for i, line in enumerate(lines) if line.startswith("**Prerequisites")), len(lines))
        return "\n".join(lines[:at] + [sentence] + lines[at:]), ""
    if GENERATED_RUN_TIME.match(lines[start]):
        return "\n".join(lines[:start] + [sentence] + lines[start + 1:]), ""
    end = start + 1  # the hand-written paragraph ends at a blank line or the next **Field** or list item
    while end < len(lines) and lines[end].strip() and not lines[end].lstrip().startswith(("**", "- ", "#")):
        end += 1
    block = "\n".join(lines[start:end])
    cut = first_sentence_end(block)
    rest = block[cut:].strip()
    return "\n".join(lines[:start] + [sentence] + ([rest] if rest else []) + lines[end:]), block[:cut]


def set_links(source, line):
    """Put the launch-links line right under the title (replacing any earlier one)."""
    lines = [x for x in source.splitlines() if not LINK_LINE.search(x)]
    while len(lines) > 2 and lines[1] == "" and lines[2] == "":
        del lines[1]
    rest = lines[1:]
    while rest and rest[0] == "":
        rest = rest[1:]
    return "\n".join(lines[:1] + ["", line, ""] + rest)


# ---------------------------------------------------------------------------------------------------
# Fixing


def fix_notebook(path, repo=None, report=None):
    """Fix what can be fixed in one notebook; return (lines saying what was done, problems left).

    Args:
        path: the .ipynb file (rewritten in place when something changes).
        repo: the Repository setting (default: read from pyproject.toml).
        report: a workshop run report (dict from results.json), or None to leave run times alone.
    """
    path = Path(path)
    repo = repo or load_repository()
    shown, said, changed = display(path), [], []
    try:
        original = path.read_text()
        nb = nbformat.reads(original, as_version=4)
    except Exception:
        return [], check_notebook(path, repo)
    ran = any(c.cell_type == "code" and not nbtool.is_checked(c) and (c.get("outputs") or c.get("execution_count"))
              for c in nb.cells)
    if kind_of(path) == "course" and nb.cells and nb.cells[0].cell_type == "markdown":
        head = nb.cells[0]
        before = head.source
        head.source = set_links(head.source, repo.links(link_relpath(path)))
        if head.source != before:
            changed.append("launch links")
        entry = run_entry(report, path.stem, shown, said)
        if entry is not None:
            before = head.source
            head.source, replaced = set_run_time(head.source, run_time_sentence(report, entry))
            if head.source != before:
                measured = (f"about {about(float(entry['seconds']))}" if entry.get("status") == "passed"
                            else "not measured")
                changed.append(f"run time ({measured}, run of {report.get('date')})")
            if replaced:
                said.append(f"{shown}: replaced the hand-written run-time sentence {' '.join(replaced.split())!r}")
        if fix_colab_install(nb, repo, path.name[:2]):
            changed.append("Colab install cell")
    text = nbtool.dumps(nbtool.canonical(nb))
    if text != original:
        if nbtool.dumps(nbtool.canonical(nbformat.reads(original, as_version=4))) != original:
            changed.append("stored form")
        path.write_text(text)
        said.insert(0, f"{shown}: fixed {', '.join(changed)}")
        if ran:
            said.append(f"{shown}: removed the outputs of a run; if it ran in another profile than smoke, store the "
                        f"compared outputs again with `make refresh-notebooks NB={path.name[:2]}`")
    return said, check_notebook(path, repo)


def run_entry(report, stem, shown, said):
    """The report's entry for a notebook when the run passed it (else None, saying why)."""
    if report is None:
        return None
    entry = {e.get("notebook"): e for e in report.get("notebooks", [])}.get(stem)
    if entry is None:
        said.append(f"{shown}: run time left as it is: the workshop run of {report.get('date')} did not run it")
    elif entry.get("status") == "dataset unavailable":
        said.append(f"{shown}: the workshop run of {report.get('date')} could not get its dataset: the header says "
                    "it was not measured; measure it where the dataset can be had")
    elif entry.get("status") != "passed":
        said.append(f"{shown}: run time left as it is: the workshop run of {report.get('date')} did not pass it "
                    f"({entry.get('status')})")
        entry = None
    return entry


def fix_colab_install(nb, repo, number):
    """Keep the Colab install cell in step with the setting; add it as first code cell where one belongs.

    Returns True when the notebook changed.
    """
    wanted, changed = repo.colab_install(), False
    for cell in nb.cells:
        if cell.cell_type == "code" and COLAB_MARKER in cell.source and cell.source != wanted:
            cell.source, changed = wanted, True
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    if number in COLAB_INSTALL_NOTEBOOKS and not (code and COLAB_MARKER in nb.cells[code[0]].source):
        nb.cells = [c for c in nb.cells if not (c.cell_type == "code" and COLAB_MARKER in c.source)]
        nb.cells.insert(1, nbformat.v4.new_code_cell(wanted))
        changed = True
    return changed


# ---------------------------------------------------------------------------------------------------
# Command line


def notebooks_in(paths):
    found = []
    for path in map(Path, paths):
        if path.is_dir():
            found += sorted(path.glob("[0-9][0-9]_*.ipynb"))
        elif path.suffix == ".ipynb":
            found.append(path)
        else:
            raise SystemExit(f"{path}: not a notebook or a folder of notebooks")
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(prog="nblint.py", description="Lint the course notebooks and solutions.",
                                     epilog="Rules: see the top of tools/nblint.py.")
    parser.add_argument("command", choices=["check", "fix"])
    parser.add_argument("paths", nargs="*", help="notebooks or folders (default: notebooks/ and solutions/)")
    parser.add_argument("--report", default=None, help="results.json of a run (default: artifacts/runs/latest/)")
    parser.add_argument("--pyproject", default=str(PYPROJECT), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    repo = load_repository(args.pyproject)
    paths = notebooks_in(args.paths or [p for p in DEFAULT_PATHS if p.exists()])
    left = []
    if args.command == "fix":
        report, why = load_report(args.report or default_report())
        if why:
            print(why)
        for path in paths:
            said, problems = fix_notebook(path, repo, report)
            print("\n".join(said)) if said else None
            left += problems
    else:
        for path in paths:
            left += check_notebook(path, repo)
    left += check_numbers(paths)
    for problem in left:
        print(f"{problem}{' (could not fix this automatically)' if args.command == 'fix' else ''}")
    files = len({p.path for p in left})
    print(f"{len(paths)} notebooks checked: " + (f"{len(left)} problem{'s' * (len(left) > 1)} in {files} "
                                                  f"file{'s' * (files > 1)}"
                                                  + (" (`make lint-fix` fixes those it can)" if args.command == "check"
                                                     and any(p.fixable for p in left) else "")
                                                  if left else "all clean"))
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
