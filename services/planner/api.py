"""The planner's public contract: schema sources, plan results and errors.

``services.planner.plan_schema`` re-plans a desired schema (a plan's ``schema_files``) against a
current schema source and returns SchemaBot/Spirit-format ``TableChange`` rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from services.domain.errors import RedriveConsoleError
from services.domain.table_change import TableChange


class Flavour(StrEnum):
    """Server flavour whose SHOW CREATE text and ALTER vocabulary the planner follows."""

    MYSQL = "mysql"
    MARIADB = "mariadb"


class SchemaSource(Protocol):
    """Where the current schema comes from: a live server or a snapshot folder."""

    @property
    def flavour(self) -> Flavour: ...

    def load(self, namespace: str) -> Mapping[str, str]:
        """Return ``{table name: CREATE TABLE text}`` for one namespace (schema)."""
        ...


@dataclass(frozen=True, slots=True)
class PlanResult:
    """Planned changes in SchemaBot's order; ``namespace`` is set on every change."""

    changes: tuple[TableChange, ...]

    @property
    def no_changes(self) -> bool:
        return not self.changes


class PlannerError(RedriveConsoleError):
    """The desired or current schema cannot be planned faithfully (bad input, unsupported SQL)."""

    def __init__(
        self, message: str, *, namespace: str = "", file: str = "", table: str = ""
    ) -> None:
        self.namespace = namespace
        self.file = file
        self.table = table
        where = "/".join(part for part in (namespace, file or table) if part)
        super().__init__(f"{where}: {message}" if where else message)
