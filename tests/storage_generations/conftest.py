"""Real storages of every SchemaBot generation: G1 and G2 on MariaDB, G2 on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.postgres_server import fresh_postgres_database
from tests.storage_generations.layouts import build


@pytest.fixture
def postgres_database_url() -> Iterator[str]:
    """A uniquely named, empty PostgreSQL database, dropped after the test."""
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def g1_mysql_url(mysql_database_url: str) -> str:
    """A fresh MariaDB database holding SchemaBot's G1 (July 2026) tables."""
    return build(mysql_database_url, "g1_mysql")


@pytest.fixture
def g2_mysql_url(mysql_database_url: str) -> str:
    """A fresh MariaDB database holding SchemaBot's G2 (terminal-final era) tables."""
    return build(mysql_database_url, "g2_mysql")


@pytest.fixture
def g2_postgres_url(postgres_database_url: str) -> str:
    """A fresh PostgreSQL database holding SchemaBot's G2 tables."""
    return build(postgres_database_url, "g2_postgres")
