"""``ApplyProgress``: a fresh read of one apply, for watching it after a redrive.

It lives in the domain layer because storage builds it and the redrive service and the
screens only pass it on; storage never imports the redrive service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.domain.models import Apply, ApplyOperation, LogEntry, Task


@dataclass(frozen=True, slots=True)
class ApplyProgress:
    """A fresh read of one apply, its drive tasks, operations and newest log rows."""

    apply: Apply
    tasks: tuple[Task, ...]
    operations: tuple[ApplyOperation, ...]
    database_now: datetime
    recent_logs: tuple[LogEntry, ...] = field(default=())
