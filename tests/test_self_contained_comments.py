"""Comments and docstrings explain their rule in the repository, never by citing a section of a
document outside it: no Python file of the console or its tests contains a section sign."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AREAS = ("app", "screens", "services", "bench", "tests")
SECTION_SIGN = "\u00a7"


def section_citations() -> list[str]:
    """Every ``path:line: text`` of a ``.py`` file in ``AREAS`` that contains a section sign."""
    found = []
    for area in AREAS:
        for path in sorted((ROOT / area).rglob("*.py")):
            lines = path.read_text(encoding="utf-8").splitlines()
            for number, line in enumerate(lines, start=1):
                if SECTION_SIGN in line:
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_no_file_cites_a_section_of_an_outside_document() -> None:
    assert section_citations() == []


def test_the_scan_sees_the_areas() -> None:
    """The guard is not vacuous: each area exists and holds Python files."""
    for area in AREAS:
        assert any((ROOT / area).rglob("*.py")), area
