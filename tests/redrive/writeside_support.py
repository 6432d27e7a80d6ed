"""Helpers shared by the write-side redrive tests: storage setup, table dumps, reopen plans."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select, text

from services.redrive.reopen import ReopenPlan
from services.storage import schema
from services.storage.engine import create_storage_engine
from services.storage.init import init_storage


def storage_engine(url: str) -> Engine:
    """An engine on ``url`` with every storage table created."""
    engine = create_storage_engine(url)
    init_storage(engine)
    return engine


def dump_tables(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every storage table, ordered by id: compare before/after to prove no write."""
    dump = {}
    with engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(table.c.id)).all()
            dump[table.name] = [tuple(r) for r in rows]
    return dump


def reviewed_plan(
    engine: Engine,
    apply_id: int,
    *,
    task_ids: tuple[int, ...],
    operation_ids: tuple[int, ...],
    lock_id: int = 1,
    window: timedelta = timedelta(days=1),
) -> ReopenPlan:
    """A plan built the way a review builds it: the current states of every row of the apply."""
    with engine.connect() as conn:
        ident = conn.execute(
            select(schema.applies.c.apply_identifier).where(schema.applies.c.id == apply_id)
        ).scalar_one()
        t, o = schema.tasks.c, schema.apply_operations.c
        task_states = conn.execute(
            select(t.id, t.state).where(t.apply_id == apply_id).order_by(t.id)
        ).all()
        op_states = conn.execute(
            select(o.id, o.state).where(o.apply_id == apply_id).order_by(o.id)
        ).all()
    return ReopenPlan(
        apply_id=apply_id,
        apply_identifier=ident,
        task_states=tuple((r.id, r.state) for r in task_states),
        operation_states=tuple((r.id, r.state) for r in op_states),
        task_ids=task_ids,
        operation_ids=operation_ids,
        lock_id=lock_id,
        window=window,
    )


def row(engine: Engine, table: str, row_id: int) -> dict[str, Any]:
    """One row as a dict."""
    t = schema.metadata.tables[table]
    with engine.connect() as conn:
        return dict(conn.execute(select(t).where(t.c.id == row_id)).one()._mapping)


def database_now_sql(engine: Engine) -> str:
    """The SQL expression of the database clock for raw test statements."""
    return "CURRENT_TIMESTAMP" if engine.dialect.name == "sqlite" else "NOW()"


def set_completed_ago(engine: Engine, apply_id: int, seconds: int) -> None:
    """Stamp ``completed_at`` relative to the database clock (the clock the redrive uses)."""
    if engine.dialect.name == "sqlite":
        expr = f"datetime('now', '-{int(seconds)} seconds')"
    else:
        expr = f"NOW() - INTERVAL {int(seconds)} SECOND"
    with engine.begin() as conn:
        conn.execute(
            text(f"UPDATE applies SET completed_at = {expr} WHERE id = :id"), {"id": apply_id}
        )
