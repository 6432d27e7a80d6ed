"""DSN values (``dsn``) and ``dsn_from`` (a referenced YAML file plus separate secrets) as URLs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.settings import yaml_tree as yt
from app.settings.mysql_dsn import MySQLEndpoint, endpoint_url, to_sqlalchemy_url
from app.settings.secrets import resolve_secret
from services.domain.errors import ConfigError

_CONFIG_PATH_KEYS = ("host", "port", "database")


def url_from_dsn(node: object, path: str) -> str:
    """A ``dsn`` value (secret reference, Go DSN or SQLAlchemy URL) as a SQLAlchemy URL."""
    return to_sqlalchemy_url(resolve_secret(yt.string(node, path), path), path)


def url_from_parts(node: object, path: str) -> str:
    """Build the SQLAlchemy URL described by a ``dsn_from`` mapping found at ``path``."""
    spec = yt.mapping(node, path)
    config_ref = yt.string(spec.get("config_ref"), yt.join(path, "config_ref"))
    username = yt.optional_string(spec, "username", path) or ""
    password_ref = yt.optional_string(spec, "password_ref", path)
    params = yt.mapping(spec.get("params"), yt.join(path, "params"), optional=True)
    query = tuple(
        (key, yt.scalar_text(value, yt.join(yt.join(path, "params"), key)))
        for key, value in params.items()
    )
    ref_path = yt.join(path, "config_ref")
    referenced = yt.parse_yaml(resolve_secret(config_ref, ref_path), f"{ref_path} (YAML)")
    host, port, database = _location(referenced, spec.get("config_paths"), path)
    password = resolve_secret(password_ref, yt.join(path, "password_ref")) if password_ref else ""
    endpoint = MySQLEndpoint(
        user=username,
        password=password,
        net="tcp",
        address=f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        database=database,
        params=query,
    )
    return endpoint_url(endpoint, path)


def _location(referenced: object, config_paths: object, path: str) -> tuple[str, str, str]:
    ref_path = yt.join(path, "config_ref")
    document = yt.mapping(referenced, f"{ref_path} (YAML)")
    if config_paths is None:
        located = {key: (document.get(key), f"{ref_path}: {key}") for key in _CONFIG_PATH_KEYS}
    else:
        paths_path = yt.join(path, "config_paths")
        paths = yt.mapping(config_paths, paths_path)
        for key in paths:
            if key not in _CONFIG_PATH_KEYS:
                raise ConfigError(f"{yt.join(paths_path, key)}: unknown key (host, port, database)")
        located = {}
        for key in _CONFIG_PATH_KEYS:
            if paths.get(key) is None:
                located[key] = (None, yt.join(paths_path, key))
                continue
            dotted = yt.string(paths[key], yt.join(paths_path, key))
            located[key] = (_lookup(document, dotted, ref_path), f"{ref_path}: {dotted}")
    host_value, host_where = located["host"]
    if host_value is None:
        raise ConfigError(f"{host_where}: host is missing")
    host = yt.string(host_value, host_where)
    port_value, port_where = located["port"]
    port = "3306" if port_value is None else yt.scalar_text(port_value, port_where)
    database_value, database_where = located["database"]
    database = "" if database_value is None else yt.scalar_text(database_value, database_where)
    return host, port, database


def _lookup(document: Mapping[str, Any], dotted: str, ref_path: str) -> object:
    node: object = document
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ConfigError(f"{ref_path}: path {dotted} not found in the referenced YAML")
        node = node[part]
    return node
