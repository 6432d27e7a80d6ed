"""Rows a read decoded, kept by the exact result the server sent.

A redrive reads an apply's unfinished rows twice: once for the review, and again under row
lock in the writing transaction. For an apply of 20,000 tasks, decoding those rows again is
most of that transaction's own time, and the rows are nearly always the ones just reviewed.
``DecodedReads`` maps the raw result of one read (its decoder, column names and the exact
text or values the driver returned) to the rows decoded from it. Equal raw results decode to
equal rows, so the locked read, handed the review's ``DecodedReads``, takes the reviewed rows
when what the server sent is identical, and decodes anew when anything differs. A changed row
only costs the decoding back; nothing is ever taken from a result that is not identical. The
apply's row lists (``services.storage.settled``) are kept the same way, by their exact text.

A view that only looks up (``looking_up``) records whether any lookup missed: when none did,
every row it returned is the review's own. What a higher layer derived from exactly these
reads (``derive``; the redrive's token rows and remaining work) can then be taken as is.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence


class DecodedReads:
    """Decoded rows by raw result. ``keeps`` says whether a decode is remembered (the review's
    read fills it; the locked read only looks up, and leaves the review's reads as they were);
    ``missed`` whether a lookup found nothing (or a read could not be looked up)."""

    __slots__ = ("_derived", "_rows", "keeps", "missed")

    def __init__(self, *, keeps: bool = True) -> None:
        self._rows: dict[Hashable, tuple] = {}
        self._derived: dict[str, object] = {}
        self.keeps = keeps
        self.missed = False

    def known(self, raw: Hashable) -> list | None:
        """The rows decoded before from exactly ``raw``, or None (a miss)."""
        rows = self._rows.get(raw)
        if rows is None:
            self.missed = True
            return None
        return list(rows)

    def keep(self, raw: Hashable, rows: Sequence) -> None:
        """Remember ``rows`` as decoded from ``raw`` (when these reads keep)."""
        if self.keeps:
            self._rows[raw] = tuple(rows)

    def looking_up(self) -> DecodedReads:
        """These reads for a later read that only looks up (shares the remembered rows and
        what was derived from them; ``missed`` starts false)."""
        view = DecodedReads(keeps=False)
        view._rows = self._rows
        view._derived = self._derived
        return view

    def derive(self, key: str, value: object) -> None:
        """Remember ``value`` as derived from exactly these reads (when these reads keep)."""
        if self.keeps:
            self._derived[key] = value

    def derived(self, key: str) -> object | None:
        """What was derived from these reads under ``key``, or None."""
        return self._derived.get(key)

    def __len__(self) -> int:
        return len(self._rows)
