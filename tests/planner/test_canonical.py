"""Canonical statement comparison (issue 3 item 5): equal pairs and near misses.

Equal pairs differ only in formatting (whitespace, keyword and type case, identifier quoting,
KEY vs INDEX, display widths, optional words, clause order MySQL gives no meaning); near-miss
pairs differ in one detail that changes what the statement does. The lint verdict is not
part of the DDL and is out of scope here.
"""

from __future__ import annotations

import re

import pytest
from cases import ALL_CASES

from services.planner import canonical_statement, statements_equivalent
from services.planner.api import Flavour, PlannerError

M = Flavour.MYSQL
D = Flavour.MARIADB
A = "ALTER TABLE `t` "

EQUAL: list[tuple[str, str, str, Flavour]] = [
    (
        "whitespace",
        A + "ADD COLUMN `b` int NULL;",
        "ALTER  TABLE `t`\n  ADD COLUMN `b` int NULL",
        M,
    ),
    ("keyword_case", A + "ADD COLUMN `b` int NULL", "alter table `t` add column `b` INT null", M),
    ("identifier_quoting", A + "ADD COLUMN `b` int NULL", "ALTER TABLE t ADD COLUMN b int NULL", M),
    ("key_vs_index", A + "ADD INDEX `i` (`a`)", "ALTER TABLE t ADD KEY i (a)", M),
    (
        "unique_key_vs_index",
        A + "ADD UNIQUE INDEX `u` (`a`)",
        "ALTER TABLE t ADD UNIQUE KEY u (a)",
        M,
    ),
    ("display_width", A + "MODIFY COLUMN `a` int NULL", A + "MODIFY COLUMN `a` int(11) NULL", M),
    (
        "display_width_unsigned",
        A + "MODIFY COLUMN `a` bigint unsigned NOT NULL",
        A + "MODIFY COLUMN `a` BIGINT(20) UNSIGNED NOT NULL",
        D,
    ),
    ("optional_column_word", A + "MODIFY COLUMN `a` int NULL", A + "MODIFY `a` int NULL", M),
    ("optional_column_word_drop", A + "DROP COLUMN `b`", A + "DROP `b`", M),
    (
        "index_adds_any_order",
        A + "ADD INDEX `a` (`a`), ADD INDEX `b` (`b`)",
        A + "ADD INDEX `b` (`b`), ADD INDEX `a` (`a`)",
        M,
    ),
    (
        "drops_any_order",
        A + "DROP INDEX `x`, DROP PRIMARY KEY",
        A + "DROP PRIMARY KEY, DROP KEY x",
        M,
    ),
    (
        "table_options_any_order_and_spelling",
        A + "DEFAULT CHARSET=latin1, COMMENT='x'",
        A + "COMMENT = 'x', CHARACTER SET = latin1",
        M,
    ),
    ("comment_quote_escapes", A + "COMMENT='it\\'s'", A + "COMMENT='it''s'", M),
    (
        "boolean_alias_and_quoted_number",
        A + "ADD COLUMN `f` tinyint(1) NOT NULL DEFAULT 0",
        A + "ADD COLUMN f BOOLEAN NOT NULL DEFAULT '0'",
        M,
    ),
    ("implicit_null", A + "ADD COLUMN `b` int NULL", A + "ADD COLUMN `b` int", M),
    (
        "default_null_on_nullable",
        A + "ADD COLUMN `b` int NULL",
        A + "ADD COLUMN `b` int DEFAULT NULL",
        M,
    ),
    (
        "current_timestamp_spellings",
        A + "MODIFY COLUMN `u` datetime NULL DEFAULT current_timestamp",
        A + "MODIFY COLUMN `u` datetime NULL DEFAULT NOW()",
        M,
    ),
    (
        "check_expression_layout",
        A + "ADD CONSTRAINT `c` CHECK (`a`>0)",
        "ALTER TABLE t ADD CONSTRAINT c CHECK ((a > 0))",
        M,
    ),
    (
        "generated_expression_layout",
        A + "ADD COLUMN `g` int GENERATED ALWAYS AS (`a`+1) VIRTUAL NULL",
        A + "ADD COLUMN g int AS (a + 1) VIRTUAL",
        M,
    ),
    (
        "foreign_key_layout",
        A + "ADD CONSTRAINT `fk` FOREIGN KEY (`a`) REFERENCES `p` (`id`) ON DELETE CASCADE",
        "alter table t add constraint fk foreign key(a) references p(id) on delete cascade",
        M,
    ),
    (
        "mariadb_ignored_is_invisible",
        A + "ALTER INDEX `i` INVISIBLE",
        A + "ALTER INDEX `i` IGNORED",
        D,
    ),
    (
        "mariadb_not_ignored_is_visible",
        A + "ALTER INDEX `i` VISIBLE",
        A + "ALTER INDEX i NOT IGNORED",
        D,
    ),
    ("mariadb_drop_constraint_is_drop_check", A + "DROP CHECK `c`", A + "DROP CONSTRAINT `c`", D),
    (
        "partition_by_layout",
        A + "PARTITION BY HASH (`id`) PARTITIONS 4",
        "alter table t partition by hash (id) partitions 4",
        M,
    ),
    (
        "mariadb_partitioning_after_clause_without_comma",
        A + "ADD COLUMN `n` int NULL PARTITION BY HASH (`id`) PARTITIONS 4",
        "alter table t add column n int partition by hash (id) partitions 4",
        D,
    ),
    ("drop_table", "DROP TABLE `t`;", "drop table t", M),
    (
        "create_table_layout",
        "CREATE TABLE t (id bigint NOT NULL, a int, PRIMARY KEY (id), KEY i (a))",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n  `a` int(11) DEFAULT NULL,\n"
        "  PRIMARY KEY (`id`),\n  KEY `i` (`a`)\n) ENGINE=InnoDB",
        D,
    ),
    (
        "create_table_index_order",
        "CREATE TABLE t (id bigint NOT NULL PRIMARY KEY, a int, b int, KEY ia (a), KEY ib (b))",
        "CREATE TABLE t (id bigint NOT NULL, a int, b int, KEY ib (b), PRIMARY KEY (id),"
        " KEY ia (a))",
        M,
    ),
    (
        "add_clauses_short_spelling",
        "ALTER TABLE `t` ADD COLUMN `a` int NULL, ADD INDEX `i` (`a`);",
        "alter table t\n  add a INT(11) null,\n  add key i (a)",
        M,
    ),
    (
        "charset_without_equals",
        A + "DEFAULT CHARSET=latin1",
        "alter table t default character set latin1",
        M,
    ),
    ("comment_without_equals", A + "COMMENT='it\\'s'", "ALTER TABLE t COMMENT 'it''s'", M),
    ("drop_column_name_case", A + "DROP COLUMN `A`", "ALTER TABLE t DROP a", M),
    (
        "check_expression_parentheses",
        A + "ADD CONSTRAINT `c` CHECK ((`a`>0))",
        "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)",
        M,
    ),
    (
        "index_using_and_part_layout",
        A + "ADD UNIQUE INDEX `u` (`a`(10), `b` DESC) USING BTREE",
        "ALTER TABLE t ADD UNIQUE KEY u USING BTREE (a(10), B desc)",
        M,
    ),
    (
        "create_table_show_create_layout",
        "CREATE TABLE t (id int primary key, a varchar(10), KEY k (a), UNIQUE KEY u (a))",
        "CREATE TABLE `t` (\n `id` int(11) NOT NULL,\n `a` varchar(10) DEFAULT NULL,\n"
        " PRIMARY KEY (`id`),\n UNIQUE KEY `u` (`a`),\n KEY `k` (`a`)\n) ENGINE=InnoDB",
        M,
    ),
    (
        "ignored_is_invisible_in_mysql_too",
        A + "ALTER INDEX `i` INVISIBLE",
        A + "ALTER INDEX i IGNORED",
        M,
    ),
    (
        "partition_by_without_spaces",
        A + "PARTITION BY HASH (`id`) PARTITIONS 4",
        "ALTER TABLE t PARTITION BY HASH(id) PARTITIONS 4",
        M,
    ),
]

DIFFERENT: list[tuple[str, str, str, Flavour]] = [
    ("other_column", A + "ADD COLUMN `b` int NULL", A + "ADD COLUMN `c` int NULL", M),
    (
        "other_default",
        A + "MODIFY COLUMN `a` int NULL DEFAULT 0",
        A + "MODIFY COLUMN `a` int NULL DEFAULT 1",
        M,
    ),
    (
        "string_default_case",
        A + "MODIFY COLUMN `s` varchar(5) NULL DEFAULT 'a'",
        A + "MODIFY COLUMN `s` varchar(5) NULL DEFAULT 'A'",
        M,
    ),
    (
        "default_added",
        A + "MODIFY COLUMN `a` int NULL",
        A + "MODIFY COLUMN `a` int NULL DEFAULT 0",
        M,
    ),
    (
        "type_length",
        A + "MODIFY COLUMN `s` varchar(100) NULL",
        A + "MODIFY COLUMN `s` varchar(101) NULL",
        M,
    ),
    (
        "decimal_scale",
        A + "MODIFY COLUMN `d` decimal(10,2) NULL",
        A + "MODIFY COLUMN `d` decimal(10,3) NULL",
        M,
    ),
    ("int_vs_bigint", A + "MODIFY COLUMN `a` int NULL", A + "MODIFY COLUMN `a` bigint NULL", M),
    (
        "tinyint1_vs_tinyint",
        A + "MODIFY COLUMN `a` tinyint(1) NULL",
        A + "MODIFY COLUMN `a` tinyint NULL",
        M,
    ),
    (
        "zerofill_width",
        A + "MODIFY COLUMN `a` int(8) unsigned zerofill NULL",
        A + "MODIFY COLUMN `a` int(10) unsigned zerofill NULL",
        M,
    ),
    ("unsigned", A + "MODIFY COLUMN `a` int NULL", A + "MODIFY COLUMN `a` int unsigned NULL", M),
    ("nullability", A + "MODIFY COLUMN `a` int NULL", A + "MODIFY COLUMN `a` int NOT NULL", M),
    (
        "column_charset",
        A + "MODIFY COLUMN `s` varchar(5) NULL",
        A + "MODIFY COLUMN `s` varchar(5) CHARACTER SET latin1 NULL",
        M,
    ),
    (
        "enum_order",
        A + "MODIFY COLUMN `e` enum('a','b') NULL",
        A + "MODIFY COLUMN `e` enum('b','a') NULL",
        M,
    ),
    (
        "position_after",
        A + "MODIFY COLUMN `c` int NULL AFTER `a`",
        A + "MODIFY COLUMN `c` int NULL AFTER `b`",
        M,
    ),
    ("position_first", A + "MODIFY COLUMN `c` int NULL FIRST", A + "MODIFY COLUMN `c` int NULL", M),
    (
        "column_clause_order",
        A + "ADD COLUMN `a` int NULL, ADD COLUMN `b` int NULL AFTER `a`",
        A + "ADD COLUMN `b` int NULL AFTER `a`, ADD COLUMN `a` int NULL",
        M,
    ),
    (
        "generated_storage",
        A + "ADD COLUMN `g` int GENERATED ALWAYS AS (`a`+1) VIRTUAL NULL",
        A + "ADD COLUMN `g` int GENERATED ALWAYS AS (`a`+1) STORED NULL",
        M,
    ),
    (
        "column_comment",
        A + "MODIFY COLUMN `a` int NULL COMMENT 'x'",
        A + "MODIFY COLUMN `a` int NULL COMMENT 'y'",
        M,
    ),
    ("index_column_order", A + "ADD INDEX `i` (`a`, `b`)", A + "ADD INDEX `i` (`b`, `a`)", M),
    ("index_prefix", A + "ADD INDEX `i` (`s`(10))", A + "ADD INDEX `i` (`s`(20))", M),
    ("index_desc", A + "ADD INDEX `i` (`a` DESC)", A + "ADD INDEX `i` (`a`)", M),
    ("index_unique", A + "ADD UNIQUE INDEX `i` (`a`)", A + "ADD INDEX `i` (`a`)", M),
    ("index_name_case", A + "DROP INDEX `idx`", A + "DROP INDEX `IDX`", M),
    ("index_visibility", A + "ALTER INDEX `i` INVISIBLE", A + "ALTER INDEX `i` VISIBLE", M),
    ("index_invisible_on_add", A + "ADD INDEX `i` (`a`) INVISIBLE", A + "ADD INDEX `i` (`a`)", M),
    (
        "check_expression",
        A + "ADD CONSTRAINT `c` CHECK (`a`>0)",
        A + "ADD CONSTRAINT `c` CHECK (`a`>=0)",
        M,
    ),
    (
        "foreign_key_action",
        A + "ADD CONSTRAINT `fk` FOREIGN KEY (`a`) REFERENCES `p` (`id`) ON DELETE CASCADE",
        A + "ADD CONSTRAINT `fk` FOREIGN KEY (`a`) REFERENCES `p` (`id`)",
        M,
    ),
    ("table_comment_case", A + "COMMENT='Users'", A + "COMMENT='users'", M),
    ("table_charset", A + "DEFAULT CHARSET=latin1", A + "DEFAULT CHARSET=utf8mb4", M),
    (
        "partition_count",
        A + "PARTITION BY HASH (`id`) PARTITIONS 4",
        A + "PARTITION BY HASH (`id`) PARTITIONS 8",
        M,
    ),
    (
        "extra_clause",
        A + "ADD COLUMN `b` int NULL",
        A + "ADD COLUMN `b` int NULL, ADD INDEX `b` (`b`)",
        M,
    ),
    (
        "mariadb_remove_partitioning_after_clause",
        A + "ADD COLUMN `n` int NULL REMOVE PARTITIONING",
        A + "ADD COLUMN `n` int NULL",
        D,
    ),
    (
        "other_table_alter",
        A + "ADD COLUMN `b` int NULL",
        "ALTER TABLE `u` ADD COLUMN `b` int NULL",
        M,
    ),
    ("table_name_case", A + "DROP INDEX `i`", "ALTER TABLE `T` DROP INDEX `i`", M),
    ("other_table_drop", "DROP TABLE `a`", "DROP TABLE `b`", M),
    (
        "drop_vs_create",
        "DROP TABLE `t`",
        "CREATE TABLE t (id bigint NOT NULL, PRIMARY KEY (id))",
        M,
    ),
    (
        "create_column_type",
        "CREATE TABLE t (id bigint NOT NULL, a int, PRIMARY KEY (id))",
        "CREATE TABLE t (id bigint NOT NULL, a bigint, PRIMARY KEY (id))",
        M,
    ),
    (
        "create_column_order",
        "CREATE TABLE t (id bigint NOT NULL, a int, b int, PRIMARY KEY (id))",
        "CREATE TABLE t (id bigint NOT NULL, b int, a int, PRIMARY KEY (id))",
        M,
    ),
    (
        "string_vs_number_default",
        A + "ADD COLUMN `a` varchar(3) NULL DEFAULT '0'",
        A + "ADD COLUMN `a` varchar(3) NULL DEFAULT 0",
        M,
    ),
    ("drop_table_name_case", "DROP TABLE t", "DROP TABLE T", M),
    ("drop_table_vs_drop_column", "DROP TABLE t", "ALTER TABLE t DROP COLUMN x", M),
    ("create_extra_column", "CREATE TABLE t (a int)", "CREATE TABLE t (a int, b int)", M),
]


def _pairs(pairs: list[tuple[str, str, str, Flavour]]) -> list:
    return [
        pytest.param(
            a,
            b,
            flavour,
            id=pair_id,
        )
        for pair_id, a, b, flavour in pairs
    ]


@pytest.mark.parametrize(("a", "b", "flavour"), _pairs(EQUAL))
def test_equal_pairs_compare_equal(a: str, b: str, flavour: Flavour) -> None:
    assert canonical_statement(a, flavour) == canonical_statement(b, flavour)
    assert statements_equivalent(a, b, flavour)
    assert statements_equivalent(b, a, flavour)


@pytest.mark.parametrize(("a", "b", "flavour"), _pairs(DIFFERENT))
def test_near_miss_pairs_differ(a: str, b: str, flavour: Flavour) -> None:
    assert canonical_statement(a, flavour) != canonical_statement(b, flavour)
    assert not statements_equivalent(a, b, flavour)
    assert not statements_equivalent(b, a, flavour)


@pytest.mark.parametrize(
    "ddl",
    [
        "",
        "   ",
        "SELECT 1",
        "ALTER TABLE `t` ADD COLUMN `b` int NULL; ALTER TABLE `t` ADD COLUMN `c` int NULL",
        "ALTER TABLE `t` ADD COLUMN `b` int NULL,",
        "CREATE TABLE t (id bigint NOT NULL,",
        "TRUNCATE TABLE `t`",
        "ALTER TABLE t ADD COLUMN",
        "DROP TABLE a; DROP TABLE b",
    ],
    ids=[
        "empty",
        "blank",
        "select",
        "two-statements",
        "dangling-comma",
        "broken-create",
        "truncate",
        "alter-without-column",
        "two-drops",
    ],
)
def test_unreadable_statements_fail_closed(ddl: str) -> None:
    with pytest.raises(PlannerError):
        canonical_statement(ddl, Flavour.MYSQL)
    assert not statements_equivalent(ddl, ddl, Flavour.MYSQL)


def test_canonical_form_is_deterministic_across_calls() -> None:
    ddl = A + "DROP INDEX `z`, ADD INDEX `b` (`b`), ADD INDEX `a` (`a`), COMMENT='x'"
    assert len({canonical_statement(ddl, Flavour.MYSQL) for _ in range(3)}) == 1


_PLAIN_IDENTIFIER = re.compile(r"(?<!`)`([A-Za-z_][A-Za-z0-9_]*)`(?!`)")
_RESERVED = {"order", "select", "group", "key", "desc", "table", "index", "check", "status"}


def _unquoted(ddl: str) -> str:
    """Drop back-quotes around plain, non-reserved identifiers (outside string literals)."""
    parts = re.split(r"('(?:[^'\\]|\\.|'')*')", ddl)
    for i in range(0, len(parts), 2):
        parts[i] = _PLAIN_IDENTIFIER.sub(
            lambda m: m.group(0) if m.group(1).lower() in _RESERVED else m.group(1), parts[i]
        )
    return "".join(parts)


def _case_statements() -> list:
    seen: dict[tuple[str, Flavour], str] = {}
    for case in ALL_CASES:
        for flavour in case.flavours:
            for stmt in case.expected_for(flavour):
                if stmt.operation != "create":
                    seen.setdefault((stmt.ddl, flavour), case.id)
    params = []
    for index, ((ddl, flavour), case_id) in enumerate(seen.items()):
        params.append(pytest.param(ddl, flavour, id=f"{case_id}:{index}[{flavour}]"))
    return params


@pytest.mark.parametrize(("ddl", "flavour"), _case_statements())
def test_every_planned_statement_survives_reformatting(ddl: str, flavour: Flavour) -> None:
    """Each ALTER/DROP the case tables expect equals its re-spelled forms (quoting, KEY vs
    INDEX, optional COLUMN, layout), and differs from the same change on another table."""
    variants = {
        _unquoted(ddl),
        ddl.replace("ADD INDEX", "ADD KEY").replace("MODIFY COLUMN", "MODIFY"),
        "  " + ddl.replace(", ", ",\n    ").rstrip(";") + "\n",
    }
    canonical = canonical_statement(ddl, flavour)
    for variant in variants:
        assert canonical_statement(variant, flavour) == canonical, variant
    other_table = re.sub(r"^(ALTER|DROP) TABLE `", r"\1 TABLE `other_", ddl)
    assert not statements_equivalent(ddl, other_table, flavour)


def test_no_action_and_absent_referential_action_are_equivalent_statements() -> None:
    fk = "ALTER TABLE `c` ADD CONSTRAINT `fk` FOREIGN KEY (`p`) REFERENCES `p` (`id`)"
    for flavour in Flavour:
        assert statements_equivalent(fk + " ON DELETE NO ACTION;", fk + ";", flavour)
        assert not statements_equivalent(fk + " ON DELETE CASCADE;", fk + ";", flavour)
