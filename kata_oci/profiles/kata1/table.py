"""Kata's own annotation keys (``virtcontainers/pkg/annotations``, Kata 1.x).

The CRI keys (containerd, CRI-O, dockershim) are not here: each CRI plugin
exports its own.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import TYPE_CHECKING

import msgspec

from kata_oci.gating import (
    KATA_ANNOT_HYPERVISOR_PREFIX as KATA_ANNOT_HYPERVISOR_PREFIX,
    KATA_ANNOTATIONS_PREFIX as KATA_ANNOTATIONS_PREFIX,
    KATA_CONF_ANNOTATIONS_PREFIX as KATA_CONF_ANNOTATIONS_PREFIX,
    gate as gate,
)

if TYPE_CHECKING:
    from .types import RuntimeConfig

# fmt: off
KATA_ANNOT_RUNTIME_PREFIX = KATA_CONF_ANNOTATIONS_PREFIX + "runtime."
KATA_ANNOT_AGENT_PREFIX = KATA_CONF_ANNOTATIONS_PREFIX + "agent."

# OCI
BUNDLE_PATH_KEY = KATA_ANNOTATIONS_PREFIX + "pkg.oci.bundle_path"
CONTAINER_TYPE_KEY = KATA_ANNOTATIONS_PREFIX + "pkg.oci.container_type"
SANDBOX_CONFIG_PATH_KEY = KATA_ANNOTATIONS_PREFIX + "config_path"

# hypervisor assets
KERNEL_PATH = KATA_ANNOT_HYPERVISOR_PREFIX + "kernel"
IMAGE_PATH = KATA_ANNOT_HYPERVISOR_PREFIX + "image"
INITRD_PATH = KATA_ANNOT_HYPERVISOR_PREFIX + "initrd"
HYPERVISOR_PATH = KATA_ANNOT_HYPERVISOR_PREFIX + "path"
HYPERVISOR_CTL_PATH = KATA_ANNOT_HYPERVISOR_PREFIX + "ctlpath"
JAILER_PATH = KATA_ANNOT_HYPERVISOR_PREFIX + "jailer_path"
CTL_PATH = KATA_ANNOT_HYPERVISOR_PREFIX + "ctlpath"
FIRMWARE_PATH = KATA_ANNOT_HYPERVISOR_PREFIX + "firmware"
KERNEL_HASH = KATA_ANNOT_HYPERVISOR_PREFIX + "kernel_hash"
IMAGE_HASH = KATA_ANNOT_HYPERVISOR_PREFIX + "image_hash"
INITRD_HASH = KATA_ANNOT_HYPERVISOR_PREFIX + "initrd_hash"
HYPERVISOR_HASH = KATA_ANNOT_HYPERVISOR_PREFIX + "hypervisor_hash"
HYPERVISOR_CTL_HASH = KATA_ANNOT_HYPERVISOR_PREFIX + "hypervisorctl_hash"
JAILER_HASH = KATA_ANNOT_HYPERVISOR_PREFIX + "jailer_hash"
FIRMWARE_HASH = KATA_ANNOT_HYPERVISOR_PREFIX + "firmware_hash"
ASSET_HASH_TYPE = KATA_ANNOTATIONS_PREFIX + "asset_hash_type"

# hypervisor
KERNEL_PARAMS = KATA_ANNOT_HYPERVISOR_PREFIX + "kernel_params"
MACHINE_TYPE = KATA_ANNOT_HYPERVISOR_PREFIX + "machine_type"
MACHINE_ACCELERATORS = KATA_ANNOT_HYPERVISOR_PREFIX + "machine_accelerators"
CPU_FEATURES = KATA_ANNOT_HYPERVISOR_PREFIX + "cpu_features"
DISABLE_VHOST_NET = KATA_ANNOT_HYPERVISOR_PREFIX + "disable_vhost_net"
ENABLE_VHOST_USER_STORE = KATA_ANNOT_HYPERVISOR_PREFIX + "enable_vhost_user_store"
VHOST_USER_STORE_PATH = KATA_ANNOT_HYPERVISOR_PREFIX + "vhost_user_store_path"
GUEST_HOOK_PATH = KATA_ANNOT_HYPERVISOR_PREFIX + "guest_hook_path"
USE_VSOCK = KATA_ANNOT_HYPERVISOR_PREFIX + "use_vsock"
DISABLE_IMAGE_NVDIMM = KATA_ANNOT_HYPERVISOR_PREFIX + "disable_image_nvdimm"
HOTPLUG_VFIO_ON_ROOT_BUS = KATA_ANNOT_HYPERVISOR_PREFIX + "hotplug_vfio_on_root_bus"
PCIE_ROOT_PORT = KATA_ANNOT_HYPERVISOR_PREFIX + "pcie_root_port"
ENTROPY_SOURCE = KATA_ANNOT_HYPERVISOR_PREFIX + "entropy_source"
DEFAULT_VCPUS = KATA_ANNOT_HYPERVISOR_PREFIX + "default_vcpus"
DEFAULT_MAX_VCPUS = KATA_ANNOT_HYPERVISOR_PREFIX + "default_max_vcpus"
DEFAULT_MEMORY = KATA_ANNOT_HYPERVISOR_PREFIX + "default_memory"
MEM_SLOTS = KATA_ANNOT_HYPERVISOR_PREFIX + "memory_slots"
MEM_OFFSET = KATA_ANNOT_HYPERVISOR_PREFIX + "memory_offset"
VIRTIO_MEM = KATA_ANNOT_HYPERVISOR_PREFIX + "enable_virtio_mem"
MEM_PREALLOC = KATA_ANNOT_HYPERVISOR_PREFIX + "enable_mem_prealloc"
ENABLE_SWAP = KATA_ANNOT_HYPERVISOR_PREFIX + "enable_swap"
HUGE_PAGES = KATA_ANNOT_HYPERVISOR_PREFIX + "enable_hugepages"
IOMMU = KATA_ANNOT_HYPERVISOR_PREFIX + "enable_iommu"
IOMMU_PLATFORM = KATA_ANNOT_HYPERVISOR_PREFIX + "enable_iommu_platform"
FILE_BACKED_MEM_ROOT_DIR = KATA_ANNOT_HYPERVISOR_PREFIX + "file_mem_backend"
MSIZE_9P = KATA_ANNOT_HYPERVISOR_PREFIX + "msize_9p"
SHARED_FS = KATA_ANNOT_HYPERVISOR_PREFIX + "shared_fs"
VIRTIO_FS_DAEMON = KATA_ANNOT_HYPERVISOR_PREFIX + "virtio_fs_daemon"
VIRTIO_FS_CACHE = KATA_ANNOT_HYPERVISOR_PREFIX + "virtio_fs_cache"
VIRTIO_FS_CACHE_SIZE = KATA_ANNOT_HYPERVISOR_PREFIX + "virtio_fs_cache_size"
VIRTIO_FS_EXTRA_ARGS = KATA_ANNOT_HYPERVISOR_PREFIX + "virtio_fs_extra_args"
BLOCK_DEVICE_DRIVER = KATA_ANNOT_HYPERVISOR_PREFIX + "block_device_driver"
DISABLE_BLOCK_DEVICE_USE = KATA_ANNOT_HYPERVISOR_PREFIX + "disable_block_device_use"
ENABLE_IO_THREADS = KATA_ANNOT_HYPERVISOR_PREFIX + "enable_iothreads"
BLOCK_DEVICE_CACHE_SET = KATA_ANNOT_HYPERVISOR_PREFIX + "block_device_cache_set"
BLOCK_DEVICE_CACHE_DIRECT = KATA_ANNOT_HYPERVISOR_PREFIX + "block_device_cache_direct"
BLOCK_DEVICE_CACHE_NOFLUSH = KATA_ANNOT_HYPERVISOR_PREFIX + "block_device_cache_noflush"

# runtime
DISABLE_GUEST_SECCOMP = KATA_ANNOT_RUNTIME_PREFIX + "disable_guest_seccomp"
SANDBOX_CGROUP_ONLY = KATA_ANNOT_RUNTIME_PREFIX + "sandbox_cgroup_only"
EXPERIMENTAL = KATA_ANNOT_RUNTIME_PREFIX + "experimental"
INTER_NETWORK_MODEL = KATA_ANNOT_RUNTIME_PREFIX + "internetworking_model"
DISABLE_NEW_NETNS = KATA_ANNOT_RUNTIME_PREFIX + "disable_new_netns"

# agent
KERNEL_MODULES = KATA_ANNOT_AGENT_PREFIX + "kernel_modules"
AGENT_TRACE = KATA_ANNOT_AGENT_PREFIX + "enable_tracing"
AGENT_TRACE_MODE = KATA_ANNOT_AGENT_PREFIX + "trace_mode"
AGENT_TRACE_TYPE = KATA_ANNOT_AGENT_PREFIX + "trace_type"
AGENT_CONTAINER_PIPE_SIZE = KATA_ANNOT_AGENT_PREFIX + "container_pipe_size"
CONTAINER_PIPE_SIZE_OPTION = "container_pipe_size"
CONTAINER_PIPE_SIZE_KERNEL_PARAM = "agent." + CONTAINER_PIPE_SIZE_OPTION

SHA512 = "sha512"
# fmt: on


# ==========================================================================
# The override table: every annotation Kata 1.x applies, declared once.
#
# A row says which key, how its value is parsed (``kind``), which field of
# the SandboxConfig it sets (``target``, a dotted path), what it is checked
# against, and when it applies. ``kata_oci.overrides`` applies the table; no
# key has code of its own.
# ==========================================================================


class Kind(enum.StrEnum):
    """How an annotation's value is read (Go's parsing rules, exactly)."""

    BOOL = "bool"  # strconv.ParseBool: 1 t T TRUE true True 0 f F FALSE false False
    UINT32 = "uint32"  # strconv.ParseUint(v, 10, 32): ASCII digits, at most 4294967295
    STRING = "string"  # taken as written
    PATH = "path"  # a host path that must be a file matched by an allow-list glob
    CHOICE = "choice"  # one of a fixed set of strings
    KERNEL_PARAMS = "kernel_params"  # strings.Fields, each "key=value" or "key"
    LIST = "list"  # strings.Split on a separator (empty parts kept)
    FEATURES = "features"  # experimental feature names, strings.Split on " "
    NETWORK_MODEL = "network_model"  # default (= tcfilter), macvtap, tcfilter, none
    ASSET = "asset"  # copied as is into the sandbox annotations


class When(enum.StrEnum):
    """When a valid value is applied."""

    ALWAYS = "always"
    NON_EMPTY = "non_empty"  # "" keeps the configured value
    POSITIVE = "positive"  # 0 keeps the configured value


class Effect(enum.StrEnum):
    """What a valid value does to its target."""

    SET = "set"
    NEGATE = "negate"  # the target gets the opposite boolean (enable_swap -> mlock)
    APPEND = "append"  # added after the configured values (kernel_params)


#: Allow-list fields of the hypervisor configuration and the configuration.toml
#: settings they come from.
ALLOW_LIST_SETTINGS: Mapping[str, str] = {
    "hypervisor_path_list": "valid_hypervisor_paths",
    "hypervisor_ctl_path_list": "valid_ctlpaths",
    "jailer_path_list": "valid_jailer_paths",
    "file_backed_mem_root_list": "valid_file_mem_backends",
    "virtio_fs_daemon_list": "valid_virtio_fs_daemon_paths",
    "vhost_user_store_path_list": "valid_vhost_user_store_paths",
}

#: The block device drivers Kata 1.x accepts, in its order.
BLOCK_DEVICE_DRIVERS = ("virtio-scsi", "virtio-blk", "virtio-mmio", "nvdimm", "virtio-blk-ccw")
#: The shared filesystems Kata 1.x accepts.
SHARED_FILESYSTEMS = ("virtio-9p", "virtio-fs")


# A frozen Struct (slots, eq, hash, repr), not a @dataclass: dataclasses (inspect, copy)
# costs `kata-oci convert` about a python start-up.
class Declaration(msgspec.Struct, frozen=True):
    """One supported annotation: its key, how it is read, what it sets, how it is checked.

    ``target`` is a dotted path into :class:`~kata_oci.SandboxConfig`
    (``hypervisor_config.num_vcpus``), ``None`` for an annotation that is
    only copied (``asset``) or not applied at all (``applied`` false).
    """

    key: str
    kind: Kind
    target: str | None
    description: str
    allow_list: str | None = None
    choices: tuple[str, ...] = ()
    separator: str = ""
    when: When = When.ALWAYS
    effect: Effect = Effect.SET
    max_host_cpus: bool = False
    max_qemu_vcpus: bool = False
    minimum: int | None = None
    asset: bool = False
    applied: bool = True

    @property
    def gated(self) -> bool:
        """Whether ``enable_annotations`` must allow it (every hypervisor key)."""
        return self.key.startswith(KATA_ANNOT_HYPERVISOR_PREFIX)

    @property
    def name(self) -> str:
        """The key without its ``io.katacontainers.config.<section>.`` prefix."""
        return self.key.rpartition(".")[2]

    @property
    def unsafe(self) -> bool:
        """Whether it names a host path (potentially unsafe unless allow-listed)."""
        return self.allow_list is not None or self.kind is Kind.ASSET or self.key in _HOST_PATH_KEYS

    def checks(self) -> list[str]:
        """The checks a value must pass, in words."""
        out = []
        if self.gated:
            out.append("key enabled by enable_annotations")
        if self.kind is Kind.BOOL:
            out.append("boolean (strconv.ParseBool)")
        elif self.kind is Kind.UINT32:
            out.append("unsigned 32-bit integer (strconv.ParseUint)")
        elif self.kind is Kind.CHOICE:
            out.append("one of " + ", ".join(self.choices))
        elif self.kind is Kind.KERNEL_PARAMS:
            out.append("no empty parameter key")
        elif self.kind is Kind.FEATURES:
            out.append("registered experimental features")
        elif self.kind is Kind.NETWORK_MODEL:
            out.append("one of default, macvtap, tcfilter, none")
        if self.allow_list:
            out.append(f"a file matched by {ALLOW_LIST_SETTINGS[self.allow_list]}")
        if self.max_host_cpus:
            out.append("at most the CPUs this process may run on")
        if self.max_qemu_vcpus:
            out.append("for QEMU, at most its maximum vCPUs")
        if self.minimum is not None:
            out.append(f"at least {self.minimum}")
        if self.when is When.NON_EMPTY:
            out.append('"" keeps the configured value')
        elif self.when is When.POSITIVE:
            out.append("0 keeps the configured value")
        if not self.applied:
            out.append("not applied by Kata 1.x")
        return out


# Keys whose value is a host path even without an allow-list in Kata 1.x.
_HOST_PATH_KEYS = frozenset({KERNEL_PATH, IMAGE_PATH, INITRD_PATH, FIRMWARE_PATH, ENTROPY_SOURCE})


def _hyp(key: str, kind: Kind, target: str | None, description: str, **kw: object) -> Declaration:
    if target is not None:
        target = "hypervisor_config." + target
    return Declaration(key, kind, target, description, **kw)  # type: ignore[arg-type]


def _asset(key: str, description: str) -> Declaration:
    return Declaration(key, Kind.ASSET, None, description, asset=True)


def _agent(key: str, kind: Kind, target: str, description: str, **kw: object) -> Declaration:
    return Declaration(key, kind, "agent_config." + target, description, **kw)  # type: ignore[arg-type]


_B, _U, _S = Kind.BOOL, Kind.UINT32, Kind.STRING

# fmt: off
DECLARATIONS: tuple[Declaration, ...] = (
    # assets: copied into the sandbox annotations (the VM factory resolves them)
    _asset(KERNEL_PATH, "guest kernel image"),
    _asset(IMAGE_PATH, "guest root filesystem image"),
    _asset(INITRD_PATH, "guest initrd image"),
    _asset(FIRMWARE_PATH, "guest firmware"),
    _asset(KERNEL_HASH, "SHA-512 of the guest kernel"),
    _asset(IMAGE_HASH, "SHA-512 of the guest image"),
    _asset(INITRD_HASH, "SHA-512 of the guest initrd"),
    _asset(HYPERVISOR_HASH, "SHA-512 of the hypervisor binary"),
    _asset(HYPERVISOR_CTL_HASH, "SHA-512 of the hypervisor control binary"),
    _asset(JAILER_HASH, "SHA-512 of the jailer binary"),
    _asset(FIRMWARE_HASH, "SHA-512 of the guest firmware"),
    # host binaries: copied as assets and checked against their allow-lists
    _hyp(HYPERVISOR_PATH, Kind.PATH, "hypervisor_path", "hypervisor binary",
         allow_list="hypervisor_path_list", asset=True),
    _hyp(HYPERVISOR_CTL_PATH, Kind.PATH, "hypervisor_ctl_path", "hypervisor control binary",
         allow_list="hypervisor_ctl_path_list", asset=True),
    _hyp(JAILER_PATH, Kind.PATH, "jailer_path", "jailer binary",
         allow_list="jailer_path_list", asset=True),
    # kernel
    _hyp(KERNEL_PARAMS, Kind.KERNEL_PARAMS, "kernel_params", "extra guest kernel parameters",
         when=When.NON_EMPTY, effect=Effect.APPEND),
    # machine
    _hyp(MACHINE_TYPE, _S, "hypervisor_machine_type", "emulated machine type", when=When.NON_EMPTY),
    _hyp(MACHINE_ACCELERATORS, _S, "machine_accelerators", "machine accelerators", when=When.NON_EMPTY),
    _hyp(CPU_FEATURES, _S, "cpu_features", "CPU features", when=When.NON_EMPTY),
    _hyp(GUEST_HOOK_PATH, _S, "guest_hook_path", "guest path of OCI hooks", when=When.NON_EMPTY),
    _hyp(ENTROPY_SOURCE, _S, "entropy_source", "host entropy source", when=When.NON_EMPTY),
    _hyp(DISABLE_VHOST_NET, _B, "disable_vhost_net", "do not use vhost-net"),
    _hyp(USE_VSOCK, _B, "use_vsock", "talk to the agent over vsock"),
    _hyp(DISABLE_IMAGE_NVDIMM, _B, "disable_image_nvdimm", "no nvdimm for the guest image"),
    _hyp(HOTPLUG_VFIO_ON_ROOT_BUS, _B, "hotplug_vfio_on_root_bus", "hot plug VFIO devices on the root bus"),
    _hyp(PCIE_ROOT_PORT, _U, "pcie_root_port", "number of PCIe root ports"),
    _hyp(VHOST_USER_STORE_PATH, Kind.PATH, "vhost_user_store_path", "vhost-user device directory",
         allow_list="vhost_user_store_path_list"),
    _hyp(ENABLE_VHOST_USER_STORE, _B, None, "vhost-user block/scsi support", applied=False),
    # CPU
    _hyp(DEFAULT_VCPUS, _U, "num_vcpus", "vCPUs at boot", max_host_cpus=True),
    _hyp(DEFAULT_MAX_VCPUS, _U, "default_max_vcpus", "maximum vCPUs", max_host_cpus=True,
         max_qemu_vcpus=True),
    # memory
    _hyp(DEFAULT_MEMORY, _U, "memory_size", "memory at boot, MiB"),
    _hyp(MEM_SLOTS, _U, "mem_slots", "memory slots", when=When.POSITIVE),
    _hyp(MEM_OFFSET, _U, "mem_offset", "memory offset for nvdimm, MiB", when=When.POSITIVE),
    _hyp(VIRTIO_MEM, _B, "virtio_mem", "use virtio-mem"),
    _hyp(MEM_PREALLOC, _B, "mem_prealloc", "pre-allocate VM memory"),
    _hyp(ENABLE_SWAP, _B, "mlock", "allow the VM memory to be swapped (sets mlock to the opposite)",
         effect=Effect.NEGATE),
    _hyp(FILE_BACKED_MEM_ROOT_DIR, Kind.PATH, "file_backed_mem_root_dir", "file-backed memory root",
         allow_list="file_backed_mem_root_list"),
    _hyp(HUGE_PAGES, _B, "huge_pages", "allocate VM memory from huge pages"),
    _hyp(IOMMU, _B, "iommu", "give the VM a vIOMMU"),
    _hyp(IOMMU_PLATFORM, _B, "iommu_platform", "IOMMU_PLATFORM on devices"),
    # block devices
    _hyp(BLOCK_DEVICE_DRIVER, Kind.CHOICE, "block_device_driver", "block device driver",
         choices=BLOCK_DEVICE_DRIVERS),
    _hyp(DISABLE_BLOCK_DEVICE_USE, _B, "disable_block_device_use", "do not use block devices"),
    _hyp(ENABLE_IO_THREADS, _B, "enable_iothreads", "IO in separate threads"),
    _hyp(BLOCK_DEVICE_CACHE_SET, _B, "block_device_cache_set", "set block device cache options"),
    _hyp(BLOCK_DEVICE_CACHE_DIRECT, _B, "block_device_cache_direct", "O_DIRECT for block devices"),
    _hyp(BLOCK_DEVICE_CACHE_NOFLUSH, _B, "block_device_cache_noflush", "ignore flush requests"),
    # shared filesystem
    _hyp(SHARED_FS, Kind.CHOICE, "shared_fs", "shared filesystem", choices=SHARED_FILESYSTEMS),
    _hyp(VIRTIO_FS_DAEMON, Kind.PATH, "virtio_fs_daemon", "virtio-fs daemon binary",
         allow_list="virtio_fs_daemon_list"),
    _hyp(VIRTIO_FS_CACHE, _S, "virtio_fs_cache", "virtio-fs cache mode"),
    _hyp(VIRTIO_FS_CACHE_SIZE, _U, "virtio_fs_cache_size", "virtio-fs DAX cache, MiB"),
    _hyp(VIRTIO_FS_EXTRA_ARGS, _S, None, "extra virtiofsd arguments", applied=False),
    _hyp(MSIZE_9P, _U, "msize_9p", "9p msize", minimum=1),
    # runtime
    Declaration(DISABLE_GUEST_SECCOMP, _B, "disable_guest_seccomp", "no seccomp inside the guest"),
    Declaration(SANDBOX_CGROUP_ONLY, _B, "sandbox_cgroup_only", "only a sandbox-level cgroup on the host"),
    Declaration(DISABLE_NEW_NETNS, _B, "network_config.disable_new_net_ns",
                "no new network namespace for the hypervisor"),
    Declaration(EXPERIMENTAL, Kind.FEATURES, "experimental", "experimental features (replaces the list)",
                separator=" "),
    Declaration(INTER_NETWORK_MODEL, Kind.NETWORK_MODEL, "network_config.interworking_model",
                "how the VM joins the container network"),
    # agent (applied when the agent is a Kata agent)
    _agent(KERNEL_MODULES, Kind.LIST, "kernel_modules", "guest kernel modules (replaces the list)",
           separator=";"),
    _agent(AGENT_TRACE, _B, "trace", "agent tracing"),
    _agent(AGENT_TRACE_MODE, _S, "trace_mode", "agent trace mode"),
    _agent(AGENT_TRACE_TYPE, _S, "trace_type", "agent trace type"),
    _agent(AGENT_CONTAINER_PIPE_SIZE, _U, "container_pipe_size", "container pipe size"),
)
# fmt: on

#: Every declaration by key.
BY_KEY: Mapping[str, Declaration] = {d.key: d for d in DECLARATIONS}

#: Kata keys that are not configuration overrides (written by the runtime itself).
NOT_OVERRIDES = frozenset({BUNDLE_PATH_KEY, CONTAINER_TYPE_KEY, SANDBOX_CONFIG_PATH_KEY, ASSET_HASH_TYPE})

_LATER_HINT = "not a Kata 1.x key: Kata 4.1 knows it (check with the go profile)"
#: Keys of Kata 4.1 (src/runtime/virtcontainers/pkg/annotations at 7c6ba40) that Kata 1.x does not
#: know, with the hint an unknown-key decision gives instead of a spelling guess (the kata1
#: profile's ``removed_keys``).
LATER_KEYS: Mapping[str, str] = dict.fromkeys(
    [
        KATA_CONF_ANNOTATIONS_PREFIX + "agent.policy",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.blk_logical_sector_size",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.blk_physical_sector_size",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.block_device_aio",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.cc_init_data",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.cold_plug_vfio",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.default_gpu_model",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.default_gpus",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.enable_guest_swap",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.firmware_volume",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.firmware_volume_hash",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.hot_plug_vfio",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.indep_iothreads",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.kernel_verity_params",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.numa_mapping",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.pcie_switch_port",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.reclaim_guest_freed_memory",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.rootless",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.rx_rate_limiter_max_rate",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.tx_rate_limiter_max_rate",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.use_legacy_serial",
        KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor.vhost_user_reconnect_timeout_sec",
        KATA_CONF_ANNOTATIONS_PREFIX + "runtime.create_container_timeout",
        KATA_CONF_ANNOTATIONS_PREFIX + "runtime.enable_pprof",
        KATA_CONF_ANNOTATIONS_PREFIX + "runtime.experimental_force_guest_pull",
        KATA_CONF_ANNOTATIONS_PREFIX + "runtime.guest_selinux_label",
        KATA_CONF_ANNOTATIONS_PREFIX + "runtime.vfio_mode",
        "io.katacontainers.container.resource.swap_in_bytes",
        "io.katacontainers.container.resource.swappiness",
        "io.katacontainers.enable_vcpus_pinning",
    ],
    _LATER_HINT,
)


def is_enabled(key: str, runtime_config: RuntimeConfig) -> tuple[bool, str | None]:
    """Whether ``runtime_config`` lets annotation ``key`` through, and the pattern that does.

    Keys outside ``io.katacontainers.config.hypervisor.`` are always let
    through (``None`` as the pattern). A hypervisor key must, without that
    prefix, match one of ``enable_annotations`` (an unanchored RE2 search, as
    Go's ``regexp.MatchString``; a pattern that does not compile matches
    nothing).
    """
    if not key.startswith(KATA_ANNOT_HYPERVISOR_PREFIX):
        return True, None
    cache, compute = gate(tuple(runtime_config.hypervisor_config.enable_annotations))
    suffix = key[len(KATA_ANNOT_HYPERVISOR_PREFIX) :]
    pattern = cache[suffix] if suffix in cache else compute(suffix)
    return pattern is not None, pattern
