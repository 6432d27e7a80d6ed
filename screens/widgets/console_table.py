"""The console's list widget: a DataTable that also answers the keys people already know.

j / k move the cursor, g / G jump to the first and last row, ctrl+d / ctrl+u move a page, as in
less, vim, k9s and lazygit. Every key is a Binding with an id, so it can be remapped.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable


class ConsoleTable(DataTable):
    """A row-cursor DataTable with vi-style navigation keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Down", id="list.down", show=False),
        Binding("k", "cursor_up", "Up", id="list.up", show=False),
        Binding("g", "scroll_top", "First row", id="list.first", show=False),
        Binding("G", "scroll_bottom", "Last row", id="list.last", show=False),
        Binding("ctrl+d", "page_down", "Page down", id="list.page-down", show=False),
        Binding("ctrl+u", "page_up", "Page up", id="list.page-up", show=False),
    ]
