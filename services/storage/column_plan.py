"""Which columns the console selects from one storage, decided once from its catalog.

SchemaBot's generations differ in their columns: G2 dropped ``tasks.ready_to_complete`` and
added, among others, ``applies.retry_after`` / ``superseded_by`` and ``tasks.throttled`` /
``throttle_reason``. A ``ColumnPlan`` is built once per ``Storage`` from its
``StorageGeneration``: every column of our table definitions that exists, plus the later
additions worth showing (``OPTIONAL_COLUMNS``) where they exist. Columns the storage lacks are
never selected, and the decoder reads them as absent; columns it has beyond these are ignored.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    ColumnElement,
    DateTime,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    type_coerce,
)
from sqlalchemy.sql.expression import ColumnClause

from services.storage.generation import OPTIONAL_COLUMNS as OPTIONAL_NAMES
from services.storage.generation import StorageGeneration
from services.storage.schema import applies, tasks

_OPTIONAL_TYPES = {
    "retry_after": DateTime(),
    "superseded_by": String(255),
    "throttled": Integer(),
    "throttle_reason": String(255),
}
# Later SchemaBot columns the console shows where they exist (absent in G1), as selectables.
OPTIONAL_COLUMNS: Mapping[str, tuple[ColumnClause, ...]] = MappingProxyType(
    {
        table.name: tuple(
            ColumnClause(name, _OPTIONAL_TYPES[name], _selectable=table)
            for name in OPTIONAL_NAMES[table.name]
        )
        for table in (applies, tasks)
    }
)

# G2's quarantine of dropped tables, read only to mention a pending drop of an apply's table.
pending_drops = Table(
    "pending_drops",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("environment", String(50)),
    Column("database_name", String(255)),
    Column("original_table", String(64)),
    Column("quarantined_name", String(64)),
    Column("quarantined_at", DateTime),
    Column("state", String(20)),
)


@dataclass(frozen=True, slots=True)
class ColumnPlan:
    """The selectable columns of each table of one storage (see the module docstring)."""

    storage: StorageGeneration
    _present: Mapping[str, tuple[ColumnElement[Any], ...]]

    @classmethod
    def for_storage(cls, storage: StorageGeneration) -> ColumnPlan:
        """The plan of ``storage``: our columns and the optional ones that it has."""
        from services.storage.schema import metadata

        present: dict[str, tuple[ColumnElement[Any], ...]] = {}
        for table in metadata.sorted_tables:
            known = [c for c in table.columns if storage.has(table.name, c.name)]
            optional = OPTIONAL_COLUMNS.get(table.name, ())
            present[table.name] = (
                *known,
                *(c for c in optional if storage.has(table.name, c.name)),
            )
        return cls(storage, MappingProxyType(present))

    def has(self, table: str, column: str | None = None) -> bool:
        """True if the storage has ``table`` (and its ``column``)."""
        return self.storage.has(table, column)

    @property
    def has_pending_drops(self) -> bool:
        """True when the storage quarantines dropped tables (G2)."""
        return self.storage.has("pending_drops", "original_table")

    def columns(
        self, table: Table, prefix: str = "", only: Collection[str] | None = None
    ) -> list[ColumnElement[Any]]:
        """The present columns of ``table`` (those named in ``only``, when given), JSON as raw
        text, labelled ``prefix + name``."""
        return [
            (type_coerce(c, Text()) if isinstance(c.type, JSON) else c).label(prefix + c.name)
            for c in self._present.get(table.name, ())
            if only is None or c.name in only
        ]

    def may_be_null(self, table: Table, name: str) -> bool:
        """True if the storage has ``table.name`` and does not declare it NOT NULL."""
        return self.has(table.name, name) and not self.storage.declares_not_null(table.name, name)

    def column(self, table: Table, name: str) -> ColumnElement[Any] | None:
        """One present column of ``table`` by name, or None when the storage lacks it."""
        return next((c for c in self._present.get(table.name, ()) if c.name == name), None)
