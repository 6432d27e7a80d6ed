"""A small SQL lexer for the pre-pass: strings, quoted identifiers, words, numbers, symbols.

It knows just enough of MySQL's lexical rules to find clause boundaries and keywords outside
string literals; the grammar itself is left to sqlglot.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_VERSIONED_COMMENT = re.compile(r"/\*!\d{5,6}\s?(.*?)\s*\*/", re.S)

# Whitespace and comments before a token (possessive: never given back; whitespace first, so
# text without comments costs one ``\s*+`` per token).
_PREFIX = r"\s*+(?:(?:/\*.*?\*/|--[^\n]*|\#[^\n]*)\s*+)*+"
# One match per token: its prefix, then the token itself (absent only at the text's end),
# found as one string: ``findall`` then makes one object per token instead of a tuple of two
# (about 12% of tokenizing); the token's own text is split off only when it is new.
_TOKEN = re.compile(
    _PREFIX
    + r"""
    (?: '(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*"
    | `(?:[^`]|``)*`
    | \d+(?:\.\d*)?(?:[eE][-+]?\d+)?(?![\w$])|\.\d+
    | [\w$\u0080-\uffff]+
    | <=>|>=|<=|<>|!=|\|\||&&|->>|->|:=|<<|>>|.
    )?
    """,
    re.S | re.X,
)
_PREFIX_ONLY = re.compile(_PREFIX, re.S)
_NUMBER = re.compile(r"\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+")
# The kind of a token by its first character, where that character decides it alone.
_KIND_OF_FIRST = {
    chr(code): "word" if chr(code).isalpha() or chr(code) in "_$" else "op"
    for code in range(128)
    if not chr(code).isdigit() and chr(code) not in "'\"`."
}


class Token(NamedTuple):
    """One lexical token; ``space`` records whether whitespace preceded it.

    A tuple: a plan of 1,000 tables makes about 400,000 of them, and a tuple is built in C.
    """

    kind: str  # "str" | "qid" | "num" | "word" | "op"
    text: str
    space: bool

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else self.text

    def is_word(self, *words: str) -> bool:
        return self.kind == "word" and self.text.upper() in words


def unwrap_versioned_comments(sql: str) -> str:
    """Replace ``/*!NNNNN body */`` by ``body`` (also across newlines)."""
    if "/*!" not in sql:
        return sql
    return _VERSIONED_COMMENT.sub(r"\1", sql)


def _kind(text: str) -> str:
    """The kind of a token whose first character does not decide it alone."""
    first = text[0]
    if first in "'\"":
        return "str" if len(text) > 1 else "op"  # a lone quote is an unterminated string
    if first == "`":
        return "qid" if len(text) > 1 else "op"
    if _NUMBER.fullmatch(text):
        return "num"
    # ``[\w$\u0080-\uffff]``, the word pattern's first character (``\w`` is alnum or "_")
    word = first in "$_" or "\u0080" <= first <= "\uffff" or first.isalnum()
    return "word" if word else "op"


_new_token = tuple.__new__


# (whitespace and comments before, token text) as one string -> its token. A schema repeats
# most of its tokens (keywords, types, punctuation, common names), and a token is immutable, so
# statements share one object per distinct string. Emptied when full: the frequent ones are
# back at once, and a bigger bound measured no faster (1,000 bench tables: 0.24 ms a statement
# with 4,096 or 65,536 entries).
_tokens: dict[str, Token] = {}
_TOKENS_LIMIT = 8_192


def tokenize(sql: str) -> list[Token]:
    """Split ``sql`` into tokens, dropping whitespace and comments."""
    found = _TOKEN.findall(sql)
    found.pop()  # the empty match at the text's end
    if found and _PREFIX_ONLY.fullmatch(found[-1]):
        found.pop()  # whitespace and comments after the last token
    known = _tokens.get
    return [known(match) or _new(match) for match in found]


def _new(match: str) -> Token:
    start = _PREFIX_ONLY.match(match).end()  # type: ignore[union-attr]  # matches "" at least
    text = match[start:]
    token = _new_token(Token, (_KIND_OF_FIRST.get(text[0]) or _kind(text), text, start != 0))
    if len(_tokens) >= _TOKENS_LIMIT:
        _tokens.clear()
    _tokens[match] = token
    return token


def join_tokens(tokens: list[Token]) -> str:
    """Rebuild text from tokens, keeping a single space where the source had whitespace."""
    parts: list[str] = []
    for index, token in enumerate(tokens):
        if index and token.space:
            parts.append(" ")
        parts.append(token.text)
    return "".join(parts)


def split_top_level(tokens: list[Token], separator: str = ",") -> list[list[Token]]:
    """Split a token list on ``separator`` at parenthesis depth 0."""
    parts: list[list[Token]] = [[]]
    depth = 0
    for token in tokens:
        if token.kind == "op":
            if token.text == "(":
                depth += 1
            elif token.text == ")":
                depth -= 1
            elif token.text == separator and depth == 0:
                parts.append([])
                continue
        parts[-1].append(token)
    return parts


def matching_paren(tokens: list[Token], start: int) -> int:
    """Index of the ``)`` closing the ``(`` at ``start``; -1 if unbalanced."""
    depth = 0
    for index in range(start, len(tokens)):
        token = tokens[index]
        if token.kind == "op":
            if token.text == "(":
                depth += 1
            elif token.text == ")":
                depth -= 1
                if depth == 0:
                    return index
    return -1


def unquote_identifier(token: Token) -> str:
    """The name a word or back-quoted identifier token stands for."""
    if token.kind == "qid":
        return token.text[1:-1].replace("``", "`")
    if token.kind == "str" and token.text[0] == '"':
        return unescape_string(token.text)
    return token.text


_ESCAPES = {"0": "\0", "b": "\b", "n": "\n", "r": "\r", "t": "\t", "Z": "\x1a"}


def unescape_string(literal: str) -> str:
    """The value of a MySQL string literal token (quotes removed, escapes decoded)."""
    quote = literal[0]
    body = literal[1:-1]
    if "\\" not in body and quote * 2 not in body:
        return body
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            nxt = body[index + 1]
            out.append(_ESCAPES.get(nxt, nxt))
            index += 2
        elif char == quote and body[index + 1 : index + 2] == quote:
            out.append(quote)
            index += 2
        else:
            out.append(char)
            index += 1
    return "".join(out)


def escape_string(value: str) -> str:
    """Quote ``value`` as Spirit does: single quotes, backslash escapes."""
    out = (
        value.replace("\\", "\\\\")
        .replace("'", "\\'")
        .replace('"', '\\"')
        .replace("\0", "\\0")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\x1a", "\\Z")
    )
    return f"'{out}'"


def quote_identifier(name: str) -> str:
    """Back-quote ``name``, doubling embedded back-quotes."""
    return "`" + name.replace("`", "``") + "`"
