"""Comments and docstrings explain their rule in the repository, never by citing a document
outside it: no Python file of the console or its tests contains a section sign or a number of
the outside problem list (a capital P followed by 1 to 19)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AREAS = ("app", "screens", "services", "bench", "tests")
SECTION_SIGN = "\u00a7"
PROBLEM_NUMBER = re.compile(r"\bP(?:[1-9]|1[0-9])\b")


def outside_citations() -> list[str]:
    """Every ``path:line: text`` of a ``.py`` file in ``AREAS`` that cites an outside document."""
    found = []
    for area in AREAS:
        for path in sorted((ROOT / area).rglob("*.py")):
            lines = path.read_text(encoding="utf-8").splitlines()
            for number, line in enumerate(lines, start=1):
                if SECTION_SIGN in line or PROBLEM_NUMBER.search(line):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_no_file_cites_a_section_or_problem_of_an_outside_document() -> None:
    assert outside_citations() == []


def test_the_scan_sees_the_areas_and_both_kinds_of_citation() -> None:
    """The guard is not vacuous: each area holds Python files and both patterns match."""
    for area in AREAS:
        assert any((ROOT / area).rglob("*.py")), area
    assert SECTION_SIGN in "see spec \u00a74.2"
    assert PROBLEM_NUMBER.search("allowed (P" + "13).")
    assert not PROBLEM_NUMBER.search("p95 P95 P20")
