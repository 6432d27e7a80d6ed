"""Charsets and collations, with table-default inheritance."""

from __future__ import annotations

from .model import case

A1 = "ALTER TABLE `t1` "
A = "ALTER TABLE `t` "


def t1(columns: str, options: str) -> str:
    return f"CREATE TABLE t1 (id bigint NOT NULL, {columns}, PRIMARY KEY (id)) {options}"


CASES = [
    case(
        "cs_table_charset_change_worked_example_6",
        t1("name varchar(100)", "DEFAULT CHARSET=utf8mb4"),
        t1("name varchar(100)", "DEFAULT CHARSET=latin1"),
        A1 + "DEFAULT CHARSET=latin1;",
        second_plan=(A1 + "MODIFY COLUMN `name` varchar(100) NULL;",),
        note="the server keeps old columns in utf8mb4; the re-plan converts them",
    ),
    case(
        "cs_table_charset_change_without_string_columns",
        t1("n int", "DEFAULT CHARSET=utf8mb4"),
        t1("n int", "DEFAULT CHARSET=latin1"),
        A1 + "DEFAULT CHARSET=latin1;",
    ),
    case(
        "cs_column_charset_differs_worked_example_6",
        t1("name varchar(100)", "DEFAULT CHARSET=utf8mb4"),
        t1("name varchar(100) CHARACTER SET latin1", "DEFAULT CHARSET=utf8mb4"),
        A1 + "MODIFY COLUMN `name` varchar(100) CHARACTER SET latin1 NULL;",
    ),
    case(
        "cs_column_collation_added",
        t1("name varchar(100)", "DEFAULT CHARSET=utf8mb4"),
        t1("name varchar(100) COLLATE utf8mb4_bin", "DEFAULT CHARSET=utf8mb4"),
        A1 + "MODIFY COLUMN `name` varchar(100) COLLATE utf8mb4_bin NULL;",
    ),
    case(
        "cs_column_charset_and_collation",
        t1("name varchar(100)", "DEFAULT CHARSET=utf8mb4"),
        t1(
            "name varchar(100) CHARACTER SET latin1 COLLATE latin1_bin NOT NULL",
            "DEFAULT CHARSET=utf8mb4",
        ),
        A1 + "MODIFY COLUMN `name` varchar(100) CHARACTER SET latin1 COLLATE latin1_bin NOT NULL;",
    ),
    case(
        "cs_column_charset_equal_to_table_default_no_change",
        t1("name varchar(100)", "DEFAULT CHARSET=utf8mb4"),
        t1("name varchar(100) CHARACTER SET utf8mb4", "DEFAULT CHARSET=utf8mb4"),
    ),
    case(
        "cs_live_explicit_charset_desired_none_converts",
        t1("name varchar(100) CHARACTER SET latin1", "DEFAULT CHARSET=utf8mb4"),
        t1("name varchar(100)", "DEFAULT CHARSET=utf8mb4"),
        A1 + "MODIFY COLUMN `name` varchar(100) NULL;",
    ),
    case(
        "cs_add_text_column_with_charset",
        t1("n int", "DEFAULT CHARSET=utf8mb4"),
        t1("n int, body text CHARACTER SET latin1", "DEFAULT CHARSET=utf8mb4"),
        A1 + "ADD COLUMN `body` text CHARACTER SET latin1 NULL;",
    ),
    case(
        "cs_table_collation_change",
        t1("n int", "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci"),
        t1("n int", "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci"),
        A1 + "COLLATE=utf8mb4_unicode_ci;",
    ),
    case(
        "cs_table_charset_and_collation_change",
        t1("n int", "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci"),
        t1("n int", "DEFAULT CHARSET=latin1 COLLATE=latin1_bin"),
        A1 + "DEFAULT CHARSET=latin1, COLLATE=latin1_bin;",
    ),
    case(
        "cs_table_charset_missing_in_desired_means_dont_care",
        t1("n int", "DEFAULT CHARSET=latin1"),
        "CREATE TABLE t1 (id bigint NOT NULL, n int, PRIMARY KEY (id))",
        show_create_matches=False,
        note="a missing table option is 'don't care', so live latin1 stays",
    ),
    case(
        "cs_charset_spellings_no_change",
        "CREATE TABLE t (id bigint NOT NULL, s varchar(10) CHARSET latin1, PRIMARY KEY (id))"
        " DEFAULT CHARACTER SET = utf8mb4",
        "CREATE TABLE t (id bigint NOT NULL, s varchar(10) CHARACTER SET latin1,"
        " PRIMARY KEY (id)) CHARSET=utf8mb4",
    ),
    case(
        "cs_column_and_table_change_together",
        t1("a varchar(10), b varchar(10)", "DEFAULT CHARSET=utf8mb4"),
        t1(
            "a varchar(10), b varchar(10) CHARACTER SET latin1",
            "DEFAULT CHARSET=utf8mb4 COMMENT='latin b'",
        ),
        A1 + "MODIFY COLUMN `b` varchar(10) CHARACTER SET latin1 NULL, COMMENT='latin b';",
    ),
]
