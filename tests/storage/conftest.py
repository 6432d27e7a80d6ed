"""Storage fixtures: an initialised ``Storage`` on MariaDB and SQLite, and a statement counter."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import event

from services.storage.engine import create_storage_engine
from services.storage.init import init_storage
from services.storage.store import Storage


@pytest.fixture
def storage(storage_url: str) -> Iterator[Storage]:
    """A ``Storage`` on freshly initialised tables (parametrised: MariaDB and SQLite)."""
    engine = create_storage_engine(storage_url)
    init_storage(engine)
    yield Storage(engine)
    engine.dispose()


@pytest.fixture
def mysql_storage(mysql_database_url: str) -> Iterator[Storage]:
    """A ``Storage`` on freshly initialised tables on MariaDB only."""
    engine = create_storage_engine(mysql_database_url)
    init_storage(engine)
    yield Storage(engine)
    engine.dispose()


class StatementCounter:
    """Records every SQL statement an engine sends (``before_cursor_execute``)."""

    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_rest) -> None:
        self.statements.append(statement)

    def reset(self) -> None:
        self.statements.clear()

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_statements(storage: Storage) -> Iterator[StatementCounter]:
    """Counts the statements ``storage`` runs; call ``reset()`` right before the measured call."""
    counter = StatementCounter()
    with storage.engine.connect():  # warm up: first-connect dialect queries are not counted
        pass
    assert storage.generation  # nor the catalog read made once per Storage
    event.listen(storage.engine, "before_cursor_execute", counter)
    yield counter
    event.remove(storage.engine, "before_cursor_execute", counter)
