"""Each demo scenario gets the verdict it was written for, through the real service and planner."""

from __future__ import annotations

import argparse

import pytest

from app.service_factory import build_service
from services.demo import SCENARIOS, build_demo
from services.redrive.model import TableStatus, Verdict
from services.redrive.preflight_step import NO_LIVE_TARGET

OPERATOR = "cli:oncall@demo-host"
FAILED = [spec for spec in SCENARIOS if spec.state == "failed"]
EXPECTED_VERDICT = {
    "match": Verdict.MATCH,
    "match_needs_force": Verdict.MATCH,
    "mismatch": Verdict.MISMATCH,
    "not_redrivable": Verdict.NOT_REDRIVABLE,
}
REASONS = {
    "too_old": "failed more than 1 day(s) ago",
    "secondary_deployment": 'outside primary deployment "billing"',
    "stopped_operation": "stopped, cancelled, or reverted operation",
    "grpc_target": "gRPC mode",
    "pending_cancel": "pending control request",
}


def _service(config_path):
    args = argparse.Namespace(config=str(config_path), storage_url=None, operator=OPERATOR)
    return build_service(args)


@pytest.fixture(scope="module")
def service(demo):
    built = _service(demo.config_path)
    yield built
    built.storage.engine.dispose()


@pytest.mark.parametrize("spec", FAILED, ids=lambda spec: spec.key)
def test_review_verdict(service, demo, spec):
    review = service.review(demo.applies[spec.key], spec.environment)
    assert review.verdict is EXPECTED_VERDICT[spec.expect], review.reason
    if spec.key in REASONS:
        assert REASONS[spec.key] in review.reason
    if spec.expect == "match_needs_force":
        assert review.lock.held_by_other and review.lock.owner == spec.lock_owner
    elif spec.expect == "match":
        assert review.lock.free
        remaining = {(t.namespace, t.table) for t in spec.tasks if t.state != "completed"}
        assert {(c.namespace, c.table) for c in review.comparisons} == remaining
        assert all(c.status is TableStatus.SAME for c in review.comparisons)


@pytest.mark.parametrize("spec", [s for s in FAILED if s.preflight], ids=lambda spec: spec.key)
def test_preflight_verdict(service, demo, spec):
    review = service.review(demo.applies[spec.key], spec.environment)
    assert review.preflight is not None, review.reason
    assert review.preflight.verdict.value == spec.preflight, review.preflight.tables
    if spec.preflight == "unknown":  # snapshot targets hold no data: said, never guessed
        assert review.preflight.notes == (NO_LIVE_TARGET,)
        assert [t.classification.error_code for t in review.preflight.tables] == [1062]


def test_drift_shows_the_changed_table(service, demo):
    review = service.review(demo.applies["drift"], "staging")
    statuses = {c.table: c.status for c in review.comparisons}
    assert statuses == {"stock_levels": TableStatus.CHANGED, "warehouses": TableStatus.SAME}


def test_triage_lists_every_failure_inside_the_window(service, demo):
    page = service.list_failed()
    listed = {row.apply_id for row in page.rows}
    inside = {demo.applies[s.key] for s in FAILED if s.key != "too_old"}
    assert listed == inside
    everything = service.list_failed(include_all=True).rows
    assert demo.applies["too_old"] in {row.apply_id for row in everything}


def test_redrive_and_forced_takeover_on_the_demo(tmp_path):
    demo = build_demo(tmp_path / "demo")
    service = _service(demo.config_path)
    try:
        done = service.redrive(demo.applies["redrivable"], "production", operator=OPERATOR)
        assert done.redriven, done.reason
        assert service.progress(demo.applies["redrivable"]).apply.state == "failed_retryable"

        held = demo.applies["lock_held"]
        refused = service.redrive(held, "production", operator=OPERATOR)
        assert not refused.redriven and "force" in refused.reason
        reviewed = service.review(held, "production").token
        forced = service.redrive(
            held, "production", operator=OPERATOR, force=True, reviewed=reviewed
        )
        assert forced.redriven, forced.reason
        assert forced.previous_lock_owner == "block/accounts-service#4821"
        assert forced.lock_owner == OPERATOR

        drifted = service.redrive(demo.applies["drift"], "staging", operator=OPERATOR)
        assert not drifted.redriven
        assert service.progress(demo.applies["drift"]).apply.state == "failed"
    finally:
        service.storage.engine.dispose()
