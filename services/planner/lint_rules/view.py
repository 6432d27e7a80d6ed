"""What a rule sees of one table's change: its statements, both models and Spirit's post-state.

Spirit lints the *post-state* (``pkg/lint/post_state.go``): the current table with the
ALTER's column clauses applied in order, ADD COLUMN appended at the end whatever its
position clause, MODIFY replaced in place. A column is "touched" when an ADD or MODIFY
clause names it; touched columns and new tables raise errors, untouched legacy columns only
warnings.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from functools import cached_property

from services.planner.lexer import Token, split_top_level, tokenize, unquote_identifier
from services.planner.model import Column, Table


class Severity(IntEnum):
    """Spirit's order: a higher value sorts first."""

    INFO = 0
    WARNING = 1
    ERROR = 2


@dataclass(frozen=True, slots=True)
class Violation:
    linter: str
    severity: Severity
    message: str


def _starts(tokens: tuple[Token, ...], words: tuple[str, ...]) -> bool:
    """Whether ``tokens`` begin with these (upper-case) words."""
    head = tokens[: len(words)]
    return len(head) == len(words) and all(t.is_word(w) for t, w in zip(head, words, strict=True))


@dataclass(frozen=True, slots=True)
class Clause:
    """One top-level clause of an ALTER TABLE statement."""

    tokens: tuple[Token, ...]

    def starts(self, *words: str) -> bool:
        return _starts(self.tokens, words)

    def name_after(self, *words: str) -> str:
        """The identifier following ``words`` (e.g. the column of ``ADD COLUMN``)."""
        return unquote_identifier(self.tokens[len(words)])


@dataclass(frozen=True, slots=True)
class Statement:
    text: str
    tokens: tuple[Token, ...]
    clauses: tuple[Clause, ...]  # the ALTER TABLE clauses (empty for any other statement)

    @classmethod
    def read(cls, text: str) -> Statement:
        """Tokenize ``text`` and split an ALTER TABLE into its clauses, once."""
        tokens = tuple(tokenize(text))
        clauses: tuple[Clause, ...] = ()
        if _starts(tokens, ("ALTER", "TABLE")):
            parts = split_top_level(list(tokens[3:]))
            clauses = tuple(Clause(tuple(part)) for part in parts if part)
        return cls(text, tokens, clauses)

    def starts(self, *words: str) -> bool:
        return _starts(self.tokens, words)


def dropped_column(clause: Clause) -> str | None:
    """The column a ``DROP COLUMN name`` clause removes, else ``None``."""
    if clause.starts("DROP", "COLUMN"):
        return clause.name_after("DROP", "COLUMN")
    return None


def touched_column(clause: Clause) -> str | None:
    """The column an ``ADD COLUMN`` / ``MODIFY COLUMN`` clause defines, else ``None``.

    These are the column clauses the differ emits (it never renames, so no CHANGE COLUMN).
    """
    for verb in ("ADD", "MODIFY"):
        if clause.starts(verb, "COLUMN"):
            return clause.name_after(verb, "COLUMN")
    return None


@dataclass(frozen=True)
class TableView:
    """One table's planned statements with the models on both sides (``None`` when absent)."""

    table: str
    texts: tuple[str, ...]
    current: Table | None
    desired: Table | None

    @cached_property
    def statements(self) -> tuple[Statement, ...]:
        return tuple(Statement.read(text) for text in self.texts)

    @property
    def created(self) -> bool:
        """A CREATE TABLE in the change set: every finding on it is an error."""
        return self.current is None and self.desired is not None

    @cached_property
    def touched(self) -> frozenset[str]:
        """Lower-cased names of columns an ADD / MODIFY / CHANGE clause defines."""
        names = (touched_column(c) for s in self.statements for c in s.clauses)
        return frozenset(name.lower() for name in names if name is not None)

    def pre_column(self, name: str) -> Column | None:
        """The current (pre-state) column of that name, compared case-insensitively."""
        if self.current is None:
            return None
        return _find(self.current.columns, name)

    @cached_property
    def post_columns(self) -> tuple[Column, ...]:
        """Spirit's post-state column list, typed from the desired model."""
        if self.desired is None:
            return self.current.columns if self.current else ()
        if self.current is None:
            return self.desired.columns
        names = [c.name for c in self.current.columns]
        for statement in self.statements:
            for clause in statement.clauses:
                _apply(names, clause)
        columns = (_find(self.desired.columns, n) or _find(self.current.columns, n) for n in names)
        return tuple(c for c in columns if c is not None)


def _apply(names: list[str], clause: Clause) -> None:
    dropped = dropped_column(clause)
    if dropped is not None:
        names[:] = [n for n in names if n.lower() != dropped.lower()]
        return
    touched = touched_column(clause)
    if touched is None:
        return
    position = next((i for i, n in enumerate(names) if n.lower() == touched.lower()), None)
    if clause.starts("ADD") or position is None:
        names.append(touched)
    else:
        names[position] = touched


def _find(columns: tuple[Column, ...], name: str) -> Column | None:
    folded = name.lower()
    return next((c for c in columns if c.name.lower() == folded), None)
