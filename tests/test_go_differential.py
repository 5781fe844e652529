"""Differential tests against Go itself, when a Go toolchain is installed (skipped otherwise).

tests/go_oracle/main.go runs the standard-library calls Kata 4.1 makes
(``strconv.ParseFloat(s, 32)`` for ``default_vcpus``; ``base64.NewDecoder``
+ ``gzip.NewReader`` + ``io.ReadAll`` for ``cc_init_data``;
``base64.StdEncoding.DecodeString`` for ``agent.policy``) on generated
inputs; kata-oci must give the same answer for each. Set ``KATA_OCI_GO`` to
the ``go`` binary, or have ``go`` on PATH (Debian's golang-1.19-go is found
too).
"""

from __future__ import annotations

import base64
import gzip
import math
import os
import random
import shutil
import struct
import subprocess
import zlib
from fractions import Fraction
from pathlib import Path

import pytest

from kata_oci import golang
from kata_oci.profiles.go import initdata

HERE = Path(__file__).parent


def _go() -> str | None:
    for candidate in (os.environ.get("KATA_OCI_GO"), shutil.which("go"), "/usr/lib/go-1.19/bin/go"):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture(scope="module")
def oracle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = _go()
    if go is None:
        pytest.skip("no Go toolchain (set KATA_OCI_GO to run the differential tests)")
    out = tmp_path_factory.mktemp("go") / "oracle"
    env = {
        **os.environ,
        "GOCACHE": str(out.parent / "cache"),
        "GO111MODULE": "off",
        "GOPATH": str(out.parent),
    }
    subprocess.run([go, "build", "-o", str(out), str(HERE / "go_oracle" / "main.go")], check=True, env=env)
    return out


def _ask(oracle: Path, mode: str, cases: list[str]) -> list[str]:
    data = "".join(c.encode("utf-8", "surrogateescape").hex() + "\n" for c in cases)
    done = subprocess.run([str(oracle), mode], input=data, capture_output=True, text=True, check=True)
    answers = done.stdout.splitlines()
    assert len(answers) == len(cases)
    return answers


def _float_cases(rng: random.Random) -> list[str]:
    pieces = ["0", "1", "5", "9", ".", "e", "E", "+", "-", "_", "x", "p", "a", "f", "inf", "nan", "Inf",
              "infinity", " ", "1e38", "3.4028235", "e-45", "0x1p", "1.5", "i", "n"]  # fmt: skip
    cases = {"".join(rng.choice(pieces) for _ in range(rng.randint(1, 6))) for _ in range(6000)}
    for _ in range(6000):
        d = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 30)))
        p = rng.randint(0, len(d))
        s = d[:p] + "." + d[p:] if rng.random() < 0.6 else d
        if rng.random() < 0.5:
            s += rng.choice("eE") + rng.choice(["", "+", "-"]) + str(rng.randint(0, 60))
        cases.add(s)
    for _ in range(2000):
        h = "".join(rng.choice("0123456789abcdef") for _ in range(rng.randint(1, 20)))
        cases.add("0x" + h + "p" + rng.choice(["", "-", "+"]) + str(rng.randint(0, 160)))
    for _ in range(2000):  # float32 halfway points, exactly, and just off them
        m, e = rng.randint(1 << 23, (1 << 24) - 1), rng.randint(-60, 100)
        v = Fraction(2 * m + 1) * Fraction(2) ** (e - 1)
        text = f"{float(v):.60f}".rstrip("0") if v.denominator > 1 else str(v.numerator)
        cases.update({text, text + "1", text[:-1]})
    return sorted(cases)


def test_parse_float_32_matches_go(oracle: Path) -> None:
    cases = _float_cases(random.Random(7))
    for case, go in zip(cases, _ask(oracle, "f32", cases), strict=True):
        try:
            value = golang.parse_float(case, 32)
            bits = struct.unpack("<I", struct.pack("<f", value))[0]
            mine = "NaN" if math.isnan(value) else f"{bits:08x}"
        except golang.NumError as exc:
            mine = "ERR " + exc.err
        assert mine == go, case


def _gzip_cases(rng: random.Random) -> list[str]:
    cases = []
    for _ in range(1500):
        doc = bytes(rng.randint(0, 255) for _ in range(rng.randint(0, 300)))
        g = gzip.compress(doc, mtime=0)
        r = rng.random()
        if r < 0.2:
            g += gzip.compress(b"second member", mtime=0)
        elif r < 0.3:
            g = g[: rng.randint(0, len(g))]
        elif r < 0.4:
            i = rng.randrange(len(g))
            g = g[:i] + bytes([g[i] ^ (1 << rng.randrange(8))]) + g[i + 1 :]
        elif r < 0.45:
            g += b"\0" * rng.randint(1, 12)
        elif r < 0.55:
            flags = rng.choice([8, 16, 4, 2, 8 | 16 | 2, 4 | 2])
            head = b"\x1f\x8b\x08" + bytes([flags]) + b"\0\0\0\0\0\xff"
            if flags & 4:
                head += struct.pack("<H", 3) + b"abc"
            if flags & 8:
                head += b"n" * rng.choice([1, 510, 511, 600]) + b"\0"
            if flags & 16:
                head += b"comment\0"
            if flags & 2:
                head += struct.pack("<H", zlib.crc32(head) & 0xFFFF if rng.random() < 0.7 else 1)
            co = zlib.compressobj(6, zlib.DEFLATED, -15)
            g = head + co.compress(doc) + co.flush() + struct.pack("<II", zlib.crc32(doc), len(doc))
        s = base64.b64encode(g).decode()
        r = rng.random()
        if r < 0.05:
            s = s.rstrip("=")
        elif r < 0.1:
            s = s[: len(s) // 2] + "\r\n" + s[len(s) // 2 :]
        elif r < 0.13:
            s += "!"
        elif r < 0.16:
            s += "AAAA"
        cases.append(s)
    return cases


def test_initdata_base64_gzip_matches_go(oracle: Path) -> None:
    cases = _gzip_cases(random.Random(3))
    for case, go in zip(cases, _ask(oracle, "gz", cases), strict=True):
        try:
            mine = initdata.gunzip(initdata.decode_base64(case)).hex()
        except initdata.InitdataError:
            mine = "ERR"
        assert mine == go, case[:80]


def test_policy_base64_matches_go(oracle: Path) -> None:
    rng = random.Random(5)
    cases = ["".join(rng.choice("AB+/=\n\r!a9") for _ in range(rng.randint(0, 12))) for _ in range(5000)]
    for case, go in zip(cases, _ask(oracle, "b64", cases), strict=True):
        try:
            mine = initdata.decode_base64(case).hex()
        except initdata.InitdataError:
            mine = "ERR"
        assert mine == go, repr(case)
