"""The console's resubmit and planner check through the real service, real storage on MariaDB
and the real-HTTP SchemaBot double (``tests/schemabot_api/double.py``): review -> ``s`` -> the
resubmit confirmation -> the outcome screen following the NEW apply to ``completed`` or
``failed``; G1 (beside the reopen) and G2 (the only recovery); refusals write nothing locally;
``--planner both`` shows the three-way verdict and blocks a redrive the server's plan forbids.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import OPERATOR, build_app, settle
from test_footer import _footer_keys
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, Static

from app.cli import main
from screens.error import ErrorScreen
from screens.resubmit_confirm import ConfirmResubmitScreen
from screens.resubmit_outcome import ResubmitOutcomeScreen
from screens.review import ReviewScreen
from services.redrive.planner_kind import Planner
from services.redrive.service import RedriveService
from services.schemabot_api.session import SchemaBotSession
from services.storage.engine import create_storage_engine
from services.storage.generation import detect
from services.storage.init import init_storage
from services.storage.store import Storage
from tests.redrive.review_storage_support import FixedTargets, write_snapshot
from tests.schemabot_api.double import EngineStep, SchemaBotDouble
from tests.schemabot_api.support import (
    LIVE,
    LIVE_WITH_PHONE,
    TOKEN,
    endpoint_of,
    seed_failed_apply,
)
from tests.schemabot_api.test_resubmit_cli import local_rows, logs_of
from tests.storage.factories import insert_apply
from tests.storage_generations.layouts import build

SIZE = (160, 48)
ENV = "staging"


@pytest.fixture(autouse=True)
def _no_schemabot_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("SCHEMABOT_ENDPOINT", "SCHEMABOT_TOKEN", "SCHEMABOT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))


@pytest.fixture
def g1_storage(mysql_database_url: str) -> Iterator[Storage]:
    """The console's own storage tables (SchemaBot up to July 2026: G1)."""
    engine = create_storage_engine(mysql_database_url)
    init_storage(engine)
    yield Storage(engine)
    engine.dispose()


@pytest.fixture
def g2_storage(mysql_database_url: str) -> Iterator[Storage]:
    """A storage built from upstream SchemaBot's later (G2) MySQL DDL."""
    engine = create_storage_engine(build(mysql_database_url, "g2_mysql"))
    yield Storage(engine)
    engine.dispose()


@pytest.fixture
def doubles() -> Iterator[list[SchemaBotDouble]]:
    started: list[SchemaBotDouble] = []
    yield started
    for double in started:
        double.shutdown()
    assert [d.crashes for d in started if d.crashes] == [], "the SchemaBot double crashed"


def start_double(doubles: list[SchemaBotDouble], storage: Storage, **overrides: Any):
    values: dict[str, Any] = {"live": LIVE, "database_types": {"testdb": "mysql"}, **overrides}
    double = SchemaBotDouble(storage.engine, **values)
    doubles.append(double)
    return double


def console(
    storage: Storage,
    double: SchemaBotDouble | None,
    tmp_path: Path,
    *,
    planner: Planner = Planner.LOCAL,
    read_only: bool = False,
    poll_seconds: float = 3600.0,
    timeout: float = 5.0,
    token: str | None = None,
):
    """The console on the real service; the local planner reads a snapshot of ``LIVE``. The
    poll interval is long unless a test asks otherwise, so polls happen when it presses r."""
    service = RedriveService(storage, FixedTargets(write_snapshot(tmp_path / "live", LIVE)),
                             operator=OPERATOR)  # fmt: skip
    app = build_app(service, read_only=read_only)
    if double is not None:
        app.schemabot = SchemaBotSession(
            endpoint_of(double.url, token, timeout=timeout),
            lambda: storage,
            planner=planner,
            poll_seconds=poll_seconds,
        )
    return app


async def open_review(pilot: Pilot, apply_identifier: str) -> ReviewScreen:
    await settle(pilot)
    await pilot.press("slash", *apply_identifier, "enter", "enter")
    await settle(pilot)
    await settle(pilot)  # the planner check starts when the review arrived
    screen = pilot.app.screen
    assert isinstance(screen, ReviewScreen)
    return screen


async def open_resubmit(pilot: Pilot) -> ConfirmResubmitScreen:
    await pilot.press("s")
    await settle(pilot)
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, ConfirmResubmitScreen), screen
    return screen


async def confirm(pilot: Pilot) -> ResubmitOutcomeScreen:
    await pilot.press("ctrl+r")
    await settle(pilot)
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, ResubmitOutcomeScreen), screen
    return screen


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


def progress_polls(double: SchemaBotDouble) -> list[Any]:
    return [r for r in double.requests if r.path.startswith("/api/progress/apply/")]


def table_rows(screen) -> list[list[str]]:
    table = screen.query_one("#outcome-tables", DataTable)
    return [[str(cell) for cell in table.get_row(key)] for key in table.rows]


async def test_g1_resubmit_beside_the_reopen_follows_the_new_apply_to_completed(
    g1_storage: Storage, doubles, tmp_path: Path
) -> None:
    with g1_storage.engine.connect() as conn:
        assert detect(conn).generation == "g1"
    double = start_double(doubles, g1_storage)
    double.engine_script = [
        EngineStep("running", "running", rows_copied=500, rows_total=1000, eta_seconds=125),
        EngineStep("completed", "completed", rows_copied=1000, rows_total=1000),
    ]
    seeded = seed_failed_apply(g1_storage)
    failed_before = g1_storage.load_bundle(seeded.apply_identifier).apply
    app = console(g1_storage, double, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        review = await open_review(pilot, seeded.apply_identifier)
        assert review.review.verdict.value == "match"
        assert review.check_action("confirm", ()) is True  # the reopen is offered ...
        assert review.check_action("resubmit", ()) is True  # ... and the resubmit beside it
        assert {"c", "s"} <= set(_footer_keys(app))
        assert not review.query_one("#review-planner").display  # planner local: no panel

        modal = await open_resubmit(pilot)
        assert modal.preview.matches and app.focused is modal.query_one("#cancel", Button)
        assert double.routed("POST /api/apply") == []
        assert "MATCHES the stored remaining work" in text_of(modal, "#resubmit-verdict")

        outcome = await confirm(pilot)
        new_id = outcome.new_apply_identifier
        assert new_id and "✔ RESUBMITTED" in text_of(outcome, "#outcome-banner")
        caller = f"redrive-console:{OPERATOR} resubmits {seeded.apply_identifier}"
        assert double.routed("POST /api/apply")[0].body["caller"] == caller
        assert "in storage: pending, 1 task(s)" in text_of(outcome, "#outcome-details")
        assert table_rows(outcome) == [["users", "running", "50%", "500/1,000", "2m", "-"]]

        await pilot.press("r")
        await settle(pilot)
        assert outcome.finished and outcome.states_seen == ["running", "completed"]
        assert "✔ COMPLETED" in text_of(outcome, "#outcome-banner")
        assert "watch ended after 2 poll(s)" in text_of(outcome, "#outcome-status")
        assert outcome.check_action("poll", ()) is None
        await pilot.press("r")
        await settle(pilot)
        assert len(progress_polls(double)) == 2

        await pilot.press("y")
        assert app.clipboard == new_id
    assert g1_storage.load_bundle(seeded.apply_identifier).apply == failed_before
    (log,) = logs_of(g1_storage.engine, seeded.apply_id)
    assert log.metadata["new_apply_id"] == new_id
    assert g1_storage.load_progress(new_id).apply.state == "completed"


async def test_g2_resubmit_is_the_only_recovery_and_follows_the_new_apply_to_failed(
    g2_storage: Storage, doubles, tmp_path: Path
) -> None:
    with g2_storage.engine.connect() as conn:
        assert detect(conn).generation == "g2"
    double = start_double(doubles, g2_storage)
    double.engine_script = [
        EngineStep("failed", "failed", rows_copied=10, rows_total=1000,
                   error_message="Error 1062: Duplicate entry 'x' [red]"),
    ]  # fmt: skip
    seeded = seed_failed_apply(g2_storage)
    app = console(g2_storage, double, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        review = await open_review(pilot, seeded.apply_identifier)
        assert review.review.reason_code == "terminal_final"
        for action in ("confirm", "force"):  # the reopen is not offered at all on G2
            assert review.check_action(action, ()) is False
        assert review.check_action("resubmit", ()) is True
        shown = _footer_keys(app)
        assert "s" in shown and "c" not in shown
        assert "Press s to resubmit it as a fresh apply" in text_of(review, "#review-banner")
        for key in ("c", "enter"):
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is review

        await open_resubmit(pilot)
        outcome = await confirm(pilot)
        assert outcome.finished and outcome.progress.state == "failed"
        banner = text_of(outcome, "#outcome-banner")
        assert "✘ FAILED" in banner and "Error 1062: Duplicate entry 'x' [red]" in banner
        assert "error -: Error 1062" in text_of(outcome, "#outcome-errors")
        assert table_rows(outcome)[0][:3] == ["users", "failed", "1%"]
        new_id = outcome.new_apply_identifier
    assert g2_storage.load_progress(new_id).apply.state == "failed"
    assert len(logs_of(g2_storage.engine, seeded.apply_id)) == 1
    assert g2_storage.load_bundle(seeded.apply_identifier).apply.state == "failed"


async def test_active_apply_exists_is_shown_with_the_servers_reason_and_writes_nothing(
    g1_storage: Storage, doubles, tmp_path: Path
) -> None:
    double = start_double(doubles, g1_storage)
    seeded = seed_failed_apply(g1_storage)
    with g1_storage.engine.begin() as conn:
        insert_apply(conn, database_name="testdb", environment=ENV, state="running",
                     apply_identifier="apply-busy", completed_at=None)  # fmt: skip
    app = console(g1_storage, double, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_review(pilot, seeded.apply_identifier)
        await open_resubmit(pilot)
        before = local_rows(g1_storage.engine)
        outcome = await confirm(pilot)
        banner = text_of(outcome, "#outcome-banner")
        assert "✘ REFUSED (active_apply_exists)" in banner
        assert "apply apply-busy is already active for testdb" in banner
        assert "nothing was written locally" in banner
        assert outcome.check_action("logs", ()) is None and progress_polls(double) == []
    assert local_rows(g1_storage.engine) == before


async def test_a_mismatching_server_plan_needs_its_fingerprint_typed(
    g1_storage: Storage, doubles, tmp_path: Path
) -> None:
    double = start_double(doubles, g1_storage, live=LIVE_WITH_PHONE)
    seeded = seed_failed_apply(g1_storage)
    app = console(g1_storage, double, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_review(pilot, seeded.apply_identifier)
        modal = await open_resubmit(pilot)
        assert not modal.preview.matches
        field = modal.query_one("#resubmit-fingerprint", Input)
        assert app.focused is field
        await pilot.press("ctrl+r", "enter")
        await settle(pilot)
        assert app.screen is modal and modal.query_one("#confirm", Button).disabled
        await pilot.press(*"0123456789abcdef")
        assert "is not the fingerprint" in text_of(modal, "#resubmit-blocked")
        await pilot.press("ctrl+r")
        assert app.screen is modal and double.routed("POST /api/apply") == []
        field.value = ""
        await pilot.press(*modal.preview.fingerprint[:16])
        await pilot.pause()
        outcome = await confirm(pilot)
        assert outcome.outcome.resubmitted
    (log,) = logs_of(g1_storage.engine, seeded.apply_id)
    assert log.metadata["matched_stored_work"] is False


async def test_a_refused_plan_is_shown_with_the_servers_reason_and_no_token(
    g1_storage: Storage, doubles, tmp_path: Path
) -> None:
    double = start_double(doubles, g1_storage, token=TOKEN)
    double.fail("POST /api/plan", 503, "engine_unavailable", f"tern is down (token {TOKEN})")
    seeded = seed_failed_apply(g1_storage)
    app = console(g1_storage, double, tmp_path, token=TOKEN)
    async with app.run_test(size=SIZE) as pilot:
        review = await open_review(pilot, seeded.apply_identifier)
        before = local_rows(g1_storage.engine)
        await pilot.press("s")
        await settle(pilot)
        await pilot.pause()
        modal = app.screen
        assert isinstance(modal, ErrorScreen)
        shown = " ".join(str(w.render()) for w in modal.query("Static"))
        assert "SchemaBot refused (engine_unavailable)" in shown and "tern is down" in shown
        assert TOKEN not in shown and "<redacted>" in shown
        await pilot.press("escape")
        assert app.screen is review and review.check_action("resubmit", ()) is True
    assert double.routed("POST /api/plan")[0].headers["Authorization"] == f"Bearer {TOKEN}"
    assert double.routed("POST /api/apply") == []
    assert local_rows(g1_storage.engine) == before


async def test_read_only_resubmits_without_a_local_log_row(
    g1_storage: Storage, doubles, tmp_path: Path
) -> None:
    double = start_double(doubles, g1_storage)
    seeded = seed_failed_apply(g1_storage)
    app = console(g1_storage, double, tmp_path, read_only=True)
    async with app.run_test(size=SIZE) as pilot:
        review = await open_review(pilot, seeded.apply_identifier)
        assert review.check_action("confirm", ()) is None  # the reopen writes: disabled
        modal = await open_resubmit(pilot)
        assert "READ-ONLY mode: write no apply_logs row locally" in text_of(
            modal, "#resubmit-changes"
        )
        outcome = await confirm(pilot)
        assert outcome.outcome.resubmitted and outcome.outcome.log_id is None
        assert "READ-ONLY mode: no apply_logs row written" in text_of(outcome, "#outcome-details")
    assert logs_of(g1_storage.engine, seeded.apply_id) == []


async def test_no_answer_to_the_apply_says_it_may_or_may_not_exist(
    g1_storage: Storage, doubles, tmp_path: Path
) -> None:
    double = start_double(doubles, g1_storage)
    seeded = seed_failed_apply(g1_storage)
    app = console(g1_storage, double, tmp_path, timeout=0.5)
    async with app.run_test(size=SIZE) as pilot:
        await open_review(pilot, seeded.apply_identifier)
        await open_resubmit(pilot)
        before = local_rows(g1_storage.engine)
        double.stalled.add("POST /api/apply")
        await pilot.press("ctrl+r")
        await settle(pilot)
        await pilot.pause()
        outcome = next(s for s in app.screen_stack if isinstance(s, ResubmitOutcomeScreen))
        banner = text_of(outcome, "#outcome-banner")
        assert "✘ NOT RESUBMITTED (SchemaBot did not answer)" in banner
        assert "may or may not have created the new apply" in banner
    assert local_rows(g1_storage.engine) == before


async def test_a_failed_poll_stops_the_watch_until_r(
    g1_storage: Storage, doubles, tmp_path: Path
) -> None:
    double = start_double(doubles, g1_storage)
    double.engine_script = [EngineStep("running", "running"), EngineStep("completed", "completed")]
    seeded = seed_failed_apply(g1_storage)
    app = console(g1_storage, double, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_review(pilot, seeded.apply_identifier)
        await open_resubmit(pilot)
        outcome = await confirm(pilot)
        route = f"GET /api/progress/apply/{outcome.new_apply_identifier}"
        double.fail(route, 503, "storage_error", "storage is down")
        await pilot.press("r")
        await settle(pilot)
        status = text_of(outcome, "#outcome-status")
        assert "WATCH STOPPED: SchemaBot refused (storage_error)" in status, status
        assert app.screen is outcome  # said inline, no modal
        await pilot.press("r")
        await settle(pilot)
        assert outcome.finished and outcome.states_seen == ["running", "completed"]


async def test_the_watch_follows_by_itself_and_stops_at_the_end(
    g1_storage: Storage, doubles, tmp_path: Path
) -> None:
    double = start_double(doubles, g1_storage)
    double.engine_script = [
        EngineStep("running", "running", rows_copied=1, rows_total=3),
        EngineStep("running", "running", rows_copied=2, rows_total=3),
        EngineStep("completed", "completed", rows_copied=3, rows_total=3),
    ]
    seeded = seed_failed_apply(g1_storage)
    app = console(g1_storage, double, tmp_path, poll_seconds=0.05)
    async with app.run_test(size=SIZE) as pilot:
        await open_review(pilot, seeded.apply_identifier)
        await open_resubmit(pilot)
        outcome = await confirm(pilot)
        for _ in range(200):  # bounded: at most 10 s if the timer regresses
            if outcome.finished:
                break
            await pilot.pause(0.05)
        assert outcome.finished and outcome.states_seen == ["running", "completed"]
        for _ in range(5):  # five more intervals: the stopped timer polls no more
            await pilot.pause(0.05)
        assert len(progress_polls(double)) == 3 and outcome.polls == 3


async def test_planner_both_shows_the_three_way_verdict_and_blocks_the_redrive(
    g1_storage: Storage, doubles, tmp_path: Path
) -> None:
    double = start_double(doubles, g1_storage, live=LIVE_WITH_PHONE)
    seeded = seed_failed_apply(g1_storage)
    app = console(g1_storage, double, tmp_path, planner=Planner.BOTH)
    async with app.run_test(size=SIZE) as pilot:
        review = await open_review(pilot, seeded.apply_identifier)
        panel = text_of(review, "#review-planner")
        assert "stored vs local ✔ MATCH" in panel
        assert "stored vs server ✘ MISMATCH" in panel and "server vs local ✘ MISMATCH" in panel
        assert "‼ PLANNER FIDELITY: server and local planner disagree on testdb.users" in panel
        assert "planning creates a plan record on the server and nothing else" in panel
        assert review.review.verdict.value == "match"  # the local verdict ...
        assert review.check_action("confirm", ()) is None  # ... but the server forbids it
        banner = text_of(review, "#review-banner")
        assert "Redrive refused: the server's plan differs from the stored work" in banner
        # the headline is not the local verdict's green MATCH while the redrive is refused
        assert banner.startswith("✘ SERVER PLAN DIFFERS — locally: fresh plan matches"), banner
        assert review.query_one("#review-banner").has_class("-mismatch")
        assert not review.query_one("#review-banner").has_class("-match")
        await pilot.press("c")
        await settle(pilot)
        assert app.screen is review
    assert double.routed("POST /api/apply") == []


async def test_planner_both_with_an_agreeing_server_allows_the_redrive(
    g1_storage: Storage, doubles, tmp_path: Path
) -> None:
    double = start_double(doubles, g1_storage)
    seeded = seed_failed_apply(g1_storage)
    app = console(g1_storage, double, tmp_path, planner=Planner.BOTH)
    async with app.run_test(size=SIZE) as pilot:
        review = await open_review(pilot, seeded.apply_identifier)
        panel = text_of(review, "#review-planner")
        assert "server vs local ✔ MATCH" in panel and "FIDELITY" not in panel
        assert review.check_action("confirm", ()) is True
        assert text_of(review, "#review-banner").startswith("✔ MATCH — ")
        assert review.query_one("#review-banner").has_class("-match")


async def test_planner_remote_with_an_unreachable_server_blocks_the_redrive(
    g1_storage: Storage, doubles, tmp_path: Path
) -> None:
    double = start_double(doubles, g1_storage)
    double.fail("POST /api/plan", 503, "engine_unavailable", "tern is down")
    seeded = seed_failed_apply(g1_storage)
    app = console(g1_storage, double, tmp_path, planner=Planner.REMOTE)
    async with app.run_test(size=SIZE) as pilot:
        review = await open_review(pilot, seeded.apply_identifier)
        panel = text_of(review, "#review-planner")
        assert "✘ SERVER NOT ASKED" in panel and "tern is down" in panel
        assert review.check_action("confirm", ()) is None
        banner = text_of(review, "#review-banner")
        assert banner.startswith("⊘ SERVER UNAVAILABLE — locally: "), banner
        assert "could not be asked for its plan" in banner
        assert review.query_one("#review-banner").has_class("-not-redrivable")


async def test_without_an_endpoint_there_is_no_resubmit_and_no_planner_panel(
    g1_storage: Storage, tmp_path: Path
) -> None:
    seeded = seed_failed_apply(g1_storage)
    app = console(g1_storage, None, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        review = await open_review(pilot, seeded.apply_identifier)
        assert review.check_action("resubmit", ()) is False
        assert "s" not in _footer_keys(app)
        assert not review.query_one("#review-planner").display
        await pilot.press("s")
        await settle(pilot)
        assert app.screen is review


async def test_the_resubmit_key_is_remappable(g1_storage: Storage, doubles, tmp_path) -> None:
    double = start_double(doubles, g1_storage)
    seeded = seed_failed_apply(g1_storage)
    app = console(g1_storage, double, tmp_path)
    app.keymap = {"review.resubmit": "ctrl+s"}
    async with app.run_test(size=SIZE) as pilot:
        await open_review(pilot, seeded.apply_identifier)
        assert "^s" in _footer_keys(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.pause()
        assert isinstance(app.screen, ConfirmResubmitScreen)


def test_ui_planner_remote_without_an_endpoint_is_refused(capsys, tmp_path: Path) -> None:
    config = tmp_path / "schemabot.yaml"
    config.write_text("storage:\n  dsn: sqlite://\n")
    assert main(["ui", "--planner", "remote", "--config", str(config)]) == 2
    assert "--planner remote needs a SchemaBot endpoint" in capsys.readouterr().err
    config.write_text("storage:\n  dsn: sqlite://\nredrive_console:\n  planner: both\n")
    assert main(["ui", "--config", str(config)]) == 2
    assert "--planner both needs a SchemaBot endpoint" in capsys.readouterr().err


def test_the_console_with_an_endpoint_gets_a_session_with_the_chosen_planner(tmp_path) -> None:
    from app.commands.ui import build_console
    from app.settings import load_settings

    config = tmp_path / "schemabot.yaml"
    config.write_text("storage:\n  dsn: sqlite://\n")
    settings = load_settings(str(config), None)
    app = build_console(
        settings, endpoint=endpoint_of("http://127.0.0.1:9"), planner=Planner.REMOTE
    )
    assert app.schemabot is not None and app.schemabot.planner is Planner.REMOTE
    assert app.schemabot.url == "http://127.0.0.1:9"
    assert build_console(settings).schemabot is None
