"""An unreachable PostgreSQL test server skips locally with its reason, and fails under CI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import postgres_server

CLOSED_PORT_URL = "postgresql+psycopg://postgres@127.0.0.1:1/postgres"


@pytest.fixture
def unreachable_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(postgres_server, "POSTGRES_URL", CLOSED_PORT_URL)
    postgres_server._server_unreachable.cache_clear()
    yield
    postgres_server._server_unreachable.cache_clear()


@pytest.mark.usefixtures("unreachable_server")
def test_unreachable_server_skips_locally_with_a_loud_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(postgres_server, "IN_CI", False)
    with pytest.raises(pytest.skip.Exception, match=r"PostgreSQL test server at .*:1/.* unreach"):
        postgres_server.require_postgres_server()


@pytest.mark.usefixtures("unreachable_server")
def test_unreachable_server_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(postgres_server, "IN_CI", True)
    with pytest.raises(BaseException, match="PostgreSQL test server") as caught:
        postgres_server.require_postgres_server()
    assert caught.type is pytest.fail.Exception, "a skip would hide the missing server in CI"
