"""``unsafe``: operations that destroy rows (Spirit ``pkg/lint/lint_unsafe.go``).

Whole statements (DROP TABLE, TRUNCATE, DROP DATABASE) are quoted as written; ALTER clauses
by their operation name, DROP COLUMN with the back-quoted column. Dropping an index, key,
check or foreign key, renames, MODIFY and table options lose no rows and are safe.
"""

from __future__ import annotations

from services.planner.lint_rules.quoting import backtick, go_quote
from services.planner.lint_rules.view import (
    Clause,
    Severity,
    TableView,
    Violation,
    dropped_column,
)

NAME = "unsafe"

_WHOLE_STATEMENTS = (("DROP", "TABLE"), ("TRUNCATE",), ("DROP", "DATABASE"), ("DROP", "SCHEMA"))
_CLAUSE_OPERATIONS = (
    (("DROP", "PRIMARY", "KEY"), "DROP PRIMARY KEY"),
    (("DROP", "PARTITION"), "DROP PARTITION"),
    (("TRUNCATE", "PARTITION"), "TRUNCATE PARTITION"),
    (("DISCARD", "PARTITION"), "DISCARD PARTITION TABLESPACE"),
    (("DISCARD", "TABLESPACE"), "DISCARD TABLESPACE"),
    (("COALESCE", "PARTITION"), "COALESCE PARTITION"),
)


def _message(operation: str) -> Violation:
    return Violation(NAME, Severity.ERROR, f"Unsafe operation detected: {go_quote(operation)}")


def _clause_operation(clause: Clause) -> str | None:
    column = dropped_column(clause)
    if column is not None:
        return f"DROP COLUMN {backtick(column)}"
    return next((op for words, op in _CLAUSE_OPERATIONS if clause.starts(*words)), None)


def lint(view: TableView) -> list[Violation]:
    found: list[Violation] = []
    for statement in view.statements:
        if any(statement.starts(*words) for words in _WHOLE_STATEMENTS):
            found.append(_message(statement.text.strip()))
            continue
        operations = (_clause_operation(clause) for clause in statement.clauses)
        found.extend(_message(op) for op in operations if op is not None)
    return found
