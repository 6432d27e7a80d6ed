"""Differ rules beyond the worked examples: positions, keys, constraints, partitions, MariaDB."""

from __future__ import annotations

import pytest

from services.planner import Flavour, plan_schema
from services.planner.sources import StaticSchemaSource

M, MARIA = Flavour.MYSQL, Flavour.MARIADB


def ddl(current: str, desired: str, flavour: Flavour = M) -> list[str]:
    result = plan_schema(
        {"ns": {"t.sql": desired}}, StaticSchemaSource({"ns": {"t": current}}, flavour)
    )
    return [change.ddl for change in result.changes]


@pytest.mark.parametrize(
    ("current", "desired", "expected"),
    [
        # new column in the middle, then at the end; the moved-by-insert column stays put
        (
            "(a int, b int)",
            "(x int, a int, y int, b int, z int)",
            "ADD COLUMN `x` int NULL FIRST, ADD COLUMN `y` int NULL AFTER `a`,"
            " ADD COLUMN `z` int NULL",
        ),
        # predecessor dropped: implicit move, no clause
        ("(a int, x int, b int)", "(a int, b int)", "DROP COLUMN `x`"),
        # column names match case-insensitively
        ("(A int, b int)", "(a int, b bigint)", "MODIFY COLUMN `b` bigint NULL"),
        # c's predecessor changed (b -> a), d follows by cascade
        (
            "(a int, b int, c int, d int)",
            "(b int, a int, c int, d int)",
            "MODIFY COLUMN `b` int NULL FIRST, MODIFY COLUMN `a` int NULL AFTER `b`,"
            " MODIFY COLUMN `c` int NULL AFTER `a`, MODIFY COLUMN `d` int NULL AFTER `c`",
        ),
    ],
    ids=["add_positions", "drop_predecessor", "case_insensitive", "swap"],
)
def test_column_placement(current: str, desired: str, expected: str) -> None:
    assert ddl(f"CREATE TABLE t {current}", f"CREATE TABLE t {desired}") == [
        f"ALTER TABLE `t` {expected};"
    ]


def test_index_clauses_sorted_in_byte_order_and_grouped() -> None:
    current = "CREATE TABLE t (a int, b int, PRIMARY KEY (a), KEY b (b), KEY old (a))"
    desired = (
        "CREATE TABLE t (a int, b int, c int, KEY b (b, a), KEY b_2 (b), UNIQUE KEY u (c),"
        " CONSTRAINT ck CHECK (c > 0)) COMMENT='x'"
    )
    assert ddl(current, desired) == [
        "ALTER TABLE `t` ADD COLUMN `c` int NULL, DROP INDEX `b`, DROP INDEX `old`,"
        " DROP PRIMARY KEY, ADD INDEX `b_2` (`b`), ADD INDEX `b` (`b`, `a`),"
        " ADD UNIQUE INDEX `u` (`c`), ADD CONSTRAINT `ck` CHECK (`c`>0), COMMENT='x';"
    ]


def test_dropping_the_primary_key_keeps_not_null() -> None:
    current = "CREATE TABLE t (id bigint NOT NULL, PRIMARY KEY (id))"
    assert ddl(current, "CREATE TABLE t (id bigint)") == ["ALTER TABLE `t` DROP PRIMARY KEY;"]


@pytest.mark.parametrize(
    ("flavour", "expected"),
    [
        (M, "ALTER TABLE `t` ALTER INDEX `k` INVISIBLE;"),
        (MARIA, "ALTER TABLE `t` ALTER INDEX `k` IGNORED;"),
    ],
)
def test_visibility_only_change_uses_flavour_words(flavour: Flavour, expected: str) -> None:
    current = "CREATE TABLE t (a int, KEY k (a))"
    desired = "CREATE TABLE t (a int, KEY k (a) INVISIBLE)"
    assert ddl(current, desired, flavour) == [expected]
    back = ddl(desired, current, flavour)
    assert back == [expected.replace("INVISIBLE", "VISIBLE").replace("IGNORED", "NOT IGNORED")]


def test_checks_and_foreign_keys() -> None:
    current = (
        "CREATE TABLE t (a int, p int, CONSTRAINT c1 CHECK (a > 0),"
        " CONSTRAINT fk FOREIGN KEY (p) REFERENCES parent (id))"
    )
    desired = (
        "CREATE TABLE t (a int, p int, CONSTRAINT c2 CHECK ((a > 0)),"
        " CONSTRAINT fk FOREIGN KEY (p) REFERENCES parent (id) ON DELETE CASCADE,"
        " CONSTRAINT c3 CHECK (a < 9) NOT ENFORCED)"
    )
    assert ddl(current, desired) == [
        "ALTER TABLE `t` DROP FOREIGN KEY `fk`, ADD CONSTRAINT `c3` CHECK (`a`<9) NOT ENFORCED,"
        " ADD CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `parent` (`id`) ON DELETE CASCADE;"
    ]
    # MariaDB refuses DROP + ADD of one foreign key name in one ALTER: the ADD follows apart.
    assert ddl(current, desired, MARIA) == [
        "ALTER TABLE `t` DROP FOREIGN KEY `fk`, ADD CONSTRAINT `c3` CHECK (`a`<9);",
        "ALTER TABLE `t` ADD CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `parent` (`id`)"
        " ON DELETE CASCADE;",
    ]


def test_enforcement_only_and_mariadb_drop_constraint() -> None:
    current = "CREATE TABLE t (a int, CONSTRAINT c CHECK (a > 0))"
    assert ddl(current, "CREATE TABLE t (a int, CONSTRAINT c CHECK (a > 0) NOT ENFORCED)") == [
        "ALTER TABLE `t` ALTER CHECK `c` NOT ENFORCED;"
    ]
    assert ddl(current, "CREATE TABLE t (a int)", MARIA) == ["ALTER TABLE `t` DROP CONSTRAINT `c`;"]
    assert ddl(current, "CREATE TABLE t (a int)") == ["ALTER TABLE `t` DROP CHECK `c`;"]


@pytest.mark.parametrize(
    ("current", "desired", "expected"),
    [
        ("", " PARTITION BY HASH (id) PARTITIONS 4", ["PARTITION BY HASH (`id`) PARTITIONS 4"]),
        (" PARTITION BY HASH (id) PARTITIONS 4", "", ["REMOVE PARTITIONING"]),
        (
            " PARTITION BY HASH (id) PARTITIONS 4",
            " PARTITION BY HASH (id) PARTITIONS 6",
            ["ADD PARTITION PARTITIONS 2"],
        ),
        (
            " PARTITION BY KEY (id) PARTITIONS 4",
            " PARTITION BY KEY (id) PARTITIONS 3",
            ["COALESCE PARTITION 1"],
        ),
        (
            " PARTITION BY HASH (id) PARTITIONS 4",
            " PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10),"
            " PARTITION p1 VALUES LESS THAN MAXVALUE)",
            [
                "REMOVE PARTITIONING",
                "PARTITION BY RANGE (`id`) (PARTITION `p0` VALUES LESS THAN (10),"
                " PARTITION `p1` VALUES LESS THAN MAXVALUE)",
            ],
        ),
        (
            "\n PARTITION BY LIST  COLUMNS(`c`)\n"
            "(PARTITION `p0` VALUES IN ('US','CA') ENGINE = InnoDB)",
            " PARTITION BY LIST COLUMNS (c) (PARTITION p0 VALUES IN ('US', 'CA'))",
            [],
        ),
    ],
    ids=["add", "remove", "count_up", "count_down", "type_change", "engine_ignored"],
)
def test_partitioning(current: str, desired: str, expected: list[str]) -> None:
    base = "CREATE TABLE t (id int, c varchar(2))"
    assert ddl(base + current, base + desired) == [f"ALTER TABLE `t` {s};" for s in expected]


def test_option_only_index_change_is_two_extra_statements_after_the_primary_one() -> None:
    current = "CREATE TABLE t (a int, b text, FULLTEXT KEY f (b))"
    desired = "CREATE TABLE t (a bigint, b text, FULLTEXT KEY f (b) WITH PARSER ngram)"
    assert ddl(current, desired) == [
        "ALTER TABLE `t` MODIFY COLUMN `a` bigint NULL;",
        "ALTER TABLE `t` DROP INDEX `f`;",
        "ALTER TABLE `t` ADD FULLTEXT INDEX `f` (`b`) WITH PARSER ngram;",
    ]


def test_table_options_missing_means_dont_care_except_comment() -> None:
    current = "CREATE TABLE t (a int) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin COMMENT='c'"
    assert ddl(current, "CREATE TABLE t (a int) COMMENT='c'") == []
    assert ddl(current, "CREATE TABLE t (a int) COLLATE=utf8mb4_general_ci COMMENT='c'") == [
        "ALTER TABLE `t` COLLATE=utf8mb4_general_ci;"
    ]


def test_mariadb_column_check_stays_on_the_column() -> None:
    plain = "CREATE TABLE t (id bigint, a int)"
    checked = "CREATE TABLE t (id bigint, a int CHECK (a > 0))"
    assert ddl(plain, checked, MARIA) == [
        "ALTER TABLE `t` MODIFY COLUMN `a` int NULL CHECK (`a`>0);"
    ]
    assert ddl(checked, plain, MARIA) == ["ALTER TABLE `t` MODIFY COLUMN `a` int NULL;"]
    # MySQL hoists it to a named table constraint instead (Spirit)
    assert ddl(plain, checked, M) == ["ALTER TABLE `t` ADD CONSTRAINT `t_chk_1` CHECK (`a`>0);"]
    # a table-level CHECK with the same expression is the same rule on MariaDB
    table_level = (
        "CREATE TABLE `t` (`id` bigint, `a` int, CONSTRAINT `CONSTRAINT_1` CHECK (`a` > 0))"
    )
    assert ddl(table_level, checked, MARIA) == []
    assert ddl(checked, table_level, MARIA) == []


def test_mysql_subpartitions_in_versioned_comment_equal_hand_written() -> None:
    live = (
        "CREATE TABLE `t` (\n  `id` int NOT NULL,\n  `d` date NOT NULL,\n"
        "  PRIMARY KEY (`id`,`d`)\n) ENGINE=InnoDB\n/*!50100 PARTITION BY RANGE (year(`d`))\n"
        "SUBPARTITION BY HASH (to_days(`d`))\nSUBPARTITIONS 2\n"
        "(PARTITION p0 VALUES LESS THAN (2020) ENGINE = InnoDB,\n"
        " PARTITION p1 VALUES LESS THAN MAXVALUE ENGINE = InnoDB) */"
    )
    hand = (
        "CREATE TABLE t (id int NOT NULL, d date NOT NULL, PRIMARY KEY (id, d))"
        " PARTITION BY RANGE (YEAR(d)) SUBPARTITION BY HASH (TO_DAYS(d)) SUBPARTITIONS {n}"
        " (PARTITION p0 VALUES LESS THAN (2020), PARTITION p1 VALUES LESS THAN MAXVALUE)"
    )
    assert ddl(live, hand.format(n=2)) == []
    assert ddl(live, hand.format(n=3)) == [
        "ALTER TABLE `t` REMOVE PARTITIONING;",
        "ALTER TABLE `t` PARTITION BY RANGE (YEAR(`d`)) SUBPARTITION BY HASH (TO_DAYS(`d`))"
        " SUBPARTITIONS 3 (PARTITION `p0` VALUES LESS THAN (2020),"
        " PARTITION `p1` VALUES LESS THAN MAXVALUE);",
    ]


def test_expressions_use_restore_format_and_keep_column_names_like_date() -> None:
    live = (
        "CREATE TABLE `t` (`date` date, `year` int,"
        " CONSTRAINT `c` CHECK (`date` > _utf8mb4'2020-01-01' and `year` >= 2000))"
    )
    hand = (
        "CREATE TABLE t (date date, year int,"
        " CONSTRAINT c CHECK (date > '2020-01-01' AND year>=2000))"
    )
    assert ddl(live, hand, MARIA) == []
    assert ddl(live, hand.replace("2000", "2001")) == [
        "ALTER TABLE `t` DROP CHECK `c`, ADD CONSTRAINT `c` CHECK"
        " (`date`>'2020-01-01' AND `year`>=2001);"
    ]
    cast = "CREATE TABLE t (d varchar(10), x date AS (CAST(d AS DATE) + INTERVAL 1 DAY))"
    assert ddl("CREATE TABLE t (d varchar(10))", cast) == [
        "ALTER TABLE `t` ADD COLUMN `x` date GENERATED ALWAYS AS"
        " (CAST(`d` AS DATE)+INTERVAL 1 DAY) VIRTUAL NULL;"
    ]


def _corpus_models() -> list:
    """Every model the planner cases and the MySQL 8 samples parse into, at both levels."""
    from pathlib import Path

    from cases import ALL_CASES

    from services.planner.parse import TableParseError, parse_table
    from services.planner.spirit_level import SpiritLevel

    here = Path(__file__).resolve().parent
    texts = [
        (sql, flavour)
        for case in ALL_CASES
        for flavour in case.flavours
        for sql in (*case.desired, *case.current)
    ]
    texts += [(p.read_text().strip().rstrip(";"), M) for p in (here / "data").rglob("*.sql")]
    models = []
    for sql, flavour in texts:
        for level in SpiritLevel:
            try:
                models.append((parse_table(sql.strip().rstrip(";"), flavour, level), level))
            except TableParseError:
                continue
    return models


def test_a_model_diffed_against_an_equal_model_plans_nothing() -> None:
    """The plan skips the differ for a desired model equal to the live one; this is the
    differ's own answer for every model of the corpus (both flavours, levels, FK modes)."""
    from services.planner.differ import diff_tables

    models = _corpus_models()
    assert len(models) > 1000
    for table, level in models:
        for apart in (False, True):
            assert (
                diff_tables(table, table, table.flavour, level, foreign_key_drops_apart=apart) == []
            )
