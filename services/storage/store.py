"""``Storage``: the console's read access to SchemaBot's storage database.

Reads run in one transaction each, so a bundle is a consistent snapshot on InnoDB. Writes are
the redrive service's business; it uses ``Storage.engine``.

The storage's dialect and generation (``generation``) are read from the catalog once per
``Storage`` (at connect, or on first use when the check was skipped), and so is the column plan
every read selects with: which columns exist is never re-derived per query.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, Engine

from services.domain.models import ApplyBundle, LogEntry
from services.domain.progress import ApplyProgress
from services.storage import queries
from services.storage.column_plan import ColumnPlan
from services.storage.compat import check_compatible
from services.storage.engine import create_storage_engine, unavailable_on_error
from services.storage.generation import StorageGeneration, detect
from services.storage.queries import TriageResult

PROGRESS_LOG_LIMIT = 20


class Storage:
    """Typed reads of one storage database (MySQL/MariaDB, PostgreSQL or SQLite); thread-safe."""

    def __init__(self, engine: Engine, generation: StorageGeneration | None = None) -> None:
        self.engine = engine
        self._columns = ColumnPlan.for_storage(generation) if generation else None
        self._detecting = threading.Lock()

    @classmethod
    def from_url(cls, url: str, *, check: bool = True) -> Storage:
        """Connect, and (unless ``check=False``) verify the tables and columns the console needs.

        Raises ``StorageUnavailableError`` or ``IncompatibleStorageError``.
        """
        storage = cls(create_storage_engine(url))
        if check:
            try:
                with storage._reading("connect to") as conn:
                    storage._remember(check_compatible(conn))
            except BaseException:
                storage.engine.dispose()
                raise
        return storage

    @property
    def generation(self) -> StorageGeneration:
        """The storage's dialect and generation, from one catalog read per ``Storage``."""
        return self.column_plan.storage

    @property
    def column_plan(self) -> ColumnPlan:
        """The columns every read selects (built once, with ``generation``)."""
        if self._columns is None:
            with self._detecting:
                if self._columns is None:
                    with self._reading("connect to") as conn:
                        self._remember(detect(conn))
        assert self._columns is not None
        return self._columns

    def _remember(self, generation: StorageGeneration) -> None:
        self._columns = ColumnPlan.for_storage(generation)

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
        columns = self.column_plan
        with self._reading() as conn:
            return queries.triage(
                conn,
                plan=columns,
                environment=environment,
                database=database,
                since=since,
                cursor=cursor,
                limit=limit,
            )

    def count_failed_before(
        self, since: datetime, *, environment: str | None = None, database: str | None = None
    ) -> int:
        """How many failed applies a triage read with ``since`` leaves out (see ``queries``)."""
        with self._reading() as conn:
            return queries.count_failed_before(
                conn, since=since, environment=environment, database=database
            )

    def load_bundle(self, apply_identifier: str) -> ApplyBundle | None:
        """Apply + drive/reflected tasks + ops + plan + lock + controls + redrive count + NOW()."""
        columns = self.column_plan
        with self._reading() as conn:
            return queries.load_bundle(conn, apply_identifier, columns)

    def apply_logs(self, apply_id: int, limit: int) -> tuple[LogEntry, ...]:
        """The newest ``limit`` log rows of an apply, newest first."""
        columns = self.column_plan
        with self._reading() as conn:
            return queries.recent_logs(conn, apply_id, limit, columns)

    def load_progress(self, apply_identifier: str) -> ApplyProgress | None:
        """A fresh read of an apply, its drive tasks, operations and recent logs."""
        columns = self.column_plan
        with self._reading() as conn:
            head = queries.load_apply_with_now(conn, apply_identifier, columns)
            if head is None:
                return None
            apply, now = head
            drive, _reflected, operations = queries.load_tasks_and_operations(
                conn, apply.id, columns
            )
            logs = queries.recent_logs(conn, apply.id, PROGRESS_LOG_LIMIT, columns)
        return ApplyProgress(
            apply=apply, tasks=drive, operations=operations, database_now=now, recent_logs=logs
        )
