"""Column helpers shared by every storage read: JSON columns as raw text, and the database clock.

JSON columns are read as text and decoded in Python (``services.storage.decode``) so that a
malformed value becomes a typed error naming the row instead of a driver exception. The clock
is always the database's, never this machine's, so freshness is judged the same way by the
review and by the locked transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, Connection, Table, Text, select, type_coerce

from services.storage.dialect_sql import database_clock


def raw_columns(table: Table, prefix: str = "") -> list[ColumnElement[Any]]:
    """Every column of ``table``, JSON columns as raw text, labelled ``prefix + name``."""
    return [
        (type_coerce(c, Text()) if isinstance(c.type, JSON) else c).label(prefix + c.name)
        for c in table.columns
    ]


def now_column() -> ColumnElement[datetime]:
    """The database clock as a naive timestamp (spelled per dialect in ``dialect_sql``)."""
    return database_clock().label("database_now")


def database_now(conn: Connection) -> datetime:
    """The database clock as a naive datetime, read on ``conn`` (inside its transaction)."""
    return conn.execute(select(now_column())).scalar_one()
