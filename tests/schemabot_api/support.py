"""The shared scenario: apply ``apply-…`` on ``testdb``/``staging`` failed adding ``users.email``.

The stored plan was made from ``DESIRED`` against ``LIVE``; the double plans against ``LIVE``
too unless a test gives it other live tables (that is how a mismatch is made).
"""

from __future__ import annotations

from services.schemabot_api.endpoint import ResolvedEndpoint
from services.schemabot_api.token import BearerToken
from services.storage.store import Storage
from tests.redrive.review_storage_support import (
    EMAIL,
    PHONE,
    desired_file,
    live_table,
    seed,
    stored_plan_data,
)
from tests.storage.factories import SeededApply

DESIRED = {"testdb": {"users.sql": desired_file("users", EMAIL)}}
LIVE = {"testdb": {"users": live_table("users")}}
LIVE_WITH_PHONE = {"testdb": {"users": live_table("users", PHONE)}}
TOKEN = "sb-tok-3f9a1c77e2d04b6a"


def seed_failed_apply(storage: Storage, **apply: object) -> SeededApply:
    """The failed apply whose one failed task is the ``users`` ALTER of the stored plan."""
    return seed(
        storage,
        desired=DESIRED,
        plan_data=stored_plan_data(DESIRED, LIVE),
        tasks=[{"table_name": "users", "state": "failed"}],
        apply=apply or None,
    )


def endpoint_of(url: str, token: str | None = None, timeout: float = 5.0) -> ResolvedEndpoint:
    return ResolvedEndpoint(
        url=url,
        source="test",
        token=BearerToken(token, "test") if token else None,
        timeout_seconds=timeout,
    )
