"""Lint verdicts as they land on planned changes: ``is_unsafe`` and ``unsafe_reason``.

Every expected message is Spirit's text, copied as data from the file named above its test.
Sources (the index holds no copy at SchemaBot's pin 9dd2b80e44ca; these are the newest stored
versions, see tests/planner/test_lint_parity.py for the version notes):
- unsafe: block/spirit pkg/lint/lint_unsafe.go @ 0957dae3408bd750fbf1cd6cbd50f0ae1c18281e
- invisible_index_before_drop, has_timestamp: morgo/spirit pkg/lint/lint_invisible_index.go,
  pkg/lint/lint_has_timestamp.go @ 046f7c22109eb013e51ebd3838ec6bbbbaf0023e
- primary_key: morgo/spirit pkg/lint/lint_primary_key_type.go
  @ 1dedf2de954c836720bb41cdf34342dd517fed43
- auto_inc_capacity: morgo/spirit pkg/lint/lint_auto_inc_capacity.go
  @ 26f8820f85847db6fefcf26abd7af916046d83ea
- sorting: morgo/spirit pkg/lint/violation.go (sortViolations)
  @ cbb25938b3c92ccda605420b00b553f94d917afc; last-statement attachment: morgo/spirit
  pkg/lint/declarative.go @ 1dedf2de954c836720bb41cdf34342dd517fed43; "; " join of error
  messages: block/schemabot pkg/engine/spirit/spirit.go (PlannedChange.Errors()).
"""

from __future__ import annotations

from services.domain.models import TableChange
from services.planner import Flavour, plan_schema
from services.planner.sources import StaticSchemaSource

TIMESTAMP = (
    'Column "{}" uses "TIMESTAMP" which overflows on 2038-01-19. Consider using "DATETIME" instead.'
)
INVISIBLE = 'Index "{}" should be made invisible before dropping to ensure it\'s not needed'


def changes(
    current: dict[str, str], desired: dict[str, str], flavour: Flavour = Flavour.MYSQL
) -> list[TableChange]:
    files = {f"{name}.sql": sql for name, sql in desired.items()}
    return list(plan_schema({"ns": files}, StaticSchemaSource({"ns": current}, flavour)).changes)


# lint_unsafe.go: DropTableStmt -> "Unsafe operation detected: %q" of the statement text
def test_drop_table_is_unsafe() -> None:
    (change,) = changes({"old": "CREATE TABLE old (id bigint)"}, {})
    assert change.is_unsafe
    assert change.unsafe_reason == 'Unsafe operation detected: "DROP TABLE `old`"'


# violation.go sortViolations: errors ordered by linter name, each linter in emission order;
# lint_invisible_index.go and lint_unsafe.go messages; a dropped key on an existing table is a
# primary_key *warning* (lint_primary_key_type.go), so it adds nothing here.
def test_alter_messages_sorted_by_linter_then_clause_order() -> None:
    current = (
        "CREATE TABLE t (id bigint, a int, b int, z int, PRIMARY KEY (id), KEY kz (z),"
        " KEY ka (a), KEY kb (b) INVISIBLE)"
    )
    desired = "CREATE TABLE t (id bigint, a int)"
    (change,) = changes({"t": current}, {"t": desired})
    assert change.ddl == (
        "ALTER TABLE `t` DROP COLUMN `b`, DROP COLUMN `z`, DROP INDEX `ka`, DROP INDEX `kb`,"
        " DROP INDEX `kz`, DROP PRIMARY KEY;"
    )
    assert change.unsafe_reason == "; ".join(
        [
            INVISIBLE.format("ka"),
            INVISIBLE.format("kz"),
            'Unsafe operation detected: "DROP COLUMN `b`"',
            'Unsafe operation detected: "DROP COLUMN `z`"',
            'Unsafe operation detected: "DROP PRIMARY KEY"',
        ]
    )


# lint_unsafe.go: MODIFY/CHANGE are checked at run time, ADD INDEX removes nothing
def test_modify_and_add_index_are_safe() -> None:
    (change,) = changes(
        {"t": "CREATE TABLE t (id bigint PRIMARY KEY, a int)"},
        {"t": "CREATE TABLE t (id bigint PRIMARY KEY, a varchar(5), KEY k (a))"},
    )
    assert not change.is_unsafe and change.unsafe_reason == ""


# lint_has_timestamp.go (post-state order) before lint_primary_key_type.go; a CREATE TABLE
# makes every finding an error, including "No primary key defined"
def test_new_table_findings_are_errors() -> None:
    created = {
        "good": "CREATE TABLE good (id bigint unsigned PRIMARY KEY, d datetime)",
        "bin": "CREATE TABLE bin (id binary(16) PRIMARY KEY)",
        "vbin": "CREATE TABLE vbin (id varbinary(16) PRIMARY KEY)",
        "bad": "CREATE TABLE bad (id int, at timestamp, b timestamp, PRIMARY KEY (id))",
        "nopk": "CREATE TABLE nopk (a bigint)",
        "chr": "CREATE TABLE chr (a char(36), b bigint, PRIMARY KEY (a, b))",
    }
    result = {c.table: c for c in changes({}, created)}
    assert not any(result[name].is_unsafe for name in ("good", "bin", "vbin"))
    assert result["bad"].unsafe_reason == "; ".join(
        [TIMESTAMP.format("at"), TIMESTAMP.format("b"), 'Primary key column "id" has type "int"']
    )
    assert result["nopk"].unsafe_reason == "No primary key defined"
    assert result["chr"].unsafe_reason == 'Primary key column "a" has type "char"'


# lint_primary_key_type.go: an untouched legacy key column only warns
def test_existing_table_int_primary_key_is_only_a_warning() -> None:
    (change,) = changes(
        {"t": "CREATE TABLE t (id int PRIMARY KEY)"},
        {"t": "CREATE TABLE t (id int PRIMARY KEY, n int)"},
    )
    assert change.ddl == "ALTER TABLE `t` ADD COLUMN `n` int NULL;"
    assert not change.is_unsafe


# lint_primary_key_type.go severityForColumn: a key column the ALTER modifies is an error
def test_modified_primary_key_column_of_wrong_type_is_an_error() -> None:
    (change,) = changes(
        {"t": "CREATE TABLE t (id int NOT NULL, PRIMARY KEY (id))"},
        {"t": "CREATE TABLE t (id int unsigned NOT NULL, PRIMARY KEY (id))"},
    )
    assert change.is_unsafe
    assert change.unsafe_reason == 'Primary key column "id" has type "int"'


# lint_has_timestamp.go severityFor: added or modified TIMESTAMP is an error, an untouched
# legacy one only a warning
def test_timestamp_severity_follows_the_alter() -> None:
    current = "CREATE TABLE t (id bigint PRIMARY KEY, legacy timestamp NULL, m timestamp NULL)"
    desired = (
        "CREATE TABLE t (id bigint PRIMARY KEY, legacy timestamp NULL,"
        " m timestamp NULL COMMENT 'x', added timestamp NULL)"
    )
    (change,) = changes({"t": current}, {"t": desired})
    assert "MODIFY COLUMN `m`" in change.ddl and "ADD COLUMN `added`" in change.ddl
    assert change.unsafe_reason == "; ".join([TIMESTAMP.format("m"), TIMESTAMP.format("added")])


def test_untouched_legacy_timestamp_is_only_a_warning() -> None:
    (change,) = changes(
        {"t": "CREATE TABLE t (id bigint PRIMARY KEY, at timestamp NULL)"},
        {"t": "CREATE TABLE t (id bigint PRIMARY KEY, at timestamp NULL, n int)"},
    )
    assert not change.is_unsafe


# lint_auto_inc_capacity.go: above 85% of a signed INT (2147483647 * 85 // 100 = 1825361099)
def test_new_table_auto_increment_near_capacity() -> None:
    created = {
        "near": "CREATE TABLE near (id bigint unsigned AUTO_INCREMENT PRIMARY KEY,"
        " n int NOT NULL AUTO_INCREMENT, UNIQUE KEY (n)) AUTO_INCREMENT=1825361100",
        "edge": "CREATE TABLE edge (id int unsigned AUTO_INCREMENT, b bigint, PRIMARY KEY (b),"
        " KEY (id)) AUTO_INCREMENT=3650722201",
    }
    result = {c.table: c for c in changes({}, created)}
    assert result["near"].unsafe_reason == (
        "AUTO_INCREMENT value 1825361100 is above 85% of the capacity (2147483647)"
        " of the auto-inc column's int data type"
    )
    # 4294967295 * 85 // 100 = 3650722200: one above is reported, the value itself is not
    assert result["edge"].unsafe_reason == (
        "AUTO_INCREMENT value 3650722201 is above 85% of the capacity (4294967295)"
        " of the auto-inc column's int data type"
    )


# declarative.go: several statements for one table carry the reason on the last one only
def test_reason_lands_on_the_last_statement_of_a_table() -> None:
    current = (
        "CREATE TABLE t (id bigint PRIMARY KEY, at datetime) PARTITION BY HASH (id) PARTITIONS 2"
    )
    desired = (
        "CREATE TABLE t (id bigint PRIMARY KEY, at timestamp NULL)"
        " PARTITION BY KEY (id) PARTITIONS 2"
    )
    result = changes({"t": current}, {"t": desired})
    assert len(result) >= 2
    assert [c.is_unsafe for c in result] == [False] * (len(result) - 1) + [True]
    assert result[-1].unsafe_reason == TIMESTAMP.format("at")


# lint.go IgnoreTables (SchemaBot passes schema_version)
def test_schema_version_table_is_not_linted() -> None:
    (change,) = changes({"schema_version": "CREATE TABLE schema_version (v int)"}, {})
    assert change.operation == "drop" and not change.is_unsafe


# lint_unsafe.go COALESCE PARTITION is named by its operation
def test_coalesce_partition_is_unsafe() -> None:
    (change,) = changes(
        {"t": "CREATE TABLE t (id bigint PRIMARY KEY) PARTITION BY HASH (id) PARTITIONS 4"},
        {"t": "CREATE TABLE t (id bigint PRIMARY KEY) PARTITION BY HASH (id) PARTITIONS 2"},
    )
    assert change.ddl == "ALTER TABLE `t` COALESCE PARTITION 2;"
    assert change.unsafe_reason == 'Unsafe operation detected: "COALESCE PARTITION"'


# lint_invisible_index.go on MariaDB: an IGNORED index counts as invisible
def test_mariadb_ignored_index_may_be_dropped() -> None:
    (change,) = changes(
        {"t": "CREATE TABLE t (id bigint PRIMARY KEY, a int, KEY ka (a) IGNORED)"},
        {"t": "CREATE TABLE t (id bigint PRIMARY KEY, a int)"},
        Flavour.MARIADB,
    )
    assert change.ddl == "ALTER TABLE `t` DROP INDEX `ka`;"
    assert not change.is_unsafe
