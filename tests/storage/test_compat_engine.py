"""Connect-time compatibility check, and engine errors that never leak credentials."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, text

from services.domain.errors import IncompatibleStorageError, StorageUnavailableError
from services.storage.compat import check_compatible
from services.storage.engine import create_storage_engine, describe_url, ping
from services.storage.init import init_storage
from services.storage.store import Storage


def _initialised(url: str):
    engine = create_storage_engine(url)
    init_storage(engine)
    return engine


def test_compatible_storage_connects(storage_url: str) -> None:
    _initialised(storage_url).dispose()
    storage = Storage.from_url(storage_url)
    assert storage.is_mysql == storage_url.startswith("mysql")
    storage.engine.dispose()


def test_missing_columns_and_tables_are_named(storage_url: str) -> None:
    engine = _initialised(storage_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE tasks DROP COLUMN shard"))
        conn.execute(text("ALTER TABLE apply_operations DROP COLUMN operation_kind"))
        conn.execute(text("DROP TABLE apply_control_requests"))
    engine.dispose()
    with pytest.raises(IncompatibleStorageError) as caught:
        Storage.from_url(storage_url)
    message = str(caught.value)
    assert "missing tables: apply_control_requests" in message
    assert "missing columns: " in message
    assert "tasks.shard" in message and "apply_operations.operation_kind" in message


def test_compat_check_is_one_read_only_statement(mysql_database_url: str) -> None:
    engine = _initialised(mysql_database_url)
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with engine.connect() as conn:
        statements.clear()
        check_compatible(conn)
    assert len(statements) == 1
    assert statements[0].lstrip().upper().startswith("SELECT")
    engine.dispose()


def test_empty_database_is_incompatible_not_altered(mysql_database_url: str) -> None:
    with pytest.raises(IncompatibleStorageError, match=r"missing tables: .*applies"):
        Storage.from_url(mysql_database_url)
    engine = create_storage_engine(mysql_database_url)
    with engine.connect() as conn:
        assert conn.execute(text("SHOW TABLES")).all() == []
    engine.dispose()


def test_unreachable_server_names_host_and_database_but_not_the_password() -> None:
    url = "mysql+pymysql://schemabot:s3cr3t-pw@127.0.0.1:1/schemabot_prod?charset=utf8mb4"
    with pytest.raises(StorageUnavailableError) as caught:
        Storage.from_url(url)
    message = str(caught.value)
    assert "'schemabot_prod' on 127.0.0.1:1" in message
    assert "s3cr3t-pw" not in message and "schemabot:" not in message
    assert caught.value.__cause__ is None


def test_wrong_password_is_unavailable_without_leaking_it(mysql_database_url: str) -> None:
    from sqlalchemy.engine import make_url

    url = make_url(mysql_database_url).set(password="not-the-pw-xyz")
    engine = create_storage_engine(url.render_as_string(hide_password=False))
    with pytest.raises(StorageUnavailableError) as caught:
        ping(engine)
    assert "not-the-pw-xyz" not in str(caught.value)
    assert "Access denied" in str(caught.value)


def test_invalid_url_is_a_typed_error() -> None:
    with pytest.raises(StorageUnavailableError, match="not a valid SQLAlchemy URL"):
        create_storage_engine("user:pw@tcp(host:3306)/db")


def test_describe_url_hides_credentials() -> None:
    assert (
        describe_url("mysql+pymysql://u:p@db.internal:3307/sb")
        == "database 'sb' on db.internal:3307"
    )
    assert describe_url("sqlite:////tmp/x.db") == "SQLite database /tmp/x.db"


def test_sqlite_engine_serves_thread_workers(sqlite_url: str) -> None:
    """check_same_thread=False and a busy timeout: concurrent reads and writes from threads."""
    engine = _initialised(sqlite_url)
    storage = Storage(engine)
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with engine.begin() as conn:
                conn.execute(
                    text("INSERT INTO locks (database_name, database_type, repository, "
                         "pull_request, owner) VALUES (:d, 'mysql', 'r', 0, 'o')"),
                    {"d": f"db{n}"},
                )  # fmt: skip
            storage.database_now()
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM locks")).scalar_one() == 8
    engine.dispose()


def test_mysql_engine_talks_utf8mb4_and_pre_pings(mysql_database_url: str) -> None:
    engine = create_storage_engine(mysql_database_url.replace("mysql+pymysql://", "mysql://"))
    assert engine.dialect.driver == "pymysql"
    assert engine.pool._pre_ping is True
    with engine.connect() as conn:
        charset = conn.execute(text("SELECT @@character_set_connection")).scalar_one()
        conn.execute(text("CREATE TABLE t (s varchar(10)) DEFAULT CHARSET=utf8mb4"))
        conn.execute(text("INSERT INTO t VALUES (:s)"), {"s": "café 🚀"})
        stored = conn.execute(text("SELECT s FROM t")).scalar_one()
    assert charset == "utf8mb4"
    assert stored == "café 🚀"
    engine.dispose()
