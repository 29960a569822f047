"""environment.yml (conda, for cloud notebook instances), pyproject.toml and constraints.txt pin the same packages."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _pyproject_pins():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    return dict(d.split("==") for d in deps)


def _environment_pins():
    pins, in_pip = {}, False
    for line in (ROOT / "environment.yml").read_text().splitlines():
        text = line.split("#")[0].rstrip()
        if re.match(r"^\s*- pip:\s*$", text):
            in_pip = True
            continue
        match = re.match(r"^\s+- ([A-Za-z0-9_.\-]+)==([^\s]+)$", text)
        if in_pip and match:
            pins[match.group(1)] = match.group(2)
    return pins


def test_every_dependency_is_pinned_exactly():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    assert all(re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][^\s,;]*", d) for d in deps), deps


def test_environment_yml_matches_pyproject():
    assert _environment_pins() == _pyproject_pins()


def test_environment_yml_has_python_and_graphviz():
    text = (ROOT / "environment.yml").read_text()
    assert re.search(r"^\s+- python=3\.11\s", text, re.M)
    assert re.search(r"^\s+- graphviz\s", text, re.M)


def test_constraints_agree_with_pins():
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    locked = dict(line.split("==") for line in lines if "==" in line and not line.startswith("#"))
    for name, version in _pyproject_pins().items():
        assert locked.get(name) == version, f"constraints.txt has {name} {locked.get(name)}, pyproject {version}"


def test_maintainer_tools_are_pinned_and_locked():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    locked = dict(line.split("==") for line in lines if "==" in line and not line.startswith("#"))
    for dep in extras:
        assert re.fullmatch(r"[A-Za-z0-9_.\-]+==[0-9][^\s,;]*", dep), dep
        name, version = dep.split("==")
        assert locked.get(name) == version, f"constraints.txt has {name} {locked.get(name)}, pyproject {version}"
