"""Fixtures: real storage on MariaDB, the SchemaBot double over it, and a clean environment."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from services.storage.engine import create_storage_engine
from services.storage.init import init_storage
from services.storage.store import Storage
from tests.schemabot_api.double import SchemaBotDouble
from tests.schemabot_api.support import LIVE

MakeDouble = Callable[..., SchemaBotDouble]


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No SchemaBot endpoint, token, profile or config from the developer's environment."""
    for name in ("SCHEMABOT_ENDPOINT", "SCHEMABOT_TOKEN", "SCHEMABOT_PROFILE",
                 "SCHEMABOT_CONFIG_FILE"):  # fmt: skip
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    return home


@pytest.fixture
def api_storage(mysql_database_url: str) -> Iterator[Storage]:
    """Initialised console storage tables on a fresh MariaDB database."""
    engine = create_storage_engine(mysql_database_url)
    init_storage(engine)
    yield Storage(engine)
    engine.dispose()


@pytest.fixture
def make_double(api_storage: Storage) -> Iterator[MakeDouble]:
    """Start SchemaBot doubles over the test storage; every one is shut down afterwards."""
    started: list[SchemaBotDouble] = []

    def make(**overrides: object) -> SchemaBotDouble:
        values: dict[str, object] = {"live": LIVE, "database_types": {"testdb": "mysql"}}
        values.update(overrides)
        double = SchemaBotDouble(api_storage.engine, **values)
        started.append(double)
        return double

    yield make
    for double in started:
        double.shutdown()
    assert [d.crashes for d in started if d.crashes] == [], "the SchemaBot double crashed"


@pytest.fixture
def double(make_double: MakeDouble) -> SchemaBotDouble:
    return make_double()
