"""SchemaBot state vocabularies and their case-insensitive comparison rules."""

from __future__ import annotations

from typing import Final

APPLY_STATES: Final = frozenset(
    {
        "pending", "running", "running_degraded", "paused", "resuming", "waiting_for_deploy",
        "waiting_for_cutover", "recovering", "cutting_over", "revert_window", "skipping_revert",
        "reverting", "completed", "failed", "failed_retryable", "stopped", "cancelled", "reverted",
        "preparing_branch", "applying_branch_changes", "validating_branch",
        "creating_deploy_request", "validating_deploy_request",
    }
)  # fmt: skip
TASK_STATES: Final = frozenset(
    {
        "pending", "running", "checksumming", "waiting_for_deploy", "waiting_for_cutover",
        "recovering", "cutting_over", "revert_window", "reverting", "completed", "failed",
        "failed_retryable", "stopped", "reverted", "cancelled",
    }
)  # fmt: skip
OPERATION_STATES: Final = APPLY_STATES

APPLY_TERMINAL: Final = frozenset({"completed", "failed", "stopped", "cancelled", "reverted"})
REOPENABLE_TASK_STATES: Final = frozenset({"failed", "cancelled"})
BLOCKING_OPERATION_STATES: Final = frozenset({"stopped", "cancelled", "reverted"})

_ALIASES: Final = {"recovering_cutover": "recovering"}


def normalize_state(raw: str | None) -> str:
    """Lower-case a stored state and strip a ``state_`` prefix, as SchemaBot's ``IsState`` does."""
    value = (raw or "").strip().lower()
    if value.startswith("state_"):
        value = value[len("state_") :]
    return _ALIASES.get(value, value)


def is_apply_active(raw: str | None) -> bool:
    """True for every non-terminal apply state (pending, paused and failed_retryable included)."""
    return normalize_state(raw) not in APPLY_TERMINAL
