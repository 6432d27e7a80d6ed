"""``redrive-console demo [--dir DIR] [--no-ui]``: build the embedded demo and open the console.

The demo (SQLite storage, schema-snapshot targets, a SchemaBot-style config) is written to DIR,
or to a new temporary folder that is kept afterwards. ``--no-ui`` prints the config file's path
and exits 0, so scripts can run ``redrive-console list --config "$(redrive-console demo
--no-ui)"``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from app.cli import EXIT_OK, EXIT_USAGE


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


def run(args: argparse.Namespace) -> int:
    from app.service_factory import report_setup_error
    from app.settings import load_settings
    from services.demo import build_demo
    from services.domain.errors import RedriveConsoleError

    if args.dir:
        directory = Path(args.dir)
    else:
        directory = Path(tempfile.mkdtemp(prefix="redrive-console-demo-"))
    try:
        paths = build_demo(directory)
    except RedriveConsoleError as exc:
        print(f"redrive-console: demo: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.no_ui:
        print(paths.config_path)
        return EXIT_OK
    print(f"demo written to {paths.directory}", file=sys.stderr)
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
