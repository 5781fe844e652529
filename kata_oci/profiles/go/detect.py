"""Is a parsed ``configuration.toml`` a Kata 4.1 Go-runtime one? (:func:`detect`)

Apart from :mod:`.loader` so that detecting a profile (every command that
reads a configuration without ``--kata``) imports neither the loader nor its
schema: the key sets it needs are constants here, checked against the schema
by tests/test_startup.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["HYPERVISOR_NAMES", "detect"]

_RS_RUNTIME_KEYS = frozenset(
    {"name", "hypervisor_name", "agent_name", "keep_abnormal", "log_level", "use_passfd_io"}
)
_GO_RUNTIME_KEYS = frozenset(
    {
        "vfio_mode",
        "static_sandbox_resource_mgmt",
        "disable_guest_empty_dir",
        "create_container_timeout",
        "experimental_force_guest_pull",
        "guest_selinux_label",
        "kubelet_root_dir",
        "pod_resource_api_sock",
        "emptydir_mode",
        "enable_vcpus_pinning",
    }
)
_KATA1_TABLES = frozenset({"proxy", "shim", "netmon"})
_KATA1_HYPERVISOR_KEYS = frozenset({"enable_swap", "use_vsock"})
#: The ``[hypervisor.<name>]`` keys of Kata 4.1's Go schema (``TomlHypervisor``'s fields;
#: tests/test_startup.py checks they are the same).
_GO_HYPERVISOR_KEYS = frozenset(
    (
        "path",
        "jailer_path",
        "kernel",
        "initrd",
        "image",
        "rootfs_type",
        "firmware",
        "firmware_volume",
        "machine_accelerators",
        "cpu_features",
        "kernel_params",
        "kernel_verity_params",
        "machine_type",
        "tdx_quote_generation_service_socket_port",
        "block_device_driver",
        "entropy_source",
        "shared_fs",
        "virtio_fs_daemon",
        "virtio_fs_cache",
        "vhost_user_store_path",
        "guest_hook_path",
        "guest_memory_dump_path",
        "seccompsandbox",
        "block_device_aio",
        "remote_hypervisor_socket",
        "snp_id_block",
        "snp_id_auth",
        "snp_guest_policy",
        "measurement_algo",
        "valid_hypervisor_paths",
        "valid_jailer_paths",
        "valid_virtio_fs_daemon_paths",
        "virtio_fs_extra_args",
        "pflashes",
        "valid_vhost_user_store_paths",
        "valid_entropy_sources",
        "enable_annotations",
        "rx_rate_limiter_max_rate",
        "tx_rate_limiter_max_rate",
        "memory_offset",
        "default_maxmemory",
        "disk_rate_limiter_bw_max_rate",
        "disk_rate_limiter_bw_one_time_burst",
        "disk_rate_limiter_ops_max_rate",
        "disk_rate_limiter_ops_one_time_burst",
        "net_rate_limiter_bw_max_rate",
        "net_rate_limiter_bw_one_time_burst",
        "net_rate_limiter_ops_max_rate",
        "net_rate_limiter_ops_one_time_burst",
        "hypervisor_loglevel",
        "virtio_fs_cache_size",
        "virtio_fs_queue_size",
        "default_maxvcpus",
        "default_memory",
        "memory_slots",
        "default_bridges",
        "msize_9p",
        "remote_hypervisor_timeout",
        "default_vcpus",
        "block_device_cache_set",
        "block_device_cache_direct",
        "block_device_cache_noflush",
        "block_device_logical_sector_size",
        "block_device_physical_sector_size",
        "enable_vhost_user_store",
        "vhost_user_reconnect_timeout_sec",
        "disable_block_device_use",
        "enable_mem_prealloc",
        "reclaim_guest_freed_memory",
        "enable_hugepages",
        "enable_virtio_mem",
        "enable_iommu",
        "enable_iommu_platform",
        "enable_numa",
        "numa_mapping",
        "enable_debug",
        "disable_nesting_checks",
        "enable_iothreads",
        "indep_iothreads",
        "disable_image_nvdimm",
        "hot_plug_vfio",
        "cold_plug_vfio",
        "pcie_root_port",
        "pcie_switch_port",
        "disable_vhost_net",
        "guest_memory_dump_paging",
        "confidential_guest",
        "sev_snp_guest",
        "enable_guest_swap",
        "rootless",
        "disable_seccomp",
        "disable_selinux",
        "disable_guest_selinux",
        "use_legacy_serial",
        "extra_monitor_socket",
        "guest_extension_images",
    )
)
#: The hypervisors the Go runtime knows (``hypervisors.HYPERVISOR_TYPES``' keys; checked the same way).
HYPERVISOR_NAMES = frozenset(("firecracker", "qemu", "clh", "dragonball", "stratovirt", "remote"))


def detect(doc: Mapping[str, Any]) -> int:
    """How sure (0..100) a parsed TOML document is a Kata 4.x Go-runtime configuration.

    0 when it has a Kata 1.x table (``[proxy]``, ``[shim]``, ``[netmon]``) or
    a runtime-rs key (``[runtime] name``, ``hypervisor_name``, ``agent_name``,
    ``keep_abnormal``...) or a hypervisor the Go runtime does not know
    (``acrn``, ``openvmm``); otherwise a score growing with the 4.x Go keys it
    holds (``vfio_mode``, ``static_sandbox_resource_mgmt``, ``emptydir_mode``,
    ...). A document with only hypervisor keys both know scores low, so the
    registry can ask for ``profile=``.
    """
    if not isinstance(doc, Mapping) or any(k in doc for k in _KATA1_TABLES):
        return 0
    runtime = doc.get("runtime")
    runtime = runtime if isinstance(runtime, Mapping) else {}
    if _RS_RUNTIME_KEYS & set(runtime):
        return 0
    hypervisors = doc.get("hypervisor")
    hypervisors = hypervisors if isinstance(hypervisors, Mapping) else {}
    if any(name not in HYPERVISOR_NAMES for name in hypervisors):
        return 0
    score = 10 if hypervisors or "agent" in doc else 0
    for table in hypervisors.values():
        if isinstance(table, Mapping):
            if _KATA1_HYPERVISOR_KEYS & set(table):
                return 0
            if not set(table) <= _GO_HYPERVISOR_KEYS:
                score -= 5
    go_keys = len(_GO_RUNTIME_KEYS & set(runtime))
    score += min(go_keys * 15, 85)
    return max(0, min(score, 100))
