"""The triage list's window boundary and per-apply counts, on real MariaDB.

The window is evaluated on the database clock: an apply that failed exactly
``redrive_window_hours`` ago is still listed and redrivable (``completed_at >= now - window``);
one second earlier (the storage's precision) it is not listed, and one microsecond past the
boundary on the clock it is no longer redrivable. The clock is frozen per session
(``SET timestamp``) so the boundary is exact, not raced.

Counts belong to their apply: two failed applies on one database never see each other's
tasks, operations, control requests or redrive audit rows.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, text

from services.redrive.service import RedriveService
from services.redrive.triage import triage_row
from services.storage.engine import create_storage_engine
from services.storage.init import init_storage
from services.storage.store import Storage
from tests.redrive.writeside_support import SnapshotTargets, write_snapshot

from .factories import (
    insert_control_request,
    insert_failed_apply,
    insert_log,
    insert_task,
)

WINDOW_HOURS = 6
WINDOW = timedelta(hours=WINDOW_HOURS)
FROZEN_EPOCH = 1_790_000_000  # a fixed instant: every session of the engine reads it as NOW()


@pytest.fixture
def frozen_storage(mysql_database_url):
    """Storage whose every connection sees the same frozen database clock."""
    engine = create_storage_engine(mysql_database_url)
    init_storage(engine)
    engine.dispose()

    def freeze(dbapi_connection, _record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute(f"SET timestamp = {FROZEN_EPOCH}")

    event.listen(engine, "connect", freeze)
    yield Storage(engine)
    engine.dispose()


def _now(storage: Storage):
    with storage.engine.connect() as conn:
        return conn.execute(text("SELECT NOW()")).scalar_one()


def test_window_boundary_on_the_database_clock(frozen_storage, tmp_path):
    storage = frozen_storage
    now = _now(storage)
    assert storage.database_now() == now  # frozen: every read agrees
    ages = {"inside": WINDOW - timedelta(seconds=1), "boundary": WINDOW,
            "past": WINDOW + timedelta(seconds=1)}  # fmt: skip
    with storage.engine.begin() as conn:
        ids = {
            name: insert_failed_apply(conn, apply={"completed_at": now - age}).apply_identifier
            for name, age in ages.items()
        }
    service = RedriveService(
        storage, SnapshotTargets(write_snapshot(tmp_path / "snapshot")), window=WINDOW,
        operator="cli:alice@ops-1",
    )  # fmt: skip

    rows = {row.apply_id: row for row in service.list_failed().rows}

    assert set(rows) == {ids["inside"], ids["boundary"]}
    boundary = rows[ids["boundary"]]
    assert boundary.redrivable, boundary.reason
    assert boundary.window_ends_at == now
    listed_all = {row.apply_id: row for row in service.list_failed(include_all=True).rows}
    assert not listed_all[ids["past"]].redrivable
    assert "outside the redrive window" in listed_all[ids["past"]].reason


def test_one_microsecond_past_the_boundary_is_out(frozen_storage):
    storage = frozen_storage
    now = _now(storage)
    with storage.engine.begin() as conn:
        insert_failed_apply(conn, apply={"completed_at": now - WINDOW})
    (record,) = storage.triage().records
    g1 = storage.generation.generation
    at_boundary = triage_row(record, now, operator="cli:alice@ops-1", window=WINDOW, generation=g1)
    just_past = triage_row(
        record,
        now + timedelta(microseconds=1),
        operator="cli:alice@ops-1",
        window=WINDOW,
        generation=g1,
    )
    assert at_boundary.redrivable, at_boundary.reason
    assert not just_past.redrivable
    assert just_past.reason == "failed outside the redrive window; create a new apply instead"


def test_counts_of_two_applies_on_one_database_do_not_leak(mysql_storage):
    storage = mysql_storage
    with storage.engine.begin() as conn:
        busy = insert_failed_apply(
            conn,
            operations=[
                {"deployment": "primary", "operation_key": "app/-80/users"},
                {"deployment": "eu-west", "operation_key": "app/80-/users"},
                {"deployment": "primary", "operation_key": "app/c0-/users", "state": "stopped"},
            ],
            tasks=[
                {"state": "failed", "table_name": "users"},
                {"state": "cancelled", "table_name": "orders"},
                {"state": "completed", "table_name": "items"},
                {"state": "failed", "shard": "-80", "operation_index": 0},
            ],
        )
        insert_control_request(conn, busy.apply_id, operation="stop", status="pending")
        insert_log(conn, busy.apply_id, message="Redrive requested by user (caller: a@b)")
        quiet = insert_failed_apply(
            conn, operations=[{"deployment": "primary"}], tasks=[{"state": "failed"}]
        )
        # A shard row of ``quiet`` pointing at ``busy``'s work operation (whose key names it):
        # operations join within their own apply only, so this is not a drive row of ``quiet``.
        insert_task(conn, quiet.apply_id, state="failed", shard="-80",
                    apply_operation_id=busy.operation_ids[0])  # fmt: skip
    records = {r.apply_identifier: r for r in storage.triage().records}
    busy_row, quiet_row = records[busy.apply_identifier], records[quiet.apply_identifier]
    assert busy_row.database_name == quiet_row.database_name

    assert (busy_row.failed_tasks, busy_row.cancelled_tasks, busy_row.completed_tasks) == (2, 1, 1)
    assert busy_row.total_tasks == 4
    assert (busy_row.failed_operations, busy_row.failed_operations_elsewhere) == (2, 1)
    assert busy_row.blocking_operations == 1
    assert (busy_row.pending_stop_or_cancel, busy_row.redrive_count) == (("stop",), 1)

    assert (quiet_row.failed_tasks, quiet_row.cancelled_tasks, quiet_row.completed_tasks) == (
        1, 0, 0,
    )  # fmt: skip
    assert quiet_row.total_tasks == 1
    assert (quiet_row.failed_operations, quiet_row.failed_operations_elsewhere) == (1, 0)
    assert quiet_row.blocking_operations == 0
    assert (quiet_row.pending_stop_or_cancel, quiet_row.redrive_count) == ((), 0)
