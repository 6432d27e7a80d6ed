"""Convergence on the real MariaDB: current -> plan -> execute -> re-plan is empty.

For every case MariaDB can execute: build ``current`` in a fresh database, plan against it
with ``LiveSchemaSource``, check the plan is the case's expected MariaDB plan, execute it,
re-plan (nothing left, or exactly the documented ``second_plan``), and compare SHOW CREATE
TABLE with the ``desired`` files built from scratch in another fresh database.

SHOW CREATE lists indexes and constraints in creation order, which an ALTER cannot choose
and which MySQL gives no meaning; those lines are compared as sets, columns in order.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from cases import ALL_CASES, Case, Stmt, table_name
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, Engine, make_url

from services.planner import plan_schema
from services.planner.api import Flavour, PlannerError
from services.planner.sources import LiveSchemaSource

EXECUTABLE = [case for case in ALL_CASES if case.mariadb_executable]
_AUTO_INCREMENT_OPTION = re.compile(r" AUTO_INCREMENT=\d+")
_KEY_LINE = re.compile(r"^(PRIMARY KEY|UNIQUE KEY|KEY|FULLTEXT KEY|SPATIAL KEY|CONSTRAINT) ")
_SERVERS: dict[URL, Engine] = {}


def _params() -> list:
    return [pytest.param(case, id=case.id) for case in EXECUTABLE]


def server_for(database_url: str) -> Engine:
    """One pooled engine per server (no default database), shared by every case."""
    url = make_url(database_url)
    server_url = URL.create(
        url.drivername, url.username, url.password, url.host, url.port, query=url.query
    )
    if server_url not in _SERVERS:
        _SERVERS[server_url] = create_engine(server_url, pool_size=2)
    return _SERVERS[server_url]


@pytest.fixture(scope="module", autouse=True)
def _dispose_servers() -> Iterator[None]:
    yield
    while _SERVERS:
        _SERVERS.popitem()[1].dispose()


@pytest.fixture
def server(mysql_database_url: str) -> Engine:
    return server_for(mysql_database_url)


class Scratch:
    """Fresh, uniquely named databases on one connection, dropped at the end."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.names: list[str] = []

    def database(self) -> str:
        name = f"rc_conv_{uuid.uuid4().hex[:12]}"
        run(self.engine, [f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"])
        self.names.append(name)
        return name

    def drop_all(self) -> None:
        run(self.engine, [f"DROP DATABASE IF EXISTS `{name}`" for name in self.names])


def run(engine: Engine, statements: list[str], database: str | None = None) -> None:
    """Execute statements verbatim through the DB-API cursor (no bind-parameter parsing)."""
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            if database:
                cursor.execute(f"USE `{database}`")
            for statement in statements:
                cursor.execute(statement)
    finally:
        raw.close()


def show_create_all(engine: Engine, database: str) -> dict[str, str]:
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cursor:
            cursor.execute(f"SHOW FULL TABLES FROM `{database}` WHERE Table_type = 'BASE TABLE'")
            names = [row[0] for row in cursor.fetchall()]
            result = {}
            for name in names:
                quoted = name.replace("`", "``")
                cursor.execute(f"SHOW CREATE TABLE `{database}`.`{quoted}`")
                result[name] = cursor.fetchone()[1]
            return result
    finally:
        raw.close()


def table_shape(show_create: str) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """Columns in order, index/constraint lines as a sorted set, options without the counter."""
    lines = show_create.splitlines()
    body_end = next(i for i, line in enumerate(lines) if line.startswith(")"))
    body = [line.strip().rstrip(",") for line in lines[1:body_end]]
    columns = tuple(line for line in body if not _KEY_LINE.match(line))
    keys = tuple(sorted(line for line in body if _KEY_LINE.match(line)))
    options = _AUTO_INCREMENT_OPTION.sub("", "\n".join(lines[body_end:]))
    return columns, keys, options


def schema_shape(engine: Engine, database: str) -> dict[str, tuple]:
    return {name: table_shape(text) for name, text in show_create_all(engine, database).items()}


def statements_of(plan) -> list[str]:
    return [change.ddl for change in plan.changes]


def plan_live(source: LiveSchemaSource, database: str, case: Case):
    desired = {database: {f"{table_name(sql)}.sql": sql for sql in case.desired}}
    return plan_schema(desired, source)


def ddl_list(stmts: tuple[Stmt, ...]) -> list[str]:
    return [stmt.ddl for stmt in stmts]


@pytest.mark.mysql
@pytest.mark.parametrize("case", _params())
def test_plan_converges_on_mariadb(mysql_database_url: str, server: Engine, case: Case) -> None:
    scratch = Scratch(server)
    current_db = make_url(mysql_database_url).database
    source = LiveSchemaSource(server)
    try:
        run(server, list(case.current), current_db)

        plan = plan_live(source, current_db, case)
        assert statements_of(plan) == ddl_list(case.expected_for(Flavour.MARIADB))

        run(server, statements_of(plan), current_db)
        replan = plan_live(source, current_db, case)
        assert statements_of(replan) == ddl_list(case.second_plan)
        if case.second_plan:
            run(server, statements_of(replan), current_db)
            assert statements_of(plan_live(source, current_db, case)) == []

        if case.show_create_matches:
            desired_db = scratch.database()
            run(server, list(case.desired), desired_db)
            assert schema_shape(server, current_db) == schema_shape(server, desired_db)
    finally:
        source.dispose()
        scratch.drop_all()


@pytest.mark.mysql
@pytest.mark.parametrize("case", _params())
def test_reverse_plan_converges_on_mariadb(
    mysql_database_url: str, server: Engine, case: Case
) -> None:
    """The rollback direction (SchemaBot plans back towards the live text it captured):
    build ``desired``, plan towards ``current``, execute, and nothing is left. Cases whose
    forward direction needs a documented second step may need one here too."""
    scratch = Scratch(server)
    database = make_url(mysql_database_url).database
    source = LiveSchemaSource(server)
    towards = {database: {f"{table_name(sql)}.sql": sql for sql in case.current}}
    try:
        run(server, list(case.desired), database)
        run(server, statements_of(plan_schema(towards, source)), database)
        replan = statements_of(plan_schema(towards, source))
        if case.second_plan and replan:
            run(server, replan, database)
            replan = statements_of(plan_schema(towards, source))
        assert replan == []
        if case.show_create_matches:
            current_db = scratch.database()
            run(server, list(case.current), current_db)
            assert schema_shape(server, database) == schema_shape(server, current_db)
    finally:
        source.dispose()
        scratch.drop_all()


@pytest.mark.mysql
def test_live_source_skips_shadow_and_archive_tables(server: Engine) -> None:
    """SchemaBot ignores `_*` and `*_archive_YYYY[_MM[_DD]]` tables: no DROP is planned."""
    scratch = Scratch(server)
    try:
        database = scratch.database()
        keep = "CREATE TABLE keep_me (id bigint NOT NULL, PRIMARY KEY (id))"
        run(
            server,
            [
                keep,
                "CREATE TABLE _keep_me_new (id bigint NOT NULL, PRIMARY KEY (id))",
                "CREATE TABLE orders_archive_2024 (id bigint NOT NULL, PRIMARY KEY (id))",
                "CREATE TABLE orders_archive_2024_01_31 (id bigint NOT NULL, PRIMARY KEY (id))",
                "CREATE TABLE orders_archive_old (id bigint NOT NULL, PRIMARY KEY (id))",
                "CREATE VIEW v_keep AS SELECT id FROM keep_me",
            ],
            database,
        )
        plan = plan_schema({database: {"keep_me.sql": keep}}, LiveSchemaSource(server))
        assert statements_of(plan) == ["DROP TABLE `orders_archive_old`;"]
    finally:
        scratch.drop_all()


@pytest.mark.mysql
def test_live_source_ignores_table_auto_increment_counter(server: Engine) -> None:
    scratch = Scratch(server)
    try:
        database = scratch.database()
        create = "CREATE TABLE seq (id bigint NOT NULL AUTO_INCREMENT, PRIMARY KEY (id))"
        run(server, [create, "INSERT INTO seq VALUES (), (), ()"], database)
        assert "AUTO_INCREMENT=4" in show_create_all(server, database)["seq"]
        plan = plan_schema({database: {"seq.sql": create}}, LiveSchemaSource(server))
        assert plan.no_changes
    finally:
        scratch.drop_all()


@pytest.mark.mysql
def test_live_source_plans_each_namespace_against_its_schema(server: Engine) -> None:
    """Namespace = schema; namespaces are planned in sorted order; flavour is detected."""
    scratch = Scratch(server)
    source = LiveSchemaSource(server)
    try:
        first, second = sorted([scratch.database(), scratch.database()])
        table = "CREATE TABLE t (id bigint NOT NULL, PRIMARY KEY (id))"
        run(server, [table], first)
        run(server, [table], second)
        with_n = "CREATE TABLE t (id bigint NOT NULL, n int, PRIMARY KEY (id))"
        with_m = "CREATE TABLE t (id bigint NOT NULL, m int, PRIMARY KEY (id))"
        plan = plan_schema({second: {"t.sql": with_n}, first: {"t.sql": with_m}}, source)
        assert source.flavour is Flavour.MARIADB
        assert [(change.namespace, change.ddl) for change in plan.changes] == [
            (first, "ALTER TABLE `t` ADD COLUMN `m` int NULL;"),
            (second, "ALTER TABLE `t` ADD COLUMN `n` int NULL;"),
        ]
    finally:
        source.dispose()
        scratch.drop_all()


@pytest.mark.mysql
def test_live_source_missing_schema_is_a_clear_error(server: Engine) -> None:
    source = LiveSchemaSource(server)
    missing = f"rc_missing_{uuid.uuid4().hex[:8]}"
    try:
        with pytest.raises(PlannerError) as raised:
            plan_schema(
                {missing: {"t.sql": "CREATE TABLE t (id bigint, PRIMARY KEY (id))"}}, source
            )
        assert missing in str(raised.value)
    finally:
        source.dispose()
