"""Display layout of planner DDL: one clause per line for multi-clause ALTERs (display only).

The planner writes ``ALTER TABLE `t` <clause>, <clause>, …`` on one line. Breaking it at the
top-level ``", "`` lets a line diff pair clause with clause, so in-line highlights stay
meaningful. Commas inside parentheses, quotes or back-quoted identifiers are never split.
"""

from __future__ import annotations

from screens.safe_text import printable

CONTINUATION_INDENT = "    "
_QUOTES = "'\"`"
_TAB_SIZE = 4


def split_top_level_clauses(statement: str) -> list[str]:
    """Split ``statement`` after each top-level ``","`` that is followed by a space.

    Each part but the last keeps its trailing comma; the separating space is dropped.
    """
    parts: list[str] = []
    depth = 0
    quote: str | None = None
    start = 0
    index = 0
    length = len(statement)
    while index < length:
        char = statement[index]
        if quote is not None:
            if char == "\\" and quote != "`":
                index += 2
                continue
            if char == quote:
                if statement.startswith(quote, index + 1):
                    index += 2
                    continue
                quote = None
        elif char in _QUOTES:
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == "," and depth == 0 and statement.startswith(" ", index + 1):
            parts.append(statement[start : index + 1])
            start = index + 2
            index += 2
            continue
        index += 1
    parts.append(statement[start:])
    return parts


def display_lines(ddl: str) -> list[str]:
    """The lines shown for one statement: ALTER clause lists broken, controls made visible."""
    text = ddl.strip()
    if "\n" not in text and text[:6].upper() == "ALTER ":
        clauses = split_top_level_clauses(text)
        lines = [clauses[0], *(CONTINUATION_INDENT + clause for clause in clauses[1:])]
    else:
        lines = text.splitlines() or [""]
    return [printable(line.rstrip().expandtabs(_TAB_SIZE)) for line in lines]
