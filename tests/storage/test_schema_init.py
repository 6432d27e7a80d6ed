"""``storage init`` creates exactly SchemaBot's schema, read back from MariaDB.

The expected columns and keys below are written out by hand from SchemaBot's migrations (not
derived from ``services/storage/schema.py``), in a compact notation:
``column | type | null | default`` with NN/NULL, "—" for no default, AI, ON UPD.
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import inspect, text

from app.cli import main
from services.storage.engine import create_storage_engine
from services.storage.init import StorageNotEmptyError, collation_for, init_storage

SPEC_COLUMNS = {
    "applies": """
        id | bigint unsigned | NN | AI
        apply_identifier | varchar(255) | NN | —
        lock_id | bigint unsigned | NN | —
        plan_id | bigint unsigned | NN | —
        database_name | varchar(255) | NN | —
        database_type | varchar(50) | NN | —
        repository | varchar(255) | NN | —
        pull_request | int unsigned | NN | —
        environment | varchar(50) | NN | —
        deployment | varchar(255) | NN | ''
        caller | varchar(255) | NN | ''
        installation_id | bigint | NN | 0
        external_id | varchar(255) | NN | ''
        idempotency_key | varchar(255) | NULL | —
        engine | varchar(50) | NN | —
        state | varchar(100) | NN | —
        error_message | text | NULL | —
        options | json | NN | —
        attempt | int | NN | 0
        lease_owner | varchar(255) | NN | ''
        lease_token | varchar(64) | NN | ''
        lease_acquired_at | datetime | NULL | —
        started_at | datetime | NULL | —
        completed_at | datetime | NULL | —
        revert_skipped_at | datetime | NULL | —
        created_at | datetime | NN | CURRENT_TIMESTAMP
        updated_at | datetime | NN | CURRENT_TIMESTAMP ON UPD
    """,
    "plans": """
        id | bigint unsigned | NN | AI
        plan_identifier | varchar(255) | NN | —
        database_name | varchar(255) | NN | —
        database_type | varchar(50) | NN | —
        deployment | varchar(255) | NN | ''
        target | varchar(255) | NN | ''
        repository | varchar(255) | NN | —
        pull_request | int unsigned | NN | —
        schema_path | varchar(1024) | NN | ''
        environment | varchar(50) | NN | ''
        schema_files | json | NN | —
        plan_data | json | NN | —
        head_sha | varchar(64) | NN | ''
        created_at | datetime | NN | CURRENT_TIMESTAMP
    """,
    "tasks": """
        id | bigint unsigned | NN | AI
        task_identifier | varchar(255) | NN | —
        apply_id | bigint unsigned | NN | —
        apply_operation_id | bigint unsigned | NULL | —
        plan_id | bigint unsigned | NN | —
        database_name | varchar(255) | NN | —
        database_type | varchar(50) | NN | —
        namespace | varchar(255) | NN | ''
        table_name | varchar(255) | NULL | —
        shard | varchar(255) | NN | ''
        ddl | text | NULL | —
        ddl_action | varchar(50) | NULL | —
        engine | varchar(50) | NN | —
        repository | varchar(255) | NN | —
        pull_request | int unsigned | NN | —
        environment | varchar(50) | NN | —
        state | varchar(100) | NN | —
        error_message | text | NULL | —
        options | json | NULL | —
        attempt | int | NN | 0
        rows_copied | bigint | NULL | 0
        rows_total | bigint | NULL | 0
        progress_percent | int | NULL | 0
        eta_seconds | int | NULL | —
        checksum_rows_checked | bigint | NULL | 0
        checksum_rows_total | bigint | NULL | 0
        cutover_attempts | int | NN | 0
        is_instant | tinyint(1) | NULL | 0
        ready_to_complete | tinyint(1) | NULL | 0
        engine_migration_id | varchar(255) | NULL | —
        started_at | datetime | NULL | —
        completed_at | datetime | NULL | —
        created_at | datetime | NN | CURRENT_TIMESTAMP
        updated_at | datetime | NN | CURRENT_TIMESTAMP ON UPD
    """,
    "apply_operations": """
        id | bigint unsigned | NN | AI
        apply_id | bigint unsigned | NN | —
        deployment | varchar(255) | NN | —
        operation_key | varchar(255) | NN | ''
        operation_kind | varchar(32) | NN | 'work'
        target | varchar(255) | NN | ''
        external_id | varchar(255) | NULL | —
        external_operation_id | varchar(255) | NULL | —
        engine_resume_context | varchar(255) | NULL | —
        engine_resume_metadata | json | NULL | —
        state | varchar(100) | NN | 'pending'
        error_message | text | NULL | —
        cutover_policy | varchar(16) | NN | 'rolling'
        on_failure | varchar(16) | NN | 'halt'
        attempt | int | NN | 0
        lease_owner | varchar(255) | NN | ''
        lease_token | varchar(64) | NN | ''
        lease_acquired_at | datetime | NULL | —
        started_at | datetime | NULL | —
        completed_at | datetime | NULL | —
        created_at | datetime | NN | CURRENT_TIMESTAMP
        updated_at | datetime | NN | CURRENT_TIMESTAMP ON UPD
    """,
    "locks": """
        id | bigint unsigned | NN | AI
        database_name | varchar(255) | NN | —
        database_type | varchar(50) | NN | —
        repository | varchar(255) | NN | —
        pull_request | int unsigned | NN | —
        owner | varchar(255) | NN | —
        pending_plan_id | varchar(255) | NN | ''
        created_at | datetime | NN | CURRENT_TIMESTAMP
        updated_at | datetime | NN | CURRENT_TIMESTAMP ON UPD
    """,
    "apply_logs": """
        id | bigint unsigned | NN | AI
        apply_id | bigint unsigned | NN | —
        task_id | bigint unsigned | NULL | —
        level | varchar(20) | NN | 'info'
        event_type | varchar(100) | NN | —
        source | varchar(100) | NN | 'schemabot'
        message | text | NN | —
        old_state | varchar(100) | NULL | —
        new_state | varchar(100) | NULL | —
        metadata | json | NULL | —
        created_at | datetime | NN | CURRENT_TIMESTAMP
    """,
    "apply_control_requests": """
        id | bigint unsigned | NN | AI
        apply_id | bigint unsigned | NN | —
        operation | varchar(50) | NN | —
        status | varchar(50) | NN | —
        requested_by | varchar(255) | NN | ''
        error_message | text | NULL | —
        metadata | json | NN | —
        completed_at | datetime | NULL | —
        created_at | datetime | NN | CURRENT_TIMESTAMP
        updated_at | datetime | NN | CURRENT_TIMESTAMP ON UPD
    """,
    "apply_target_locks": """
        id | bigint unsigned | NN | AI
        database_name | varchar(255) | NN | —
        database_type | varchar(50) | NN | —
        environment | varchar(50) | NN | —
        deployment | varchar(255) | NN | ''
        created_at | datetime | NN | CURRENT_TIMESTAMP
        updated_at | datetime | NN | CURRENT_TIMESTAMP ON UPD
    """,
}

# (index name, columns, unique)
SPEC_INDEXES = {
    "applies": {
        ("PRIMARY", ("id",), True),
        ("idx_apply_identifier", ("apply_identifier",), True),
        ("idx_idempotency_key", ("idempotency_key",), True),
        ("idx_lock_id", ("lock_id",), False),
        ("idx_plan_id", ("plan_id",), False),
        ("idx_database_env", ("database_name", "database_type", "environment"), False),
        (
            "idx_database_env_deployment",
            ("database_name", "database_type", "environment", "deployment"),
            False,
        ),
        ("idx_repo_pr", ("repository", "pull_request"), False),
        ("idx_created_id", ("created_at", "id"), False),
        ("idx_environment_created_id", ("environment", "created_at", "id"), False),
        ("idx_state_created_id", ("state", "created_at", "id"), False),
        ("idx_environment_state_created_id", ("environment", "state", "created_at", "id"), False),
        ("idx_completed_at_state", ("completed_at", "state"), False),
    },
    "plans": {
        ("PRIMARY", ("id",), True),
        ("idx_plan_identifier", ("plan_identifier",), True),
        ("idx_repo_pr", ("repository", "pull_request"), False),
        ("idx_database_env", ("database_name", "database_type", "environment"), False),
    },
    "tasks": {
        ("PRIMARY", ("id",), True),
        ("idx_task_identifier", ("task_identifier",), True),
        ("idx_apply_id", ("apply_id",), False),
        ("idx_apply_operation_id", ("apply_operation_id",), False),
        ("idx_database", ("database_name",), False),
        ("idx_repo_pr", ("repository", "pull_request"), False),
        ("idx_state", ("state",), False),
    },
    "apply_operations": {
        ("PRIMARY", ("id",), True),
        ("idx_apply_operation", ("apply_id", "deployment", "operation_key"), True),
        ("idx_deployment_state", ("deployment", "state"), False),
        ("idx_state_created_id", ("state", "created_at", "id"), False),
        ("idx_apply_created_id", ("apply_id", "created_at", "id"), False),
    },
    "locks": {
        ("PRIMARY", ("id",), True),
        ("idx_database", ("database_name", "database_type"), True),
        ("idx_repo_pr", ("repository", "pull_request"), False),
    },
    "apply_logs": {
        ("PRIMARY", ("id",), True),
        ("idx_apply_created", ("apply_id", "created_at"), False),
        ("idx_task_id", ("task_id",), False),
        ("idx_level", ("level",), False),
        ("idx_event_type", ("event_type",), False),
    },
    "apply_control_requests": {
        ("PRIMARY", ("id",), True),
        ("idx_apply_control_request_apply_operation", ("apply_id", "operation"), True),
        ("idx_apply_control_request_status", ("status", "created_at"), False),
    },
    "apply_target_locks": {
        ("PRIMARY", ("id",), True),
        ("idx_apply_target", ("database_name", "database_type", "environment"), True),
        (
            "idx_apply_target_v2",
            ("database_name", "database_type", "environment", "deployment"),
            True,
        ),
    },
}


def _spec_columns(table: str) -> list[tuple[str, str, str, str]]:
    rows = []
    for line in SPEC_COLUMNS[table].strip().splitlines():
        name, type_, null, default = (part.strip() for part in line.split("|"))
        rows.append((name, type_, null, default))
    return rows


def _normalise_type(column_type: str, is_json: bool) -> str:
    """MariaDB's COLUMN_TYPE in that notation: no integer display widths, json alias."""
    if is_json:
        return "json"
    if column_type == "tinyint(1)":
        return column_type
    return re.sub(r"^(bigint|int|smallint|tinyint)\(\d+\)", r"\1", column_type)


def _normalise_default(default: str | None, nullable: bool, extra: str) -> str:
    if "auto_increment" in extra:
        return "AI"
    if default is None or (nullable and default == "NULL"):
        return "—"
    value = (
        "CURRENT_TIMESTAMP"
        if default.lower() in {"current_timestamp()", "current_timestamp"}
        else default
    )
    if "on update" in extra.lower():
        value += " ON UPD"
    return value


def _read_columns(conn, table: str) -> list[tuple[str, str, str, str]]:
    json_columns = {
        row[0]
        for row in conn.execute(
            text(
                "SELECT CONSTRAINT_NAME FROM information_schema.CHECK_CONSTRAINTS "
                "WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = :t "
                "AND CHECK_CLAUSE LIKE 'json_valid(%'"
            ),
            {"t": table},
        )
    }
    rows = conn.execute(
        text(
            "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA, "
            "DATA_TYPE, COLLATION_NAME FROM information_schema.COLUMNS "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :t ORDER BY ORDINAL_POSITION"
        ),
        {"t": table},
    )
    result = []
    for name, column_type, nullable, default, extra, data_type, collation in rows:
        is_json = name in json_columns
        if is_json:
            assert (data_type, collation) == ("longtext", "utf8mb4_bin"), name
        result.append(
            (
                name,
                _normalise_type(column_type, is_json),
                "NULL" if nullable == "YES" else "NN",
                _normalise_default(default, nullable == "YES", extra or ""),
            )
        )
    return result


def _read_indexes(conn, table: str) -> set[tuple[str, tuple[str, ...], bool]]:
    rows = conn.execute(
        text(
            "SELECT INDEX_NAME, COLUMN_NAME, NON_UNIQUE FROM information_schema.STATISTICS "
            "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = :t "
            "ORDER BY INDEX_NAME, SEQ_IN_INDEX"
        ),
        {"t": table},
    )
    grouped: dict[str, tuple[list[str], bool]] = {}
    for name, column, non_unique in rows:
        grouped.setdefault(name, ([], not non_unique))[0].append(column)
    return {(name, tuple(cols), unique) for name, (cols, unique) in grouped.items()}


@pytest.fixture
def initialised_mysql(mysql_database_url: str):
    engine = create_storage_engine(mysql_database_url)
    init_storage(engine)
    yield engine
    engine.dispose()


def test_init_creates_every_table_column_and_index_of_the_spec(initialised_mysql) -> None:
    with initialised_mysql.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        assert tables == set(SPEC_COLUMNS)
        for table in sorted(SPEC_COLUMNS):
            assert _read_columns(conn, table) == _spec_columns(table), table
            assert _read_indexes(conn, table) == SPEC_INDEXES[table], table


def test_init_uses_innodb_utf8mb4_and_an_accent_and_case_insensitive_collation(
    initialised_mysql,
) -> None:
    with initialised_mysql.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES "
                "WHERE TABLE_SCHEMA = DATABASE()"
            )
        ).all()
    assert len(rows) == len(SPEC_COLUMNS)
    assert {(engine, collation) for _, engine, collation in rows} == {
        ("InnoDB", "utf8mb4_uca1400_ai_ci")
    }


@pytest.mark.parametrize(
    ("version", "collation"),
    [
        ("10.11.19-MariaDB-0+deb12u1", "utf8mb4_uca1400_ai_ci"),
        ("11.4.2-MariaDB", "utf8mb4_uca1400_ai_ci"),
        ("10.6.18-MariaDB", "utf8mb4_unicode_ci"),
        ("8.0.36", "utf8mb4_0900_ai_ci"),
        ("8.4.0-commercial", "utf8mb4_0900_ai_ci"),
        ("5.7.44-log", "utf8mb4_unicode_ci"),
    ],
)
def test_collation_follows_the_server_version_string(version: str, collation: str) -> None:
    assert collation_for(version) == collation


def test_init_refuses_a_database_that_has_any_table(storage_url: str) -> None:
    engine = create_storage_engine(storage_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE unrelated (id INT PRIMARY KEY)"))
    with pytest.raises(StorageNotEmptyError, match=r"1 table\(s\) \(unrelated\)"):
        init_storage(engine)
    with engine.connect() as conn:
        assert inspect(conn).get_table_names() == ["unrelated"]
    engine.dispose()


def test_init_works_on_sqlite(sqlite_url: str) -> None:
    engine = create_storage_engine(sqlite_url)
    created = init_storage(engine)
    with engine.connect() as conn:
        assert set(inspect(conn).get_table_names()) == set(SPEC_COLUMNS) == set(created)
    engine.dispose()


def test_cli_storage_init_creates_then_refuses_with_exit_3(
    mysql_database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["storage", "init", "--storage-url", mysql_database_url, "--json"]) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["status"] == "created"
    assert set(created["tables"]) == set(SPEC_COLUMNS)

    assert main(["storage", "init", "--storage-url", mysql_database_url]) == 3
    err = capsys.readouterr().err
    assert "refusing to initialise" in err and "already has 8 table(s)" in err


def test_cli_never_prints_the_password(capsys: pytest.CaptureFixture[str]) -> None:
    url = "mysql+pymysql://admin:hunter2-secret@127.0.0.1:1/schemabot"
    assert main(["storage", "init", "--storage-url", url]) == 1
    err = capsys.readouterr().err
    assert "hunter2-secret" not in err
    assert "'schemabot' on 127.0.0.1:1" in err
