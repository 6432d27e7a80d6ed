"""Issue 12 behaviours: each one planned at both Spirit levels, both flavours, and (where
MariaDB can run it) converging on the real server."""

from __future__ import annotations

from .model import MYSQL_ONLY, case, t, unsafe

A = "ALTER TABLE `t` "
AC = "ALTER TABLE `child` "
PARENT = "CREATE TABLE parent (id bigint NOT NULL, PRIMARY KEY (id))"


def child(fk_tail: str = "", *, index: bool = True) -> str:
    key = "KEY fk_parent (parent_id), " if index else ""
    return (
        "CREATE TABLE child (id bigint NOT NULL, parent_id bigint, PRIMARY KEY (id), "
        f"{key}CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id){fk_tail})"
    )


REFERENTIAL = [
    case(
        "fk_no_action_equals_absent",
        (PARENT, child(" ON DELETE NO ACTION ON UPDATE NO ACTION")),
        (PARENT, child()),
        show_create_matches=False,
    ),
    case(
        "fk_absent_equals_no_action",
        (PARENT, child()),
        (PARENT, child(" ON DELETE NO ACTION")),
        show_create_matches=False,
    ),
    case(
        "fk_no_action_to_cascade",
        (PARENT, child(" ON DELETE NO ACTION")),
        (PARENT, child(" ON DELETE CASCADE")),
        AC + "DROP FOREIGN KEY `fk_parent`, ADD CONSTRAINT `fk_parent` FOREIGN KEY (`parent_id`)"
        " REFERENCES `parent` (`id`) ON DELETE CASCADE;",
        mariadb_expected=(
            AC + "DROP FOREIGN KEY `fk_parent`;",
            AC + "ADD CONSTRAINT `fk_parent` FOREIGN KEY (`parent_id`) REFERENCES `parent`"
            " (`id`) ON DELETE CASCADE;",
        ),
    ),
    case(
        "fk_implicit_index_owned_by_key",
        (PARENT, child()),
        (PARENT, child(index=False)),
        note="the server keeps the index it created for the key: never dropped, never a diff",
    ),
    case(
        "fk_added_without_index_converges",
        (PARENT, "CREATE TABLE child (id bigint NOT NULL, parent_id bigint, PRIMARY KEY (id))"),
        (PARENT, child(index=False)),
        AC + "ADD CONSTRAINT `fk_parent` FOREIGN KEY (`parent_id`) REFERENCES `parent` (`id`);",
    ),
    case(
        "fk_name_case_insensitive",
        (PARENT, child().replace("CONSTRAINT fk_parent", "CONSTRAINT FK_Parent")),
        (PARENT, child()),
        show_create_matches=False,
    ),
]

KEYS = [
    case(
        "composite_pk_columns_implicitly_not_null",
        "CREATE TABLE t (a int NOT NULL, b varchar(10) NOT NULL, c int, PRIMARY KEY (a, b))",
        "CREATE TABLE t (a int, b varchar(10), c int, PRIMARY KEY (a, b))",
    ),
    case(
        "composite_pk_added_on_not_null_columns",
        "CREATE TABLE t (a int NOT NULL, b int NOT NULL, c int)",
        "CREATE TABLE t (a int, b int, c int, PRIMARY KEY (a, b))",
        A + "ADD PRIMARY KEY (`a`, `b`);",
    ),
]

CHECKS = [
    case(
        "check_parentheses_canonical",
        t("a int, b int, CONSTRAINT ck CHECK ((a > 0) AND ((b > 0) OR (b IS NULL)))"),
        t("a int, b int, CONSTRAINT ck CHECK (a > 0 AND (b > 0 OR b IS NULL))"),
        july_expected=A + "DROP CHECK `ck`, ADD CONSTRAINT `ck` CHECK (`a`>0 AND (`b`>0 OR"
        " `b` IS NULL));",
        july_mariadb_expected=A + "DROP CONSTRAINT `ck`, ADD CONSTRAINT `ck` CHECK (`a`>0 AND"
        " (`b`>0 OR `b` IS NULL));",
        note="2026-08 compares the minimal-parenthesis form; 2026-07 only drops the outer pair",
    ),
    case(
        "check_table_level_equals_column_level",
        t("a int, CONSTRAINT t_chk_1 CHECK (a > 0)"),
        t("a int CHECK (a > 0)"),
        flavours=MYSQL_ONLY,
        note="MySQL names a column CHECK <table>_chk_<n>",
    ),
    case(
        "check_column_level_equals_table_level",
        t("a int CHECK (a > 0)"),
        t("a int, CHECK (a > 0)"),
        show_create_matches=False,
    ),
    case(
        "check_name_case_insensitive",
        t("a int, CONSTRAINT Ck_A CHECK (a > 0)"),
        t("a int, CONSTRAINT ck_a CHECK (a > 0)"),
        show_create_matches=False,
    ),
    case(
        "check_typed_date_literal",
        t("d date"),
        t("d date, CONSTRAINT ck_d CHECK (d > DATE '2020-01-01')"),
        A + "ADD CONSTRAINT `ck_d` CHECK (`d`>DATE '2020-01-01');",
    ),
    case(
        "check_typed_literal_unchanged",
        t("d date, CONSTRAINT ck_d CHECK (d > DATE '2020-01-01')"),
        t("d date, CONSTRAINT ck_d CHECK ((d > DATE'2020-01-01'))"),
    ),
]

ALIASES = [
    case(
        "charset_utf8_is_utf8mb3",
        t("b varchar(10) CHARACTER SET utf8mb3 COLLATE utf8mb3_general_ci"),
        t("b varchar(10) CHARACTER SET utf8 COLLATE utf8_general_ci"),
    ),
    case(
        "charset_utf8_table_default",
        t("b varchar(10)", "DEFAULT CHARSET=utf8mb3"),
        t("b varchar(10)", "DEFAULT CHARSET=utf8"),
    ),
    case(
        "type_character_varying",
        t("b varchar(10), c char(3), d mediumtext"),
        t("b character varying(10), c character(3), d long varchar"),
    ),
    case(
        "type_national_varchar",
        t("b varchar(10) CHARACTER SET utf8mb3"),
        t("b national character varying(10)"),
    ),
    case(
        "type_alias_added_column",
        t("a int"),
        t("a int, b char varying(12)"),
        A + "ADD COLUMN `b` varchar(12) NULL;",
    ),
]

GENERATED = [
    case(
        "gen_stored_to_virtual_mariadb_recreates",
        t("a int, g int AS (a * 2) STORED, z int"),
        t("a int, g int AS (a * 2) VIRTUAL, z int"),
        A + "MODIFY COLUMN `g` int GENERATED ALWAYS AS (`a`*2) VIRTUAL NULL;",
        mariadb_expected=unsafe(
            A + "DROP COLUMN `g`, ADD COLUMN `g` int GENERATED ALWAYS AS (`a`*2) VIRTUAL"
            " AFTER `a`;",
            "`g`",
        ),
    ),
    case(
        "gen_virtual_indexed_to_stored_mariadb_recreates_index",
        t("a int, g int AS (a + 1) VIRTUAL, KEY idx_g (g)"),
        t("a int, g int AS (a + 1) STORED, KEY idx_g (g)"),
        A + "MODIFY COLUMN `g` int GENERATED ALWAYS AS (`a`+1) STORED NULL;",
        mariadb_expected=unsafe(
            A + "DROP COLUMN `g`, ADD COLUMN `g` int GENERATED ALWAYS AS (`a`+1) STORED,"
            " DROP INDEX `idx_g`, ADD INDEX `idx_g` (`g`);",
            "`g`",
        ),
    ),
    case(
        "gen_regular_to_stored_is_a_modify",
        t("a int, g int"),
        t("a int, g int AS (a + 1) STORED"),
        A + "MODIFY COLUMN `g` int GENERATED ALWAYS AS (`a`+1) STORED NULL;",
        mariadb_expected=A + "MODIFY COLUMN `g` int GENERATED ALWAYS AS (`a`+1) STORED;",
    ),
]

PART = "CREATE TABLE t (id bigint NOT NULL, d date NOT NULL, PRIMARY KEY (id, d))"
SUB = (
    " PARTITION BY RANGE (YEAR(d)) SUBPARTITION BY HASH (TO_DAYS(d))"
    " (PARTITION p0 VALUES LESS THAN (2020) (SUBPARTITION s0, SUBPARTITION s1),"
    " PARTITION p1 VALUES LESS THAN MAXVALUE (SUBPARTITION s2, SUBPARTITION s3))"
)
PARTITIONS = [
    case(
        "partition_named_subpartitions_carried",
        PART,
        PART + SUB,
        A + "PARTITION BY RANGE (YEAR(`d`)) SUBPARTITION BY HASH (TO_DAYS(`d`)) (PARTITION `p0`"
        " VALUES LESS THAN (2020) (SUBPARTITION `s0`, SUBPARTITION `s1`), PARTITION `p1` VALUES"
        " LESS THAN MAXVALUE (SUBPARTITION `s2`, SUBPARTITION `s3`));",
    ),
    case(
        "partition_subpartition_renamed",
        PART + SUB,
        PART + SUB.replace("s3", "s9"),
        (
            A + "REMOVE PARTITIONING;",
            A + "PARTITION BY RANGE (YEAR(`d`)) SUBPARTITION BY HASH (TO_DAYS(`d`)) (PARTITION"
            " `p0` VALUES LESS THAN (2020) (SUBPARTITION `s0`, SUBPARTITION `s1`), PARTITION"
            " `p1` VALUES LESS THAN MAXVALUE (SUBPARTITION `s2`, SUBPARTITION `s9`));",
        ),
    ),
    case(
        "partition_comment_carried",
        PART + " PARTITION BY RANGE (YEAR(d)) (PARTITION p0 VALUES LESS THAN (2020),"
        " PARTITION p1 VALUES LESS THAN MAXVALUE)",
        PART + " PARTITION BY RANGE (YEAR(d)) (PARTITION p0 VALUES LESS THAN (2020) COMMENT"
        " 'before 2020', PARTITION p1 VALUES LESS THAN MAXVALUE)",
        (
            A + "REMOVE PARTITIONING;",
            A + "PARTITION BY RANGE (YEAR(`d`)) (PARTITION `p0` VALUES LESS THAN (2020)"
            " COMMENT = 'before 2020', PARTITION `p1` VALUES LESS THAN MAXVALUE);",
        ),
        july_expected=(
            A + "REMOVE PARTITIONING;",
            A + "PARTITION BY RANGE (YEAR(`d`)) (PARTITION `p0` VALUES LESS THAN (2020),"
            " PARTITION `p1` VALUES LESS THAN MAXVALUE);",
        ),
        note="2026-07's emitter drops the comment (compared, so 2026-07 never converges here)",
    ),
]

SUB_HEAD = A + "PARTITION BY RANGE (YEAR(`d`)) SUBPARTITION BY HASH (TO_DAYS(`d`)) ("
PARTITIONS.append(
    case(
        "partition_comment_pushed_onto_named_subpartitions",
        PART,
        PART
        + SUB.replace("(2020) (", "(2020) COMMENT 'old' (").replace(
            "SUBPARTITION s1", "SUBPARTITION s1 COMMENT 'own'"
        ),
        SUB_HEAD + "PARTITION `p0` VALUES LESS THAN (2020) (SUBPARTITION `s0` COMMENT = 'old',"
        " SUBPARTITION `s1` COMMENT = 'own'), PARTITION `p1` VALUES LESS THAN MAXVALUE"
        " (SUBPARTITION `s2`, SUBPARTITION `s3`));",
        july_expected=SUB_HEAD + "PARTITION `p0` VALUES LESS THAN (2020) (SUBPARTITION `s0`,"
        " SUBPARTITION `s1`), PARTITION `p1` VALUES LESS THAN MAXVALUE (SUBPARTITION `s2`,"
        " SUBPARTITION `s3`));",
        note="MySQL and MariaDB store the partition comment on each named subpartition",
    )
)

CASES = REFERENTIAL + KEYS + CHECKS + ALIASES + GENERATED + PARTITIONS

# Cross-table order: a foreign key never points at a key that does not exist yet.
OLD_PARENT = "CREATE TABLE b_parent (id bigint NOT NULL, uid bigint NOT NULL, PRIMARY KEY (id))"
NEW_PARENT = (
    "CREATE TABLE b_parent (id bigint NOT NULL, uid bigint NOT NULL, PRIMARY KEY (uid),"
    " KEY idx_id (id))"
)


def a_child(ref: str) -> str:
    return (
        "CREATE TABLE a_child (id bigint NOT NULL, pid bigint, PRIMARY KEY (id), KEY fk_p (pid),"
        f" CONSTRAINT fk_p FOREIGN KEY (pid) REFERENCES b_parent ({ref}))"
    )


ORDER = [
    case(
        "order_fk_to_new_key_after_its_alter",
        (
            "CREATE TABLE b_parent (id bigint NOT NULL, code int NOT NULL, PRIMARY KEY (id))",
            "CREATE TABLE a_child (id bigint NOT NULL, code int, PRIMARY KEY (id))",
        ),
        (
            "CREATE TABLE b_parent (id bigint NOT NULL, code int NOT NULL, PRIMARY KEY (id),"
            " UNIQUE KEY uq_code (code))",
            "CREATE TABLE a_child (id bigint NOT NULL, code int, PRIMARY KEY (id),"
            " CONSTRAINT fk_code FOREIGN KEY (code) REFERENCES b_parent (code))",
        ),
        (
            "ALTER TABLE `b_parent` ADD UNIQUE INDEX `uq_code` (`code`);",
            "ALTER TABLE `a_child` ADD CONSTRAINT `fk_code` FOREIGN KEY (`code`) REFERENCES"
            " `b_parent` (`code`);",
        ),
        note="name order would add the key before b_parent has the unique index it needs",
    ),
    case(
        "order_primary_key_moves_and_fk_follows",
        (OLD_PARENT, a_child("id")),
        (NEW_PARENT, a_child("uid")),
        (
            "ALTER TABLE `a_child` DROP FOREIGN KEY `fk_p`;",
            unsafe(
                "ALTER TABLE `b_parent` DROP PRIMARY KEY, ADD INDEX `idx_id` (`id`),"
                " ADD PRIMARY KEY (`uid`);",
                "DROP PRIMARY KEY",
            ),
            "ALTER TABLE `a_child` ADD CONSTRAINT `fk_p` FOREIGN KEY (`pid`) REFERENCES"
            " `b_parent` (`uid`);",
        ),
        note="the child's old key goes first, then the parent's primary key, then the new key",
    ),
]

CASES += ORDER

MOVES = [
    case(
        "move_next_to_added_and_dropped_columns",
        "CREATE TABLE t (id bigint NOT NULL, c1 int, c4 int, c2 int, PRIMARY KEY (id))",
        "CREATE TABLE t (id bigint NOT NULL, c3 int, c2 int, c4 int, PRIMARY KEY (id))",
        unsafe(
            A + "DROP COLUMN `c1`, ADD COLUMN `c3` int NULL AFTER `id`, MODIFY COLUMN `c2` int"
            " NULL AFTER `c3`;",
            "`c1`",
        ),
        note="found by the property test: the predecessor rule alone leaves c4 before c2",
    ),
]

CASES += MOVES
