"""The diff model (pure) and the diff widget's keyboard behaviour."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Footer

from screens.widgets.diff_model import (
    DiffDocument,
    DiffLine,
    RowKind,
    build_diff_document,
    inline_changes,
    next_change,
    previous_change,
    side_text_lines,
)
from screens.widgets.diff_view import HORIZONTAL_STEP, DiffView, wrap_starts
from screens.widgets.sql_highlight import LazyHighlight, highlight_lines
from screens.widgets.sql_layout import display_lines, split_top_level_clauses
from services.domain.models import TableChange
from services.redrive.model import TableComparison, TableStatus

PRODUCTS_STORED = (
    "ALTER TABLE `products` DROP COLUMN `old_column`, MODIFY COLUMN `name` varchar(100) NOT NULL, "
    "ADD INDEX `idx_name` (`name`);"
)
PRODUCTS_FRESH = (
    "ALTER TABLE `products` DROP COLUMN `old_column`, MODIFY COLUMN `name` varchar(200) NOT NULL, "
    "ADD COLUMN `description` text NULL, ADD INDEX `idx_name` (`name`);"
)
EVENTS_CREATE = (
    "CREATE TABLE `events` (\n"
    "  `id` bigint NOT NULL AUTO_INCREMENT,\n"
    "  `kind` enum('created','updated','deleted') NOT NULL DEFAULT 'created',\n"
    "  `payload` json NULL COMMENT 'raw [red]x[/red] body',\n"
    "  PRIMARY KEY (`id`)\n"
    ");"
)


def alter(table: str, ddl: str, **flags: object) -> TableChange:
    return TableChange(table, ddl, "alter", namespace="shop", **flags)  # type: ignore[arg-type]


def sample_comparisons() -> tuple[TableComparison, ...]:
    """One table of each status: changed (in-line), same, only stored, only fresh."""
    note = alter("orders", "ALTER TABLE `orders` ADD COLUMN `note` varchar(255) NULL;")
    return (
        TableComparison(
            "shop",
            "products",
            TableStatus.CHANGED,
            stored=(alter("products", PRODUCTS_STORED),),
            fresh=(alter("products", PRODUCTS_FRESH),),
        ),
        TableComparison("shop", "orders", TableStatus.SAME, stored=(note,), fresh=(note,)),
        TableComparison(
            "shop",
            "audit_log",
            TableStatus.ONLY_STORED,
            stored=(
                TableChange(
                    "audit_log",
                    "DROP TABLE `audit_log`;",
                    "drop",
                    namespace="shop",
                    is_unsafe=True,
                    unsafe_reason="drops a table with data",
                ),
            ),
        ),
        TableComparison(
            "shop",
            "events",
            TableStatus.ONLY_FRESH,
            fresh=(TableChange("events", EVENTS_CREATE, "create", namespace="shop"),),
        ),
    )


def many_tables(count: int) -> tuple[TableComparison, ...]:
    """``count`` tables, every tenth one changed."""
    comparisons = []
    for index in range(count):
        table = f"table_{index:03d}"
        stored = alter(
            table,
            f"ALTER TABLE `{table}` ADD COLUMN `c{index}` int NULL, "
            f"ADD INDEX `ix_{index}` (`c{index}`);",
        )
        changed = index % 10 == 0
        fresh = (
            alter(table, stored.ddl.replace("int NULL", "bigint NOT NULL")) if changed else stored
        )
        status = TableStatus.CHANGED if changed else TableStatus.SAME
        comparisons.append(TableComparison("shop", table, status, (stored,), (fresh,)))
    return tuple(comparisons)


# -- SQL layout and highlighting ---------------------------------------------------------------


def test_clauses_split_only_at_top_level_commas() -> None:
    statement = (
        "ALTER TABLE `t` ADD COLUMN `k` enum('a, b','c') NULL COMMENT 'x, \\'y, z', "
        "ADD INDEX `i` (`a`, `b`), ADD COLUMN `we``ird, name` int NULL"
    )
    assert split_top_level_clauses(statement) == [
        "ALTER TABLE `t` ADD COLUMN `k` enum('a, b','c') NULL COMMENT 'x, \\'y, z',",
        "ADD INDEX `i` (`a`, `b`),",
        "ADD COLUMN `we``ird, name` int NULL",
    ]


def test_display_lines_break_alters_keep_creates_and_show_controls() -> None:
    assert display_lines(PRODUCTS_STORED) == [
        "ALTER TABLE `products` DROP COLUMN `old_column`,",
        "    MODIFY COLUMN `name` varchar(100) NOT NULL,",
        "    ADD INDEX `idx_name` (`name`);",
    ]
    assert display_lines("ALTER TABLE `t` ADD COLUMN `a` int NULL;") == [
        "ALTER TABLE `t` ADD COLUMN `a` int NULL;"
    ]
    assert display_lines(EVENTS_CREATE) == EVENTS_CREATE.splitlines()
    assert display_lines("ALTER TABLE `t` COMMENT='\x1b[31mred\tx'") == [
        "ALTER TABLE `t` COMMENT='\\x1b[31mred   x'"
    ]


def test_mysql_lexer_marks_backquoted_identifiers_as_names_not_errors() -> None:
    lines = display_lines(PRODUCTS_FRESH)
    fragments = highlight_lines(lines)
    assert len(fragments) == len(lines)
    assert ["".join(text for text, _ in line) for line in fragments] == lines
    categories = {text: category for line in fragments for text, category in line}
    assert categories["`products`"] == "name"
    assert categories["ALTER"] == "keyword"
    assert categories["varchar"] == "type"
    assert categories["200"] == "number"
    assert "text" not in {categories["`description`"], categories["`name`"]}


def test_highlight_keeps_multi_line_strings_on_their_lines() -> None:
    lines = ["ALTER TABLE `t` COMMENT='first", "second';"]
    fragments = highlight_lines(lines)
    assert fragments[1][0] == ("second'", "string")


# -- in-line changes -----------------------------------------------------------------------------


def test_inline_changes_mark_only_the_differing_words() -> None:
    old = "    MODIFY COLUMN `name` varchar(100) NOT NULL,"
    new = "    MODIFY COLUMN `name` varchar(200) NOT NULL,"
    old_spans, new_spans = inline_changes(old, new)
    assert [old[a:b] for a, b in old_spans] == ["100"]
    assert [new[a:b] for a, b in new_spans] == ["200"]


def test_inline_changes_follow_words_and_merge_short_gaps() -> None:
    old, new = "`c1` int NULL", "`c1` bigint NOT NULL"
    old_spans, new_spans = inline_changes(old, new)
    assert [old[a:b] for a, b in old_spans] == ["int"]
    assert [new[a:b] for a, b in new_spans] == ["bigint NOT"]
    # Two changed words separated by a short unchanged run become one highlighted range.
    old, new = "KEY k (a,b) USING BTREE", "KEY k (c,d) USING BTREE"
    assert [new[a:b] for a, b in inline_changes(old, new)[1]] == ["c,d"]
    old, new = "KEY k (a, `x`, b) USING BTREE", "KEY k (c, `x`, d) USING BTREE"
    assert [new[a:b] for a, b in inline_changes(old, new)[1]] == ["c", "d"]


def test_dissimilar_lines_get_no_inline_highlights() -> None:
    assert inline_changes("DROP TABLE `a`;", "CREATE INDEX zz ON q (w)") == ((), ())


# -- document ----------------------------------------------------------------------------------


def kinds(document: DiffDocument, *, unified: bool = False) -> list[str]:
    layout = document.unified if unified else document.split
    return [row.kind.value for row in layout.rows]


def test_split_rows_pair_replaced_lines_and_leave_the_extra_line_one_sided() -> None:
    document = build_diff_document(sample_comparisons()[:1])
    rows = document.split.rows
    assert kinds(document) == ["heading", "equal", "replace", "insert", "equal"]
    assert rows[0].heading is not None and rows[0].heading.label == "CHANGED"
    replaced = rows[2]
    assert replaced.left is not None and replaced.right is not None
    assert [replaced.left.text[a:b] for a, b in replaced.left.changes] == ["100"]
    assert [replaced.right.text[a:b] for a, b in replaced.right.changes] == ["200"]
    assert rows[3].left is None and rows[3].right is not None
    assert rows[3].right.text == "    ADD COLUMN `description` text NULL,"
    assert [row.right.number for row in rows[1:] if row.right] == [1, 2, 3, 4]
    assert [row.left.number for row in rows[1:] if row.left] == [1, 2, 3]


def test_unified_rows_list_removed_lines_before_added_ones() -> None:
    document = build_diff_document(sample_comparisons()[:1])
    assert kinds(document, unified=True) == [
        "heading",
        "equal",
        "delete",
        "insert",
        "insert",
        "equal",
    ]
    removed = document.unified.rows[2].left
    assert removed is not None
    assert [removed.text[a:b] for a, b in removed.changes] == ["100"]


def test_every_status_gets_its_heading_word_and_one_sided_rows() -> None:
    document = build_diff_document(sample_comparisons())
    assert [(table.title, table.label) for table in document.tables] == [
        ("shop.products", "CHANGED"),
        ("shop.orders", "SAME"),
        ("shop.audit_log", "ONLY STORED"),
        ("shop.events", "ONLY FRESH"),
    ]
    assert document.changed_tables == 3
    rows = document.split.rows
    audit = [row for row in rows if row.left and "audit_log" in row.left.text]
    assert audit and audit[0].kind is RowKind.DELETE and audit[0].right is None
    unsafe = [row.left.text for row in rows if row.left and row.left.text.startswith("--")]
    assert unsafe == ["-- unsafe: drops a table with data"]
    created = [row for row in rows if row.right and "CREATE TABLE" in row.right.text]
    assert created[0].kind is RowKind.INSERT and created[0].left is None
    assert kinds(document).count("spacer") == 3


def test_change_positions_are_the_starts_of_changed_runs_in_both_layouts() -> None:
    document = build_diff_document(sample_comparisons())
    split, unified = document.split, document.unified
    assert len(split.change_starts) == len(unified.change_starts) == 3
    for layout in (split, unified):
        for start, end in zip(layout.change_starts, layout.change_ends, strict=True):
            assert layout.rows[start].kind in {RowKind.DELETE, RowKind.INSERT, RowKind.REPLACE}
            assert layout.rows[start - 1].kind not in {RowKind.DELETE, RowKind.INSERT}
            after = layout.rows[end].kind if end < len(layout.rows) else None
            assert after not in {RowKind.DELETE, RowKind.INSERT, RowKind.REPLACE}
            assert layout.change_index_at(start) == layout.change_starts.index(start)
    assert split.change_starts[0] == 2
    assert split.change_index_at(1) is None


def test_next_and_previous_change_from_any_position() -> None:
    starts = (2, 9, 15)
    assert next_change(starts, -1) == 2
    assert next_change(starts, 2) == 9
    assert next_change(starts, 10) == 15
    assert next_change(starts, 15) is None
    assert previous_change(starts, 15) == 9
    assert previous_change(starts, 9) == 2
    assert previous_change(starts, 2) is None
    assert next_change((), 0) is None and previous_change((), 5) is None


def test_a_change_of_the_unsafe_flag_alone_is_visible() -> None:
    ddl = "ALTER TABLE `t` DROP COLUMN `a`;"
    comparison = TableComparison(
        "shop",
        "t",
        TableStatus.CHANGED,
        stored=(alter("t", ddl),),
        fresh=(alter("t", ddl, is_unsafe=True, unsafe_reason="drops a column"),),
    )
    document = build_diff_document((comparison,))
    inserted = [
        row.right.text for row in document.split.rows if row.right and row.kind is RowKind.INSERT
    ]
    assert inserted == ["-- unsafe: drops a column"]
    assert len(document.split.change_starts) == 1


def test_same_tables_have_no_changes() -> None:
    document = build_diff_document(sample_comparisons()[1:2])
    assert document.split.change_starts == () and document.changed_tables == 0


# -- widget ------------------------------------------------------------------------------------


class DiffApp(App[None]):
    """Just the diff view, focused."""

    def __init__(self, document: DiffDocument) -> None:
        super().__init__()
        self.document = document

    def compose(self) -> ComposeResult:
        yield DiffView(self.document)
        yield Footer()

    def on_mount(self) -> None:
        self.theme = "textual-dark"
        self.animation_level = "none"
        self.query_one(DiffView).focus()


def visible_text(view: DiffView) -> list[str]:
    return [view.render_line(y).text for y in range(view.scrollable_content_region.height)]


async def test_every_binding_has_an_id_and_the_jump_keys_are_in_the_footer() -> None:
    ids = [binding.id for binding in DiffView.BINDINGS]  # type: ignore[union-attr]
    assert all(binding_id and binding_id.startswith("diff.") for binding_id in ids)
    assert len(set(ids)) == len(ids)
    app = DiffApp(build_diff_document(sample_comparisons()))
    async with app.run_test(size=(160, 30)) as pilot:
        await pilot.pause()
        shown = {
            binding.id for _, binding, _, _ in app.screen.active_bindings.values() if binding.show
        }  # type: ignore[misc]
        assert {"diff.next-change", "diff.previous-change", "diff.toggle-unified"} <= shown


async def test_n_and_p_walk_the_changes_and_scroll_to_them() -> None:
    document = build_diff_document(many_tables(60))
    starts = document.split.change_starts
    app = DiffApp(document)
    async with app.run_test(size=(160, 30)) as pilot:
        view = app.query_one(DiffView)
        await pilot.pause()
        assert view.current_change is None and "change -/6" in str(view.border_subtitle)
        await pilot.press("n")
        assert view.current_change == 0
        await pilot.press("n", "n")
        assert view.current_change == 2
        assert view.scroll_y == starts[2] - 1
        assert "change 3/6" in str(view.border_subtitle)
        await pilot.press("p")
        assert view.current_change == 1 and view.scroll_y == starts[1] - 1
        # The current change's line numbers are marked, and its rows are on screen.
        text = visible_text(view)
        assert any("bigint NOT NULL" in line for line in text)
        await pilot.press("end", "n")
        assert view.current_change == 1  # no change below the last page: stays, rings the bell
        await pilot.press("p")
        assert view.current_change == 5  # the nearest change above the viewport
        await pilot.press("n")
        assert view.current_change == 5
        await pilot.press("home", "p")
        assert view.current_change == 5  # nothing above the top


async def test_vertical_keys_scroll_by_line_page_and_to_the_ends() -> None:
    app = DiffApp(build_diff_document(many_tables(40)))
    async with app.run_test(size=(160, 30)) as pilot:
        view = app.query_one(DiffView)
        await pilot.pause()
        page = view.scrollable_content_region.height
        await pilot.press("j", "j", "down")
        assert view.scroll_y == 3
        await pilot.press("k")
        assert view.scroll_y == 2
        await pilot.press("pagedown")
        assert view.scroll_y == 2 + page
        await pilot.press("pageup")
        assert view.scroll_y == 2
        await pilot.press("end")
        assert view.scroll_y == view.max_scroll_y > 0
        await pilot.press("home")
        assert view.scroll_y == 0


async def test_horizontal_keys_scroll_both_panes_together() -> None:
    document = build_diff_document(sample_comparisons())
    row = document.split.rows[2]
    assert row.left is not None and row.right is not None
    app = DiffApp(document)
    async with app.run_test(size=(100, 30)) as pilot:
        view = app.query_one(DiffView)
        await pilot.pause()
        gutter = 6  # "  2 - " / "  2 + "
        for shift in (0, 2 * HORIZONTAL_STEP):
            if shift:
                await pilot.press("right", "right")
            assert view.scroll_x == shift
            left, right = view.render_line(2).text.split("│")
            for shown, line in ((left, row.left.text), (right, row.right.text)):
                width = len(shown) - gutter
                assert shown[gutter:].rstrip() == line[shift : shift + width].rstrip()
        await pilot.press("h", "left")
        assert view.scroll_x == 0


async def test_unified_toggle_shows_one_column_with_marks_and_keeps_the_current_change() -> None:
    app = DiffApp(build_diff_document(sample_comparisons()))
    async with app.run_test(size=(160, 30)) as pilot:
        view = app.query_one(DiffView)
        await pilot.pause()
        await pilot.press("n", "n")
        assert view.current_change == 1
        await pilot.press("u")
        assert view.unified and view.current_change == 1
        text = visible_text(view)
        assert not any("│" in line for line in text)
        removed = [line for line in text if "varchar(100)" in line]
        added = [line for line in text if "varchar(200)" in line]
        assert removed and removed[0].lstrip().startswith("2     -")
        assert added and added[0].lstrip().startswith("2 +")
        assert "unified" in str(view.border_subtitle)
        await pilot.press("u")
        assert not view.unified


async def test_annotations_are_on_by_default_and_toggle() -> None:
    app = DiffApp(build_diff_document(sample_comparisons()[:1]))
    async with app.run_test(size=(160, 30)) as pilot:
        view = app.query_one(DiffView)
        await pilot.pause()
        assert view.render_line(2).text.startswith("  2 - ")
        await pilot.press("a")
        assert view.render_line(2).text.startswith("  2     MODIFY")


async def test_wrap_folds_long_lines_instead_of_scrolling() -> None:
    long_comment = "x" * 150
    comparison = TableComparison(
        "shop",
        "t",
        TableStatus.CHANGED,
        stored=(alter("t", f"ALTER TABLE `t` COMMENT='{long_comment}';"),),
        fresh=(alter("t", f"ALTER TABLE `t` COMMENT='{long_comment}y';"),),
    )
    app = DiffApp(build_diff_document((comparison,)))
    async with app.run_test(size=(100, 20)) as pilot:
        view = app.query_one(DiffView)
        await pilot.pause()
        assert view.virtual_size.height == 2 and view.max_scroll_x > 0
        await pilot.press("w")
        assert view.wrap and view.max_scroll_x == 0
        assert view.virtual_size.height > 2
        wrapped = visible_text(view)[1:4]
        assert all("x" in line.split("│")[0] for line in wrapped)
        assert wrapped[1].startswith("      ")  # continuation lines carry no number
        await pilot.press("u")  # unified and wrapped: one column, still folded
        assert view.unified and view.virtual_size.height > 3
        assert all(line.strip() for line in visible_text(view)[1:4])
        await pilot.press("u", "w")
        assert view.virtual_size.height == 2


async def test_a_200_table_diff_renders_only_the_visible_lines() -> None:
    document = build_diff_document(many_tables(200))
    assert len(document.split.rows) > 750
    app = DiffApp(document)
    async with app.run_test(size=(160, 48)) as pilot:
        view = app.query_one(DiffView)
        await pilot.pause()
        assert view.virtual_size.height == len(document.split.rows)
        assert 0 < len(view._line_cache) <= view.scrollable_content_region.height
        await pilot.press("end")
        await pilot.pause()
        assert len(view._line_cache) <= 2 * view.scrollable_content_region.height


def syntax_blocks(document: DiffDocument) -> list[LazyHighlight]:
    """Each side of each table's lazily lexed block, once."""
    blocks = {
        id(line.syntax): line.syntax
        for row in document.split.rows
        for line in (row.left, row.right)
        if line is not None
    }
    return list(blocks.values())


def test_lazy_fragments_equal_lexing_the_whole_side_at_once() -> None:
    comparisons = sample_comparisons()
    document = build_diff_document(comparisons)
    assert not any(block.lexed for block in syntax_blocks(document))
    drawn: dict[str, list[DiffLine]] = {}  # table -> its stored lines, in order
    table = ""
    for row in document.split.rows:
        if row.heading is not None:
            table = row.heading.table
        elif row.left is not None:
            drawn.setdefault(table, []).append(row.left)
    for comparison in comparisons:
        stored_lines = side_text_lines(comparison.stored)
        lines = drawn.get(comparison.table, [])
        assert [line.text for line in lines] == stored_lines
        assert [line.fragments for line in lines] == highlight_lines(stored_lines)


async def test_a_200_table_diff_lexes_only_the_tables_on_screen() -> None:
    document = build_diff_document(many_tables(200))
    blocks = syntax_blocks(document)
    assert len(blocks) == 220  # one per same table, two per changed one
    app = DiffApp(document)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        visible_tables = app.query_one(DiffView).scrollable_content_region.height // 3 + 1
        assert 0 < sum(block.lexed for block in blocks) <= visible_tables + 2
        await pilot.press("end")
        await pilot.pause()
        assert sum(block.lexed for block in blocks) <= 2 * (visible_tables + 2)


@pytest.mark.parametrize("message", ["Waiting for the fresh plan…", "[red]x[/red] \x1b[31m"])
async def test_messages_render_literally(message: str) -> None:
    app = DiffApp(build_diff_document(()))
    async with app.run_test(size=(80, 10)) as pilot:
        view = app.query_one(DiffView)
        view.show_message(message)
        await pilot.pause()
        expected = message.replace("\x1b", "\\x1b")
        assert view.render_line(0).text.strip() == expected.strip()


@pytest.mark.parametrize(("theme", "reverse"), [("textual-dark", False), ("ansi-dark", True)])
async def test_inline_changes_survive_ansi_themes(theme: str, reverse: bool) -> None:
    app = DiffApp(build_diff_document(sample_comparisons()[:1]))
    async with app.run_test(size=(160, 30)) as pilot:
        app.theme = theme
        await pilot.pause()
        view = app.query_one(DiffView)
        changed = [segment for segment in view.render_line(2) if segment.text == "100"]
        plain = [segment for segment in view.render_line(2) if segment.text == "NOT"]
        assert changed and plain
        assert bool(changed[0].style and changed[0].style.reverse) is reverse
        if not reverse:  # tinted themes: the in-line change has its own, stronger background
            assert changed[0].style and plain[0].style
            assert changed[0].style.bgcolor != plain[0].style.bgcolor


def test_snapshot_wrapped_narrow_diff(snap_compare) -> None:
    async def wrap_and_jump(pilot) -> None:
        await pilot.pause()
        await pilot.press("w", "n", "n")

    app = DiffApp(build_diff_document(sample_comparisons()))
    assert snap_compare(app, terminal_size=(100, 30), run_before=wrap_and_jump)


def test_wrap_breaks_after_spaces_and_hard_breaks_long_words() -> None:
    text = "ALTER TABLE `orders` ADD COLUMN `note`"
    starts = wrap_starts(text, 16)
    pieces = [text[a:b] for a, b in zip(starts, [*starts[1:], len(text)], strict=True)]
    assert pieces == ["ALTER TABLE ", "`orders` ADD ", "COLUMN `note`"]
    assert wrap_starts("x" * 25, 10) == (0, 10, 20)
    assert wrap_starts("short", 10) == (0,)
    assert wrap_starts("日本語日本語", 4) == (0, 4, 8)  # cells, not characters
