"""The notebook lint (tools/nblint.py): the course notebooks and solutions pass it; every rule can fail.

Every registered rule has at least one synthetic notebook that breaks it (BREAKING, filled with the
@breaks decorator and from the tables below); test_every_rule_has_a_notebook_that_breaks_it fails
when a rule has none.
"""

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import nblint  # noqa: E402
import nbtool  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
REPO = nblint.Repository("test-owner", "keras-workshop", "v1.0", "keras-tuner==1.4.8")
NO_HOME = nblint.Repository("your-github-user", "keras-workshop", None, "keras-tuner==1.4.8")
RUN_TIME = (
    "**Run time:** about 2 minutes in the `workshop` profile (the default) on a 2-core CPU, "
    "measured on 2026-11-20 with the TensorFlow backend."
)


# --- The course itself --------------------------------------------------------------------------------


def lint_failure(path):
    problems = nblint.check_notebook(path)
    if problems:
        pytest.fail("\n".join(map(str, problems)), pytrace=False)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_course_notebook_passes_the_lint(path):
    lint_failure(path)


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_solution_passes_the_lint(path):
    lint_failure(path)


def test_notebooks_exist_and_have_their_own_numbers():
    assert NOTEBOOKS and not nblint.check_numbers(NOTEBOOKS)


def test_the_repository_setting_is_read_from_pyproject():
    repo = nblint.load_repository()
    assert repo.url.startswith("https://github.com/") and (repo.placeholder or repo.ref)
    assert repo.tuner_pin.startswith("keras-tuner==")


# --- Synthetic notebooks ------------------------------------------------------------------------------


def md(text):
    return nbformat.v4.new_markdown_cell(text)


def code(text, checked=False):
    cell = nbformat.v4.new_code_cell(text)
    if checked:
        cell.metadata["tags"] = [nbtool.CHECK_TAG]
        cell.execution_count = 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="shape: (2, 3)\n")]
    return cell


def header(stem, run_time=RUN_TIME, repo=REPO):
    return "\n".join(
        [
            f"# {stem[:2]} · A demo lesson",
            "",
            repo.links(f"notebooks/{stem}.ipynb"),
            "",
            "**What you will learn**",
            "- one thing.",
            "",
            run_time,
            "The `full` profile wants a GPU.",
            "**Prerequisites:** none.",
        ]
    )


def lesson_cells(stem, repo=REPO):
    cells = [
        md(header(stem, repo=repo)),
        md("## Setup"),
        code(f'import workshop_utils\nimport keras\n\ncfg = workshop_utils.setup("{stem}")'),
        md("## Build the model"),
        code('print("shape:", (2, 3))', checked=True),
        md("## What you learned\n- a.\n- b.\n- c."),
        md("## Exercises"),
    ]
    if not stem.startswith("00"):  # checked exercises, titled as their checks in workshop_utils/exercises
        for exercise_id, title in nblint.registered_exercises(stem[:2]).items():
            cells += [
                md(f"### Exercise {exercise_id} · {title}\n\nDo it. *Hint:* look."),
                code(f'answer = None\nexercises.check("{exercise_id}", answer)'),
            ]
    if stem.startswith("00"):
        cells.insert(1, code(repo.colab_install()))
    return cells


def write(folder, stem, cells):
    path = folder / f"{stem}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(nbtool.dumps(nbtool.canonical(nbformat.v4.new_notebook(cells=cells))))
    return path


@pytest.fixture
def lesson(tmp_path):
    """Write a clean synthetic lesson (optionally changed by `edit(cells)`) and return its path."""

    def make(edit=None, stem="03_demo", folder="notebooks", repo=REPO):
        cells = lesson_cells(stem, repo)
        if edit:
            cells = edit(cells) or cells
        return write(tmp_path / folder, stem, cells)

    return make


def problems(path, repo=REPO, skip=()):
    return nblint.check_notebook(path, repo, skip)


def test_a_clean_lesson_passes(lesson):
    assert problems(lesson()) == []
    assert problems(lesson(stem="00_demo")) == []


def test_a_notebook_missing_its_recap_fails_with_one_clear_line(lesson):
    path = lesson(lambda cells: [c for c in cells if "What you learned" not in c.source])
    found = problems(path)
    assert [p.rule for p in found] == ["recap"]
    line = str(found[0])
    assert line == (
        f'{nblint.display(path)}: cell 6: recap: no "## What you learned" recap heading. Fix: add a '
        'markdown cell "## What you learned" with 3 bullets before "## Exercises"'
    )
    assert not found[0].fixable


def replace_header(old, new):
    def edit(cells):
        assert old in cells[0].source
        cells[0].source = cells[0].source.replace(old, new)

    return edit


def drop_cell(text):
    return lambda cells: [c for c in cells if text not in c.source]


STRUCTURE_BREAKS = {  # name: (edit, rule, part of the message)
    "title": (replace_header("# 03 · ", "# "), "title", 'does not start with "# NN · Title"'),
    "title-number": (replace_header("# 03 · ", "# 04 · "), "title", "the title says 04 but the file name says 03"),
    "learn": (replace_header("**What you will learn**", "**Goals**"), "learn", 'no "What you will learn"'),
    "run-time": (replace_header(RUN_TIME, ""), "run-time", 'no "**Run time:**" line'),
    "run-time-by-hand": (replace_header(RUN_TIME, "**Run time:** a minute or so."), "run-time", "written by hand"),
    "prerequisites": (replace_header("**Prerequisites:** none.", ""), "prerequisites", 'no "Prerequisites"'),
    "launch-links": (
        replace_header("test-owner", "someone-else"),
        "launch-links",
        "do not match the course's home setting",
    ),
    "launch-links-missing": (
        replace_header(REPO.links("notebooks/03_demo.ipynb"), ""),
        "launch-links",
        "no Open in Colab",
    ),
    "setup": (drop_cell("## Setup"), "setup", 'no "## Setup" heading'),
    "setup-call": (drop_cell("workshop_utils.setup"), "setup", 'no call workshop_utils.setup("03_demo")'),
    "checked-output": (drop_cell('print("shape:"'), "checked-output", "no cell tagged nbval-check-output"),
    "recap": (drop_cell("## What you learned"), "recap", 'no "## What you learned" recap heading'),
    "exercises": (drop_cell("## Exercises"), "exercises", 'no "## Exercises" heading'),
    "exercises-order": (lambda cells: cells[:5] + [cells[6], cells[5]] + cells[7:], "exercises", "comes before"),
}


@pytest.mark.parametrize("name", STRUCTURE_BREAKS)
def test_each_structure_rule_can_fail(lesson, name):
    edit, rule, message = STRUCTURE_BREAKS[name]
    found = problems(lesson(edit))
    assert len(found) == 1 and found[0].rule == rule, found
    assert message in str(found[0]) and " Fix: " in str(found[0])


REMOVED = [
    "labels = model.predict_classes(x)",
    "import tensorflow_hub as hub",
    "from tf_keras import layers",
    "it = ds.make_one_shot_iterator()",
    "model.compile(loss='mse', target_tensors=[y])",
    "sess = tf.compat.v1.Session()",
    "x = tf.placeholder(tf.float32)",
    "day = pd.datetime(2020, 1, 1)",
    "from keras.utils import np_utils",
    'ckpt = keras.callbacks.ModelCheckpoint("m.keras", monitor="val_acc")',
    "model.fit_generator(batches, epochs=2)",
    "opt = keras.optimizers.Adam(lr=0.01)",
    "opt = keras.optimizers.SGD(learning_rate=0.1,\n    decay=1e-6)",
    'model.save("m", save_format="tf")',
    "from keras.wrappers.scikit_learn import KerasClassifier",
    "layer = keras.layers.CuDNNLSTM(8)",
    "keras.backend.set_learning_phase(1)",
]


@pytest.mark.parametrize("line", REMOVED)
def test_a_removed_api_in_code_fails(lesson, line):
    found = problems(lesson(lambda cells: cells.insert(4, code(line))))
    assert [p.rule for p in found] == ["removed-api"], found
    assert found[0].cell == 5 and "use " in found[0].how


ALLOWED_CODE = [
    "opt = keras.optimizers.AdamW(learning_rate=1e-3, weight_decay=0.01)",
    'old_key = "val_acc"  # the key the old code monitored',
    "probabilities = classifier.predict_proba(x)  # scikit-learn",
    'with tf.device("/GPU:0"):\n    pass',
    'print("pixel range: 0..255", "~2 minutes", "/", "a/b", "https://example.com/a/b")',
    'runs = [r.removesuffix("/validation") for r in runs if r.endswith("/train")]',
    'path = workshop_utils.artifacts_dir("03_demo") / "best.keras"',
    'print(f"{path}/logs")',
    "%load_ext tensorboard",
]


@pytest.mark.parametrize("line", ALLOWED_CODE)
def test_code_that_looks_close_but_is_fine(lesson, line):
    assert problems(lesson(lambda cells: cells.insert(4, code(line)))) == []


def test_markdown_may_name_removed_apis_and_paths(lesson):
    words = (
        'The old `predict_classes`, `monitor="val_acc"`, `tf.compat.v1` and `fit_generator` are gone; '
        "never write checkpoints to `/tmp` or `~/`, nor to `../shared`."
    )
    assert problems(lesson(lambda cells: cells.insert(3, md(words)))) == []


OUTSIDE = [
    'open("/tmp/best.h5", "w")',
    'data = Path("/home/me/data")',
    'x = np.load("/data/mnist.npz")',
    'x = np.load("/srv/course/mnist.npz")',
    'x = np.load("/mnt")',
    'root = f"/work/{name}"',
    'cache = "~/data"',
    'mirror = "../shared/datasets"',
    'os.chdir("..")',
    'folder = r"C:\\data\\mnist"',
    'folder = "C:/data"',
    'share = "\\\\\\\\server\\\\data"',
    'Path.home() / "keras"',
    "folder = tempfile.mkdtemp()",
    'home = os.environ["HOME"]',
    "!ls /tmp",
    "%cd ../shared",
]


@pytest.mark.parametrize("line", OUTSIDE)
def test_a_path_outside_the_project_fails(lesson, line):
    found = problems(lesson(lambda cells: cells.insert(4, code(line))))
    assert [p.rule for p in found] == ["outside-path"], found
    assert "artifacts_dir" in found[0].how


@pytest.mark.parametrize("where", ["markdown", "code"])
def test_a_todo_fails(lesson, where):
    cell = md("TODO: explain the loss.") if where == "markdown" else code("x = 1  # FIXME")
    found = problems(lesson(lambda cells: cells.insert(4, cell)))
    assert [p.rule for p in found] == ["todo"] and found[0].cell == 5


def test_a_notebook_run_in_jupyter_gets_one_readable_line(lesson):
    def ran(cells):
        cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="learner's output\n")]
        cells[2].execution_count = 3

    path = lesson()
    nb = nbformat.read(path, as_version=4)
    ran(nb.cells)
    nbformat.write(nb, path)  # as Jupyter saves it: not the stored form
    found = problems(path)
    assert [p.rule for p in found] == ["stored-form"]
    assert "holds outputs saved from a run (cell 3)" in str(found[0]) and "git checkout --" in str(found[0])
    said, left = nblint.fix_notebook(path, REPO)
    assert left == [] and "stored form" in said[0] and not nbtool.problems(path)


def test_a_compared_cell_without_output_needs_a_refresh(lesson):
    def strip(cells):
        cells[4].outputs, cells[4].execution_count = [], None

    found = problems(lesson(strip))
    assert [p.rule for p in found] == ["stored-form"] and "make refresh-notebooks NB=03" in found[0].how
    assert not found[0].fixable


def test_file_names_and_numbers(tmp_path, lesson):
    bad = write(tmp_path / "notebooks", "3_demo", lesson_cells("03_demo"))
    assert "name" in [p.rule for p in problems(bad)]
    twins = [lesson(stem="04_a"), lesson(stem="04_b")]
    assert [p.rule for p in nblint.check_numbers(twins)] == ["name"]


def test_notebook_00_needs_its_colab_install_cell(lesson):
    found = problems(lesson(drop_cell("google.colab"), stem="00_demo"))
    assert [p.rule for p in found] == ["colab-install"] and found[0].fixable
    stale = lesson(
        lambda cells: setattr(cells[1], "source", cells[1].source.replace("test-owner", "x")), stem="00_demo"
    )
    assert "out of step" in str(problems(stale)[0])


def test_the_colab_install_cell_is_valid_ipython_and_does_nothing_elsewhere():
    from IPython.core.inputtransformer2 import TransformerManager

    source = REPO.colab_install()
    assert (
        'pip install --quiet --no-deps keras-tuner==1.4.8 "keras-workshop @ '
        'git+https://github.com/test-owner/keras-workshop@v1.0"' in source
    )
    python = TransformerManager().transform_cell(source)
    assert "run_line_magic('pip'" in python
    exec(compile(python, "colab-install", "exec"), {})  # not on Colab: runs without get_ipython, prints nothing


# --- Solutions ----------------------------------------------------------------------------------------


def test_solution_rules(lesson):
    def solution(cells):
        return [md("# Solutions · 03 · A demo lesson"), code('print("answer")')]

    assert problems(lesson(solution, folder="solutions")) == []
    wrong = problems(lesson(lambda cells: [md("# 03 · Solutions")], folder="solutions"))
    assert [p.rule for p in wrong] == ["title"]
    todo = problems(lesson(lambda cells: solution(cells) + [code('open("/tmp/x")  # TODO')], folder="solutions"))
    assert sorted(p.rule for p in todo) == ["outside-path", "todo"]


# --- Fixing -------------------------------------------------------------------------------------------


PYPROJECT_V1 = '[tool.keras-workshop]\nrepository = "https://github.com/test-owner/keras-workshop"\nref = "v1.0"\n'


def report(tmp_path, seconds=130, profile="workshop", status="passed", date="2026-11-25 15:40"):
    path = tmp_path / "runs" / date[:10] / "results.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps(
            {
                "date": date,
                "profile": profile,
                "backend": "tensorflow",
                "device": "CPU (2 cores)",
                "notebooks": [
                    {"notebook": "03_demo", "status": status, "seconds": seconds},
                    {"notebook": "00_demo", "status": "passed", "seconds": 21.0},
                ],
            }
        )
    )
    return path


def test_fix_repairs_links_run_time_and_the_colab_cell(tmp_path, lesson):
    def damage(cells):
        cells[0].source = (
            cells[0]
            .source.replace("test-owner", "old-owner")
            .replace(RUN_TIME, "**Run time:** about 20 s in `smoke`; `workshop` about 2 minutes\non a 2-core CPU.")
        )
        cells[1].source = cells[1].source.replace("test-owner", "old-owner")

    path = lesson(damage, stem="00_demo")
    assert sorted(p.rule for p in problems(path)) == ["colab-install", "launch-links", "run-time"]
    loaded, why = nblint.load_report(report(tmp_path))
    said, left = nblint.fix_notebook(path, REPO, loaded)
    assert left == [] and problems(path) == []
    assert said[0].endswith(
        "fixed launch links, run time (about 20 seconds, run of 2026-11-25 15:40), Colab install cell"
    )
    assert (
        "replaced the hand-written run-time sentence '**Run time:** about 20 s in `smoke`; `workshop` about "
        "2 minutes on a 2-core CPU.'" in said[1]
    )
    head = nbformat.read(path, as_version=4).cells[0].source
    assert (
        "**Run time:** about 20 seconds in the `workshop` profile (the default) on a 2-core CPU, measured on "
        "2026-11-25 with the TensorFlow backend.\nThe `full` profile wants a GPU.\n**Prerequisites:**"
    ) in head
    assert nblint.fix_notebook(path, REPO, loaded) == ([], [])  # a second fix changes nothing


def test_a_new_report_rewrites_the_run_time_and_keeps_the_hand_written_rest(tmp_path, lesson):
    path = lesson()
    loaded, _ = nblint.load_report(report(tmp_path, seconds=400, date="2026-12-01 09:00"))
    said, left = nblint.fix_notebook(path, REPO, loaded)
    head = nbformat.read(path, as_version=4).cells[0].source
    assert left == [] and said == [
        f"{nblint.display(path)}: fixed run time (about 6.5 minutes, run of 2026-12-01 09:00)"
    ]
    assert (
        "**Run time:** about 6.5 minutes in the `workshop` profile (the default) on a 2-core CPU, measured on "
        "2026-12-01 with the TensorFlow backend.\nThe `full` profile wants a GPU."
    ) in head
    assert head.count("**Run time") == 1


def test_a_notebook_whose_dataset_was_unavailable_is_marked_not_measured(tmp_path, lesson):
    path = lesson()
    loaded, _ = nblint.load_report(report(tmp_path, status="dataset unavailable", date="2026-12-01 09:00"))
    said, left = nblint.fix_notebook(path, REPO, loaded)
    head = nbformat.read(path, as_version=4).cells[0].source
    assert left == [] and "could not get its dataset" in " ".join(said)
    assert (
        "**Run time:** not measured in the `workshop` profile: the run of 2026-12-01 on a 2-core CPU could not "
        "get the notebook's dataset."
    ) in head


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda cells: [c for c in cells if "### Exercise 03.2" not in c.source], "the check 03.2 has no exercise"),
        (
            lambda cells: [c for c in cells if 'exercises.check("03.1"' not in c.source],
            "exercise 03.1 has no check call",
        ),
        (
            lambda cells: [
                md(c.source.replace("### Exercise 03.1 · ", "### Exercise 03.1 · Not "))
                if c.cell_type == "markdown"
                else c
                for c in cells
            ],
            "exercise 03.1 is titled",
        ),
        (lambda cells: cells + [md("### Exercise 03.9 · extra")], "exercise 03.9 has no check"),
    ],
)
def test_checked_exercises_must_match_their_checks(lesson, edit, message):
    assert any(message in p.what for p in problems(lesson(edit)))


def test_fix_leaves_run_times_alone_without_a_workshop_report(tmp_path, lesson, capsys):
    by_hand = "**Run time:** a minute or so."
    path = lesson(replace_header(RUN_TIME, by_hand))
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(PYPROJECT_V1)
    for args, why in [
        (["--report", str(tmp_path / "none.json")], "no run report at"),
        (["--report", str(report(tmp_path, profile="smoke"))], "used the smoke profile, not workshop"),
    ]:
        assert nblint.main(["fix", str(path), "--pyproject", str(pyproject)] + args) == 1
        out = capsys.readouterr().out
        assert why in out and "run-time lines left as they are" in out
        assert by_hand in nbformat.read(path, as_version=4).cells[0].source
        assert "run-time: the run-time line is written by hand" in out and "could not fix" in out
    loaded, _ = nblint.load_report(report(tmp_path, status="failed"))
    said, left = nblint.fix_notebook(path, REPO, loaded)
    assert "did not pass it (failed)" in said[0] and [p.rule for p in left] == ["run-time"]


def test_fix_says_what_it_could_not_fix(tmp_path, lesson, capsys):
    path = lesson(drop_cell("## What you learned"))
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(PYPROJECT_V1)
    assert nblint.main(["fix", str(path), "--pyproject", str(pyproject), "--report", str(report(tmp_path))]) == 1
    out = capsys.readouterr().out.splitlines()
    assert any(line.endswith("(could not fix this automatically)") and "recap:" in line for line in out)
    assert nblint.main(["check", str(path), "--pyproject", str(pyproject)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and "recap" in out[0] and out[1] == "1 notebooks checked: 1 problem in 1 file"


def test_a_repository_setting_that_is_not_github_stops_with_a_message(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[tool.keras-workshop]\nrepository = "gitlab.com/me/course"\n')
    with pytest.raises(SystemExit, match="must be a GitHub URL"):
        nblint.load_repository(pyproject)


def test_launch_links():
    assert (
        REPO.colab("notebooks/02_x.ipynb")
        == "https://colab.research.google.com/github/test-owner/keras-workshop/blob/v1.0/notebooks/02_x.ipynb"
    )
    assert REPO.vertex("notebooks/02_x.ipynb") == (
        "https://console.cloud.google.com/vertex-ai/workbench/deploy-notebook?download_url="
        "https%3A%2F%2Fraw.githubusercontent.com%2Ftest-owner%2Fkeras-workshop%2Fv1.0%2Fnotebooks%2F02_x.ipynb"
    )


@pytest.mark.parametrize(
    "seconds, text",
    [
        (3, "5 seconds"),
        (22, "20 seconds"),
        (54, "55 seconds"),
        (56, "1 minute"),
        (100, "1.5 minutes"),
        (130, "2 minutes"),
        (176, "3 minutes"),
        (620, "10 minutes"),
        (1500, "25 minutes"),
    ],
)
def test_run_times_are_rounded_for_a_reader(seconds, text):
    assert nblint.about(seconds) == text


def test_machine_descriptions():
    assert nblint.machine("CPU (2 cores)") == "a 2-core CPU"
    assert nblint.machine("GPU: NVIDIA H100 80GB HBM3") == "a GPU (NVIDIA H100 80GB HBM3)"
    with pytest.raises(ValueError, match="seconds must be >= 0"):
        nblint.about(-1)


# --- The course's home: no live link or install from a placeholder or a branch -----------------


def test_without_a_home_a_lesson_has_no_link_and_notebook_00_installs_nothing(lesson):
    for stem in ("03_demo", "00_demo"):
        path = lesson(stem=stem, repo=NO_HOME)
        assert problems(path, NO_HOME) == []
        text = path.read_text()
        assert "your-github-user" not in text and "colab.research.google.com" not in text
        assert "git+" not in text and "pip install" not in text
    head = nbformat.read(path, as_version=4).cells[0].source
    assert "set `repository` and `ref` (a tag or a commit)" in head and "`make lint-fix`" in head


def test_the_cell_without_a_home_is_harmless_ipython(capsys, monkeypatch):
    from IPython.core.inputtransformer2 import TransformerManager

    python = TransformerManager().transform_cell(NO_HOME.colab_install())
    assert "run_line_magic" not in python and "system(" not in python
    exec(compile(python, "colab-install", "exec"), {})
    assert capsys.readouterr().out == ""  # not on Colab: silent
    monkeypatch.setitem(sys.modules, "google.colab", object())
    exec(compile(python, "colab-install", "exec"), {})  # on Colab: one line, no install
    assert "ask your instructor" in capsys.readouterr().out


def test_fix_moves_notebooks_between_a_real_home_and_none(lesson):
    path = lesson(stem="00_demo")  # built for test-owner at v1.0
    assert sorted({p.rule for p in problems(path, NO_HOME)}) == ["colab-install", "launch-links"]
    said, left = nblint.fix_notebook(path, NO_HOME)
    assert left == [] and said == [f"{nblint.display(path)}: fixed launch links, Colab install cell"]
    assert "test-owner" not in path.read_text()
    said, left = nblint.fix_notebook(path, REPO)
    assert left == [] and "test-owner/keras-workshop@v1.0" in path.read_text()


@pytest.mark.parametrize("ref", ["v1.0", "2026.12", "3f2a9c1", "0123456789abcdef0123456789abcdef01234567"])
def test_a_tag_or_commit_pins_the_home(tmp_path, ref):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(PYPROJECT_V1.replace('"v1.0"', f'"{ref}"'))
    repo = nblint.load_repository(pyproject)
    assert repo.ref == ref and f"/blob/{ref}/" in repo.colab("notebooks/02_x.ipynb")
    assert f'keras-workshop@{ref}"' in repo.colab_install()


@pytest.mark.parametrize(
    "setting, message",
    [
        ('ref = "main"', "'main' is a branch"),
        ('ref = "master"', "'master' is a branch"),
        ('ref = ""', "is not set"),
        ("", "is not set"),
        ('ref = "v1 .0"', "is not a git tag or commit name"),
        ('ref = "v1.0"\nbranch = "main"', "branch is no longer read"),
    ],
)
def test_a_real_home_refuses_a_branch_or_no_ref(tmp_path, setting, message):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[tool.keras-workshop]\nrepository = "https://github.com/acme/keras-workshop"\n' + setting + "\n"
    )
    with pytest.raises(SystemExit, match=message):
        nblint.load_repository(pyproject)
    with pytest.raises(ValueError, match="branch|not set"):
        nblint.Repository("acme", "keras-workshop", "main")


def test_a_ref_that_names_a_branch_of_the_clone_is_refused(tmp_path):
    clone = tmp_path / "clone"
    git = ["git", "-C", str(clone), "-c", "user.name=t", "-c", "user.email=t@t"]
    clone.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "spring-course", str(clone)], check=True)
    subprocess.run(git + ["commit", "-q", "--allow-empty", "-m", "x"], check=True)
    subprocess.run(git + ["tag", "v2"], check=True)
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(PYPROJECT_V1.replace('"v1.0"', '"spring-course"'))
    with pytest.raises(SystemExit, match="'spring-course' is a branch of this clone"):
        nblint.load_repository(pyproject, git_dir=clone)
    pyproject.write_text(PYPROJECT_V1.replace('"v1.0"', '"v2"'))
    assert nblint.load_repository(pyproject, git_dir=clone).ref == "v2"


def test_the_placeholder_setting_needs_no_ref(tmp_path):
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        '[tool.keras-workshop]\nrepository = "https://github.com/your-github-user/keras-workshop"\nref = ""\n'
    )
    repo = nblint.load_repository(pyproject)
    assert repo.placeholder and repo.ref is None and repo.links("notebooks/02_x.ipynb") == nblint.NO_HOME_LINE


OLD_PLACEHOLDER_LINK = (
    "[Open in Colab](https://colab.research.google.com/github/your-github-user/keras-workshop/"
    "blob/main/notebooks/03_demo.ipynb)"
)
BRANCH_SOURCES = [  # (cell, what the problem says)
    (
        md("[Open in Colab](https://colab.research.google.com/github/acme/kw/blob/main/notebooks/03_demo.ipynb)"),
        "a Colab link follows the branch 'main' of acme/kw",
    ),
    (
        md(
            "[Vertex](https://console.cloud.google.com/vertex-ai/workbench/deploy-notebook?"
            "download_url=https%3A%2F%2Fraw.githubusercontent.com%2Facme%2Fkw%2Fmaster%2Fnotebooks%2F"
            "03_demo.ipynb)"
        ),
        "a raw-file link follows the branch 'master' of acme/kw",
    ),
    (
        code('%pip install "keras-workshop @ git+https://github.com/acme/kw"'),
        "an install installs acme/kw from its default branch",
    ),
    (
        code("!pip install git+https://github.com/acme/kw.git@develop#egg=keras-workshop"),
        "an install follows the branch 'develop' of acme/kw",
    ),
    (
        code('%pip install "git+https://github.com/your-github-user/keras-workshop@v1.0"'),
        "the placeholder GitHub account 'your-github-user'",
    ),
    (
        md("See https://github.com/your-github-user/keras-workshop for the code."),
        "the placeholder GitHub account 'your-github-user'",
    ),
]


@pytest.mark.parametrize("cell, message", BRANCH_SOURCES)
@pytest.mark.parametrize("folder", ["notebooks", "solutions"])
def test_a_link_or_install_from_a_branch_or_the_placeholder_fails(lesson, cell, message, folder):
    def edit(cells):
        if folder == "solutions":
            return [md("# Solutions · 03 · A demo lesson"), cell]
        cells.insert(4, cell)

    for repo in (REPO, NO_HOME):
        found = problems(lesson(edit, folder=folder, repo=repo), repo)
        assert [p.rule for p in found] == ["pinned-links"], found
        assert message in found[0].what and "`ref` (a tag or a commit)" in found[0].how


@pytest.mark.parametrize(
    "text",
    [
        "[Colab](https://colab.research.google.com/github/acme/kw/blob/v1.0/notebooks/03_demo.ipynb)",
        '%pip install "keras-workshop @ git+https://github.com/acme/kw@3f2a9c1"',
        "Keras' code: https://github.com/keras-team/keras/blob/master/keras/src/models/model.py",
    ],
)
def test_pinned_links_and_plain_github_links_pass(lesson, text):
    cell = code(text) if text.startswith("%") else md(text)
    assert problems(lesson(lambda cells: cells.insert(4, cell))) == []


# --- The rule registry: list, skip, and a breaking notebook for every rule ----------------------


BREAKING = {}  # rule id: [function (lesson, tmp_path) -> path of a notebook that breaks it]


def breaks(rule_id):
    def register(function):
        BREAKING.setdefault(rule_id, []).append(function)
        return function

    return register


for _edit, _rule, _ in STRUCTURE_BREAKS.values():
    breaks(_rule)(lambda lesson, tmp_path, edit=_edit: lesson(edit))
for _rule, _line in [("removed-api", REMOVED[0]), ("outside-path", OUTSIDE[0]), ("todo", "x = 1  # TODO")]:
    breaks(_rule)(lambda lesson, tmp_path, line=_line: lesson(lambda cells: cells.insert(4, code(line))))
for _cell, _ in BRANCH_SOURCES:
    breaks("pinned-links")(lambda lesson, tmp_path, cell=_cell: lesson(lambda cells: cells.insert(4, cell)))
breaks("pinned-links")(
    lambda lesson, tmp_path: lesson(replace_header(REPO.links("notebooks/03_demo.ipynb"), OLD_PLACEHOLDER_LINK))
)


@breaks("name")
def bad_name(lesson, tmp_path):
    return write(tmp_path / "notebooks", "3_demo", lesson_cells("3_demo"))


@breaks("stored-form")
def ran_in_jupyter(lesson, tmp_path):
    path = lesson()
    nb = nbformat.read(path, as_version=4)
    nb.cells[2].outputs = [nbformat.v4.new_output("stream", name="stdout", text="out\n")]
    nbformat.write(nb, path)
    return path


@breaks("stored-form")
def not_a_notebook(lesson, tmp_path):
    path = lesson()
    path.write_text("{ not json")
    return path


@breaks("title")
def solution_without_its_title(lesson, tmp_path):
    return lesson(lambda cells: [md("# 03 · Solutions")], folder="solutions")


@breaks("colab-install")
def notebook_00_without_its_install_cell(lesson, tmp_path):
    return lesson(drop_cell("google.colab"), stem="00_demo")


@breaks("checked-exercises")
def an_exercise_without_its_check(lesson, tmp_path):
    return lesson(lambda cells: [c for c in cells if 'exercises.check("03.1"' not in c.source])


CASES = [(rule_id, function) for rule_id, functions in BREAKING.items() for function in functions]


def test_every_rule_has_a_notebook_that_breaks_it():
    missing = sorted(set(nblint.RULES) - set(BREAKING))
    assert not missing, f"rules with no breaking notebook in this file (add one with @breaks): {missing}"
    assert not set(BREAKING) - set(nblint.RULES)


@pytest.mark.parametrize("rule_id, build", CASES, ids=[f"{r}-{i}" for i, (r, _) in enumerate(CASES)])
def test_each_breaking_notebook_breaks_its_rule_and_skip_leaves_it_out(lesson, tmp_path, rule_id, build):
    path = build(lesson, tmp_path)
    assert rule_id in {p.rule for p in problems(path)}
    if build is not not_a_notebook:  # an unreadable file is always reported
        assert rule_id not in {p.rule for p in problems(path, skip={rule_id})}


def test_rules_are_registered_once_and_fixers_only_for_fixable_rules():
    with pytest.raises(ValueError, match="registered twice"):
        nblint.rule("recap", "again")(lambda notebook: [])
    with pytest.raises(ValueError, match="not a registered fixable rule"):
        nblint.fixer("recap")(lambda notebook, report, said: [])
    assert set(nblint.FIXERS) <= {r.id for r in nblint.RULES.values() if r.fixable}
    assert all(r.message and r.kinds for r in nblint.RULES.values())


def test_the_command_lists_the_rules_and_skips_by_id(tmp_path, lesson, capsys):
    assert nblint.main(["check", "--list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed[1:]] == list(nblint.RULES)
    path = lesson(drop_cell("## What you learned"))
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(PYPROJECT_V1)
    assert nblint.main(["check", str(path), "--pyproject", str(pyproject)]) == 1
    assert nblint.main(["check", str(path), "--pyproject", str(pyproject), "--skip", "todo,recap"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "1 notebooks checked (skipped: recap, todo): all clean"
    with pytest.raises(SystemExit):
        nblint.main(["check", str(path), "--skip", "recap,no-such-rule"])
    assert "no rule 'no-such-rule' to skip" in capsys.readouterr().err


def test_fix_leaves_a_skipped_rule_alone(tmp_path, lesson):
    path = lesson(replace_header("test-owner", "old-owner"))
    said, left = nblint.fix_notebook(path, REPO, skip={"launch-links"})
    assert said == [] and left == [] and "old-owner" in path.read_text()
    said, left = nblint.fix_notebook(path, REPO)
    assert "fixed launch links" in said[0] and "old-owner" not in path.read_text()
