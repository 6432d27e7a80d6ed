"""The cheap redrive checks: request, apply, freshness, target metadata, row states, controls.

Every check is a pure function over the decoded rows and raises a ``RedriveRejection`` whose
``code`` is a stable name and whose message says why in words. All of them run before any
re-plan (a refusal leaves no plan behind); the write side runs them again inside its transaction.

Freshness uses the database clock (``ApplyBundle.database_now``) with one boundary:
``completed_at >= database_now - window`` is fresh, so the exact boundary is allowed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Protocol

from services.domain.errors import RedriveRefused
from services.domain.models import Apply, ApplyBundle, ControlRequest, Plan
from services.domain.states import (
    APPLY_STATES,
    StateClass,
    StateTally,
    normalize_state,
    operation_state_class,
    task_state_class,
)

DEFAULT_WINDOW = timedelta(days=1)

# HTTP-like status of each refusal, as SchemaBot's API: 400 bad request, 404 not found, 409 not
# redrivable, 500 internal. The CLI's exit codes follow the reason code, not this status.
STATUS_BY_CODE: dict[str, int] = {
    "apply_id_required": 400,
    "environment_required": 400,
    "caller_required": 400,
    "apply_not_found": 404,
    "environment_mismatch": 400,
    "not_failed": 409,
    "no_completion_time": 409,
    "stale_failure": 409,
    "plan_not_found": 500,
    "missing_target_metadata": 409,
    "missing_operation_row": 500,
    "malformed_finalizer_key": 409,
    "no_failed_work": 409,
    "outside_primary_deployment": 409,
    "blocking_operations": 409,
    "active_operations": 409,
    "blocking_tasks": 409,
    "in_flight_tasks": 409,
    "active_apply": 409,
    "unknown_state": 409,
    "pending_control_request": 409,
    "unsupported_target": 409,
    "target_type_changed": 409,
    "replan_failed": 409,
    "plan_changed": 409,
    "target_changed": 409,
    "invalid_token": 400,
    "invalid_fingerprint": 400,
    "malformed_row": 409,
    "terminal_final": 409,
    "unknown_generation": 409,
}

# Control requests that would act on a reopened apply.
BLOCKING_CONTROL_OPERATIONS = frozenset({"stop", "cancel"})


class StatefulRow(Protocol):
    """What the state checks read of a task or operation row: a decoded ``Task`` or
    ``ApplyOperation``, or a row read under lock by the reopen transaction."""

    @property
    def id(self) -> int: ...

    @property
    def state(self) -> str: ...


class RedriveRejection(RedriveRefused):
    """A redrive refusal with a stable ``code`` and a message saying why; nothing was written."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.status = STATUS_BY_CODE.get(code, 409)
        super().__init__(message)

    @property
    def message(self) -> str:
        return str(self)


def validate_request(apply_identifier: str, environment: str, operator: str) -> None:
    """Checks 1-3: every request field is required; the caller is checked before any read."""
    if not apply_identifier.strip():
        raise RedriveRejection("apply_id_required", "apply_id is required")
    if not environment.strip():
        raise RedriveRejection("environment_required", "environment is required")
    if not operator.strip():
        raise RedriveRejection("caller_required", "caller is required")


def window_ends_at(apply: Apply, window: timedelta = DEFAULT_WINDOW) -> datetime | None:
    """The last database time at which this failure is still fresh enough to redrive."""
    return None if apply.completed_at is None else apply.completed_at + window


def check_environment(apply: Apply, environment: str) -> None:
    """Check 7: the request names the apply's environment."""
    if apply.environment != environment:
        raise RedriveRejection(
            "environment_mismatch",
            f'apply "{apply.apply_identifier}" belongs to environment "{apply.environment}", '
            f'not "{environment}"',
        )


def check_failed_and_fresh(
    apply: Apply, database_now: datetime, window: timedelta = DEFAULT_WINDOW
) -> None:
    """Checks 8-10: terminal ``failed``, a completion time, and inside the window."""
    ident = apply.apply_identifier
    state = normalize_state(apply.state)
    if state != "failed":
        unknown = "" if state in APPLY_STATES else " (unknown state)"
        raise RedriveRejection(
            "not_failed",
            f"apply {ident} is {apply.state}{unknown}; only failed applies can be redriven",
        )
    if apply.completed_at is None:
        raise RedriveRejection(
            "no_completion_time",
            f"apply {ident} has no failure completion time; create a new apply instead",
        )
    if apply.completed_at < database_now - window:
        raise RedriveRejection(
            "stale_failure",
            f"apply {ident} failed more than {_describe_window(window)} ago; "
            "create a new apply instead",
        )


def check_plan_present(bundle: ApplyBundle) -> Plan:
    """Check 11: the source plan row exists; returns it."""
    if bundle.plan is None:
        raise RedriveRejection(
            "plan_not_found",
            f"plan {bundle.apply.plan_id} not found for redrive apply "
            f"{bundle.apply.apply_identifier}",
        )
    return bundle.plan


def check_target_metadata(apply: Apply, plan: Plan | None = None) -> None:
    """Legacy rows with an empty target field (notably ``deployment = ''``) cannot be redriven:
    the reopened apply would run against an unnamed deployment."""
    fields = [
        ("database", apply.database_name),
        ("database type", apply.database_type),
        ("environment", apply.environment),
        ("deployment", apply.deployment),
    ]
    if plan is not None:
        fields.append(("plan deployment", plan.deployment))
    missing = [name for name, value in fields if not (value or "").strip()]
    if missing:
        raise RedriveRejection(
            "missing_target_metadata",
            f"apply {apply.apply_identifier} is missing target metadata for redrive "
            f"(empty {', '.join(missing)}; legacy row); create a new apply instead",
        )


def check_row_states(
    ident: str, tasks: Iterable[StatefulRow], operations: Iterable[StatefulRow]
) -> None:
    """Refuse unless every task and operation of the apply has ended or never started.

    In order: a state this console does not know; a stopped, cancelled or reverted operation;
    an operation that is pending or in flight; a stopped or reverted task; a task whose work may
    still be running (checksumming, reverting, a cutover, a retry, …). A ``pending`` task never
    started and is left alone. The review and the locked transaction both call this.
    """
    _refuse_row_states(
        ident,
        [_Rows("task", t.state, 1, f"task {t.id}") for t in tasks if not _quiet_task(t.state)],
        [
            _Rows("operation", op.state, 1, f"operation {op.id}")
            for op in operations
            if not _quiet_operation(op.state)
        ],
    )


# States no check refuses, classified once per spelling: an apply of 20,000 rows has a few.
@lru_cache(maxsize=256)
def _quiet_task(state: str) -> bool:
    quiet = {StateClass.REOPENABLE, StateClass.DONE, StateClass.PENDING}
    return task_state_class(state) in quiet


@lru_cache(maxsize=256)
def _quiet_operation(state: str) -> bool:
    return operation_state_class(state) in {StateClass.REOPENABLE, StateClass.DONE}


def check_state_tallies(
    ident: str, tasks: Iterable[StateTally], operations: Iterable[StateTally]
) -> None:
    """``check_row_states`` over grouped states, for the triage list: the same classes, order
    and reason codes; the message counts rows instead of naming them."""
    _refuse_row_states(
        ident,
        [_Rows("task", t.state, t.count, f"{t.count} task(s)") for t in tasks if t.count],
        [
            _Rows("operation", o.state, o.count, f"{o.count} operation(s)")
            for o in operations
            if o.count
        ],
    )


@dataclass(frozen=True, slots=True)
class _Rows:
    """One row (``label`` "task 12") or a tally of rows (``label`` "3 task(s)") in one state."""

    kind: str
    state: str
    count: int
    label: str

    @property
    def state_class(self) -> StateClass:
        classify = task_state_class if self.kind == "task" else operation_state_class
        return classify(self.state)


def _refuse_row_states(ident: str, tasks: list[_Rows], operations: list[_Rows]) -> None:
    for rows in (*tasks, *operations):
        if rows.state_class is StateClass.UNKNOWN:
            raise RedriveRejection(
                "unknown_state",
                f"apply {ident}: {rows.label} has unknown state {rows.state!r}; it may be "
                "work in progress, refusing to guess what it means",
            )
    blocking = [op for op in operations if op.state_class is StateClass.BLOCKING]
    if blocking:
        raise RedriveRejection(
            "blocking_operations",
            f"apply {ident} has {_count(blocking)} stopped, cancelled, or reverted "
            f"operation(s) ({_describe(blocking)}); create a new apply instead",
        )
    not_ended = {StateClass.PENDING, StateClass.IN_FLIGHT}
    active = [op for op in operations if op.state_class in not_ended]
    if active:
        raise RedriveRejection(
            "active_operations",
            f"apply {ident} has {_count(active)} operation(s) that are not terminal "
            f"({_describe(active)}); wait for them or create a new apply instead",
        )
    stuck = [t for t in tasks if t.state_class is StateClass.BLOCKING]
    if stuck:
        raise RedriveRejection(
            "blocking_tasks",
            f"apply {ident} has {_count(stuck)} stopped or reverted task(s) "
            f"({_describe(stuck)}); create a new apply instead",
        )
    running = [t for t in tasks if t.state_class is StateClass.IN_FLIGHT]
    if running:
        raise RedriveRejection(
            "in_flight_tasks",
            f"apply {ident} has {_count(running)} task(s) whose work may still be running "
            f"({_describe(running)}); wait for them or create a new apply instead",
        )


def check_control_requests(ident: str, requests: Iterable[ControlRequest]) -> None:
    """A pending stop or cancel request would act on the reopened apply."""
    pending = pending_dangerous_requests(requests)
    if pending:
        listed = ", ".join(
            f"{r.operation} by {r.requested_by or 'unknown'} (request {r.id})" for r in pending
        )
        raise RedriveRejection(
            "pending_control_request",
            f"apply {ident} has pending control request(s): {listed}; "
            "a reopened apply would be stopped or cancelled by them",
        )


def pending_dangerous_requests(requests: Iterable[ControlRequest]) -> list[ControlRequest]:
    """Pending ``stop`` / ``cancel`` control requests."""
    return [
        r
        for r in requests
        if r.status.strip().lower() == "pending"
        and r.operation.strip().lower() in BLOCKING_CONTROL_OPERATIONS
    ]


def _count(rows: list[_Rows]) -> int:
    return sum(r.count for r in rows)


def _describe(rows: list[_Rows]) -> str:
    """Up to five entries as ``<label> <state as stored>``."""
    shown = ", ".join(f"{r.label} {r.state}" for r in rows[:5])
    return shown + (f", … {len(rows) - 5} more" if len(rows) > 5 else "")


def _describe_window(window: timedelta) -> str:
    if window.total_seconds() % 86400 == 0:
        return f"{int(window.total_seconds() // 86400)} day(s)"
    return f"{window.total_seconds() / 3600:g} hour(s)"
