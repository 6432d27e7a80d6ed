"""The locked read reuses the review's decoded rows only where the server sent identical ones.

The bundle read remembers what it decoded by raw result (``DecodedReads``). Handed those, the
writing transaction's locked read of an unchanged apply returns the very rows the review
decoded (the same objects: nothing decoded twice), and a row changed in any read column since
the review comes decoded anew, with its new value, while the untouched read still reuses. The
review's reads are never extended by the locked read. Run on MariaDB (rows packed as one JSON
text), PostgreSQL and SQLite (rows read as values).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, update
from sqlalchemy import func as sql_func

from services.domain.models import ApplyBundle
from services.redrive.reopen import writing_transaction
from services.storage import queries, settled
from services.storage.column_plan import ColumnPlan
from services.storage.engine import create_storage_engine
from services.storage.generation import detect
from services.storage.init import init_storage
from services.storage.schema import apply_operations, tasks
from tests.postgres_server import fresh_postgres_database

from .factories import insert_failed_apply

FAILED = 6


@pytest.fixture(params=["mysql", "sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    if request.param == "postgres":
        with fresh_postgres_database() as url:
            engine = create_storage_engine(url)
            init_storage(engine)
            yield engine
            engine.dispose()
        return
    fixture = "mysql_database_url" if request.param == "mysql" else "sqlite_url"
    engine = create_storage_engine(request.getfixturevalue(fixture))
    init_storage(engine)
    yield engine
    engine.dispose()


def _seed(engine: Engine) -> ApplyBundle:
    """A failed apply: ``FAILED`` failed tasks of failed operations, two completed ones."""
    operations = [{"state": "failed", "operation_key": f"app//t{n}"} for n in range(FAILED)] + [
        {"state": "completed", "operation_key": f"app//done{n}"} for n in range(2)
    ]
    with engine.begin() as conn:
        seeded = insert_failed_apply(
            conn,
            operations=operations,
            tasks=[
                {"state": "failed", "table_name": f"t{n}", "operation_index": n}
                for n in range(FAILED)
            ]
            + [
                {"state": "completed", "table_name": f"done{n}", "operation_index": FAILED + n}
                for n in range(2)
            ],
        )
        bundle = queries.load_bundle(conn, seeded.apply_identifier)
    assert bundle is not None
    return bundle


def _locked(engine: Engine, bundle: ApplyBundle, *, reviewed: bool = True) -> queries.ApplyRows:
    with writing_transaction(engine) as conn:
        columns = ColumnPlan.for_storage(detect(conn))
        reads = bundle.decoded_reads if reviewed else None
        return queries.locked_apply_rows(conn, columns, bundle.apply, reads)


def test_an_unchanged_apply_takes_the_reviewed_rows_under_lock(engine) -> None:
    bundle = _seed(engine)
    assert len(bundle.tasks) == FAILED and len(bundle.operations) == FAILED
    remembered = len(bundle.decoded_reads)
    assert remembered == 4  # the two row lists, the unsettled operations and tasks

    drive, reflected, operations, settled = _locked(engine, bundle)

    assert reflected == ()
    assert all(a is b for a, b in zip(drive, bundle.tasks, strict=True))
    assert all(a is b for a, b in zip(operations, bundle.operations, strict=True))
    assert settled is bundle.settled  # the review's split and settled rows, not recomputed
    assert len(bundle.decoded_reads) == remembered
    # Without the review's reads the same rows are decoded: equal, but not the same objects.
    drive, _reflected, operations, _settled = _locked(engine, bundle, reviewed=False)
    assert drive == bundle.tasks and operations == bundle.operations
    assert not any(a is b for a, b in zip(drive, bundle.tasks, strict=True))


def test_a_row_changed_since_the_review_is_decoded_anew(engine) -> None:
    bundle = _seed(engine)
    changed = bundle.tasks[2]
    with engine.begin() as conn:  # not a state: the token would not see it, the decode does
        conn.execute(
            update(tasks).where(tasks.c.id == changed.id).values(error_message="disk full")
        )

    drive, _reflected, operations, _settled = _locked(engine, bundle)

    fresh = {task.id: task for task in drive}
    assert fresh[changed.id].error_message == "disk full"
    assert fresh[changed.id] is not changed
    assert all(fresh[t.id] == t for t in bundle.tasks if t.id != changed.id)
    assert all(a is b for a, b in zip(operations, bundle.operations, strict=True))
    assert len(bundle.decoded_reads) == 4  # the locked read's decode is not kept


def test_a_changed_operation_is_decoded_anew_and_the_tasks_still_reused(engine) -> None:
    bundle = _seed(engine)
    changed = bundle.operations[0]
    with engine.begin() as conn:
        conn.execute(
            update(apply_operations)
            .where(apply_operations.c.id == changed.id)
            .values(operation_key="app//renamed")
        )

    drive, _reflected, operations, _settled = _locked(engine, bundle)

    fresh = {op.id: op for op in operations}
    assert fresh[changed.id].operation_key == "app//renamed"
    assert fresh[changed.id] is not changed
    assert all(a is b for a, b in zip(drive, bundle.tasks, strict=True))


@pytest.fixture
def parsed_lists(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The row-list texts parsed from now on (by the real ``settled._parse``)."""
    texts: list[str] = []
    real = settled._parse

    def counted(text, *, shift):
        texts.append("tasks" if shift else "operations")
        return real(text, shift=shift)

    monkeypatch.setattr(settled, "_parse", counted)
    return texts


def test_the_locked_read_parses_only_the_row_lists_that_changed(engine, parsed_lists) -> None:
    """Unchanged lists are taken parsed from the review; a completed task that failed since
    changes the task list's text, which is parsed anew and settles that task no more."""
    bundle = _seed(engine)
    assert sorted(parsed_lists) == ["operations", "tasks"]  # the review's own parse
    parsed_lists.clear()
    *_rows, unchanged = _locked(engine, bundle)
    assert parsed_lists == [] and unchanged == bundle.settled
    _locked(engine, bundle, reviewed=False)
    assert sorted(parsed_lists) == ["operations", "tasks"]

    done = bundle.settled.drive_task_ids[0]
    with engine.begin() as conn:
        failed = {"state": "failed", "updated_at": sql_func.now()}
        conn.execute(update(tasks).where(tasks.c.id == done).values(**failed))
    parsed_lists.clear()
    drive, _reflected, _operations, now = _locked(engine, bundle)
    assert parsed_lists == ["tasks"]
    assert now is not bundle.settled
    failed_now = {task.id: task for task in drive}[done]
    assert done not in now.drive_task_ids
    # its operation is read in full now (it owns an unsettled task), the others stay settled
    owner = failed_now.apply_operation_id
    assert set(bundle.settled.operation_ids) - set(now.operation_ids) == {owner}
