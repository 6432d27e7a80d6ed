"""Build the normalised ``Table`` model from a pre-passed CREATE TABLE statement.

The element grammar follows MySQL's CREATE TABLE; anything not understood raises
``ValueError`` naming the construct, so an unknown clause is never silently dropped.
"""

from __future__ import annotations

from dataclasses import replace

from services.planner.api import Flavour
from services.planner.columns import read_column
from services.planner.keys import read_table_element
from services.planner.model import Check, Column, ForeignKey, Index, Options, Table
from services.planner.options import read_options
from services.planner.partition import parse_partitioning
from services.planner.prepass import Element, PreparedCreate
from services.planner.reader import Draft
from services.planner.spirit_level import DEFAULT_LEVEL, SpiritLevel, rules_for


def build_table(
    prepared: PreparedCreate, flavour: Flavour, level: SpiritLevel = DEFAULT_LEVEL
) -> Table:
    """The normalised model of a pre-passed statement, by ``level``'s rules."""
    draft = Draft(rules=rules_for(level))
    for element in prepared.elements:
        if element.is_column:
            read_column(element, draft)
        else:
            read_table_element(element, draft)
    options = read_options(prepared.option_tokens)
    columns = _inherit_column_charsets(draft.columns, options)
    if flavour is Flavour.MARIADB:
        columns = _mariadb_column_checks(_mariadb_json(columns, draft), draft)
    checks = _name_checks(prepared.table, draft)
    indexes = _name_indexes(draft.indexes)
    primary = next((index for index in indexes if index.kind == "PRIMARY"), None)
    if primary is not None:
        pk_columns = {part.column.lower() for part in primary.parts if part.column}
        columns = [
            replace(column, nullable=False)
            if column.nullable and column.name.lower() in pk_columns
            else column
            for column in columns
        ]
    _validate(columns, indexes)
    _refuse_duplicate_constraint_names([*checks, *draft.foreign_keys])
    if flavour is Flavour.MARIADB and any(
        part.expression is not None for index in indexes for part in index.parts
    ):
        raise ValueError("functional index key parts are not supported by MariaDB 10.11")
    if flavour is Flavour.MARIADB:
        for column in columns:
            if column.type == "vector":
                raise ValueError(f"column {column.name}: VECTOR is not supported by MariaDB 10.11")
            if column.srid is not None:
                raise ValueError(
                    f"column {column.name}: SRID is not supported by MariaDB 10.11"
                    " (it has no spatial reference system attribute)"
                )
    return Table(
        name=prepared.table,
        flavour=flavour,
        columns=tuple(columns),
        indexes=tuple(indexes),
        checks=tuple(checks),
        foreign_keys=tuple(draft.foreign_keys),
        options=options,
        partitioning=parse_partitioning(prepared.partition_tokens, draft.rules),
    )


# --- normalisation -------------------------------------------------------------------------


def _inherit_column_charsets(columns: list[Column], options: Options) -> list[Column]:
    """Resolve the ``BINARY`` attribute's ``<charset>_bin`` against the table charset."""
    out = []
    for column in columns:
        if column.collation and column.collation.startswith("{table}"):
            charset = options.charset or "utf8mb4"
            column = replace(column, collation=f"{charset}_bin")
        out.append(column)
    return out


def _mariadb_json(columns: list[Column], draft: Draft) -> list[Column]:
    """MariaDB stores JSON as ``longtext COLLATE utf8mb4_bin CHECK (json_valid(c))``."""
    out = []
    for column in columns:
        if column.type == "longtext" and column.collation == "utf8mb4_bin":
            json_check = f"JSON_VALID(`{column.name.lower()}`)"
            found = next(
                (
                    pair
                    for pair in draft.column_checks
                    if pair[0] == column.name and pair[1].key == json_check
                ),
                None,
            )
            if found is not None:
                draft.column_checks.remove(found)
                column = replace(column, type="json", charset=None, collation=None)
        out.append(column)
    return out


def _mariadb_column_checks(columns: list[Column], draft: Draft) -> list[Column]:
    """MariaDB keeps a column-level CHECK on its column, unnamed, so it stays there."""
    by_column: dict[str, Check] = {}
    for column_name, check in draft.column_checks:
        if column_name.lower() in by_column:
            raise ValueError(f"column {column_name}: more than one CHECK")
        by_column[column_name.lower()] = check
    draft.column_checks.clear()
    out = []
    for column in columns:
        check = by_column.get(column.name.lower())
        if check is not None:
            column = replace(column, check=check.expression, check_key=check.key)
        out.append(column)
    return out


def _name_checks(table: str, draft: Draft) -> list[Check]:
    checks = list(draft.checks)
    for number, (_, check) in enumerate(draft.column_checks, start=1):
        checks.append(replace(check, name=f"{table}_chk_{number}"))
    return checks


def _name_indexes(indexes: list[Index]) -> list[Index]:
    """Give unnamed indexes MySQL's default name: first column, then ``_2``, ``_3``..."""
    used = {index.name for index in indexes if index.name}
    if len([index for index in indexes if index.kind == "PRIMARY"]) > 1:
        raise ValueError("more than one PRIMARY KEY")
    out = []
    for index in indexes:
        if not index.name:
            first = index.parts[0]
            base = first.column if first.column is not None else "functional_index"
            name = base
            suffix = 2
            while name in used:
                name = f"{base}_{suffix}"
                suffix += 1
            used.add(name)
            index = replace(index, name=name)
        out.append(index)
    return out


def _validate(columns: list[Column], indexes: list[Index]) -> None:
    """Spirit's ``ValidateCreateTable``: no duplicate column; indexed columns exist."""
    seen: set[str] = set()
    for column in columns:
        lowered = column.name.lower()
        if lowered in seen:
            raise ValueError(f"duplicate column {column.name!r}")
        seen.add(lowered)
    if not columns:
        raise ValueError("table has no columns")
    for index in indexes:
        for part in index.parts:
            if part.column is not None and part.column.lower() not in seen:
                raise ValueError(f"index {index.name!r} uses unknown column {part.column!r}")


def _refuse_duplicate_constraint_names(constraints: list[Check | ForeignKey]) -> None:
    """Constraint names are case-insensitive; two with one name are refused by name.

    (A CHECK and a FOREIGN KEY sharing a name could not be told apart by the differ.)
    """
    seen: dict[str, str] = {}
    for constraint in constraints:
        if not constraint.name:
            continue
        lowered = constraint.name.lower()
        if lowered in seen:
            raise ValueError(
                f"duplicate constraint name {constraint.name!r} (also {seen[lowered]!r};"
                " constraint names compare case-insensitively)"
            )
        seen[lowered] = constraint.name


def parse_column_definition(element: Element) -> tuple[Column, list[Index], list[Check]]:
    """One column definition on its own (used for ALTER clauses): column, inline keys, checks."""
    draft = Draft()
    read_column(element, draft)
    column = draft.columns[0]
    return column, draft.indexes, [check for _, check in draft.column_checks]


def parse_table_element(element: Element) -> Index | Check | ForeignKey:
    """One index or constraint definition on its own (used for ALTER ``ADD`` clauses)."""
    draft = Draft()
    read_table_element(element, draft)
    found: list[Index | Check | ForeignKey] = [*draft.indexes, *draft.checks, *draft.foreign_keys]
    return found[0]
