"""The apply-target named lock of SchemaBot, shared with SchemaBot itself.

It is a ``GET_LOCK`` on a name built from the apply's target.

The name is computed exactly as SchemaBot computes it. The lock lives on a dedicated connection
(MySQL ``GET_LOCK`` is connection-scoped); when the release fails the connection is discarded so
the lock dies with it. SQLite has no named locks: its writers serialise on the database file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import Engine

from services.domain.errors import RedriveConsoleError

NAME_PREFIX = "schemabot_apply_"
DEFAULT_WAIT_SECONDS = 10


class NamedLockTimeout(RedriveConsoleError):
    """``GET_LOCK`` returned 0 or NULL: someone else (SchemaBot, another console) holds it."""


class NamedLockError(RedriveConsoleError):
    """The named lock could not be requested (bad target or a driver error)."""


def apply_target_lock_name(database: str, database_type: str, environment: str) -> str:
    """``schemabot_apply_`` + hex of the first 16 bytes of SHA-256(db NUL type NUL env)."""
    digest = hashlib.sha256(f"{database}\0{database_type}\0{environment}".encode()).digest()
    return NAME_PREFIX + digest[:16].hex()


def _target(database: str, database_type: str, environment: str) -> str:
    return f"{database}/{database_type}/{environment}"


@contextmanager
def hold_apply_target_lock(
    engine: Engine,
    database: str,
    database_type: str,
    environment: str,
    *,
    wait_seconds: float = DEFAULT_WAIT_SECONDS,
) -> Iterator[str]:
    """Hold the named lock of (database, type, environment) for the ``with`` block.

    Yields the lock name. Raises ``NamedLockTimeout`` when the lock is not granted within
    ``wait_seconds``. Call this before opening the writing transaction (SchemaBot's lock order).
    """
    target = _target(database, database_type, environment)
    if not (database and database_type and environment):
        raise NamedLockError(f"active apply target is required for {target}")
    name = apply_target_lock_name(database, database_type, environment)
    conn = engine.connect()
    try:
        result = conn.exec_driver_sql("SELECT GET_LOCK(%s, %s)", (name, wait_seconds)).scalar()
        conn.commit()
    except Exception as exc:
        conn.invalidate()
        conn.close()
        raise NamedLockError(f"acquire apply target lock for {target}: {exc}") from exc
    except BaseException:
        conn.invalidate()
        conn.close()
        raise
    if result is None or int(result) != 1:
        conn.close()
        raise NamedLockTimeout(f"timed out waiting for apply target lock for {target}")
    try:
        yield name
    finally:
        _release(conn, name)


def _release(conn, name: str) -> None:
    """``RELEASE_LOCK``; on any failure or a result other than 1, discard the connection."""
    try:
        released = conn.execute(text("SELECT RELEASE_LOCK(:name)"), {"name": name}).scalar()
        conn.commit()
    except BaseException:
        conn.invalidate()
        conn.close()
        raise
    if released is None or int(released) != 1:
        conn.invalidate()
    conn.close()
