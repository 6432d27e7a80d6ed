"""``has_timestamp``: TIMESTAMP overflows in 2038 (Spirit ``pkg/lint/lint_has_timestamp.go``).

Every TIMESTAMP column of the post-state is reported, in post-state order: an error in a new
table or when an ADD/MODIFY clause defines it, a warning for an untouched legacy column.
"""

from __future__ import annotations

from services.planner.lint_rules.quoting import go_quote
from services.planner.lint_rules.view import Severity, TableView, Violation

NAME = "has_timestamp"


def _severity(view: TableView, column: str) -> Severity:
    if view.created or column.lower() in view.touched:
        return Severity.ERROR
    before = view.pre_column(column)
    return Severity.WARNING if before is not None and before.type == "timestamp" else Severity.ERROR


def lint(view: TableView) -> list[Violation]:
    if view.desired is None:
        return []  # a dropped table: its legacy columns warn at most
    return [
        Violation(
            NAME,
            _severity(view, column.name),
            f'Column {go_quote(column.name)} uses "TIMESTAMP" which overflows on 2038-01-19. '
            'Consider using "DATETIME" instead.',
        )
        for column in view.post_columns
        if column.type == "timestamp"
    ]
