"""Known planner gaps: cases the planner does not meet yet, each with the spec rule it breaks.

Keyed by (case id, flavour). The case tests report them as strict xfail, so a fix shows up as
an unexpected pass and the entry must then be removed. Keep this list short and honest.
"""

from __future__ import annotations

from services.planner.api import Flavour

_MARIADB_PARTITION_CLAUSES = (
    "issue 3 item 4 / §10.2: MariaDB 10.11 rejects ', PARTITION BY' / ', REMOVE PARTITIONING'"
    " and ADD/COALESCE PARTITION next to other clauses (error 1064); the plan is not executable"
)
_PARTITION_CASES = (
    "part_with_column_change",
    "part_added_with_column_change",
    "part_removed_with_column_change",
    "part_count_change_with_column_change",
)

KNOWN_PLANNER_GAPS: dict[tuple[str, Flavour], str] = {
    (case_id, Flavour.MARIADB): _MARIADB_PARTITION_CLAUSES for case_id in _PARTITION_CASES
}

# Reverse-direction convergence (plan from desired back to current) that cannot hold yet.
KNOWN_REVERSE_GAPS: dict[str, str] = {
    case_id: _MARIADB_PARTITION_CLAUSES for case_id in _PARTITION_CASES
}
