"""Which SchemaBot server to call and with which Bearer token, resolved like SchemaBot's CLI.

Endpoint, first found wins: ``--endpoint``; ``$SCHEMABOT_ENDPOINT``; the active profile of
``~/.schemabot/config.yaml`` (``--profile``, else ``$SCHEMABOT_PROFILE``, else
``default_profile``, else ``default``; a profile asked for by name must exist); then the
console's own config (``redrive_console.api.endpoint``). One trailing ``/`` is dropped.

Token, first found wins: ``--token``; ``$SCHEMABOT_TOKEN``; the profile's ``token``; the
console config's ``redrive_console.api.token``. A token stored with an endpoint (profile or
console config) is bound to it: it is sent only when the request goes to that same endpoint,
never to a server it was not issued for. A profile file that caches a token must not be
readable by group or others (as SchemaBot's CLI insists). A token is never sent over plain
``http://`` except to a loopback address.
"""

from __future__ import annotations

import ipaddress
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from services.schemabot_api.errors import SchemaBotConfigError
from services.schemabot_api.token import BearerToken

DEFAULT_TIMEOUT_SECONDS = 10.0
PROFILE_FILE = Path(".schemabot") / "config.yaml"


@dataclass(frozen=True, slots=True)
class ConfiguredApi:
    """``redrive_console.api`` with its token already resolved (``None`` when not set)."""

    endpoint: str = ""
    token: str | None = field(default=None, repr=False)
    ca_file: Path | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS


@dataclass(frozen=True, slots=True)
class EndpointRequest:
    """What the command line asked for (every field optional)."""

    endpoint: str | None = None
    token: str | None = field(default=None, repr=False)
    profile: str | None = None


@dataclass(frozen=True, slots=True)
class ResolvedEndpoint:
    """The server to call: its base URL, the token to send (if any) and transport options."""

    url: str
    source: str
    token: BearerToken | None
    ca_file: Path | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS


@dataclass(frozen=True, slots=True)
class _Profile:
    name: str
    endpoint: str
    token: str | None = field(default=None, repr=False)


def resolve_endpoint(
    request: EndpointRequest,
    configured: ConfiguredApi | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> ResolvedEndpoint | None:
    """The endpoint and token to use, or ``None`` when no endpoint is configured anywhere."""
    env = os.environ if environ is None else environ
    configured = configured or ConfiguredApi()
    has_endpoint = bool(request.endpoint or env.get("SCHEMABOT_ENDPOINT"))
    has_token = bool(request.token or env.get("SCHEMABOT_TOKEN"))
    # like SchemaBot's CLI, the profile file is read only when it could supply something
    profile = None
    if not (has_endpoint and has_token):
        profile = _load_profile(request.profile, env, home or Path.home())
    candidates = (
        (request.endpoint, "--endpoint"),
        (env.get("SCHEMABOT_ENDPOINT"), "SCHEMABOT_ENDPOINT"),
        (profile.endpoint if profile else None, f"profile {profile.name}" if profile else ""),
        (configured.endpoint, "redrive_console.api.endpoint"),
    )
    found = next(((value, source) for value, source in candidates if value), None)
    if found is None:
        return None
    url = _checked_url(found[0], found[1])
    token = _token_for(url, request, configured, profile, env)
    if token is not None and not _may_carry_token(url):
        raise SchemaBotConfigError(
            f"refusing to send the SchemaBot token from {token.source} over plain http to {url}; "
            "use https (plain http is allowed for loopback addresses only)"
        )
    return ResolvedEndpoint(
        url=url,
        source=found[1],
        token=token,
        ca_file=configured.ca_file,
        timeout_seconds=configured.timeout_seconds,
    )


def _token_for(
    url: str,
    request: EndpointRequest,
    configured: ConfiguredApi,
    profile: _Profile | None,
    env: Mapping[str, str],
) -> BearerToken | None:
    if request.token:
        return BearerToken(request.token, "--token")
    if env.get("SCHEMABOT_TOKEN"):
        return BearerToken(env["SCHEMABOT_TOKEN"], "SCHEMABOT_TOKEN")
    bound = (
        (profile.token if profile else None, profile.endpoint if profile else "", "profile"),
        (configured.token, configured.endpoint, "redrive_console.api.token"),
    )
    for value, endpoint, source in bound:
        if value and endpoint and _trim(endpoint) == url:
            return BearerToken(value, f"profile {profile.name}" if source == "profile" else source)
    return None


def _load_profile(flag: str | None, env: Mapping[str, str], home: Path) -> _Profile | None:
    path = home / PROFILE_FILE
    explicit = flag or env.get("SCHEMABOT_PROFILE") or None
    try:
        with path.open("rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            text = handle.read().decode("utf-8")
    except FileNotFoundError:
        if explicit:
            raise SchemaBotConfigError(
                f"unknown SchemaBot profile {explicit!r} ({path} does not exist)"
            ) from None
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaBotConfigError(f"cannot read {path}: {exc}") from None
    try:
        document = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise SchemaBotConfigError(f"cannot parse {path}: {exc}") from None
    if not isinstance(document, dict):
        raise SchemaBotConfigError(f"{path}: expected a mapping at the top level")
    profiles = document.get("profiles") or {}
    if not isinstance(profiles, dict) or not all(isinstance(p, dict) for p in profiles.values()):
        raise SchemaBotConfigError(f"{path}: profiles must map names to mappings")
    if any(p.get("token") or p.get("refresh_token") for p in profiles.values()):
        _require_private(path, mode)
    name = explicit or _text(document.get("default_profile"), path, "default_profile") or "default"
    entry = profiles.get(name)
    if entry is None:
        if explicit:
            raise SchemaBotConfigError(f"unknown SchemaBot profile {name!r} in {path}")
        return None
    where = f"profiles.{name}"
    return _Profile(
        name=name,
        endpoint=_text(entry.get("endpoint"), path, f"{where}.endpoint"),
        token=_text(entry.get("token"), path, f"{where}.token") or None,
    )


def _require_private(path: Path, mode: int) -> None:
    permissions = stat.S_IMODE(mode)
    if permissions & 0o077:
        raise SchemaBotConfigError(
            f"{path} caches a token but is accessible by other users (mode {permissions:#o}); "
            f"restrict it with: chmod 600 {path}"
        )


def _text(value: object, path: Path, key: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise SchemaBotConfigError(f"{path}: {key} must be a string")
    return value


def _checked_url(value: str, source: str) -> str:
    url = _trim(value.strip())
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SchemaBotConfigError(
            f"SchemaBot endpoint from {source} must be an http:// or https:// URL with a host"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        raise SchemaBotConfigError(
            f"SchemaBot endpoint from {source} must not carry credentials, a query or a fragment"
        )
    return url


def _may_carry_token(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return True
    host = parts.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _trim(value: str) -> str:
    return value[:-1] if value.endswith("/") else value
