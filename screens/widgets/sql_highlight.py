"""MySQL syntax categories for display lines, from Pygments' ``mysql`` lexer (never guessed).

The result is plain data (text, category); the diff widget maps each category to a themed style
when it renders. ``LazyHighlight`` lexes a block of lines only when one of them is first drawn,
so a 200-table diff pays for the few tables on screen, not for all of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from threading import Lock

from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.token import (
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    Punctuation,
    String,
    Token,
)

Fragment = tuple[str, str]
"""A run of text and its syntax category (``keyword``, ``name``, ``string`` …, or ``text``)."""

SYNTAX_CATEGORIES = (
    "keyword",
    "type",
    "name",
    "constant",
    "function",
    "string",
    "number",
    "comment",
    "punctuation",
)

# Checked in order: the first token type that contains the lexed type wins.
_CATEGORY_OF = (
    (Keyword.Type, "type"),
    (Keyword, "keyword"),
    (Name.Constant, "constant"),
    (Name.Builtin, "function"),
    (Name.Function, "function"),
    (Name, "name"),
    (String, "string"),
    (Number, "number"),
    (Comment, "comment"),
    (Operator, "punctuation"),
    (Punctuation, "punctuation"),
)


_LEXER_LOCK = Lock()


@cache
def _build_lexer() -> Lexer:
    return get_lexer_by_name("mysql", stripnl=False, ensurenl=False)


def _lexer() -> Lexer:
    """The ``mysql`` lexer, named explicitly: guessing picks T-SQL, which flags backticks.

    Built once: a thread needing it while another builds it waits instead of building it twice.
    """
    with _LEXER_LOCK:
        return _build_lexer()


@cache
def _category(token_type: tuple[str, ...]) -> str:
    for parent, category in _CATEGORY_OF:
        if token_type in parent:
            return category
    return "text"


def highlight_lines(lines: Sequence[str]) -> list[tuple[Fragment, ...]]:
    """Lex ``lines`` as one MySQL text and return each line's fragments (adjacent runs merged)."""
    result: list[list[Fragment]] = [[]]
    for token_type, value in _lexer().get_tokens("\n".join(lines)):
        category = "text" if token_type in Token.Error else _category(token_type)
        for position, piece in enumerate(value.split("\n")):
            if position:
                result.append([])
            if not piece:
                continue
            current = result[-1]
            if current and current[-1][1] == category:
                current[-1] = (current[-1][0] + piece, category)
            else:
                current.append((piece, category))
    while len(result) < len(lines):
        result.append([])
    return [tuple(fragments) for fragments in result[: len(lines)]]


def warm_up() -> None:
    """Build the lexer now (Pygments compiles its rules on first use: tens of milliseconds)."""
    _lexer()


class LazyHighlight:
    """The fragments of a block of lines (one side of one table), lexed as one text on first use.

    Lexing the block as a whole keeps multi-line strings and comments right; the result is
    cached, so each block is lexed once (two threads racing would compute the same value).
    """

    __slots__ = ("_fragments", "_lines")

    def __init__(self, lines: Sequence[str]) -> None:
        self._lines = tuple(lines)
        self._fragments: list[tuple[Fragment, ...]] | None = None

    @property
    def lexed(self) -> bool:
        """Whether the block has been lexed already."""
        return self._fragments is not None

    def line(self, index: int) -> tuple[Fragment, ...]:
        """The fragments of line ``index`` of the block."""
        if self._fragments is None:
            self._fragments = highlight_lines(self._lines)
        return self._fragments[index]
