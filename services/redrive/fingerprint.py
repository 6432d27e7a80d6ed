"""Plan fingerprints: a canonical JSON document and its SHA-256.

Fields in order: Database, DatabaseType, Deployment, Target, Environment, Namespaces (sorted;
null, table-less and artifact-less namespaces skipped; ``{}`` artifacts = absent), Shards
(flattened, empty shards dropped, sorted by namespace and shard). Table changes keep every
field and are sorted by (table, operation, ddl). A namespace-level change stored with an empty
``namespace`` takes its container's name, so the stored shape and the planner's shape agree.

A document that cannot be serialised raises ``FingerprintError`` — an internal error, never
reported as "plan changed".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from services.collector import collector_paused
from services.domain.errors import RedriveConsoleError
from services.domain.models import Plan, TableChange

# The UI shows a fingerprint's first 16 hex characters; that is the shortest prefix accepted.
MIN_PREFIX_LENGTH = 16
FULL_LENGTH = 64
_HEX = frozenset("0123456789abcdef")


class FingerprintError(RedriveConsoleError):
    """A plan could not be reduced to its canonical JSON (an internal error)."""


class FingerprintPrefixError(ValueError):
    """An operator-given fingerprint is not a hex prefix of at least 16 characters."""


def parse_fingerprint_prefix(text: str) -> str:
    """The lower-case fingerprint or fingerprint prefix in ``text`` (16 to 64 hex characters).

    Raises ``FingerprintPrefixError`` naming the problem, so a typo or a truncated copy never
    silently matches nothing (or, worse, too much)."""
    value = text.strip().lower()
    if not value or not set(value) <= _HEX:
        raise FingerprintPrefixError(f"fingerprint {text.strip()!r} is not hexadecimal")
    if not MIN_PREFIX_LENGTH <= len(value) <= FULL_LENGTH:
        raise FingerprintPrefixError(
            f"fingerprint {value!r} has {len(value)} hex characters; give at least "
            f"{MIN_PREFIX_LENGTH} (as shown by the console) and at most {FULL_LENGTH}"
        )
    return value


def fingerprint_matches(prefix: str, fingerprint: str) -> bool:
    """Whether ``fingerprint`` is the one a parsed ``prefix`` names (it starts with it)."""
    return bool(fingerprint) and fingerprint.startswith(prefix)


def scalar_fields(plan: Plan) -> dict[str, Any]:
    """The scalar fields of the fingerprint document, in its order."""
    return {
        "Database": plan.database_name,
        "DatabaseType": plan.database_type,
        "Deployment": plan.deployment,
        "Target": plan.target,
        "Environment": plan.environment,
    }


def namespace_artifacts(plan: Plan) -> dict[str, dict[str, str]]:
    """Each namespace's artifacts as the fingerprint document holds them (``{}`` = absent)."""
    return {
        name: dict(sorted(entry.artifacts.items()))
        for name, entry in plan.namespaces.items()
        if entry is not None and entry.artifacts
    }


def fingerprint_document(plan: Plan) -> dict[str, Any]:
    """The canonical, JSON-ready form of ``plan`` that fingerprints and equivalence use."""
    namespaces: dict[str, Any] = {}
    shards: list[dict[str, Any]] = []
    for name in sorted(plan.namespaces):
        entry = plan.namespaces[name]
        if entry is None:
            continue
        tables = sort_changes(change_document(c, name) for c in entry.tables)
        for shard in entry.shards:
            shard_ns = shard.namespace or name
            changes = sort_changes(change_document(c, shard_ns) for c in shard.changes)
            if changes:
                shards.append({"shard": shard.shard, "namespace": shard_ns, "changes": changes})
        artifacts = dict(sorted(entry.artifacts.items())) if entry.artifacts else None
        if tables or artifacts:
            doc: dict[str, Any] = {"Tables": tables}
            if artifacts:
                doc["Artifacts"] = artifacts
            namespaces[name] = doc
    shards.sort(key=lambda s: (s["namespace"], s["shard"]))
    return {**scalar_fields(plan), "Namespaces": namespaces, "Shards": shards}


def canonical_json(plan: Plan) -> str:
    """The fingerprint document serialised deterministically; ``FingerprintError`` on failure."""
    try:
        return json.dumps(
            fingerprint_document(plan),
            ensure_ascii=False,
            separators=(",", ":"),
            allow_nan=False,
            check_circular=False,  # a tree of fresh dicts and lists: no cycle to look for
        )
    except (TypeError, ValueError, AttributeError) as exc:
        raise FingerprintError(
            f"cannot serialise plan {plan.plan_identifier or plan.id} for its fingerprint: {exc}"
        ) from exc


@collector_paused()
def plan_fingerprint(plan: Plan) -> str:
    """SHA-256 (hex) of the canonical JSON of ``plan``."""
    return hashlib.sha256(canonical_json(plan).encode("utf-8")).hexdigest()


def sort_changes(docs: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Table changes in fingerprint order: (table, operation, ddl), byte-wise."""
    return sorted(docs, key=lambda d: (d["table"], d["operation"], d["ddl"]))


def change_document(change: TableChange, container_namespace: str) -> dict[str, Any]:
    """One table change with every compared field, namespace defaulted to its container."""
    return {
        "namespace": change.namespace or container_namespace,
        "table": change.table,
        "ddl": change.ddl,
        "operation": change.operation,
        "is_unsafe": bool(change.is_unsafe),
        "unsafe_reason": change.unsafe_reason or "",
    }
