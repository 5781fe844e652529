"""Confidential containers' initdata and agent policy, decoded as Kata 4.1 decodes them.

``io.katacontainers.config.hypervisor.cc_init_data`` carries the initdata of a
confidential pod: a TOML document (``version``, ``algorithm``, and ``data``,
a table of file names to file contents: the attestation agent's and CDH's
configuration, the agent policy, ...), gzip-compressed, then base64-encoded.
Kata 4.1 (``addHypervisorInitdataOverrides`` in ``pkg/oci/utils.go``) reads it
through ``base64.NewDecoder(StdEncoding)`` and ``gzip.NewReader``, decodes the
TOML into ``types.Initdata`` with BurntSushi/toml, and hashes the TOML bytes
with the named algorithm into ``HypervisorConfig.InitdataDigest``.
:func:`decode_initdata` takes the same steps and, where one fails, raises
:class:`InitdataError` naming the step.

``io.katacontainers.config.agent.policy`` is the agent's Rego policy,
base64-encoded (``base64.StdEncoding.DecodeString``): :func:`decode_base64`.

The contents of ``data`` are secrets (keys, tokens, certificates): nothing here
logs or shows them. :meth:`Initdata.summary` gives what a report may say: the
version, the algorithm, the digest, the sizes and the names of the files; the
annotation's own value (base64 of gzip, whose every prefix decompresses to the
start of the secrets) is shown as its length only.

Deliberate differences from Kata 4.1, each an error where Kata would go on:

* an ``algorithm`` other than ``sha256``, ``sha384`` or ``sha512`` (or none)
  makes Kata 4.1 panic (a nil ``hash.Hash``); kata-oci rejects it;
* a document larger than :data:`MAX_INITDATA_BYTES` once decompressed is
  rejected (Kata reads any size into memory);
* Kata's streaming base64 decoder accepts padding in the middle of the value
  when it falls on a 1024-character boundary; kata-oci requires it at the end.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
import zlib
from typing import Any

import msgspec

from kata_oci.errors import ConfigError, KataOCIError, cut
from kata_oci.files import parse_toml

__all__ = [
    "ALGORITHMS",
    "MAX_INITDATA_BYTES",
    "Initdata",
    "InitdataError",
    "InitdataSummary",
    "decode_base64",
    "decode_initdata",
    "gunzip",
]

#: The digest algorithms Kata 4.1 knows, and their hashlib names.
ALGORITHMS = {"sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
#: The largest decompressed initdata kata-oci reads (Kata has no limit).
MAX_INITDATA_BYTES = 8 * 1024 * 1024

_B64 = re.compile(r"[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
_B64_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


class InitdataError(KataOCIError):
    """Initdata or a policy that Kata 4.1 cannot read; ``step`` names where it failed.

    ``step`` is one of ``"base64"``, ``"gzip"``, ``"utf-8"``, ``"toml"``, ``"algorithm"``,
    ``"size"``; ``reason`` is the cause alone (never the contents).
    """

    def __init__(self, step: str, reason: str) -> None:
        self.step = step
        self.reason = reason
        super().__init__(f"{step}: {reason}")


class InitdataSummary(msgspec.Struct, frozen=True, kw_only=True):
    """What may be shown of an initdata document: no file contents."""

    version: str = ""
    algorithm: str = ""
    digest: str = ""  # hex
    size: int = 0  # bytes of TOML
    files: tuple[str, ...] = ()
    file_sizes: tuple[int, ...] = ()

    def __str__(self) -> str:
        files = ", ".join(f"{n} ({s} bytes)" for n, s in zip(self.files, self.file_sizes, strict=True))
        return (
            f"initdata version {self.version!r}, {self.algorithm} {self.digest[:16]}..., "
            f"{self.size} bytes, files: {files or 'none'}"
        )


class Initdata(msgspec.Struct, frozen=True, kw_only=True):
    """A decoded initdata annotation (Go's ``types.Initdata`` plus what Kata derives from it).

    ``text`` is the TOML document (``HypervisorConfig.Initdata``), ``digest``
    its hash under ``algorithm`` (``HypervisorConfig.InitdataDigest``);
    ``data`` maps file names to contents. ``repr`` hides the contents.
    """

    text: str
    version: str
    algorithm: str
    data: dict[str, str]
    digest: bytes

    def summary(self) -> InitdataSummary:
        names = tuple(sorted(self.data))
        return InitdataSummary(
            version=self.version,
            algorithm=self.algorithm,
            digest=self.digest.hex(),
            size=len(self.text.encode("utf-8", "surrogateescape")),
            files=names,
            file_sizes=tuple(len(self.data[n].encode("utf-8", "surrogateescape")) for n in names),
        )

    def __repr__(self) -> str:
        return f"Initdata({self.summary()})"


def decode_base64(value: str) -> bytes:
    """Go's ``base64.StdEncoding.DecodeString``: padded standard alphabet; ``\\r`` and ``\\n`` skipped.

    Raises :class:`InitdataError` (step ``base64``) with the offset of the
    first byte Go would refuse.
    """
    text = value.replace("\r", "").replace("\n", "") if ("\r" in value or "\n" in value) else value
    if len(text) % 4 or _B64.fullmatch(text) is None:
        at = next((i for i, c in enumerate(text) if c not in _B64_CHARS), len(text))
        if at == len(text):
            reason = f"the length ({len(text)} characters without line breaks) is not a multiple of 4"
        elif text[at] == "=":
            reason = f"misplaced padding or data after padding at byte {at}"
        else:
            reason = f"illegal base64 data at input byte {at} (not in the standard alphabet)"
        raise InitdataError("base64", reason)
    try:
        return base64.b64decode(text)
    except binascii.Error as exc:  # pragma: no cover - the pattern admits only valid input
        raise InitdataError("base64", str(exc)) from None


_FTEXT, _FHCRC, _FEXTRA, _FNAME, _FCOMMENT = 1, 2, 4, 8, 16


def _header(data: bytes, pos: int) -> int:
    """Parse one gzip member header at ``pos`` as Go's ``gzip.Reader.readHeader``; the offset after it."""
    start = pos
    if len(data) - pos < 10:
        raise InitdataError("gzip", "unexpected EOF in the gzip header")
    if data[pos] != 0x1F or data[pos + 1] != 0x8B or data[pos + 2] != 8:
        raise InitdataError("gzip", "invalid header (not gzip data)")
    flags = data[pos + 3]
    pos += 10
    if flags & _FEXTRA:
        if len(data) - pos < 2:
            raise InitdataError("gzip", "unexpected EOF in the gzip header")
        (n,) = struct.unpack_from("<H", data, pos)
        pos += 2 + n
        if pos > len(data):
            raise InitdataError("gzip", "unexpected EOF in the gzip header")
    for flag in (_FNAME, _FCOMMENT):
        if flags & flag:
            nul = data.find(b"\0", pos, pos + 512)
            if nul < 0:
                # Go reads the name and comment into a 512-byte buffer.
                reason = "unexpected EOF in the gzip header" if len(data) - pos < 512 else "header too long"
                raise InitdataError("gzip", reason)
            pos = nul + 1
    if flags & _FHCRC:
        if len(data) - pos < 2:
            raise InitdataError("gzip", "unexpected EOF in the gzip header")
        (crc16,) = struct.unpack_from("<H", data, pos)
        if crc16 != zlib.crc32(data[start:pos]) & 0xFFFF:
            raise InitdataError("gzip", "invalid header (header checksum mismatch)")
        pos += 2
    return pos


def gunzip(data: bytes, limit: int = MAX_INITDATA_BYTES) -> bytes:
    """Go's ``io.ReadAll(gzip.NewReader(...))``: every member (multistream), checksums verified.

    Raises :class:`InitdataError` (step ``gzip``, or ``size`` past ``limit`` bytes).
    """
    if not data:
        raise InitdataError("gzip", "EOF: no gzip data")
    out: list[bytes] = []
    total = 0
    pos = 0
    while True:
        pos = _header(data, pos)
        inflater = zlib.decompressobj(-15)
        crc = 0
        size = 0
        chunk_at = pos
        while not inflater.eof:
            if chunk_at >= len(data) and not inflater.unconsumed_tail:
                raise InitdataError("gzip", "unexpected EOF in the compressed data")
            feed = inflater.unconsumed_tail or data[chunk_at : chunk_at + 65536]
            if not inflater.unconsumed_tail:
                chunk_at += len(feed)
            try:
                piece = inflater.decompress(feed, limit - total + 1)
            except zlib.error as exc:
                raise InitdataError("gzip", f"corrupt deflate data ({exc})") from None
            total += len(piece)
            if total > limit:
                raise InitdataError("size", f"more than {limit} bytes once decompressed")
            crc = zlib.crc32(piece, crc)
            size += len(piece)
            out.append(piece)
        pos = chunk_at - len(inflater.unused_data)
        if len(data) - pos < 8:
            raise InitdataError("gzip", "unexpected EOF in the gzip trailer")
        want_crc, want_size = struct.unpack_from("<II", data, pos)
        if want_crc != crc or want_size != size & 0xFFFFFFFF:
            raise InitdataError("gzip", "invalid checksum")
        pos += 8
        if pos == len(data):
            return b"".join(out)


def _field(doc: dict[str, Any], name: str) -> Any:
    """BurntSushi/toml's field matching: the exact key, else one equal ignoring case."""
    if name in doc:
        return doc[name]
    for key, value in doc.items():
        if key.lower() == name:
            return value
    return None


def _parse_toml(text: str) -> dict[str, Any]:
    """The TOML as BurntSushi/toml v1.6.0 reads it: a UTF-8 BOM skipped, TOML 1.1 accepted.

    Pod authors write it: the bounded reader of every TOML
    (:func:`kata_oci.files.parse_toml`), with the go loader's rewriting of
    the TOML 1.1 forms (:mod:`kata_oci.profiles.go.toml11`) when it refuses.
    """
    from .toml11 import toml11_to_10

    text = text[1:] if text.startswith("\ufeff") else text
    try:
        return parse_toml(text, file="initdata", what="initdata document")
    except ConfigError as exc:
        first = exc
    if first.reason.startswith("invalid TOML") and (rewritten := toml11_to_10(text)) != text:
        try:
            return parse_toml(rewritten, file="initdata", what="initdata document")
        except ConfigError as exc:
            first = exc  # what is wrong once the 1.1 forms are accepted
    where = f" (line {first.line}, column {first.column})" if first.line and first.column else ""
    raise InitdataError("toml", cut(first.reason, 500) + where)


def decode_initdata(value: str, limit: int = MAX_INITDATA_BYTES) -> Initdata:
    """Decode a ``cc_init_data`` annotation: base64, gzip, UTF-8 TOML, then the digest.

    Raises :class:`InitdataError` naming the failing step.
    """
    raw = gunzip(decode_base64(value), limit)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InitdataError("utf-8", f"the TOML document is not valid UTF-8 (byte {exc.start})") from None
    doc = _parse_toml(text)
    version = _field(doc, "version")
    algorithm = _field(doc, "algorithm")
    data = _field(doc, "data")
    for key, got in doc.items():  # every key matching a field is decoded into it, any case
        name = key.lower()
        if name in ("version", "algorithm") and not isinstance(got, str):
            raise InitdataError("toml", f"{name} must be a string, not {type(got).__name__}")
        if name != "data":
            continue
        if not isinstance(got, dict):
            raise InitdataError("toml", f"data must be a table, not {type(got).__name__}")
        for name, content in got.items():
            if not isinstance(content, str):
                raise InitdataError(
                    "toml",
                    f"data.{cut(name)!r} must be a string (the file's contents), "
                    f"not {type(content).__name__}",
                )
    algo = algorithm or ""
    if algo not in ALGORITHMS:
        raise InitdataError(
            "algorithm",
            f"unknown digest algorithm {cut(algo)!r} "
            "(Kata 4.1 knows sha256, sha384, sha512, and panics on any other)",
        )
    digest = hashlib.new(ALGORITHMS[algo], raw).digest()
    return Initdata(text=text, version=version or "", algorithm=algo, data=dict(data or {}), digest=digest)
