"""``redrive-console redrive APPLY_ID -e ENV [--token TOKEN] [--force] [--yes]
[--expect-lock-owner OWNER] [--expect-fingerprint F] [--operator O] [--json]``: review, confirm,
then reopen the failed apply in one transaction.

The review runs first and its summary is shown (text mode). Without ``--yes`` the command asks
``Redrive? [y/N]`` (default No; no input or end of input is No); with ``--force`` it also asks
the operator to type the database name.

What the redrive is bound to:

- ``--token TOKEN`` (from ``review --json``) binds exactly what the console's confirmation
  binds: the apply's row version, every task and operation state, the lock owner and the plan
  fingerprint. The write compares the rows it re-reads under the lock with the decoded token
  and refuses, naming what changed, writing nothing.
- Without a token the redrive is bound to the review this command itself just ran.
- ``--expect-lock-owner OWNER`` refuses unless the lock is held by OWNER.
- ``--expect-fingerprint F`` refuses unless the plan fingerprint is F or starts with F (at least
  16 hex characters, as the console shows it); it is checked again under the lock.
- ``--ignore-preflight`` redrives even when the pre-flight proves a table will fail again
  (otherwise refused with ``reason_code: "preflight_fails"``, exit 3); the audit row records it.
- ``--deep`` pre-flights tables over the size threshold too (see ``review``), in this command's
  review and again under the lock; a ``--token`` binds the depth of its review, so a token from
  ``review --deep`` needs ``redrive --deep`` (and the other way round), else it is refused.
- ``--planner remote|both`` (see ``review``) refuses with ``server_plan_mismatch`` when the
  SchemaBot server's fresh plan differs from the stored remaining work and with
  ``planner_disagreement`` when it disagrees with the local plan; nothing is written.
- ``--force --yes`` must name what it takes over: it needs ``--token`` or
  ``--expect-lock-owner``.

Exit codes: 0 redriven, 3 refused (unknown apply, wrong environment, not redrivable, mismatch,
changed since the review, declined, lock held), 2 malformed request (garbled token, token of
another apply, fingerprint prefix shorter than 16 or not hex, unbound ``--force --yes``, bad
config, missing option), 1 internal error, 130 interrupted.

JSON (``--json``, one document on stdout)::

    {"status": "redriven" | "rejected", "apply_id": "apply-…", "reason": "…",
     "reason_code": "" | "ambiguous_lock" | …,
     "fingerprint": "<sha256 hex>" | "", "lock_owner": "cli:me@host" | null,
     "previous_lock_owner": "acme/repo#42" | null,
     "reopened": {"tasks": [1, 2], "operations": [101]},
     "storage": {"dialect": "mysql" | "postgres" | "sqlite", "generation": "g1" | "g2" | …},
     "planner": "local" | "remote" | "both" | null,
     "verdicts": {"stored_vs_local", "stored_vs_server", "server_vs_local",
                  "disagreeing_tables"} | null,
     "server_plan_id": "…" | null}

``planner``, ``verdicts`` and ``server_plan_id`` are those of ``review --json`` (the planners
``--planner`` asked, before the confirmation); all three are null when the redrive was refused
before the planners were asked (not redrivable, pre-flight, lock or fingerprint refusals).

On G2 storage (a later SchemaBot, which declares a terminal apply final) the redrive is
refused with ``reason_code: "terminal_final"`` (exit 3) and nothing is written; on storage of
unknown generation with ``unknown_generation``. No option overrides either.

Interrupted (Ctrl-C), the outcome is read back from storage, never guessed::

    {"status": "interrupted", "apply_id": "apply-…",
     "outcome": "redriven" | "not written" | "unknown, check with review"}
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from app.cli import EXIT_INTERRUPTED, EXIT_OK, EXIT_REFUSED, add_connection_options
from app.commands.planner_cache import add_no_cache_option
from app.commands.planner_option import add_planner_option

if TYPE_CHECKING:
    from services.redrive.model import RedriveOutcome, Review, ReviewToken
    from services.redrive.service import RedriveService


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from app.commands.preflight_output import add_deep_option
    from app.commands.review import add_operator_option
    from app.commands.storage_fields import add_spirit_compat_option

    parser.add_argument("apply_id", metavar="APPLY_ID", help="the apply identifier (apply-…)")
    parser.add_argument("-e", "--environment", required=True, help="the apply's environment")
    parser.add_argument(
        "--token",
        metavar="TOKEN",
        help="the token of `review --json`: refuse if anything changed since that review",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="take over the database lock held by the owner shown in the review",
    )
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument(
        "--ignore-preflight",
        action="store_true",
        help="redrive even if the pre-flight says the retry will fail again (audited)",
    )
    add_deep_option(parser)
    parser.add_argument(
        "--expect-lock-owner",
        metavar="OWNER",
        help="refuse unless the database lock is held by OWNER",
    )
    parser.add_argument(
        "--expect-fingerprint",
        metavar="F",
        type=_fingerprint_prefix,
        help="refuse unless the plan fingerprint is F or starts with F (16+ hex characters)",
    )
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    add_spirit_compat_option(parser)
    add_operator_option(parser)
    add_no_cache_option(parser)
    add_planner_option(parser)
    add_connection_options(parser)


NO_PLANNER_DOCUMENT = {"planner": None, "verdicts": None, "server_plan_id": None}
"""The planner fields of an outcome refused before the planners were asked."""


def _fingerprint_prefix(text: str) -> str:
    from services.redrive.fingerprint import FingerprintPrefixError, parse_fingerprint_prefix

    try:
        return parse_fingerprint_prefix(text)
    except FingerprintPrefixError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def run(args: argparse.Namespace) -> int:
    from app.commands.review import report_failure
    from services.redrive.interruption import NOT_WRITTEN, RedriveInterrupted
    from services.redrive.validation import RedriveRejection

    try:
        token = _request_binding(args)
    except RedriveRejection as exc:  # the request itself is malformed: nothing was read
        return report_failure(args, exc)
    try:
        return _review_confirm_redrive(args, token)
    except RedriveInterrupted as exc:
        return _report_interrupted(args, exc.apply_identifier, exc.outcome)
    except KeyboardInterrupt:  # before the write started: the redrive did not run
        return _report_interrupted(args, args.apply_id.strip(), NOT_WRITTEN)


def _request_binding(args: argparse.Namespace) -> ReviewToken | None:
    """The decoded ``--token`` (None without one); ``RedriveRejection`` for a garbled token, a
    token of another apply, or a non-interactive takeover that does not name what it takes."""
    from services.redrive.token import decode_token
    from services.redrive.validation import RedriveRejection

    if args.force and args.yes and not (args.token or args.expect_lock_owner):
        raise RedriveRejection(
            "force_needs_binding",
            "--force --yes must name the lock it takes over: add --token TOKEN (from "
            "`review --json`) or --expect-lock-owner OWNER; nothing written",
        )
    if args.token is None:
        return None
    token = decode_token(args.token)
    if token.apply_identifier != args.apply_id.strip():
        raise RedriveRejection(
            "token_for_another_apply",
            f"the token is for apply {token.apply_identifier}, not {args.apply_id.strip()}; "
            "nothing written",
        )
    return token


def _review_confirm_redrive(args: argparse.Namespace, token: ReviewToken | None) -> int:
    from app.commands.review import (
        open_and_review,
        render_review,
        report_failure,
        review_exit_code,
    )
    from services.redrive.interruption import NOT_WRITTEN, REDRIVEN, RedriveInterrupted

    result = open_and_review(args)
    if isinstance(result, int):
        return result
    service, review, encoded = result
    args.storage_document = review.storage.as_json() if review.storage else None
    out = sys.stderr if args.json else sys.stdout
    print(render_review(review, encoded), file=out)
    if not review.redrivable:
        rejected = replace(_rejected(review, review.reason), reason_code=review.reason_code)
        return _report(args, rejected, review_exit_code(review))
    if token and review.token and token.preflight_deep != review.token.preflight_deep:
        from services.redrive.token import depth_change  # refused before asking, as the write would

        return _report(args, _rejected(review, depth_change(token.preflight_deep)))
    if review.preflight_fails and not args.ignore_preflight:
        from services.redrive.execute import preflight_refusal

        refused = _rejected(review, preflight_refusal(review))
        return _report(args, replace(refused, reason_code="preflight_fails"))
    if refusal := _refusal_before_confirm(review, args) or _planner_refusal(args, service, review):
        if isinstance(refusal, int):
            return refusal
        code, reason = refusal
        return _report(args, replace(_rejected(review, reason), reason_code=code))
    if not args.yes and not _confirmed(review, args.force):
        return _report(args, _rejected(review, "not confirmed by the operator; nothing written"))
    try:
        outcome = service.redrive(
            args.apply_id,
            args.environment,
            operator=service.operator,
            force=args.force,
            reviewed=token or review.token,
            expect_fingerprint=args.expect_fingerprint,
            ignore_preflight=args.ignore_preflight,
        )
    except Exception as exc:
        return report_failure(args, exc)
    try:
        return _report(args, outcome)
    except KeyboardInterrupt as exc:  # printing was interrupted; the outcome is known
        known = REDRIVEN if outcome.redriven else NOT_WRITTEN
        raise RedriveInterrupted(outcome.apply_id, known) from exc


def _planner_refusal(
    args: argparse.Namespace, service: RedriveService, review: Review
) -> tuple[str, str] | int | None:
    """Why the planner ``--planner`` names forbids this redrive (or the exit code of a failed
    check, already reported); ``None`` when it allows it."""
    from app.commands.planner_option import check_with_planner, render_planner
    from services.redrive.planner_choice import planner_refusal

    check = check_with_planner(args, service, review)
    if isinstance(check, int):
        return check
    args.planner_document = check.as_json()
    print(render_planner(check), file=sys.stderr if args.json else sys.stdout)
    return planner_refusal(check)


def _refusal_before_confirm(review: Review, args: argparse.Namespace) -> tuple[str, str] | None:
    """``(reason_code, reason)`` why this redrivable review cannot be confirmed (no point asking
    the operator). The ``--token`` is compared by the write itself, under the lock, as for the
    console. A lock whose owner cannot be named is never called free."""
    from services.redrive.fingerprint import fingerprint_matches

    ident = review.apply.apply_identifier
    expected = args.expect_fingerprint
    if expected and not fingerprint_matches(expected, review.fingerprint):
        return "", (
            f"plan fingerprint of apply {ident} is {review.fingerprint},"
            f" not the expected {expected}; review again"
        )
    where = f"{review.lock.database_name}/{review.lock.database_type}"
    unnamed = review.lock.unnamed
    if args.expect_lock_owner is not None and unnamed is not None:
        return unnamed.code, (
            f"redrive lock for {where} is held by an unknown owner ({unnamed.label}), not "
            f"provably by the expected owner {args.expect_lock_owner}; nothing written"
        )
    if args.expect_lock_owner is not None and review.lock.owner != args.expect_lock_owner:
        held = "free" if review.lock.free else f"held by {review.lock.owner}"
        return "", (
            f"redrive lock for {where} is {held}, not held by the expected owner "
            f"{args.expect_lock_owner}; nothing written"
        )
    if review.lock.held_by_other and not args.force:
        return "", (
            f"redrive lock for {where} is held by another owner ({review.lock.owner}); "
            "retry with --force to take over the lock"
        )
    return None


def _confirmed(review: Review, force: bool) -> bool:
    """Ask on the terminal; anything but y/yes (or no input at all) is No."""
    answer = _ask("Redrive? [y/N] ")
    if answer.strip().lower() not in {"y", "yes"}:
        return False
    if force and review.lock.held_by_other:
        database = review.apply.database_name
        typed = _ask(
            f"This takes the lock over from {review.lock.owner}. "
            f"Type the database name ({database}) to confirm: "
        )
        return typed.strip() == database
    return True


def _ask(prompt: str) -> str:
    from services.terminal_text import printable

    print(printable(prompt, single_line=True), end="", file=sys.stderr, flush=True)
    line = sys.stdin.readline() if sys.stdin is not None else ""
    return line


def _rejected(review: Review, reason: str) -> RedriveOutcome:
    from services.redrive.model import RedriveOutcome

    return RedriveOutcome(
        status="rejected",
        apply_id=review.apply.apply_identifier,
        reason=reason,
        fingerprint=review.fingerprint,
        lock_owner=review.lock.owner,
        previous_lock_owner=None,
    )


def outcome_document(outcome: RedriveOutcome) -> dict[str, Any]:
    """The JSON document of an outcome (see the module docstring)."""
    return {
        "status": outcome.status,
        "apply_id": outcome.apply_id,
        "reason": outcome.reason,
        "reason_code": outcome.reason_code,
        "fingerprint": outcome.fingerprint,
        "lock_owner": outcome.lock_owner,
        "previous_lock_owner": outcome.previous_lock_owner,
        "reopened": {
            "tasks": list(outcome.reopened_tasks),
            "operations": list(outcome.reopened_operations),
        },
    }


def _report_interrupted(args: argparse.Namespace, apply_id: str, outcome: str) -> int:
    """The honest outcome of an interrupted redrive (read back from storage after COMMIT)."""
    from services.terminal_text import json_text, printable

    if args.json:
        document = {"status": "interrupted", "apply_id": apply_id, "outcome": outcome}
        print(json_text(document))
    else:
        print(
            f"redrive interrupted: apply {printable(apply_id, single_line=True)}: {outcome}",
            file=sys.stderr,
        )
    return EXIT_INTERRUPTED


def _report(
    args: argparse.Namespace, outcome: RedriveOutcome, refused_code: int = EXIT_REFUSED
) -> int:
    from services.terminal_text import json_text, printable

    if args.json:
        storage = getattr(args, "storage_document", None)
        planners = getattr(args, "planner_document", None) or NO_PLANNER_DOCUMENT
        print(json_text(outcome_document(outcome) | {"storage": storage} | planners))
    elif outcome.redriven:
        print(f"Redrive queued for {printable(outcome.apply_id, single_line=True)}")
        print(printable(outcome.reason))
        print(
            printable(
                f"reopened tasks: {list(outcome.reopened_tasks)}; "
                f"operations: {list(outcome.reopened_operations)}; "
                f"lock owner: {outcome.lock_owner}"
                + (f" (was {outcome.previous_lock_owner})" if outcome.previous_lock_owner else ""),
                single_line=True,
            )
        )
    else:
        print(f"redrive rejected: {printable(outcome.reason, single_line=True)}", file=sys.stderr)
    return EXIT_OK if outcome.redriven else refused_code
