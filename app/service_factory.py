"""Build the settings and the redrive service a command needs from ``--config`` / ``--storage-url``.

Failures are typed: ``ConfigError`` (bad input, exit 2) and ``StorageUnavailableError`` /
``IncompatibleStorageError`` (exit 1). ``report_setup_error`` prints the one-line message.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from app.cli import EXIT_INTERNAL, EXIT_USAGE
from app.settings import Settings, load_settings
from services.domain.errors import ConfigError, RedriveConsoleError

if TYPE_CHECKING:
    from services.redrive.service import RedriveService


def build_settings(args: argparse.Namespace) -> Settings:
    """Settings from the command's ``--config`` and ``--storage-url`` options."""
    return load_settings(getattr(args, "config", None), getattr(args, "storage_url", None))


def build_service(args: argparse.Namespace, settings: Settings | None = None) -> RedriveService:
    """Connect to the storage and return the service every command and the TUI call.

    The operator is ``--operator``, else the config's ``redrive_console.operator``, else the
    service's default (``cli:<user>@<host>``). The pre-flight is deep with ``--deep`` or
    ``redrive_console.preflight_deep``, its size threshold ``preflight_size_threshold_rows``.
    """
    from app.commands.planner_cache import apply_cache_option
    from services.redrive import service
    from services.storage import store

    settings = settings or build_settings(args)
    apply_cache_option(args, settings.planner_cache)
    storage = store.Storage.from_url(settings.storage_url)
    built = service.RedriveService(
        storage,
        settings.targets,
        window=settings.redrive_window,
        operator=getattr(args, "operator", None) or settings.operator,
        spirit_compat=getattr(args, "spirit_compat", None) or settings.spirit_compat,
    )
    built.preflight_deep = getattr(args, "deep", False) or settings.preflight_deep
    built.preflight_size_threshold_rows = settings.preflight_size_threshold_rows
    return built


def report_setup_error(exc: RedriveConsoleError) -> int:
    """Print one line for a setup failure and return the exit code (2 config, 1 otherwise)."""
    from services.terminal_text import printable

    kind = "config error" if isinstance(exc, ConfigError) else "error"
    # driver errors carry text the server sent, which may hold escape sequences
    print(f"redrive-console: {kind}: {printable(exc, single_line=True)}", file=sys.stderr)
    return EXIT_USAGE if isinstance(exc, ConfigError) else EXIT_INTERNAL
