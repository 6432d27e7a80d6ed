"""``--planner local|remote|both`` for ``review`` and ``redrive``: which planner the review
trusts (``services.redrive.planner_choice``). The default is ``redrive_console.planner``, else
``both`` when a SchemaBot endpoint is configured, else ``local``. Commands call
``check_with_planner`` after the local review and never branch on the choice themselves.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from app.cli import EXIT_USAGE

if TYPE_CHECKING:
    from services.redrive.model import Review
    from services.redrive.planner_choice import PlannerCheck
    from services.redrive.service import RedriveService

PLANNERS = ("local", "remote", "both")


def add_planner_option(parser: argparse.ArgumentParser) -> None:
    """``--planner`` plus the SchemaBot ``--endpoint`` / ``--profile`` it may need."""
    from app.schemabot_connection import add_endpoint_options

    parser.add_argument(
        "--planner",
        choices=PLANNERS,
        help="local (the console's planner), remote (the SchemaBot server's) or both "
        "(default: redrive_console.planner, else both when a SchemaBot endpoint is configured, "
        "else local)",
    )
    add_endpoint_options(parser)


def check_with_planner(
    args: argparse.Namespace, service: RedriveService, review: Review
) -> PlannerCheck | int:
    """The planner check ``args`` asks for, or the exit code of a failure (already reported):
    2 for ``remote``/``both`` without an endpoint or a bad endpoint config, 3 for a refusal by
    SchemaBot, 1 when it does not answer."""
    from app.commands.review import report_failure
    from app.schemabot_connection import configured_endpoint, open_client
    from app.service_factory import build_settings, report_setup_error
    from services.domain.errors import RedriveConsoleError
    from services.planner import Flavour, statements_equivalent
    from services.redrive.planner_choice import check_planners
    from services.redrive.planner_kind import Planner, default_planner

    try:
        settings = build_settings(args)
        endpoint = configured_endpoint(args, settings)
    except RedriveConsoleError as exc:
        return report_setup_error(exc)
    chosen = Planner(args.planner) if args.planner else settings.planner
    planner = chosen or default_planner(endpoint is not None)
    if planner.asks_server and endpoint is None:
        return _endpoint_required(args, planner)

    def equivalent(a: str, b: str) -> bool:
        return statements_equivalent(a, b, Flavour.MYSQL)

    try:
        if endpoint is None:
            return check_planners(planner, review, service.storage, None, equivalent)
        with open_client(endpoint) as client:
            return check_planners(planner, review, service.storage, client, equivalent)
    except Exception as exc:
        return report_failure(args, exc)


def _endpoint_required(args: argparse.Namespace, planner: object) -> int:
    import json
    import sys

    message = (
        f"--planner {planner} needs a SchemaBot endpoint: pass --endpoint, set "
        "SCHEMABOT_ENDPOINT, add a ~/.schemabot/config.yaml profile or set "
        "redrive_console.api.endpoint"
    )
    if getattr(args, "json", False):
        print(json.dumps({"status": "invalid", "reason_code": "endpoint_required",
                          "error": message}))  # fmt: skip
    else:
        print(f"redrive-console: {message}", file=sys.stderr)
    return EXIT_USAGE


def planner_exit_code(review_code: int, check: PlannerCheck) -> int:
    """The review's exit code, or 3 when the server's plan forbids the redrive it allows."""
    from app.cli import EXIT_OK, exit_code_for
    from services.redrive.planner_choice import planner_refusal

    refusal = planner_refusal(check)
    if review_code != EXIT_OK or refusal is None:
        return review_code
    return exit_code_for(refusal[0])


def render_planner(check: PlannerCheck) -> str:
    """The planner lines of the text review (control characters made visible)."""
    from services.redrive.planner_choice import planner_lines
    from services.terminal_text import printable

    return "\n".join(printable(line, single_line=True) for line in planner_lines(check))
