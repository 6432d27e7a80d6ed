"""Error-severity lint rules and where their messages land (spec §8).

Wording: the ``unsafe`` messages follow Spirit's ``Unsafe operation detected: %q``; the
``invisible_index_before_drop``, ``primary_key`` and ``has_timestamp`` texts are our reading
(Spirit's exact strings were not available) and are asserted here so a change is deliberate.
"""

from __future__ import annotations

from services.domain.models import TableChange
from services.planner import Flavour, plan_schema
from services.planner.sources import StaticSchemaSource


def changes(current: dict[str, str], desired: dict[str, str]) -> list[TableChange]:
    files = {f"{name}.sql": sql for name, sql in desired.items()}
    return list(
        plan_schema({"ns": files}, StaticSchemaSource({"ns": current}, Flavour.MYSQL)).changes
    )


def test_drop_table_is_unsafe() -> None:
    (change,) = changes({"old": "CREATE TABLE old (id bigint)"}, {})
    assert change.is_unsafe
    assert change.unsafe_reason == 'Unsafe operation detected: "DROP TABLE `old`"'


def test_alter_messages_are_sorted_and_joined() -> None:
    current = (
        "CREATE TABLE t (id bigint, a int, b int, PRIMARY KEY (id), KEY ka (a),"
        " KEY kb (b) INVISIBLE)"
    )
    desired = "CREATE TABLE t (id bigint, a int)"
    (change,) = changes({"t": current}, {"t": desired})
    assert change.ddl == (
        "ALTER TABLE `t` DROP COLUMN `b`, DROP INDEX `ka`, DROP INDEX `kb`, DROP PRIMARY KEY;"
    )
    assert change.unsafe_reason == "; ".join(
        [
            'Index "ka" should be made invisible before dropping to ensure it is not in use',
            'Unsafe operation detected: "DROP COLUMN `b`"',
            'Unsafe operation detected: "DROP PRIMARY KEY"',
        ]
    )


def test_modify_and_add_index_are_safe() -> None:
    (change,) = changes(
        {"t": "CREATE TABLE t (id bigint, a int)"},
        {"t": "CREATE TABLE t (id bigint, a varchar(5), KEY k (a))"},
    )
    assert not change.is_unsafe and change.unsafe_reason == ""


def test_new_table_primary_key_type_and_timestamp() -> None:
    created = {
        "good": "CREATE TABLE good (id bigint unsigned PRIMARY KEY, d datetime)",
        "bin": "CREATE TABLE bin (id binary(16) PRIMARY KEY)",
        "bad": "CREATE TABLE bad (id int, at timestamp, PRIMARY KEY (id))",
        "nopk": "CREATE TABLE nopk (a bigint)",
    }
    result = {c.table: c for c in changes({}, created)}
    assert not result["good"].is_unsafe and not result["bin"].is_unsafe
    assert result["bad"].unsafe_reason == (
        'Column "at" uses the TIMESTAMP type, which has a year 2038 limit; use DATETIME instead; '
        'Primary key column "id" has type "int"; allowed types: bigint, binary, varbinary'
    )
    assert result["nopk"].unsafe_reason == 'Table "nopk" has no primary key'


def test_existing_table_int_primary_key_is_only_a_warning() -> None:
    (change,) = changes(
        {"t": "CREATE TABLE t (id int PRIMARY KEY)"},
        {"t": "CREATE TABLE t (id int PRIMARY KEY, n int)"},
    )
    assert not change.is_unsafe


def test_added_timestamp_column_is_unsafe() -> None:
    (change,) = changes(
        {"t": "CREATE TABLE t (id bigint)"}, {"t": "CREATE TABLE t (id bigint, at TIMESTAMP)"}
    )
    assert change.is_unsafe and '"at"' in change.unsafe_reason


def test_schema_version_table_is_not_linted() -> None:
    (change,) = changes({"schema_version": "CREATE TABLE schema_version (v int)"}, {})
    assert change.operation == "drop" and not change.is_unsafe
