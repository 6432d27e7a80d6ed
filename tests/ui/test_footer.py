"""The footer keeps the primary action, help and quit at any width, then "…" for the rest."""

from __future__ import annotations

import pytest
from conftest import build_app, settle
from fake_service import FakeConsoleService, make_review
from textual.binding import Binding
from textual.widgets._footer import FooterKey, FooterLabel

from screens.review import ReviewScreen
from screens.widgets.footer import ESSENTIAL, OTHER, PRIMARY, FooterItem, keys_that_fit


def _footer_keys(app) -> list[str]:
    """What the footer shows, left to right: key displays and the overflow mark."""
    widgets = sorted(app.screen.query("FooterKey, FooterLabel"), key=lambda w: w.region.x)
    shown = []
    for widget in widgets:
        assert widget.region.right <= app.size.width, widget
        if isinstance(widget, FooterKey):
            shown.append(widget.key_display)
        elif isinstance(widget, FooterLabel):
            shown.append(str(widget.render()))
    return shown


@pytest.mark.parametrize("width", [80, 100, 160])
async def test_triage_footer_keeps_review_help_and_quit(width: int) -> None:
    app = build_app()
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        shown = _footer_keys(app)
        assert shown[0] == "⏎" and {"?", "q"} <= set(shown)
        assert (shown[-1] == "…") == (width < 120)


async def test_review_footer_keeps_redrive_force_help_and_quit_at_80() -> None:
    review = make_review(lock_owner="github:bob", lock_held_minutes=95)
    app = build_app(FakeConsoleService(reviews={"apply-0001": review}))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ReviewScreen)
        shown = _footer_keys(app)
        assert shown[:2] == ["c", "f"] and {"?", "q"} <= set(shown) and shown[-1] == "…"


def _item(key: str, description: str, rank: int = OTHER) -> FooterItem:
    return FooterItem(Binding(key, key, description), key, True, "", rank)


def test_keys_that_fit_keeps_the_ranked_ones_and_marks_the_overflow() -> None:
    items = [
        _item("x", "Other one"),
        _item("q", "Quit", ESSENTIAL),
        _item("y", "Another"),
        _item("c", "Redrive", PRIMARY),
    ]
    shown, overflow = keys_that_fit(items, 43)
    assert [item.binding.key for item in shown] == ["c", "x", "y", "q"] and not overflow
    shown, overflow = keys_that_fit(items, 34)
    assert [item.binding.key for item in shown] == ["c", "x", "q"] and overflow
    shown, overflow = keys_that_fit(items, 5)
    assert [item.binding.key for item in shown] == ["c", "q"] and overflow
