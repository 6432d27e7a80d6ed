"""The console on G1 and G2 storage through the real service: the header names the storage,
and on G2 the review screen shows why the reopen is refused, the next step, and no
confirmation."""

from __future__ import annotations

import pytest
from conftest import OPERATOR, build_app, settle

from screens.confirm import ConfirmRedriveScreen
from screens.review import ReviewScreen
from screens.triage import TriageScreen
from screens.widgets.console_header import ConsoleHeader
from services.redrive.service import RedriveService
from services.storage.store import Storage
from services.targets import Target
from tests.postgres_server import fresh_postgres_database
from tests.storage_generations.layouts import build
from tests.storage_generations.scenario import seed_failed_apply

SIZE = (200, 50)


@pytest.fixture
def storage_of(request):
    """``storage_of(layout)``: the URL of a fresh storage of an upstream layout."""
    opened = []

    def make(layout: str) -> str:
        if layout == "g2_postgres":
            context = fresh_postgres_database()
            opened.append(context)
            return build(context.__enter__(), layout)
        return build(request.getfixturevalue("mysql_database_url"), layout)

    yield make
    for context in opened:
        context.__exit__(None, None, None)


class _ScenarioTargets:
    """Every database resolves to the scenario's snapshot (deployment and target: its name)."""

    def __init__(self, snapshot_dir) -> None:
        self.snapshot_dir = snapshot_dir

    def resolve(self, database: str, environment: str) -> Target:
        return Target(
            database=database,
            environment=environment,
            database_type="mysql",
            deployment=database,
            target=database,
            snapshot_dir=self.snapshot_dir,
        )


def _service(url: str, tmp_path) -> tuple[RedriveService, str]:
    scenario = seed_failed_apply(url, tmp_path)
    storage = Storage.from_url(url)
    return RedriveService(storage, _ScenarioTargets(tmp_path / "live"), operator=OPERATOR), (
        scenario.apply_identifier
    )


def _text(screen) -> str:
    return " ".join(str(w.render()) for w in screen.query("Static"))


@pytest.mark.parametrize(
    ("layout", "label"), [("g1_mysql", "mysql g1"), ("g2_postgres", "postgres g2")]
)
async def test_the_header_names_the_storage(layout, label, storage_of, tmp_path) -> None:
    service, _ = _service(storage_of(layout), tmp_path)
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, TriageScreen)
        header = app.screen.query_one(ConsoleHeader)
        assert f"storage {label}" in header.header_text().plain
    service.storage.engine.dispose()


@pytest.mark.parametrize("layout", ["g2_mysql", "g2_postgres"])
async def test_g2_review_screen_refuses_the_reopen_and_shows_the_next_step(
    layout, storage_of, tmp_path
) -> None:
    service, apply_identifier = _service(storage_of(layout), tmp_path)
    app = build_app(service)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *apply_identifier, "enter", "enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert screen.review.reason_code == "terminal_final"
        text = _text(screen)
        assert "declares a terminal apply final" in text, text
        assert "Next step: plan and apply the remaining work afresh" in text, text
        for key in ("c", "f", "enter"):
            await pilot.press(key)
            await settle(pilot)
            assert not isinstance(app.screen, ConfirmRedriveScreen)
    service.storage.engine.dispose()
