"""The TOML schema of a Kata 4.1 configuration file: Go's ``tomlConfig`` and its tables.

Each :class:`msgspec.Struct` mirrors a struct of Kata 4.1.0's
``pkg/katautils/config.go`` (7c6ba40); its field names are the TOML keys (Go's
``toml:"..."`` tags) and its integer fields carry their Go type, so a value out
of range is refused as BurntSushi/toml v1 refuses it. Decoding and the
defaults are :mod:`kata_oci.profiles.go.loader`'s.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec

__all__ = [
    "Int64",
    "TomlAgent",
    "TomlConfig",
    "TomlFactory",
    "TomlGuestExtensionImage",
    "TomlHypervisor",
    "TomlRuntime",
    "Uint",
    "Uint32",
    "Uint64",
]

Uint32 = Annotated[int, msgspec.Meta(ge=0, le=2**32 - 1, extra={"go": "uint32"})]
# uint64 and uint: TOML integers stop at 2**63 - 1, so the upper bound never binds.
Uint64 = Annotated[int, msgspec.Meta(ge=0, extra={"go": "uint64"})]
Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1, extra={"go": "int64"})]
Uint = Annotated[int, msgspec.Meta(ge=0, extra={"go": "uint"})]


def _strings() -> Any:
    return msgspec.field(default_factory=list)


class _Table(msgspec.Struct, kw_only=True):
    """A TOML table Go decodes into a struct."""


class TomlGuestExtensionImage(_Table):
    """One ``[[hypervisor.<name>.guest_extension_images]]`` entry."""

    name: str = ""
    path: str = ""
    verity_params: str = ""


class TomlHypervisor(_Table):
    """``[hypervisor.<name>]`` (Go's ``hypervisor`` struct)."""

    path: str = ""
    jailer_path: str = ""
    kernel: str = ""
    initrd: str = ""
    image: str = ""
    rootfs_type: str = ""
    firmware: str = ""
    firmware_volume: str = ""
    machine_accelerators: str = ""
    cpu_features: str = ""
    kernel_params: str = ""
    kernel_verity_params: str = ""
    machine_type: str = ""
    tdx_quote_generation_service_socket_port: Uint32 = 0
    block_device_driver: str = ""
    entropy_source: str = ""
    shared_fs: str = ""
    virtio_fs_daemon: str = ""
    virtio_fs_cache: str = ""
    vhost_user_store_path: str = ""
    guest_hook_path: str = ""
    guest_memory_dump_path: str = ""
    seccompsandbox: str = ""
    block_device_aio: str = ""
    remote_hypervisor_socket: str = ""
    snp_id_block: str = ""
    snp_id_auth: str = ""
    snp_guest_policy: Uint64 | None = None
    measurement_algo: str = ""
    valid_hypervisor_paths: list[str] = _strings()
    valid_jailer_paths: list[str] = _strings()
    valid_virtio_fs_daemon_paths: list[str] = _strings()
    virtio_fs_extra_args: list[str] = _strings()
    pflashes: list[str] = _strings()
    valid_vhost_user_store_paths: list[str] = _strings()
    valid_entropy_sources: list[str] = _strings()
    enable_annotations: list[str] = _strings()
    rx_rate_limiter_max_rate: Uint64 = 0
    tx_rate_limiter_max_rate: Uint64 = 0
    memory_offset: Uint64 = 0
    default_maxmemory: Uint64 = 0
    disk_rate_limiter_bw_max_rate: Int64 = 0
    disk_rate_limiter_bw_one_time_burst: Int64 = 0
    disk_rate_limiter_ops_max_rate: Int64 = 0
    disk_rate_limiter_ops_one_time_burst: Int64 = 0
    net_rate_limiter_bw_max_rate: Int64 = 0
    net_rate_limiter_bw_one_time_burst: Int64 = 0
    net_rate_limiter_ops_max_rate: Int64 = 0
    net_rate_limiter_ops_one_time_burst: Int64 = 0
    hypervisor_loglevel: Uint32 = 0
    virtio_fs_cache_size: Uint32 = 0
    virtio_fs_queue_size: Uint32 = 0
    default_maxvcpus: Uint32 = 0
    default_memory: Uint32 = 0
    memory_slots: Uint32 = 0
    default_bridges: Uint32 = 0
    msize_9p: Uint32 = 0
    remote_hypervisor_timeout: Uint32 = 0
    default_vcpus: float = 0.0  # Go float32: range-checked and rounded in _convert
    block_device_cache_set: bool = False
    block_device_cache_direct: bool = False
    block_device_cache_noflush: bool = False
    block_device_logical_sector_size: Uint32 = 0
    block_device_physical_sector_size: Uint32 = 0
    enable_vhost_user_store: bool = False
    vhost_user_reconnect_timeout_sec: Uint32 = 0
    disable_block_device_use: bool = False
    enable_mem_prealloc: bool = False
    reclaim_guest_freed_memory: bool = False
    enable_hugepages: bool = False
    enable_virtio_mem: bool = False
    enable_iommu: bool = False
    enable_iommu_platform: bool = False
    enable_numa: bool = False
    numa_mapping: list[str] = _strings()
    enable_debug: bool = False
    disable_nesting_checks: bool = False
    enable_iothreads: bool = False
    indep_iothreads: Uint32 = 0
    disable_image_nvdimm: bool = False
    hot_plug_vfio: str = ""
    cold_plug_vfio: str = ""
    pcie_root_port: Uint32 = 0
    pcie_switch_port: Uint32 = 0
    disable_vhost_net: bool = False
    guest_memory_dump_paging: bool = False
    confidential_guest: bool = False
    sev_snp_guest: bool = False
    enable_guest_swap: bool = False
    rootless: bool = False
    disable_seccomp: bool = False
    disable_selinux: bool = False
    disable_guest_selinux: bool = False
    use_legacy_serial: bool = False
    extra_monitor_socket: str = ""
    guest_extension_images: list[TomlGuestExtensionImage] = _strings()


class TomlRuntime(_Table):
    """``[runtime]``."""

    internetworking_model: str = ""
    jaeger_endpoint: str = ""
    jaeger_user: str = ""
    jaeger_password: str = ""
    vfio_mode: str = ""
    guest_selinux_label: str = ""
    sandbox_bind_mounts: list[str] = _strings()
    experimental: list[str] = _strings()
    enable_tracing: bool = False
    disable_new_netns: bool = False
    disable_guest_seccomp: bool = False
    enable_vcpus_pinning: bool = False
    enable_debug: bool = False
    sandbox_cgroup_only: bool = False
    static_sandbox_resource_mgmt: bool = False
    enable_pprof: bool = False
    disable_guest_empty_dir: bool = False
    emptydir_mode: str = ""
    create_container_timeout: Uint64 = 0
    dan_conf: str = ""
    experimental_force_guest_pull: bool = False
    pod_resource_api_sock: str = ""
    kubelet_root_dir: str = ""


class TomlAgent(_Table):
    """``[agent.<name>]``."""

    kernel_modules: list[str] = _strings()
    enable_debug: bool = False
    enable_tracing: bool = False
    debug_console_enabled: bool = False
    dial_timeout: Uint32 = 0
    cdh_api_timeout: Uint32 = 0
    launch_process_timeout: Uint32 = 0
    visible_cdi_devices: bool = False


class TomlFactory(_Table):
    """``[factory]``."""

    template_path: str = ""
    vm_cache_endpoint: str = ""
    vm_cache_number: Uint = 0
    enable_template: bool = False


class TomlConfig(_Table):
    """A whole ``configuration.toml`` (Go's ``tomlConfig``); tables keep the file's order."""

    hypervisor: dict[str, TomlHypervisor] = msgspec.field(default_factory=dict)
    agent: dict[str, TomlAgent] = msgspec.field(default_factory=dict)
    factory: TomlFactory = msgspec.field(default_factory=TomlFactory)
    runtime: TomlRuntime = msgspec.field(default_factory=TomlRuntime)


_NAMED_TABLES: dict[str, type[_Table]] = {"hypervisor": TomlHypervisor, "agent": TomlAgent}
_TABLES: dict[str, type[_Table]] = {"factory": TomlFactory, "runtime": TomlRuntime}
_NESTED: dict[str, type[_Table]] = {"guest_extension_images": TomlGuestExtensionImage}
