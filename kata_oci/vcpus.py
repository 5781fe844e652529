"""Kata's vCPU arithmetic in Go's ``float32``, with nothing imported but :mod:`math` and :mod:`struct`.

The numbers of :mod:`kata_oci.sizing` (``calculateVMResources``,
``utils.CalculateCPUsF``), kept apart so that the command's ``resolve`` fast
path (:mod:`kata_oci.cli.fastresolve`) computes sizing with the very same
code without importing msgspec.
"""

from __future__ import annotations

import math
import struct

__all__ = ["f32", "go_float32_value", "int_to_f32", "sizing_text", "vm_vcpus"]

_F32 = struct.Struct("<f")


def f32(x: float) -> float:
    """``float32(x)`` for a float64 ``x``: round to nearest, ties to even."""
    value: float = _F32.unpack(_F32.pack(x))[0]
    return value


def int_to_f32(n: int) -> float:
    """``float32(n)`` for a Go integer, rounded once (not through float64)."""
    m = abs(n)
    if m <= 1 << 24:
        return float(n)
    shift = m.bit_length() - 24
    q, r = divmod(m, 1 << shift)
    half = 1 << (shift - 1)
    if r > half or (r == half and q & 1):
        q += 1
    value = float(q << shift)  # at most 25 significant bits: exact
    return -value if n < 0 else value


def go_float32_value(x32: float) -> float:
    """The shortest decimal that reads back as the float32 ``x32``: what Go prints for it."""
    if x32 == 0:
        return 0.0
    for digits in range(1, 10):
        candidate = float(f"{x32:.{digits}g}")
        if f32(candidate) == x32:
            return candidate
    return x32  # pragma: no cover - 9 significant digits always round-trip a float32


def vm_vcpus(period: int, quota: int, shares: int = 0) -> float:
    """The vCPUs of ``calculate_vm_resources``: ``quota / period`` in float32, else from ``shares``.

    ``period`` and ``shares`` are unsigned in Go: a negative one counts as 0.
    """
    period = max(period, 0)
    shares = max(shares, 0)
    vcpus = 0.0
    if quota >= 0 and period != 0:
        vcpus = f32(int_to_f32(quota) / int_to_f32(period))
    if quota < 0 and vcpus == 0 and shares > 0:
        # kubelet's static CPU manager: quota unconstrained, CPUs given as shares.
        vcpus = f32(float(math.ceil(float(shares) / 1024.0)))
    return go_float32_value(vcpus)


def sizing_text(vcpus: float, memory_mb: int) -> str:
    """``0.5 vCPUs, 256 MiB``: how a sizing is shown (``str(Sizing)``)."""
    return f"{vcpus:g} vCPUs, {memory_mb} MiB"
