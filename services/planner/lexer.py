"""A small SQL lexer for the pre-pass: strings, quoted identifiers, words, numbers, symbols.

It knows just enough of MySQL's lexical rules to find clause boundaries and keywords outside
string literals; the grammar itself is left to sqlglot.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSIONED_COMMENT = re.compile(r"/\*!\d{5,6}\s?(.*?)\s*\*/", re.S)

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>/\*.*?\*/|--[^\n]*|\#[^\n]*)
  | (?P<str>'(?:[^'\\]|\\.|'')*'|"(?:[^"\\]|\\.|"")*")
  | (?P<qid>`(?:[^`]|``)*`)
  | (?P<num>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?(?![\w$])|\.\d+)
  | (?P<word>[\w$\u0080-\uffff]+)
  | (?P<op><=>|>=|<=|<>|!=|\|\||&&|->>|->|:=|<<|>>|.)
    """,
    re.S | re.X,
)


@dataclass(slots=True)
class Token:
    """One lexical token; ``space`` records whether whitespace preceded it."""

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


def tokenize(sql: str) -> list[Token]:
    """Split ``sql`` into tokens, dropping whitespace and comments."""
    tokens: list[Token] = []
    space = False
    for match in _TOKEN.finditer(sql):
        kind = match.lastgroup
        if kind in ("ws", "comment"):
            space = True
            continue
        tokens.append(Token(kind or "op", match.group(), space))
        space = False
    return tokens


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
