"""``primary_key`` with SchemaBot's ``allowedTypes=bigint,binary,varbinary``
(Spirit ``pkg/lint/lint_primary_key_type.go``).

Checks the post-state primary key: missing (an error only on a new table) or a key column of
another type (an error on a new table or a column an ADD/MODIFY clause defines, a warning on
an untouched legacy column). CHAR/VARCHAR with the binary character set count as
BINARY/VARBINARY, as Spirit reads the parser's binary flag.
"""

from __future__ import annotations

from services.planner.lint_rules.quoting import go_quote
from services.planner.lint_rules.view import Severity, TableView, Violation
from services.planner.model import Column

NAME = "primary_key"
ALLOWED_TYPES = frozenset({"bigint", "binary", "varbinary"})
_BINARY_FORMS = {"char": "binary", "varchar": "varbinary"}


def _allowed(column: Column) -> bool:
    if column.type in ALLOWED_TYPES:
        return True
    binary_form = _BINARY_FORMS.get(column.type)
    return binary_form in ALLOWED_TYPES and column.charset == "binary"


def _severity(view: TableView, column: str) -> Severity:
    if view.created or column.lower() in view.touched:
        return Severity.ERROR
    return Severity.WARNING if view.pre_column(column) is not None else Severity.ERROR


def lint(view: TableView) -> list[Violation]:
    if view.desired is None:
        return []  # a dropped table: its legacy key warns at most
    primary = next((i for i in view.desired.indexes if i.kind == "PRIMARY"), None)
    if primary is None:
        severity = Severity.ERROR if view.created else Severity.WARNING
        return [Violation(NAME, severity, "No primary key defined")]
    columns = {c.name.lower(): c for c in view.post_columns}
    found: list[Violation] = []
    for part in primary.parts:
        column = columns.get((part.column or "").lower())
        if column is None or _allowed(column):
            continue
        message = f"Primary key column {go_quote(column.name)} has type {go_quote(column.type)}"
        found.append(Violation(NAME, _severity(view, column.name), message))
    return found
