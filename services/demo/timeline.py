"""Deterministic identifiers and timestamps for one demo apply, relative to the demo's ``now``."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.demo.scenarios import ApplySpec


def hex_id(*parts: object, length: int = 16) -> str:
    """Stable hex digits derived from ``parts`` (same demo, same identifiers)."""
    return hashlib.sha256(":".join(map(str, parts)).encode()).hexdigest()[:length]


def utc_now() -> datetime:
    """Naive UTC, like SQLite's CURRENT_TIMESTAMP and SchemaBot's DATETIME columns."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True, slots=True)
class Timeline:
    planned: datetime
    created: datetime
    started: datetime
    ended: datetime | None
    now: datetime

    @property
    def last_update(self) -> datetime:
        return self.ended or self.now

    def during(self, fraction: float) -> datetime:
        """A moment ``fraction`` of the way through the run."""
        end = self.last_update
        return self.started + timedelta(
            seconds=int((end - self.started).total_seconds() * fraction)
        )


def timeline_for(spec: ApplySpec, now: datetime) -> Timeline:
    ended = now - spec.ended_ago if spec.ended_ago is not None else None
    started = (ended or now) - spec.ran_for
    created = started - timedelta(minutes=2)
    return Timeline(
        planned=created - timedelta(minutes=25),
        created=created,
        started=started,
        ended=ended,
        now=now,
    )


def plan_identifier(when: datetime, index: int) -> str:
    """``plan-<unix nanoseconds>`` as SchemaBot writes it (``index`` keeps them unique)."""
    nanos = int(when.replace(tzinfo=UTC).timestamp()) * 1_000_000_000 + 137_000 * (index + 1)
    return f"plan-{nanos}"
