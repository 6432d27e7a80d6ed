"""The ``redrive-console`` command line: one subcommand module per action under ``app.commands``.

Without a subcommand the Textual console opens. Exit codes (the README's table is the
contract): 0 success; 1 internal error, no decision was made (storage unreachable); 2 bad
input or usage, the request itself is malformed and was never checked against an apply;
3 refused by a rule about the apply (unknown apply, wrong environment, not redrivable,
mismatch, changed since the review, declined, lock held). ``--json`` statuses follow the
codes: ``invalid`` is 2, ``rejected`` is 3, ``error`` is 1.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import NoReturn

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
EXIT_INTERRUPTED = 130

# Reason codes of requests that are malformed in themselves: exit 2, JSON status "invalid".
# Every other reason code is a refusal by a rule about the apply: exit 3, status "rejected".
USAGE_REASON_CODES = frozenset(
    {
        "apply_id_required",
        "environment_required",
        "caller_required",
        "invalid_token",
        "invalid_fingerprint",
        "token_for_another_apply",
        "force_needs_binding",
    }
)
STATUS_BY_EXIT = {EXIT_INTERNAL: "error", EXIT_USAGE: "invalid", EXIT_REFUSED: "rejected"}


def exit_code_for(reason_code: str) -> int:
    """The exit code of a refusal with this reason code (2 malformed request, else 3)."""
    return EXIT_USAGE if reason_code in USAGE_REASON_CODES else EXIT_REFUSED


# name -> (module under app.commands, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "ui": ("ui", "open the Textual console (the default)"),
    "list": ("list_failed", "list recently failed applies"),
    "review": ("review", "review one failed apply: remaining work vs fresh plan"),
    "redrive": ("redrive", "reopen a failed apply so SchemaBot retries its failed work"),
    "resubmit": ("resubmit", "recover a failed apply as a fresh apply on the SchemaBot server"),
    "logs": ("logs", "show the recent apply_logs of an apply"),
    "plan": ("plan", "plan a schema folder against a live server or a snapshot"),
    "storage": ("storage", "storage administration (init)"),
    "demo": ("demo", "build the embedded demo and open the console on it"),
}


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by every command that reads SchemaBot's storage."""
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="SchemaBot config file (default: $SCHEMABOT_CONFIG_FILE)",
    )
    parser.add_argument(
        "--storage-url",
        metavar="URL",
        help="storage database URL (SQLAlchemy URL or Go MySQL DSN); overrides the config file",
    )


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The top-level parser; only the chosen command's module is imported (fast start)."""
    parser = argparse.ArgumentParser(
        prog="redrive-console",
        description="Recovery console for failed SchemaBot applies.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if name == command:
            module = importlib.import_module(f"app.commands.{module_name}")
            module.add_arguments(sub)
            sub.set_defaults(run=module.run)
    return parser


# Commands that hold the terminal: their process ends the ordinary way (``entry``).
INTERACTIVE_COMMANDS = frozenset({"ui", "demo"})


def _with_command(argv: Sequence[str]) -> list[str]:
    """``argv`` with its command first: none, or an option first, opens the console."""
    args_list = list(argv)
    if not args_list or (args_list[0].startswith("-") and args_list[0] not in {"-h", "--help"}):
        args_list.insert(0, "ui")
    return args_list


def entry() -> NoReturn:
    """The process's entry point (``redrive-console``, ``python -m app``): ``begin``, ``main``,
    then ``end``."""
    begin()
    end(main())


def begin() -> None:
    """Set up a process that runs one command (read from ``sys.argv``) and ends with it: one that
    does not hold the terminal keeps the planner's collection threshold after a plan
    (``services.planner.gc_budget``: no collection just before the process ends)."""
    if _with_command(sys.argv[1:])[0] not in INTERACTIVE_COMMANDS:
        from services.planner.gc_budget import keep_planning_threshold

        keep_planning_threshold()


def end(code: int) -> NoReturn:
    """End the process with ``code`` once ``main`` returned: the storage connections closed,
    then without the interpreter's teardown for a command that does not hold the terminal
    (``app.process_exit``; the command is read from ``sys.argv``)."""
    _close_storage()
    if _with_command(sys.argv[1:])[0] in INTERACTIVE_COMMANDS:
        raise SystemExit(code)
    from app.process_exit import finish

    finish(code)


def _close_storage() -> None:
    """Close the storage connections a command opened (``dispose_engines``); a command that
    never loaded the storage layer (and SQLAlchemy with it) loads nothing here."""
    engines = sys.modules.get("services.storage.engine")
    if engines is not None:
        engines.dispose_engines()


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen command; returns the process exit code."""
    args_list = _with_command(sys.argv[1:] if argv is None else argv)
    parser = build_parser(args_list[0])
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:
        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK
    try:
        return int(args.run(args))
    except KeyboardInterrupt:  # the redrive command reports its own outcome; others do not write
        print("interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
