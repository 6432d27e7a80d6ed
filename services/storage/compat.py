"""Read-only check that a storage database has every table and column the console uses.

One query against the catalog (``information_schema`` on MySQL/MariaDB, ``pragma_table_info``
on SQLite). The console never alters an existing database: a gap is reported, not repaired.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from sqlalchemy import Connection, bindparam, text

from services.domain.errors import IncompatibleStorageError
from services.storage.schema import metadata

UNUSED_TABLES = frozenset({"apply_target_locks"})

REQUIRED_COLUMNS: Mapping[str, tuple[str, ...]] = {
    table.name: tuple(c.name for c in table.columns)
    for table in metadata.sorted_tables
    if table.name not in UNUSED_TABLES
}

_MYSQL_CATALOG = text(
    "SELECT TABLE_NAME AS table_name, COLUMN_NAME AS column_name "
    "FROM information_schema.COLUMNS "
    "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME IN :tables"
).bindparams(bindparam("tables", expanding=True))

_SQLITE_CATALOG = text(
    "SELECT m.name AS table_name, p.name AS column_name "
    "FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p "
    "WHERE m.type = 'table' AND m.name IN :tables"
).bindparams(bindparam("tables", expanding=True))


def missing_columns(
    present: Iterable[tuple[str, str]], required: Mapping[str, tuple[str, ...]] = REQUIRED_COLUMNS
) -> tuple[list[str], list[str]]:
    """(missing tables, missing ``table.column``) given the (table, column) pairs present."""
    found: dict[str, set[str]] = {}
    for table, column in present:
        found.setdefault(table.lower(), set()).add(column.lower())
    tables = [t for t in required if t not in found]
    columns = [
        f"{t}.{c}" for t, cols in required.items() if t in found for c in cols if c not in found[t]
    ]
    return tables, columns


def check_compatible(conn: Connection) -> None:
    """Raise ``IncompatibleStorageError`` naming every missing table and column."""
    catalog = _SQLITE_CATALOG if conn.dialect.name == "sqlite" else _MYSQL_CATALOG
    rows = conn.execute(catalog, {"tables": list(REQUIRED_COLUMNS)})
    tables, columns = missing_columns((str(t), str(c)) for t, c in rows)
    if not tables and not columns:
        return
    parts = []
    if tables:
        parts.append("missing tables: " + ", ".join(tables))
    if columns:
        parts.append("missing columns: " + ", ".join(columns))
    raise IncompatibleStorageError(
        "storage database is not compatible with this console ("
        + "; ".join(parts)
        + "). Point it at a SchemaBot storage database, or create one with "
        "`redrive-console storage init`; the console never alters an existing database."
    )
