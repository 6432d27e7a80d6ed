"""The unfinished tasks of a big apply are read through the primary key on MariaDB.

The read names the apply (``apply_id = ?``) and its unfinished ids. When the table's
statistics say applies are small (they were computed before the big apply was written, and
the server has not recomputed them yet), the optimizer prefers the ``apply_id`` index and walks
every row of the big apply, looking each one up, instead of reading the ids it was given
(``dialect_sql.by_primary_key``). The test table keeps the statistics of its small applies
(``STATS_AUTO_RECALC = 0`` on the test's own table), and the statement the bundle read really
sends is explained on the real server.
"""

from __future__ import annotations

from sqlalchemy import event, text

from services.storage.engine import create_storage_engine
from services.storage.init import init_storage
from services.storage.store import Storage
from tests.storage.factories import insert_apply, insert_many, insert_plan, task_row

SMALL_APPLIES = 150
BIG_TASKS = 600


def test_the_unfinished_tasks_of_a_big_apply_are_read_by_primary_key(mysql_database_url) -> None:
    engine = create_storage_engine(mysql_database_url)
    try:
        init_storage(engine)
        with engine.begin() as conn:
            plan_id = insert_plan(conn)
            for _ in range(SMALL_APPLIES):
                small = insert_apply(conn, plan_id=plan_id, state="completed")
                done = [task_row(small, plan_id, state="completed") for _ in range(2)]
                insert_many(conn, "tasks", done)
            conn.exec_driver_sql("ALTER TABLE tasks STATS_AUTO_RECALC = 0")
            conn.exec_driver_sql("ANALYZE TABLE tasks").all()
            big = insert_apply(conn, plan_id=plan_id)
            states = ["failed" if (n // 30) % 4 == 0 else "completed" for n in range(BIG_TASKS)]
            insert_many(conn, "tasks", [task_row(big, plan_id, state=s) for s in states])
            ident = conn.execute(
                text("SELECT apply_identifier FROM applies WHERE id = :id"), {"id": big}
            ).scalar_one()

        sent: list[str] = []

        @event.listens_for(engine, "before_cursor_execute")
        def record(_conn, cursor, statement, parameters, _context, _many) -> None:
            if "JSON_ARRAY(tasks." in statement:
                sent.append(cursor.mogrify(statement, parameters))

        bundle = Storage(engine).load_bundle(ident)
        assert bundle is not None and len(bundle.tasks) == states.count("failed")
        assert len(sent) == 1
        with engine.connect() as conn:
            plan = conn.exec_driver_sql("EXPLAIN " + sent[0]).mappings().all()
        assert [(row["table"], row["key"]) for row in plan] == [("tasks", "PRIMARY")]
    finally:
        engine.dispose()
