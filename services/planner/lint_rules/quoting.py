"""Go's ``%q`` and Spirit's identifier escaping, so messages match byte for byte."""

from __future__ import annotations

_GO_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def go_quote(text: str) -> str:
    """``fmt.Sprintf("%q", text)``: printable runes kept, the rest escaped like Go does."""
    out = ['"']
    for char in text:
        if char in _GO_ESCAPES:
            out.append(_GO_ESCAPES[char])
        elif char == " " or char.isprintable():
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) <= 0xFFFF:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    out.append('"')
    return "".join(out)


def backtick(name: str) -> str:
    """Spirit's ``sqlescape.EscapeIdentifier``: back-quoted, inner back-quotes doubled."""
    return "`" + name.replace("`", "``") + "`"
