"""``redrive-console resubmit APPLY_ID -e ENV [--yes] [--expect-fingerprint F] [--json]
[--endpoint URL] [--profile NAME] [--watch]``: recover a failed apply as a fresh apply on the
SchemaBot server.

Steps: the full review (shown; its verdict is about a redrive and does not gate this); the
server's fresh plan of the stored desired schema (``POST /api/plan``, which stores a plan record
on the server and nothing else) beside the stored remaining work; refusal when they differ,
unless ``--expect-fingerprint`` names the shown server plan; the confirmation (``--yes``, or
``Resubmit as a new apply? [y/N]``); ``POST /api/apply`` with the server's plan id and the
caller ``redrive-console:<operator> resubmits <apply>``; one ``apply_logs`` row on the failed
apply naming the new apply (not in read-only mode); the new apply read back from storage.
``--watch`` then follows ``GET /api/progress/apply/{id}`` (every ``--watch-interval`` seconds,
for at most ``--watch-timeout`` seconds).

The failed apply itself is never changed; the new apply is not linked to the original pull
request and carries no apply options.

Exit codes: 0 resubmitted (with ``--watch``: and the new apply completed); 3 refused (unknown
apply, wrong environment, not failed, plans differ, fingerprint not the shown plan's, declined,
or any refusal by SchemaBot such as ``active_apply_exists``), nothing written locally; 2 bad
input (bad fingerprint, no endpoint configured, bad config); 1 no answer from SchemaBot or the
storage, or with ``--watch`` the new apply ended other than ``completed`` or the watch timed out.

JSON (``--json``)::

    {"status": "resubmitted" | "rejected" | "invalid" | "error", "apply_id": "apply-…",
     "reason": "…", "reason_code": "…", "new_apply_id": "…" | "", "plan_id": "…",
     "caller": "…", "fingerprint": "<server plan sha256>", "expected_fingerprint": "…",
     "matches": true, "comparisons": [{"namespace", "table", "status", "stored", "server"}],
     "local_review": {"verdict", "reason_code", "reason"}, "log_written": true,
     "new_apply": {"state": "pending", "tasks": 1} | null,
     "watch": {"state", "polls", "timed_out", "error_code", "error_message", "tables"} | null}
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from app.cli import (
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_REFUSED,
    EXIT_USAGE,
    STATUS_BY_EXIT,
    add_connection_options,
)

if TYPE_CHECKING:
    from services.redrive.model import Review
    from services.redrive.service import RedriveService
    from services.schemabot_api.client import SchemaBotClient
    from services.schemabot_api.resubmit import ResubmitOutcome, ResubmitPreview
    from services.schemabot_api.watch import WatchResult

COMPLETED = "completed"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from app.commands.review import add_operator_option
    from app.schemabot_connection import add_endpoint_options

    parser.add_argument("apply_id", metavar="APPLY_ID", help="the failed apply (apply-…)")
    parser.add_argument("-e", "--environment", required=True, help="the apply's environment")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument(
        "--expect-fingerprint",
        metavar="F",
        help="apply only the server plan with this fingerprint (16+ hex characters); "
        "required when the server's plan differs from the stored remaining work",
    )
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    parser.add_argument(
        "--read-only", action="store_true", help="do not write the apply_logs row locally"
    )
    parser.add_argument(
        "--watch", action="store_true", help="follow the new apply to a terminal state"
    )
    parser.add_argument(
        "--watch-interval", type=float, default=2.0, metavar="S", help="seconds between polls"
    )
    parser.add_argument(
        "--watch-timeout", type=float, default=3600.0, metavar="S", help="give up after S seconds"
    )
    add_endpoint_options(parser)
    add_operator_option(parser)
    add_connection_options(parser)


def run(args: argparse.Namespace) -> int:
    from app.commands.review import open_service, report_failure
    from app.schemabot_connection import configured_endpoint, open_client
    from app.service_factory import build_settings, report_setup_error
    from services.domain.errors import RedriveConsoleError
    from services.redrive.fingerprint import FingerprintPrefixError, parse_fingerprint_prefix

    confirmed = None
    try:
        if args.expect_fingerprint is not None:
            confirmed = parse_fingerprint_prefix(args.expect_fingerprint)
    except FingerprintPrefixError as exc:
        return _invalid(args, "invalid_fingerprint", str(exc))
    if not (args.watch_interval > 0 and args.watch_timeout > 0):  # also refuses nan
        return _invalid(args, "invalid_request", "--watch-interval and --watch-timeout must be > 0")
    try:
        settings = build_settings(args)
        endpoint = configured_endpoint(args, settings)
    except RedriveConsoleError as exc:
        return _invalid(args, "invalid_config", str(exc)) if args.json else report_setup_error(exc)
    if endpoint is None:
        return _invalid(
            args,
            "endpoint_required",
            "no SchemaBot endpoint: pass --endpoint, set SCHEMABOT_ENDPOINT, add a "
            "~/.schemabot/config.yaml profile or set redrive_console.api.endpoint",
        )
    service = open_service(args)
    if isinstance(service, int):
        return service
    try:
        client = open_client(endpoint)
    except RedriveConsoleError as exc:
        return _invalid(args, "invalid_config", str(exc))
    with client:
        try:
            review = service.review(args.apply_id, args.environment)
            preview = _preview(client, service, args)
        except Exception as exc:
            return report_failure(args, exc)
        read_only = args.read_only or settings.read_only
        return _decide_and_apply(args, client, service, review, preview, confirmed, read_only)


def _preview(
    client: SchemaBotClient, service: RedriveService, args: argparse.Namespace
) -> ResubmitPreview:
    from services.planner import Flavour, statements_equivalent
    from services.schemabot_api.resubmit import preview_resubmit

    return preview_resubmit(
        client,
        service.storage,
        args.apply_id,
        args.environment,
        lambda a, b: statements_equivalent(a, b, Flavour.MYSQL),
    )


def _decide_and_apply(
    args: argparse.Namespace,
    client: SchemaBotClient,
    service: RedriveService,
    review: Review,
    preview: ResubmitPreview,
    confirmed: str | None,
    read_only: bool,
) -> int:
    from app.commands.review import report_failure
    from services.domain.errors import RedriveConsoleError
    from services.schemabot_api.resubmit import check_confirmation, refused, resubmit

    if not args.json:
        _print_text(render_preview(review, preview))
    refusal = check_confirmation(preview, confirmed)
    if refusal is None and not args.yes and not _confirmed():
        refusal = ("declined", "not confirmed; nothing was sent to SchemaBot")
    if refusal is not None:
        outcome = refused(preview, service.operator, *refusal)
    else:
        try:
            outcome = resubmit(
                client,
                service.storage.engine,
                preview,
                service.operator,
                confirmed_fingerprint=confirmed,
                read_only=read_only,
            )
        except RedriveConsoleError as exc:
            return report_failure(args, exc)
    if not outcome.resubmitted:
        return _report(args, review, preview, outcome, None, EXIT_REFUSED)
    return _after_resubmit(args, client, service, review, preview, outcome)


def _after_resubmit(
    args: argparse.Namespace,
    client: SchemaBotClient,
    service: RedriveService,
    review: Review,
    preview: ResubmitPreview,
    outcome: ResubmitOutcome,
) -> int:
    from app.commands.review import report_failure
    from services.domain.errors import RedriveConsoleError
    from services.schemabot_api.watch import follow_progress, render_progress

    new_apply = service.storage.load_progress(outcome.new_apply_id)
    if not args.json:
        _print_text(render_outcome(outcome, new_apply))
    if not args.watch:
        return _report(args, review, preview, outcome, None, EXIT_OK, new_apply)
    try:
        watched = follow_progress(
            client,
            outcome.new_apply_id,
            interval=args.watch_interval,
            timeout=args.watch_timeout,
            on_update=None if args.json else lambda p: _print_text(render_progress(p)),
        )
    except RedriveConsoleError as exc:
        return report_failure(args, exc)
    state = watched.progress.state
    if not args.json and watched.timed_out:
        _print_text([f"watch timed out after {args.watch_timeout:g}s (state {state})"])
    code = EXIT_OK if state == COMPLETED and not watched.timed_out else EXIT_INTERNAL
    return _report(args, review, preview, outcome, watched, code, new_apply)


def _report(
    args: argparse.Namespace,
    review: Review,
    preview: ResubmitPreview,
    outcome: ResubmitOutcome,
    watched: WatchResult | None,
    code: int,
    new_apply: object = None,
) -> int:
    from services.terminal_text import json_text

    if args.json:
        document = outcome_document(review, preview, outcome, watched, new_apply)
        print(json_text(document))
    elif not outcome.resubmitted:
        _print_text([f"refused ({outcome.reason_code}): {outcome.reason}"], stream=sys.stderr)
    return code


def outcome_document(
    review: Review,
    preview: ResubmitPreview,
    outcome: ResubmitOutcome,
    watched: WatchResult | None,
    new_apply: Any,
) -> dict[str, Any]:
    """The ``--json`` document (see the module docstring)."""
    return {
        "storage": review.storage.as_json() if review.storage else None,
        "status": "resubmitted" if outcome.resubmitted else "rejected",
        "apply_id": outcome.failed_apply_id,
        "reason": outcome.reason,
        "reason_code": outcome.reason_code,
        "new_apply_id": outcome.new_apply_id,
        "plan_id": preview.remote.plan_id,
        "caller": outcome.caller,
        "fingerprint": preview.fingerprint,
        "expected_fingerprint": preview.expected_fingerprint,
        "matches": preview.matches,
        "comparisons": [
            {
                "namespace": c.namespace,
                "table": c.table,
                "status": c.status.value,
                "stored": [s.ddl for s in c.stored],
                "server": [f.ddl for f in c.fresh],
            }
            for c in preview.comparison.tables
        ],
        "local_review": {
            "verdict": review.verdict.value,
            "reason_code": review.reason_code,
            "reason": review.reason,
        },
        "log_written": outcome.log_id is not None,
        "new_apply": None
        if new_apply is None
        else {"state": new_apply.apply.state, "tasks": len(new_apply.tasks)},
        "watch": None
        if watched is None
        else {
            "state": watched.progress.state,
            "polls": watched.polls,
            "timed_out": watched.timed_out,
            "error_code": watched.progress.error_code,
            "error_message": watched.progress.error_message,
            "tables": [
                {
                    "table_name": t.table_name,
                    "status": t.status,
                    "percent_complete": t.percent_complete,
                    "rows_copied": t.rows_copied,
                    "rows_total": t.rows_total,
                    "eta_seconds": t.eta_seconds,
                }
                for t in watched.progress.tables
            ],
        },
    }


def render_preview(review: Review, preview: ResubmitPreview) -> list[str]:
    """The review's verdict, then the server's plan beside the stored remaining work."""
    apply = preview.inputs.apply
    lines = [
        f"apply {apply.apply_identifier}  {apply.database_name}/{apply.database_type}  "
        f"environment {preview.inputs.environment}  state {apply.state}",
        f"local review: {review.verdict.value.upper()} - {review.reason}",
        f"server plan {preview.remote.plan_id} (engine {preview.remote.engine or '-'}): "
        f"{'MATCHES' if preview.matches else 'DIFFERS FROM'} the stored remaining work",
        f"server plan fingerprint: {preview.fingerprint}",
        f"stored work fingerprint: {preview.expected_fingerprint}",
    ]
    for row in preview.comparison.tables:
        lines += ["", f"== {row.namespace}.{row.table} [{row.status.value}]"]
        lines += [f"  stored: {c.ddl}" for c in row.stored] or ["  stored: (nothing)"]
        lines += [f"  server: {c.ddl}" for c in row.fresh] or ["  server: (nothing)"]
    lines += [f"server lint: {message}" for message in preview.remote.lint_violations]
    lines += [f"server error: {message}" for message in preview.remote.errors]
    lines.append("Planning created a plan record on the server and nothing else.")
    return lines


def render_outcome(outcome: ResubmitOutcome, new_apply: Any) -> list[str]:
    lines = [f"resubmitted: {outcome.reason}", f"caller: {outcome.caller}"]
    lines.append(
        "apply_logs row written on the failed apply"
        if outcome.log_id is not None
        else "read-only: no apply_logs row written"
    )
    if new_apply is None:
        lines.append(f"new apply {outcome.new_apply_id} is not visible in storage yet")
    else:
        lines.append(
            f"new apply {outcome.new_apply_id} in storage: {new_apply.apply.state}, "
            f"{len(new_apply.tasks)} task(s)"
        )
    return lines


def _invalid(args: argparse.Namespace, reason_code: str, message: str) -> int:
    import json

    from services.terminal_text import printable

    if args.json:
        print(json.dumps({"status": STATUS_BY_EXIT[EXIT_USAGE], "reason_code": reason_code,
                          "error": message}))  # fmt: skip
    else:
        print(f"redrive-console: {printable(message, single_line=True)}", file=sys.stderr)
    return EXIT_USAGE


def _confirmed() -> bool:
    from app.commands.redrive import _ask

    return _ask("Resubmit as a new apply? [y/N] ").strip().lower() in {"y", "yes"}


def _print_text(lines: list[str], stream: Any = None) -> None:
    from services.terminal_text import printable

    for line in lines:
        print(printable(line), file=stream or sys.stdout)
