"""Typed errors of the domain layer; every message is safe to show to an operator."""

from __future__ import annotations


class RedriveConsoleError(Exception):
    """Base class of every error the services raise on purpose."""


class MalformedRowError(RedriveConsoleError):
    """A stored value (JSON column, state) cannot be decoded; names the table, row and field."""

    def __init__(self, table: str, row_id: int | str, column: str, problem: str) -> None:
        self.table = table
        self.row_id = row_id
        self.column = column
        self.problem = problem
        super().__init__(f"{table} row {row_id}: column {column}: {problem}")


class StorageUnavailableError(RedriveConsoleError):
    """The storage database cannot be reached or queried (message never contains a DSN)."""


class IncompatibleStorageError(RedriveConsoleError):
    """The storage schema lacks tables or columns the console needs."""


class ConfigError(RedriveConsoleError):
    """The SchemaBot config file, a DSN or a secret reference is invalid."""


class RedriveRefused(RedriveConsoleError):
    """A redrive was refused for a reason the operator can act on; nothing was written."""
