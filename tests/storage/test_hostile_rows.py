"""Rows SchemaBot never writes, from storage without its constraints, never break a read.

A NULL in a NOT NULL column makes that one row unreadable (named), two ``locks`` rows or a
NULL owner make a lock without a nameable owner, two applies with one identifier are
refused, never picked between. Run on MariaDB and SQLite.
"""

from __future__ import annotations

import pytest
from sqlalchemy import null, update

from services.domain.errors import AmbiguousApplyError, NullColumnError
from services.domain.lock_owner import AMBIGUOUS_LOCK, UNKNOWN_LOCK_OWNER
from services.storage.schema import applies, plans
from services.storage.store import Storage

from .factories import default_database, insert_apply, insert_failed_apply, insert_lock
from .hostile import allow_null, drop_unique


def _two_failed_applies(storage: Storage):
    with storage.engine.begin() as conn:
        return insert_failed_apply(conn), insert_failed_apply(conn)


@pytest.mark.parametrize(
    "column", ["deployment", "environment", "database_name", "created_at", "options"]
)
def test_a_null_apply_column_marks_only_that_row_unreadable(storage: Storage, column) -> None:
    bad, good = _two_failed_applies(storage)
    with storage.engine.begin() as conn:
        allow_null(conn, "applies", column)
        conn.execute(update(applies).where(applies.c.id == bad.apply_id).values({column: null()}))
    records = {r.id: r for r in storage.triage().records}
    assert set(records) == {bad.apply_id, good.apply_id}
    assert records[bad.apply_id].apply is None
    assert records[bad.apply_id].problem.startswith(f"applies.{column} is NULL")
    assert records[good.apply_id].problem is None
    assert records[good.apply_id].apply is not None
    with pytest.raises(NullColumnError, match=rf"applies\.{column} is NULL"):
        storage.load_bundle(bad.apply_identifier)
    assert storage.load_bundle(good.apply_identifier) is not None


@pytest.mark.parametrize("column", ["deployment", "plan_data", "database_name"])
def test_a_null_plan_column_is_named_when_the_apply_is_loaded(storage: Storage, column) -> None:
    bad, good = _two_failed_applies(storage)
    with storage.engine.begin() as conn:
        allow_null(conn, "plans", column)
        conn.execute(update(plans).where(plans.c.id == bad.plan_id).values({column: null()}))
    with pytest.raises(NullColumnError, match=rf"plans\.{column} is NULL"):
        storage.load_bundle(bad.apply_identifier)
    assert storage.load_bundle(good.apply_identifier) is not None
    assert len(storage.triage().records) == 2


def test_two_locks_rows_are_one_ambiguous_lock(storage: Storage) -> None:
    seeded, other = _two_failed_applies(storage)
    with storage.engine.begin() as conn:
        drop_unique(conn, "locks", "idx_database")
        first = insert_lock(conn, owner="acme/a#1")
        second = insert_lock(conn, owner="acme/b#2")
    records = storage.triage().records
    assert sorted(r.id for r in records) == sorted([seeded.apply_id, other.apply_id])
    for record in records:
        assert record.unnamed_lock.code == AMBIGUOUS_LOCK
        assert record.unnamed_lock.lock_ids == (first, second)
        assert record.lock_owner is None
    bundle = storage.load_bundle(seeded.apply_identifier)
    assert bundle.lock is None
    assert bundle.unnamed_lock.code == AMBIGUOUS_LOCK
    assert bundle.unnamed_lock.lock_ids == (first, second)


def test_a_null_lock_owner_is_an_unknown_owner_not_a_free_lock(storage: Storage) -> None:
    seeded, _ = _two_failed_applies(storage)
    with storage.engine.begin() as conn:
        allow_null(conn, "locks", "owner")
        lock_id = insert_lock(conn, owner=None)
    (record, _) = storage.triage().records
    assert record.unnamed_lock.code == UNKNOWN_LOCK_OWNER
    assert record.lock_id == lock_id
    assert record.lock_owner is None
    bundle = storage.load_bundle(seeded.apply_identifier)
    assert bundle.lock.id == lock_id and bundle.lock.owner is None
    assert bundle.unnamed_lock.code == UNKNOWN_LOCK_OWNER


def test_a_single_named_lock_is_no_problem(storage: Storage) -> None:
    seeded, _ = _two_failed_applies(storage)
    with storage.engine.begin() as conn:
        insert_lock(conn, owner="acme/a#1")
    assert all(r.unnamed_lock is None for r in storage.triage().records)
    bundle = storage.load_bundle(seeded.apply_identifier)
    assert bundle.lock.owner == "acme/a#1" and bundle.unnamed_lock is None


def test_two_applies_sharing_an_identifier_are_refused_not_picked(storage: Storage) -> None:
    seeded, _ = _two_failed_applies(storage)
    with storage.engine.begin() as conn:
        drop_unique(conn, "applies", "idx_apply_identifier")
        twin = insert_apply(
            conn,
            apply_identifier=seeded.apply_identifier,
            plan_id=seeded.plan_id,
            database_name=default_database(),
        )
    with pytest.raises(AmbiguousApplyError) as caught:
        storage.load_bundle(seeded.apply_identifier)
    assert caught.value.reason_code == "ambiguous_apply"
    assert caught.value.row_ids == (seeded.apply_id, twin)
    with pytest.raises(AmbiguousApplyError):
        storage.load_progress(seeded.apply_identifier)
    shared = [r for r in storage.triage().records if r.apply_identifier == seeded.apply_identifier]
    assert sorted(r.id for r in shared) == [seeded.apply_id, twin]
    assert {r.identifier_rows for r in shared} == {2}
