"""SchemaBot's lint verdict for one table's planned statements.

A change is unsafe when one of Spirit's error-capable lint rules flags it.

SchemaBot runs Spirit's ``lint.PlanChanges``: every linter over the current tables and the
change set, violations of unchanged or ignored tables dropped, the rest sorted by table,
severity (errors first) and linter name, and attached to the table's last statement. The
error-severity messages, joined with ``"; "``, become ``unsafe_reason``. Go's sort is stable
for the up-to-12 violations a plan usually has, so within one linter the emission order
holds; that is what we reproduce.
"""

from __future__ import annotations

from services.planner.lint_rules import RULES, Severity, TableView, Violation
from services.planner.model import Table

IGNORED_TABLES = frozenset({"schema_version"})  # SchemaBot's lint IgnoreTables


def table_violations(
    table: str, statements: list[str], current: Table | None, desired: Table | None
) -> list[Violation]:
    """All violations of one table's statements, in Spirit's sorted order."""
    if table in IGNORED_TABLES or not statements:
        return []
    view = TableView(table, tuple(statements), current, desired)
    found = [violation for rule in RULES for violation in rule.lint(view)]
    return sorted(found, key=lambda v: (-v.severity, v.linter))


def lint_table(
    table: str, statements: list[str], current: Table | None, desired: Table | None
) -> str | None:
    """The ``unsafe_reason`` of a table's last statement; ``None`` when nothing is an error."""
    errors = [
        v.message
        for v in table_violations(table, statements, current, desired)
        if v.severity is Severity.ERROR
    ]
    return "; ".join(errors) or None
