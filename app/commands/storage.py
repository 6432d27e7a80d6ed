"""``redrive-console storage init``: create SchemaBot's tables in an empty database.

Refuses (exit 2) a database that already has tables: the console never alters an existing
SchemaBot database.
"""

from __future__ import annotations

import argparse
import json
import sys

from app.cli import EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, add_connection_options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="storage_action", metavar="ACTION", required=True)
    init = actions.add_parser(
        "init",
        help="create the storage tables in an EMPTY database",
        description="Create SchemaBot's storage tables in an empty database (refuses any other).",
    )
    add_connection_options(init)
    init.add_argument("--json", action="store_true", help="print the result as one JSON line")


def run(args: argparse.Namespace) -> int:
    from app.settings import load_settings
    from services.domain.errors import ConfigError, StorageUnavailableError
    from services.storage.engine import create_storage_engine, describe_url
    from services.storage.init import StorageNotEmptyError, init_storage

    try:
        settings = load_settings(args.config, args.storage_url)
        engine = create_storage_engine(settings.storage_url)
    except (ConfigError, StorageUnavailableError) as exc:
        return _fail(args, "bad_input", str(exc), EXIT_USAGE)
    where = describe_url(engine.url)
    try:
        tables = init_storage(engine)
    except StorageNotEmptyError as exc:
        return _fail(args, "refused", str(exc), EXIT_USAGE)
    except StorageUnavailableError as exc:
        return _fail(args, "unavailable", str(exc), EXIT_INTERNAL)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps({"status": "created", "storage": where, "tables": list(tables)}))
    else:
        print(f"created {len(tables)} tables in {where}: {', '.join(tables)}")
    return EXIT_OK


def _fail(args: argparse.Namespace, status: str, message: str, code: int) -> int:
    if args.json:
        print(json.dumps({"status": status, "error": message}))
    else:
        print(f"error: {message}", file=sys.stderr)
    return code
