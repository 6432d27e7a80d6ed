"""``statements_equivalent`` / ``canonical_statement``: equal pairs and near misses (item 5)."""

from __future__ import annotations

import pytest

from services.planner import Flavour, PlannerError, canonical_statement, statements_equivalent

M = Flavour.MYSQL

EQUAL = [
    (
        "ALTER TABLE `t` ADD COLUMN `a` int NULL, ADD INDEX `i` (`a`);",
        "alter table t\n  add a INT(11) null,\n  add key i (a)",
    ),
    (
        "ALTER TABLE `t` ADD INDEX `i` (`a`), DROP INDEX `j`",
        "ALTER TABLE t DROP KEY j, ADD INDEX i(a)",
    ),
    ("ALTER TABLE `t` DEFAULT CHARSET=latin1", "alter table t default character set latin1"),
    ("ALTER TABLE `t` COMMENT='it\\'s'", "ALTER TABLE t COMMENT 'it''s'"),
    ("ALTER TABLE `t` DROP COLUMN `A`", "ALTER TABLE t DROP a"),
    ("ALTER TABLE `t` ALTER INDEX `i` INVISIBLE", "ALTER TABLE `t` ALTER INDEX i IGNORED"),
    (
        "ALTER TABLE `t` ADD CONSTRAINT `c` CHECK ((`a`>0))",
        "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)",
    ),
    (
        "ALTER TABLE `t` ADD UNIQUE INDEX `u` (`a`(10), `b` DESC) USING BTREE",
        "ALTER TABLE t ADD UNIQUE KEY u USING BTREE (a(10), B desc)",
    ),
    (
        "ALTER TABLE `t` PARTITION BY HASH (`id`) PARTITIONS 4",
        "ALTER TABLE t PARTITION BY HASH(id) PARTITIONS 4",
    ),
    (
        "CREATE TABLE t (id int primary key, a varchar(10), KEY k (a), UNIQUE KEY u (a))",
        "CREATE TABLE `t` (\n `id` int(11) NOT NULL,\n `a` varchar(10) DEFAULT NULL,\n"
        " PRIMARY KEY (`id`),\n UNIQUE KEY `u` (`a`),\n KEY `k` (`a`)\n) ENGINE=InnoDB",
    ),
    ("DROP TABLE t", "drop table `t`;"),
]

NEAR_MISSES = [
    ("ALTER TABLE `t` ADD COLUMN `a` int NULL", "ALTER TABLE `t` ADD COLUMN `a` bigint NULL"),
    ("ALTER TABLE `t` ADD COLUMN `a` int NULL", "ALTER TABLE `t` ADD COLUMN `a` int NOT NULL"),
    (
        "ALTER TABLE `t` ADD COLUMN `a` int NULL AFTER `b`",
        "ALTER TABLE `t` ADD COLUMN `a` int NULL",
    ),
    (
        "ALTER TABLE `t` ADD COLUMN `a` int NULL, ADD COLUMN `b` int NULL AFTER `a`",
        "ALTER TABLE `t` ADD COLUMN `b` int NULL AFTER `a`, ADD COLUMN `a` int NULL",
    ),
    ("ALTER TABLE `t` ADD INDEX `i` (`a`, `b`)", "ALTER TABLE `t` ADD INDEX `i` (`b`, `a`)"),
    ("ALTER TABLE `t` ADD INDEX `i` (`a`)", "ALTER TABLE `t` ADD INDEX `I` (`a`)"),
    ("ALTER TABLE `t` ADD INDEX `i` (`a`)", "ALTER TABLE `t` ADD UNIQUE INDEX `i` (`a`)"),
    ("ALTER TABLE `t` COMMENT='x'", "ALTER TABLE `t` COMMENT='X'"),
    (
        "ALTER TABLE `t` ADD COLUMN `a` tinyint(1) NULL",
        "ALTER TABLE `t` ADD COLUMN `a` tinyint NULL",
    ),
    (
        "ALTER TABLE `t` ADD COLUMN `a` varchar(3) NULL DEFAULT '0'",
        "ALTER TABLE `t` ADD COLUMN `a` varchar(3) NULL DEFAULT 0",
    ),
    (
        "ALTER TABLE `t` MODIFY COLUMN `a` int NULL FIRST",
        "ALTER TABLE `t` MODIFY COLUMN `a` int NULL",
    ),
    (
        "ALTER TABLE `t` PARTITION BY HASH (`id`) PARTITIONS 4",
        "ALTER TABLE `t` PARTITION BY HASH (`id`) PARTITIONS 5",
    ),
    ("DROP TABLE t", "DROP TABLE T"),
    ("DROP TABLE t", "ALTER TABLE t DROP COLUMN x"),
    ("CREATE TABLE t (a int)", "CREATE TABLE t (a int, b int)"),
    ("CREATE TABLE t (a int, b int)", "CREATE TABLE t (b int, a int)"),
]


@pytest.mark.parametrize(("a", "b"), EQUAL)
def test_equal_pairs(a: str, b: str) -> None:
    assert statements_equivalent(a, b, M)
    assert canonical_statement(a, M) == canonical_statement(b, M)


@pytest.mark.parametrize(("a", "b"), NEAR_MISSES)
def test_near_misses_differ(a: str, b: str) -> None:
    assert not statements_equivalent(a, b, M)


@pytest.mark.parametrize(
    "bad",
    ["", "SELECT 1", "ALTER TABLE t ADD COLUMN", "DROP TABLE a; DROP TABLE b", "CREATE TABLE t (x"],
)
def test_unreadable_fails_closed(bad: str) -> None:
    with pytest.raises(PlannerError):
        canonical_statement(bad, M)
    assert not statements_equivalent(bad, bad, M)
