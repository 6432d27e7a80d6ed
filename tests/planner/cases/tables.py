"""Created/dropped tables, order across tables, identifiers, column placement."""

from __future__ import annotations

from .model import case, t, unsafe

A = "ALTER TABLE `t` "


def simple(name: str, extra: str = "") -> str:
    return f"CREATE TABLE {name} (id bigint NOT NULL{extra}, PRIMARY KEY (id))"


TABLE_CASES = [
    case(
        "tbl_created_text_unchanged",
        (),
        "CREATE TABLE widgets (id bigint NOT NULL, name varchar(50), PRIMARY KEY (id))",
        "CREATE TABLE widgets (id bigint NOT NULL, name varchar(50), PRIMARY KEY (id));",
    ),
    case(
        "tbl_created_keeps_whitespace_case_and_quoting",
        (),
        "create table `Gadgets` (\n  id   BIGINT not null,\n  `Label` VarChar(20),"
        "\n  primary key (id)\n) comment 'x'",
        "create table `Gadgets` (\n  id   BIGINT not null,\n  `Label` VarChar(20),"
        "\n  primary key (id)\n) comment 'x';",
    ),
    case(
        "tbl_created_from_file_with_semicolon",
        (),
        "CREATE TABLE gizmos (id bigint NOT NULL, PRIMARY KEY (id));\n",
        "CREATE TABLE gizmos (id bigint NOT NULL, PRIMARY KEY (id));",
    ),
    case(
        "tbl_created_sorted_by_name",
        (),
        (simple("b_new"), simple("a_new"), simple("C_new")),
        (simple("C_new") + ";", simple("a_new") + ";", simple("b_new") + ";"),
    ),
    case(
        "tbl_dropped_is_unsafe",
        (simple("keep"), simple("old_stuff")),
        simple("keep"),
        unsafe("DROP TABLE `old_stuff`;", "old_stuff"),
    ),
    case(
        "tbl_dropped_sorted_by_name",
        (simple("keep"), simple("z_old"), simple("a_old")),
        simple("keep"),
        (unsafe("DROP TABLE `a_old`;"), unsafe("DROP TABLE `z_old`;")),
    ),
    case(
        "tbl_across_tables_worked_example_8",
        (simple("a_table"), simple("b_table"), simple("c_drop_me"), simple("d_drop_me")),
        (simple("a_table", ", extra int"), simple("b_table"), simple("e_new")),
        (
            simple("e_new") + ";",
            "ALTER TABLE `a_table` ADD COLUMN `extra` int NULL;",
            unsafe("DROP TABLE `c_drop_me`;"),
            unsafe("DROP TABLE `d_drop_me`;"),
        ),
    ),
    case(
        "tbl_alters_sorted_by_name_in_byte_order",
        (simple("alpha"), simple("Zeta"), simple("beta")),
        (simple("beta", ", x int"), simple("alpha", ", x int"), simple("Zeta", ", x int")),
        (
            "ALTER TABLE `Zeta` ADD COLUMN `x` int NULL;",
            "ALTER TABLE `alpha` ADD COLUMN `x` int NULL;",
            "ALTER TABLE `beta` ADD COLUMN `x` int NULL;",
        ),
    ),
    case(
        "tbl_created_with_int_primary_key_is_unsafe",
        (),
        "CREATE TABLE counters (id int NOT NULL, n int, PRIMARY KEY (id))",
        unsafe("CREATE TABLE counters (id int NOT NULL, n int, PRIMARY KEY (id));"),
        note="primary_key lint: allowed types bigint, binary, varbinary on new tables",
    ),
    case(
        "tbl_created_with_binary_primary_key_is_safe",
        (),
        "CREATE TABLE tokens (id binary(16) NOT NULL, PRIMARY KEY (id))",
        "CREATE TABLE tokens (id binary(16) NOT NULL, PRIMARY KEY (id));",
    ),
    case(
        "tbl_created_with_timestamp_is_unsafe",
        (),
        "CREATE TABLE events (id bigint NOT NULL, at timestamp NULL, PRIMARY KEY (id))",
        unsafe("CREATE TABLE events (id bigint NOT NULL, at timestamp NULL, PRIMARY KEY (id));"),
        note="has_timestamp lint",
    ),
    case(
        "tbl_unchanged_tables_give_nothing",
        (simple("a"), simple("b", ", x int")),
        (simple("b", ", x int"), simple("a")),
    ),
]

IDENTIFIER_CASES = [
    case(
        "ident_reserved_word_table_and_column",
        "CREATE TABLE `order` (id bigint NOT NULL, `select` int, PRIMARY KEY (id))",
        "CREATE TABLE `order` (id bigint NOT NULL, `select` int, `group` varchar(5),"
        " PRIMARY KEY (id))",
        "ALTER TABLE `order` ADD COLUMN `group` varchar(5) NULL;",
    ),
    case(
        "ident_reserved_word_index",
        "CREATE TABLE `order` (id bigint NOT NULL, `desc` int, PRIMARY KEY (id))",
        "CREATE TABLE `order` (id bigint NOT NULL, `desc` int, PRIMARY KEY (id),"
        " KEY `key` (`desc` DESC))",
        "ALTER TABLE `order` ADD INDEX `key` (`desc` DESC);",
    ),
    case(
        "ident_reserved_word_table_dropped",
        (simple("`table`"), simple("keep")),
        simple("keep"),
        unsafe("DROP TABLE `table`;"),
    ),
    case(
        "ident_unicode_column",
        t("a int"),
        t("a int, `größe` int"),
        A + "ADD COLUMN `größe` int NULL;",
    ),
    case(
        "ident_unicode_table",
        simple("`café`"),
        simple("`café`", ", `prix` decimal(8,2)"),
        "ALTER TABLE `café` ADD COLUMN `prix` decimal(8,2) NULL;",
    ),
    case(
        "ident_cjk_index_name",
        t("a int"),
        t("a int, KEY `索引_a` (a)"),
        A + "ADD INDEX `索引_a` (`a`);",
    ),
    case(
        "ident_backtick_in_name_is_doubled",
        t("a int"),
        t("a int, `we``ird` int"),
        A + "ADD COLUMN `we``ird` int NULL;",
    ),
    case(
        "ident_space_in_name",
        t("a int"),
        t("a int, `first name` varchar(20), KEY `by first name` (`first name`)"),
        A + "ADD COLUMN `first name` varchar(20) NULL, ADD INDEX `by first name` (`first name`);",
    ),
    case(
        "ident_dollar_and_leading_digit",
        t("a int"),
        t("a int, $price int, `1st` int"),
        A + "ADD COLUMN `$price` int NULL AFTER `a`, ADD COLUMN `1st` int NULL;",
    ),
    case(
        "ident_column_names_match_case_insensitively",
        t("Amount int"),
        t("amount int"),
        show_create_matches=False,
        note="columns match by lowercase name; a case-only rename is not a change",
    ),
]

ORDER_CASES = [
    case(
        "ord_reorder_worked_example_1",
        "CREATE TABLE t1 (a INT, b INT, c INT)",
        "CREATE TABLE t1 (c INT, a INT, b INT)",
        "ALTER TABLE `t1` MODIFY COLUMN `c` int NULL FIRST, MODIFY COLUMN `a` int NULL AFTER `c`,"
        " MODIFY COLUMN `b` int NULL AFTER `a`;",
    ),
    case(
        "ord_worked_example_2_multiple_changes",
        "CREATE TABLE products (id INT PRIMARY KEY, name VARCHAR(100), price DECIMAL(10,2),"
        " old_column INT)",
        "CREATE TABLE products (id INT PRIMARY KEY, name VARCHAR(200) NOT NULL,"
        " price DECIMAL(12,4), description TEXT, INDEX idx_name (name))",
        unsafe(
            "ALTER TABLE `products` DROP COLUMN `old_column`, MODIFY COLUMN `name` varchar(200)"
            " NOT NULL, MODIFY COLUMN `price` decimal(12,4) NULL, ADD COLUMN `description` text"
            " NULL, ADD INDEX `idx_name` (`name`);",
            "old_column",
        ),
    ),
    case(
        "ord_swap_two_cascades",
        t("a int, b int"),
        t("b int, a int"),
        A + "MODIFY COLUMN `b` int NULL AFTER `id`, MODIFY COLUMN `a` int NULL AFTER `b`;",
    ),
    case(
        "ord_cascade_runs_to_the_end",
        t("a int, b int, c int"),
        t("b int, a int, c int"),
        A + "MODIFY COLUMN `b` int NULL AFTER `id`, MODIFY COLUMN `a` int NULL AFTER `b`,"
        " MODIFY COLUMN `c` int NULL AFTER `a`;",
    ),
    case(
        "ord_move_last_to_middle",
        t("a int, b int, c int, d int"),
        t("a int, d int, b int, c int"),
        A + "MODIFY COLUMN `d` int NULL AFTER `a`, MODIFY COLUMN `b` int NULL AFTER `d`,"
        " MODIFY COLUMN `c` int NULL AFTER `b`;",
    ),
    case(
        "ord_move_to_first",
        t("a int"),
        "CREATE TABLE t (a int, id bigint NOT NULL, PRIMARY KEY (id))",
        A + "MODIFY COLUMN `a` int NULL FIRST, MODIFY COLUMN `id` bigint NOT NULL AFTER `a`;",
    ),
    case(
        "ord_new_predecessor_is_implicit",
        t("a int, b int"),
        t("a int, x int, b int"),
        A + "ADD COLUMN `x` int NULL AFTER `a`;",
    ),
    case(
        "ord_dropped_predecessor_is_implicit",
        t("a int, b int, c int"),
        t("a int, c int"),
        unsafe(A + "DROP COLUMN `b`;", "b"),
    ),
    case(
        "ord_drop_and_move",
        t("a int, b int, c int"),
        t("c int, a int"),
        unsafe(A + "DROP COLUMN `b`, MODIFY COLUMN `a` int NULL AFTER `c`;", "b"),
    ),
    case(
        "ord_move_and_change_type_one_modify",
        t("a int, b int"),
        t("b bigint, a int"),
        A + "MODIFY COLUMN `b` bigint NULL AFTER `id`, MODIFY COLUMN `a` int NULL AFTER `b`;",
    ),
    case(
        "ord_change_type_without_move",
        t("a int, b int"),
        t("a int, b bigint NOT NULL"),
        A + "MODIFY COLUMN `b` bigint NOT NULL;",
    ),
]

CASES = TABLE_CASES + IDENTIFIER_CASES + ORDER_CASES
