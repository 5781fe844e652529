"""Reading the files kata-oci is given (config.json, configuration.toml), defensively.

TOML goes through :func:`read_toml` (or :func:`read_toml_text` and
:func:`parse_toml`): bounded size, nesting and key length, errors as
:class:`~kata_oci.ConfigError` with file, line and column.

A path may name a FIFO (which would block an ordinary ``open``), a device
(which would never end) or something huge: only a regular file is read,
without blocking, and never beyond a size limit.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

from .errors import ConfigError
from .readfile import read_regular_file

if TYPE_CHECKING:
    import re

__all__ = [
    "MAX_TOML_DEPTH",
    "MAX_TOML_HEADER_LENGTH",
    "MAX_TOML_KEY_PARTS",
    "MAX_TOML_SIZE",
    "parse_toml",
    "read_regular_file",
    "read_toml",
    "read_toml_text",
]


# --------------------------------------------------------------------------
# TOML

#: The largest TOML file read (Kata's configuration files are ~20 KiB).
MAX_TOML_SIZE = 16 << 20
#: The deepest nesting accepted, from the document's root: every table (each part of a header
#: or dotted key), array and inline table is a level (tomllib recurses once per bracket).
MAX_TOML_DEPTH = 64
#: The most dotted parts in one key or table header (tomllib's cost is quadratic in them).
MAX_TOML_KEY_PARTS = 64
#: The longest table header accepted, in characters.
MAX_TOML_HEADER_LENGTH = 1024

_MISSING = "cannot read the {what}: file {path} does not exist"


@cache
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    """The pre-scan's regular expressions, compiled on first use (not at import: start-up matters)."""
    import re

    # What the pre-scan looks at: strings and comments (skipped whole), brackets, commas, newlines.
    token = re.compile(
        r'"""(?:[^"\\]++|\\.|"(?!""))*+"""(?:"{0,2})'
        r"|'''(?:[^']++|'(?!''))*+'''(?:'{0,2})"
        r'|"(?:[^"\\\n]++|\\.)*+"?'
        r"|'[^'\n]*+'?"
        r"|#[^\n]*+"
        r"|[\[\]{},\n]",
        re.S,
    )
    part = r'(?:[A-Za-z0-9_-]++|"(?:[^"\\\n]++|\\.)*+"|\'[^\'\n]*+\')'
    # A key of at most MAX_TOML_KEY_PARTS parts; the group "more" sees one part too many.
    key = re.compile(
        rf"[ \t]*+{part}(?:[ \t]*+\.[ \t]*+{part}){{0,{MAX_TOML_KEY_PARTS - 1}}}"
        rf"(?P<more>[ \t]*+\.[ \t]*+{part})?"
    )
    line_start = re.compile(r"[ \t\r]*+(?P<header>\[\[?)?")
    position = re.compile(r"\(at line (\d+), column (\d+)\)|\(at end of document\)")
    return token, key, line_start, position, re.compile(part)


def _position(text: str, pos: int) -> tuple[int, int]:
    line_start = text.rfind("\n", 0, pos) + 1
    return text.count("\n", 0, pos) + 1, pos - line_start + 1


def _prescan_toml(text: str, file: str, what: str) -> None:
    """Refuse what would make tomllib recurse too deep or take quadratic time, before it runs.

    Follows, outside strings and comments, how deep each table, array and
    inline table sits in the document (a table header or a dotted key
    counts one level per part), and measures every key where one may start
    (a line's start outside any bracket, after ``{`` or after ``,`` inside
    an inline table).
    """

    token, key_pattern, line_pattern, _, part_pattern = _patterns()
    too_deep = f"the {what} nests tables, arrays or inline tables more than {MAX_TOML_DEPTH} levels deep"

    def fail(reason: str, pos: int) -> ConfigError:
        line, column = _position(text, pos)
        return ConfigError(reason, file=file, line=line, column=column)

    def key_at(pos: int, depth: int, names_a_table: bool = False) -> tuple[int, int]:
        """The end of the key at ``pos`` and its number of parts.

        ``depth`` is that of the table it is set in; its parts but the last
        are tables, and the last too when ``names_a_table`` (a header).
        """
        m = key_pattern.match(text, pos)
        if m is None:
            return pos, 1  # not a key: tomllib will say what is wrong
        if m.group("more") is not None:
            raise fail(f"a key in the {what} has more than {MAX_TOML_KEY_PARTS} dotted parts", pos)
        parts = len(part_pattern.findall(m.group()))
        if depth + parts - (0 if names_a_table else 1) > MAX_TOML_DEPTH:
            raise fail(too_deep, pos)
        return m.end(), parts

    base = 0  # the depth of the table the current header opened
    top_parts = 0  # the parts of the key a top-level line sets

    def line_start(pos: int) -> int:
        nonlocal base, top_parts
        m = line_pattern.match(text, pos)
        assert m is not None  # the pattern matches the empty string
        start = m.end()
        if m.group("header") is None:
            if start < len(text) and text[start] not in "#\n":
                start, top_parts = key_at(start, base)
            return start
        end, parts = key_at(start, len(m.group("header")) - 1, True)  # [[a]]: an array, then its table
        if end - m.start("header") > MAX_TOML_HEADER_LENGTH:
            raise fail(
                f"a table header in the {what} is longer than {MAX_TOML_HEADER_LENGTH} characters",
                m.start("header"),
            )
        base = parts + len(m.group("header")) - 1
        top_parts = 0
        return end

    # Each open bracket: [the bracket, the depth of its container, the parts of the key being set in it].
    stack: list[list[Any]] = []
    pos = line_start(0)
    search = token.search
    while (m := search(text, pos)) is not None:
        pos = m.end()
        c = text[m.start()]
        if c == "\n":
            if not stack:
                pos = line_start(pos)
        elif c == "[" or c == "{":
            if not stack:
                depth = base + top_parts
            else:
                parent = stack[-1]
                depth = parent[1] + (parent[2] if parent[0] == "{" else 1)
            if depth > MAX_TOML_DEPTH:
                raise fail(too_deep, m.start())
            frame = [c, depth, 1]
            stack.append(frame)
            if c == "{":
                pos, frame[2] = key_at(pos, depth)
        elif c == "]" or c == "}":
            if stack:
                stack.pop()
        elif c == "," and stack and stack[-1][0] == "{":
            pos, stack[-1][2] = key_at(pos, stack[-1][1])


def parse_toml(
    data: str | bytes, *, file: str | None = None, what: str = "configuration file"
) -> dict[str, Any]:
    """Parse TOML 1.0 text (``tomllib``), refusing hostile shapes first.

    ``file`` names the source in errors, ``what`` says what the document is
    ("Kata configuration"...). Raises :class:`~kata_oci.ConfigError` with the
    file, line and column for text that is not UTF-8, not TOML, nests arrays or
    inline tables more than :data:`MAX_TOML_DEPTH` levels, has a key of more
    than :data:`MAX_TOML_KEY_PARTS` dotted parts or a table header longer than
    :data:`MAX_TOML_HEADER_LENGTH` characters.
    """
    name = file or f"<{what}>"
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            at = data[: exc.start].count(b"\n") + 1
            raise ConfigError(f"not valid UTF-8: {exc.reason}", file=name, line=at) from None
    else:
        text = data
    handed = _parsed.pop(text, None)
    if handed is not None:
        return handed
    _prescan_toml(text, name, what)
    import tomllib

    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        m = _patterns()[3].search(message)
        line: int | None = None
        column: int | None = None
        if m is not None and m.group(1):
            line, column = int(m.group(1)), int(m.group(2))
        elif m is not None:
            line = max(1, text.count("\n") + (0 if text.endswith("\n") else 1))
        raise ConfigError(f"invalid TOML: {message}", file=name, line=line, column=column) from None
    _parsed.clear()
    _parsed[text] = _copy_document(doc)
    return doc


# The last document parsed, as a copy of its own, for the next parse of the same text: the
# command parses its configuration twice, to detect the profile and to load it (~3 ms each).
# Taken, it is gone, so no two callers ever share a document.
_parsed: dict[str, dict[str, Any]] = {}


def _copy_document(value: Any) -> Any:
    """A copy of a parsed TOML document: its tables and arrays new, its values (immutable) shared."""
    if type(value) is dict:
        return {k: _copy_document(v) for k, v in value.items()}
    if type(value) is list:
        return [_copy_document(v) for v in value]
    return value


def read_toml_text(
    path: str | os.PathLike[str],
    *,
    what: str = "configuration file",
    limit: int = MAX_TOML_SIZE,
    missing: str = _MISSING,
) -> str:
    """The text of the TOML file at ``path``, read as :func:`read_regular_file` reads.

    Raises :class:`~kata_oci.ConfigError` naming the file: missing (the
    ``missing`` template, with ``{what}`` and ``{path}``, the absolute path),
    not a regular file, larger than ``limit`` bytes, or not UTF-8.
    """
    name = os.fspath(path)
    try:
        data = read_regular_file(path, limit)
    except FileNotFoundError:
        raise ConfigError(missing.format(what=what, path=os.path.abspath(name)), file=name) from None
    except OSError as exc:
        raise ConfigError(f"cannot read the {what}: {exc.strerror or exc}", file=name) from None
    except ValueError as exc:  # a NUL byte in the path
        raise ConfigError(f"cannot read the {what}: {exc}", file=repr(name)) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"not valid UTF-8: {exc.reason}", file=name, line=line) from None


def read_toml(
    path: str | os.PathLike[str], *, what: str = "configuration file", limit: int = MAX_TOML_SIZE
) -> dict[str, Any]:
    """The TOML document at ``path``: :func:`read_toml_text` then :func:`parse_toml`.

    Every loader reads its configuration through this (or these two), so
    every one has the same bounds. Raises :class:`~kata_oci.ConfigError` only.
    """
    return parse_toml(read_toml_text(path, what=what, limit=limit), file=os.fspath(path), what=what)
