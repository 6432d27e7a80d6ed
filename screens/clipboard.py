"""Copy text to the operator's clipboard with OSC 52, which also works over SSH.

Inside tmux the sequence is wrapped in tmux's DCS passthrough (``ESC P tmux; ... ESC \\``, every
ESC doubled), otherwise tmux swallows it unless ``set-clipboard`` is on.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping

from textual.app import App

from screens.safe_text import printable


def osc52(text: str, *, tmux: bool) -> str:
    """The escape sequence that asks the terminal to put ``text`` on the clipboard."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    sequence = f"\x1b]52;c;{payload}\x07"
    if not tmux:
        return sequence
    return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"


def inside_tmux(environ: Mapping[str, str] | None = None) -> bool:
    """True when running inside tmux (``$TMUX`` is set)."""
    return bool((os.environ if environ is None else environ).get("TMUX"))


def copy_to_clipboard(app: App, text: str, *, label: str) -> str:
    """Send ``text`` to the clipboard and show a visible confirmation; returns the sequence."""
    tmux = inside_tmux()
    sequence = osc52(text, tmux=tmux)
    app.copy_to_clipboard(text)  # keeps App.clipboard in step for in-app paste
    if tmux and app._driver is not None:
        # Textual writes a bare OSC 52; tmux needs the passthrough-wrapped form as well.
        app._driver.write(sequence)
    via = "OSC 52 via tmux passthrough" if tmux else "OSC 52"
    app.notify(
        f"Copied {label} {printable(text, single_line=True)} to the clipboard ({via}).",
        title="Copied",
        timeout=4,
        markup=False,
    )
    return sequence
