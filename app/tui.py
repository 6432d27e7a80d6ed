"""The Textual application shell: themes, keymap, the screen stack and the one error path.

No SQLAlchemy here: the service arrives ready-made (or lazily built on first use in a worker),
so the triage list paints before any database connection exists.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from screens.error import ErrorScreen
from services.redrive.api import ConsoleService

if TYPE_CHECKING:
    from services.schemabot_api.session import SchemaBotSession

DEFAULT_THEME = "textual-dark"
THEME_CYCLE = ("textual-dark", "textual-light", "ansi-dark", "ansi-light")


class ConsoleApp(App[None]):
    """redrive-console: triage -> review -> confirm -> outcome, all keyboard-driven."""

    CSS_PATH = "console.tcss"
    TITLE = "redrive-console"
    BINDINGS = [
        Binding("question_mark,f1", "help", "Help", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
        # Like k9s and lazygit; priority so a focused input cannot swallow it.
        Binding("ctrl+c", "quit", "Quit", id="app.quit-now", show=False, priority=True),
        Binding("f2", "cycle_theme", "Theme", id="app.theme", show=False),
    ]

    def __init__(
        self,
        service: ConsoleService,
        *,
        operator: str,
        read_only: bool = False,
        keymap: dict[str, str] | None = None,
        theme: str | None = None,
        clock: Callable[[], datetime] | None = None,
        refresh_seconds: float = 15.0,
        schemabot: SchemaBotSession | None = None,
    ) -> None:
        super().__init__()
        self.service = service
        # The SchemaBot server the reviews may ask (planner check, resubmit); None: never.
        self.schemabot = schemabot
        self.operator = operator
        self.read_only = read_only
        self.keymap = dict(keymap or {})
        self.requested_theme = theme or DEFAULT_THEME
        self.clock = clock or datetime.now
        self.refresh_seconds = refresh_seconds

    def on_mount(self) -> None:
        self.theme = self.requested_theme
        self.set_keymap(self.keymap)
        from screens.triage import TriageScreen

        self.push_screen(
            TriageScreen(
                self.service,
                operator=self.operator,
                read_only=self.read_only,
                clock=self.clock,
                refresh_seconds=self.refresh_seconds,
            )
        )

    # -- navigation -----------------------------------------------------------------------

    def return_to_triage(self) -> None:
        """Pop every screen above the triage list and refresh it."""
        from screens.triage import TriageScreen

        while len(self.screen_stack) > 2 and not isinstance(self.screen, TriageScreen):
            self.pop_screen()
        if isinstance(self.screen, TriageScreen):
            self.screen.request_reload(keep_loaded=True)

    def action_help(self) -> None:
        from screens.help import HelpScreen, binding_ids_on

        if not isinstance(self.screen, HelpScreen):
            current = binding_ids_on(self.screen)  # its keys are listed first
            self.push_screen(HelpScreen(self.binding_scopes(), self.keymap, current_ids=current))

    def action_cycle_theme(self) -> None:
        index = THEME_CYCLE.index(self.theme) if self.theme in THEME_CYCLE else -1
        self.theme = THEME_CYCLE[(index + 1) % len(THEME_CYCLE)]
        self.notify(f"Theme: {self.theme}", timeout=2)

    # -- bindings as data -----------------------------------------------------------------

    @classmethod
    def binding_scopes(cls) -> list[tuple[str, list[BindingType]]]:
        """Every screen's bindings, by scope: the source of the help screen."""
        from screens.confirm import ConfirmRedriveScreen
        from screens.help import HelpScreen
        from screens.logs import LogScreen
        from screens.outcome import OutcomeScreen
        from screens.resubmit_confirm import ConfirmResubmitScreen
        from screens.resubmit_outcome import ResubmitOutcomeScreen
        from screens.review import ReviewScreen
        from screens.triage import TriageScreen
        from screens.widgets.console_table import ConsoleTable
        from screens.widgets.diff_view import DiffView

        scopes: list[tuple[str, type]] = [
            ("everywhere", cls),
            ("failed applies", TriageScreen),
            ("review", ReviewScreen),
            ("diff pane", DiffView),
            ("lists", ConsoleTable),
            ("confirm redrive", ConfirmRedriveScreen),
            ("outcome", OutcomeScreen),
            ("confirm resubmit", ConfirmResubmitScreen),
            ("resubmit outcome", ResubmitOutcomeScreen),
            ("apply log", LogScreen),
            ("help", HelpScreen),
            ("error", ErrorScreen),
        ]
        return [(label, list(cls.BINDINGS)) for label, cls in scopes]

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette offers the operator's actions on ``screen`` and nothing else:
        the enabled bindings with an id that the footer shows, plus the app's own (help,
        theme, quit). Not Textual's internal commands (screenshot, keys panel, maximize, its
        theme picker) nor hidden navigation keys (j/k, arrows, page keys)."""
        seen: set[str] = set()
        for key, active in screen.active_bindings.items():
            binding = active.binding
            if not active.enabled or not binding.id or binding.action in seen:
                continue
            if not binding.show and active.node is not self:
                continue
            seen.add(binding.action)
            yield SystemCommand(
                binding.description,
                f"{self.get_key_display(binding) or key} · {binding.id}",
                _runner(self, binding.action, active.node),
            )


def binding_ids() -> set[str]:
    """Every binding id of the console: what a keymap in the config file may remap."""
    return {
        binding.id
        for _scope, bindings in ConsoleApp.binding_scopes()
        for binding in bindings
        if isinstance(binding, Binding) and binding.id
    }


def _runner(app: App, action: str, node: object) -> Callable[[], None]:
    """A palette callback that runs ``action`` in the namespace of the node that bound it."""

    def run() -> None:
        app.call_later(app.run_action, action, node)

    return run
