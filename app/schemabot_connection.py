"""The SchemaBot server a command calls: ``--endpoint`` / ``--profile`` plus the config.

Resolution (flags, ``SCHEMABOT_ENDPOINT`` / ``SCHEMABOT_TOKEN``, ``~/.schemabot/config.yaml``
profiles, then ``redrive_console.api``) lives in ``services.schemabot_api.endpoint``; this module
only adds the command-line options and resolves the config's token reference.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from app.settings import Settings
from services.schemabot_api.endpoint import EndpointRequest, ResolvedEndpoint, resolve_endpoint

if TYPE_CHECKING:
    from services.schemabot_api.client import SchemaBotClient


def add_endpoint_options(parser: argparse.ArgumentParser) -> None:
    """``--endpoint URL`` and ``--profile NAME`` (the token comes from the environment or a
    config file, never from the command line, where other users could read it)."""
    parser.add_argument(
        "--endpoint",
        metavar="URL",
        help="SchemaBot server (default: $SCHEMABOT_ENDPOINT, the ~/.schemabot profile, "
        "then redrive_console.api.endpoint)",
    )
    parser.add_argument(
        "--profile",
        metavar="NAME",
        help="profile of ~/.schemabot/config.yaml (default: $SCHEMABOT_PROFILE, "
        "default_profile, then 'default')",
    )


def configured_endpoint(args: argparse.Namespace, settings: Settings) -> ResolvedEndpoint | None:
    """The endpoint the options and config name, or ``None`` when none is configured.

    Raises ``ConfigError`` for a bad URL, an unreadable profile file or an unresolvable token."""
    request = EndpointRequest(
        endpoint=getattr(args, "endpoint", None), profile=getattr(args, "profile", None)
    )
    configured = settings.api.resolved() if settings.api else None
    return resolve_endpoint(request, configured)


def open_client(endpoint: ResolvedEndpoint) -> SchemaBotClient:
    """A client of ``endpoint`` (``ConfigError`` when its CA file cannot be loaded)."""
    from services.schemabot_api.client import SchemaBotClient

    return SchemaBotClient(endpoint)
