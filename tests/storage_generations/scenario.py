"""One failed apply written into a storage of any generation and dialect, plus what a review of
it needs: a schema snapshot standing for the live database and a SchemaBot config file.

Rows are inserted through tables reflected from the storage itself, so each generation gets
exactly its own columns (G2 has no ``tasks.ready_to_complete``; PostgreSQL takes ``jsonb`` and
``boolean``). The scenario is the spec fixture: one table ``users`` whose stored plan adds a
column the live table still lacks, so the fresh plan matches the remaining work. Database,
deployment and target are the test database's own name (as an unrouted config entry resolves).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Engine, MetaData, Table, create_engine, select, text, update
from sqlalchemy.engine import make_url

from tests.redrive.review_storage_support import (
    EMAIL,
    desired_file,
    live_table,
    stored_plan_data,
    write_snapshot,
)
from tests.storage.factories import apply_row, plan_row, task_row, utcnow

ENVIRONMENT = "staging"


@dataclass(frozen=True)
class Scenario:
    """The seeded apply and the files a CLI run needs."""

    url: str
    database: str
    apply_identifier: str
    apply_id: int
    task_id: int
    operation_id: int
    config: Path

    @property
    def cli(self) -> list[str]:
        """``--config`` and ``--storage-url`` for ``app.cli.main``."""
        return ["--config", str(self.config), "--storage-url", self.url]


def logical_database(url: str) -> str:
    """The apply's database name: the test database's own name, so any named lock a redrive
    takes (derived from it) is unique to this test."""
    return str(make_url(url).database)


def reflect(engine: Engine) -> MetaData:
    """Every table of the storage as it really is."""
    metadata = MetaData()
    metadata.reflect(engine)
    return metadata


def _insert(conn, table: Table, values: Mapping[str, Any]) -> int:
    row = {k: v for k, v in values.items() if k in table.c}
    for name, value in row.items():  # text JSON columns (MariaDB longtext) take JSON text
        if isinstance(value, dict | list) and not isinstance(table.c[name].type, JSON):
            row[name] = json.dumps(value)
    return int(conn.execute(table.insert().values(row)).inserted_primary_key[0])


def seed_failed_apply(url: str, tmp_path: Path, **apply_overrides: Any) -> Scenario:
    """Write the scenario into the storage at ``url`` (its tables already exist)."""
    database = logical_database(url)
    desired = {database: {"users.sql": desired_file("users", EMAIL)}}
    live = {database: {"users": live_table("users")}}
    scope = {"database_name": database, "environment": ENVIRONMENT}
    engine = create_engine(url)
    tables = reflect(engine).tables
    try:
        with engine.begin() as conn:
            plan_id = _insert(
                conn,
                tables["plans"],
                plan_row(
                    **scope,
                    deployment=database,
                    target=database,
                    schema_files={ns: {"Files": dict(f)} for ns, f in desired.items()},
                    plan_data=stored_plan_data(desired, live),
                ),
            )
            apply = apply_row(plan_id, **scope, deployment=database, **apply_overrides)
            apply_id = _insert(conn, tables["applies"], apply)
            operation_id = _insert(
                conn,
                tables["apply_operations"],
                {
                    "apply_id": apply_id,
                    "deployment": database,
                    "operation_key": "",
                    "operation_kind": "work",
                    "state": "failed",
                    "created_at": utcnow() - timedelta(hours=2),
                    "updated_at": utcnow() - timedelta(hours=1),
                },
            )
            task_id = _insert(
                conn,
                tables["tasks"],
                task_row(apply_id, plan_id, **scope, namespace=database, table_name="users"),
            )
            _insert(
                conn,
                tables["apply_logs"],
                {
                    "apply_id": apply_id,
                    "level": "error",
                    "event_type": "apply_failed",
                    "source": "schemabot",
                    "message": "apply failed after 10 attempts",
                    "created_at": utcnow() - timedelta(hours=1),
                },
            )
            _set_completed_an_hour_ago(conn, tables["applies"], apply_id)
    finally:
        engine.dispose()
    snapshot = write_snapshot(tmp_path / "live", live)
    config = tmp_path / "schemabot.yaml"
    config.write_text(
        f"databases:\n  {database}:\n    type: mysql\n    environments:\n"
        f"      {ENVIRONMENT}:\n        schema_snapshot: {snapshot}\n"
    )
    return Scenario(url, database, apply["apply_identifier"], apply_id, task_id, operation_id,
                    config)  # fmt: skip


def _set_completed_an_hour_ago(conn, applies: Table, apply_id: int) -> None:
    """Stamp the failure on the database clock (the clock the review judges freshness by)."""
    now = conn.execute(select(text("CURRENT_TIMESTAMP"))).scalar_one()
    now = now.replace(tzinfo=None)
    an_hour_ago = now - timedelta(hours=1)
    conn.execute(update(applies).where(applies.c.id == apply_id).values(completed_at=an_hour_ago))


def add_g2_details(url: str, scenario: Scenario, *, retry_after=None, superseded_by=None) -> None:
    """Set G2-only columns of the scenario's rows, and quarantine a drop of its table."""
    engine = create_engine(url)
    tables = reflect(engine).tables
    try:
        with engine.begin() as conn:
            values = {"retry_after": retry_after, "superseded_by": superseded_by}
            present = {k: v for k, v in values.items() if k in tables["applies"].c and v}
            if present:
                a = tables["applies"]
                conn.execute(update(a).where(a.c.id == scenario.apply_id).values(present))
            t = tables["tasks"]
            conn.execute(
                update(t)
                .where(t.c.id == scenario.task_id)
                .values(throttled=True, throttle_reason="replica lag 12s")
            )
            _insert(
                conn,
                tables["pending_drops"],
                {
                    "target": scenario.database,
                    "environment": ENVIRONMENT,
                    "database_name": scenario.database,
                    "original_table": "users",
                    "quarantined_name": "_users_quarantined",
                    "quarantined_at": utcnow(),
                    "engine": "spirit",
                    "state": "pending",
                    "metadata": {},
                },
            )
    finally:
        engine.dispose()


def dump_storage(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the storage (all generations' tables), ordered by id, with
    every value as text: equal dumps before and after mean nothing was written."""
    engine = create_engine(url)
    try:
        metadata = reflect(engine)
        with engine.connect() as conn:
            return {
                name: [tuple(map(repr, r)) for r in conn.execute(select(t).order_by(t.c.id))]
                for name, t in sorted(metadata.tables.items())
            }
    finally:
        engine.dispose()
