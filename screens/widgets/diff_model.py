"""The data behind the diff view: stored-remaining vs fresh-plan DDL, table by table.

``build_diff_document`` is a pure function (difflib, no Textual) meant to run in a worker
thread; the widget only maps the prepared rows to styled strips. Rows are computed for both
layouts (split and unified) so toggling between them costs nothing. Syntax highlighting is lazy:
each side of each table is lexed when one of its lines is first drawn (``LazyHighlight``), and
tables whose two sides are the same text skip the line diff entirely.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

from rich.cells import cell_len

from screens.safe_text import printable
from screens.widgets.sql_highlight import Fragment, LazyHighlight
from screens.widgets.sql_layout import display_lines
from services.domain.models import TableChange
from services.redrive.model import TableComparison, TableStatus

Span = tuple[int, int]
"""A character range ``[start, end)`` of one line."""

INLINE_MIN_SIMILARITY = 0.3
"""Below this ``SequenceMatcher.ratio`` a replaced line pair gets no in-line highlights."""

INLINE_MERGE_GAP = 2
"""Unchanged runs this short (characters) between two in-line changes are absorbed into one."""

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")

STATUS_LABELS = {
    TableStatus.SAME: "SAME",
    TableStatus.CHANGED: "CHANGED",
    TableStatus.ONLY_STORED: "ONLY STORED",
    TableStatus.ONLY_FRESH: "ONLY FRESH",
}


class RowKind(StrEnum):
    """What one display row shows."""

    HEADING = "heading"
    SPACER = "spacer"
    EQUAL = "equal"
    DELETE = "delete"
    INSERT = "insert"
    REPLACE = "replace"


CHANGE_KINDS = frozenset({RowKind.DELETE, RowKind.INSERT, RowKind.REPLACE})


@dataclass(frozen=True, slots=True)
class DiffLine:
    """One side of one row: its line number within the table, text, syntax and in-line changes."""

    number: int
    text: str
    syntax: LazyHighlight
    changes: tuple[Span, ...] = ()

    @property
    def fragments(self) -> tuple[Fragment, ...]:
        """The line's syntax runs (lexing its whole block on first use)."""
        return self.syntax.line(self.number - 1)


@dataclass(frozen=True, slots=True)
class TableHeading:
    """The header of one table's section."""

    namespace: str
    table: str
    status: TableStatus
    stored_statements: int
    fresh_statements: int

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def title(self) -> str:
        name = f"{self.namespace}.{self.table}" if self.namespace else self.table
        return printable(name, single_line=True)


@dataclass(frozen=True, slots=True)
class DiffRow:
    """One display row; ``left`` is the stored side, ``right`` the fresh side."""

    kind: RowKind
    left: DiffLine | None = None
    right: DiffLine | None = None
    heading: TableHeading | None = None


@dataclass(frozen=True, slots=True)
class DiffLayout:
    """The rows of one layout and where its changes are."""

    rows: tuple[DiffRow, ...]
    change_starts: tuple[int, ...]
    change_ends: tuple[int, ...]
    left_width: int
    right_width: int

    def change_index_at(self, row: int) -> int | None:
        """The index of the change run containing ``row``, if any."""
        index = bisect_right(self.change_starts, row) - 1
        if index >= 0 and row < self.change_ends[index]:
            return index
        return None


@dataclass(frozen=True, slots=True)
class DiffDocument:
    """Both layouts of one review's comparison."""

    tables: tuple[TableHeading, ...]
    split: DiffLayout
    unified: DiffLayout

    @property
    def changed_tables(self) -> int:
        return sum(1 for table in self.tables if table.status is not TableStatus.SAME)


def next_change(change_starts: Sequence[int], position: int) -> int | None:
    """The first change start after ``position``, or None."""
    index = bisect_right(change_starts, position)
    return change_starts[index] if index < len(change_starts) else None


def previous_change(change_starts: Sequence[int], position: int) -> int | None:
    """The last change start before ``position``, or None."""
    index = bisect_left(change_starts, position) - 1
    return change_starts[index] if index >= 0 else None


def inline_changes(old: str, new: str) -> tuple[tuple[Span, ...], tuple[Span, ...]]:
    """Character ranges that differ between a replaced line pair (old side, new side).

    The second ``SequenceMatcher`` compares word and punctuation tokens, not single characters,
    so a change reads ``int NULL`` -> ``bigint NOT NULL`` rather than ``N[OT N]ULL``. Dissimilar
    pairs get no ranges: the whole line is already marked as changed.
    """
    old_tokens, new_tokens = _TOKEN.findall(old), _TOKEN.findall(new)
    matcher = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    if matcher.ratio() < INLINE_MIN_SIMILARITY:
        return (), ()
    old_offsets, new_offsets = _offsets(old_tokens), _offsets(new_tokens)
    opcodes = [
        (tag, old_offsets[i1], old_offsets[i2], new_offsets[j1], new_offsets[j2])
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]
    old_spans: list[Span] = []
    new_spans: list[Span] = []
    for tag, i1, i2, j1, j2 in _merge_short_equals(opcodes):
        if tag == "equal":
            continue
        if i2 > i1:
            old_spans.append((i1, i2))
        if j2 > j1:
            new_spans.append((j1, j2))
    return tuple(old_spans), tuple(new_spans)


def _offsets(tokens: Sequence[str]) -> list[int]:
    """Character offset of each token, plus the end."""
    offsets = [0]
    for token in tokens:
        offsets.append(offsets[-1] + len(token))
    return offsets


def _merge_short_equals(
    opcodes: Iterable[tuple[str, int, int, int, int]],
) -> list[tuple[str, int, int, int, int]]:
    """Absorb short unchanged runs between changes, so highlights read as words, not confetti."""
    merged: list[tuple[str, int, int, int, int]] = []
    for opcode in opcodes:
        if (
            opcode[0] != "equal"
            and len(merged) >= 2
            and merged[-1][0] == "equal"
            and merged[-1][2] - merged[-1][1] <= INLINE_MERGE_GAP
            and merged[-2][0] != "equal"
        ):
            merged.pop()
            previous = merged.pop()
            merged.append(("replace", previous[1], opcode[2], previous[3], opcode[4]))
        else:
            merged.append(opcode)
    return merged


def side_text_lines(changes: Sequence[TableChange]) -> list[str]:
    """The display lines of one side: each statement, unsafe ones preceded by a comment line."""
    lines: list[str] = []
    for change in changes:
        if change.is_unsafe:
            reason = printable(change.unsafe_reason, single_line=True) or "no reason given"
            lines.append(f"-- unsafe: {reason}")
        lines.extend(display_lines(change.ddl))
    return lines


def _diff_lines(texts: Sequence[str]) -> list[DiffLine]:
    syntax = LazyHighlight(texts)
    return [DiffLine(number, text, syntax) for number, text in enumerate(texts, 1)]


def _with_changes(line: DiffLine, spans: tuple[Span, ...]) -> DiffLine:
    return DiffLine(line.number, line.text, line.syntax, spans)


def _table_rows(left: list[DiffLine], right: list[DiffLine]) -> tuple[list[DiffRow], list[DiffRow]]:
    """Split and unified rows of one table (the same list when both sides are one text)."""
    if left is right:
        rows = [DiffRow(RowKind.EQUAL, line, line) for line in left]
        return rows, rows
    split: list[DiffRow] = []
    unified: list[DiffRow] = []
    matcher = SequenceMatcher(
        None, [line.text for line in left], [line.text for line in right], autojunk=False
    )
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        olds, news = left[i1:i2], right[j1:j2]
        if tag == "equal":
            rows = [DiffRow(RowKind.EQUAL, old, new) for old, new in zip(olds, news, strict=True)]
            split.extend(rows)
            unified.extend(rows)
            continue
        paired = min(len(olds), len(news))
        for index in range(paired):
            old_spans, new_spans = inline_changes(olds[index].text, news[index].text)
            olds[index] = _with_changes(olds[index], old_spans)
            news[index] = _with_changes(news[index], new_spans)
        for index in range(max(len(olds), len(news))):
            old = olds[index] if index < len(olds) else None
            new = news[index] if index < len(news) else None
            kind = RowKind.REPLACE if old and new else RowKind.DELETE if old else RowKind.INSERT
            split.append(DiffRow(kind, old, new))
        unified.extend(DiffRow(RowKind.DELETE, old, None) for old in olds)
        unified.extend(DiffRow(RowKind.INSERT, None, new) for new in news)
    return split, unified


def _layout(rows: list[DiffRow]) -> DiffLayout:
    starts: list[int] = []
    ends: list[int] = []
    for index, row in enumerate(rows):
        changed = row.kind in CHANGE_KINDS
        before = index > 0 and rows[index - 1].kind in CHANGE_KINDS
        if changed and not before:
            starts.append(index)
        if not changed and before:
            ends.append(index)
    if len(ends) < len(starts):
        ends.append(len(rows))
    return DiffLayout(
        rows=tuple(rows),
        change_starts=tuple(starts),
        change_ends=tuple(ends),
        left_width=max((cell_len(row.left.text) for row in rows if row.left), default=0),
        right_width=max((cell_len(row.right.text) for row in rows if row.right), default=0),
    )


def build_diff_document(comparisons: Sequence[TableComparison]) -> DiffDocument:
    """Diff every table's stored-remaining statements against the fresh plan's (pure)."""
    headings: list[TableHeading] = []
    split: list[DiffRow] = []
    unified: list[DiffRow] = []
    for comparison in comparisons:
        heading = TableHeading(
            comparison.namespace,
            comparison.table,
            comparison.status,
            len(comparison.stored),
            len(comparison.fresh),
        )
        headings.append(heading)
        if split:
            split.append(DiffRow(RowKind.SPACER))
            unified.append(DiffRow(RowKind.SPACER))
        split.append(DiffRow(RowKind.HEADING, heading=heading))
        unified.append(DiffRow(RowKind.HEADING, heading=heading))
        stored_lines = side_text_lines(comparison.stored)
        fresh_lines = side_text_lines(comparison.fresh)
        left = _diff_lines(stored_lines)
        right = left if fresh_lines == stored_lines else _diff_lines(fresh_lines)
        table_split, table_unified = _table_rows(left, right)
        split.extend(table_split)
        unified.extend(table_unified)
    return DiffDocument(tuple(headings), _layout(split), _layout(unified))
