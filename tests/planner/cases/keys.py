"""Primary keys, foreign keys and CHECK constraints (with the differ's NOT NULL exception)."""

from __future__ import annotations

from .model import MARIADB_ONLY, MYSQL_ONLY, case, t, unsafe

A = "ALTER TABLE `t` "
AC = "ALTER TABLE `child` "
PARENT = "CREATE TABLE parent (id bigint NOT NULL, code varchar(10) NOT NULL, PRIMARY KEY (id),"
PARENT += " UNIQUE KEY uq_code (id, code))"


def child(extra: str = "") -> str:
    tail = f", {extra}" if extra else ""
    return (
        "CREATE TABLE child (id bigint NOT NULL, parent_id bigint, parent_code varchar(10),"
        f" PRIMARY KEY (id), KEY fk_parent (parent_id, parent_code){tail})"
    )


FK = "CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id)"
FK_OUT = "CONSTRAINT `fk_parent` FOREIGN KEY (`parent_id`) REFERENCES `parent` (`id`)"

PRIMARY_KEY_CASES = [
    case(
        "pk_extend_columns",
        t("b int NOT NULL"),
        "CREATE TABLE t (id bigint NOT NULL, b int NOT NULL, PRIMARY KEY (id, b))",
        unsafe(A + "DROP PRIMARY KEY, ADD PRIMARY KEY (`id`, `b`);"),
    ),
    case(
        "pk_added",
        "CREATE TABLE t (id bigint NOT NULL, a int)",
        t("a int"),
        A + "ADD PRIMARY KEY (`id`);",
    ),
    case(
        "pk_dropped_column_stays_not_null",
        t("a int"),
        "CREATE TABLE t (id bigint NOT NULL, a int)",
        unsafe(A + "DROP PRIMARY KEY;"),
    ),
    case(
        "pk_dropped_null_change_suppressed",
        t("a int"),
        "CREATE TABLE t (id bigint, a int)",
        unsafe(A + "DROP PRIMARY KEY;"),
        second_plan=(A + "MODIFY COLUMN `id` bigint NULL;",),
        note="NOT NULL -> NULL is suppressed while the PK is dropped; the re-plan does it",
    ),
    case(
        "pk_moved_to_other_column",
        "CREATE TABLE t (id bigint NOT NULL, uid binary(16) NOT NULL, PRIMARY KEY (id))",
        "CREATE TABLE t (id bigint NOT NULL, uid binary(16) NOT NULL, PRIMARY KEY (uid),"
        " KEY idx_id (id))",
        unsafe(A + "DROP PRIMARY KEY, ADD INDEX `idx_id` (`id`), ADD PRIMARY KEY (`uid`);"),
    ),
    case(
        "pk_drop_and_index_drop_sorted",
        t("a int, KEY idx_a (a)"),
        "CREATE TABLE t (id bigint NOT NULL, a int)",
        unsafe(A + "DROP INDEX `idx_a`, DROP PRIMARY KEY;", "idx_a"),
    ),
    case(
        "pk_inline_vs_table_level_no_change",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n  `a` int(11) DEFAULT NULL,\n"
        "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
        "CREATE TABLE t (id BIGINT PRIMARY KEY, a INT)",
    ),
    case(
        "pk_composite_no_change",
        "CREATE TABLE t (a int NOT NULL, b int NOT NULL, PRIMARY KEY (a,b))",
        "create table t (a int not null, b int not null, primary key (`a`, `b`))",
    ),
]

FOREIGN_KEY_CASES = [
    case(
        "fk_added",
        (PARENT, child()),
        (PARENT, child(FK)),
        AC + "ADD " + FK_OUT + ";",
    ),
    case(
        "fk_added_on_delete_cascade",
        (PARENT, child()),
        (PARENT, child(FK + " ON DELETE CASCADE")),
        AC + "ADD " + FK_OUT + " ON DELETE CASCADE;",
    ),
    case(
        "fk_added_on_delete_and_update",
        (PARENT, child()),
        (PARENT, child(FK + " ON DELETE SET NULL ON UPDATE CASCADE")),
        AC + "ADD " + FK_OUT + " ON DELETE SET NULL ON UPDATE CASCADE;",
    ),
    case(
        "fk_action_changed_is_drop_and_add",
        (PARENT, child(FK + " ON DELETE CASCADE")),
        (PARENT, child(FK + " ON DELETE SET NULL")),
        AC + "DROP FOREIGN KEY `fk_parent`, ADD " + FK_OUT + " ON DELETE SET NULL;",
        mariadb_expected=(
            AC + "DROP FOREIGN KEY `fk_parent`;",
            AC + "ADD " + FK_OUT + " ON DELETE SET NULL;",
        ),
        note="MariaDB 10.11 refuses DROP + ADD of one FK name in one ALTER (errno 121): the"
        " ADD is a statement of its own, after the DROP",
    ),
    case(
        "fk_dropped",
        (PARENT, child(FK)),
        (PARENT, child()),
        AC + "DROP FOREIGN KEY `fk_parent`;",
    ),
    case(
        "fk_composite_added",
        (PARENT, child()),
        (
            PARENT,
            child(
                "CONSTRAINT fk_pc FOREIGN KEY (parent_id, parent_code) REFERENCES parent (id, code)"
            ),
        ),
        AC + "ADD CONSTRAINT `fk_pc` FOREIGN KEY (`parent_id`, `parent_code`)"
        " REFERENCES `parent` (`id`, `code`);",
    ),
    case(
        "fk_show_create_form_no_change",
        (
            PARENT,
            "CREATE TABLE `child` (\n  `id` bigint(20) NOT NULL,\n"
            "  `parent_id` bigint(20) DEFAULT NULL,\n  `parent_code` varchar(10) DEFAULT NULL,\n"
            "  PRIMARY KEY (`id`),\n  KEY `fk_parent` (`parent_id`,`parent_code`),\n"
            "  CONSTRAINT `fk_parent` FOREIGN KEY (`parent_id`) REFERENCES `parent` (`id`)"
            " ON DELETE CASCADE\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
            " COLLATE=utf8mb4_general_ci",
        ),
        (PARENT, child(FK + " ON DELETE CASCADE")),
    ),
    case(
        "fk_dropped_with_its_index",
        (PARENT, child(FK)),
        (
            PARENT,
            "CREATE TABLE child (id bigint NOT NULL, parent_id bigint, parent_code varchar(10),"
            " PRIMARY KEY (id))",
        ),
        unsafe(AC + "DROP INDEX `fk_parent`, DROP FOREIGN KEY `fk_parent`;", "fk_parent"),
    ),
    case(
        "fk_new_tables_created_parent_first",
        (),
        (PARENT, child(FK)),
        (PARENT + ";", child(FK) + ";"),
        note="CREATEs are sorted by name except that a referenced new table comes first:"
        " `parent` before the `child` referencing it",
    ),
]

CHECK_CASES = [
    case(
        "chk_added_named",
        t("a int"),
        t("a int, CONSTRAINT chk_a CHECK (a > 0)"),
        A + "ADD CONSTRAINT `chk_a` CHECK (`a`>0);",
    ),
    case(
        "chk_dropped",
        t("a int, CONSTRAINT chk_a CHECK (a > 0)"),
        t("a int"),
        A + "DROP CHECK `chk_a`;",
        mariadb_expected=A + "DROP CONSTRAINT `chk_a`;",
    ),
    case(
        "chk_expression_changed",
        t("a int, CONSTRAINT chk_a CHECK (a > 0)"),
        t("a int, CONSTRAINT chk_a CHECK (a >= 0)"),
        A + "DROP CHECK `chk_a`, ADD CONSTRAINT `chk_a` CHECK (`a`>=0);",
        mariadb_expected=A + "DROP CONSTRAINT `chk_a`, ADD CONSTRAINT `chk_a` CHECK (`a`>=0);",
    ),
    case(
        "chk_and_expression",
        t("a int"),
        t("a int, CONSTRAINT chk_range CHECK (a > 0 AND a < 100)"),
        A + "ADD CONSTRAINT `chk_range` CHECK (`a`>0 AND `a`<100);",
    ),
    case(
        "chk_function_expression",
        t("name varchar(50)"),
        t("name varchar(50), CONSTRAINT chk_name CHECK (char_length(name) > 2)"),
        A + "ADD CONSTRAINT `chk_name` CHECK (CHAR_LENGTH(`name`)>2);",
    ),
    case(
        "chk_adds_sorted",
        t("a int, b int"),
        t("a int, b int, CONSTRAINT chk_b CHECK (b <> 0), CONSTRAINT chk_a CHECK (a <> 0)"),
        A + "ADD CONSTRAINT `chk_a` CHECK (`a`!=0), ADD CONSTRAINT `chk_b` CHECK (`b`!=0);",
        note="TiDB's restore format spells <> as != in expressions",
    ),
    case(
        "chk_column_level_hoisted_and_named",
        t("a int"),
        t("a int CHECK (a > 0)"),
        A + "ADD CONSTRAINT `t_chk_1` CHECK (`a`>0);",
        mariadb_expected=A + "MODIFY COLUMN `a` int NULL CHECK (`a`>0);",
        note="MySQL hoists it to the table; MariaDB keeps a column CHECK on the column, so"
        " the MariaDB flavour re-declares the column with it",
    ),
    case(
        "chk_renamed_same_expression_is_paired",
        t("a int, CONSTRAINT chk_old CHECK (a > 0)"),
        t("a int, CONSTRAINT chk_new CHECK (a > 0)"),
        show_create_matches=False,
        note="equal expressions pair whatever the names, so the live name stays",
    ),
    case(
        "chk_mariadb_auto_name_no_change",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n  `a` int(11) DEFAULT NULL,\n"
        "  PRIMARY KEY (`id`),\n  CONSTRAINT `CONSTRAINT_1` CHECK (`a` <> 3)\n) ENGINE=InnoDB"
        " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
        t("a int, CHECK (a <> 3)"),
        flavours=MARIADB_ONLY,
    ),
    case(
        "chk_mysql_auto_name_no_change",
        "CREATE TABLE `t` (\n  `id` bigint NOT NULL,\n  `a` int DEFAULT NULL,\n"
        "  PRIMARY KEY (`id`),\n  CONSTRAINT `t_chk_1` CHECK ((`a` > 0))\n) ENGINE=InnoDB"
        " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_ai_ci",
        t("a int CHECK (a > 0)"),
        flavours=MYSQL_ONLY,
    ),
    case(
        "chk_mariadb_inline_column_check_no_change",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n"
        "  `a` int(11) DEFAULT NULL CHECK (`a` > 0),\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB"
        " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
        t("a int CHECK (a > 0)"),
        flavours=MARIADB_ONLY,
    ),
    case(
        "chk_not_enforced_mysql",
        t("a int, CONSTRAINT chk_a CHECK (a > 0)"),
        t("a int, CONSTRAINT chk_a CHECK (a > 0) NOT ENFORCED"),
        A + "ALTER CHECK `chk_a` NOT ENFORCED;",
        flavours=MYSQL_ONLY,
    ),
    case(
        "chk_enforced_again_mysql",
        t("a int, CONSTRAINT chk_a CHECK (a > 0) /*!80016 NOT ENFORCED */"),
        t("a int, CONSTRAINT chk_a CHECK (a > 0) ENFORCED"),
        A + "ALTER CHECK `chk_a` ENFORCED;",
        flavours=MYSQL_ONLY,
    ),
    case(
        "chk_added_not_enforced_mysql",
        t("a int"),
        t("a int, CONSTRAINT chk_a CHECK (a > 0) NOT ENFORCED"),
        A + "ADD CONSTRAINT `chk_a` CHECK (`a`>0) NOT ENFORCED;",
        flavours=MYSQL_ONLY,
    ),
    case(
        "chk_mariadb_column_check_dropped",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n"
        "  `a` int(11) DEFAULT NULL CHECK (`a` > 0),\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB"
        " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
        t("a int"),
        A + "MODIFY COLUMN `a` int NULL;",
        flavours=MARIADB_ONLY,
        note="MariaDB keeps a column CHECK on the column; MODIFY without it removes it",
    ),
    case(
        "chk_json_valid_mariadb_no_change",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n"
        "  `doc` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL"
        " CHECK (json_valid(`doc`)),\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB"
        " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
        t("doc json"),
        flavours=MARIADB_ONLY,
    ),
]

CASES = PRIMARY_KEY_CASES + FOREIGN_KEY_CASES + CHECK_CASES
