"""Go MySQL DSNs (``user:pass@tcp(host:port)/db?params``) as SQLAlchemy ``mysql+pymysql`` URLs.

Parsing follows go-sql-driver/mysql: the database follows the last ``/``, the credentials end at
the last ``@`` before it, and the password starts after the user's first ``:`` — so passwords
may contain ``@``, ``:`` and ``/``. DSN parameters with a PyMySQL equivalent are mapped, driver
details are ignored, anything else is refused rather than silently dropped.
"""

from __future__ import annotations

import math
import re
import ssl
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, unquote_plus

from app.settings.url_params import check_url_params
from app.settings.url_text import UrlParts, parse_url
from services.domain.errors import ConfigError

DRIVER = "mysql+pymysql"
IGNORED_PARAMS = frozenset({"parseTime", "loc", "interpolateParams"})
_TIMEOUTS = {
    "timeout": "connect_timeout",
    "readTimeout": "read_timeout",
    "writeTimeout": "write_timeout",
}
SUPPORTED_PARAMS = frozenset({*_TIMEOUTS, "tls", "charset", "collation"})
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


@dataclass(frozen=True, slots=True)
class MySQLEndpoint:
    """The parts of a MySQL connection, before they become a URL."""

    user: str = ""
    password: str = field(default="", repr=False)
    net: str = "tcp"
    address: str = ""
    database: str = ""
    params: tuple[tuple[str, str], ...] = ()


def is_sqlalchemy_url(value: str) -> bool:
    return bool(_URL_SCHEME.match(value))


def to_sqlalchemy_url(value: str, path: str) -> str:
    """A SQLAlchemy URL as given (validated), or a Go MySQL DSN converted to one."""
    if is_sqlalchemy_url(value):
        try:
            url = parse_url(value)
        except ValueError:
            raise ConfigError(f"{path}: not a valid SQLAlchemy URL") from None
        check_url_params(url.backend, url.query, path)
        return value
    return endpoint_url(parse_go_dsn(value, path), path)


def parse_go_dsn(dsn: str, path: str) -> MySQLEndpoint:
    """Split ``[user[:password]@][net[(addr)]]/dbname[?params]`` as the Go driver does."""
    slash = dsn.rfind("/")
    if slash < 0:
        raise ConfigError(
            f"{path}: not a Go MySQL DSN (user:password@tcp(host:port)/database) "
            "or a SQLAlchemy URL (scheme://...)"
        )
    user = password = net = address = ""
    head = dsn[:slash]
    at = head.rfind("@")
    if at >= 0:
        credentials, head = head[:at], head[at + 1 :]
        user, _, password = credentials.partition(":")
    paren = head.find("(")
    if paren >= 0:
        if not head.endswith(")"):
            raise ConfigError(f"{path}: invalid DSN address: missing ')' after the net address")
        net, address = head[:paren], head[paren + 1 : -1]
    else:
        net = head
    tail = dsn[slash + 1 :]
    database, _, query = tail.partition("?")
    return MySQLEndpoint(
        user=user,
        password=password,
        net=net or "tcp",
        address=address,
        database=unquote(database),
        params=_parse_params(query, path),
    )


def _parse_params(query: str, path: str) -> tuple[tuple[str, str], ...]:
    params = []
    for item in query.split("&") if query else ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigError(f"{path}: invalid DSN parameter (expected key=value)")
        params.append((key, unquote_plus(value)))
    return tuple(params)


def endpoint_url(endpoint: MySQLEndpoint, path: str) -> str:
    """Render an endpoint as a ``mysql+pymysql://`` URL string (credentials URL-encoded)."""
    query = _pymysql_query(endpoint.params, path)
    host: str | None = None
    port: int | None = None
    if endpoint.net in {"tcp", "tcp6"}:
        host, port = _host_port(endpoint.address or "127.0.0.1:3306", path)
    elif endpoint.net == "unix":
        query["unix_socket"] = endpoint.address or "/tmp/mysql.sock"
    else:
        raise ConfigError(
            f"{path}: DSN network '{endpoint.net}' is not supported (use tcp or unix)"
        )
    url = UrlParts(
        DRIVER,
        username=endpoint.user or None,
        password=endpoint.password or None,
        host=host,
        port=port,
        database=endpoint.database or None,
        query=query,
    )
    return url.render(hide_password=False)


def _host_port(address: str, path: str) -> tuple[str, int]:
    if address.startswith("["):
        host, _, rest = address[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else ""
    elif address.count(":") == 1:
        host, _, port_text = address.partition(":")
    else:
        host, port_text = address, ""
    if not host:
        raise ConfigError(f"{path}: DSN address has no host")
    if not port_text:
        return host, 3306
    if not port_text.isdigit() or not 0 < int(port_text) < 65536:
        raise ConfigError(f"{path}: DSN port must be a number between 1 and 65535")
    return host, int(port_text)


def _pymysql_query(params: tuple[tuple[str, str], ...], path: str) -> dict[str, str]:
    query: dict[str, str] = {}
    for key, value in params:
        if key in IGNORED_PARAMS:
            continue
        if key in _TIMEOUTS:
            seconds = go_duration_seconds(value, f"{path} parameter {key}")
            if seconds > 0:
                query[_TIMEOUTS[key]] = str(max(1, math.ceil(seconds)))
        elif key == "tls":
            query.update(_tls_query(value, path))
        elif key == "charset":
            query["charset"] = value.split(",")[0]
        elif key == "collation":
            query["collation"] = value
        else:
            raise ConfigError(
                f"{path}: DSN parameter '{key}' is not supported by redrive-console; refusing "
                f"to drop it silently (supported: {', '.join(sorted(SUPPORTED_PARAMS))}; "
                f"ignored: {', '.join(sorted(IGNORED_PARAMS))})"
            )
    return query


def go_duration_seconds(text: str, where: str) -> float:
    """Seconds of a Go duration such as ``30s``, ``1m30s`` or ``500ms``."""
    if text == "0":
        return 0.0
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise ConfigError(f"{where}: not a Go duration (for example 30s, 1m, 500ms)")
    return sum(float(n) * _UNIT_SECONDS[u] for n, u in parts)


def _tls_query(value: str, path: str) -> dict[str, str]:
    """Go's ``tls`` modes as PyMySQL SSL settings (through SQLAlchemy's ``ssl_*`` keys)."""
    mode = {"1": "true", "0": "false"}.get(value, value.lower())  # Go's readBool forms
    if mode == "true":
        return {**_system_ca(path), "ssl_check_hostname": "true"}
    if mode == "skip-verify":
        return {"ssl_check_hostname": "false"}
    if mode == "preferred":
        return {}  # PyMySQL's default: TLS when the server offers it, unverified
    if mode == "false":
        return {"ssl_disabled": "true"}
    raise ConfigError(
        f"{path}: DSN parameter tls={value} names a TLS config registered in Go code, which "
        "redrive-console cannot see; use true, skip-verify, preferred or false, or give a "
        "SQLAlchemy URL with ssl_ca=..."
    )


def _system_ca(path: str) -> dict[str, str]:
    defaults = ssl.get_default_verify_paths()
    if defaults.cafile and Path(defaults.cafile).is_file():
        return {"ssl_ca": defaults.cafile}
    if defaults.capath and Path(defaults.capath).is_dir():
        return {"ssl_capath": defaults.capath}
    raise ConfigError(
        f"{path}: tls=true needs the system CA certificates, but none were found "
        "(set SSL_CERT_FILE, or give a SQLAlchemy URL with ssl_ca=...)"
    )
