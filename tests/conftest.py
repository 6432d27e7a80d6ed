"""Shared fixtures: a fresh MySQL-flavoured database per test, and SQLite storage.

The server URL comes from ``REDRIVE_TEST_MYSQL_URL`` (default: root on 127.0.0.1:3306). When the
server is unreachable a test that needs it is skipped with a loud reason locally and **fails**
under ``CI=true``.

Named locks (``GET_LOCK``) are server-wide, so every name a MariaDB test writes into storage
derives from its own unique test database: while ``mysql_database_url`` is active, the storage
factories name that database as the logical database of their rows (``rows_named_after``).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from tests.storage.factories import rows_named_after

MYSQL_URL = os.environ.get("REDRIVE_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

_server_error: str | None = None
_server_checked = False


@pytest.fixture(autouse=True)
def _private_planner_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test (and its CLI subprocesses) starts with an empty persistent planner cache of
    its own: no test reads or fills the user's ``~/.cache``, or sees another test's models."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))


def _server_unreachable() -> str | None:
    """Probe the test server once per session; return the reason it is unusable, if any."""
    global _server_checked, _server_error
    if not _server_checked:
        _server_checked = True
        try:
            engine = create_engine(MYSQL_URL, pool_pre_ping=True)
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            engine.dispose()
        except Exception as exc:
            _server_error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    return _server_error


def require_mysql_server() -> None:
    """Skip (locally) or fail (CI) the calling test when the MySQL server is unreachable."""
    reason = _server_unreachable()
    if reason is None:
        return
    where = make_url(MYSQL_URL).render_as_string()
    message = f"MySQL/MariaDB test server at {where} unreachable: {reason}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def unique_database_name() -> str:
    """A fresh test database name; everything a test names on the server derives from it."""
    return f"rc_test_{uuid.uuid4().hex[:12]}"


def database_name_of(url: str) -> str:
    """The database part of a storage URL."""
    return make_url(url).database or ""


@pytest.fixture
def mysql_database_url() -> Iterator[str]:
    """A uniquely named, empty database on the test server, dropped after the test.

    While it exists, factory rows name it as their logical database, so the named locks the
    test's redrives take are its own."""
    require_mysql_server()
    name = unique_database_name()
    admin = create_engine(MYSQL_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    try:
        with rows_named_after(name):
            yield make_url(MYSQL_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


@pytest.fixture
def mysql_database_name(mysql_database_url: str) -> str:
    """The unique name of this test's database: the prefix for every server-wide name."""
    return database_name_of(mysql_database_url)


@pytest.fixture
def mysql_engine(mysql_database_url: str) -> Iterator[Engine]:
    """An engine on a fresh, empty test database."""
    engine = create_engine(mysql_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A file-backed SQLite database URL in the test's temporary folder."""
    return f"sqlite:///{tmp_path / 'storage.db'}"


@pytest.fixture(params=["mysql", "sqlite"])
def storage_url(request: pytest.FixtureRequest) -> str:
    """Both storage backends, for behaviour shared by MariaDB and the SQLite demo."""
    if request.param == "mysql":
        return request.getfixturevalue("mysql_database_url")
    return request.getfixturevalue("sqlite_url")
