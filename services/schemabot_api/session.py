"""``SchemaBotSession``: what the console's screens ask one SchemaBot server, from their workers.

- ``check_planners``: the server's fresh plan beside a finished review, as ``--planner`` asks
  (``services.redrive.planner_choice``).
- ``preview_resubmit`` / ``resubmit``: recovery as a fresh apply
  (``services.schemabot_api.resubmit``), with the same refusals as the CLI.
- ``progress``: one ``GET /api/progress/apply/{id}`` of the new apply; the screen decides when
  to ask again.

Every call opens its own ``SchemaBotClient`` and closes it, so one session is shared by worker
threads and has nothing to close. The HTTP client, the planner and SQLAlchemy load with the first
call, not when the console starts. Calls raise what the modules they wrap raise
(``RedriveRejection``, ``SchemaBotAPIError``, ``SchemaBotUnavailableError``); planning on the
server creates a plan record there and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from services.redrive.planner_kind import Planner
from services.schemabot_api.endpoint import ResolvedEndpoint

if TYPE_CHECKING:
    from services.redrive.model import Review
    from services.redrive.planner_choice import PlannerCheck
    from services.schemabot_api.client import SchemaBotClient
    from services.schemabot_api.resubmit import ResubmitOutcome, ResubmitPreview
    from services.schemabot_api.wire import ProgressResponse
    from services.storage.store import Storage

POLL_SECONDS = 2.0  # as ``resubmit --watch-interval``


class SchemaBotSession:
    """One SchemaBot server (``endpoint``), the storage the console reads (``storage``, built on
    first use) and the planner the reviews trust."""

    def __init__(
        self,
        endpoint: ResolvedEndpoint,
        storage: Callable[[], Storage],
        *,
        planner: Planner,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self.endpoint = endpoint
        self.planner = planner
        self.poll_seconds = poll_seconds
        self._storage = storage

    def __repr__(self) -> str:
        return f"SchemaBotSession(url={self.endpoint.url!r}, planner={self.planner.value})"

    @property
    def url(self) -> str:
        """The server's base URL (no credentials in it: the token travels in a header)."""
        return self.endpoint.url

    def check_planners(self, review: Review) -> PlannerCheck:
        """The verdicts ``planner`` asks for beside ``review`` (the server is asked only for
        ``remote`` and ``both``)."""
        from services.redrive.planner_choice import check_planners

        if not self.planner.asks_server:
            return check_planners(self.planner, review, self._storage(), None, _mysql_equivalent)
        with self._client() as client:
            return check_planners(self.planner, review, self._storage(), client, _mysql_equivalent)

    def preview_resubmit(self, apply_identifier: str, environment: str) -> ResubmitPreview:
        """The server's fresh plan of the failed apply beside its stored remaining work."""
        from services.schemabot_api.resubmit import preview_resubmit

        with self._client() as client:
            return preview_resubmit(
                client, self._storage(), apply_identifier, environment, _mysql_equivalent
            )

    def resubmit(
        self,
        preview: ResubmitPreview,
        operator: str,
        *,
        confirmed_fingerprint: str | None = None,
        read_only: bool = False,
    ) -> ResubmitOutcome:
        """Apply the previewed server plan as a new apply (refused, nothing written, when the
        plan differs from the stored work and ``confirmed_fingerprint`` does not name it)."""
        from services.schemabot_api.resubmit import resubmit

        with self._client() as client:
            return resubmit(
                client,
                self._storage().engine,
                preview,
                operator,
                confirmed_fingerprint=confirmed_fingerprint,
                read_only=read_only,
            )

    def progress(self, apply_id: str) -> ProgressResponse:
        """One ``GET /api/progress/apply/{apply_id}``."""
        with self._client() as client:
            return client.progress(apply_id)

    def _client(self) -> SchemaBotClient:
        from services.schemabot_api.client import SchemaBotClient

        return SchemaBotClient(self.endpoint)


def _mysql_equivalent(a: str, b: str) -> bool:
    """Statement equivalence as the CLI's ``review`` and ``resubmit`` judge it."""
    from services.planner import Flavour, statements_equivalent

    return statements_equivalent(a, b, Flavour.MYSQL)
