"""The pre-flight panel on the review screen (one snapshot per verdict), its finding keys, and
the confirmation's explicit override of a ``will_fail_again`` pre-flight.

The reports are built from the pre-flight's own model, as ``run_preflight`` returns them (the
checks themselves are proven on MariaDB in tests/preflight and tests/redrive).
"""

from __future__ import annotations

from dataclasses import replace

from conftest import build_app, settle
from fake_service import make_review
from test_review_screen import ReviewApp, service_with
from textual.widgets import Button

from screens.confirm import ConfirmRedriveScreen, ConfirmResult
from screens.widgets.preflight_panel import PreflightPanel
from services.preflight import (
    Category,
    CheckResult,
    CheckStatus,
    Classification,
    Example,
    PreflightReport,
    Resume,
    ResumeState,
    TableReport,
    Verdict,
)
from services.redrive.model import Review

SIZE = (160, 48)
HOSTILE = "[bold red]boom[/]\x1b[2J\u202e"
DUPLICATE = Classification(
    "duplicate_key", Category.DATA, 1062, "Duplicate entry '[bold red]boom[/]' for key"
)
LOCK_WAIT = Classification("lock_wait_timeout", Category.TRANSIENT, 1205, "Lock wait timeout")
DUPLICATES_FOUND = CheckResult(
    "duplicates for new UNIQUE uq_note (note)",
    "duplicate_key",
    CheckStatus.FOUND,
    count=2,
    examples=(Example((HOSTILE,), 3), Example((None,), 2)),
)
RESTART = ResumeState(Resume.RESTART, "no checkpoint table _orders_chkpnt")
RESUME = ResumeState(Resume.RESUME, "checkpoint matches; ~40,000 rows copied", (), 40_000)


def table(name: str, cause: Classification, verdict: Verdict, reason: str, **kw) -> TableReport:
    checks = kw.pop("checks", ())
    return TableReport("orders", name, cause, checks, kw.pop("resume", RESTART), verdict, reason,
                       kw.pop("decisive", None))  # fmt: skip


def fails_again() -> PreflightReport:
    orders = table(
        "orders", DUPLICATE, Verdict.WILL_FAIL_AGAIN, f"{DUPLICATES_FOUND.check}: 2 found",
        checks=(DUPLICATES_FOUND,), decisive=DUPLICATES_FOUND,
    )  # fmt: skip
    payments = table(
        "payments", LOCK_WAIT, Verdict.LIKELY_TO_SUCCEED, "transient cause (lock_wait_timeout)",
        resume=RESUME,
    )  # fmt: skip
    return PreflightReport((orders, payments), Verdict.WILL_FAIL_AGAIN, "10.11.6-MariaDB")


def succeeds() -> PreflightReport:
    payments = table(
        "payments", LOCK_WAIT, Verdict.LIKELY_TO_SUCCEED, "transient cause (lock_wait_timeout)",
        resume=RESUME,
    )  # fmt: skip
    return PreflightReport((payments,), Verdict.LIKELY_TO_SUCCEED, "10.11.6-MariaDB")


def unknown() -> PreflightReport:
    why = "not checked: no live target (the target is a schema snapshot folder)"
    orders = table(
        "orders", DUPLICATE, Verdict.UNKNOWN, why, resume=ResumeState(Resume.UNKNOWN, why)
    )
    return PreflightReport((orders,), Verdict.UNKNOWN, "", (why,))


def with_preflight(report: PreflightReport) -> Review:
    return replace(make_review(), preflight=report)


def panel_text(app) -> str:
    return str(app.screen.query_one(PreflightPanel).render())


def test_snapshot_panel_will_fail_again(snap_compare) -> None:
    app = ReviewApp(service_with(with_preflight(fails_again())))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_snapshot_panel_likely_to_succeed(snap_compare) -> None:
    app = ReviewApp(service_with(with_preflight(succeeds())))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


def test_snapshot_panel_unknown(snap_compare) -> None:
    app = ReviewApp(service_with(with_preflight(unknown())))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle)


async def test_finding_keys_jump_between_tables_and_values_are_literal() -> None:
    app = ReviewApp(service_with(with_preflight(fails_again())))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = panel_text(app)
        assert "finding 1/2" in first and "orders.orders" in first
        assert "[bold red]boom[/]" in first, "markup from the target is shown, not applied"
        assert "\x1b" not in first and "\u202e" not in first
        assert "(NULL) x 2 rows" in first
        await pilot.press("right_square_bracket")
        second = panel_text(app)
        assert "finding 2/2" in second and "orders.payments" in second
        assert "resume — checkpoint matches" in second
        await pilot.press("left_square_bracket")
        assert "finding 1/2" in panel_text(app)


async def test_panel_is_hidden_when_no_preflight_ran() -> None:
    app = ReviewApp(service_with(make_review()))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not app.screen.query_one(PreflightPanel).display


async def test_confirm_needs_the_explicit_override_and_passes_it_on() -> None:
    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        results: list[ConfirmResult | None] = []
        review = with_preflight(fails_again())
        app.push_screen(ConfirmRedriveScreen(review, read_only=False), results.append)
        await pilot.pause()
        assert "WILL FAIL AGAIN" in str(app.screen.query_one("#confirm-preflight").render())
        await pilot.press("ctrl+r")
        assert results == [] and app.screen.query_one("#confirm", Button).disabled
        assert "ctrl+o" in str(app.screen.query_one("#confirm-blocked").render())
        await pilot.press("ctrl+o")
        assert "OVERRIDDEN" in str(app.screen.query_one("#confirm-preflight").render())
        await pilot.press("ctrl+r")
        assert results == [ConfirmResult(force=False, ignore_preflight=True)]


async def test_likely_to_succeed_confirms_without_an_override() -> None:
    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        results: list[ConfirmResult | None] = []
        app.push_screen(
            ConfirmRedriveScreen(with_preflight(succeeds()), read_only=False), results.append
        )
        await pilot.pause()
        await pilot.press("ctrl+o", "ctrl+r")
        assert results == [ConfirmResult(force=False, ignore_preflight=False)]


async def test_the_outcome_screen_passes_the_override_to_the_redrive() -> None:
    from screens.outcome import OutcomeScreen

    app = build_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        review = with_preflight(fails_again())
        screen = OutcomeScreen(
            app.service, review, operator="cli:operator@console", force=False,
            ignore_preflight=True,
        )  # fmt: skip
        app.push_screen(screen)
        await settle(pilot)
        [(_, kwargs)] = app.service.calls_to("redrive")
        assert kwargs["ignore_preflight"] is True


async def test_triage_shows_the_preflight_column_once_a_verdict_is_known() -> None:
    from fake_service import FakeConsoleService, sample_rows

    from screens.triage import TriageScreen

    rows = sample_rows()
    blank = FakeConsoleService(rows)
    app = build_app(blank)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen)
        assert "preflight" not in app.screen.shown_columns, "blank until a review ran"

    known = replace(rows[0], preflight="will_fail_again")
    app = build_app(FakeConsoleService((known, *rows[1:])))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert "preflight" in screen.shown_columns
        assert str(screen.table.get_cell(known.key, "preflight")) == "✘ fails again"
        assert str(screen.table.get_cell(rows[1].key, "preflight")) == ""
