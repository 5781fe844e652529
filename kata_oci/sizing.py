"""Sandbox and container sizing: how many vCPUs and MiB a workload asks for.

Kata 2.x (``src/runtime/pkg/oci/utils.go``) sizes a VM at creation when
``static_sandbox_resource_mgmt`` is on: the pod sandbox from the resources its
CRI writes into the sandbox's annotations (``CalculateSandboxSizing``), any
other container from its own ``linux.resources`` (``CalculateContainerSizing``).
kata-oci computes the same numbers; which annotations hold a pod's resources
is each CRI plugin's business (a :class:`~kata_oci.SizingKeys` table, or the
``kata_oci_sandbox_sizing`` hook for CRIs such as CRI-O that write JSON).

The arithmetic, exactly Kata 2.x's (``calculateVMResources``,
``utils.CalculateCPUsF``):

* vCPUs = ``float32(quota) / float32(period)`` when ``quota >= 0`` and
  ``period != 0``, else 0: a CFS quota of 0 with a period of 0 (CFS quotas
  disabled on the node, kata-containers#11312) gives 0 vCPUs, never a division
  by zero. The value stays fractional (``0.5``); Kata rounds it up only when it
  boots the VM (:attr:`Sizing.whole_vcpus`, Go's ``RoundUpNumVCPUs``).
* Sandbox sizing only: when the quota is negative (unconstrained, as kubelet's
  static CPU manager sets it) and no vCPUs came from it, ``ceil(shares /
  1024)`` vCPUs. A quota of 0 or absent (a BestEffort pod, whose shares are
  the cgroup floor of 2) gives 0, whatever the shares, as Kata does since
  kata-containers#13140. Container sizing never uses shares.
* Memory: bytes // MiB; a negative limit (unconstrained) counts as 0.

Two deliberate differences from Go, both on input no engine writes: a memory
size beyond 4294967295 MiB saturates there with a warning (Go's ``uint32()``
would wrap it around to a small number), and a negative ``cpu_period`` or
``cpu_shares`` handed to :func:`calculate_vm_resources` counts as 0 (Go's
types are unsigned; its parser would have refused the value).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import msgspec

from . import golang
from .errors import cut
from .log import log
from .vcpus import f32 as _f32, sizing_text, vm_vcpus

if TYPE_CHECKING:
    from .cri import SizingKeys
    from .engine import Engine
    from .spec import Spec

__all__ = [
    "MAX_MEMORY_MB",
    "Sizing",
    "calculate_container_sizing",
    "calculate_sandbox_sizing",
    "calculate_vm_resources",
    "parse_go_int",
    "sizing_from_keys",
]

#: The largest memory size Kata can hold (its ``uint32`` MiB fields).
MAX_MEMORY_MB = 0xFFFF_FFFF
_MIB = 1024 * 1024


class Sizing(msgspec.Struct, frozen=True):
    """The resources a workload asks for: what Kata adds to the VM's defaults.

    ``vcpus``
        CPUs as a fraction (``quota / period``), computed in ``float32`` as
        Go does and given as Go prints that ``float32``: ``2.2``, not
        ``2.200000047683716``. :attr:`whole_vcpus` rounds it up.
    ``memory_mb``
        Memory in MiB (Kata's ``MemSizeMB``, which counts 1024 * 1024 bytes).
    ``overhead``
        Sandbox sizing only, and only from a CRI that reports it (CRI-O's
        ``pod-linux-overhead.crio.io``): the pod overhead of its RuntimeClass,
        reported beside the pod's resources, not added to them (Kata does not
        size the VM from it; the overhead is charged to the pod's cgroup).
        ``None`` otherwise.
    """

    vcpus: float = 0.0
    memory_mb: int = 0
    overhead: Sizing | None = None

    @property
    def whole_vcpus(self) -> int:
        """The vCPUs rounded up to a whole number (Go's ``RoundUpNumVCPUs``).

        Rounds the ``float32`` that :attr:`vcpus` stands for, as Go does (the
        two differ beyond 2**24 vCPUs, where Go's ``uint32`` would also wrap).
        """
        return math.ceil(_f32(self.vcpus))

    def __str__(self) -> str:
        text = sizing_text(self.vcpus, self.memory_mb)
        if self.overhead is not None:
            text += f" (+ overhead {self.overhead.vcpus:g} vCPUs, {self.overhead.memory_mb} MiB)"
        return text


# -- Go's numbers -------------------------------------------------------------------


def parse_go_int(value: str, *, signed: bool) -> int:
    """``strconv.ParseInt(value, 10, 64)`` (``signed``) or ``strconv.ParseUint(value, 10, 64)``.

    Raises :class:`kata_oci.golang.NumError` with Go's message when Go would
    fail: an empty string, anything but ASCII digits after an optional sign
    (signed only), or a value out of the 64-bit range.
    """
    if not signed:
        return golang.parse_uint(value, 64)
    digits, negative = value, False
    if value[:1] in ("+", "-"):
        digits, negative = value[1:], value[0] == "-"
    try:
        magnitude = golang.parse_uint(digits, 64)
    except golang.NumError as exc:
        if exc.err != golang.ERR_RANGE:
            raise golang.NumError("ParseInt", value, exc.err) from None
        magnitude = 1 << 64
    if magnitude > (1 << 63) - (0 if negative else 1):
        raise golang.NumError("ParseInt", value, golang.ERR_RANGE)
    return -magnitude if negative else magnitude


# -- the arithmetic -------------------------------------------------------------------


def calculate_vm_resources(period: int, quota: int, memory: int, *, shares: int = 0) -> Sizing:
    """Kata 2.x's sizing arithmetic on CFS ``period`` and ``quota`` (µs), ``memory`` bytes, ``shares``.

    ``calculateVMResources`` plus ``CalculateSandboxSizing``'s fallback to
    ``shares`` when ``quota`` is negative (pass ``shares=0``, the default, for
    Kata's container sizing, which has no such fallback). ``period`` and
    ``shares`` are unsigned in Go: a negative one counts as 0. For CRI plugins
    that read resources in their own format; the result has no overhead.
    """
    return Sizing(vcpus=vm_vcpus(period, quota, shares), memory_mb=_memory_mb(memory))


def _memory_mb(memory: int) -> int:
    if memory < 0:
        # Kata: "memory limit provided < 0, treating as 0 MB for VM sizing".
        log.info("sizing_negative_memory", memory=memory, reason="unconstrained: counts as 0 MiB")
        return 0
    mb = memory // _MIB
    if mb > MAX_MEMORY_MB:
        log.warning(
            "sizing_memory_too_large",
            memory=memory,
            memory_mb=mb,
            reason=f"more than {MAX_MEMORY_MB} MiB: saturated (Go's uint32 would wrap around)",
        )
        return MAX_MEMORY_MB
    return mb


# -- sandbox sizing from a key table ------------------------------------------------------------


def _read(annotations: Mapping[str, str], key: str, *, signed: bool, cri: str) -> int:
    value = annotations.get(key) if key else None
    if value is None:
        return 0
    try:
        return parse_go_int(value, signed=signed)
    except golang.NumError as exc:
        log.warning(
            "sandbox_sizing_value_invalid",
            key=key,
            value=cut(value),
            cri=cri,
            reason=cut(exc, 300),
            consequence="counts as 0",
        )
        return 0


def sizing_from_keys(annotations: Mapping[str, str], keys: SizingKeys, *, cri: str = "") -> Sizing | None:
    """Sandbox sizing read from the annotations a :class:`~kata_oci.SizingKeys` names.

    ``None`` when none of the keys is present (the annotations are not this
    CRI's). Otherwise Kata 2.x's ``CalculateSandboxSizing``: a missing key
    counts as 0, and so does a value that does not parse, with a
    ``sandbox_sizing_value_invalid`` warning naming the key (``cri`` names the
    CRI in it).
    """
    if not any(key in annotations for _field, key in keys.pairs()):
        return None
    return calculate_vm_resources(
        _read(annotations, keys.cpu_period, signed=False, cri=cri),
        _read(annotations, keys.cpu_quota, signed=True, cri=cri),
        _read(annotations, keys.memory, signed=True, cri=cri),
        shares=_read(annotations, keys.cpu_shares, signed=False, cri=cri),
    )


# -- the public functions -----------------------------------------------------------------------


def calculate_container_sizing(spec: Spec | None) -> Sizing:
    """The resources of a container from its ``linux.resources`` (Go's ``CalculateContainerSizing``).

    vCPUs from ``cpu.quota / cpu.period`` (both must be set), memory from
    ``memory.limit``; anything missing counts as 0, and ``cpu.shares`` is not
    used. No plugin is involved. Kata uses this for every container that is
    not a pod sandbox (in Kata 2.x, notably a single container started
    without a CRI).
    """
    linux = spec.linux if spec is not None else None
    resources = linux.resources if linux is not None else None
    if resources is None:
        return Sizing()
    period = quota = memory = 0
    cpu = resources.cpu
    if cpu is not None and cpu.quota is not None and cpu.period is not None:
        quota, period = cpu.quota, cpu.period
    if resources.memory is not None and resources.memory.limit is not None:
        memory = resources.memory.limit
    return calculate_vm_resources(period, quota, memory)


def calculate_sandbox_sizing(
    spec: Spec | Mapping[str, str] | None, *, engine: Engine, strict: bool | None = None
) -> Sizing:
    """The resources of a pod sandbox from its CRI's annotations (Go's ``CalculateSandboxSizing``).

    Asks ``engine``'s CRI plugins in order (:func:`kata_oci.calculate_sandbox_sizing`
    passes the default engine's); the first that recognises
    its sizing annotations answers (containerd: ``io.kubernetes.cri.sandbox-*``;
    CRI-O: ``pod-linux-resources.crio.io``, with the pod overhead in
    :attr:`Sizing.overhead`). No answer gives ``Sizing()`` (0 vCPUs, 0 MiB), as
    Kata does for a spec without sizing annotations. When two CRIs' annotations
    disagree, the first wins with a ``cri_conflict`` warning, or, with
    ``strict``, :class:`kata_oci.CRIConflictError` is raised.
    """
    return engine.sandbox_sizing(spec, strict=strict)
