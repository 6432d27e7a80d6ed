"""``redrive_console.api``: the SchemaBot server the console may call, and its Bearer token.

``endpoint`` is the server's base URL; ``token`` a secret reference (``env:NAME``,
``file:/path``, or the value itself), resolved only when a command calls the server, so a
missing variable never stops the commands that do not; ``ca_file`` a PEM bundle to verify the
server's certificate against (relative to the working directory); ``timeout_seconds`` the
per-request timeout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.settings import yaml_tree as yt
from app.settings.secrets import resolve_secret
from services.domain.errors import ConfigError
from services.schemabot_api.endpoint import DEFAULT_TIMEOUT_SECONDS, ConfiguredApi

KEY = "api"
_KEYS = frozenset({"endpoint", "token", "ca_file", "timeout_seconds"})
TIMEOUT_RANGE = (0.1, 600.0)


@dataclass(frozen=True, slots=True)
class ApiSettings:
    endpoint: str = ""
    token_reference: str = field(default="", repr=False)
    ca_file: Path | None = None
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    def resolved(self) -> ConfiguredApi:
        """The settings with the token reference resolved (``ConfigError`` if it cannot be)."""
        token = None
        if self.token_reference:
            token = resolve_secret(self.token_reference, "redrive_console.api.token")
        return ConfiguredApi(self.endpoint, token, self.ca_file, self.timeout_seconds)


def parse_api_section(node: object, section: str) -> ApiSettings | None:
    """Validate ``<section>.api``; unknown keys are refused. ``None`` when absent."""
    if node is None:
        return None
    path = yt.join(section, KEY)
    spec = yt.mapping(node, path)
    for key in spec:
        if key not in _KEYS:
            raise ConfigError(
                f"{yt.join(path, key)}: unknown key (known: {', '.join(sorted(_KEYS))})"
            )
    ca_text = yt.optional_string(spec, "ca_file", path)
    ca_file = Path(ca_text).expanduser() if ca_text else None
    timeout = DEFAULT_TIMEOUT_SECONDS
    if spec.get("timeout_seconds") is not None:
        timeout_path = yt.join(path, "timeout_seconds")
        timeout = yt.number(spec["timeout_seconds"], timeout_path)
        low, high = TIMEOUT_RANGE
        if not low <= timeout <= high:  # also refuses .nan and .inf
            raise ConfigError(
                f"{timeout_path}: must be a number of seconds from {low:g} to {high:g}"
            )
    return ApiSettings(
        endpoint=(yt.optional_string(spec, "endpoint", path) or "").strip(),
        token_reference=yt.optional_string(spec, "token", path) or "",
        ca_file=ca_file,
        timeout_seconds=float(timeout),
    )
