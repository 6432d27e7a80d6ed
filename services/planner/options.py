"""Table options after the body: what Spirit compares, what it ignores, what we refuse."""

from __future__ import annotations

from services.planner.lexer import Token, unescape_string
from services.planner.lexer import unquote_identifier as name_of
from services.planner.model import Options
from services.planner.reader import Cursor, string_literal
from services.planner.types import normalise_charset, normalise_collation

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


def read_options(tokens: list[Token]) -> Options:
    """The table options; unknown ones raise ``ValueError`` (fail closed)."""
    cur = Cursor(tokens)
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
            if upper == "CHARSET":
                value = normalise_charset(value)
            elif upper == "COLLATE":
                value = normalise_collation(value)
            values[upper] = value
        elif upper == "COMMENT":
            values["COMMENT"] = unescape_string(string_literal(cur, "COMMENT"))
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
