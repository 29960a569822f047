"""draw_model: a PNG when pydot and graphviz are there; one line and no error when either is missing."""

import builtins
import shutil
from pathlib import Path

from workshop_utils import drawing

import keras
import pytest

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def small_model():
    inputs = keras.Input(shape=(3,), name="features")
    outputs = keras.layers.Dense(1, activation="sigmoid", name="score")(inputs)
    return keras.Model(inputs, outputs, name="tiny")


def hide_pydot(monkeypatch):
    """Make ``import pydot`` fail, as on a machine without it."""
    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "pydot" or name.startswith("pydot."):
            raise ImportError("No module named 'pydot' (simulated)")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)


@pytest.mark.skipif(drawing.missing_for_drawing() != [], reason="pydot or graphviz is not installed here")
def test_draws_a_png(tmp_path):
    path = drawing.draw_model(small_model(), tmp_path / "sub" / "tiny.png")
    assert path == tmp_path / "sub" / "tiny.png"
    assert path.read_bytes()[:8] == PNG_MAGIC


def test_without_graphviz_on_path_prints_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no `dot` anywhere on PATH
    assert shutil.which("dot") is None
    assert "graphviz" in drawing.missing_for_drawing()
    target = tmp_path / "tiny.png"
    assert drawing.draw_model(small_model(), target) is None
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1, lines
    assert "graphviz" in lines[0] and "apt-get install graphviz" in lines[0] and "restart the kernel" in lines[0]
    assert not target.exists()


def test_when_which_finds_no_dot(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(drawing.shutil, "which", lambda name: None)
    assert drawing.draw_model(small_model(), tmp_path / "tiny.png") is None
    out = capsys.readouterr().out
    assert out.count("\n") == 1 and "graphviz" in out


def test_without_pydot_prints_one_line(tmp_path, monkeypatch, capsys):
    hide_pydot(monkeypatch)
    assert "pydot" in drawing.missing_for_drawing()
    assert drawing.draw_model(small_model(), tmp_path / "tiny.png") is None
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "pip install pydot" in lines[0], lines


def test_without_both_names_both_in_one_line(tmp_path, monkeypatch, capsys):
    hide_pydot(monkeypatch)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert drawing.missing_for_drawing() == ["pydot", "graphviz"]
    assert drawing.draw_model(small_model(), tmp_path / "tiny.png") is None
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "pip install pydot" in lines[0] and "graphviz" in lines[0], lines


def test_a_stale_file_is_not_taken_for_a_new_drawing(tmp_path, monkeypatch, capsys):
    target = tmp_path / "tiny.png"
    target.write_bytes(PNG_MAGIC)
    monkeypatch.setattr(drawing, "missing_for_drawing", lambda: [])  # the check passes...
    monkeypatch.setattr(keras.utils, "plot_model", lambda *args, **kwargs: None)  # ...but nothing is drawn
    assert drawing.draw_model(small_model(), target) is None
    assert "wrote no file" in capsys.readouterr().err


def test_a_failing_plot_model_prints_one_line(tmp_path, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise OSError("dot: cannot load plugin\nsecond line")

    monkeypatch.setattr(drawing, "missing_for_drawing", lambda: [])
    monkeypatch.setattr(keras.utils, "plot_model", broken)
    assert drawing.draw_model(small_model(), tmp_path / "tiny.png") is None
    said = capsys.readouterr()
    assert said.out == "" and said.err == "WARNING: cannot draw the model 'tiny': dot: cannot load plugin\n"


def test_rejects_bad_arguments(tmp_path):
    with pytest.raises(TypeError, match="Keras model"):
        drawing.draw_model("not a model", tmp_path / "x.png")
    with pytest.raises(ValueError, match=r"\.png"):
        drawing.draw_model(small_model(), tmp_path / "x.svg")
    with pytest.raises(ValueError, match="missing must name"):
        drawing.install_hint([])
    with pytest.raises(ValueError, match="missing must name"):
        drawing.install_hint(["matplotlib"])


def test_notebook_08_goes_on_without_graphviz(tmp_path, monkeypatch):
    """Run notebook 08 up to its second drawing with no `dot` on PATH: one line per drawing, no error."""
    import nbformat
    import runner

    notebook = Path(__file__).resolve().parents[1] / "notebooks" / "08_functional_api.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    drawing_cells = [
        i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and cell.source.strip().startswith("draw(")
    ]
    assert len(drawing_cells) >= 2, "notebook 08 should have drawing cells"
    nb.cells = nb.cells[: drawing_cells[1] + 1]
    monkeypatch.setenv("PATH", str(tmp_path / "no_graphviz_here"))  # the kernel starts by absolute path
    monkeypatch.setenv("WORKSHOP_PROFILE", "smoke")
    monkeypatch.setenv("WORKSHOP_ARTIFACTS", str(tmp_path / "artifacts"))
    monkeypatch.setenv("WORKSHOP_METRICS_DIR", str(tmp_path / "metrics"))
    runner.execute_notebook(nb, notebook.parent)  # raises if any cell fails
    for index in drawing_cells[:2]:
        outputs = nb.cells[index].outputs
        assert [output.output_type for output in outputs] == ["stream"], outputs
        lines = outputs[0].text.splitlines()
        assert len(lines) == 1 and "apt-get install graphviz" in lines[0], lines
    assert not list((tmp_path / "artifacts").rglob("*.png"))
