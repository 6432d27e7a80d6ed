"""``execute_redrive``: take the locks, re-plan under them, reopen the apply in one transaction.

Lock order: the SchemaBot named lock of (database, type, environment) first (MySQL only;
SQLite serialises writers with ``BEGIN IMMEDIATE``), then ONE transaction at READ COMMITTED
that row-locks the ``locks`` row, re-runs the whole review under those locks (the verdict that
authorises the write comes from a plan made under the lock), compares it with the reviewed
token (whose pre-flight fingerprint the under-lock pre-flight, run as deep as the request's
``preflight_limits`` say, must reproduce, and whose depth it must equal) and the expected
fingerprint, refuses ``preflight_fails`` when a table will fail again unless the operator
passed ``ignore_preflight`` (recorded in the audit row), claims the database lock (acquire /
keep / forced compare-and-swap), re-validates the apply and its rows under ``FOR UPDATE``,
reopens exactly the reviewed rows, writes one audit row and commits. Any refusal, error or
Ctrl-C rolls the transaction back: nothing is written and the previous lock is exactly as it
was.

A Ctrl-C raises ``RedriveInterrupted`` carrying the outcome: ``not written`` before COMMIT was
sent, and after it whatever a fresh read of the audit row shows (``interruption``). A storage
error after COMMIT was sent names that read-back outcome too.

``checkpoint(step)`` is called at every step (``STEPS``); tests use it to kill the process there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy.engine import Connection

from services.domain.errors import MalformedRowError, RedriveRefused, StorageUnavailableError
from services.domain.models import Apply
from services.planner.spirit_level import SpiritLevel
from services.preflight import PreflightLimits
from services.preflight import Verdict as PreflightVerdict
from services.redrive.audit import audit_message, write_redrive_audit
from services.redrive.db_lock import TAKEN_OVER, LockClaim, claim_lock, lock_row_for_update
from services.redrive.fingerprint import (
    FingerprintPrefixError,
    fingerprint_matches,
    parse_fingerprint_prefix,
)
from services.redrive.interruption import CommitMarker, RedriveInterrupted, outcome_after_interrupt
from services.redrive.model import RedriveOutcome, Review, ReviewToken
from services.redrive.named_lock import (
    DEFAULT_WAIT_SECONDS,
    NamedLockTimeout,
    hold_apply_target_lock,
)
from services.redrive.reopen import (
    ReopenPlan,
    check_no_active_apply,
    reopen_in_transaction,
    writing_transaction,
)
from services.redrive.review import SourceFactory, run_review
from services.redrive.token import describe_token_changes
from services.redrive.validation import (
    DEFAULT_WINDOW,
    RedriveRejection,
    check_environment,
    validate_request,
)
from services.storage.engine import unavailable_on_error
from services.storage.store import Storage
from services.targets import TargetResolver

log = logging.getLogger(__name__)

WILL_FAIL_AGAIN = PreflightVerdict.WILL_FAIL_AGAIN
REDRIVEN = "redriven"
REJECTED = "rejected"
STEPS = (
    "loaded",
    "named_lock_held",
    "lock_row_locked",
    "replanned",
    "lock_claimed",
    "apply_locked",
    "rows_locked",
    "validated",
    "tasks_reopened",
    "operations_reopened",
    "apply_reopened",
    "audit_written",
    "committed",
)


def _no_checkpoint(_step: str) -> None:
    return None


def execute_redrive(
    storage: Storage,
    targets: TargetResolver,
    apply_identifier: str,
    environment: str,
    operator: str,
    *,
    force: bool = False,
    reviewed: ReviewToken | None = None,
    expect_fingerprint: str | None = None,
    ignore_preflight: bool = False,
    window: timedelta = DEFAULT_WINDOW,
    checkpoint: Callable[[str], None] | None = None,
    lock_wait_seconds: float = DEFAULT_WAIT_SECONDS,
    source_for: SourceFactory | None = None,
    spirit_compat: SpiritLevel | None = None,
    preflight_limits: PreflightLimits | None = None,
) -> RedriveOutcome:
    """Redrive one failed apply, or refuse with the reason and write nothing.

    Returns ``RedriveOutcome(status="redriven" | "rejected")``. Raises ``RedriveRejection`` for
    bad input (400: empty apply id, environment or operator; a fingerprint that is not a hex
    prefix of at least 16 characters; wrong environment) and an unknown apply (404); internal
    errors propagate as typed errors after the rollback. A Ctrl-C raises
    ``RedriveInterrupted`` with the outcome established from storage.
    """
    step = checkpoint or _no_checkpoint
    validate_request(apply_identifier.strip(), environment, operator)
    request = _Request(
        apply_identifier.strip(),
        environment,
        operator,
        force,
        reviewed,
        _expected_prefix(expect_fingerprint),
        ignore_preflight=ignore_preflight,
    )
    request = replace(request, spirit_compat=spirit_compat, preflight_limits=preflight_limits)
    marker = CommitMarker()
    seen = _LockSeen()
    try:
        with unavailable_on_error(storage.engine, "redrive on"):
            outcome = _redrive(
                storage, targets, request, window, step, lock_wait_seconds, source_for, marker,
                seen,
            )  # fmt: skip
        log.info(
            "redrive accepted for failed apply: apply_id=%s environment=%s requested_by=%s "
            "forced=%s", request.ident, environment, operator, force,
        )  # fmt: skip
        return outcome
    except KeyboardInterrupt as exc:
        outcome_now = outcome_after_interrupt(storage.engine, marker)
        raise RedriveInterrupted(request.ident, outcome_now) from exc
    except StorageUnavailableError as exc:
        if not marker.commit_sent:
            raise
        outcome_now = outcome_after_interrupt(storage.engine, marker)  # only the ack may be lost
        raise StorageUnavailableError(f"{exc}; COMMIT was sent, read back: {outcome_now}") from exc
    except (RedriveRefused, NamedLockTimeout, MalformedRowError) as refusal:
        if isinstance(refusal, RedriveRejection) and refusal.status in {400, 404}:
            raise
        log.info("redrive rejected: apply_id=%s environment=%s: %s", request.ident, environment,
                 refusal)  # fmt: skip
        return RedriveOutcome(
            status=REJECTED,
            apply_id=request.ident,
            reason=str(refusal),
            fingerprint=reviewed.fingerprint if reviewed else "",
            # as the write re-read it (the refusal may be that it changed), not as reviewed
            lock_owner=seen.owner if seen.read else reviewed.lock_owner if reviewed else None,
            previous_lock_owner=None,
            reason_code=getattr(refusal, "code", ""),
        )


def _redrive(
    storage: Storage,
    targets: TargetResolver,
    request: _Request,
    window: timedelta,
    step: Callable[[str], None],
    lock_wait_seconds: float,
    source_for: SourceFactory | None,
    marker: CommitMarker,
    seen: _LockSeen,
) -> RedriveOutcome:
    """Load, check the request against the apply, then lock and write."""
    bundle = storage.load_bundle(request.ident)
    if bundle is None:
        raise RedriveRejection("apply_not_found", f"apply {request.ident} not found")
    seen.note(bundle.lock.owner if bundle.lock and bundle.unnamed_lock is None else None)
    check_environment(bundle.apply, request.environment)
    step("loaded")
    if request.force and request.reviewed is None:
        raise RedriveRefused(
            "force needs the reviewed token: a takeover is only allowed from the lock owner "
            "the operator saw; review first"
        )
    primary = bundle.plan.deployment if bundle.plan else bundle.apply.deployment
    with _target_lock(storage, bundle.apply, request.environment, lock_wait_seconds):
        step("named_lock_held")
        return _redrive_under_lock(
            storage, targets, request, bundle.apply, primary, window, step, source_for, marker,
            seen,
        )  # fmt: skip


@dataclass(slots=True)
class _LockSeen:
    """The database lock's owner as the write last read it (with the apply, then under the
    lock): what a rejected outcome reports, since the review's owner may be stale."""

    read: bool = False
    owner: str | None = None

    def note(self, owner: str | None) -> None:
        self.read, self.owner = True, owner


@dataclass(frozen=True, slots=True)
class _Request:
    """The operator's request, as given."""

    ident: str
    environment: str
    operator: str
    force: bool
    reviewed: ReviewToken | None
    expect_fingerprint: str | None  # a parsed fingerprint prefix (16 to 64 hex characters)
    spirit_compat: SpiritLevel | None = None  # None: the level of the storage's generation
    ignore_preflight: bool = False
    preflight_limits: PreflightLimits | None = None  # None: the default (not deep)


def _expected_prefix(expect_fingerprint: str | None) -> str | None:
    """The parsed ``expect_fingerprint``; a malformed one is bad input (400)."""
    if not expect_fingerprint:
        return None
    try:
        return parse_fingerprint_prefix(expect_fingerprint)
    except FingerprintPrefixError as exc:
        raise RedriveRejection("invalid_fingerprint", f"{exc}; nothing written") from exc


@contextmanager
def _target_lock(
    storage: Storage, apply: Apply, environment: str, wait_seconds: float
) -> Iterator[None]:
    """The named lock on MySQL/MariaDB; nothing on SQLite (``BEGIN IMMEDIATE`` serialises)."""
    if not storage.is_mysql:
        yield
        return
    with hold_apply_target_lock(
        storage.engine,
        apply.database_name,
        apply.database_type,
        environment,
        wait_seconds=wait_seconds,
    ):
        yield


def _redrive_under_lock(
    storage: Storage,
    targets: TargetResolver,
    request: _Request,
    bundle_apply: Apply,
    primary_deployment: str,
    window: timedelta,
    step: Callable[[str], None],
    source_for: SourceFactory | None,
    marker: CommitMarker,
    seen: _LockSeen,
) -> RedriveOutcome:
    """The one writing transaction; returns only after COMMIT."""
    with writing_transaction(storage.engine) as conn:
        current = lock_row_for_update(conn, bundle_apply.database_name, bundle_apply.database_type)
        seen.note(current.owner if current else None)
        step("lock_row_locked")
        review = run_review(
            storage,
            targets,
            request.ident,
            request.environment,
            request.operator,
            window=window,
            source_for=source_for,
            spirit_compat=request.spirit_compat,
            preflight_limits=request.preflight_limits,
        )
        step("replanned")
        token = _authorised_token(review, request)
        if request.force and current is not None and current.owner != request.operator:
            _refuse_force_while_active(conn, review)
        claim = claim_lock(
            conn,
            current,
            database=bundle_apply.database_name,
            database_type=bundle_apply.database_type,
            operator=request.operator,
            repository=bundle_apply.repository,
            expected_owner=token.lock_owner,
            force=request.force,
        )
        step("lock_claimed")
        plan = ReopenPlan(
            token=token,
            primary_deployment=primary_deployment,
            task_ids=review.reopen_task_ids,
            operation_ids=review.reopen_operation_ids,
            lock_id=claim.lock_id,
            window=window,
            reviewed_reads=review.decoded_reads,
        )
        reopen_in_transaction(conn, plan, current, step)
        audit_id = write_redrive_audit(
            conn,
            apply_id=token.apply_id,
            operator=request.operator,
            fingerprint=review.fingerprint,
            forced=claim.action == TAKEN_OVER,
            lock_id=claim.lock_id,
            previous_lock_owner=claim.previous_owner,
            task_ids=plan.task_ids,
            operation_ids=plan.operation_ids,
            preflight_verdict=review.preflight.verdict.value if review.preflight else "",
            ignore_preflight=request.ignore_preflight,
        )
        step("audit_written")
        marker.apply_id, marker.audit_id = token.apply_id, audit_id
        marker.audit_message = audit_message(request.operator)
        _commit(conn)
    step("committed")
    return _redriven(request, review, claim)


def _commit(conn: Connection) -> None:
    """COMMIT. If it is interrupted or fails in flight, the connection's protocol state is
    unknown: drop it instead of rolling back on it (the server discards anything uncommitted)."""
    try:
        conn.commit()
    except BaseException:
        conn.invalidate()
        raise


def _authorised_token(review: Review, request: _Request) -> ReviewToken:
    """The under-lock review must match, equal the reviewed token and the expected fingerprint."""
    if not review.redrivable or review.token is None:
        raise RedriveRefused(review.reason or f"apply {request.ident} is not redrivable")
    token = review.token
    if request.reviewed is not None:
        changes = describe_token_changes(request.reviewed, token)
        if changes:
            raise RedriveRefused(
                f"apply {request.ident} changed since the review: {'; '.join(changes)}; "
                "review again"
            )
    expected = request.expect_fingerprint
    if expected and not fingerprint_matches(expected, review.fingerprint):
        raise RedriveRefused(
            f"plan fingerprint of apply {request.ident} is {review.fingerprint}, not the "
            f"expected {request.expect_fingerprint}; review again"
        )
    if review.preflight_fails and not request.ignore_preflight:
        raise RedriveRejection("preflight_fails", preflight_refusal(review))
    return token


def preflight_refusal(review: Review) -> str:
    """Why a redrive is refused when the pre-flight proves a table will fail again."""
    report = review.preflight
    failing = [t for t in report.tables if t.verdict is WILL_FAIL_AGAIN] if report else []
    shown = "; ".join(f"{t.namespace}.{t.table}: {t.reason}" for t in failing[:5])
    return (
        f"pre-flight of apply {review.apply.apply_identifier}: the retry will fail again "
        f"({shown}); fix the data first, or redrive with --ignore-preflight to retry anyway"
    )


def _refuse_force_while_active(conn: Connection, review: Review) -> None:
    """Never take a lock over while another non-terminal apply exists on the database; the
    refusal keeps its reason code (``active_apply``)."""
    try:
        check_no_active_apply(conn, review.apply, (op.deployment for op in review.operations))
    except RedriveRejection as exc:
        raise RedriveRejection(exc.code, f"force refused: {exc}") from exc


def _redriven(request: _Request, review: Review, claim: LockClaim) -> RedriveOutcome:
    return RedriveOutcome(
        status=REDRIVEN,
        apply_id=request.ident,
        reason=(
            f"Stored plan still matches; apply {request.ident} was queued for redrive "
            f"(lock {claim.action.replace('_', ' ')} by {claim.owner}). SchemaBot picks it up "
            "on its next driver tick; PR checks and comments are not updated."
        ),
        fingerprint=review.fingerprint,
        lock_owner=claim.owner,
        previous_lock_owner=claim.previous_owner,
        reopened_tasks=review.reopen_task_ids,
        reopened_operations=review.reopen_operation_ids,
    )
