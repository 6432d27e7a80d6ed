"""The ``PARTITION BY`` clause, split off by the pre-pass and modelled as a whole.

Spirit compares and re-emits the clause as one unit.

Per-partition ``ENGINE`` is ignored (MySQL requires every partition to use the table's engine,
so it carries no information, yet SHOW CREATE TABLE always prints it). ``SUBPARTITION BY``,
named subpartitions and partition comments are compared and printed, so they are never lost.
"""

from __future__ import annotations

from dataclasses import replace

from services.planner.expressions import expression_key, level_tokens, restore_text
from services.planner.lexer import (
    Token,
    escape_string,
    matching_paren,
    quote_identifier,
    split_top_level,
    unescape_string,
)
from services.planner.lexer import unquote_identifier as name_of
from services.planner.model import PartitionDef, Partitioning, SubpartitionDef
from services.planner.spirit_level import DEFAULT_LEVEL, LevelRules, rules_for


def parse_partitioning(tokens: list[Token], rules: LevelRules | None = None) -> Partitioning | None:
    """Model ``PARTITION BY ...``; ``None`` for an unpartitioned table."""
    if not tokens:
        return None
    rules = rules or rules_for(DEFAULT_LEVEL)
    tokens = level_tokens(tokens, rules)
    pos = 0

    def word(*words: str) -> bool:
        nonlocal pos
        if pos < len(tokens) and tokens[pos].is_word(*words):
            pos += 1
            return True
        return False

    def parens() -> list[Token]:
        nonlocal pos
        if pos >= len(tokens) or tokens[pos].text != "(":
            raise ValueError("partitioning: expected '('")
        close = matching_paren(tokens, pos)
        inner = tokens[pos + 1 : close]
        pos = close + 1
        return inner

    if not (word("PARTITION") and word("BY")):
        raise ValueError("unsupported text after the table options")
    linear = word("LINEAR")
    if not (pos < len(tokens) and tokens[pos].is_word("RANGE", "LIST", "HASH", "KEY")):
        raise ValueError("partitioning: unsupported method")
    method = tokens[pos].text.upper()
    pos += 1
    if method == "KEY" and word("ALGORITHM"):
        pos += 2  # = n
    if method in ("RANGE", "LIST") and word("COLUMNS"):
        method += " COLUMNS"
    inner = parens()
    expression = expression_k = None
    columns: tuple[str, ...] = ()
    if method in ("KEY", "RANGE COLUMNS", "LIST COLUMNS"):
        columns = tuple(name_of(t) for t in inner if t.text != ",")
    else:
        expression, expression_k = restore_text(inner), expression_key(inner)
    count = None
    if word("PARTITIONS"):
        count = int(tokens[pos].text)
        pos += 1
    subpartition = subpartition_key = None
    if pos < len(tokens) and tokens[pos].is_word("SUBPARTITION"):
        pos, subpartition, subpartition_key = _subpartition(tokens, pos)
    definitions: list[PartitionDef] = []
    if pos < len(tokens) and tokens[pos].text == "(":
        for part in split_top_level(parens()):
            definition = _definition(part)
            if rules.partition_comments:
                definition = _push_comment_down(definition)
            definitions.append(definition)
    if pos != len(tokens):
        raise ValueError(f"partitioning: unsupported clause {tokens[pos].text!r}")
    if definitions:
        count = None
    return Partitioning(
        linear,
        method,
        expression,
        expression_k,
        columns,
        count,
        tuple(definitions),
        subpartition,
        subpartition_key,
    )


def _subpartition(tokens: list[Token], pos: int) -> tuple[int, str, str]:
    """``SUBPARTITION BY [LINEAR] HASH (expr)|KEY (cols) [SUBPARTITIONS n]``: end, text, key."""
    pos += 2  # SUBPARTITION BY
    head = ["SUBPARTITION BY"]
    if tokens[pos].is_word("LINEAR"):
        head.append("LINEAR")
        pos += 1
    method = tokens[pos].text.upper()
    if method not in ("HASH", "KEY"):
        raise ValueError(f"partitioning: unsupported subpartition method {method}")
    pos += 1
    close = matching_paren(tokens, pos)
    inner = tokens[pos + 1 : close]
    pos = close + 1
    if method == "KEY":
        names = [name_of(t) for t in inner if t.text != ","]
        text = key = ", ".join(quote_identifier(n) for n in names)
        key = key.lower()
    else:
        text, key = restore_text(inner), expression_key(inner)
    count = ""
    if pos < len(tokens) and tokens[pos].is_word("SUBPARTITIONS"):
        count = f" SUBPARTITIONS {int(tokens[pos + 1].text)}"
        pos += 2
    prefix = " ".join([*head, method])
    return pos, f"{prefix} ({text}){count}", f"{prefix} ({key}){count}"


def _definition(tokens: list[Token]) -> PartitionDef:
    if len(tokens) < 2 or not tokens[0].is_word("PARTITION"):
        raise ValueError("partitioning: expected PARTITION <name>")
    name = name_of(tokens[1])
    pos = 2
    values = None
    if pos < len(tokens) and tokens[pos].is_word("VALUES"):
        pos += 1
        if tokens[pos].is_word("LESS"):
            pos += 2  # LESS THAN
            if tokens[pos].is_word("MAXVALUE"):
                values = "LESS THAN MAXVALUE"
                pos += 1
            else:
                close = matching_paren(tokens, pos)
                values = f"LESS THAN ({_value_list(tokens[pos + 1 : close])})"
                pos = close + 1
        elif tokens[pos].is_word("IN"):
            close = matching_paren(tokens, pos + 1)
            values = f"IN ({_value_list(tokens[pos + 2 : close])})"
            pos = close + 1
        else:
            raise ValueError("partitioning: unsupported VALUES form")
    pos, comment = _partition_options(tokens, pos, f"partition {name}")
    subpartitions: list[SubpartitionDef] = []
    if pos < len(tokens) and tokens[pos].text == "(":
        close = matching_paren(tokens, pos)
        for part in split_top_level(tokens[pos + 1 : close]):
            subpartitions.append(_subpartition_definition(part))
        pos = close + 1
    if pos != len(tokens):
        raise ValueError(f"partition {name}: unsupported option {tokens[pos].text!r}")
    return PartitionDef(name, values, comment, tuple(subpartitions))


def _partition_options(tokens: list[Token], pos: int, what: str) -> tuple[int, str | None]:
    """Skip ``[STORAGE] ENGINE [=] x``; read ``COMMENT [=] '...'``; stop at ``(`` or the end."""
    comment = None
    while pos < len(tokens) and tokens[pos].text != "(":
        token = tokens[pos]
        if token.is_word("STORAGE"):
            pos += 1
            continue
        if not token.is_word("ENGINE", "COMMENT"):
            raise ValueError(f"{what}: unsupported option {token.text!r}")
        pos += 1
        if pos < len(tokens) and tokens[pos].text == "=":
            pos += 1
        if token.is_word("COMMENT"):
            if tokens[pos].kind != "str":
                raise ValueError(f"{what}: COMMENT expects a quoted string")
            comment = unescape_string(tokens[pos].text) or None
        pos += 1
    return pos, comment


def _subpartition_definition(tokens: list[Token]) -> SubpartitionDef:
    if len(tokens) < 2 or not tokens[0].is_word("SUBPARTITION"):
        raise ValueError("partitioning: expected SUBPARTITION <name>")
    name = name_of(tokens[1])
    pos, comment = _partition_options(tokens, 2, f"subpartition {name}")
    if pos != len(tokens):
        raise ValueError(f"subpartition {name}: unsupported option {tokens[pos].text!r}")
    return SubpartitionDef(name, comment)


def _push_comment_down(definition: PartitionDef) -> PartitionDef:
    """MySQL stores a partition comment on each named subpartition that has none."""
    if definition.comment is None or not definition.subpartitions:
        return definition
    subpartitions = tuple(
        sub if sub.comment is not None else replace(sub, comment=definition.comment)
        for sub in definition.subpartitions
    )
    return replace(definition, comment=None, subpartitions=subpartitions)


def _value_list(tokens: list[Token]) -> str:
    """Values as ``2020`` or ``'US', 'CA'``; MAXVALUE inside parentheses stays."""
    return ", ".join(
        "MAXVALUE" if len(v) == 1 and v[0].is_word("MAXVALUE") else restore_text(v)
        for v in split_top_level(tokens)
    )


def format_partitioning(partitioning: Partitioning, rules: LevelRules) -> str:
    """``PARTITION BY [LINEAR ]<method> (...)[ PARTITIONS n][ (PARTITION `p` VALUES ...)]``."""
    parts = ["PARTITION BY"]
    if partitioning.linear:
        parts.append("LINEAR")
    parts.append(partitioning.method)
    if partitioning.expression is not None:
        parts.append(f"({partitioning.expression})")
    else:
        parts.append("(" + ", ".join(quote_identifier(c) for c in partitioning.columns) + ")")
    if partitioning.count and not partitioning.definitions:
        parts.append(f"PARTITIONS {partitioning.count}")
    if partitioning.subpartition:
        parts.append(partitioning.subpartition)
    if partitioning.definitions:
        rendered = []
        for definition in partitioning.definitions:
            text = f"PARTITION {quote_identifier(definition.name)}"
            if definition.values:
                text += " VALUES " + definition.values
            if rules.partition_comments:
                text += _comment_text(definition.comment)
            if definition.subpartitions:
                subs = [
                    f"SUBPARTITION {quote_identifier(sub.name)}"
                    + (_comment_text(sub.comment) if rules.partition_comments else "")
                    for sub in definition.subpartitions
                ]
                text += " (" + ", ".join(subs) + ")"
            rendered.append(text)
        parts.append("(" + ", ".join(rendered) + ")")
    return " ".join(parts)


def _comment_text(comment: str | None) -> str:
    return f" COMMENT = {escape_string(comment)}" if comment is not None else ""


def partitioning_key(partitioning: Partitioning | None) -> object:
    """What "equal partitioning" compares."""
    if partitioning is None:
        return None
    return (
        partitioning.linear,
        partitioning.method,
        partitioning.expression_key,
        tuple(c.lower() for c in partitioning.columns),
        partitioning.count,
        partitioning.definitions,
        partitioning.subpartition_key,
    )
