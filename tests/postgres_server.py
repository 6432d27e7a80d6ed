"""The PostgreSQL test server: reachability probe and a fresh database per test.

The server URL comes from ``REDRIVE_TEST_POSTGRES_URL`` (default: user postgres on
127.0.0.1:5432, trust auth). Like the MySQL server in ``tests/conftest.py``, an unreachable
server skips a test that needs it with a loud reason locally and **fails** it under ``CI=true``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get(
    "REDRIVE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@cache
def _server_unreachable() -> str | None:
    """Probe the server once per session; the reason it is unusable, or None."""
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 5})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    return None


def require_postgres_server() -> None:
    """Skip (locally) or fail (CI) the calling test when the PostgreSQL server is unreachable."""
    reason = _server_unreachable()
    if reason is None:
        return
    where = make_url(POSTGRES_URL).render_as_string()
    message = f"PostgreSQL test server at {where} unreachable: {reason}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """Create a uniquely named, empty database; yield its URL; drop it afterwards."""
    require_postgres_server()
    name = f"rc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
