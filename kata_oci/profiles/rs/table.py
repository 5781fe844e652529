"""runtime-rs 4.1.0's annotation table: every key of kata-types' ``update_config_by_annotation``.

One row per key. ``kind`` says how :mod:`.annotate` reads the value (Rust's rules, from
:mod:`kata_oci.rust`); ``field`` is the field it changes, a dotted path from the hypervisor
table in use (``hv.``), the agent table in use (``agent.``) or ``runtime.``. Hypervisor keys
are gated by that table's ``enable_annotations`` (a ``RegexSet`` on the key without
``io.katacontainers.config.hypervisor.``); agent and runtime keys never are.

Source: src/libs/kata-types/src/annotations/mod.rs at kata-containers 7c6ba40 (the match arms
of ``update_config_by_annotation``; the ``*_hash`` and ``asset_hash_type`` constants are
declared there but have no arm: an enabled one fails with "Invalid annotation type").
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "BY_KEY",
    "DECLARATIONS",
    "HYPERVISOR_PREFIX",
    "REMOVED_KEYS",
    "RsDeclaration",
    "RsKind",
]

CONFIG_PREFIX = "io.katacontainers.config."
HYPERVISOR_PREFIX = CONFIG_PREFIX + "hypervisor."
AGENT_PREFIX = CONFIG_PREFIX + "agent."
RUNTIME_PREFIX = CONFIG_PREFIX + "runtime."


class RsKind(enum.StrEnum):
    """How a value is read and what it does."""

    BOOL = "bool"  # trimmed, then str::parse::<bool>: "true" or "false" only
    U32 = "u32"  # trimmed, then str::parse::<u32>
    U64 = "u64"  # trimmed, then str::parse::<u64>
    USIZE = "usize"  # trimmed, then str::parse::<usize> (64-bit)
    F32 = "f32"  # trimmed, then str::parse::<f32>; at most the hypervisor's max vCPUs
    MEMORY = "memory"  # byte-unit size ("2 GiB"; bare number = MiB); unparsable: ignored
    STRING = "string"  # the raw value (not trimmed)
    TRIMMED = "trimmed_string"  # the trimmed value
    GLOB_PATH = "glob_path"  # the raw value, if a glob of the allow-list matches it (no disk check)
    HOST_PATH = "host_path"  # the raw value; runtime-rs requires it to exist (canonicalize)
    KERNEL_PARAMS = "kernel_params"  # replace same-key parameters, append the others
    VERITY = "verity_params"  # dm-verity parameters, checked then set
    HUGEPAGE = "hugepage_type"  # "hugetlbfs" or "thp"
    APPEND = "append"  # split on a separator, every part appended (empty parts too)
    INITDATA = "initdata"  # base64, then gzip, then UTF-8 text (runtime-rs panics on failure)
    TIMEOUT_SECS = "timeout_secs"  # u32 seconds, stored as milliseconds
    RUNTIME_NAME = "runtime_name"  # one of virt-container, linux-container, wasm-container
    SHARED_MOUNTS = "shared_mounts"  # JSON list of SharedMount (replaces)
    SWITCH = "switch"  # chooses another [hypervisor.*]/[agent.*] table, if it exists
    REFUSED = "refused"  # never honoured from annotations (runtime-rs warns)
    INVALID = "invalid"  # declared but unhandled: "Invalid annotation type" when enabled


#: The three names runtime-rs accepts for ``runtime.name`` from an annotation (with hyphens,
#: although its own default is ``virt_container``).
RUNTIME_NAMES = ("virt-container", "linux-container", "wasm-container")

MAX_PCIE_ROOT_PORT = 16
MAX_PCIE_SWITCH_PORT = 16


@dataclass(frozen=True, slots=True)
class RsDeclaration:
    """One annotation key runtime-rs knows.

    ``field``: dotted field from the table in use (``hv.cpu_info.default_vcpus``,
    ``agent.kernel_modules``, ``runtime.experimental``); ``allow_list``: the hypervisor field
    holding the globs a ``GLOB_PATH`` must match; ``maximum``: an upper bound with runtime-rs's
    message;
    ``separator`` for ``APPEND``; ``sector`` for the block sector sizes.
    """

    key: str
    kind: RsKind
    field: str | None
    description: str
    allow_list: str | None = None
    maximum: int | None = None
    maximum_message: str = ""
    separator: str = ""
    sector: bool = False

    @property
    def gated(self) -> bool:
        """Whether ``enable_annotations`` must allow it (every hypervisor key)."""
        return self.key.startswith(HYPERVISOR_PREFIX)

    @property
    def name(self) -> str:
        """The key without ``io.katacontainers.config.<section>.``."""
        for prefix in (HYPERVISOR_PREFIX, AGENT_PREFIX, RUNTIME_PREFIX):
            if self.key.startswith(prefix):
                return self.key[len(prefix) :]
        return self.key

    @property
    def unsafe(self) -> bool:
        """Whether it names a host path or program (potentially unsafe unless allow-listed)."""
        return self.kind in (RsKind.GLOB_PATH, RsKind.HOST_PATH) or self.name == "prefetch_files.list"

    @property
    def target(self) -> str | None:
        """The field it sets, as runtime-rs names it (``hypervisor.<name>.cpu_info.default_vcpus``)."""
        return _rust_target(self.field)

    def checks(self) -> list[str]:
        """The checks a value must pass, in words."""
        out = []
        if self.gated:
            out.append("key enabled by enable_annotations (else runtime-rs only warns)")
        k = self.kind
        if k in (RsKind.BOOL, RsKind.U32, RsKind.U64, RsKind.USIZE, RsKind.F32):
            out.append(f"trimmed, then Rust str::parse::<{k.value}>")
        if k is RsKind.BOOL:
            out.append('exactly "true" or "false"')
        if k is RsKind.F32:
            out.append("at most the hypervisor's maximum vCPUs")
        if k is RsKind.MEMORY:
            out.append("byte-unit size (bare number = MiB), at least the hypervisor's minimum memory")
            out.append("an unparsable value is ignored (logged)")
        if self.maximum is not None:
            out.append(f"at most {self.maximum}")
        if self.sector:
            out.append("0 or a power of 2 in 512..65536; logical <= physical")
        if self.allow_list:
            out.append(f"matched by a glob of {self.allow_list} (glob::Pattern, * crosses /)")
        if k is RsKind.HOST_PATH:
            out.append("must exist on the host (canonicalize)")
        if k is RsKind.APPEND:
            out.append(f"split on {self.separator!r}, appended")
        if k is RsKind.HUGEPAGE:
            out.append("hugetlbfs or thp")
        if k is RsKind.RUNTIME_NAME:
            out.append("one of " + ", ".join(RUNTIME_NAMES))
        if k is RsKind.INITDATA:
            out.append("base64 of gzip of UTF-8 text")
        if k is RsKind.SHARED_MOUNTS:
            out.append("JSON list of {name, src_ctr, src_path, dst_ctr, dst_path}")
        if k is RsKind.SWITCH:
            out.append("names an existing table (else ignored); not gated")
        if k is RsKind.REFUSED:
            out.append("never honoured from a pod annotation")
        if k is RsKind.INVALID:
            out.append('"Invalid annotation type" when enabled')
        return out


@functools.lru_cache(maxsize=256)
def _rust_target(field: str | None) -> str | None:
    if field is None:
        return None
    head, _, rest = field.partition(".")
    return {"hv": "hypervisor.<name>.", "agent": "agent.<name>.", "runtime": "runtime."}[head] + rest


def _hv(key: str, kind: RsKind, target: str | None, description: str, **kw: Any) -> RsDeclaration:
    return RsDeclaration(
        HYPERVISOR_PREFIX + key, kind, None if target is None else "hv." + target, description, **kw
    )


def _ag(key: str, kind: RsKind, target: str, description: str, **kw: Any) -> RsDeclaration:
    return RsDeclaration(AGENT_PREFIX + key, kind, "agent." + target, description, **kw)


def _rt(key: str, kind: RsKind, target: str | None, description: str, **kw: Any) -> RsDeclaration:
    return RsDeclaration(RUNTIME_PREFIX + key, kind, target, description, **kw)


_B, _U32, _U64, _S = RsKind.BOOL, RsKind.U32, RsKind.U64, RsKind.STRING

# fmt: off
DECLARATIONS: tuple[RsDeclaration, ...] = (
    # hypervisor binaries
    _hv("path", RsKind.GLOB_PATH, "path", "hypervisor binary", allow_list="valid_hypervisor_paths"),
    _hv("jailer_path", RsKind.GLOB_PATH, "jailer_path", "jailer binary", allow_list="valid_jailer_paths"),
    _hv("enable_iothreads", _B, "enable_iothreads", "I/O in a separate thread"),
    _hv("indep_iothreads", _U32, "indep_iothreads", "independent I/O threads for virtio-blk-pci"),
    # block devices
    _hv("block_device_driver", _S, "blockdev_info.block_device_driver", "block device driver"),
    _hv("disable_block_device_use", _B, "blockdev_info.disable_block_device_use", "no block device rootfs"),
    _hv("block_device_cache_set", _B, "blockdev_info.block_device_cache_set", "set block cache options"),
    _hv("block_device_cache_direct", _B, "blockdev_info.block_device_cache_direct", "O_DIRECT block I/O"),
    _hv("block_device_cache_noflush", _B, "blockdev_info.block_device_cache_noflush", "ignore flushes"),
    _hv("disable_image_nvdimm", _B, "blockdev_info.disable_image_nvdimm", "no nvdimm for the image"),
    _hv("memory_offset", _U64, "blockdev_info.memory_offset", "nvdimm memory space (MiB)"),
    _hv("enable_vhost_user_store", _B, "blockdev_info.enable_vhost_user_store", "vhost-user storage"),
    _hv("vhost_user_store_path", RsKind.GLOB_PATH, "blockdev_info.vhost_user_store_path",
        "vhost-user storage directory", allow_list="blockdev_info.valid_vhost_user_store_paths"),
    _hv("blk_logical_sector_size", _U32, "blockdev_info.block_device_logical_sector_size",
        "logical sector size reported to the guest", sector=True),
    _hv("blk_physical_sector_size", _U32, "blockdev_info.block_device_physical_sector_size",
        "physical sector size reported to the guest", sector=True),
    _hv("block_device_num_queues", RsKind.USIZE, "blockdev_info.num_queues", "block device queues"),
    _hv("block_device_queue_size", _U32, "blockdev_info.queue_size", "block device queue size"),
    # guest boot
    _hv("kernel", RsKind.HOST_PATH, "boot_info.kernel", "guest kernel image"),
    _hv("kernel_params", RsKind.KERNEL_PARAMS, "boot_info.kernel_params", "guest kernel parameters"),
    _hv("kernel_verity_params", RsKind.VERITY, "boot_info.kernel_verity_params", "guest dm-verity"),
    _hv("image", RsKind.HOST_PATH, "boot_info.image", "guest image"),
    _hv("initrd", RsKind.HOST_PATH, "boot_info.initrd", "guest initrd"),
    _hv("firmware", RsKind.HOST_PATH, "boot_info.firmware", "guest firmware"),
    # CPU
    _hv("cpu_features", _S, "cpu_info.cpu_features", "CPU features"),
    _hv("default_vcpus", RsKind.F32, "cpu_info.default_vcpus", "vCPUs at boot"),
    _hv("default_max_vcpus", _U32, "cpu_info.default_maxvcpus", "maximum vCPUs"),
    # devices
    _hv("pcie_root_port", _U32, "device_info.pcie_root_port", "PCIe root ports",
        maximum=MAX_PCIE_ROOT_PORT,
        maximum_message=f"root ports allocated exceeds the max {MAX_PCIE_ROOT_PORT}"),
    _hv("pcie_switch_port", _U32, "device_info.pcie_switch_port", "PCIe switch ports",
        maximum=MAX_PCIE_SWITCH_PORT,
        maximum_message=f"switch ports allocated exceeds the max {MAX_PCIE_SWITCH_PORT}"),
    _hv("enable_iommu", _B, "device_info.enable_iommu", "vIOMMU device"),
    _hv("enable_iommu_platform", _B, "device_info.enable_iommu_platform", "iommu_platform=on for devices"),
    # machine
    _hv("machine_type", _S, "machine_info.machine_type", "machine type"),
    _hv("machine_accelerators", _S, "machine_info.machine_accelerators", "machine accelerators"),
    _hv("entropy_source", RsKind.GLOB_PATH, "machine_info.entropy_source", "host entropy source",
        allow_list="machine_info.valid_entropy_sources"),
    _hv("prefetch_files.list", _S, "prefetch_list_path", "host path of the image's prefetch list"),
    # memory
    _hv("default_memory", RsKind.MEMORY, "memory_info.default_memory", "memory at boot (MiB)"),
    _hv("memory_slots", _U32, "memory_info.memory_slots", "memory hot-plug slots"),
    _hv("enable_mem_prealloc", _B, "memory_info.enable_mem_prealloc", "pre-allocate memory"),
    _hv("enable_hugepages", _B, "memory_info.enable_hugepages", "huge pages"),
    _hv("hugepage_type", RsKind.HUGEPAGE, "memory_info.hugepage_type", "huge page backend"),
    _hv("enable_virtio_mem", _B, "memory_info.enable_virtio_mem", "virtio-mem"),
    _hv("enable_guest_swap", _B, "memory_info.enable_guest_swap", "swap in the guest"),
    # network
    _hv("disable_vhost_net", _B, "network_info.disable_vhost_net", "no vhost-net"),
    _hv("rx_rate_limiter_max_rate", _U64, "network_info.rx_rate_limiter_max_rate", "inbound bandwidth"),
    _hv("tx_rate_limiter_max_rate", _U64, "network_info.tx_rate_limiter_max_rate", "outbound bandwidth"),
    _hv("network_queues", _U32, "network_info.network_queues", "network queues"),
    # security
    _hv("guest_hook_path", RsKind.HOST_PATH, "security_info.guest_hook_path", "OCI hooks path in the guest"),
    _hv("cc_init_data", RsKind.INITDATA, "security_info.initdata", "confidential initdata (base64 gzip)"),
    _hv("rootless", _B, "security_info.rootless", "rootless hypervisor"),
    # remote hypervisor
    _hv("default_gpus", _U32, "remote_info.default_gpus", "GPUs for the remote VM"),
    _hv("default_gpu_model", _S, "remote_info.default_gpu_model", "GPU model for the remote VM"),
    # shared file system
    _hv("shared_fs", RsKind.TRIMMED, "shared_fs.shared_fs", "shared file system type"),
    _hv("virtio_fs_daemon", RsKind.GLOB_PATH, "shared_fs.virtio_fs_daemon", "virtiofsd binary",
        allow_list="shared_fs.valid_virtio_fs_daemon_paths"),
    _hv("virtio_fs_cache", _S, "shared_fs.virtio_fs_cache", "virtio-fs cache mode"),
    _hv("virtio_fs_cache_size", _U32, "shared_fs.virtio_fs_cache_size", "virtio-fs DAX window (MiB)"),
    _hv("virtio_fs_extra_args", RsKind.APPEND, "shared_fs.virtio_fs_extra_args", "virtiofsd arguments",
        separator=","),
    # declared in kata-types, with no match arm
    _hv("path_hash", RsKind.INVALID, None, "hypervisor binary hash (not handled by runtime-rs)"),
    _hv("jailer_hash", RsKind.INVALID, None, "jailer binary hash (not handled by runtime-rs)"),
    _hv("asset_hash_type", RsKind.INVALID, None, "asset hash type (not handled by runtime-rs)"),
    _hv("kernel_hash", RsKind.INVALID, None, "kernel hash (not handled by runtime-rs)"),
    _hv("image_hash", RsKind.INVALID, None, "image hash (not handled by runtime-rs)"),
    _hv("initrd_hash", RsKind.INVALID, None, "initrd hash (not handled by runtime-rs)"),
    _hv("firmware_hash", RsKind.INVALID, None, "firmware hash (not handled by runtime-rs)"),
    # agent (never gated)
    _ag("kernel_modules", RsKind.APPEND, "kernel_modules", "guest kernel modules", separator=";"),
    _ag("enable_tracing", _B, "enable_tracing", "agent tracing"),
    _ag("container_pipe_size", _U32, "container_pipe_size", "container pipe size"),
    _ag("cdh_api_timeout_ms", _U32, "cdh_api_timeout_ms", "Confidential Data Hub API timeout (ms)"),
    # runtime (never gated)
    _rt("create_container_timeout", RsKind.TIMEOUT_SECS, "agent.request_timeout_ms",
        "CreateContainer timeout (s)"),
    _rt("name", RsKind.RUNTIME_NAME, "runtime.name", "runtime handler"),
    _rt("hypervisor_name", RsKind.SWITCH, "runtime.hypervisor_name", "the [hypervisor.*] table to use"),
    _rt("agent_name", RsKind.SWITCH, "runtime.agent_name", "the [agent.*] table to use"),
    _rt("disable_guest_seccomp", _B, "runtime.disable_guest_seccomp", "no seccomp in the guest"),
    _rt("enable_pprof", _B, "runtime.enable_pprof", "pprof"),
    _rt("experimental", RsKind.APPEND, "runtime.experimental", "experimental features", separator=","),
    _rt("internetworking_model", _S, "runtime.internetworking_model", "VM network interworking"),
    _rt("sandbox_cgroup_only", _B, "runtime.sandbox_cgroup_only", "only the sandbox cgroup"),
    _rt("enable_vcpus_pinning", _B, "runtime.enable_vcpus_pinning", "pin vCPU threads"),
    _rt("disable_new_netns", _B, "runtime.disable_new_netns", "no new network namespace"),
    _rt("vfio_mode", _S, "runtime.vfio_mode", "how VFIO devices are treated"),
    _rt("shared_mounts", RsKind.SHARED_MOUNTS, "runtime.shared_mounts", "mounts shared between containers"),
    _rt("sandbox_bind_mounts", RsKind.REFUSED, None, "host bind mounts (configuration only)"),
)
# fmt: on

BY_KEY: Mapping[str, RsDeclaration] = {d.key: d for d in DECLARATIONS}

_GO_ONLY = "a Kata 4.1 Go runtime key: runtime-rs does not read it"

#: Keys of the Go runtime (Kata 4.1) or Kata 1.x that runtime-rs does not read, and why.
REMOVED_KEYS: Mapping[str, str] = {
    AGENT_PREFIX + "policy": _GO_ONLY + " (runtime-rs takes the policy from the configuration file)",
    HYPERVISOR_PREFIX + "block_device_aio": _GO_ONLY + " (set block_device_aio in the configuration file)",
    HYPERVISOR_PREFIX + "cold_plug_vfio": _GO_ONLY + " (set cold_plug_vfio in the configuration file)",
    HYPERVISOR_PREFIX + "hot_plug_vfio": _GO_ONLY,
    HYPERVISOR_PREFIX + "firmware_volume": _GO_ONLY,
    HYPERVISOR_PREFIX + "firmware_volume_hash": _GO_ONLY,
    HYPERVISOR_PREFIX + "hypervisor_hash": _GO_ONLY + " (runtime-rs declares path_hash, unhandled)",
    HYPERVISOR_PREFIX + "msize_9p": _GO_ONLY + " (runtime-rs has no 9p)",
    HYPERVISOR_PREFIX + "numa_mapping": _GO_ONLY,
    HYPERVISOR_PREFIX + "reclaim_guest_freed_memory": _GO_ONLY
    + " (set reclaim_guest_freed_memory in the configuration file)",
    HYPERVISOR_PREFIX + "use_legacy_serial": _GO_ONLY,
    HYPERVISOR_PREFIX + "vhost_user_reconnect_timeout_sec": _GO_ONLY,
    RUNTIME_PREFIX + "experimental_force_guest_pull": _GO_ONLY,
    RUNTIME_PREFIX + "guest_selinux_label": _GO_ONLY,
    RUNTIME_PREFIX + "cc_init_data": "renamed to io.katacontainers.config.hypervisor.cc_init_data",
    AGENT_PREFIX + "trace_mode": "removed in Kata 2.0",
    AGENT_PREFIX + "trace_type": "removed in Kata 2.0",
    HYPERVISOR_PREFIX + "ctlpath": "a Kata 1.x key: runtime-rs has no ctlpath annotation",
    HYPERVISOR_PREFIX
    + "enable_swap": "removed in Kata 3.0: use io.katacontainers.config.hypervisor.enable_guest_swap",
    HYPERVISOR_PREFIX + "file_mem_backend": "removed in Kata 3.0",
    HYPERVISOR_PREFIX + "hotplug_vfio_on_root_bus": "removed in Kata 3.0: use pcie_root_port",
    HYPERVISOR_PREFIX + "hypervisorctl_hash": "a Kata 1.x key, removed",
    HYPERVISOR_PREFIX + "use_vsock": "removed in Kata 2.0 (vsock is always used)",
}
