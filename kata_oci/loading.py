"""What the profiles' configuration loaders share: errors that point into the file, Go's key rules.

A loader keeps the file's text beside its name (:class:`Doc`) so that an
error names the file, the dotted key and its line (:func:`find_line`, best
effort, exact then case-insensitive as Go matches keys); msgspec's complaint
about a table becomes one in Kata's terms (:func:`validation_error`: "expected
an integer (Go uint32), found string"). :func:`equal_fold` is Go's
``strings.EqualFold`` for field names; :func:`clean_comma_list` is
``katautils``' clean-up of ``machine_accelerators`` and ``cpu_features`` (Kata
1.x and 4.1 alike). Used by :mod:`kata_oci.profiles.kata1.loader` and
:mod:`kata_oci.profiles.go.loader`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time
from typing import Any, get_type_hints

import msgspec

from . import golang
from .errors import ConfigError

__all__ = [
    "Doc",
    "clean_comma_list",
    "equal_fold",
    "find_line",
    "key_at_line",
    "located",
    "toml_type",
    "validation_error",
]

# unicode.IsSpace, what strings.TrimSpace trims.
_GO_SPACE_STR = "".join(sorted(golang.GO_SPACE))


def clean_comma_list(value: str) -> str:
    """Go's ``machineAccelerators()`` / ``cpuFeatures()`` clean-up of a comma-separated list."""
    result = "".join(tok.strip(_GO_SPACE_STR) + "," for tok in value.split(",") if tok != "")
    return result.strip(",")


# --------------------------------------------------------------------------
# locating keys in the file text (best effort) and building errors

# Patterns, not compiled ones: only errors use them, and compiling all four costs ~2 ms of
# start-up (re caches what it compiles, on first use).
_BARE_OR_QUOTED = r"""(?:[A-Za-z0-9_-]+|"(?:[^"\\]|\\.)*"|'[^']*')"""
_KEY_RE = rf"\s*(?P<key>{_BARE_OR_QUOTED}(?:\s*\.\s*{_BARE_OR_QUOTED})*)\s*="
_HEADER_RE = rf"\s*\[\[?\s*(?P<key>{_BARE_OR_QUOTED}(?:\s*\.\s*{_BARE_OR_QUOTED})*)\s*\]\]?"
_KEY_PART_RE = _BARE_OR_QUOTED
_MSGSPEC_PATH_RE = r"(?s)^(?P<what>.*?) - at `\$(?P<path>[^`]*)`$"


def _split_key(key: str) -> list[str]:
    """The parts of a dotted TOML key, unquoted."""
    parts = []
    for m in re.finditer(_KEY_PART_RE, key):
        part = m.group(0)
        if part[:1] in "\"'":
            part = part[1:-1]
        parts.append(part)
    return parts


def _scan(text: str) -> list[tuple[int, list[str], bool]]:
    """Each header or key line of ``text``: (line number, full key path, is a header)."""
    out: list[tuple[int, list[str], bool]] = []
    table: list[str] = []
    header, key = re.compile(_HEADER_RE).match, re.compile(_KEY_RE).match
    for lineno, line in enumerate(text.splitlines(), 1):
        if (m := header(line)) is not None:
            table = _split_key(m.group("key"))
            out.append((lineno, table, True))
        elif (m := key(line)) is not None:
            out.append((lineno, table + _split_key(m.group("key")), False))
    return out


def find_line(text: str, key: tuple[str, ...]) -> int | None:
    """The line where ``key`` is set, else where its nearest enclosing table starts.

    Keys are compared exactly first, then case-insensitively (as Go matches them).
    """
    want = [re.sub(r"\[\d+\]$", "", part) for part in key]
    scanned = _scan(text)
    for fold in (False, True):
        wanted = [part.lower() for part in want] if fold else want
        best: tuple[int, int] | None = None  # (depth, line) of the deepest enclosing table header
        for lineno, found, header in scanned:
            path = [part.lower() for part in found] if fold else found
            if path == wanted:
                return lineno
            if header and path == wanted[: len(path)] and (best is None or len(path) > best[0]):
                best = (len(path), lineno)
        if fold and best is not None:
            return best[1]
    return None


def key_at_line(text: str, line: int) -> str | None:
    """The dotted key being set on ``line`` (or the table last opened before it)."""
    found: str | None = None
    for lineno, path, _header in _scan(text):
        if lineno > line:
            break
        found = ".".join(path)
    return found


def _dotted(key: tuple[str, ...]) -> str:
    return ".".join(key)


class Doc(msgspec.Struct, frozen=True):  # not a @dataclass: dataclasses costs start-up (inspect, copy)
    """The configuration text and its name, to build errors pointing into it."""

    file: str
    text: str

    def error(self, reason: str, key: tuple[str, ...] | None = None) -> ConfigError:
        line = find_line(self.text, key) if key else None
        return ConfigError(reason, file=self.file, key=_dotted(key) if key else None, line=line)


def toml_type(value: object) -> str:
    """The TOML type name of a decoded value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "table"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, time):
        return "time"
    return type(value).__name__  # pragma: no cover - tomllib gives nothing else


_EXPECTED_NAMES = {
    "int": "an integer",
    "str": "a string",
    "bool": "a boolean",
    "array": "an array",
    "object": "a table",
    "float": "a float",
}


def _go_int_type(typ: type[msgspec.Struct], field: str) -> str | None:
    """The Go integer type declared for ``field`` (``"uint32"``...), if it is an integer field."""
    hint = get_type_hints(typ, include_extras=True).get(field)
    for meta in getattr(hint, "__metadata__", ()):
        if isinstance(meta, msgspec.Meta) and meta.extra:
            go = meta.extra.get("go")
            return str(go) if go else None
    return None


def validation_error(
    exc: msgspec.ValidationError,
    table: Mapping[str, Any],
    typ: type[msgspec.Struct],
    where: tuple[str, ...],
    doc: Doc,
) -> ConfigError:
    """A ConfigError for msgspec's complaint about one table."""
    m = re.match(_MSGSPEC_PATH_RE, str(exc))
    if m is None:  # pragma: no cover - msgspec always gives a path for a field
        return doc.error(str(exc), where)
    what, path = m.group("what"), m.group("path")
    parts = [p for p in re.split(r"\.|(?=\[)", path) if p]
    named: list[str] = []  # the key path, an index joined to its array: "kernel_modules[1]"
    for part in parts:
        if part.startswith("[") and named:
            named[-1] += part
        else:
            named.append(part)
    key = where + tuple(named)
    value: Any = table
    for part in parts:
        if part.startswith("["):
            value = value[int(part[1:-1])] if isinstance(value, list) else None
        elif isinstance(value, Mapping):
            value = value.get(part)
    go = _go_int_type(typ, parts[0]) if parts else None
    if go and isinstance(value, int) and not isinstance(value, bool):
        return doc.error(f"value {value} is out of range for {go}", key)
    expected = re.search(r"Expected `([^`]+)`", what)
    want = _EXPECTED_NAMES.get(expected.group(1), expected.group(1)) if expected else "another type"
    if go:
        want += f" (Go {go})"
    shown = f" {value!r}" if isinstance(value, (str, int, float)) else ""
    return doc.error(f"expected {want}, found {toml_type(value)}{shown}", key)


def equal_fold(canonical: str, key: str) -> bool:
    """Go's ``strings.EqualFold`` of an ASCII field name and a TOML key."""
    if len(canonical) != len(key):
        return False
    for want, ch in zip(canonical, key, strict=True):
        if ch == want or ch.lower() == want:
            continue
        if (want, ch) in (("s", "\u017f"), ("k", "\u212a")):  # long s, Kelvin sign
            continue
        return False
    return True


def located(exc: ConfigError, doc: Doc) -> ConfigError:
    """The reader's error, naming the key being set on its line."""
    key = exc.key or (key_at_line(doc.text, exc.line) if exc.line is not None else None)
    return ConfigError(exc.reason, file=exc.file, key=key, line=exc.line, column=exc.column)
