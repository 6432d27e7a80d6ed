"""Where the current schema comes from: a live MySQL/MariaDB server or a snapshot folder.

Both give ``{table: CREATE TABLE text}`` per namespace (= schema), skipping Spirit's own
tables (``_*``) and ``*_archive_YYYY[_MM[_DD]]`` tables, as SchemaBot does. The live
source is in ``live_source`` (SQLAlchemy and the driver are imported only when a plan reads a
server); ``LiveSchemaSource`` is still importable from here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from services.planner.api import Flavour, PlannerError
from services.targets import Target

_ARCHIVE = re.compile(r"_archive_\d{4}(?:_\d{2}(?:_\d{2})?)?$")
_CREATE_NAME = re.compile(
    r"^\s*CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?(?:`(?:[^`]|``)+`\.|\w+\.)?"
    r"(`(?:[^`]|``)+`|[\w$]+)",
    re.I,
)


def is_planned_table(name: str) -> bool:
    """False for Spirit shadow/checkpoint tables and dated archive tables."""
    return not name.startswith("_") and _ARCHIVE.search(name) is None


def table_name_of(text: str, fallback: str) -> str:
    """The table name a CREATE TABLE text defines (``fallback`` if it cannot be seen)."""
    match = _CREATE_NAME.match(text)
    if not match:
        return fallback
    raw = match.group(1)
    return raw[1:-1].replace("``", "`") if raw.startswith("`") else raw


class SnapshotSchemaSource:
    """A folder with one sub-folder per namespace holding ``<table>.sql`` CREATE TABLE files."""

    def __init__(self, directory: Path, flavour: Flavour = Flavour.MYSQL) -> None:
        self._directory = Path(directory)
        self._flavour = flavour

    @property
    def flavour(self) -> Flavour:
        return self._flavour

    def load(self, namespace: str) -> Mapping[str, str]:
        folder = self._directory / namespace
        if not self._directory.is_dir():
            raise PlannerError(f"snapshot folder {self._directory} does not exist")
        tables: dict[str, str] = {}
        if not folder.is_dir():
            return tables
        for path in sorted(folder.glob("*.sql")):
            text = path.read_text(encoding="utf-8")
            name = table_name_of(text, path.stem)
            if is_planned_table(name):
                tables[name] = text.rstrip().rstrip(";").rstrip()
        return tables


def __getattr__(name: str) -> object:
    """``LiveSchemaSource`` on first use, so importing the snapshot sources stays light."""
    if name == "LiveSchemaSource":
        from services.planner.live_source import LiveSchemaSource

        return LiveSchemaSource
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def source_for_target(target: Target):
    """The schema source a resolved ``Target`` points to; ``PlannerError`` if unsupported."""
    if target.unsupported_reason:
        raise PlannerError(target.unsupported_reason)
    if target.url:
        from sqlalchemy.engine import make_url

        from services.planner.live_source import LiveSchemaSource

        # SchemaBot: a DSN naming a database plans every namespace against that database.
        database = make_url(target.url).database or None
        return LiveSchemaSource(target.url, database_override=database)
    if target.snapshot_dir is not None:
        return SnapshotSchemaSource(target.snapshot_dir)
    raise PlannerError(f"{target.database}/{target.environment}: no URL or snapshot configured")


class StaticSchemaSource:
    """Tables already in memory, ``{namespace: {table: CREATE TABLE text}}`` (CLI, tests).

    ``server_text=True`` declares the texts SHOW CREATE output (enables the unchanged fast path).
    """

    def __init__(
        self,
        tables: Mapping[str, Mapping[str, str]],
        flavour: Flavour = Flavour.MYSQL,
        *,
        server_text: bool = False,
    ) -> None:
        self._tables = tables
        self._flavour = flavour
        self.server_text = server_text

    @property
    def flavour(self) -> Flavour:
        return self._flavour

    def load(self, namespace: str) -> Mapping[str, str]:
        return {
            name: text
            for name, text in self._tables.get(namespace, {}).items()
            if is_planned_table(name)
        }
