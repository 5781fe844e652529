"""runtime-rs 4.1.0 configuration types: kata-types' ``TomlConfig`` and the structs it holds.

Field names are Rust's (``cpu_info.default_vcpus``, ``blockdev_info.block_device_driver``), and
so is the nesting: a ``[hypervisor.<name>]`` table is flat in TOML but kata-types spreads it
over sub-structs with ``#[serde(flatten)]`` (``boot_info``, ``cpu_info``, ``memory_info``...).
Defaults are the serde defaults (what loading a file without the key gives), not Rust's
``Default::default()``. Integer fields carry their Rust width in a ``msgspec.Meta`` range, and
``f32`` fields hold values already rounded to single precision.

Source: src/libs/kata-types/src/config/{mod.rs,agent.rs,runtime.rs,hypervisor/mod.rs,
runtime/shared_mount.rs} at kata-containers 7c6ba40.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

__all__ = [
    "Agent",
    "BlockDeviceInfo",
    "BootInfo",
    "CpuInfo",
    "DebugInfo",
    "DeviceInfo",
    "Factory",
    "GuestExtensionImage",
    "Hypervisor",
    "MachineInfo",
    "MemAgent",
    "MemoryInfo",
    "NetworkInfo",
    "RemoteInfo",
    "RootlessUser",
    "Runtime",
    "SecurityInfo",
    "SharedFsInfo",
    "SharedMount",
    "TomlConfig",
    "VmTemplateInfo",
    "copy_config",
]

U8 = Annotated[int, msgspec.Meta(ge=0, le=0xFF)]
U32 = Annotated[int, msgspec.Meta(ge=0, le=0xFFFF_FFFF)]
U64 = Annotated[int, msgspec.Meta(ge=0)]  # TOML integers are i64: never above u64::MAX
I32 = Annotated[int, msgspec.Meta(ge=-(1 << 31), le=(1 << 31) - 1)]
I64 = Annotated[int, msgspec.Meta(ge=-(1 << 63), le=(1 << 63) - 1)]
USIZE = U64
F32 = float


class _Rs(msgspec.Struct, kw_only=True):
    """Base: mutable (the annotation step edits a copy in place, as kata-types does)."""


class BlockDeviceInfo(_Rs):
    disable_block_device_use: bool = False
    block_device_driver: str = ""
    block_device_aio: str = ""
    block_device_cache_set: bool = False
    block_device_cache_direct: bool = False
    block_device_cache_noflush: bool = False
    block_device_logical_sector_size: U32 = 0
    block_device_physical_sector_size: U32 = 0
    disable_image_nvdimm: bool = False
    memory_offset: U64 = 0
    enable_vhost_user_store: bool = False
    vhost_user_store_path: str = ""
    valid_vhost_user_store_paths: list[str] = msgspec.field(default_factory=list)
    disk_rate_limiter_bw_max_rate: U64 = 0
    disk_rate_limiter_bw_one_time_burst: U64 | None = None
    disk_rate_limiter_ops_max_rate: U64 = 0
    disk_rate_limiter_ops_one_time_burst: U64 | None = None
    queue_size: U32 = 0
    num_queues: USIZE = 0


class GuestExtensionImage(_Rs, forbid_unknown_fields=False):
    name: str  # required: no serde default
    path: str = ""
    verity_params: str = ""


class BootInfo(_Rs):
    kernel: str = ""
    kernel_params: str = ""
    kernel_verity_params: str = ""
    initrd: str = ""
    image: str = ""
    rootfs_type: str = ""
    firmware: str = ""
    vm_rootfs_driver: str = ""


class CpuInfo(_Rs):
    cpu_features: str = ""
    default_vcpus: F32 = 0.0
    overhead_vcpus: F32 = 0.0
    default_maxvcpus: U32 = 0
    disable_nested_virtualization: bool | None = None


class DebugInfo(_Rs):
    enable_debug: bool = False
    log_level: str = "info"
    guest_memory_dump_paging: bool = False
    guest_memory_dump_path: str = ""
    extra_monitor_socket: str = ""  # serde alias: dbg_monitor_socket


class DeviceInfo(_Rs):
    default_bridges: U32 = 0
    cold_plug_vfio: str = ""
    pcie_root_port: U32 = 0
    pcie_switch_port: U32 = 0
    enable_iommu: bool = False
    enable_iommu_platform: bool = False
    reclaim_guest_freed_memory: bool = False


class MachineInfo(_Rs):
    machine_type: str = ""
    machine_accelerators: str = ""
    pflashes: list[str] = msgspec.field(default_factory=list)
    entropy_source: str = ""
    valid_entropy_sources: list[str] = msgspec.field(default_factory=list)


class MemoryInfo(_Rs):
    default_memory: U32 = 0
    overhead_memory: U32 = 0
    default_maxmemory: U32 = 0
    memory_slots: U32 = 0
    enable_mem_prealloc: bool = False
    enable_hugepages: bool = False
    hugepage_type: str = "hugetlbfs"  # HugePageType: "hugetlbfs" | "thp"
    enable_virtio_mem: bool = False
    enable_guest_swap: bool = False
    guest_swap_path: str = "/run/kata-containers/swap"
    guest_swap_size_percent: U64 = 100
    guest_swap_create_threshold_secs: U64 = 60


class NetworkInfo(_Rs):
    disable_vhost_net: bool = False
    rx_rate_limiter_max_rate: U64 = 0
    tx_rate_limiter_max_rate: U64 = 0
    network_queues: U32 = 0


class RootlessUser(_Rs, forbid_unknown_fields=True):
    uid: U32 = 0
    gid: U32 = 0
    groups: list[U32] = msgspec.field(default_factory=list)
    user_name: str = ""


class SecurityInfo(_Rs):
    rootless: bool = False
    rootless_user: RootlessUser | None = None
    disable_seccomp: bool = False
    confidential_guest: bool = False
    sev_snp_guest: bool = False
    snp_id_block: str = ""
    snp_id_auth: str = ""
    snp_guest_policy: U32 = 0x30000
    guest_hook_path: str = ""
    initdata: str = ""
    enable_annotations: list[str] = msgspec.field(default_factory=list)
    qgs_port: U32 = msgspec.field(default=4050, name="tdx_quote_generation_service_socket_port")
    seccomp_sandbox: str | None = None
    selinux_label: str | None = None


class SharedFsInfo(_Rs):
    shared_fs: str | None = None
    virtio_fs_daemon: str = ""
    valid_virtio_fs_daemon_paths: list[str] = msgspec.field(default_factory=list)
    virtio_fs_extra_args: list[str] = msgspec.field(default_factory=list)
    virtio_fs_cache: str = ""
    virtio_fs_cache_size: U32 = 0
    virtio_fs_queue_size: U32 = 0
    virtio_fs_is_dax: bool = False


class RemoteInfo(_Rs):
    hypervisor_socket: str = ""
    hypervisor_timeout: I32 = 0
    default_gpus: U32 = 0
    default_gpu_model: str = ""


class VmTemplateInfo(_Rs):
    boot_to_be_template: bool = False
    boot_from_template: bool = False
    memory_path: str = ""
    device_state_path: str = ""


class Factory(_Rs, forbid_unknown_fields=True):
    enable_template: bool = False
    template_path: str = ""


class Hypervisor(_Rs):
    """One ``[hypervisor.<name>]`` table (kata-types' ``Hypervisor``)."""

    path: str = ""
    valid_hypervisor_paths: list[str] = msgspec.field(default_factory=list)
    ctlpath: str = ""
    valid_ctlpaths: list[str] = msgspec.field(default_factory=list)
    jailer_path: str = ""
    valid_jailer_paths: list[str] = msgspec.field(default_factory=list)
    disable_nesting_checks: bool = False
    enable_iothreads: bool = False
    indep_iothreads: U32 = 0
    blockdev_info: BlockDeviceInfo = msgspec.field(default_factory=BlockDeviceInfo)
    boot_info: BootInfo = msgspec.field(default_factory=BootInfo)
    guest_extension_images: list[GuestExtensionImage] = msgspec.field(default_factory=list)
    cpu_info: CpuInfo = msgspec.field(default_factory=CpuInfo)
    debug_info: DebugInfo = msgspec.field(default_factory=DebugInfo)
    device_info: DeviceInfo = msgspec.field(default_factory=DeviceInfo)
    machine_info: MachineInfo = msgspec.field(default_factory=MachineInfo)
    memory_info: MemoryInfo = msgspec.field(default_factory=MemoryInfo)
    network_info: NetworkInfo = msgspec.field(default_factory=NetworkInfo)
    security_info: SecurityInfo = msgspec.field(default_factory=SecurityInfo)
    shared_fs: SharedFsInfo = msgspec.field(default_factory=SharedFsInfo)
    remote_info: RemoteInfo = msgspec.field(default_factory=RemoteInfo)
    vm_template: VmTemplateInfo = msgspec.field(default_factory=VmTemplateInfo)
    factory: Factory = msgspec.field(default_factory=Factory)
    prefetch_list_path: str = ""
    disable_guest_selinux: bool = True
    disable_selinux: bool = False


#: The sub-structs a ``[hypervisor.<name>]`` table is flattened into (``#[serde(flatten)]``).
FLATTENED: dict[str, type[_Rs]] = {
    "blockdev_info": BlockDeviceInfo,
    "boot_info": BootInfo,
    "cpu_info": CpuInfo,
    "debug_info": DebugInfo,
    "device_info": DeviceInfo,
    "machine_info": MachineInfo,
    "memory_info": MemoryInfo,
    "network_info": NetworkInfo,
    "security_info": SecurityInfo,
    "shared_fs": SharedFsInfo,
    "remote_info": RemoteInfo,
    "vm_template": VmTemplateInfo,
}

#: ``f32`` fields, as (sub-struct, field): rounded to single precision when loaded.
F32_FIELDS: tuple[tuple[str, str], ...] = (("cpu_info", "default_vcpus"), ("cpu_info", "overhead_vcpus"))


class MemAgent(_Rs, forbid_unknown_fields=True):
    enable: bool = False  # serde alias: mem_agent_enable
    memcg_disable: bool | None = None
    memcg_swap: bool | None = None
    memcg_swappiness_max: U8 | None = None
    memcg_period_secs: U64 | None = None
    memcg_period_psi_percent_limit: U8 | None = None
    memcg_eviction_psi_percent_limit: U8 | None = None
    memcg_eviction_run_aging_count_min: U64 | None = None
    compact_disable: bool | None = None
    compact_period_secs: U64 | None = None
    compact_period_psi_percent_limit: U8 | None = None
    compact_psi_percent_limit: U8 | None = None
    compact_sec_max: I64 | None = None
    compact_order: U8 | None = None
    compact_threshold: U64 | None = None
    compact_force_times: U64 | None = None


class Agent(_Rs, forbid_unknown_fields=True):
    """One ``[agent.<name>]`` table (``#[serde(deny_unknown_fields)]``: unknown keys fail)."""

    debug: bool = msgspec.field(default=False, name="enable_debug")
    log_level: str = "info"
    enable_tracing: bool = False
    debug_console_enabled: bool = False
    visible_cdi_devices: bool = False
    server_port: U32 = 1024
    log_port: U32 = 1025
    passfd_listener_port: U32 = 1027
    dial_timeout_ms: U32 = 10
    reconnect_timeout_ms: U32 = 3000
    cdh_api_timeout_ms: U32 = 50_000
    # TOML key create_container_timeout, in seconds; held in milliseconds (saturating).
    request_timeout_ms: U32 = msgspec.field(default=30_000, name="create_container_timeout")
    health_check_request_timeout_ms: U32 = 90_000
    kernel_modules: list[str] = msgspec.field(default_factory=list)
    container_pipe_size: U32 = 0
    launch_process_timeout: U32 = 0
    mem_agent: MemAgent = msgspec.field(default_factory=MemAgent)
    policy: str = ""


class SharedMount(_Rs, forbid_unknown_fields=True):
    name: str = ""
    src_ctr: str = ""
    src_path: str = ""
    dst_ctr: str = ""
    dst_path: str = ""


class Runtime(_Rs):
    """The ``[runtime]`` table (kata-types' ``Runtime``; unknown keys are ignored by Rust)."""

    name: str = ""
    hypervisor_name: str = ""
    agent_name: str = ""
    debug: bool = msgspec.field(default=False, name="enable_debug")
    log_level: str = "info"
    experimental: list[str] = msgspec.field(default_factory=list)
    internetworking_model: str = ""
    disable_new_netns: bool = False
    sandbox_bind_mounts: list[str] = msgspec.field(default_factory=list)
    sandbox_cgroup_only: bool = False
    enable_vcpus_pinning: bool = False
    enable_tracing: bool = False
    jaeger_endpoint: str = ""
    jaeger_user: str = ""
    jaeger_password: str = ""
    enable_pprof: bool = False
    static_sandbox_resource_mgmt: bool = False
    disable_guest_seccomp: bool = False
    emptydir_mode: str = ""
    vfio_mode: str = ""
    keep_abnormal: bool = False
    dan_conf: str = ""
    shared_mounts: list[SharedMount] = msgspec.field(default_factory=list)
    use_passfd_io: bool = False
    passfd_listener_port: U32 = 1027
    pod_resource_api_sock: str = ""


class TomlConfig(_Rs):
    """kata-types' ``TomlConfig``: every agent and hypervisor table, and the runtime table.

    ``runtime.hypervisor_name`` and ``runtime.agent_name`` choose the tables in use
    (:meth:`hypervisor_in_use`, :meth:`agent_in_use`). ``profile`` is always ``"rs"``;
    ``path`` is the file it was loaded from, ``warnings`` what the loader noticed but
    runtime-rs silently accepts (keys it ignores).
    """

    agent: dict[str, Agent] = msgspec.field(default_factory=dict)
    hypervisor: dict[str, Hypervisor] = msgspec.field(default_factory=dict)
    runtime: Runtime = msgspec.field(default_factory=Runtime)
    profile: str = "rs"
    path: str | None = None
    warnings: tuple[str, ...] = ()

    def hypervisor_in_use(self) -> Hypervisor | None:
        """The ``[hypervisor.<runtime.hypervisor_name>]`` table, if there is one."""
        return self.hypervisor.get(self.runtime.hypervisor_name)

    def agent_in_use(self) -> Agent | None:
        """The ``[agent.<runtime.agent_name>]`` table, if there is one."""
        return self.agent.get(self.runtime.agent_name)

    def to_builtins(self) -> Any:
        """The configuration as JSON-ready builtins (for ``--json`` output)."""
        return msgspec.to_builtins(self)


_ENCODER = msgspec.msgpack.Encoder()
_DECODER = msgspec.msgpack.Decoder(TomlConfig)


def copy_config(config: TomlConfig) -> TomlConfig:
    """A deep copy of ``config`` (through msgpack: ten times faster than ``copy.deepcopy``)."""
    try:
        return _DECODER.decode(_ENCODER.encode(config))
    except (msgspec.ValidationError, msgspec.EncodeError):  # a hand-made value out of its range
        import copy

        return copy.deepcopy(config)
