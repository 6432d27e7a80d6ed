"""Errors of the SchemaBot API client; none of them ever carries the Bearer token.

SchemaBot answers a failed request with ``{"error": "...", "error_code": "..."}``. The code is
what a client matches on; each known code gets a sentence saying what it means for the operator,
and the server's own text follows it.
"""

from __future__ import annotations

from services.domain.errors import ConfigError, RedriveConsoleError

# error_code -> what it means, in the operator's words
ERROR_MEANINGS: dict[str, str] = {
    "invalid_request": "SchemaBot rejected the request as malformed",
    "not_found": "SchemaBot does not know the requested plan, apply or database",
    "active_apply_exists": "another apply is already active for this database on SchemaBot",
    "engine_error": "the schema change engine failed",
    "storage_error": "SchemaBot could not read or write its storage",
    "engine_unavailable": "the schema change engine is unreachable from SchemaBot",
    "unknown": "SchemaBot refused the request without a known error code",
}


class SchemaBotConfigError(ConfigError):
    """The endpoint or token configuration is unusable (bad input: nothing was sent)."""


class SchemaBotUnavailableError(RedriveConsoleError):
    """No answer: connection refused or reset, TLS failure, or a timeout. No decision is known."""


class SchemaBotAPIError(RedriveConsoleError):
    """SchemaBot answered with an error: ``code`` is its ``error_code`` (``unknown`` if none)."""

    def __init__(self, code: str, server_message: str, http_status: int) -> None:
        self.code = code or "unknown"
        self.reason_code = self.code  # what the CLI reports: every server refusal is exit 3
        self.server_message = server_message
        self.http_status = http_status
        meaning = ERROR_MEANINGS.get(self.code, f"SchemaBot refused the request ({self.code})")
        detail = f": {server_message}" if server_message else ""
        super().__init__(f"{meaning} (HTTP {http_status}, {self.code}){detail}")
