"""Edge cases of the text format: escapes in enum values and defaults, bit and string
expression defaults, BINARY attribute, drops that touch several clause groups."""

from __future__ import annotations

from .keys import FK, PARENT, child
from .model import MARIADB_ONLY, MYSQL_ONLY, case, t, unsafe

A = "ALTER TABLE `t` "
AC = "ALTER TABLE `child` "

P = "CREATE TABLE t (id bigint NOT NULL, r int NOT NULL, PRIMARY KEY (id, r))"

CASES = [
    case(
        "edge_enum_value_with_quote",
        t("s enum('a','b')"),
        t("s enum('it''s','b')"),
        A + "MODIFY COLUMN `s` enum('it\\'s','b') NULL;",
    ),
    case(
        "edge_default_with_backslash",
        t("s varchar(20)"),
        t("s varchar(20) DEFAULT 'a\\\\b'"),
        A + "MODIFY COLUMN `s` varchar(20) NULL DEFAULT 'a\\\\b';",
    ),
    case(
        "edge_default_unicode",
        t("s varchar(20)"),
        t("s varchar(20) NOT NULL DEFAULT 'ü—東'"),
        A + "MODIFY COLUMN `s` varchar(20) NOT NULL DEFAULT 'ü—東';",
    ),
    case(
        "edge_bit_default_literal",
        t("a int"),
        t("a int, b bit(3) DEFAULT b'101'"),
        A + "ADD COLUMN `b` bit(3) NULL DEFAULT b'101';",
    ),
    case(
        "edge_column_comment_with_newline",
        t("a int"),
        t("a int COMMENT 'first\\nsecond'"),
        A + "MODIFY COLUMN `a` int NULL COMMENT 'first\\nsecond';",
    ),
    case(
        "edge_table_comment_with_newline",
        t("a int"),
        t("a int", "COMMENT='line1\\nline2'"),
        A + "COMMENT='line1\\nline2';",
    ),
    case(
        "edge_text_string_expression_default_mysql",
        t("a int"),
        t("a int, body text DEFAULT ('')"),
        A + "ADD COLUMN `body` text NULL DEFAULT ('');",
        flavours=MYSQL_ONLY,
    ),
    case(
        "edge_binary_attribute_is_bin_collation_no_change",
        "CREATE TABLE t (id bigint NOT NULL, s varchar(20) COLLATE utf8mb4_bin,"
        " PRIMARY KEY (id)) DEFAULT CHARSET=utf8mb4",
        "CREATE TABLE t (id bigint NOT NULL, s varchar(20) BINARY, PRIMARY KEY (id))"
        " DEFAULT CHARSET=utf8mb4",
        show_create_matches=False,
        note="MariaDB keeps the BINARY attribute in SHOW CREATE; the planner maps it to _bin",
    ),
    case(
        "edge_drop_column_and_its_index",
        t("a int, b int, KEY idx_b (b)"),
        t("a int"),
        unsafe(A + "DROP COLUMN `b`, DROP INDEX `idx_b`;", "b", "idx_b"),
    ),
    case(
        "edge_drop_check_and_foreign_key_sorted",
        (PARENT, child(FK + ", CONSTRAINT chk_c CHECK (parent_id > 0)")),
        (PARENT, child()),
        AC + "DROP CHECK `chk_c`, DROP FOREIGN KEY `fk_parent`;",
        mariadb_expected=AC + "DROP CONSTRAINT `chk_c`, DROP FOREIGN KEY `fk_parent`;",
    ),
    case(
        "edge_using_btree_before_columns_no_change",
        t("a int, KEY idx_a (a) USING BTREE"),
        t("a int, KEY idx_a USING BTREE (a)"),
    ),
    case(
        "edge_mariadb_ignored_index_no_change",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n  `k` int(11) DEFAULT NULL,\n"
        "  PRIMARY KEY (`id`),\n  KEY `k` (`k`) IGNORED\n) ENGINE=InnoDB"
        " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
        t("k int, KEY k (k) IGNORED"),
        flavours=MARIADB_ONLY,
    ),
    case(
        "edge_modify_and_index_on_new_column_and_comment",
        t("a int"),
        t("a bigint NOT NULL, b varchar(10), UNIQUE KEY uq_b (b)", "COMMENT='x'"),
        A + "MODIFY COLUMN `a` bigint NOT NULL, ADD COLUMN `b` varchar(10) NULL,"
        " ADD UNIQUE INDEX `uq_b` (`b`), COMMENT='x';",
    ),
    case(
        "edge_add_column_with_inline_primary_key",
        "CREATE TABLE t (a int)",
        "CREATE TABLE t (a int, uid bigint PRIMARY KEY)",
        "ALTER TABLE `t` ADD COLUMN `uid` bigint NOT NULL, ADD PRIMARY KEY (`uid`);",
        note="a column-level PRIMARY KEY implies NOT NULL and becomes a table-level PK",
    ),
    case(
        "edge_add_serial_column",
        "CREATE TABLE t (a int)",
        "CREATE TABLE t (a int, s SERIAL)",
        "ALTER TABLE `t` ADD COLUMN `s` bigint unsigned NOT NULL AUTO_INCREMENT,"
        " ADD UNIQUE INDEX `s` (`s`);",
        note="SERIAL = bigint unsigned NOT NULL AUTO_INCREMENT UNIQUE",
    ),
    case(
        "edge_modify_uses_desired_column_name_case",
        t("Amount int"),
        t("amount bigint"),
        A + "MODIFY COLUMN `amount` bigint NULL;",
        show_create_matches=False,
        note="columns match case-insensitively; the emitted definition is the desired column's",
    ),
    case(
        "edge_localtimestamp_is_now_family_no_change",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n"
        "  `d` datetime DEFAULT current_timestamp(),\n"
        "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
        t("d datetime DEFAULT LOCALTIMESTAMP"),
    ),
    case(
        "edge_mariadb_invisible_column_no_change",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n"
        "  `secret` varchar(10) INVISIBLE DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB"
        " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
        t("secret varchar(10) INVISIBLE"),
        flavours=MARIADB_ONLY,
    ),
    case(
        "edge_if_not_exists_no_change",
        t("a int"),
        "CREATE TABLE IF NOT EXISTS t (id bigint NOT NULL, a int, PRIMARY KEY (id))",
    ),
    case(
        "edge_partition_comment_emitted_at_august_only",
        P,
        P + " PARTITION BY RANGE (r) (PARTITION p0 VALUES LESS THAN (10) COMMENT 'small',"
        " PARTITION p1 VALUES LESS THAN MAXVALUE)",
        A + "PARTITION BY RANGE (`r`) (PARTITION `p0` VALUES LESS THAN (10) COMMENT = 'small',"
        " PARTITION `p1` VALUES LESS THAN MAXVALUE);",
        july_expected=A + "PARTITION BY RANGE (`r`) (PARTITION `p0` VALUES LESS THAN (10),"
        " PARTITION `p1` VALUES LESS THAN MAXVALUE);",
        note="the pinned (2026-07) emitter prints no partition COMMENT (nor ENGINE);"
        " 2026-08 carries the comment through",
    ),
    case(
        "edge_invisible_column_added_visible",
        t("a int"),
        t("a int, secret varchar(10) INVISIBLE"),
        A + "ADD COLUMN `secret` varchar(10) NULL;",
        show_create_matches=False,
        note="Spirit's column format has no visibility, its differ ignores it: the column"
        " is added visible (Spirit parity; a silent difference on the server)",
    ),
]
