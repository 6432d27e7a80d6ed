"""The one-line header every console screen shows: title, operator, the storage read (dialect
and SchemaBot generation, once known) and the READ-ONLY badge."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from screens.safe_text import literal


class ConsoleHeader(Static):
    """Title, operator, and a READ-ONLY badge (a word, not only a colour)."""

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
            self.update(self.header_text())

    def on_mount(self) -> None:
        self.set_class(self.read_only, "-read-only")
        self.update(self.header_text())

    def header_text(self) -> Text:
        line = Text.assemble(("redrive-console", "bold"), " · ", self.title_text, " · operator ")
        line.append_text(literal(self.operator, single_line=True))
        if self.storage:
            line.append(" · storage ")
            line.append_text(literal(self.storage, single_line=True))
        if self.read_only:
            line.append("  ")
            line.append(" READ-ONLY: redrive disabled ", style="reverse bold")
        return line
