"""What an interrupted redrive did: established from storage, never guessed.

A Ctrl-C before COMMIT is sent leaves nothing written: the transaction rolls back (or the
server discards it when the connection closes). From the moment COMMIT is sent the client can
no longer know: the server may have committed and the interruption only lost the
acknowledgement. The redrive's audit row is written in the same transaction as the reopen, so
a fresh read of that row tells which it was; when even that read fails the answer is
"unknown", and the operator is sent to ``review``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from services.domain.errors import RedriveConsoleError
from services.storage.schema import apply_logs

REDRIVEN = "redriven"
NOT_WRITTEN = "not written"
UNKNOWN = "unknown, check with review"


class RedriveInterrupted(KeyboardInterrupt):
    """A Ctrl-C during a redrive, carrying the outcome read back from storage.

    It stays a ``KeyboardInterrupt`` so that every caller still treats it as an interruption.
    """

    def __init__(self, apply_identifier: str, outcome: str) -> None:
        self.apply_identifier = apply_identifier
        self.outcome = outcome
        super().__init__(f"redrive of apply {apply_identifier} interrupted: {outcome}")


@dataclass(slots=True)
class CommitMarker:
    """Set just before COMMIT is sent: the audit row whose presence proves the commit.

    The message is matched too, because SQLite may hand a rolled-back row id out again.
    """

    apply_id: int | None = None
    audit_id: int | None = None
    audit_message: str = ""

    @property
    def commit_sent(self) -> bool:
        return self.audit_id is not None


def outcome_after_interrupt(engine: Engine, marker: CommitMarker) -> str:
    """``not written`` before COMMIT was sent; after it, what a fresh read of the audit row
    shows (``redriven`` / ``not written``), or ``unknown, check with review`` if it fails."""
    if not marker.commit_sent:
        return NOT_WRITTEN
    try:
        with engine.connect() as conn:
            found = conn.execute(
                select(apply_logs.c.id).where(
                    apply_logs.c.id == marker.audit_id,
                    apply_logs.c.apply_id == marker.apply_id,
                    apply_logs.c.message == marker.audit_message,
                )
            ).first()
    except (SQLAlchemyError, RedriveConsoleError, OSError):
        return UNKNOWN
    return REDRIVEN if found is not None else NOT_WRITTEN
