"""Render untrusted text (from storage or the planner) literally: no markup, no control codes.

The escaping itself lives in ``services.terminal_text``, shared with the CLI's text output.
"""

from __future__ import annotations

from rich.text import Text

from services.terminal_text import printable

__all__ = ["literal", "printable"]


def literal(value: object, *, style: str = "", single_line: bool = False) -> Text:
    """A Rich ``Text`` that shows ``value`` exactly: Rich markup is not interpreted."""
    return Text(printable(value, single_line=single_line), style=style)
