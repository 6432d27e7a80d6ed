"""Test-data builders for SchemaBot storage rows, with sensible defaults.

Every ``insert_*`` takes an open SQLAlchemy ``Connection`` (the caller owns the transaction,
e.g. ``with engine.begin() as conn``) and keyword overrides for any column; it returns the new
row id. JSON columns accept a Python value (serialised here) or a ``RawJSON`` string that is
stored verbatim, so tests can write malformed JSON. ``insert_failed_apply`` builds a whole
scenario (plan, apply, operations, tasks, lock) and ``insert_failed_applies_bulk`` seeds many
applies with multi-row inserts.

Rows name the logical database ``default_database()``: ``orders``, except while a test holds a
MariaDB test database, where it is that database's own unique name. SchemaBot's named locks
(``GET_LOCK``) are server-wide and named after (database, type, environment), so two suites
sharing one server never wait on each other's lock.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Connection, Table, Text, column, select, table, type_coerce

from services.domain.models import ApplyBundle
from services.storage import schema


class RawJSON(str):
    """A JSON column value stored exactly as given (e.g. malformed JSON for decode tests)."""


def _raw_table(source: Table):
    """A lightweight table whose JSON columns are plain text, so values go in verbatim."""
    columns = [
        column(c.name, Text() if isinstance(c.type, JSON) else c.type) for c in source.columns
    ]
    return table(source.name, *columns)


_RAW = {name: _raw_table(t) for name, t in schema.metadata.tables.items()}
_JSON_COLUMNS = {
    name: {c.name for c in t.columns if isinstance(c.type, JSON)}
    for name, t in schema.metadata.tables.items()
}
_counter = itertools.count(1)
FIXED_DATABASE = "orders"
_database = FIXED_DATABASE


def default_database() -> str:
    """The ``database_name`` the factories write unless a test overrides it."""
    return _database


@contextmanager
def rows_named_after(database: str) -> Iterator[str]:
    """Make ``database`` the factories' default database name inside the block."""
    global _database
    previous, _database = _database, database
    try:
        yield database
    finally:
        _database = previous


def utcnow() -> datetime:
    """Naive UTC now, second precision: the clock MariaDB (UTC here) and SQLite both use."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def hex16() -> str:
    return uuid.uuid4().hex[:16]


DEFAULT_SCHEMA_FILES = {
    "app": {
        "Files": {
            "users.sql": (
                "CREATE TABLE `users` (\n  `id` bigint unsigned NOT NULL AUTO_INCREMENT,\n"
                "  `email` varchar(255) NOT NULL,\n  `nickname` varchar(64) DEFAULT NULL,\n"
                "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
            ),
        }
    }
}
DEFAULT_PLAN_DATA = {
    "app": {
        "tables": [
            {
                "table": "users",
                "ddl": "ALTER TABLE `users` ADD COLUMN `nickname` varchar(64) DEFAULT NULL",
                "operation": "alter",
            }
        ]
    }
}


def _encode(table_name: str, row: dict[str, Any]) -> dict[str, Any]:
    """Serialise JSON column values (``RawJSON`` and ``None`` pass through)."""
    encoded = dict(row)
    for name in _JSON_COLUMNS[table_name] & encoded.keys():
        value = encoded[name]
        if value is not None and not isinstance(value, RawJSON):
            encoded[name] = json.dumps(value)
    return encoded


def _insert(conn: Connection, table_name: str, row: dict[str, Any]) -> int:
    """One row, its id back (``RETURNING``: MariaDB and PostgreSQL both have it). JSON values are
    bound as JSON, so PostgreSQL's ``jsonb`` takes them as MariaDB's JSON text does (``RawJSON``
    still goes in verbatim)."""
    values = dict(row)
    for name in _JSON_COLUMNS[table_name] & values.keys():
        value = values[name]
        if value is not None and not isinstance(value, RawJSON):
            values[name] = type_coerce(value, JSON)
    raw = _RAW[table_name]
    return int(conn.execute(raw.insert().values(values).returning(raw.c.id)).scalar_one())


def insert_many(conn: Connection, table_name: str, rows: Sequence[Mapping[str, Any]]) -> None:
    """Multi-row insert of complete row dicts (all rows must have the same keys)."""
    if rows:
        conn.execute(_RAW[table_name].insert(), [_encode(table_name, dict(r)) for r in rows])


def plan_row(**overrides: Any) -> dict[str, Any]:
    row = {
        "plan_identifier": f"plan-{time.time_ns() + next(_counter)}",
        "database_name": default_database(),
        "database_type": "mysql",
        "deployment": "primary",
        "target": "",
        "repository": "acme/orders-schema",
        "pull_request": 42,
        "schema_path": "schema/orders",
        "environment": "production",
        "schema_files": DEFAULT_SCHEMA_FILES,
        "plan_data": DEFAULT_PLAN_DATA,
        "head_sha": "0f3c2a9b7d1e4f5a6b7c8d9e0f1a2b3c4d5e6f70",
    }
    row.update(overrides)
    return row


def apply_row(plan_id: int, **overrides: Any) -> dict[str, Any]:
    now = utcnow()
    row = {
        "apply_identifier": f"apply-{hex16()}",
        "lock_id": 0,
        "plan_id": plan_id,
        "database_name": default_database(),
        "database_type": "mysql",
        "repository": "acme/orders-schema",
        "pull_request": 42,
        "environment": "production",
        "deployment": "primary",
        "caller": "acme/orders-schema#42",
        "installation_id": 0,
        "external_id": "",
        "idempotency_key": None,
        "engine": "spirit",
        "state": "failed",
        "error_message": "Error 1062 (23000): Duplicate entry 'x' for key 'idx_email'",
        "options": {},
        "attempt": 10,
        "started_at": now - timedelta(hours=2),
        "completed_at": now - timedelta(hours=1),
        "created_at": now - timedelta(hours=2),
        "updated_at": now - timedelta(hours=1),
    }
    row.update(overrides)
    return row


def task_row(apply_id: int, plan_id: int, **overrides: Any) -> dict[str, Any]:
    now = utcnow()
    row = {
        "task_identifier": f"task-{hex16()}",
        "apply_id": apply_id,
        "apply_operation_id": None,
        "plan_id": plan_id,
        "database_name": default_database(),
        "database_type": "mysql",
        "namespace": "app",
        "table_name": "users",
        "shard": "",
        "ddl": "ALTER TABLE `users` ADD COLUMN `nickname` varchar(64) DEFAULT NULL",
        "ddl_action": "alter",
        "engine": "spirit",
        "repository": "acme/orders-schema",
        "pull_request": 42,
        "environment": "production",
        "state": "failed",
        "error_message": None,
        "options": {},
        "attempt": 0,
        "started_at": now - timedelta(hours=2),
        "completed_at": now - timedelta(hours=1),
        "created_at": now - timedelta(hours=2),
        "updated_at": now - timedelta(hours=1),
    }
    row.update(overrides)
    return row


def insert_plan(conn: Connection, **overrides: Any) -> int:
    """Insert a ``plans`` row (one ALTER on ``app.users`` by default); returns its id."""
    return _insert(conn, "plans", plan_row(**overrides))


def insert_apply(conn: Connection, **overrides: Any) -> int:
    """Insert a failed ``applies`` row; creates a default plan unless ``plan_id`` is given."""
    plan_id = overrides.pop("plan_id", None)
    if plan_id is None:
        plan_id = insert_plan(conn)
    return _insert(conn, "applies", apply_row(plan_id, **overrides))


def _apply_scalars(conn: Connection, apply_id: int) -> dict[str, Any]:
    a = schema.applies.c
    row = conn.execute(
        select(a.plan_id, a.database_name, a.database_type, a.environment, a.repository,
               a.pull_request, a.engine).where(a.id == apply_id)
    ).one()  # fmt: skip
    return dict(row._mapping)


def insert_task(conn: Connection, apply_id: int, **overrides: Any) -> int:
    """Insert a ``tasks`` row of an apply (copies the apply's database/env/plan by default)."""
    inherited = _apply_scalars(conn, apply_id)
    plan_id = overrides.pop("plan_id", inherited.pop("plan_id"))
    return _insert(conn, "tasks", task_row(apply_id, plan_id, **{**inherited, **overrides}))


def insert_operation(conn: Connection, apply_id: int, **overrides: Any) -> int:
    """Insert an ``apply_operations`` row (a failed ``work`` op on ``primary`` by default)."""
    now = utcnow()
    row = {
        "apply_id": apply_id,
        "deployment": "primary",
        "operation_key": "",
        "operation_kind": "work",
        "target": "",
        "state": "failed",
        "error_message": None,
        "cutover_policy": "rolling",
        "on_failure": "halt",
        "attempt": 0,
        "started_at": now - timedelta(hours=2),
        "completed_at": now - timedelta(hours=1),
        "created_at": now - timedelta(hours=2),
        "updated_at": now - timedelta(hours=1),
    }
    row.update(overrides)
    return _insert(conn, "apply_operations", row)


def insert_lock(conn: Connection, **overrides: Any) -> int:
    """Insert a ``locks`` row for (``default_database()``, mysql) held by the PR by default."""
    now = utcnow()
    row = {
        "database_name": default_database(),
        "database_type": "mysql",
        "repository": "acme/orders-schema",
        "pull_request": 42,
        "owner": "acme/orders-schema#42",
        "pending_plan_id": "",
        "created_at": now - timedelta(hours=3),
        "updated_at": now - timedelta(hours=3),
    }
    row.update(overrides)
    return _insert(conn, "locks", row)


def insert_log(conn: Connection, apply_id: int, **overrides: Any) -> int:
    """Insert an ``apply_logs`` row (an info state transition by default)."""
    row = {
        "apply_id": apply_id,
        "task_id": None,
        "level": "info",
        "event_type": "state_transition",
        "source": "schemabot",
        "message": "Apply state changed from running to failed",
        "old_state": "running",
        "new_state": "failed",
        "metadata": None,
        "created_at": utcnow(),
    }
    row.update(overrides)
    return _insert(conn, "apply_logs", row)


def insert_control_request(conn: Connection, apply_id: int, **overrides: Any) -> int:
    """Insert an ``apply_control_requests`` row (a pending ``stop`` by default)."""
    now = utcnow()
    row = {
        "apply_id": apply_id,
        "operation": "stop",
        "status": "pending",
        "requested_by": "cli:alice@ops-1",
        "error_message": None,
        "metadata": {},
        "completed_at": None,
        "created_at": now,
        "updated_at": now,
    }
    row.update(overrides)
    return _insert(conn, "apply_control_requests", row)


@dataclass
class SeededApply:
    """Ids of one scenario written by ``insert_failed_apply``."""

    apply_id: int
    apply_identifier: str
    plan_id: int
    task_ids: list[int] = field(default_factory=list)
    operation_ids: list[int] = field(default_factory=list)
    lock_id: int | None = None


def insert_failed_apply(
    conn: Connection,
    *,
    plan: Mapping[str, Any] | None = None,
    apply: Mapping[str, Any] | None = None,
    operations: Iterable[Mapping[str, Any]] = (),
    tasks: Iterable[Mapping[str, Any]] = ({"state": "failed"},),
    lock: Mapping[str, Any] | None = None,
) -> SeededApply:
    """Write a plan, an apply, its operations, tasks and (optionally) a lock.

    A task dict may carry ``operation_index`` to link it to the n-th operation given here.
    Database/environment fields default from the apply to every child row.
    """
    plan_id = insert_plan(conn, **(plan or {}))
    apply_id = insert_apply(conn, plan_id=plan_id, **(apply or {}))
    identifier = conn.execute(
        select(schema.applies.c.apply_identifier).where(schema.applies.c.id == apply_id)
    ).scalar_one()
    seeded = SeededApply(apply_id=apply_id, apply_identifier=identifier, plan_id=plan_id)
    for op in operations:
        seeded.operation_ids.append(insert_operation(conn, apply_id, **op))
    for task in tasks:
        values = dict(task)
        index = values.pop("operation_index", None)
        if index is not None:
            values["apply_operation_id"] = seeded.operation_ids[index]
        seeded.task_ids.append(insert_task(conn, apply_id, **values))
    if lock is not None:
        seeded.lock_id = insert_lock(conn, **lock)
    return seeded


def insert_failed_applies_bulk(
    conn: Connection,
    count: int,
    *,
    task_states: Sequence[str] = ("completed", "failed", "cancelled"),
    start: datetime | None = None,
    step: timedelta = timedelta(seconds=1),
    **apply_overrides: Any,
) -> list[int]:
    """Seed ``count`` failed applies sharing one plan, each with one task per ``task_states``.

    Uses multi-row inserts (three statements plus one id read-back); ``completed_at`` steps
    back from ``start`` by ``step`` so the newest apply is the first one. Returns apply ids.
    """
    plan_id = insert_plan(conn)
    newest = start or utcnow() - timedelta(minutes=5)
    rows = [
        apply_row(plan_id, completed_at=newest - i * step, **apply_overrides) for i in range(count)
    ]
    insert_many(conn, "applies", rows)
    a = schema.applies.c
    id_by_identifier = {
        identifier: apply_id
        for identifier, apply_id in conn.execute(
            select(a.apply_identifier, a.id).where(a.plan_id == plan_id)
        )
    }
    apply_ids = [id_by_identifier[r["apply_identifier"]] for r in rows]
    task_rows = [
        task_row(apply_id, plan_id, state=state, table_name=f"table_{n}")
        for apply_id in apply_ids
        for n, state in enumerate(task_states)
    ]
    insert_many(conn, "tasks", task_rows)
    return apply_ids


def drive_task_states(bundle: ApplyBundle) -> dict[int, str]:
    """Every drive task of a bundle, id -> stored state: the decoded (unsettled) rows and the
    settled ones read as ids."""
    states = {t.id: t.state for t in bundle.tasks}
    states.update(dict.fromkeys(bundle.settled.drive_task_ids, bundle.settled.STATE))
    return states


def all_task_states(bundle: ApplyBundle) -> dict[int, str]:
    """Every task row of a bundle (drive and reflected, settled or not), id -> state."""
    states = drive_task_states(bundle)
    states.update({t.id: t.state for t in bundle.reflected_tasks})
    states.update(dict.fromkeys(bundle.settled.reflected_task_ids, bundle.settled.STATE))
    return states


def operation_states(bundle: ApplyBundle) -> dict[int, str]:
    """Every operation row of a bundle, settled or not, id -> state."""
    states = {op.id: op.state for op in bundle.operations}
    states.update(dict.fromkeys(bundle.settled.operation_ids, bundle.settled.STATE))
    return states
