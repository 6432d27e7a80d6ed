"""``redrive-console storage init|inspect``: create SchemaBot's tables, or say which storage it is.

``init`` refuses (exit 3, ``rejected``: a rule judged what it read in storage) a database that
already has tables: the console never alters an existing SchemaBot database. On PostgreSQL it
creates SchemaBot's G2 PostgreSQL tables (``--dialect postgres`` states the intent and is
refused, exit 2, when the URL is another backend). ``inspect`` only
reads the catalog: dialect, generation (g1, g2 or unknown), the markers that decided it, the
columns the console reads that are missing, and the extra columns it ignores.
"""

from __future__ import annotations

import argparse
import json
import sys

from app.cli import EXIT_INTERNAL, EXIT_OK, EXIT_REFUSED, EXIT_USAGE, add_connection_options

# ``storage init --dialect`` -> the SQLAlchemy backends that dialect names
INIT_DIALECTS = {
    "mysql": frozenset({"mysql", "mariadb"}),
    "postgres": frozenset({"postgresql"}),
    "sqlite": frozenset({"sqlite"}),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="storage_action", metavar="ACTION", required=True)
    init = actions.add_parser(
        "init",
        help="create the storage tables in an EMPTY database",
        description="Create SchemaBot's storage tables in an empty database (refuses any other).",
    )
    add_connection_options(init)
    init.add_argument(
        "--dialect",
        choices=sorted(INIT_DIALECTS),
        help="the storage's dialect; refused unless the URL is one (postgres: SchemaBot's G2 "
        "PostgreSQL tables)",
    )
    init.add_argument("--json", action="store_true", help="print the result as one JSON line")
    inspect = actions.add_parser(
        "inspect",
        help="show the storage's dialect and SchemaBot generation (read-only)",
        description="Show the storage's dialect, SchemaBot generation (g1, g2 or unknown), the "
        "markers seen, the columns the console reads that are missing and the extra columns it "
        "ignores. Reads the catalog only.",
    )
    add_connection_options(inspect)
    inspect.add_argument("--json", action="store_true", help="print the result as one JSON line")


def run(args: argparse.Namespace) -> int:
    if args.storage_action == "inspect":
        return _inspect(args)
    return _init(args)


def _init(args: argparse.Namespace) -> int:
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
    backend = engine.dialect.name
    if args.dialect and backend not in INIT_DIALECTS[args.dialect]:
        engine.dispose()
        return _fail(
            args, "bad_input", f"--dialect {args.dialect} does not match {where}", EXIT_USAGE
        )
    try:
        tables = init_storage(engine)
    except StorageNotEmptyError as exc:
        return _fail(args, "rejected", str(exc), EXIT_REFUSED)
    except StorageUnavailableError as exc:
        return _fail(args, "unavailable", str(exc), EXIT_INTERNAL)
    finally:
        engine.dispose()
    if args.json:
        print(json.dumps({"status": "created", "storage": where, "tables": list(tables)}))
    else:
        print(f"created {len(tables)} tables in {where}: {', '.join(tables)}")
    return EXIT_OK


def _inspect(args: argparse.Namespace) -> int:
    from app.settings import load_settings
    from services.domain.errors import ConfigError, StorageUnavailableError
    from services.storage.engine import create_storage_engine, unavailable_on_error
    from services.storage.generation import detect
    from services.terminal_text import json_text, printable

    try:
        settings = load_settings(args.config, args.storage_url)
        engine = create_storage_engine(settings.storage_url)
    except (ConfigError, StorageUnavailableError) as exc:
        return _fail(args, "bad_input", str(exc), EXIT_USAGE)
    try:
        with unavailable_on_error(engine, "inspect"), engine.connect() as conn:
            storage = detect(conn)
    except StorageUnavailableError as exc:
        return _fail(args, "unavailable", str(exc), EXIT_INTERNAL)
    finally:
        engine.dispose()
    if args.json:
        print(json_text(storage.as_json()))
        return EXIT_OK
    for label, values in (
        ("dialect", [storage.dialect]),
        ("generation", [storage.generation]),
        ("markers seen", storage.markers),
        ("missing used columns", storage.missing_used_columns),
        ("extra ignored columns", storage.extra_ignored_columns),
    ):
        shown = ", ".join(printable(v, single_line=True) for v in values) or "(none)"
        print(f"{label}: {shown}")
    return EXIT_OK


def _fail(args: argparse.Namespace, status: str, message: str, code: int) -> int:
    if args.json:
        print(json.dumps({"status": status, "error": message}))
    else:
        from services.terminal_text import printable

        print(f"error: {printable(message, single_line=True)}", file=sys.stderr)
    return code
