"""Reading the remaining statements, the per-flavour time-limit syntax, and bad limits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from services.planner.api import Flavour
from services.preflight import PreflightLimits
from services.preflight.ddl import read_changes
from services.preflight.server import DIALECTS, flavour_of


def test_only_clauses_existing_rows_can_violate_are_kept():
    changes = read_changes(
        (
            "ALTER TABLE `shop`.`orders` ADD UNIQUE INDEX `uk` (`a`, `b`(10)),"
            " ADD COLUMN `x` int NOT NULL, ADD INDEX `i` (`x`), ADD PRIMARY KEY (`id`),"
            " CHANGE COLUMN `old` `new` varchar(5) NOT NULL AFTER `id`,"
            " MODIFY `m` int UNIQUE FIRST,"
            " ADD FOREIGN KEY (`c`) REFERENCES `customers` (`id`), DROP COLUMN `gone`;",
            "CREATE TABLE `t2` (`id` int)",
            "DROP TABLE `t3`",
        )
    )
    assert [(k.kind, k.name, [(p.column, p.length) for p in k.parts]) for k in changes.keys] == [
        ("UNIQUE", "uk", [("a", None), ("b", 10)]),
        ("PRIMARY", "PRIMARY", [("id", None)]),
        ("UNIQUE", "", [("m", None)]),
    ]
    assert [(c.old_name, c.column.name, c.column.type, c.column.args, c.column.nullable)
            for c in changes.columns] == [
        ("old", "new", "varchar", ("5",), False),
        ("m", "m", "int", (), True),
    ]  # fmt: skip
    (foreign_key,) = changes.foreign_keys
    assert (foreign_key.columns, foreign_key.ref_table, foreign_key.ref_columns) == (
        ("c",),
        "customers",
        ("id",),
    )
    assert changes.notes == ()


def test_an_unreadable_clause_is_noted_and_nothing_is_guessed():
    changes = read_changes(("ALTER TABLE `t` MODIFY COLUMN `c` frobnicate(3)",))
    assert changes.empty
    (note,) = changes.notes
    assert note.startswith("clause not checked (column c: unknown type 'frobnicate')")


def test_each_flavour_bounds_a_select_its_own_way():
    mysql, mariadb = DIALECTS[Flavour.MYSQL], DIALECTS[Flavour.MARIADB]
    assert mysql.bounded("SELECT 1", 2.5) == "SELECT /*+ MAX_EXECUTION_TIME(2500) */ 1"
    assert (
        mariadb.bounded("SELECT 1", 2.5) == "SET STATEMENT max_statement_time=2.500000 FOR SELECT 1"
    )
    assert (mysql.time_limit_codes, mariadb.time_limit_codes) == ({3024}, {1969})
    with pytest.raises(ValueError):
        mysql.bounded("DELETE FROM t", 1.0)
    assert flavour_of("10.11.19-MariaDB-0+deb12u1") is Flavour.MARIADB
    assert flavour_of("8.0.36") is Flavour.MYSQL


@pytest.mark.parametrize(
    "bad",
    [
        {"statement_seconds": 0},
        {"row_cap": 0},
        {"example_limit": -1},
        {"checkpoint_max_age": timedelta(0)},
    ],
)
def test_bad_limits_are_refused(bad):
    with pytest.raises(ValueError):
        PreflightLimits(**bad)
