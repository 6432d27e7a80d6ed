"""What a review says about recovery on this storage: its generation, the allowed actions, and
the sanctioned next step where the console itself must not reopen.

``with_recovery_policy`` runs after the full review (remaining work, fresh plan, comparison,
verdict). Where the generation's policy refuses the reopen, the review of a ``failed`` apply
becomes ``not_redrivable`` with the policy's reason code and reason, whatever its verdict; the
comparison stays, so the operator still sees what is left to do. An apply in another state
keeps the review's own refusal (its state) and gets the next step too. ``next_step`` is
copyable text naming what SchemaBot sanctions instead.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from services.domain.models import ApplyBundle, PendingDrop
from services.domain.states import normalize_state
from services.redrive.model import Review, Verdict
from services.redrive.policy import RecoveryAction, policy_for


@dataclass(frozen=True, slots=True)
class StorageRecovery:
    """The storage a review read, and what recovery it allows (part of every review)."""

    dialect: str
    generation: str
    actions: tuple[str, ...]
    next_step: str = ""
    pending_drops: tuple[PendingDrop, ...] = ()

    def as_json(self) -> dict[str, str]:
        """The ``storage`` object of every JSON document that reads storage."""
        return {"dialect": self.dialect, "generation": self.generation}


def with_recovery_policy(
    review: Review, bundle: ApplyBundle, dialect: str, generation: str
) -> Review:
    """``review`` with its storage, the generation's allowed actions and (where the reopen is
    refused) the refusal and the sanctioned next step."""
    policy = policy_for(generation)
    allowed = tuple(sorted(a.value for a in policy.actions))
    review = replace(review, notes=review.notes + storage_notes(review, bundle))
    if policy.allows(RecoveryAction.REOPEN):
        storage = StorageRecovery(dialect, generation, allowed, "", bundle.pending_drops)
        return replace(review, storage=storage)
    step = next_step(review, bundle)
    storage = StorageRecovery(dialect, generation, allowed, step, bundle.pending_drops)
    review = replace(review, notes=(f"Next step: {step}", *review.notes))
    if normalize_state(review.apply.state) != "failed":  # refused already, for its state
        return replace(review, storage=storage)
    ident = review.apply.apply_identifier
    reason = f"apply {ident} is not reopened here: {policy.refusal_reason}"
    if review.reason and review.verdict is not Verdict.MATCH:
        reason += f" (the review also found: {review.reason})"
    return replace(
        review,
        verdict=Verdict.NOT_REDRIVABLE,
        reason=reason,
        reason_code=policy.refusal_code,
        storage=storage,
    )


def storage_notes(review: Review, bundle: ApplyBundle) -> tuple[str, ...]:
    """The later (G2) SchemaBot facts worth a line in the review, where the storage has them."""
    apply = bundle.apply
    notes = []
    if apply.retry_after:
        when = apply.retry_after.isoformat()
        notes.append(f"SchemaBot retries this apply automatically, not before {when}.")
    if apply.superseded_by:
        notes.append(f"Superseded by apply {apply.superseded_by}, which took over its work.")
    notes += [
        f"Task {t.id} ({t.table_name}) is throttled: {t.throttle_reason or 'no reason given'}."
        for t in review.tasks
        if t.throttled
    ]
    notes += [
        f"Table {d.table_name} has a pending drop: quarantined as {d.quarantined_name} ({d.state})."
        for d in bundle.pending_drops
    ]
    return tuple(notes)


def next_step(review: Review, bundle: ApplyBundle) -> str:
    """The recovery SchemaBot sanctions for this apply, as text an operator can copy."""
    apply = bundle.apply
    state = normalize_state(apply.state)
    if apply.superseded_by:
        return (
            f"apply {apply.apply_identifier} was superseded by apply {apply.superseded_by}, "
            "which took over its unfinished work: follow that apply instead"
        )
    if state == "stopped":
        return f"start the apply: send the start control command for apply {apply.apply_identifier}"
    if state == "failed_retryable":
        when = _when(apply.retry_after)
        return f"wait: SchemaBot retries apply {apply.apply_identifier} by itself{when}"
    tables = _remaining_tables(review, bundle)
    return (
        f"plan and apply the remaining work afresh: database {apply.database_name}, "
        f"environment {review.environment}, tables {', '.join(tables) or '(none found)'} "
        f"(a new apply id; apply {apply.apply_identifier} stays failed as history)"
    )


def _remaining_tables(review: Review, bundle: ApplyBundle) -> list[str]:
    """The tables of the remaining work: the compared tables, else the reopenable tasks'."""
    if review.comparisons:
        return sorted({c.table for c in review.comparisons})
    ids = set(review.reopen_task_ids)
    return sorted({t.table_name for t in bundle.tasks if t.id in ids and t.table_name})


def _when(retry_after: datetime | None) -> str:
    return f", not before {retry_after.isoformat()}" if retry_after else ""
