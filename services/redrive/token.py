"""Review tokens: build one from rows, turn it into an opaque string and back, and say what
changed between two of them.

A token binds a confirmation to what the operator reviewed: the apply's row version
(state, ``updated_at``, ``completed_at``), the id and state of every task and operation row
passed in (the write side passes the rows it re-read under lock), the lock owner and lock id
seen, the expected-plan fingerprint, and the pre-flight's fingerprint, overall verdict and depth
(so a pre-flight result that changed between the review and the write — a duplicate inserted, a
lock wait that turned into a data problem — is caught by the write's own pre-flight, and a
``--deep`` review cannot authorise a write whose pre-flight skipped the large tables, nor the
other way round). The string
form is ``rt1.`` + unpadded base64url of compact JSON: opaque to the operator, stable, and free
of secrets.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable
from datetime import datetime
from itertools import chain

from services.collector import collector_paused
from services.domain.models import NO_SETTLED_ROWS, Apply, Lock, SettledRows
from services.preflight import PreflightReport
from services.redrive.model import ReviewToken
from services.redrive.validation import RedriveRejection, StatefulRow

_PREFIX = "rt1."


@collector_paused()
def build_token(
    apply: Apply,
    tasks: Iterable[StatefulRow],
    operations: Iterable[StatefulRow],
    lock: Lock | None,
    fingerprint: str,
    preflight: PreflightReport | None = None,
    settled: SettledRows = NO_SETTLED_ROWS,
) -> ReviewToken:
    """The token for these rows and the ``settled`` ones read as ids (and the pre-flight, when
    one ran); row order does not matter."""
    task_states = chain(((t.id, t.state) for t in tasks), settled.task_states())
    operation_states = chain(((op.id, op.state) for op in operations), settled.operation_states())
    return ReviewToken(
        apply_id=apply.id,
        apply_identifier=apply.apply_identifier,
        apply_state=apply.state,
        apply_updated_at=_iso(apply.updated_at),
        apply_completed_at=_iso(apply.completed_at),
        task_states=tuple(sorted(task_states)),
        operation_states=tuple(sorted(operation_states)),
        lock_owner=lock.owner if lock else None,
        lock_id=lock.id if lock else None,
        fingerprint=fingerprint,
        preflight_fingerprint=preflight.fingerprint() if preflight else "",
        preflight_verdict=preflight.verdict.value if preflight else "",
        preflight_deep=preflight.deep if preflight else False,
    )


def encode_token(token: ReviewToken) -> str:
    """The opaque string form of ``token``."""
    payload = {
        "a": token.apply_id,
        "i": token.apply_identifier,
        "s": token.apply_state,
        "u": token.apply_updated_at,
        "c": token.apply_completed_at,
        "t": [list(pair) for pair in token.task_states],
        "o": [list(pair) for pair in token.operation_states],
        "lo": token.lock_owner,
        "li": token.lock_id,
        "f": token.fingerprint,
        "pf": token.preflight_fingerprint,
        "pv": token.preflight_verdict,
        "pd": token.preflight_deep,
    }
    raw = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return _PREFIX + base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_token(text: str) -> ReviewToken:
    """Parse a token string; a malformed one raises ``RedriveRejection("invalid_token")``."""
    value = text.strip()
    if not value.startswith(_PREFIX):
        raise _invalid("it does not start with rt1.")
    body = value[len(_PREFIX) :]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        data = json.loads(raw.decode("utf-8"))
        return ReviewToken(
            apply_id=int(data["a"]),
            apply_identifier=str(data["i"]),
            apply_state=str(data["s"]),
            apply_updated_at=str(data["u"]),
            apply_completed_at=str(data["c"]),
            task_states=tuple((int(i), str(s)) for i, s in data["t"]),
            operation_states=tuple((int(i), str(s)) for i, s in data["o"]),
            lock_owner=None if data["lo"] is None else str(data["lo"]),
            lock_id=None if data["li"] is None else int(data["li"]),
            fingerprint=str(data["f"]),
            preflight_fingerprint=str(data["pf"]),
            preflight_verdict=str(data["pv"]),
            preflight_deep=data.get("pd", False) is True,  # absent from tokens of before --deep
        )
    except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise _invalid(f"{type(exc).__name__}") from exc


def describe_token_changes(old: ReviewToken, new: ReviewToken) -> list[str]:
    """Human-readable differences from ``old`` (reviewed) to ``new`` (now); [] if unchanged."""
    if old.apply_id != new.apply_id or old.apply_identifier != new.apply_identifier:
        return [f"the token is for apply {old.apply_identifier}, not {new.apply_identifier}"]
    changes: list[str] = []
    if old.apply_state != new.apply_state:
        changes.append(f"apply state changed {old.apply_state} -> {new.apply_state}")
    if old.apply_completed_at != new.apply_completed_at:
        changes.append(
            f"apply completed_at changed {old.apply_completed_at or 'NULL'} -> "
            f"{new.apply_completed_at or 'NULL'}"
        )
    if old.apply_updated_at != new.apply_updated_at:
        changes.append(
            f"apply row was updated ({old.apply_updated_at or 'NULL'} -> "
            f"{new.apply_updated_at or 'NULL'})"
        )
    changes += _row_changes("task", old.task_states, new.task_states)
    changes += _row_changes("operation", old.operation_states, new.operation_states)
    if old.lock_owner != new.lock_owner:
        changes.append(
            f"lock owner changed from {old.lock_owner or 'nobody'} to {new.lock_owner or 'nobody'}"
        )
    elif old.lock_id != new.lock_id:
        changes.append(f"lock row replaced (id {old.lock_id} -> {new.lock_id})")
    if old.fingerprint != new.fingerprint:
        changes.append("plan fingerprint changed")
    if old.preflight_deep != new.preflight_deep:
        changes.append(depth_change(old.preflight_deep))
    if old.preflight_fingerprint != new.preflight_fingerprint:
        changes.append(_preflight_change(old, new))
    return changes


def depth_change(reviewed_deep: bool) -> str:
    """Why a pre-flight of the other depth than the review's cannot authorise the write."""
    if reviewed_deep:
        return "the review's pre-flight was deep and this one is not: redrive with --deep"
    return "the review's pre-flight was not deep and this one is: review with --deep first"


def _preflight_change(old: ReviewToken, new: ReviewToken) -> str:
    before, after = old.preflight_verdict or "not run", new.preflight_verdict or "not run"
    if before != after:
        return f"pre-flight verdict changed {before} -> {after}"
    return f"pre-flight result changed (verdict still {after}; a table's cause, check or resume)"


def _row_changes(
    label: str, old: tuple[tuple[int, str], ...], new: tuple[tuple[int, str], ...]
) -> list[str]:
    if old == new:
        return []
    before, after = dict(old), dict(new)
    out = []
    for row_id in sorted(set(before) | set(after)):
        if row_id not in after:
            out.append(f"{label} {row_id} disappeared (was {before[row_id]})")
        elif row_id not in before:
            out.append(f"{label} {row_id} appeared (state {after[row_id]})")
        elif before[row_id] != after[row_id]:
            out.append(f"{label} {row_id} state changed {before[row_id]} -> {after[row_id]}")
    return out


def _iso(value: datetime | None) -> str:
    return value.isoformat(sep=" ") if value else ""


def _invalid(detail: str) -> RedriveRejection:
    return RedriveRejection("invalid_token", f"review token is not valid ({detail}); review again")
