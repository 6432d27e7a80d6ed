"""The optional ``redrive_console:`` section: settings SchemaBot itself ignores."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

from app.settings import yaml_tree as yt
from app.settings.api import ApiSettings, parse_api_section
from services.domain.errors import ConfigError
from services.redrive.planner_kind import Planner

if TYPE_CHECKING:  # the planner (sqlglot, SQLAlchemy) loads only when a level is configured
    from services.planner.spirit_level import SpiritLevel

SECTION = "redrive_console"
DEFAULT_WINDOW_HOURS = 24
# At least an hour (a shorter window refuses nearly every failure), at most 30 days (older
# failures should become a new apply, not a redrive of a plan reviewed long ago).
WINDOW_HOURS_RANGE = (1, 720)
_KEYS = frozenset(
    {
        "keymap",
        "read_only",
        "redrive_window_hours",
        "operator",
        "spirit_compat",
        "api",
        "planner_cache",
        "planner",
        "preflight_deep",
        "preflight_size_threshold_rows",
    }
)


@dataclass(frozen=True, slots=True)
class ConsoleOptions:
    keymap: dict[str, str] = field(default_factory=dict)
    read_only: bool = False
    redrive_window: timedelta = timedelta(hours=DEFAULT_WINDOW_HOURS)
    operator: str | None = None
    # None: review and redrive take the level from the plan's storage generation.
    spirit_compat: SpiritLevel | None = None
    api: ApiSettings | None = None  # the SchemaBot server to call, when configured
    planner_cache: bool = True  # false: never read or write the persistent planner cache
    # None: ``both`` when a SchemaBot endpoint is configured, else ``local`` (``--planner`` wins).
    planner: Planner | None = None
    preflight_deep: bool = False  # true: every pre-flight also checks tables over the threshold
    preflight_size_threshold_rows: int | None = None  # None: the pre-flight's default


def parse_console_section(node: object) -> ConsoleOptions:
    """Validate ``redrive_console``; unknown keys are refused (a typo must not go unnoticed)."""
    spec = yt.mapping(node, SECTION, optional=True)
    for key in spec:
        if key not in _KEYS:
            raise ConfigError(
                f"{yt.join(SECTION, key)}: unknown key (known: {', '.join(sorted(_KEYS))})"
            )
    keymap_path = yt.join(SECTION, "keymap")
    keymap = {
        binding: yt.string(keys, yt.join(keymap_path, binding))
        for binding, keys in yt.mapping(spec.get("keymap"), keymap_path, optional=True).items()
    }
    read_only = False
    if spec.get("read_only") is not None:
        read_only = yt.boolean(spec["read_only"], yt.join(SECTION, "read_only"))
    hours = float(DEFAULT_WINDOW_HOURS)
    if spec.get("redrive_window_hours") is not None:
        window_path = yt.join(SECTION, "redrive_window_hours")
        hours = yt.number(spec["redrive_window_hours"], window_path)
        low, high = WINDOW_HOURS_RANGE
        if not low <= hours <= high:  # also refuses .nan and .inf
            raise ConfigError(f"{window_path}: must be a number of hours from {low} to {high}")
    operator = yt.optional_string(spec, "operator", SECTION)
    spirit_compat = None
    level_text = yt.optional_string(spec, "spirit_compat", SECTION)
    if level_text is not None:
        from services.planner.spirit_level import parse_level

        try:
            spirit_compat = parse_level(level_text)
        except ValueError as exc:
            raise ConfigError(f"{yt.join(SECTION, 'spirit_compat')}: {exc}") from None
    planner_cache = True
    if spec.get("planner_cache") is not None:
        planner_cache = yt.boolean(spec["planner_cache"], yt.join(SECTION, "planner_cache"))
    planner = None
    planner_text = yt.optional_string(spec, "planner", SECTION)
    if planner_text is not None:
        try:
            planner = Planner(planner_text.strip())
        except ValueError:
            known = ", ".join(p.value for p in Planner)
            raise ConfigError(f"{yt.join(SECTION, 'planner')}: must be one of {known}") from None
    deep = False
    if spec.get("preflight_deep") is not None:
        deep = yt.boolean(spec["preflight_deep"], yt.join(SECTION, "preflight_deep"))
    return ConsoleOptions(
        keymap=keymap,
        read_only=read_only,
        redrive_window=timedelta(hours=hours),
        operator=operator.strip() if operator else None,
        spirit_compat=spirit_compat,
        api=parse_api_section(spec.get("api"), SECTION),
        planner_cache=planner_cache,
        planner=planner,
        preflight_deep=deep,
        preflight_size_threshold_rows=_threshold(spec.get("preflight_size_threshold_rows")),
    )


def _threshold(value: object) -> int | None:
    """``preflight_size_threshold_rows``: a whole number of rows, 0 or more (None: default)."""
    if value is None:
        return None
    path = yt.join(SECTION, "preflight_size_threshold_rows")
    rows = yt.number(value, path)
    if not 0 <= rows <= 10**15 or rows != int(rows):  # also refuses .nan and .inf
        raise ConfigError(f"{path}: must be a whole number of rows, 0 or more")
    return int(rows)
