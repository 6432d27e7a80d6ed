"""A keyboard-first side-by-side (or unified) DDL diff, rendered with the line API.

The widget renders a prepared ``DiffDocument`` (see ``diff_model``): only visible lines are
drawn, each from a cached strip, so a 200-table diff costs no more than a small one. Both panes
share one horizontal offset, so they scroll together.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from screens.safe_text import printable
from screens.widgets.diff_model import (
    DiffDocument,
    DiffLayout,
    DiffLine,
    DiffRow,
    RowKind,
    next_change,
    previous_change,
)
from screens.widgets.sql_highlight import SYNTAX_CATEGORIES

HORIZONTAL_STEP = 4
"""Columns moved by one horizontal scroll key."""

CONTEXT_ABOVE_CHANGE = 1
"""Rows kept visible above a change when jumping to it."""

_HATCH = "╲"
_SEPARATOR = "│"
_STATUS_CLASS = {
    "SAME": "status-same",
    "CHANGED": "status-changed",
    "ONLY STORED": "status-only-stored",
    "ONLY FRESH": "status-only-fresh",
}


@dataclass(frozen=True, slots=True)
class _Geometry:
    """Column widths of the current layout."""

    number_width: int
    gutter: int
    left_pane: int
    right_pane: int

    @property
    def left_code(self) -> int:
        return max(1, self.left_pane - self.gutter)

    @property
    def right_code(self) -> int:
        return max(1, self.right_pane - self.gutter)


class DiffView(ScrollView, can_focus=True):
    """Stored-remaining DDL (left, ``-``) against fresh-plan DDL (right, ``+``), table by table."""

    COMPONENT_CLASSES = {
        "diff-view--line",
        "diff-view--line-removed",
        "diff-view--line-added",
        "diff-view--inline-removed",
        "diff-view--inline-added",
        "diff-view--number",
        "diff-view--number-removed",
        "diff-view--number-added",
        "diff-view--number-current",
        "diff-view--annotation-removed",
        "diff-view--annotation-added",
        "diff-view--hatch",
        "diff-view--separator",
        "diff-view--heading",
        "diff-view--status-same",
        "diff-view--status-changed",
        "diff-view--status-only-stored",
        "diff-view--status-only-fresh",
        "diff-view--message",
        *(f"diff-view--syntax-{category}" for category in SYNTAX_CATEGORIES),
    }

    DEFAULT_CSS = """
    DiffView {
        height: 1fr;
        overflow-y: scroll;
        overflow-x: auto;
        scrollbar-size-vertical: 1;
        background: $surface;
        border: round $foreground 30%;
        border-title-color: $text;
        border-subtitle-color: $text-muted;
        &:focus { border: round $accent; }
        & > .diff-view--line { color: $text; }
        & > .diff-view--line-removed { background: $error 15%; }
        & > .diff-view--line-added { background: $success 15%; }
        & > .diff-view--inline-removed { background: $error 50%; text-style: bold; }
        & > .diff-view--inline-added { background: $success 50%; text-style: bold; }
        & > .diff-view--number { color: $text-muted; }
        & > .diff-view--number-removed { color: $text-error; }
        & > .diff-view--number-added { color: $text-success; }
        & > .diff-view--number-current { color: $text-accent; text-style: bold reverse; }
        & > .diff-view--annotation-removed { color: $text-error; text-style: bold; }
        & > .diff-view--annotation-added { color: $text-success; text-style: bold; }
        & > .diff-view--hatch { color: $foreground 20%; }
        & > .diff-view--separator { color: $foreground 30%; }
        & > .diff-view--heading { background: $panel; color: $text; text-style: bold; }
        & > .diff-view--status-same { color: $text-muted; text-style: bold; }
        & > .diff-view--status-changed { color: $text-warning; text-style: bold; }
        & > .diff-view--status-only-stored { color: $text-error; text-style: bold; }
        & > .diff-view--status-only-fresh { color: $text-success; text-style: bold; }
        & > .diff-view--message { color: $text-muted; text-style: italic; }
        & > .diff-view--syntax-keyword { color: $text-accent; }
        & > .diff-view--syntax-type { color: $text-secondary; }
        & > .diff-view--syntax-name { color: $text-primary; }
        & > .diff-view--syntax-constant { color: $text-warning; }
        & > .diff-view--syntax-function { color: $text-secondary; }
        & > .diff-view--syntax-string { color: $text-success; }
        & > .diff-view--syntax-number { color: $text-warning; }
        & > .diff-view--syntax-comment { color: $text-muted; text-style: italic; }
        & > .diff-view--syntax-punctuation { color: $text; }
        /* ANSI colours cannot be blended: no tinted rows, in-line changes in reverse video. */
        &:ansi {
            & > .diff-view--line-removed { background: ansi_default; }
            & > .diff-view--line-added { background: ansi_default; }
            & > .diff-view--inline-removed { background: ansi_default; text-style: reverse bold; }
            & > .diff-view--inline-added { background: ansi_default; text-style: reverse bold; }
            & > .diff-view--hatch { color: ansi_bright_black; }
        }
    }
    """

    BINDINGS: list[BindingType] = [
        Binding("j,down", "line_down", "Down", show=False, id="diff.line-down"),
        Binding("k,up", "line_up", "Up", show=False, id="diff.line-up"),
        Binding("pagedown", "page_down", "Page down", show=False, id="diff.page-down"),
        Binding("pageup", "page_up", "Page up", show=False, id="diff.page-up"),
        Binding("home", "top", "Top", show=False, id="diff.top"),
        Binding("end", "bottom", "Bottom", show=False, id="diff.bottom"),
        Binding("h,left", "scroll_columns(-1)", "Left", show=False, id="diff.scroll-left"),
        # Not l: that is the logs key of the review (and of every screen) around this pane.
        Binding("right", "scroll_columns(1)", "Right", show=False, id="diff.scroll-right"),
        Binding("n", "next_change", "Next change", id="diff.next-change"),
        Binding("p,N", "previous_change", "Prev change", id="diff.previous-change"),
        Binding("u", "toggle_unified", "Split/unified", id="diff.toggle-unified"),
        Binding("w", "toggle_wrap", "Wrap", id="diff.toggle-wrap"),
        Binding("a", "toggle_annotations", "+/- marks", id="diff.toggle-annotations"),
    ]

    unified: reactive[bool] = reactive(False)
    """Show one column (``-`` then ``+`` lines) instead of two panes."""
    wrap: reactive[bool] = reactive(False)
    """Wrap long lines instead of scrolling horizontally."""
    annotations: reactive[bool] = reactive(True)
    """Show ``+`` / ``-`` marks next to changed lines (not only colour)."""

    def __init__(
        self,
        document: DiffDocument | None = None,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._document = document
        self._message = "No comparison yet."
        self._row_offsets: list[int] | None = None
        self._current_change: int | None = None
        self._number_width = 3
        self._code_cache: LRUCache[tuple[int, str, bool], Strip] = LRUCache(4096)
        self._line_cache: LRUCache[tuple[object, ...], Strip] = LRUCache(1024)
        self._measure_document()

    # -- public API -------------------------------------------------------------------------

    @property
    def document(self) -> DiffDocument | None:
        return self._document

    @property
    def current_change(self) -> int | None:
        """The index of the change last jumped to (``n`` / ``p``), or None."""
        return self._current_change

    @property
    def diff_layout(self) -> DiffLayout | None:
        """The rows currently shown (split or unified), or None while there is no document."""
        if self._document is None:
            return None
        return self._document.unified if self.unified else self._document.split

    def set_document(self, document: DiffDocument) -> None:
        """Show ``document`` from the top."""
        self._document = document
        self._current_change = None
        self._measure_document()
        self._relayout()
        self.scroll_to(0, 0, animate=False, immediate=True)

    def show_message(self, message: str) -> None:
        """Replace the diff with a one-line message (waiting, error, nothing to compare)."""
        self._document = None
        self._message = printable(message, single_line=True)
        self._current_change = None
        self._relayout()
        self.scroll_to(0, 0, animate=False, immediate=True)

    def row_at_line(self, visual_line: int) -> int:
        """The row index drawn on ``visual_line`` (wrapping may spread a row over several)."""
        if self._row_offsets is None:
            return visual_line
        return max(0, bisect_right(self._row_offsets, visual_line) - 1)

    def line_of_row(self, row: int) -> int:
        """The first visual line of ``row``."""
        return row if self._row_offsets is None else self._row_offsets[row]

    # -- layout ----------------------------------------------------------------------------

    def _measure_document(self) -> None:
        self._code_cache.clear()
        self._line_cache.clear()
        rows = self._document.split.rows if self._document is not None else ()
        largest = max(
            (line.number for row in rows for line in (row.left, row.right) if line is not None),
            default=0,
        )
        self._number_width = max(3, len(str(largest)))

    def _content_width(self) -> int:
        return max(10, self.container_size.width - self.styles.scrollbar_size_vertical)

    def _geometry(self, width: int) -> _Geometry:
        marks = 2 if self.annotations else 0
        if self.unified:
            gutter = 2 * (self._number_width + 1) + marks
            return _Geometry(self._number_width, gutter, width, 0)
        left = (width - 1) // 2
        return _Geometry(self._number_width, self._number_width + 1 + marks, left, width - 1 - left)

    def _relayout(self) -> None:
        """Recompute wrapping and the virtual size after a change of data, mode or size."""
        self._line_cache.clear()
        layout = self.diff_layout
        width = self._content_width()
        if layout is None:
            self._row_offsets = None
            self.virtual_size = Size(width, 1)
        else:
            geometry = self._geometry(width)
            if self.wrap:
                self._row_offsets = self._wrap_offsets(layout, geometry)
                self.virtual_size = Size(width, self._row_offsets[-1])
            else:
                self._row_offsets = None
                overflow = max(
                    layout.left_width - geometry.left_code,
                    layout.right_width - geometry.right_code if not self.unified else 0,
                    0,
                )
                self.virtual_size = Size(width + overflow, len(layout.rows))
        self._update_titles()
        self.refresh()

    def _wrap_offsets(self, layout: DiffLayout, geometry: _Geometry) -> list[int]:
        """First visual line of every row (and the total at the end) when lines wrap."""
        right_code = geometry.left_code if self.unified else geometry.right_code
        offsets = [0]
        for row in layout.rows:
            height = 1
            for line, code_width in ((row.left, geometry.left_code), (row.right, right_code)):
                if line is not None:
                    height = max(height, len(wrap_starts(line.text, code_width)))
            offsets.append(offsets[-1] + height)
        return offsets

    def _update_titles(self) -> None:
        if self.unified:
            self.border_title = "- stored remaining / + fresh plan (unified)"
        else:
            self.border_title = "- stored remaining (left)  ·  + fresh plan (right)"
        layout = self.diff_layout
        mode = "unified" if self.unified else "split"
        wrap = "wrap" if self.wrap else "no wrap"
        if layout is None:
            self.border_subtitle = f"{mode} · {wrap}"
        elif not layout.change_starts:
            self.border_subtitle = f"no differences · {mode} · {wrap}"
        else:
            total = len(layout.change_starts)
            current = "-" if self._current_change is None else str(self._current_change + 1)
            self.border_subtitle = f"change {current}/{total} · {mode} · {wrap}"

    def on_resize(self) -> None:
        self._relayout()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._code_cache.clear()
        self._line_cache.clear()

    def watch_unified(self) -> None:
        self._relayout()
        self._scroll_to_current_or_top()

    def watch_wrap(self) -> None:
        top_row = self.row_at_line(round(self.scroll_y))
        self._relayout()
        self.scroll_to(0, self.line_of_row(top_row), animate=False, immediate=True)

    def watch_annotations(self) -> None:
        self._relayout()

    # -- rendering -------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"diff-view--{name}")

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        layout = self.diff_layout
        if layout is None:
            if y:
                return Strip.blank(width, self.rich_style)
            text = f" {self._message}"
            return Strip([Segment(text, self._style("message"))]).crop_extend(
                0, width, self.rich_style
            )
        scroll_x, scroll_y = self.scroll_offset
        visual_line = scroll_y + y
        row_index = self.row_at_line(visual_line)
        if row_index >= len(layout.rows) or visual_line >= self.virtual_size.height:
            return Strip.blank(width, self.rich_style)
        part = visual_line - self.line_of_row(row_index)
        current = (
            self._current_change is not None
            and layout.change_index_at(row_index) == self._current_change
        )
        key = (
            row_index,
            part,
            scroll_x,
            width,
            self.unified,
            self.wrap,
            self.annotations,
            current,
        )
        strip = self._line_cache.get(key)
        if strip is None:
            strip = self._render_row(
                layout.rows[row_index], row_index, part, scroll_x, width, current
            )
            self._line_cache[key] = strip
        return strip

    def _render_row(
        self, row: DiffRow, row_index: int, part: int, scroll_x: int, width: int, current: bool
    ) -> Strip:
        if row.kind is RowKind.SPACER:
            return Strip.blank(width, self.rich_style)
        if row.kind is RowKind.HEADING:
            return self._render_heading(row, width)
        geometry = self._geometry(width)
        if self.unified:
            return self._render_unified(row, row_index, part, scroll_x, geometry, current)
        left = self._render_pane(
            row.left, row_index, "left", row.kind, part, scroll_x, geometry, current
        )
        right = self._render_pane(
            row.right, row_index, "right", row.kind, part, scroll_x, geometry, current
        )
        separator = Strip([Segment(_SEPARATOR, self.rich_style + self._style("separator"))])
        return Strip.join([left, separator, right])

    def _render_heading(self, row: DiffRow, width: int) -> Strip:
        heading = row.heading
        assert heading is not None
        base = self._style("heading")
        status = base + self._style(_STATUS_CLASS[heading.label])
        counts = (
            f"   stored: {heading.stored_statements} statement(s)"
            f" · fresh: {heading.fresh_statements} statement(s)"
        )
        segments = [
            Segment(f" ▸ {heading.title}  ", base),
            Segment(f"[{heading.label}]", status),
            Segment(counts, base),
        ]
        return Strip(segments).crop_extend(0, width, base)

    def _line_kind_style(self, changed: bool, side: str) -> tuple[Style, str]:
        if not changed:
            return self.rich_style + self._style("line"), ""
        name = "removed" if side == "left" else "added"
        return self.rich_style + self._style(f"line-{name}"), name

    def _render_pane(
        self,
        line: DiffLine | None,
        row_index: int,
        side: str,
        kind: RowKind,
        part: int,
        scroll_x: int,
        geometry: _Geometry,
        current: bool,
    ) -> Strip:
        pane_width = geometry.left_pane if side == "left" else geometry.right_pane
        if line is None:
            return Strip([Segment(_HATCH * pane_width, self.rich_style + self._style("hatch"))])
        changed = kind is RowKind.REPLACE or (
            kind is RowKind.DELETE if side == "left" else kind is RowKind.INSERT
        )
        line_style, change_name = self._line_kind_style(changed, side)
        gutter = self._gutter((line.number,), part, geometry, line_style, change_name, current)
        code_width = geometry.left_code if side == "left" else geometry.right_code
        code = self._code_strip(line, row_index, side, change_name, line_style)
        return Strip.join(
            [gutter, self._visible_code(code, line, part, scroll_x, code_width, line_style)]
        )

    def _visible_code(
        self,
        code: Strip,
        line: DiffLine,
        part: int,
        scroll_x: int,
        code_width: int,
        line_style: Style,
    ) -> Strip:
        """The horizontally scrolled window of ``code``, or its ``part``-th wrapped piece."""
        if not self.wrap:
            return code.crop_extend(scroll_x, scroll_x + code_width, line_style)
        starts = wrap_starts(line.text, code_width)
        if part >= len(starts):
            return Strip.blank(code_width, line_style)
        end = starts[part + 1] if part + 1 < len(starts) else code.cell_length
        return code.crop(starts[part], end).extend_cell_length(code_width, line_style)

    def _render_unified(
        self,
        row: DiffRow,
        row_index: int,
        part: int,
        scroll_x: int,
        geometry: _Geometry,
        current: bool,
    ) -> Strip:
        if row.kind is RowKind.DELETE and row.left is not None:
            line, side, numbers = row.left, "left", (row.left.number, None)
        elif row.kind is RowKind.INSERT and row.right is not None:
            line, side, numbers = row.right, "right", (None, row.right.number)
        else:
            assert row.left is not None and row.right is not None
            line, side, numbers = row.left, "left", (row.left.number, row.right.number)
        changed = row.kind is not RowKind.EQUAL
        line_style, change_name = self._line_kind_style(changed, side)
        gutter = self._gutter(numbers, part, geometry, line_style, change_name, current)
        code_width = geometry.left_code
        code = self._code_strip(line, row_index, side, change_name, line_style)
        return Strip.join(
            [gutter, self._visible_code(code, line, part, scroll_x, code_width, line_style)]
        )

    def _gutter(
        self,
        numbers: tuple[int | None, ...],
        part: int,
        geometry: _Geometry,
        line_style: Style,
        change_name: str,
        current: bool,
    ) -> Strip:
        number_name = (
            "number-current" if current else (f"number-{change_name}" if change_name else "number")
        )
        number_style = line_style + self._style(number_name)
        width = geometry.number_width
        texts = [
            f"{number:>{width}} " if number is not None and part == 0 else " " * (width + 1)
            for number in numbers
        ]
        segments = [Segment("".join(texts), number_style)]
        if self.annotations:
            mark = {"removed": "-", "added": "+"}.get(change_name, " ") if part == 0 else " "
            mark_style = (
                line_style + self._style(f"annotation-{change_name}") if change_name else line_style
            )
            segments.append(Segment(f"{mark} ", mark_style))
        return Strip(segments)

    def _code_strip(
        self, line: DiffLine, row_index: int, side: str, change_name: str, line_style: Style
    ) -> Strip:
        """The whole line, syntax-highlighted with in-line changes, before cropping (cached)."""
        key = (row_index, side, self.unified)
        strip = self._code_cache.get(key)
        if strip is not None:
            return strip
        inline = self._style(f"inline-{change_name}") if change_name else None
        boundaries = sorted({0, len(line.text), *(p for span in line.changes for p in span)})
        segments: list[Segment] = []
        position = 0
        for text, category in line.fragments:
            syntax = self._syntax_style(category)
            end = position + len(text)
            cuts = [p for p in boundaries if position < p < end]
            for start, stop in zip([position, *cuts], [*cuts, end], strict=True):
                style = line_style + syntax
                if inline is not None and _inside(start, line.changes):
                    style += Style(bgcolor=inline.bgcolor, bold=inline.bold, reverse=inline.reverse)
                segments.append(Segment(text[start - position : stop - position], style))
            position = end
        strip = Strip(segments)
        self._code_cache[key] = strip
        return strip

    def _syntax_style(self, category: str) -> Style:
        if category == "text":
            return Style()
        style = self._style(f"syntax-{category}")
        return Style(color=style.color, italic=style.italic)

    # -- actions ---------------------------------------------------------------------------

    def _page_height(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def action_line_down(self) -> None:
        self.scroll_to(y=self.scroll_y + 1, animate=False, immediate=True)

    def action_line_up(self) -> None:
        self.scroll_to(y=self.scroll_y - 1, animate=False, immediate=True)

    def action_page_down(self) -> None:
        self.scroll_to(y=self.scroll_y + self._page_height(), animate=False, immediate=True)

    def action_page_up(self) -> None:
        self.scroll_to(y=self.scroll_y - self._page_height(), animate=False, immediate=True)

    def action_top(self) -> None:
        self.scroll_to(y=0, animate=False, immediate=True)

    def action_bottom(self) -> None:
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)

    def action_scroll_columns(self, direction: int) -> None:
        """Scroll both panes horizontally (no effect while wrapping)."""
        self.scroll_to(x=self.scroll_x + direction * HORIZONTAL_STEP, animate=False, immediate=True)

    def action_toggle_unified(self) -> None:
        self.unified = not self.unified

    def action_toggle_wrap(self) -> None:
        self.wrap = not self.wrap

    def action_toggle_annotations(self) -> None:
        self.annotations = not self.annotations

    def action_next_change(self) -> None:
        self._jump(forward=True)

    def action_previous_change(self) -> None:
        self._jump(forward=False)

    def _jump(self, *, forward: bool) -> None:
        layout = self.diff_layout
        if layout is None or not layout.change_starts:
            self.app.bell()
            return
        starts = layout.change_starts
        top = self.row_at_line(round(self.scroll_y))
        bottom = self.row_at_line(round(self.scroll_y) + self._page_height() - 1)
        current = self._current_change
        if current is not None and top <= starts[current] <= bottom:
            position = starts[current]
        else:
            position = top - 1 if forward else top
        row = next_change(starts, position) if forward else previous_change(starts, position)
        if row is None:
            self.app.bell()
            return
        target = bisect_left(starts, row)
        self._current_change = target  # part of the line cache key: no need to clear it
        self._update_titles()
        self._scroll_to_row(starts[target])
        self.refresh()

    def _scroll_to_row(self, row: int) -> None:
        y = max(0, self.line_of_row(row) - CONTEXT_ABOVE_CHANGE)
        self.scroll_to(x=0 if self.wrap else None, y=y, animate=False, immediate=True)

    def _scroll_to_current_or_top(self) -> None:
        layout = self.diff_layout
        if layout is not None and self._current_change is not None:
            if self._current_change < len(layout.change_starts):
                self._scroll_to_row(layout.change_starts[self._current_change])
                return
            self._current_change = None
        self.scroll_to(0, 0, animate=False, immediate=True)


def wrap_starts(text: str, width: int) -> tuple[int, ...]:
    """Cell offsets where each wrapped piece of ``text`` starts, breaking after a space if one
    is in the second half of the piece, otherwise exactly at ``width`` cells."""
    if cell_len(text) <= width:
        return (0,)
    if text.isascii():
        cells = list(range(len(text) + 1))
    else:
        cells = [0]
        for char in text:
            cells.append(cells[-1] + cell_len(char))
    starts = [0]
    start = 0
    while cells[-1] - cells[start] > width:
        limit = max(start + 1, bisect_right(cells, cells[start] + width) - 1)
        space = text.rfind(" ", start, limit)
        cut = space + 1 if space + 1 > start + (limit - start) // 2 else limit
        starts.append(cells[cut])
        start = cut
    return tuple(starts)


def _inside(position: int, spans: tuple[tuple[int, int], ...]) -> bool:
    return any(start <= position < end for start, end in spans)
