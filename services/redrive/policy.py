"""Which recovery actions a storage generation allows: one table, read by every face.

- G1 (SchemaBot up to July 2026): reopening a failed apply is SchemaBot's own semantics (its
  storage had a "reapply failed" method), so the console's transactional reopen is allowed;
  a fresh apply through SchemaBot's API (resubmit) is allowed when an endpoint is configured.
- G2 (later SchemaBot, MySQL or PostgreSQL): SchemaBot's lifecycle contract says a terminal
  apply is history and nothing turns it back into active work, so the reopen is refused with
  ``terminal_final``; the sanctioned recovery is a fresh plan and a fresh apply.
- unknown: the storage matches neither layout; read what can be read and write nothing.

The review, the list, the CLI, the TUI and the locked write path all ask this module; no flag
overrides a refusal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from services.redrive.validation import RedriveRejection


class RecoveryAction(StrEnum):
    """What the console may do to recover a failed apply."""

    REOPEN = "reopen"  # the transactional reopen of the failed work (writes storage)
    RESUBMIT = "resubmit"  # a fresh plan and apply through SchemaBot's API


@dataclass(frozen=True, slots=True)
class RecoveryPolicy:
    """The actions of one generation, and why the reopen is refused where it is."""

    actions: frozenset[RecoveryAction]
    refusal_code: str = ""
    refusal_reason: str = ""

    def allows(self, action: RecoveryAction, *, api_configured: bool = False) -> bool:
        """True if ``action`` is allowed (resubmit also needs a configured API endpoint)."""
        if action is RecoveryAction.RESUBMIT and not api_configured:
            return False
        return action in self.actions


TERMINAL_FINAL = "terminal_final"
UNKNOWN_GENERATION = "unknown_generation"

POLICIES: Mapping[str, RecoveryPolicy] = MappingProxyType(
    {
        "g1": RecoveryPolicy(frozenset({RecoveryAction.REOPEN, RecoveryAction.RESUBMIT})),
        "g2": RecoveryPolicy(
            frozenset({RecoveryAction.RESUBMIT}),
            TERMINAL_FINAL,
            "this SchemaBot declares a terminal apply final: a failed apply is history and "
            "nothing may turn it back into active work, so the console does not reopen it; "
            "recover with a fresh plan and a fresh apply of the remaining work",
        ),
        "unknown": RecoveryPolicy(
            frozenset(),
            UNKNOWN_GENERATION,
            "the storage matches no SchemaBot layout this console knows (neither the July 2026 "
            "one nor a later one), so it is read-only here: nothing is written",
        ),
    }
)


def policy_for(generation: str) -> RecoveryPolicy:
    """The policy of a generation name (``g1``, ``g2``, ``unknown``; anything else: unknown)."""
    return POLICIES.get(generation, POLICIES["unknown"])


def check_reopen_allowed(generation: str, apply_identifier: str) -> None:
    """Raise ``RedriveRejection`` (``terminal_final`` / ``unknown_generation``) unless the
    generation allows the reopen; nothing has been written when it raises."""
    policy = policy_for(generation)
    if not policy.allows(RecoveryAction.REOPEN):
        raise RedriveRejection(
            policy.refusal_code,
            f"apply {apply_identifier} is not reopened: {policy.refusal_reason}; nothing written",
        )
