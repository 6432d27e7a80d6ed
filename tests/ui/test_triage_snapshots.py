"""Snapshots of the triage list: with data, empty, filtered, read-only, and a lost storage."""

from __future__ import annotations

from conftest import build_app, settle
from fake_service import FakeConsoleService
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
