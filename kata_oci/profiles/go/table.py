"""Kata 4.1's annotation table: every ``io.katacontainers.`` key its Go runtime applies, one row each.

From ``src/runtime/virtcontainers/pkg/annotations/annotations.go`` (the keys)
and ``src/runtime/pkg/oci/utils.go`` (``addAnnotations`` and its helpers: how
each value is parsed, checked and applied) at Kata 4.1.0 (commit 7c6ba40). The
rows are in the order ``addAnnotations`` visits them, which decides the
effect of keys that touch the same field (``hot_plug_vfio``/``cold_plug_vfio``).

A row says which key, how its value is read (``kind``: Go's parser and, for
numbers, the cast that follows), which field of the 4.1
:class:`~kata_oci.profiles.go.sandbox.SandboxConfig` it sets (``target``, a
dotted path), the checks it must pass (``rules``, each with its wording),
and when it applies (``when``). :mod:`kata_oci.profiles.go.annotate` compiles
the rows into planners for :mod:`kata_oci.overrides`.

Where Kata 4.1 silently wraps a number (``uint32(ParseUint(v, 10, 64))`` for a
value above 4294967295) or panics, kata-oci rejects the value with the reason;
docs/differences-go.md lists each case.
"""

from __future__ import annotations

import enum
import platform
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kata_oci.overrides import Context, Rejected, host_cpus

from .types import HypervisorType

# fmt: off
KATA_ANNOTATIONS_PREFIX = "io.katacontainers."
KATA_CONF_ANNOTATIONS_PREFIX = KATA_ANNOTATIONS_PREFIX + "config."
KATA_ANNOT_HYPERVISOR_PREFIX = KATA_CONF_ANNOTATIONS_PREFIX + "hypervisor."
KATA_ANNOT_RUNTIME_PREFIX = KATA_CONF_ANNOTATIONS_PREFIX + "runtime."
KATA_ANNOT_AGENT_PREFIX = KATA_CONF_ANNOTATIONS_PREFIX + "agent."
KATA_ANNOT_CONTAINER_RESOURCE_PREFIX = KATA_ANNOTATIONS_PREFIX + "container.resource."
_H = KATA_ANNOT_HYPERVISOR_PREFIX

# written by the runtime itself
BUNDLE_PATH_KEY = KATA_ANNOTATIONS_PREFIX + "pkg.oci.bundle_path"
CONTAINER_TYPE_KEY = KATA_ANNOTATIONS_PREFIX + "pkg.oci.container_type"
ASSET_HASH_TYPE = KATA_ANNOTATIONS_PREFIX + "asset_hash_type"

# assets
KERNEL_PATH = _H + "kernel"
IMAGE_PATH = _H + "image"
INITRD_PATH = _H + "initrd"
HYPERVISOR_PATH = _H + "path"
JAILER_PATH = _H + "jailer_path"
FIRMWARE_PATH = _H + "firmware"
FIRMWARE_VOLUME_PATH = _H + "firmware_volume"
KERNEL_HASH = _H + "kernel_hash"
IMAGE_HASH = _H + "image_hash"
INITRD_HASH = _H + "initrd_hash"
HYPERVISOR_HASH = _H + "hypervisor_hash"
JAILER_HASH = _H + "jailer_hash"
FIRMWARE_HASH = _H + "firmware_hash"
FIRMWARE_VOLUME_HASH = _H + "firmware_volume_hash"

# hypervisor
KERNEL_PARAMS = _H + "kernel_params"
KERNEL_VERITY_PARAMS = _H + "kernel_verity_params"
MACHINE_TYPE = _H + "machine_type"
MACHINE_ACCELERATORS = _H + "machine_accelerators"
CPU_FEATURES = _H + "cpu_features"
DISABLE_VHOST_NET = _H + "disable_vhost_net"
ENABLE_VHOST_USER_STORE = _H + "enable_vhost_user_store"
VHOST_USER_STORE_PATH = _H + "vhost_user_store_path"
VHOST_USER_DEVICE_RECONNECT = _H + "vhost_user_reconnect_timeout_sec"
GUEST_HOOK_PATH = _H + "guest_hook_path"
DISABLE_IMAGE_NVDIMM = _H + "disable_image_nvdimm"
COLD_PLUG_VFIO = _H + "cold_plug_vfio"
HOT_PLUG_VFIO = _H + "hot_plug_vfio"
PCIE_ROOT_PORT = _H + "pcie_root_port"
PCIE_SWITCH_PORT = _H + "pcie_switch_port"
ENTROPY_SOURCE = _H + "entropy_source"
USE_LEGACY_SERIAL = _H + "use_legacy_serial"
DEFAULT_GPUS = _H + "default_gpus"
DEFAULT_GPU_MODEL = _H + "default_gpu_model"
DEFAULT_VCPUS = _H + "default_vcpus"
DEFAULT_MAX_VCPUS = _H + "default_max_vcpus"
DEFAULT_MEMORY = _H + "default_memory"
MEM_SLOTS = _H + "memory_slots"
MEM_OFFSET = _H + "memory_offset"
VIRTIO_MEM = _H + "enable_virtio_mem"
MEM_PREALLOC = _H + "enable_mem_prealloc"
RECLAIM_GUEST_FREED_MEMORY = _H + "reclaim_guest_freed_memory"
HUGE_PAGES = _H + "enable_hugepages"
IOMMU = _H + "enable_iommu"
IOMMU_PLATFORM = _H + "enable_iommu_platform"
NUMA_MAPPING = _H + "numa_mapping"
MSIZE_9P = _H + "msize_9p"
SHARED_FS = _H + "shared_fs"
VIRTIO_FS_DAEMON = _H + "virtio_fs_daemon"
VIRTIO_FS_CACHE = _H + "virtio_fs_cache"
VIRTIO_FS_CACHE_SIZE = _H + "virtio_fs_cache_size"
VIRTIO_FS_EXTRA_ARGS = _H + "virtio_fs_extra_args"
BLOCK_DEVICE_DRIVER = _H + "block_device_driver"
BLOCK_DEVICE_AIO = _H + "block_device_aio"
DISABLE_BLOCK_DEVICE_USE = _H + "disable_block_device_use"
ENABLE_IO_THREADS = _H + "enable_iothreads"
INDEP_IO_THREADS = _H + "indep_iothreads"
BLOCK_DEVICE_CACHE_SET = _H + "block_device_cache_set"
BLOCK_DEVICE_CACHE_DIRECT = _H + "block_device_cache_direct"
BLOCK_DEVICE_CACHE_NOFLUSH = _H + "block_device_cache_noflush"
BLOCK_DEVICE_LOGICAL_SECTOR_SIZE = _H + "blk_logical_sector_size"
BLOCK_DEVICE_PHYSICAL_SECTOR_SIZE = _H + "blk_physical_sector_size"
RX_RATE_LIMITER_MAX_RATE = _H + "rx_rate_limiter_max_rate"
TX_RATE_LIMITER_MAX_RATE = _H + "tx_rate_limiter_max_rate"
ENABLE_GUEST_SWAP = _H + "enable_guest_swap"
ENABLE_ROOTLESS_HYPERVISOR = _H + "rootless"
INITDATA = _H + "cc_init_data"
SGX_EPC = "sgx.intel.com/epc"

# runtime
DISABLE_GUEST_SECCOMP = KATA_ANNOT_RUNTIME_PREFIX + "disable_guest_seccomp"
GUEST_SELINUX_LABEL = KATA_ANNOT_RUNTIME_PREFIX + "guest_selinux_label"
SANDBOX_CGROUP_ONLY = KATA_ANNOT_RUNTIME_PREFIX + "sandbox_cgroup_only"
ENABLE_VCPUS_PINNING = KATA_ANNOTATIONS_PREFIX + "enable_vcpus_pinning"
ENABLE_PPROF = KATA_ANNOT_RUNTIME_PREFIX + "enable_pprof"
EXPERIMENTAL = KATA_ANNOT_RUNTIME_PREFIX + "experimental"
INTER_NETWORK_MODEL = KATA_ANNOT_RUNTIME_PREFIX + "internetworking_model"
DISABLE_NEW_NETNS = KATA_ANNOT_RUNTIME_PREFIX + "disable_new_netns"
VFIO_MODE = KATA_ANNOT_RUNTIME_PREFIX + "vfio_mode"
CREATE_CONTAINER_TIMEOUT = KATA_ANNOT_RUNTIME_PREFIX + "create_container_timeout"
FORCE_GUEST_PULL = KATA_ANNOT_RUNTIME_PREFIX + "experimental_force_guest_pull"

# agent
KERNEL_MODULES = KATA_ANNOT_AGENT_PREFIX + "kernel_modules"
AGENT_TRACE = KATA_ANNOT_AGENT_PREFIX + "enable_tracing"
AGENT_CONTAINER_PIPE_SIZE = KATA_ANNOT_AGENT_PREFIX + "container_pipe_size"
POLICY = KATA_ANNOT_AGENT_PREFIX + "policy"
KERNEL_MODULES_SEPARATOR = ";"

# per-container resources (read by virtcontainers for each container, not sandbox overrides)
CONTAINER_RESOURCES_SWAPPINESS = KATA_ANNOT_CONTAINER_RESOURCE_PREFIX + "swappiness"
CONTAINER_RESOURCES_SWAP_IN_BYTES = KATA_ANNOT_CONTAINER_RESOURCE_PREFIX + "swap_in_bytes"
# fmt: on

#: Kata 4.1's smallest VM memory, MiB (``vc.MinHypervisorMemory``).
MIN_HYPERVISOR_MEMORY = 256
#: The largest ``indep_iothreads``.
MAX_INDEP_IOTHREADS = 50
_QEMU_MAX_BY_ARCH = {"x86_64": 240, "amd64": 240, "aarch64": 123, "arm64": 123, "ppc64le": 128,
                     "riscv64": 512, "s390x": 248}  # fmt: skip
#: The most vCPUs QEMU accepts on this architecture (``govmm.MaxVCPUs()``, Kata 4.1).
MAX_QEMU_VCPUS = _QEMU_MAX_BY_ARCH.get(platform.machine(), 240)

#: The block device drivers Kata 4.1 accepts, in its order.
BLOCK_DEVICE_DRIVERS = ("virtio-scsi", "virtio-blk", "virtio-mmio", "nvdimm", "virtio-blk-ccw")
#: The block I/O mechanisms Kata 4.1 accepts.
BLOCK_DEVICE_AIOS = ("native", "threads", "io_uring")
#: The shared filesystems an annotation may choose (``none`` and nydus only from the configuration).
SHARED_FILESYSTEMS = ("virtio-9p", "virtio-fs")
#: The PCIe ports VFIO devices may be plugged into (``config.PCIePort``, valid ones).
PCIE_PORTS = ("root-port", "switch-port", "bridge-port", "no-port")
#: ``vfio_mode`` values.
VFIO_MODES = ("vfio", "guest-kernel")

#: Allow-list fields of the 4.1 hypervisor configuration and the configuration.toml settings.
ALLOW_LIST_SETTINGS: Mapping[str, str] = {
    "hypervisor_path_list": "valid_hypervisor_paths",
    "jailer_path_list": "valid_jailer_paths",
    "entropy_source_list": "valid_entropy_sources",
    "virtio_fs_daemon_list": "valid_virtio_fs_daemon_paths",
    "vhost_user_store_path_list": "valid_vhost_user_store_paths",
}


class Kind(enum.StrEnum):
    """How a value is read (Go's parser, then the cast Kata applies)."""

    BOOL = "bool"  # strconv.ParseBool
    UINT32 = "uint32"  # strconv.ParseUint(v, 10, 64), then uint32(): above 4294967295 is refused
    UINT64 = "uint64"  # strconv.ParseUint(v, 10, 64)
    FLOAT32 = "float32"  # strconv.ParseFloat(v, 32), not negative, not NaN
    STRING = "string"  # taken as written
    PATH = "path"  # a host path: a file matched by an allow-list glob
    CHOICE = "choice"  # one of a fixed set of strings
    KERNEL_PARAMS = "kernel_params"  # strings.Fields, "key=value" or "key"; same-key replaced
    KERNEL_VERITY = "kernel_verity"  # vc.ParseKernelVerityParams
    LIST = "list"  # strings.Split on a separator
    JSON_LIST = "json_list"  # json.Unmarshal into []string
    FEATURES = "features"  # experimental feature names, strings.Split on " "
    NETWORK_MODEL = "network_model"  # default (= tcfilter), macvtap, tcfilter, none
    PCIE_PORT = "pcie_port"  # config.PCIePort; "" is no-port
    VFIO_MODE = "vfio_mode"  # VFIOSetMode: vfio or guest-kernel
    NUMA_MAPPING = "numa_mapping"  # host NUMA node sets, one per guest node
    QUANTITY = "quantity"  # a Kubernetes quantity with a binary suffix (Ki, Mi, ...)
    INITDATA = "initdata"  # base64 of gzip of TOML
    BASE64 = "base64"  # base64.StdEncoding
    ASSET = "asset"  # copied as is into the sandbox annotations


class When(enum.StrEnum):
    """When a valid value is applied."""

    ALWAYS = "always"
    NON_EMPTY = "non_empty"  # "" keeps the configured value
    POSITIVE = "positive"  # 0 keeps the configured value
    REMOTE = "remote"  # only with the remote hypervisor (read at all only then)
    REMOTE_NON_EMPTY = "remote_non_empty"  # only with the remote hypervisor, and "" keeps the value


class Effect(enum.StrEnum):
    """What a valid value does to its target."""

    SET = "set"
    APPEND = "append"  # added after the configured values
    REPLACE_PARAMS = "replace_params"  # each parameter replaces the configured ones of its key


@dataclass(frozen=True, slots=True)
class Rule:
    """One check a value must pass: its wording and the function (raises :class:`Rejected`)."""

    text: str
    check: Callable[[Any, Context], None]


def _remote(ctx: Context) -> bool:
    return bool(ctx.sandbox.hypervisor_type == HypervisorType.REMOTE)


def _min_memory(value: int, ctx: Context) -> None:
    if value < MIN_HYPERVISOR_MEMORY and not _remote(ctx):
        raise Rejected(f"{value} MiB is less than Kata's minimum of {MIN_HYPERVISOR_MEMORY} MiB")


def _host_cpus(value: float, ctx: Context) -> None:
    cpus = host_cpus()
    if value > cpus and not _remote(ctx):
        raise Rejected(f"{value:g} vCPUs is more than the {cpus} CPUs this process may run on")


def _qemu_vcpus(value: int, ctx: Context) -> None:
    if ctx.sandbox.hypervisor_type == HypervisorType.QEMU and value > MAX_QEMU_VCPUS:  # by value: str too
        raise Rejected(f"{value} vCPUs is more than QEMU's maximum of {MAX_QEMU_VCPUS}")


def _indep_iothreads(value: int, ctx: Context) -> None:
    if value == 0 or value > MAX_INDEP_IOTHREADS:
        raise Rejected(f"must be from 1 to {MAX_INDEP_IOTHREADS}")


def _sector_size(value: int, ctx: Context) -> None:
    if value != 0 and (value < 512 or value > 65536 or value & (value - 1)):
        raise Rejected("must be 0 or a power of 2 from 512 to 65536")


def _positive(value: int, ctx: Context) -> None:
    if value == 0:
        raise Rejected("must be a positive number")


MIN_MEMORY = Rule(f"at least {MIN_HYPERVISOR_MEMORY} MiB (any size for remote)", _min_memory)
MAX_HOST_CPUS = Rule("at most the CPUs this process may run on (not checked for remote)", _host_cpus)
MAX_QEMU = Rule(f"for QEMU, at most its maximum vCPUs ({MAX_QEMU_VCPUS} here)", _qemu_vcpus)
IOTHREADS_RANGE = Rule(f"from 1 to {MAX_INDEP_IOTHREADS}", _indep_iothreads)
SECTOR_SIZE = Rule("0 or a power of 2 from 512 to 65536; logical at most physical", _sector_size)
POSITIVE = Rule("not 0", _positive)


@dataclass(frozen=True, slots=True)
class Declaration:
    """One annotation Kata 4.1 knows: its key, how it is read, what it sets, how it is checked.

    ``target`` is a dotted path into the 4.1 ``SandboxConfig``
    (``hypervisor_config.num_vcpus_f``), ``None`` for an annotation that is
    only copied (``asset``) or not applied at all (``applied`` false, with
    ``note`` saying why).
    """

    key: str
    kind: Kind
    target: str | None
    description: str
    rules: tuple[Rule, ...] = ()
    allow_list: str | None = None
    choices: tuple[str, ...] = ()
    separator: str = ""
    when: When = When.ALWAYS
    effect: Effect = Effect.SET
    asset: bool = False
    applied: bool = True
    note: str = ""

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
        return self.allow_list is not None or self.kind is Kind.ASSET

    def checks(self) -> list[str]:
        """The checks a value must pass, in words."""
        out = []
        if self.gated:
            out.append("key enabled by enable_annotations")
        out.extend(_KIND_TEXT.get(self.kind, ()))
        if self.kind is Kind.CHOICE:
            out.append("one of " + ", ".join(self.choices))
        if self.allow_list:
            out.append(f"a file matched by {ALLOW_LIST_SETTINGS[self.allow_list]}")
        out.extend(rule.text for rule in self.rules)
        if self.when is When.NON_EMPTY:
            out.append('"" keeps the configured value')
        elif self.when is When.POSITIVE:
            out.append("0 keeps the configured value")
        elif self.when is When.REMOTE:
            out.append("applies only with the remote hypervisor (not read otherwise)")
        elif self.when is When.REMOTE_NON_EMPTY:
            out.append("applies only with the remote hypervisor (not read otherwise)")
            out.append('"" keeps the configured value')
        if not self.applied:
            out.append("not applied by Kata 4.1")
        return out


_KIND_TEXT: Mapping[Kind, tuple[str, ...]] = {
    Kind.BOOL: ("boolean (strconv.ParseBool)",),
    Kind.UINT32: (
        "unsigned integer (strconv.ParseUint, 64 bits), at most 4294967295 (Kata casts to uint32)",
    ),
    Kind.UINT64: ("unsigned 64-bit integer (strconv.ParseUint)",),
    Kind.FLOAT32: ("non-negative number (strconv.ParseFloat, 32 bits)",),
    Kind.KERNEL_PARAMS: ("no empty parameter key",),
    Kind.KERNEL_VERITY: (
        "root_hash, salt, data_blocks, data_block_size, hash_block_size (multiples of 512)",
    ),
    Kind.JSON_LIST: ("a JSON list of strings",),
    Kind.FEATURES: ("registered experimental features",),
    Kind.NETWORK_MODEL: ("one of default, macvtap, tcfilter, none",),
    Kind.PCIE_PORT: ("one of " + ", ".join(PCIE_PORTS) + ' ("" is no-port)',),
    Kind.VFIO_MODE: ("one of " + ", ".join(VFIO_MODES),),
    Kind.NUMA_MAPPING: ("host NUMA node lists (0-3,5) that exist on this host",),
    Kind.QUANTITY: ("a quantity with a binary suffix: Ki, Mi, Gi, Ti",),
    Kind.INITDATA: ("base64 of gzip of a TOML document; algorithm sha256, sha384 or sha512",),
    Kind.BASE64: ("standard base64",),
}


def _hyp(key: str, kind: Kind, target: str | None, description: str, **kw: Any) -> Declaration:
    if target is not None:
        target = "hypervisor_config." + target
    return Declaration(key, kind, target, description, **kw)


def _asset(key: str, description: str) -> Declaration:
    return Declaration(key, Kind.ASSET, None, description, asset=True)


def _agent(key: str, kind: Kind, target: str, description: str, **kw: Any) -> Declaration:
    return Declaration(key, kind, "agent_config." + target, description, **kw)


_B, _U32, _U64, _S = Kind.BOOL, Kind.UINT32, Kind.UINT64, Kind.STRING

# fmt: off
DECLARATIONS: tuple[Declaration, ...] = (
    # addAssetAnnotations: copied into the sandbox annotations (the VM factory resolves them)
    _asset(FIRMWARE_PATH, "guest firmware"),
    _asset(FIRMWARE_HASH, "SHA-512 of the guest firmware"),
    _asset(FIRMWARE_VOLUME_PATH, "guest firmware volume"),
    _asset(FIRMWARE_VOLUME_HASH, "SHA-512 of the guest firmware volume"),
    _hyp(HYPERVISOR_PATH, Kind.PATH, "hypervisor_path", "hypervisor binary",
         allow_list="hypervisor_path_list", asset=True),
    _asset(HYPERVISOR_HASH, "SHA-512 of the hypervisor binary"),
    _asset(IMAGE_PATH, "guest root filesystem image"),
    _asset(IMAGE_HASH, "SHA-512 of the guest image"),
    _asset(INITRD_PATH, "guest initrd image"),
    _asset(INITRD_HASH, "SHA-512 of the guest initrd"),
    _hyp(JAILER_PATH, Kind.PATH, "jailer_path", "jailer binary", allow_list="jailer_path_list", asset=True),
    _asset(JAILER_HASH, "SHA-512 of the jailer binary"),
    _asset(KERNEL_PATH, "guest kernel image"),
    _asset(KERNEL_HASH, "SHA-512 of the guest kernel"),
    # addHypervisorCPUOverrides
    _hyp(DEFAULT_VCPUS, Kind.FLOAT32, "num_vcpus_f", "vCPUs at boot (may be fractional)",
         rules=(MAX_HOST_CPUS,)),
    _hyp(DEFAULT_MAX_VCPUS, _U32, "default_max_vcpus", "maximum vCPUs", rules=(MAX_HOST_CPUS, MAX_QEMU)),
    # addHypervisorMemoryOverrides
    _hyp(DEFAULT_MEMORY, _U32, "memory_size", "memory at boot, MiB", rules=(MIN_MEMORY,)),
    _hyp(MEM_SLOTS, _U32, "mem_slots", "memory slots", when=When.POSITIVE),
    _hyp(MEM_OFFSET, _U64, "mem_offset", "memory offset for nvdimm, MiB", when=When.POSITIVE),
    _hyp(VIRTIO_MEM, _B, "virtio_mem", "use virtio-mem"),
    _hyp(MEM_PREALLOC, _B, "mem_prealloc", "pre-allocate VM memory"),
    _hyp(RECLAIM_GUEST_FREED_MEMORY, _B, "reclaim_guest_freed_memory",
         "give memory the guest frees back to the host (virtio-balloon)"),
    _hyp(HUGE_PAGES, _B, "huge_pages", "allocate VM memory from huge pages"),
    _hyp(IOMMU, _B, "iommu", "give the VM a vIOMMU"),
    _hyp(IOMMU_PLATFORM, _B, "iommu_platform", "IOMMU_PLATFORM on devices"),
    _hyp(ENABLE_GUEST_SWAP, _B, "guest_swap", "swap inside the guest"),
    _hyp(ENABLE_ROOTLESS_HYPERVISOR, _B, "rootless", "run the hypervisor as a non-root user"),
    _hyp(NUMA_MAPPING, Kind.NUMA_MAPPING, "guest_numa_nodes",
         "guest NUMA nodes: one host node list per guest node (also sets numa_mapping)"),
    # addHypervisorBlockOverrides
    _hyp(BLOCK_DEVICE_DRIVER, Kind.CHOICE, "block_device_driver", "block device driver",
         choices=BLOCK_DEVICE_DRIVERS),
    _hyp(BLOCK_DEVICE_AIO, Kind.CHOICE, "block_device_aio", "block device I/O mechanism",
         choices=BLOCK_DEVICE_AIOS),
    _hyp(DISABLE_BLOCK_DEVICE_USE, _B, "disable_block_device_use", "do not use block devices"),
    _hyp(ENABLE_IO_THREADS, _B, "enable_iothreads", "IO in separate threads"),
    _hyp(INDEP_IO_THREADS, _U32, "indep_iothreads", "independent IO threads", rules=(IOTHREADS_RANGE,)),
    _hyp(BLOCK_DEVICE_CACHE_SET, _B, "block_device_cache_set", "set block device cache options"),
    _hyp(BLOCK_DEVICE_CACHE_DIRECT, _B, "block_device_cache_direct", "O_DIRECT for block devices"),
    _hyp(BLOCK_DEVICE_CACHE_NOFLUSH, _B, "block_device_cache_noflush", "ignore flush requests"),
    _hyp(BLOCK_DEVICE_LOGICAL_SECTOR_SIZE, _U32, "block_device_logical_sector_size",
         "logical sector size of block devices, bytes (0: the hypervisor's)", rules=(SECTOR_SIZE,)),
    _hyp(BLOCK_DEVICE_PHYSICAL_SECTOR_SIZE, _U32, "block_device_physical_sector_size",
         "physical sector size of block devices, bytes (0: the hypervisor's)", rules=(SECTOR_SIZE,)),
    # addHypervisorVirtioFsOverrides
    _hyp(SHARED_FS, Kind.CHOICE, "shared_fs", "shared filesystem (virtio-fs needs a daemon)",
         choices=SHARED_FILESYSTEMS),
    _hyp(VIRTIO_FS_DAEMON, Kind.PATH, "virtio_fs_daemon", "virtio-fs daemon binary",
         allow_list="virtio_fs_daemon_list"),
    _hyp(VIRTIO_FS_EXTRA_ARGS, Kind.JSON_LIST, "virtio_fs_extra_args",
         "extra virtiofsd arguments (added after the configured ones)", effect=Effect.APPEND),
    _hyp(VIRTIO_FS_CACHE, _S, "virtio_fs_cache", "virtio-fs cache mode"),
    _hyp(VIRTIO_FS_CACHE_SIZE, _U32, "virtio_fs_cache_size", "virtio-fs DAX cache, MiB"),
    _hyp(MSIZE_9P, _U32, "msize_9p", "9p msize", rules=(POSITIVE,)),
    # addHypervisorNetworkOverrides
    _hyp(CPU_FEATURES, _S, "cpu_features", "CPU features", when=When.NON_EMPTY),
    _hyp(DISABLE_VHOST_NET, _B, "disable_vhost_net", "do not use vhost-net"),
    _hyp(RX_RATE_LIMITER_MAX_RATE, _U64, "rx_rate_limiter_max_rate", "network receive rate limit, bits/s"),
    _hyp(TX_RATE_LIMITER_MAX_RATE, _U64, "tx_rate_limiter_max_rate", "network transmit rate limit, bits/s"),
    # addHypervisorPathOverrides (the hypervisor and jailer paths are the asset rows above)
    _hyp(KERNEL_PARAMS, Kind.KERNEL_PARAMS, "kernel_params",
         "extra guest kernel parameters (each replaces a configured one of the same key)",
         when=When.NON_EMPTY, effect=Effect.REPLACE_PARAMS),
    _hyp(KERNEL_VERITY_PARAMS, Kind.KERNEL_VERITY, "kernel_verity_params", "dm-verity of the guest image",
         when=When.NON_EMPTY),
    # addHypervisorHotColdPlugVfioOverrides: each one sets the other to no-port
    _hyp(HOT_PLUG_VFIO, Kind.PCIE_PORT, "hot_plug_vfio", "hot plug VFIO devices here (cold plug off)"),
    _hyp(COLD_PLUG_VFIO, Kind.PCIE_PORT, "cold_plug_vfio", "cold plug VFIO devices here (hot plug off)"),
    # addHypervisorPCIeRootPortOverrides, addHypervisorPCIeSwitchPortOverrides
    _hyp(PCIE_ROOT_PORT, _U32, "pcie_root_port", "number of PCIe root ports", when=When.POSITIVE),
    _hyp(PCIE_SWITCH_PORT, _U32, "pcie_switch_port", "number of PCIe switch ports", when=When.POSITIVE),
    # addHypervisorInitdataOverrides
    _hyp(INITDATA, Kind.INITDATA, "initdata",
         "confidential containers' initdata (also sets initdata_digest)", when=When.NON_EMPTY),
    # addHypervisorConfigOverrides
    _hyp(MACHINE_TYPE, _S, "hypervisor_machine_type", "emulated machine type", when=When.NON_EMPTY),
    _hyp(MACHINE_ACCELERATORS, _S, "machine_accelerators", "machine accelerators", when=When.NON_EMPTY),
    _hyp(VHOST_USER_STORE_PATH, Kind.PATH, "vhost_user_store_path", "vhost-user device directory",
         allow_list="vhost_user_store_path_list"),
    _hyp(ENABLE_VHOST_USER_STORE, _B, "enable_vhost_user_store", "vhost-user block/scsi support"),
    _hyp(VHOST_USER_DEVICE_RECONNECT, _U32, "vhost_user_device_reconnect",
         "vhost-user reconnect timeout, seconds"),
    _hyp(GUEST_HOOK_PATH, _S, "guest_hook_path", "guest path of OCI hooks", when=When.NON_EMPTY),
    _hyp(DISABLE_IMAGE_NVDIMM, _B, "disable_image_nvdimm", "no nvdimm for the guest image"),
    _hyp(USE_LEGACY_SERIAL, _B, "legacy_serial", "a legacy serial console"),
    _hyp(ENTROPY_SOURCE, Kind.PATH, "entropy_source", "host entropy source (\"\" is refused too)",
         allow_list="entropy_source_list"),
    Declaration(SGX_EPC, Kind.QUANTITY, "hypervisor_config.sgx_epc_size", "Intel SGX EPC memory, bytes"),
    # addHypervisorGPUOverrides: read only for the remote hypervisor
    _hyp(DEFAULT_GPUS, _U32, "default_gpus", "GPUs of the remote VM", when=When.REMOTE),
    _hyp(DEFAULT_GPU_MODEL, _S, "default_gpu_model", "GPU model of the remote VM",
         when=When.REMOTE_NON_EMPTY),
    # addRuntimeConfigOverrides
    Declaration(DISABLE_GUEST_SECCOMP, _B, "disable_guest_seccomp", "no seccomp inside the guest"),
    Declaration(SANDBOX_CGROUP_ONLY, _B, "sandbox_cgroup_only", "only a sandbox-level cgroup on the host"),
    Declaration(CREATE_CONTAINER_TIMEOUT, _U64, "create_container_timeout",
                "CreateContainer request timeout, seconds (image pulls in the guest)"),
    Declaration(FORCE_GUEST_PULL, _B, "force_guest_pull", "pull images in the guest, any snapshotter"),
    Declaration(ENABLE_VCPUS_PINNING, _B, "enable_vcpus_pinning", "pin each vCPU thread to a host CPU"),
    Declaration(EXPERIMENTAL, Kind.FEATURES, "experimental", "experimental features (replaces the list)",
                separator=" "),
    Declaration(DISABLE_NEW_NETNS, _B, "network_config.disable_new_network",
                "no new network namespace for the hypervisor"),
    Declaration(INTER_NETWORK_MODEL, Kind.NETWORK_MODEL, "network_config.interworking_model",
                "how the VM joins the container network"),
    Declaration(VFIO_MODE, Kind.VFIO_MODE, "vfio_mode", "how VFIO devices appear in the container"),
    # addAgentConfigOverrides
    _agent(KERNEL_MODULES, Kind.LIST, "kernel_modules", "guest kernel modules (replaces the list)",
           separator=KERNEL_MODULES_SEPARATOR),
    _agent(POLICY, Kind.BASE64, "policy", "the agent's policy (Rego), base64"),
    _agent(AGENT_TRACE, _B, "trace", "agent tracing"),
    _agent(AGENT_CONTAINER_PIPE_SIZE, _U32, "container_pipe_size", "container pipe size"),
    # defined by annotations.go, not applied by pkg/oci
    Declaration(GUEST_SELINUX_LABEL, _S, None, "SELinux label of the guest's container processes",
                applied=False, note="defined by Kata 4.1 but not applied: set guest_selinux_label in "
                "the configuration instead"),
    Declaration(ENABLE_PPROF, _B, None, "pprof in the shim", applied=False,
                note="defined by Kata 4.1 but not applied: set enable_pprof in the configuration instead"),
    Declaration(CONTAINER_RESOURCES_SWAPPINESS, _U64, None, "swappiness of a container in the guest",
                applied=False, note="a per-container setting read when the container starts, not a "
                "sandbox override"),
    Declaration(CONTAINER_RESOURCES_SWAP_IN_BYTES, _U64, None, "swap of a container in the guest, bytes",
                applied=False, note="a per-container setting read when the container starts, not a "
                "sandbox override"),
)
# fmt: on

#: Every declaration by key.
BY_KEY: Mapping[str, Declaration] = {d.key: d for d in DECLARATIONS}

#: Kata keys that are not configuration overrides (written by the runtime itself).
NOT_OVERRIDES = frozenset({BUNDLE_PATH_KEY, CONTAINER_TYPE_KEY, ASSET_HASH_TYPE})

_CFG = "io.katacontainers.config."
#: Keys older Katas knew that Kata 4.1 does not, with the release that dropped
#: them (checked against annotations.go at each release tag) and what to use instead.
REMOVED_KEYS: Mapping[str, str] = {
    _H + "use_vsock": "removed in Kata 2.0: the agent always talks to the VM over vsock",
    _CFG + "agent.trace_mode": f"removed in Kata 2.3: agent tracing has one mode, turned on by {AGENT_TRACE}",
    _CFG + "agent.trace_type": f"removed in Kata 2.3: agent tracing has one type, turned on by {AGENT_TRACE}",
    _H + "enable_swap": f"removed in Kata 2.4: use {ENABLE_GUEST_SWAP} for swap inside the guest",
    _H + "hotplug_vfio_on_root_bus": f"removed in Kata 3.2: use {HOT_PLUG_VFIO} or {COLD_PLUG_VFIO} "
    '(e.g. "root-port")',
    _H + "ctlpath": "removed in Kata 3.10 (with ACRN, the last hypervisor with a control binary)",
    _H + "hypervisorctl_hash": "removed in Kata 3.10 (with ACRN, the last hypervisor with a control binary)",
    _CFG + "runtime.cc_init_data": f"renamed in Kata 3.20 to {INITDATA}",
    _H + "file_mem_backend": "removed in Kata 3.32, with file-backed guest memory",
    KATA_ANNOTATIONS_PREFIX + "config_path": "removed in Kata 4.0: the shim takes the configuration "
    "from its own options (ConfigPath in the runtime options, or KATA_CONF_FILE)",
}
