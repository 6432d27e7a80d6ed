"""Facts about one table on the target, read from ``information_schema`` with plain SELECTs.

Columns are rebuilt into the planner's ``Column`` model from ``COLUMN_TYPE`` and
``IS_NULLABLE`` (through the planner's own column reader), so a remaining ALTER's column
definitions and the current columns compare field by field.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.planner.build import parse_column_definition
from services.planner.lexer import quote_identifier, tokenize
from services.planner.model import Column
from services.planner.prepass import prepare_element
from services.preflight.session import ReadOnlySession


@dataclass(frozen=True, slots=True)
class ExistingIndex:
    name: str
    unique: bool
    columns: tuple[str, ...]  # in index order, up to the first prefix (SUB_PART) part


@dataclass(frozen=True, slots=True)
class TableFacts:
    """A table as the target has it now; ``row_estimate`` is ``information_schema.TABLE_ROWS``."""

    schema: str
    name: str
    row_estimate: int
    columns: dict[str, Column]  # by lower-case name
    indexes: tuple[ExistingIndex, ...]

    def column(self, name: str) -> Column | None:
        return self.columns.get(name.lower())


def read_table(session: ReadOnlySession, schema: str, table: str) -> TableFacts | None:
    """The table's facts, or None when the table does not exist on the target."""
    rows = session.select(
        "SELECT TABLE_ROWS FROM information_schema.TABLES"
        " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
        (schema, table),
    )
    if not rows:
        return None
    columns: dict[str, Column] = {}
    for name, column_type, nullable in session.select(
        "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE FROM information_schema.COLUMNS"
        " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY ORDINAL_POSITION",
        (schema, table),
    ):
        columns[str(name).lower()] = column_model(str(name), str(column_type), nullable == "YES")
    return TableFacts(
        schema, table, int(rows[0][0] or 0), columns, _indexes(session, schema, table)
    )


def column_model(name: str, column_type: str, nullable: bool) -> Column:
    """The planner's model of a column from its ``COLUMN_TYPE`` text and nullability."""
    definition = f"{quote_identifier(name)} {column_type} {'NULL' if nullable else 'NOT NULL'}"
    column, _, _ = parse_column_definition(prepare_element(tokenize(definition)))
    return column


def _indexes(session: ReadOnlySession, schema: str, table: str) -> tuple[ExistingIndex, ...]:
    parts: dict[str, tuple[bool, list[str], bool]] = {}
    for name, non_unique, column, sub_part in session.select(
        "SELECT INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART FROM information_schema.STATISTICS"
        " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s ORDER BY INDEX_NAME, SEQ_IN_INDEX",
        (schema, table),
    ):
        unique, columns, cut = parts.setdefault(str(name), (not int(non_unique), [], False))
        if cut or column is None:
            continue
        if sub_part is not None:
            parts[str(name)] = (unique, columns, True)
            continue
        columns.append(str(column))
    return tuple(ExistingIndex(name, u, tuple(c)) for name, (u, c, _) in parts.items())
