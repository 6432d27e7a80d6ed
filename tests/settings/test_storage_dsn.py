"""``storage.dialect: postgres`` with both PostgreSQL DSN forms, and the DSN fallbacks."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app.settings import load_settings
from services.domain.errors import ConfigError


def _settings(tmp_path: Path, storage_yaml: str):
    config = tmp_path / "schemabot.yaml"
    config.write_text(f"storage:\n{storage_yaml}databases: {{}}\n")
    return load_settings(str(config), None)


@pytest.mark.parametrize(
    "dsn",
    [
        "postgres://sb:s3cret@db.internal:5433/schemabot?sslmode=require",
        "postgresql://sb:s3cret@db.internal:5433/schemabot?sslmode=require",
        "host=db.internal port=5433 dbname=schemabot user=sb password=s3cret sslmode=require",
    ],
)
def test_both_postgres_dsn_forms_become_one_psycopg_url(tmp_path, dsn: str) -> None:
    settings = _settings(tmp_path, f"  dialect: postgres\n  dsn: '{dsn}'\n")
    url = make_url(settings.storage_url)
    assert (url.drivername, url.host, url.port, url.database) == (
        "postgresql+psycopg",
        "db.internal",
        5433,
        "schemabot",
    )
    assert (url.username, url.password, dict(url.query)) == ("sb", "s3cret", {"sslmode": "require"})
    assert "s3cret" not in settings.storage_display


def test_a_libpq_socket_directory_stays_a_host_parameter(tmp_path) -> None:
    settings = _settings(
        tmp_path, "  dialect: postgres\n  dsn: 'host=/var/run/postgresql dbname=schemabot'\n"
    )
    url = make_url(settings.storage_url)
    assert (url.host, url.database, dict(url.query)) == (
        None,
        "schemabot",
        {"host": "/var/run/postgresql"},
    )


def test_the_dsn_falls_back_to_storage_dsn_then_mysql_dsn(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("MYSQL_DSN", "postgres://from-mysql-dsn@h/db")
    storage = "  dialect: postgres\n"
    assert make_url(_settings(tmp_path, storage).storage_url).username == "from-mysql-dsn"
    monkeypatch.setenv("STORAGE_DSN", "postgres://from-storage-dsn@h/db")
    assert make_url(_settings(tmp_path, storage).storage_url).username == "from-storage-dsn"
    monkeypatch.delenv("STORAGE_DSN")
    monkeypatch.delenv("MYSQL_DSN")
    with pytest.raises(ConfigError, match=r"\$STORAGE_DSN / \$MYSQL_DSN"):
        _settings(tmp_path, storage)


@pytest.mark.parametrize(
    ("storage", "message"),
    [
        ("  dialect: oracle\n  dsn: x\n", "storage.dialect: 'oracle' is not one of"),
        (
            "  dialect: postgres\n  dsn_from:\n    config_ref: file:/x\n",
            "dsn_from is for MySQL storage only",
        ),
        ("  dialect: postgres\n  dsn: 'root:pw@tcp(h:3306)/db'\n", "neither a postgres:// URL"),
        (
            "  dialect: postgres\n  dsn: 'postgres://u:s3cret@h/db?bogus=1'\n",
            "URL parameter 'bogus' is not supported for postgresql",
        ),
        ("  dialect: postgres\n  dsn: 'host=h port=99999 password=s3cret'\n", "port must be"),
    ],
)
def test_bad_postgres_storage_settings_are_refused_by_name(tmp_path, storage, message) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        _settings(tmp_path, storage)
    assert "s3cret" not in str(caught.value)
