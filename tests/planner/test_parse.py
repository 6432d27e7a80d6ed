"""Parsing and normalisation: the pre-pass, the sqlglot gate and the model."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.planner import Flavour, PlannerError, plan_schema
from services.planner.parse import TableParseError, parse_table
from services.planner.plan import strip_table_auto_increment
from services.planner.sources import StaticSchemaSource

M, MARIA = Flavour.MYSQL, Flavour.MARIADB


def ddl(current: str, desired: str, flavour: Flavour = M) -> list[str]:
    """The planned statements for one table ``t``."""
    result = plan_schema(
        {"ns": {"t.sql": desired}}, StaticSchemaSource({"ns": {"t": current}}, flavour)
    )
    return [change.ddl for change in result.changes]


# --- pre-pass ------------------------------------------------------------------------------


def test_versioned_comments_are_unwrapped_across_lines() -> None:
    table = parse_table(
        "CREATE TABLE `t` (\n  `id` int NOT NULL,\n  KEY `k` (`id`) /*!80000 INVISIBLE */\n)"
        " ENGINE=InnoDB\n/*!50100 PARTITION BY HASH (`id`)\nPARTITIONS 4 */",
        M,
    )
    assert not table.indexes[0].visible
    assert table.partitioning is not None
    assert (table.partitioning.method, table.partitioning.count) == ("HASH", 4)


def test_table_auto_increment_option_is_stripped_but_not_the_column_attribute() -> None:
    live = (
        "CREATE TABLE `t` (\n  `id` int NOT NULL AUTO_INCREMENT\n) ENGINE=InnoDB AUTO_INCREMENT=42"
    )
    assert strip_table_auto_increment(live) == (
        "CREATE TABLE `t` (\n  `id` int NOT NULL AUTO_INCREMENT\n) ENGINE=InnoDB"
    )
    assert ddl(live, "CREATE TABLE t (id int NOT NULL AUTO_INCREMENT)") == []


# Pieces of statement text around the options line: ")" at a line start or not, the option
# in any case and spacing, the column attribute, newlines and other options.
COUNTER_PIECES = st.sampled_from(
    ["\n", ")", " ", "\t", "AUTO_INCREMENT", "auto_increment", "=", "42", " ENGINE=InnoDB",
     "x", "`id` int AUTO_INCREMENT", "\n) ", ") AUTO_INCREMENT=7", "\n)AUTO_INCREMENT = 3"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(COUNTER_PIECES, max_size=16).map("".join))
def test_the_counter_is_stripped_as_the_pattern_over_the_whole_text_strips_it(sql: str) -> None:
    """The pattern runs from the first line that starts with ")": the same result."""
    from services.planner.plan import _AUTO_INCREMENT_OPTION

    assert strip_table_auto_increment(sql) == _AUTO_INCREMENT_OPTION.sub(r"\1", sql)


def test_mariadb_ignored_and_mysql_not_enforced_and_srid_are_kept() -> None:
    maria = parse_table("CREATE TABLE t (a int, KEY k (a) IGNORED, KEY j (a) NOT IGNORED)", MARIA)
    assert [index.visible for index in maria.indexes] == [False, True]
    mysql = parse_table(
        "CREATE TABLE t (a int, g point NOT NULL /*!80003 SRID 4326 */,"
        " CONSTRAINT c CHECK (a > 0) /*!80016 NOT ENFORCED */)",
        M,
    )
    assert mysql.columns[1].srid == 4326
    assert mysql.checks[0].enforced is False


def test_the_rewritten_words_are_found_in_any_case_and_across_versioned_comments() -> None:
    """The pre-pass searches elements for IGNORED, ENFORCED, SRID and PERSISTENT only in a
    statement whose text (versioned comments unwrapped, upper case) holds one of them: a word
    in lower case, or put together by a versioned comment, is still found."""
    maria = parse_table(
        "CREATE TABLE t (a int, b int AS (a + 1) persistent, KEY k (a) IgNoReD)", MARIA
    )
    assert maria.columns[1].stored is True
    assert [index.visible for index in maria.indexes] == [False]
    split = parse_table("CREATE TABLE t (a int, KEY k (a) IGNO/*!100600 RED*/)", MARIA)
    assert [index.visible for index in split.indexes] == [False]
    plain = parse_table("CREATE TABLE t (a int, KEY k (a))", MARIA)
    assert [index.visible for index in plain.indexes] == [True]


# --- fail closed ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "fragment"),
    [
        ("CREATE TABLE a (id int); CREATE TABLE b (id int);", "found 2"),
        ("ALTER TABLE a ADD COLUMN b int", "not a CREATE TABLE"),
        ("CREATE TABLE a (id int,, b int)", "empty element"),
        ("CREATE TABLE a (id int) TABLESPACE ts1", "TABLESPACE"),
        ("CREATE TABLE a (id int) WITH SYSTEM VERSIONING", "WITH"),
        ("CREATE TABLE a (id int) STATS_SAMPLE_PAGES=5", "STATS_SAMPLE_PAGES"),
        ("CREATE TABLE a (id frobnicate)", "unknown type"),
        ("CREATE TABLE a (id int, id int)", "duplicate column"),
        ("CREATE TABLE a (id int, KEY k (nope))", "nope"),
        ("CREATE TABLE a (id int REFERENCES b (id))", "REFERENCES"),
        ("CREATE TABLE a (id int DEFAULT (1 +))", "sqlglot"),
        ("", "empty"),
    ],
)
def test_desired_errors_name_namespace_file_and_construct(sql: str, fragment: str) -> None:
    with pytest.raises(PlannerError) as raised:
        plan_schema({"shop": {"a.sql": sql}}, StaticSchemaSource({}))
    message = str(raised.value)
    assert message.startswith("shop/a.sql: ")
    assert fragment in message
    assert (raised.value.namespace, raised.value.file) == ("shop", "a.sql")


def test_live_side_errors_name_the_table() -> None:
    source = StaticSchemaSource({"shop": {"a": "CREATE TABLE a (id int) TABLESPACE x"}})
    with pytest.raises(PlannerError) as raised:
        plan_schema({"shop": {"a.sql": "CREATE TABLE a (id bigint)"}}, source)
    assert raised.value.table == "a"
    assert "TABLESPACE" in str(raised.value)


def test_only_sql_files_are_read_and_duplicates_are_refused() -> None:
    files = {"vschema.json": "{}", "README.md": "x", "a.sql": "CREATE TABLE a (id bigint)"}
    assert [c.table for c in plan_schema({"n": files}, StaticSchemaSource({})).changes] == ["a"]
    twice = {"a.sql": "CREATE TABLE a (id bigint)", "b.sql": "CREATE TABLE a (id bigint)"}
    with pytest.raises(PlannerError, match=r"also defined in a\.sql"):
        plan_schema({"n": twice}, StaticSchemaSource({}))


def test_parse_error_carries_table_name() -> None:
    with pytest.raises(TableParseError) as raised:
        parse_table("CREATE TABLE `x` (a int) CHECKSUM=1", M)
    assert raised.value.table == "x"


# --- normalisation: written differently from SHOW CREATE, same table ------------------------


@pytest.mark.parametrize(
    ("live", "desired", "flavour"),
    [
        ("CREATE TABLE `t` (`a` int(11) DEFAULT NULL)", "create table t (A INTEGER)", MARIA),
        (
            "CREATE TABLE `t` (`a` tinyint(1) NOT NULL DEFAULT 0)",
            "CREATE TABLE t (a BOOL NOT NULL DEFAULT FALSE)",
            M,
        ),
        (
            "CREATE TABLE `t` (`a` int NOT NULL DEFAULT '0')",
            "CREATE TABLE t (a int NOT NULL DEFAULT 0)",
            M,
        ),
        (
            "CREATE TABLE `t` (`a` decimal(10,2) DEFAULT 1.50)",
            "CREATE TABLE t (a decimal(10,2) DEFAULT '1.5')",
            MARIA,
        ),
        (
            "CREATE TABLE `t` (`ts` timestamp NOT NULL DEFAULT current_timestamp() ON UPDATE "
            "current_timestamp())",
            "CREATE TABLE t (ts TIMESTAMP NOT NULL DEFAULT NOW() ON UPDATE CURRENT_TIMESTAMP)",
            MARIA,
        ),
        (
            "CREATE TABLE `t` (`j` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT "
            "NULL CHECK (json_valid(`j`)))",
            "CREATE TABLE t (j JSON)",
            MARIA,
        ),
        (
            "CREATE TABLE `t` (`a` int(11) DEFAULT NULL,\n  CONSTRAINT `CONSTRAINT_1` CHECK (`a`"
            " > 0))",
            "CREATE TABLE t (a int CHECK (a > 0))",
            MARIA,
        ),
        (
            "CREATE TABLE `t` (`a` varchar(5) GENERATED ALWAYS AS (lcase(`b`)) VIRTUAL, `b` "
            "varchar(5))",
            "CREATE TABLE t (a varchar(5) AS (LOWER(b)), b varchar(5))",
            MARIA,
        ),
        (
            "CREATE TABLE `t` (`a` varchar(9) GENERATED ALWAYS AS (concat(`b`,'-')) VIRTUAL, `b`"
            " int)",
            "CREATE TABLE t (a varchar(9) AS (CONCAT(b, _utf8mb4'-')) VIRTUAL, b int)",
            M,
        ),
        (
            "CREATE TABLE `t` (\n  `id` bigint NOT NULL,\n  `e` varchar(9) DEFAULT NULL,\n  "
            "PRIMARY KEY (`id`),\n  UNIQUE KEY `e` (`e`),\n  KEY `e_2` (`e`)\n)",
            "CREATE TABLE t (id bigint PRIMARY KEY, e varchar(9) UNIQUE, INDEX (e))",
            M,
        ),
        (
            "CREATE TABLE `t` (`id` bigint unsigned NOT NULL AUTO_INCREMENT, UNIQUE KEY `id` "
            "(`id`))",
            "CREATE TABLE t (id SERIAL)",
            M,
        ),
        (
            "CREATE TABLE `t` (`a` char(3) COLLATE utf8mb4_bin DEFAULT NULL) DEFAULT "
            "CHARSET=utf8mb4",
            "CREATE TABLE t (a char(3) BINARY) DEFAULT CHARSET=utf8mb4",
            M,
        ),
        (
            "CREATE TABLE `t` (`a` varchar(3) CHARACTER SET latin1 COLLATE latin1_swedish_ci "
            "DEFAULT NULL) DEFAULT CHARSET=utf8mb4",
            "CREATE TABLE t (a varchar(3) CHARACTER SET latin1) DEFAULT CHARSET=utf8mb4",
            MARIA,
        ),
        (
            "CREATE TABLE `t` (`a` int DEFAULT NULL, KEY `k` (`a`) USING BTREE COMMENT 'x')",
            "CREATE TABLE t (a int, INDEX k USING BTREE (a) COMMENT 'x')",
            M,
        ),
    ],
    ids=[
        "display_width_integer_alias",
        "bool_default_false",
        "quoted_numeric_default",
        "decimal_default_forms",
        "now_vs_current_timestamp",
        "mariadb_json",
        "mariadb_constraint_n_vs_column_check",
        "lcase_vs_lower",
        "introducer",
        "inline_unique_and_default_index_names",
        "serial",
        "binary_attribute",
        "mariadb_default_collation_of_charset",
        "key_vs_index_using_position",
    ],
)
def test_no_op_inputs_written_differently(live: str, desired: str, flavour: Flavour) -> None:
    assert ddl(live, desired, flavour) == []


@pytest.mark.parametrize(
    ("live", "desired", "expected"),
    [
        (
            "CREATE TABLE `t` (`a` varchar(3) NOT NULL DEFAULT '0')",
            "CREATE TABLE t (a varchar(3) NOT NULL DEFAULT 0)",
            "ALTER TABLE `t` MODIFY COLUMN `a` varchar(3) NOT NULL DEFAULT 0;",
        ),
        (
            "CREATE TABLE `t` (`a` int DEFAULT NULL)",
            "CREATE TABLE t (a int DEFAULT 'O''Brien\\n')",
            "ALTER TABLE `t` MODIFY COLUMN `a` int NULL DEFAULT 'O\\'Brien\\n';",
        ),
        (
            "CREATE TABLE `t` (`a` int DEFAULT NULL)",
            "CREATE TABLE t (a int COMMENT 'say \"hi\" \\\\ bye')",
            "ALTER TABLE `t` MODIFY COLUMN `a` int NULL COMMENT 'say \\\"hi\\\" \\\\ bye';",
        ),
        (
            "CREATE TABLE `t` (`a` int DEFAULT NULL)",
            "CREATE TABLE t (a int, e enum('x','y''z') NOT NULL DEFAULT 'x')",
            "ALTER TABLE `t` ADD COLUMN `e` enum('x','y\\'z') NOT NULL DEFAULT 'x';",
        ),
        (
            "CREATE TABLE `t` (`a` int DEFAULT NULL)",
            "CREATE TABLE t (a int, u char(36) DEFAULT (uuid()), d double, z int(8) zerofill)",
            "ALTER TABLE `t` ADD COLUMN `u` char(36) NULL DEFAULT (uuid()) AFTER `a`,"
            " ADD COLUMN `d` double NULL AFTER `u`, ADD COLUMN `z` int(8) unsigned zerofill NULL;",
        ),
    ],
    ids=["string_default_stays_quoted", "escaping", "comment_escaping", "enum", "mixed_adds"],
)
def test_column_definition_text(live: str, desired: str, expected: str) -> None:
    assert ddl(live, desired) == [expected]
