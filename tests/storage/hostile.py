"""Turn a freshly initialised storage into one without SchemaBot's constraints.

SchemaBot's tables carry NOT NULL columns and unique indexes; storage created another way may
lack them, and then holds rows SchemaBot never writes (a NULL deployment, two ``locks`` rows
for one database, two applies with one identifier). These helpers drop one constraint so a
test can insert such a row through ordinary SQL. MariaDB and PostgreSQL alter the table in
place; SQLite cannot, so the table is rebuilt from its own CREATE text with the constraint
edited out.
"""

from __future__ import annotations

import re

from sqlalchemy import Connection, text


def allow_null(conn: Connection, table: str, column: str) -> None:
    """Drop the NOT NULL of ``table.column``."""
    if conn.dialect.name == "sqlite":
        pattern = rf"(\n\s*{re.escape(column)} [^\n]*?) NOT NULL"
        _sqlite_rebuild(conn, table, lambda sql: re.sub(pattern, r"\1", sql, count=1))
        return
    if conn.dialect.name == "postgresql":
        conn.execute(text(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" DROP NOT NULL'))
        return
    column_type = conn.execute(
        text(
            "SELECT COLUMN_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
            "AND TABLE_NAME = :t AND COLUMN_NAME = :c"
        ),
        {"t": table, "c": column},
    ).scalar_one()
    conn.execute(text(f"ALTER TABLE `{table}` MODIFY `{column}` {column_type} NULL"))


def drop_unique(conn: Connection, table: str, name: str) -> None:
    """Drop the unique index (SQLite: table constraint) ``name`` of ``table``."""
    if conn.dialect.name == "sqlite":
        pattern = rf",\s*CONSTRAINT {re.escape(name)} UNIQUE \([^)]*\)"
        _sqlite_rebuild(conn, table, lambda sql: re.sub(pattern, "", sql, count=1))
        return
    conn.execute(text(f"ALTER TABLE `{table}` DROP INDEX `{name}`"))


def _sqlite_rebuild(conn: Connection, table: str, edit) -> None:
    create = conn.execute(
        text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"), {"t": table}
    ).scalar_one()
    edited = edit(create)
    assert edited != create, f"nothing to drop in {table}"
    conn.execute(text(f'ALTER TABLE "{table}" RENAME TO "{table}_before"'))
    conn.execute(text(edited))
    conn.execute(text(f'INSERT INTO "{table}" SELECT * FROM "{table}_before"'))
    conn.execute(text(f'DROP TABLE "{table}_before"'))
