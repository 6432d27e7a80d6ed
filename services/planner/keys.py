"""Index, CHECK and FOREIGN KEY definitions of a CREATE TABLE body, as Spirit reads them."""

from __future__ import annotations

from dataclasses import replace

from services.planner.expressions import (
    expression_forms,
    expression_key,
    level_tokens,
    restore_text,
)
from services.planner.lexer import Token, split_top_level, unescape_string
from services.planner.lexer import unquote_identifier as name_of
from services.planner.model import Check, ForeignKey, Index, KeyPart
from services.planner.prepass import Element
from services.planner.reader import Cursor, Draft, string_literal

FK_ACTIONS = ("RESTRICT", "CASCADE", "SET NULL", "NO ACTION", "SET DEFAULT")


def read_table_element(element: Element, draft: Draft) -> None:
    """Read one index or constraint definition into ``draft``."""
    cur = Cursor(element.tokens)
    constraint_name = ""
    if cur.take_word("CONSTRAINT"):
        token = cur.peek()
        if token is not None and not token.is_word("PRIMARY", "UNIQUE", "CHECK", "FOREIGN"):
            constraint_name = name_of(cur.take())
    if cur.take_word("CHECK"):
        inner = cur.take_parens()
        if not cur.done():
            raise ValueError(f"unsupported CHECK option {cur.peek().text!r}")  # type: ignore[union-attr]
        text, key = expression_forms(inner, draft.rules)
        draft.checks.append(Check(constraint_name, text, key, not element.not_enforced))
        return
    if cur.take_word("FOREIGN"):
        cur.expect_word("KEY")
        if not cur.at_op("("):
            name = name_of(cur.take())
            constraint_name = constraint_name or name
        draft.foreign_keys.append(_foreign_key(cur, constraint_name))
        return
    kind = ""
    if cur.take_word("PRIMARY"):
        cur.expect_word("KEY")
        kind = "PRIMARY"
    elif cur.take_word("UNIQUE"):
        cur.take_word("KEY", "INDEX")
        kind = "UNIQUE"
    elif cur.take_word("FULLTEXT", "SPATIAL"):
        kind = cur.tokens[cur.pos - 1].text.upper()
        cur.take_word("KEY", "INDEX")
    elif not cur.take_word("KEY", "INDEX"):
        raise ValueError(f"unsupported table element starting {element.tokens[0].text!r}")
    name = "PRIMARY" if kind == "PRIMARY" else constraint_name
    using = None
    if not cur.at_op("(") and not cur.at_word("USING"):
        index_name = name_of(cur.take())
        if kind != "PRIMARY":
            name = index_name
    if cur.take_word("USING"):
        using = cur.take().text.upper()
    parts = _key_parts(cur.take_parens(), draft)
    index = _index_options(cur, Index(name, kind, parts, using=using))
    draft.indexes.append(index)


def _key_parts(tokens: list[Token], draft: Draft) -> tuple[KeyPart, ...]:
    parts: list[KeyPart] = []
    for part_tokens in split_top_level(tokens):
        cur = Cursor(part_tokens)
        column = expression = key = None
        length = None
        if cur.at_op("("):
            inner = level_tokens(cur.take_parens(), draft.rules)
            expression, key = f"({restore_text(inner)})", expression_key(inner)
        else:
            column = name_of(cur.take())
            if cur.at_op("("):
                inner = cur.take_parens()
                length = int(inner[0].text)
        desc = cur.take_word("DESC")
        if not desc:
            cur.take_word("ASC")
        if not cur.done():
            raise ValueError(f"unsupported key part {cur.peek().text!r}")  # type: ignore[union-attr]
        parts.append(KeyPart(column, expression, key, length, desc))
    if not parts:
        raise ValueError("index without key parts")
    return tuple(parts)


def _index_options(cur: Cursor, index: Index) -> Index:
    while not cur.done():
        token = cur.take()
        upper = token.upper
        if upper == "USING":
            index = replace(index, using=cur.take().text.upper())
        elif upper == "KEY_BLOCK_SIZE":
            cur.skip_equals()
            index = replace(index, key_block_size=int(cur.take().text))
        elif upper == "WITH":
            cur.expect_word("PARSER")
            index = replace(index, parser=name_of(cur.take()))
        elif upper == "COMMENT":
            index = replace(index, comment=unescape_string(string_literal(cur, "COMMENT")) or None)
        elif upper == "INVISIBLE":
            index = replace(index, visible=False)
        elif upper == "VISIBLE":
            index = replace(index, visible=True)
        else:
            raise ValueError(
                f"index {index.name or '(unnamed)'}: unsupported option {token.text!r}"
            )
    return index


def _foreign_key(cur: Cursor, name: str) -> ForeignKey:
    columns = tuple(name_of(t) for t in cur.take_parens() if t.text != ",")
    cur.expect_word("REFERENCES")
    ref = name_of(cur.take())
    if cur.at_op("."):
        cur.take()
        ref = name_of(cur.take())
    ref_columns = tuple(name_of(t) for t in cur.take_parens() if t.text != ",")
    actions: dict[str, str] = {}
    while not cur.done():
        if cur.take_word("MATCH"):
            cur.take()
            continue
        cur.expect_word("ON")
        event = cur.take().text.upper()
        if event not in ("DELETE", "UPDATE"):
            raise ValueError(f"foreign key {name}: unsupported ON {event}")
        first = cur.take().text.upper()
        action = first
        if first in ("SET", "NO"):
            action = f"{first} {cur.take().text.upper()}"
        if action not in FK_ACTIONS:
            raise ValueError(f"foreign key {name}: unsupported action {action}")
        actions[event] = action
    return ForeignKey(name, columns, ref, ref_columns, actions.get("DELETE"), actions.get("UPDATE"))
