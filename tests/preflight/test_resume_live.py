"""Spirit's leftovers on the real MariaDB: resume, restart (none, stale, other statement,
shadow gone, name collision) and blocked (sentinel), with long table names."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from services.preflight import PreflightLimits, Resume
from services.preflight.spirit_names import checkpoint_table_name, new_table_name
from tests.preflight.support import NOW, preflight, seed

STATEMENT = "ALTER TABLE `users` ADD INDEX `idx_name` (`name`)"
LOCK_WAIT = "Error 1205 (HY000): Lock wait timeout exceeded; try restarting transaction"


def _watermark(lower: int) -> str:
    return json.dumps(
        {
            "Key": ["id"],
            "ChunkSize": 1000,
            "LowerBound": {"Value": [str(lower)], "Inclusive": True},
            "UpperBound": {"Value": [str(lower + 1000)], "Inclusive": False},
        }
    )


def _spirit_leftovers(
    engine,
    table: str = "users",
    *,
    statement: str = STATEMENT,
    age: timedelta = timedelta(hours=2),
    watermark: str = "",
    original: str = "",
    shadow: bool = True,
) -> None:
    """What an interrupted Spirit run leaves: the shadow copy and a one-row checkpoint."""
    new, checkpoint = new_table_name(table), checkpoint_table_name(table)
    if shadow:
        seed(engine, f"CREATE TABLE `{new}` LIKE `{table}`")
    seed(
        engine,
        f"CREATE TABLE `{checkpoint}` (id int NOT NULL AUTO_INCREMENT PRIMARY KEY,"
        " copier_watermark TEXT, checksum_watermark TEXT, binlog_position TEXT, statement TEXT,"
        " original_table_name VARCHAR(64) NOT NULL DEFAULT '',"
        " move_phase VARCHAR(32) NOT NULL DEFAULT '', cutover_at TEXT,"
        " created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP)",
        f"INSERT INTO `{checkpoint}` (id, copier_watermark, checksum_watermark, binlog_position,"
        " statement, original_table_name, created_at)"
        " VALUES (1, :watermark, '', 'binlog.000042:4567', :statement, :original, :created)",
        watermark=watermark or _watermark(41),
        statement=statement,
        original=original,
        created=(NOW - age).replace(tzinfo=None),
    )


@pytest.fixture
def users(mysql_engine):
    seed(
        mysql_engine,
        "CREATE TABLE users (id int PRIMARY KEY, name varchar(20))",
        "INSERT INTO users SELECT seq, CONCAT('n', seq) FROM seq_1_to_100",
    )
    return mysql_engine


def _resume(url, table="users", statement=STATEMENT, limits=None):
    (report,) = preflight(url, table, statement, LOCK_WAIT, limits).tables
    return report.resume


def test_no_leftovers_means_restart(mysql_database_url, users):
    state = _resume(mysql_database_url)
    assert (state.resume, state.leftovers) == (Resume.RESTART, ())
    assert state.detail == "no checkpoint: Spirit copies from the start"


def test_a_fresh_matching_checkpoint_resumes_with_the_rows_below_the_watermark(
    mysql_database_url, users
):
    _spirit_leftovers(users)
    state = _resume(mysql_database_url)
    assert state.resume is Resume.RESUME
    assert state.rows_copied_estimate == 40
    assert state.leftovers == ("_users_new", "_users_chkpnt")
    assert state.detail == "the checkpoint is 2.0 h old; about 40 rows already copied"


def test_the_statement_match_ignores_only_surrounding_blanks_and_semicolons(
    mysql_database_url, users
):
    _spirit_leftovers(users, statement=f"  {STATEMENT};\n")
    assert _resume(mysql_database_url).resume is Resume.RESUME


def test_a_stale_checkpoint_restarts_under_the_max_age_given(mysql_database_url, users):
    _spirit_leftovers(users, age=timedelta(hours=80))
    state = _resume(mysql_database_url)
    assert state.resume is Resume.RESTART
    assert state.detail == "the checkpoint is stale: 80.0 h old, max 72.0 h"
    spirit_default = PreflightLimits(checkpoint_max_age=timedelta(hours=168))
    assert _resume(mysql_database_url, limits=spirit_default).resume is Resume.RESUME


def test_a_checkpoint_for_another_statement_restarts(mysql_database_url, users):
    _spirit_leftovers(users, statement="ALTER TABLE `users` ENGINE=InnoDB")
    state = _resume(mysql_database_url)
    assert state.resume is Resume.RESTART
    assert state.detail == (
        "the checkpoint is for a different statement: ALTER TABLE `users` ENGINE=InnoDB"
    )


def test_a_checkpoint_without_its_shadow_table_restarts(mysql_database_url, users):
    _spirit_leftovers(users, shadow=False)
    state = _resume(mysql_database_url)
    assert (state.resume, state.detail) == (Resume.RESTART, "the shadow table _users_new is gone")


def test_an_empty_checkpoint_table_restarts(mysql_database_url, users):
    _spirit_leftovers(users)
    seed(users, "DELETE FROM `_users_chkpnt`")
    state = _resume(mysql_database_url)
    assert (state.resume, state.detail) == (Resume.RESTART, "_users_chkpnt holds no checkpoint")


def test_an_unreadable_watermark_falls_back_to_the_shadow_tables_row_estimate(
    mysql_database_url, users
):
    _spirit_leftovers(users, watermark="not json")
    seed(users, "INSERT INTO `_users_new` SELECT * FROM users WHERE id <= 30")
    seed(users, "ANALYZE TABLE `_users_new`")
    state = _resume(mysql_database_url)
    assert state.resume is Resume.RESUME
    assert state.rows_copied_estimate == 30


def test_a_sentinel_blocks_the_cutover_whatever_the_copy_does(mysql_database_url, users):
    _spirit_leftovers(users)
    seed(users, "CREATE TABLE `_spirit_sentinel` (id int NOT NULL PRIMARY KEY)")
    state = _resume(mysql_database_url)
    assert (state.resume, state.sentinel_present) == (Resume.BLOCKED, True)
    assert state.detail.startswith(
        "_spirit_sentinel exists: Spirit holds the cutover until it is dropped (the copy resumes:"
    )
    assert "_spirit_sentinel" in state.leftovers


def test_long_table_names_use_spirits_cut_auxiliary_names(mysql_database_url, mysql_engine):
    long_name = "order_line_items_with_a_very_long_descriptive_name_2026_x"  # 57 characters
    seed(
        mysql_engine,
        f"CREATE TABLE `{long_name}` (id int PRIMARY KEY)",
        f"INSERT INTO `{long_name}` SELECT seq FROM seq_1_to_60",
    )
    statement = f"ALTER TABLE `{long_name}` ADD COLUMN `x` int"
    _spirit_leftovers(mysql_engine, long_name, statement=statement, original=long_name)
    state = _resume(mysql_database_url, long_name, statement)
    assert state.leftovers == (
        f"_{long_name}_new",
        f"_{long_name[:56]}_chkpnt",
    )
    assert (state.resume, state.rows_copied_estimate) == (Resume.RESUME, 40)


def test_a_checkpoint_of_another_long_table_cut_to_the_same_name_restarts(
    mysql_database_url, mysql_engine
):
    base = "b" * 56
    mine, other = base + "_one", base + "_two"
    seed(mysql_engine, f"CREATE TABLE `{mine}` (id int PRIMARY KEY)")
    statement = f"ALTER TABLE `{mine}` ADD COLUMN `x` int"
    _spirit_leftovers(mysql_engine, mine, statement=statement, original=other)
    state = _resume(mysql_database_url, mine, statement)
    assert state.resume is Resume.RESTART
    assert state.detail == (
        f"_{base}_chkpnt belongs to table {other} (long names cut to the same name)"
    )
