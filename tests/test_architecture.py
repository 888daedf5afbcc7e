"""The shape of the code base (ARCHITECTURE.md), checked on every run:

- dependencies between the apps run one way: accounts ← events ← impulses;
- a domain app's models import neither the site's infrastructure (`core`, the
  `somehub` package) nor a later app; pure helpers in `somehub/lib` are fine;
- the modules import each other without a cycle, and every module imports in a
  fresh interpreter, in dependency order.
"""

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Earlier apps never import later ones.
APP_ORDER = ["accounts", "events", "impulses"]
PACKAGES = ["core", "somehub", *APP_ORDER]
SKIP = {"migrations", "__pycache__"}


def project_modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if SKIP & set(path.relative_to(ROOT).parts):
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node, except inside `if TYPE_CHECKING:` (imports only for the type
    checker, never run)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        yield node
        yield from _runtime_nodes(node)


def imports_of(path: Path, *, top_level_only: bool) -> Iterator[str]:
    """The modules a file imports when it runs."""
    tree = ast.parse(path.read_text())
    nodes = tree.body if top_level_only else _runtime_nodes(tree)
    for node in nodes:
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            # "from events.models import rsvp" may name a module, too.
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def app_of(module: str) -> str:
    return module.split(".")[0]


def test_apps_depend_on_each_other_one_way_only() -> None:
    wrong = []
    for module, path in project_modules().items():
        app = app_of(module)
        if app not in APP_ORDER:
            continue
        for name in imports_of(path, top_level_only=False):
            other = app_of(name)
            if other in APP_ORDER and APP_ORDER.index(other) > APP_ORDER.index(app):
                wrong.append(f"{module} imports {name}")
    assert not wrong, "an earlier app imports a later one:\n" + "\n".join(wrong)


def test_domain_models_import_no_infrastructure() -> None:
    wrong = []
    for module, path in project_modules().items():
        if app_of(module) not in APP_ORDER or ".models" not in f".{module}.":
            continue
        if not (module.endswith(".models") or ".models." in module):
            continue
        for name in imports_of(path, top_level_only=False):
            infrastructure = app_of(name) == "core" or (
                app_of(name) == "somehub" and not name.startswith("somehub.lib")
            )
            if infrastructure:
                wrong.append(f"{module} imports {name}")
    assert not wrong, "models import the site's infrastructure:\n" + "\n".join(wrong)


def test_the_architecture_test_catches_a_wrong_import(tmp_path: Path) -> None:
    bad = tmp_path / "models.py"
    bad.write_text("from impulses.models import Wish\nfrom core import pagecache\n")
    names = set(imports_of(bad, top_level_only=False))
    assert {"impulses.models", "core"} <= names


def import_graph(*, inside_functions: bool = False) -> dict[str, set[str]]:
    """Imports between the project's modules: those that run at import, or all of
    them (also those inside functions)."""
    modules = project_modules()
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        edges = set()
        for name in imports_of(path, top_level_only=not inside_functions):
            # "events.models.rsvp" as written, or its package if that is the module.
            while name and name not in modules:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(f"{name}."):
                edges.add(name)
        graph[module] = edges
    return graph


def topological_order(graph: dict[str, set[str]]) -> list[str]:
    """Dependencies first; raises ValueError naming a cycle if there is one."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(module: str, path: list[str]) -> None:
        if state.get(module) == "done":
            return
        if state.get(module) == "open":
            cycle = [*path[path.index(module) :], module]
            raise ValueError(" → ".join(cycle))
        state[module] = "open"
        for dependency in sorted(graph[module]):
            visit(dependency, [*path, module])
        state[module] = "done"
        order.append(module)

    for module in sorted(graph):
        visit(module, [])
    return order


def test_modules_import_each_other_without_a_cycle() -> None:
    try:
        topological_order(import_graph())
    except ValueError as cycle:
        pytest.fail(f"import cycle: {cycle}")


def test_no_import_inside_a_function_hides_a_cycle() -> None:
    """Imports inside functions are only there because Django imports an app's
    AppConfig (apps.py) before any model can be imported: counting all other
    function-level imports as well, the modules still form no cycle."""
    graph = import_graph(inside_functions=True)
    for module in graph:
        if module.endswith(".apps"):
            graph[module] = import_graph()[module]
    try:
        topological_order(graph)
    except ValueError as cycle:
        pytest.fail(f"import cycle through a function-level import: {cycle}")


def test_every_module_imports_in_a_fresh_interpreter_in_dependency_order() -> None:
    order = [m for m in topological_order(import_graph()) if m != "somehub.settings"]
    code = (
        "import importlib, django; django.setup()\n"
        f"for name in {order!r}:\n"
        "    importlib.import_module(name)\n"
        "print('imported', len(" + repr(order) + "))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert f"imported {len(order)}" in result.stdout
