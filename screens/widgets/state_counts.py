"""Task and operation counts in words, every state included, so the parts add up to the total.

A summary that names only completed and failed rows makes stopped or pending work invisible:
the review, the outcome and the triage list all summarise through here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from screens.safe_text import printable
from services.domain.states import normalize_state
from services.redrive.model import TaskCounts

ALWAYS_SHOWN = ("completed", "failed", "cancelled")
"""Counted even at 0; any other state is named only when some row is in it."""
NAMED_NEXT = ("stopped", "pending")
"""The other states listed first, in this order; the rest follow alphabetically."""


def state_counts(states: Iterable[str | None]) -> str:
    """``"2 completed · 1 failed · 0 cancelled · 1 stopped · 1 running · 5 total"``.

    States are compared normalised (``STATE_FAILED`` is ``failed``); a state this console does
    not know is named as stored (made printable), never dropped.
    """
    counts = Counter(normalize_state(state) or "(no state)" for state in states)
    total = sum(counts.values())
    parts = [f"{counts.pop(name, 0)} {name}" for name in ALWAYS_SHOWN]
    for name in NAMED_NEXT:
        if name in counts:
            parts.append(f"{counts.pop(name)} {name}")
    parts += [
        f"{count} {printable(name, single_line=True)}" for name, count in sorted(counts.items())
    ]
    parts.append(f"{total} total")
    return " · ".join(parts)


def task_counts_cell(counts: TaskCounts) -> str:
    """The triage list's short form: ``"1/7 failed, 1 stopped, 2 pending, 1 other"``; the
    states beyond failed (completed aside) are named when some row is in them."""
    text = f"{counts.failed}/{counts.total} failed"
    for count, label in (
        (counts.cancelled, "cancelled"),
        (counts.stopped, "stopped"),
        (counts.pending, "pending"),
        (counts.other, "other"),
    ):
        if count:
            text += f", {count} {label}"
    return text
