"""Build the normalised ``Table`` model from a pre-passed CREATE TABLE statement.

The element grammar follows MySQL's CREATE TABLE; anything not understood raises
``ValueError`` naming the construct, so an unknown clause is never silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation

from services.planner.api import Flavour
from services.planner.expressions import default_text, expression_key, restore_text
from services.planner.lexer import Token, matching_paren, split_top_level, unescape_string
from services.planner.lexer import unquote_identifier as name_of
from services.planner.model import (
    Check,
    Column,
    Default,
    ForeignKey,
    Index,
    KeyPart,
    Options,
    Table,
)
from services.planner.partition import parse_partitioning
from services.planner.prepass import Element, PreparedCreate
from services.planner.types import (
    ALIASES,
    CHARSET_TYPES,
    KNOWN_TYPES,
    NUMERIC_TYPES,
    normalise_args,
)

TIMESTAMP_FUNCTIONS = frozenset({"CURRENT_TIMESTAMP", "NOW", "LOCALTIME", "LOCALTIMESTAMP"})
IGNORED_TABLE_OPTIONS = frozenset(
    {
        "KEY_BLOCK_SIZE",
        "STATS_PERSISTENT",
        "STATS_AUTO_RECALC",
        "ENCRYPTION",
        "COMPRESSION",
        "PAGE_COMPRESSED",
        "PAGE_COMPRESSION_LEVEL",
        "AUTO_INCREMENT",
    }
)
FK_ACTIONS = ("RESTRICT", "CASCADE", "SET NULL", "NO ACTION", "SET DEFAULT")


@dataclass(slots=True)
class _Cursor:
    """A read position over one element's tokens."""

    tokens: list[Token]
    pos: int = 0

    def peek(self, offset: int = 0) -> Token | None:
        index = self.pos + offset
        return self.tokens[index] if index < len(self.tokens) else None

    def at_word(self, *words: str) -> bool:
        token = self.peek()
        return token is not None and token.is_word(*words)

    def at_op(self, text: str) -> bool:
        token = self.peek()
        return token is not None and token.kind == "op" and token.text == text

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise ValueError("unexpected end of definition")
        self.pos += 1
        return token

    def take_word(self, *words: str) -> bool:
        if self.at_word(*words):
            self.pos += 1
            return True
        return False

    def expect_word(self, word: str) -> None:
        if not self.take_word(word):
            found = self.peek()
            raise ValueError(f"expected {word}, found {found.text if found else 'end'!r}")

    def skip_equals(self) -> None:
        if self.at_op("="):
            self.pos += 1

    def take_parens(self) -> list[Token]:
        """The tokens inside the parenthesised group at the cursor."""
        if not self.at_op("("):
            found = self.peek()
            raise ValueError(f"expected '(', found {found.text if found else 'end'!r}")
        close = matching_paren(self.tokens, self.pos)
        if close < 0:
            raise ValueError("unbalanced parentheses")
        inner = self.tokens[self.pos + 1 : close]
        self.pos = close + 1
        return inner

    def done(self) -> bool:
        return self.pos >= len(self.tokens)


@dataclass(slots=True)
class _Draft:
    """Collected definitions before names are assigned and normalisations applied."""

    columns: list[Column] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)  # name "" = unnamed
    column_checks: list[tuple[str, Check]] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)


def build_table(prepared: PreparedCreate, flavour: Flavour) -> Table:
    """The normalised model of a pre-passed statement."""
    draft = _Draft()
    for element in prepared.elements:
        if element.is_column:
            _column(element, draft)
        else:
            _table_element(element, draft)
    options = _options(prepared.option_tokens)
    columns = _inherit_column_charsets(draft.columns, options)
    if flavour is Flavour.MARIADB:
        columns = _mariadb_column_checks(_mariadb_json(columns, draft), draft)
    checks = _name_checks(prepared.table, draft)
    indexes = _name_indexes(draft.indexes)
    primary = next((index for index in indexes if index.kind == "PRIMARY"), None)
    if primary is not None:
        pk_columns = {part.column.lower() for part in primary.parts if part.column}
        columns = [
            replace(column, nullable=False) if column.name.lower() in pk_columns else column
            for column in columns
        ]
    _validate(prepared.table, columns, indexes)
    if flavour is Flavour.MARIADB and any(
        part.expression is not None for index in indexes for part in index.parts
    ):
        raise ValueError("functional index key parts are not supported by MariaDB 10.11")
    return Table(
        name=prepared.table,
        flavour=flavour,
        columns=tuple(columns),
        indexes=tuple(indexes),
        checks=tuple(checks),
        foreign_keys=tuple(draft.foreign_keys),
        options=options,
        partitioning=parse_partitioning(prepared.partition_tokens),
    )


# --- columns -------------------------------------------------------------------------------


@dataclass(slots=True)
class _ColumnDraft:
    """A column's attributes while its definition is read."""

    fields: dict[str, object]
    nullable: bool | None = None
    unique: bool = False
    binary_attribute: bool = False


def _column(element: Element, draft: _Draft) -> None:
    cur = _Cursor(element.tokens)
    name = name_of(cur.take())
    column = _ColumnDraft({"name": name})
    type_name, args = _column_type(cur, column)
    while not cur.done():
        _column_attribute(cur, column, type_name, element, draft)
    fields = column.fields
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
    model = Column(**fields)  # type: ignore[arg-type]
    draft.columns.append(model)
    if model.primary_key:
        draft.indexes.append(Index("PRIMARY", "PRIMARY", (KeyPart(name),)))
    if column.unique:
        draft.indexes.append(Index("", "UNIQUE", (KeyPart(name),), inline=True))


def _column_type(cur: _Cursor, column: _ColumnDraft) -> tuple[str, tuple[str, ...]]:
    """The normalised type name and raw arguments; aliases (BOOL, SERIAL...) resolved."""
    name = column.fields["name"]
    token = cur.take()
    if token.kind != "word":
        raise ValueError(f"column {name}: missing type")
    raw_type = token.text.lower()
    if raw_type == "national":
        column.fields["charset"] = "utf8mb3"
        raw_type = cur.take().text.lower()
    if raw_type == "double":
        cur.take_word("PRECISION")
    if raw_type == "long":
        raw_type = "mediumtext"
        cur.take_word("VARCHAR")
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
    cur: _Cursor, column: _ColumnDraft, type_name: str, element: Element, draft: _Draft
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
        fields["charset"] = name_of(cur.take()).lower()
    elif upper == "COLLATE":
        fields["collation"] = name_of(cur.take()).lower()
    elif upper == "NOT":
        cur.expect_word("NULL")
        column.nullable = False
    elif upper == "NULL":
        column.nullable = True
    elif upper == "DEFAULT":
        fields["default"] = _default(cur, type_name)
    elif upper == "ON":
        cur.expect_word("UPDATE")
        fields["on_update"] = _timestamp_function(cur, "ON UPDATE")
    elif upper == "AUTO_INCREMENT":
        fields["auto_increment"] = True
    elif upper == "COMMENT":
        # An empty comment is no comment: SHOW CREATE TABLE never prints COMMENT ''.
        fields["comment"] = unescape_string(_string(cur, "COMMENT")) or None
    elif upper in ("GENERATED", "AS"):
        if upper == "GENERATED":
            cur.expect_word("ALWAYS")
            cur.expect_word("AS")
        inner = cur.take_parens()
        fields.update(generated=restore_text(inner), generated_key=expression_key(inner))
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
        check = Check("", restore_text(inner), expression_key(inner), not element.not_enforced)
        draft.column_checks.append((str(fields["name"]), check))
    elif upper not in ("INVISIBLE", "VISIBLE"):
        raise ValueError(f"column {fields['name']}: unsupported attribute {token.text!r}")


def _string(cur: _Cursor, what: str) -> str:
    cur.skip_equals()
    token = cur.take()
    if token.kind != "str":
        raise ValueError(f"{what} expects a quoted string, found {token.text!r}")
    return token.text


def _timestamp_function(cur: _Cursor, what: str) -> str:
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


def _default(cur: _Cursor, type_name: str) -> Default:
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
            sub = _Cursor(inner)
            text = _timestamp_function(sub, "DEFAULT")
            return Default("timestamp", text, f"ts:{text}")
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
            call = cur.tokens[start : cur.pos]
            return Default("expr", default_text(call), f"expr:{expression_key(call)}")
    raise ValueError(f"unsupported DEFAULT value {token.text!r}")


# --- indexes and constraints ---------------------------------------------------------------


def _table_element(element: Element, draft: _Draft) -> None:
    cur = _Cursor(element.tokens)
    constraint_name = ""
    if cur.take_word("CONSTRAINT"):
        token = cur.peek()
        if token is not None and not token.is_word("PRIMARY", "UNIQUE", "CHECK", "FOREIGN"):
            constraint_name = name_of(cur.take())
    if cur.take_word("CHECK"):
        inner = cur.take_parens()
        if not cur.done():
            raise ValueError(f"unsupported CHECK option {cur.peek().text!r}")  # type: ignore[union-attr]
        draft.checks.append(
            Check(
                constraint_name,
                restore_text(inner),
                expression_key(inner),
                not element.not_enforced,
            )
        )
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
    parts = _key_parts(cur.take_parens())
    index = _index_options(cur, Index(name, kind, parts, using=using))
    draft.indexes.append(index)


def _key_parts(tokens: list[Token]) -> tuple[KeyPart, ...]:
    parts: list[KeyPart] = []
    for part_tokens in split_top_level(tokens):
        cur = _Cursor(part_tokens)
        if cur.at_op("("):
            inner = cur.take_parens()
            part = KeyPart(None, f"({restore_text(inner)})", expression_key(inner))
        else:
            column = name_of(cur.take())
            length = None
            if cur.at_op("("):
                inner = cur.take_parens()
                length = int(inner[0].text)
            part = KeyPart(column, length=length)
        if cur.take_word("DESC"):
            part = replace(part, desc=True)
        else:
            cur.take_word("ASC")
        if not cur.done():
            raise ValueError(f"unsupported key part {cur.peek().text!r}")  # type: ignore[union-attr]
        parts.append(part)
    if not parts:
        raise ValueError("index without key parts")
    return tuple(parts)


def _index_options(cur: _Cursor, index: Index) -> Index:
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
            index = replace(index, comment=unescape_string(_string(cur, "COMMENT")) or None)
        elif upper == "INVISIBLE":
            index = replace(index, visible=False)
        elif upper == "VISIBLE":
            index = replace(index, visible=True)
        else:
            raise ValueError(
                f"index {index.name or '(unnamed)'}: unsupported option {token.text!r}"
            )
    return index


def _foreign_key(cur: _Cursor, name: str) -> ForeignKey:
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


# --- table options -------------------------------------------------------------------------


def _options(tokens: list[Token]) -> Options:
    cur = _Cursor(tokens)
    values: dict[str, str] = {}
    while not cur.done():
        token = cur.take()
        if token.kind == "op" and token.text == ",":
            continue
        upper = token.upper
        if upper == "DEFAULT":
            continue
        if upper == "CHARACTER":
            cur.expect_word("SET")
            upper = "CHARSET"
        if upper in ("CHARSET", "COLLATE", "ENGINE", "ROW_FORMAT"):
            cur.skip_equals()
            value = name_of(cur.take())
            values[upper] = value.lower() if upper in ("CHARSET", "COLLATE") else value
        elif upper == "COMMENT":
            values["COMMENT"] = unescape_string(_string(cur, "COMMENT"))
        elif upper in IGNORED_TABLE_OPTIONS:
            cur.skip_equals()
            cur.take()
        else:
            raise ValueError(f"unsupported table option {token.text!r}")
    return Options(
        engine=values.get("ENGINE"),
        charset=values.get("CHARSET"),
        collation=values.get("COLLATE"),
        comment=values.get("COMMENT"),
        row_format=values.get("ROW_FORMAT"),
    )


# --- normalisation -------------------------------------------------------------------------


def _inherit_column_charsets(columns: list[Column], options: Options) -> list[Column]:
    """Resolve the ``BINARY`` attribute's ``<charset>_bin`` against the table charset."""
    out = []
    for column in columns:
        if column.collation and column.collation.startswith("{table}"):
            charset = options.charset or "utf8mb4"
            column = replace(column, collation=f"{charset}_bin")
        out.append(column)
    return out


def _mariadb_json(columns: list[Column], draft: _Draft) -> list[Column]:
    """MariaDB stores JSON as ``longtext COLLATE utf8mb4_bin CHECK (json_valid(c))``."""
    out = []
    for column in columns:
        if column.type == "longtext" and column.collation == "utf8mb4_bin":
            json_check = f"JSON_VALID(`{column.name.lower()}`)"
            found = next(
                (
                    pair
                    for pair in draft.column_checks
                    if pair[0] == column.name and pair[1].key == json_check
                ),
                None,
            )
            if found is not None:
                draft.column_checks.remove(found)
                column = replace(column, type="json", charset=None, collation=None)
        out.append(column)
    return out


def _mariadb_column_checks(columns: list[Column], draft: _Draft) -> list[Column]:
    """MariaDB keeps a column-level CHECK on its column, unnamed, so it stays there."""
    by_column: dict[str, Check] = {}
    for column_name, check in draft.column_checks:
        if column_name.lower() in by_column:
            raise ValueError(f"column {column_name}: more than one CHECK")
        by_column[column_name.lower()] = check
    draft.column_checks.clear()
    out = []
    for column in columns:
        check = by_column.get(column.name.lower())
        if check is not None:
            column = replace(column, check=check.expression, check_key=check.key)
        out.append(column)
    return out


def _name_checks(table: str, draft: _Draft) -> list[Check]:
    checks = list(draft.checks)
    for number, (_, check) in enumerate(draft.column_checks, start=1):
        checks.append(replace(check, name=f"{table}_chk_{number}"))
    return checks


def _name_indexes(indexes: list[Index]) -> list[Index]:
    """Give unnamed indexes MySQL's default name: first column, then ``_2``, ``_3``..."""
    used = {index.name for index in indexes if index.name}
    if len([index for index in indexes if index.kind == "PRIMARY"]) > 1:
        raise ValueError("more than one PRIMARY KEY")
    out = []
    for index in indexes:
        if not index.name:
            first = index.parts[0]
            base = first.column if first.column is not None else "functional_index"
            name = base
            suffix = 2
            while name in used:
                name = f"{base}_{suffix}"
                suffix += 1
            used.add(name)
            index = replace(index, name=name)
        out.append(index)
    return out


def _validate(table: str, columns: list[Column], indexes: list[Index]) -> None:
    """Spirit's ``ValidateCreateTable``: no duplicate column; indexed columns exist."""
    seen: set[str] = set()
    for column in columns:
        lowered = column.name.lower()
        if lowered in seen:
            raise ValueError(f"duplicate column {column.name!r}")
        seen.add(lowered)
    if not columns:
        raise ValueError("table has no columns")
    for index in indexes:
        for part in index.parts:
            if part.column is not None and part.column.lower() not in seen:
                raise ValueError(f"index {index.name!r} uses unknown column {part.column!r}")


def parse_column_definition(element: Element) -> tuple[Column, list[Index], list[Check]]:
    """One column definition on its own (used for ALTER clauses): column, inline keys, checks."""
    draft = _Draft()
    _column(element, draft)
    column = draft.columns[0]
    return column, draft.indexes, [check for _, check in draft.column_checks]


def parse_table_element(element: Element) -> Index | Check | ForeignKey:
    """One index or constraint definition on its own (used for ALTER ``ADD`` clauses)."""
    draft = _Draft()
    _table_element(element, draft)
    found: list[Index | Check | ForeignKey] = [*draft.indexes, *draft.checks, *draft.foreign_keys]
    return found[0]
