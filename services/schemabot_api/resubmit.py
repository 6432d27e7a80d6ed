"""Recovery as a fresh apply: the server re-plans the failed apply's desired schema, the console
compares that plan with the stored remaining work, and only then asks the server to apply it.

``preview_resubmit`` reads and plans (the server stores a plan record; nothing else is written
anywhere). ``resubmit`` refuses a plan that differs from the stored remaining work unless the
caller confirms that exact plan by its fingerprint, then calls ``POST /api/apply`` with the
server's ``plan_id`` and the caller ``redrive-console:<operator> resubmits <apply>``. On success
it writes one ``apply_logs`` row on the failed apply naming the new apply (a log row in its own
transaction, never a state change; skipped in read-only mode). A refusal by the server writes
nothing locally.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, insert

from services.redrive.compare import PlanComparison
from services.redrive.fingerprint import fingerprint_matches, plan_fingerprint
from services.redrive.model import Verdict
from services.redrive.review import BundleLoader
from services.redrive.validation import RedriveRejection
from services.schemabot_api.client import SchemaBotClient
from services.schemabot_api.errors import SchemaBotAPIError, SchemaBotUnavailableError
from services.schemabot_api.remote_plan import (
    RemotePlan,
    ReviewInputs,
    compare_with_stored,
    remote_fresh_plan,
    review_inputs,
)
from services.schemabot_api.wire import ApplyRequest
from services.storage.schema import apply_logs

LOG_SOURCE = "redrive-console"
LOG_MESSAGE = "Resubmitted by {operator} as new apply {new_apply}"


@dataclass(frozen=True, slots=True)
class ResubmitPreview:
    """The server's fresh plan beside the stored remaining work, and their fingerprints."""

    inputs: ReviewInputs
    remote: RemotePlan
    comparison: PlanComparison
    fingerprint: str
    expected_fingerprint: str

    @property
    def matches(self) -> bool:
        return self.comparison.verdict is Verdict.MATCH


@dataclass(frozen=True, slots=True)
class ResubmitOutcome:
    """``resubmitted`` (with the new apply id) or ``refused`` (with the reason and its code)."""

    status: str
    failed_apply_id: str
    reason: str
    reason_code: str = ""
    new_apply_id: str = ""
    plan_id: str = ""
    fingerprint: str = ""
    caller: str = ""
    log_id: int | None = None

    @property
    def resubmitted(self) -> bool:
        return self.status == "resubmitted"


def resubmit_caller(operator: str, failed_apply_id: str) -> str:
    """The ``caller`` of the new apply: who asked, and which failed apply it replaces."""
    return f"redrive-console:{operator} resubmits {failed_apply_id}"


def preview_resubmit(
    client: SchemaBotClient,
    storage: BundleLoader,
    apply_identifier: str,
    environment: str,
    equivalent: Callable[[str, str], bool],
) -> ResubmitPreview:
    """Load the failed apply, have the server plan its stored desired schema, compare.

    Raises ``RedriveRejection`` (unknown apply, another environment, not failed, no stored
    plan, no failed work), ``SchemaBotAPIError`` or ``SchemaBotUnavailableError``."""
    ident = apply_identifier.strip()
    bundle = storage.load_bundle(ident)
    if bundle is None:
        raise RedriveRejection("apply_not_found", f"apply {ident} not found")
    inputs = review_inputs(bundle, environment)
    remote = remote_fresh_plan(client, inputs)
    return ResubmitPreview(
        inputs=inputs,
        remote=remote,
        comparison=compare_with_stored(inputs, remote, equivalent),
        fingerprint=plan_fingerprint(remote.plan),
        expected_fingerprint=plan_fingerprint(inputs.expected),
    )


def resubmit(
    client: SchemaBotClient,
    engine: Engine,
    preview: ResubmitPreview,
    operator: str,
    *,
    confirmed_fingerprint: str | None = None,
    read_only: bool = False,
) -> ResubmitOutcome:
    """Apply the previewed server plan as a new apply (see the module docstring).

    ``confirmed_fingerprint`` is a parsed fingerprint prefix of the shown server plan: required
    when the plan differs from the stored remaining work, checked whenever given."""
    failed = preview.inputs.apply.apply_identifier
    caller = resubmit_caller(operator, failed)
    refusal = check_confirmation(preview, confirmed_fingerprint)
    if refusal is not None:
        return refused(preview, operator, *refusal)
    request = ApplyRequest(
        plan_id=preview.remote.plan_id, environment=preview.inputs.environment, caller=caller
    )
    try:
        response = client.apply(request)
    except SchemaBotAPIError as exc:
        return refused(preview, operator, exc.code, str(exc))
    except SchemaBotUnavailableError as exc:
        raise SchemaBotUnavailableError(
            f"{exc}; SchemaBot may or may not have created the new apply (caller {caller!r}): "
            "check its status before trying again"
        ) from None
    log_id = None
    if not read_only:
        log_id = write_resubmit_log(engine, preview, operator, response.apply_id, caller)
    return ResubmitOutcome(
        status="resubmitted",
        failed_apply_id=failed,
        reason=f"SchemaBot accepted plan {preview.remote.plan_id} as apply {response.apply_id}",
        new_apply_id=response.apply_id,
        plan_id=preview.remote.plan_id,
        fingerprint=preview.fingerprint,
        caller=caller,
        log_id=log_id,
    )


def write_resubmit_log(
    engine: Engine, preview: ResubmitPreview, operator: str, new_apply_id: str, caller: str
) -> int:
    """One ``apply_logs`` row on the failed apply naming the new apply; its own transaction."""
    apply = preview.inputs.apply
    with engine.begin() as conn:
        result = conn.execute(
            insert(apply_logs).values(
                apply_id=apply.id,
                task_id=None,
                level="info",
                event_type="info",
                source=LOG_SOURCE,
                message=LOG_MESSAGE.format(operator=operator, new_apply=new_apply_id),
                old_state=None,
                new_state=None,
                metadata={
                    "resubmit": True,
                    "new_apply_id": new_apply_id,
                    "plan_id": preview.remote.plan_id,
                    "caller": caller,
                    "fingerprint": preview.fingerprint,
                    "matched_stored_work": preview.matches,
                },
            )
        )
    return int(result.inserted_primary_key[0])


def check_confirmation(preview: ResubmitPreview, confirmed: str | None) -> tuple[str, str] | None:
    """``(reason_code, reason)`` when the confirmation does not cover the shown server plan:
    a given fingerprint must be the plan's, and a plan that differs from the stored remaining
    work needs one. ``None`` when the plan may be applied."""
    shown = preview.fingerprint
    if confirmed is not None and not fingerprint_matches(confirmed, shown):
        return (
            "fingerprint_mismatch",
            f"the server's plan has fingerprint {shown}, not the confirmed {confirmed}",
        )
    if preview.matches or confirmed is not None:
        return None
    differences = "; ".join(preview.comparison.differences[:5]) or "plans differ"
    return (
        "plan_mismatch",
        f"the server's fresh plan differs from the stored remaining work ({differences}); "
        f"confirm this exact plan with --expect-fingerprint {shown[:16]} to apply it anyway",
    )


def refused(preview: ResubmitPreview, operator: str, code: str, reason: str) -> ResubmitOutcome:
    """A refusal outcome: nothing was applied and nothing was written locally."""
    failed = preview.inputs.apply.apply_identifier
    return ResubmitOutcome(
        status="refused",
        failed_apply_id=failed,
        reason=reason,
        reason_code=code,
        plan_id=preview.remote.plan_id,
        fingerprint=preview.fingerprint,
        caller=resubmit_caller(operator, failed),
    )
