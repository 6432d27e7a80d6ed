"""Triage rows: the failed-apply list with a "redrivable?" answer from cheap checks only.

No re-plan and no per-apply read happens here: the answer comes from the counts the storage
triage query returns (unreadable row, applies sharing an identifier, state, completion time,
window on the database clock, legacy ``''`` deployment, task and operation states classified
as the review does (blocking, still running or unknown), pending stop/cancel requests, a lock
without a nameable owner, failed work outside the primary deployment, no failed work,
unsupported target). A lock held by someone else keeps the row redrivable — with force — and
the reason says so: the list says why not up front rather than as a late failure.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from services.domain.states import normalize_state
from services.redrive.model import TaskCounts, TriageRow
from services.redrive.policy import RecoveryAction, policy_for
from services.redrive.validation import DEFAULT_WINDOW, RedriveRejection, check_state_tallies
from services.storage.queries import TriageRecord
from services.storage.store import Storage
from services.targets import TargetResolver

READY = "failed work can be reviewed for redrive"


def triage_row(
    record: TriageRecord,
    database_now: datetime,
    *,
    operator: str,
    targets: TargetResolver | None = None,
    window: timedelta = DEFAULT_WINDOW,
    generation: str = "unknown",
) -> TriageRow:
    """One list row; ``redrivable`` is False with the first failing cheap check as reason
    (and its ``reason_code``, the one the review would give)."""
    problem = _policy_problem(record, generation) or _first_problem(
        record, database_now, targets, window
    )
    code, reason = problem or ("", READY)
    lock_owner = record.lock_owner
    unnamed = record.unnamed_lock
    if problem is None and lock_owner is not None and lock_owner != operator:
        reason = f"{READY}; the database lock is held by {lock_owner} (redrive needs force)"
    return TriageRow(
        apply_id=record.apply_identifier,
        database=record.database_name,
        database_type=record.database_type,
        environment=record.environment,
        deployment=record.deployment,
        failed_at=record.completed_at,
        window_ends_at=record.completed_at + window if record.completed_at else None,
        attempt=record.attempt,
        tasks=task_counts(record),
        error=record.error_message or "",
        lock_owner=lock_owner,
        lock_held_since=record.lock_created_at,
        redrivable=problem is None,
        reason=reason,
        reason_code=code,
        redrive_count=record.redrive_count,
        row_id=record.id,
        unreadable=record.problem,
        lock_problem=unnamed.label if unnamed else None,
        retry_after=record.retry_after,
        superseded_by=record.superseded_by,
        throttled_tasks=record.throttled_tasks,
        pending_drops=record.pending_drops,
    )


def task_counts(record: TriageRecord) -> TaskCounts:
    """The record's drive task rows by state, stopped, pending and every other state included."""
    by_state: Counter[str] = Counter()
    for tally in record.task_states:
        by_state[normalize_state(tally.state)] += tally.count
    named = (
        record.failed_tasks
        + record.cancelled_tasks
        + record.completed_tasks
        + by_state["stopped"]
        + by_state["pending"]
    )
    return TaskCounts(
        failed=record.failed_tasks,
        cancelled=record.cancelled_tasks,
        completed=record.completed_tasks,
        total=record.total_tasks,
        stopped=by_state["stopped"],
        pending=by_state["pending"],
        other=record.total_tasks - named,
    )


def count_outside_window(
    storage: Storage,
    window: timedelta,
    *,
    environment: str | None = None,
    database: str | None = None,
) -> int:
    """How many failed applies the list inside the redrive window hides: failed before it
    opened on the database clock, or without a completion time (one COUNT)."""
    since = storage.database_now() - window
    return storage.count_failed_before(since, environment=environment, database=database)


def _policy_problem(record: TriageRecord, generation: str) -> tuple[str, str] | None:
    """The storage generation's refusal of the reopen, for a failed apply (see ``policy``)."""
    policy = policy_for(generation)
    if policy.allows(RecoveryAction.REOPEN) or normalize_state(record.state) != "failed":
        return None
    return policy.refusal_code, policy.refusal_reason


def _first_problem(
    record: TriageRecord,
    database_now: datetime,
    targets: TargetResolver | None,
    window: timedelta,
) -> tuple[str, str] | None:
    """``(reason_code, message)`` of the first failing cheap check, in the review's order and
    with the review's reason codes; task and operation states go through the review's own
    ``check_state_tallies`` rule."""
    if record.problem:
        return "malformed_row", f"unreadable row: {record.problem}"
    if record.identifier_rows > 1:
        return "ambiguous_apply", (
            f"ambiguous apply: {record.identifier_rows} applies rows share the identifier "
            f"{record.apply_identifier}; fix the storage rows"
        )
    if normalize_state(record.state) != "failed":
        return "not_failed", f"state is {record.state}; only failed applies can be redriven"
    if record.completed_at is None:
        return "no_completion_time", "no failure completion time; create a new apply instead"
    if record.completed_at < database_now - window:
        return "stale_failure", "failed outside the redrive window; create a new apply instead"
    if not record.deployment.strip():
        return "missing_target_metadata", (
            "legacy row without a deployment (missing target metadata); create a new apply"
        )
    try:
        check_state_tallies(record.apply_identifier, record.task_states, record.operation_states)
    except RedriveRejection as refusal:
        return refusal.code, refusal.message
    if record.pending_stop_or_cancel:
        pending = " and ".join(record.pending_stop_or_cancel)
        return "pending_control_request", f"pending {pending} request"
    if record.unnamed_lock is not None:
        return record.unnamed_lock.code, record.unnamed_lock.message
    if record.failed_operations_elsewhere:
        return "outside_primary_deployment", (
            f'failed work outside primary deployment "{record.deployment}"'
        )
    if not (record.failed_tasks or record.cancelled_tasks or record.failed_operations):
        return "no_failed_work", "no failed work to redrive"
    if targets is not None:
        target = targets.resolve(record.database_name, record.environment)
        if target.unsupported_reason:
            return "unsupported_target", f"cannot re-plan here: {target.unsupported_reason}"
        if not target.url and target.snapshot_dir is None:
            return "unsupported_target", (
                "cannot re-plan here: no DSN or schema snapshot for this environment"
            )
    return None
