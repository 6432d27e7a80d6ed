"""SchemaBot secret references: ``env:NAME``, ``file:/path``, or the value itself.

``secretsmanager:`` and any other scheme are refused with a message naming the scheme. A Go
MySQL DSN such as ``env:pw@tcp(h)/db`` (a user called ``env``) is a value, not a reference.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from services.domain.errors import ConfigError


class SecretUnavailableError(ConfigError):
    """A secret reference this console cannot resolve (unsupported scheme, unset, unreadable)."""


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9_+.-]*):(?!//)")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# After the last '@' of a Go DSN with credentials: [net[(addr)]]/db
_AFTER_CREDENTIALS = re.compile(r"^([A-Za-z0-9]*(\([^)]*\))?)?/")


def _looks_like_go_dsn(value: str) -> bool:
    at = value.rfind("@")
    return at > 0 and bool(_AFTER_CREDENTIALS.match(value[at + 1 :]))


def reference_scheme(value: str) -> str | None:
    """The scheme of a secret reference, or ``None`` when ``value`` is a literal."""
    if _looks_like_go_dsn(value):
        return None
    match = _SCHEME.match(value)
    return match.group(1) if match else None


def resolve_secret(value: str, path: str) -> str:
    """Resolve a secret reference found at config key ``path``; the result is never logged."""
    scheme = reference_scheme(value)
    if scheme is None:
        return value
    rest = value[len(scheme) + 1 :]
    if scheme == "env":
        if not _ENV_NAME.match(rest):
            raise ConfigError(f"{path}: env: reference needs a variable name (env:NAME)")
        resolved = os.environ.get(rest)
        if resolved is None:
            raise SecretUnavailableError(f"{path}: environment variable {rest} is not set")
    elif scheme == "file":
        if not rest:
            raise ConfigError(f"{path}: file: reference needs a path (file:/path)")
        try:
            resolved = Path(rest).read_text(encoding="utf-8").rstrip("\r\n")
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            raise SecretUnavailableError(
                f"{path}: cannot read secret file {rest}: {reason}"
            ) from None
        except UnicodeDecodeError:
            raise ConfigError(f"{path}: secret file {rest} is not UTF-8 text") from None
    else:
        raise SecretUnavailableError(
            f"{path}: secret reference scheme '{scheme}:' is not supported by redrive-console "
            "(supported: env:, file:, or the value itself)"
        )
    if not resolved:
        raise ConfigError(f"{path}: the {scheme}: reference resolves to an empty value")
    return resolved
