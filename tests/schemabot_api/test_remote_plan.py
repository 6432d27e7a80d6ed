"""``remote_fresh_plan``: the server's plan as a ``Plan``, comparable with the local one."""

from __future__ import annotations

import pytest

from services.planner import plan_schema
from services.planner.sources import StaticSchemaSource
from services.redrive.fingerprint import plan_fingerprint
from services.redrive.review import fresh_plan
from services.redrive.validation import RedriveRejection
from services.schemabot_api.client import SchemaBotClient
from services.schemabot_api.remote_plan import remote_fresh_plan, review_inputs
from services.storage.store import Storage
from services.targets import Target
from tests.schemabot_api.double import SchemaBotDouble
from tests.schemabot_api.support import LIVE, endpoint_of, seed_failed_apply


def test_the_server_plan_fingerprints_like_the_stored_work_and_the_local_plan(
    api_storage: Storage, double: SchemaBotDouble
) -> None:
    seeded = seed_failed_apply(api_storage)
    inputs = review_inputs(api_storage.load_bundle(seeded.apply_identifier), "staging")
    with SchemaBotClient(endpoint_of(double.url)) as client:
        remote = remote_fresh_plan(client, inputs)
    stored = inputs.stored_plan
    target = Target(database="testdb", environment="staging", database_type="mysql",
                    deployment=stored.deployment, target=stored.target)  # fmt: skip
    local = fresh_plan(
        stored, target, plan_schema(stored.schema_files, StaticSchemaSource(LIVE)).changes
    )
    assert remote.plan_id.startswith("plan-") and remote.engine == "spirit"
    assert plan_fingerprint(remote.plan) == plan_fingerprint(inputs.expected)
    assert plan_fingerprint(remote.plan) == plan_fingerprint(local)


def test_only_a_failed_apply_of_the_named_environment_is_replanned(
    api_storage: Storage, double: SchemaBotDouble
) -> None:
    seeded = seed_failed_apply(api_storage, state="completed")
    bundle = api_storage.load_bundle(seeded.apply_identifier)
    with pytest.raises(RedriveRejection) as raised:
        review_inputs(bundle, "staging")
    assert raised.value.code == "not_failed"
    with pytest.raises(RedriveRejection) as raised:
        review_inputs(bundle, "production")
    assert raised.value.code == "environment_mismatch"
    assert double.requests == []
