"""runtime-rs 4.1.0's container type and initial sandbox size.

Container type (kata-types ``k8s::container_type``): the first of CRI-O's
``io.kubernetes.cri-o.ContainerType``, containerd's ``io.kubernetes.cri.container-type``,
dockershim's ``io.kubernetes.docker.type`` whose value is a container type name
(``pod_container``/``container``, ``pod_sandbox``/``podsandbox``/``sandbox``,
``single_container``); a key with another value is skipped; without any,
``single_container``. The sandbox ID of a pod container comes from the same CRIs' keys, in
the same order (``container_type_with_id``).

Initial size (crates/resource/src/cpu_mem/initial_size.rs, ``InitialSize``): a pod sandbox
takes containerd's sandbox sizing annotations (``io.kubernetes.cri.sandbox-cpu-period``,
``-cpu-quota``, ``-memory``; unparsable values count as 0), any other container its
``linux.resources`` (CPU quota/period or cpuset, memory limit); missing values are then
filled from the annotations (``supplement_from_annotations``). vCPUs are ``quota / period``
(f64, then f32); memory is whole MiB, an odd count rounded up to even.
:func:`setup_config` applies it when ``static_sandbox_resource_mgmt`` is on.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kata_oci.errors import ConfigError
from kata_oci.rust import RustParseError, parse_i64, parse_u32, parse_u64, trim

from .types import TomlConfig

__all__ = [
    "CONTAINER_TYPE_KEYS",
    "InitialSize",
    "container_type",
    "container_type_with_id",
    "initial_size",
    "setup_config",
]

#: (container-type key, sandbox-ID key) per CRI, in runtime-rs's order: CRI-O first.
CONTAINER_TYPE_KEYS: tuple[tuple[str, str], ...] = (
    ("io.kubernetes.cri-o.ContainerType", "io.kubernetes.cri-o.SandboxID"),
    ("io.kubernetes.cri.container-type", "io.kubernetes.cri.sandbox-id"),
    ("io.kubernetes.docker.type", "io.kubernetes.sandbox.id"),
)
_TYPES = {
    "pod_container": "pod_container",
    "container": "pod_container",
    "pod_sandbox": "pod_sandbox",
    "podsandbox": "pod_sandbox",
    "sandbox": "pod_sandbox",
    "single_container": "single_container",
}
SANDBOX_CPU_QUOTA_KEY = "io.kubernetes.cri.sandbox-cpu-quota"
SANDBOX_CPU_PERIOD_KEY = "io.kubernetes.cri.sandbox-cpu-period"
SANDBOX_MEM_KEY = "io.kubernetes.cri.sandbox-memory"
_MIB = 1 << 20


def _f32(x: float) -> float:
    try:
        return float(struct.unpack("<f", struct.pack("<f", x))[0])
    except OverflowError:
        return math.copysign(math.inf, x)


def container_type(annotations: Mapping[str, str] | None) -> str:
    """``k8s::container_type``: ``"pod_sandbox"``, ``"pod_container"`` or ``"single_container"``."""
    for key, _ in CONTAINER_TYPE_KEYS:
        value = (annotations or {}).get(key)
        if value is not None and value in _TYPES:
            return _TYPES[value]
    return "single_container"


def container_type_with_id(annotations: Mapping[str, str] | None) -> tuple[str, str | None]:
    """``k8s::container_type_with_id``: the type, and the sandbox ID of a pod container."""
    kind = container_type(annotations)
    if kind == "pod_container":
        for _, id_key in CONTAINER_TYPE_KEYS:
            if id_key in (annotations or {}):
                return kind, (annotations or {})[id_key]
    return kind, None


@dataclass(frozen=True)
class InitialSize:
    """runtime-rs's ``InitialSize``: vCPUs (an f32) and memory in MiB (u32)."""

    vcpu: float = 0.0
    mem_mb: int = 0


def _convert_memory_to_mb(memory_in_byte: int) -> int:
    if memory_in_byte < 0:
        return 0
    mem = (memory_in_byte // _MIB) & 0xFFFF_FFFF  # i64 / MIB, then `as u32`
    return mem + 1 if mem % 2 else mem


def _value(annotations: Mapping[str, str], key: str, parse: Any) -> int:
    """``get_value::<T>(key).unwrap_or(Some(0)).unwrap_or(0)``: trimmed, 0 when absent or bad."""
    if key not in annotations:
        return 0
    try:
        return int(parse(trim(annotations[key])))
    except RustParseError:
        return 0


def _vcpus(period: int, quota: int, cpus: str = "", mems: str = "") -> float:
    """``LinuxContainerCpuResources::try_from`` then ``get_nr_vcpu``, as f32.

    An invalid ``cpus`` or ``mems`` list makes the conversion fail: no vCPUs.
    """
    n = _u32set_len(cpus)
    if n is None or _u32set_len(mems) is None:
        return 0.0
    if quota >= 0 and period > 0:
        return _f32(quota / period)
    return float(n) if n else 0.0


def _u32set_len(cpus: str) -> int | None:
    """``U32Set::from_str(cpus).len()``, None for an invalid list; ranges are not expanded."""
    if cpus == "":
        return 0
    ranges: list[tuple[int, int]] = []
    for part in cpus.split(","):
        try:
            if "-" not in part:
                if not part:
                    return None
                n = parse_u32(part)
                ranges.append((n, n))
            else:
                fields = part.split("-")
                if len(fields) != 2:
                    return None
                start, end = parse_u32(fields[0]), parse_u32(fields[1])
                if not start < end:
                    return None
                ranges.append((start, end))
        except RustParseError:
            return None
    total = 0
    last = -1
    for lo, hi in sorted(ranges):
        lo = max(lo, last + 1)
        if hi >= lo:
            total += hi - lo + 1
            last = hi
    return total


def _from_annotations(annotations: Mapping[str, str]) -> InitialSize:
    period = _value(annotations, SANDBOX_CPU_PERIOD_KEY, parse_u64)
    quota = _value(annotations, SANDBOX_CPU_QUOTA_KEY, parse_i64)
    memory = _value(annotations, SANDBOX_MEM_KEY, parse_i64)
    return InitialSize(_vcpus(period, quota), _convert_memory_to_mb(memory))


def initial_size(spec: Any) -> InitialSize:
    """``InitialSizeManager::new(spec)`` then ``supplement_from_annotations``.

    ``spec`` is a :class:`kata_oci.Spec` (or anything with ``annotations`` and ``linux``).
    """
    annotations = getattr(spec, "annotations", None) or {}
    if container_type(annotations) == "pod_sandbox":
        size = _from_annotations(annotations)
    else:
        vcpu, mem = 0.0, 0
        linux = getattr(spec, "linux", None)
        resources = getattr(linux, "resources", None) if linux is not None else None
        if resources is not None:
            cpu = getattr(resources, "cpu", None)
            if cpu is not None:
                period = getattr(cpu, "period", None) or 0
                quota = getattr(cpu, "quota", None)
                vcpu = _vcpus(
                    period,
                    -1 if quota is None else quota,
                    getattr(cpu, "cpus", None) or "",
                    getattr(cpu, "mems", None) or "",
                )
            memory = getattr(resources, "memory", None)
            limit = getattr(memory, "limit", None) if memory is not None else None
            mem = _convert_memory_to_mb(limit) if limit is not None else 0
        size = InitialSize(vcpu, mem)
    extra = _from_annotations(annotations)
    return InitialSize(size.vcpu or extra.vcpu, size.mem_mb or extra.mem_mb)


def setup_config(size: InitialSize, config: TomlConfig) -> int:
    """``InitialSizeManager::setup_config`` in place; returns the configured ``default_memory``.

    Raises:
        ConfigError: no table for the hypervisor in use, or a computed memory of 0 MiB.
    """
    name = config.runtime.hypervisor_name
    hv = config.hypervisor.get(name)
    if hv is None:
        raise ConfigError("failed to get hypervisor config", file=config.path)
    orig = hv.memory_info.default_memory
    if config.runtime.static_sandbox_resource_mgmt:
        c, m = hv.cpu_info, hv.memory_info
        if size.vcpu > 0.0 or size.mem_mb > 0:
            vcpus = _f32(c.overhead_vcpus + size.vcpu)
            c.default_vcpus = 1.0 if vcpus != vcpus else max(vcpus, 1.0)  # f32::max ignores NaN
            m.default_memory = (m.overhead_memory + size.mem_mb) & 0xFFFF_FFFF
            m.default_maxmemory = max(m.default_maxmemory, m.default_memory)
        # `f32::ceil() as u32`: NaN and negatives 0, saturating (inf too)
        v = c.default_vcpus
        c.default_maxvcpus = 0 if not v > 0 else 0xFFFF_FFFF if v >= 4294967295.0 else math.ceil(v)
    if hv.memory_info.default_memory == 0:
        raise ConfigError(
            f"computed sandbox memory is 0 MiB for hypervisor '{name}'; set a non-zero memory limit "
            "or configure non-zero default_memory/overhead_memory",
            file=config.path,
        )
    return orig
