"""Schema sources: the real MariaDB (live) and snapshot folders (issue 3 item 1)."""

from __future__ import annotations

from pathlib import Path

import pymysql
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url

from services.planner import Flavour, PlannerError, plan_schema
from services.planner.sources import (
    LiveSchemaSource,
    SnapshotSchemaSource,
    is_planned_table,
    source_for_target,
)
from services.targets import Target


def execute(engine: Engine, *statements: str) -> None:
    with engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))


def test_spirit_and_archive_tables_are_skipped() -> None:
    assert is_planned_table("users")
    assert is_planned_table("users_archive")
    assert not is_planned_table("_users_new")
    for name in ("t_archive_2024", "t_archive_2024_01", "t_archive_2024_01_31"):
        assert not is_planned_table(name)
    assert is_planned_table("t_archive_24")


def test_live_source_reads_base_tables_only(mysql_engine: Engine, mysql_database_url: str) -> None:
    execute(
        mysql_engine,
        "CREATE TABLE users (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, j json) "
        "AUTO_INCREMENT=77",
        "CREATE TABLE `_users_new` (id int)",
        "CREATE TABLE users_archive_2024_05 (id int)",
        "CREATE TABLE `we``ird` (id int)",
        "CREATE VIEW v AS SELECT 1 AS one",
    )
    database = make_url(mysql_database_url).database
    source = LiveSchemaSource(mysql_database_url)
    assert source.flavour is Flavour.MARIADB
    assert "MariaDB" in source.version
    tables = source.load(database)
    assert sorted(tables) == ["users", "we`ird"]
    assert "json_valid(`j`)" in tables["users"]
    # the live text is planned as-is: the counter is ignored, the weird name is quoted
    desired = {
        "users.sql": "CREATE TABLE users (id bigint NOT NULL AUTO_INCREMENT PRIMARY KEY, j json)",
        "weird.sql": "CREATE TABLE `we``ird` (id int, x int)",
    }
    result = plan_schema({database: desired}, source)
    assert [c.ddl for c in result.changes] == ["ALTER TABLE `we``ird` ADD COLUMN `x` int NULL;"]


def test_live_source_accepts_an_engine_and_a_schema_override(
    mysql_engine: Engine, mysql_database_url: str
) -> None:
    execute(mysql_engine, "CREATE TABLE t (id int)")
    database = make_url(mysql_database_url).database
    source = LiveSchemaSource(mysql_engine, database_override=database)
    assert list(source.load("any_namespace")) == ["t"]


def test_live_source_many_tables_in_batches(mysql_engine: Engine, mysql_database_url: str) -> None:
    execute(mysql_engine, *(f"CREATE TABLE t{i:03d} (id int, c{i} int)" for i in range(260)))
    tables = LiveSchemaSource(mysql_database_url).load(make_url(mysql_database_url).database)
    assert len(tables) == 260
    assert "`c259` int(11)" in tables["t259"]


def test_live_source_connects_without_the_urls_default_schema(
    mysql_engine: Engine, mysql_database_url: str
) -> None:
    execute(mysql_engine, "CREATE TABLE t (id int)")
    namespace = make_url(mysql_database_url).database
    dangling = make_url(mysql_database_url).set(database="rc_no_such_default_schema")
    source = LiveSchemaSource(dangling.render_as_string(hide_password=False))
    assert source.version
    assert list(source.load(namespace)) == ["t"]


def test_live_source_errors_hide_the_password(mysql_database_url: str) -> None:
    url = make_url(mysql_database_url).set(password="s3cret-pw")
    source = LiveSchemaSource(url.render_as_string(hide_password=False))
    with pytest.raises(PlannerError) as raised:
        source.load("x")
    assert "s3cret-pw" not in str(raised.value)
    assert "***" in str(raised.value)


def test_live_source_unknown_schema_is_an_error(mysql_database_url: str) -> None:
    with pytest.raises(PlannerError, match="no_such_schema"):
        LiveSchemaSource(mysql_database_url).load("no_such_schema_xyz")


def test_snapshot_source(tmp_path: Path) -> None:
    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "users.sql").write_text("CREATE TABLE `users` (id bigint);\n", encoding="utf-8")
    (shop / "renamed.sql").write_text("CREATE TABLE orders (id bigint)", encoding="utf-8")
    (shop / "_shadow.sql").write_text("CREATE TABLE _shadow (id int)", encoding="utf-8")
    (shop / "notes.txt").write_text("not sql", encoding="utf-8")
    source = SnapshotSchemaSource(tmp_path, Flavour.MARIADB)
    assert source.flavour is Flavour.MARIADB
    assert source.load("shop") == {
        "orders": "CREATE TABLE orders (id bigint)",
        "users": "CREATE TABLE `users` (id bigint)",
    }
    assert source.load("empty_namespace") == {}
    with pytest.raises(PlannerError):
        SnapshotSchemaSource(tmp_path / "missing").load("shop")


def test_source_for_target(tmp_path: Path, mysql_database_url: str) -> None:
    base = {"database": "db", "environment": "staging", "database_type": "mysql"}
    base |= {"deployment": "default", "target": "db"}
    with pytest.raises(PlannerError, match="gRPC mode"):
        source_for_target(Target(**base, unsupported_reason="gRPC mode has no DSN"))
    snapshot = source_for_target(Target(**base, snapshot_dir=tmp_path))
    assert isinstance(snapshot, SnapshotSchemaSource)
    live = source_for_target(Target(**base, url=mysql_database_url))
    assert isinstance(live, LiveSchemaSource) and live.flavour is Flavour.MARIADB
    with pytest.raises(PlannerError):
        source_for_target(Target(**base))


def test_target_dsn_with_a_database_plans_every_namespace_there(
    mysql_engine: Engine, mysql_database_url: str
) -> None:
    execute(
        mysql_engine,
        "CREATE TABLE a (id bigint PRIMARY KEY)",
        "CREATE TABLE b (id bigint PRIMARY KEY)",
    )
    base = {"database": "db", "environment": "staging", "database_type": "mysql"}
    source = source_for_target(
        Target(**base, deployment="default", target="db", url=mysql_database_url)
    )
    assert source.database_override == make_url(mysql_database_url).database
    desired = {
        "ns_one": {"a.sql": "CREATE TABLE a (id bigint PRIMARY KEY, x int)"},
        "ns_two": {"b.sql": "CREATE TABLE b (id bigint PRIMARY KEY)"},
    }
    result = plan_schema(desired, source)
    assert [(c.namespace, c.ddl) for c in result.changes] == [
        ("ns_one", "ALTER TABLE `a` ADD COLUMN `x` int NULL;")
    ]
    with pytest.raises(PlannerError, match="cannot attribute DROP TABLE b"):
        plan_schema({"ns_one": desired["ns_one"], "ns_three": {}}, source)
    single = plan_schema({"only": desired["ns_one"]}, source)
    assert [(c.namespace, c.operation) for c in single.changes] == [
        ("only", "alter"),
        ("only", "drop"),
    ]


@pytest.mark.parametrize(
    "url",
    [
        "mysql+pymysql://root@127.0.0.1:3306",
        "mysql+pymysql://root:@127.0.0.1",
        "mysql+pymysql://app:p%40ss%3Aw%2Ford@db.example:3307/payments",
        "mysql+pymysql://app:secret@[::1]:3306/payments?connect_timeout=9",
        "mysql+pymysql://localhost",
        "mysql+pymysql://",
    ],
)
def test_a_plain_url_connects_with_the_arguments_sqlalchemy_would_give(url: str) -> None:
    """The PyMySQL arguments of a plain URL equal what SQLAlchemy's dialect builds from it
    (default schema dropped, the source's own arguments on top), so skipping SQLAlchemy for
    ``plan --target-url`` changes nothing but the import time."""
    from sqlalchemy import create_engine

    from services.planner.live_source import _plain_connect_args

    base = make_url(url)
    engine = create_engine(base.set(database="") if base.database else base)
    _, expected = engine.dialect.create_connect_args(engine.url)
    expected.pop("client_flag")
    expected.update(
        client_flag=1 << 16,
        charset="utf8mb4",
        connect_timeout=int(base.query.get("connect_timeout", 5)),
    )
    assert _plain_connect_args(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "mysql+pymysql://root@127.0.0.1:3306?read_timeout=30",
        "mysql+pymysql://root@127.0.0.1:3306?ssl_ca=/etc/ca.pem",
        "mysql+pymysql://root@127.0.0.1:3306?connect_timeout=5&connect_timeout=6",
        "mysql+pymysql://root@127.0.0.1:notaport",
        "mysql://root@127.0.0.1:3306",
        "mysql+mysqldb://root@127.0.0.1:3306",
        "::nope::",
    ],
)
def test_any_other_url_is_left_to_sqlalchemy(url: str) -> None:
    from services.planner.live_source import _plain_connect_args

    assert _plain_connect_args(url) is None


def test_plan_of_a_live_target_by_plain_url_does_not_import_sqlalchemy(
    tmp_path: Path, mysql_engine: Engine, mysql_database_url: str
) -> None:
    import subprocess
    import sys

    execute(mysql_engine, "CREATE TABLE t (id bigint NOT NULL, PRIMARY KEY (id))")
    url = make_url(mysql_database_url)
    desired = tmp_path / "t.sql"
    desired.write_text("CREATE TABLE t (id bigint PRIMARY KEY, n int)")
    probe = (
        "import sys; from app.cli import main; code = main(sys.argv[1:]); "
        "print(code, 'sqlalchemy' in sys.modules)"
    )
    target = url.set(database=None).render_as_string(hide_password=False)
    arguments = ["--schema-dir", str(tmp_path), "--namespace", url.database, "--json"]
    run = subprocess.run(
        [sys.executable, "-c", probe, "plan", *arguments, "--target-url", target],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert '"ddl": "ALTER TABLE `t` ADD COLUMN `n` int NULL;"' in run.stdout
    assert run.stdout.strip().splitlines()[-1] == "0 False"


def test_a_re_plan_reads_the_tables_in_the_order_opposite_to_the_last_load(
    mysql_engine: Engine, mysql_database_url: str
) -> None:
    """A schema bigger than the server's table cache: the tables it opened last are read first
    by the next load (same statements, same result, the server just finds them open)."""
    import re

    execute(mysql_engine, *(f"CREATE TABLE t{i:03d} (id int, c{i} int)" for i in range(300)))
    database = make_url(mysql_database_url).database
    source = LiveSchemaSource(mysql_database_url)
    statements: list[str] = []
    connect = source._connect

    def recording():
        connection = connect()
        make_cursor = connection.cursor

        def cursor():
            made = make_cursor()
            run = made.execute

            def execute(sql, *args):
                statements.append(sql)
                return run(sql, *args)

            made.execute = execute
            return made

        connection.cursor = cursor
        return connection

    source._connect = recording

    def shown() -> list[str]:
        names = re.findall(r"SHOW CREATE TABLE `[^`]+`\.`([^`]+)`", " ".join(statements))
        statements.clear()
        return names

    first = source.load(database)
    order_first = shown()
    second = source.load(database)
    order_second = shown()
    third = source.load(database)
    assert first == second == third and list(first) == sorted(first) and len(first) == 300
    assert order_first == sorted(first) and order_second == sorted(first, reverse=True)
    assert shown() == sorted(first)


def test_a_big_schema_is_read_on_two_sessions_with_the_same_result(
    mysql_engine: Engine, mysql_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From ``_TWO_SESSIONS_FROM`` tables on, half of them are read on a second session at the
    same time; when no second session can be opened, the first one reads them all."""
    from services.planner import live_source

    execute(mysql_engine, *(f"CREATE TABLE t{i:02d} (id int, c{i} int)" for i in range(40)))
    database = make_url(mysql_database_url).database
    one = LiveSchemaSource(mysql_database_url).load(database)
    monkeypatch.setattr(live_source, "_TWO_SESSIONS_FROM", 10)
    source = LiveSchemaSource(mysql_database_url)
    opened = 0
    connect = source._connect

    def counting():
        nonlocal opened
        opened += 1
        return connect()

    source._connect = counting
    assert source.load(database) == one and opened == 2
    assert source.load(database) == one and opened == 4  # the next load, backwards

    def one_session_only():
        nonlocal opened
        opened += 1
        if opened % 2 == 0:
            raise pymysql.err.OperationalError(1040, "Too many connections")
        return connect()

    opened = 0
    source._connect = one_session_only
    assert source.load(database) == one and opened == 2
