"""``SchemaBotClient``: the five SchemaBot routes the console calls, over ``httpx``.

- ``POST /api/plan``, ``POST /api/apply``, ``GET /api/progress/apply/{apply_id}``,
  ``GET /api/status``, ``GET /api/locks``.
- Every request has a timeout; TLS certificates are verified (against ``ca_file`` when given);
  redirects are not followed and proxy/netrc environment settings are not used, so the token
  goes to the configured server only.
- A GET is retried once when the connection was reset; a POST never is (it may have been
  acted upon).
- Failures become ``SchemaBotAPIError`` (the server answered ``{error, error_code}``) or
  ``SchemaBotUnavailableError`` (no answer). They are raised without their ``httpx`` cause,
  which holds the request and its ``Authorization`` header; texts the server sent are scrubbed
  of the token.
"""

from __future__ import annotations

import json
import ssl
from typing import Any
from urllib.parse import quote

import certifi
import httpx

from services.schemabot_api.endpoint import ResolvedEndpoint
from services.schemabot_api.errors import (
    SchemaBotAPIError,
    SchemaBotConfigError,
    SchemaBotUnavailableError,
)
from services.schemabot_api.wire import (
    ApplyRequest,
    ApplyResponse,
    LockInfo,
    PlanRequest,
    PlanResponse,
    ProgressResponse,
    StatusResponse,
    parse_locks,
)

SERVER_TEXT_LIMIT = 500
_RETRIED_METHODS = frozenset({"GET"})


class SchemaBotClient:
    """A synchronous client of one SchemaBot server; close it (or use ``with``)."""

    def __init__(
        self, endpoint: ResolvedEndpoint, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.endpoint = endpoint
        self._http = httpx.Client(
            base_url=endpoint.url,
            timeout=httpx.Timeout(endpoint.timeout_seconds),
            verify=_tls_context(endpoint),
            follow_redirects=False,
            trust_env=False,
            transport=transport,
            headers={"Accept": "application/json"},
        )

    def __enter__(self) -> SchemaBotClient:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        token = "set" if self.endpoint.token else "none"
        return f"SchemaBotClient(url={self.endpoint.url!r}, token={token})"

    def close(self) -> None:
        self._http.close()

    def plan(self, request: PlanRequest) -> PlanResponse:
        """``POST /api/plan``: the server plans the files; it stores a plan record only."""
        return PlanResponse.parse(self._call("POST", "/api/plan", request.body()))

    def apply(self, request: ApplyRequest) -> ApplyResponse:
        """``POST /api/apply``; a response with ``accepted: false`` raises like an error."""
        response = ApplyResponse.parse(self._call("POST", "/api/apply", request.body()))
        if not response.accepted or not response.apply_id:
            raise SchemaBotAPIError(
                response.error_code or "unknown",
                self._server_text(response.error_message or "apply not accepted"),
                200,
            )
        return response

    def progress(self, apply_id: str) -> ProgressResponse:
        """``GET /api/progress/apply/{apply_id}``."""
        path = f"/api/progress/apply/{quote(apply_id, safe='')}"
        return ProgressResponse.parse(self._call("GET", path))

    def status(self) -> StatusResponse:
        """``GET /api/status``: recent applies across databases."""
        return StatusResponse.parse(self._call("GET", "/api/status"))

    def locks(self) -> tuple[LockInfo, ...]:
        """``GET /api/locks``: every database lock the server holds."""
        return parse_locks(self._call("GET", "/api/locks"))

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        attempts = 2 if method in _RETRIED_METHODS else 1
        for attempt in range(1, attempts + 1):
            try:
                response = self._http.request(method, path, json=body, headers=self._auth())
            except httpx.TimeoutException:
                raise SchemaBotUnavailableError(
                    f"{method} {path}: no answer from {self.endpoint.url} within "
                    f"{self.endpoint.timeout_seconds:g}s"
                ) from None
            except httpx.TransportError as exc:
                if attempt < attempts and _connection_reset(exc):
                    continue
                raise SchemaBotUnavailableError(
                    f"{method} {path}: cannot reach {self.endpoint.url}: {self._reason(exc)}"
                ) from None
            return self._decode(method, path, response)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _auth(self) -> dict[str, str]:
        token = self.endpoint.token
        return {"Authorization": token.header()} if token else {}

    def _decode(self, method: str, path: str, response: httpx.Response) -> dict[str, Any]:
        try:
            document = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            document = None
        if response.is_success and isinstance(document, dict):
            return document
        if response.is_success:
            raise SchemaBotAPIError(
                "unknown", f"{method} {path}: the answer is not a JSON object", response.status_code
            )
        error = document if isinstance(document, dict) else {}
        code = error.get("error_code") if isinstance(error.get("error_code"), str) else ""
        message = error.get("error") if isinstance(error.get("error"), str) else response.text
        raise SchemaBotAPIError(code or "unknown", self._server_text(message), response.status_code)

    def _server_text(self, text: str) -> str:
        token = self.endpoint.token
        clean = token.scrub(text) if token else text
        clean = " ".join(clean.split())
        return clean if len(clean) <= SERVER_TEXT_LIMIT else clean[:SERVER_TEXT_LIMIT] + "…"

    def _reason(self, exc: Exception) -> str:
        return self._server_text(f"{type(exc).__name__}: {exc}".rstrip(": "))


def _connection_reset(exc: BaseException) -> bool:
    """The peer reset or dropped the connection before answering (worth one retry for a GET)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ConnectionResetError | httpx.RemoteProtocolError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _tls_context(endpoint: ResolvedEndpoint) -> ssl.SSLContext:
    """Certificate verification always on: against ``ca_file`` when configured, else against
    the certifi bundle (what httpx itself uses by default)."""
    cafile = str(endpoint.ca_file) if endpoint.ca_file is not None else certifi.where()
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as exc:
        raise SchemaBotConfigError(
            f"cannot load the SchemaBot CA file {endpoint.ca_file}: {exc}"
        ) from None
