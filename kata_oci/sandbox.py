"""What a Kata-style runtime boots from: the sandbox and container configurations.

These mirror Kata 1.x's ``virtcontainers`` types (``SandboxConfig``,
``ContainerConfig``, ``types.Cmd``, ``config.DeviceInfo``, ...) with
snake_case names and Go's zero values as defaults.
"""

import datetime
import enum

import msgspec

from .profiles.kata1.types import (
    AgentType,
    Feature,
    HypervisorConfig,
    HypervisorType,
    KataAgentConfig,
    NetInterworkingModel,
    NetmonConfig,
    ProxyConfig,
    ProxyType,
    ShimConfig,
    ShimType,
)
from .spec import LinuxCapabilities, LinuxResources, Spec

__all__ = [
    "DEFAULT_SHM_SIZE",
    "Cmd",
    "ContainerConfig",
    "ContainerState",
    "ContainerStatus",
    "DeviceInfo",
    "EnvVar",
    "Mount",
    "NetworkConfig",
    "RootFs",
    "SandboxConfig",
    "StateString",
]

#: The size of ``/dev/shm`` when it is not a bind mount of another filesystem (64 MiB).
DEFAULT_SHM_SIZE = 65536 * 1024


class _Struct(msgspec.Struct, kw_only=True):
    """Common configuration of the sandbox structs."""


class StateString(enum.StrEnum):
    """A sandbox or container state (``types.StateString``); UNSET is Go's zero value."""

    UNSET = ""
    READY = "ready"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class EnvVar(msgspec.Struct, frozen=True, gc=False):
    """One environment variable (``types.EnvVar``): ``EnvVar(var, value)``; two strings: untracked by GC."""

    var: str
    value: str = ""


class Cmd(_Struct):
    """The workload command (``types.Cmd``)."""

    args: list[str] = msgspec.field(default_factory=list)
    envs: list[EnvVar] = msgspec.field(default_factory=list)
    supplementary_groups: list[str] = msgspec.field(default_factory=list)
    user: str = ""
    primary_group: str = ""
    work_dir: str = ""
    console: str = ""
    capabilities: LinuxCapabilities | None = None
    interactive: bool = False
    detach: bool = False
    no_new_privileges: bool = False


class RootFs(_Struct):
    """The container's root filesystem on the host (``vc.RootFs``)."""

    source: str = ""
    target: str = ""
    type: str = ""
    options: list[str] = msgspec.field(default_factory=list)
    mounted: bool = False


class Mount(_Struct, gc=False):
    """A container mount (``vc.Mount``).

    Not tracked by the garbage collector (``gc=False``): it holds strings and
    a list of strings, so it is in no reference cycle, and a spec with
    thousands of mounts no longer triggers collections (~half a mount's cost).
    """

    source: str = ""
    destination: str = ""
    type: str = ""
    options: list[str] = msgspec.field(default_factory=list)
    host_path: str = ""
    read_only: bool = False
    block_device_id: str = ""


class DeviceInfo(_Struct):
    """A device to expose to the container (``config.DeviceInfo``)."""

    host_path: str = ""
    container_path: str = ""
    dev_type: str = ""
    major: int = 0
    minor: int = 0
    pmem: bool = False
    read_only: bool = False
    cold_plug: bool = False
    file_mode: int = 0
    uid: int = 0
    gid: int = 0
    id: str = ""
    driver_options: dict[str, str] = msgspec.field(default_factory=dict)


class NetworkConfig(_Struct):
    """The sandbox network settings (``vc.NetworkConfig``)."""

    net_ns_path: str = ""
    net_ns_created: bool = False
    disable_new_net_ns: bool = False
    netmon_config: NetmonConfig = msgspec.field(default_factory=NetmonConfig)
    interworking_model: NetInterworkingModel = NetInterworkingModel.DEFAULT


class ContainerConfig(_Struct):
    """One container of the sandbox (``vc.ContainerConfig``).

    ``custom_spec`` is the OCI spec the configuration was made from.
    """

    id: str = ""
    root_fs: RootFs = msgspec.field(default_factory=RootFs)
    readonly_rootfs: bool = False
    cmd: Cmd = msgspec.field(default_factory=Cmd)
    annotations: dict[str, str] = msgspec.field(default_factory=dict)
    mounts: list[Mount] = msgspec.field(default_factory=list)
    device_infos: list[DeviceInfo] = msgspec.field(default_factory=list)
    resources: LinuxResources = msgspec.field(default_factory=LinuxResources)
    custom_spec: Spec | None = None


class SandboxConfig(_Struct):
    """The pod sandbox: the VM and its first container (``vc.SandboxConfig``)."""

    id: str = ""
    hostname: str = ""
    hypervisor_type: HypervisorType = HypervisorType.UNSET
    hypervisor_config: HypervisorConfig = msgspec.field(default_factory=HypervisorConfig)
    agent_type: AgentType = AgentType.UNSET
    agent_config: KataAgentConfig | None = None
    proxy_type: ProxyType = ProxyType.UNSET
    proxy_config: ProxyConfig = msgspec.field(default_factory=ProxyConfig)
    shim_type: ShimType = ShimType.UNSET
    shim_config: ShimConfig | None = None
    network_config: NetworkConfig = msgspec.field(default_factory=NetworkConfig)
    containers: list[ContainerConfig] = msgspec.field(default_factory=list)
    annotations: dict[str, str] = msgspec.field(default_factory=dict)
    shm_size: int = 0
    share_pid_ns: bool = False
    stateful: bool = False
    systemd_cgroup: bool = False
    sandbox_cgroup_only: bool = False
    enable_agent_pid_ns: bool = False
    disable_guest_seccomp: bool = False
    experimental: list[Feature] = msgspec.field(default_factory=list)


class ContainerState(_Struct):
    """A container's state (``types.ContainerState``)."""

    state: StateString = StateString.UNSET
    block_device_id: str = ""
    fstype: str = ""
    cgroup_path: str = ""


class ContainerStatus(_Struct):
    """What a runtime reports about a container (``vc.ContainerStatus``)."""

    id: str = ""
    state: ContainerState = msgspec.field(default_factory=ContainerState)
    pid: int = 0
    start_time: datetime.datetime | None = None
    root_fs: str = ""
    spec: Spec | None = None
    annotations: dict[str, str] = msgspec.field(default_factory=dict)
