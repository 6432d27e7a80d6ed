"""``redrive-console [ui]``: open the Textual console.

The storage connection (and SQLAlchemy itself) is created lazily by the first service call,
which the console makes from a worker thread, so the triage list paints before any connect.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from app.cli import EXIT_OK, EXIT_USAGE, add_connection_options
from app.commands.planner_option import add_planner_option

if TYPE_CHECKING:
    from app.settings import Settings
    from app.tui import ConsoleApp
    from services.redrive.api import ConsoleService
    from services.redrive.planner_kind import Planner
    from services.schemabot_api.endpoint import ResolvedEndpoint


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_connection_options(parser)
    parser.add_argument(
        "--read-only",
        action="store_true",
        help="browse and review only; every redrive action is disabled",
    )
    parser.add_argument(
        "--operator",
        metavar="NAME",
        help="identity recorded as lock owner and in the audit row (default: cli:<user>@<host>)",
    )
    parser.add_argument(
        "--theme",
        metavar="NAME",
        help="textual-dark (default), textual-light, ansi-dark or ansi-light (16 colours)",
    )
    add_planner_option(parser)


def run(args: argparse.Namespace) -> int:
    from app.service_factory import build_settings, report_setup_error
    from services.domain.errors import RedriveConsoleError

    if args.theme and not _known_theme(args.theme):
        from textual.theme import BUILTIN_THEMES

        known = ", ".join(sorted(BUILTIN_THEMES))
        print(f"redrive-console: unknown theme {args.theme!r} (known: {known})", file=sys.stderr)
        return EXIT_USAGE
    try:
        settings = build_settings(args)
    except RedriveConsoleError as exc:
        return report_setup_error(exc)
    # Listing the known ids imports every screen: only done when there is a keymap to check.
    unknown_ids = sorted(set(settings.keymap) - _known_binding_ids()) if settings.keymap else []
    if unknown_ids:
        print(
            f"redrive-console: redrive_console.keymap: unknown binding id(s) "
            f"{', '.join(unknown_ids)} (known: {', '.join(sorted(_known_binding_ids()))})",
            file=sys.stderr,
        )
        return EXIT_USAGE
    server = _schemabot_server(args, settings)
    if isinstance(server, int):
        return server
    endpoint, planner = server
    return launch(
        settings,
        read_only=args.read_only,
        operator=args.operator,
        theme=args.theme,
        endpoint=endpoint,
        planner=planner,
    )


def launch(
    settings: Settings,
    *,
    read_only: bool = False,
    operator: str | None = None,
    theme: str | None = None,
    endpoint: ResolvedEndpoint | None = None,
    planner: Planner | None = None,
) -> int:
    """Open the console on ``settings``; the storage is connected on first use, in a worker."""
    build_console(
        settings,
        read_only=read_only,
        operator=operator,
        theme=theme,
        endpoint=endpoint,
        planner=planner,
    ).run()
    return EXIT_OK


def _schemabot_server(
    args: argparse.Namespace, settings: Settings
) -> tuple[ResolvedEndpoint | None, Planner] | int:
    """The SchemaBot endpoint (``None``: not configured) and the planner the reviews trust
    (``--planner``, else ``redrive_console.planner``, else ``both`` with an endpoint and
    ``local`` without), or exit code 2 (already reported) for a bad endpoint configuration or a
    planner that needs a server when none is configured."""
    from app.schemabot_connection import configured_endpoint
    from app.service_factory import report_setup_error
    from services.domain.errors import RedriveConsoleError
    from services.redrive.planner_kind import Planner, default_planner

    try:
        endpoint = configured_endpoint(args, settings)
    except RedriveConsoleError as exc:
        return report_setup_error(exc)
    chosen = Planner(args.planner) if args.planner else settings.planner
    planner = chosen or default_planner(endpoint is not None)
    if planner.asks_server and endpoint is None:
        print(
            f"redrive-console: --planner {planner.value} needs a SchemaBot endpoint: pass "
            "--endpoint, set SCHEMABOT_ENDPOINT, add a ~/.schemabot/config.yaml profile or set "
            "redrive_console.api.endpoint",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return endpoint, planner


def build_console(
    settings: Settings,
    *,
    read_only: bool = False,
    operator: str | None = None,
    theme: str | None = None,
    refresh_seconds: float = 15.0,
    endpoint: ResolvedEndpoint | None = None,
    planner: Planner | None = None,
) -> ConsoleApp:
    """The console app for ``settings`` with a lazily connected service (also used by the bench).

    With an ``endpoint`` the console also talks to that SchemaBot server (the planner check
    beside each review, and the resubmit); without one it never does."""
    from app.tui import ConsoleApp
    from services.redrive.identity import default_operator
    from services.redrive.planner_kind import Planner

    service = LazyService(lambda: _build_service(settings))
    schemabot = None
    if endpoint is not None:
        from services.schemabot_api.session import SchemaBotSession

        schemabot = SchemaBotSession(
            endpoint, lambda: service.storage, planner=planner or Planner.BOTH
        )
    return ConsoleApp(
        cast("ConsoleService", service),
        operator=operator or settings.operator or default_operator(),
        read_only=read_only or settings.read_only,
        keymap=settings.keymap,
        theme=theme,
        refresh_seconds=refresh_seconds,
        schemabot=schemabot,
    )


def _known_binding_ids() -> set[str]:
    """Every binding id the keymap may remap (the ids the help screen lists, and the lists')."""
    from app.tui import binding_ids

    return binding_ids()


def _known_theme(name: str) -> bool:
    from textual.theme import BUILTIN_THEMES

    return name in BUILTIN_THEMES


def _build_service(settings: Settings) -> ConsoleService:
    from app.service_factory import build_service

    return build_service(argparse.Namespace(), settings)


class LazyService:
    """A ``ConsoleService`` that builds the real one on the first call (thread-safe).

    Every ``ConsoleService`` method is the built service's own, looked up on first use, so the
    facade's signatures live in one place. A failed build is not cached: the next call (``r`` in
    the console) tries again.
    """

    def __init__(self, factory: Callable[[], ConsoleService]) -> None:
        self._factory = factory
        self._service: ConsoleService | None = None
        self._lock = threading.Lock()

    def _get(self) -> ConsoleService:
        with self._lock:
            if self._service is None:
                self._service = self._factory()
            return self._service

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):  # never build the service for a private or dunder probe
            raise AttributeError(name)
        return getattr(self._get(), name)
