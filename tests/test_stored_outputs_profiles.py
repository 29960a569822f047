"""Stored outputs that hold in every profile, and Keras' own summary in every notebook that builds a model.

The outputs stored in notebooks/ come from the smoke profile (tools/nbtool.py refresh), but a learner
reads them next to prose about the workshop profile. So a compared cell either prints what no profile
changes (architectures, dtypes, shapes of fixed data) or names the profile that produced it. The check
below derives the numbers that depend on the profile from config.py's smoke settings (sizes, epochs,
batch sizes, batch counts, Hyperband's trials) and fails on a compared output that shows one of them
without the word "smoke".

Every notebook that builds a model calls ``.summary()`` on one (the tool learners keep using after the
course). That cell is not compared: its table's width and layout are Keras' and the terminal's business,
so ``print_architecture`` stays the compared cell.
"""

import math
import re
import sys
from pathlib import Path

from workshop_utils import tuning
from workshop_utils.course import config, environment

import nbformat
import pytest

ROOT = Path(__file__).parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import nbtool  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.ipynb"))
STORED_PROFILE = "smoke"  # the profile tools/nbtool.py refresh runs
# Small numbers (1, 2, 22, ...) turn up in every shape; they count only on a line with the word for what
# they count (an epoch count next to "epoch", a batch count next to "batch" or "step").
SMALL = 100
WORDS = {
    "epoch": r"\bepochs?\b",
    "trial": r"\btrials?\b",
    "batch": r"\b(?:batch(?:es)?|steps?)\b",
    "size": r"\b(?:epochs?|trials?|batch(?:es)?|steps?)\b",
}
NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+)(?![\w.]|,\d)")
LAYER_SHAPE = re.compile(r"\(None(?:, (?:None|\d+))*\)")  # (None, 128): a layer's shape, no sample count in it
BUILDS_A_MODEL = re.compile(r"\bkeras\.(?:models\.)?(?:Sequential|Model)\(")
CALLS_SUMMARY = re.compile(r"\.summary\(")


def profile_numbers(notebook, profile=STORED_PROFILE):
    """Map each number that the profile decides in this notebook to [(the setting behind it, its kind)].

    Kinds: "size" (examples: a split's size or a part of it; never read inside a layer's shape), "batch"
    (batches or steps), "epoch", "trial" and "other" (max_tokens, sequence_length, ...).
    """
    cfg = config.notebook_settings(notebook, profile)
    others = [config.notebook_settings(notebook, p) for p in config.PROFILES if p != profile]
    numbers = {}

    def add(value, why, kind):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and value == int(value) and value > 0:
            numbers.setdefault(int(value), []).append((why, kind))

    def kind_of(name):
        if "epoch" in name or name == "patience":
            return "epoch"
        if "batch" in name or "steps" in name:
            return "batch"
        return "size" if name.endswith("_size") else "other"

    changes = [
        name
        for name in cfg
        if name not in ("notebook", "profile", "seed", "targets")
        and any(other.get(name) != cfg[name] for other in others)
    ]
    for name in changes:
        add(cfg[name], name, kind_of(name))
    batches = {name: cfg[name] for name in cfg if name.endswith("batch_size") and isinstance(cfg[name], int)}
    for name in changes:
        size = cfg[name]
        if kind_of(name) != "size" or not isinstance(size, int):
            continue
        parts = {name: size}
        if "train" in name and "validation_fraction" in cfg:  # the validation part and the rest
            parts[f"{name} x {cfg.validation_fraction}"] = round(size * cfg.validation_fraction)
            parts[f"{name} - validation"] = size - parts[f"{name} x {cfg.validation_fraction}"]
        validation = cfg.get(name.replace("train", "validation"))
        if "train" in name and isinstance(validation, int):
            parts[f"{name} - validation"] = size - validation
        for part, count in parts.items():
            add(count, part, "size")
            for batch_name, batch in batches.items():
                if _data_set(batch_name) in ("", _data_set(name)):  # mnist_ sizes in mnist_ batches
                    add(math.ceil(count / batch), f"{part} / {batch_name}", "batch")
    if "max_epochs" in cfg and "factor" in cfg:
        rounds = tuning.hyperband_schedule(cfg.max_epochs, cfg.factor, cfg.get("hyperband_iterations", 1))
        add(sum(r["models"] for r in rounds), "Hyperband's trials", "trial")
        add(sum(r["models"] * r["new_epochs"] for r in rounds), "Hyperband's epochs", "epoch")
    return numbers


def _data_set(name):
    """The data set a setting belongs to, from its prefix: "cifar" for cifar_batch_size, "" for batch_size."""
    first = name.split("_")[0]
    return "" if first in ("train", "validation", "test", "batch") else first


def output_text(cell):
    return "".join(str(o.get("text") or o.get("data", {}).get("text/plain", "")) for o in cell.get("outputs", []))


def _shown(value, origins, line):
    """Whether a line shows ``value`` as the number the profile decided (see profile_numbers)."""
    for why, kind in origins:
        text = LAYER_SHAPE.sub("", line) if kind in ("size", "batch") else line
        if not any(int(token.replace(",", "")) == value for token in NUMBER.findall(text)):
            continue
        if value >= SMALL or re.search(WORDS.get(kind, WORDS["size"]), line, re.IGNORECASE):
            return why
    return None


def unlabelled_profile_numbers(nb, notebook):
    """Problems: compared outputs that show a number the profile decides without naming the profile."""
    numbers = profile_numbers(notebook)
    found = []
    for index, cell in enumerate(nb.cells, start=1):
        if not nbtool.is_checked(cell):
            continue
        text = output_text(cell)
        if re.search(rf"\b{STORED_PROFILE}\b", text):
            continue
        for line in text.splitlines():
            values = {int(token.replace(",", "")) for token in NUMBER.findall(line)} & set(numbers)
            why = next(filter(None, (_shown(value, numbers[value], line) for value in sorted(values))), None)
            if why:
                found.append(
                    f"cell {index}: {line.strip()!r} shows a number the profile decides ({why}) "
                    f"without naming the profile"
                )
    return found


def summary_problems(nb):
    """Problems: a notebook that builds a model and never calls summary(), or compares its output."""
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    if not any(BUILDS_A_MODEL.search(cell.source) for cell in code):
        return []
    found = [
        f"cell {nb.cells.index(cell) + 1}: summary() in a compared cell (its table is not the same "
        f"everywhere; compare print_architecture instead)"
        for cell in code
        if CALLS_SUMMARY.search(cell.source) and nbtool.is_checked(cell)
    ]
    if not any(CALLS_SUMMARY.search(cell.source) for cell in code):
        found.append("builds a model but never calls model.summary()")
    return found


@pytest.mark.parametrize("path", NOTEBOOKS + SOLUTIONS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_compared_outputs_name_the_profile_behind_their_numbers(path):
    nb = nbformat.read(path, as_version=4)
    assert unlabelled_profile_numbers(nb, path.stem) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_that_builds_a_model_shows_its_summary(path):
    assert summary_problems(nbformat.read(path, as_version=4)) == []


# The checks themselves, on synthetic notebooks.


def _notebook(*cells):
    nb = nbformat.v4.new_notebook()
    for source, output in cells:
        cell = nbformat.v4.new_code_cell(source)
        if output is not None:
            cell.metadata["tags"] = [nbtool.CHECK_TAG]
            cell.execution_count = 1
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=output)]
        nb.cells.append(cell)
    return nb


def test_profile_numbers_come_from_the_settings():
    numbers = profile_numbers("03_tf_data_pipelines")
    assert {3000, 1000, 2700, 300, 22, 8, 1, 20} <= set(numbers)  # 2,700 = 90 % of 3,000; 22 batches of 128
    assert numbers[22] == [("train_size - validation / batch_size", "batch")]
    assert 128 not in numbers and 10 not in numbers  # batch size and classes: the same in every profile
    assert {2, 4} <= set(profile_numbers("11_hyperparameter_tuning"))  # smoke's Hyperband: 2 trials, 4 epochs
    assert profile_numbers("00_getting_started") == {}


@pytest.mark.parametrize(
    "output",
    [
        "train: (3000, 28, 28, 1) (3000,) float32\ntest:  (1000, 28, 28, 1) (1000,)\n",  # the example
        "train images: 3,000\n",
        "epochs 1, peak learning rate 0.002\n",
        "batches: 22 = 2700 / 128 rounded up\n",
    ],
)
def test_a_profile_number_without_the_profile_fails(output):
    nb = _notebook(("print(x_train.shape)", output))
    found = unlabelled_profile_numbers(
        nb, "06_convolutional_networks" if "28, 1" in output or "peak" in output else "03_tf_data_pipelines"
    )
    assert found and all(problem.startswith("cell 1: ") for problem in found)


@pytest.mark.parametrize(
    "output",
    [
        "smoke profile: train (3000, 28, 28, 1), test (1000, 28, 28, 1)\n",  # names the profile
        "train images: (60000, 28, 28) uint8\n",  # the whole split: no profile in it
        "dense_1  Dense  (None, 1)  sigmoid  17\n",  # 1 is smoke's epochs, but a small number counts epochs only
        "output for a batch of 2 images: (2, 13, 13, 1)\n",  # on a line that says so, and batches next to
        "hidden  Dense  (None, 3000)  relu  12\n",  # "batch"; a layer's shape holds no sample count
    ],
)
def test_fixed_numbers_and_named_profiles_pass(output):
    nb = _notebook(("print(...)", output), ("print('not compared')", None))
    assert unlabelled_profile_numbers(nb, "06_convolutional_networks") == []


def test_an_output_that_is_not_compared_is_not_read():
    nb = _notebook(("print(x_test.shape)", None))
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stdout", text="(1000, 28, 28, 1)\n")]
    assert unlabelled_profile_numbers(nb, "06_convolutional_networks") == []


def test_a_model_without_summary_fails_and_with_summary_passes():
    built = "model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(1)])"
    assert summary_problems(_notebook((built, None))) == ["builds a model but never calls model.summary()"]
    assert summary_problems(_notebook((built, None), ("model.summary()", None))) == []
    compared = summary_problems(_notebook((built, None), ("model.summary()", "Model: ...\n")))
    assert len(compared) == 1 and "compared cell" in compared[0]
    assert summary_problems(_notebook(("tuner.search_space_summary()", None))) == []  # no model built


def test_setup_prints_the_profile_and_every_setting(capsys, monkeypatch):
    monkeypatch.setenv("WORKSHOP_PROFILE", "smoke")
    import workshop_utils

    cfg = workshop_utils.setup("06_convolutional_networks")
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("06_convolutional_networks | profile smoke |")
    assert printed[1].startswith("Profile smoke (change with WORKSHOP_PROFILE): mnist_model=lean, ")
    text = " ".join(line.strip() for line in printed[1:])
    for name in config.SETTINGS["06_convolutional_networks"]["smoke"]:
        assert f"{name}={cfg[name]}" in text
    assert "cifar_weight_decay=0.25" in text and all(len(line) <= 100 for line in printed[1:])
    workshop = environment.settings_summary(config.notebook_settings("02_mlp_fashion_mnist", "workshop"))
    assert "train_size=None (all)" in workshop and workshop.startswith("Profile workshop ")
    assert environment.settings_summary(config.notebook_settings("00_getting_started", "smoke")) == ""
