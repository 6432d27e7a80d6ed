"""The ``locks`` row inside the redrive transaction: acquire, keep, forced compare-and-swap
takeover, and exact restoration on rollback."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.domain.errors import RedriveRefused
from services.domain.lock_owner import AMBIGUOUS_LOCK, UNKNOWN_LOCK_OWNER
from services.redrive.db_lock import (
    ACQUIRED,
    KEPT,
    TAKEN_OVER,
    UnnamedLockRefused,
    claim_lock,
    lock_row_for_update,
)
from services.redrive.reopen import writing_transaction
from services.redrive.service import RedriveService
from services.storage.schema import locks
from services.storage.store import Storage
from tests.redrive.writeside_support import (
    PLAN_DATA,
    SnapshotTargets,
    dump_tables,
    storage_engine,
    write_snapshot,
)
from tests.storage.factories import default_database, insert_failed_apply, insert_lock
from tests.storage.hostile import allow_null, drop_unique

OPERATOR = "cli:alice@ops-1"


@pytest.fixture
def engine(storage_url):
    engine = storage_engine(storage_url)
    yield engine
    engine.dispose()


def _claim(conn, *, expected_owner, force=False):
    database = default_database()
    current = lock_row_for_update(conn, database, "mysql")
    return claim_lock(
        conn, current, database=database, database_type="mysql", operator=OPERATOR,
        repository="acme/orders-schema", expected_owner=expected_owner, force=force,
    )  # fmt: skip


def _lock_rows(engine):
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(locks))]


def test_free_lock_is_acquired_as_the_operator(engine):
    with writing_transaction(engine) as conn:
        claim = _claim(conn, expected_owner=None)
        conn.commit()
    (lock,) = _lock_rows(engine)
    assert claim.action == ACQUIRED and claim.previous is None
    assert (lock["id"], lock["owner"], lock["pull_request"]) == (claim.lock_id, OPERATOR, 0)


def test_free_lock_acquired_then_rolled_back_leaves_no_lock(engine):
    with writing_transaction(engine) as conn:
        _claim(conn, expected_owner=None)
    assert _lock_rows(engine) == []


def test_lock_held_by_the_operator_is_kept_unchanged(engine):
    with engine.begin() as conn:
        lock_id = insert_lock(conn, owner=OPERATOR, pull_request=0)
    before = dump_tables(engine)
    with writing_transaction(engine) as conn:
        claim = _claim(conn, expected_owner=OPERATOR)
        conn.commit()
    assert (claim.action, claim.lock_id) == (KEPT, lock_id)
    assert dump_tables(engine) == before


def test_lock_held_by_another_owner_is_refused_without_force(engine):
    with engine.begin() as conn:
        insert_lock(conn)
    before = dump_tables(engine)
    with (
        pytest.raises(RedriveRefused, match="retry with --force to take over the lock"),
        writing_transaction(engine) as conn,
    ):
        _claim(conn, expected_owner="acme/orders-schema#42")
    assert dump_tables(engine) == before


def test_forced_takeover_makes_a_new_operator_lock(engine):
    with engine.begin() as conn:
        old_id = insert_lock(conn, pending_plan_id="plan-1")
    with writing_transaction(engine) as conn:
        claim = _claim(conn, expected_owner="acme/orders-schema#42", force=True)
        conn.commit()
    (lock,) = _lock_rows(engine)
    assert claim.action == TAKEN_OVER
    assert claim.previous_owner == "acme/orders-schema#42"
    assert lock["id"] == claim.lock_id
    if engine.dialect.name != "sqlite":  # SQLite reuses the highest rowid after a delete
        assert claim.lock_id != old_id
    assert (lock["owner"], lock["pull_request"], lock["pending_plan_id"]) == (OPERATOR, 0, "")


def test_forced_takeover_then_refusal_restores_the_previous_lock_exactly(engine):
    with engine.begin() as conn:
        insert_lock(conn, pending_plan_id="plan-1")
    before = dump_tables(engine)
    with (
        pytest.raises(RedriveRefused, match="later check"),
        writing_transaction(engine) as conn,
    ):
        _claim(conn, expected_owner="acme/orders-schema#42", force=True)
        assert _lock_rows(engine) == [dict(zip(locks.c.keys(), before["locks"][0], strict=True))]
        raise RedriveRefused("a later check refused")
    assert dump_tables(engine) == before


def test_lock_that_changed_hands_since_the_review_is_refused_even_with_force(engine):
    with engine.begin() as conn:
        insert_lock(conn, owner="acme/orders-schema#77", pull_request=77)
    before = dump_tables(engine)
    with (
        pytest.raises(RedriveRefused, match="changed hands since the review"),
        writing_transaction(engine) as conn,
    ):
        _claim(conn, expected_owner="acme/orders-schema#42", force=True)
    assert dump_tables(engine) == before


def test_lock_taken_since_a_free_review_is_refused(engine):
    with engine.begin() as conn:
        insert_lock(conn)
    with (
        pytest.raises(RedriveRefused, match=r"held by nobody \(free\), now by"),
        writing_transaction(engine) as conn,
    ):
        _claim(conn, expected_owner=None)


# -- a lock without a nameable owner (storage without SchemaBot's constraints) --------------


def _duplicate_lock_rows(conn) -> None:
    drop_unique(conn, "locks", "idx_database")
    insert_lock(conn, owner="acme/a#1")
    insert_lock(conn, owner="acme/b#2")


def _null_owner_row(conn) -> None:
    allow_null(conn, "locks", "owner")
    insert_lock(conn, owner=None)


UNNAMED = [(_duplicate_lock_rows, AMBIGUOUS_LOCK), (_null_owner_row, UNKNOWN_LOCK_OWNER)]


@pytest.mark.parametrize(("make", "code"), UNNAMED)
@pytest.mark.parametrize("force", [False, True])
def test_a_lock_without_a_nameable_owner_is_never_claimed(engine, make, code, force):
    with engine.begin() as conn:
        make(conn)
    before = dump_tables(engine)
    with pytest.raises(UnnamedLockRefused) as caught, writing_transaction(engine) as conn:
        _claim(conn, expected_owner="acme/a#1", force=force)
    assert caught.value.code == code
    assert "unknown owner" in str(caught.value)
    assert dump_tables(engine) == before


@pytest.mark.parametrize(("make", "code"), UNNAMED)
def test_a_lock_row_appearing_after_the_review_refuses_the_forced_redrive(
    engine, tmp_path, make, code
):
    """The review saw one named owner; the write finds the hostile rows and writes nothing."""
    database = default_database()
    with engine.begin() as conn:
        route = {"database_name": database, "deployment": "primary"}
        plan = {"plan_data": PLAN_DATA, "target": "", **route}
        seeded = insert_failed_apply(conn, plan=plan, apply=route)
        if code == AMBIGUOUS_LOCK:
            insert_lock(conn, owner="acme/a#1")
    service = RedriveService(
        Storage(engine), SnapshotTargets(write_snapshot(tmp_path / "snap")), operator=OPERATOR
    )
    review = service.review(seeded.apply_identifier, "production")
    assert review.redrivable, review.reason
    with engine.begin() as conn:
        if code == AMBIGUOUS_LOCK:
            drop_unique(conn, "locks", "idx_database")
            insert_lock(conn, owner="acme/b#2")
        else:
            make(conn)
    before = dump_tables(engine)
    outcome = service.redrive(
        seeded.apply_identifier, "production", operator=OPERATOR, force=True,
        reviewed=review.token,
    )  # fmt: skip
    assert (outcome.status, outcome.reason_code) == ("rejected", code)
    assert "unknown owner" in outcome.reason
    assert dump_tables(engine) == before
