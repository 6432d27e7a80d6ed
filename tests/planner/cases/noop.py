"""No-op inputs: desired files written differently from SHOW CREATE output must plan nothing.

The ``current`` texts are MariaDB 10.11 SHOW CREATE TABLE output captured on the project's
server (some trimmed of table options, which the planner ignores when the desired omits them).
"""

from __future__ import annotations

from .model import MARIADB_ONLY, case

ACCOUNTS_LIVE = """CREATE TABLE `accounts` (
  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,
  `email` varchar(191) NOT NULL,
  `name` varchar(100) CHARACTER SET latin1 COLLATE latin1_swedish_ci DEFAULT NULL,
  `balance` decimal(12,2) NOT NULL DEFAULT 0.00,
  `active` tinyint(1) NOT NULL DEFAULT 1,
  `kind` enum('a','b') NOT NULL DEFAULT 'a',
  `meta` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT NULL CHECK (json_valid(`meta`)),
  `created_at` datetime NOT NULL DEFAULT current_timestamp(),
  `updated_at` timestamp(3) NULL DEFAULT current_timestamp(3) ON UPDATE current_timestamp(3),
  `notes` text DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `email` (`email`),
  KEY `idx_name_created` (`name`(20),`created_at` DESC),
  FULLTEXT KEY `ft_notes` (`notes`)
) ENGINE=InnoDB AUTO_INCREMENT=42 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci\
 COMMENT='Accounts, it''s "main"'"""

ACCOUNTS_HUMAN = """create table accounts (
    id bigint unsigned not null auto_increment primary key,
    email varchar(191) not null unique,
    name varchar(100) charset latin1,
    balance decimal(12,2) not null default 0,
    active bool not null default true,
    kind enum('a', 'b') not null default 'a',
    meta json,
    created_at datetime not null default now(),
    updated_at timestamp(3) null default current_timestamp(3) on update current_timestamp(3),
    notes text,
    index idx_name_created (name(20), created_at desc),
    fulltext index ft_notes (notes)
) engine=InnoDB default charset=utf8mb4 comment='Accounts, it\\'s "main"'"""

EV_LIVE = """CREATE TABLE `ev` (
  `id` bigint(20) NOT NULL,
  `tenant_id` int(11) NOT NULL,
  `payload` blob DEFAULT NULL,
  `score` double DEFAULT NULL,
  `ratio` float DEFAULT NULL,
  `flags` set('x','y') DEFAULT NULL,
  `y` year(4) DEFAULT NULL,
  `b` bit(3) DEFAULT b'101',
  PRIMARY KEY (`tenant_id`,`id`),
  KEY `tenant_id` (`tenant_id`),
  KEY `tenant_id_2` (`tenant_id`,`score`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci ROW_FORMAT=DYNAMIC"""

EV_HUMAN = """CREATE TABLE ev (
  id BIGINT NOT NULL, tenant_id INTEGER NOT NULL, payload BLOB, score DOUBLE, ratio FLOAT,
  flags SET('x','y'), y YEAR, b BIT(3) DEFAULT b'101',
  PRIMARY KEY (tenant_id, id), KEY (tenant_id), KEY (tenant_id, score)
)"""

SIMPLE_LIVE = (
    "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n  `a` int(11) DEFAULT NULL,\n"
    "  `s` varchar(20) NOT NULL DEFAULT '',\n  PRIMARY KEY (`id`),\n  KEY `idx_a` (`a`)\n"
    ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci"
)

CASES = [
    case(
        "noop_mariadb_accounts_human_written",
        ACCOUNTS_LIVE,
        ACCOUNTS_HUMAN,
        flavours=MARIADB_ONLY,
        note="longtext + json_valid and the printed default collation are MariaDB forms",
    ),
    case(
        "noop_mariadb_unnamed_indexes_and_aliases",
        EV_LIVE,
        EV_HUMAN,
        show_create_matches=False,
        note="live ROW_FORMAT=DYNAMIC is ignored (IgnoreRowFormat)",
    ),
    case("noop_identical_text", SIMPLE_LIVE, SIMPLE_LIVE),
    case(
        "noop_keyword_and_type_case",
        SIMPLE_LIVE,
        "create table t (id BIGINT not null, a Int, s VARCHAR(20) not null default '',"
        " primary key (id), key idx_a (a))",
    ),
    case(
        "noop_whitespace_and_newlines",
        SIMPLE_LIVE,
        "CREATE   TABLE\tt(\n\n id bigint  NOT\nNULL ,a int,s varchar( 20 ) NOT NULL DEFAULT ''"
        " ,PRIMARY KEY(id),KEY idx_a(a))",
    ),
    case(
        "noop_unquoted_identifiers_and_index_keyword",
        SIMPLE_LIVE,
        "CREATE TABLE t (id bigint NOT NULL, a int, s varchar(20) NOT NULL DEFAULT '',"
        " PRIMARY KEY (id), INDEX idx_a (a))",
    ),
    case(
        "noop_inline_primary_key",
        SIMPLE_LIVE,
        "CREATE TABLE t (id bigint PRIMARY KEY, a int, s varchar(20) NOT NULL DEFAULT '',"
        " KEY idx_a (a))",
    ),
    case(
        "noop_display_widths",
        "CREATE TABLE `t` (\n  `id` bigint(20) unsigned NOT NULL,\n  `a` int(11) NOT NULL,\n"
        "  `b` smallint(6) DEFAULT NULL,\n  `c` tinyint(4) DEFAULT NULL,\n"
        "  `d` mediumint(8) unsigned DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB",
        "CREATE TABLE t (id bigint unsigned NOT NULL, a int NOT NULL, b smallint, c tinyint,"
        " d mediumint unsigned, PRIMARY KEY (id))",
    ),
    case(
        "noop_zerofill_width_kept_both_sides",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n"
        "  `z` int(8) unsigned zerofill DEFAULT 00000000,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB",
        "CREATE TABLE t (id bigint NOT NULL, z int(8) unsigned zerofill DEFAULT 0,"
        " PRIMARY KEY (id))",
    ),
    case(
        "noop_integer_and_boolean_aliases",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n  `n` int(11) DEFAULT NULL,\n"
        "  `f` tinyint(1) NOT NULL DEFAULT 0,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB",
        "CREATE TABLE t (id BIGINT NOT NULL, n INTEGER, f BOOLEAN NOT NULL DEFAULT FALSE,"
        " PRIMARY KEY (id))",
    ),
    case(
        "noop_serial_alias",
        "CREATE TABLE `t` (\n  `id` bigint(20) unsigned NOT NULL AUTO_INCREMENT,\n"
        "  PRIMARY KEY (`id`),\n  UNIQUE KEY `id` (`id`)\n) ENGINE=InnoDB"
        " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
        "CREATE TABLE t (id SERIAL, PRIMARY KEY (id))",
    ),
    case(
        "noop_nullable_text_default_null",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n  `body` text DEFAULT NULL,\n"
        "  `raw` blob DEFAULT NULL,\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB",
        "CREATE TABLE t (id bigint NOT NULL, body text, raw blob NULL, PRIMARY KEY (id))",
    ),
    case(
        "noop_auto_increment_counter_and_omitted_options",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL AUTO_INCREMENT,\n  PRIMARY KEY (`id`)\n"
        ") ENGINE=InnoDB AUTO_INCREMENT=987 DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci"
        " ROW_FORMAT=DYNAMIC",
        "CREATE TABLE t (id bigint NOT NULL AUTO_INCREMENT, PRIMARY KEY (id))",
        show_create_matches=False,
        note="live ROW_FORMAT=DYNAMIC is ignored (IgnoreRowFormat)",
    ),
    case(
        "noop_enum_spacing_and_quotes",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n"
        "  `e` enum('a','b c','d''e') DEFAULT 'a',\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB",
        "CREATE TABLE t (id bigint NOT NULL, e ENUM( 'a' , 'b c', 'd\\'e' ) DEFAULT 'a',"
        " PRIMARY KEY (id))",
    ),
    case(
        "noop_decimal_default_forms",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n"
        "  `d` decimal(12,2) NOT NULL DEFAULT 0.00,\n  `e` decimal(5,1) DEFAULT 1.5,\n"
        "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB",
        "CREATE TABLE t (id bigint NOT NULL, d decimal(12,2) NOT NULL DEFAULT 0,"
        " e decimal(5,1) DEFAULT '1.5', PRIMARY KEY (id))",
    ),
    case(
        "noop_asc_and_unique_index_spelling",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n  `a` int(11) DEFAULT NULL,\n"
        "  `b` int(11) DEFAULT NULL,\n  PRIMARY KEY (`id`),\n  UNIQUE KEY `uq_ab` (`a`,`b`)\n"
        ") ENGINE=InnoDB",
        "CREATE TABLE t (id bigint NOT NULL, a int, b int, PRIMARY KEY (id),"
        " UNIQUE INDEX uq_ab (a ASC, b ASC))",
    ),
    case(
        "noop_column_charset_with_default_collation_printed",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n"
        "  `s` varchar(10) CHARACTER SET latin1 COLLATE latin1_swedish_ci DEFAULT NULL,\n"
        "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        " COLLATE=utf8mb4_general_ci",
        "CREATE TABLE t (id bigint NOT NULL, s varchar(10) CHARACTER SET latin1,"
        " PRIMARY KEY (id)) DEFAULT CHARSET=utf8mb4",
        flavours=MARIADB_ONLY,
    ),
    case(
        "noop_json_as_mariadb_prints_it",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL,\n"
        "  `doc` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL"
        " CHECK (json_valid(`doc`)),\n  PRIMARY KEY (`id`)\n) ENGINE=InnoDB"
        " DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci",
        "CREATE TABLE t (id bigint NOT NULL, doc json NOT NULL, PRIMARY KEY (id))",
        flavours=MARIADB_ONLY,
    ),
    case(
        "noop_table_comment_with_escapes",
        "CREATE TABLE `t` (\n  `id` bigint(20) NOT NULL COMMENT 'line1\\nline2 \\\\ ok',\n"
        "  PRIMARY KEY (`id`)\n) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
        " COLLATE=utf8mb4_general_ci COMMENT='it''s ü'",
        "CREATE TABLE t (id bigint NOT NULL COMMENT 'line1\\nline2 \\\\ ok', PRIMARY KEY (id))"
        " COMMENT='it\\'s ü'",
    ),
    case(
        "noop_multi_table_namespace",
        (SIMPLE_LIVE, EV_LIVE),
        (EV_HUMAN, SIMPLE_LIVE),
        show_create_matches=False,
        note="live ROW_FORMAT=DYNAMIC is ignored (IgnoreRowFormat)",
    ),
]
