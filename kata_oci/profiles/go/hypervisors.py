"""The six hypervisor builders of Kata 4.1's katautils, and the defaults they apply.

``new{Qemu,Clh,Firecracker,Dragonball,Stratovirt,Remote}HypervisorConfig`` and
the ``hypervisor`` helper methods they call (``defaultVCPUs``,
``defaultMemSz``, ``blockDeviceDriver``, ...) of Kata 4.1.0's
``pkg/katautils/config.go`` (7c6ba40), each check in Go's order, so the first
error is Kata's. One grep for a TOML key (``default_memory``) finds where it
is checked. :mod:`kata_oci.profiles.go.loader` runs them.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Protocol

from kata_oci import golang
from kata_oci.errors import ConfigError
from kata_oci.hostchecks import THIS_HOST, HostCheckError, HostChecks
from kata_oci.loading import clean_comma_list as _clean_comma_list
from kata_oci.log import log
from kata_oci.profiles.go.types import (
    GuestExtensionImage,
    GuestNUMANode,
    HypervisorConfig,
    HypervisorType,
    MonitorProtocol,
    Param,
    PCIePort,
    deserialize_params,
)

if TYPE_CHECKING:
    from kata_oci.profiles.go.schema import TomlHypervisor

__all__ = [
    "HYPERVISOR_TYPES",
    "HypervisorBuilder",
    "default_hypervisor_config",
    "kernel_param_fields",
    "parse_kernel_verity_params",
]


class _Errors(Protocol):
    """Where a builder's errors point: the file that set the key (main file or drop-in)."""

    @property
    def main_file(self) -> str: ...

    def error(self, reason: str, *key: str) -> ConfigError: ...


# --------------------------------------------------------------------------
# Go's defaults (config-settings.go.in, config.go, virtcontainers)

_DEFAULT_HYPERVISOR_PATH = "/usr/bin/qemu-system-x86_64"
_DEFAULT_JAILER_PATH = "/usr/bin/jailer"
_DEFAULT_IMAGE_PATH = "/usr/share/kata-containers/kata-containers.img"
_DEFAULT_KERNEL_PATH = "/usr/share/kata-containers/vmlinuz.container"
_DEFAULT_INITRD_PATH = "/usr/share/kata-containers/kata-containers-initrd.img"
_DEFAULT_ROOTFS_TYPE = "ext4"
_DEFAULT_MACHINE_TYPE = "q35"
_DEFAULT_VCPU_COUNT = 1
_DEFAULT_MEM_SIZE = 2048  # MiB
_MIN_HYPERVISOR_MEMORY = 256  # MiB, vc.MinHypervisorMemory
_DEFAULT_MEM_SLOTS = 10
_DEFAULT_HYPERVISOR_LOGLEVEL = 1
_MAX_HYPERVISOR_LOGLEVEL = 3
_DEFAULT_BRIDGES = 1
_MAX_PCI_BRIDGES = 5
_MAX_PCIE_ROOT_PORTS = 16
_MAX_PCIE_SWITCH_PORTS = 16
_DEFAULT_BLOCK_DRIVER = "virtio-scsi"
_DEFAULT_BLOCK_AIO = "io_uring"
_DEFAULT_MSIZE_9P = 8192
_DEFAULT_ENTROPY_SOURCE = "/dev/urandom"
_DEFAULT_VIRTIO_FS_CACHE = "never"
_DEFAULT_VHOST_USER_STORE_PATH = "/var/run/kata-containers/vhost-user/"
_DEFAULT_MEASUREMENT_ALGO = "sha512"
_DEFAULT_REMOTE_SOCKET = "/run/peerpod/hypervisor.sock"
_DEFAULT_REMOTE_TIMEOUT = 600

_BLOCK_DRIVERS = ("virtio-scsi", "virtio-blk", "virtio-mmio", "nvdimm", "virtio-blk-ccw")
_BLOCK_AIO = ("io_uring", "native", "threads")
_MONITORS = ("hmp", "qmp", "qmp-pretty")
_VIRTIO_9P, _VIRTIO_FS, _VIRTIO_FS_NYDUS, _NO_SHARED_FS = "virtio-9p", "virtio-fs", "virtio-fs-nydus", "none"
_SHARED_FS = (_VIRTIO_9P, _VIRTIO_FS, _VIRTIO_FS_NYDUS, _NO_SHARED_FS)
_VERITY_BLOCK_SIZE = 512

HYPERVISOR_TYPES: dict[str, HypervisorType] = {
    "firecracker": HypervisorType.FIRECRACKER,
    "qemu": HypervisorType.QEMU,
    "clh": HypervisorType.CLH,
    "dragonball": HypervisorType.DRAGONBALL,
    "stratovirt": HypervisorType.STRATOVIRT,
    "remote": HypervisorType.REMOTE,
}

# govmm.MaxVCPUs() per architecture (platform.machine() and Go spellings).
_MAX_VCPUS = {
    "x86_64": 240,
    "amd64": 240,
    "aarch64": 123,
    "arm64": 123,
    "ppc64le": 128,
    "s390x": 248,
    "riscv64": 512,
}

_MIB = 1024 * 1024


# --------------------------------------------------------------------------
# small Go helpers


_GO_SPACE_STR = "".join(sorted(golang.GO_SPACE))


def kernel_param_fields(s: str) -> list[str]:
    """Go's ``vc.KernelParamFields``: split on spaces outside double quotes, each part trimmed."""
    params: list[str] = []
    start = 0
    in_quote = False
    for current, c in enumerate(s):
        if c == '"':
            in_quote = not in_quote
        elif c == " " and not in_quote:
            part = s[start:current].strip(_GO_SPACE_STR)
            if part:
                params.append(part)
            start = current + 1
    part = s[start:].strip(_GO_SPACE_STR)
    if part:
        params.append(part)
    return params


def parse_kernel_verity_params(params: str) -> None:
    """Go's ``vc.ParseKernelVerityParams`` checks; raises :class:`ValueError` with Go's message."""
    if not params.strip(_GO_SPACE_STR):
        return
    values: dict[str, str] = {}
    for raw in params.split(","):
        field = raw.strip(_GO_SPACE_STR)
        if not field:
            continue
        key, sep, value = field.partition("=")
        if not sep:
            raise ValueError(f"invalid kernel_verity_params entry: {golang.go_quote(field)}")
        values[key] = value
    if not values.get("root_hash"):
        raise ValueError("missing kernel_verity_params root_hash")
    numbers: dict[str, int] = {}
    for name in ("data_blocks", "data_block_size", "hash_block_size"):
        value = values.get(name, "")
        if not value:
            raise ValueError(f"missing kernel_verity_params {name}")
        try:
            numbers[name] = golang.parse_uint(value, 64)
        except golang.NumError as exc:
            raise ValueError(f"invalid kernel_verity_params {name} {golang.go_quote(value)}: {exc}") from None
    if not values.get("salt"):
        raise ValueError("missing kernel_verity_params salt")
    for name in ("data_blocks", "data_block_size", "hash_block_size"):
        if numbers[name] == 0:
            raise ValueError(f"invalid kernel_verity_params {name}: must be non-zero")
    for name in ("data_block_size", "hash_block_size"):
        if numbers[name] % _VERITY_BLOCK_SIZE:
            raise ValueError(f"invalid kernel_verity_params {name}: must be multiple of {_VERITY_BLOCK_SIZE}")


#: The keys that take one of a few values: (default, values, Go's message), in the order Go lists them.
_CHOICES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "block_device_driver": (
        _DEFAULT_BLOCK_DRIVER,
        _BLOCK_DRIVERS,
        "Invalid hypervisor block storage driver {value} specified (supported drivers: {allowed})",
    ),
    "block_device_aio": (
        _DEFAULT_BLOCK_AIO,
        _BLOCK_AIO,
        "Invalid hypervisor block storage I/O mechanism  {value} specified (supported AIO: {allowed})",
    ),
    "extra_monitor_socket": (
        "",
        _MONITORS,
        "Invalid hypervisor extra monitor socket {value} specified (supported values: {allowed})",
    ),
    "shared_fs": (
        _VIRTIO_FS,
        _SHARED_FS,
        "Invalid hypervisor shared file system {value} specified (supported file systems: {allowed})",
    ),
}

_EXTENSION_NAME = re.compile(r"[A-Za-z0-9_-]+")


def _go_list(values: tuple[str, ...]) -> str:
    return "[" + " ".join(values) + "]"


# --------------------------------------------------------------------------
# the hypervisor builders


class HypervisorBuilder:
    """Go's ``hypervisor`` helper methods and the six ``new*HypervisorConfig`` builders."""

    def __init__(self, name: str, h: TomlHypervisor, merged: _Errors, host: HostChecks | None) -> None:
        self.name = name
        self.h = h
        self.merged = merged
        self.host = host if host is not None and host.check_files else None  # checks
        self.facts = host or THIS_HOST

    def error(self, reason: str, field: str | None = None) -> ConfigError:
        key = ("hypervisor", self.name, field) if field else ("hypervisor", self.name)
        return self.merged.error(reason, *key)

    # -- paths (ResolvePath only with host checks)

    def resolve(self, field: str, value: str, default: str = "") -> str:
        path = value or default
        if not path or self.host is None:
            return path
        try:
            return self.host.resolve(path)
        except HostCheckError as exc:
            hint = "" if value else " (the default; the key is not set)"
            raise self.error(f"{exc.reason}{hint}", field) from None

    def path(self) -> str:
        return self.resolve("path", self.h.path, _DEFAULT_HYPERVISOR_PATH)

    def kernel(self) -> str:
        return self.resolve("kernel", self.h.kernel, _DEFAULT_KERNEL_PATH)

    def pflash(self) -> list[str]:
        if self.host is not None:
            for entry in self.h.pflashes:
                try:
                    self.host.resolve(entry)
                except HostCheckError as exc:
                    raise self.error(f"failed to resolve path: {entry}: {exc.reason}", "pflashes") from None
        return list(self.h.pflashes)

    def vsock(self) -> None:
        if self.host is not None and not self.host.supports_vsock():
            raise self.error(self.host.vsock_error())

    # -- values

    def rootfs_type(self) -> str:
        return self.h.rootfs_type or _DEFAULT_ROOTFS_TYPE

    def machine_type(self) -> str:
        return self.h.machine_type or _DEFAULT_MACHINE_TYPE

    def kernel_params(self) -> list[Param]:
        return deserialize_params(kernel_param_fields(self.h.kernel_params))

    def max_vcpus_limit(self) -> int:
        return _MAX_VCPUS.get(self.facts.machine(), 240)

    def default_max_vcpus(self, requested: int) -> int:
        numcpus = self.facts.host_cpus()
        if requested >= numcpus or requested == 0:
            requested = numcpus
        return min(requested, self.max_vcpus_limit())

    def num_vcpus(self) -> float:
        num_cpus = float(self.default_max_vcpus(0))  # getCurrentCpuNum
        n = self.h.default_vcpus
        if n < 0 or n > num_cpus:
            return num_cpus
        if n == 0:
            return float(_DEFAULT_VCPU_COUNT)
        return n

    def memory(self) -> int:
        m = self.h.default_memory
        return _DEFAULT_MEM_SIZE if m < _MIN_HYPERVISOR_MEMORY else m

    def max_memory(self) -> int:
        host_mib = self.facts.total_memory_bytes() // _MIB
        m = self.h.default_maxmemory
        return host_mib if m == 0 or m > host_mib else m

    def bridges(self) -> int:
        n = self.h.default_bridges
        return _DEFAULT_BRIDGES if n == 0 else min(n, _MAX_PCI_BRIDGES)

    def loglevel(self) -> int:
        n = self.h.hypervisor_loglevel
        return _DEFAULT_HYPERVISOR_LOGLEVEL if n == 0 else min(n, _MAX_HYPERVISOR_LOGLEVEL)

    def port(self, field: str) -> PCIePort:
        """``hotPlugVFIO()``/``coldPlugVFIO()``; a value Go has no constant for is refused by check_pcie."""
        value: str = getattr(self.h, field)
        if not value:
            return PCIePort.NO_PORT
        try:
            return PCIePort(value)
        except ValueError:
            return PCIePort.INVALID_PORT  # placeholder: check_pcie refuses it, with the raw value

    def choice(self, field: str) -> str:
        """A key with a default and a list of values (:data:`_CHOICES`), with Go's message."""
        default, allowed, message = _CHOICES[field]
        value: str = getattr(self.h, field)
        if not value:
            return default
        if value in allowed:
            return value
        raise self.error(message.format(value=value, allowed=_go_list(allowed)), field)

    def block_device_driver(self) -> str:
        return self.choice("block_device_driver")

    def shared_fs(self) -> str:
        return self.choice("shared_fs")

    def needs_daemon(self, shared_fs: str) -> None:
        if shared_fs in (_VIRTIO_FS, _VIRTIO_FS_NYDUS) and not self.h.virtio_fs_daemon:
            raise self.error(
                f"cannot enable {shared_fs} without daemon path in configuration file", "virtio_fs_daemon"
            )

    def sector_sizes(self) -> tuple[int, int]:
        sizes = []
        for field in ("block_device_logical_sector_size", "block_device_physical_sector_size"):
            size: int = getattr(self.h, field)
            if size and (size < 512 or size > 65536 or size & (size - 1)):
                raise self.error(
                    f"invalid {field} {size}: must be 0 or a power of 2 between 512 and 65536", field
                )
            sizes.append(size)
        logical, physical = sizes
        if logical and physical and logical > physical:
            raise self.error(
                f"invalid sector sizes: logical ({logical}) must not be larger than physical ({physical})",
                "block_device_logical_sector_size",
            )
        return logical, physical

    def guest_extension_images(self) -> list[GuestExtensionImage]:
        out = []
        for i, img in enumerate(self.h.guest_extension_images):
            if not img.name:
                raise self.error(
                    f"guest_extension_images entry {i} is missing required 'name' field",
                    "guest_extension_images",
                )
            if _EXTENSION_NAME.fullmatch(img.name) is None:
                raise self.error(
                    f"guest_extension_images '{img.name}' has an invalid name: only ASCII alphanumerics, "
                    "'-' and '_' are allowed (the name is used in the virtio-blk serial and in the "
                    "kata.extension.<name>.verity_params kernel parameter)",
                    "guest_extension_images",
                )
            try:
                parse_kernel_verity_params(img.verity_params)
            except ValueError as exc:
                raise self.error(
                    f"guest_extension_images '{img.name}' has invalid verity_params: {exc}",
                    "guest_extension_images",
                ) from None
            out.append(GuestExtensionImage(name=img.name, path=img.path, verity_params=img.verity_params))
        return out

    def one_time_burst(self, burst: str, rate: str) -> int:
        value: int = getattr(self.h, burst)
        if value != 0 and getattr(self.h, rate) == 0:
            log.warning(
                "configuration_rate_limiter_burst_ignored",
                key=f"hypervisor.{self.name}.{burst}",
                reason=f"{burst} is set but {rate} is not: ignored",
            )
            return 0
        return value

    def numa(self) -> list[GuestNUMANode]:
        """Go's ``defaultGuestNUMANodes``: a failure is a warning and no nodes, as in Go."""
        if not self.h.enable_numa:
            return []
        try:
            found = self.facts.guest_numa_nodes(self.h.numa_mapping)
        except HostCheckError as exc:
            log.warning(
                "configuration_numa_nodes_unavailable",
                key=f"hypervisor.{self.name}.enable_numa",
                reason=f"Cannot construct guest NUMA nodes: {exc.reason}",
            )
            return []
        return [GuestNUMANode(host_nodes=nodes, host_cpus=cpus) for nodes, cpus in found]

    def common(self) -> dict[str, Any]:
        """Fields every builder but remote sets the same way."""
        return {
            "kernel_verity_params": self.h.kernel_verity_params,
            "num_vcpus_f": self.num_vcpus(),
            "default_max_vcpus": self.default_max_vcpus(self.h.default_maxvcpus),
            "memory_size": self.memory(),
            "mem_slots": self.h.memory_slots or _DEFAULT_MEM_SLOTS,
            "entropy_source": self.h.entropy_source or _DEFAULT_ENTROPY_SOURCE,
            "debug": self.h.enable_debug,
        }

    # -- builders (fields in Go's order of evaluation for errors)

    def firecracker(self) -> HypervisorConfig:
        h = self.h
        path = self.path()
        jailer = self.resolve("jailer_path", h.jailer_path)
        kernel = self.kernel()
        initrd = self.resolve("initrd", h.initrd)
        image = self.resolve("image", h.image)
        rootfs_type = self.rootfs_type()
        firmware = self.resolve("firmware", h.firmware)
        block_driver = self.block_device_driver()
        return HypervisorConfig(
            **self.common(),
            hypervisor_path=path,
            hypervisor_path_list=list(h.valid_hypervisor_paths),
            jailer_path=jailer,
            jailer_path_list=list(h.valid_jailer_paths),
            kernel_path=kernel,
            initrd_path=initrd,
            image_path=image,
            rootfs_type=rootfs_type,
            firmware_path=firmware,
            kernel_params=self.kernel_params(),
            default_max_memory_size=self.max_memory(),
            entropy_source_list=list(h.valid_entropy_sources),
            default_bridges=self.bridges(),
            disable_block_device_use=False,
            huge_pages=h.enable_hugepages,
            disable_nesting_checks=h.disable_nesting_checks,
            block_device_driver=block_driver,
            enable_iothreads=h.enable_iothreads,
            indep_iothreads=h.indep_iothreads,
            disable_vhost_net=True,
            guest_hook_path=h.guest_hook_path,
            rx_rate_limiter_max_rate=h.rx_rate_limiter_max_rate,
            tx_rate_limiter_max_rate=h.tx_rate_limiter_max_rate,
            enable_annotations=list(h.enable_annotations),
            disable_selinux=h.disable_selinux,
            disable_guest_selinux=True,
        )

    def qemu(self) -> HypervisorConfig:
        h = self.h
        path = self.path()
        kernel = self.kernel()
        initrd = self.resolve("initrd", h.initrd)
        image = self.resolve("image", h.image)
        rootfs_type = self.rootfs_type()
        pflash = self.pflash()
        firmware = self.resolve("firmware", h.firmware)
        firmware_volume = self.resolve("firmware_volume", h.firmware_volume)
        machine_type = self.machine_type()
        disable_image_nvdimm = h.disable_image_nvdimm
        if machine_type == "microvm" and not disable_image_nvdimm:
            disable_image_nvdimm = True
            log.info("configuration_microvm_nvdimm_disabled", file=self.merged.main_file)
        if self.facts.machine() in ("aarch64", "arm64") and not firmware and not pflash:
            disable_image_nvdimm = True
            log.info("configuration_arm64_nvdimm_disabled", file=self.merged.main_file)
        block_driver = self.block_device_driver()
        block_aio = self.choice("block_device_aio")
        shared_fs = self.shared_fs()
        self.needs_daemon(shared_fs)
        self.vsock()
        extra_monitor = MonitorProtocol(self.choice("extra_monitor_socket"))
        logical, physical = self.sector_sizes()
        extensions = self.guest_extension_images()
        if h.enable_iommu_platform:
            log.info("configuration_iommu_platform_enabled", file=self.merged.main_file)
        return HypervisorConfig(
            **self.common(),
            hypervisor_path=path,
            hypervisor_path_list=list(h.valid_hypervisor_paths),
            kernel_path=kernel,
            initrd_path=initrd,
            image_path=image,
            rootfs_type=rootfs_type,
            firmware_path=firmware,
            firmware_volume_path=firmware_volume,
            pflash=pflash,
            machine_accelerators=_clean_comma_list(h.machine_accelerators),
            cpu_features=_clean_comma_list(h.cpu_features),
            kernel_params=self.kernel_params(),
            hypervisor_machine_type=machine_type,
            qgs_port=h.tdx_quote_generation_service_socket_port,
            mem_offset=h.memory_offset,
            default_max_memory_size=self.max_memory(),
            virtio_mem=h.enable_virtio_mem,
            entropy_source_list=list(h.valid_entropy_sources),
            default_bridges=self.bridges(),
            disable_block_device_use=h.disable_block_device_use,
            shared_fs=shared_fs,
            virtio_fs_daemon=h.virtio_fs_daemon,
            virtio_fs_daemon_list=list(h.valid_virtio_fs_daemon_paths),
            hypervisor_loglevel=self.loglevel(),
            virtio_fs_cache_size=h.virtio_fs_cache_size,
            virtio_fs_cache=h.virtio_fs_cache or _DEFAULT_VIRTIO_FS_CACHE,
            virtio_fs_queue_size=h.virtio_fs_queue_size,
            virtio_fs_extra_args=list(h.virtio_fs_extra_args),
            mem_prealloc=h.enable_mem_prealloc,
            reclaim_guest_freed_memory=h.reclaim_guest_freed_memory,
            huge_pages=h.enable_hugepages,
            iommu=h.enable_iommu,
            iommu_platform=h.enable_iommu_platform,
            guest_numa_nodes=self.numa(),
            numa_mapping=list(h.numa_mapping),
            disable_nesting_checks=h.disable_nesting_checks,
            block_device_driver=block_driver,
            block_device_aio=block_aio,
            block_device_cache_set=h.block_device_cache_set,
            block_device_cache_direct=h.block_device_cache_direct,
            block_device_cache_noflush=h.block_device_cache_noflush,
            block_device_logical_sector_size=logical,
            block_device_physical_sector_size=physical,
            enable_iothreads=h.enable_iothreads,
            indep_iothreads=h.indep_iothreads,
            msize_9p=h.msize_9p or _DEFAULT_MSIZE_9P,
            disable_image_nvdimm=disable_image_nvdimm,
            hot_plug_vfio=self.port("hot_plug_vfio"),
            cold_plug_vfio=self.port("cold_plug_vfio"),
            pcie_root_port=min(h.pcie_root_port, _MAX_PCIE_ROOT_PORTS),
            pcie_switch_port=min(h.pcie_switch_port, _MAX_PCIE_SWITCH_PORTS),
            disable_vhost_net=h.disable_vhost_net,
            enable_vhost_user_store=h.enable_vhost_user_store,
            vhost_user_store_path=h.vhost_user_store_path or _DEFAULT_VHOST_USER_STORE_PATH,
            vhost_user_store_path_list=list(h.valid_vhost_user_store_paths),
            vhost_user_device_reconnect=h.vhost_user_reconnect_timeout_sec,
            seccomp_sandbox=h.seccompsandbox,
            guest_hook_path=h.guest_hook_path,
            rx_rate_limiter_max_rate=h.rx_rate_limiter_max_rate,
            tx_rate_limiter_max_rate=h.tx_rate_limiter_max_rate,
            enable_annotations=list(h.enable_annotations),
            guest_memory_dump_path=h.guest_memory_dump_path,
            guest_memory_dump_paging=h.guest_memory_dump_paging,
            confidential_guest=h.confidential_guest,
            sev_snp_guest=h.sev_snp_guest,
            guest_swap=h.enable_guest_swap,
            rootless=h.rootless,
            legacy_serial=h.use_legacy_serial,
            disable_selinux=h.disable_selinux,
            disable_guest_selinux=h.disable_guest_selinux,
            extra_monitor_socket=extra_monitor,
            snp_id_block=h.snp_id_block,
            snp_id_auth=h.snp_id_auth,
            snp_guest_policy=h.snp_guest_policy,
            measurement_algo=h.measurement_algo or _DEFAULT_MEASUREMENT_ALGO,
            guest_extension_images=extensions,
        )

    def clh(self) -> HypervisorConfig:
        h = self.h
        path = self.path()
        kernel = self.kernel()
        initrd = self.resolve("initrd", h.initrd)
        image = self.resolve("image", h.image)
        if not image and not initrd:
            raise self.error("image or initrd must be defined in the configuration file", "image")
        rootfs_type = self.rootfs_type()
        firmware = self.resolve("firmware", h.firmware)
        machine_type = self.machine_type()
        block_driver = self.block_device_driver()
        shared_fs = self.shared_fs()
        if shared_fs not in (_VIRTIO_FS, _VIRTIO_FS_NYDUS, _NO_SHARED_FS):
            raise self.error(
                f"Cloud Hypervisor does not support {shared_fs} shared filesystem option", "shared_fs"
            )
        self.needs_daemon(shared_fs)
        return HypervisorConfig(
            **self.common(),
            hypervisor_path=path,
            hypervisor_path_list=list(h.valid_hypervisor_paths),
            kernel_path=kernel,
            initrd_path=initrd,
            image_path=image,
            rootfs_type=rootfs_type,
            firmware_path=firmware,
            machine_accelerators=_clean_comma_list(h.machine_accelerators),
            kernel_params=self.kernel_params(),
            hypervisor_machine_type=machine_type,
            mem_offset=h.memory_offset,
            default_max_memory_size=self.max_memory(),
            virtio_mem=h.enable_virtio_mem,
            entropy_source_list=list(h.valid_entropy_sources),
            default_bridges=self.bridges(),
            disable_block_device_use=h.disable_block_device_use,
            shared_fs=shared_fs,
            virtio_fs_daemon=h.virtio_fs_daemon,
            virtio_fs_daemon_list=list(h.valid_virtio_fs_daemon_paths),
            hypervisor_loglevel=self.loglevel(),
            virtio_fs_cache_size=h.virtio_fs_cache_size,
            virtio_fs_cache=h.virtio_fs_cache,
            mem_prealloc=h.enable_mem_prealloc,
            reclaim_guest_freed_memory=h.reclaim_guest_freed_memory,
            huge_pages=h.enable_hugepages,
            disable_nesting_checks=h.disable_nesting_checks,
            block_device_driver=block_driver,
            block_device_cache_set=h.block_device_cache_set,
            block_device_cache_direct=h.block_device_cache_direct,
            enable_iothreads=h.enable_iothreads,
            indep_iothreads=h.indep_iothreads,
            msize_9p=h.msize_9p or _DEFAULT_MSIZE_9P,
            disable_image_nvdimm=h.disable_image_nvdimm,
            cold_plug_vfio=self.port("cold_plug_vfio"),
            hot_plug_vfio=self.port("hot_plug_vfio"),
            pcie_root_port=min(h.pcie_root_port, _MAX_PCIE_ROOT_PORTS),
            pcie_switch_port=min(h.pcie_switch_port, _MAX_PCIE_SWITCH_PORTS),
            disable_vhost_net=True,
            guest_hook_path=h.guest_hook_path,
            virtio_fs_extra_args=list(h.virtio_fs_extra_args),
            sgx_epc_size=0,
            enable_annotations=list(h.enable_annotations),
            disable_seccomp=h.disable_seccomp,
            confidential_guest=h.confidential_guest,
            rootless=h.rootless,
            disable_selinux=h.disable_selinux,
            disable_guest_selinux=h.disable_guest_selinux,
            net_rate_limiter_bw_max_rate=h.net_rate_limiter_bw_max_rate,
            net_rate_limiter_bw_one_time_burst=self.one_time_burst(
                "net_rate_limiter_bw_one_time_burst", "net_rate_limiter_bw_max_rate"
            ),
            net_rate_limiter_ops_max_rate=h.net_rate_limiter_ops_max_rate,
            net_rate_limiter_ops_one_time_burst=self.one_time_burst(
                "net_rate_limiter_ops_one_time_burst", "net_rate_limiter_ops_max_rate"
            ),
            disk_rate_limiter_bw_max_rate=h.disk_rate_limiter_bw_max_rate,
            disk_rate_limiter_bw_one_time_burst=self.one_time_burst(
                "disk_rate_limiter_bw_one_time_burst", "disk_rate_limiter_bw_max_rate"
            ),
            disk_rate_limiter_ops_max_rate=h.disk_rate_limiter_ops_max_rate,
            disk_rate_limiter_ops_one_time_burst=self.one_time_burst(
                "disk_rate_limiter_ops_one_time_burst", "disk_rate_limiter_ops_max_rate"
            ),
            measurement_algo=h.measurement_algo or _DEFAULT_MEASUREMENT_ALGO,
        )

    def dragonball(self) -> HypervisorConfig:
        h = self.h
        kernel = self.kernel()
        image = self.resolve("image", h.image)
        rootfs_type = self.rootfs_type()
        return HypervisorConfig(
            **self.common(),
            kernel_path=kernel,
            image_path=image,
            rootfs_type=rootfs_type,
            kernel_params=self.kernel_params(),
        )

    def stratovirt(self) -> HypervisorConfig:
        h = self.h
        path = self.path()
        kernel = self.kernel()
        initrd = self.resolve("initrd", h.initrd)
        image = self.resolve("image", h.image)
        if image and initrd:
            raise self.error(
                "having both an image and an initrd defined in the configuration file is not supported",
                "initrd",
            )
        if not image and not initrd:
            raise self.error("image or initrd must be defined in the configuration file", "image")
        rootfs_type = self.rootfs_type()
        machine_type = self.machine_type()
        block_driver = self.block_device_driver()
        self.vsock()
        shared_fs = self.shared_fs()
        if shared_fs not in (_VIRTIO_FS, _VIRTIO_FS_NYDUS, _NO_SHARED_FS):
            raise self.error(
                f"Stratovirt Hypervisor does not support {shared_fs} shared filesystem option", "shared_fs"
            )
        self.needs_daemon(shared_fs)
        logical, physical = self.sector_sizes()
        return HypervisorConfig(
            **self.common(),
            hypervisor_path=path,
            hypervisor_path_list=list(h.valid_hypervisor_paths),
            kernel_path=kernel,
            initrd_path=initrd,
            image_path=image,
            rootfs_type=rootfs_type,
            kernel_params=deserialize_params(golang.fields(h.kernel_params)),
            hypervisor_machine_type=machine_type,
            mem_offset=h.memory_offset,
            default_max_memory_size=self.max_memory(),
            default_bridges=self.bridges(),
            disable_block_device_use=h.disable_block_device_use,
            shared_fs=shared_fs,
            virtio_fs_daemon=h.virtio_fs_daemon,
            virtio_fs_daemon_list=list(h.valid_virtio_fs_daemon_paths),
            hypervisor_loglevel=self.loglevel(),
            virtio_fs_cache_size=h.virtio_fs_cache_size,
            virtio_fs_cache=h.virtio_fs_cache or _DEFAULT_VIRTIO_FS_CACHE,
            virtio_fs_extra_args=list(h.virtio_fs_extra_args),
            huge_pages=h.enable_hugepages,
            disable_nesting_checks=h.disable_nesting_checks,
            block_device_driver=block_driver,
            block_device_logical_sector_size=logical,
            block_device_physical_sector_size=physical,
            disable_vhost_net=True,
            guest_hook_path=h.guest_hook_path,
            enable_annotations=list(h.enable_annotations),
            disable_seccomp=h.disable_seccomp,
            disable_selinux=h.disable_selinux,
            disable_guest_selinux=h.disable_guest_selinux,
        )

    def remote(self) -> HypervisorConfig:
        h = self.h
        return HypervisorConfig(
            remote_hypervisor_socket=h.remote_hypervisor_socket or _DEFAULT_REMOTE_SOCKET,
            remote_hypervisor_timeout=h.remote_hypervisor_timeout or _DEFAULT_REMOTE_TIMEOUT,
            disable_guest_selinux=True,
            hypervisor_machine_type=h.machine_type,
            shared_fs=_NO_SHARED_FS,
            block_device_driver="dummy",
            enable_annotations=list(h.enable_annotations),
            guest_hook_path=h.guest_hook_path,
        )

    def build(self) -> HypervisorConfig:
        builders = {
            "firecracker": self.firecracker,
            "qemu": self.qemu,
            "clh": self.clh,
            "dragonball": self.dragonball,
            "stratovirt": self.stratovirt,
            "remote": self.remote,
        }
        return builders[self.name]()


def default_hypervisor_config() -> HypervisorConfig:
    """Go's ``GetDefaultHypervisorConfig()``: used when the file has no hypervisor table."""
    return HypervisorConfig(
        hypervisor_path=_DEFAULT_HYPERVISOR_PATH,
        jailer_path=_DEFAULT_JAILER_PATH,
        kernel_path=_DEFAULT_KERNEL_PATH,
        image_path=_DEFAULT_IMAGE_PATH,
        initrd_path=_DEFAULT_INITRD_PATH,
        rootfs_type=_DEFAULT_ROOTFS_TYPE,
        hypervisor_machine_type=_DEFAULT_MACHINE_TYPE,
        num_vcpus_f=float(_DEFAULT_VCPU_COUNT),
        memory_size=_DEFAULT_MEM_SIZE,
        default_bridges=_DEFAULT_BRIDGES,
        block_device_driver=_DEFAULT_BLOCK_DRIVER,
        block_device_aio=_DEFAULT_BLOCK_AIO,
        msize_9p=_DEFAULT_MSIZE_9P,
        cold_plug_vfio=PCIePort.NO_PORT,
        hot_plug_vfio=PCIePort.NO_PORT,
        vhost_user_store_path=_DEFAULT_VHOST_USER_STORE_PATH,
        hypervisor_loglevel=_DEFAULT_HYPERVISOR_LOGLEVEL,
        virtio_fs_cache=_DEFAULT_VIRTIO_FS_CACHE,
        disable_guest_selinux=True,
    )
