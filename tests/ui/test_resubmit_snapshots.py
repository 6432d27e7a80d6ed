"""Snapshots: the review screen's three-way planner verdict (stored / server / local) and the
resubmit confirmation (a matching server plan, and a differing one with its fingerprint typed),
at 80x24 and 160x48. The SchemaBot side is canned here (``CannedSchemaBot``) so the pictures are
deterministic; ``test_resubmit_flow.py`` drives the same screens against the real HTTP double.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from conftest import OPERATOR, build_app, settle
from fake_service import FakeConsoleService, make_apply, make_review
from textual.pilot import Pilot

from screens.resubmit_confirm import ConfirmResubmitScreen
from screens.review import ReviewScreen
from services.domain.models import NamespacePlan, Plan, TableChange
from services.redrive.compare import compare_plans
from services.redrive.fingerprint import plan_fingerprint
from services.redrive.model import Review, TableComparison, TableStatus, Verdict
from services.redrive.planner_choice import PlannerCheck
from services.redrive.planner_kind import Planner
from services.redrive.recovery import StorageRecovery
from services.schemabot_api.remote_plan import RemotePlan, ReviewInputs
from services.schemabot_api.resubmit import ResubmitPreview

SERVER = "https://schemabot.internal"
STORED_DDL = "ALTER TABLE `orders` ADD COLUMN `note` varchar(255)"
SERVER_DDL = "ALTER TABLE `orders` ADD COLUMN `note` varchar(255), ADD INDEX `note` (`note`)"


class CannedSchemaBot:
    """The session interface of ``SchemaBotSession`` with canned answers (no server)."""

    def __init__(self, planner: Planner, check: PlannerCheck | None = None) -> None:
        self.planner = planner
        self.url = SERVER
        self.poll_seconds = 3600.0
        self.check = check

    def check_planners(self, review: Review) -> PlannerCheck:
        assert self.check is not None
        return self.check


def disagreeing_check() -> PlannerCheck:
    """The server's plan adds an index the stored work and the local plan do not have."""
    stored = (TableChange("orders", STORED_DDL, "alter", namespace="orders"),)
    server = (TableChange("orders", SERVER_DDL, "alter", namespace="orders"),)
    return PlannerCheck(
        Planner.BOTH,
        stored_vs_local="match",
        stored_vs_server="mismatch",
        server_vs_local="mismatch",
        disagreeing_tables=("orders.orders",),
        server_plan_id="plan-srv-0042",
        server_tables=(
            TableComparison("orders", "orders", TableStatus.CHANGED, stored=stored, fresh=server),
        ),
    )


def g2_review() -> Review:
    """A G2 review: compared (and matching), refused as terminal_final, resubmit allowed."""
    review = make_review()
    return replace(
        review,
        verdict=Verdict.NOT_REDRIVABLE,
        reason_code="terminal_final",
        reason=(
            "apply apply-0001 is not reopened here: this SchemaBot declares a terminal apply "
            "final; recover with a fresh plan and a fresh apply of the remaining work"
        ),
        token=None,
        storage=StorageRecovery("mysql", "g2", ("resubmit",), "plan and apply afresh"),
        notes=("Next step: plan and apply the remaining work afresh: database orders",),
    )


def _plan(identifier: str, ddl: str) -> Plan:
    return Plan(
        id=201,
        plan_identifier=identifier,
        database_name="orders",
        database_type="mysql",
        deployment="default",
        target="orders",
        repository="acme/schemas",
        pull_request=4242,
        schema_path="schema",
        environment="production",
        schema_files={"orders": {"orders.sql": "CREATE TABLE `orders` (...);"}},
        namespaces={"orders": NamespacePlan(tables=(TableChange("orders", ddl, "alter"),))},
        head_sha="abc123",
    )


def canned_preview(server_ddl: str = STORED_DDL) -> ResubmitPreview:
    """The server's plan of the stored desired schema beside the stored remaining work."""
    stored = _plan("plan-0001", STORED_DDL)
    server = replace(_plan("plan-srv-0042", server_ddl), id=0)
    return ResubmitPreview(
        inputs=ReviewInputs(make_apply(), "production", stored, stored),
        remote=RemotePlan("plan-srv-0042", server, "spirit"),
        comparison=compare_plans(stored, server, lambda a, b: a == b),
        fingerprint=plan_fingerprint(server),
        expected_fingerprint=plan_fingerprint(stored),
    )


def _review_app(review: Review, schemabot: CannedSchemaBot):
    app = build_app(FakeConsoleService(reviews={"apply-0001": review}))
    app.schemabot = schemabot
    return app


async def _open_review(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    await settle(pilot)
    assert isinstance(pilot.app.screen, ReviewScreen)


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_three_way_verdict_with_a_planner_fidelity_finding(snap_compare, size) -> None:
    app = _review_app(make_review(), CannedSchemaBot(Planner.BOTH, disagreeing_check()))
    assert snap_compare(app, terminal_size=size, run_before=_open_review)


def test_g2_review_offers_only_the_resubmit(snap_compare) -> None:
    app = _review_app(g2_review(), CannedSchemaBot(Planner.LOCAL))
    assert snap_compare(app, terminal_size=(160, 48), run_before=_open_review)


def _modal(preview: ResubmitPreview, *, read_only: bool = False, typed: str = ""):
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        modal = ConfirmResubmitScreen(
            preview, g2_review(), operator=OPERATOR, read_only=read_only, server=SERVER
        )
        pilot.app.push_screen(modal)
        await pilot.pause()
        if typed:
            await pilot.press(*typed)
            await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
def test_resubmit_confirmation_of_a_matching_plan(snap_compare, size) -> None:
    assert snap_compare(build_app(), terminal_size=size, run_before=_modal(canned_preview()))


def test_resubmit_confirmation_of_a_differing_plan_with_its_fingerprint_typed(
    snap_compare,
) -> None:
    preview = canned_preview(SERVER_DDL)
    run_before = _modal(preview, typed=preview.fingerprint[:16])
    assert snap_compare(build_app(), terminal_size=(160, 48), run_before=run_before)


def test_resubmit_confirmation_of_a_differing_plan_80x24_read_only(snap_compare) -> None:
    run_before = _modal(canned_preview(SERVER_DDL), read_only=True)
    assert snap_compare(build_app(read_only=True), terminal_size=(80, 24), run_before=run_before)
