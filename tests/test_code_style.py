"""ruff's lint and format checks over the whole project (notebooks included), so `make test` fails on them."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
RUFF = Path(sys.executable).with_name("ruff")


def _ruff(*args, cwd=ROOT):
    if not RUFF.exists():
        pytest.skip("ruff is not installed in this environment (make setup installs it)")
    return subprocess.run([str(RUFF), *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_ruff_lint_is_clean():
    result = _ruff("check", "--quiet", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean():
    result = _ruff("format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_sees_a_long_line_and_unformatted_code_in_a_notebook(tmp_path):
    # The checks above must be able to fail: a copy of the settings and a notebook that breaks both.
    import nbformat

    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "ruff.toml").write_text((ROOT / "notebooks" / "ruff.toml").read_text())
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = {'a':1}\n# " + "long " * 25)]
    nbformat.write(nb, tmp_path / "notebooks" / "01_x.ipynb")
    lint = _ruff("check", "--no-cache", ".", cwd=tmp_path)
    assert lint.returncode != 0 and "E501" in lint.stdout
    assert _ruff("format", "--check", "--no-cache", ".", cwd=tmp_path).returncode != 0
