"""What the command writes: escaped text lines, JSON, tables and one-line errors.

Keys, values, sandbox IDs, pod names and paths come from pod authors and from
the command line, so every text line goes out through :func:`escape`: a
control character (ESC, CR, LF, a bidi override...) is written as Python's
``repr`` writes it (``\\x1b``, ``\\r``, ``\\n``, ``\\u202e``), so it cannot
drive the terminal or forge a line, and a byte that is not UTF-8 (a path or
``--id`` given as raw bytes) as ``\\xff``. JSON is UTF-8 with the same bytes
shown as ``\\xff`` inside strings.

When the reader goes away (``kata-oci check | head -1``), output stops
quietly and the command still ends with the status of its verdict.
"""

from __future__ import annotations

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing: resolve's fast path imports this
if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from typing import Any

_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(c: str) -> str:
    named = _NAMED.get(c)
    if named is not None:
        return named
    n = ord(c)
    if 0xDC80 <= n <= 0xDCFF:  # a byte that was not UTF-8, as os.fsdecode() keeps it
        return f"\\x{n - 0xDC00:02x}"
    if n <= 0xFF:
        return f"\\x{n:02x}"
    if n <= 0xFFFF:
        return f"\\u{n:04x}"
    return f"\\U{n:08x}"


def escape(text: str) -> str:
    """``text`` with every non-printable character escaped (spaces stay)."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() or c == " " else _escape_char(c) for c in text)


def one_line(text: str) -> str:
    """A message's lines joined into one line (``first rest; rest``), escaped."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        return ""
    return escape(lines[0] + (" " + "; ".join(lines[1:]) if len(lines) > 1 else ""))


class _Closed:
    """Whether stdout's reader has gone (a closed pipe): then nothing more is written."""

    stdout = False


def _closed() -> None:
    """The reader of stdout went away: send the rest of the output nowhere."""
    _Closed.stdout = True
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (tests capture it)
        pass


def _emit(text: str) -> None:
    if _Closed.stdout:
        return
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except BrokenPipeError:
        _closed()


def write_lines(lines: Iterable[str]) -> None:
    """Write text lines, each escaped: no untrusted character reaches the terminal."""
    text = "\n".join(escape(line) for line in lines)
    _emit(text + "\n")


def _clean(value: Any) -> Any:
    """``value`` with non-UTF-8 bytes in its strings shown as ``\\xff`` (JSON has no raw bytes)."""
    if isinstance(value, str):
        try:
            value.encode()
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        return value
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def json_bytes(value: Any, *, indent: int | None = 2) -> bytes:
    """``value`` as JSON (UTF-8): msgspec structs, enums and plain values."""
    import msgspec

    try:
        raw = msgspec.json.encode(value)
    except UnicodeEncodeError:
        raw = msgspec.json.encode(_clean(msgspec.to_builtins(value, str_keys=True)))
    return raw if indent is None else msgspec.json.format(raw, indent=indent)


def write_json(value: Any, *, indent: int | None = 2) -> None:
    """Write ``value`` as one JSON document (``indent=None``: on one line, e.g. JSON lines)."""
    write_json_bytes(json_bytes(value, indent=indent))


def table(header: Sequence[str], rows: Iterable[Sequence[str]], *, gap: int = 2) -> list[str]:
    """Rows laid out in columns at least ``gap`` spaces apart, whatever the cells' lengths.

    Cells are escaped first (their width is the width shown); an empty cell
    shows as ``-`` so that every line has the same number of fields.
    """
    cells = [[escape(c) or "-" for c in header]]
    cells.extend([escape(c) or "-" for c in row] for row in rows)
    widths = [max(len(row[i]) for row in cells) for i in range(len(header) - 1)]
    sep = " " * gap
    return [
        sep.join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[-1]]).rstrip()
        for row in cells
    ]


def error_text(exc: BaseException) -> str:
    """An exception as one escaped line.

    An :class:`~kata_oci.AnnotationError` lists its problems one per line:
    they are joined with ``; `` and each is escaped, so a newline inside a
    pod author's key shows as ``\\n`` instead of starting a line. Any other
    message is escaped whole: a newline in it is shown, not obeyed.
    """
    problems = getattr(exc, "errors", None)
    if problems and isinstance(problems, tuple) and all(hasattr(p, "reason") for p in problems):
        head = str(exc).split(":\n", 1)[0]
        shown = [escape(str(p)) for p in problems[: getattr(exc, "SHOWN", len(problems))]]
        if len(problems) > len(shown):
            shown.append(f"... and {len(problems) - len(shown)} more")
        return f"{head}: " + "; ".join(shown)
    return escape(str(exc).strip()) or type(exc).__name__


def error_line(message: str) -> None:
    """The one line an error is shown as, on stderr."""
    try:
        sys.stderr.write(f"kata-oci: error: {escape(message.strip()) or 'unknown error'}\n")
        sys.stderr.flush()
    except (BrokenPipeError, ValueError):
        pass


def note(message: str) -> None:
    """A one-line note on stderr (what -v shows: the configuration used, ...)."""
    try:
        sys.stderr.write(f"kata-oci: {escape(message.strip())}\n")
    except (BrokenPipeError, ValueError):
        pass


def warning_line(message: str) -> None:
    """A one-line warning on stderr."""
    try:
        sys.stderr.write(f"kata-oci: warning: {escape(message.strip())}\n")
    except (BrokenPipeError, ValueError):
        pass


def write_json_bytes(raw: bytes) -> None:
    """Write JSON already encoded: as UTF-8 bytes whatever the terminal's encoding (JSON is UTF-8)."""
    if _Closed.stdout:
        return
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (a test's StringIO)
        _emit(raw.decode() + "\n")
        return
    try:
        sys.stdout.flush()
        buffer.write(raw + b"\n")
        buffer.flush()
    except BrokenPipeError:
        _closed()
