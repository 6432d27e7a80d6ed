"""Reads test a required column for NULL only where the storage allows NULL in it.

The catalog says which columns are declared NOT NULL (``StorageGeneration.declares_not_null``);
such a column never holds NULL, so the set-based reads (``services.storage.settled``) leave its
test out. A storage that allows NULL there is still tested, and a NULL is still named, by the
review's read and by the read under lock. Run on MariaDB, SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, event, null, update

from services.domain.errors import NullColumnError
from services.redrive.reopen import writing_transaction
from services.storage import queries
from services.storage.column_plan import ColumnPlan
from services.storage.decode import REQUIRED_COLUMNS
from services.storage.engine import create_storage_engine
from services.storage.generation import detect
from services.storage.init import init_storage
from services.storage.schema import tasks
from services.storage.store import Storage
from tests.postgres_server import fresh_postgres_database

from .conftest import StatementCounter
from .factories import insert_failed_apply
from .hostile import allow_null

ENGINE_TESTED = re.compile(r"\bengine IS (NOT )?NULL")


@pytest.fixture(params=["mysql", "sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """Our tables, initialised on MariaDB, SQLite or PostgreSQL."""
    if request.param == "postgres":
        with fresh_postgres_database() as url:
            yield from _initialised(url)
        return
    fixture = "mysql_database_url" if request.param == "mysql" else "sqlite_url"
    yield from _initialised(request.getfixturevalue(fixture))


def _initialised(url: str) -> Iterator[Engine]:
    engine = create_storage_engine(url)
    init_storage(engine)
    yield engine
    engine.dispose()


def test_the_catalog_names_the_required_columns_declared_not_null(engine: Engine) -> None:
    with engine.connect() as conn:
        storage = detect(conn)
    declared = {c for c in REQUIRED_COLUMNS["tasks"] if storage.declares_not_null("tasks", c)}
    assert {"task_identifier", "engine", "state", "created_at"} <= declared
    assert not storage.declares_not_null("tasks", "table_name")  # nullable in SchemaBot's DDL
    assert not storage.declares_not_null("tasks", "no_such_column")


def test_a_column_declared_not_null_is_not_tested_one_allowing_null_is(engine: Engine) -> None:
    with engine.begin() as conn:
        seeded = insert_failed_apply(conn, tasks=({"state": "failed"}, {"state": "completed"}))
    sent = _recorded(Storage(engine), seeded.apply_identifier)
    assert sent and not any(ENGINE_TESTED.search(s) for s in sent)
    with engine.begin() as conn:
        allow_null(conn, "tasks", "engine")
    sent = _recorded(Storage(engine), seeded.apply_identifier)
    assert any(ENGINE_TESTED.search(s) for s in sent)


def _recorded(storage: Storage, ident: str) -> list[str]:
    counter = StatementCounter()
    event.listen(storage.engine, "before_cursor_execute", counter)
    try:
        storage.load_bundle(ident)
    finally:
        event.remove(storage.engine, "before_cursor_execute", counter)
    return counter.statements


def test_a_null_where_the_storage_allows_it_is_named_by_both_reads(engine: Engine) -> None:
    with engine.begin() as conn:
        seeded = insert_failed_apply(conn, tasks=({"state": "failed"}, {"state": "completed"}))
        allow_null(conn, "tasks", "engine")
        completed = seeded.task_ids[1]
        conn.execute(update(tasks).where(tasks.c.id == completed).values(engine=null()))
    storage = Storage(engine)
    with pytest.raises(NullColumnError, match=r"tasks\.engine is NULL"):
        storage.load_bundle(seeded.apply_identifier)
    with writing_transaction(engine) as conn:
        plan = ColumnPlan.for_storage(detect(conn))
        apply, _now = queries.load_apply_with_now(conn, seeded.apply_identifier, plan)
        with pytest.raises(NullColumnError, match=r"tasks\.engine is NULL"):
            queries.locked_apply_rows(conn, plan, apply)
