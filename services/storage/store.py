"""``Storage``: the console's read access to SchemaBot's storage database.

Reads run in one transaction each, so a bundle is a consistent snapshot on InnoDB. Writes are
the redrive service's business; it uses ``Storage.engine``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, Engine

from services.domain.models import ApplyBundle, LogEntry
from services.domain.progress import ApplyProgress
from services.storage import queries
from services.storage.compat import check_compatible
from services.storage.engine import create_storage_engine, unavailable_on_error
from services.storage.queries import TriageResult

PROGRESS_LOG_LIMIT = 20


class Storage:
    """Typed reads of one storage database (MySQL/MariaDB or SQLite); thread-safe."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def from_url(cls, url: str, *, check: bool = True) -> Storage:
        """Connect, and (unless ``check=False``) verify the tables and columns the console needs.

        Raises ``StorageUnavailableError`` or ``IncompatibleStorageError``.
        """
        storage = cls(create_storage_engine(url))
        if check:
            try:
                with storage._reading("connect to") as conn:
                    check_compatible(conn)
            except BaseException:
                storage.engine.dispose()
                raise
        return storage

    @property
    def is_mysql(self) -> bool:
        """True for MySQL/MariaDB, False for SQLite."""
        return self.engine.dialect.name in {"mysql", "mariadb"}

    @contextmanager
    def _reading(self, action: str = "read") -> Iterator[Connection]:
        """One connection and transaction (a consistent snapshot on InnoDB) for a read."""
        with (
            unavailable_on_error(self.engine, action),
            self.engine.connect() as conn,
            conn.begin(),
        ):
            yield conn

    def database_now(self) -> datetime:
        """The database clock (``NOW()`` / ``CURRENT_TIMESTAMP``) as a naive datetime."""
        with self._reading() as conn:
            return queries.database_now(conn)

    def triage(
        self,
        *,
        environment: str | None = None,
        database: str | None = None,
        since: datetime | None = None,
        cursor: str | None = None,
        limit: int = 200,
    ) -> TriageResult:
        """A keyset page of failed applies with task/op/lock/redrive counts (see ``queries``)."""
        with self._reading() as conn:
            return queries.triage(
                conn,
                environment=environment,
                database=database,
                since=since,
                cursor=cursor,
                limit=limit,
            )

    def load_bundle(self, apply_identifier: str) -> ApplyBundle | None:
        """Apply + drive/reflected tasks + ops + plan + lock + controls + redrive count + NOW()."""
        with self._reading() as conn:
            return queries.load_bundle(conn, apply_identifier)

    def apply_logs(self, apply_id: int, limit: int) -> tuple[LogEntry, ...]:
        """The newest ``limit`` log rows of an apply, newest first."""
        with self._reading() as conn:
            return queries.recent_logs(conn, apply_id, limit)

    def load_progress(self, apply_identifier: str) -> ApplyProgress | None:
        """A fresh read of an apply, its drive tasks, operations and recent logs."""
        with self._reading() as conn:
            head = queries.load_apply_with_now(conn, apply_identifier)
            if head is None:
                return None
            apply, now = head
            drive, _reflected, operations = queries.load_tasks_and_operations(conn, apply.id)
            logs = queries.recent_logs(conn, apply.id, PROGRESS_LOG_LIMIT)
        return ApplyProgress(
            apply=apply, tasks=drive, operations=operations, database_now=now, recent_logs=logs
        )
