"""``BearerToken``: a credential that cannot be printed by accident.

Its ``repr`` and ``str`` are redacted, so neither a log line, an exception message nor a
dataclass ``repr`` that holds one ever shows the value. Only ``header`` reveals it, for the
``Authorization`` header of a request.
"""

from __future__ import annotations

from services.schemabot_api.errors import SchemaBotConfigError

REDACTED = "<redacted>"


class BearerToken:
    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str) -> None:
        if not value or any(c in value for c in "\r\n"):
            raise SchemaBotConfigError(f"the SchemaBot token from {source} is empty or spans lines")
        self._value = value
        self.source = source

    def header(self) -> str:
        """The ``Authorization`` header value."""
        return f"Bearer {self._value}"

    def scrub(self, text: str) -> str:
        """``text`` with every occurrence of the token replaced (for server-sent messages)."""
        return text.replace(self._value, REDACTED)

    def __repr__(self) -> str:
        return f"BearerToken({REDACTED}, source={self.source!r})"

    __str__ = __repr__

    def __reduce__(self) -> object:
        raise TypeError("a BearerToken is not serialisable")
