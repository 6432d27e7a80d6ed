"""SchemaBot's error-severity lint rules (spec §8); their messages become ``unsafe_reason``.

Implemented: ``unsafe`` (DROP TABLE, DROP COLUMN, DROP PRIMARY KEY, COALESCE PARTITION),
``invisible_index_before_drop`` (raiseError=true), ``primary_key`` on new tables
(allowedTypes bigint,binary,varbinary) and ``has_timestamp``. Message wording follows Spirit
where its sources show it; the rest is our best reading and is marked in the tests.
"""

from __future__ import annotations

from services.planner.lexer import split_top_level, tokenize, unquote_identifier
from services.planner.model import Table

PK_ALLOWED_TYPES = ("bigint", "binary", "varbinary")
IGNORED_TABLES = frozenset({"schema_version"})  # SchemaBot's lint IgnoreTables


def _go_quote(text: str) -> str:
    """Go's ``%q`` for the ASCII text Spirit quotes."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _unsafe(operation: str) -> tuple[str, str]:
    return ("unsafe", f"Unsafe operation detected: {_go_quote(operation)}")


def lint_table(
    table: str, statements: list[str], current: Table | None, desired: Table | None
) -> str | None:
    """Error-severity violations of one table's statements, sorted and joined with ``"; "``."""
    if table in IGNORED_TABLES:
        return None
    violations: list[tuple[str, str]] = []
    for statement in statements:
        if statement.startswith("DROP TABLE "):
            violations.append(_unsafe(statement))
        elif statement.startswith("ALTER TABLE "):
            violations.extend(_alter_violations(statement, current))
        elif desired is not None:
            violations.extend(_create_violations(desired))
    if not violations:
        return None
    return "; ".join(message for _, message in sorted(violations))


def _alter_violations(statement: str, current: Table | None) -> list[tuple[str, str]]:
    tokens = tokenize(statement)[3:]  # ALTER TABLE `t`
    found: list[tuple[str, str]] = []
    for clause in split_top_level(tokens):
        words = [t.text.upper() for t in clause[:3] if t.kind == "word"]
        if words[:2] == ["DROP", "COLUMN"]:
            found.append(_unsafe(f"DROP COLUMN `{unquote_identifier(clause[2])}`"))
        elif words[:3] == ["DROP", "PRIMARY", "KEY"]:
            found.append(_unsafe("DROP PRIMARY KEY"))
        elif words[:2] == ["COALESCE", "PARTITION"]:
            found.append(_unsafe("COALESCE PARTITION"))
        elif words[:2] == ["DROP", "INDEX"]:
            name = unquote_identifier(clause[2])
            index = next((i for i in current.indexes if i.name == name), None) if current else None
            if index is None or index.visible:
                found.append(
                    (
                        "invisible_index_before_drop",
                        f"Index {_go_quote(name)} should be made invisible before dropping "
                        "to ensure it is not in use",
                    )
                )
        elif words[:2] == ["ADD", "COLUMN"] and len(clause) > 3 and clause[3].is_word("TIMESTAMP"):
            found.append(_timestamp(unquote_identifier(clause[2])))
    return found


def _timestamp(column: str) -> tuple[str, str]:
    return (
        "has_timestamp",
        f"Column {_go_quote(column)} uses the TIMESTAMP type, which has a year 2038 limit; "
        "use DATETIME instead",
    )


def _create_violations(table: Table) -> list[tuple[str, str]]:
    found = [_timestamp(c.name) for c in table.columns if c.type == "timestamp"]
    primary = next((i for i in table.indexes if i.kind == "PRIMARY"), None)
    if primary is None:
        found.append(("primary_key", f"Table {_go_quote(table.name)} has no primary key"))
        return found
    columns = {c.name.lower(): c for c in table.columns}
    for part in primary.parts:
        column = columns.get((part.column or "").lower())
        if column is not None and column.type not in PK_ALLOWED_TYPES:
            found.append(
                (
                    "primary_key",
                    f"Primary key column {_go_quote(column.name)} has type "
                    f"{_go_quote(column.type)}; allowed types: {', '.join(PK_ALLOWED_TYPES)}",
                )
            )
    return found
