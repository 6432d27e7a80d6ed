"""``invisible_index_before_drop`` with SchemaBot's ``raiseError=true``
(Spirit ``pkg/lint/lint_invisible_index.go``).

Every ``DROP INDEX`` whose index is not already invisible in the current table is an error;
hiding it in the same ALTER does not count. Names compare case-insensitively.
"""

from __future__ import annotations

from services.planner.lint_rules.quoting import go_quote
from services.planner.lint_rules.view import Severity, TableView, Violation

NAME = "invisible_index_before_drop"


def _already_invisible(view: TableView, name: str) -> bool:
    if view.current is None:
        return False
    folded = name.lower()
    return any(i.name.lower() == folded and not i.visible for i in view.current.indexes)


def lint(view: TableView) -> list[Violation]:
    found: list[Violation] = []
    for statement in view.statements:
        for clause in statement.clauses:
            if not (clause.starts("DROP", "INDEX") or clause.starts("DROP", "KEY")):
                continue
            name = clause.name_after("DROP", "INDEX")
            if not _already_invisible(view, name):
                message = (
                    f"Index {go_quote(name)} should be made invisible before dropping "
                    "to ensure it's not needed"
                )
                found.append(Violation(NAME, Severity.ERROR, message))
    return found
