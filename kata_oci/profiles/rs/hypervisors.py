"""kata-types' configuration rules: the hypervisor plugins, ``adjust_config`` and ``validate``.

runtime-rs registers one ``ConfigPlugin`` per hypervisor it knows (qemu, clh, firecracker,
dragonball, remote, openvmm); each fills its defaults (``adjust_config``), checks its limits
(``validate``) and gives the bounds the annotation step uses (``get_min_memory``,
``get_max_cpus``). Then every hypervisor table goes through the common adjustments and checks
of its sub-structs, then the runtime and the agents. A ``[hypervisor.<x>]`` table for any
other name fails: "Can not find plugin for hypervisor x".

What depends on the host is done only when a host is given (``host`` not None):

* ``resolve_path!``/``validate_path!`` (``canonicalize``: the file must exist, symlinks are
  resolved), through ``host.resolve``;
* the CPU and memory clamps (``num_cpus::get()``, ``sysinfo`` total memory) and the remote
  hypervisor's "must equal the host" checks.

Without a host, paths stay as written, ``default_maxvcpus``/``default_maxmemory`` of 0 stay 0
(meaning "the host's", unknown here) and the checks comparing with them are skipped.

Source: src/libs/kata-types/src/config/{mod.rs,default.rs,agent.rs,runtime.rs} and
config/hypervisor/{mod.rs,qemu.rs,ch.rs,firecracker.rs,dragonball.rs,remote.rs,openvmm.rs}
at kata-containers 7c6ba40.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kata_oci.errors import ConfigError

from .types import Agent, Hypervisor, TomlConfig

__all__ = [
    "PLUGINS",
    "HostFacts",
    "Plugin",
    "add_kernel_params",
    "adjust_config",
    "adjust_cpu_info",
    "agent_kernel_params",
    "validate",
    "validate_block_device_sector_size",
]

# --------------------------------------------------------------------------- config/default.rs
DEFAULT_BLOCK_DEVICE_TYPE = "virtio-blk-pci"
DEFAULT_VHOST_USER_STORE_PATH = "/var/run/vhost-user"
DEFAULT_BLOCK_DEVICE_AIO = "io_uring"
VALID_BLOCK_DEVICE_AIO = ("io_uring", "native", "threads")
DEFAULT_BLOCK_DEVICE_NUM_QUEUES = 1
DEFAULT_BLOCK_DEVICE_QUEUE_SIZE = 128
DEFAULT_SHARED_FS_TYPE = "virtio-fs"
DEFAULT_VIRTIO_FS_CACHE_MODE = "never"
DEFAULT_VIRTIO_FS_DAX_SIZE_MB = 1024
DEFAULT_GUEST_VCPUS = 1
DEFAULT_INTERNETWORKING_MODEL = "tcfilter"
DEFAULT_TEMPLATE_PATH = "/run/vc/vm/template"
DEFAULT_AGENT_DBG_CONSOLE_PORT = 1026
MAX_BRIDGE_SIZE = 5
MAX_NETWORK_QUEUES = 256
BLOCK_DRIVERS = ("virtio-blk-pci", "virtio-blk-ccw", "virtio-blk-mmio", "virtio-pmem", "virtio-scsi")
EMPTYDIR_MODES = ("shared-fs", "block-encrypted", "block-plain")


@dataclass(frozen=True)
class HostFacts:
    """What kata-types reads from the host: CPUs, memory (MiB), and paths resolved under ``root``.

    Built from a :class:`kata_oci.hostchecks.HostChecks`-like object by :meth:`of`; any
    attribute it lacks is taken from the real host.
    """

    cpus: int
    memory_mib: int
    root: str = "/"
    check_files: bool = True

    @classmethod
    def of(cls, checks: Any) -> HostFacts | None:
        """From a :class:`kata_oci.hostchecks.HostChecks` (or a HostFacts; None stays None).

        CPUs: ``num_cpus::get()``, the CPUs this process may run on (``go_num_cpu``);
        memory: ``sysinfo`` total RAM in MiB; paths under ``asset_root``.
        """
        if checks is None or isinstance(checks, HostFacts):
            return checks
        cpus = checks.go_num_cpu() if hasattr(checks, "go_num_cpu") else _first_attr(checks, ("cpus",))
        if hasattr(checks, "total_memory_bytes"):
            mem = checks.total_memory_bytes() // (1 << 20)
        else:
            mem = _first_attr(checks, ("memory_mib",))
        root = _first_attr(checks, ("asset_root", "root")) or "/"
        if cpus is None:
            cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        if mem is None:
            mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1 << 20)
        return cls(int(cpus), int(mem), str(root), bool(getattr(checks, "check_files", True)))

    def resolve(self, path: str) -> str:
        """``Path::canonicalize``: the real path, or OSError when it does not exist.

        With ``check_files`` off, the host's facts are used but no file is looked at: the
        path is returned as written.
        """
        if not self.check_files:
            return path
        full = path
        if self.root not in ("", "/"):
            # A relative path is taken from the root (runtime-rs: from its working directory).
            full = os.path.join(self.root, path.lstrip("/"))
        elif not os.path.isabs(path):
            full = os.path.abspath(path)
        real = os.path.realpath(full, strict=True)
        if self.root not in ("", "/"):
            rel = os.path.relpath(real, self.root)
            return "/" + rel if not rel.startswith("..") else real
        return real


def _first_attr(obj: Any, names: tuple[str, ...]) -> Any:
    for n in names:
        v = getattr(obj, n, None)
        if v is not None and not callable(v):
            return v
    return None


class _Fail(Exception):
    """A kata-types error (``std::io::Error::other(msg)``) inside adjust/validate."""


def _err(msg: str) -> _Fail:
    return _Fail(msg)


def _resolve(host: HostFacts | None, value: str, fmt: str) -> str:
    """``resolve_path!``: canonicalize a non-empty path (only with a host)."""
    if not value or host is None:
        return value
    try:
        return host.resolve(value)
    except OSError as e:
        raise _err(fmt.format(value, e.strerror or e)) from None


def _check_path(host: HostFacts | None, value: str, fmt: str) -> None:
    """``validate_path!``: a non-empty path must exist (only with a host)."""
    if value and host is not None:
        _resolve(host, value, fmt)


# --------------------------------------------------------------------------- plugins


@dataclass(frozen=True)
class Plugin:
    """One hypervisor's ``ConfigPlugin``: its bounds and its adjust/validate steps."""

    name: str
    min_memory: int
    max_cpus: int
    adjust: Callable[[Hypervisor, TomlConfig, HostFacts | None], None]
    validate: Callable[[Hypervisor, TomlConfig, HostFacts | None], None]


def _defaults(hv: Hypervisor, **values: Any) -> None:
    """Set each dotted field that is empty/zero to its default."""
    for dotted, default in values.items():
        head, _, attr = dotted.rpartition("__")
        obj = getattr(hv, head) if head else hv
        if not getattr(obj, attr):
            setattr(obj, attr, default)


def _vcpu_limit(hv: Hypervisor, limit: int) -> bool:
    c = hv.cpu_info
    return (c.default_vcpus > 0.0 and _f32_as_u32(c.default_vcpus) > limit) or c.default_maxvcpus > limit


def _f32_as_u32(x: float) -> int:
    """Rust ``f32 as u32``: truncate, saturate, NaN -> 0."""
    if x != x or x <= 0:
        return 0
    if x >= 4294967295.0:
        return 0xFFFF_FFFF
    return int(x)


def _qemu_adjust(hv: Hypervisor, conf: TomlConfig, host: HostFacts | None) -> None:
    _defaults(hv, path="/usr/bin/qemu-system-x86_64")
    hv.path = _resolve(host, hv.path, "Qemu binary path `{}` is invalid: {}")
    _defaults(hv, boot_info__rootfs_type="ext4")
    hv.ctlpath = _resolve(host, hv.ctlpath, "Qemu ctlpath `{}` is invalid: {}")
    _defaults(
        hv,
        boot_info__kernel="vmlinuz",
        device_info__default_bridges=1,
        machine_info__machine_type="q35",
        machine_info__entropy_source="/dev/urandom",
        memory_info__default_memory=128,
        memory_info__memory_slots=128,
        factory__template_path=DEFAULT_TEMPLATE_PATH,
    )


def _coco_mmio(hv: Hypervisor) -> None:
    if hv.security_info.confidential_guest and hv.boot_info.vm_rootfs_driver == "virtio-blk-mmio":
        raise _err(
            "Confidential guests must not use virtio-blk-mmio (use virtio-blk-pci); "
            "virtio-mmio is not hardened for CoCo"
        )


def _qemu_validate(hv: Hypervisor, conf: TomlConfig, host: HostFacts | None) -> None:
    _check_path(host, hv.path, "QEMU binary path `{}` is invalid: {}")
    _check_path(host, hv.ctlpath, "QEMU control path `{}` is invalid: {}")
    if hv.jailer_path:
        raise _err("Path for QEMU jailer should be empty")
    if hv.valid_jailer_paths:
        raise _err("Valid Qemu jailer path list should be empty")
    if (
        not hv.blockdev_info.disable_block_device_use
        and hv.blockdev_info.block_device_driver == "virtio-blk-mmio"
    ):
        raise _err("Qemu doesn't support virtio-blk-mmio")
    _coco_mmio(hv)
    if not hv.boot_info.kernel:
        raise _err("Guest kernel image for qemu is empty")
    # IBM SE (CCW + confidential guest) needs neither image nor initrd.
    ibm_se = hv.boot_info.vm_rootfs_driver.endswith("ccw") and hv.security_info.confidential_guest
    if not hv.boot_info.image and not hv.boot_info.initrd and not ibm_se:
        raise _err("Both guest boot image and initrd for qemu are empty")
    if _vcpu_limit(hv, 256):
        raise _err(f"Qemu hypervisor can not support {hv.cpu_info.default_maxvcpus} vCPUs")
    if hv.device_info.default_bridges > 5:
        raise _err(f"Qemu hypervisor can not support {hv.device_info.default_bridges} PCI bridges")
    if hv.memory_info.default_memory < 64:
        raise _err("Qemu hypervisor has minimal memory limitation 64")
    if hv.memory_info.enable_guest_swap:
        raise _err("Qemu hypervisor doesn't support enable_guest_swap")


def _ch_adjust(hv: Hypervisor, conf: TomlConfig, host: HostFacts | None) -> None:
    _defaults(hv, path="/usr/bin/cloud-hypervisor")
    hv.path = _resolve(host, hv.path, "CH binary path `{}` is invalid: {}")
    hv.ctlpath = _resolve(host, hv.ctlpath, "CH ctlpath `{}` is invalid: {}")
    _defaults(
        hv,
        boot_info__kernel="vmlinuz",
        device_info__default_bridges=2,
        machine_info__entropy_source="/dev/urandom",
        memory_info__default_memory=128,
        memory_info__memory_slots=128,
        factory__template_path=DEFAULT_TEMPLATE_PATH,
    )


def _ch_validate(hv: Hypervisor, conf: TomlConfig, host: HostFacts | None) -> None:
    _check_path(host, hv.path, "CH binary path `{}` is invalid: {}")
    _check_path(host, hv.ctlpath, "CH control path `{}` is invalid: {}")
    if hv.jailer_path:
        raise _err("Path for CH jailer should be empty")
    if hv.valid_jailer_paths:
        raise _err("Valid CH jailer path list should be empty")
    _coco_mmio(hv)
    if not hv.boot_info.kernel:
        raise _err("Guest kernel image for CH is empty")
    if not hv.boot_info.image and not hv.boot_info.initrd:
        raise _err("Both guest boot image and initrd for CH are empty")
    if _vcpu_limit(hv, 256):
        raise _err(f"CH hypervisor cannot support {hv.cpu_info.default_maxvcpus} vCPUs")
    if hv.device_info.default_bridges > 5:
        raise _err(f"CH hypervisor cannot support {hv.device_info.default_bridges} PCI bridges")
    if hv.memory_info.default_memory < 64:
        raise _err("CH hypervisor has minimal memory limitation 64")


def _fc_adjust(hv: Hypervisor, conf: TomlConfig, host: HostFacts | None) -> None:
    _defaults(
        hv,
        boot_info__kernel="vmlinux",
        machine_info__entropy_source="/dev/urandom",
        memory_info__default_memory=128,
    )


def _fc_validate(hv: Hypervisor, conf: TomlConfig, host: HostFacts | None) -> None:
    if not hv.path:
        raise _err("Firecracker path is empty")
    _check_path(host, hv.path, "FIRECRACKER binary path `{}` is invalid: {}")
    if not hv.boot_info.kernel:
        raise _err("Guest kernel image for firecracker is empty")
    if not hv.boot_info.image:
        raise _err("Both guest boot image and initrd for firecracker are empty")
    if _vcpu_limit(hv, 32):
        raise _err(f"Firecracker hypervisor can not support {hv.cpu_info.default_maxvcpus} vCPUs")
    if hv.memory_info.default_memory < 128:
        raise _err("Firecracker hypervisor has minimal memory limitation 128")


def _db_adjust(hv: Hypervisor, conf: TomlConfig, host: HostFacts | None) -> None:
    hv.jailer_path = _resolve(host, hv.jailer_path, "dragonball jailer path {} is invalid: {}")
    _defaults(hv, boot_info__kernel="vmlinuz")
    c = hv.cpu_info
    if c.default_maxvcpus > 256:
        c.default_maxvcpus = 256
    if _f32_as_u32(c.default_vcpus) > c.default_maxvcpus:
        c.default_vcpus = float(c.default_maxvcpus)
    _defaults(
        hv,
        machine_info__entropy_source="/dev/urandom",
        memory_info__default_memory=128,
        memory_info__memory_slots=128,
        factory__template_path=DEFAULT_TEMPLATE_PATH,
    )


def _db_validate(hv: Hypervisor, conf: TomlConfig, host: HostFacts | None) -> None:
    if hv.path:
        raise _err("Path for dragonball hypervisor should be empty")
    if hv.valid_hypervisor_paths:
        raise _err("Valid hypervisor path for dragonball hypervisor should be empty")
    if hv.ctlpath:
        raise _err("CtlPath for dragonball hypervisor should be empty")
    if hv.valid_ctlpaths:
        raise _err("CtlPath for dragonball hypervisor should be empty")
    _check_path(host, hv.jailer_path, "dragonball jailer path {} is invalid: {}")
    if hv.enable_iothreads:
        raise _err("dragonball hypervisor doesn't support IO threads.")
    b = hv.blockdev_info
    if not b.disable_block_device_use and b.block_device_driver not in (
        "virtio-blk-pci",
        "virtio-blk-mmio",
        "virtio-pmem",
    ):
        raise _err(f"{b.block_device_driver} is unsupported block device type.")
    if not hv.boot_info.kernel:
        raise _err("Guest kernel image for dragonball hypervisor is empty")
    if not hv.boot_info.image and not hv.boot_info.initrd:
        raise _err("Both of guest boot image and initrd for dragonball hypervisor is empty")
    if hv.boot_info.firmware:
        raise _err("Firmware for dragonball hypervisor should be empty")
    if _vcpu_limit(hv, 256):
        raise _err(f"dragonball hypervisor can not support {hv.cpu_info.default_maxvcpus} vCPUs")
    d = hv.device_info
    if d.enable_iommu or d.enable_iommu_platform:
        raise _err("dragonball hypervisor does not support vIOMMU")
    if d.default_bridges > 0 or d.pcie_root_port > 0 or d.pcie_switch_port > 0:
        raise _err("dragonball hypervisor does not support PCI hotplug options")
    if hv.machine_info.machine_type:
        raise _err("dragonball hypervisor does not support machine_type")
    if hv.machine_info.pflashes:
        raise _err("dragonball hypervisor does not support pflashes")
    if hv.security_info.rootless:
        raise _err("dragonball hypervisor does not support rootless mode")
    fs = hv.shared_fs.shared_fs
    if fs is not None and fs not in ("virtio-fs", "inline-virtio-fs"):
        raise _err(f"dragonball hypervisor doesn't support {fs}")
    if hv.memory_info.default_memory < 64:
        raise _err("dragonball hypervisor has minimal memory limitation 64")


def _remote_adjust(hv: Hypervisor, conf: TomlConfig, host: HostFacts | None) -> None:
    _defaults(hv, remote_info__hypervisor_socket="/run/peerpod/hypervisor.sock")
    r = hv.remote_info
    r.hypervisor_socket = _resolve(host, r.hypervisor_socket, "Remote hypervisor socket `{}` is invalid: {}")
    _defaults(
        hv,
        remote_info__hypervisor_timeout=600,
        memory_info__default_memory=64,  # MIN_REMOTE_MEMORY_SIZE_MB, as kata-types does
        memory_info__memory_slots=128,
        factory__template_path=DEFAULT_TEMPLATE_PATH,
    )


def _remote_runtime(conf: TomlConfig) -> None:
    # The remote plugin's adjust ends with these, whenever a [hypervisor.remote] table exists.
    conf.runtime.internetworking_model = "none"
    conf.runtime.disable_new_netns = False


def _remote_validate(hv: Hypervisor, conf: TomlConfig, host: HostFacts | None) -> None:
    if host is not None:
        if hv.memory_info.default_maxmemory != host.memory_mib:
            raise _err(
                "Remote hypervisor does not support memory hotplug, default_maxmemory must be "
                "equal to the total system memory"
            )
        if hv.cpu_info.default_maxvcpus != host.cpus:
            raise _err(
                "Remote hypervisor does not support CPU hotplug, default_maxvcpus must be equal "
                "to the total system CPUs"
            )
    if hv.boot_info.initrd:
        raise _err("Remote hypervisor does not support initrd")
    if hv.boot_info.rootfs_type:
        raise _err("Remote hypervisor does not support rootfs_type")
    if hv.blockdev_info.block_device_driver == "nvdimm":
        raise _err("Remote hypervisor does not support nvdimm")
    if hv.memory_info.default_memory < 64:
        raise _err("Remote hypervisor has minimal memory limitation 64")


def _ovmm_adjust(hv: Hypervisor, conf: TomlConfig, host: HostFacts | None) -> None:
    _defaults(hv, memory_info__memory_slots=128)


def _ovmm_validate(hv: Hypervisor, conf: TomlConfig, host: HostFacts | None) -> None:
    if not hv.path:
        raise _err("OpenVMM binary path is empty")
    _check_path(host, hv.path, "OpenVMM binary path `{}` is invalid: {}")
    if _vcpu_limit(hv, 256):
        raise _err("OpenVMM hypervisor cannot support more than 256 vCPUs")
    if hv.memory_info.default_memory < 64:
        raise _err("OpenVMM hypervisor has minimal memory limitation 64")


#: The hypervisor plugins runtime-rs registers (virt_container's ``init``), by table name.
PLUGINS: dict[str, Plugin] = {
    p.name: p
    for p in (
        Plugin("qemu", 64, 256, _qemu_adjust, _qemu_validate),
        Plugin("clh", 64, 256, _ch_adjust, _ch_validate),
        Plugin("firecracker", 128, 32, _fc_adjust, _fc_validate),
        Plugin("dragonball", 64, 256, _db_adjust, _db_validate),
        Plugin("remote", 64, 32, _remote_adjust, _remote_validate),
        Plugin("openvmm", 64, 256, _ovmm_adjust, _ovmm_validate),
    )
}


def _plugin(name: str) -> Plugin:
    plugin = PLUGINS.get(name)
    if plugin is None:
        raise _err(f"Can not find plugin for hypervisor {name}")
    return plugin


# --------------------------------------------------------------------------- common adjust


def _adjust_hypervisor(hv: Hypervisor, host: HostFacts | None) -> None:
    b = hv.blockdev_info
    if b.disable_block_device_use:
        b.block_device_driver = ""
        b.enable_vhost_user_store = False
        b.memory_offset = 0
    else:
        if not b.block_device_driver:
            b.block_device_driver = DEFAULT_BLOCK_DEVICE_TYPE
        if not b.block_device_aio:
            b.block_device_aio = DEFAULT_BLOCK_DEVICE_AIO
        elif b.block_device_aio not in VALID_BLOCK_DEVICE_AIO:
            raise _err(f"{b.block_device_aio} is unsupported block device AIO mode.")
        if b.num_queues == 0:
            b.num_queues = DEFAULT_BLOCK_DEVICE_NUM_QUEUES
        if b.queue_size == 0:
            b.queue_size = DEFAULT_BLOCK_DEVICE_QUEUE_SIZE
        if not b.enable_vhost_user_store:
            b.vhost_user_store_path = ""
        elif not b.vhost_user_store_path:
            b.vhost_user_store_path = DEFAULT_VHOST_USER_STORE_PATH
        b.vhost_user_store_path = _resolve(
            host, b.vhost_user_store_path, "Invalid vhost-user-store-path {}: {}"
        )

    boot = hv.boot_info
    boot.kernel = _resolve(host, boot.kernel, "guest kernel image file {} is invalid: {}")
    boot.image = _resolve(host, boot.image, "guest boot image file {} is invalid: {}")
    boot.initrd = _resolve(host, boot.initrd, "guest initrd image file {} is invalid: {}")
    boot.firmware = _resolve(host, boot.firmware, "firmware image file {} is invalid: {}")
    if not boot.vm_rootfs_driver:
        boot.vm_rootfs_driver = DEFAULT_BLOCK_DEVICE_TYPE
    for extra in hv.guest_extension_images:
        extra.path = _resolve(host, extra.path, "extra image file {} is invalid: {}")

    adjust_cpu_info(hv.cpu_info, None if host is None else host.cpus)

    if hv.device_info.default_bridges > MAX_BRIDGE_SIZE:
        hv.device_info.default_bridges = MAX_BRIDGE_SIZE

    m = hv.machine_info
    m.machine_accelerators = ",".join(_rust_trim(v) for v in m.machine_accelerators.split(","))
    m.pflashes = [_resolve(host, p, "Flash image file {} is invalid: {}") for p in m.pflashes]
    m.entropy_source = _resolve(host, m.entropy_source, "Entropy source {} is invalid: {}")

    mem = hv.memory_info
    if host is not None:
        if mem.default_memory > host.memory_mib:
            mem.default_memory = host.memory_mib
        if mem.default_maxmemory == 0 or mem.default_maxmemory > host.memory_mib:
            mem.default_maxmemory = host.memory_mib

    n = hv.network_info
    if n.network_queues == 0:
        n.network_queues = 1
    if n.network_queues > MAX_NETWORK_QUEUES:
        n.network_queues = MAX_NETWORK_QUEUES

    fs = hv.shared_fs
    if fs.shared_fs == "none":
        fs.shared_fs = None
    else:
        if fs.shared_fs == "":
            fs.shared_fs = DEFAULT_SHARED_FS_TYPE
        if fs.shared_fs in ("virtio-fs", "inline-virtio-fs", "virtio-fs-nydus"):
            if fs.shared_fs != "inline-virtio-fs":
                fs.virtio_fs_daemon = _resolve(
                    host, fs.virtio_fs_daemon, "Virtio-fs daemon path {} is invalid: {}"
                )
            if not fs.virtio_fs_cache or fs.virtio_fs_cache == "none":
                fs.virtio_fs_cache = DEFAULT_VIRTIO_FS_CACHE_MODE
            if fs.virtio_fs_is_dax and fs.virtio_fs_cache_size == 0:
                fs.virtio_fs_cache_size = DEFAULT_VIRTIO_FS_DAX_SIZE_MB
            if not fs.virtio_fs_is_dax and fs.virtio_fs_cache_size != 0:
                fs.virtio_fs_is_dax = True

    hv.prefetch_list_path = _resolve(host, hv.prefetch_list_path, "prefetch_list_path `{}` is invalid: {}")


def adjust_cpu_info(c: Any, cpus: int | None) -> None:
    """``CpuInfo::adjust_config``: trim the features, clamp to the host's ``cpus`` (if known)."""
    c.cpu_features = ",".join(_rust_trim(v) for v in c.cpu_features.split(","))
    if cpus is None:
        if c.default_vcpus == 0.0:
            c.default_vcpus = float(DEFAULT_GUEST_VCPUS)
        # The last clamp does not depend on the host when default_maxvcpus is known.
        if c.default_maxvcpus != 0 and c.default_vcpus > c.default_maxvcpus:
            c.default_vcpus = float(c.default_maxvcpus)
        return
    n = float(cpus)
    if c.default_maxvcpus == 0 or c.default_maxvcpus > n:
        c.default_maxvcpus = cpus
    if c.default_vcpus < 0.0 or c.default_vcpus > n:
        c.default_vcpus = n
    elif c.default_vcpus == 0.0:
        c.default_vcpus = float(DEFAULT_GUEST_VCPUS)
    if c.default_vcpus > c.default_maxvcpus:
        c.default_vcpus = float(c.default_maxvcpus)


def _rust_trim(s: str) -> str:
    from kata_oci.rust import trim

    return trim(s)


def _split_bind_mount(bind: str) -> tuple[str, str]:
    """kata-types' ``split_bind_mounts``: ``path[:ro|:rw]`` -> (path, ":ro"/":rw"/"")."""
    for mode in (":ro", ":rw"):
        if bind.endswith(mode):
            return bind[: -len(mode)], mode
    return bind, ""


def adjust_config(conf: TomlConfig, host: HostFacts | None = None) -> None:
    """``TomlConfig::adjust_config`` in place: hypervisors, then runtime, then agents.

    Raises:
        ConfigError: as kata-types fails (an unknown hypervisor table, an unsupported
            block-device AIO mode, a path that does not resolve on ``host``).
    """
    try:
        for name, hv in conf.hypervisor.items():
            plugin = _plugin(name)
            plugin.adjust(hv, conf, host)
            if name == "remote":
                _remote_runtime(conf)
            _adjust_hypervisor(hv, host)
        rt = conf.runtime
        if not rt.internetworking_model:
            rt.internetworking_model = DEFAULT_INTERNETWORKING_MODEL
        if not rt.emptydir_mode:
            rt.emptydir_mode = "shared-fs"
        binds = []
        for bind in rt.sandbox_bind_mounts:
            path, mode = _split_bind_mount(bind)
            if host is not None:
                try:
                    path = host.resolve(path)
                except OSError as e:
                    raise _err(f"sandbox bind mount `{bind}` is invalid: {e.strerror or e}") from None
                binds.append(path + mode)
            else:
                binds.append(bind)
        rt.sandbox_bind_mounts = binds
    except _Fail as e:
        raise ConfigError(str(e), file=conf.path) from None


# --------------------------------------------------------------------------- validate


def validate_block_device_sector_size(size: int) -> str | None:
    """kata-types' ``validate_block_device_sector_size``: None, or why ``size`` is refused."""
    if size == 0:
        return None
    if not 512 <= size <= 65536 or size & (size - 1):
        return f"invalid sector size {size}: must be 0 or a power of 2 between 512 and 65536"
    return None


_SHARED_MOUNT_PATH = re.compile(r"(/[-\w.]+)+/?")


def _validate_hypervisor(hv: Hypervisor, host: HostFacts | None) -> None:
    b = hv.blockdev_info
    if not b.disable_block_device_use:
        if b.block_device_driver not in BLOCK_DRIVERS:
            raise _err(f"{b.block_device_driver} is unsupported block device type.")
        _check_path(host, b.vhost_user_store_path, "Invalid vhost-user-store-path {}: {}")
        for size in (b.block_device_logical_sector_size, b.block_device_physical_sector_size):
            why = validate_block_device_sector_size(size)
            if why:
                raise _err(why)
        lg, ph = b.block_device_logical_sector_size, b.block_device_physical_sector_size
        if lg and ph and lg > ph:
            raise _err(f"invalid sector sizes: logical ({lg}) must not be larger than physical ({ph})")
    boot = hv.boot_info
    _check_path(host, boot.kernel, "guest kernel image file {} is invalid: {}")
    _check_path(host, boot.image, "guest boot image file {} is invalid: {}")
    _check_path(host, boot.initrd, "guest initrd image file {} is invalid: {}")
    _check_path(host, boot.firmware, "firmware image file {} is invalid: {}")
    if boot.image and boot.initrd:
        raise _err("Can not configure both initrd and image for boot")
    if boot.vm_rootfs_driver not in BLOCK_DRIVERS:
        raise _err(f"{boot.vm_rootfs_driver} is unsupported block device type.")
    for extra in hv.guest_extension_images:
        _check_path(host, extra.path, "extra image file {} is invalid: {}")
        if not extra.name:
            raise _err("guest_extension_images entry is missing required 'name' field")
        if not all((ch.isascii() and ch.isalnum()) or ch in "-_" for ch in extra.name):
            raise _err(
                f"guest_extension_images '{extra.name}' has an invalid name: only ASCII "
                "alphanumerics, '-' and '_' are allowed (the name is used in the "
                "virtio-blk serial and in the kata.extension.<name>.verity_params "
                "kernel parameter)"
            )
        if _rust_trim(extra.verity_params):
            why = parse_kernel_verity_params(extra.verity_params)
            if why:
                raise _err(f"guest_extension_images '{extra.name}' has invalid verity_params: {why}")
    c = hv.cpu_info
    if c.default_vcpus > c.default_maxvcpus and (host is not None or c.default_maxvcpus != 0):
        raise _err(
            f"The default_vcpus({_rust_float(c.default_vcpus)}) is greater than "
            f"default_maxvcpus({c.default_maxvcpus})"
        )
    d = hv.device_info
    if d.default_bridges > MAX_BRIDGE_SIZE:
        raise _err(f"The configured PCI bridges {d.default_bridges} are too many")
    if d.pcie_root_port > 0 and d.pcie_switch_port > 0:
        raise _err("Root Port and Switch Port set at the same time is forbidden.")
    m = hv.machine_info
    for p in m.pflashes:
        _check_path(host, p, "Flash image file {} is invalid: {}")
    _check_path(host, m.entropy_source, "Entropy source {} is invalid: {}")
    if hv.memory_info.default_memory == 0:
        raise _err("Configured memory size for guest VM is zero")
    if hv.memory_info.memory_slots == 0:
        raise _err("Configured memory slots for guest VM are zero")
    fs = hv.shared_fs
    if fs.shared_fs is not None:
        if fs.shared_fs not in ("virtio-fs", "inline-virtio-fs", "virtio-fs-nydus"):
            raise _err(f"Invalid shared_fs type {fs.shared_fs}")
        if fs.shared_fs != "inline-virtio-fs":
            _check_path(host, fs.virtio_fs_daemon, "Virtio-fs daemon path {} is invalid: {}")
        if fs.virtio_fs_cache not in ("never", "auto", "always"):
            raise _err(f"Invalid virtio-fs cache mode: {fs.virtio_fs_cache}")
        if fs.virtio_fs_is_dax and fs.virtio_fs_cache_size == 0:
            raise _err(f"Invalid virtio-fs DAX window size: {fs.virtio_fs_cache_size}")
    _check_path(host, hv.path, "Hypervisor binary path `{}` is invalid: {}")
    _check_path(host, hv.ctlpath, "Hypervisor control executable `{}` is invalid: {}")
    _check_path(host, hv.jailer_path, "Hypervisor jailer path `{}` is invalid: {}")
    _check_path(host, hv.prefetch_list_path, "prefetch_files.list path `{}` is invalid: {}")


def parse_kernel_verity_params(params: str) -> str | None:
    """kata-types' ``parse_kernel_verity_params``: None when valid (or blank), else why not.

    Comma-separated ``key=value`` fields; ``root_hash``, ``salt``, ``data_blocks``,
    ``data_block_size`` and ``hash_block_size`` are required, the sizes non-zero ``u64``
    multiples of 512.
    """
    from kata_oci.rust import RustParseError, parse_u64, trim

    if trim(params) == "":
        return None
    values: dict[str, str] = {}
    for raw in params.split(","):
        item = trim(raw)
        if not item:
            continue
        key, eq, value = item.partition("=")
        if not eq or not key:
            return f"Invalid kernel_verity_params entry: {item}"
        values[key] = value
    if "root_hash" not in values:
        return "Missing kernel_verity_params root_hash"
    numbers = {}
    for name in ("data_blocks", "data_block_size", "hash_block_size"):
        value = values.get(name, "")
        if not value:
            return f"Missing kernel_verity_params {name}"
        try:
            numbers[name] = parse_u64(value)
        except RustParseError as e:
            return f"Invalid kernel_verity_params {name} '{value}': {e}"
    if not values.get("salt"):
        return "Missing kernel_verity_params salt"
    for name in ("data_blocks", "data_block_size", "hash_block_size"):
        if numbers[name] == 0:
            return f"Invalid kernel_verity_params {name}: must be non-zero"
    for name in ("data_block_size", "hash_block_size"):
        if numbers[name] % 512:
            return f"Invalid kernel_verity_params {name}: must be multiple of 512"
    return None


def _rust_float(x: float) -> str:
    """``{}`` of an f32 in Rust: ``2`` for 2.0, ``0.5``, ``inf``, ``NaN``."""
    if x != x:
        return "NaN"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    if x == int(x):
        return str(int(x))
    import struct

    f = struct.unpack("<f", struct.pack("<f", x))[0]
    for digits in range(1, 18):
        text = f"{f:.{digits}g}"
        if struct.unpack("<f", struct.pack("<f", float(text)))[0] == f:
            return text if "e" not in text else repr(f)
    return repr(f)


def _validate_agent(agent: Agent) -> None:
    if agent.dial_timeout_ms == 0:
        raise _err("dial_timeout_ms couldn't be 0.")
    if agent.reconnect_timeout_ms < agent.dial_timeout_ms:
        raise _err(
            "reconnect_timeout_ms must be >= dial_timeout_ms (reconnect_timeout_ms is the "
            "overall agent connection budget; dial_timeout_ms is the sleep between retries)"
        )


def _validate_shared_mount(sm: Any) -> None:
    for field in ("name", "src_ctr", "dst_ctr", "src_path", "dst_path"):
        if not getattr(sm, field):
            raise _err(f"shared_mount: field '{field}' couldn't be empty.")
    for field in ("src_path", "dst_path"):
        value = getattr(sm, field)
        if not _rust_shared_mount_path(value):
            raise _err(
                f"shared_mount '{sm.name}': {field} is invalid. It must be an absolute path and can "
                "only contain letters, numbers, hyphens(-), underscores(_) and dots(.)."
            )
        if ".." in value.split("/"):
            raise _err(f"shared_mount '{sm.name}': {field} couldn't contain '..' directory.")


def _rust_shared_mount_path(value: str) -> bool:
    """``^(/[-\\w.]+)+/?$`` with Rust's Unicode ``\\w``."""
    from kata_oci.rust import RegexSet

    return RegexSet([r"^(/[-\w.]+)+/?$"]).is_match(value)


def validate(conf: TomlConfig, host: HostFacts | None = None) -> None:
    """``TomlConfig::validate``: every hypervisor (plugin checks, then common), runtime, agents.

    Raises:
        ConfigError: with kata-types' message for the first check that fails.
    """
    try:
        for name, hv in conf.hypervisor.items():
            _plugin(name).validate(hv, conf, host)
            _validate_hypervisor(hv, host)
        rt = conf.runtime
        model = rt.internetworking_model
        if model and model not in ("macvtap", "none", "tcfilter", "l3forwarding"):
            raise _err(f"Invalid internetworking_model `{model}` in configuration file")
        if rt.vfio_mode and rt.vfio_mode not in ("vfio", "guest-kernel"):
            raise _err(f"Invalid vfio_mode `{rt.vfio_mode}` in configuration file")
        if rt.emptydir_mode not in EMPTYDIR_MODES:
            raise _err(f"Invalid emptydir_mode `{rt.emptydir_mode}` in configuration file")
        for sm in rt.shared_mounts:
            _validate_shared_mount(sm)
        for bind in rt.sandbox_bind_mounts:
            path, _ = _split_bind_mount(bind)
            _check_path(host, path, "sandbox bind mount `{}` is invalid: {}")
        for agent in conf.agent.values():
            _validate_agent(agent)
    except _Fail as e:
        raise ConfigError(str(e), file=conf.path) from None


def add_kernel_params(current: str, params: list[str]) -> str:
    """``BootInfo::add_kernel_params``: the new parameters first, so the configured ones win."""
    return " ".join([*params, current] if current else params)


def agent_kernel_params(conf: TomlConfig) -> dict[str, str]:
    """``TomlConfig::get_agent_kernel_params``: the agent's kernel parameters, sorted by key."""
    kv: dict[str, str] = {}
    cfg = conf.agent.get(conf.runtime.agent_name)
    if cfg is not None:
        if cfg.debug:
            kv["agent.log"] = "debug"
        if cfg.enable_tracing:
            kv["agent.trace"] = "true"
        if cfg.container_pipe_size > 0:
            kv["agent.container_pipe_size"] = str(cfg.container_pipe_size)
        if cfg.launch_process_timeout > 0:
            kv["agent.launch_process_timeout"] = str(cfg.launch_process_timeout)
        if cfg.cdh_api_timeout_ms > 0:
            kv["agent.cdh_api_timeout"] = str(cfg.cdh_api_timeout_ms // 1000)
        if cfg.debug_console_enabled:
            kv["agent.debug_console"] = ""
            kv["agent.debug_console_vport"] = str(DEFAULT_AGENT_DBG_CONSOLE_PORT)
        if cfg.visible_cdi_devices:
            kv["agent.visible_cdi_devices"] = "true"
        ma = cfg.mem_agent
        if ma.enable:
            kv["psi"] = "1"
            kv["agent.mem_agent_enable"] = "1"
            for field in (
                "memcg_disable",
                "memcg_swap",
                "memcg_swappiness_max",
                "memcg_period_secs",
                "memcg_period_psi_percent_limit",
                "memcg_eviction_psi_percent_limit",
                "memcg_eviction_run_aging_count_min",
                "compact_disable",
                "compact_period_secs",
                "compact_period_psi_percent_limit",
                "compact_psi_percent_limit",
                "compact_sec_max",
                "compact_order",
                "compact_threshold",
                "compact_force_times",
            ):
                v = getattr(ma, field)
                if v is not None:
                    kv[f"agent.mem_agent_{field}"] = (
                        ("true" if v else "false") if isinstance(v, bool) else str(v)
                    )
    return dict(sorted(kv.items()))
