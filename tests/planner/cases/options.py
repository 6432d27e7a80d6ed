"""Table options, table comments and partitioning."""

from __future__ import annotations

from .model import MARIADB_ONLY, MYSQL_ONLY, case, t, unsafe

A = "ALTER TABLE `t` "
A1 = "ALTER TABLE `t1` "
P = "CREATE TABLE t (id bigint NOT NULL, r int NOT NULL, PRIMARY KEY (id, r))"
PN = "CREATE TABLE t (id bigint NOT NULL, r int NOT NULL, note varchar(20), PRIMARY KEY (id, r))"
MARIADB_PARTITION_SYNTAX = (
    "MariaDB 10.11 (measured) rejects a comma before PARTITION BY / REMOVE PARTITIONING and"
    " any other clause next to ADD/COALESCE PARTITION; its flavour joins the former with a"
    " space and puts the latter in a statement of its own (issue 3 item 4)"
)
RANGE_2 = (
    " PARTITION BY RANGE (r) (PARTITION p0 VALUES LESS THAN (10),"
    " PARTITION p1 VALUES LESS THAN MAXVALUE)"
)
RANGE_3 = (
    " PARTITION BY RANGE (r) (PARTITION p0 VALUES LESS THAN (10),"
    " PARTITION p1 VALUES LESS THAN (20), PARTITION p2 VALUES LESS THAN MAXVALUE)"
)

OPTION_CASES = [
    case(
        "opt_comment_added",
        t("a int"),
        t("a int", "COMMENT='users table'"),
        A + "COMMENT='users table';",
    ),
    case(
        "opt_comment_changed",
        t("a int", "COMMENT 'old'"),
        t("a int", "COMMENT 'new'"),
        A + "COMMENT='new';",
    ),
    case(
        "opt_comment_removed_worked_example_6",
        "CREATE TABLE t1 (id bigint NOT NULL, PRIMARY KEY (id)) COMMENT='old comment'",
        "CREATE TABLE t1 (id bigint NOT NULL, PRIMARY KEY (id))",
        A1 + "COMMENT='';",
    ),
    case(
        "opt_comment_with_quote",
        t("a int"),
        t("a int", "COMMENT='it''s mine'"),
        A + "COMMENT='it\\'s mine';",
    ),
    case(
        "opt_comment_with_backslash",
        t("a int"),
        t("a int", "COMMENT='dir C:\\\\data'"),
        A + "COMMENT='dir C:\\\\data';",
    ),
    case(
        "opt_comment_with_double_quote",
        t("a int"),
        t("a int", "COMMENT='say \"hi\"'"),
        A + "COMMENT='say \\\"hi\\\"';",
        note="Spirit's sqlescape.EscapeString backslash-escapes double quotes too",
    ),
    case(
        "opt_comment_unicode",
        t("a int"),
        t("a int", "COMMENT='Zürich 東京 ✓'"),
        A + "COMMENT='Zürich 東京 ✓';",
    ),
    case(
        "opt_comment_same_text_other_quoting_no_change",
        t("a int", "COMMENT='it\\'s'"),
        t("a int", "COMMENT 'it''s'"),
    ),
    case(
        "opt_engine_change_ignored",
        t("a int", "ENGINE=InnoDB"),
        t("a int", "ENGINE=MyISAM"),
        show_create_matches=False,
        note="IgnoreEngine is the default",
    ),
    case(
        "opt_row_format_change_ignored",
        t("a int", "ROW_FORMAT=DYNAMIC"),
        t("a int", "ROW_FORMAT=COMPRESSED"),
        show_create_matches=False,
        note="IgnoreRowFormat is the default",
    ),
    case(
        "opt_auto_increment_counter_ignored",
        "CREATE TABLE t (id bigint NOT NULL AUTO_INCREMENT, PRIMARY KEY (id)) AUTO_INCREMENT=1",
        "CREATE TABLE t (id bigint NOT NULL AUTO_INCREMENT, PRIMARY KEY (id)) AUTO_INCREMENT=100",
    ),
    case(
        "opt_charset_then_comment_order",
        t("a int", "DEFAULT CHARSET=utf8mb4"),
        t("a int", "DEFAULT CHARSET=latin1 COMMENT='x'"),
        A + "DEFAULT CHARSET=latin1, COMMENT='x';",
    ),
    case(
        "opt_after_columns_and_indexes",
        t("a int"),
        t("a int, b int, KEY idx_b (b)", "COMMENT='v2'"),
        A + "ADD COLUMN `b` int NULL, ADD INDEX `idx_b` (`b`), COMMENT='v2';",
    ),
    case(
        "opt_all_groups_in_order",
        t("a int, z int, KEY idx_z (z), CONSTRAINT chk_z CHECK (z > 0)", "COMMENT='v1'"),
        t("a bigint, b int, KEY idx_b (b), CONSTRAINT chk_b CHECK (b > 0)", "COMMENT='v2'"),
        unsafe(
            A + "DROP COLUMN `z`, MODIFY COLUMN `a` bigint NULL, ADD COLUMN `b` int NULL,"
            " DROP INDEX `idx_z`, ADD INDEX `idx_b` (`b`), DROP CHECK `chk_z`,"
            " ADD CONSTRAINT `chk_b` CHECK (`b`>0), COMMENT='v2';",
            "z",
        ),
        mariadb_expected=unsafe(
            A + "DROP COLUMN `z`, MODIFY COLUMN `a` bigint NULL, ADD COLUMN `b` int NULL,"
            " DROP INDEX `idx_z`, ADD INDEX `idx_b` (`b`), DROP CONSTRAINT `chk_z`,"
            " ADD CONSTRAINT `chk_b` CHECK (`b`>0), COMMENT='v2';",
            "z",
        ),
    ),
]

PARTITION_CASES = [
    case(
        "part_hash_added",
        P,
        P + " PARTITION BY HASH (id) PARTITIONS 4",
        A + "PARTITION BY HASH (`id`) PARTITIONS 4;",
    ),
    case(
        "part_key_added",
        P,
        P + " PARTITION BY KEY (id) PARTITIONS 2",
        A + "PARTITION BY KEY (`id`) PARTITIONS 2;",
    ),
    case(
        "part_linear_hash_added",
        P,
        P + " PARTITION BY LINEAR HASH (r) PARTITIONS 3",
        A + "PARTITION BY LINEAR HASH (`r`) PARTITIONS 3;",
    ),
    case(
        "part_range_added",
        P,
        P + RANGE_2,
        A + "PARTITION BY RANGE (`r`) (PARTITION `p0` VALUES LESS THAN (10),"
        " PARTITION `p1` VALUES LESS THAN MAXVALUE);",
    ),
    case(
        "part_list_added",
        P,
        P + " PARTITION BY LIST (r) (PARTITION p_low VALUES IN (1,2),"
        " PARTITION p_high VALUES IN (3))",
        A + "PARTITION BY LIST (`r`) (PARTITION `p_low` VALUES IN (1, 2),"
        " PARTITION `p_high` VALUES IN (3));",
    ),
    case(
        "part_range_columns_added",
        "CREATE TABLE t (id bigint NOT NULL, d date NOT NULL, PRIMARY KEY (id, d))",
        "CREATE TABLE t (id bigint NOT NULL, d date NOT NULL, PRIMARY KEY (id, d))"
        " PARTITION BY RANGE COLUMNS(d) (PARTITION p2020 VALUES LESS THAN ('2021-01-01'),"
        " PARTITION pmax VALUES LESS THAN (MAXVALUE))",
        A + "PARTITION BY RANGE COLUMNS (`d`) (PARTITION `p2020` VALUES LESS THAN ('2021-01-01'),"
        " PARTITION `pmax` VALUES LESS THAN (MAXVALUE));",
    ),
    case(
        "part_hash_expression_added",
        "CREATE TABLE t (id bigint NOT NULL, d date NOT NULL, PRIMARY KEY (id, d))",
        "CREATE TABLE t (id bigint NOT NULL, d date NOT NULL, PRIMARY KEY (id, d))"
        " PARTITION BY HASH (year(d)) PARTITIONS 4",
        A + "PARTITION BY HASH (YEAR(`d`)) PARTITIONS 4;",
    ),
    case(
        "part_removed",
        P + " PARTITION BY HASH (id) PARTITIONS 4",
        P,
        A + "REMOVE PARTITIONING;",
    ),
    case(
        "part_hash_count_up",
        P + " PARTITION BY HASH (id) PARTITIONS 4",
        P + " PARTITION BY HASH (id) PARTITIONS 6",
        A + "ADD PARTITION PARTITIONS 2;",
    ),
    case(
        "part_hash_count_down_is_unsafe",
        P + " PARTITION BY HASH (id) PARTITIONS 6",
        P + " PARTITION BY HASH (id) PARTITIONS 4",
        unsafe(A + "COALESCE PARTITION 2;"),
    ),
    case(
        "part_range_definitions_changed_two_statements",
        P + RANGE_2,
        P + RANGE_3,
        (
            A + "REMOVE PARTITIONING;",
            A + "PARTITION BY RANGE (`r`) (PARTITION `p0` VALUES LESS THAN (10),"
            " PARTITION `p1` VALUES LESS THAN (20), PARTITION `p2` VALUES LESS THAN MAXVALUE);",
        ),
    ),
    case(
        "part_hash_to_key_two_statements",
        P + " PARTITION BY HASH (id) PARTITIONS 4",
        P + " PARTITION BY KEY (id) PARTITIONS 4",
        (A + "REMOVE PARTITIONING;", A + "PARTITION BY KEY (`id`) PARTITIONS 4;"),
    ),
    case(
        "part_with_column_change",
        P + " PARTITION BY HASH (id) PARTITIONS 4",
        PN + " PARTITION BY KEY (id) PARTITIONS 4",
        (
            A + "ADD COLUMN `note` varchar(20) NULL, REMOVE PARTITIONING;",
            A + "PARTITION BY KEY (`id`) PARTITIONS 4;",
        ),
        mariadb_expected=(
            A + "ADD COLUMN `note` varchar(20) NULL REMOVE PARTITIONING;",
            A + "PARTITION BY KEY (`id`) PARTITIONS 4;",
        ),
        note=MARIADB_PARTITION_SYNTAX,
    ),
    case(
        "part_added_with_column_change",
        P,
        PN + " PARTITION BY HASH (id) PARTITIONS 4",
        A + "ADD COLUMN `note` varchar(20) NULL, PARTITION BY HASH (`id`) PARTITIONS 4;",
        mariadb_expected=A + "ADD COLUMN `note` varchar(20) NULL PARTITION BY HASH (`id`)"
        " PARTITIONS 4;",
        note=MARIADB_PARTITION_SYNTAX,
    ),
    case(
        "part_removed_with_column_change",
        P + " PARTITION BY HASH (id) PARTITIONS 4",
        PN,
        A + "ADD COLUMN `note` varchar(20) NULL, REMOVE PARTITIONING;",
        mariadb_expected=A + "ADD COLUMN `note` varchar(20) NULL REMOVE PARTITIONING;",
        note=MARIADB_PARTITION_SYNTAX,
    ),
    case(
        "part_count_change_with_column_change",
        P + " PARTITION BY HASH (id) PARTITIONS 4",
        PN + " PARTITION BY HASH (id) PARTITIONS 6",
        A + "ADD COLUMN `note` varchar(20) NULL, ADD PARTITION PARTITIONS 2;",
        mariadb_expected=(
            A + "ADD COLUMN `note` varchar(20) NULL;",
            A + "ADD PARTITION PARTITIONS 2;",
        ),
        note=MARIADB_PARTITION_SYNTAX,
    ),
    case(
        "part_mariadb_show_create_no_change",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n  `r` int(11) NOT NULL,\n"
        "  PRIMARY KEY (`id`,`r`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        " COLLATE=utf8mb4_general_ci\n PARTITION BY RANGE (`r`)\n"
        "(PARTITION `p0` VALUES LESS THAN (10) ENGINE = InnoDB,\n"
        " PARTITION `p1` VALUES LESS THAN MAXVALUE ENGINE = InnoDB)",
        P + RANGE_2,
        flavours=MARIADB_ONLY,
    ),
    case(
        "part_mariadb_hash_show_create_no_change",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n  `r` int(11) NOT NULL,\n"
        "  PRIMARY KEY (`id`,`r`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        " COLLATE=utf8mb4_general_ci\n PARTITION BY HASH (`id`)\nPARTITIONS 4",
        P + " PARTITION BY HASH (id) PARTITIONS 4",
        flavours=MARIADB_ONLY,
    ),
    case(
        "part_mysql_versioned_comment_no_change",
        "CREATE TABLE `t` (\n  `id` bigint NOT NULL,\n  `r` int NOT NULL,\n"
        "  PRIMARY KEY (`id`,`r`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        " COLLATE=utf8mb4_0900_ai_ci\n/*!50100 PARTITION BY RANGE (`r`)\n"
        "(PARTITION p0 VALUES LESS THAN (10) ENGINE = InnoDB,\n"
        " PARTITION p1 VALUES LESS THAN MAXVALUE ENGINE = InnoDB) */",
        P + RANGE_2,
        flavours=MYSQL_ONLY,
    ),
    case(
        "part_mysql_versioned_comment_is_not_lost",
        "CREATE TABLE `t` (\n  `id` bigint NOT NULL,\n  `r` int NOT NULL,\n"
        "  PRIMARY KEY (`id`,`r`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        " COLLATE=utf8mb4_0900_ai_ci\n/*!50100 PARTITION BY HASH (`id`)\nPARTITIONS 4 */",
        P,
        A + "REMOVE PARTITIONING;",
        flavours=MYSQL_ONLY,
        note="a dropped /*!50100 PARTITION BY */ would silently plan nothing",
    ),
    case(
        "part_mysql_versioned_comment_both_sides",
        P + "\n/*!50100 PARTITION BY HASH (`id`)\nPARTITIONS 8 */",
        P + "\n/*!50100 PARTITION BY HASH (`id`)\nPARTITIONS 6 */",
        unsafe(A + "COALESCE PARTITION 2;"),
        flavours=MYSQL_ONLY,
        note="texts equal outside versioned comments still differ inside them",
    ),
]

CASES = OPTION_CASES + PARTITION_CASES
