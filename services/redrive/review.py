"""``run_review``: validate, rebuild the remaining work, re-plan and compare — writing nothing.

Order (first failure wins; every cheap check before any re-plan): request fields; load the
apply bundle (one read); environment; state ``failed``; completion time; freshness on the
database clock; source plan present; target metadata (legacy ``''`` deployment); unknown,
blocking or active rows; pending stop/cancel requests; remaining work; target supported
(no DSN/snapshot, sharded or vschema work, changed database type); deployment/target changed
in the config. Only then the re-plan and its comparison with the remaining work. Nothing is
written: the fresh plan lives in memory only (no orphan plan rows).

The pre-flight of the remaining work on the target (``preflight_step``: read-only, bounded
by ``preflight_limits``, deep or not) runs last, beside the re-plan; a refused review never
reaches the target, so it has none.

The write side calls ``run_review`` again under the database lock and compares tokens
(``services.redrive.token.describe_token_changes``); apart from the re-plan it is a single
bundle read plus pure functions, and it is deterministic for unchanged rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Protocol

from services.domain.errors import MalformedRowError
from services.domain.models import ApplyBundle, BriefTask, NamespacePlan, Plan, TableChange
from services.planner.api import Flavour, PlannerError, SchemaSource
from services.planner.spirit_level import DEFAULT_LEVEL, SpiritLevel, level_for_generation
from services.preflight import PreflightLimits, PreflightReport
from services.redrive.api import StageCallback
from services.redrive.compare import compare_plans
from services.redrive.db_lock import check_lock_nameable
from services.redrive.expected import filter_plan_to_remaining_work
from services.redrive.fingerprint import plan_fingerprint
from services.redrive.model import LockState, Review, ReviewToken, Verdict
from services.redrive.preflight_step import review_preflight
from services.redrive.recovery import with_recovery_policy
from services.redrive.remaining import RemainingWork, reconstruct_remaining_work
from services.redrive.row_verdict import remember_row_verdict
from services.redrive.token import build_token
from services.redrive.validation import (
    DEFAULT_WINDOW,
    RedriveRejection,
    check_control_requests,
    check_environment,
    check_failed_and_fresh,
    check_plan_present,
    check_row_states,
    check_target_metadata,
    validate_request,
    window_ends_at,
)
from services.storage.generation import StorageGeneration
from services.targets import Target, TargetResolver

SourceFactory = Callable[[Target], SchemaSource]
REPLANNABLE_TYPES = frozenset({"mysql", "vitess"})
PR_NOTE = "A redrive does not update the PR's GitHub check or comments (they stay failed)."


class BundleLoader(Protocol):
    """The part of ``services.storage.store.Storage`` a review reads."""

    @property
    def generation(self) -> StorageGeneration: ...

    def load_bundle(self, apply_identifier: str) -> ApplyBundle | None: ...


class _Mismatch(Exception):
    """Internal: the plan comparison failed without re-planning (config changed)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def run_review(
    storage: BundleLoader,
    targets: TargetResolver,
    apply_identifier: str,
    environment: str,
    operator: str,
    *,
    window: timedelta = DEFAULT_WINDOW,
    on_stage: StageCallback | None = None,
    source_for: SourceFactory | None = None,
    spirit_compat: SpiritLevel | None = None,
    preflight_limits: PreflightLimits | None = None,
) -> Review:
    """Review one failed apply. Raises ``RedriveRejection`` only for bad input (400), an
    unknown apply (404) and rows that cannot be decoded (malformed JSON); every other refusal
    is a ``Review`` with ``NOT_REDRIVABLE`` or ``MISMATCH``.

    The fresh plan follows the Spirit level of the storage's generation (the Spirit that wrote
    its plans) unless ``spirit_compat`` names one. The generation's recovery policy is applied
    last (``with_recovery_policy``): where it forbids the reopen, the full review is still shown
    but is not redrivable."""
    validate_request(apply_identifier, environment, operator)
    _stage(on_stage, "loading apply")
    try:
        bundle = storage.load_bundle(apply_identifier.strip())
    except MalformedRowError as exc:
        raise RedriveRejection(
            "malformed_row", f"apply {apply_identifier.strip()} cannot be redriven: {exc}"
        ) from exc
    if bundle is None:
        raise RedriveRejection("apply_not_found", f"apply {apply_identifier.strip()} not found")
    storage_kind = storage.generation
    review = review_bundle(
        bundle,
        targets,
        environment,
        operator,
        window=window,
        on_stage=on_stage,
        source_for=source_for,
        level=spirit_compat or level_for_generation(storage_kind.generation),
        preflight_limits=preflight_limits,
    )
    return with_recovery_policy(review, bundle, storage_kind.dialect, storage_kind.generation)


def review_bundle(
    bundle: ApplyBundle,
    targets: TargetResolver,
    environment: str,
    operator: str,
    *,
    window: timedelta = DEFAULT_WINDOW,
    on_stage: StageCallback | None = None,
    source_for: SourceFactory | None = None,
    level: SpiritLevel = DEFAULT_LEVEL,
    preflight_limits: PreflightLimits | None = None,
) -> Review:
    """The review of an already loaded bundle (see the module docstring for the order);
    ``level`` is the Spirit the fresh plan follows, ``preflight_limits`` bound the pre-flight
    (default: not deep)."""
    apply = bundle.apply
    base = Review(
        apply=apply,
        environment=environment,
        verdict=Verdict.NOT_REDRIVABLE,
        reason="",
        fingerprint="",
        lock=lock_state(bundle, operator),
        database_now=bundle.database_now,
        window_ends_at=window_ends_at(apply, window),
        plan_identifier=bundle.plan.plan_identifier if bundle.plan else "",
        tasks=bundle.tasks,
        operations=bundle.operations,
        settled=bundle.settled,
        redrive_count=bundle.redrive_count,
        notes=_base_notes(bundle),
        decoded_reads=bundle.decoded_reads,
    )
    work: RemainingWork | None = None
    fingerprint = ""
    try:
        _stage(on_stage, "validating")
        check_environment(apply, environment)
        check_failed_and_fresh(apply, bundle.database_now, window)
        plan = check_plan_present(bundle)
        check_target_metadata(apply, plan)
        check_row_states(apply.apply_identifier, all_tasks(bundle), bundle.operations)
        check_control_requests(apply.apply_identifier, bundle.control_requests)
        check_lock_nameable(bundle.unnamed_lock)
        work = reconstruct_remaining_work(
            apply, all_tasks(bundle), bundle.operations, plan.deployment
        )
        expected = filter_plan_to_remaining_work(plan, work)
        fingerprint = plan_fingerprint(expected)
        target = targets.resolve(plan.database_name, environment)
        check_target_supported(target, expected, work)
        check_target_unchanged(target, plan)
        _stage(on_stage, "re-planning")
        fresh, flavour = replan(plan, target, source_for, apply.apply_identifier, level)
        _stage(on_stage, "comparing")
        comparison = compare_plans(expected, fresh, _equivalence(flavour))
        _stage(on_stage, "pre-flight")
        preflight = review_preflight(target, expected, bundle, work, preflight_limits)
    except RedriveRejection as refusal:
        return _refused(base, bundle, work, fingerprint, Verdict.NOT_REDRIVABLE, refusal.code,
                        str(refusal))  # fmt: skip
    except _Mismatch as mismatch:
        return _refused(base, bundle, work, fingerprint, Verdict.MISMATCH, mismatch.code,
                        mismatch.message)  # fmt: skip
    ident = apply.apply_identifier
    if comparison.verdict is Verdict.MATCH:
        reason = (
            f"fresh plan matches the remaining work of apply {ident} "
            f"({len(comparison.tables)} table(s), {len(work.task_ids)} task(s) to reopen)"
        )
        code = ""
    else:
        shown = "; ".join(comparison.differences[:5])
        more = len(comparison.differences) - 5
        reason = (
            f"re-plan for apply {ident} changed from stored plan {plan.plan_identifier}: {shown}"
            f"{f'; … {more} more' if more > 0 else ''}; create a new apply instead"
        )
        code = "plan_changed"
    token = review_token(bundle, fingerprint, preflight)
    remember_row_verdict(bundle.decoded_reads, token, work, plan.deployment)
    return replace(
        base,
        verdict=comparison.verdict,
        reason=reason,
        reason_code=code,
        fingerprint=fingerprint,
        fresh_fingerprint=plan_fingerprint(fresh),
        fresh_plan_available=True,
        comparisons=comparison.tables,
        reopen_task_ids=work.task_ids,
        reopen_operation_ids=work.operation_ids,
        reflected_task_ids=work.reflected_task_ids,
        token=token,
        notes=base.notes + _work_notes(work) + _lock_notes(base.lock),
        preflight=preflight,
    )


def all_tasks(bundle: ApplyBundle) -> tuple[BriefTask, ...]:
    """Every unsettled task row of the apply: drive rows and reflected per-shard rows (the
    settled rows, ids only, are ``bundle.settled``)."""
    return bundle.tasks + bundle.reflected_tasks


def review_token(
    bundle: ApplyBundle, fingerprint: str, preflight: PreflightReport | None = None
) -> ReviewToken:
    """The token over every task and operation row of the apply (settled ones included), the
    lock, the fingerprint and the pre-flight (when one ran)."""
    return build_token(
        bundle.apply,
        all_tasks(bundle),
        bundle.operations,
        bundle.lock,
        fingerprint,
        preflight,
        settled=bundle.settled,
    )


def lock_state(bundle: ApplyBundle, operator: str) -> LockState:
    """The ``locks`` row of the apply's (database, type) as the review saw it."""
    lock = bundle.lock
    return LockState(
        database_name=bundle.apply.database_name,
        database_type=bundle.apply.database_type,
        operator=operator,
        owner=lock.owner if lock else None,
        lock_id=lock.id if lock else None,
        held_since=lock.created_at if lock else None,
        repository=lock.repository if lock else "",
        pull_request=lock.pull_request if lock else 0,
        unnamed=bundle.unnamed_lock,
    )


def check_target_supported(target: Target, expected: Plan, work: RemainingWork) -> None:
    """Refuse, with the reason, every target or plan this console cannot re-plan faithfully."""
    where = f"{target.database}/{target.environment}"
    if target.unsupported_reason:
        _unsupported(f"{where} cannot be re-planned by this console: {target.unsupported_reason}")
    if not target.url and target.snapshot_dir is None:
        _unsupported(f"{where} has no DSN or schema snapshot configured to re-plan against")
    if target.database_type != expected.database_type:
        raise RedriveRejection(
            "target_type_changed",
            f"{where} is configured as {target.database_type!r} but the plan was made for "
            f"{expected.database_type!r}; create a new apply instead",
        )
    if expected.database_type not in REPLANNABLE_TYPES:
        _unsupported(f"database type {expected.database_type!r} cannot be re-planned")
    shards = sorted(
        {k.shard for k in work.keys if k.shard}
        | {s.shard for e in expected.namespaces.values() if e for s in e.shards}
    )
    if shards:
        _unsupported(
            f"the remaining work is sharded (shards {', '.join(shards)}); this console "
            "cannot re-plan sharded keyspaces"
        )
    vschema = sorted(n for n, e in expected.namespaces.items() if e and e.artifacts)
    if vschema:
        _unsupported(
            f"the remaining work includes vschema artifacts ({', '.join(vschema)}); this "
            "console cannot re-plan them"
        )


def check_target_unchanged(target: Target, plan: Plan) -> None:
    """A config change of deployment or target is a plan mismatch, known without re-planning."""
    changed = [
        f"{label} changed from {stored!r} to {configured!r}"
        for label, stored, configured in (
            ("deployment", plan.deployment, target.deployment),
            ("target", plan.target, target.target),
        )
        if stored != configured
    ]
    if changed:
        raise _Mismatch(
            "target_changed",
            f"the configuration of {target.database}/{target.environment} changed since plan "
            f"{plan.plan_identifier}: {'; '.join(changed)}; create a new apply instead",
        )


def replan(
    plan: Plan,
    target: Target,
    source_for: SourceFactory | None = None,
    apply_identifier: str = "",
    level: SpiritLevel = DEFAULT_LEVEL,
) -> tuple[Plan, Flavour]:
    """The fresh plan of the stored ``schema_files`` against ``target`` (in memory only), as
    the Spirit of ``level`` plans it."""
    from services.planner import plan_schema

    if source_for is None:
        from services.planner.sources import source_for_target as source_for
    try:
        source = source_for(target)
        try:
            result = plan_schema(plan.schema_files, source, level=level)
            flavour = source.flavour
        finally:
            dispose = getattr(source, "dispose", None)
            if callable(dispose):
                dispose()
    except PlannerError as exc:
        raise RedriveRejection(
            "replan_failed", f"re-plan apply {apply_identifier} for redrive: {exc}"
        ) from exc
    return fresh_plan(plan, target, result.changes), flavour


def fresh_plan(plan: Plan, target: Target, changes: tuple[TableChange, ...]) -> Plan:
    """The fresh plan as SchemaBot would store it: request scalars from the source plan,
    deployment/target/type from the resolved target, namespace-level tables per namespace."""
    grouped: dict[str, list[TableChange]] = {}
    for change in changes:
        grouped.setdefault(change.namespace, []).append(change)
    return replace(
        plan,
        id=0,
        plan_identifier="",
        database_type=target.database_type,
        deployment=target.deployment,
        target=target.target,
        namespaces={ns: NamespacePlan(tables=tuple(c)) for ns, c in grouped.items()},
        created_at=None,
    )


def _equivalence(flavour: Flavour) -> Callable[[str, str], bool]:
    from services.planner import statements_equivalent

    return lambda a, b: statements_equivalent(a, b, flavour)


def _refused(
    base: Review,
    bundle: ApplyBundle,
    work: RemainingWork | None,
    fingerprint: str,
    verdict: Verdict,
    code: str,
    reason: str,
) -> Review:
    return replace(
        base,
        verdict=verdict,
        reason=reason,
        reason_code=code,
        fingerprint=fingerprint,
        reopen_task_ids=work.task_ids if work else (),
        reopen_operation_ids=work.operation_ids if work else (),
        reflected_task_ids=work.reflected_task_ids if work else (),
        token=review_token(bundle, fingerprint),
        notes=base.notes + (_work_notes(work) if work else ()) + _lock_notes(base.lock),
    )


def _base_notes(bundle: ApplyBundle) -> tuple[str, ...]:
    count = bundle.redrive_count
    history = (
        f"This apply was already redriven {count} time(s); it has used {bundle.apply.attempt} "
        "retry attempt(s) since the last one."
        if count
        else f"This apply was never redriven; it used {bundle.apply.attempt} retry attempt(s)."
    )
    return (PR_NOTE, history)


def _work_notes(work: RemainingWork) -> tuple[str, ...]:
    if not work.reflected_task_ids:
        return ()
    ids = ", ".join(str(i) for i in work.reflected_task_ids[:10])
    return (
        f"{len(work.reflected_task_ids)} failed/cancelled per-shard progress row(s) (task {ids}) "
        "mirror the drive tasks; they are neither compared nor reopened.",
    )


def _lock_notes(lock: LockState) -> tuple[str, ...]:
    where = f"{lock.database_name}/{lock.database_type}"
    if lock.free:
        return (f"The database lock for {where} is free; a redrive takes it as {lock.operator}.",)
    if lock.held_by_operator:
        return (f"You ({lock.operator}) hold the database lock for {where}.",)
    if lock.unnamed is not None:
        return (
            f"The database lock for {where} is held by an unknown owner ({lock.unnamed.label}); "
            "no redrive, forced or not, can take it over until the locks rows are fixed.",
        )
    return (
        f"The database lock for {where} is held by {lock.owner}; a redrive needs force to "
        "take it over (and is refused if the owner changes before then).",
    )


def _unsupported(message: str) -> None:
    raise RedriveRejection("unsupported_target", message)


def _stage(callback: StageCallback | None, name: str) -> None:
    if callback is not None:
        callback(name)
