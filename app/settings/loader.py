"""``load_settings``: SchemaBot's config file (plus console extras) and ``--storage-url``."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from app.settings import yaml_tree as yt
from app.settings.api import ApiSettings
from app.settings.console import SECTION, parse_console_section
from app.settings.dsn_from import url_from_dsn
from app.settings.storage_dsn import storage_url
from app.settings.targets import ConfiguredTargets, parse_databases
from app.settings.url_text import mask_password
from services.domain.errors import ConfigError
from services.redrive.planner_kind import Planner

if TYPE_CHECKING:  # the planner (sqlglot, SQLAlchemy) stays out of the console's first paint
    from services.planner.spirit_level import SpiritLevel

CONFIG_ENV = "SCHEMABOT_CONFIG_FILE"
DEFAULT_ENVIRONMENT_ORDER = ("staging", "production")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the console needs from its configuration. ``storage_url`` is a secret."""

    storage_url: str = field(repr=False)
    targets: ConfiguredTargets = field(default_factory=ConfiguredTargets)
    keymap: dict[str, str] = field(default_factory=dict)
    read_only: bool = False
    redrive_window: timedelta = timedelta(hours=24)
    operator: str | None = None
    spirit_compat: SpiritLevel | None = None  # None: from the plan's storage generation
    environment_order: tuple[str, ...] = DEFAULT_ENVIRONMENT_ORDER
    allowed_environments: tuple[str, ...] | None = None
    config_path: Path | None = None
    api: ApiSettings | None = None  # redrive_console.api
    planner_cache: bool = True  # redrive_console.planner_cache: false switches it off
    planner: Planner | None = None  # redrive_console.planner (None: by endpoint, see --planner)
    preflight_deep: bool = False  # redrive_console.preflight_deep (``--deep`` also turns it on)
    preflight_size_threshold_rows: int | None = None  # None: the pre-flight's default

    @property
    def storage_display(self) -> str:
        """The storage URL with its password masked, safe to print."""
        return mask_password(self.storage_url)


def load_settings(config_path: str | None, storage_url: str | None) -> Settings:
    """Read ``config_path`` (else ``$SCHEMABOT_CONFIG_FILE``); ``storage_url`` overrides storage."""
    path_text = config_path or os.environ.get(CONFIG_ENV) or None
    if path_text is None:
        if not storage_url:
            raise ConfigError(
                f"no storage configured: pass --config FILE (or set {CONFIG_ENV}) "
                "or --storage-url URL"
            )
        return Settings(storage_url=_storage_override(storage_url))
    path = Path(path_text).expanduser()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    document = yt.mapping(yt.parse_yaml(text, str(path)), "", optional=True)
    allowed = None
    if document.get("allowed_environments") is not None:
        allowed = yt.string_list(document["allowed_environments"], "allowed_environments")
    order = DEFAULT_ENVIRONMENT_ORDER
    if document.get("environment_order") is not None:
        order = yt.string_list(document["environment_order"], "environment_order")
    if document.get("tern_deployments") is not None:
        _check_tern_deployments(document["tern_deployments"])
    targets = parse_databases(document.get("databases"), path.resolve().parent, allowed)
    console = parse_console_section(document.get(SECTION))
    url = _storage_override(storage_url) if storage_url else _storage_from(document, path)
    return Settings(
        storage_url=url,
        targets=targets,
        keymap=console.keymap,
        read_only=console.read_only,
        redrive_window=console.redrive_window,
        operator=console.operator,
        spirit_compat=console.spirit_compat,
        environment_order=order,
        allowed_environments=allowed,
        config_path=path,
        api=console.api,
        planner_cache=console.planner_cache,
        planner=console.planner,
        preflight_deep=console.preflight_deep,
        preflight_size_threshold_rows=console.preflight_size_threshold_rows,
    )


def _storage_override(value: str) -> str:
    return url_from_dsn(value, "--storage-url")


def _storage_from(document: dict, path: Path) -> str:
    storage = yt.mapping(document.get("storage"), "storage", optional=True)
    return storage_url(storage, path, os.environ)


def _check_tern_deployments(node: object) -> None:
    for deployment, environments in yt.mapping(node, "tern_deployments").items():
        env_path = yt.join("tern_deployments", deployment)
        for environment, address in yt.mapping(environments, env_path).items():
            yt.string(address, yt.join(env_path, environment))
