"""Helpers shared by the write-side redrive tests: storage setup, table dumps, reopen plans."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import JSON, Engine, Text, select, text, type_coerce

from services.domain.errors import RedriveRefused
from services.redrive.db_lock import lock_row_for_update
from services.redrive.remaining import reconstruct_remaining_work
from services.redrive.reopen import ReopenPlan, reopen_in_transaction, writing_transaction
from services.redrive.review import all_tasks, review_token
from services.redrive.row_verdict import remember_row_verdict
from services.redrive.validation import RedriveRejection
from services.storage import schema
from services.storage.engine import create_storage_engine
from services.storage.init import init_storage
from services.storage.queries import load_bundle
from services.targets import Target
from tests.storage.factories import default_database


def storage_engine(url: str) -> Engine:
    """An engine on ``url`` with every storage table created."""
    engine = create_storage_engine(url)
    init_storage(engine)
    return engine


def dump_tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every storage table (JSON as stored text), ordered by id: compare
    before/after to prove that nothing was written."""
    dump = {}
    with engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            columns = [
                type_coerce(c, Text()) if isinstance(c.type, JSON) else c for c in table.columns
            ]
            rows = conn.execute(select(*columns).order_by(table.c.id)).all()
            dump[table.name] = [tuple(r) for r in rows]
    return dump


def reviewed_plan(
    engine: Engine,
    apply_id: int,
    *,
    task_ids: tuple[int, ...],
    operation_ids: tuple[int, ...],
    lock_id: int = 1,
    window: timedelta = timedelta(days=1),
    fingerprint: str = "fp-test",
) -> ReopenPlan:
    """A plan built the way a review builds it: a token of the apply's rows as they are now,
    and, where their remaining work can be rebuilt, the review's verdict on its reads
    (``row_verdict``; the plan's own ``task_ids``/``operation_ids`` are the caller's)."""
    with engine.connect() as conn:
        ident = conn.execute(
            select(schema.applies.c.apply_identifier).where(schema.applies.c.id == apply_id)
        ).scalar_one()
        bundle = load_bundle(conn, ident)
    assert bundle is not None
    token = review_token(bundle, fingerprint)
    deployment = bundle.plan.deployment if bundle.plan else bundle.apply.deployment
    try:
        work = reconstruct_remaining_work(
            bundle.apply, all_tasks(bundle), bundle.operations, deployment
        )
    except RedriveRejection:
        pass  # a review refuses here: no verdict, as no plan
    else:
        remember_row_verdict(bundle.decoded_reads, token, work, deployment)
    return ReopenPlan(
        token=token,
        primary_deployment=deployment,
        task_ids=task_ids,
        operation_ids=operation_ids,
        lock_id=lock_id,
        window=window,
        reviewed_reads=bundle.decoded_reads,
    )


def reopen_now(engine: Engine, plan: ReopenPlan, database: str | None = None) -> None:
    """The reopen transaction of ``plan`` with the lock row as a review saw it, committed."""
    lock = seen_lock(engine, database)
    with writing_transaction(engine) as conn:
        reopen_in_transaction(conn, plan, lock, lambda _step: None)
        conn.commit()


def assert_refused(
    engine: Engine, plan: ReopenPlan, *fragments: str, database: str | None = None
) -> None:
    """``reopen_now`` refuses with every fragment in its message, and writes nothing."""
    before = dump_tables(engine)
    with pytest.raises(RedriveRefused) as caught:
        reopen_now(engine, plan, database)
    for fragment in fragments:
        assert fragment in str(caught.value)
    assert dump_tables(engine) == before


def seen_lock(engine: Engine, database: str | None = None, database_type: str = "mysql"):
    """The ``locks`` row of (database, type) as a review sees it (default: the factories')."""
    with engine.connect() as conn:
        return lock_row_for_update(conn, database or default_database(), database_type)


def row(engine: Engine, table: str, row_id: int) -> dict[str, Any]:
    """One row as a dict."""
    t = schema.metadata.tables[table]
    with engine.connect() as conn:
        return dict(conn.execute(select(t).where(t.c.id == row_id)).one()._mapping)


def database_now_sql(engine: Engine) -> str:
    """The SQL expression of the database clock for raw test statements."""
    return "CURRENT_TIMESTAMP" if engine.dialect.name == "sqlite" else "NOW()"


def set_completed_ago(engine: Engine, apply_id: int, seconds: int) -> None:
    """Stamp ``completed_at`` relative to the database clock (the clock the redrive uses)."""
    if engine.dialect.name == "sqlite":
        expr = f"datetime('now', '-{int(seconds)} seconds')"
    else:
        expr = f"NOW() - INTERVAL {int(seconds)} SECOND"
    with engine.begin() as conn:
        conn.execute(
            text(f"UPDATE applies SET completed_at = {expr} WHERE id = :id"), {"id": apply_id}
        )


USERS_BEFORE = (
    "CREATE TABLE `users` (\n  `id` bigint unsigned NOT NULL AUTO_INCREMENT,\n"
    "  `email` varchar(255) NOT NULL,\n  PRIMARY KEY (`id`)\n"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
)
NICKNAME_DDL = "ALTER TABLE `users` ADD COLUMN `nickname` varchar(64) NULL"
PLAN_DATA = {"app": {"tables": [{"table": "users", "ddl": NICKNAME_DDL, "operation": "alter"}]}}
USERS_AFTER = USERS_BEFORE.replace(
    "  PRIMARY KEY", "  `nickname` varchar(64) DEFAULT NULL,\n  PRIMARY KEY"
)


def write_snapshot(directory: Path, users_sql: str = USERS_BEFORE) -> Path:
    """A schema snapshot of the live ``orders`` database: namespace ``app`` with ``users``.

    With ``USERS_BEFORE`` the factories' default plan (ADD COLUMN nickname) still matches;
    with ``USERS_AFTER`` the change was applied meanwhile and the fresh plan is empty.
    """
    (directory / "app").mkdir(parents=True, exist_ok=True)
    (directory / "app" / "users.sql").write_text(users_sql + "\n")
    return directory


@dataclass(frozen=True)
class SnapshotTargets:
    """A ``TargetResolver`` sending every database to one snapshot folder."""

    snapshot_dir: Path

    def resolve(self, database: str, environment: str) -> Target:
        return Target(
            database=database,
            environment=environment,
            database_type="mysql",
            deployment="primary",
            target="",
            snapshot_dir=self.snapshot_dir,
        )


BIG_APPLY_TASKS = 20_000
BIG_APPLY_FAILED = 4_000


def add_bulk_rows(engine: Engine, seeded, *, failed: int, completed: int) -> None:
    """Give ``seeded`` (an ``insert_failed_apply`` with ``PLAN_DATA``) ``failed`` more failed
    ``users`` tasks and ``completed`` completed tasks of other tables, each with its own work
    operation in the same state: the shape of a 20,000-task apply whose remaining work still
    matches the plan (every failed task is of ``users``). Multi-row inserts; ids follow."""
    from tests.storage.factories import insert_many, task_row, utcnow

    now = utcnow()
    specs = [("failed", "users")] * failed + [("completed", f"done_{n}") for n in range(completed)]
    with engine.begin() as conn:
        base = len(
            conn.execute(
                select(schema.apply_operations.c.id).where(
                    schema.apply_operations.c.apply_id == seeded.apply_id
                )
            ).all()
        )
        keys = [f"app/bulk-{base + n}" for n in range(len(specs))]
        insert_many(conn, "apply_operations", [
            {"apply_id": seeded.apply_id, "deployment": "primary", "operation_key": key,
             "operation_kind": "work", "target": "", "state": state, "cutover_policy": "rolling",
             "on_failure": "halt", "attempt": 0, "lease_owner": "", "lease_token": "",
             "completed_at": now, "created_at": now, "updated_at": now}
            for key, (state, _table) in zip(keys, specs, strict=True)
        ])  # fmt: skip
        o = schema.apply_operations.c
        op_ids = dict(
            conn.execute(
                select(o.operation_key, o.id).where(
                    o.apply_id == seeded.apply_id, o.operation_key.in_(keys)
                )
            ).all()
        )
        insert_many(conn, "tasks", [
            task_row(seeded.apply_id, seeded.plan_id, namespace="app", table_name=table,
                     state=state, apply_operation_id=op_ids[key])
            for key, (state, table) in zip(keys, specs, strict=True)
        ])  # fmt: skip
