"""What a table's remaining statements ask of its existing rows.

Only clauses that existing data can make fail are kept: a new UNIQUE or PRIMARY key, a
MODIFY/CHANGE of a column (NOT NULL, narrower type), and a new foreign key. Clauses are read
with the planner's element readers, so they are understood exactly as the planner writes them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from services.planner.build import parse_column_definition, parse_table_element
from services.planner.lexer import Token, split_top_level
from services.planner.lexer import unquote_identifier as name_of
from services.planner.model import Column, ForeignKey, Index
from services.planner.prepass import PrepassError, prepare_element, split_statements


@dataclass(frozen=True, slots=True)
class ColumnChange:
    """``MODIFY``/``CHANGE``: the column ``old_name`` gets the definition ``column``."""

    old_name: str
    column: Column


@dataclass(frozen=True, slots=True)
class DataChanges:
    """The clauses of a table's statements that existing rows can violate."""

    keys: tuple[Index, ...] = ()
    columns: tuple[ColumnChange, ...] = ()
    foreign_keys: tuple[ForeignKey, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.keys or self.columns or self.foreign_keys)


def read_changes(statements: Iterable[str]) -> DataChanges:
    """The data-sensitive clauses of the ALTER TABLE statements among ``statements``.

    CREATE and DROP statements touch no existing rows. A clause that cannot be read is named
    in ``notes`` instead of being guessed at.
    """
    keys: list[Index] = []
    columns: list[ColumnChange] = []
    foreign_keys: list[ForeignKey] = []
    notes: list[str] = []
    for statement in statements:
        for tokens in split_statements(statement):
            if not (len(tokens) > 3 and tokens[0].is_word("ALTER") and tokens[1].is_word("TABLE")):
                continue
            body = tokens[3:]
            if len(body) > 1 and body[0].text == ".":
                body = body[2:]  # schema-qualified name
            for clause in split_top_level(body):
                try:
                    _read_clause(clause, keys, columns, foreign_keys)
                except (PrepassError, ValueError, IndexError) as exc:
                    text = " ".join(t.text for t in clause)[:120]
                    notes.append(f"clause not checked ({exc}): {text}")
    return DataChanges(tuple(keys), tuple(columns), tuple(foreign_keys), tuple(notes))


def _read_clause(
    clause: list[Token],
    keys: list[Index],
    columns: list[ColumnChange],
    foreign_keys: list[ForeignKey],
) -> None:
    if not clause:
        return
    head = clause[0]
    rest = clause[1:]
    if head.is_word("ADD") and rest and rest[0].is_word("PRIMARY", "UNIQUE", "CONSTRAINT"):
        element = parse_table_element(prepare_element(rest))
        if isinstance(element, Index) and element.kind in ("PRIMARY", "UNIQUE"):
            keys.append(element)
        elif isinstance(element, ForeignKey):
            foreign_keys.append(element)
    elif head.is_word("ADD") and rest and rest[0].is_word("FOREIGN"):
        element = parse_table_element(prepare_element(rest))
        if isinstance(element, ForeignKey):
            foreign_keys.append(element)
    elif head.is_word("MODIFY", "CHANGE"):
        if rest and rest[0].is_word("COLUMN"):
            rest = rest[1:]
        old_name = name_of(rest[0])
        if head.is_word("CHANGE"):
            rest = rest[1:]
        column, inline_keys, _ = parse_column_definition(prepare_element(_unpositioned(rest)))
        columns.append(ColumnChange(old_name, column))
        keys.extend(index for index in inline_keys if index.kind in ("PRIMARY", "UNIQUE"))


def _unpositioned(tokens: list[Token]) -> list[Token]:
    """A column definition without its trailing ``FIRST`` / ``AFTER x``."""
    if len(tokens) >= 2 and tokens[-2].is_word("AFTER"):
        return tokens[:-2]
    if tokens and tokens[-1].is_word("FIRST"):
        return tokens[:-1]
    return tokens
