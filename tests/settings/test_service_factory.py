"""build_settings / build_service: typed setup errors and the one-line report."""

from __future__ import annotations

import argparse

import pytest

from app.service_factory import build_service, build_settings, report_setup_error
from services.domain.errors import ConfigError, IncompatibleStorageError, StorageUnavailableError


def _args(**values) -> argparse.Namespace:
    return argparse.Namespace(**{"config": None, "storage_url": None, **values})


def test_build_service_on_sqlite_storage(sqlite_url):
    from services.storage.engine import create_storage_engine
    from services.storage.init import init_storage

    engine = create_storage_engine(sqlite_url)
    init_storage(engine)
    engine.dispose()
    service = build_service(_args(storage_url=sqlite_url, operator="cli:me@here"))
    try:
        assert service.operator == "cli:me@here"
        assert service.list_failed().rows == ()
    finally:
        service.storage.engine.dispose()


def test_config_error_is_typed_and_reported_as_usage(tmp_path, capsys):
    config = tmp_path / "c.yaml"
    config.write_text('storage: {dsn: "vault:db"}')
    with pytest.raises(ConfigError) as caught:
        build_settings(_args(config=str(config)))
    assert report_setup_error(caught.value) == 2
    assert capsys.readouterr().err.startswith("redrive-console: config error: storage.dsn: ")


def test_empty_storage_is_incompatible(sqlite_url):
    with pytest.raises(IncompatibleStorageError, match="missing tables"):
        build_service(_args(storage_url=sqlite_url))


def test_unreachable_storage_is_typed_and_hides_the_password(capsys):
    url = "mysql+pymysql://ops:Zq9secret@127.0.0.1:1/schemabot?connect_timeout=1"
    with pytest.raises(StorageUnavailableError) as caught:
        build_service(_args(storage_url=url))
    assert "Zq9secret" not in str(caught.value)
    assert report_setup_error(caught.value) == 1
    assert "Zq9secret" not in capsys.readouterr().err
