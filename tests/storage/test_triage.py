"""The triage list: failed applies, filters, keyset pages, per-apply counts, no N+1."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from services.storage.cursor import InvalidCursorError
from services.storage.schema import applies

from .factories import (
    drive_task_states,
    insert_control_request,
    insert_failed_applies_bulk,
    insert_failed_apply,
    insert_log,
    utcnow,
)


def _ids(result) -> list[str]:
    return [r.apply_identifier for r in result.records]


def test_only_failed_applies_are_listed_whatever_their_case(storage) -> None:
    with storage.engine.begin() as conn:
        failed = insert_failed_apply(conn)
        upper = insert_failed_apply(conn, apply={"state": "FAILED"})
        prefixed = insert_failed_apply(conn, apply={"state": "STATE_FAILED"})
        for state in ("failed_retryable", "completed", "running", "cancelled", "stopped"):
            insert_failed_apply(conn, apply={"state": state})
    listed = set(_ids(storage.triage()))
    assert listed == {failed.apply_identifier, upper.apply_identifier, prefixed.apply_identifier}


def test_filters_environment_database_and_since(storage) -> None:
    now = utcnow()
    with storage.engine.begin() as conn:
        prod = insert_failed_apply(conn)
        staging = insert_failed_apply(conn, apply={"environment": "staging"})
        billing = insert_failed_apply(conn, apply={"database_name": "billing"})
        old = insert_failed_apply(conn, apply={"completed_at": now - timedelta(days=3)})
        no_completion = insert_failed_apply(conn, apply={"completed_at": None})
    everything = set(_ids(storage.triage()))
    assert everything == {
        prod.apply_identifier,
        staging.apply_identifier,
        billing.apply_identifier,
        old.apply_identifier,
        no_completion.apply_identifier,
    }
    assert _ids(storage.triage(environment="staging")) == [staging.apply_identifier]
    assert _ids(storage.triage(database="billing")) == [billing.apply_identifier]
    recent = set(_ids(storage.triage(since=now - timedelta(days=1))))
    assert recent == {prod.apply_identifier, staging.apply_identifier, billing.apply_identifier}
    both = storage.triage(environment="production", database="orders", since=now - timedelta(1))
    assert _ids(both) == [prod.apply_identifier]


def test_keyset_pages_cover_every_row_once_in_order_with_ties_and_nulls(storage) -> None:
    now = utcnow()
    stamps = [now - timedelta(minutes=m) for m in (1, 5, 5, 5, 9, 12)] + [None, None]
    with storage.engine.begin() as conn:
        seeded = [insert_failed_apply(conn, apply={"completed_at": s}) for s in stamps]
    expected = [
        s.apply_identifier
        for s, _ in sorted(
            zip(seeded, stamps, strict=True),
            key=lambda pair: (pair[1] is not None, pair[1] or now, pair[0].apply_id),
            reverse=True,
        )
    ]
    pages: list[list[str]] = []
    cursor = None
    while True:
        page = storage.triage(cursor=cursor, limit=3)
        pages.append(_ids(page))
        cursor = page.next_cursor
        if cursor is None:
            break
    assert [len(p) for p in pages] == [3, 3, 2]
    assert [i for p in pages for i in p] == expected


def test_pages_cover_mixed_state_spellings_with_tied_times_exactly_once(storage) -> None:
    now = utcnow()
    spellings = ["failed", "FAILED", "State_Failed", "failed", "Failed", "STATE_FAILED"]
    with storage.engine.begin() as conn:
        seeded = {
            insert_failed_apply(conn, apply={"state": s, "completed_at": stamp}).apply_identifier
            for s in spellings
            for stamp in (now, now - timedelta(minutes=1), None)
        }
    seen: list[str] = []
    cursor = None
    for _ in range(20):
        page = storage.triage(cursor=cursor, limit=4)
        seen += _ids(page)
        cursor = page.next_cursor
        if cursor is None:
            break
    assert sorted(seen) == sorted(seeded)


def test_pages_with_since_stop_at_the_window(storage) -> None:
    now = utcnow()
    with storage.engine.begin() as conn:
        for minutes in range(5):
            insert_failed_apply(conn, apply={"completed_at": now - timedelta(minutes=minutes)})
        insert_failed_apply(conn, apply={"completed_at": now - timedelta(days=2)})
        insert_failed_apply(conn, apply={"completed_at": None})
    first = storage.triage(since=now - timedelta(days=1), limit=3)
    second = storage.triage(since=now - timedelta(days=1), limit=3, cursor=first.next_cursor)
    assert len(first.records) == 3 and len(second.records) == 2
    assert second.next_cursor is None


@pytest.mark.parametrize("cursor", ["garbage!", "WzEsMl0", "bnVsbA", "WyJ4IiwgMV0"])
def test_a_cursor_the_console_did_not_make_is_rejected(storage, cursor: str) -> None:
    with pytest.raises(InvalidCursorError):
        storage.triage(cursor=cursor)


def test_counts_per_apply(storage) -> None:
    with storage.engine.begin() as conn:
        seeded = insert_failed_apply(
            conn,
            operations=[
                {"deployment": "primary", "operation_key": "app/-80/users", "state": "failed"},
                {"deployment": "eu-west", "operation_key": "app/80-/users", "state": "failed"},
                {"deployment": "primary", "operation_key": "app/c0-/users", "state": "stopped"},
                {"deployment": "primary", "operation_key": "app/e0-/x", "state": "completed"},
            ],
            tasks=[
                {"state": "completed", "table_name": "accounts"},
                {"state": "failed", "table_name": "users"},
                {"state": "cancelled", "table_name": "orders"},
                {"state": "Cancelled", "table_name": "items"},
                # shard drive row: its work op key names it
                {"state": "failed", "shard": "-80", "operation_index": 0},
                # reflected per-shard progress rows: not counted
                {"state": "failed", "shard": "90-", "operation_index": 0},
                {"state": "failed", "shard": "a0-"},
            ],
            lock={"owner": "cli:bob@laptop"},
        )
        insert_log(conn, seeded.apply_id, message="Redrive requested by user (caller: unknown)")
        insert_log(conn, seeded.apply_id, message="Reapply requested by user (caller: c@x)")
        insert_log(conn, seeded.apply_id, message="Operator claimed apply to resume it")
        insert_log(conn, seeded.apply_id, message="redrive requested by user? no: lowercase")
        insert_control_request(conn, seeded.apply_id, operation="stop", status="pending")
        insert_control_request(conn, seeded.apply_id, operation="cancel", status="completed")
        insert_control_request(conn, seeded.apply_id, operation="start", status="PENDING")
        other = insert_failed_apply(conn, apply={"database_name": "billing"})
    records = {r.apply_identifier: r for r in storage.triage().records}
    record = records[seeded.apply_identifier]
    assert (record.failed_tasks, record.cancelled_tasks, record.completed_tasks) == (2, 2, 1)
    assert record.total_tasks == 5
    assert record.failed_operations == 2
    assert record.failed_operations_elsewhere == 1
    assert record.blocking_operations == 1
    assert record.pending_controls == ("start", "stop")
    assert record.pending_stop_or_cancel == ("stop",)
    assert record.lock_owner == "cli:bob@laptop"
    assert record.lock_id == seeded.lock_id
    assert record.lock_created_at is not None
    assert record.redrive_count == 2
    assert record.error_message.startswith("Error 1062")
    assert record.apply is not None and record.apply.id == seeded.apply_id
    assert record.problem is None

    plain = records[other.apply_identifier]
    assert (plain.failed_tasks, plain.total_tasks, plain.failed_operations) == (1, 1, 0)
    assert (plain.lock_owner, plain.redrive_count, plain.pending_controls) == (None, 0, ())


def test_an_unknown_child_state_is_no_decode_problem(storage) -> None:
    """A state this console does not know is read verbatim (the list's state rule refuses it)."""
    with storage.engine.begin() as conn:
        odd = insert_failed_apply(conn, tasks=[{"state": "failed"}, {"state": "half-done"}])
    [record] = [r for r in storage.triage().records if r.apply_identifier == odd.apply_identifier]
    assert record.apply is not None and record.problem is None
    assert (record.failed_tasks, record.total_tasks) == (1, 2)


def test_database_now_comes_with_the_page(storage) -> None:
    result = storage.triage()
    assert result.records == ()
    assert abs(result.database_now - utcnow()) < timedelta(minutes=1)


@pytest.mark.parametrize("size", [1, 1000])
def test_statement_count_is_constant_whatever_the_page_size(
    storage, count_statements, size: int
) -> None:
    """1 page query + 4 grouped child queries, for 1 apply as for 1,000 (no N+1)."""
    with storage.engine.begin() as conn:
        ids = insert_failed_applies_bulk(conn, size)
        insert_log(conn, ids[0], message="Redrive requested by user (caller: a)")
    count_statements.reset()
    result = storage.triage(limit=1000)
    assert count_statements.count == 5
    assert len(result.records) == size
    assert all(
        (r.failed_tasks, r.cancelled_tasks, r.completed_tasks, r.total_tasks) == (1, 1, 1, 3)
        for r in result.records
    )
    assert sum(r.redrive_count for r in result.records) == 1
    assert result.next_cursor is None


def test_uppercase_failed_state_with_case_sensitive_sqlite(storage) -> None:
    """The SQL filter lower-cases; it never relies on MySQL's case-insensitive collation."""
    with storage.engine.begin() as conn:
        seeded = insert_failed_apply(conn)
        conn.execute(update(applies).values(state="Failed"))
    assert _ids(storage.triage()) == [seeded.apply_identifier]


def test_triage_counts_the_same_drive_rows_as_the_bundle(storage) -> None:
    """SQL and Python share one drive-row definition; operation keys compare case-sensitively."""
    with storage.engine.begin() as conn:
        seeded = insert_failed_apply(
            conn,
            operations=[
                {"operation_key": "APP/-80/users"},
                {"operation_key": "app/80-/users"},
                {"operation_key": "app/c0-/users", "operation_kind": "Work"},
            ],
            tasks=[
                {"state": "failed", "shard": "-80", "operation_index": 0},
                {"state": "failed", "shard": "80-", "operation_index": 1},
                {"state": "cancelled", "shard": "c0-", "operation_index": 2},
                {"state": "completed"},
            ],
        )
    record = storage.triage().records[0]
    bundle = storage.load_bundle(seeded.apply_identifier)
    assert [t.id for t in bundle.reflected_tasks] == [seeded.task_ids[0]]
    drive_states = sorted(drive_task_states(bundle).values())
    assert drive_states == ["cancelled", "completed", "failed"]
    assert (record.failed_tasks, record.cancelled_tasks, record.completed_tasks) == (1, 1, 1)
    assert record.total_tasks == len(drive_states) == 3


def test_operation_kind_with_stray_spaces_counts_like_the_bundle(storage) -> None:
    """``is_drive_task`` trims ``operation_kind``; the triage SQL must agree."""
    with storage.engine.begin() as conn:
        seeded = insert_failed_apply(
            conn,
            operations=[{"operation_key": "app/-80/users", "operation_kind": " work "}],
            tasks=[{"state": "failed", "shard": "-80", "operation_index": 0}],
        )
    record = storage.triage().records[0]
    bundle = storage.load_bundle(seeded.apply_identifier)
    assert [t.id for t in bundle.tasks] == [seeded.task_ids[0]]
    assert (record.failed_tasks, record.total_tasks) == (1, 1)
