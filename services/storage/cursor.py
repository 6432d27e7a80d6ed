"""The opaque keyset cursor of the triage list: (completed_at, state, id) of the last row."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from services.domain.errors import RedriveConsoleError


class InvalidCursorError(RedriveConsoleError, ValueError):
    """A cursor string that this console did not produce (or that was altered)."""


@dataclass(frozen=True, slots=True)
class TriageCursor:
    """Position after which the next page starts (``queries.TRIAGE_ORDER``)."""

    completed_at: datetime | None
    state: str
    apply_id: int

    def encode(self) -> str:
        stamp = self.completed_at.isoformat() if self.completed_at else None
        raw = json.dumps([stamp, self.state, self.apply_id], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, cursor: str) -> TriageCursor:
        try:
            padded = cursor + "=" * (-len(cursor) % 4)
            stamp, state, apply_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
            if not isinstance(apply_id, int) or isinstance(apply_id, bool):
                raise TypeError("apply id")
            if not isinstance(state, str):
                raise TypeError("state")
            completed_at = datetime.fromisoformat(stamp) if stamp is not None else None
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
            raise InvalidCursorError(f"invalid page cursor {cursor[:40]!r}") from None
        return cls(completed_at=completed_at, state=state, apply_id=apply_id)
