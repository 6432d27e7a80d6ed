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
