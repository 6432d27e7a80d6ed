"""Every planner case, planned against a snapshot folder of its flavour: exact DDL text, order,
operation, table, namespace and lint verdict."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cases import ALL_CASES, Case, table_name

from services.planner import plan_schema
from services.planner.api import Flavour, PlannerError
from services.planner.sources import SnapshotSchemaSource
from services.planner.spirit_level import SpiritLevel

NAMESPACE = "app"
M = Flavour.MYSQL


def snapshot(root: Path, tables: tuple[str, ...], flavour: Flavour) -> SnapshotSchemaSource:
    """A snapshot folder `<root>/<namespace>/<table>.sql`, one CREATE TABLE per file."""
    folder = root / NAMESPACE
    folder.mkdir(parents=True)
    for sql in tables:
        (folder / f"{table_name(sql)}.sql").write_text(sql, encoding="utf-8")
    return SnapshotSchemaSource(root, flavour=flavour)


def desired_files(tables: tuple[str, ...]) -> dict[str, dict[str, str]]:
    return {NAMESPACE: {f"{table_name(sql)}.sql": sql for sql in tables}}


def _params() -> list:
    return [
        pytest.param(case, flavour, id=f"{case.id}[{flavour}]")
        for case in ALL_CASES
        for flavour in case.flavours
    ]


def _level_params() -> list:
    return [
        pytest.param(case, flavour, level, id=f"{case.id}[{flavour}][{level}]")
        for case in ALL_CASES
        for flavour in case.flavours
        for level in SpiritLevel
    ]


@pytest.mark.parametrize(("case", "flavour", "level"), _level_params())
def test_case_plans_exactly(
    tmp_path: Path, case: Case, flavour: Flavour, level: SpiritLevel
) -> None:
    """The byte-exact expected-text table, at both Spirit levels."""
    source = snapshot(tmp_path, case.current, flavour)
    plan = plan_schema(desired_files(case.desired), source, level=level)
    expected = case.expected_for(flavour, level)

    assert [change.ddl for change in plan.changes] == [stmt.ddl for stmt in expected]
    assert plan.no_changes == (not expected)
    for change, stmt in zip(plan.changes, expected, strict=True):
        assert (change.namespace, change.table, change.operation) == (
            NAMESPACE,
            stmt.table,
            stmt.operation,
        )
        assert change.is_unsafe is stmt.unsafe, change.unsafe_reason
        if stmt.unsafe:
            assert change.unsafe_reason.strip()
            for fragment in stmt.reason_has:
                assert fragment in change.unsafe_reason
        else:
            assert change.unsafe_reason == ""


@pytest.mark.parametrize(("case", "flavour"), _params())
def test_desired_against_itself_and_against_nothing(
    tmp_path: Path, case: Case, flavour: Flavour
) -> None:
    """No churn: a schema never differs from itself. Against an empty namespace every file
    is a CREATE with its text as written, in table-name order except that a
    table referenced by a foreign key comes before the tables referencing it."""
    desired = desired_files(case.desired)
    assert plan_schema(desired, snapshot(tmp_path / "same", case.desired, flavour)).changes == ()
    plan = plan_schema(desired, snapshot(tmp_path / "empty", (), flavour))
    expected = sorted((table_name(sql), sql.strip().rstrip(";") + ";") for sql in case.desired)
    referencing = [sql for sql in case.desired if " REFERENCES " in sql.upper()]
    if not referencing:
        assert [(change.table, change.ddl) for change in plan.changes] == expected
    assert sorted((change.table, change.ddl) for change in plan.changes) == expected
    created = [change.table for change in plan.changes]
    for sql in referencing:
        for parent in re.findall(r"REFERENCES\s+`?(\w+)`?", sql, re.IGNORECASE):
            if parent in created and parent != table_name(sql):
                assert created.index(parent) < created.index(table_name(sql))
    assert {change.operation for change in plan.changes} == {"create"}


def _bad_file_params() -> list:
    good = "CREATE TABLE ok (id bigint NOT NULL, PRIMARY KEY (id))"
    return [
        pytest.param(
            {"two.sql": good + ";\n" + good.replace(" ok ", " ok2 ")}, "two.sql", id="two"
        ),
        pytest.param({"view.sql": "CREATE VIEW v AS SELECT 1"}, "view.sql", id="not-a-table"),
        pytest.param({"insert.sql": "INSERT INTO ok VALUES (1)"}, "insert.sql", id="not-ddl"),
        pytest.param(
            {"broken.sql": "CREATE TABLE broken (id bigint NOT NULL,"},
            "broken.sql",
            id="syntax-error",
        ),
        pytest.param(
            {
                "ts.sql": "CREATE TABLE ts (id bigint NOT NULL, PRIMARY KEY (id))"
                " TABLESPACE innodb_system"
            },
            "ts.sql",
            id="command-fallback-tablespace",
        ),
        pytest.param(
            {
                "sv.sql": "CREATE TABLE sv (id bigint NOT NULL, PRIMARY KEY (id))"
                " WITH SYSTEM VERSIONING"
            },
            "sv.sql",
            id="command-fallback-versioning",
        ),
        pytest.param(
            {"mr.sql": "CREATE TABLE mr (id bigint NOT NULL, PRIMARY KEY (id)) MAX_ROWS=100"},
            "mr.sql",
            id="command-fallback-max-rows",
        ),
        pytest.param(
            {"dup.sql": "CREATE TABLE dup (id bigint NOT NULL, id int, PRIMARY KEY (id))"},
            "dup.sql",
            id="duplicate-column",
        ),
        pytest.param(
            {
                "nocol.sql": "CREATE TABLE nocol (id bigint NOT NULL, PRIMARY KEY (id),"
                " KEY k (missing))"
            },
            "nocol.sql",
            id="index-on-missing-column",
        ),
    ]


@pytest.mark.parametrize(("files", "bad_file"), _bad_file_params())
def test_bad_desired_file_is_a_clear_error(tmp_path: Path, files: dict, bad_file: str) -> None:
    """Issue item 2: fail closed, naming the namespace and the file."""
    source = snapshot(tmp_path, (), Flavour.MYSQL)
    with pytest.raises(PlannerError) as raised:
        plan_schema({NAMESPACE: files}, source)
    assert NAMESPACE in str(raised.value)
    assert bad_file in str(raised.value)


def test_non_sql_files_are_ignored(tmp_path: Path) -> None:
    source = snapshot(tmp_path, (), Flavour.MYSQL)
    create = "CREATE TABLE ok (id bigint NOT NULL, PRIMARY KEY (id))"
    files = {"ok.sql": create, "README.md": "# not sql", "vschema.json": "{}"}
    plan = plan_schema({NAMESPACE: files}, source)
    assert [change.ddl for change in plan.changes] == [create + ";"]


def test_namespaces_planned_in_sorted_order(tmp_path: Path) -> None:
    for namespace in ("zeta", "alpha"):
        (tmp_path / namespace).mkdir()
    source = SnapshotSchemaSource(tmp_path, flavour=Flavour.MYSQL)
    create = "CREATE TABLE ok (id bigint NOT NULL, PRIMARY KEY (id))"
    plan = plan_schema({"zeta": {"ok.sql": create}, "alpha": {"ok.sql": create}}, source)
    assert [(change.namespace, change.operation) for change in plan.changes] == [
        ("alpha", "create"),
        ("zeta", "create"),
    ]


def test_file_name_need_not_match_table_name(tmp_path: Path) -> None:
    """The table comes from the statement when the file is named otherwise."""
    source = snapshot(tmp_path, ("CREATE TABLE users (id bigint NOT NULL, PRIMARY KEY (id))",), M)
    desired = "CREATE TABLE users (id bigint NOT NULL, email varchar(50), PRIMARY KEY (id))"
    plan = plan_schema({NAMESPACE: {"001_users_table.sql": desired}}, source)
    assert [(change.table, change.ddl) for change in plan.changes] == [
        ("users", "ALTER TABLE `users` ADD COLUMN `email` varchar(50) NULL;")
    ]


def test_same_table_in_two_files_is_an_error(tmp_path: Path) -> None:
    source = snapshot(tmp_path, (), M)
    create = "CREATE TABLE users (id bigint NOT NULL, PRIMARY KEY (id))"
    with pytest.raises(PlannerError) as raised:
        plan_schema({NAMESPACE: {"a.sql": create, "b.sql": create}}, source)
    assert NAMESPACE in str(raised.value)
