"""A footer that skips rebuilds whose keys did not change (shared by the busier screens)."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class CoalescingFooter(Footer):
    """A footer that rebuilds only when the keys it shows changed, once per burst of updates.

    Textual's footer rebuilds itself (a dozen keys, restyled) on every binding update; opening
    the review fires several (mount, focus, resume, the verdict) that mostly change nothing and
    together cost more than drawing the whole diff. The rebuild reads the latest bindings.
    """

    _rebuild_pending = False
    _shown: tuple[object, ...] | None = None

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus or not self.is_attached or screen is not self.screen:
            return
        if not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        if not self.is_attached:  # the screen was popped before the deferred rebuild ran
            return
        shown = tuple(
            (binding.key, binding.show, binding.description, binding.action, enabled, tooltip)
            for _node, binding, enabled, tooltip in self.screen.active_bindings.values()
        )
        if shown != self._shown:
            self._shown = shown
            await self.recompose()
