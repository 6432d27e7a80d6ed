"""The triage list through ``RedriveService.list_failed`` on real storage: cheap checks only."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from services.redrive.service import RedriveService
from services.redrive.triage import READY
from services.targets import Target
from tests.redrive.review_storage_support import open_storage
from tests.storage.factories import SeededApply, insert_control_request, insert_failed_apply

OPERATOR = "cli:me@host"


class Targets:
    """Snapshot targets, except ``grpcdb`` which this console cannot re-plan."""

    def resolve(self, database: str, environment: str) -> Target:
        if database == "grpcdb":
            return Target(database, environment, "mysql", "d", "t",
                          unsupported_reason="gRPC mode without a DSN")  # fmt: skip
        return Target(database, environment, "mysql", "primary", database,
                      snapshot_dir=Path("/snapshots"))  # fmt: skip


class NeverPlans:
    def __call__(self, target):
        raise AssertionError("the triage list must never plan")


@pytest.fixture
def storage(storage_url):
    storage = open_storage(storage_url)
    yield storage
    storage.engine.dispose()


@pytest.fixture
def service(storage) -> RedriveService:
    return RedriveService(storage, Targets(), operator=OPERATOR, source_for=NeverPlans())


def add(storage, database: str, **kw) -> SeededApply:
    kw.setdefault("tasks", [{"state": "failed"}])
    apply = {"database_name": database, **kw.pop("apply", {})}
    if "lock" in kw:
        kw["lock"] = {"database_name": database, **kw["lock"]}
    with storage.engine.begin() as conn:
        return insert_failed_apply(conn, apply=apply, plan={"database_name": database}, **kw)


def rows_by_database(service, **kw):
    return {row.database: row for row in service.list_failed(**kw).rows}


def test_ready_row_with_counts_and_window(storage, service) -> None:
    add(storage, "ready", tasks=[{"state": "failed"}, {"state": "cancelled", "table_name": "b"},
                                 {"state": "completed", "table_name": "c"}])  # fmt: skip
    [row] = service.list_failed().rows
    assert row.redrivable and row.reason == READY
    assert (row.tasks.failed, row.tasks.cancelled, row.tasks.completed, row.tasks.total) == (
        1, 1, 1, 3,
    )  # fmt: skip
    assert row.window_ends_at == row.failed_at + timedelta(days=1)
    assert row.error.startswith("Error 1062")


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        ({"apply": {"deployment": ""}}, "legacy row without a deployment"),
        (
            {"operations": [{"state": "failed"}, {"state": "stopped", "operation_key": "k"}]},
            "1 stopped, cancelled, or reverted operation(s)",
        ),
        (
            {"operations": [{"state": "failed", "deployment": "secondary"}]},
            'failed work outside primary deployment "primary"',
        ),
        ({"tasks": [{"state": "completed"}]}, "no failed work to redrive"),
    ],
)
def test_not_redrivable_rows_say_why(storage, service, setup, reason) -> None:
    add(storage, "db1", **setup)
    [row] = service.list_failed().rows
    assert not row.redrivable
    assert reason in row.reason


def test_pending_cancel_request_is_shown(storage, service) -> None:
    seeded = add(storage, "db1")
    with storage.engine.begin() as conn:
        insert_control_request(conn, seeded.apply_id, operation="cancel")
    [row] = service.list_failed().rows
    assert not row.redrivable and row.reason == "pending cancel request"


def test_unsupported_target_is_said_up_front(storage, service) -> None:
    add(storage, "grpcdb")
    [row] = service.list_failed().rows
    assert not row.redrivable
    assert row.reason == "cannot re-plan here: gRPC mode without a DSN"


def test_lock_held_by_someone_else_is_redrivable_with_force(storage, service) -> None:
    add(storage, "orders", lock={"owner": "acme/orders-schema#42"})
    add(storage, "mine", lock={"owner": OPERATOR, "database_name": "mine"})
    rows = rows_by_database(service)
    assert rows["orders"].redrivable
    assert "held by acme/orders-schema#42 (redrive needs force)" in rows["orders"].reason
    assert rows["orders"].lock_owner == "acme/orders-schema#42"
    assert rows["mine"].redrivable and rows["mine"].reason == READY


def test_task_counts_name_stopped_pending_and_every_other_state(storage, service) -> None:
    add(storage, "mixed", tasks=[
        {"state": "failed"}, {"state": "stopped", "table_name": "b"},
        {"state": "pending", "table_name": "c"}, {"state": "pending", "table_name": "d"},
        {"state": "reverted", "table_name": "e"}, {"state": "completed", "table_name": "f"},
    ])  # fmt: skip
    [row] = service.list_failed().rows
    counts = row.tasks
    assert (counts.failed, counts.completed, counts.stopped, counts.pending, counts.other) == (
        1, 1, 1, 2, 1,
    )  # fmt: skip
    assert counts.total == 6 == (
        counts.failed + counts.cancelled + counts.completed + counts.stopped + counts.pending
        + counts.other
    )  # fmt: skip


def test_stale_failures_only_with_all(storage, service) -> None:
    now = storage.database_now()
    add(storage, "fresh", apply={"completed_at": now - timedelta(hours=23)})
    add(storage, "stale", apply={"completed_at": now - timedelta(days=1, minutes=1)})
    assert set(rows_by_database(service)) == {"fresh"}
    rows = rows_by_database(service, include_all=True)
    assert set(rows) == {"fresh", "stale"}
    assert not rows["stale"].redrivable
    assert "outside the redrive window" in rows["stale"].reason


def test_older_failures_hidden_by_the_window_are_counted(storage, service) -> None:
    now = storage.database_now()
    add(storage, "fresh", apply={"completed_at": now - timedelta(hours=23)})
    add(storage, "stale", apply={"completed_at": now - timedelta(days=3)})
    add(storage, "stale2", apply={"completed_at": now - timedelta(days=2), "environment": "qa"})
    add(storage, "done", apply={"completed_at": now - timedelta(days=3), "state": "completed"})
    assert service.count_older_failed() == 2
    assert service.count_older_failed(environment="qa") == 1
    assert service.count_older_failed(database="fresh") == 0
    hidden = set(rows_by_database(service, include_all=True)) - set(rows_by_database(service))
    assert hidden == {"stale", "stale2"}


def test_filters_by_environment_and_database(storage, service) -> None:
    add(storage, "a", apply={"environment": "staging"})
    add(storage, "b", apply={"environment": "production"})
    assert set(rows_by_database(service, environment="staging")) == {"a"}
    assert set(rows_by_database(service, database="b")) == {"b"}


@pytest.mark.parametrize(
    ("setup", "code"),
    [
        ({"tasks": [{"state": "failed"}, {"state": "checksumming", "table_name": "b"}]},
         "in_flight_tasks"),
        ({"tasks": [{"state": "failed"}, {"state": "reverting", "table_name": "b"}]},
         "in_flight_tasks"),
        ({"tasks": [{"state": "failed"}, {"state": "half-done", "table_name": "b"}]},
         "unknown_state"),
        ({"tasks": [{"state": "failed"}, {"state": "stopped", "table_name": "b"}]},
         "blocking_tasks"),
        ({"operations": [{"state": "failed"}, {"state": "recovering_cutover",
                                               "operation_key": "k"}]},
         "active_operations"),
        ({"operations": [{"state": "failed"}, {"state": "exploded", "operation_key": "k"}]},
         "unknown_state"),
    ],
)  # fmt: skip
def test_row_states_refuse_like_the_review(storage, service, setup, code) -> None:
    """The list classifies task and operation states with the review's rule and reason code."""
    seeded = add(storage, "db1", **setup)
    [row] = service.list_failed().rows
    assert (row.redrivable, row.reason_code) == (False, code), row.reason
    assert row.unreadable is None
    review = service.review(seeded.apply_identifier, row.environment)
    assert review.reason_code == code
