"""Typed messages that workers post back to their screens (workers never touch widgets).

They do not bubble: each is meant for the screen whose worker produced it.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from services.domain.models import LogEntry
from services.domain.progress import ApplyProgress
from services.redrive.model import RedriveOutcome, TriagePage


@dataclass(frozen=True)
class TriageQuery:
    """What a triage load asked for; answers to an outdated query are dropped."""

    generation: int
    environment: str | None
    database: str | None
    cursor: str | None
    limit: int
    replace: bool
    include_all: bool = False  # any age, not only inside the redrive window


class FailedAppliesLoaded(Message, bubble=False):
    """A page of the triage list arrived."""

    def __init__(self, query: TriageQuery, page: TriagePage) -> None:
        super().__init__()
        self.query = query
        self.page = page


class OlderFailuresCounted(Message, bubble=False):
    """How many failed applies the list inside the redrive window hides (for one load)."""

    def __init__(self, generation: int, count: int) -> None:
        super().__init__()
        self.generation = generation
        self.count = count


class RedriveFinished(Message, bubble=False):
    """The redrive request returned (redriven or rejected)."""

    def __init__(self, outcome: RedriveOutcome) -> None:
        super().__init__()
        self.outcome = outcome


class ProgressLoaded(Message, bubble=False):
    """A fresh read of the apply being watched."""

    def __init__(self, progress: ApplyProgress) -> None:
        super().__init__()
        self.progress = progress


class LogsLoaded(Message, bubble=False):
    """The recent ``apply_logs`` rows of an apply."""

    def __init__(self, entries: tuple[LogEntry, ...]) -> None:
        super().__init__()
        self.entries = entries
