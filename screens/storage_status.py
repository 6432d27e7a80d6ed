"""One inline line for a lost storage connection: what went wrong, in words, and when it retries.

The triage list keeps working from what it loaded; instead of an error modal on every refresh
it shows this line and retries with a growing delay. The cause is read from the driver's own
message, so "wrong user or password" is never reported as a network problem (or the reverse).
"""

from __future__ import annotations

from dataclasses import dataclass

RETRY_DELAYS = (5.0, 10.0, 20.0, 40.0, 60.0)
"""Seconds before each retry; the last one repeats until the storage answers."""

_CREDENTIAL_MARKS = ("1045", "access denied", "password authentication failed", "28p01")
_NETWORK_MARKS = (
    "2003",
    "2005",
    "2006",
    "2013",
    "lost connection",
    "can't connect",
    "could not connect",
    "connection refused",
    "timed out",
    "timeout",
    "name or service not known",
    "unreachable",
)


@dataclass(frozen=True)
class StorageTrouble:
    """Why the storage did not answer, and the retry schedule's position."""

    cause: str  # "credentials", "network" or "storage"
    message: str
    failures: int

    @property
    def retry_in(self) -> float:
        return RETRY_DELAYS[min(self.failures, len(RETRY_DELAYS)) - 1]

    def headline(self) -> str:
        if self.cause == "credentials":
            return "STORAGE REFUSED THE LOGIN: check the storage user and password in the config"
        if self.cause == "network":
            return "STORAGE UNREACHABLE: network or server down"
        return "STORAGE ERROR"


def classify(message: str) -> str:
    """``credentials``, ``network`` or ``storage`` (anything else), from the driver's text."""
    text = message.casefold()
    if any(mark in text for mark in _CREDENTIAL_MARKS):
        return "credentials"
    if any(mark in text for mark in _NETWORK_MARKS):
        return "network"
    return "storage"
