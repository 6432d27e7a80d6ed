"""The one rule per layer (ARCHITECTURE.md), enforced on the source tree."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _modules(package: str) -> list[str]:
    names = []
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names.append(".".join(parts))
    return names


def _imported_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_services_import_without_textual_screens_or_app() -> None:
    modules = _modules("services")
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'textual', 'screens', 'app'})\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert len(modules) > 5
    assert result.stdout.strip() == ""


def test_services_source_never_names_the_ui_packages() -> None:
    for path in (ROOT / "services").rglob("*.py"):
        roots = {name.split(".")[0] for name in _imported_names(path)}
        assert not roots & {"textual", "screens", "app"}, path


def test_screens_never_touch_sqlalchemy_or_the_planner() -> None:
    forbidden = ("sqlalchemy", "pymysql", "sqlglot", "services.storage", "services.planner")
    for path in (ROOT / "screens").rglob("*.py"):
        for name in _imported_names(path):
            assert not name.startswith(forbidden), f"{path}: imports {name}"


def test_storage_never_imports_the_redrive_service() -> None:
    for path in (ROOT / "services" / "storage").rglob("*.py"):
        for name in _imported_names(path):
            assert not name.startswith("services.redrive"), f"{path}: imports {name}"


def test_storage_imports_without_loading_the_redrive_service() -> None:
    modules = _modules("services/storage")
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(','.join(sorted(m for m in sys.modules if m.startswith('services.redrive'))))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert len(modules) > 5
    assert result.stdout.strip() == ""


def _screens_import_graph() -> dict[str, set[str]]:
    """Each screens module and the screens modules it imports anywhere (lazy imports too)."""
    modules = set(_modules("screens"))
    graph = {}
    for name in modules:
        path = ROOT / Path(*name.split("."))
        path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        tree = ast.parse(path.read_text(), filename=str(path))
        found: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module)
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        graph[name] = (found & modules) - {name}
    return graph


def _import_circle(graph: dict[str, set[str]]) -> list[str]:
    """One import circle of ``graph`` as a path that ends where it started, or []."""
    finished: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str]:
        if name in path:
            return [*path[path.index(name) :], name]
        if name in finished:
            return []
        for imported in sorted(graph[name]):
            if circle := visit(imported, [*path, name]):
                return circle
        finished.add(name)
        return []

    for name in sorted(graph):
        if circle := visit(name, []):
            return circle
    return []


def test_import_circle_finder_finds_a_circle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}
    assert _import_circle(graph) == ["a", "b", "c", "a"]
    assert _import_circle({"a": {"b"}, "b": set()}) == []


def test_screens_modules_import_no_circle() -> None:
    graph = _screens_import_graph()
    assert len(graph) > 10
    assert _import_circle(graph) == []
