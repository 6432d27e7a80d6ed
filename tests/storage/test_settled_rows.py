"""The set-based bundle read: settled rows as ids, the rest decoded, nothing lost or changed.

One apply holds every mix of state spelling, shard, operation link (none, keyed or not, kind,
state, deployment, another apply's, dangling) that decides whether a row is settled. The
bundle (unsettled rows + settled ids) must carry exactly what the full row-by-row read
carries: every id with its stored state, the same drive/reflected split, the same remaining
work and the same review token; the read under lock splits the same way and locks every row.
Run on MariaDB, SQLite and PostgreSQL (G2, with ``tasks.throttled``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import fields

import pytest
from sqlalchemy import Engine, null, select, text, update

from services.domain.errors import NullColumnError
from services.domain.models import BriefTask
from services.redrive.remaining import reconstruct_remaining_work
from services.redrive.reopen import writing_transaction
from services.redrive.token import build_token
from services.redrive.validation import RedriveRejection
from services.storage import queries
from services.storage.dialect_sql import id_filter
from services.storage.engine import create_storage_engine
from services.storage.init import init_storage
from services.storage.schema import tasks
from services.storage.store import Storage
from tests.postgres_server import fresh_postgres_database

from .factories import (
    all_task_states,
    drive_task_states,
    insert_failed_apply,
    insert_operation,
    insert_task,
    operation_states,
)
from .hostile import allow_null

# (label, overrides) of the apply's operations
OPERATIONS = [
    ("done_keyed", {"state": "completed", "operation_key": "app/-80/users"}),
    ("done_other_key", {"state": "completed", "operation_key": "app/-80/other"}),
    ("done_capital_kind", {"state": "completed", "operation_key": "app/k/x",
                           "operation_kind": "Work"}),
    ("done_finalizer", {"state": "completed", "operation_key": "app/group_finalizer",
                        "operation_kind": "group_finalizer"}),
    ("failed", {"state": "failed", "operation_key": "app/c0-/users"}),
    ("failed_finalizer", {"state": "failed", "operation_key": "other/group_finalizer",
                          "operation_kind": "group_finalizer"}),
    ("done_upper", {"state": "COMPLETED", "operation_key": "app/u/x"}),
    ("done_space", {"state": "completed ", "operation_key": "app/s/x"}),
    ("done_replica", {"state": "completed", "operation_key": "app/r/x", "deployment": "replica"}),
    # operations whose tasks are all stored exactly "completed"
    ("alone", {"state": "completed", "operation_key": "app/-80/users2"}),
    ("alone_replica", {"state": "completed", "operation_key": "app/-80/users3",
                       "deployment": "replica"}),
]  # fmt: skip
ALONE = {"alone", "alone_replica"}
TASK_STATES = ["completed", "failed", "cancelled", "COMPLETED", "completed "]
SHARDS = ["", "-80"]


@pytest.fixture(params=["mysql", "sqlite", "postgres"])
def engine(request: pytest.FixtureRequest) -> Iterator[Engine]:
    """An initialised storage on MariaDB, SQLite or PostgreSQL (G2 tables)."""
    if request.param == "postgres":
        with fresh_postgres_database() as url:
            yield _initialised(url)
        return
    fixture = "mysql_database_url" if request.param == "mysql" else "sqlite_url"
    yield _initialised(request.getfixturevalue(fixture))


def _initialised(url: str) -> Engine:
    engine = create_storage_engine(url)
    init_storage(engine)
    return engine


def _seed(engine: Engine) -> tuple[str, dict[str, int], dict[tuple, int]]:
    """The apply of every mix: (identifier, operation ids by label, task ids by (link label,
    state, shard)), plus completed tasks of another apply's operation, of a missing one and
    (G2) a throttled one."""
    with engine.begin() as conn:
        other = insert_failed_apply(conn, apply={"database_name": "elsewhere"}, tasks=())
        foreign_op = insert_operation(conn, other.apply_id, state="completed")
        seeded = insert_failed_apply(conn, tasks=())
        ops = {label: insert_operation(conn, seeded.apply_id, **o) for label, o in OPERATIONS}
        links = {None: None, **ops, "foreign": foreign_op, "missing": 999_999}
        task_ids = {}
        for (label, link), state, shard in itertools.product(links.items(), TASK_STATES, SHARDS):
            if label in {"foreign", "missing", *ALONE} and state != "completed":
                continue  # (a failed task of a missing operation refuses the review outright)
            task_ids[label, state, shard] = insert_task(
                conn, seeded.apply_id, state=state, shard=shard, table_name="users",
                apply_operation_id=link,
            )  # fmt: skip
        if "throttled" in _columns(conn, "tasks"):
            throttled = insert_task(conn, seeded.apply_id, state="completed")
            conn.execute(text(f"UPDATE tasks SET throttled = TRUE WHERE id = {throttled}"))
            task_ids["throttled", "completed", ""] = throttled
    return seeded.apply_identifier, ops, task_ids


# (link label, shard) of a task stored exactly "completed" that is settled: no operation, or
# an exactly completed one of the apply (a shard task's also of kind exactly "work"); the
# deployment and the settledness of the operation itself do not matter for the task
SETTLED_LINKS = {
    (None, ""), (None, "-80"), ("done_keyed", ""), ("done_keyed", "-80"),
    ("done_other_key", ""), ("done_other_key", "-80"), ("done_capital_kind", ""),
    ("done_finalizer", ""), ("done_replica", ""), ("done_replica", "-80"),
    ("alone", ""), ("alone", "-80"), ("alone_replica", ""), ("alone_replica", "-80"),
}  # fmt: skip
# every other operation owns an unsettled task, or is on another deployment than the apply's
SETTLED_OPERATIONS = {"alone"}


def _columns(conn, table: str) -> set[str]:
    from services.storage.generation import detect

    return set(detect(conn).present[table])


def _full_rows(storage: Storage, apply_id: int):
    with storage._reading() as conn:
        return queries.load_tasks_and_operations(conn, apply_id, storage.column_plan)


def _work(apply, tasks_, operations):
    try:
        return reconstruct_remaining_work(apply, tasks_, operations, "primary")
    except RedriveRejection as refusal:
        return refusal.code


def test_the_bundle_carries_exactly_what_the_full_read_carries(engine: Engine) -> None:
    ident, ops, task_ids = _seed(engine)
    storage = Storage(engine)
    bundle = storage.load_bundle(ident)
    drive, reflected, operations = _full_rows(storage, bundle.apply.id)

    assert all_task_states(bundle) == {t.id: t.state for t in drive + reflected}
    assert set(drive_task_states(bundle)) == {t.id for t in drive}
    assert operation_states(bundle) == {op.id: op.state for op in operations}
    full = {t.id: t for t in drive + reflected}
    for brief in bundle.tasks + bundle.reflected_tasks:  # a brief row is the full row's head
        whole = full[brief.id]
        assert brief == BriefTask(**{f.name: getattr(whole, f.name) for f in fields(BriefTask)})
    unsettled = bundle.tasks + bundle.reflected_tasks
    assert _work(bundle.apply, unsettled, bundle.operations) == _work(
        bundle.apply, drive + reflected, operations
    )
    seen = build_token(bundle.apply, unsettled, bundle.operations, None, "f", None, bundle.settled)
    assert seen == build_token(bundle.apply, drive + reflected, operations, None, "f")

    # what is settled, and what is not though it looks done
    settled_tasks = set(bundle.settled.drive_task_ids + bundle.settled.reflected_task_ids)
    expected = {
        task_id
        for (label, state, shard), task_id in task_ids.items()
        if state == "completed" and (label, shard) in SETTLED_LINKS
    }
    assert settled_tasks == expected
    assert set(bundle.settled.operation_ids) == {ops[label] for label in SETTLED_OPERATIONS}
    engine.dispose()


def test_the_locked_read_splits_the_same_way_and_locks_every_row(engine: Engine) -> None:
    ident, _, _ = _seed(engine)
    storage = Storage(engine)
    bundle = storage.load_bundle(ident)
    with writing_transaction(engine) as conn:
        drive, reflected, operations, settled = queries.locked_apply_rows(
            conn, storage.column_plan, bundle.apply
        )
        assert (drive, reflected, operations, settled) == (
            bundle.tasks,
            bundle.reflected_tasks,
            bundle.operations,
            bundle.settled,
        )
        if engine.dialect.name != "sqlite":  # SQLite: BEGIN IMMEDIATE serialises writers
            for task_id in (bundle.settled.drive_task_ids[0], bundle.tasks[0].id):
                assert _locked_elsewhere(engine, task_id)
    engine.dispose()


def _locked_elsewhere(engine: Engine, task_id: int) -> bool:
    """Whether another connection fails to lock the task row at once (``NOWAIT``)."""
    with engine.connect() as other:
        try:
            other.execute(text(f"SELECT id FROM tasks WHERE id = {task_id} FOR UPDATE NOWAIT"))
        except Exception:  # the driver's lock-not-available error
            return True
        finally:
            other.rollback()
    return False


def test_a_list_the_server_cuts_is_read_again_as_rows(request: pytest.FixtureRequest) -> None:
    """MariaDB cuts GROUP_CONCAT at ``group_concat_max_len``: id lists and packed rows both."""
    engine = _initialised(request.getfixturevalue("mysql_database_url"))
    ident, _, _ = _seed(engine)
    storage = Storage(engine)
    expected = storage.load_bundle(ident)
    with engine.connect() as conn, conn.begin():
        conn.execute(text("SET SESSION group_concat_max_len = 8"))
        cut = queries.load_bundle(conn, ident, storage.column_plan)
        conn.execute(text("SET SESSION group_concat_max_len = DEFAULT"))
    assert cut == expected
    engine.dispose()


@pytest.mark.parametrize("column", ["engine", "created_at"])
def test_a_null_in_a_completed_task_is_still_named(storage: Storage, column: str) -> None:
    with storage.engine.begin() as conn:
        seeded = insert_failed_apply(conn, tasks=({"state": "failed"}, {"state": "completed"}))
        allow_null(conn, "tasks", column)
        conn.execute(update(tasks).where(tasks.c.id == seeded.task_ids[1]).values({column: null()}))
    with pytest.raises(NullColumnError, match=rf"tasks\.{column} is NULL"):
        storage.load_bundle(seeded.apply_identifier)


@pytest.mark.parametrize(
    "pick",
    [
        [],
        [0],
        [0, 1],
        [0, 1, 2, 3],
        [0, 2, 4, 6],
        [1, 2, 3, 4, 5, 9, 11, 12, 13, 14, 20],
        [0, 1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13],  # three runs in four slots: the last repeated
        [0, 1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18, 19, 21],
    ],
)
def test_an_id_filter_selects_exactly_its_ids(storage: Storage, pick: list[int]) -> None:
    """Runs of consecutive ids (BETWEEN on MySQL/MariaDB, in a power-of-two number of
    slots) and single ones alike, their values bound at execution."""
    with storage.engine.begin() as conn:
        seeded = insert_failed_apply(conn, tasks=[{"state": "completed"}] * 22)
    wanted = [seeded.task_ids[i] for i in pick]
    with storage.engine.connect() as conn:
        among = id_filter(conn.dialect.name, tasks.c.id, wanted)
        filtered = select(tasks.c.id).where(among.clause)
        assert sorted(conn.execute(filtered, among.params).scalars()) == sorted(wanted)


@pytest.mark.parametrize("dialect", ["mysql", "mariadb", "postgresql", "sqlite"])
def test_id_sets_of_one_shape_share_one_clause(dialect: str) -> None:
    """The clause carries no values: two id sets of the same shape get the very same clause
    (so SQLAlchemy compiles the statement once) and only their parameters differ; another
    column gets its own clause and parameter names."""
    first = id_filter(dialect, tasks.c.id, [*range(1, 31), *range(41, 71), 90])
    second = id_filter(dialect, tasks.c.id, [*range(101, 111), *range(201, 241), 300])
    assert first.clause is second.clause
    assert first.params.keys() == second.params.keys()
    assert first.params != second.params
    other = id_filter(dialect, tasks.c.apply_id, [*range(1, 31), *range(41, 71), 90])
    assert other.clause is not first.clause
    assert not other.params.keys() & first.params.keys()
