"""Hostile storage text on the review screen: escape sequences and bidi show as visible escapes."""

from __future__ import annotations

from dataclasses import replace

from fake_service import make_review, make_task
from test_review_screen import SIZE, ReviewApp, rendered, service_with, settle

OSC52 = "\x1b]52;c;cm0gLXJmIC8=\x07"
CLEAR = "\x1b[2J"
RLO = "\u202e"
RAW = {"\x1b", "\x07", RLO, "\x9b"}


async def test_lock_owner_and_task_error_render_escaped() -> None:
    owner = f"github:eve{OSC52}{CLEAR}{RLO}gnp.exe"
    review = make_review(lock_owner=owner)
    error = f"boom{CLEAR}\x9b2J{RLO}x"
    task = make_task(11, "orders", "failed", error=error, operation_id=21)
    review = replace(review, tasks=(task,))
    app = ReviewApp(service_with(review))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        facts = rendered(app.screen.query_one("#review-facts"))
        tasks = rendered(app.screen.query_one("#review-tasks"))
    assert "github:eve\\x1b]52;c;cm0gLXJmIC8=\\x07\\x1b[2J\\u202egnp.exe" in facts
    assert "boom\\x1b[2J\\x9b2J\\u202ex" in tasks
    assert not RAW & set(facts + tasks)
