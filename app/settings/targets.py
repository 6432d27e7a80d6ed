"""``databases.<db>.environments.<env>`` resolved to ``services.targets.Target`` rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from app.settings import yaml_tree as yt
from app.settings.dsn_from import url_from_dsn, url_from_parts
from app.settings.secrets import SecretUnavailableError
from services.domain.errors import ConfigError
from services.targets import Target

DATABASE_TYPES = frozenset({"mysql", "vitess", "strata", "postgres"})
_ROUTE_KEYS = ("dsn", "dsn_from", "target", "deployment", "deployments", "schema_snapshot")


@dataclass(frozen=True, slots=True)
class ConfiguredTargets:
    """A ``TargetResolver`` over the config; unknown names get a reason, never an error."""

    entries: Mapping[tuple[str, str], Target] = field(default_factory=dict)
    database_types: Mapping[str, str] = field(default_factory=dict)

    def resolve(self, database: str, environment: str) -> Target:
        found = self.entries.get((database, environment))
        if found is not None:
            return found
        if database in self.database_types:
            reason = f"environment {environment!r} of database {database!r} is not configured"
        else:
            reason = f"database {database!r} is not in the SchemaBot config"
        return Target(
            database=database,
            environment=environment,
            database_type=self.database_types.get(database, ""),
            deployment="",
            target="",
            unsupported_reason=reason,
        )


def parse_databases(
    node: object, base_dir: Path, allowed_environments: tuple[str, ...] | None
) -> ConfiguredTargets:
    """Parse the ``databases`` section; structural problems raise ``ConfigError``."""
    databases = yt.mapping(node, "databases", optional=True)
    entries: dict[tuple[str, str], Target] = {}
    types: dict[str, str] = {}
    for database, db_node in databases.items():
        path = yt.join("databases", database)
        spec = yt.mapping(db_node, path)
        db_type = _database_type(spec, path)
        types[database] = db_type
        environments = yt.mapping(spec.get("environments"), yt.join(path, "environments"))
        for environment, env_node in environments.items():
            env_path = yt.join(yt.join(path, "environments"), environment)
            target = _environment_target(
                database, db_type, environment, env_node, env_path, base_dir
            )
            if allowed_environments is not None and environment not in allowed_environments:
                target = replace(
                    target,
                    url=None,
                    snapshot_dir=None,
                    unsupported_reason=f"environment {environment!r} is not in "
                    "allowed_environments of this SchemaBot config",
                )
            entries[(database, environment)] = target
    return ConfiguredTargets(entries=entries, database_types=types)


def _database_type(spec: Mapping[str, Any], path: str) -> str:
    if spec.get("type") is None:
        return "mysql"
    db_type = yt.string(spec["type"], yt.join(path, "type")).lower()
    if db_type not in DATABASE_TYPES:
        known = ", ".join(sorted(DATABASE_TYPES))
        raise ConfigError(f"{yt.join(path, 'type')}: unknown database type (one of {known})")
    return db_type


def _environment_target(
    database: str, db_type: str, environment: str, node: object, path: str, base_dir: Path
) -> Target:
    spec = yt.mapping(node, path)
    given = {key for key in _ROUTE_KEYS if spec.get(key) is not None}
    _check_route_keys(given, path)
    deployment, target_name = _deployment_and_target(database, spec, given, path)
    if db_type == "postgres":
        # Checked before any DSN is parsed or secret read: neither is used for postgres.
        return Target(
            database=database,
            environment=environment,
            database_type=db_type,
            deployment=deployment,
            target=target_name,
            unsupported_reason=(
                "postgres databases cannot be re-planned by this console (MySQL/MariaDB only)"
            ),
        )
    grpc = bool(given & {"target", "deployment", "deployments"})
    url: str | None = None
    snapshot: Path | None = None
    reason: str | None = None
    try:
        if "dsn" in given:
            url = url_from_dsn(spec["dsn"], yt.join(path, "dsn"))
        elif "dsn_from" in given:
            url = url_from_parts(spec["dsn_from"], yt.join(path, "dsn_from"))
        elif "schema_snapshot" in given:
            snapshot_path = yt.join(path, "schema_snapshot")
            snapshot = (base_dir / yt.string(spec["schema_snapshot"], snapshot_path)).resolve()
            if not snapshot.is_dir():
                reason = f"{snapshot_path}: schema snapshot folder {snapshot} does not exist"
                snapshot = None
        elif grpc:
            reason = (
                f"{database}/{environment} is in gRPC mode (deployment {deployment!r}, target "
                f"{target_name!r}): SchemaBot's remote engine owns the connection, so this "
                "console cannot re-plan there; give the environment a dsn or schema_snapshot "
                "for the console"
            )
    except SecretUnavailableError as exc:
        reason = str(exc)
    return Target(
        database=database,
        environment=environment,
        database_type=db_type,
        deployment=deployment,
        target=target_name,
        url=url,
        snapshot_dir=snapshot,
        unsupported_reason=reason,
    )


def _check_route_keys(given: set[str], path: str) -> None:
    if {"dsn", "dsn_from"} <= given:
        raise ConfigError(f"{path}: dsn and dsn_from are mutually exclusive")
    if "schema_snapshot" in given and given & {"dsn", "dsn_from"}:
        raise ConfigError(f"{path}: schema_snapshot replaces dsn/dsn_from; give only one")
    if "deployments" in given and given & {"target", "deployment", "dsn", "dsn_from"}:
        raise ConfigError(
            f"{path}.deployments: cannot be combined with target, deployment, dsn or dsn_from"
        )
    if not given:
        raise ConfigError(
            f"{path}: needs dsn, dsn_from, target + deployment, deployments or schema_snapshot"
        )


def _deployment_and_target(
    database: str, spec: Mapping[str, Any], given: set[str], path: str
) -> tuple[str, str]:
    if "deployments" in given:
        deployments_path = yt.join(path, "deployments")
        deployments = yt.mapping(spec["deployments"], deployments_path)
        if len(deployments) != 1:
            raise ConfigError(
                f"{deployments_path}: only a single-entry deployments map is supported "
                f"(found {len(deployments)})"
            )
        if spec.get("deployment_order") is not None:
            yt.string_list(spec["deployment_order"], yt.join(path, "deployment_order"))
        ((name, entry),) = deployments.items()
        entry_path = yt.join(deployments_path, name)
        entry_spec = yt.mapping(entry, entry_path)
        return name, yt.string(entry_spec.get("target"), yt.join(entry_path, "target"))
    if given & {"target", "deployment"}:
        return (
            yt.string(spec.get("deployment"), yt.join(path, "deployment")),
            yt.string(spec.get("target"), yt.join(path, "target")),
        )
    return database, database
