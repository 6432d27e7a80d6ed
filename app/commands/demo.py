"""``redrive-console demo [--dir DIR] [--no-ui] [--live-target URL]``: build the embedded demo
and open the console.

The demo (SQLite storage, schema-snapshot targets, a SchemaBot-style config) is written to DIR,
or to a new temporary folder that is kept afterwards. ``--no-ui`` prints the config file's path
and exits 0, so scripts can run ``redrive-console list --config "$(redrive-console demo
--no-ui)"``.

A snapshot folder holds no rows, so there the pre-flight of the duplicate-key apply can only
say ``unknown``. ``--live-target URL`` (or ``$REDRIVE_DEMO_LIVE_TARGET``; a MySQL/MariaDB
server as a SQLAlchemy URL or Go DSN) writes that apply's and the lock-wait apply's databases
to the server (``<db>_accounts`` / ``<db>_payments`` for a URL naming database ``<db>``, else
``redrive_demo_…``) with their rows, so the pre-flight proves ``will fail again`` and
``likely to succeed`` on real data: ``make demo REDRIVE_DEMO_LIVE_TARGET=mysql://root@127.0.0.1``.
It replaces only databases it wrote itself; any other database of those names is refused.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from app.cli import EXIT_OK, EXIT_USAGE

LIVE_TARGET_ENV = "REDRIVE_DEMO_LIVE_TARGET"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dir",
        metavar="DIR",
        help="folder to write the demo into (empty, or a previous demo; default: a new "
        "temporary folder, kept afterwards)",
    )
    parser.add_argument(
        "--no-ui",
        action="store_true",
        help="only build the demo and print the path of its config file",
    )
    parser.add_argument(
        "--live-target",
        metavar="URL",
        default=os.environ.get(LIVE_TARGET_ENV) or None,
        help="a MySQL/MariaDB server to put the duplicate-key and lock-wait applies on, with "
        "their rows, so their pre-flight checks real data (default: $"
        f"{LIVE_TARGET_ENV}; without one every target is a schema snapshot)",
    )


def run(args: argparse.Namespace) -> int:
    from app.service_factory import report_setup_error
    from app.settings import load_settings
    from app.settings.dsn_from import url_from_dsn
    from services.demo import build_demo
    from services.domain.errors import RedriveConsoleError
    from services.terminal_text import printable

    try:
        live = url_from_dsn(args.live_target, "--live-target") if args.live_target else None
        directory = Path(args.dir or tempfile.mkdtemp(prefix="redrive-console-demo-"))
        paths = build_demo(directory, live_target=live)
    except RedriveConsoleError as exc:
        print(f"redrive-console: demo: {printable(exc, single_line=True)}", file=sys.stderr)
        return EXIT_USAGE
    if args.no_ui:
        print(paths.config_path)
        return EXIT_OK
    print(f"demo written to {paths.directory}", file=sys.stderr)
    if paths.live_databases:
        written = ", ".join(paths.live_databases)
        print(f"live target databases (re)written: {written}", file=sys.stderr)
    else:
        print(
            "targets are schema snapshots (no rows): the duplicate-key apply's pre-flight is "
            f"unknown; --live-target URL (or ${LIVE_TARGET_ENV}) checks real rows",
            file=sys.stderr,
        )
    try:
        settings = load_settings(str(paths.config_path), None)
    except RedriveConsoleError as exc:
        return report_setup_error(exc)
    try:
        from app.commands.ui import launch
    except ImportError:
        _print_next_steps(paths.config_path)
        return EXIT_OK
    return launch(settings) or EXIT_OK


def _print_next_steps(config_path: Path) -> None:
    config = f"--config {config_path}"
    print(f"demo config: {config_path}")
    print("the console screens are not available in this build; try the CLI:")
    print(f"  redrive-console list {config}")
    print(f"  redrive-console review APPLY_ID -e ENVIRONMENT {config}")
    print(f"  redrive-console redrive APPLY_ID -e ENVIRONMENT {config}")
