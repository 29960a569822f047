"""tools/lab.py, the launcher behind `make lab`: --allow-root only as root, token auth always on.

tests/browser/test_lab.py starts JupyterLab through it in a real browser; these tests only look at
the command line and the environment it builds (nothing is started).
"""

import importlib.util
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def lab():
    spec = importlib.util.spec_from_file_location("lab_launcher", ROOT / "tools" / "lab.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def token_off(cmd):
    """True when a command line would switch JupyterLab's token authentication off."""
    return any(arg.split("=")[0].endswith((".token", ".password")) and arg.endswith(("=", "=''", '=""')) for arg in cmd)


def test_as_root_it_adds_allow_root_says_so_and_keeps_the_token(lab, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    cmd, note = lab.command("ws")
    assert "--allow-root" in cmd
    assert note and "--allow-root" in note and "token" in note and "\n" not in note
    assert not token_off(cmd)
    assert lab.environment(token="s3cret", base={})["JUPYTER_TOKEN"] == "s3cret"


def test_as_another_user_it_does_not(lab, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    cmd, note = lab.command("ws")
    assert "--allow-root" not in cmd and note is None
    assert not token_off(cmd)


def test_the_token_check_catches_a_command_that_turns_auth_off():
    """Wrong input for token_off itself."""
    assert token_off(["--IdentityProvider.token="])
    assert token_off(["--ServerApp.token=''"])
    assert not token_off(["--notebook-dir=ws", "--allow-root"])


def test_the_command_and_environment(lab, monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    cmd, _ = lab.command("/tmp/ws", port=8899, open_browser=False)
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert {"--notebook-dir=/tmp/ws", "--port=8899", "--ServerApp.port_retries=0", "--no-browser"} <= set(cmd)
    base = {"PATH": "/usr/bin", "PYTEST_CURRENT_TEST": "x", "JUPYTER_TOKEN": ""}
    env = lab.environment(base=base)
    assert env["PATH"].split(os.pathsep) == [str(Path(sys.executable).parent), "/usr/bin"]
    assert "PYTEST_CURRENT_TEST" not in env  # kernels would hide what libraries write to stderr
    assert "JUPYTER_TOKEN" not in env  # empty: Jupyter would start with no authentication at all
    with pytest.raises(ValueError, match="authentication"):
        lab.environment(token="", base={})


def test_main_copies_notebooks_prints_the_note_and_hands_over(lab, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    source = tmp_path / "notebooks"
    source.mkdir()
    (source / "01_a.ipynb").write_text("{}")
    (tmp_path / "ws").mkdir()
    (tmp_path / "ws" / "01_a.ipynb").write_text("mine")  # a learner's copy is never overwritten
    (source / "02_b.ipynb").write_text("{}")
    started = {}
    monkeypatch.setattr(os, "execvpe", lambda path, cmd, env: started.update(cmd=cmd, env=env))
    lab.main(["--source", str(source), "--notebook-dir", str(tmp_path / "ws"), "--token", "t0k"])
    assert (tmp_path / "ws" / "01_a.ipynb").read_text() == "mine"
    assert (tmp_path / "ws" / "02_b.ipynb").read_text() == "{}"
    out = capsys.readouterr().out.splitlines()
    assert "1 copied now" in out[0] and out[1] == lab.ROOT_NOTE
    assert "--allow-root" in started["cmd"] and started["env"]["JUPYTER_TOKEN"] == "t0k"
