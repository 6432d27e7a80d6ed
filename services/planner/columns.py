"""Column definitions: type, attributes and defaults, read into ``Column``."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from services.planner.expressions import (
    default_text,
    expression_forms,
    expression_key,
    level_tokens,
)
from services.planner.lexer import unescape_string
from services.planner.lexer import unquote_identifier as name_of
from services.planner.model import Check, Column, Default, Index, KeyPart
from services.planner.prepass import Element
from services.planner.reader import Cursor, Draft, string_literal
from services.planner.spirit_level import LevelRules
from services.planner.types import (
    ALIASES,
    CHARSET_TYPES,
    CHARSETLESS_TYPES,
    KNOWN_TYPES,
    NUMERIC_TYPES,
    normalise_args,
    normalise_charset,
    normalise_collation,
)

VECTOR_DEFAULT_DIMENSION = "2048"  # MySQL's dimension for a VECTOR declared without one
TIMESTAMP_FUNCTIONS = frozenset({"CURRENT_TIMESTAMP", "NOW", "LOCALTIME", "LOCALTIMESTAMP"})


@dataclass(slots=True)
class _ColumnDraft:
    """A column's attributes while its definition is read."""

    fields: dict[str, object]
    nullable: bool | None = None
    unique: bool = False
    binary_attribute: bool = False
    checks: list[Check] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _ColumnShape:
    """What a column definition reads to, apart from its name: the ``Column`` fields but the
    name, whether it declares an inline UNIQUE key, and its inline CHECKs."""

    fields: dict[str, object]
    unique: bool
    checks: tuple[Check, ...]


# Definition (everything after the name, with the rules and what the pre-pass took out) ->
# its shape. Real schemas repeat definitions (``bigint unsigned NOT NULL AUTO_INCREMENT``,
# ``datetime NOT NULL DEFAULT CURRENT_TIMESTAMP``) across tables; reading one is most of a
# table's model building. Emptied when full: the frequent definitions are back at once, and a
# bigger bound measured no faster (2,000 bench statements: 0.45-0.46 ms each with 2,048 or
# 20,000 definitions kept).
_shapes: dict[tuple[object, ...], _ColumnShape] = {}
SHAPES_LIMIT = 4_096


def forget_shapes() -> None:
    """Forget every definition read (``parse.clear_cache``: a process that has read none)."""
    _shapes.clear()


def read_column(element: Element, draft: Draft) -> None:
    """Read one column definition into ``draft`` (inline keys and checks included).

    The reading of a definition does not depend on the column's name (only its error
    messages do), so a definition read before, under the same rules, is not read again.
    """
    tokens = element.tokens
    if not tokens:
        raise ValueError("unexpected end of definition")
    name = name_of(tokens[0])
    key = (draft.rules, element.srid, element.not_enforced, *tokens[1:])
    shape = _shapes.get(key)
    if shape is None:
        shape = _read_shape(name, element, draft.rules)
        if len(_shapes) >= SHAPES_LIMIT:
            _shapes.clear()
        _shapes[key] = shape
    model = Column(name, **shape.fields)  # type: ignore[arg-type]
    draft.columns.append(model)
    if model.primary_key:
        draft.indexes.append(Index("PRIMARY", "PRIMARY", (KeyPart(name),)))
    if shape.unique:
        draft.indexes.append(Index("", "UNIQUE", (KeyPart(name),), inline=True))
    for check in shape.checks:
        draft.column_checks.append((name, check))


def _read_shape(name: str, element: Element, rules: LevelRules) -> _ColumnShape:
    """Read the definition after the name (``name`` is for the error messages)."""
    cur = Cursor(element.tokens, 1)
    column = _ColumnDraft({})
    type_name, args = _column_type(cur, column, name)
    if type_name == "vector":
        if not rules.vector_type:
            raise ValueError(f"column {name}: VECTOR needs Spirit level 2026-08")
        args = args or (VECTOR_DEFAULT_DIMENSION,)
    while not cur.done():
        _column_attribute(cur, column, type_name, element, rules, name)
    fields = column.fields
    if type_name in CHARSETLESS_TYPES:
        fields.pop("charset", None)
        fields.pop("collation", None)
    fields["type"] = type_name
    fields["args"] = normalise_args(type_name, args, bool(fields.get("zerofill")))
    if column.binary_attribute and type_name in CHARSET_TYPES:
        fields["collation"] = f"{fields.get('charset') or '{table}'}_bin"
    if element.srid is not None:
        fields["srid"] = element.srid
    nullable = column.nullable
    fields["nullable"] = not fields.get("primary_key") and nullable in (None, True)
    default = fields.get("default")
    if isinstance(default, Default) and default.kind == "null" and not fields["nullable"]:
        raise ValueError(f"column {name}: DEFAULT NULL on a NOT NULL column")
    return _ColumnShape(fields, column.unique, tuple(column.checks))


def _column_type(cur: Cursor, column: _ColumnDraft, name: str) -> tuple[str, tuple[str, ...]]:
    """The normalised type name and raw arguments; aliases (BOOL, SERIAL...) resolved."""
    token = cur.take()
    if token.kind != "word":
        raise ValueError(f"column {name}: missing type")
    raw_type = token.text.lower()
    if raw_type == "double":
        cur.take_word("PRECISION")
    if raw_type in ("char", "character") and cur.take_word("VARYING"):
        raw_type = "varchar"  # CHARACTER VARYING, CHAR VARYING
    if raw_type in ("nchar", "nvarchar"):
        column.fields["charset"] = "utf8mb3"  # the national character set
    if raw_type == "long":
        raw_type = "mediumtext"
    args: tuple[str, ...] = ()
    if cur.at_op("("):
        args = tuple(
            unescape_string(t.text) if t.kind == "str" else t.text
            for t in cur.take_parens()
            if not (t.kind == "op" and t.text == ",")
        )
    if raw_type in ("bool", "boolean"):
        return "tinyint", ("1",)
    if raw_type == "serial":
        column.fields.update(unsigned=True, auto_increment=True)
        column.nullable = False
        column.unique = True
        return "bigint", ()
    type_name = ALIASES.get(raw_type, raw_type)
    if type_name == "float" and len(args) == 1 and args[0].isdigit() and int(args[0]) > 24:
        type_name = "double"
    if type_name not in KNOWN_TYPES:
        raise ValueError(f"column {name}: unknown type {raw_type!r}")
    return type_name, args


def _column_attribute(
    cur: Cursor,
    column: _ColumnDraft,
    type_name: str,
    element: Element,
    rules: LevelRules,
    name: str,
) -> None:
    """Read one column attribute (NOT NULL, DEFAULT, COMMENT, ...) into ``column``."""
    fields = column.fields
    token = cur.take()
    upper = token.upper
    if upper in ("UNSIGNED", "SIGNED"):
        fields["unsigned"] = upper == "UNSIGNED"
    elif upper == "ZEROFILL":
        fields.update(zerofill=True, unsigned=True)
    elif upper == "BINARY":
        column.binary_attribute = True
    elif upper in ("CHARSET", "CHARACTER"):
        if upper == "CHARACTER":
            cur.expect_word("SET")
        fields["charset"] = normalise_charset(name_of(cur.take()))
    elif upper == "COLLATE":
        fields["collation"] = normalise_collation(name_of(cur.take()))
    elif upper == "NOT":
        cur.expect_word("NULL")
        column.nullable = False
    elif upper == "NULL":
        column.nullable = True
    elif upper == "DEFAULT":
        fields["default"] = _default(cur, type_name, rules)
    elif upper == "ON":
        cur.expect_word("UPDATE")
        fields["on_update"] = _timestamp_function(cur, "ON UPDATE")
    elif upper == "AUTO_INCREMENT":
        fields["auto_increment"] = True
    elif upper == "COMMENT":
        # An empty comment is no comment: SHOW CREATE TABLE never prints COMMENT ''.
        fields["comment"] = unescape_string(string_literal(cur, "COMMENT")) or None
    elif upper in ("GENERATED", "AS"):
        if upper == "GENERATED":
            cur.expect_word("ALWAYS")
            cur.expect_word("AS")
        inner = cur.take_parens()
        text, key = expression_forms(inner, rules)
        fields.update(generated=text, generated_key=key)
        fields["stored"] = cur.take_word("STORED")
        if not fields["stored"]:
            cur.take_word("VIRTUAL")
    elif upper in ("PRIMARY", "KEY"):
        if upper == "PRIMARY":
            cur.expect_word("KEY")
        fields["primary_key"] = True
    elif upper == "UNIQUE":
        cur.take_word("KEY")
        column.unique = True
    elif upper == "CHECK":
        inner = cur.take_parens()
        text, key = expression_forms(inner, rules)
        column.checks.append(Check("", text, key, not element.not_enforced))
    elif upper not in ("INVISIBLE", "VISIBLE"):
        raise ValueError(f"column {name}: unsupported attribute {token.text!r}")


def _timestamp_function(cur: Cursor, what: str) -> str:
    token = cur.take()
    if not token.is_word(*TIMESTAMP_FUNCTIONS):
        raise ValueError(f"{what} {token.text!r} is not supported")
    precision = ""
    if cur.at_op("("):
        inner = cur.take_parens()
        if inner:
            precision = f"({inner[0].text})"
    return f"current_timestamp{precision}"


def _numeric_key(text: str) -> str | None:
    try:
        return "num:" + format(Decimal(text).normalize(), "f")
    except InvalidOperation:
        return None


def _default(cur: Cursor, type_name: str, rules: LevelRules) -> Default:
    token = cur.peek()
    if token is None:
        raise ValueError("DEFAULT without a value")
    numeric = type_name in NUMERIC_TYPES
    if token.kind == "word" and token.text.startswith("_"):
        cur.take()
        token = cur.peek()
    if token is None:
        raise ValueError("DEFAULT without a value")
    if token.kind == "str":
        cur.take()
        value = unescape_string(token.text)
        key = (_numeric_key(value) if numeric else None) or f"str:{value}"
        return Default("string", value, key)
    if token.kind == "op" and token.text in "-+":
        cur.take()
        number = cur.take()
        text = ("-" if token.text == "-" else "") + number.text
        return Default("literal", text, _numeric_key(text) or f"lit:{text}")
    if token.kind == "num":
        cur.take()
        key = (_numeric_key(token.text) if numeric else None) or f"lit:{token.text}"
        return Default("literal", token.text, key)
    if token.kind == "op" and token.text == "(":
        inner = cur.take_parens()
        if len(inner) == 1 and inner[0].kind in ("str", "num"):
            literal = inner[0].text
            return Default("expr", literal, f"expr:{literal}")
        if inner and inner[0].is_word(*TIMESTAMP_FUNCTIONS):
            sub = Cursor(inner)
            text = _timestamp_function(sub, "DEFAULT")
            return Default("timestamp", text, f"ts:{text}")
        inner = level_tokens(inner, rules)
        return Default("expr", default_text(inner), f"expr:{expression_key(inner)}")
    if token.kind == "word":
        upper = token.text.upper()
        following = cur.peek(1)
        if upper in ("TRUE", "FALSE"):
            cur.take()
            return Default("literal", upper, "num:1" if upper == "TRUE" else "num:0")
        if upper == "NULL":
            cur.take()
            return Default("null", "NULL", "null")
        if upper in TIMESTAMP_FUNCTIONS:
            text = _timestamp_function(cur, "DEFAULT")
            return Default("timestamp", text, f"ts:{text}")
        if upper in ("B", "X") and following is not None and following.kind == "str":
            cur.take()
            cur.take()
            digits = unescape_string(following.text)
            literal = f"{upper.lower()}'{digits}'"
            try:
                value = int(digits or "0", 2 if upper == "B" else 16)
                key = f"num:{value}" if upper == "B" else f"hex:{digits.lower()}"
            except ValueError:
                key = f"lit:{literal}"
            return Default("literal", literal, key)
        if following is not None and following.kind == "op" and following.text == "(":
            start = cur.pos
            cur.take()
            cur.take_parens()
            call = level_tokens(cur.tokens[start : cur.pos], rules)
            return Default("expr", default_text(call), f"expr:{expression_key(call)}")
    raise ValueError(f"unsupported DEFAULT value {token.text!r}")
