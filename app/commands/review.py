"""``redrive-console review APPLY_ID -e ENV [--json]``: validate, re-plan, compare; no writes.

Exit codes: 0 the fresh plan matches the remaining work (redrivable; a lock held by someone
else is reported in ``lock`` and ``notes`` and needs ``redrive --force``), 3 refused
(unknown apply, wrong environment, not redrivable, mismatched, unreadable rows), 2 malformed
request (empty id or environment, bad config), 1 internal error (storage unreachable,
unexpected failure).

JSON (``--json``, one document on stdout; times are ISO-8601 on the database clock)::

    {"apply_id": "apply-…", "environment": "staging", "database": "testdb",
     "database_type": "mysql", "deployment": "default", "state": "failed",
     "failed_at": "2026-07-01T12:00:00", "window_ends_at": "2026-07-02T12:00:00",
     "database_now": "2026-07-01T12:05:00", "attempt": 10, "redrive_count": 0,
     "verdict": "match" | "mismatch" | "not_redrivable", "redrivable": true,
     "reason": "…", "reason_code": "" | "not_failed" | "stale_failure" | "plan_changed" | …,
     "plan_id": "plan-…", "fingerprint": "<sha256 hex of the expected plan>",
     "fresh_fingerprint": "<sha256 hex of the fresh plan>" | "",
     "lock": {"database": "testdb", "database_type": "mysql", "owner": "x" | null,
              "lock_id": 3 | null, "held_since": "…" | null, "operator": "cli:me@host",
              "free": false, "held_by_you": false},
     "comparisons": [{"namespace": "testdb", "table": "users",
                      "status": "same" | "changed" | "only_stored" | "only_fresh",
                      "stored": [{"ddl": "…", "operation": "alter", "is_unsafe": false,
                                  "unsafe_reason": ""}],
                      "fresh": [ …same shape… ]}],
     "reopen": {"tasks": [1, 2], "operations": [101]},
     "reflected_tasks": [7],
     "token": "rt1.…",
     "notes": ["…"],
     "preflight": [{"namespace": "testdb", "table": "users", "cause": "duplicate_key",
                    "error_code": 1062, "check": "duplicates for new UNIQUE KEY …",
                    "count": 3, "examples": [{"values": ["a@x"], "rows": 2}],
                    "resume": "resume" | "restart" | "blocked" | "unknown",
                    "verdict": "will_fail_again" | "likely_to_succeed" | "unknown", …}] | null,
     "preflight_verdict": "will_fail_again" | "likely_to_succeed" | "unknown" | null,
     "preflight_notes": ["…"], "preflight_deep": false | true | null}

``preflight`` is null when the review was refused before it reached the target
(``app.commands.preflight_output`` has the full shape). A table whose ``information_schema``
row estimate is over the size threshold is "not checked (N rows; use --deep)"; ``--deep`` (or
``redrive_console.preflight_deep: true``) checks it too, still read-only and still under the
per-statement time limit and the row cap; ``preflight_deep`` says which ran, and the token
binds it (a redrive must use the same depth).

Every review also carries ``storage: {dialect, generation}``, ``recovery_actions``
(``reopen``/``resubmit`` as the storage generation allows), ``next_step`` (copyable text: on G2
storage the sanctioned recovery instead of a reopen), and the G2 fields ``retry_after``,
``superseded_by``, ``throttled_tasks`` ([{task_id, table, reason}]) and ``pending_drops``
([{table, quarantined_name, quarantined_at, state}]). On G2 a failed apply's review is
``not_redrivable`` with ``reason_code: "terminal_final"`` (exit 3) after the full comparison;
on a storage of unknown generation ``unknown_generation``. ``--spirit-compat`` overrides the
Spirit level the fresh plan follows (default: G1 2026-07, G2 2026-08).

``--planner local|remote|both`` (default ``both`` when a SchemaBot endpoint is configured,
else ``local``) adds ``planner`` and ``verdicts: {stored_vs_local, stored_vs_server,
server_vs_local, disagreeing_tables}`` (``null`` where that planner was not asked) and
``server_plan_id``. The top-level ``verdict`` stays the local one, which the reopen re-checks;
a server plan that differs from the stored work, or disagrees with the local plan, makes an
otherwise redrivable review exit 3. Planning on the server creates a plan record there and
nothing else.

On a refusal that has no review (bad input, unknown apply, unreadable rows) ``--json`` prints
``{"status": "invalid" | "rejected" | "error", "reason_code": "…", "error": "…"}``: the status
names the exit code (``invalid`` 2, ``rejected`` 3, ``error`` 1).
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.cli import EXIT_INTERNAL, EXIT_OK, STATUS_BY_EXIT, add_connection_options, exit_code_for
from app.commands.planner_cache import add_no_cache_option
from app.commands.planner_option import (
    add_planner_option,
    check_with_planner,
    planner_exit_code,
    render_planner,
)
from app.commands.preflight_output import add_deep_option, preflight_fields, preflight_lines
from app.commands.storage_fields import add_spirit_compat_option, review_fields, review_lines

if TYPE_CHECKING:
    from services.domain.models import TableChange
    from services.redrive.model import LockState, Review
    from services.redrive.service import RedriveService


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("apply_id", metavar="APPLY_ID", help="the apply identifier (apply-…)")
    parser.add_argument("-e", "--environment", required=True, help="the apply's environment")
    parser.add_argument("--json", action="store_true", help="print the review as JSON")
    add_spirit_compat_option(parser)
    add_deep_option(parser)
    add_operator_option(parser)
    add_no_cache_option(parser)
    add_planner_option(parser)
    add_connection_options(parser)


def add_operator_option(parser: argparse.ArgumentParser) -> None:
    """``--operator``: who asks (default: the config's operator, else cli:<user>@<host>)."""
    parser.add_argument(
        "--operator", metavar="NAME", help="operator identity (default: cli:<user>@<host>)"
    )


def run(args: argparse.Namespace) -> int:
    from services.terminal_text import json_text

    result = open_and_review(args)
    if isinstance(result, int):
        return result
    service, review, token = result
    check = check_with_planner(args, service, review)
    if isinstance(check, int):
        return check
    if args.json:
        print(json_text(review_document(review) | {"token": token} | check.as_json()))
    else:
        print(render_review(review, token) + "\n" + render_planner(check))
    return planner_exit_code(review_exit_code(review), check)


def open_and_review(args: argparse.Namespace) -> tuple[RedriveService, Review, str] | int:
    """Open the service and review ``args.apply_id`` in ``args.environment``: the service, the
    review and its encoded token ("" without one), or the exit code of the failure."""
    from services.redrive.token import encode_token

    service = open_service(args)
    if isinstance(service, int):
        return service
    try:
        review = service.review(args.apply_id, args.environment)
    except Exception as exc:
        return report_failure(args, exc)
    return service, review, encode_token(review.token) if review.token else ""


def review_exit_code(review: Review) -> int:
    """0 when redrivable, otherwise the exit code of its reason code (3: refused by a rule)."""
    return EXIT_OK if review.redrivable else exit_code_for(review.reason_code)


def open_service(args: argparse.Namespace) -> RedriveService | int:
    """The service for ``--config`` / ``--storage-url`` with the operator set, or an exit code."""
    from app.service_factory import build_service, build_settings, report_setup_error
    from services.domain.errors import RedriveConsoleError
    from services.redrive.identity import default_operator

    try:
        settings = build_settings(args)
        service = build_service(args, settings)
    except RedriveConsoleError as exc:
        return report_setup_error(exc)
    service.operator = getattr(args, "operator", None) or settings.operator or default_operator()
    service.spirit_compat = getattr(args, "spirit_compat", None) or settings.spirit_compat
    return service


def report_failure(args: argparse.Namespace, exc: Exception) -> int:
    """Print one line (or one JSON object) for a failed call and return its exit code."""
    from services.domain.errors import RedriveConsoleError
    from services.redrive.validation import RedriveRejection
    from services.terminal_text import printable

    rule = exc.code if isinstance(exc, RedriveRejection) else getattr(exc, "reason_code", None)
    if isinstance(exc, RedriveConsoleError) and rule:  # refused by a named rule
        code, reason_code, message = exit_code_for(rule), rule, str(exc)
    elif isinstance(exc, RedriveConsoleError):
        code, reason_code, message = EXIT_INTERNAL, "internal", str(exc)
    else:
        code, reason_code = EXIT_INTERNAL, "internal"
        message = f"internal error: {type(exc).__name__}: {exc}"
    status = STATUS_BY_EXIT[code]
    if getattr(args, "json", False):
        print(json.dumps({"status": status, "reason_code": reason_code, "error": message}))
    else:
        print(f"redrive-console: {printable(message, single_line=True)}", file=sys.stderr)
    return code


def iso(value: datetime | None) -> str | None:
    """ISO-8601 text of a database time (naive, database clock), or None."""
    return value.isoformat() if value else None


def review_document(review: Review) -> dict[str, Any]:
    """The JSON document of a review (without the token string; see the module docstring)."""
    apply, lock = review.apply, review.lock
    return {
        "apply_id": apply.apply_identifier,
        "environment": review.environment,
        "database": apply.database_name,
        "database_type": apply.database_type,
        "deployment": apply.deployment,
        "state": apply.state,
        "failed_at": iso(apply.completed_at),
        "window_ends_at": iso(review.window_ends_at),
        "database_now": iso(review.database_now),
        "attempt": apply.attempt,
        "redrive_count": review.redrive_count,
        "verdict": review.verdict.value,
        "redrivable": review.redrivable,
        "reason": review.reason,
        "reason_code": review.reason_code,
        "plan_id": review.plan_identifier,
        "fingerprint": review.fingerprint,
        "fresh_fingerprint": review.fresh_fingerprint,
        "lock": {
            "database": lock.database_name,
            "database_type": lock.database_type,
            "owner": lock.owner,
            "lock_id": lock.lock_id,
            "held_since": iso(lock.held_since),
            "operator": lock.operator,
            "free": lock.free,
            "held_by_you": lock.held_by_operator,
        },
        "comparisons": [
            {
                "namespace": c.namespace,
                "table": c.table,
                "status": c.status.value,
                "stored": [_change(s) for s in c.stored],
                "fresh": [_change(f) for f in c.fresh],
            }
            for c in review.comparisons
        ],
        "reopen": {
            "tasks": list(review.reopen_task_ids),
            "operations": list(review.reopen_operation_ids),
        },
        "reflected_tasks": list(review.reflected_task_ids),
        **review_fields(review),
        "notes": list(review.notes),
        **preflight_fields(review.preflight),
    }


def render_review(review: Review, token: str) -> str:
    """A readable text rendering of a review (control characters made visible)."""
    from services.terminal_text import printable

    apply, lock = review.apply, review.lock
    lines = [
        f"apply {apply.apply_identifier}  {apply.database_name}/{apply.database_type}  "
        f"environment {review.environment}  deployment {apply.deployment or '(none)'}",
        f"state {apply.state}, failed at {iso(apply.completed_at) or '-'}, redrive window ends "
        f"{iso(review.window_ends_at) or '-'} (database now {iso(review.database_now)})",
        f"attempts {apply.attempt}, redriven {review.redrive_count} time(s)",
        "",
        f"verdict: {review.verdict.value.upper()}",
        f"reason:  {review.reason}",
        f"plan:    {review.plan_identifier or '-'}",
        f"fingerprint: {review.fingerprint or '-'}",
        f"lock:    {_lock_text(lock)}",
    ]
    for comparison in review.comparisons:
        lines += ["", f"== {comparison.namespace}.{comparison.table} [{comparison.status.value}]"]
        lines += [ln for c in comparison.stored for ln in _ddl_lines("stored: ", c.ddl)] or [
            "  stored: (nothing)"
        ]
        lines += [ln for c in comparison.fresh for ln in _ddl_lines("fresh:  ", c.ddl)] or [
            "  fresh:  (nothing)"
        ]
    lines += [
        "",
        f"reopen tasks: {_ids(review.reopen_task_ids)}; "
        f"operations: {_ids(review.reopen_operation_ids)}",
    ]
    lines += review_lines(review)
    lines += preflight_lines(review.preflight)
    if token:
        lines.append(f"token: {token}")
    lines += [f"note: {note}" for note in review.notes]
    # one field never spans lines: a newline in stored text cannot forge a "verdict:" line
    return "\n".join(printable(line, single_line=True) for line in lines)


def _ddl_lines(label: str, ddl: str) -> list[str]:
    """A statement's own lines: the first after ``label``, the rest indented beneath it."""
    first, *rest = ddl.split("\n")
    return [f"  {label}{first}", *(f"  {' ' * len(label)}{line}" for line in rest)]


def _lock_text(lock: LockState) -> str:
    if lock.unnamed is not None:
        return f"held by an unknown owner: {lock.unnamed.label}"
    return "free" if lock.free else f"held by {lock.owner} since {iso(lock.held_since)}"


def _change(change: TableChange) -> dict[str, Any]:
    return {
        "ddl": change.ddl,
        "operation": change.operation,
        "is_unsafe": change.is_unsafe,
        "unsafe_reason": change.unsafe_reason,
    }


def _ids(ids: tuple[int, ...]) -> str:
    return ", ".join(str(i) for i in ids) or "none"
