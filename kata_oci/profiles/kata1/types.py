"""The runtime configuration: what a Kata runtime knows before it reads a bundle.

:class:`RuntimeConfig` and its parts mirror Kata 1.x's ``oci.RuntimeConfig``
and the ``virtcontainers`` types it holds. Field names are the snake_case of
Kata's Go field names, an acronym counting as one word (``NumVCPUs`` →
``num_vcpus``, ``IOMMUPlatform`` → ``iommu_platform``, ``Msize9p`` →
``msize_9p``). Every default is Go's zero value, so ``RuntimeConfig()`` is Go's
``RuntimeConfig{}``; Kata's own defaults (1 vCPU, 2048 MiB, ...) are applied
when a ``configuration.toml`` is loaded, not here.

Each type encodes to JSON with :func:`kata_oci.to_json`, under its Python
field names.
"""

import enum
from typing import ClassVar

import msgspec

from kata_oci.errors import KernelParamError, cut
from kata_oci.types import Feature, NetInterworkingModel, Param, deserialize_params, serialize_params

__all__ = [
    "AgentType",
    "FactoryConfig",
    "Feature",
    "HypervisorConfig",
    "HypervisorType",
    "KataAgentConfig",
    "NetInterworkingModel",
    "NetmonConfig",
    "Param",
    "ProxyConfig",
    "ProxyType",
    "RuntimeConfig",
    "ShimConfig",
    "ShimType",
    "deserialize_params",
    "serialize_params",
]


class _Struct(msgspec.Struct, kw_only=True):
    """Common configuration of the configuration structs."""


# --------------------------------------------------------------------------
# enums (Go string types; UNSET is Go's zero value "")


class HypervisorType(enum.StrEnum):
    """Which hypervisor runs the sandbox VM (``vc.HypervisorType``)."""

    UNSET = ""
    QEMU = "qemu"
    FIRECRACKER = "firecracker"
    ACRN = "acrn"
    CLH = "clh"
    MOCK = "mock"


class AgentType(enum.StrEnum):
    """The agent inside the VM (``vc.AgentType``)."""

    UNSET = ""
    NOOP = "noop"
    KATA = "kata"


class ProxyType(enum.StrEnum):
    """How the runtime reaches the agent (``vc.ProxyType``)."""

    UNSET = ""
    NOOP = "noopProxy"
    NO_PROXY = "noProxy"
    KATA = "kataProxy"
    KATA_BUILTIN = "kataBuiltInProxy"


class ShimType(enum.StrEnum):
    """The per-container shim (``vc.ShimType``)."""

    UNSET = ""
    NOOP = "noopShim"
    KATA = "kataShim"
    KATA_BUILTIN = "kataBuiltInShim"


# --------------------------------------------------------------------------
# parameters (Param and its (de)serialisation are kata_oci.types', shared with Kata 4.1)


def _checked_param(param: Param) -> Param:
    if not param.key:
        raise KernelParamError(f"empty kernel parameter key (value {cut(param.value)!r})")
    return param


# --------------------------------------------------------------------------
# hypervisor


class HypervisorConfig(_Struct):
    """The hypervisor settings (``vc.HypervisorConfig``)."""

    num_vcpus: int = 0
    default_max_vcpus: int = 0
    memory_size: int = 0
    default_bridges: int = 0
    msize_9p: int = 0
    mem_slots: int = 0
    mem_offset: int = 0
    virtio_fs_cache_size: int = 0
    kernel_params: list[Param] = msgspec.field(default_factory=list)
    hypervisor_params: list[Param] = msgspec.field(default_factory=list)
    kernel_path: str = ""
    image_path: str = ""
    initrd_path: str = ""
    firmware_path: str = ""
    machine_accelerators: str = ""
    cpu_features: str = ""
    hypervisor_path: str = ""
    hypervisor_path_list: list[str] = msgspec.field(default_factory=list)
    hypervisor_ctl_path_list: list[str] = msgspec.field(default_factory=list)
    hypervisor_ctl_path: str = ""
    jailer_path: str = ""
    jailer_path_list: list[str] = msgspec.field(default_factory=list)
    block_device_driver: str = ""
    hypervisor_machine_type: str = ""
    memory_path: str = ""
    devices_state_path: str = ""
    entropy_source: str = ""
    shared_fs: str = ""
    virtio_fs_daemon: str = ""
    virtio_fs_daemon_list: list[str] = msgspec.field(default_factory=list)
    virtio_fs_cache: str = ""
    virtio_fs_extra_args: list[str] = msgspec.field(default_factory=list)
    file_backed_mem_root_dir: str = ""
    pflash: list[str] = msgspec.field(default_factory=list)
    file_backed_mem_root_list: list[str] = msgspec.field(default_factory=list)
    block_device_cache_set: bool = False
    block_device_cache_direct: bool = False
    block_device_cache_noflush: bool = False
    disable_block_device_use: bool = False
    enable_iothreads: bool = False
    debug: bool = False
    mem_prealloc: bool = False
    huge_pages: bool = False
    virtio_mem: bool = False
    iommu: bool = False
    iommu_platform: bool = False
    realtime: bool = False
    mlock: bool = False
    disable_nesting_checks: bool = False
    use_vsock: bool = False
    disable_image_nvdimm: bool = False
    hotplug_vfio_on_root_bus: bool = False
    pcie_root_port: int = 0
    boot_to_be_template: bool = False
    boot_from_template: bool = False
    disable_vhost_net: bool = False
    enable_vhost_user_store: bool = False
    vhost_user_store_path: str = ""
    vhost_user_store_path_list: list[str] = msgspec.field(default_factory=list)
    guest_hook_path: str = ""
    vm_id: str = ""
    selinux_process_label: str = ""
    enable_annotations: list[str] = msgspec.field(default_factory=list)

    def add_kernel_param(self, param: Param) -> None:
        """Append a kernel parameter (``HypervisorConfig.AddKernelParam``).

        Raises :class:`KernelParamError` when the key is empty.
        """
        self.kernel_params.append(_checked_param(param))


# --------------------------------------------------------------------------
# agent, proxy, shim, netmon, factory, experimental features


class KataAgentConfig(_Struct):
    """The Kata agent settings (``vc.KataAgentConfig``)."""

    long_live_conn: bool = False
    use_vsock: bool = False
    debug: bool = False
    trace: bool = False
    container_pipe_size: int = 0
    trace_mode: str = ""
    trace_type: str = ""
    kernel_modules: list[str] = msgspec.field(default_factory=list)


class ProxyConfig(_Struct):
    """The proxy settings (``vc.ProxyConfig``)."""

    path: str = ""
    debug: bool = False


class ShimConfig(_Struct):
    """The shim settings (``vc.ShimConfig``)."""

    path: str = ""
    debug: bool = False
    trace: bool = False


class NetmonConfig(_Struct):
    """The network monitor settings (``vc.NetmonConfig``)."""

    path: str = ""
    debug: bool = False
    enable: bool = False


class FactoryConfig(_Struct):
    """The VM factory settings (``oci.FactoryConfig``)."""

    template: bool = False
    template_path: str = ""
    vm_cache_number: int = 0
    vm_cache_endpoint: str = ""


# --------------------------------------------------------------------------
# the runtime configuration


class RuntimeConfig(_Struct):
    """Every runtime-specific setting (``oci.RuntimeConfig``)."""

    hypervisor_type: HypervisorType = HypervisorType.UNSET
    hypervisor_config: HypervisorConfig = msgspec.field(default_factory=HypervisorConfig)
    netmon_config: NetmonConfig = msgspec.field(default_factory=NetmonConfig)
    agent_type: AgentType = AgentType.UNSET
    agent_config: KataAgentConfig | None = None
    proxy_type: ProxyType = ProxyType.UNSET
    proxy_config: ProxyConfig = msgspec.field(default_factory=ProxyConfig)
    shim_type: ShimType = ShimType.UNSET
    shim_config: ShimConfig | None = None
    console: str = ""
    inter_network_model: NetInterworkingModel = NetInterworkingModel.DEFAULT
    factory_config: FactoryConfig = msgspec.field(default_factory=FactoryConfig)
    debug: bool = False
    trace: bool = False
    disable_guest_seccomp: bool = False
    disable_new_net_ns: bool = False
    sandbox_cgroup_only: bool = False
    enable_agent_pid_ns: bool = False
    experimental: list[Feature] = msgspec.field(default_factory=list)
    #: Not a Go field: what the loader noticed and Kata ignores (unknown keys), for an
    #: application to show; the library only logs them.
    warnings: tuple[str, ...] = ()

    #: The runtime profile these settings are for: always ``"kata1"``. Not a Go field and not a
    #: struct field (a class attribute: not encoded, so kata1's JSON is the seed's, byte for
    #: byte); read on every conversion, where a property's call cost ~1,400 instructions.
    profile: ClassVar[str] = "kata1"

    def add_kernel_param(self, param: Param) -> None:
        """Append a kernel parameter to the hypervisor configuration (``RuntimeConfig.AddKernelParam``).

        Raises :class:`KernelParamError` when the key is empty.
        """
        self.hypervisor_config.add_kernel_param(param)
