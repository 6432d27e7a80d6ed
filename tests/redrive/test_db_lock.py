"""The ``locks`` row inside the redrive transaction: acquire, keep, forced compare-and-swap
takeover, and exact restoration on rollback (P4)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from services.domain.errors import RedriveRefused
from services.redrive.db_lock import (
    ACQUIRED,
    KEPT,
    TAKEN_OVER,
    claim_lock,
    lock_row_for_update,
)
from services.redrive.reopen import writing_transaction
from services.storage.schema import locks
from tests.redrive.writeside_support import dump_tables, storage_engine
from tests.storage.factories import insert_lock

OPERATOR = "cli:alice@ops-1"


@pytest.fixture
def engine(storage_url):
    engine = storage_engine(storage_url)
    yield engine
    engine.dispose()


def _claim(conn, *, expected_owner, force=False):
    current = lock_row_for_update(conn, "orders", "mysql")
    return claim_lock(
        conn, current, database="orders", database_type="mysql", operator=OPERATOR,
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
        pytest.raises(RedriveRefused, match="retry with force to take over the lock"),
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
