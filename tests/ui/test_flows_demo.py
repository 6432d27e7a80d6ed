"""Whole flows by keyboard on the embedded demo, through the real RedriveService and SQLite.

select -> review -> confirm -> redriven (and the SQLite file really changed); the forced
takeover with the typed database name; and a mismatch that refuses and writes nothing.
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

import pytest
from conftest import OPERATOR, settle
from textual.pilot import Pilot

from app.service_factory import build_service
from app.settings import load_settings
from app.tui import ConsoleApp
from screens.confirm import ConfirmRedriveScreen
from screens.outcome import OutcomeScreen
from screens.review import ReviewScreen
from services.demo import DemoPaths, build_demo

SIZE = (160, 48)


@pytest.fixture
def demo(tmp_path: Path) -> DemoPaths:
    return build_demo(tmp_path / "demo")


def _app(demo: DemoPaths) -> ConsoleApp:
    settings = load_settings(str(demo.config_path), None)
    service = build_service(argparse.Namespace(), settings)
    app = ConsoleApp(service, operator=OPERATOR, theme="textual-dark", refresh_seconds=0)
    app.animation_level = "none"
    return app


def _stored(demo: DemoPaths, apply_identifier: str) -> tuple[str, int, str | None]:
    with sqlite3.connect(demo.storage_path) as conn:
        state, attempt, database = conn.execute(
            "SELECT state, attempt, database_name FROM applies WHERE apply_identifier = ?",
            (apply_identifier,),
        ).fetchone()
        owner = conn.execute(
            "SELECT owner FROM locks WHERE database_name = ?", (database,)
        ).fetchone()
    return state, attempt, owner[0] if owner else None


async def _open_review(pilot: Pilot, apply_identifier: str) -> ReviewScreen:
    await settle(pilot)
    await pilot.press("slash", *apply_identifier, "enter", "enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    assert screen.review is not None
    return screen


async def test_select_review_confirm_redriven_changes_storage(demo: DemoPaths) -> None:
    apply_identifier = demo.applies["redrivable"]
    assert _stored(demo, apply_identifier)[0] == "failed"
    app = _app(demo)
    async with app.run_test(size=SIZE) as pilot:
        review = await _open_review(pilot, apply_identifier)
        assert review.review.redrivable
        await pilot.press("c")
        assert isinstance(app.screen, ConfirmRedriveScreen)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, OutcomeScreen)
        outcome = app.screen.outcome
        assert outcome is not None and outcome.redriven, outcome
        assert outcome.lock_owner == OPERATOR
    state, attempt, owner = _stored(demo, apply_identifier)
    assert (state, attempt, owner) == ("failed_retryable", 0, OPERATOR)


async def test_forced_takeover_needs_the_typed_database_name(demo: DemoPaths) -> None:
    apply_identifier = demo.applies["lock_held"]
    _, _, owner_before = _stored(demo, apply_identifier)
    assert owner_before and owner_before != OPERATOR
    app = _app(demo)
    async with app.run_test(size=SIZE) as pilot:
        review = await _open_review(pilot, apply_identifier)
        database = review.review.apply.database_name
        await pilot.press("f")
        assert isinstance(app.screen, ConfirmRedriveScreen)
        await pilot.press("ctrl+r")  # nothing typed yet: refused by the modal
        assert isinstance(app.screen, ConfirmRedriveScreen)
        await pilot.click("#force-name")
        await pilot.press(*database, "ctrl+r")
        await settle(pilot)
        assert isinstance(app.screen, OutcomeScreen)
        outcome = app.screen.outcome
        assert outcome is not None and outcome.redriven, outcome
        assert outcome.previous_lock_owner == owner_before
    assert _stored(demo, apply_identifier) == ("failed_retryable", 0, OPERATOR)


async def test_mismatch_refuses_and_writes_nothing(demo: DemoPaths) -> None:
    apply_identifier = demo.applies["drift"]
    before = _stored(demo, apply_identifier)
    app = _app(demo)
    async with app.run_test(size=SIZE) as pilot:
        review = await _open_review(pilot, apply_identifier)
        assert review.review.verdict.value == "mismatch"
        await pilot.press("c", "ctrl+r", "f9")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmRedriveScreen | OutcomeScreen)
    assert _stored(demo, apply_identifier) == before
    assert before[0] == "failed"
