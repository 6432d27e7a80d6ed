"""``auto_inc_capacity``: AUTO_INCREMENT above 85% of the column's range
(Spirit ``pkg/lint/lint_auto_inc_capacity.go``, default threshold 85).

Only a new table can carry the table option: the live side has it stripped (a live counter) and the
differ never emits it, so an ALTER's post-state has none.
"""

from __future__ import annotations

from services.planner.lexer import matching_paren
from services.planner.lint_rules.view import Severity, Statement, TableView, Violation

NAME = "auto_inc_capacity"
THRESHOLD_PERCENT = 85
_BITS = {"tinyint": 8, "smallint": 16, "mediumint": 24, "int": 32, "bigint": 64}


def table_auto_increment(statement: Statement) -> int | None:
    """The ``AUTO_INCREMENT=N`` table option of a CREATE TABLE statement, if any."""
    tokens = statement.tokens
    opening = next((i for i, t in enumerate(tokens) if t.kind == "op" and t.text == "("), None)
    end = matching_paren(list(tokens), opening) if opening is not None else -1
    if end < 0:
        return None
    options = list(tokens[end + 1 :])
    for index, token in enumerate(options):
        if token.is_word("PARTITION"):
            return None
        if token.is_word("AUTO_INCREMENT"):
            rest = [t for t in options[index + 1 : index + 3] if t.text != "="]
            return int(rest[0].text) if rest and rest[0].kind == "num" else None
    return None


def lint(view: TableView) -> list[Violation]:
    if not view.created or not view.statements:
        return []
    value = table_auto_increment(view.statements[0])
    if value is None:
        return []
    found: list[Violation] = []
    for column in view.post_columns:
        bits = _BITS.get(column.type)
        if not column.auto_increment or bits is None:
            continue  # a non-integer auto-increment column is only a warning in Spirit
        capacity = (1 << (bits if column.unsigned else bits - 1)) - 1
        if value > capacity * THRESHOLD_PERCENT // 100:
            message = (
                f"AUTO_INCREMENT value {value} is above {THRESHOLD_PERCENT}% of the capacity "
                f"({capacity}) of the auto-inc column's {column.type} data type"
            )
            found.append(Violation(NAME, Severity.ERROR, message))
    return found
