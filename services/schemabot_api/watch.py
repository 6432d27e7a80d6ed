"""Follow ``GET /api/progress/apply/{id}`` until the apply reaches a terminal state.

Polling is bounded: one request per ``interval`` seconds, and at most ``timeout`` seconds in
all; the last answer is returned either way, with ``timed_out`` telling which. The clock and
the pause are injectable so a caller (or a test) decides how time passes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from services.schemabot_api.client import SchemaBotClient
from services.schemabot_api.wire import ProgressResponse

DEFAULT_INTERVAL_SECONDS = 2.0
DEFAULT_TIMEOUT_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class WatchResult:
    progress: ProgressResponse
    polls: int
    timed_out: bool


def follow_progress(
    client: SchemaBotClient,
    apply_id: str,
    *,
    interval: float = DEFAULT_INTERVAL_SECONDS,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    on_update: Callable[[ProgressResponse], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    pause: Callable[[float], None] = time.sleep,
) -> WatchResult:
    """Poll until terminal or ``timeout``; ``on_update`` sees every answer."""
    if interval <= 0 or timeout <= 0:
        raise ValueError("interval and timeout must be positive")
    deadline = clock() + timeout
    polls = 0
    while True:
        progress = client.progress(apply_id)
        polls += 1
        if on_update is not None:
            on_update(progress)
        if progress.terminal:
            return WatchResult(progress, polls, timed_out=False)
        remaining = deadline - clock()
        if remaining <= 0:
            return WatchResult(progress, polls, timed_out=True)
        pause(min(interval, remaining))


def render_progress(progress: ProgressResponse) -> list[str]:
    """Plain-text lines: the state, one line per table (rows, percent, ETA), the errors."""
    lines = [f"apply {progress.apply_id or '?'}: {progress.state or '?'}"]
    if progress.summary:
        lines.append(f"  {progress.summary}")
    for table in progress.tables:
        eta = f", ETA {_duration(table.eta_seconds)}" if table.eta_seconds else ""
        rows = f"{table.rows_copied}/{table.rows_total} rows" if table.rows_total else "-"
        lines.append(
            f"  {table.table_name}: {table.status} {table.percent_complete}% ({rows}{eta})"
        )
    for op in progress.operations:
        error = f" - {op.error_code}: {op.error_message}" if op.error_message else ""
        lines.append(f"  deployment {op.deployment}: {op.state}{error}")
    if progress.error_message or progress.error_code:
        lines.append(f"  error {progress.error_code or '-'}: {progress.error_message}")
    return lines


def _duration(seconds: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"
