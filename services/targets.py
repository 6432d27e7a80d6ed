"""Where a database's environment lives, as resolved from SchemaBot's config by ``app.settings``.

The service layer re-plans against a ``Target``; it never reads the config file itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Target:
    """One ``databases.<db>.environments.<env>`` entry, resolved.

    Exactly one of ``url`` (a SQLAlchemy URL, password included, never printed) or
    ``snapshot_dir`` is set, unless ``unsupported_reason`` says why this console cannot re-plan
    there (gRPC mode without a DSN, an unsupported secret scheme, an unknown database).
    ``deployment`` and ``target`` follow SchemaBot's resolution (local mode: the database name).
    """

    database: str
    environment: str
    database_type: str
    deployment: str
    target: str
    url: str | None = field(default=None, repr=False)
    snapshot_dir: Path | None = None
    unsupported_reason: str | None = None


class TargetResolver(Protocol):
    """Resolves (database, environment) to a ``Target``; never raises for unknown names."""

    def resolve(self, database: str, environment: str) -> Target: ...
