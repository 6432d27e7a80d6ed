"""The database deployment lock (SchemaBot's ``locks`` row per database) in the redrive transaction.

Every change here is made on the caller's open transaction, after ``lock_row_for_update`` has
locked the row: a rollback puts the previous lock back exactly (same id, owner, repository, PR,
pending plan, timestamps), and a lock inserted for a refused redrive disappears with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError

from services.domain.errors import RedriveRefused
from services.domain.lock_owner import UnnamedLock, unnamed_lock
from services.domain.models import Lock
from services.redrive.validation import RedriveRejection
from services.storage.decode import decode_lock
from services.storage.schema import locks

ACQUIRED = "acquired"
KEPT = "kept"
TAKEN_OVER = "taken_over"


@dataclass(frozen=True, slots=True)
class LockClaim:
    """What the redrive did with the lock: the row it now holds and the owner before it."""

    lock_id: int
    owner: str
    action: str
    previous: Lock | None

    @property
    def previous_owner(self) -> str | None:
        return None if self.previous is None else self.previous.owner


class UnnamedLockRefused(RedriveRejection):
    """The lock has no nameable owner (several rows, or a NULL owner): nothing is claimed."""

    def __init__(self, problem: UnnamedLock) -> None:
        super().__init__(problem.code, problem.message)


def lock_row_for_update(conn: Connection, database: str, database_type: str) -> Lock | None:
    """Read the lock of (database, type) and row-lock it until the transaction ends.

    Every row is locked, so a duplicate cannot slip in unseen; a lock without a nameable owner
    raises ``UnnamedLockRefused`` before anything is claimed or taken over.
    """
    rows = conn.execute(
        select(locks)
        .where(locks.c.database_name == database, locks.c.database_type == database_type)
        .order_by(locks.c.id)
        .with_for_update()
    ).all()
    problem = unnamed_lock(database, database_type, [(r.id, r.owner) for r in rows])
    if problem is not None:
        raise UnnamedLockRefused(problem)
    return decode_lock(rows[0]._mapping) if rows else None


def check_lock_nameable(problem: UnnamedLock | None) -> None:
    """The review's side of the same rule: refuse when the lock has no nameable owner."""
    if problem is not None:
        raise UnnamedLockRefused(problem)


def describe_owner(owner: str | None) -> str:
    return "nobody (free)" if owner is None else repr(owner)


def claim_lock(
    conn: Connection,
    current: Lock | None,
    *,
    database: str,
    database_type: str,
    operator: str,
    repository: str,
    expected_owner: str | None,
    force: bool,
) -> LockClaim:
    """Acquire, keep or (with ``force``) take over the row-locked ``current`` lock for ``operator``.

    ``expected_owner`` is the owner the operator saw in the review: a lock that changed hands
    since then is refused even with ``force`` (compare-and-swap). The operator's lock is
    attributed to the operator (pull request 0, as a CLI lock), never to the apply's PR.
    """
    where = f"{database}/{database_type}"
    current_owner = None if current is None else current.owner
    if current_owner != expected_owner:
        raise RedriveRefused(
            f"the lock for {where} changed hands since the review: it was held by "
            f"{describe_owner(expected_owner)}, now by {describe_owner(current_owner)}; "
            "review again"
        )
    if current is not None and current.owner == operator:
        return LockClaim(lock_id=current.id, owner=operator, action=KEPT, previous=current)
    if current is not None and not force:
        raise RedriveRefused(
            f"redrive lock for {where} is held by another owner; "
            "retry with --force to take over the lock"
        )
    if current is not None:
        deleted = conn.execute(
            delete(locks).where(locks.c.id == current.id, locks.c.owner == current.owner)
        ).rowcount
        if deleted != 1:
            raise RedriveRefused(f"the lock for {where} changed hands during the takeover")
    lock_id = _insert_lock(conn, database, database_type, operator, repository)
    return LockClaim(
        lock_id=lock_id,
        owner=operator,
        action=ACQUIRED if current is None else TAKEN_OVER,
        previous=current,
    )


def _insert_lock(
    conn: Connection, database: str, database_type: str, operator: str, repository: str
) -> int:
    """Insert the operator's lock row; a concurrent winner (duplicate key) is a refusal."""
    try:
        result = conn.execute(
            insert(locks).values(
                database_name=database,
                database_type=database_type,
                repository=repository,
                pull_request=0,
                owner=operator,
                pending_plan_id="",
            )
        )
    except IntegrityError as exc:
        raise RedriveRefused(
            f"redrive lock for {database}/{database_type} was acquired by another owner "
            "concurrently; review again"
        ) from exc
    return int(result.inserted_primary_key[0])
