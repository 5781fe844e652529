"""Kata 4.1's sizing: ``CalculateSandboxSizing`` and ``CalculateContainerSizing`` (``pkg/oci``).

Kata 4.1 sizes a VM from the same arithmetic :mod:`kata_oci.sizing`
implements (``calculateVMResources``, ``utils.CalculateCPUsF``: vCPUs =
``float32(quota) / float32(period)`` when ``quota >= 0`` and ``period != 0``;
MiB = bytes // MiB, a negative limit counting as 0), including the fallback of
kata-containers#13140 that 4.1 has: a sandbox whose quota is negative takes
``ceil(shares / 1024)`` vCPUs. It reads containerd's keys
(``io.kubernetes.cri.sandbox-cpu-period``, ``-cpu-quota``, ``-cpu-shares``,
``-memory``) and no other CRI's, whichever CRI wrote the spec (CRI-O's
``pod-linux-resources.crio.io`` sizes nothing in Kata 4.1); a value that does
not parse counts as 0 with a warning, as in Kata.

The shim (``containerd-shim-v2/create.go``) stores the result in
``RuntimeConfig.sandbox_cpus``/``sandbox_mem_mb`` before building the sandbox:
the pod sandbox's from :func:`calculate_sandbox_sizing`, any other
container's (a single container above all) from
:func:`calculate_container_sizing`. :func:`sized_runtime_config` does the same.
"""

from __future__ import annotations

from collections.abc import Mapping

import msgspec

from kata_oci.cri import SizingKeys
from kata_oci.sizing import Sizing, calculate_container_sizing, sizing_from_keys
from kata_oci.spec import Spec

from .types import RuntimeConfig, float32

#: ``ctrAnnotations.SandboxCPUPeriod``, ``SandboxCPUQuota``, ``SandboxCPUShares``, ``SandboxMem``.
SANDBOX_SIZING_KEYS = SizingKeys(
    cpu_period="io.kubernetes.cri.sandbox-cpu-period",
    cpu_quota="io.kubernetes.cri.sandbox-cpu-quota",
    cpu_shares="io.kubernetes.cri.sandbox-cpu-shares",
    memory="io.kubernetes.cri.sandbox-memory",
)


def calculate_sandbox_sizing(spec: Spec | Mapping[str, str] | None) -> Sizing:
    """Kata 4.1's ``CalculateSandboxSizing``: containerd's sandbox keys, 0 for each one absent."""
    annotations = spec.annotations if isinstance(spec, Spec) else spec
    if not annotations:
        return Sizing()
    return sizing_from_keys(annotations, SANDBOX_SIZING_KEYS, cri="containerd") or Sizing()


__all__ = [
    "SANDBOX_SIZING_KEYS",
    "Sizing",
    "calculate_container_sizing",
    "calculate_sandbox_sizing",
    "sized_runtime_config",
]


def sized_runtime_config(spec: Spec, runtime_config: RuntimeConfig, *, pod_sandbox: bool) -> RuntimeConfig:
    """``runtime_config`` with the workload's size, as Kata 4.1's shim sets it before ``SandboxConfig``.

    ``pod_sandbox``: the spec is a pod's sandbox container (its CRI's sizing
    annotations count), else a single container (its ``linux.resources``).
    """
    sizing = calculate_sandbox_sizing(spec) if pod_sandbox else calculate_container_sizing(spec)
    return msgspec.structs.replace(
        runtime_config, sandbox_cpus=float32(sizing.vcpus), sandbox_mem_mb=sizing.memory_mb
    )
