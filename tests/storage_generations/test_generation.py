"""Generation and dialect detection, and per-capability core columns, on every real storage."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import create_engine, event, text

from app.cli import main
from services.domain.errors import IncompatibleStorageError
from services.storage.compat import Capability, check_compatible, missing_for, supports
from services.storage.engine import create_storage_engine, parse_storage_url
from services.storage.generation import G2_MARKER_COLUMNS, G2_MARKER_TABLES, classify
from tests.storage_generations.layouts import DDL_ROOT, LAYOUTS, tables

G1_TASK_COLUMNS = [("tasks", "id"), ("tasks", "state"), ("tasks", "ready_to_complete")]


def _inspect_json(url: str, capsys: pytest.CaptureFixture[str]) -> dict:
    capsys.readouterr()
    assert main(["storage", "inspect", "--storage-url", url, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1, "one JSON document on one line"
    return json.loads(out)


# -- the pure classifier -------------------------------------------------------------------


def test_ready_to_complete_without_g2_markers_is_g1() -> None:
    storage = classify("mysql", [("applies", "id"), *G1_TASK_COLUMNS])
    assert (storage.generation, storage.markers) == ("g1", ("tasks.ready_to_complete",))


@pytest.mark.parametrize(("table", "column"), G2_MARKER_COLUMNS)
def test_any_one_g2_marker_column_means_g2_even_with_ready_to_complete(
    table: str, column: str
) -> None:
    storage = classify("mysql", [*G1_TASK_COLUMNS, (table, column.upper())])
    assert storage.generation == "g2"
    assert storage.markers == (f"{table}.{column}",)


@pytest.mark.parametrize("table", G2_MARKER_TABLES)
def test_a_g2_marker_table_means_g2(table: str) -> None:
    storage = classify("mysql", [*G1_TASK_COLUMNS, (table, "id")])
    assert (storage.generation, storage.markers) == ("g2", (table,))


def test_postgres_storage_is_g2_by_its_dialect_alone() -> None:
    storage = classify("postgres", G1_TASK_COLUMNS)
    assert (storage.generation, storage.markers) == ("g2", ("postgres storage",))


@pytest.mark.parametrize("dialect", ["mysql", "sqlite"])
def test_neither_marker_is_unknown(dialect: str) -> None:
    storage = classify(dialect, [("applies", "id"), ("tasks", "state")])
    assert (storage.generation, storage.markers) == ("unknown", ())


def test_present_columns_are_case_insensitive() -> None:
    storage = classify("mysql", [("TASKS", "Ready_To_Complete")])
    assert storage.has("tasks", "READY_TO_COMPLETE") and storage.has("Tasks")
    assert not storage.has("tasks", "throttled") and not storage.has("applies")


# -- real storages built from upstream's DDL -----------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_ddl_file_names_its_upstream_source_commit(layout: str) -> None:
    for table in tables(layout):
        head = (DDL_ROOT / layout / f"{table}.sql").read_text()
        assert re.search(rf"pkg/schema/\w+/{table}\.sql @ [0-9a-f]{{40}}", head), table
        assert "utf8mb4_0900_ai_ci" not in head.replace("-- Collation utf8mb4_0900_ai_ci", "")


def test_g1_mysql_storage_inspects_as_g1(
    g1_mysql_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    document = _inspect_json(g1_mysql_url, capsys)
    assert document == {
        "storage": {"dialect": "mysql", "generation": "g1"},
        "dialect": "mysql",
        "generation": "g1",
        "markers": ["tasks.ready_to_complete"],
        "missing_used_columns": [],
        "extra_ignored_columns": [],
    }


def test_g2_mysql_storage_inspects_as_g2_with_its_markers(
    g2_mysql_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    document = _inspect_json(g2_mysql_url, capsys)
    assert document["storage"] == {"dialect": "mysql", "generation": "g2"}
    assert document["markers"] == [
        "applies.retry_after",
        "applies.superseded_by",
        "applies.expected_operation_keys",
        "apply_operations.already_converged",
        "pending_drops",
        "merge_gate_requests",
    ]
    assert document["missing_used_columns"] == ["tasks.ready_to_complete"]
    ignored = set(document["extra_ignored_columns"])
    assert {"locks.disclosed_copy_discard", "applies.expected_operation_keys"} <= ignored
    assert not ignored & {"tasks.throttled", "applies.retry_after", "applies.superseded_by"}


def test_g2_postgres_storage_inspects_as_g2_through_a_bare_postgres_url(
    g2_postgres_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    bare = g2_postgres_url.replace("postgresql+psycopg://", "postgres://", 1)
    document = _inspect_json(bare, capsys)
    assert document["storage"] == {"dialect": "postgres", "generation": "g2"}
    assert document["markers"][-1] == "postgres storage"
    assert "applies.superseded_by" in document["markers"]
    assert document["missing_used_columns"] == ["tasks.ready_to_complete"]
    assert {"tasks.execution_mode", "plans.narrowed_to"} <= set(document["extra_ignored_columns"])


def test_storage_without_ready_to_complete_or_markers_is_unknown(
    g1_mysql_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = create_engine(g1_mysql_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE tasks DROP COLUMN ready_to_complete"))
    engine.dispose()
    capsys.readouterr()
    assert main(["storage", "inspect", "--storage-url", g1_mysql_url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        "dialect: mysql",
        "generation: unknown",
        "markers seen: (none)",
        "missing used columns: tasks.ready_to_complete",
        "extra ignored columns: (none)",
    ]


def test_inspect_escapes_a_hostile_column_name(
    g1_mysql_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = create_engine(g1_mysql_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE applies ADD COLUMN `x\x1b[2Jy` int NULL"))
    engine.dispose()
    capsys.readouterr()
    assert main(["storage", "inspect", "--storage-url", g1_mysql_url]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "applies.x\\x1b[2jy" in out  # names compare lower-cased


@pytest.mark.parametrize("fixture", ["g1_mysql_url", "g2_postgres_url"])
def test_detection_is_one_read_only_catalog_statement(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    engine = create_storage_engine(request.getfixturevalue(fixture))
    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with engine.connect() as conn:
        statements.clear()
        check_compatible(conn)
    engine.dispose()
    assert len(statements) == 1
    assert statements[0].lstrip().upper().startswith("SELECT")


# -- per-capability core columns -------------------------------------------------------------


@pytest.mark.parametrize("fixture", ["g1_mysql_url", "g2_mysql_url", "g2_postgres_url"])
def test_every_generation_has_the_list_and_review_core(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    engine = create_storage_engine(request.getfixturevalue(fixture))
    with engine.connect() as conn:
        storage = check_compatible(conn)
    engine.dispose()
    assert supports(storage, Capability.LIST_AND_REVIEW)
    assert supports(storage, Capability.REOPEN)


def test_a_missing_core_column_is_refused_by_name(g2_mysql_url: str) -> None:
    engine = create_storage_engine(g2_mysql_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE tasks DROP COLUMN shard"))
        conn.execute(text("DROP TABLE apply_control_requests"))
    with engine.connect() as conn, pytest.raises(IncompatibleStorageError) as caught:
        check_compatible(conn)
    engine.dispose()
    message = str(caught.value)
    assert "missing tables: apply_control_requests" in message
    assert "missing columns: tasks.shard" in message


def test_reopen_needs_the_columns_it_writes_and_listing_does_not(g1_mysql_url: str) -> None:
    engine = create_storage_engine(g1_mysql_url)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE apply_operations DROP COLUMN lease_token"))
        conn.execute(text("ALTER TABLE tasks DROP COLUMN ready_to_complete"))
    with engine.connect() as conn:
        storage = check_compatible(conn)
    engine.dispose()
    assert missing_for(storage, Capability.LIST_AND_REVIEW) == ([], [])
    assert missing_for(storage, Capability.REOPEN) == ([], ["apply_operations.lease_token"])


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_bare_postgres_urls_select_psycopg(scheme: str) -> None:
    url = parse_storage_url(f"{scheme}://u:pw@db.internal:5432/schemabot")
    assert url.drivername == "postgresql+psycopg"
    engine = create_storage_engine(url)
    assert engine.dialect.driver == "psycopg"
    engine.dispose()
