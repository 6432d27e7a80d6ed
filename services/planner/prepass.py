"""Text pre-pass over one CREATE TABLE statement.

It handles versioned comments, partitioning and the text sqlglot cannot read.

Unwraps ``/*!NNNNN ... */``, splits the statement into the table name, the body elements, the
table options and the partition clause, and rewrites what sqlglot cannot parse (MariaDB
``IGNORED``, ``[NOT] ENFORCED``, ``SRID n``, ``PERSISTENT``) into annotations, so nothing is
silently lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from services.planner.lexer import (
    Token,
    split_top_level,
    tokenize,
    unquote_identifier,
    unwrap_versioned_comments,
)

INDEX_STARTS = frozenset({"PRIMARY", "UNIQUE", "KEY", "INDEX", "FULLTEXT", "SPATIAL"})
CONSTRAINT_STARTS = frozenset({"CONSTRAINT", "CHECK", "FOREIGN"})


class PrepassError(ValueError):
    """The statement is not one plain CREATE TABLE; the message names the construct."""


@dataclass(slots=True)
class Element:
    """One comma-separated item of the table body, with what the pre-pass took out of it."""

    tokens: list[Token]
    is_column: bool
    not_enforced: bool = False
    srid: int | None = None


@dataclass(slots=True)
class PreparedCreate:
    table: str
    elements: list[Element]
    option_tokens: list[Token]
    partition_tokens: list[Token] = field(default_factory=list)
    # The elements' texts as the gate reads them (``parse.gate_statement``), once made.
    element_texts: list[str] | None = None


def split_statements(sql: str) -> list[list[Token]]:
    """Tokens of each non-empty statement in ``sql``."""
    text = unwrap_versioned_comments(sql)
    tokens = tokenize(text)
    if ";" not in text:  # no ``;`` token can exist: one statement (or none)
        return [tokens] if tokens else []
    return [part for part in split_top_level(tokens, ";") if part]


def prepare_create(sql: str) -> PreparedCreate:
    """Split one CREATE TABLE statement into its parts; raise ``PrepassError`` otherwise."""
    statements = split_statements(sql)
    if not statements:
        raise PrepassError("empty file: expected one CREATE TABLE statement")
    if len(statements) > 1:
        raise PrepassError(f"expected one CREATE TABLE statement, found {len(statements)}")
    tokens = statements[0]
    if not (tokens[0].is_word("CREATE") and len(tokens) > 2):
        raise PrepassError(f"not a CREATE TABLE statement (starts with {tokens[0].text!r})")
    position = 1
    if tokens[position].is_word("TEMPORARY"):
        raise PrepassError("CREATE TEMPORARY TABLE is not supported")
    if not tokens[position].is_word("TABLE"):
        raise PrepassError("not a CREATE TABLE statement")
    position += 1
    if tokens[position].is_word("IF"):
        position += 3
    name_token = tokens[position]
    position += 1
    if position < len(tokens) and tokens[position].text == ".":
        name_token = tokens[position + 1]
        position += 2
    if name_token.kind not in ("word", "qid"):
        raise PrepassError("missing table name")
    if position >= len(tokens) or tokens[position].text != "(":
        raise PrepassError("CREATE TABLE without a column list (LIKE / AS SELECT) is not supported")
    parts, close = _body_parts(tokens, position)
    if close < 0:
        raise PrepassError("unbalanced parentheses")
    rewrites = _may_rewrite(unwrap_versioned_comments(sql))
    elements = [prepare_element(part, may_rewrite=rewrites) for part in parts]
    if any(not element.tokens for element in elements):
        raise PrepassError("empty element in the column list")
    tail = tokens[close + 1 :]
    partition_at = next(
        (i for i, token in enumerate(tail) if token.is_word("PARTITION")), len(tail)
    )
    return PreparedCreate(
        table=unquote_identifier(name_token),
        elements=elements,
        option_tokens=tail[:partition_at],
        partition_tokens=tail[partition_at:],
    )


def _body_parts(tokens: list[Token], start: int) -> tuple[list[list[Token]], int]:
    """The comma-separated items inside the ``(`` at ``start`` and the index of its ``)`` (-1
    if unbalanced): ``split_top_level`` of what ``matching_paren`` encloses, in one pass."""
    parts: list[list[Token]] = []
    depth = 0
    first = start + 1
    for index in range(first, len(tokens)):
        token = tokens[index]
        if token.kind == "op":
            text = token.text
            if text == "(":
                depth += 1
            elif text == ")":
                if depth == 0:
                    parts.append(tokens[first:index])
                    return parts, index
                depth -= 1
            elif text == "," and depth == 0:
                parts.append(tokens[first:index])
                first = index + 1
    return [], -1


# Multi-word type spellings sqlglot cannot parse -> the one-word type they stand for.
_TYPE_SPELLINGS = {
    ("NATIONAL", "CHARACTER", "VARYING"): "NVARCHAR",
    ("NATIONAL", "CHAR", "VARYING"): "NVARCHAR",
    ("NATIONAL", "VARCHAR"): "NVARCHAR",
    ("NATIONAL", "CHARACTER"): "NCHAR",
    ("NATIONAL", "CHAR"): "NCHAR",
    ("NCHAR", "VARYING"): "NVARCHAR",
    ("NCHAR", "VARCHAR"): "NVARCHAR",
    ("LONG", "VARCHAR"): "MEDIUMTEXT",
    ("LONG", "VARBINARY"): "MEDIUMBLOB",
}


_SPELLING_STARTS = frozenset(words[0] for words in _TYPE_SPELLINGS)


def _one_word_type(tokens: list[Token]) -> list[Token]:
    """A column definition with a multi-word type spelling (``NATIONAL VARCHAR``) as one word."""
    if (
        len(tokens) < 3
        or tokens[1].kind != "word"
        or tokens[1].text.upper() not in _SPELLING_STARTS
    ):
        return tokens  # the common case: a one-word type, no spelling to look for
    for words, replacement in _TYPE_SPELLINGS.items():
        found = tokens[1 : 1 + len(words)]
        if len(found) == len(words) and all(
            t.is_word(w) for t, w in zip(found, words, strict=True)
        ):
            return [tokens[0], Token("word", replacement, True), *tokens[1 + len(words) :]]
    return tokens


_ELEMENT_STARTS = INDEX_STARTS | CONSTRAINT_STARTS
# The words the loop of ``prepare_element`` acts on (NOT only before ENFORCED or IGNORED).
_REWRITTEN_WORDS = frozenset({"ENFORCED", "IGNORED", "SRID", "PERSISTENT"})


def _may_rewrite(text: str) -> bool:
    """Whether a word of ``_REWRITTEN_WORDS`` can be a token of ``text``: ``str.upper`` maps
    each character on its own, so a word token's upper case is part of the text's."""
    upper = text.upper()
    return any(word in upper for word in _REWRITTEN_WORDS)


def prepare_element(tokens: list[Token], *, may_rewrite: bool = True) -> Element:
    """One body element with IGNORED, [NOT] ENFORCED, SRID and PERSISTENT taken care of.
    ``may_rewrite=False`` says its statement holds none of those words (``_may_rewrite``), so
    the element's tokens need not be searched for them."""
    first = tokens[0] if tokens else None
    is_column = first is not None and (
        first.kind == "qid" or (first.kind == "word" and first.text.upper() not in _ELEMENT_STARTS)
    )
    if is_column:
        tokens = _one_word_type(tokens)
    if not may_rewrite or not any(
        kind == "word" and text.upper() in _REWRITTEN_WORDS for kind, text, _ in tokens
    ):
        return Element(tokens=list(tokens), is_column=is_column)  # nothing to rewrite
    element = Element(tokens=[], is_column=is_column)
    depth = 0
    index = 0
    while index < len(tokens):
        token = tokens[index]
        following = tokens[index + 1] if index + 1 < len(tokens) else None
        if token.kind == "op" and token.text in "()":
            depth += 1 if token.text == "(" else -1
        elif depth == 0 and token.kind == "word":
            upper = token.text.upper()
            if upper == "NOT" and following is not None and following.is_word("ENFORCED"):
                element.not_enforced = True
                index += 2
                continue
            if upper == "ENFORCED":
                index += 1
                continue
            if upper == "NOT" and following is not None and following.is_word("IGNORED"):
                element.tokens.append(Token("word", "VISIBLE", token.space))
                index += 2
                continue
            if upper == "IGNORED" and not is_column:
                element.tokens.append(Token("word", "INVISIBLE", token.space))
                index += 1
                continue
            if upper == "SRID" and is_column and following is not None and following.kind == "num":
                element.srid = int(following.text)
                index += 2
                continue
            if upper == "PERSISTENT" and is_column:
                element.tokens.append(Token("word", "STORED", token.space))
                index += 1
                continue
        element.tokens.append(token)
        index += 1
    return element
