"""Our URL parser/writer against SQLAlchemy's own, and settings that never load SQLAlchemy."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from app.settings.url_text import UrlParts, mask_password, parse_url

URLS = [
    "sqlite:///relative.db",
    "sqlite:////abs/path/storage.db",
    "mysql+pymysql://root@127.0.0.1:3306/schemabot",
    "mysql+pymysql://a%40b:p%3Aw%2F%40@[::1]:3306/d%2Fb?charset=utf8mb4&x=1&x=2",
    "postgresql+psycopg://u:p%20w@db.internal/sb?sslmode=require&application_name=a+b",
    "mysql://u@h/db?unix_socket=%2Ftmp%2Fmysql.sock",
    "mariadb+pymysql://h",
]


@pytest.mark.parametrize("text", URLS)
def test_parsing_and_writing_match_sqlalchemy(text: str) -> None:
    ours, theirs = parse_url(text), make_url(text)
    assert (ours.drivername, ours.username, ours.password) == (
        theirs.drivername,
        theirs.username,
        theirs.password,
    )
    assert (ours.host, ours.port, ours.database) == (theirs.host, theirs.port, theirs.database)
    assert dict(ours.query) == dict(theirs.query)
    assert ours.backend == theirs.get_backend_name()
    for hide in (True, False):
        assert ours.render(hide_password=hide) == theirs.render_as_string(hide_password=hide)


def test_built_urls_are_written_as_sqlalchemy_writes_them() -> None:
    parts = dict(username="us:er@", password="p@ss:/w rd+", host="::1", port=3307)
    ours = UrlParts("mysql+pymysql", database="d b/x", query={"charset": "utf8mb4"}, **parts)
    theirs = URL.create("mysql+pymysql", database="d b/x", query={"charset": "utf8mb4"}, **parts)
    assert ours.render(hide_password=False) == theirs.render_as_string(hide_password=False)
    assert make_url(ours.render(hide_password=False)).password == "p@ss:/w rd+"


@pytest.mark.parametrize("text", ["not a url", "mysql://u@h:/db", "mysql://u@h:12x/db"])
def test_what_sqlalchemy_refuses_is_refused(text: str) -> None:
    with pytest.raises((ArgumentError, ValueError)):
        make_url(text)
    with pytest.raises(ValueError) as caught:
        parse_url(text)
    assert "12x" not in str(caught.value)


def test_the_password_is_masked() -> None:
    assert mask_password("mysql+pymysql://u:s3cret@h/db") == "mysql+pymysql://u:***@h/db"
    assert "s3cret" not in mask_password("mysql://u:s3cret@h:x/db")


def test_loading_settings_does_not_import_sqlalchemy(tmp_path) -> None:
    config = tmp_path / "schemabot.yaml"
    config.write_text(
        textwrap.dedent(
            """\
            storage:
              dsn: "root:pw@tcp(127.0.0.1:3306)/schemabot?charset=utf8mb4"
            """
        )
    )
    script = textwrap.dedent(
        f"""\
        import sys
        from app.settings import load_settings
        settings = load_settings({str(config)!r}, None)
        print(settings.storage_display)
        load_settings(None, "sqlite:///x.db")
        print("sqlalchemy" in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    display, imported = result.stdout.split()
    assert display == "mysql+pymysql://root:***@127.0.0.1:3306/schemabot?charset=utf8mb4"
    assert imported == "False"
