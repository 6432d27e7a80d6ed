"""``redrive-console list [--environment E] [--database D] [--all] [--json]``: failed applies.

Lists applies in terminal ``failed`` whose failure is inside the redrive window (database
clock; ``--all``: any age), newest failure first, every page. ``redrivable`` / ``reason`` come
from cheap checks only (no re-plan): run ``review`` for the verdict. Exit 0 (also for an empty
list), 2 bad input, 1 internal error.

JSON (``--json``): one array on stdout, one object per apply; times are ISO-8601 on the
database clock::

    [{"apply_id": "apply-…", "database": "testdb", "database_type": "mysql",
      "environment": "staging", "deployment": "default",
      "failed_at": "2026-07-01T12:00:00", "window_ends_at": "2026-07-02T12:00:00",
      "attempt": 10, "tasks": {"failed": 1, "cancelled": 0, "completed": 2, "stopped": 0,
                               "pending": 0, "other": 0, "total": 3},
      "error": "…", "lock_owner": "owner/repo#123" | null,
      "lock_problem": null | "ambiguous (2 rows)" | "unknown (NULL owner)",
      "unreadable": null | "applies.deployment is NULL (row 7); …",
      "redrivable": true, "reason": "…", "reason_code": "" | "in_flight_tasks" | …,
      "redrive_count": 0,
      "retry_after": null | "…", "superseded_by": null | "apply-…",
      "throttled_tasks": 0, "pending_drops": 0,
      "storage": {"dialect": "mysql" | "postgres" | "sqlite", "generation": "g1" | "g2" | …}}]

On G2 storage (a later SchemaBot) a failed apply is never redrivable: ``reason`` says that
SchemaBot declares a terminal apply final. ``retry_after``, ``superseded_by``,
``throttled_tasks`` and ``pending_drops`` (tables of the apply quarantined instead of dropped)
come from G2 columns and are null / 0 elsewhere.

A row that cannot be decoded is still listed, with ``unreadable`` naming the column, and is
not redrivable. ``lock_problem`` marks a lock without a nameable owner (several ``locks``
rows, or a NULL owner): the database is locked by an unknown owner, not free.

``tasks`` counts drive task rows; ``other`` is every state not named (in flight, reverted,
unknown), so the counts add up to ``total``.

``window_ends_at``, ``redrive_count`` and the task counts beyond failed, cancelled and
completed are additions to the issue's shape.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from app.cli import EXIT_OK, add_connection_options
from app.commands.review import add_operator_option, iso, open_service, report_failure
from app.commands.storage_fields import row_fields

if TYPE_CHECKING:
    from services.redrive.model import TriageRow


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-e", "--environment", help="only this environment")
    parser.add_argument("-d", "--database", help="only this database")
    parser.add_argument(
        "--all", action="store_true", help="any age, not only inside the redrive window"
    )
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    add_operator_option(parser)
    add_connection_options(parser)


def run(args: argparse.Namespace) -> int:
    service = open_service(args)
    if isinstance(service, int):
        return service
    rows: list[TriageRow] = []
    cursor = None
    try:
        while True:
            page = service.list_failed(
                environment=args.environment,
                database=args.database,
                include_all=args.all,
                cursor=cursor,
            )
            rows.extend(page.rows)
            cursor = page.next_cursor
            if cursor is None:
                break
    except Exception as exc:
        return report_failure(args, exc)
    if args.json:
        from app.commands.storage_fields import storage_document
        from services.terminal_text import json_text

        storage = {"storage": storage_document(service.storage)}
        print(json_text([row_document(r) | storage for r in rows]))
    else:
        print(render_rows(rows))
    return EXIT_OK


def row_document(row: TriageRow) -> dict[str, Any]:
    """The JSON object of one triage row (see the module docstring)."""
    return {
        "apply_id": row.apply_id,
        "database": row.database,
        "database_type": row.database_type,
        "environment": row.environment,
        "deployment": row.deployment,
        "failed_at": iso(row.failed_at),
        "window_ends_at": iso(row.window_ends_at),
        "attempt": row.attempt,
        "tasks": {
            "failed": row.tasks.failed,
            "cancelled": row.tasks.cancelled,
            "completed": row.tasks.completed,
            "stopped": row.tasks.stopped,
            "pending": row.tasks.pending,
            "other": row.tasks.other,
            "total": row.tasks.total,
        },
        "error": row.error,
        "lock_owner": row.lock_owner,
        "lock_problem": row.lock_problem,
        "unreadable": row.unreadable,
        "redrivable": row.redrivable,
        "reason": row.reason,
        "reason_code": row.reason_code,
        "redrive_count": row.redrive_count,
        **row_fields(row),
    }


_HEADERS = (
    "APPLY", "DATABASE", "ENV", "FAILED AT", "ATTEMPT", "TASKS F/C/OK/STOP/PEND/OTHER/ALL", "LOCK",
    "OK?",
)  # fmt: skip


def _task_numbers(row: TriageRow) -> tuple[int, ...]:
    """The TASKS column: failed, cancelled, completed, stopped, pending, other, all."""
    t = row.tasks
    return (t.failed, t.cancelled, t.completed, t.stopped, t.pending, t.other, t.total)


def render_rows(rows: list[TriageRow]) -> str:
    """An aligned text table, one line per apply plus an indented reason line."""
    from services.terminal_text import printable

    if not rows:
        return "no failed applies found"
    cells = [
        (
            row.apply_id,
            f"{row.database}/{row.database_type}",
            row.environment,
            iso(row.failed_at) or "-",
            str(row.attempt),
            "/".join(str(n) for n in _task_numbers(row)),
            row.lock_problem or row.lock_owner or "-",
            "yes" if row.redrivable else "no",
        )
        for row in rows
    ]
    cells = [tuple(printable(c, single_line=True) for c in line) for line in cells]
    widths = [max(len(line[i]) for line in [_HEADERS, *cells]) for i in range(len(_HEADERS))]
    out = ["  ".join(h.ljust(w) for h, w in zip(_HEADERS, widths, strict=True)).rstrip()]
    for row, line in zip(rows, cells, strict=True):
        out.append("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        out.append(f"    {printable(row.reason, single_line=True)}")
    return "\n".join(out)
