"""The TOML 1.1 forms Kata 4.1's TOML parser accepts, rewritten as TOML 1.0 for ``tomllib``.

Kata 4.1 vendors BurntSushi/toml v1.6.0, which turned TOML 1.1 on by
default. Of what 1.1 adds, these can appear in a configuration file and are
refused by ``tomllib`` (TOML 1.0):

* newlines and comments inside an inline table, and a trailing comma before
  its ``}``;
* the ``\\e`` (U+001B) and ``\\xHH`` escapes in basic strings.

(1.1's times without seconds can only meet a Kata key that wants a string or a
number, where Go refuses them too.)

:func:`toml11_to_10` rewrites those forms and nothing else. The go loader
calls it only when ``tomllib`` has refused the text, so a TOML 1.0 file is
never touched. Newlines taken out of an inline table are put back at the end
of its line, so the lines after it keep their numbers.
"""

from __future__ import annotations

__all__ = ["toml11_to_10"]

_HEX = frozenset("0123456789abcdefABCDEF")


def _string_end(text: str, i: int, quote: str, multiline: bool) -> int:
    """The index just past the string opening at ``i`` (quotes included), or ``len(text)``."""
    j = i + (3 if multiline else 1)
    n = len(text)
    while j < n:
        c = text[j]
        if quote == '"' and c == "\\":
            j += 2
            continue
        if not multiline and c == "\n":
            return j
        if c == quote and (not multiline or text.startswith(quote * 3, j)):
            return j + (3 if multiline else 1)
        j += 1
    return n


def _escapes(segment: str) -> str:
    """A basic string with ``\\e`` and ``\\xHH`` spelled as ``\\uXXXX``."""
    if "\\" not in segment:
        return segment
    out: list[str] = []
    i, n = 0, len(segment)
    while i < n:
        c = segment[i]
        if c != "\\" or i + 1 >= n:
            out.append(c)
            i += 1
            continue
        nxt = segment[i + 1]
        if nxt == "e":
            out.append("\\u001b")
            i += 2
        elif nxt == "x" and i + 3 < n and segment[i + 2] in _HEX and segment[i + 3] in _HEX:
            out.append("\\u00" + segment[i + 2 : i + 4])
            i += 4
        else:
            out.append(segment[i : i + 2])
            i += 2
    return "".join(out)


def toml11_to_10(text: str) -> str:
    """``text`` with the TOML 1.1 forms above rewritten as TOML 1.0 (the same text when there are none)."""
    out: list[str] = []
    depth = 0  # inline tables open
    pending = 0  # newlines taken out of inline tables, to put back at the end of the line
    last_comma: int | None = None  # index in out of a "," that may be an inline table's trailing comma
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c in "\"'":
            multiline = text.startswith(c * 3, i)
            end = _string_end(text, i, c, multiline)
            segment = text[i:end]
            out.append(_escapes(segment) if c == '"' else segment)
            last_comma = None
            i = end
            continue
        if c == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            if depth == 0:
                out.append(text[i:end])
            i = end
            continue
        if c == "\n":
            if depth > 0:
                pending += 1
                out.append(" ")
            else:
                out.append("\n" * (pending + 1))
                pending = 0
            i += 1
            continue
        if c == "\r" and depth > 0 and text.startswith("\r\n", i):
            i += 1  # the "\n" is handled next
            continue
        if c == "{":
            depth += 1
            last_comma = None
        elif c == "}" and depth > 0:
            if last_comma is not None:
                out[last_comma] = ""  # 1.1's trailing comma
            depth -= 1
            last_comma = None
        elif c == "," and depth > 0:
            out.append(c)
            last_comma = len(out) - 1
            i += 1
            continue
        elif c not in " \t":
            last_comma = None
        out.append(c)
        i += 1
    if pending:
        out.append("\n" * pending)
    return "".join(out)
