"""``execute_redrive`` end to end: review, locks, re-plan under the lock, reopen, audit.

The target is a schema snapshot folder, re-planned by the real planner; storage is the real
MariaDB (and SQLite where the behaviour is shared). Every refusal is checked against a full
dump of every table.
"""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select, text

from services.domain.errors import RedriveRefused
from services.redrive.execute import execute_redrive
from services.redrive.named_lock import apply_target_lock_name
from services.redrive.review import run_review
from services.redrive.validation import RedriveRejection
from services.storage.schema import apply_logs, locks
from services.storage.store import Storage
from tests.redrive.writeside_support import (
    PLAN_DATA,
    USERS_AFTER,
    SnapshotTargets,
    dump_tables,
    row,
    storage_engine,
    write_snapshot,
)
from tests.storage.factories import (
    RawJSON,
    default_database,
    insert_apply,
    insert_failed_apply,
    insert_lock,
)

OPERATOR = "cli:alice@ops-1"
ENV = "production"


@pytest.fixture
def storage(storage_url):
    storage_engine(storage_url).dispose()
    storage = Storage.from_url(storage_url)
    yield storage
    storage.engine.dispose()


@pytest.fixture
def mysql_storage(mysql_database_url):
    storage_engine(mysql_database_url).dispose()
    storage = Storage.from_url(mysql_database_url)
    yield storage
    storage.engine.dispose()


@pytest.fixture
def targets(tmp_path):
    return SnapshotTargets(write_snapshot(tmp_path / "snapshot"))


def _seed(storage, **kw):
    """A failed apply whose stored plan is what the planner emits against the snapshot."""
    with storage.engine.begin() as conn:
        return insert_failed_apply(
            conn,
            plan={"plan_data": PLAN_DATA},
            tasks=({"state": "failed"}, {"state": "completed", "table_name": "orders"}),
            **kw,
        )


def _review(storage, targets, seeded, operator=OPERATOR):
    review = run_review(storage, targets, seeded.apply_identifier, ENV, operator)
    assert review.redrivable, review.reason
    return review


def _redrive(storage, targets, seeded, review, **kw):
    kw.setdefault("reviewed", review.token)
    return execute_redrive(storage, targets, seeded.apply_identifier, ENV, OPERATOR, **kw)


def _audit_rows(storage):
    with storage.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(apply_logs))]


def _locks(storage):
    with storage.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(locks))]


def _rejected(storage, call, *fragments):
    before = dump_tables(storage.engine)
    outcome = call()
    assert outcome.status == "rejected", outcome
    for fragment in fragments:
        assert fragment in outcome.reason
    assert dump_tables(storage.engine) == before
    return outcome


def test_redrive_with_a_free_lock_reopens_and_audits(storage, targets):
    seeded = _seed(storage)
    review = _review(storage, targets, seeded)

    outcome = _redrive(storage, targets, seeded, review)

    assert outcome.status == "redriven", outcome.reason
    assert outcome.reopened_tasks == (seeded.task_ids[0],)
    assert (outcome.lock_owner, outcome.previous_lock_owner) == (OPERATOR, None)
    assert outcome.fingerprint == review.fingerprint
    (lock,) = _locks(storage)
    assert (lock["owner"], lock["pull_request"]) == (OPERATOR, 0)
    apply = row(storage.engine, "applies", seeded.apply_id)
    assert (apply["state"], apply["attempt"], apply["lock_id"]) == (
        "failed_retryable",
        0,
        lock["id"],
    )
    assert row(storage.engine, "tasks", seeded.task_ids[0])["state"] == "failed_retryable"
    assert row(storage.engine, "tasks", seeded.task_ids[1])["state"] == "completed"
    (audit,) = _audit_rows(storage)
    assert audit["message"] == f"Redrive requested by user (caller: {OPERATOR})"
    assert (audit["level"], audit["event_type"], audit["source"]) == ("info", "info", "schemabot")
    metadata = audit["metadata"]
    assert metadata["fingerprint"] == review.fingerprint
    assert metadata["forced"] is False
    assert metadata["previous_lock_owner"] is None
    assert metadata["reopened_task_ids"] == [seeded.task_ids[0]]
    assert metadata["reopened_operation_ids"] == []


def test_second_redrive_of_the_same_apply_is_rejected(storage, targets):
    seeded = _seed(storage)
    review = _review(storage, targets, seeded)
    assert _redrive(storage, targets, seeded, review).status == "redriven"
    _rejected(
        storage, lambda: _redrive(storage, targets, seeded, review),
        "is failed_retryable; only failed applies can be redriven",
    )  # fmt: skip


def test_lock_held_by_another_owner_needs_force(storage, targets):
    seeded = _seed(storage, lock={})
    review = _review(storage, targets, seeded)
    _rejected(
        storage, lambda: _redrive(storage, targets, seeded, review),
        "is held by another owner; retry with --force to take over the lock",
    )  # fmt: skip


def test_forced_takeover_records_the_previous_owner(storage, targets):
    seeded = _seed(storage, lock={})
    review = _review(storage, targets, seeded)

    outcome = _redrive(storage, targets, seeded, review, force=True)

    assert outcome.status == "redriven", outcome.reason
    assert (outcome.lock_owner, outcome.previous_lock_owner) == (OPERATOR, "acme/orders-schema#42")
    (lock,) = _locks(storage)
    assert (lock["owner"], lock["pull_request"]) == (OPERATOR, 0)
    (audit,) = _audit_rows(storage)
    assert audit["metadata"]["forced"] is True
    assert audit["metadata"]["previous_lock_owner"] == "acme/orders-schema#42"


def test_force_without_a_reviewed_token_is_refused(storage, targets):
    seeded = _seed(storage, lock={})
    review = _review(storage, targets, seeded)
    _rejected(
        storage, lambda: _redrive(storage, targets, seeded, review, force=True, reviewed=None),
        "force needs the reviewed token",
    )  # fmt: skip


def test_force_refused_while_another_apply_is_active_on_the_database(storage, targets):
    seeded = _seed(storage, lock={})
    review = _review(storage, targets, seeded)
    with storage.engine.begin() as conn:
        insert_apply(conn, environment="staging", state="running", completed_at=None)
    outcome = _rejected(
        storage, lambda: _redrive(storage, targets, seeded, review, force=True),
        f"force refused: active apply exists for {default_database()}/mysql", "running in staging",
    )  # fmt: skip
    assert outcome.reason_code == "active_apply"


def test_forced_takeover_then_refusal_restores_the_previous_lock(mysql_storage, targets):
    """The takeover happens, then an apply in another environment appears before the reopen
    checks (after the under-lock review): the database-wide check refuses, and the previous
    owner's lock row is back exactly (same id, owner, PR, pending plan, timestamps)."""
    storage = mysql_storage
    seeded = _seed(storage, lock={"pending_plan_id": "plan-77"})
    review = _review(storage, targets, seeded)

    def conflict_appears(step: str) -> None:
        if step == "lock_claimed":
            assert _locks(storage)[0]["owner"] == "acme/orders-schema#42"  # not committed yet
            with storage.engine.begin() as other:
                insert_apply(other, environment="staging", state="pending", completed_at=None)

    before = dump_tables(storage.engine)
    outcome = _redrive(storage, targets, seeded, review, force=True, checkpoint=conflict_appears)
    assert outcome.status == "rejected"
    assert f"active apply exists for {default_database()}/mysql: " in outcome.reason
    after = dump_tables(storage.engine)
    assert after["locks"] == before["locks"]
    assert after["tasks"] == before["tasks"]
    assert after["apply_logs"] == before["apply_logs"] == []
    assert row(storage.engine, "applies", seeded.apply_id)["state"] == "failed"


def test_refusal_after_a_forced_takeover_writes_nothing(storage, targets):
    seeded = _seed(storage, lock={"pending_plan_id": "plan-77"})
    review = _review(storage, targets, seeded)

    def refuse_after_takeover(step: str) -> None:
        if step == "lock_claimed":
            raise RedriveRefused("refused after the takeover")

    _rejected(
        storage,
        lambda: _redrive(storage, targets, seeded, review, force=True,
                         checkpoint=refuse_after_takeover),
        "refused after the takeover",
    )  # fmt: skip


def test_lock_changing_hands_between_review_and_confirm_is_refused(storage, targets):
    seeded = _seed(storage, lock={})
    review = _review(storage, targets, seeded)
    with storage.engine.begin() as conn:
        conn.execute(text("DELETE FROM locks"))
        insert_lock(conn, owner="acme/orders-schema#77", pull_request=77)
    outcome = _rejected(
        storage, lambda: _redrive(storage, targets, seeded, review, force=True),
        "changed since the review", "lock owner changed from acme/orders-schema#42 to "
        "acme/orders-schema#77",
    )  # fmt: skip
    assert outcome.lock_owner == "acme/orders-schema#77"  # as re-read, not as reviewed


def test_a_lock_freed_after_the_review_is_reported_free_on_the_refusal(storage, targets):
    seeded = _seed(storage, lock={})
    review = _review(storage, targets, seeded)
    with storage.engine.begin() as conn:
        conn.execute(text("DELETE FROM locks"))
    outcome = _rejected(
        storage, lambda: _redrive(storage, targets, seeded, review), "changed since the review"
    )
    assert review.lock.owner == "acme/orders-schema#42" and outcome.lock_owner is None


def test_live_schema_changing_between_review_and_confirm_is_refused(storage, targets):
    seeded = _seed(storage)
    review = _review(storage, targets, seeded)
    write_snapshot(targets.snapshot_dir, USERS_AFTER)  # someone applied the change by hand
    _rejected(
        storage, lambda: _redrive(storage, targets, seeded, review), "changed from stored plan"
    )


def test_apply_rows_changing_between_review_and_confirm_are_refused(storage, targets):
    seeded = _seed(storage)
    review = _review(storage, targets, seeded)
    with storage.engine.begin() as conn:
        conn.execute(text(f"UPDATE tasks SET state = 'cancelled' WHERE id = {seeded.task_ids[1]}"))
    _rejected(
        storage, lambda: _redrive(storage, targets, seeded, review),
        f"task {seeded.task_ids[1]} state changed completed -> cancelled",
    )  # fmt: skip


def test_expected_fingerprint_must_match(storage, targets):
    seeded = _seed(storage)
    review = _review(storage, targets, seeded)
    other = "0" * 16 if not review.fingerprint.startswith("0" * 16) else "f" * 16
    _rejected(
        storage, lambda: _redrive(storage, targets, seeded, review, expect_fingerprint=other),
        f"not the expected {other}",
    )  # fmt: skip
    outcome = _redrive(storage, targets, seeded, review, expect_fingerprint=review.fingerprint)
    assert outcome.status == "redriven"


def test_ctrl_c_during_the_write_rolls_back(storage, targets):
    seeded = _seed(storage)
    review = _review(storage, targets, seeded)
    before = dump_tables(storage.engine)

    def interrupt(step: str) -> None:
        if step == "apply_reopened":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _redrive(storage, targets, seeded, review, checkpoint=interrupt)
    assert dump_tables(storage.engine) == before
    assert _redrive(storage, targets, seeded, review).status == "redriven"


def test_schemabot_writer_holding_the_named_lock_makes_the_redrive_wait_then_fail(
    mysql_storage, targets
):
    storage = mysql_storage
    seeded = _seed(storage)
    review = _review(storage, targets, seeded)
    database = default_database()
    name = apply_target_lock_name(database, "mysql", ENV)
    with storage.engine.connect() as schemabot:
        assert schemabot.execute(text("SELECT GET_LOCK(:n, 0)"), {"n": name}).scalar() == 1
        started = time.monotonic()
        _rejected(
            storage, lambda: _redrive(storage, targets, seeded, review, lock_wait_seconds=1),
            f"timed out waiting for apply target lock for {database}/mysql/production",
        )  # fmt: skip
        assert time.monotonic() - started >= 1.0
        schemabot.execute(text("SELECT RELEASE_LOCK(:n)"), {"n": name})
    assert _redrive(storage, targets, seeded, review, lock_wait_seconds=1).status == "redriven"


@pytest.mark.parametrize("step", ["lock_claimed", "apply_reopened", "audit_written"])
def test_lock_acquired_for_a_refused_redrive_does_not_remain(storage, targets, step):
    seeded = _seed(storage)
    review = _review(storage, targets, seeded)

    def refuse(reached: str) -> None:
        if reached == step:
            assert reached != "lock_claimed" or _locks(storage) == []  # uncommitted insert
            raise RedriveRefused(f"refused at {reached}")

    _rejected(
        storage, lambda: _redrive(storage, targets, seeded, review, checkpoint=refuse),
        f"refused at {step}",
    )  # fmt: skip
    assert _locks(storage) == []


@pytest.mark.parametrize(
    ("plan", "fragment"),
    [
        ({"plan_data": RawJSON('{"app": {"tables": "not a list"}}')}, "column plan_data"),
        (
            {"plan_data": PLAN_DATA,
             "schema_files": {"app": {"Files": {"users.sql": "CREATE TABLE ((("}}}},
            "re-plan apply",
        ),
    ],
)  # fmt: skip
def test_malformed_plan_or_unparseable_schema_file_is_refused(storage, targets, plan, fragment):
    with storage.engine.begin() as conn:
        seeded = insert_failed_apply(conn, plan=plan)
    _rejected(
        storage,
        lambda: execute_redrive(storage, targets, seeded.apply_identifier, ENV, OPERATOR),
        fragment,
    )


@pytest.mark.parametrize(
    ("apply_id", "environment", "operator", "code", "fragment"),
    [
        ("apply-0000000000000000", ENV, OPERATOR, "apply_not_found", "not found"),
        (None, "staging", OPERATOR, "environment_mismatch",
         'belongs to environment "production", not "staging"'),
        (None, ENV, " ", "caller_required", "caller is required"),
    ],
)  # fmt: skip
def test_bad_request_raises_the_reason_and_writes_nothing(
    storage, targets, apply_id, environment, operator, code, fragment
):
    seeded = _seed(storage)
    before = dump_tables(storage.engine)
    with pytest.raises(RedriveRejection, match=fragment) as raised:
        execute_redrive(
            storage, targets, apply_id or seeded.apply_identifier, environment, operator
        )
    assert raised.value.code == code
    assert dump_tables(storage.engine) == before
