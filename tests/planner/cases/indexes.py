"""Indexes: adds, drops, changes, options, visibility, unnamed naming, sorting."""

from __future__ import annotations

from .model import MARIADB_ONLY, MYSQL_ONLY, case, t, unsafe

A = "ALTER TABLE `t` "
A1 = "ALTER TABLE `t1` "
COLS = "a int, b int, c varchar(100)"

CASES = [
    case("idx_add", t(COLS), t(COLS + ", KEY idx_a (a)"), A + "ADD INDEX `idx_a` (`a`);"),
    case(
        "idx_add_with_index_keyword",
        t(COLS),
        t(COLS + ", INDEX idx_ab (a, b)"),
        A + "ADD INDEX `idx_ab` (`a`, `b`);",
    ),
    case(
        "idx_drop_visible_is_unsafe",
        t(COLS + ", KEY idx_a (a)"),
        t(COLS),
        unsafe(A + "DROP INDEX `idx_a`;", "idx_a"),
    ),
    case(
        "idx_drop_invisible_is_safe_mysql",
        t(COLS + ", KEY idx_a (a) INVISIBLE"),
        t(COLS),
        A + "DROP INDEX `idx_a`;",
        flavours=MYSQL_ONLY,
    ),
    case(
        "idx_drop_ignored_is_safe_mariadb",
        t(COLS + ", KEY idx_a (a) IGNORED"),
        t(COLS),
        A + "DROP INDEX `idx_a`;",
        flavours=MARIADB_ONLY,
    ),
    case(
        "idx_columns_changed_is_drop_and_add",
        t(COLS + ", KEY idx_a (a)"),
        t(COLS + ", KEY idx_a (a, b)"),
        unsafe(A + "DROP INDEX `idx_a`, ADD INDEX `idx_a` (`a`, `b`);", "idx_a"),
    ),
    case(
        "idx_column_order_changed",
        t(COLS + ", KEY idx_ab (a, b)"),
        t(COLS + ", KEY idx_ab (b, a)"),
        unsafe(A + "DROP INDEX `idx_ab`, ADD INDEX `idx_ab` (`b`, `a`);"),
    ),
    case(
        "idx_renamed_is_drop_and_add",
        t(COLS + ", KEY idx_a (a)"),
        t(COLS + ", KEY idx_a_new (a)"),
        unsafe(A + "DROP INDEX `idx_a`, ADD INDEX `idx_a_new` (`a`);", "idx_a"),
    ),
    case(
        "idx_name_case_matters",
        t(COLS + ", KEY Idx_A (a)"),
        t(COLS + ", KEY idx_a (a)"),
        unsafe(A + "DROP INDEX `Idx_A`, ADD INDEX `idx_a` (`a`);"),
    ),
    case(
        "idx_unique_added",
        t(COLS),
        t(COLS + ", UNIQUE KEY uq_c (c)"),
        A + "ADD UNIQUE INDEX `uq_c` (`c`);",
    ),
    case(
        "idx_unique_to_plain",
        t(COLS + ", UNIQUE KEY uq_c (c)"),
        t(COLS + ", KEY uq_c (c)"),
        unsafe(A + "DROP INDEX `uq_c`, ADD INDEX `uq_c` (`c`);"),
    ),
    case(
        "idx_prefix_added",
        t(COLS),
        t(COLS + ", KEY idx_c (c(10))"),
        A + "ADD INDEX `idx_c` (`c`(10));",
    ),
    case(
        "idx_prefix_length_changed",
        t(COLS + ", KEY idx_c (c(10))"),
        t(COLS + ", KEY idx_c (c(20))"),
        unsafe(A + "DROP INDEX `idx_c`, ADD INDEX `idx_c` (`c`(20));"),
    ),
    case(
        "idx_desc_part",
        t(COLS),
        t(COLS + ", KEY idx_ab (a ASC, b DESC)"),
        A + "ADD INDEX `idx_ab` (`a`, `b` DESC);",
    ),
    case(
        "idx_desc_toggled",
        t(COLS + ", KEY idx_b (b)"),
        t(COLS + ", KEY idx_b (b DESC)"),
        unsafe(A + "DROP INDEX `idx_b`, ADD INDEX `idx_b` (`b` DESC);"),
    ),
    case(
        "idx_fulltext_added",
        t(COLS + ", body text"),
        t(COLS + ", body text, FULLTEXT KEY ft_body (body)"),
        A + "ADD FULLTEXT INDEX `ft_body` (`body`);",
    ),
    case(
        "idx_fulltext_parser_worked_example_5",
        "CREATE TABLE t1 (id bigint NOT NULL, b text, PRIMARY KEY (id), FULLTEXT KEY ft_b (b))",
        "CREATE TABLE t1 (id bigint NOT NULL, b text, PRIMARY KEY (id),"
        " FULLTEXT KEY ft_b (b) WITH PARSER ngram)",
        (
            A1 + "DROP INDEX `ft_b`;",
            unsafe(A1 + "ADD FULLTEXT INDEX `ft_b` (`b`) WITH PARSER ngram;"),
        ),
        flavours=MYSQL_ONLY,
        note="option-only change: two extra statements; lint goes on the last one",
    ),
    case(
        "idx_key_block_size_only",
        t(COLS + ", KEY idx_a (a)"),
        t(COLS + ", KEY idx_a (a) KEY_BLOCK_SIZE=8"),
        (A + "DROP INDEX `idx_a`;", unsafe(A + "ADD INDEX `idx_a` (`a`) KEY_BLOCK_SIZE=8;")),
        flavours=MYSQL_ONLY,
    ),
    case(
        "idx_option_change_with_column_change",
        t(COLS + ", KEY idx_a (a)"),
        t("a bigint, b int, c varchar(100), KEY idx_a (a) KEY_BLOCK_SIZE=8"),
        (
            A + "MODIFY COLUMN `a` bigint NULL;",
            A + "DROP INDEX `idx_a`;",
            unsafe(A + "ADD INDEX `idx_a` (`a`) KEY_BLOCK_SIZE=8;"),
        ),
        flavours=MYSQL_ONLY,
    ),
    case(
        "idx_using_btree",
        t(COLS),
        t(COLS + ", KEY idx_a (a) USING BTREE"),
        A + "ADD INDEX `idx_a` (`a`) USING BTREE;",
    ),
    case(
        "idx_comment_added",
        t(COLS),
        t(COLS + ", KEY idx_a (a) COMMENT 'lookup by a'"),
        A + "ADD INDEX `idx_a` (`a`) COMMENT 'lookup by a';",
    ),
    case(
        "idx_comment_changed_is_drop_and_add",
        t(COLS + ", KEY idx_a (a) COMMENT 'old'"),
        t(COLS + ", KEY idx_a (a) COMMENT 'it''s new'"),
        unsafe(A + "DROP INDEX `idx_a`, ADD INDEX `idx_a` (`a`) COMMENT 'it\\'s new';"),
    ),
    case(
        "idx_add_invisible_mysql",
        t(COLS),
        t(COLS + ", KEY idx_a (a) INVISIBLE"),
        A + "ADD INDEX `idx_a` (`a`) INVISIBLE;",
        flavours=MYSQL_ONLY,
    ),
    case(
        "idx_add_ignored_mariadb",
        t(COLS),
        t(COLS + ", KEY idx_a (a) IGNORED"),
        A + "ADD INDEX `idx_a` (`a`) IGNORED;",
        flavours=MARIADB_ONLY,
    ),
    case(
        "idx_make_invisible_mysql",
        t(COLS + ", KEY idx_a (a)"),
        t(COLS + ", KEY idx_a (a) INVISIBLE"),
        A + "ALTER INDEX `idx_a` INVISIBLE;",
        flavours=MYSQL_ONLY,
    ),
    case(
        "idx_make_visible_mysql",
        t(COLS + ", KEY idx_a (a) /*!80000 INVISIBLE */"),
        t(COLS + ", KEY idx_a (a)"),
        A + "ALTER INDEX `idx_a` VISIBLE;",
        flavours=MYSQL_ONLY,
    ),
    case(
        "idx_make_ignored_mariadb",
        t(COLS + ", KEY idx_a (a)"),
        t(COLS + ", KEY idx_a (a) IGNORED"),
        A + "ALTER INDEX `idx_a` IGNORED;",
        flavours=MARIADB_ONLY,
    ),
    case(
        "idx_make_not_ignored_mariadb",
        t(COLS + ", KEY idx_a (a) IGNORED"),
        t(COLS + ", KEY idx_a (a) NOT IGNORED"),
        A + "ALTER INDEX `idx_a` NOT IGNORED;",
        flavours=MARIADB_ONLY,
    ),
    case(
        "idx_visibility_sorted_mysql",
        t(COLS + ", KEY idx_b (b), KEY idx_a (a) INVISIBLE"),
        t(COLS + ", KEY idx_b (b) INVISIBLE, KEY idx_a (a)"),
        A + "ALTER INDEX `idx_a` VISIBLE, ALTER INDEX `idx_b` INVISIBLE;",
        flavours=MYSQL_ONLY,
    ),
    case(
        "idx_visibility_and_columns_change_mariadb",
        t(COLS + ", KEY idx_a (a)"),
        t(COLS + ", KEY idx_a (a, b) IGNORED"),
        unsafe(A + "DROP INDEX `idx_a`, ADD INDEX `idx_a` (`a`, `b`) IGNORED;"),
        flavours=MARIADB_ONLY,
    ),
    case(
        "idx_unnamed_gets_first_column_name",
        t(COLS),
        t(COLS + ", INDEX (b)"),
        A + "ADD INDEX `b` (`b`);",
    ),
    case(
        "idx_unnamed_duplicates_worked_example_7",
        "CREATE TABLE t1 (id bigint NOT NULL, a int, b int, PRIMARY KEY (id))",
        "CREATE TABLE t1 (id bigint NOT NULL, a int, b int, PRIMARY KEY (id),"
        " INDEX (b), INDEX (b))",
        A1 + "ADD INDEX `b_2` (`b`), ADD INDEX `b` (`b`);",
    ),
    case(
        "idx_unnamed_collides_with_named",
        t(COLS + ", KEY a (a)"),
        t(COLS + ", KEY a (a), INDEX (a, b)"),
        A + "ADD INDEX `a_2` (`a`, `b`);",
    ),
    case(
        "idx_unnamed_matches_live_default_name",
        t(COLS + ", KEY b (b), KEY b_2 (b, a)"),
        t(COLS + ", INDEX (b), INDEX (b, a)"),
    ),
    case(
        "idx_inline_unique_becomes_index",
        t(COLS),
        t("a int, b int, c varchar(100) UNIQUE"),
        A + "ADD UNIQUE INDEX `c` (`c`);",
    ),
    case(
        "idx_inline_unique_paired_with_live_unique",
        t(COLS + ", UNIQUE KEY uq_c (c)"),
        t("a int, b int, c varchar(100) UNIQUE KEY"),
        show_create_matches=False,
        note="the live unique index keeps its name",
    ),
    case(
        "idx_adds_sorted_by_whole_clause",
        t(COLS + ", body text"),
        t(
            COLS + ", body text, UNIQUE KEY uq_c (c), KEY idx_b (b), FULLTEXT KEY ft (body),"
            " KEY idx_a (a)"
        ),
        A + "ADD FULLTEXT INDEX `ft` (`body`), ADD INDEX `idx_a` (`a`), ADD INDEX `idx_b` (`b`),"
        " ADD UNIQUE INDEX `uq_c` (`c`);",
    ),
    case(
        "idx_drops_sorted",
        t(COLS + ", KEY z_idx (b), KEY a_idx (a)"),
        t(COLS),
        unsafe(A + "DROP INDEX `a_idx`, DROP INDEX `z_idx`;", "a_idx", "z_idx"),
    ),
    case(
        "idx_functional_part_mysql",
        t("email varchar(100)"),
        t("email varchar(100), KEY idx_lower ((lower(email)))"),
        A + "ADD INDEX `idx_lower` ((LOWER(`email`)));",
        flavours=MYSQL_ONLY,
    ),
    case(
        "idx_with_column_add_and_clause_groups",
        t("a int"),
        t("a int, b int, KEY idx_b (b)"),
        A + "ADD COLUMN `b` int NULL, ADD INDEX `idx_b` (`b`);",
    ),
    case(
        "idx_key_vs_index_spelling_no_change",
        "CREATE TABLE `t` (\n  `id` bigint NOT NULL,\n  `a` int DEFAULT NULL,\n"
        "  `c` varchar(100) DEFAULT NULL,\n  PRIMARY KEY (`id`),\n  UNIQUE KEY `uq_c` (`c`),\n"
        "  KEY `idx_a` (`a`)\n)",
        "CREATE TABLE t (id BIGINT NOT NULL PRIMARY KEY, a INT, c VARCHAR(100),"
        " UNIQUE INDEX uq_c (c), INDEX idx_a (a ASC))",
    ),
]
