"""The review at 80x24: the lock line, the verdict and the redrive keys stay on screen."""

from __future__ import annotations

from conftest import build_app, settle
from fake_service import FakeConsoleService, make_review
from textual.widgets._footer import FooterKey

from screens.review import ReviewScreen


async def test_review_at_80x24_shows_the_lock_line_and_the_force_keys() -> None:
    review = make_review(lock_owner="github:bob", lock_held_minutes=95)
    app = build_app(FakeConsoleService(reviews={"apply-0001": review}))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        facts = screen.query_one("#review-facts")
        assert "HELD BY github:bob" in str(facts.render())
        painted = app.export_screenshot()  # only what is on screen
        assert "HELD" in painted and "forced" in painted and "takeover" in painted
        screen_rows = app.size.height
        for part in ("#review-facts", "#review-banner"):
            region = screen.query_one(part).region
            assert region.height > 0 and region.bottom <= screen_rows, part
        keys = {key.key_display for key in screen.query(FooterKey) if key.region.width}
        assert {"c", "f", "?", "q"} <= keys
