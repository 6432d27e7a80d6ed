"""The console on storage holding rows SchemaBot never writes, through the real service.

One NULL, duplicate ``locks`` rows, a NULL lock owner and two applies sharing an identifier
must not crash the app or empty the list: every row is shown and marked, and a review of
such an apply refuses on screen without offering the confirmation.
"""

from __future__ import annotations

import pytest
from conftest import OPERATOR, build_app, settle
from sqlalchemy import null, update

from screens.confirm import ConfirmRedriveScreen
from screens.error import ErrorScreen
from screens.review import ReviewScreen
from screens.triage import TriageScreen
from services.redrive.service import RedriveService
from services.storage.schema import applies
from services.storage.store import Storage
from tests.redrive.writeside_support import (
    PLAN_DATA,
    SnapshotTargets,
    storage_engine,
    write_snapshot,
)
from tests.storage.factories import default_database, insert_apply, insert_failed_apply, insert_lock
from tests.storage.hostile import allow_null, drop_unique

SIZE = (200, 40)


def _seed(engine) -> dict[str, object]:
    """One apply per hostile case (each on its own database) and one ordinary apply."""
    base = default_database()
    seeded = {}
    with engine.begin() as conn:
        for case in ("fine", "null", "twin", "two_locks", "no_owner"):
            route = {"database_name": f"{base}_{case}", "deployment": "primary"}
            plan = {"plan_data": PLAN_DATA, "target": "", **route}
            seeded[case] = insert_failed_apply(conn, plan=plan, apply=route)
        allow_null(conn, "applies", "deployment")
        conn.execute(
            update(applies).where(applies.c.id == seeded["null"].apply_id).values(deployment=null())
        )
        drop_unique(conn, "applies", "idx_apply_identifier")
        twin = seeded["twin"]
        insert_apply(
            conn, apply_identifier=twin.apply_identifier, plan_id=twin.plan_id,
            database_name=f"{base}_twin", deployment="primary",
        )  # fmt: skip
        drop_unique(conn, "locks", "idx_database")
        insert_lock(conn, database_name=f"{base}_two_locks", owner="acme/a#1")
        insert_lock(conn, database_name=f"{base}_two_locks", owner="acme/b#2")
        allow_null(conn, "locks", "owner")
        insert_lock(conn, database_name=f"{base}_no_owner", owner=None)
    return seeded


@pytest.fixture
def hostile(storage_url, tmp_path):
    engine = storage_engine(storage_url)
    seeded = _seed(engine)
    service = RedriveService(
        Storage(engine), SnapshotTargets(write_snapshot(tmp_path / "snap")), operator=OPERATOR
    )
    yield service, seeded
    engine.dispose()


def _cell(screen: TriageScreen, row_id: int, column: str) -> str:
    (row,) = [row for row in screen.rows if row.row_id == row_id]
    return screen.table.get_cell(row.key, column).plain


async def test_triage_lists_and_marks_every_hostile_row(hostile) -> None:
    service, seeded = hostile
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TriageScreen)
        assert screen.table.row_count == 6
        null_id, fine_id = seeded["null"].apply_id, seeded["fine"].apply_id
        assert _cell(screen, null_id, "id").startswith("⚠ unreadable ")
        (null_row,) = [row for row in screen.rows if row.row_id == null_id]
        assert null_row.unreadable.startswith("applies.deployment is NULL")
        assert _cell(screen, null_id, "redrivable").startswith("✘ no")
        assert _cell(screen, seeded["two_locks"].apply_id, "lock") == "⚠ ambiguous (2 rows)"
        assert _cell(screen, seeded["no_owner"].apply_id, "lock") == "⚠ unknown (NULL owner)"
        twins = [r for r in screen.rows if r.apply_id == seeded["twin"].apply_identifier]
        assert len(twins) == 2 and not any(r.redrivable for r in twins)
        assert _cell(screen, fine_id, "redrivable") == "✔ yes"
        assert _cell(screen, fine_id, "lock") == "free"


@pytest.mark.parametrize("case", ["two_locks", "no_owner"])
async def test_review_of_an_unnamed_lock_refuses_and_never_confirms(hostile, case) -> None:
    service, seeded = hostile
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *seeded[case].apply_identifier, "enter", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.review.reason_code in {"ambiguous_lock", "unknown_lock_owner"}
        text = " ".join(str(w.render()) for w in screen.query("Static"))
        assert "HELD BY AN UNKNOWN OWNER" in text, text
        for key in ("c", "f", "enter"):
            await pilot.press(key)
            await settle(pilot)
            assert not isinstance(app.screen, ConfirmRedriveScreen)


@pytest.mark.parametrize("case", ["twin", "null"])
async def test_review_of_an_ambiguous_or_unreadable_apply_shows_why(hostile, case) -> None:
    service, seeded = hostile
    expected = {"twin": "is ambiguous", "null": "applies.deployment is NULL"}[case]
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        (row_key,) = [row.key for row in screen.rows if row.row_id == seeded[case].apply_id]
        screen.table.move_cursor(row=screen.table.get_row_index(row_key))
        await pilot.press("enter")
        await settle(pilot)
        shown = app.screen
        text = " ".join(str(w.render()) for w in shown.query("Static"))
        assert expected in text, text
        assert not isinstance(shown, ConfirmRedriveScreen)
        assert isinstance(shown, ReviewScreen | ErrorScreen)
