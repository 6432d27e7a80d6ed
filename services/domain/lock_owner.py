"""A database lock whose owner cannot be named, and what the console makes of it.

SchemaBot keeps one ``locks`` row per (database, type), with a non-NULL owner, enforced by a
unique index and a NOT NULL column. Storage without those constraints can hold several rows for
one database, or a row whose owner is NULL. Either way a row exists, so the database is locked,
but nobody can say by whom. The console therefore treats it as locked by an unknown owner:

- the list and the review show it as such and never as free;
- a redrive is refused, and so is a forced takeover: a takeover is a compare-and-swap against
  the one owner the operator saw, and here there is no single owner to compare with.

Someone has to repair the ``locks`` rows in storage first.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

AMBIGUOUS_LOCK = "ambiguous_lock"
UNKNOWN_LOCK_OWNER = "unknown_lock_owner"


@dataclass(frozen=True, slots=True)
class UnnamedLock:
    """Why the lock of (database, type) has no nameable owner; ``code`` is a reason code."""

    code: str
    database_name: str
    database_type: str
    lock_ids: tuple[int, ...]

    @property
    def label(self) -> str:
        """A short cell text for lists: ``ambiguous (2 rows)`` or ``unknown (NULL owner)``."""
        if self.code == AMBIGUOUS_LOCK:
            return f"ambiguous ({len(self.lock_ids)} rows)"
        return "unknown (NULL owner)"

    @property
    def message(self) -> str:
        where = f"{self.database_name}/{self.database_type}"
        ids = ", ".join(str(i) for i in self.lock_ids)
        if self.code == AMBIGUOUS_LOCK:
            problem = f"{len(self.lock_ids)} locks rows (ids {ids}) exist for {where}"
        else:
            problem = f"the locks row {ids} for {where} has a NULL owner"
        return (
            f"the database lock is held by an unknown owner: {problem}; a redrive, forced or "
            "not, cannot name the owner it would replace. Fix the locks rows in storage."
        )


def unnamed_lock(
    database_name: str, database_type: str, rows: Sequence[tuple[int, str | None]]
) -> UnnamedLock | None:
    """The problem of the ``(lock id, owner)`` rows found for one database, or None."""
    ids = tuple(sorted(lock_id for lock_id, _ in rows))
    if len(rows) > 1:
        return UnnamedLock(AMBIGUOUS_LOCK, database_name, database_type, ids)
    if rows and rows[0][1] is None:
        return UnnamedLock(UNKNOWN_LOCK_OWNER, database_name, database_type, ids)
    return None
