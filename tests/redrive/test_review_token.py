"""Review tokens: string round trip, validation, and "what changed" messages."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import update

from services.redrive.review import run_review
from services.redrive.token import (
    build_token,
    decode_token,
    describe_token_changes,
    encode_token,
)
from services.redrive.validation import RedriveRejection
from services.storage import schema
from tests.redrive.review_storage_support import (
    EMAIL,
    CountingSources,
    FixedTargets,
    desired_file,
    live_table,
    open_storage,
    seed,
    stored_plan_data,
    write_snapshot,
)
from tests.redrive.review_support import NOW, make_apply, make_lock, make_op, make_task


def token(**changes):
    base = build_token(
        make_apply(),
        [make_task(1, "users", "failed"), make_task(2, "orders", "completed")],
        [make_op(101, "failed")],
        make_lock("alice"),
        "f" * 64,
    )
    return replace(base, **changes)


def test_string_round_trip() -> None:
    original = token()
    text = encode_token(original)
    assert text.startswith("rt1.") and "=" not in text
    assert decode_token(text) == original


def test_token_without_lock_round_trips() -> None:
    original = build_token(make_apply(), [], [], None, "")
    assert decode_token(encode_token(original)) == original


@pytest.mark.parametrize("text", ["", "rt2.abc", "rt1.!!!", "rt1.e30", "rt1." + "A" * 7])
def test_malformed_token_is_bad_input(text: str) -> None:
    with pytest.raises(RedriveRejection) as info:
        decode_token(text)
    assert info.value.code == "invalid_token" and info.value.status == 400


def test_rows_order_does_not_matter() -> None:
    tasks = [make_task(2, "orders", "completed"), make_task(1, "users", "failed")]
    again = build_token(make_apply(), tasks, [make_op(101, "failed")], make_lock("alice"), "f" * 64)
    assert again == token()


def test_unchanged_token_has_no_changes() -> None:
    assert describe_token_changes(token(), token()) == []


def test_each_change_is_named() -> None:
    old = token()
    new = replace(
        old,
        apply_state="failed_retryable",
        apply_updated_at="2026-07-01 12:00:05",
        task_states=((1, "failed_retryable"), (3, "failed")),
        operation_states=(),
        lock_owner="bob",
        lock_id=100,
        fingerprint="0" * 64,
    )
    assert describe_token_changes(old, new) == [
        "apply state changed failed -> failed_retryable",
        f"apply row was updated ({NOW.isoformat(sep=' ')} -> 2026-07-01 12:00:05)",
        "task 1 state changed failed -> failed_retryable",
        "task 2 disappeared (was completed)",
        "task 3 appeared (state failed)",
        "operation 101 disappeared (was failed)",
        "lock owner changed from alice to bob",
        "plan fingerprint changed",
    ]


def test_lock_released_and_replaced() -> None:
    assert describe_token_changes(token(), token(lock_owner=None, lock_id=None)) == [
        "lock owner changed from alice to nobody"
    ]
    assert describe_token_changes(token(), token(lock_id=7)) == ["lock row replaced (id 99 -> 7)"]


def test_completed_at_change_is_named() -> None:
    later = (NOW + timedelta(hours=1)).isoformat(sep=" ")
    assert describe_token_changes(token(), token(apply_completed_at=later)) == [
        f"apply completed_at changed {NOW.isoformat(sep=' ')} -> {later}"
    ]


def test_token_for_another_apply() -> None:
    other = token(apply_id=8, apply_identifier="apply-other")
    assert describe_token_changes(token(), other) == [
        "the token is for apply apply-redrive, not apply-other"
    ]


def test_a_second_review_names_what_changed_in_storage(storage_url, tmp_path) -> None:
    storage = open_storage(storage_url)
    desired = {"testdb": {"users.sql": desired_file("users", EMAIL)}}
    live = {"testdb": {"users": live_table("users")}}
    seeded = seed(
        storage,
        desired=desired,
        plan_data=stored_plan_data(desired, live),
        tasks=[{"table_name": "users", "state": "failed"}],
        lock={"owner": "alice"},
    )
    targets = FixedTargets(write_snapshot(tmp_path / "live", live))

    def review():
        return run_review(storage, targets, seeded.apply_identifier, "staging", "bob",
                          source_for=CountingSources())  # fmt: skip

    first = review()
    assert describe_token_changes(first.token, review().token) == []
    with storage.engine.begin() as conn:
        conn.execute(
            update(schema.tasks)
            .where(schema.tasks.c.id == seeded.task_ids[0])
            .values(state="failed_retryable")
        )
        conn.execute(update(schema.locks).values(owner="carol"))
    changes = describe_token_changes(first.token, review().token)
    assert f"task {seeded.task_ids[0]} state changed failed -> failed_retryable" in changes
    assert "lock owner changed from alice to carol" in changes
    storage.engine.dispose()
