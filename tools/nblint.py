"""Notebook lint: the one place for the rules every course notebook and worked solution keeps.

Usage (from the project root, inside the virtual environment; `make lint` and `make lint-fix`):
    python tools/nblint.py check [PATHS]       # exit 1, one line per problem: file, cell, rule, fix
    python tools/nblint.py fix [PATHS]         # fix what can be fixed, then say what could not
    python tools/nblint.py check --list        # every rule: id, where it applies, fixable or not
    python tools/nblint.py check --skip ID,ID  # leave rules out (with fix: their repairs too)
PATHS are notebooks or folders (default: notebooks/ and solutions/). Option: --report FILE, the
results.json of a run of the main job (default: artifacts/runs/latest/results.json).

Each rule is one small function registered with `@rule(id, message, kinds=..., fixable=...)`: it
gets a `Notebook` (the file read once, with its kind, number and header) and yields an `Issue` for
each way the notebook breaks it. The printed line names the rule's id, so `--skip` takes what a
report shows. Two notebooks sharing a number is checked over the whole set (`check_numbers`, rule
id "name"). Repairs are registered the same way with `@fixer(id)`. tests/test_notebook_lint.py
breaks every registered rule with a synthetic notebook and fails when a rule has no such test.

Course home ([tool.keras-workshop] in pyproject.toml): `repository` (a GitHub URL) and `ref` (a tag
or a commit, never a branch). While `repository` names the placeholder owner, headers carry a
sentence saying how to set the home instead of launch links, and notebook 00's Colab cell installs
nothing; once a real home is set, the links and the install name it at `ref`. The rule pinned-links
fails any link or install that points at the placeholder or follows a branch, whatever the setting.

Run times: when the report is of a `workshop` run, each notebook's run-time sentence becomes
"**Run time:** about 2 minutes in the `workshop` profile (the default) on a 2-core CPU, measured on
2026-11-25 with the TensorFlow backend." Only that sentence is the tool's: hand-written sentences
after it (on the next lines) stay. A notebook the run did not pass keeps its line, and `fix` says so.
"""

import argparse
import ast
import io
import json
import os
import re
import subprocess
import sys
import textwrap
import tokenize
import tomllib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from urllib.parse import quote, unquote

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

# Removed APIs, matched in code cells only (markdown may name them in words): pattern, what to use
# instead.
_OPTIMIZERS = r"\b(?:SGD|Adam|AdamW|RMSprop|Adagrad|Adadelta|Adamax|Nadam|Ftrl|Lion)\((?:[^()]|\([^()]*\))*?"
REMOVED_APIS = [
    (
        r"\bpredict_classes\b",
        "predict_classes",
        "np.argmax(model.predict(x), axis=-1) (or `> 0.5` for one sigmoid output)",
    ),
    (r"\btf_keras\b", "tf_keras (Keras 2)", "import keras (Keras 3)"),
    (r"\btensorflow_hub\b", "tensorflow_hub", "keras.applications or KerasHub (keras_hub) models"),
    (r"\bmake_one_shot_iterator\b", "make_one_shot_iterator", "iterate the tf.data.Dataset itself (`for x in ds`)"),
    (r"\btarget_tensors\b", "target_tensors", "pass the targets to fit(x, y)"),
    (r"\btf\.compat\.v1\b", "tf.compat.v1", "TensorFlow 2 and Keras 3 APIs"),
    (
        r"\btf\.(?:Session|placeholder|contrib)\b",
        "a TensorFlow 1 API (Session, placeholder, contrib)",
        "eager code or tf.function",
    ),
    (r"\b(?:get|set)_session\b", "get_session/set_session", "nothing: Keras 3 has no sessions"),
    (r"\bpd\.datetime\b", "pd.datetime (removed in pandas 2.0)", "datetime.datetime or pd.Timestamp"),
    (r"\bnp_utils\b", "np_utils", "keras.utils.to_categorical"),
    (
        r"monitor\s*=\s*[\"']val_acc[\"']",
        'monitor="val_acc" (a key Keras never logs)',
        'monitor="val_accuracy" (the key follows the metric\'s name)',
    ),
    (
        r"\b(?:fit|evaluate|predict)_generator\b",
        "fit_generator/evaluate_generator/predict_generator",
        "fit/evaluate/predict, which take generators and keras.utils.PyDataset",
    ),
    (r"\bkeras\.wrappers\b", "keras.wrappers.scikit_learn", "the scikeras package"),
    (r"\bCuDNN(?:LSTM|GRU)\b", "CuDNNLSTM/CuDNNGRU", "keras.layers.LSTM/GRU (they use cuDNN by themselves)"),
    (r"\bkeras\.engine\b", "keras.engine", "the public keras.* API"),
    (r"\b(?:set_)?learning_phase\b", "learning_phase/set_learning_phase", "pass training=True/False to the call"),
    (_OPTIMIZERS + r"\blr\s*=", "the optimizer argument lr=", "learning_rate="),
    (_OPTIMIZERS + r"\bdecay\s*=", "the optimizer argument decay=", "a keras.optimizers.schedules schedule"),
    (
        r"\bsave_format\s*=",
        "save(..., save_format=...)",
        "the file suffix (.keras, .weights.h5), or model.export for a SavedModel",
    ),
]
REMOVED_APIS = [(re.compile(p), name, instead) for p, name, instead in REMOVED_APIS]

# Paths outside the project, in the value of a string literal or an argument of a shell/magic line.
# An absolute POSIX path is a known root folder ("/tmp", "/home/me") or has two parts ("/a/b"): a
# lone "/validation" is a suffix such as a TensorBoard run name, and "/GPU:0" or
# "/job:worker/task:0" are TensorFlow device names.
ROOTS = (
    "tmp|var|home|Users|root|work|shared|mnt|media|data|datasets|content|opt|srv|scratch|usr|etc|private|"
    "Volumes|dev|run|nfs|gpfs|lustre"
)
OUTSIDE_START = re.compile(
    rf"^(?:/(?![\w-]+:)(?:(?:{ROOTS})(?:[\\/]|$)|[\w.~-]+/[\w.~-])"
    r"|~(?:[\\/]|$|\w+[\\/])|[A-Za-z]:[\\/]|\\\\)"
)
PARENT_PART = re.compile(r"(?:^|[\\/])\.\.(?:[\\/]|$)")
OUTSIDE_CODE = [
    (re.compile(r"\bPath\.home\s*\("), "Path.home() (the home folder)"),
    (re.compile(r"\bexpanduser\s*\("), "expanduser (the home folder)"),
    (
        re.compile(r"\btempfile\.\w+|\b(?:gettempdir|mkdtemp|mkstemp|TemporaryDirectory)\b"),
        "the system's temporary folder (tempfile)",
    ),
    (
        re.compile(r"""(?:environ(?:\.get)?\s*[\[(]|getenv\s*\()\s*["'](?:HOME|USERPROFILE|TMPDIR|TEMP)["']"""),
        "the home or temporary folder from the environment",
    ),
]

RUN_TIME_LINE = re.compile(r"^\*\*Run time\b")
GENERATED_RUN_TIME = re.compile(
    r"^\*\*Run time:\*\* (about .+ in the `workshop` profile \(the default\) on .+, "
    r"measured on \d{4}-\d{2}-\d{2} with the .+ backend|not measured in the `workshop` profile: the run "
    r"of \d{4}-\d{2}-\d{2} on .+ could not get the notebook's dataset)\.$"
)
LINK_LINE = re.compile(r"Open in Colab|Open in Vertex AI Workbench|^\*Launch links\b")
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


# --------------------------------------------------------------------------------------------------
# - The course's home (repository and ref) and what is built from it

# Owners that stand for "no public home yet": whoever registers such a name on GitHub would
# otherwise decide what runs in every learner's Colab session.
PLACEHOLDER_OWNERS = ("your-github-user", "your-user", "your-username", "owner", "user", "username", "example")
# Branch names a ref must not be: launch links and installs pin a tag or a commit.
BRANCH_NAMES = ("main", "master", "develop", "development", "dev", "trunk", "head", "gh-pages", "latest")
GIT_REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]*")
SET_HOME = (
    "set `repository` and `ref` (a tag or a commit) under `[tool.keras-workshop]` in "
    "pyproject.toml, then run `make lint-fix`"
)
NO_HOME_LINE = (
    "*Launch links (Colab, Vertex AI Workbench) appear here once the course has a public home: " + SET_HOME + ".*"
)


def is_placeholder(owner):
    owner = owner.lower()
    return owner in PLACEHOLDER_OWNERS or owner.startswith("your-")


def ref_problem(ref, git_dir=None):
    """Why a ref cannot pin the course's home (None when it can): unset, no git name, a branch.

    Args:
        ref: the `ref` setting.
        git_dir: a clone of the course; a ref naming one of its branches (and no tag) is refused.
    """
    if not ref:
        return "is not set: name a tag (e.g. v1.0) or a commit, so that links and installs never follow a branch"
    if not GIT_REF.fullmatch(ref) or ".." in ref:
        return f"{ref!r} is not a git tag or commit name"
    if ref.lower() in BRANCH_NAMES:
        return f"{ref!r} is a branch: what learners run would change with every push; name a tag or a commit"
    if git_dir is not None and ref in local_branches(git_dir):
        return f"{ref!r} is a branch of this clone (and no tag): name a tag or a commit"
    return None


def local_branches(git_dir):
    """Branch names (local and remote) of a git clone that no tag shares; empty without git."""
    if not (Path(git_dir) / ".git").exists():
        return set()
    try:
        refs = subprocess.run(
            ["git", "-C", str(git_dir), "for-each-ref", "--format=%(refname)"],
            capture_output=True,
            text=True,
            timeout=20,
            check=True,
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return set()
    tags = {r[len("refs/tags/") :] for r in refs if r.startswith("refs/tags/")}
    branches = {r[len("refs/heads/") :] for r in refs if r.startswith("refs/heads/")}
    branches |= {r.split("/", 3)[3] for r in refs if r.startswith("refs/remotes/") and r.count("/") >= 3}
    return branches - tags - {"HEAD"}


@dataclass(frozen=True)
class Repository:
    """The course's GitHub home: owner, name and ref (a tag or commit; None for a placeholder)."""

    owner: str
    name: str
    ref: str = None
    tuner_pin: str = "keras-tuner"

    def __post_init__(self):
        if not self.placeholder and ref_problem(self.ref):
            raise ValueError(f"ref {ref_problem(self.ref)}")

    @property
    def placeholder(self):
        return is_placeholder(self.owner)

    @property
    def url(self):
        return f"https://github.com/{self.owner}/{self.name}"

    def colab(self, relpath):
        return f"https://colab.research.google.com/github/{self.owner}/{self.name}/blob/{self.ref}/" + relpath

    def raw(self, relpath):
        return f"https://raw.githubusercontent.com/{self.owner}/{self.name}/{self.ref}/{relpath}"

    def vertex(self, relpath):
        return "https://console.cloud.google.com/vertex-ai/workbench/deploy-notebook?download_url=" + quote(
            self.raw(relpath), safe=""
        )

    def links(self, relpath):
        """The header line with the launch links of a notebook (relpath: notebooks/02_x.ipynb).

        Without a public home, a sentence saying how to set one instead.
        """
        if self.placeholder:
            return NO_HOME_LINE
        return f"[Open in Colab]({self.colab(relpath)}) · [Open in Vertex AI Workbench]({self.vertex(relpath)})"

    def colab_install(self):
        """The source of the code cell that installs the course package on Google Colab only.

        Without a public home it installs nothing: it says how to set one; on Colab it prints one
        line.
        """
        if self.placeholder:
            return textwrap.dedent(f"""\
                # On Google Colab only, this cell installs the course package (workshop_utils) and
                # Keras Tuner once the course has a public home. None is set yet, so it installs
                # nothing. Maintainers: set `repository` and `ref` (a tag or a commit) under
                # [tool.keras-workshop] in pyproject.toml, then run `make lint-fix` to write the
                # install line here. Anywhere else it does nothing.
                import sys

                if {COLAB_MARKER}:
                    print(
                        "This copy of the course names no repository to install workshop_utils "
                        "from: ask your instructor where the course lives."
                    )
                """).rstrip("\n")
        return textwrap.dedent(f"""\
            # On Google Colab only: install the course package (workshop_utils) and Keras Tuner from
            # the course repository at {self.ref}, on top of Colab's own TensorFlow and Keras.
            # Anywhere else this cell does nothing.
            import sys

            if {COLAB_MARKER}:
                %pip install --quiet --no-deps {self.tuner_pin} "keras-workshop @ git+{self.url}@{self.ref}"
            """).rstrip("\n")


def load_repository(pyproject=PYPROJECT, git_dir=ROOT):
    """Read the course's home from pyproject.toml ([tool.keras-workshop] repository and ref).

    Args:
        pyproject: path of the pyproject.toml to read.
        git_dir: a clone of the course, to refuse a ref that names one of its branches.
    """
    data = tomllib.loads(Path(pyproject).read_text())
    setting = data.get("tool", {}).get("keras-workshop", {})
    url = setting.get("repository", "")
    match = re.fullmatch(r"https://github\.com/([A-Za-z0-9-]+)/([A-Za-z0-9._-]+?)(?:\.git)?/?", url)
    if not match:
        raise SystemExit(
            f"{pyproject}: [tool.keras-workshop] repository must be a GitHub URL such as "
            f'"https://github.com/OWNER/keras-workshop" (found {url!r}).'
        )
    if "branch" in setting:
        raise SystemExit(
            f"{pyproject}: [tool.keras-workshop] branch is no longer read: links and installs "
            'follow no branch. Set ref = "<a tag or a commit>" instead.'
        )
    pins = [d for d in data.get("project", {}).get("dependencies", []) if d.startswith("keras-tuner")]
    ref = str(setting.get("ref", "")).strip()
    if is_placeholder(match[1]):
        ref = None
    elif ref_problem(ref, git_dir):
        raise SystemExit(f"{pyproject}: [tool.keras-workshop] ref {ref_problem(ref, git_dir)}.")
    return Repository(match[1], match[2], ref, pins[0] if pins else "keras-tuner")


# --------------------------------------------------------------------------------------------------
# - Reading notebooks


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
    return [
        (i, line.strip())
        for i, cell in enumerate(nb.cells, start=1)
        if cell.cell_type == "markdown"
        for line in cell.source.splitlines()
        if line.startswith(level)
    ]


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


# --------------------------------------------------------------------------------------------------
# - The rule registry


@dataclass(frozen=True)
class Issue:
    """What a rule yields: one way a notebook breaks it (the runner adds file and rule id)."""

    what: str
    how: str
    cell: int = None
    fixable: bool = False


@dataclass(frozen=True)
class Rule:
    id: str
    message: str
    kinds: tuple
    check: object
    fixable: bool = False


RULES = {}
FIXERS = {}
KINDS = ("course", "solution")


def rule(rule_id, message, kinds=("course",), fixable=False):
    """Register a rule: a function (Notebook) -> Issues, under its id, with what it asks.

    Args:
        rule_id: the id printed with each problem and taken by --skip.
        message: what the rule asks, for --list.
        kinds: the notebooks it applies to: "course" (notebooks/), "solution" (solutions/).
        fixable: whether `fix` repairs (some of) what it finds.
    """

    def register(function):
        if rule_id in RULES:
            raise ValueError(f"lint rule {rule_id!r} is registered twice")
        RULES[rule_id] = Rule(rule_id, message, tuple(kinds), function, fixable)
        return function

    return register


def fixer(rule_id):
    """Register the repair of a fixable rule: (Notebook, report, said) -> what it changed."""

    def register(function):
        if rule_id not in RULES or not RULES[rule_id].fixable:
            raise ValueError(f"{rule_id!r} is not a registered fixable rule")
        FIXERS[rule_id] = function
        return function

    return register


class Notebook:
    """One notebook as the rules see it: read once; `nb` is None when the file is no notebook."""

    def __init__(self, path, repo=None):
        self.path = Path(path)
        self.shown, self.kind = display(self.path), kind_of(self.path)
        match = COURSE_NAME.match(self.path.name)
        self.named = bool(match)
        self.number = match[1] if match else self.path.name[:2]
        self.stem = self.path.stem
        self._repo = repo
        self.error, self.text = None, None
        try:
            self.text = self.path.read_text()
            self.nb = nbformat.reads(self.text, as_version=4)
        except Exception as exc:  # unreadable, not JSON, not a notebook
            self.nb, self.error = None, f"{type(exc).__name__}: {str(exc)[:200]}"

    @property
    def repo(self):
        if self._repo is None:
            self._repo = load_repository()
        return self._repo

    @cached_property
    def header(self):
        return header(self.nb)

    @cached_property
    def code(self):
        return "\n".join(c.source for c in self.nb.cells if c.cell_type == "code")

    def cells(self, cell_type=None):
        """(cell number from 1, cell) of every cell, or of one type."""
        return [(i, c) for i, c in enumerate(self.nb.cells, start=1) if cell_type in (None, c.cell_type)]


def check_notebook(path, repo=None, skip=()):
    """Every problem of one notebook (course or solution) as a list of Problems; empty when it is clean.

    Args:
        path: the .ipynb file.
        repo: the Repository setting (default: read from pyproject.toml when a rule needs it).
        skip: ids of rules to leave out.
    """
    notebook = Notebook(path, repo)
    found = []
    for item in RULES.values():
        if item.id in skip or notebook.kind not in item.kinds:
            continue
        if notebook.nb is None and item.id != "name":
            continue
        for issue in item.check(notebook) or ():
            found.append(Problem(notebook.shown, item.id, issue.what, issue.how, issue.cell, issue.fixable))
    if notebook.nb is None:  # never skipped: no other rule could look at it
        found.append(
            Problem(
                notebook.shown,
                "stored-form",
                f"cannot be read as a notebook ({notebook.error})",
                f"restore it with `git checkout -- {notebook.shown}`",
            )
        )
    return found


def check_numbers(paths, skip=()):
    """Problems of a set of course notebooks together: two sharing a number (rule "name")."""
    found, seen = [], {}
    if "name" in skip:
        return found
    for path in paths:
        if kind_of(path) == "course" and COURSE_NAME.match(Path(path).name):
            key = (Path(path).parent.resolve(), Path(path).name[:2])
            if key in seen:
                found.append(
                    Problem(
                        display(path),
                        "name",
                        f"shares its number with {Path(seen[key]).name}",
                        "give every notebook its own number",
                    )
                )
            seen.setdefault(key, path)
    return found


# --------------------------------------------------------------------------------------------------
# - The rules, in the order their problems are printed


@rule(
    "name",
    "file named NN_name.ipynb (two digits, underscore, lower-case name); no two notebooks share a number",
    kinds=KINDS,
)
def rule_name(notebook):
    if not notebook.named:
        yield Issue(
            "the file name is not NN_name.ipynb (two digits, underscore, lower-case name)",
            "rename it, e.g. 03_tf_data_pipelines.ipynb",
        )


@rule(
    "stored-form",
    "the stored form of tools/nbtool.py: outputs only on cells tagged nbval-check-output; a file that is no notebook",
    kinds=KINDS,
    fixable=True,
)
def rule_stored_form(notebook):
    listed = nbtool.problems(notebook.path)
    if not listed:
        return
    shown, number = notebook.shown, notebook.number
    ran = [p.split(":")[0] for p in listed if "untagged cell has stored outputs" in p]
    missing = [p.split(":")[0] for p in listed if "no stored outputs" in p]
    refresh = (
        f"make refresh-notebooks NB={number}"
        if notebook.kind == "course"
        else f"python tools/nbtool.py refresh {shown}"
    )
    if ran:
        cells = ", ".join(ran[:5]) + (", ..." if len(ran) > 5 else "")
        how = (
            f"if you ran it in Jupyter, restore the course copy with `git checkout -- {shown}` (drops your "
            f"edits; `make lab` works on copies); if you changed it on purpose, store it with `{refresh}`"
        )
        yield Issue(f"holds outputs saved from a run ({cells})", how, fixable=not missing)
    elif missing:
        yield Issue(f"compared cells have no stored outputs ({', '.join(missing)})", f"store them with `{refresh}`")
    else:
        yield Issue(
            "not in the stored form (" + "; ".join(listed) + ")", f"`make lint-fix` (or `{refresh}`)", fixable=True
        )


@rule(
    "title",
    'the first cell is markdown and starts with "# NN · Title" (solutions: "# Solutions · NN · '
    "Title\"), NN being the file's number",
    kinds=KINDS,
)
def rule_title(notebook):
    number, text = notebook.number, notebook.header
    if notebook.kind == "solution":
        title = SOLUTION_TITLE.match(text)
        if not title:
            yield Issue(
                'the first cell does not start with "# Solutions · NN · Title"',
                f'make the first cell a markdown cell starting "# Solutions · {number} · <title of notebook {number}>"',
                1,
            )
        elif title[1] != number:
            yield Issue(
                f"the title says {title[1]} but the file name says {number}",
                "make the number in the title and in the file name the same",
                1,
            )
        return
    title = TITLE.match(text)
    if not title:
        yield Issue(
            'the first cell does not start with "# NN · Title"',
            f'make the first cell a markdown cell whose first line is "# {number} · <title>"',
            1,
        )
    elif title[1] != number:
        yield Issue(
            f"the title says {title[1]} but the file name says {number}",
            "make the number in the title and in the file name the same",
            1,
        )


@rule("learn", 'the first cell says "What you will learn"')
def rule_learn(notebook):
    if "What you will learn" not in notebook.header:
        yield Issue(
            'the header has no "What you will learn"',
            'add "**What you will learn**" and 3-5 bullets to the first cell',
            1,
        )


@rule(
    "run-time",
    'the first cell has a "**Run time:**" line, written by `fix` from the last workshop run report',
    fixable=True,
)
def rule_run_time(notebook):
    run_time = [line for line in notebook.header.splitlines() if RUN_TIME_LINE.match(line)]
    if not run_time:
        yield Issue(
            'the header has no "**Run time:**" line',
            'add a "**Run time:**" line to the first cell, then `make lint-fix` after a workshop run (`make run`)',
            1,
        )
    elif not GENERATED_RUN_TIME.match(run_time[0]):
        yield Issue(
            "the run-time line is written by hand, not taken from a run report",
            "`make lint-fix` after a workshop run of this notebook (`make run`)",
            1,
            True,
        )


@rule("prerequisites", 'the first cell says "Prerequisites"')
def rule_prerequisites(notebook):
    if "Prerequisites" not in notebook.header:
        yield Issue(
            'the header has no "Prerequisites"',
            'add "**Prerequisites:**" (the earlier notebooks this one builds on) to the first cell',
            1,
        )


@rule(
    "launch-links",
    "the first cell's Open in Colab / Open in Vertex AI Workbench links match "
    "the course's home ([tool.keras-workshop] in pyproject.toml); without a home, the sentence "
    "saying how to set one",
    fixable=True,
)
def rule_launch_links(notebook):
    repo = notebook.repo
    expected = repo.links(link_relpath(notebook.path))
    present = [line for line in notebook.header.splitlines() if LINK_LINE.search(line)]
    if not present:
        what = (
            "the header lacks the sentence on launch links"
            if repo.placeholder
            else "the header has no Open in Colab / Open in Vertex AI Workbench links"
        )
        yield Issue(what, "`make lint-fix` (builds them from [tool.keras-workshop] in pyproject.toml)", 1, True)
    elif present != [expected]:
        home = "placeholder: no public home yet" if repo.placeholder else f"{repo.url} at {repo.ref}"
        yield Issue(
            f"the launch links do not match the course's home setting ({home})",
            "`make lint-fix` (rewrites them from [tool.keras-workshop] in pyproject.toml)",
            1,
            True,
        )


@rule(
    "colab-install",
    "notebook 00's first code cell is the Colab install cell (only there), as built from "
    "the course's home: pinned at `ref`, or installing nothing while there is no home",
    fixable=True,
)
def rule_colab_install(notebook):
    code = notebook.cells("code")
    if notebook.number in COLAB_INSTALL_NOTEBOOKS and (not code or COLAB_MARKER not in code[0][1].source):
        yield Issue(
            "the first code cell is not the Colab install cell",
            "`make lint-fix` (adds it before the setup cell)",
            code[0][0] if code else None,
            True,
        )
    for i, cell in code:
        if COLAB_MARKER in cell.source and cell.source != notebook.repo.colab_install():
            repo = notebook.repo
            home = "placeholder: no public home yet" if repo.placeholder else f"{repo.url}@{repo.ref}"
            yield Issue(
                f"the Colab install cell is out of step with the course's home setting ({home})",
                "`make lint-fix`",
                i,
                True,
            )


# Launch links and installs: (what, pattern with the groups owner, name, ref). Matched on the URL-
# decoded cell, so the Vertex AI link's encoded raw.githubusercontent.com address is seen too.
SOURCES = [
    ("a Colab link", re.compile(r"colab\.research\.google\.com/github/([\w-]+)/([\w.-]+)/blob/([^/\s)\"'<>]+)")),
    ("a raw-file link", re.compile(r"raw\.githubusercontent\.com/([\w-]+)/([\w.-]+)/([^/\s)\"'<>]+)")),
    (
        "an install",
        re.compile(
            r"git\+(?:https?|ssh)://(?:git@)?github\.com/([\w-]+)/([\w.-]+?)(?:\.git)?"
            r"(?:@([^\s\"'#]+))?(?=[\s\"'#]|$)"
        ),
    ),
]
GITHUB_OWNER = re.compile(r"(?:github\.com|githubusercontent\.com|colab\.research\.google\.com/github)/([\w-]+)")


@rule(
    "pinned-links",
    "no link to or install from the placeholder repository, and no launch link or install "
    "that follows a branch: they name a tag or a commit",
    kinds=KINDS,
    fixable=True,
)
def rule_pinned_links(notebook):
    for i, cell in notebook.cells():
        text = unquote(cell.source)
        fixable = notebook.kind == "course" and (i == 1 or COLAB_MARKER in cell.source)
        owners = sorted({m[1] for m in GITHUB_OWNER.finditer(text) if is_placeholder(m[1])})
        if owners:
            yield Issue(
                f"links to or installs from the placeholder GitHub account {owners[0]!r}: whoever "
                "registers it would decide what runs for every learner",
                SET_HOME,
                i,
                fixable,
            )
            continue
        said = set()
        for kind, pattern in SOURCES:
            for match in pattern.finditer(text):
                owner, name, ref = match.groups()
                if not ref:
                    what = f"{kind} installs {owner}/{name} from its default branch"
                elif ref.lower() in BRANCH_NAMES:
                    what = f"{kind} follows the branch {ref!r} of {owner}/{name}"
                else:
                    continue
                if what not in said:
                    said.add(what)
                    yield Issue(
                        what + ": what learners get would change with every push",
                        "pin a tag or a commit: " + SET_HOME,
                        i,
                        fixable,
                    )


@rule("setup", 'a "## Setup" heading and the call workshop_utils.setup("<file stem>")')
def rule_setup(notebook):
    setup = cell_of_heading(notebook, "## Setup")
    if setup is None:
        yield Issue('no "## Setup" heading', 'add a markdown cell "## Setup" before the setup cell', 2)
    if f'workshop_utils.setup("{notebook.stem}")' not in notebook.code:
        yield Issue(
            f'no call workshop_utils.setup("{notebook.stem}")',
            f'start the setup cell with `import workshop_utils`, then `cfg = workshop_utils.setup("{notebook.stem}")`',
            setup and setup + 1,
        )


@rule("checked-output", "at least one cell tagged nbval-check-output (a deterministic output nbval compares)")
def rule_checked_output(notebook):
    if not any(nbtool.is_checked(c) for c in notebook.nb.cells):
        yield Issue(
            f"no cell tagged {nbtool.CHECK_TAG}",
            f"tag the cell that prints the architecture "
            f"(print_architecture) {nbtool.CHECK_TAG}, then `make refresh-notebooks NB={notebook.number}`",
        )


@rule("recap", 'a "## What you learned" heading')
def rule_recap(notebook):
    if cell_of_heading(notebook, "## What you learned") is None:
        yield Issue(
            'no "## What you learned" recap heading',
            'add a markdown cell "## What you learned" with 3 bullets before "## Exercises"',
            cell_of_heading(notebook, "## Exercises") or len(notebook.nb.cells),
        )


@rule("exercises", 'a "## Exercises" heading, after the recap')
def rule_exercises(notebook):
    recap, exercises = cell_of_heading(notebook, "## What you learned"), cell_of_heading(notebook, "## Exercises")
    if exercises is None:
        yield Issue(
            'no "## Exercises" heading',
            'end the notebook with a markdown cell "## Exercises": 2-3 exercises, each with a *Hint:* and its check',
            len(notebook.nb.cells),
        )
    elif recap is not None and exercises < recap:
        yield Issue(
            '"## Exercises" comes before "## What you learned"', "move the recap before the exercises", exercises
        )


def cell_of_heading(notebook, name):
    return next((i for i, line in headings(notebook.nb) if line.startswith(name)), None)


EXERCISE_HEADING = re.compile(r"^### Exercise (\d\d\.\d) · (.+)$", re.MULTILINE)
REGISTERED = re.compile(r"""@exercise\(\s*"(\d\d\.\d)",\s*"([^"]+)"\s*\)""")


def registered_exercises(number):
    """{id: title} of the checks in workshop_utils/exercises/nbNN.py, read as text (no Keras import)."""
    module = ROOT / "workshop_utils" / "exercises" / f"nb{number}.py"
    return dict(REGISTERED.findall(module.read_text())) if module.is_file() else {}


@rule(
    "checked-exercises",
    'from notebook 01 on: 2-3 "### Exercise NN.k · title" sections, each with its '
    "exercises.check call and titled as its check in workshop_utils/exercises/nbNN.py",
)
def rule_checked_exercises(notebook):
    number = notebook.number
    if number == "00":
        return
    registered, where = registered_exercises(number), {}
    for i, cell in notebook.cells("markdown"):
        for exercise_id, title in EXERCISE_HEADING.findall(cell.source):
            where[exercise_id] = (i, title.strip())
    if not 2 <= len(where) <= 3:
        yield Issue(
            f"{len(where)} checked exercises (want 2-3)",
            f'give each exercise a heading "### Exercise '
            f'{number}.k · title" and a code cell that ends in exercises.check("{number}.k", ...)',
        )
    for exercise_id, (cell, title) in sorted(where.items()):
        if exercise_id not in registered:
            yield Issue(
                f"exercise {exercise_id} has no check",
                f'register one with @exercise("{exercise_id}", "{title}") in workshop_utils/exercises/nb{number}.py',
                cell,
            )
        elif registered[exercise_id].lower() != title.lower():
            yield Issue(
                f"exercise {exercise_id} is titled {title!r} here but {registered[exercise_id]!r} in its check",
                "use one title in both places",
                cell,
            )
        if f'exercises.check("{exercise_id}"' not in notebook.code:
            yield Issue(
                f"exercise {exercise_id} has no check call",
                f'end its code cell with exercises.check("{exercise_id}", ...)',
                cell,
            )
    for exercise_id in sorted(set(registered) - set(where)):
        yield Issue(
            f"the check {exercise_id} has no exercise in the notebook",
            f'add a "### Exercise {exercise_id} · ..." section, or remove the check',
        )


@rule("todo", "no TODO, FIXME or XXX in any cell", kinds=KINDS)
def rule_todo(notebook):
    for i, cell in notebook.cells():
        for line in cell.source.splitlines():
            word = TODO.search(line)
            if word:
                yield Issue(
                    f"{word[1]} left in a {cell.cell_type} cell: {line.strip()[:80]!r}",
                    "finish the work or remove the note",
                    i,
                )


@rule(
    "removed-api",
    "no call of an API that Keras 3 / TensorFlow 2 / pandas 2 removed (code cells only, so that "
    "markdown may name them)",
    kinds=KINDS,
)
def rule_removed_api(notebook):
    for i, cell in notebook.cells("code"):
        for pattern, name, instead in REMOVED_APIS:
            match = pattern.search(cell.source)
            if match:
                yield Issue(
                    f"uses {name}: {line_of(cell.source, match)[:80]!r}",
                    f"use {instead} (markdown may name the old API in words)",
                    i,
                )


@rule(
    "outside-path",
    "no path outside the project in code (/tmp, /home, C:\\, ~, .., the home or temporary "
    "folder); build paths from workshop_utils.artifacts_dir",
    kinds=KINDS,
)
def rule_outside_path(notebook):
    for i, cell in notebook.cells("code"):
        for line, value in string_values(cell.source):
            if OUTSIDE_START.match(value) or PARENT_PART.search(value):
                yield Issue(
                    f"path outside the project {value[:60]!r}" + (f" (line {line})" if line else ""),
                    f'build it from workshop_utils.artifacts_dir("{nb_stem(notebook)}") '
                    "(git-ignored) or another path inside the project",
                    i,
                )
        for pattern, name in OUTSIDE_CODE:
            match = pattern.search(cell.source)
            if match:
                yield Issue(
                    f"uses {name}: {line_of(cell.source, match)[:80]!r}",
                    "write under workshop_utils.artifacts_dir(...) instead",
                    i,
                )


def nb_stem(notebook):
    setup = re.search(r'workshop_utils\.setup\("([^"]+)"\)', "\n".join(c.source for c in notebook.nb.cells))
    return setup[1] if setup else f"{notebook.number}_..."


# --------------------------------------------------------------------------------------------------
# - Run times from the last run report


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
    """artifacts/runs/latest/results.json (WORKSHOP_ARTIFACTS moves the artifacts folder, as in course/paths.py)."""
    root = Path(os.environ.get("WORKSHOP_ARTIFACTS", ROOT / "artifacts"))
    return root / "runs" / "latest" / "results.json"


def load_report(path):
    """Return (report, None) for a workshop run report, or (None, why the run times stay as they are)."""
    path = Path(path)
    keep = "run-time lines left as they are"
    if not path.exists():
        return None, (
            f"no run report at {display(path)}: {keep} (run `make run` in the workshop profile, then `make lint-fix`)"
        )
    try:
        report = json.loads(path.read_text())
        profile = report["profile"]
    except (ValueError, KeyError) as exc:
        return None, f"cannot read the run report {display(path)} ({exc}): {keep}"
    if profile != "workshop":
        return None, (
            f"the last run ({display(path)}, {report.get('date', '?')}) used the {profile} profile, "
            f"not workshop: {keep}"
        )
    return report, None


def run_time_sentence(report, entry):
    if entry.get("status") == "dataset unavailable":
        return (
            f"**Run time:** not measured in the `workshop` profile: the run of {str(report['date'])[:10]} on "
            f"{machine(str(report.get('device', '')))} could not get the notebook's dataset."
        )
    return (
        f"**Run time:** about {about(float(entry['seconds']))} in the `workshop` profile (the default) on "
        f"{machine(str(report.get('device', '')))}, measured on {str(report['date'])[:10]} with the "
        f"{BACKENDS.get(report.get('backend'), report.get('backend'))} backend."
    )


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
        return "\n".join(lines[:start] + [sentence] + lines[start + 1 :]), ""
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


# --------------------------------------------------------------------------------------------------
# - Fixing


@fixer("launch-links")
def fix_launch_links(notebook, report, said):
    head = notebook.nb.cells[0]
    before = head.source
    head.source = set_links(head.source, notebook.repo.links(link_relpath(notebook.path)))
    return ["launch links"] if head.source != before else []


@fixer("run-time")
def fix_run_time(notebook, report, said):
    entry = run_entry(report, notebook.stem, notebook.shown, said)
    if entry is None:
        return []
    head = notebook.nb.cells[0]
    before = head.source
    head.source, replaced = set_run_time(head.source, run_time_sentence(report, entry))
    if replaced:
        said.append(f"{notebook.shown}: replaced the hand-written run-time sentence {' '.join(replaced.split())!r}")
    if head.source == before:
        return []
    measured = f"about {about(float(entry['seconds']))}" if entry.get("status") == "passed" else "not measured"
    return [f"run time ({measured}, run of {report.get('date')})"]


@fixer("colab-install")
def fix_colab_install(notebook, report, said):
    """Keep the Colab install cell in step with the setting; add it where one belongs."""
    nb, wanted, changed = notebook.nb, notebook.repo.colab_install(), False
    for cell in nb.cells:
        if cell.cell_type == "code" and COLAB_MARKER in cell.source and cell.source != wanted:
            cell.source, changed = wanted, True
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    if notebook.number in COLAB_INSTALL_NOTEBOOKS and not (code and COLAB_MARKER in nb.cells[code[0]].source):
        nb.cells = [c for c in nb.cells if not (c.cell_type == "code" and COLAB_MARKER in c.source)]
        nb.cells.insert(1, nbformat.v4.new_code_cell(wanted))
        changed = True
    return ["Colab install cell"] if changed else []


def fix_notebook(path, repo=None, report=None, skip=()):
    """Fix what can be fixed in one notebook; return (lines saying what was done, problems left).

    The registered fixers of the rules not skipped run on course notebooks whose first cell is
    markdown; a notebook that changes is written in the stored form (tools/nbtool.canonical), as
    is one that only breaks the stored form (unless stored-form is skipped).

    Args:
        path: the .ipynb file (rewritten in place when something changes).
        repo: the Repository setting (default: read from pyproject.toml).
        report: a workshop run report (dict from results.json), or None to leave run times alone.
        skip: ids of rules to leave out.
    """
    notebook = Notebook(path, repo or load_repository())
    if notebook.nb is None:
        return [], check_notebook(path, notebook.repo, skip)
    nb, shown, said, changed = notebook.nb, notebook.shown, [], []
    ran = any(
        c.cell_type == "code" and not nbtool.is_checked(c) and (c.get("outputs") or c.get("execution_count"))
        for c in nb.cells
    )
    if notebook.kind == "course" and nb.cells and nb.cells[0].cell_type == "markdown":
        for rule_id, function in FIXERS.items():
            if rule_id not in skip:
                changed += function(notebook, report, said)
    text = nbtool.dumps(nbtool.canonical(nb))
    stored = nbtool.dumps(nbtool.canonical(nbformat.reads(notebook.text, as_version=4))) == notebook.text
    if text != notebook.text and (changed or "stored-form" not in skip):
        if not stored:
            changed.append("stored form")
        Path(path).write_text(text)
        said.insert(0, f"{shown}: fixed {', '.join(changed)}")
        if ran:
            said.append(
                f"{shown}: removed the outputs of a run; if it ran in another profile than smoke, store the "
                f"compared outputs again with `make refresh-notebooks NB={notebook.number}`"
            )
    return said, check_notebook(path, notebook.repo, skip)


def run_entry(report, stem, shown, said):
    """The report's entry for a notebook when the run passed it (else None, saying why)."""
    if report is None:
        return None
    entry = {e.get("notebook"): e for e in report.get("notebooks", [])}.get(stem)
    if entry is None:
        said.append(f"{shown}: run time left as it is: the workshop run of {report.get('date')} did not run it")
    elif entry.get("status") == "dataset unavailable":
        said.append(
            f"{shown}: the workshop run of {report.get('date')} could not get its dataset: the header says "
            "it was not measured; measure it where the dataset can be had"
        )
    elif entry.get("status") != "passed":
        said.append(
            f"{shown}: run time left as it is: the workshop run of {report.get('date')} did not pass it "
            f"({entry.get('status')})"
        )
        entry = None
    return entry


# --------------------------------------------------------------------------------------------------
# - Command line


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


def rule_table():
    """The registered rules, one per line: id, where it applies, fixable or not, what it asks."""
    width = max(map(len, RULES))
    where = {("course",): "notebooks", ("solution",): "solutions", KINDS: "both"}
    lines = [f"{'rule':<{width}}  {'applies to':<10}  fix  what it asks"]
    for item in RULES.values():
        fix = "yes" if item.fixable else "-"
        lines.append(f"{item.id:<{width}}  {where[item.kinds]:<10}  {fix:<3}  {item.message}")
    return "\n".join(lines)


def parse_skip(values, parser):
    skip = {part.strip() for value in values for part in value.split(",") if part.strip()}
    unknown = sorted(skip - set(RULES))
    if unknown:
        parser.error(f"no rule {', '.join(map(repr, unknown))} to skip; the rules are: {', '.join(RULES)}")
    return skip


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="nblint.py",
        description="Lint the course notebooks and solutions.",
        epilog="`nblint.py check --list` lists the rules.",
    )
    parser.add_argument("command", choices=["check", "fix"])
    parser.add_argument("paths", nargs="*", help="notebooks or folders (default: notebooks/ and solutions/)")
    parser.add_argument("--list", action="store_true", help="list the rules and exit")
    parser.add_argument(
        "--skip", action="append", default=[], metavar="ID[,ID...]", help="leave out these rules (repeatable)"
    )
    parser.add_argument("--report", default=None, help="results.json of a run (default: artifacts/runs/latest/)")
    parser.add_argument("--pyproject", default=str(PYPROJECT), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.list:
        print(rule_table())
        return 0
    skip = parse_skip(args.skip, parser)
    repo = load_repository(args.pyproject)
    paths = notebooks_in(args.paths or [p for p in DEFAULT_PATHS if p.exists()])
    left = []
    if args.command == "fix":
        report, why = load_report(args.report or default_report())
        if why and "run-time" not in skip:
            print(why)
        for path in paths:
            said, problems = fix_notebook(path, repo, report, skip)
            print("\n".join(said)) if said else None
            left += problems
    else:
        for path in paths:
            left += check_notebook(path, repo, skip)
    left += check_numbers(paths, skip)
    for problem in left:
        print(f"{problem}{' (could not fix this automatically)' if args.command == 'fix' else ''}")
    files = len({p.path for p in left})
    skipped = f" (skipped: {', '.join(sorted(skip))})" if skip else ""
    print(
        f"{len(paths)} notebooks checked{skipped}: "
        + (
            f"{len(left)} problem{'s' * (len(left) > 1)} in {files} file{'s' * (files > 1)}"
            + (
                " (`make lint-fix` fixes those it can)"
                if args.command == "check" and any(p.fixable for p in left)
                else ""
            )
            if left
            else "all clean"
        )
    )
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
