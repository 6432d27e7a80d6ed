"""Fingerprint normalisation and the table comparison behind the verdict."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import pytest

from services.domain.models import NamespacePlan
from services.redrive.compare import compare_plans
from services.redrive.fingerprint import (
    FingerprintError,
    canonical_json,
    plan_fingerprint,
)
from services.redrive.model import TableStatus, Verdict
from tests.redrive.review_support import (
    ORDERS_NOTE,
    USERS_EMAIL,
    USERS_PHONE,
    alter,
    make_plan,
)


def exact(a: str, b: str) -> bool:
    return a == b


def test_empty_namespaces_and_empty_artifacts_are_ignored() -> None:
    noisy = make_plan({"empty": NamespacePlan(), "routing": NamespacePlan(artifacts={})})
    bare = make_plan({})
    assert plan_fingerprint(noisy) == plan_fingerprint(bare)


def test_null_and_empty_artifacts_are_equal() -> None:
    tables = (alter("users", USERS_EMAIL),)
    with_none = make_plan({"testdb": NamespacePlan(tables=tables, artifacts=None)})
    with_empty = make_plan({"testdb": NamespacePlan(tables=tables, artifacts={})})
    assert plan_fingerprint(with_none) == plan_fingerprint(with_empty)


def test_null_namespace_is_skipped() -> None:
    assert plan_fingerprint(make_plan({"gone": None})) == plan_fingerprint(make_plan({}))


def test_table_order_and_plan_ids_do_not_matter() -> None:
    a = make_plan(
        {
            "testdb": NamespacePlan(
                tables=(alter("users", USERS_EMAIL), alter("orders", ORDERS_NOTE))
            )
        }
    )
    b = replace(
        make_plan(
            {
                "testdb": NamespacePlan(
                    tables=(alter("orders", ORDERS_NOTE), alter("users", USERS_EMAIL))
                )
            }
        ),
        id=43,
        plan_identifier="plan-fresh",
        head_sha="other",
        repository="x/y",
    )
    assert plan_fingerprint(a) == plan_fingerprint(b)


def test_empty_change_namespace_equals_its_container() -> None:
    stored = make_plan({"testdb": NamespacePlan(tables=(alter("users", USERS_EMAIL),))})
    planned = make_plan(
        {"testdb": NamespacePlan(tables=(alter("users", USERS_EMAIL, namespace="testdb"),))}
    )
    assert plan_fingerprint(stored) == plan_fingerprint(planned)


@pytest.mark.parametrize(
    "change",
    [
        {"ddl": USERS_PHONE},
        {"is_unsafe": True},
        {"unsafe_reason": "drops data"},
        {"operation": "drop"},
    ],
)
def test_any_compared_field_changes_the_fingerprint(change: dict) -> None:
    base = alter("users", USERS_EMAIL)
    a = make_plan({"testdb": NamespacePlan(tables=(base,))})
    b = make_plan({"testdb": NamespacePlan(tables=(replace(base, **change),))})
    assert plan_fingerprint(a) != plan_fingerprint(b)


@pytest.mark.parametrize("field", ["deployment", "target", "database_type", "environment"])
def test_scalar_fields_are_part_of_the_fingerprint(field: str) -> None:
    a = make_plan()
    assert plan_fingerprint(a) != plan_fingerprint(replace(a, **{field: "changed"}))


def test_fingerprint_is_sha256_of_the_canonical_json() -> None:
    plan = make_plan()
    document = canonical_json(plan)
    assert document.startswith('{"Database":"testdb","DatabaseType":"mysql","Deployment"')
    assert plan_fingerprint(plan) == hashlib.sha256(document.encode()).hexdigest()


def test_serialisation_error_is_an_internal_error_not_a_change() -> None:
    broken = make_plan({"testdb": NamespacePlan(artifacts={"vschema.json": object()})})  # type: ignore[dict-item]
    with pytest.raises(FingerprintError, match="cannot serialise plan plan-source"):
        plan_fingerprint(broken)


# -- comparison -------------------------------------------------------------------------------


def test_matching_plans_give_match_and_same_rows() -> None:
    plan = make_plan()
    result = compare_plans(plan, replace(plan, plan_identifier="fresh"), exact)
    assert result.verdict is Verdict.MATCH
    assert [(t.namespace, t.table, t.status) for t in result.tables] == [
        ("testdb", "users", TableStatus.SAME)
    ]


def test_changed_column_is_a_mismatch() -> None:
    stored = make_plan()
    fresh = make_plan({"testdb": NamespacePlan(tables=(alter("users", USERS_PHONE),))})
    result = compare_plans(stored, fresh, exact)
    assert result.verdict is Verdict.MISMATCH
    assert result.tables[0].status is TableStatus.CHANGED
    assert result.tables[0].stored[0].ddl == USERS_EMAIL
    assert result.tables[0].fresh[0].ddl == USERS_PHONE


def test_only_stored_and_only_fresh_rows() -> None:
    stored = make_plan({"testdb": NamespacePlan(tables=(alter("users", USERS_EMAIL),))})
    fresh = make_plan({"testdb": NamespacePlan(tables=(alter("orders", ORDERS_NOTE),))})
    result = compare_plans(stored, fresh, exact)
    statuses = {t.table: t.status for t in result.tables}
    assert statuses == {"users": TableStatus.ONLY_STORED, "orders": TableStatus.ONLY_FRESH}
    assert result.verdict is Verdict.MISMATCH


def test_equivalent_ddl_text_counts_as_same() -> None:
    stored = make_plan()
    fresh = make_plan(
        {"testdb": NamespacePlan(tables=(alter("users", USERS_EMAIL.replace(" ", "  ")),))}
    )

    def squash(a: str, b: str) -> bool:
        return " ".join(a.split()) == " ".join(b.split())

    assert compare_plans(stored, fresh, exact).verdict is Verdict.MISMATCH
    assert compare_plans(stored, fresh, squash).verdict is Verdict.MATCH


def test_deployment_difference_is_a_mismatch_even_with_same_tables() -> None:
    stored = make_plan()
    result = compare_plans(stored, replace(stored, deployment="tenant1"), exact)
    assert result.verdict is Verdict.MISMATCH
    assert any("deployment differs" in d for d in result.differences)


def test_extra_statement_for_a_table_is_a_change() -> None:
    stored = make_plan()
    fresh = make_plan(
        {"testdb": NamespacePlan(tables=(alter("users", USERS_EMAIL), alter("users", USERS_PHONE)))}
    )
    assert compare_plans(stored, fresh, exact).tables[0].status is TableStatus.CHANGED
