"""Spirit's clause text, byte for byte: column definitions, index and constraint clauses."""

from __future__ import annotations

from services.planner.lexer import escape_string, quote_identifier
from services.planner.model import Check, Column, ForeignKey, Index
from services.planner.types import BINARY_TYPES, format_type

_INDEX_KEYWORDS = {
    "PRIMARY": "ADD PRIMARY KEY",
    "UNIQUE": "ADD UNIQUE INDEX",
    "FULLTEXT": "ADD FULLTEXT INDEX",
    "SPATIAL": "ADD SPATIAL INDEX",
    "": "ADD INDEX",
}


def format_column(column: Column, *, mariadb: bool = False) -> str:
    """Spirit's column definition: name, type, attributes, NULL|NOT NULL, DEFAULT, ... in order."""
    parts = [quote_identifier(column.name), format_type(column.type, column.args, escape_string)]
    if column.unsigned:
        parts.append("unsigned")
    if column.zerofill:
        parts.append("zerofill")
    if column.type not in BINARY_TYPES and column.type != "json":
        if column.charset:
            parts.append(f"CHARACTER SET {column.charset}")
        if column.collation:
            parts.append(f"COLLATE {column.collation}")
    if column.generated is not None:
        storage = "STORED" if column.stored else "VIRTUAL"
        parts.append(f"GENERATED ALWAYS AS ({column.generated}) {storage}")
    if not (mariadb and column.generated is not None):
        # MariaDB rejects NULL / NOT NULL on generated columns.
        parts.append("NULL" if column.nullable else "NOT NULL")
    if column.srid is not None:
        parts.append(f"SRID {column.srid}")
    if column.default is not None and column.generated is None:
        default = column.default
        if default.kind == "string":
            parts.append(f"DEFAULT {escape_string(default.text)}")
        elif default.kind == "expr":
            parts.append(f"DEFAULT ({default.text})")
        else:
            parts.append(f"DEFAULT {default.text}")
    if column.on_update is not None:
        parts.append(f"ON UPDATE {column.on_update}")
    if column.auto_increment:
        parts.append("AUTO_INCREMENT")
    if column.comment is not None:
        parts.append(f"COMMENT {escape_string(column.comment)}")
    if column.check is not None:
        parts.append(f"CHECK ({column.check})")
    return " ".join(parts)


def format_add_index(index: Index, *, mariadb: bool = False) -> str:
    """``ADD [UNIQUE|FULLTEXT|SPATIAL ]INDEX `n` (parts)[ USING ..][ KEY_BLOCK_SIZE=..]...``."""
    keyword = _INDEX_KEYWORDS[index.kind]
    if index.kind != "PRIMARY":
        keyword += " " + quote_identifier(index.name)
    parts = []
    for part in index.parts:
        if part.expression is not None:
            text = part.expression
        else:
            text = quote_identifier(part.column or "")
            if part.length is not None:
                text += f"({part.length})"
        if part.desc:
            text += " DESC"
        parts.append(text)
    clause = f"{keyword} ({', '.join(parts)})"
    if index.using:
        clause += f" USING {index.using}"
    if index.key_block_size is not None:
        clause += f" KEY_BLOCK_SIZE={index.key_block_size}"
    if index.parser:
        clause += f" WITH PARSER {index.parser}"
    if index.comment is not None:
        clause += f" COMMENT {escape_string(index.comment)}"
    if not index.visible:
        clause += " IGNORED" if mariadb else " INVISIBLE"
    return clause


def format_add_check(check: Check, *, mariadb: bool) -> str:
    if check.name:
        clause = f"ADD CONSTRAINT {quote_identifier(check.name)} CHECK ({check.expression})"
    else:
        clause = f"ADD CHECK ({check.expression})"
    if not check.enforced and not mariadb:
        clause += " NOT ENFORCED"
    return clause


def format_add_foreign_key(fk: ForeignKey) -> str:
    columns = ", ".join(quote_identifier(c) for c in fk.columns)
    ref_columns = ", ".join(quote_identifier(c) for c in fk.ref_columns)
    head = f"ADD CONSTRAINT {quote_identifier(fk.name)} " if fk.name else "ADD "
    clause = (
        f"{head}FOREIGN KEY ({columns}) REFERENCES {quote_identifier(fk.ref_table)} ({ref_columns})"
    )
    if fk.on_delete:
        clause += f" ON DELETE {fk.on_delete}"
    if fk.on_update:
        clause += f" ON UPDATE {fk.on_update}"
    return clause
