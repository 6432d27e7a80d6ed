"""``redrive-console redrive APPLY_ID -e ENV [--force] [--yes] [--expect-fingerprint F]
[--operator O] [--json]``: review, confirm, then reopen the failed apply in one transaction.

The review runs first and its summary is shown (text mode). Without ``--yes`` the command asks
``Redrive? [y/N]`` (default No; no input or end of input is No); with ``--force`` it also asks
the operator to type the database name. ``--expect-fingerprint`` refuses when the fresh
review's fingerprint differs (and is checked again under the lock). The write re-plans under
the database lock and refuses, writing nothing, if anything changed since this review.

Exit codes: 0 redriven, 3 rejected (not redrivable, mismatch, changed, declined, lock held),
2 bad input (unknown apply, wrong environment, bad config, missing option), 1 internal error.

JSON (``--json``, one document on stdout)::

    {"status": "redriven" | "rejected", "apply_id": "apply-…", "reason": "…",
     "fingerprint": "<sha256 hex>" | "", "lock_owner": "cli:me@host" | null,
     "previous_lock_owner": "acme/repo#42" | null,
     "reopened": {"tasks": [1, 2], "operations": [101]}}
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from app.cli import EXIT_OK, EXIT_REFUSED, add_connection_options

if TYPE_CHECKING:
    from services.redrive.model import RedriveOutcome, Review


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from app.commands.review import add_operator_option

    parser.add_argument("apply_id", metavar="APPLY_ID", help="the apply identifier (apply-…)")
    parser.add_argument("-e", "--environment", required=True, help="the apply's environment")
    parser.add_argument(
        "--force",
        action="store_true",
        help="take over the database lock held by the owner shown in the review",
    )
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    parser.add_argument(
        "--expect-fingerprint",
        metavar="F",
        help="refuse unless the fresh review's fingerprint is F (from `review --json`)",
    )
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    add_operator_option(parser)
    add_connection_options(parser)


def run(args: argparse.Namespace) -> int:
    from app.commands.review import (
        open_and_review,
        render_review,
        report_failure,
        review_exit_code,
    )

    result = open_and_review(args)
    if isinstance(result, int):
        return result
    service, review, token = result
    out = sys.stderr if args.json else sys.stdout
    print(render_review(review, token), file=out)
    if not review.redrivable:  # 2 for the request's own mistakes (wrong environment), else 3
        return _report(args, _rejected(review, review.reason), review_exit_code(review))
    if refusal := _refusal_before_confirm(review, args):
        return _report(args, _rejected(review, refusal))
    if not args.yes and not _confirmed(review, args.force):
        return _report(args, _rejected(review, "not confirmed by the operator; nothing written"))
    try:
        outcome = service.redrive(
            args.apply_id,
            args.environment,
            operator=service.operator,
            force=args.force,
            reviewed=review.token,
            expect_fingerprint=args.expect_fingerprint,
        )
    except Exception as exc:
        return report_failure(args, exc)
    return _report(args, outcome)


def _refusal_before_confirm(review: Review, args: argparse.Namespace) -> str | None:
    """Why this redrivable review cannot be confirmed (no point asking the operator)."""
    if args.expect_fingerprint and args.expect_fingerprint != review.fingerprint:
        return (
            f"plan fingerprint of apply {review.apply.apply_identifier} is {review.fingerprint},"
            f" not the expected {args.expect_fingerprint}; review again"
        )
    if review.lock.held_by_other and not args.force:
        where = f"{review.lock.database_name}/{review.lock.database_type}"
        return (
            f"redrive lock for {where} is held by another owner ({review.lock.owner}); "
            "retry with force to take over the lock"
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
        "fingerprint": outcome.fingerprint,
        "lock_owner": outcome.lock_owner,
        "previous_lock_owner": outcome.previous_lock_owner,
        "reopened": {
            "tasks": list(outcome.reopened_tasks),
            "operations": list(outcome.reopened_operations),
        },
    }


def _report(
    args: argparse.Namespace, outcome: RedriveOutcome, refused_code: int = EXIT_REFUSED
) -> int:
    from services.terminal_text import json_text, printable

    if args.json:
        print(json_text(outcome_document(outcome)))
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
