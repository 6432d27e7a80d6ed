"""Which planner a review trusts: the console's own (``local``), the SchemaBot server's
(``remote``), or both side by side (``both``).

The local review always runs (the reopen re-checks it under the lock, so the review's top-level
verdict stays the local one). ``remote`` adds the server's fresh plan of the stored desired
schema, compared with the stored remaining work; ``both`` also compares the server's plan with
the local one, table by table: a table where they disagree is a planner-fidelity finding (the
console's planner does not reproduce the server's). Planning on the server creates a plan record
there and nothing else.

Callers only pass the choice through: ``check_planners`` runs what it asks for, and
``planner_refusal`` says whether a write must stop because of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from services.domain.models import TableChange
from services.redrive.compare import Equivalence, PlanComparison, compare_tables
from services.redrive.model import Review, TableComparison, TableStatus, Verdict
from services.redrive.planner_kind import Planner
from services.redrive.review import BundleLoader
from services.redrive.validation import RedriveRejection
from services.schemabot_api.client import SchemaBotClient
from services.schemabot_api.remote_plan import (
    compare_with_stored,
    remote_fresh_plan,
    review_inputs,
)

PLANNING_NOTE = "Planning on the SchemaBot server created a plan record there and nothing else."
MATCH, MISMATCH, NOT_COMPARED = "match", "mismatch", "not_compared"


@dataclass(frozen=True, slots=True)
class PlannerCheck:
    """The verdicts of the planners asked (``None``: not asked) and the server's side."""

    planner: Planner
    stored_vs_local: str
    stored_vs_server: str | None = None
    server_vs_local: str | None = None
    disagreeing_tables: tuple[str, ...] = ()
    server_plan_id: str = ""
    server_tables: tuple[TableComparison, ...] = ()
    server_reason: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "planner": self.planner.value,
            "verdicts": {
                "stored_vs_local": self.stored_vs_local,
                "stored_vs_server": self.stored_vs_server,
                "server_vs_local": self.server_vs_local,
                "disagreeing_tables": list(self.disagreeing_tables),
            },
            "server_plan_id": self.server_plan_id or None,
        }


def check_planners(
    planner: Planner,
    review: Review,
    storage: BundleLoader,
    client: SchemaBotClient | None,
    equivalent: Equivalence,
) -> PlannerCheck:
    """The verdicts ``planner`` asks for. The server is asked only for ``remote``/``both``
    (``client`` is then required); ``SchemaBotAPIError``/``SchemaBotUnavailableError`` pass."""
    local = _local_verdict(review)
    if not planner.asks_server:
        return PlannerCheck(planner, local)
    if client is None:
        raise ValueError(f"planner {planner.value} needs a SchemaBot client")
    bundle = storage.load_bundle(review.apply.apply_identifier)
    try:
        inputs = review_inputs(bundle, review.environment) if bundle else None
    except RedriveRejection as exc:
        return PlannerCheck(planner, local, NOT_COMPARED, server_reason=str(exc))
    if inputs is None:
        return PlannerCheck(planner, local, NOT_COMPARED, server_reason="apply not found")
    remote = remote_fresh_plan(client, inputs)
    stored = compare_with_stored(inputs, remote, equivalent)
    return with_server_plan(planner, review, remote.plan_id, stored, equivalent)


def with_server_plan(
    planner: Planner,
    review: Review,
    plan_id: str,
    stored_vs_server: PlanComparison,
    equivalent: Equivalence,
) -> PlannerCheck:
    """The check of a server plan already compared with the stored remaining work (the
    resubmit preview has one): ``both`` adds the server-vs-local comparison."""
    check = PlannerCheck(
        planner,
        _local_verdict(review),
        MATCH if stored_vs_server.verdict is Verdict.MATCH else MISMATCH,
        server_plan_id=plan_id,
        server_tables=stored_vs_server.tables,
    )
    if planner is not Planner.BOTH:
        return check
    return _with_server_vs_local(check, review, equivalent)


def planner_refusal(check: PlannerCheck) -> tuple[str, str] | None:
    """``(reason_code, reason)`` when the server's plan forbids a redrive the local review
    allows: it differs from the stored remaining work, or it disagrees with the local plan."""
    if check.stored_vs_server == MISMATCH:
        return "server_plan_mismatch", (
            f"the SchemaBot server's fresh plan {check.server_plan_id} differs from the stored "
            "remaining work; nothing written"
        )
    if check.disagreeing_tables:
        return "planner_disagreement", (
            "the SchemaBot server and the local planner disagree on "
            f"{', '.join(check.disagreeing_tables)}; nothing written"
        )
    return None


def planner_lines(check: PlannerCheck) -> list[str]:
    """The text lines of the check: one per asked verdict, the loud fidelity mark, the note."""
    if not check.planner.asks_server:
        return [f"planner: local (stored vs local: {check.stored_vs_local.upper()})"]
    lines = [f"planner: {check.planner.value}"]
    if check.planner is Planner.BOTH:
        lines.append(f"  stored vs local:  {check.stored_vs_local.upper()}")
    server = f"  stored vs server: {(check.stored_vs_server or NOT_COMPARED).upper()}"
    lines.append(server + (f" (plan {check.server_plan_id})" if check.server_plan_id else ""))
    if check.server_reason:
        lines.append(f"  server not asked: {check.server_reason}")
    if check.server_vs_local is not None:
        lines.append(f"  server vs local:  {check.server_vs_local.upper()}")
    if check.disagreeing_tables:
        lines.append(
            "  !! PLANNER FIDELITY: server and local planner disagree on "
            + ", ".join(check.disagreeing_tables)
        )
    for row in check.server_tables:
        if row.status is not TableStatus.SAME:
            lines += [f"  server differs on {row.namespace}.{row.table} [{row.status.value}]"]
            lines += [f"    server: {c.ddl}" for c in row.fresh] or ["    server: (nothing)"]
    if check.server_plan_id:
        lines.append(PLANNING_NOTE)
    return lines


def _local_verdict(review: Review) -> str:
    """The local review's own comparison (a refusal after the comparison keeps its outcome)."""
    if review.verdict in (Verdict.MATCH, Verdict.MISMATCH):
        return review.verdict.value
    if not review.fresh_plan_available:
        return NOT_COMPARED
    same = all(c.status is TableStatus.SAME for c in review.comparisons)
    return MATCH if same else MISMATCH


def _with_server_vs_local(
    check: PlannerCheck, review: Review, equivalent: Equivalence
) -> PlannerCheck:
    if not review.fresh_plan_available:
        return replace(check, server_vs_local=NOT_COMPARED)
    local = _grouped(review.comparisons, lambda c: c.fresh)
    server = _grouped(check.server_tables, lambda c: c.fresh)
    rows = compare_tables(local, server, equivalent)
    disagreeing = tuple(
        f"{r.namespace}.{r.table}" for r in rows if r.status is not TableStatus.SAME
    )
    verdict = MISMATCH if disagreeing else MATCH
    return replace(check, server_vs_local=verdict, disagreeing_tables=disagreeing)


def _grouped(
    rows: tuple[TableComparison, ...], side: Callable[[TableComparison], tuple[TableChange, ...]]
) -> dict[tuple[str, str], list[TableChange]]:
    return {(r.namespace, r.table): list(side(r)) for r in rows if side(r)}
