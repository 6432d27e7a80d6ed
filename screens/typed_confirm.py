"""The behaviour every write confirmation shares: a different key to confirm, never ``enter``.

A confirmation modal opens focused on Cancel, or on its typed field when the operator must type
something first (the database name of a forced takeover, the fingerprint of a differing plan).
It confirms only on ``ctrl+r`` / ``f9`` or its confirm button, and only while
``blocked_reason`` is ``None``; until then that reason is shown and the footer shows the key
greyed out. ``enter`` in the typed field re-checks it and never confirms: ``enter`` opened the
modal.
"""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual import on
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static

ResultT = TypeVar("ResultT")


class TypedConfirmModal(ModalScreen[ResultT | None], Generic[ResultT]):
    """Dismisses with ``confirmed()`` on confirmation, ``None`` on cancel.

    Subclasses compose an ``Input`` with id ``TYPED_ID`` when ``typing_needed``, a ``Static``
    with id ``BLOCKED_ID``, and buttons ``#cancel`` and ``#confirm``.
    """

    TYPED_ID: ClassVar[str]
    BLOCKED_ID: ClassVar[str]

    @property
    def typing_needed(self) -> bool:
        """Whether the operator must type something before confirming."""
        raise NotImplementedError

    @property
    def blocked_reason(self) -> str | None:
        """Why confirming is impossible right now, or ``None`` when it is allowed."""
        raise NotImplementedError

    def ready_hint(self) -> str:
        """The line shown when nothing blocks the confirmation."""
        raise NotImplementedError

    def typed(self, value: str) -> None:
        """Keep what the operator typed into the ``TYPED_ID`` field."""
        raise NotImplementedError

    def confirmed(self) -> ResultT:
        """The result the modal dismisses with when the operator confirms."""
        raise NotImplementedError

    def on_mount(self) -> None:
        focus = f"#{self.TYPED_ID}" if self.typing_needed else "#cancel"
        self.query_one(focus).focus()
        self.refresh_state()

    def refresh_state(self) -> None:
        """Enable or disable the confirm button and say why, after any change."""
        reason = self.blocked_reason
        self.query_one("#confirm", Button).disabled = reason is not None
        self.query_one(f"#{self.BLOCKED_ID}", Static).update(Text(reason or self.ready_hint()))
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "confirm":  # None: shown greyed out in the footer, visibly disabled
            return True if self.blocked_reason is None else None
        return True

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        if event.input.id == self.TYPED_ID:
            self.typed(event.value)
            self.refresh_state()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()  # enter opened this modal, so enter never confirms it
        self.refresh_state()

    @on(Button.Pressed, "#cancel")
    def _cancel_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None)

    @on(Button.Pressed, "#confirm")
    def _confirm_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_confirm()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_confirm(self) -> None:
        if self.blocked_reason is None:
            self.dismiss(self.confirmed())
