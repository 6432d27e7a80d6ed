"""The apply-target named lock: SchemaBot's name, GET_LOCK semantics, release, timeouts."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import create_engine, text

from services.redrive.named_lock import (
    NamedLockError,
    NamedLockTimeout,
    apply_target_lock_name,
    hold_apply_target_lock,
)


def test_name_is_schemabots_48_character_name():
    name = apply_target_lock_name("testdb", "mysql", "staging")
    assert name == "schemabot_apply_e898a72c9bea9ce5308bd51b84b4a463"
    assert len(name) == 48
    digest = hashlib.sha256(b"testdb\x00mysql\x00staging").digest()
    assert name.removeprefix("schemabot_apply_") == digest[:16].hex()
    assert apply_target_lock_name("testdb", "mysql", "production") != name


@pytest.fixture
def engine(mysql_database_url):
    engine = create_engine(mysql_database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def db(mysql_database_name):
    """The logical database of the locks here: the test's own, as named locks are server-wide."""
    return mysql_database_name


def _is_free(engine, name: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(text("SELECT IS_FREE_LOCK(:n)"), {"n": name}).scalar() == 1


def test_lock_is_held_inside_the_block_and_released_after(engine, db):
    name = apply_target_lock_name(db, "mysql", "production")
    with hold_apply_target_lock(engine, db, "mysql", "production") as held:
        assert held == name
        assert not _is_free(engine, name)
    assert _is_free(engine, name)


def test_holder_elsewhere_makes_acquire_time_out(engine, db):
    name = apply_target_lock_name(db, "mysql", "production")
    with engine.connect() as schemabot:
        assert schemabot.execute(text("SELECT GET_LOCK(:n, 0)"), {"n": name}).scalar() == 1
        with (
            pytest.raises(
                NamedLockTimeout,
                match=f"timed out waiting for apply target lock for {db}/mysql/production",
            ),
            hold_apply_target_lock(engine, db, "mysql", "production", wait_seconds=1),
        ):
            pytest.fail("the block must not run without the lock")  # pragma: no cover
        schemabot.execute(text("SELECT RELEASE_LOCK(:n)"), {"n": name})
    with hold_apply_target_lock(engine, db, "mysql", "production", wait_seconds=1):
        assert not _is_free(engine, name)


def test_lock_is_released_when_the_block_raises(engine, db):
    name = apply_target_lock_name(db, "mysql", "production")
    with (
        pytest.raises(KeyboardInterrupt),
        hold_apply_target_lock(engine, db, "mysql", "production"),
    ):
        raise KeyboardInterrupt
    assert _is_free(engine, name)


def test_empty_target_part_is_refused(engine, db):
    with (
        pytest.raises(NamedLockError, match=f"active apply target is required for {db}//prod"),
        hold_apply_target_lock(engine, db, "", "prod"),
    ):
        pytest.fail("the block must not run without the lock")  # pragma: no cover
