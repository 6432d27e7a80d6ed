"""PostgreSQL storage: the triage page in a fixed number of statements, ``storage init``."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, event, text

from app.cli import main
from services.storage.store import Storage
from tests.postgres_server import fresh_postgres_database
from tests.storage_generations.scenario import (
    add_g2_details,
    dump_storage,
    reflect,
    seed_failed_apply,
)

APPLIES = 12


def test_the_triage_page_and_the_bundle_run_a_fixed_number_of_statements_on_postgres(
    g2_postgres_url: str, tmp_path
) -> None:
    seeded = [seed_failed_apply(g2_postgres_url, tmp_path / str(i)) for i in range(APPLIES)]
    storage = Storage.from_url(g2_postgres_url)
    statements: list[str] = []
    event.listen(storage.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    page = storage.triage(limit=200)
    assert len(page.records) == APPLIES
    assert len(statements) <= 5, statements
    statements.clear()
    bundle = storage.load_bundle(seeded[0].apply_identifier)
    assert bundle is not None and len(bundle.tasks) == 1
    assert len(statements) <= 5, statements  # 4, plus the pending drops of its tables
    storage.engine.dispose()


def test_postgres_triage_orders_newest_failure_first_and_pages_with_null_last(
    g2_postgres_url: str, tmp_path
) -> None:
    seeded = [seed_failed_apply(g2_postgres_url, tmp_path / str(i)) for i in range(3)]
    engine = create_engine(g2_postgres_url)
    with engine.begin() as conn:
        never_completed = seeded[0].apply_id
        conn.execute(text(f"UPDATE applies SET completed_at = NULL WHERE id = {never_completed}"))
        conn.execute(
            text(
                "UPDATE applies SET completed_at = completed_at - INTERVAL '1 minute' "
                f"WHERE id = {seeded[2].apply_id}"
            )
        )
    engine.dispose()
    storage = Storage.from_url(g2_postgres_url)
    order, cursor = [], None
    while True:
        page = storage.triage(limit=1, cursor=cursor)
        order += [r.id for r in page.records]
        if (cursor := page.next_cursor) is None:
            break
    storage.engine.dispose()
    assert order == [seeded[1].apply_id, seeded[2].apply_id, seeded[0].apply_id]


def test_storage_init_dialect_postgres_creates_the_g2_postgres_tables(
    g2_postgres_url: str, capsys
) -> None:
    with fresh_postgres_database() as empty:
        _init_and_compare(empty, g2_postgres_url, capsys)


def _init_and_compare(postgres_database_url: str, g2_postgres_url: str, capsys) -> None:
    capsys.readouterr()
    argv = ["storage", "init", "--dialect", "postgres", "--storage-url", postgres_database_url]
    assert main([*argv, "--json"]) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["status"] == "created"
    assert "pending_drops" in created["tables"] and "applies" in created["tables"]

    def columns(url: str) -> dict[str, list[tuple[str, str]]]:
        engine = create_engine(url)
        found = {
            name: [(c.name, str(c.type)) for c in t.columns]
            for name, t in reflect(engine).tables.items()
        }
        engine.dispose()
        return found

    assert columns(postgres_database_url) == columns(g2_postgres_url)  # upstream's G2 tables
    assert main(["storage", "inspect", "--storage-url", postgres_database_url, "--json"]) == 0
    inspected = json.loads(capsys.readouterr().out)
    assert inspected["storage"] == {"dialect": "postgres", "generation": "g2"}
    assert dump_storage(postgres_database_url) == {t: [] for t in created["tables"]}


def test_storage_init_refuses_a_dialect_the_url_is_not(tmp_path, capsys) -> None:
    url = f"sqlite:///{tmp_path / 'storage.db'}"
    capsys.readouterr()
    argv = ["storage", "init", "--dialect", "postgres", "--storage-url", url, "--json"]
    assert main(argv) == 2
    assert json.loads(capsys.readouterr().out)["status"] == "bad_input"
    assert not (tmp_path / "storage.db").exists() or dump_storage(url) == {}


@pytest.mark.parametrize("fixture", ["g1_mysql_url", "g2_mysql_url", "g2_postgres_url"])
def test_the_catalog_is_read_once_per_storage(fixture: str, request, tmp_path) -> None:
    s = seed_failed_apply(request.getfixturevalue(fixture), tmp_path)
    storage = Storage.from_url(s.url)
    statements: list[str] = []
    event.listen(storage.engine, "before_cursor_execute", lambda *a: statements.append(a[2]))
    for _ in range(3):
        storage.triage()
        storage.load_bundle(s.apply_identifier)
    storage.engine.dispose()
    assert not [q for q in statements if "information_schema" in q.lower()]


@pytest.mark.parametrize("fixture", ["g2_mysql_url", "g2_postgres_url"])
def test_a_pending_drop_counts_only_for_the_apply_whose_task_names_the_table(
    fixture: str, request, tmp_path
) -> None:
    url = request.getfixturevalue(fixture)
    dropped = seed_failed_apply(url, tmp_path / "a")
    other = seed_failed_apply(url, tmp_path / "b")
    add_g2_details(url, dropped)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE tasks SET table_name = 'orders' WHERE id = {other.task_id}"))
    engine.dispose()
    storage = Storage.from_url(url)
    counts = {r.id: r.pending_drops for r in storage.triage().records}
    storage.engine.dispose()
    assert counts == {dropped.apply_id: 1, other.apply_id: 0}


def test_the_outcome_read_runs_on_postgres(g2_postgres_url: str, tmp_path) -> None:
    s = seed_failed_apply(g2_postgres_url, tmp_path)
    storage = Storage.from_url(g2_postgres_url)
    progress = storage.load_progress(s.apply_identifier)
    storage.engine.dispose()
    assert progress is not None and progress.apply.state == "failed"
    assert [t.id for t in progress.tasks] == [s.task_id]
    assert [o.id for o in progress.operations] == [s.operation_id]
    assert [e.event_type for e in progress.recent_logs] == ["apply_failed"]
    assert progress.database_now.tzinfo is None  # the naive database clock, as on MySQL


def test_postgres_statements_are_never_prepared_server_side(g2_postgres_url: str, tmp_path):
    """psycopg prepares a statement run five times, and PostgreSQL may then plan it once for
    any values: on a table without statistics that plan tested each of a big apply's rows
    against every id of the array. The storage engine keeps every statement unprepared."""
    seeded = seed_failed_apply(g2_postgres_url, tmp_path)
    storage = Storage.from_url(g2_postgres_url)
    with storage.engine.connect() as conn:
        for _ in range(12):
            storage.load_bundle(seeded.apply_identifier)
            conn.execute(text("SELECT count(*) FROM tasks WHERE id = ANY(:ids)"), {"ids": [1, 2]})
        prepared = conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()
    storage.engine.dispose()
    assert prepared == 0
