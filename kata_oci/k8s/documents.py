"""Reading manifest files: YAML streams or JSON, from files, directories or standard input.

Kubernetes manifests are YAML 1.1 as ``kubectl`` reads them (sigs.k8s.io/yaml
over go-yaml v2): several documents per stream, anchors and merge keys allowed.
They are parsed with PyYAML's *safe* loader (plain data only; the libyaml C
loader when PyYAML has it), with one change that makes it read what the API
server would get: a timestamp-looking scalar (``2024-01-01``) stays a string,
as go-yaml v2 keeps it when decoding into an untyped value. A document that
starts with ``{`` or ``[`` is tried as JSON first (msgspec, much faster), and
as YAML if that fails, since YAML's flow style is a superset of JSON.

Every failure is a :class:`~kata_oci.errors.ManifestError` naming the file and,
where the parser says, the line and column. Input is bounded: a file larger
than :data:`MAX_MANIFEST_BYTES` or a stream of more than
:data:`MAX_DOCUMENTS` documents is refused, never half read.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import msgspec
import yaml

from kata_oci.errors import ManifestError
from kata_oci.files import read_regular_file

__all__ = [
    "MANIFEST_SUFFIXES",
    "MAX_DOCUMENTS",
    "MAX_MANIFEST_BYTES",
    "Document",
    "manifest_paths",
    "parse_documents",
    "read_documents",
]

#: The largest manifest file (or standard input) read, in bytes.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
#: The most documents one stream may hold.
MAX_DOCUMENTS = 100_000
#: The file names a directory is searched for, as ``kubectl apply -f DIR`` does.
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")

STDIN = "<stdin>"

_SafeLoader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):  # type: ignore[misc]
    """PyYAML's safe loader, with go-yaml v2's untyped timestamps (strings)."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


@dataclass(frozen=True, slots=True)
class Document:
    """One parsed document: the data, the file it came from and its index in that file."""

    value: Any
    source: str
    index: int


def _position(exc: yaml.YAMLError) -> tuple[int | None, int | None]:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is None:
        return None, None
    return mark.line + 1, mark.column + 1


def _yaml_reason(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.MarkedYAMLError):
        parts = [p for p in (exc.context, exc.problem) if p]
        return "invalid YAML: " + (", ".join(parts) if parts else "syntax error")
    if isinstance(exc, yaml.reader.ReaderError):
        return f"invalid YAML: {exc.reason} (byte {exc.position})"
    return f"invalid YAML: {exc}"


def _looks_like_json(data: bytes) -> bool:
    head = data[:64].lstrip(b" \t\r\n\xef\xbb\xbf")
    return head[:1] in (b"{", b"[")


def parse_documents(data: bytes | str, *, source: str = "<manifest>") -> list[Document]:
    """The documents of one YAML stream or JSON text (empty documents left out).

    Raises:
        ManifestError: the text is not YAML (or JSON), holds more than
            :data:`MAX_DOCUMENTS` documents or nests too deeply; with the
            line and column where the parser stopped.
    """
    raw = data.encode("utf-8", "surrogateescape") if isinstance(data, str) else bytes(data)
    if len(raw) > MAX_MANIFEST_BYTES:
        raise ManifestError(f"more than {MAX_MANIFEST_BYTES} bytes, the most kata-oci reads", file=source)
    if _looks_like_json(raw):
        try:
            value = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            pass  # perhaps YAML flow style: the YAML parser decides and reports
        except RecursionError:
            raise ManifestError("invalid JSON: nested too deeply", file=source) from None
        else:
            return [Document(value, source, 0)]
    docs: list[Document] = []
    try:
        for i, value in enumerate(yaml.load_all(raw, Loader=_Loader)):
            if i >= MAX_DOCUMENTS:
                raise ManifestError(f"more than {MAX_DOCUMENTS} documents in one stream", file=source)
            if value is not None:
                docs.append(Document(value, source, i))
    except yaml.YAMLError as exc:
        line, column = _position(exc)
        raise ManifestError(_yaml_reason(exc), file=source, line=line, column=column) from None
    except RecursionError:
        raise ManifestError("invalid YAML: nested too deeply", file=source) from None
    return docs


def _read_stream(stream: BinaryIO) -> bytes:
    data = stream.read(MAX_MANIFEST_BYTES + 1)
    if len(data) > MAX_MANIFEST_BYTES:
        raise ManifestError(f"more than {MAX_MANIFEST_BYTES} bytes, the most kata-oci reads", file=STDIN)
    return data


def manifest_paths(path: str | os.PathLike[str], *, recursive: bool = False) -> list[Path]:
    """The manifest files a path names: itself, or a directory's ``*.yaml``/``*.yml``/``*.json``.

    Directory entries come in name order; hidden files are left out; with
    ``recursive``, subdirectories too (``kubectl apply -R``).
    """
    p = Path(path)
    if not p.is_dir():
        return [p]
    found: list[Path] = []
    try:
        entries = sorted(p.iterdir(), key=lambda e: e.name)
    except OSError as exc:
        raise ManifestError(f"cannot list directory: {exc.strerror or exc}", file=str(p)) from None
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            if recursive:
                found.extend(manifest_paths(entry, recursive=True))
        elif entry.suffix.lower() in MANIFEST_SUFFIXES:
            found.append(entry)
    return found


def _read_file(path: Path) -> bytes:
    try:
        return read_regular_file(path, MAX_MANIFEST_BYTES)
    except (OSError, ValueError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise ManifestError(f"cannot read: {reason}", file=str(path)) from None


def read_documents(
    paths: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    recursive: bool = False,
    stdin: BinaryIO | None = None,
) -> Iterator[Document]:
    """The documents of every manifest file ``paths`` name (``"-"``: standard input).

    A directory contributes its ``*.yaml``, ``*.yml`` and ``*.json`` files in
    name order (see :func:`manifest_paths`). Raises :class:`ManifestError` for
    the first file that cannot be read or parsed.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    for path in paths:
        if os.fspath(path) == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            yield from parse_documents(_read_stream(stream), source=STDIN)
            continue
        for file in manifest_paths(path, recursive=recursive):
            yield from parse_documents(_read_file(file), source=str(file))
