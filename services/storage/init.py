"""``storage init``: create SchemaBot's tables in an empty database, refuse anything else.

On MySQL/MariaDB every table is ``ENGINE=InnoDB DEFAULT CHARSET=utf8mb4`` with a case- and
accent-insensitive collation: ``utf8mb4_0900_ai_ci`` on MySQL 8, ``utf8mb4_uca1400_ai_ci`` on
MariaDB (which has no 0900 collations). On PostgreSQL, which SchemaBot supports only in its
later (G2) layout, the tables are SchemaBot's G2 PostgreSQL DDL (``postgres_ddl``).
"""

from __future__ import annotations

from sqlalchemy import Connection, Engine, MetaData, inspect, text

from services.domain.errors import RedriveConsoleError
from services.storage import postgres_ddl
from services.storage.engine import describe_url, unavailable_on_error
from services.storage.schema import MYSQL_TABLE_OPTIONS, metadata


class StorageNotEmptyError(RedriveConsoleError):
    """``storage init`` was pointed at a database that already has tables."""


def collation_for(version: str) -> str | None:
    """The table collation for a server version string (``SELECT VERSION()``)."""
    release = _major_minor(version)
    if "mariadb" in version.lower():
        return "utf8mb4_uca1400_ai_ci" if release >= (10, 10) else "utf8mb4_unicode_ci"
    if release >= (8, 0):
        return "utf8mb4_0900_ai_ci"
    return "utf8mb4_unicode_ci"


def _major_minor(version: str) -> tuple[int, int]:
    parts = version.split("-")[0].split(".")
    try:
        return int(parts[0]), int(parts[1])
    except (IndexError, ValueError):
        return (0, 0)


def _mysql_metadata(collation: str) -> MetaData:
    """A copy of the storage tables carrying SchemaBot's MySQL table options and collation."""
    copy = MetaData()
    for source in metadata.sorted_tables:
        table = source.to_metadata(copy)
        table.dialect_options["mysql"].update(MYSQL_TABLE_OPTIONS, collate=collation)
    return copy


def init_storage(engine: Engine) -> tuple[str, ...]:
    """Create every storage table; returns their names. Refuses a database that has any table."""
    with unavailable_on_error(engine, "initialise"), engine.begin() as conn:
        existing = sorted(inspect(conn).get_table_names())
        if existing:
            shown = ", ".join(existing[:5]) + (", …" if len(existing) > 5 else "")
            raise StorageNotEmptyError(
                f"refusing to initialise {describe_url(engine.url)}: it already has "
                f"{len(existing)} table(s) ({shown}); storage init only creates tables in an "
                "empty database and never alters an existing one"
            )
        return _CREATORS.get(conn.dialect.name, _create_g1_tables)(conn)


def _create_g1_tables(conn: Connection) -> tuple[str, ...]:
    """The console's table definitions (SchemaBot's July 2026 layout): MySQL and the demo."""
    collation = _server_collation(conn)
    target = metadata if collation is None else _mysql_metadata(collation)
    target.create_all(conn)
    return tuple(t.name for t in target.sorted_tables)


def _create_g2_postgres_tables(conn: Connection) -> tuple[str, ...]:
    """SchemaBot's G2 PostgreSQL tables from the shipped upstream DDL (PostgreSQL is G2 only)."""
    created = []
    for table, sql in postgres_ddl.table_files():
        for statement in postgres_ddl.statements(sql):
            conn.exec_driver_sql(statement)
        created.append(table)
    return tuple(created)


# Which tables ``storage init`` creates, per dialect (the default: the console's definitions).
_CREATORS = {"postgresql": _create_g2_postgres_tables}


def _server_collation(conn: Connection) -> str | None:
    if conn.dialect.name not in {"mysql", "mariadb"}:
        return None
    return collation_for(str(conn.execute(text("SELECT VERSION()")).scalar_one()))
