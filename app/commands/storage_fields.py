"""JSON fields every command that reads storage adds: which storage it read, and the later
(G2) SchemaBot fields of a list row or a review, where the storage has them.

``storage`` is ``{"dialect": "mysql" | "postgres" | "sqlite", "generation": "g1" | "g2" |
"unknown"}``. On G1 storage the G2 fields are null / 0 / empty.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.redrive.model import Review, TriageRow
    from services.storage.store import Storage


def storage_document(storage: Storage) -> dict[str, str]:
    """The ``storage`` object of a document read from ``storage``."""
    generation = storage.generation
    return {"dialect": generation.dialect, "generation": generation.generation}


def row_fields(row: TriageRow) -> dict[str, Any]:
    """A list row's G2 fields: next automatic retry, takeover, throttled tasks, pending drops."""
    return {
        "retry_after": _iso(row.retry_after),
        "superseded_by": row.superseded_by,
        "throttled_tasks": row.throttled_tasks,
        "pending_drops": row.pending_drops,
    }


def review_fields(review: Review) -> dict[str, Any]:
    """A review's storage, allowed recovery actions, sanctioned next step and G2 fields."""
    recovery = review.storage
    throttled = [
        {"task_id": t.id, "table": t.table_name, "reason": t.throttle_reason}
        for t in review.tasks
        if t.throttled
    ]
    drops = recovery.pending_drops if recovery else ()
    return {
        "storage": recovery.as_json() if recovery else None,
        "recovery_actions": list(recovery.actions) if recovery else [],
        "next_step": recovery.next_step if recovery else "",
        "retry_after": _iso(review.apply.retry_after),
        "superseded_by": review.apply.superseded_by,
        "throttled_tasks": throttled,
        "pending_drops": [
            {
                "table": d.table_name,
                "quarantined_name": d.quarantined_name,
                "quarantined_at": _iso(d.quarantined_at),
                "state": d.state,
            }
            for d in drops
        ],
    }


def review_lines(review: Review) -> list[str]:
    """The text-mode line naming the storage (the next step and G2 facts are review notes)."""
    recovery = review.storage
    if recovery is None:
        return []
    return [f"storage: {recovery.dialect} {recovery.generation}"]


def add_spirit_compat_option(parser: argparse.ArgumentParser) -> None:
    """``--spirit-compat 2026-07|2026-08``: the Spirit the fresh plan follows (default: the one
    of the storage's generation, or ``redrive_console.spirit_compat``)."""
    parser.add_argument(
        "--spirit-compat",
        metavar="LEVEL",
        type=_level,
        help="Spirit level of the fresh plan: 2026-07 or 2026-08 (default: from the storage "
        "generation, G1 2026-07, G2 2026-08)",
    )


def _level(text: str):
    from services.planner.spirit_level import parse_level

    try:
        return parse_level(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
