"""``RedriveService``: the facade's review, redrive delegation, logs and progress on storage."""

from __future__ import annotations

import pytest

from services.redrive.model import Verdict
from services.redrive.service import RedriveService
from services.redrive.validation import RedriveRejection
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

DESIRED = {"testdb": {"users.sql": desired_file("users", EMAIL)}}
LIVE = {"testdb": {"users": live_table("users")}}


@pytest.fixture
def storage(sqlite_url):
    storage = open_storage(sqlite_url)
    yield storage
    storage.engine.dispose()


def test_review_then_redrive_with_the_token(storage, tmp_path) -> None:
    seeded = seed(
        storage,
        desired=DESIRED,
        plan_data=stored_plan_data(DESIRED, LIVE),
        tasks=[{"table_name": "users", "state": "failed"}],
    )
    sources = CountingSources()
    service = RedriveService(
        storage,
        FixedTargets(write_snapshot(tmp_path / "live", LIVE)),
        operator="cli:alice@ops-1",
        source_for=sources,
    )
    review = service.review(seeded.apply_identifier, "staging")
    assert review.verdict is Verdict.MATCH and review.lock.operator == "cli:alice@ops-1"
    outcome = service.redrive(
        seeded.apply_identifier, "staging", operator="cli:alice@ops-1", reviewed=review.token
    )
    assert outcome.redriven, outcome.reason
    assert outcome.reopened_tasks == review.reopen_task_ids
    assert sources.requests == 2, "one plan for the review, one under the lock"
    progress = service.progress(seeded.apply_identifier)
    assert progress.apply.state == "failed_retryable"
    [audit] = service.apply_logs(seeded.apply_identifier, limit=5)
    assert audit.message == "Redrive requested by user (caller: cli:alice@ops-1)"
    again = service.review(seeded.apply_identifier, "staging")
    assert again.reason_code == "not_failed" and again.redrive_count == 1


def test_unknown_apply_is_not_found(storage) -> None:
    service = RedriveService(storage, FixedTargets(None), operator="x")
    with pytest.raises(RedriveRejection) as info:
        service.progress("apply-nope")
    assert info.value.status == 404


def test_default_operator_is_the_cli_identity(storage) -> None:
    service = RedriveService(storage, FixedTargets(None))
    assert service.operator.startswith("cli:") and "@" in service.operator
