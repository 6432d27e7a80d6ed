"""The one-line header every console screen shows: title, operator, the storage read (dialect
and SchemaBot generation, once known) and the READ-ONLY badge."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from screens.safe_text import literal

BADGE = " READ-ONLY: redrive disabled "
SHORT_BADGE = " READ-ONLY "
_GAP = "  "
_MIN_TITLE = 20  # below this much room for the title, the badge is the short one


class ConsoleHeader(Static):
    """Title, operator, and a READ-ONLY badge (a word, not only a colour).

    The badge is never cut: on a narrow terminal the title and operator give way (ending in
    "…") and, when even that leaves too little, the badge shortens to "READ-ONLY".
    """

    def __init__(self, title: str, *, operator: str, read_only: bool) -> None:
        super().__init__(id="console-header")
        self.title_text = title
        self.operator = operator
        self.read_only = read_only
        self.storage = ""

    def show_storage(self, storage: str) -> None:
        """Name the storage the console reads (e.g. ``mysql g1``); "" shows nothing."""
        if storage != self.storage:
            self.storage = storage
            self.refresh()

    def on_mount(self) -> None:
        self.set_class(self.read_only, "-read-only")

    def render(self) -> Text:
        return self.header_text(self.content_size.width or None)

    def header_text(self, width: int | None = None) -> Text:
        """The header line, fitted to ``width`` cells (``None``: the whole line)."""
        line = Text.assemble(("redrive-console", "bold"), " · ", self.title_text, " · operator ")
        line.append_text(literal(self.operator, single_line=True))
        if self.storage:
            line.append(" · storage ")
            line.append_text(literal(self.storage, single_line=True))
        badge = BADGE if self.read_only else ""
        if width is not None:
            if badge and width - len(_GAP + BADGE) < _MIN_TITLE:
                badge = SHORT_BADGE
            room = width - len(_GAP + badge) if badge else width
            line.truncate(max(room, 1), overflow="ellipsis")
        if badge:
            line.append(_GAP)
            line.append(badge, style="reverse bold")
        return line
