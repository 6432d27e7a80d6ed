"""Column type vocabulary: aliases, integer display widths and families."""

from __future__ import annotations

INTEGER_TYPES = frozenset({"tinyint", "smallint", "mediumint", "int", "bigint"})
NUMERIC_TYPES = INTEGER_TYPES | {"decimal", "float", "double", "bit", "year"}
BINARY_TYPES = frozenset({"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"})
CHARSET_TYPES = frozenset(
    {"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set"}
)
TEMPORAL_FSP_TYPES = frozenset({"datetime", "timestamp", "time"})
KNOWN_TYPES = (
    NUMERIC_TYPES
    | BINARY_TYPES
    | CHARSET_TYPES
    | TEMPORAL_FSP_TYPES
    | {
        "date",
        "json",
        "geometry",
        "point",
        "linestring",
        "polygon",
        "multipoint",
        "multilinestring",
        "multipolygon",
        "geometrycollection",
        "inet4",
        "inet6",
        "uuid",
        "vector",
    }
)

ALIASES = {
    "integer": "int",
    "int1": "tinyint",
    "int2": "smallint",
    "int3": "mediumint",
    "int4": "int",
    "int8": "bigint",
    "middleint": "mediumint",
    "real": "double",
    "dec": "decimal",
    "numeric": "decimal",
    "fixed": "decimal",
    "character": "char",
    "nchar": "char",
    "nvarchar": "varchar",
    "float4": "float",
    "float8": "double",
}

# Charset names the server stores under another name (``utf8`` is ``utf8mb3`` since MySQL 8.0.30
# and MariaDB 10.6); a collation starting with an alias is renamed the same way.
CHARSET_ALIASES = {"utf8": "utf8mb3"}

# Types that cannot carry a charset: one written on them is accepted and discarded.
CHARSETLESS_TYPES = frozenset(
    {
        "vector",
        "geometry",
        "point",
        "linestring",
        "polygon",
        "multipoint",
        "multilinestring",
        "multipolygon",
        "geometrycollection",
    }
)


def normalise_charset(name: str) -> str:
    """A charset name as the server stores it (lower case, aliases resolved)."""
    lowered = name.lower()
    return CHARSET_ALIASES.get(lowered, lowered)


def normalise_collation(name: str) -> str:
    """A collation name as the server stores it: ``utf8_bin`` is ``utf8mb3_bin``."""
    lowered = name.lower()
    charset, _, rest = lowered.partition("_")
    if charset in CHARSET_ALIASES and rest:
        return f"{CHARSET_ALIASES[charset]}_{rest}"
    return lowered


ZEROFILL_WIDTHS = {"tinyint": "3", "smallint": "5", "mediumint": "8", "int": "10", "bigint": "20"}


def normalise_args(type_name: str, args: tuple[str, ...], zerofill: bool) -> tuple[str, ...]:
    """Drop or fill in lengths the way SHOW CREATE TABLE prints them."""
    if type_name in INTEGER_TYPES:
        if zerofill:
            return args or (ZEROFILL_WIDTHS[type_name],)
        if type_name == "tinyint" and args == ("1",):
            return args
        return ()
    if type_name == "decimal":
        if not args:
            return ("10", "0")
        return args if len(args) == 2 else (args[0], "0")
    if type_name == "float" and len(args) == 1:
        return ()  # FLOAT(p): MySQL stores float for p <= 24 (double above, see build)
    if type_name in ("char", "binary", "bit") and not args:
        return ("1",)
    if type_name == "year" or (type_name in TEMPORAL_FSP_TYPES and args == ("0",)):
        return ()
    return args


def format_type(type_name: str, args: tuple[str, ...], quote) -> str:
    """``varchar(10)``, ``decimal(12,4)``, ``enum('a','b')`` (no space after commas)."""
    if type_name in ("enum", "set"):
        return f"{type_name}({','.join(quote(value) for value in args)})"
    if args:
        return f"{type_name}({','.join(args)})"
    return type_name
