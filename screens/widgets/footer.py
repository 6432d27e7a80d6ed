"""The console footer: the keys that matter most always fit, the rest give way to "…".

Shared by every console screen. At 80 columns a screen has more keys than fit in one line; the
footer keeps the screen's primary action (its ``FOOTER_FIRST`` binding ids, or else its first
shown binding), help and quit, then adds the other keys in their declared order while they fit,
and ends with "…" when some were left out (help lists them all).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey, FooterLabel

ESSENTIAL_IDS = ("app.help", "app.quit")
PRIMARY, OTHER, ESSENTIAL = 0, 1, 2
OVERFLOW_MARK = "…"
OVERFLOW_WIDTH = 2
_KEY_PADDING = 3  # a space before the key, one between key and description, one after


@dataclass(frozen=True)
class FooterItem:
    """One key the footer may show, with the width it takes and whether it must stay."""

    binding: Binding
    key_display: str
    enabled: bool
    tooltip: str
    rank: int  # PRIMARY, OTHER or ESSENTIAL: the order the footer shows them in

    @property
    def essential(self) -> bool:
        return self.rank != OTHER

    @property
    def width(self) -> int:
        return cell_len(self.key_display) + cell_len(self.binding.description) + _KEY_PADDING


def keys_that_fit(items: Sequence[FooterItem], width: int) -> tuple[list[FooterItem], bool]:
    """The items to show in ``width`` columns, by rank, and whether any were left out.

    Primary and essential items are always kept; the others are taken in order while they and
    the overflow mark still fit.
    """
    items = sorted(items, key=lambda item: item.rank)
    if sum(item.width for item in items) <= width:
        return items, False
    budget = width - OVERFLOW_WIDTH - sum(item.width for item in items if item.essential)
    kept: set[int] = set()
    for index, item in enumerate(items):
        if not item.essential and item.width <= budget:
            kept.add(index)
            budget -= item.width
    shown = [item for index, item in enumerate(items) if item.essential or index in kept]
    return shown, True


class CoalescingFooter(Footer):
    """A footer that fits the width and rebuilds only when what it would show changed.

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
        self._schedule_rebuild()

    def on_resize(self) -> None:
        self._schedule_rebuild()

    def _schedule_rebuild(self) -> None:
        if not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    async def _rebuild(self) -> None:
        self._rebuild_pending = False
        if not self.is_attached:  # the screen was popped before the deferred rebuild ran
            return
        shown = (
            self.size.width,
            *(
                (binding.key, binding.show, binding.description, binding.action, enabled, tip)
                for _node, binding, enabled, tip in self.screen.active_bindings.values()
            ),
        )
        if shown != self._shown:
            self._shown = shown
            await self.recompose()

    def footer_items(self) -> list[FooterItem]:
        """Every shown binding of the screen, one per action, primary ones marked essential."""
        screen = self.screen
        first_ids = set(getattr(screen, "FOOTER_FIRST", ()))
        items: list[FooterItem] = []
        seen: set[str] = set()
        primary_taken = bool(first_ids)
        for node, binding, enabled, tooltip in screen.active_bindings.values():
            if not binding.show or binding.action in seen:
                continue
            seen.add(binding.action)
            primary = binding.id in first_ids
            if not primary_taken and node is screen:
                primary = primary_taken = True
            rank = PRIMARY if primary else ESSENTIAL if binding.id in ESSENTIAL_IDS else OTHER
            items.append(
                FooterItem(
                    binding,
                    self.app.get_key_display(binding),
                    enabled,
                    tooltip,
                    rank,
                )
            )
        return items

    def compose(self) -> ComposeResult:
        if not self._bindings_ready or not self.is_attached:
            return
        items = self.footer_items()
        palette = self._palette_item()
        width = self.size.width or self.app.size.width
        shown, overflow = keys_that_fit(items, width)
        if palette is not None and sum(item.width for item in shown) + palette.width > width:
            palette = None
        self.styles.grid_size_columns = len(shown) + int(overflow)
        for item in shown:
            yield self._key(item)
        if overflow:
            yield FooterLabel(OVERFLOW_MARK)
        if palette is not None:
            binding = palette.binding
            yield FooterKey(
                binding.key,
                palette.key_display,
                binding.description,
                binding.action,
                classes="-command-palette",
                disabled=not palette.enabled,
                tooltip=binding.tooltip or binding.description,
            )

    def _palette_item(self) -> FooterItem | None:
        if not (self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE):
            return None
        active = self.screen.active_bindings.get(self.app.COMMAND_PALETTE_BINDING)
        if active is None:
            return None
        _node, binding, enabled, tooltip = active
        return FooterItem(binding, self.app.get_key_display(binding), enabled, tooltip, OTHER)

    def _key(self, item: FooterItem) -> FooterKey:
        """A key born in the footer's compactness (the console never changes it), instead of
        Textual's ``data_bind``: that restyles every key twice as it mounts (compact, then not),
        which was a tenth of the triage list's first paint."""
        binding = item.binding
        key = FooterKey(
            binding.key,
            item.key_display,
            binding.description,
            binding.action,
            disabled=not item.enabled,
            tooltip=item.tooltip,
            classes="-compact" if self.compact else "",
        )
        key.set_reactive(FooterKey.compact, self.compact)
        return key
