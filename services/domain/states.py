"""SchemaBot state vocabularies, their case-insensitive comparison, and what each state means
for a redrive.

Stored states are compared after normalising (lower-case, a leading ``state_`` stripped), as
SchemaBot's own ``IsState`` does, but they are never rewritten: every message and screen shows
the stored string. Each known state belongs to exactly one ``StateClass``; a state this console
does not know is ``UNKNOWN``, which every check treats as "work may still be running".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class StateClass(StrEnum):
    """What a task or operation state means for a redrive of its failed apply."""

    PENDING = "pending"  # never started: it waits for its turn
    IN_FLIGHT = "in_flight"  # work may still be running, or resumes or retries by itself
    REOPENABLE = "reopenable"  # ended in failure: the redrive may reopen it
    BLOCKING = "blocking"  # ended in a way a redrive must not undo (stopped, reverted, …)
    DONE = "done"  # completed
    UNKNOWN = "unknown"  # not a state this console knows: treated as in flight, never redriven


@dataclass(frozen=True, slots=True)
class StateTally:
    """``count`` task or operation rows stored with one ``state`` (the triage list reads states
    grouped, not row by row)."""

    state: str
    count: int


# SchemaBot claims a ``failed_retryable`` apply again while its ``attempt`` is below this.
RETRY_BUDGET: Final = 10

# Apply and operation states that mean work is running or will go on without an operator:
# the engine's own phases (copying, checksumming, catching up on the binlog, waiting for and
# doing the cutover, recovering one, the revert window and reverting), a pause or resume, an
# automatic retry, and the PlanetScale branch/deploy-request setup phases.
_RUNNING_FAMILY: Final = frozenset(
    {
        "running", "running_degraded", "paused", "resuming", "catching_up", "checksumming",
        "post_checksum", "waiting_for_deploy", "waiting_for_cutover", "cutting_over",
        "recovering", "recovering_cutover", "revert_window", "skipping_revert", "reverting",
        "failed_retryable", "preparing_branch", "applying_branch_changes", "validating_branch",
        "creating_deploy_request", "validating_deploy_request",
    }
)  # fmt: skip

_OPERATION_CLASSES: Final[dict[str, StateClass]] = {
    "pending": StateClass.PENDING,
    "failed": StateClass.REOPENABLE,
    "completed": StateClass.DONE,
    "stopped": StateClass.BLOCKING,
    "cancelled": StateClass.BLOCKING,
    "reverted": StateClass.BLOCKING,
    **dict.fromkeys(_RUNNING_FAMILY, StateClass.IN_FLIGHT),
}

# Task states: the engine phases of one table, plus a retry the recovery loop may pick up.
# ``cancelled`` usually means "never executed because an earlier task failed", so it is
# reopened like ``failed``; a ``stopped`` task is resumable only by an explicit start.
_TASK_IN_FLIGHT: Final = frozenset(
    {
        "running", "catching_up", "checksumming", "post_checksum", "waiting_for_deploy",
        "waiting_for_cutover", "cutting_over", "recovering", "recovering_cutover",
        "revert_window", "reverting", "failed_retryable",
    }
)  # fmt: skip

_TASK_CLASSES: Final[dict[str, StateClass]] = {
    "pending": StateClass.PENDING,
    "failed": StateClass.REOPENABLE,
    "cancelled": StateClass.REOPENABLE,
    "completed": StateClass.DONE,
    "stopped": StateClass.BLOCKING,
    "reverted": StateClass.BLOCKING,
    **dict.fromkeys(_TASK_IN_FLIGHT, StateClass.IN_FLIGHT),
}

APPLY_STATES: Final = frozenset(_OPERATION_CLASSES)
OPERATION_STATES: Final = APPLY_STATES
TASK_STATES: Final = frozenset(_TASK_CLASSES)

APPLY_TERMINAL: Final = frozenset({"completed", "failed", "stopped", "cancelled", "reverted"})
REOPENABLE_TASK_STATES: Final = frozenset(
    s for s, c in _TASK_CLASSES.items() if c is StateClass.REOPENABLE
)
BLOCKING_OPERATION_STATES: Final = frozenset(
    s for s, c in _OPERATION_CLASSES.items() if c is StateClass.BLOCKING
)


def normalize_state(raw: str | None) -> str:
    """Lower-case a stored state and strip a ``state_`` prefix, as SchemaBot's ``IsState`` does."""
    value = (raw or "").strip().lower()
    if value.startswith("state_"):
        value = value[len("state_") :]
    return value


def task_state_class(raw: str | None) -> StateClass:
    """The class of a ``tasks.state`` value (``UNKNOWN`` for anything unrecognised)."""
    return _TASK_CLASSES.get(normalize_state(raw), StateClass.UNKNOWN)


def operation_state_class(raw: str | None) -> StateClass:
    """The class of an ``apply_operations.state`` or ``applies.state`` value (same vocabulary)."""
    return _OPERATION_CLASSES.get(normalize_state(raw), StateClass.UNKNOWN)


def is_apply_active(raw: str | None) -> bool:
    """True for every non-terminal apply state: pending, paused, failed_retryable and every
    state this console does not know included (an unknown state may be work in progress)."""
    return normalize_state(raw) not in APPLY_TERMINAL
