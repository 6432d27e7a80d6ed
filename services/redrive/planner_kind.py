"""The planner a review trusts, as a value: ``local``, ``remote`` or ``both``.

Kept apart from ``planner_choice`` (which runs the planners and loads the review, the planner and
the HTTP client) so the console's settings and first screen can carry the choice without loading
any of them.
"""

from __future__ import annotations

from enum import StrEnum


class Planner(StrEnum):
    LOCAL = "local"
    REMOTE = "remote"
    BOTH = "both"

    @property
    def asks_server(self) -> bool:
        return self is not Planner.LOCAL


def default_planner(endpoint_configured: bool) -> Planner:
    """``both`` when a SchemaBot endpoint is configured (the authoritative planner is one call
    away), else ``local``."""
    return Planner.BOTH if endpoint_configured else Planner.LOCAL
