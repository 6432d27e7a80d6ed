"""SchemaBot's ``storage`` section as a SQLAlchemy URL, for either storage dialect.

``storage.dialect`` is ``mysql`` (the default) or ``postgres``. The DSN is ``storage.dsn``
(a secret reference allowed); without one, the ``STORAGE_DSN`` and then the ``MYSQL_DSN``
environment variables, as SchemaBot reads them. ``storage.dsn_from`` (a referenced YAML file
plus separate secrets) exists for MySQL only.

A MySQL DSN is a Go DSN or a SQLAlchemy URL (``mysql_dsn``). A PostgreSQL DSN is a URL
(``postgres://`` / ``postgresql://``) or a libpq ``key=value`` string; both become a
``postgresql+psycopg://`` URL. Messages name the setting, never its value.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from app.settings import yaml_tree as yt
from app.settings.dsn_from import url_from_dsn, url_from_parts
from app.settings.secrets import resolve_secret
from app.settings.url_params import check_url_params
from app.settings.url_text import UrlParts, parse_url
from services.domain.errors import ConfigError

DIALECTS = ("mysql", "postgres")
DSN_ENV_FALLBACKS = ("STORAGE_DSN", "MYSQL_DSN")
_POSTGRES_SCHEMES = ("postgres://", "postgresql://", "postgresql+psycopg://")
# libpq keywords that are parts of the URL itself; every other keyword is a URL parameter
# (a host that is a socket directory too).
_LIBPQ_URL_PARTS = frozenset({"user", "password", "host", "port", "dbname"})


def storage_url(storage: Mapping[str, object], path: Path, environ: Mapping[str, str]) -> str:
    """The storage URL of a ``storage`` mapping (see the module docstring)."""
    dialect = yt.optional_string(storage, "dialect", "storage") or "mysql"
    if dialect not in DIALECTS:
        raise ConfigError(f"storage.dialect: {dialect!r} is not one of {', '.join(DIALECTS)}")
    has_dsn = storage.get("dsn") is not None
    has_parts = storage.get("dsn_from") is not None
    if has_dsn and has_parts:
        raise ConfigError("storage: dsn and dsn_from are mutually exclusive")
    if has_parts:
        if dialect != "mysql":
            raise ConfigError("storage.dsn_from is for MySQL storage only; use storage.dsn")
        return url_from_parts(storage["dsn_from"], "storage.dsn_from")
    if has_dsn:
        where = "storage.dsn"
        value = resolve_secret(yt.string(storage["dsn"], where), where)
    else:
        where, value = _from_environment(environ, path)
    if dialect == "postgres":
        return postgres_url(value, where)
    return url_from_dsn(value, where)


def _from_environment(environ: Mapping[str, str], path: Path) -> tuple[str, str]:
    for name in DSN_ENV_FALLBACKS:
        if environ.get(name, "").strip():
            return f"${name}", environ[name].strip()
    raise ConfigError(
        f"{path}: storage.dsn or storage.dsn_from is required (or --storage-url, "
        f"or ${' / $'.join(DSN_ENV_FALLBACKS)})"
    )


def postgres_url(dsn: str, where: str) -> str:
    """A PostgreSQL URL or libpq ``key=value`` DSN as a ``postgresql+psycopg://`` URL."""
    text = dsn.strip()
    if text.startswith(_POSTGRES_SCHEMES):
        try:
            url = parse_url(text).with_driver("postgresql+psycopg")
        except ValueError:
            raise ConfigError(f"{where}: not a valid PostgreSQL URL") from None
    elif "=" in text and "://" not in text:
        parts = _libpq_keywords(text, where)
        in_url = _LIBPQ_URL_PARTS - ({"host"} if parts.get("host", "").startswith("/") else set())
        url = UrlParts(
            "postgresql+psycopg",
            username=parts.get("user"),
            password=parts.get("password"),
            host=parts.get("host") if "host" in in_url else None,
            port=_port(parts.get("port"), where),
            database=parts.get("dbname"),
            query={k: v for k, v in parts.items() if k not in in_url},
        )
    else:
        raise ConfigError(
            f"{where}: storage.dialect is postgres but the DSN is neither a postgres:// URL "
            "nor a libpq key=value string"
        )
    check_url_params(url.backend, url.query, where)
    return url.render(hide_password=False)


def _libpq_keywords(text: str, where: str) -> dict[str, str]:
    from psycopg import ProgrammingError
    from psycopg.conninfo import conninfo_to_dict

    try:
        parsed = conninfo_to_dict(text)
    except ProgrammingError:
        raise ConfigError(f"{where}: not a valid libpq key=value DSN") from None
    return {str(k): str(v) for k, v in parsed.items() if v is not None}


def _port(value: str | None, where: str) -> int | None:
    if value is None:
        return None
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise ConfigError(f"{where}: port must be a number from 1 to 65535")
    return int(value)
