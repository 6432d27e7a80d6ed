"""Query parameters a SQLAlchemy URL may carry, per backend; anything else is refused.

A parameter the driver does not know fails deep inside the connect with a traceback (PyMySQL
raises ``TypeError``), and one SQLite does not know is silently ignored. Both are refused up
front, naming the parameter only: values are never echoed, since a secret may sit in any of
them. Go DSNs are checked separately, before conversion (``mysql_dsn``).
"""

from __future__ import annotations

from collections.abc import Mapping

from services.domain.errors import ConfigError

_SECONDS = frozenset({"connect_timeout", "read_timeout", "write_timeout"})
_BOOLEANS = frozenset({"ssl_check_hostname"})  # SQLAlchemy turns the text into a bool
# PyMySQL reads this text as a truth value, so "false" would disable TLS: only "true" is taken.
_TRUE_ONLY = frozenset({"ssl_disabled"})
_TEXTS = frozenset(
    {"charset", "collation", "unix_socket", "ssl_ca", "ssl_capath", "ssl_cert", "ssl_key"}
)
_POSTGRES = frozenset(
    {"connect_timeout", "sslmode", "sslrootcert", "sslcert", "sslkey", "sslcrl"}
    | {"application_name", "host", "target_session_attrs"}
)
# Backend name (as SQLAlchemy reports it) -> the parameters its driver is given.
ALLOWED_PARAMS: Mapping[str, frozenset[str]] = {
    "mysql": _SECONDS | _BOOLEANS | _TRUE_ONLY | _TEXTS,
    "mariadb": _SECONDS | _BOOLEANS | _TRUE_ONLY | _TEXTS,
    "sqlite": frozenset(),
    # psycopg passes these to libpq (a socket directory travels as ``host``)
    "postgresql": _POSTGRES,
}
_TRUE_FALSE = frozenset({"true", "false", "1", "0", "yes", "no", "on", "off"})
_LONGEST_SECONDS = 31_536_000  # one year: PyMySQL's own upper bound for connect_timeout


def check_url_params(backend: str, query: Mapping[str, object], path: str) -> None:
    """Refuse parameters ``backend`` does not take, and malformed timeouts and booleans."""
    allowed = ALLOWED_PARAMS.get(backend)
    if allowed is None:
        return  # a backend the console does not read; refused by name where it is used
    for key, value in query.items():
        if key not in allowed:
            known = ", ".join(sorted(allowed)) or "none"
            raise ConfigError(
                f"{path}: URL parameter '{key}' is not supported for {backend}; refusing to "
                f"pass it on or drop it silently (supported: {known})"
            )
        if not isinstance(value, str):
            raise ConfigError(f"{path}: URL parameter '{key}' is given more than once")
        if key in _SECONDS and not (value.isdigit() and 0 < int(value) <= _LONGEST_SECONDS):
            raise ConfigError(f"{path}: URL parameter '{key}' must be a whole number of seconds")
        if key in _BOOLEANS and value.lower() not in _TRUE_FALSE:
            raise ConfigError(f"{path}: URL parameter '{key}' must be true or false")
        if key in _TRUE_ONLY and value.lower() != "true":
            raise ConfigError(f"{path}: URL parameter '{key}' takes only true (leave it out)")
