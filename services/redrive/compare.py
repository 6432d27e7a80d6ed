"""Side-by-side comparison of the expected plan with the entire fresh plan, and the verdict.

Scalars (database, type, deployment, target, environment) must be equal; per
(namespace, table) the statements must pair up one to one with equal operation, unsafe flag
and reason and **equivalent** DDL (the planner's ``statements_equivalent``, injected as
``equivalent``); artifacts must be equal (``{}`` = absent); empty namespaces are ignored.
Shard changes are compared per (namespace/shard, table).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from services.collector import collector_paused
from services.domain.models import Plan, TableChange
from services.redrive.fingerprint import namespace_artifacts, scalar_fields
from services.redrive.model import TableComparison, TableStatus, Verdict

Equivalence = Callable[[str, str], bool]

_SCALARS = (
    ("Database", "database"),
    ("DatabaseType", "database type"),
    ("Deployment", "deployment"),
    ("Target", "target"),
    ("Environment", "environment"),
)


@dataclass(frozen=True, slots=True)
class PlanComparison:
    """The verdict (MATCH or MISMATCH), per-table rows and readable differences."""

    verdict: Verdict
    tables: tuple[TableComparison, ...]
    differences: tuple[str, ...]


@collector_paused()
def compare_plans(expected: Plan, fresh: Plan, equivalent: Equivalence) -> PlanComparison:
    """Compare ``expected`` (stored remaining) with ``fresh``; MATCH only if nothing differs."""
    exp_doc, fresh_doc = scalar_fields(expected), scalar_fields(fresh)
    differences = [
        f"{label} differs: stored {exp_doc[key]!r}, fresh {fresh_doc[key]!r}"
        for key, label in _SCALARS
        if exp_doc[key] != fresh_doc[key]
    ]
    stored_artifacts, fresh_artifacts = namespace_artifacts(expected), namespace_artifacts(fresh)
    for name in sorted(set(stored_artifacts) | set(fresh_artifacts)):
        if stored_artifacts.get(name) != fresh_artifacts.get(name):
            differences.append(f"namespace {name}: artifacts differ")
    tables = compare_tables(_grouped(expected), _grouped(fresh), equivalent)
    differences.extend(_describe(t) for t in tables if t.status is not TableStatus.SAME)
    verdict = Verdict.MISMATCH if differences else Verdict.MATCH
    return PlanComparison(verdict=verdict, tables=tables, differences=tuple(differences))


def compare_tables(
    stored: dict[tuple[str, str], list[TableChange]],
    fresh: dict[tuple[str, str], list[TableChange]],
    equivalent: Equivalence,
) -> tuple[TableComparison, ...]:
    """One row per (namespace, table) present on either side, sorted."""
    rows = []
    for key in sorted(set(stored) | set(fresh)):
        left, right = tuple(stored.get(key, ())), tuple(fresh.get(key, ()))
        if not right:
            status = TableStatus.ONLY_STORED
        elif not left:
            status = TableStatus.ONLY_FRESH
        elif left == right or _pair_up(left, right, equivalent):  # equal: each pairs itself
            status = TableStatus.SAME
        else:
            status = TableStatus.CHANGED
        rows.append(TableComparison(key[0], key[1], status, stored=left, fresh=right))
    return tuple(rows)


def changes_equivalent(a: TableChange, b: TableChange, equivalent: Equivalence) -> bool:
    """Same table, operation, unsafe flag and reason, and equivalent DDL."""
    return (
        a.table == b.table
        and a.operation.strip().lower() == b.operation.strip().lower()
        and bool(a.is_unsafe) == bool(b.is_unsafe)
        and (a.unsafe_reason or "") == (b.unsafe_reason or "")
        and (a.ddl == b.ddl or equivalent(a.ddl, b.ddl))
    )


def _pair_up(
    left: Iterable[TableChange], right: tuple[TableChange, ...], equivalent: Equivalence
) -> bool:
    """True when every statement on the left pairs with a distinct equivalent one on the right."""
    unused = list(right)
    for change in left:
        match = next((c for c in unused if changes_equivalent(change, c, equivalent)), None)
        if match is None:
            return False
        unused.remove(match)
    return not unused


def _grouped(plan: Plan) -> dict[tuple[str, str], list[TableChange]]:
    groups: dict[tuple[str, str], list[TableChange]] = {}
    for name, entry in plan.namespaces.items():
        if entry is None:
            continue
        for change in entry.tables:
            groups.setdefault((name, change.table), []).append(change)
        for shard in entry.shards:
            label = f"{shard.namespace or name}/{shard.shard}"
            for change in shard.changes:
                groups.setdefault((label, change.table), []).append(change)
    return groups


def _describe(row: TableComparison) -> str:
    where = f"{row.namespace}.{row.table}"
    if row.status is TableStatus.ONLY_STORED:
        return f"{where}: in the stored remaining work but not in the fresh plan"
    if row.status is TableStatus.ONLY_FRESH:
        return f"{where}: in the fresh plan but not in the stored remaining work"
    return f"{where}: statements differ"
