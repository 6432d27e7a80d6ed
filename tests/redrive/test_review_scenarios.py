"""``run_review`` on real storage (MariaDB and SQLite): the acceptance scenarios of
the read-side redrive scenarios.

The "live" database is a snapshot folder; the stored plan is what the real planner produced
against the live schema at plan time. ``CountingSources`` proves when a plan request happens,
and a full table dump proves that a review writes nothing (no plan rows, no lock).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from services.domain.models import TableChange
from services.redrive.model import TableStatus, Verdict
from services.redrive.review import run_review
from services.redrive.validation import RedriveRejection
from services.storage import schema
from tests.redrive.review_storage_support import (
    EMAIL,
    NOTE,
    PHONE,
    CountingSources,
    FixedTargets,
    desired_file,
    live_table,
    open_storage,
    raw_dump,
    seed,
    stored_plan_data,
    write_snapshot,
)
from tests.storage.factories import RawJSON

OPERATOR = "operator@example.com"
USERS_V0 = {"testdb": {"users": live_table("users")}}
DESIRED_USERS = {"testdb": {"users.sql": desired_file("users", EMAIL)}}


@pytest.fixture
def storage(storage_url):
    storage = open_storage(storage_url)
    yield storage
    storage.engine.dispose()


@pytest.fixture
def sources() -> CountingSources:
    return CountingSources()


@pytest.fixture
def live(tmp_path):
    """Write the live schema; returns the snapshot folder."""

    def write(tables):
        return write_snapshot(tmp_path / "live", tables)

    return write


def review(storage, live_dir, sources, environment="staging", **target_overrides):
    """Review the only apply in storage, proving that nothing is written."""
    with storage.engine.connect() as conn:
        ident = conn.execute(schema.applies.select()).first().apply_identifier
    before = raw_dump(storage.engine)
    result = run_review(
        storage,
        FixedTargets(live_dir, **target_overrides),
        ident,
        environment,
        OPERATOR,
        source_for=sources,
    )
    assert raw_dump(storage.engine) == before, "a review must write nothing"
    return result


def seed_users(storage, **kw):
    kw.setdefault("desired", DESIRED_USERS)
    kw.setdefault("plan_data", stored_plan_data(DESIRED_USERS, USERS_V0))
    kw.setdefault("tasks", [{"table_name": "users", "state": "failed"}])
    return seed(storage, **kw)


def test_redrives_failed_apply_when_plan_still_matches(storage, live, sources) -> None:
    seeded = seed_users(storage)
    result = review(storage, live(USERS_V0), sources)
    assert result.verdict is Verdict.MATCH, result.reason
    assert result.redrivable and result.reason_code == ""
    assert result.reopen_task_ids == tuple(seeded.task_ids)
    assert [(c.table, c.status) for c in result.comparisons] == [("users", TableStatus.SAME)]
    assert result.fingerprint and result.fingerprint == result.fresh_fingerprint
    assert result.plan_identifier == "plan-source"
    assert result.token is not None and result.token.fingerprint == result.fingerprint
    # the plan request used the source plan's database and environment
    assert [(t.database, t.environment) for t in sources.targets] == [("testdb", "staging")]
    assert sources.loads == ["testdb"]


def test_rejects_changed_plan_without_redriving(storage, live, sources) -> None:
    desired = {"testdb": {"users.sql": desired_file("users", EMAIL, PHONE)}}
    then = {"testdb": {"users": live_table("users", PHONE)}}
    seed_users(storage, desired=desired, plan_data=stored_plan_data(desired, then))
    now = {"testdb": {"users": live_table("users", EMAIL)}}
    result = review(storage, live(now), sources)
    assert result.verdict is Verdict.MISMATCH
    assert result.reason_code == "plan_changed"
    assert "changed from stored plan plan-source" in result.reason
    [row] = result.comparisons
    assert row.status is TableStatus.CHANGED
    assert "`email`" in row.stored[0].ddl and "`phone`" in row.fresh[0].ddl
    assert result.fingerprint != result.fresh_fingerprint
    assert sources.requests == 1


def test_accepts_remaining_work_after_completed_task(storage, live, sources) -> None:
    desired = {
        "testdb": {
            "users.sql": desired_file("users", EMAIL),
            "orders.sql": desired_file("orders", NOTE),
        }
    }
    then = {"testdb": {"users": live_table("users"), "orders": live_table("orders")}}
    seeded = seed(
        storage,
        desired=desired,
        plan_data=stored_plan_data(desired, then),
        tasks=[
            {"table_name": "users", "state": "completed"},
            {"table_name": "orders", "state": "failed"},
        ],
    )
    now = {"testdb": {"users": live_table("users", EMAIL), "orders": live_table("orders")}}
    result = review(storage, live(now), sources)
    assert result.verdict is Verdict.MATCH, result.reason
    assert [c.table for c in result.comparisons] == ["orders"]
    assert result.reopen_task_ids == (seeded.task_ids[1],)


def test_extra_drift_on_another_table_is_a_mismatch(storage, live, sources) -> None:
    desired = {
        "testdb": {
            "users.sql": desired_file("users", EMAIL),
            "orders.sql": desired_file("orders", NOTE),
        }
    }
    then = {"testdb": {"users": live_table("users"), "orders": live_table("orders", NOTE)}}
    seed_users(storage, desired=desired, plan_data=stored_plan_data(desired, then))
    now = {"testdb": {"users": live_table("users"), "orders": live_table("orders")}}
    result = review(storage, live(now), sources)
    assert result.verdict is Verdict.MISMATCH
    statuses = {c.table: c.status for c in result.comparisons}
    assert statuses == {"users": TableStatus.SAME, "orders": TableStatus.ONLY_FRESH}


@pytest.mark.parametrize(
    ("setup", "code", "text"),
    [
        pytest.param(
            {
                "operations": [
                    {"deployment": "default", "state": "completed"},
                    {"deployment": "secondary", "state": "failed"},
                ],
                "tasks": [
                    {"table_name": "users", "state": "completed", "operation_index": 0},
                    {"table_name": "users", "state": "failed", "operation_index": 1},
                ],
            },
            "outside_primary_deployment",
            'failed work outside primary deployment "default"',
            id="outside-primary-deployment",
        ),
        pytest.param(
            {"apply": {"state": "cancelled"}},
            "not_failed",
            "is cancelled; only failed applies can be redriven",
            id="cancelled-apply",
        ),
        pytest.param(
            {"tasks": [{"table_name": "users", "state": "failed", "apply_operation_id": 999}]},
            "missing_operation_row",
            "missing operation row 999",
            id="missing-operation-row",
        ),
        pytest.param(
            {"apply": {"deployment": ""}, "plan": {"deployment": ""}},
            "missing_target_metadata",
            "missing target metadata",
            id="legacy-empty-deployment",
        ),
        pytest.param(
            {
                "operations": [
                    {
                        "state": "failed",
                        "operation_kind": "group_finalizer",
                        "operation_key": "/group_finalizer",
                    }
                ],
                "tasks": [],
            },
            "malformed_finalizer_key",
            'malformed finalizer key "/group_finalizer"',
            id="malformed-finalizer-key",
        ),
        pytest.param(
            {"tasks": [{"table_name": "users", "state": "completed"}]},
            "no_failed_work",
            "has no failed work to redrive",
            id="no-failed-work",
        ),
        pytest.param(
            {"operations": [{"state": "failed"}, {"state": "reverted", "operation_key": "x"}]},
            "blocking_operations",
            "1 stopped, cancelled, or reverted operation(s)",
            id="reverted-operation",
        ),
    ],
)
def test_refusals_happen_before_any_plan_request(storage, live, sources, setup, code, text) -> None:
    seed_users(storage, **setup)
    result = review(storage, live(USERS_V0), sources)
    assert result.verdict is Verdict.NOT_REDRIVABLE
    assert result.reason_code == code
    assert text in result.reason
    assert sources.requests == 0 and sources.loads == []


def test_rejects_stale_failure_without_plan_request(storage, live, sources) -> None:
    now = storage.database_now()
    seed_users(storage, apply={"completed_at": now - timedelta(days=2)})
    result = review(storage, live(USERS_V0), sources)
    assert "failed more than" in result.reason
    assert sources.requests == 0


def test_window_boundary_on_the_database_clock(storage, live, sources) -> None:
    now = storage.database_now()
    seeded = seed_users(storage, apply={"completed_at": now - timedelta(days=1, seconds=1)})
    assert review(storage, live(USERS_V0), sources).reason_code == "stale_failure"
    # a minute inside the window (the review reads the clock again, a few ms later)
    with storage.engine.begin() as conn:
        conn.execute(
            update(schema.applies)
            .where(schema.applies.c.id == seeded.apply_id)
            .values(completed_at=now - timedelta(days=1) + timedelta(minutes=1))
        )
    assert review(storage, live(USERS_V0), sources).verdict is Verdict.MATCH


def test_rejects_environment_mismatch_without_plan_request(storage, live, sources) -> None:
    seed_users(storage)
    result = review(storage, live(USERS_V0), sources, environment="production")
    assert 'belongs to environment "staging", not "production"' in result.reason
    assert result.reason_code == "environment_mismatch"
    assert sources.requests == 0


def test_pending_stop_request_is_refused(storage, live, sources) -> None:
    from tests.storage.factories import insert_control_request

    seeded = seed_users(storage)
    with storage.engine.begin() as conn:
        insert_control_request(conn, seeded.apply_id, operation="stop")
    result = review(storage, live(USERS_V0), sources)
    assert result.reason_code == "pending_control_request"
    assert sources.requests == 0


def test_reflected_per_shard_rows_are_neither_compared_nor_reopened(storage, live, sources) -> None:
    seeded = seed_users(
        storage,
        tasks=[
            {"table_name": "users", "state": "failed"},
            {"table_name": "users", "state": "failed", "shard": "-80"},
            {"table_name": "users", "state": "cancelled", "shard": "80-"},
        ],
    )
    result = review(storage, live(USERS_V0), sources)
    assert result.verdict is Verdict.MATCH, result.reason
    assert result.reopen_task_ids == (seeded.task_ids[0],)
    assert result.reflected_task_ids == tuple(seeded.task_ids[1:])
    assert any("per-shard progress row" in note for note in result.notes)
    # the token still binds every task row of the apply, as the write side re-reads them
    assert {i for i, _ in result.token.task_states} == set(seeded.task_ids)


def test_lock_held_by_another_owner_still_matches_and_says_force(storage, live, sources) -> None:
    seed_users(storage, lock={"owner": "other-owner"})
    result = review(storage, live(USERS_V0), sources)
    assert result.verdict is Verdict.MATCH
    assert result.lock.held_by_other and result.lock.owner == "other-owner"
    assert result.token.lock_owner == "other-owner"
    assert any("needs force" in note for note in result.notes)


def test_unparseable_schema_file_is_refused_with_the_reason(storage, live, sources) -> None:
    broken = {"testdb": {"users.sql": "CREATE TABLE users (id bigint NOT NULL,, PRIMARY KEY"}}
    seed_users(storage, desired=broken)
    result = review(storage, live(USERS_V0), sources)
    assert result.verdict is Verdict.NOT_REDRIVABLE
    assert result.reason_code == "replan_failed"
    assert result.reason.startswith("re-plan apply apply-")


def test_config_change_of_deployment_is_a_mismatch_without_replan(storage, live, sources) -> None:
    seed_users(storage)
    result = review(storage, live(USERS_V0), sources, deployment="tenant1")
    assert result.verdict is Verdict.MISMATCH
    assert "deployment changed from 'default' to 'tenant1'" in result.reason
    assert sources.requests == 0


@pytest.mark.parametrize(
    ("setup", "column"),
    [
        pytest.param(
            {"plan_data": RawJSON('{"testdb": {"tables": 5}}')}, "plan_data", id="bad-plan-json"
        ),
    ],
)
def test_unreadable_rows_are_refused_and_nothing_is_written(
    storage, live, sources, setup, column
) -> None:
    seeded = seed_users(storage, **setup)
    before = raw_dump(storage.engine)
    with pytest.raises(RedriveRejection) as info:
        run_review(storage, FixedTargets(live(USERS_V0)), seeded.apply_identifier, "staging",
                   OPERATOR, source_for=sources)  # fmt: skip
    assert info.value.code == "malformed_row"
    assert f"column {column}" in str(info.value)
    assert raw_dump(storage.engine) == before
    assert sources.requests == 0


def test_an_unknown_task_state_is_shown_verbatim_and_refused_without_a_replan(
    storage, live, sources
) -> None:
    """A later SchemaBot's state is read, not rejected as malformed: the review names it as
    stored, treats it as work that may be running, and never redrives it."""
    seeded = seed_users(storage, tasks=[{"state": "Exploded"}])
    before = raw_dump(storage.engine)
    result = run_review(storage, FixedTargets(live(USERS_V0)), seeded.apply_identifier,
                        "staging", OPERATOR, source_for=sources)  # fmt: skip
    assert (result.verdict, result.reason_code) == (Verdict.NOT_REDRIVABLE, "unknown_state")
    assert "unknown state 'Exploded'" in result.reason
    assert raw_dump(storage.engine) == before
    assert sources.requests == 0


def test_unknown_apply_is_a_not_found_rejection(storage, live, sources) -> None:
    with pytest.raises(RedriveRejection) as info:
        run_review(storage, FixedTargets(live(USERS_V0)), "apply-missing", "staging", OPERATOR,
                   source_for=sources)  # fmt: skip
    assert info.value.status == 404 and sources.requests == 0


@pytest.mark.parametrize(
    ("apply_id", "environment", "operator", "message"),
    [
        ("", "staging", OPERATOR, "apply_id is required"),
        ("apply-x", " ", OPERATOR, "environment is required"),
        ("apply-x", "staging", "", "caller is required"),
    ],
)
def test_bad_requests_are_refused_before_any_read(apply_id, environment, operator, message):
    class NoStorage:
        def load_bundle(self, _ident):
            raise AssertionError("read before validating the request")

    with pytest.raises(RedriveRejection, match=message) as info:
        run_review(NoStorage(), FixedTargets(None), apply_id, environment, operator)
    assert info.value.status == 400


def test_stage_callback_reports_progress(storage, live, sources) -> None:
    seed_users(storage)
    stages: list[str] = []
    with storage.engine.connect() as conn:
        ident = conn.execute(schema.applies.select()).first().apply_identifier
    run_review(storage, FixedTargets(live(USERS_V0)), ident, "staging", OPERATOR,
               source_for=sources, on_stage=stages.append)  # fmt: skip
    assert stages == ["loading apply", "validating", "re-planning", "comparing", "pre-flight"]


def test_unsafe_flag_difference_is_a_change(storage, live, sources) -> None:
    data = stored_plan_data(DESIRED_USERS, USERS_V0)
    data["testdb"]["tables"][0].update(is_unsafe=True, unsafe_reason="adds a column")
    seed_users(storage, plan_data=data)
    result = review(storage, live(USERS_V0), sources)
    assert result.verdict is Verdict.MISMATCH
    assert isinstance(result.comparisons[0].stored[0], TableChange)
    assert result.comparisons[0].status is TableStatus.CHANGED
