"""Database URLs (``driver://user:pass@host:port/db?k=v``) parsed and written without SQLAlchemy.

The settings run on the console's UI thread before the first paint; importing SQLAlchemy there
just to check or build a URL string cost a quarter of a second. This follows SQLAlchemy's own
URL grammar and quoting (``make_url`` / ``URL.render_as_string``), so the strings it writes
are read back by the storage layer's SQLAlchemy exactly as if SQLAlchemy had written them; a
test holds the two side by side.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, quote, quote_plus, unquote

QueryValue = str | tuple[str, ...]

_URL = re.compile(
    r"""
    (?P<drivername>[\w+]+)://
    (?:(?P<username>[^:/]*)(?::(?P<password>[^@]*))?@)?
    (?:(?:\[(?P<ipv6host>[^/?]+)\]|(?P<ipv4host>[^/:?]+))?(?::(?P<port>[^/?]*))?)?
    (?:/(?P<database>[^?]*))?
    (?:\?(?P<query>.*))?
    """,
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class UrlParts:
    """The parts of a database URL; ``query`` values repeat as tuples, as in SQLAlchemy."""

    drivername: str
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    host: str | None = None
    port: int | None = None
    database: str | None = None
    query: Mapping[str, QueryValue] = field(default_factory=dict)

    @property
    def backend(self) -> str:
        """The backend name without the driver (``mysql`` of ``mysql+pymysql``)."""
        return self.drivername.partition("+")[0]

    def with_driver(self, drivername: str) -> UrlParts:
        return replace(self, drivername=drivername)

    def render(self, *, hide_password: bool) -> str:
        """The URL as text; ``hide_password`` writes ``***`` for a password."""
        text = self.drivername + "://"
        if self.username is not None:
            text += quote(self.username, safe=" +")
            if self.password is not None:
                text += ":" + ("***" if hide_password else quote(self.password, safe=" +"))
            text += "@"
        if self.host is not None:
            text += f"[{self.host}]" if ":" in self.host else self.host
        if self.port is not None:
            text += f":{self.port}"
        if self.database is not None:
            text += "/" + quote(self.database, safe=" +/")
        if self.query:
            pairs = (
                f"{quote_plus(key)}={quote_plus(value)}"
                for key in sorted(self.query)
                for value in _values(self.query[key])
            )
            text += "?" + "&".join(pairs)
        return text


def parse_url(text: str) -> UrlParts:
    """Split a database URL; ``ValueError`` (naming no part of it) when it is not one."""
    match = _URL.match(text)
    if match is None:
        raise ValueError("not a database URL")
    parts = match.groupdict()
    query: dict[str, QueryValue] = {}
    for key, value in parse_qsl(parts["query"] or ""):
        query[key] = (*_values(query[key]), value) if key in query else value
    port_text = parts["port"]
    if port_text is not None and not port_text.isdigit():
        raise ValueError("the port is not a number")
    return UrlParts(
        drivername=parts["drivername"],
        username=_unquoted(parts["username"]),
        password=_unquoted(parts["password"]),
        host=parts["ipv4host"] or parts["ipv6host"],
        port=int(port_text) if port_text else None,
        database=_unquoted(parts["database"]),
        query=query,
    )


def mask_password(text: str) -> str:
    """``text`` with its password shown as ``***`` (an unparseable URL is not shown at all)."""
    try:
        return parse_url(text).render(hide_password=True)
    except ValueError:
        return "<unparseable URL>"


def _unquoted(value: str | None) -> str | None:
    return None if value is None else unquote(value)


def _values(value: QueryValue) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else value
