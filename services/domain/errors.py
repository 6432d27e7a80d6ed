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


class NullColumnError(MalformedRowError):
    """A NULL in a column SchemaBot always fills: storage without SchemaBot's NOT NULL.

    The message leads with ``table.column is NULL`` so lists and refusals name the column.
    """

    def __init__(self, table: str, row_id: int | str, column: str) -> None:
        super().__init__(table, row_id, column, "NULL where SchemaBot always writes a value")
        self.args = (f"{table}.{column} is NULL (row {row_id}); SchemaBot always writes a value",)


class StorageUnavailableError(RedriveConsoleError):
    """The storage database cannot be reached or queried (message never contains a DSN)."""


class IncompatibleStorageError(RedriveConsoleError):
    """The storage schema lacks tables or columns the console needs."""


class ConfigError(RedriveConsoleError):
    """The SchemaBot config file, a DSN or a secret reference is invalid."""


class RedriveRefused(RedriveConsoleError):
    """A redrive was refused for a reason the operator can act on; nothing was written."""


class StoredRowsRefused(RedriveConsoleError):
    """Stored rows the console refuses to act on; ``reason_code`` names the rule.

    The CLI reports it as a refusal (exit 3, ``{"status": "rejected", "reason_code": …}``).
    """

    reason_code = "refused"


class AmbiguousApplyError(StoredRowsRefused):
    """Several ``applies`` rows share one ``apply_identifier`` (storage without SchemaBot's
    unique index): the console never picks one of them."""

    reason_code = "ambiguous_apply"

    def __init__(self, apply_identifier: str, row_ids: tuple[int, ...]) -> None:
        self.apply_identifier = apply_identifier
        self.row_ids = row_ids
        ids = ", ".join(str(i) for i in row_ids)
        super().__init__(
            f"apply {apply_identifier} is ambiguous: {len(row_ids)} applies rows (ids {ids}) "
            "share this identifier; the console refuses to pick one. Fix the storage rows."
        )
