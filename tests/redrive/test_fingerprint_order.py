"""Fingerprint and comparison details that mutation testing found unguarded.

Order must not matter where storage gives no order (several statements for one table, shards,
the changes inside a shard), and every compared field of a change must matter: a differing
``unsafe_reason`` or unsafe flag with identical DDL is a mismatch, in the fingerprint and in
the side-by-side comparison alike.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from services.domain.models import NamespacePlan
from services.redrive.compare import compare_plans
from services.redrive.fingerprint import plan_fingerprint
from services.redrive.model import TableStatus, Verdict
from tests.redrive.review_support import (
    ORDERS_NOTE,
    USERS_EMAIL,
    USERS_PHONE,
    alter,
    make_plan,
    shard_plan,
)

EMAIL, PHONE, NOTE = (
    alter("users", USERS_EMAIL),
    alter("users", USERS_PHONE),
    alter("orders", ORDERS_NOTE),
)


def exact(a: str, b: str) -> bool:
    return a == b


def _tables(*changes) -> NamespacePlan:
    return NamespacePlan(tables=changes)


def test_statements_for_one_table_in_any_order_give_one_fingerprint() -> None:
    forward = make_plan({"testdb": _tables(EMAIL, PHONE, NOTE)})
    backward = make_plan({"testdb": _tables(NOTE, PHONE, EMAIL)})
    assert plan_fingerprint(forward) == plan_fingerprint(backward)
    assert compare_plans(forward, backward, exact).verdict is Verdict.MATCH


def test_shards_in_any_order_give_one_fingerprint() -> None:
    shards = (
        shard_plan("commerce", "-80", EMAIL),
        shard_plan("commerce", "80-", EMAIL),
        shard_plan("billing", "-80", NOTE),
    )
    forward = make_plan({"commerce": NamespacePlan(shards=shards)})
    backward = make_plan({"commerce": NamespacePlan(shards=tuple(reversed(shards)))})
    assert plan_fingerprint(forward) == plan_fingerprint(backward)


def test_changes_inside_a_shard_in_any_order_give_one_fingerprint() -> None:
    forward = make_plan(
        {"commerce": NamespacePlan(shards=(shard_plan("commerce", "-80", EMAIL, PHONE),))}
    )
    backward = make_plan(
        {"commerce": NamespacePlan(shards=(shard_plan("commerce", "-80", PHONE, EMAIL),))}
    )
    assert plan_fingerprint(forward) == plan_fingerprint(backward)


def test_a_shard_change_on_another_shard_is_a_different_fingerprint() -> None:
    on_low = make_plan({"commerce": NamespacePlan(shards=(shard_plan("commerce", "-80", EMAIL),))})
    on_high = make_plan({"commerce": NamespacePlan(shards=(shard_plan("commerce", "80-", EMAIL),))})
    assert plan_fingerprint(on_low) != plan_fingerprint(on_high)


@pytest.mark.parametrize(
    ("stored", "fresh"),
    [
        (
            {"is_unsafe": True, "unsafe_reason": "drops data"},
            {"is_unsafe": True, "unsafe_reason": "rewrites data"},
        ),
        (
            {"is_unsafe": True, "unsafe_reason": "drops data"},
            {"is_unsafe": True, "unsafe_reason": ""},
        ),
        (
            {"is_unsafe": True, "unsafe_reason": "drops data"},
            {"is_unsafe": False, "unsafe_reason": "drops data"},
        ),
    ],
    ids=["other_reason", "reason_gone", "flag_gone"],
)
def test_a_differing_unsafe_verdict_with_equal_ddl_is_a_mismatch(stored: dict, fresh: dict) -> None:
    stored_plan = make_plan({"testdb": _tables(replace(EMAIL, **stored))})
    fresh_plan = make_plan({"testdb": _tables(replace(EMAIL, **fresh))})
    assert plan_fingerprint(stored_plan) != plan_fingerprint(fresh_plan)
    result = compare_plans(stored_plan, fresh_plan, exact)
    assert result.verdict is Verdict.MISMATCH
    assert [(t.table, t.status) for t in result.tables] == [("users", TableStatus.CHANGED)]
    assert result.differences == ("testdb.users: statements differ",)
