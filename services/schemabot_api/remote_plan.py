"""The server's own fresh plan of a failed apply's stored desired schema, as the console's ``Plan``.

``review_inputs`` reads what a remote re-plan needs from a loaded bundle: the failed apply, its
stored plan, and the stored plan filtered to the remaining work (the same filter the local
review uses). ``remote_fresh_plan`` sends the stored ``schema_files`` to ``POST /api/plan`` and
adapts the answer: namespace changes and shard changes become ``NamespacePlan`` entries, and the
scalars come from the answer where SchemaBot reports them (database, type, deployment,
environment) and from the stored plan otherwise (SchemaBot's plan answer has no target). The
result compares and fingerprints exactly like a locally re-planned ``Plan``.

Planning creates a plan record on the server and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from services.domain.models import Apply, ApplyBundle, NamespacePlan, Plan, ShardPlan, TableChange
from services.redrive.compare import PlanComparison, compare_plans
from services.redrive.expected import filter_plan_to_remaining_work
from services.redrive.remaining import reconstruct_remaining_work
from services.redrive.validation import RedriveRejection, check_environment, check_plan_present
from services.schemabot_api.client import SchemaBotClient
from services.schemabot_api.wire import PlanRequest, PlanResponse, RemoteTableChange

FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ReviewInputs:
    """What a remote re-plan of one failed apply starts from."""

    apply: Apply
    environment: str
    stored_plan: Plan
    expected: Plan


@dataclass(frozen=True, slots=True)
class RemotePlan:
    """The server's plan: its ``plan_id`` (what ``POST /api/apply`` takes) and the ``Plan``."""

    plan_id: str
    plan: Plan
    engine: str
    lint_violations: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()


def review_inputs(bundle: ApplyBundle, environment: str) -> ReviewInputs:
    """The inputs of a remote re-plan; ``RedriveRejection`` when the apply does not qualify
    (another environment, not ``failed``, no stored plan, no failed work)."""
    apply = bundle.apply
    check_environment(apply, environment)
    if apply.state != FAILED:
        raise RedriveRejection(
            "not_failed", f"apply {apply.apply_identifier} is {apply.state}, not failed"
        )
    plan = check_plan_present(bundle)
    work = reconstruct_remaining_work(
        apply, bundle.tasks + bundle.reflected_tasks, bundle.operations, plan.deployment
    )
    return ReviewInputs(apply, environment, plan, filter_plan_to_remaining_work(plan, work))


def plan_request(inputs: ReviewInputs) -> PlanRequest:
    """The plan request: the stored desired files, nothing tying it to the original PR."""
    stored = inputs.stored_plan
    return PlanRequest(
        database=stored.database_name,
        environment=inputs.environment,
        type=stored.database_type,
        schema_files=stored.schema_files,
    )


def remote_fresh_plan(client: SchemaBotClient, inputs: ReviewInputs) -> RemotePlan:
    """Ask the server to plan the stored desired schema now; the answer as a ``RemotePlan``."""
    response = client.plan(plan_request(inputs))
    if not response.plan_id:
        raise RedriveRejection("remote_plan_failed", "SchemaBot's plan answer has no plan_id")
    return RemotePlan(
        plan_id=response.plan_id,
        plan=plan_from_response(response, inputs),
        engine=response.engine,
        lint_violations=tuple(
            str(v.get("message", "")) for v in response.lint_violations if v.get("message")
        ),
        errors=response.errors,
    )


def plan_from_response(response: PlanResponse, inputs: ReviewInputs) -> Plan:
    """The server's answer as a ``Plan`` with the stored plan's request scalars."""
    stored = inputs.stored_plan
    namespaces: dict[str, NamespacePlan] = {}
    for change in response.changes:
        tables = tuple(_change(t, change.namespace) for t in change.table_changes)
        namespaces[change.namespace] = NamespacePlan(tables=tables)
    for shard in response.shards:
        entry = namespaces.get(shard.namespace, NamespacePlan())
        shard_plan = ShardPlan(
            shard=shard.shard,
            namespace=shard.namespace,
            changes=tuple(_change(t, shard.namespace) for t in shard.changes),
        )
        namespaces[shard.namespace] = replace(entry, shards=(*entry.shards, shard_plan))
    return replace(
        stored,
        id=0,
        plan_identifier=response.plan_id,
        database_name=response.database or stored.database_name,
        database_type=response.database_type or stored.database_type,
        deployment=response.deployment or stored.deployment,
        environment=response.environment or inputs.environment,
        namespaces=namespaces,
        created_at=None,
    )


def compare_with_stored(
    inputs: ReviewInputs, remote: RemotePlan, equivalent: Callable[[str, str], bool]
) -> PlanComparison:
    """The stored remaining work (expected) against the server's plan, table by table."""
    return compare_plans(inputs.expected, remote.plan, equivalent)


def _change(change: RemoteTableChange, namespace: str) -> TableChange:
    return TableChange(
        table=change.table_name,
        ddl=change.ddl,
        operation=change.change_type,
        namespace=change.namespace or namespace,
        is_unsafe=change.is_unsafe,
        unsafe_reason=change.unsafe_reason,
    )
