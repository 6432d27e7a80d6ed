"""The review's pre-flight: one ``PreflightInput`` per table of the remaining work, run on the
target the re-plan read.

Each table gets the statements the redrive would retry (the expected plan) and the error texts
of its failed tasks and their operations, most specific first. The schema is the database the
re-plan reads (the DSN's database, else the namespace). A target that is a schema snapshot
folder holds no data: every table is then reported without live checks — a transient cause is
still likely to succeed, every other cause is ``unknown`` with the reason "no live target".
``limits`` (the operator's ``--deep`` / ``preflight_deep`` and size threshold) go to the live
pre-flight unchanged; the report records the depth asked for, so the review token binds it.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.engine import make_url

from services.domain.models import ApplyBundle, Plan
from services.preflight import (
    PreflightInput,
    PreflightLimits,
    PreflightReport,
    Resume,
    ResumeState,
    TableReport,
    Verdict,
    classify_all,
    run_preflight,
)
from services.preflight.model import overall_verdict
from services.preflight.verdict import decide
from services.redrive.remaining import RemainingWork
from services.targets import Target

NO_LIVE_TARGET = "not checked: no live target (the target is a schema snapshot folder)"


def review_preflight(
    target: Target,
    expected: Plan,
    bundle: ApplyBundle,
    work: RemainingWork,
    limits: PreflightLimits | None = None,
) -> PreflightReport:
    """The pre-flight of every table of the remaining work on ``target``, within ``limits``
    (default: ``PreflightLimits()``, not deep)."""
    limits = limits or PreflightLimits()
    inputs = preflight_inputs(target, expected, bundle, work)
    if not target.url:
        return not_checkable(inputs, NO_LIVE_TARGET, deep=limits.deep)
    return run_preflight(target.url, inputs, limits)


def preflight_inputs(
    target: Target, expected: Plan, bundle: ApplyBundle, work: RemainingWork
) -> tuple[PreflightInput, ...]:
    """One input per (namespace, table) of the expected plan, in plan order."""
    schema = (make_url(target.url).database or "") if target.url else ""
    statements: dict[tuple[str, str], list[str]] = {}
    for namespace, entry in expected.namespaces.items():
        for change in entry.tables if entry else ():
            statements.setdefault((namespace, change.table), []).append(change.ddl)
    return tuple(
        PreflightInput(
            namespace,
            table,
            tuple(ddl),
            _errors(bundle, work, namespace, table),
            schema,
        )
        for (namespace, table), ddl in statements.items()
    )


def not_checkable(
    inputs: Sequence[PreflightInput], why: str, *, deep: bool = False
) -> PreflightReport:
    """A report without live checks: causes classified, nothing read from the target
    (``deep`` is the depth that was asked for, recorded as asked)."""
    tables = []
    for item in inputs:
        cause = classify_all(item.errors)
        resume = ResumeState(Resume.UNKNOWN, why)
        verdict, reason, _ = decide(cause, (), resume)
        if verdict is Verdict.UNKNOWN:
            reason = why
        tables.append(TableReport(item.namespace, item.table, cause, (), resume, verdict, reason))
    verdict = overall_verdict([t.verdict for t in tables])
    return PreflightReport(tuple(tables), verdict, "", (why,), deep=deep)


def _errors(
    bundle: ApplyBundle, work: RemainingWork, namespace: str, table: str
) -> tuple[str, ...]:
    """The failed tasks' error texts of this table, then their operations' (no repeats)."""
    reopened = set(work.task_ids)
    tasks = [
        t
        for t in bundle.tasks
        if t.id in reopened and t.namespace == namespace and (t.table_name or "") == table
    ]
    operation_ids = {t.apply_operation_id for t in tasks}
    texts = [t.error_message for t in tasks]
    texts += [op.error_message for op in bundle.operations if op.id in operation_ids]
    return tuple(dict.fromkeys(text for text in texts if text and text.strip()))
