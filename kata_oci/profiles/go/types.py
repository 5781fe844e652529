"""The runtime configuration of Kata 4.1's Go runtime, as msgspec Structs.

:class:`RuntimeConfig` and its parts mirror Kata 4.1.0's ``oci.RuntimeConfig``
(``src/runtime/pkg/oci/utils.go``) and the ``virtcontainers`` types it holds
(``vc.HypervisorConfig`` in ``hypervisor.go``, ``vc.KataAgentConfig`` in
``kata_agent.go``, ``config.DeviceInfo``, ``types.GuestNUMANode``, ...), at
commit 7c6ba40. The conventions are the ``kata1`` profile's
(:mod:`kata_oci.profiles.kata1.types`): field names are the snake_case of Go's, an acronym
counting as one word (``NumVCPUsF`` → ``num_vcpus_f``, ``PCIeRootPort`` →
``pcie_root_port``, ``VMid`` → ``vm_id``), every default is Go's zero value (so
``RuntimeConfig()`` is Go's ``RuntimeConfig{}``), and Go string types are
:class:`enum.StrEnum` whose ``UNSET`` member is Go's ``""``. Kata's own
defaults (1 vCPU, 2048 MiB, ...) are applied by the loader
(:mod:`kata_oci.profiles.go.loader`), not here.

Unlike ``kata1``'s, this :class:`RuntimeConfig` has a ``profile`` field, always
``"go"``, so a configuration loaded under the wrong profile cannot pass
unnoticed.

Go types without a Python counterpart are mapped as follows: ``float32`` is a
``float`` holding a float32 value (the loader rounds with :func:`float32`),
``*uint64`` is ``int | None``, ``[]byte`` is ``bytes``. Unexported Go fields
(``customAssets``) are not modelled. :class:`Param`, :class:`Feature` and
:class:`NetInterworkingModel` are the same types in Kata 1.x and 4.1: they are
:mod:`kata_oci.types`'.
"""

from __future__ import annotations

import enum
import math
import struct
from typing import Literal

import msgspec

from kata_oci.errors import KernelParamError
from kata_oci.types import Feature, NetInterworkingModel, Param, deserialize_params, serialize_params

__all__ = [
    "PROFILE",
    "DeviceInfo",
    "FactoryConfig",
    "Feature",
    "GuestExtensionImage",
    "GuestNUMANode",
    "HypervisorConfig",
    "HypervisorType",
    "KataAgentConfig",
    "MonitorProtocol",
    "NetInterworkingModel",
    "PCIePort",
    "Param",
    "RuntimeConfig",
    "VFIOModeType",
    "deserialize_params",
    "float32",
    "round_up_num_vcpus",
    "serialize_params",
]

#: The name of this profile, stored in every :class:`RuntimeConfig`.
PROFILE: Literal["go"] = "go"


class _Struct(msgspec.Struct, kw_only=True):
    """Common configuration of the configuration structs."""


def float32(value: float) -> float:
    """``value`` rounded to the nearest Go ``float32`` (``float32(x)`` in Go).

    Values beyond float32's range give ``inf`` with the sign of ``value``, as
    Go's conversion does.
    """
    if math.isnan(value) or math.isinf(value):
        return value
    try:
        return float(struct.unpack("f", struct.pack("f", value))[0])
    except OverflowError:
        return math.copysign(math.inf, value)


def round_up_num_vcpus(cpus: float) -> int:
    """Go's ``RoundUpNumVCPUs``: ``uint32(math.Ceil(float64(cpus)))``.

    Go's conversion of a negative or out-of-range float is
    implementation-defined; kata-oci clamps to ``0`` and ``2**32 - 1``.
    """
    if math.isnan(cpus):
        return 0
    up = math.ceil(cpus) if math.isfinite(cpus) else (2**32 - 1 if cpus > 0 else 0)
    return min(max(int(up), 0), 2**32 - 1)


# --------------------------------------------------------------------------
# enums (Go string types; UNSET is Go's zero value "")


class HypervisorType(enum.StrEnum):
    """Which hypervisor runs the sandbox VM (``vc.HypervisorType``, Kata 4.1)."""

    UNSET = ""
    FIRECRACKER = "firecracker"
    QEMU = "qemu"
    CLH = "clh"
    STRATOVIRT = "stratovirt"
    DRAGONBALL = "dragonball"
    VIRTFRAMEWORK = "virtframework"
    REMOTE = "remote"
    MOCK = "mock"


class PCIePort(enum.StrEnum):
    """Where VFIO devices are hot or cold plugged (``config.PCIePort``)."""

    UNSET = ""
    ROOT_PORT = "root-port"
    SWITCH_PORT = "switch-port"
    BRIDGE_PORT = "bridge-port"
    NO_PORT = "no-port"
    INVALID_PORT = "invalid-port"

    def valid(self) -> bool:
        """Go's ``PCIePort.Valid()``: root, switch, bridge or no port."""
        return self in (PCIePort.ROOT_PORT, PCIePort.SWITCH_PORT, PCIePort.BRIDGE_PORT, PCIePort.NO_PORT)


class VFIOModeType(enum.StrEnum):
    """How VFIO devices are presented to the container (``config.VFIOModeType``).

    Go holds this as an integer whose zero value is ``VFIOModeVFIO``; here the
    members carry the names Go's ``VFIOSetMode`` accepts, ``VFIO`` first.
    """

    VFIO = "vfio"
    GUEST_KERNEL = "guest-kernel"


class MonitorProtocol(enum.StrEnum):
    """An extra QEMU monitor socket's protocol (``govmm/qemu.MonitorProtocol``)."""

    UNSET = ""
    HMP = "hmp"
    QMP = "qmp"
    QMP_PRETTY = "qmp-pretty"


# --------------------------------------------------------------------------
# small value types held by the hypervisor configuration


class GuestExtensionImage(_Struct):
    """An extra block-device image attached to the VM (``vc.GuestExtensionImage``)."""

    name: str = ""
    path: str = ""
    verity_params: str = ""


class GuestNUMANode(_Struct):
    """A guest NUMA node and the host nodes and CPUs it maps to (``types.GuestNUMANode``)."""

    host_nodes: str = ""
    host_cpus: str = ""


class DeviceInfo(_Struct):
    """Device data common to every device type (``config.DeviceInfo``).

    ``file_mode`` is Go's ``os.FileMode`` as an integer.
    """

    driver_options: dict[str, str] = msgspec.field(default_factory=dict)
    host_path: str = ""
    container_path: str = ""
    dev_type: str = ""
    id: str = ""
    major: int = 0
    minor: int = 0
    file_mode: int = 0
    uid: int = 0
    gid: int = 0
    pmem: bool = False
    read_only: bool = False
    discard_unmap: bool = False
    cold_plug: bool = False
    port: PCIePort = PCIePort.UNSET


def _checked_param(param: Param) -> Param:
    if not param.key:
        raise KernelParamError(f"empty kernel parameter key (value {param.value!r})")
    return param


# --------------------------------------------------------------------------
# hypervisor


class HypervisorConfig(_Struct):
    """The hypervisor settings (``vc.HypervisorConfig``), in Go's field order."""

    groups: list[int] = msgspec.field(default_factory=list)
    kernel_path: str = ""
    image_path: str = ""
    initrd_path: str = ""
    guest_extension_images: list[GuestExtensionImage] = msgspec.field(default_factory=list)
    rootfs_type: str = ""
    firmware_path: str = ""
    firmware_volume_path: str = ""
    machine_accelerators: str = ""
    cpu_features: str = ""
    hypervisor_path: str = ""
    jailer_path: str = ""
    block_device_driver: str = ""
    hypervisor_machine_type: str = ""
    memory_path: str = ""
    devices_state_path: str = ""
    entropy_source: str = ""
    shared_fs: str = ""
    shared_path: str = ""
    virtio_fs_daemon: str = ""
    virtio_fs_cache: str = ""
    vhost_user_store_path: str = ""
    vhost_user_device_reconnect: int = 0
    guest_memory_dump_path: str = ""
    guest_hook_path: str = ""
    vm_id: str = ""
    vm_store_path: str = ""
    run_store_path: str = ""
    selinux_process_label: str = ""
    hypervisor_path_list: list[str] = msgspec.field(default_factory=list)
    jailer_path_list: list[str] = msgspec.field(default_factory=list)
    entropy_source_list: list[str] = msgspec.field(default_factory=list)
    virtio_fs_daemon_list: list[str] = msgspec.field(default_factory=list)
    virtio_fs_extra_args: list[str] = msgspec.field(default_factory=list)
    enable_annotations: list[str] = msgspec.field(default_factory=list)
    pflash: list[str] = msgspec.field(default_factory=list)
    vhost_user_store_path_list: list[str] = msgspec.field(default_factory=list)
    seccomp_sandbox: str = ""
    block_device_aio: str = ""
    remote_hypervisor_socket: str = ""
    sandbox_name: str = ""
    sandbox_namespace: str = ""
    user: str = ""
    snp_id_block: str = ""
    snp_id_auth: str = ""
    snp_guest_policy: int | None = None
    kernel_params: list[Param] = msgspec.field(default_factory=list)
    kernel_verity_params: str = ""
    hypervisor_params: list[Param] = msgspec.field(default_factory=list)
    sgx_epc_size: int = 0
    disk_rate_limiter_bw_max_rate: int = 0
    disk_rate_limiter_bw_one_time_burst: int = 0
    disk_rate_limiter_ops_max_rate: int = 0
    disk_rate_limiter_ops_one_time_burst: int = 0
    rx_rate_limiter_max_rate: int = 0
    tx_rate_limiter_max_rate: int = 0
    net_rate_limiter_bw_max_rate: int = 0
    net_rate_limiter_bw_one_time_burst: int = 0
    net_rate_limiter_ops_max_rate: int = 0
    net_rate_limiter_ops_one_time_burst: int = 0
    mem_offset: int = 0
    vfio_devices: list[DeviceInfo] = msgspec.field(default_factory=list)
    vhost_user_blk_devices: list[DeviceInfo] = msgspec.field(default_factory=list)
    hot_plug_vfio: PCIePort = PCIePort.UNSET
    cold_plug_vfio: PCIePort = PCIePort.UNSET
    pcie_root_port: int = 0
    pcie_switch_port: int = 0
    num_vcpus_f: float = 0.0
    default_max_vcpus: int = 0
    memory_size: int = 0
    default_max_memory_size: int = 0
    default_bridges: int = 0
    msize_9p: int = 0
    mem_slots: int = 0
    virtio_fs_cache_size: int = 0
    virtio_fs_queue_size: int = 0
    uid: int = 0
    gid: int = 0
    remote_hypervisor_timeout: int = 0
    block_device_cache_set: bool = False
    block_device_cache_direct: bool = False
    block_device_cache_noflush: bool = False
    block_device_logical_sector_size: int = 0
    block_device_physical_sector_size: int = 0
    disable_block_device_use: bool = False
    enable_iothreads: bool = False
    indep_iothreads: int = 0
    debug: bool = False
    hypervisor_loglevel: int = 0
    mem_prealloc: bool = False
    reclaim_guest_freed_memory: bool = False
    huge_pages: bool = False
    virtio_mem: bool = False
    iommu: bool = False
    iommu_platform: bool = False
    guest_numa_nodes: list[GuestNUMANode] = msgspec.field(default_factory=list)
    numa_mapping: list[str] = msgspec.field(default_factory=list)
    disable_nesting_checks: bool = False
    disable_image_nvdimm: bool = False
    guest_memory_dump_paging: bool = False
    confidential_guest: bool = False
    sev_snp_guest: bool = False
    boot_to_be_template: bool = False
    boot_from_template: bool = False
    disable_vhost_net: bool = False
    enable_vhost_user_store: bool = False
    guest_swap: bool = False
    rootless: bool = False
    disable_seccomp: bool = False
    disable_selinux: bool = False
    disable_guest_selinux: bool = False
    legacy_serial: bool = False
    extra_monitor_socket: MonitorProtocol = MonitorProtocol.UNSET
    qgs_port: int = 0
    initdata: str = ""
    initdata_digest: bytes = b""
    initdata_image: str = ""
    default_gpus: int = 0
    default_gpu_model: str = ""
    measurement_algo: str = ""

    def add_kernel_param(self, param: Param) -> None:
        """Append a kernel parameter (``HypervisorConfig.AddKernelParam``).

        Raises :class:`KernelParamError` when the key is empty.
        """
        self.kernel_params.append(_checked_param(param))

    def num_vcpus(self) -> int:
        """Go's ``HypervisorConfig.NumVCPUs()``: ``num_vcpus_f`` rounded up."""
        return round_up_num_vcpus(self.num_vcpus_f)


# --------------------------------------------------------------------------
# agent and factory


class KataAgentConfig(_Struct):
    """The Kata agent settings (``vc.KataAgentConfig``, Kata 4.1)."""

    kernel_modules: list[str] = msgspec.field(default_factory=list)
    container_pipe_size: int = 0
    dial_timeout: int = 0
    cdh_api_timeout: int = 0
    launch_process_timeout: int = 0
    long_live_conn: bool = False
    debug: bool = False
    trace: bool = False
    enable_debug_console: bool = False
    visible_cdi_devices: bool = False
    policy: str = ""


class FactoryConfig(_Struct):
    """The VM factory settings (``oci.FactoryConfig``)."""

    template_path: str = ""
    vm_cache_endpoint: str = ""
    vm_cache_number: int = 0
    template: bool = False


# --------------------------------------------------------------------------
# the runtime configuration


class RuntimeConfig(_Struct):
    """Every runtime-specific setting (``oci.RuntimeConfig``, Kata 4.1), in Go's field order.

    ``profile`` is not a Go field: it names the profile these settings
    belong to (always ``"go"``). Nor is ``warnings``: what the loader noticed
    and Kata ignores (unknown keys), for an application to show; the library
    only logs them.
    """

    profile: Literal["go"] = PROFILE
    sandbox_bind_mounts: list[str] = msgspec.field(default_factory=list)
    experimental: list[Feature] = msgspec.field(default_factory=list)
    jaeger_endpoint: str = ""
    jaeger_user: str = ""
    jaeger_password: str = ""
    hypervisor_type: HypervisorType = HypervisorType.UNSET
    factory_config: FactoryConfig = msgspec.field(default_factory=FactoryConfig)
    hypervisor_config: HypervisorConfig = msgspec.field(default_factory=HypervisorConfig)
    agent_config: KataAgentConfig = msgspec.field(default_factory=KataAgentConfig)
    inter_network_model: NetInterworkingModel = NetInterworkingModel.DEFAULT
    vfio_mode: VFIOModeType = VFIOModeType.VFIO
    debug: bool = False
    trace: bool = False
    disable_guest_seccomp: bool = False
    enable_vcpus_pinning: bool = False
    guest_selinux_label: str = ""
    sandbox_cpus: float = 0.0
    sandbox_mem_mb: int = 0
    static_sandbox_resource_mgmt: bool = False
    disable_new_net_ns: bool = False
    sandbox_cgroup_only: bool = False
    enable_pprof: bool = False
    disable_guest_empty_dir: bool = False
    empty_dir_mode: str = ""
    create_container_timeout: int = 0
    dan_config: str = ""
    force_guest_pull: bool = False
    pod_resource_api_sock: str = ""
    kubelet_root_dir: str = ""
    warnings: tuple[str, ...] = ()

    def add_kernel_param(self, param: Param) -> None:
        """Append a kernel parameter to the hypervisor configuration (``RuntimeConfig.AddKernelParam``).

        Raises :class:`KernelParamError` when the key is empty.
        """
        self.hypervisor_config.add_kernel_param(param)
