"""The cheap redrive checks (redrive-semantics §2 checks 1-11, §7 step 4 and 8, P13-P15).

Every check is a pure function over the decoded rows and raises a ``RedriveRejection`` whose
``code`` is a stable name and whose message is the spec's text. All of them run before any
re-plan (P11); the write side runs them again inside its transaction.

Freshness uses the database clock (``ApplyBundle.database_now``) with one boundary:
``completed_at >= database_now - window`` is fresh, so the exact boundary is allowed (P13).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from services.domain.errors import RedriveRefused
from services.domain.models import (
    Apply,
    ApplyBundle,
    ApplyOperation,
    ControlRequest,
    Plan,
    Task,
)
from services.domain.states import (
    APPLY_STATES,
    BLOCKING_OPERATION_STATES,
    TASK_STATES,
    is_apply_active,
    normalize_state,
)

DEFAULT_WINDOW = timedelta(days=1)

# HTTP-like status of each refusal (spec §9): 400 bad request, 404 not found, 409 not
# redrivable, 500 internal. The CLI maps 400/404 to exit 2, 409 to 3 and 500 to 1.
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
    "unknown_state": 409,
    "pending_control_request": 409,
    "unsupported_target": 409,
    "target_type_changed": 409,
    "replan_failed": 409,
    "plan_changed": 409,
    "target_changed": 409,
    "invalid_token": 400,
    "malformed_row": 409,
}

# Control requests that act on a reopened apply (P14).
BLOCKING_CONTROL_OPERATIONS = frozenset({"stop", "cancel"})
BLOCKING_TASK_STATES = frozenset({"stopped", "reverted"})


class RedriveRejection(RedriveRefused):
    """A redrive refusal with a stable ``code`` and the spec's message; nothing was written."""

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
    """Checks 8-10: terminal ``failed``, a completion time, and inside the window (P13)."""
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


def check_target_metadata(bundle: ApplyBundle) -> None:
    """§7 step 4 / P15: legacy rows with an empty deployment cannot be redriven."""
    apply, plan = bundle.apply, bundle.plan
    fields = [
        ("database", apply.database_name),
        ("database type", apply.database_type),
        ("environment", apply.environment),
        ("deployment", apply.deployment),
    ]
    if plan is not None:
        fields.append(("plan deployment", plan.deployment))
    missing = [name for name, value in fields if not value.strip()]
    if missing:
        raise RedriveRejection(
            "missing_target_metadata",
            f"apply {apply.apply_identifier} is missing target metadata for redrive "
            f"(empty {', '.join(missing)}; legacy row); create a new apply instead",
        )


def check_row_states(bundle: ApplyBundle) -> None:
    """§7 step 8 and P14: no unknown states, no stopped/cancelled/reverted or active operations,
    no stopped/reverted tasks."""
    ident = bundle.apply.apply_identifier
    _check_known_states(ident, bundle.tasks, bundle.operations)
    blocking = [op for op in bundle.operations if _op_state(op) in BLOCKING_OPERATION_STATES]
    if blocking:
        raise RedriveRejection(
            "blocking_operations",
            f"apply {ident} has {len(blocking)} stopped, cancelled, or reverted operation(s) "
            f"({_describe_ops(blocking)}); create a new apply instead",
        )
    active = [op for op in bundle.operations if is_apply_active(op.state)]
    if active:
        raise RedriveRejection(
            "active_operations",
            f"apply {ident} has {len(active)} operation(s) that are not terminal "
            f"({_describe_ops(active)}); wait for them or create a new apply instead",
        )
    stuck = [t for t in bundle.tasks if normalize_state(t.state) in BLOCKING_TASK_STATES]
    if stuck:
        listed = ", ".join(f"task {t.id} {normalize_state(t.state)}" for t in stuck[:5])
        raise RedriveRejection(
            "blocking_tasks",
            f"apply {ident} has {len(stuck)} stopped or reverted task(s) ({listed}); "
            "create a new apply instead",
        )


def check_control_requests(bundle: ApplyBundle) -> None:
    """P14: a pending stop or cancel request would act on the reopened apply."""
    pending = pending_dangerous_requests(bundle.control_requests)
    if pending:
        listed = ", ".join(
            f"{r.operation} by {r.requested_by or 'unknown'} (request {r.id})" for r in pending
        )
        raise RedriveRejection(
            "pending_control_request",
            f"apply {bundle.apply.apply_identifier} has pending control request(s): {listed}; "
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


def _check_known_states(
    ident: str, tasks: Iterable[Task], operations: Iterable[ApplyOperation]
) -> None:
    for task in tasks:
        if normalize_state(task.state) not in TASK_STATES:
            raise RedriveRejection(
                "unknown_state",
                f"apply {ident}: task {task.id} has unknown state {task.state!r}; "
                "refusing to guess what it means",
            )
    for op in operations:
        if _op_state(op) not in APPLY_STATES:
            raise RedriveRejection(
                "unknown_state",
                f"apply {ident}: operation {op.id} has unknown state {op.state!r}; "
                "refusing to guess what it means",
            )


def _op_state(op: ApplyOperation) -> str:
    return normalize_state(op.state)


def _describe_ops(ops: list[ApplyOperation]) -> str:
    shown = ", ".join(f"operation {op.id} {_op_state(op)}" for op in ops[:5])
    return shown + (f", … {len(ops) - 5} more" if len(ops) > 5 else "")


def _describe_window(window: timedelta) -> str:
    if window.total_seconds() % 86400 == 0:
        return f"{int(window.total_seconds() // 86400)} day(s)"
    return f"{window.total_seconds() / 3600:g} hour(s)"
