"""Short human durations for the console: ``42m ago``, ``23h18m left``, ``held 1h35m``.

Storage datetimes are naive UTC; aware values are converted, so mixing both never raises.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def as_naive_utc(value: datetime) -> datetime:
    """``value`` as a naive UTC datetime (storage convention)."""
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def span(delta: timedelta) -> str:
    """A compact two-unit duration: ``45s``, ``42m``, ``2h05m``, ``1d02h`` (never negative)."""
    seconds = max(0, int(delta.total_seconds()))
    days, seconds = divmod(seconds, 86_400)
    hours, seconds = divmod(seconds, 3_600)
    minutes, seconds = divmod(seconds, 60)
    if days:
        return f"{days}d{hours:02d}h"
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m"
    return f"{seconds}s"


def between(earlier: datetime, later: datetime) -> timedelta:
    """``later - earlier`` with both normalised to naive UTC."""
    return as_naive_utc(later) - as_naive_utc(earlier)


def ago(then: datetime | None, now: datetime) -> str:
    """``42m ago`` (or ``-`` when unknown)."""
    if then is None:
        return "-"
    return f"{span(between(then, now))} ago"


def time_left(deadline: datetime | None, now: datetime) -> str:
    """``23h18m left`` before ``deadline``, ``expired`` after it, ``-`` when unknown."""
    if deadline is None:
        return "-"
    remaining = between(now, deadline)
    if remaining <= timedelta(0):
        return "expired"
    return f"{span(remaining)} left"


def clock_time(value: datetime | None) -> str:
    """``2026-11-27 10:25 UTC`` for absolute timestamps shown next to relative ones."""
    if value is None:
        return "-"
    return as_naive_utc(value).strftime("%Y-%m-%d %H:%M UTC")
