"""Go MySQL DSN -> SQLAlchemy URL conversion (app.settings.mysql_dsn)."""

from __future__ import annotations

import ssl

import pymysql
import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from app.settings.mysql_dsn import go_duration_seconds, to_sqlalchemy_url
from services.domain.errors import ConfigError

TRICKY = "p@ss:w/rd@x:y/z"


@pytest.mark.parametrize(
    ("dsn", "user", "password", "host", "port", "database"),
    [
        ("schemabot:s3cret@tcp(db.internal:3306)/schemabot", "schemabot", "s3cret",
         "db.internal", 3306, "schemabot"),
        ("app:pw@tcp(db.internal)/app", "app", "pw", "db.internal", 3306, "app"),
        ("app@tcp(10.0.0.7:3307)/", "app", None, "10.0.0.7", 3307, None),
        (f"ops:{TRICKY}@tcp(h:3306)/db", "ops", TRICKY, "h", 3306, "db"),
        ("ops:a@b@tcp(h:1)/db", "ops", "a@b", "h", 1, "db"),
        ("ops::lead@tcp(h)/db", "ops", ":lead", "h", 3306, "db"),
        ("ops:p%40x@tcp(h)/db", "ops", "p%40x", "h", 3306, "db"),
        ("tcp(localhost:3306)/db", None, None, "localhost", 3306, "db"),
        ("/db", None, None, "127.0.0.1", 3306, "db"),
        ("u:p@tcp([::1]:3310)/db", "u", "p", "::1", 3310, "db"),
        ("u:p@/db", "u", "p", "127.0.0.1", 3306, "db"),
    ],
)  # fmt: skip
def test_go_dsn_parts_survive_the_conversion(dsn, user, password, host, port, database):
    url = make_url(to_sqlalchemy_url(dsn, "storage.dsn"))
    assert url.drivername == "mysql+pymysql"
    assert (url.username, url.password, url.host, url.port, url.database) == (
        user, password, host, port, database,
    )  # fmt: skip


def test_unix_socket_becomes_a_pymysql_unix_socket_option():
    url = make_url(to_sqlalchemy_url("root:pw@unix(/var/run/mysqld/mysqld.sock)/app", "k"))
    assert url.query["unix_socket"] == "/var/run/mysqld/mysqld.sock"
    assert (url.username, url.password, url.database, url.port) == ("root", "pw", "app", None)
    args = create_engine(url).dialect.create_connect_args(url)[1]
    assert args["unix_socket"] == "/var/run/mysqld/mysqld.sock"


def test_tricky_password_reaches_pymysql_intact():
    url = make_url(to_sqlalchemy_url(f"ops:{TRICKY}@tcp(h:3306)/db?charset=utf8mb4", "k"))
    args = create_engine(url).dialect.create_connect_args(url)[1]
    assert args["password"] == TRICKY
    assert args["user"] == "ops"
    assert args["charset"] == "utf8mb4"


def test_sqlalchemy_urls_pass_unchanged():
    for value in ("sqlite:////tmp/x.db", "mysql+pymysql://u:p%40@h:3306/db?charset=utf8mb4"):
        assert to_sqlalchemy_url(value, "k") == value


def test_timeouts_are_go_durations_rounded_up_to_seconds():
    url = make_url(
        to_sqlalchemy_url("u@tcp(h)/d?timeout=1m30s&readTimeout=500ms&writeTimeout=2s", "k")
    )
    assert dict(url.query) == {
        "connect_timeout": "90",
        "read_timeout": "1",
        "write_timeout": "2",
    }
    assert go_duration_seconds("1h2m3.5s", "k") == 3723.5
    with pytest.raises(ConfigError, match="k parameter timeout: not a Go duration"):
        to_sqlalchemy_url("u@tcp(h)/d?timeout=ten", "k")


def test_driver_details_are_ignored():
    url = make_url(
        to_sqlalchemy_url("u@tcp(h)/d?parseTime=true&loc=Local&interpolateParams=true", "k")
    )
    assert dict(url.query) == {}


def test_charset_list_uses_the_first_and_collation_is_kept():
    url = make_url(to_sqlalchemy_url("u@tcp(h)/d?charset=utf8mb4,utf8&collation=utf8mb4_bin", "k"))
    assert dict(url.query) == {"charset": "utf8mb4", "collation": "utf8mb4_bin"}


@pytest.mark.parametrize("param", ["allowCleartextPasswords=true", "multiStatements=true",
                                   "sql_mode=ANSI", "maxAllowedPacket=0"])  # fmt: skip
def test_unknown_params_are_refused_by_name(param):
    key = param.split("=")[0]
    with pytest.raises(ConfigError) as caught:
        to_sqlalchemy_url(f"u:hunter2@tcp(h)/d?{param}", "databases.mydb.environments.prod.dsn")
    message = str(caught.value)
    assert f"'{key}'" in message
    assert message.startswith("databases.mydb.environments.prod.dsn: ")
    assert "hunter2" not in message


def _ssl_context(dsn: str):
    url = make_url(to_sqlalchemy_url(dsn, "k"))
    args = create_engine(url).dialect.create_connect_args(url)[1]
    conn = pymysql.connections.Connection(defer_connect=True, **args)
    return conn


@pytest.mark.parametrize("value", ["true", "TRUE", "1"])
def test_tls_true_verifies_certificate_and_hostname(value):
    conn = _ssl_context(f"u:p@tcp(db.internal:3306)/d?tls={value}")
    assert conn._ssl_required
    assert conn.ctx.verify_mode == ssl.CERT_REQUIRED
    assert conn.ctx.check_hostname is True


def test_tls_skip_verify_encrypts_without_verification():
    conn = _ssl_context("u:p@tcp(db.internal:3306)/d?tls=skip-verify")
    assert conn._ssl_required
    assert conn.ctx.verify_mode == ssl.CERT_NONE
    assert conn.ctx.check_hostname is False


def test_tls_preferred_and_false():
    preferred = _ssl_context("u:p@tcp(h)/d?tls=preferred")
    assert preferred.ssl and not preferred._ssl_required
    for value in ("false", "0"):
        assert not _ssl_context(f"u:p@tcp(h)/d?tls={value}").ssl


def test_registered_tls_config_is_refused():
    with pytest.raises(ConfigError, match="tls=custom"):
        to_sqlalchemy_url("u:p@tcp(h)/d?tls=custom", "k")


@pytest.mark.parametrize(
    ("dsn", "problem"),
    [
        ("user:Zq9secret@tcp(h:3306)", "not a Go MySQL DSN"),
        ("u:Zq9secret@tcp(h:3306/db", "missing ')'"),
        ("u:Zq9secret@pipe(x)/db", "network 'pipe'"),
        ("u:Zq9secret@tcp(h:99999)/db", "port"),
        ("u:Zq9secret@tcp(h)/db?novalue", "expected key=value"),
        ("mysql+pymysql://u:Zq9secret@h:notaport/db", "not a valid SQLAlchemy URL"),
    ],
)
def test_malformed_dsns_name_the_problem_not_the_password(dsn, problem):
    with pytest.raises(ConfigError) as caught:
        to_sqlalchemy_url(dsn, "storage.dsn")
    assert problem in str(caught.value)
    assert str(caught.value).startswith("storage.dsn: ")
    assert "Zq9secret" not in str(caught.value)
