"""Snapshots of the confirmation modal: plain, forced takeover, and read-only."""

from __future__ import annotations

from conftest import build_app, settle
from fake_service import make_review
from textual.pilot import Pilot

from screens.confirm import ConfirmRedriveScreen

SIZE = (120, 34)


def _open(review, *, read_only: bool = False, typed: str = ""):
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        pilot.app.push_screen(ConfirmRedriveScreen(review, read_only=read_only))
        await pilot.pause()
        if typed:
            await pilot.click("#force-name")
            await pilot.press(*typed)
            await pilot.pause()

    return run_before


def test_confirm_plain(snap_compare) -> None:
    assert snap_compare(build_app(), terminal_size=SIZE, run_before=_open(make_review()))


def test_confirm_forced_takeover(snap_compare) -> None:
    review = make_review(lock_owner="github:bob", lock_held_minutes=95)
    assert snap_compare(build_app(), terminal_size=SIZE, run_before=_open(review))


def test_confirm_forced_name_typed(snap_compare) -> None:
    review = make_review(lock_owner="github:bob", lock_held_minutes=95)
    run_before = _open(review, typed="orders")
    assert snap_compare(build_app(), terminal_size=SIZE, run_before=run_before)


def test_confirm_read_only(snap_compare) -> None:
    run_before = _open(make_review(), read_only=True)
    assert snap_compare(build_app(read_only=True), terminal_size=SIZE, run_before=run_before)


def test_confirm_forced_takeover_80x24(snap_compare) -> None:
    review = make_review(lock_owner="github:bob", lock_held_minutes=95)
    assert snap_compare(build_app(), terminal_size=(80, 24), run_before=_open(review))


def test_confirm_forced_wrong_name_160x48(snap_compare) -> None:
    review = make_review(lock_owner="github:bob", lock_held_minutes=95)
    run_before = _open(review, typed="ordres")
    assert snap_compare(build_app(), terminal_size=(160, 48), run_before=run_before)
