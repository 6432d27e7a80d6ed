"""The expected plan: the stored source plan filtered to the remaining work (its tables/shards).

Scalars are copied; each namespace keeps the table changes whose (namespace, table) is selected
(whatever the shard), and its artifacts only when the namespace has a failed group
finalizer (an empty artifacts map counts as absent). Namespaces left with neither are dropped,
as are ``original_files``. Shard changes are kept by exact (namespace, shard, table) key;
shards left empty are dropped.
"""

from __future__ import annotations

from dataclasses import replace

from services.collector import collector_paused
from services.domain.models import NamespacePlan, Plan, ShardPlan
from services.redrive.remaining import RemainingWork


@collector_paused()
def filter_plan_to_remaining_work(plan: Plan, work: RemainingWork) -> Plan:
    """A copy of ``plan`` holding only what the remaining work would still apply."""
    namespaces: dict[str, NamespacePlan | None] = {}
    for name, entry in plan.namespaces.items():
        if entry is None:
            continue
        tables = tuple(c for c in entry.tables if work.selects_table(name, c.table))
        artifacts = entry.artifacts if name in work.finalizer_namespaces else None
        shards = _filter_shards(name, entry.shards, work)
        if tables or artifacts or shards:
            namespaces[name] = NamespacePlan(
                tables=tables, shards=shards, artifacts=dict(artifacts) if artifacts else None
            )
    return replace(plan, namespaces=namespaces)


def _filter_shards(
    namespace: str, shards: tuple[ShardPlan, ...], work: RemainingWork
) -> tuple[ShardPlan, ...]:
    kept = []
    for shard in shards:
        shard_ns = shard.namespace or namespace
        changes = tuple(
            c for c in shard.changes if work.selects_shard_change(shard_ns, shard.shard, c.table)
        )
        if changes:
            kept.append(ShardPlan(shard=shard.shard, namespace=shard.namespace, changes=changes))
    return tuple(kept)
