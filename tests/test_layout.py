"""The package's layout holds: no import cycle among workshop_utils' modules, no module using another module's
private names, every module importable in a fresh process, and the maintainer's jobs kept out of the package."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "workshop_utils"
SCRIPTS = ("workshop_utils.workers",)  # programs started by multiworker; they set up jax/tf before Keras loads


def module_name(path):
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules():
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def from_module(importer, is_package, node):
    """The module named by ``from X import ...`` in module ``importer``, relative or absolute."""
    if not node.level:
        return node.module or ""
    base = importer if is_package else importer.rpartition(".")[0]
    for _ in range(node.level - 1):
        base = base.rpartition(".")[0]
    return ".".join(p for p in (base, node.module or "") if p)


def resolve(importer, is_package, node, known):
    """The workshop_utils modules that an import statement loads (absolute or relative)."""
    if isinstance(node, ast.Import):
        return [a.name for a in node.names if a.name in known]
    target = from_module(importer, is_package, node)
    found = []
    for alias in node.names:  # `from . import x` loads the submodule x when there is one
        sub = f"{target}.{alias.name}"
        found.append(sub if sub in known else target)
    return [f for f in found if f in known]


def module_level_imports(tree):
    """Imports run when the module loads: at its top, or in if/try blocks there; not inside functions."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        elif isinstance(node, ast.If | ast.Try | ast.With):
            stack.extend(ast.iter_child_nodes(node))


def import_graph(sources):
    """{module: set of workshop_utils modules it imports at load time}; ``sources`` maps name -> (text, is_package)."""
    graph = {}
    for name, (text, is_package) in sources.items():
        edges = set()
        for node in module_level_imports(ast.parse(text)):
            edges.update(resolve(name, is_package, node, sources))
        ancestors = {name.rsplit(".", n)[0] for n in range(1, name.count(".") + 1)}
        graph[name] = edges - {name} - ancestors  # a module's parent packages load first anyway
    return graph


def find_cycle(graph):
    """One import cycle as a list of modules (first == last), or None."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt) :] + [nxt]
            if nxt not in state:
                cycle = visit(nxt, path + [nxt])
                if cycle:
                    return cycle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start, [start])
            if cycle:
                return cycle
    return None


def private_uses(text, name, is_package, known):
    """Lines where a module takes another module's ``_private`` name (private modules of a package are fine)."""
    tree = ast.parse(text)
    found, aliases = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            target = from_module(name, is_package, node)
            if target not in known:
                continue
            for alias in node.names:
                if f"{target}.{alias.name}" in known:
                    aliases[alias.asname or alias.name] = f"{target}.{alias.name}"
                elif alias.name.startswith("_") and target != name:
                    found.append(f"{name} line {node.lineno}: from {target} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    aliases[alias.asname or alias.name] = alias.name
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in aliases
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and f"{aliases[node.value.id]}.{node.attr}" not in known
        ):
            found.append(f"{name} line {node.lineno}: {node.value.id}.{node.attr}")
    return found


def package_sources():
    return {name: (path.read_text(), path.name == "__init__.py") for name, path in modules().items()}


def test_no_import_cycle_in_the_package():
    assert find_cycle(import_graph(package_sources())) is None


def test_the_cycle_finder_finds_one():
    sources = {
        "workshop_utils": ("", True),
        "workshop_utils.course": ("", True),
        "workshop_utils.course.startup": ("from . import environment\n", False),
        "workshop_utils.course.environment": ("if True:\n    from .startup import x\n", False),
        "workshop_utils.course.paths": ("def f():\n    from . import startup\n", False),
    }
    cycle = find_cycle(import_graph(sources))
    assert cycle and set(cycle) == {"workshop_utils.course.startup", "workshop_utils.course.environment"}
    del sources["workshop_utils.course.environment"]  # an import inside a function makes no cycle
    assert find_cycle(import_graph(sources)) is None


def test_no_module_uses_another_modules_private_names():
    sources = package_sources()
    found = [use for name, (text, pkg) in sources.items() for use in private_uses(text, name, pkg, sources)]
    for tool in sorted((ROOT / "tools").glob("*.py")):
        found += private_uses(tool.read_text(), f"tools.{tool.stem}", False, sources)
    assert found == []


def test_the_private_name_finder_finds_them():
    known = {"workshop_utils": None, "workshop_utils.self_checks": None, "workshop_utils.course.paths": None}
    text = "from . import self_checks\nfrom .course.paths import _claims\nself_checks._metrics_file('x')\n"
    found = private_uses(text, "workshop_utils", True, known)
    assert len(found) == 2 and "_claims" in found[0] and "self_checks._metrics_file" in found[1]
    assert private_uses("from .course import paths\npaths.artifacts_dir('x')\n", "workshop_utils", True, known) == []


def test_every_module_imports_in_a_fresh_process():
    names = [n for n in modules() if not n.startswith(SCRIPTS)]
    code = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\nprint('ok')"
    run = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0 and run.stdout.strip().endswith("ok"), run.stderr[-3000:]


@pytest.mark.parametrize("job", ["runner", "run_report", "baselines"])
def test_the_maintainer_jobs_live_in_tools(job):
    assert (ROOT / "tools" / f"{job}.py").is_file()
    assert not (PACKAGE / f"{job}.py").exists()
