"""Decoding stored rows and JSON columns into the domain dataclasses."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from sqlalchemy import update

from services.domain.errors import MalformedRowError
from services.domain.models import ApplyOptions, NamespacePlan, ShardPlan, TableChange
from services.domain.states import (
    StateClass,
    is_apply_active,
    operation_state_class,
    task_state_class,
)
from services.storage import decode
from services.storage.engine import create_storage_engine
from services.storage.init import init_storage
from services.storage.schema import applies, tasks
from services.storage.store import Storage

from .factories import RawJSON, insert_failed_apply, plan_row

SHARDED_PLAN = {
    "commerce": {
        "tables": [
            {"table": "orders", "ddl": "ALTER TABLE `orders` ADD INDEX `idx_c` (`c`)",
             "operation": "alter", "is_unsafe": True, "unsafe_reason": "adds an index"},
        ],
        "shards": [
            {"shard": "80-", "changes": [
                {"namespace": "commerce", "table": "orders", "ddl": "ALTER 2",
                 "operation": "alter"}]},
            {"shard": "-80", "namespace": "commerce", "changes": [
                {"namespace": "commerce", "table": "orders", "ddl": "ALTER 1",
                 "operation": "alter"}]},
            {"shard": "c0-"},
        ],
        "original_files": {"orders.sql": "CREATE TABLE `orders` (`id` int)"},
        "original_files_captured": True,
        "artifacts": {"vschema.json": "{\"sharded\": true}"},
    },
    "legacy": None,
    "empty": {},
}  # fmt: skip


def _plan(**overrides):
    row = plan_row(**overrides)
    row["id"] = 7
    row["created_at"] = datetime(2026, 7, 1, 12, 0)
    for key in ("schema_files", "plan_data"):
        if not isinstance(row[key], RawJSON):
            row[key] = json.dumps(row[key])
    return row


def test_plan_data_decodes_every_documented_key() -> None:
    plan = decode.decode_plan(_plan(plan_data=SHARDED_PLAN))
    commerce = plan.namespaces["commerce"]
    assert commerce.tables == (
        TableChange(
            table="orders",
            ddl="ALTER TABLE `orders` ADD INDEX `idx_c` (`c`)",
            operation="alter",
            is_unsafe=True,
            unsafe_reason="adds an index",
        ),
    )
    assert [s.shard for s in commerce.shards] == ["80-", "-80", "c0-"]
    assert commerce.shards[2] == ShardPlan(shard="c0-")
    assert dict(commerce.original_files) == {"orders.sql": "CREATE TABLE `orders` (`id` int)"}
    assert commerce.original_files_captured is True
    assert dict(commerce.artifacts) == {"vschema.json": '{"sharded": true}'}
    assert plan.namespaces["legacy"] is None
    assert plan.namespaces["empty"] == NamespacePlan()
    assert plan.namespaces["empty"].artifacts is None


def test_schema_files_drop_the_capitalised_files_level() -> None:
    files = {"app": {"Files": {"users.sql": "CREATE TABLE users (id int)"}}, "none": None}
    plan = decode.decode_plan(_plan(schema_files=files))
    assert {ns: dict(f) for ns, f in plan.schema_files.items()} == {
        "app": {"users.sql": "CREATE TABLE users (id int)"},
        "none": {},
    }


def test_json_columns_may_arrive_already_decoded() -> None:
    row = _plan()
    row["plan_data"] = {"app": {"tables": [{"table": "t", "ddl": "d", "operation": "drop"}]}}
    row["schema_files"] = {"app": {"Files": {}}}
    plan = decode.decode_plan(row)
    assert plan.namespaces["app"].tables[0].operation == "drop"


@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("plan_data", RawJSON('{"app": {"tables": ['), "invalid JSON"),
        ("plan_data", RawJSON("[1, 2]"), "plan_data: expected an object, got a list"),
        ("plan_data", RawJSON('{"app": {"tables": {"table": "t"}}}'), "expected a list"),
        ("plan_data", RawJSON('{"app": {"tables": [{"ddl": "x"}]}}'), "missing 'table'"),
        ("plan_data", RawJSON('{"app": {"tables": [{"table": "t"}]}}'), "missing 'ddl'"),
        ("plan_data", RawJSON('{"app": {"tables": [{"table": 3, "ddl": "x"}]}}'), "a number"),
        ("plan_data", RawJSON('{"app": {"shards": [{"changes": []}]}}'), "missing 'shard'"),
        ("plan_data", RawJSON('{"app": {"original_files_captured": "yes"}}'), "true/false"),
        ("plan_data", RawJSON('{"app": {"artifacts": {"vschema.json": 1}}}'), "artifacts"),
        ("plan_data", RawJSON('{"app": 5}'), "['app']: expected an object"),
        ("schema_files", RawJSON('{"app": {"Files": ["a.sql"]}}'), "['app'].Files"),
        ("schema_files", RawJSON('{"app": {"Files": {"a.sql": null}}}'), "expected a string"),
        ("schema_files", RawJSON("not json"), "invalid JSON"),
    ],
)
def test_malformed_plan_json_names_table_row_and_column(column, value, problem) -> None:
    with pytest.raises(MalformedRowError) as caught:
        decode.decode_plan(_plan(**{column: value}))
    error = caught.value
    assert (error.table, error.row_id, error.column) == ("plans", 7, column)
    assert problem in error.problem
    assert str(error).startswith(f"plans row 7: column {column}: ")


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ('{"allow_unsafe": true, "volume": 4, "branch": "b", "defer_cutover": true}',
         ApplyOptions(allow_unsafe=True, volume=4, branch="b", defer_cutover=True)),
        ('{"skip_revert": true, "target": "t", "rollback": true, "defer_deploy": true, "x": 1}',
         ApplyOptions(skip_revert=True, target="t", rollback=True, defer_deploy=True)),
        ("{}", ApplyOptions()),
        ("{not json", ApplyOptions()),
        ('["a"]', ApplyOptions()),
        ('{"volume": "fast"}', ApplyOptions()),
        ('{"volume": true}', ApplyOptions()),
        ('{"allow_unsafe": 1}', ApplyOptions()),
        (None, ApplyOptions()),
        ({"volume": 11}, ApplyOptions(volume=11)),
    ],
)  # fmt: skip
def test_options_decode_like_schemabot_unparseable_is_empty(stored, expected) -> None:
    assert decode.decode_options(stored) == expected


@pytest.mark.parametrize("state", ["FAILED", "State_Failed", "failed", "recovering_cutover"])
def test_states_are_kept_as_stored(state: str) -> None:
    assert decode.checked_state({"id": 1, "state": state}) == state


@pytest.mark.parametrize("state", ["exploded", "", "state_", "failed!", "Catching_Up_V9"])
def test_an_unknown_state_decodes_verbatim_and_classes_as_unknown(state: str) -> None:
    """A later SchemaBot's state is no reason to refuse reading the row: it is kept as stored
    and the state classifier marks it unknown (treated as active, never redriven)."""
    assert decode.checked_state({"id": 3, "state": state}) == state
    assert operation_state_class(state) is StateClass.UNKNOWN
    assert is_apply_active(state)


def test_log_metadata_is_free_form() -> None:
    row = {
        "id": 1, "apply_id": 2, "task_id": None, "level": "info", "event_type": "info",
        "source": "schemabot", "message": "m", "old_state": None, "new_state": None,
        "created_at": datetime(2026, 7, 1, 12, 0),
    }  # fmt: skip
    assert decode.decode_log({**row, "metadata": '{"stopped_count": 2}'}).metadata == {
        "stopped_count": 2
    }
    assert decode.decode_log({**row, "metadata": "plain words"}).metadata == "plain words"


# -- through the database ----------------------------------------------------------------


def test_malformed_plan_json_in_storage_is_a_typed_error_from_load_bundle(sqlite_url) -> None:
    """SQLite stores any text (MariaDB's json_valid CHECK would reject it): names the row."""
    engine = create_storage_engine(sqlite_url)
    init_storage(engine)
    with engine.begin() as conn:
        seeded = insert_failed_apply(conn, plan={"plan_data": RawJSON('{"app": {"tables": [')})
    with pytest.raises(MalformedRowError) as caught:
        Storage(engine).load_bundle(seeded.apply_identifier)
    assert (caught.value.table, caught.value.row_id, caught.value.column) == (
        "plans",
        seeded.plan_id,
        "plan_data",
    )


def test_wrong_plan_shape_in_storage_is_a_typed_error(storage_url) -> None:
    engine = create_storage_engine(storage_url)
    init_storage(engine)
    with engine.begin() as conn:
        seeded = insert_failed_apply(conn, plan={"plan_data": {"app": {"tables": [{"ddl": "x"}]}}})
    with pytest.raises(MalformedRowError, match=r"plans row \d+: column plan_data: .*'table'"):
        Storage(engine).load_bundle(seeded.apply_identifier)


def test_unknown_task_state_in_storage_is_loaded_verbatim(storage_url) -> None:
    engine = create_storage_engine(storage_url)
    init_storage(engine)
    with engine.begin() as conn:
        seeded = insert_failed_apply(conn, tasks=[{"state": "completed"}, {"state": "Exploded"}])
    bundle = Storage(engine).load_bundle(seeded.apply_identifier)
    assert bundle is not None
    states = {t.id: t.state for t in bundle.tasks}
    assert states[seeded.task_ids[1]] == "Exploded"
    assert task_state_class(states[seeded.task_ids[1]]) is StateClass.UNKNOWN


def test_uppercase_states_written_by_hand_decode(storage_url) -> None:
    engine = create_storage_engine(storage_url)
    init_storage(engine)
    with engine.begin() as conn:
        seeded = insert_failed_apply(conn)
        conn.execute(update(applies).values(state="FAILED"))
        conn.execute(update(tasks).values(state="STATE_FAILED"))
    bundle = Storage(engine).load_bundle(seeded.apply_identifier)
    assert bundle.apply.state == "FAILED"
    assert [t.state for t in bundle.tasks] == ["STATE_FAILED"]
