"""``redrive-console logs APPLY_ID [--limit N] [--json]``: the newest ``apply_logs`` rows.

Newest first. Exit 0, 2 bad input (unknown apply, bad limit), 1 internal error.

JSON (``--json``): one array on stdout::

    [{"id": 12, "created_at": "2026-07-01T12:00:00", "level": "info",
      "event_type": "info", "source": "schemabot",
      "message": "Redrive requested by user (caller: cli:me@host)",
      "task_id": null, "old_state": null, "new_state": null, "metadata": {…} | null,
      "storage": {"dialect": "mysql" | "postgres" | "sqlite", "generation": "g1" | "g2" | …}}]
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from app.cli import EXIT_OK, EXIT_USAGE, add_connection_options
from app.commands.review import add_operator_option, iso, open_service, report_failure

if TYPE_CHECKING:
    from services.domain.models import LogEntry


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("apply_id", metavar="APPLY_ID", help="the apply identifier (apply-…)")
    parser.add_argument("-n", "--limit", type=int, default=50, help="rows to show (default 50)")
    parser.add_argument("--json", action="store_true", help="print a JSON array")
    add_operator_option(parser)
    add_connection_options(parser)


def run(args: argparse.Namespace) -> int:
    from services.terminal_text import json_text, printable

    if not 1 <= args.limit <= 10_000:
        print("redrive-console: --limit must be between 1 and 10000", file=sys.stderr)
        return EXIT_USAGE
    service = open_service(args)
    if isinstance(service, int):
        return service
    try:
        entries = service.apply_logs(args.apply_id, limit=args.limit)
    except Exception as exc:
        return report_failure(args, exc)
    if args.json:
        from app.commands.storage_fields import storage_document

        storage = {"storage": storage_document(service.storage)}
        print(json_text([entry_document(e) | storage for e in entries], default=str))
        return EXIT_OK
    if not entries:
        print(f"no apply_logs rows for {printable(args.apply_id, single_line=True)}")
    for entry in entries:
        transition = f" {entry.old_state} -> {entry.new_state}" if entry.new_state else ""
        print(
            printable(
                f"{iso(entry.created_at)}  {entry.level:<5}  {entry.event_type}"
                f"{transition}  [{entry.source}]  {entry.message}",
                single_line=True,
            )
        )
    return EXIT_OK


def entry_document(entry: LogEntry) -> dict[str, Any]:
    """The JSON object of one log row (see the module docstring)."""
    return {
        "id": entry.id,
        "created_at": iso(entry.created_at),
        "level": entry.level,
        "event_type": entry.event_type,
        "source": entry.source,
        "message": entry.message,
        "task_id": entry.task_id,
        "old_state": entry.old_state,
        "new_state": entry.new_state,
        "metadata": entry.metadata,
    }
