"""Render untrusted text (from storage or the planner) literally: no markup, no control codes."""

from __future__ import annotations

import re

from rich.text import Text

# C0 controls except tab and newline, DEL, and C1 controls (ESC-less CSI on 8-bit terminals).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(value: object, *, single_line: bool = False) -> str:
    """Replace terminal control characters with visible escapes (``\\x1b`` -> ``\\x1b`` text)."""
    text = "" if value is None else str(value)
    if single_line:
        text = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", text)


def literal(value: object, *, style: str = "", single_line: bool = False) -> Text:
    """A Rich ``Text`` that shows ``value`` exactly: Rich markup is not interpreted."""
    return Text(printable(value, single_line=single_line), style=style)
