"""Fewer collections while planning: the young threshold is raised for the plan and restored
(kept, in a process that ends with its command)."""

from __future__ import annotations

import gc

from services.planner import Flavour, gc_budget, plan_schema
from services.planner import plan as plan_module
from services.planner.gc_budget import PLANNING_GEN0_THRESHOLD, planning_collections
from services.planner.sources import StaticSchemaSource


def test_the_threshold_is_raised_inside_and_restored_after_nesting() -> None:
    before = gc.get_threshold()
    with planning_collections():
        assert gc.get_threshold()[0] >= PLANNING_GEN0_THRESHOLD
        with planning_collections():
            assert gc.get_threshold()[0] >= PLANNING_GEN0_THRESHOLD
        assert gc.get_threshold()[0] >= PLANNING_GEN0_THRESHOLD  # the outer plan still runs
    assert gc.get_threshold() == before


def test_a_plan_runs_with_the_raised_threshold(monkeypatch) -> None:
    seen: list[int] = []
    real = plan_module.plan_namespace

    def spying(*args, **kwargs):
        seen.append(gc.get_threshold()[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(plan_module, "plan_namespace", spying)
    before = gc.get_threshold()
    source = StaticSchemaSource({"app": {}}, Flavour.MYSQL)
    plan_schema({"app": {"t.sql": "CREATE TABLE t (id int NOT NULL, PRIMARY KEY (id))"}}, source)
    assert seen and seen[0] >= PLANNING_GEN0_THRESHOLD
    assert gc.get_threshold() == before


def test_a_process_that_ends_with_its_command_keeps_the_raised_threshold(monkeypatch) -> None:
    """No young collection is set off after the plan: the process ends right after it."""
    monkeypatch.setattr(gc_budget, "_kept", False)
    before = gc.get_threshold()
    try:
        gc_budget.keep_planning_threshold()
        with planning_collections():
            pass
        assert gc.get_threshold()[0] >= PLANNING_GEN0_THRESHOLD
    finally:
        gc.set_threshold(*before)
