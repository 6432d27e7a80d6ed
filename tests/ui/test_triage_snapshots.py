"""Snapshots of the triage list: with data, empty, filtered, read-only, a lost storage, and
older failures hidden by the redrive window (the hint) or shown (any age)."""

from __future__ import annotations

from conftest import build_app, settle
from fake_service import FakeConsoleService, make_triage_row, sample_rows
from textual.pilot import Pilot

from services.domain.errors import StorageUnavailableError

SIZE = (160, 32)


def test_triage_with_data(snap_compare) -> None:
    assert snap_compare(build_app(), terminal_size=SIZE, run_before=settle)


def test_triage_empty(snap_compare) -> None:
    app = build_app(FakeConsoleService(rows=()))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_triage_filtered(snap_compare) -> None:
    async def filter_billing(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("slash", *"bill")
        await pilot.pause()

    assert snap_compare(build_app(), terminal_size=SIZE, run_before=filter_billing)


def test_triage_read_only(snap_compare) -> None:
    assert snap_compare(build_app(read_only=True), terminal_size=SIZE, run_before=settle)


def test_triage_storage_lost_inline(snap_compare) -> None:
    service = FakeConsoleService()
    service.fail_next["list_failed"] = StorageUnavailableError(
        "storage unreachable: (2013) Lost connection to MySQL server during query"
    )
    assert snap_compare(build_app(service), terminal_size=SIZE, run_before=settle)


def test_triage_ansi_light_theme(snap_compare) -> None:
    app = build_app(theme="ansi-light")
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_triage_80x24(snap_compare) -> None:
    assert snap_compare(build_app(), terminal_size=(80, 24), run_before=settle)


def test_triage_160x48(snap_compare) -> None:
    assert snap_compare(build_app(), terminal_size=(160, 48), run_before=settle)


def _with_older_failures() -> FakeConsoleService:
    older = tuple(
        make_triage_row(
            f"apply-09{index:02d}",
            database="catalog",
            failed_minutes_ago=60 * (72 + index),
            redrivable=False,
            reason="failed outside the redrive window; create a new apply instead",
        )
        for index in range(3)
    )
    return FakeConsoleService(sample_rows(), older_rows=older)


def test_triage_older_failures_hidden_80x24(snap_compare) -> None:
    app = build_app(_with_older_failures())
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_triage_any_age(snap_compare) -> None:
    async def any_age(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)

    app = build_app(_with_older_failures())
    assert snap_compare(app, terminal_size=SIZE, run_before=any_age)
