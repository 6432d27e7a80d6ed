"""Defaults, ON UPDATE and generated columns (Spirit's DEFAULT rules and worked examples)."""

from __future__ import annotations

from .model import MARIADB_ONLY, MYSQL_ONLY, case, t, unsafe

A = "ALTER TABLE `t` "
A1 = "ALTER TABLE `t1` "
MARIADB_GENERATED = (
    "MariaDB 10.11 rejects NULL/NOT NULL after GENERATED ALWAYS AS (measured), so the MariaDB"
    " flavour must omit it to stay executable (issue 3 item 4)"
)

DEFAULT_CASES = [
    case(
        "def_add_quoted_string",
        t("s varchar(10)"),
        t("s varchar(10) DEFAULT 'x'"),
        A + "MODIFY COLUMN `s` varchar(10) NULL DEFAULT 'x';",
    ),
    case(
        "def_add_bare_number",
        t("a int"),
        t("a int DEFAULT 0"),
        A + "MODIFY COLUMN `a` int NULL DEFAULT 0;",
    ),
    case(
        "def_quoted_zero_stays_quoted",
        t("a int"),
        t("a int DEFAULT '0'"),
        A + "MODIFY COLUMN `a` int NULL DEFAULT '0';",
    ),
    case(
        "def_negative_number",
        t("a int"),
        t("a int NOT NULL DEFAULT -1"),
        A + "MODIFY COLUMN `a` int NOT NULL DEFAULT -1;",
    ),
    case(
        "def_decimal_bare",
        t("d decimal(10,2)"),
        t("d decimal(10,2) NOT NULL DEFAULT 0.00"),
        A + "MODIFY COLUMN `d` decimal(10,2) NOT NULL DEFAULT 0.00;",
    ),
    case(
        "def_value_changed",
        t("a int DEFAULT 1"),
        t("a int DEFAULT 2"),
        A + "MODIFY COLUMN `a` int NULL DEFAULT 2;",
    ),
    case(
        "def_removed",
        t("a int DEFAULT 5"),
        t("a int"),
        A + "MODIFY COLUMN `a` int NULL;",
    ),
    case(
        "def_empty_string",
        t("s varchar(10) NOT NULL"),
        t("s varchar(10) NOT NULL DEFAULT ''"),
        A + "MODIFY COLUMN `s` varchar(10) NOT NULL DEFAULT '';",
    ),
    case(
        "def_string_with_quote",
        t("s varchar(20)"),
        t("s varchar(20) DEFAULT 'O''Brien'"),
        A + "MODIFY COLUMN `s` varchar(20) NULL DEFAULT 'O\\'Brien';",
    ),
    case(
        "def_string_with_newline_escape",
        t("s varchar(20)"),
        t("s varchar(20) DEFAULT 'Line1\\nLine2'"),
        A + "MODIFY COLUMN `s` varchar(20) NULL DEFAULT 'Line1\\nLine2';",
    ),
    case(
        "def_date_literal",
        t("d date"),
        t("d date NOT NULL DEFAULT '2020-01-01'"),
        A + "MODIFY COLUMN `d` date NOT NULL DEFAULT '2020-01-01';",
    ),
    case(
        "def_enum_default_added_column",
        t("a int"),
        t("a int, state enum('new','done') NOT NULL DEFAULT 'new'"),
        A + "ADD COLUMN `state` enum('new','done') NOT NULL DEFAULT 'new';",
    ),
    case(
        "def_boolean_false_bare",
        t("a int"),
        t("a int, flag tinyint(1) NOT NULL DEFAULT FALSE"),
        A + "ADD COLUMN `flag` tinyint(1) NOT NULL DEFAULT FALSE;",
    ),
    case(
        "def_current_timestamp_added",
        t("created datetime"),
        t("created datetime DEFAULT CURRENT_TIMESTAMP"),
        A + "MODIFY COLUMN `created` datetime NULL DEFAULT current_timestamp;",
    ),
    case(
        "def_now_is_current_timestamp",
        t("created datetime"),
        t("created datetime NOT NULL DEFAULT NOW()"),
        A + "MODIFY COLUMN `created` datetime NOT NULL DEFAULT current_timestamp;",
    ),
    case(
        "def_current_timestamp_fsp",
        t("created datetime(3)"),
        t("created datetime(3) DEFAULT CURRENT_TIMESTAMP(3)"),
        A + "MODIFY COLUMN `created` datetime(3) NULL DEFAULT current_timestamp(3);",
    ),
    case(
        "def_on_update_worked_example_4",
        "CREATE TABLE t1 (id bigint NOT NULL, updated_at TIMESTAMP NULL, PRIMARY KEY (id))",
        "CREATE TABLE t1 (id bigint NOT NULL, updated_at TIMESTAMP NULL DEFAULT CURRENT_TIMESTAMP"
        " ON UPDATE CURRENT_TIMESTAMP, PRIMARY KEY (id))",
        unsafe(
            A1 + "MODIFY COLUMN `updated_at` timestamp NULL DEFAULT current_timestamp"
            " ON UPDATE current_timestamp;",
            "updated_at",
            "TIMESTAMP",
        ),
        note="has_timestamp is summarised as 'a new TIMESTAMP column'; the planner ports Spirit's"
        " lint_has_timestamp.go, where a MODIFY clause defining a TIMESTAMP column is an error",
    ),
    case(
        "def_on_update_removed",
        t("u datetime DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP"),
        t("u datetime DEFAULT CURRENT_TIMESTAMP"),
        A + "MODIFY COLUMN `u` datetime NULL DEFAULT current_timestamp;",
    ),
    case(
        "def_on_update_fsp_not_null",
        t("u datetime(6)"),
        t("u datetime(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6) ON UPDATE CURRENT_TIMESTAMP(6)"),
        A + "MODIFY COLUMN `u` datetime(6) NOT NULL DEFAULT current_timestamp(6)"
        " ON UPDATE current_timestamp(6);",
    ),
    case(
        "def_expression_uuid_added_column",
        t("a int"),
        t("a int, u char(36) DEFAULT (uuid())"),
        A + "ADD COLUMN `u` char(36) NULL DEFAULT (uuid());",
    ),
    case(
        "def_expression_json_object",
        t("a int"),
        t("a int, meta json DEFAULT (json_object())"),
        A + "ADD COLUMN `meta` json NULL DEFAULT (json_object());",
    ),
    case(
        "def_literal_to_expression",
        t("u char(36) DEFAULT ''"),
        t("u char(36) DEFAULT (uuid())"),
        A + "MODIFY COLUMN `u` char(36) NULL DEFAULT (uuid());",
    ),
    case(
        "def_quoted_vs_bare_number_no_change",
        t("a int DEFAULT 0, b decimal(10,2) NOT NULL DEFAULT 1.50"),
        t("a int DEFAULT '0', b decimal(10,2) NOT NULL DEFAULT '1.50'"),
    ),
    case(
        "def_explicit_null_no_change",
        t("a int, b varchar(5) DEFAULT NULL"),
        t("a int DEFAULT NULL, b varchar(5)"),
    ),
    case(
        "def_timestamp_spellings_no_change",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n"
        "  `c` datetime DEFAULT current_timestamp(),\n"
        "  `u` datetime(3) NOT NULL DEFAULT current_timestamp(3) ON UPDATE current_timestamp(3),\n"
        "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
        t(
            "c datetime DEFAULT NOW(), u datetime(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3)"
            " ON UPDATE NOW(3)"
        ),
    ),
    case(
        "def_mariadb_bare_uuid_expression_no_change",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n  `u` char(36) DEFAULT uuid(),\n"
        "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
        t("u char(36) DEFAULT (uuid())"),
        flavours=MARIADB_ONLY,
    ),
    case(
        "def_mysql_parenthesised_expression_no_change",
        "CREATE TABLE `t` (\n  `id` bigint NOT NULL,\n"
        "  `u` binary(16) DEFAULT (uuid_to_bin(uuid())),\n"
        "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci",
        t("u binary(16) DEFAULT (UUID_TO_BIN(UUID()))"),
        flavours=MYSQL_ONLY,
    ),
]

GENERATED_CASES = [
    case(
        "gen_stored_worked_example_3",
        "CREATE TABLE t1 (id bigint NOT NULL, price DECIMAL(10,2), tax_rate DECIMAL(5,4),"
        " PRIMARY KEY (id))",
        "CREATE TABLE t1 (id bigint NOT NULL, price DECIMAL(10,2), tax_rate DECIMAL(5,4),"
        " total DECIMAL(10,2) AS (price * (1 + tax_rate)) STORED, PRIMARY KEY (id))",
        A1 + "ADD COLUMN `total` decimal(10,2) GENERATED ALWAYS AS (`price`*(1+`tax_rate`))"
        " STORED NULL;",
        mariadb_expected=A1 + "ADD COLUMN `total` decimal(10,2) GENERATED ALWAYS AS"
        " (`price`*(1+`tax_rate`)) STORED;",
        note=MARIADB_GENERATED,
    ),
    case(
        "gen_virtual_concat",
        t("first_name varchar(100), last_name varchar(100)"),
        t(
            "first_name varchar(100), last_name varchar(100),"
            " full_name varchar(201) GENERATED ALWAYS AS (CONCAT(first_name, ' ', last_name))"
            " VIRTUAL"
        ),
        A + "ADD COLUMN `full_name` varchar(201) GENERATED ALWAYS AS"
        " (CONCAT(`first_name`, ' ', `last_name`)) VIRTUAL NULL;",
        mariadb_expected=A + "ADD COLUMN `full_name` varchar(201) GENERATED ALWAYS AS"
        " (CONCAT(`first_name`, ' ', `last_name`)) VIRTUAL;",
        note=MARIADB_GENERATED,
    ),
    case(
        "gen_stored_not_null",
        t("a int"),
        t("a int, twice int AS (a * 2) STORED NOT NULL"),
        A + "ADD COLUMN `twice` int GENERATED ALWAYS AS (`a`*2) STORED NOT NULL;",
        flavours=MYSQL_ONLY,
        note="MariaDB 10.11 has no NOT NULL generated columns",
    ),
    case(
        "gen_expression_changed",
        t("a int, b int AS (a + 1) VIRTUAL"),
        t("a int, b int AS (a + 2) VIRTUAL"),
        A + "MODIFY COLUMN `b` int GENERATED ALWAYS AS (`a`+2) VIRTUAL NULL;",
        mariadb_expected=A + "MODIFY COLUMN `b` int GENERATED ALWAYS AS (`a`+2) VIRTUAL;",
        note=MARIADB_GENERATED,
    ),
    case(
        "gen_virtual_to_stored",
        t("a int, b int AS (a + 1) VIRTUAL"),
        t("a int, b int AS (a + 1) STORED"),
        A + "MODIFY COLUMN `b` int GENERATED ALWAYS AS (`a`+1) STORED NULL;",
        mariadb_expected=unsafe(
            A + "DROP COLUMN `b`, ADD COLUMN `b` int GENERATED ALWAYS AS (`a`+1) STORED;", "`b`"
        ),
        note="MariaDB 10.11 cannot change a VIRTUAL column to STORED in place (error 1907):"
        " the column is dropped and added again",
    ),
    case(
        "gen_plain_to_generated",
        t("a int, b int"),
        t("a int, b int AS (a * 10) VIRTUAL"),
        A + "MODIFY COLUMN `b` int GENERATED ALWAYS AS (`a`*10) VIRTUAL NULL;",
        mariadb_expected=unsafe(
            A + "DROP COLUMN `b`, ADD COLUMN `b` int GENERATED ALWAYS AS (`a`*10) VIRTUAL;", "`b`"
        ),
        note="MariaDB 10.11 refuses MODIFY of a regular column into a virtual one (error 1907):"
        " the column is dropped and added again",
    ),
    case(
        "gen_generated_to_plain",
        t("a int, b int AS (a + 1) VIRTUAL"),
        t("a int, b int"),
        A + "MODIFY COLUMN `b` int NULL;",
        mariadb_expected=unsafe(A + "DROP COLUMN `b`, ADD COLUMN `b` int NULL;", "`b`"),
        note="MariaDB 10.11 refuses MODIFY of a virtual column into a regular one (error 1907):"
        " the column is dropped and added again (its values become the default)",
    ),
    case(
        "gen_dropped",
        t("a int, b int AS (a + 1) VIRTUAL"),
        t("a int"),
        unsafe(A + "DROP COLUMN `b`;", "b"),
    ),
    case(
        "gen_mariadb_printed_form_no_change",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n  `a` int(11) DEFAULT NULL,\n"
        "  `b` varchar(20) DEFAULT NULL,\n"
        "  `l` varchar(40) GENERATED ALWAYS AS (concat(`b`,'-',`a`)) VIRTUAL,\n"
        "  `lo` varchar(20) GENERATED ALWAYS AS (lcase(`b`)) STORED,\n"
        "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
        t(
            "a int, b varchar(20), l varchar(40) AS (CONCAT(b, '-', a)) VIRTUAL,"
            " lo varchar(20) AS (LOWER(b)) STORED"
        ),
    ),
    case(
        "gen_mysql_introducer_no_change",
        "CREATE TABLE `t` (\n  `id` bigint NOT NULL,\n  `a` int DEFAULT NULL,\n"
        "  `b` varchar(20) DEFAULT NULL,\n"
        "  `l` varchar(40) GENERATED ALWAYS AS (concat(`b`,_utf8mb4'-',`a`)) VIRTUAL,\n"
        "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci",
        t("a int, b varchar(20), l varchar(40) AS (concat(b, '-', a)) VIRTUAL"),
        flavours=MYSQL_ONLY,
    ),
    case(
        "gen_redundant_outer_parens_no_change",
        t("a int, b int AS ((a + 1)) VIRTUAL"),
        t("a int, b int GENERATED ALWAYS AS (a+1) VIRTUAL"),
    ),
]

CASES = DEFAULT_CASES + GENERATED_CASES
