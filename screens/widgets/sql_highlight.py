"""MySQL syntax categories for display lines, from Pygments' ``mysql`` lexer (never guessed).

The result is plain data (text, category) so it can be computed in a worker thread; the diff
widget maps each category to a themed style when it renders.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

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


@cache
def _lexer() -> Lexer:
    """The ``mysql`` lexer, named explicitly: guessing picks T-SQL, which flags backticks."""
    return get_lexer_by_name("mysql", stripnl=False, ensurenl=False)


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
