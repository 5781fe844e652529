"""Kata 4.1's sandbox and container configurations, and the conversion that builds them.

The result types mirror the ``virtcontainers`` types of Kata 4.1.0
(``vc.SandboxConfig``, ``vc.ContainerConfig``, ``vc.NetworkConfig``,
``vc.Mount``, ``types.Cmd``, ``vc.SandboxResourceSizing``) with the fields
``pkg/oci``'s ``SandboxConfig()`` and ``ContainerConfig()`` set, snake_case
names and Go's zero values as defaults. The functions follow those two Go
functions step by step:

1. :func:`container_config`: the root filesystem (joined to the bundle when
   relative), the command (``process.env`` split with ``strings.Split``: only
   the text between the first and second ``=`` is the value, as in Kata), the
   mounts (``bind`` type for bind mounts), the devices (read-only from the
   cgroup device rule that names the device exactly, or, when host checks are
   on, from the host device's BLKROGET flag), every spec annotation plus the
   bundle path and the container type (``single_container`` with no CRI key);
2. the ``/dev/shm`` size and the network configuration;
3. the annotation overrides (:mod:`kata_oci.profiles.go.annotate`);
4. static sandbox resource management: the VM is sized at boot with the
   workload's vCPUs and memory added to the defaults.

Where Kata 4.1 would dereference a nil pointer (no ``root``, ``process``,
``linux`` or ``linux.resources``) kata-oci raises :class:`SpecError`.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from kata_oci.convert import ENV_WARNINGS, bundle_join, shm_size, warn_skipped_envs
from kata_oci.errors import ConfigError, DeviceError, NoLinuxError, SpecError
from kata_oci.golang import join as go_join
from kata_oci.log import log
from kata_oci.overrides import OverridePlan, apply_overrides
from kata_oci.sandbox import EnvVar, RootFs
from kata_oci.spec import LinuxCapabilities, LinuxDevice, LinuxDeviceCgroup, LinuxResources, Spec
from kata_oci.types import ContainerType

from . import annotate, table as t
from .types import (
    DeviceInfo,
    Feature,
    HypervisorConfig,
    HypervisorType,
    KataAgentConfig,
    NetInterworkingModel,
    RuntimeConfig,
    VFIOModeType,
    float32,
    round_up_num_vcpus,
)

if TYPE_CHECKING:
    from kata_oci.engine import Engine

__all__ = [
    "Cmd",
    "ContainerConfig",
    "Mount",
    "NetworkConfig",
    "SandboxConfig",
    "SandboxResourceSizing",
    "SINGLE_CONTAINER",
    "Volume",
    "container_config",
    "network_config",
    "plan_annotations",
    "plan_sandbox_config",
    "runtime_sandbox",
    "sandbox_config",
    "static_resources",
]

#: ``vc.KataEphemeralDevType`` and ``vc.KataLocalDevType``: mount types a bind option does not change.
_KEEP_TYPES = ("ephemeral", "local")
_BIND_OPTIONS = frozenset(("bind", "rbind"))
_ANY_TYPE = ("", "a")  # a cgroup device rule of no type, or "a", is for every device type
_DEVICE_TYPES = ("c", "b", "u", "p")
_BLKROGET = 0x125E
_UINT32_MAX = 0xFFFF_FFFF


class _Struct(msgspec.Struct, kw_only=True):
    """Common configuration of the sandbox structs."""


class Cmd(_Struct):
    """The workload command (``types.Cmd``, Kata 4.1: no console)."""

    capabilities: LinuxCapabilities | None = None
    user: str = ""
    primary_group: str = ""
    work_dir: str = ""
    args: list[str] = msgspec.field(default_factory=list)
    envs: list[EnvVar] = msgspec.field(default_factory=list)
    supplementary_groups: list[str] = msgspec.field(default_factory=list)
    interactive: bool = False
    detach: bool = False
    no_new_privileges: bool = False


class Mount(_Struct, gc=False):
    """A container mount (``vc.Mount``, Kata 4.1); strings, a list of strings and scalars: untracked by GC."""

    source: str = ""
    destination: str = ""
    type: str = ""
    host_path: str = ""
    guest_device_mount: str = ""
    block_device_id: str = ""
    options: list[str] = msgspec.field(default_factory=list)
    read_only: bool = False
    fs_group: int | None = None
    fs_group_change_policy: str = ""
    encryption_key: str = ""
    block_device_create_fs: bool = False
    shared: bool = False


class Volume(_Struct):
    """A shared directory (``types.Volume``); ``pkg/oci`` never sets any."""

    mount_tag: str = ""
    host_path: str = ""


class NetworkConfig(_Struct):
    """The sandbox network settings (``vc.NetworkConfig``, Kata 4.1)."""

    network_id: str = ""
    interworking_model: NetInterworkingModel = NetInterworkingModel.DEFAULT
    network_created: bool = False
    disable_new_network: bool = False
    dan_config_path: str = ""


class SandboxResourceSizing(_Struct):
    """What the workloads need and what the VM has as overhead (``vc.SandboxResourceSizing``)."""

    workload_cpus: float = 0.0
    base_cpus: float = 0.0
    workload_mem_mb: int = 0
    base_mem_mb: int = 0


class ContainerConfig(_Struct):
    """One container of the sandbox (``vc.ContainerConfig``, Kata 4.1)."""

    device_infos: list[DeviceInfo] = msgspec.field(default_factory=list)
    mounts: list[Mount] = msgspec.field(default_factory=list)
    custom_spec: Spec | None = None
    annotations: dict[str, str] = msgspec.field(default_factory=dict)
    id: str = ""
    resources: LinuxResources = msgspec.field(default_factory=LinuxResources)
    cmd: Cmd = msgspec.field(default_factory=Cmd)
    root_fs: RootFs = msgspec.field(default_factory=RootFs)
    readonly_rootfs: bool = False


class SandboxConfig(_Struct):
    """The pod sandbox: the VM and its first container (``vc.SandboxConfig``, Kata 4.1)."""

    annotations: dict[str, str] = msgspec.field(default_factory=dict)
    guest_selinux_label: str = ""
    hypervisor_type: HypervisorType = HypervisorType.UNSET
    id: str = ""
    hostname: str = ""
    sandbox_bind_mounts: list[str] = msgspec.field(default_factory=list)
    experimental: list[Feature] = msgspec.field(default_factory=list)
    containers: list[ContainerConfig] = msgspec.field(default_factory=list)
    volumes: list[Volume] = msgspec.field(default_factory=list)
    network_config: NetworkConfig = msgspec.field(default_factory=NetworkConfig)
    agent_config: KataAgentConfig = msgspec.field(default_factory=KataAgentConfig)
    hypervisor_config: HypervisorConfig = msgspec.field(default_factory=HypervisorConfig)
    shm_size: int = 0
    sandbox_resources: SandboxResourceSizing = msgspec.field(default_factory=SandboxResourceSizing)
    vfio_mode: VFIOModeType = VFIOModeType.VFIO
    static_resource_mgmt: bool = False
    share_pid_ns: bool = False
    systemd_cgroup: bool = False
    sandbox_cgroup_only: bool = False
    disable_guest_seccomp: bool = False
    empty_dir_mode: str = ""
    enable_vcpus_pinning: bool = False
    create_container_timeout: int = 0
    force_guest_pull: bool = False
    kubelet_root_dir: str = ""


# -- the container ----------------------------------------------------------------------------


def _cmd_envs(env: list[str] | None) -> list[EnvVar]:
    """Kata 4.1's ``cmdEnvs``: ``strings.Split(env, "=")``, name and *second* part; no ``=`` is skipped.

    One comprehension, as kata1's: a value is cut again only when it holds
    another ``=`` (which sets ``cut``, the comprehension's walrus binding
    this function's name). The entries are walked again, for the log, only
    when one has no ``=`` or (logging debug) more than one.
    """
    if not env:
        return []
    cut = False
    out = [
        EnvVar(name, (cut := True) and rest.partition("=")[0] if "=" in rest else rest)
        for entry in env
        for name, sep, rest in [entry.partition("=")]
        if sep
    ]
    if len(out) != len(env) and log.enabled("warning"):
        warn_skipped_envs(env)
    if cut and log.enabled("debug"):  # common (JAVA_OPTS=-Dx=y): debug, not a warning on every conversion
        shown = 0
        for i, entry in enumerate(env):
            name, sep, rest = entry.partition("=")
            if sep and "=" in rest:
                shown += 1
                if shown > ENV_WARNINGS:
                    break
                log.debug(
                    "env_var_cut",
                    index=i,
                    name=name[:100],
                    reason="Kata 4.1 keeps only the text up to the second '=' (strings.Split)",
                )
    return out


def _new_mounts(mounts: list[Any] | None) -> list[Mount]:
    """Each spec mount as Kata 4.1's ``newMount`` makes it, in one comprehension.

    The type becomes ``bind`` when the options hold ``bind`` or ``rbind``
    (unless it is ``ephemeral`` or ``local``); a ``bind`` mount is one
    already, so its options are not searched, and the others are searched
    once, in C (``frozenset.isdisjoint``), not once per flag. The options list is the
    spec's own, as Kata's slice is (the result already holds the spec as
    ``custom_spec``): no copy per mount.
    """
    return [
        Mount(
            source=m.source,
            destination=m.destination,
            type=(
                "bind"
                if (mount_type := m.type) == "bind"
                or (not _BIND_OPTIONS.isdisjoint(options) and mount_type not in _KEEP_TYPES)
                else mount_type
            ),
            options=options,
            read_only="ro" in options,
        )
        for m in mounts or ()
        for options in [m.options or []]  # an assignment: CPython 3.9+ compiles it as one
    ]


def _cgroup_read_only(rules: list[LinuxDeviceCgroup] | None, dev_type: str, major: int, minor: int) -> bool:
    """``deviceCgroupAccessIsReadOnly``: the first allow rule naming this device exactly decides."""
    for r in rules or ():  # a wildcard (None) major or minor never equals the device's number
        if (
            r.allow
            and r.major == major
            and r.minor == minor
            and ((t := r.type) == dev_type or t in _ANY_TYPE)
        ):
            return "w" not in (r.access or "")
    return False


def block_device_read_only(major: int, minor: int) -> bool:
    """The host block device's BLKROGET flag (``config.BlockDeviceIsReadOnly`` on /dev/block/M:m).

    Any failure is "not read-only", as in Kata.
    """
    path = f"/dev/block/{major}:{minor}"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError:
        log.warning("block_device_read_only_unknown", device=path)
        return False
    try:
        buf = fcntl.ioctl(fd, _BLKROGET, b"\0\0\0\0")
        return int.from_bytes(buf, "little") != 0
    except OSError:
        return False
    finally:
        os.close(fd)


def _device_info(
    index: int, d: LinuxDevice, rules: list[LinuxDeviceCgroup] | None, probe: bool
) -> DeviceInfo:
    if d.type not in _DEVICE_TYPES:
        raise DeviceError(
            f"unexpected device type {d.type!r} for device {d.path!r} "
            f"(linux.devices[{index}]; allowed: {', '.join(_DEVICE_TYPES)})"
        )
    if not d.path:
        raise DeviceError(f"path cannot be empty for device linux.devices[{index}] (type {d.type!r})")
    read_only = _cgroup_read_only(rules, d.type, d.major, d.minor)
    if not read_only and d.type == "b" and probe:
        read_only = block_device_read_only(d.major, d.minor)
    return DeviceInfo(
        container_path=d.path,
        dev_type=d.type,
        major=d.major,
        minor=d.minor,
        read_only=read_only,
        uid=d.uid or 0,
        gid=d.gid or 0,
        file_mode=d.file_mode or 0,
    )


#: Kata 2.0 and later's container type for a spec no CRI annotated (``vc.SingleContainer``).
SINGLE_CONTAINER = ContainerType.SINGLE_CONTAINER


def _container_type(spec: Spec, engine: Engine) -> ContainerType:
    """Kata 4.1's ``ContainerType``: ``engine``'s CRI plugins decide; no CRI key is a single container."""
    return engine.container_type(spec, default=SINGLE_CONTAINER)


def container_config(
    spec: Spec,
    bundle_path: str,
    cid: str,
    detach: bool = False,
    *,
    engine: Engine,
    probe_block_devices: bool = False,
) -> ContainerConfig:
    """Convert a spec into a Kata 4.1 ``ContainerConfig`` (Go's ``oci.ContainerConfig``).

    The container type is ``engine``'s CRI plugins' answer.
    ``probe_block_devices`` asks the host whether each block device is
    read-only (BLKROGET on ``/dev/block/M:m``), as Kata does on the node;
    off, only the spec's cgroup device rules say so. Raises
    :class:`SpecError` for a missing ``root``, ``process`` or
    ``linux.resources`` (Kata would crash), :class:`NoLinuxError` without
    ``linux``, :class:`DeviceError` for an unusable device.
    """
    root, process, linux = spec.root, spec.process, spec.linux
    if root is None:
        raise SpecError("missing root section, needed for the container's root filesystem", path="$.root")
    if process is None:
        raise SpecError("missing process section, needed for the container's command", path="$.process")
    if linux is None:
        raise NoLinuxError()
    target = root.path if root.path.startswith("/") else bundle_join(bundle_path, root.path)
    user = process.user
    caps = process.capabilities
    cmd = Cmd(
        capabilities=caps if isinstance(caps, LinuxCapabilities) else None,
        user=str(user.uid),
        primary_group=str(user.gid),
        work_dir=process.cwd,
        args=list(args) if (args := process.args) else [],
        envs=_cmd_envs(process.env),
        supplementary_groups=[str(g) for g in gids] if (gids := user.additional_gids) else [],
        interactive=process.terminal,
        detach=detach,
        no_new_privileges=process.no_new_privileges,
    )
    resources = linux.resources
    if resources is None:
        raise SpecError("missing linux.resources, which Kata 4.1 requires", path="$.linux.resources")
    rules = resources.devices
    devices = linux.devices
    # (an empty section skips its comprehension; the container type as _container_type, inlined)
    infos = [_device_info(i, d, rules, probe_block_devices) for i, d in enumerate(devices)] if devices else []
    ctype = engine.container_type(spec, default=SINGLE_CONTAINER)
    annotations = {**spec_annotations} if (spec_annotations := spec.annotations) else {}
    annotations[t.BUNDLE_PATH_KEY] = bundle_path
    annotations[t.CONTAINER_TYPE_KEY] = str(ctype)
    return ContainerConfig(
        device_infos=infos,
        mounts=_new_mounts(spec.mounts),
        custom_spec=spec,
        annotations=annotations,
        id=cid,
        resources=resources,
        cmd=cmd,
        root_fs=RootFs(target=target, mounted=True),
        readonly_rootfs=root.readonly,
    )


def network_config(spec: Spec, cid: str, runtime_config: RuntimeConfig) -> NetworkConfig:
    """Kata 4.1's ``networkConfig``: the last network namespace path, the model, the DAN file if present.

    The DAN configuration ``<dan_config>/<cid>.json`` is used when it exists
    (kata-oci looks only when ``dan_config`` is set; Kata would look for
    ``<cid>.json`` in its working directory otherwise).
    """
    if spec.linux is None:
        raise NoLinuxError()
    netns = ""
    for ns in spec.linux.namespaces or ():
        if ns.type == "network" and ns.path:
            netns = ns.path
    dan = ""
    if runtime_config.dan_config:
        candidate = go_join(runtime_config.dan_config, cid + ".json")
        try:
            os.stat(candidate)
        except (OSError, ValueError):
            pass
        else:
            dan = candidate
    return NetworkConfig(
        network_id=netns,
        interworking_model=runtime_config.inter_network_model,
        disable_new_network=runtime_config.disable_new_net_ns,
        dan_config_path=dan,
    )


# -- the sandbox ------------------------------------------------------------------------------


def _base_sandbox(
    spec: Spec,
    rc: RuntimeConfig,
    bundle_path: str,
    cid: str,
    detach: bool,
    systemd_cgroup: bool,
    engine: Engine,
    probe_block_devices: bool,
) -> SandboxConfig:
    container = container_config(
        spec, bundle_path, cid, detach, engine=engine, probe_block_devices=probe_block_devices
    )
    shm = shm_size(container.mounts)  # type: ignore[arg-type]  # same fields as kata1's Mount
    network = network_config(spec, cid, rc)
    sandbox = _from_runtime_config(rc)
    sandbox.id = cid
    sandbox.hostname = spec.hostname
    sandbox.network_config = network
    sandbox.containers = [container]
    sandbox.annotations = {t.BUNDLE_PATH_KEY: bundle_path}
    sandbox.shm_size = shm
    sandbox.systemd_cgroup = systemd_cgroup
    return sandbox


def _from_runtime_config(rc: RuntimeConfig) -> SandboxConfig:
    """A SandboxConfig with the fields ``SandboxConfig()`` copies from the runtime configuration.

    In two steps, 15 keywords then attribute stores: CPython passes a call of 16 keywords
    or more through a dict it builds (~2.5 us for these 18, against ~1.2).
    """
    sandbox = SandboxConfig(
        hypervisor_type=rc.hypervisor_type,
        hypervisor_config=rc.hypervisor_config,
        agent_config=rc.agent_config,
        sandbox_resources=SandboxResourceSizing(
            workload_cpus=rc.sandbox_cpus, workload_mem_mb=rc.sandbox_mem_mb
        ),
        static_resource_mgmt=rc.static_sandbox_resource_mgmt,
        vfio_mode=rc.vfio_mode,
        sandbox_cgroup_only=rc.sandbox_cgroup_only,
        sandbox_bind_mounts=list(rc.sandbox_bind_mounts),
        disable_guest_seccomp=rc.disable_guest_seccomp,
        empty_dir_mode=rc.empty_dir_mode,
        enable_vcpus_pinning=rc.enable_vcpus_pinning,
        guest_selinux_label=rc.guest_selinux_label,
        experimental=list(rc.experimental),
        create_container_timeout=rc.create_container_timeout,
        force_guest_pull=rc.force_guest_pull,
    )
    sandbox.kubelet_root_dir = rc.kubelet_root_dir
    return sandbox


def static_resources(sandbox: SandboxConfig) -> SandboxConfig:
    """Kata 4.1's static sandbox resource management: the VM booted with defaults plus the workload.

    ``base_cpus``/``base_mem_mb`` keep the defaults (configuration or
    annotations); the workload's vCPUs and MiB are added; the maximum vCPUs
    become the rounded-up total, at least 1. A total memory beyond
    4294967295 MiB, or vCPUs rounding up beyond 4294967295, raises
    :class:`ConfigError` (Go's ``uint32`` would wrap).
    """
    if not sandbox.static_resource_mgmt:
        return sandbox
    hyp = sandbox.hypervisor_config
    res = sandbox.sandbox_resources
    cpus = float32(hyp.num_vcpus_f + res.workload_cpus)
    memory = hyp.memory_size + res.workload_mem_mb
    if memory > _UINT32_MAX:
        raise ConfigError(
            f"static sandbox sizing: {hyp.memory_size} MiB + {res.workload_mem_mb} MiB is more than "
            f"4294967295 MiB (Kata 4.1 would wrap it to {memory & _UINT32_MAX})",
            key="static_sandbox_resource_mgmt",
        )
    if not cpus < _UINT32_MAX:  # ceil above 4294967295, or inf: NumVCPUs()'s uint32 would wrap
        raise ConfigError(
            f"static sandbox sizing: {hyp.num_vcpus_f:g} + {res.workload_cpus:g} vCPUs rounds up to more "
            "than 4294967295 vCPUs (Kata 4.1's uint32 conversion would wrap it)",
            key="static_sandbox_resource_mgmt",
        )
    max_vcpus = round_up_num_vcpus(cpus) or 1
    log.debug(
        "static_resources_set",
        workload_cpus=res.workload_cpus,
        default_cpus=hyp.num_vcpus_f,
        workload_mem_mb=res.workload_mem_mb,
        default_mem_mb=hyp.memory_size,
    )
    return msgspec.structs.replace(
        sandbox,
        sandbox_resources=msgspec.structs.replace(
            res, base_cpus=hyp.num_vcpus_f, base_mem_mb=hyp.memory_size
        ),
        hypervisor_config=msgspec.structs.replace(
            hyp, num_vcpus_f=cpus, memory_size=memory, default_max_vcpus=max_vcpus
        ),
    )


def runtime_sandbox(runtime_config: RuntimeConfig) -> SandboxConfig:
    """The sandbox a runtime configuration alone gives (no spec): what annotations are checked against.

    The fields ``SandboxConfig()`` copies from the runtime configuration;
    the container, hostname and ``/dev/shm`` need a spec.
    """
    rc = runtime_config
    sandbox = _from_runtime_config(rc)
    sandbox.network_config = NetworkConfig(
        interworking_model=rc.inter_network_model, disable_new_network=rc.disable_new_net_ns
    )
    return sandbox


def plan_annotations(
    annotations: Mapping[str, str] | None,
    runtime_config: RuntimeConfig,
    *,
    engine: Engine | None = None,
    strict: bool = False,
) -> OverridePlan:
    """Each annotation's verdict under ``runtime_config``, without a bundle (manifest checks, webhooks).

    The decisions :func:`plan_sandbox_config` makes for a spec with these
    annotations.
    """
    return annotate.plan_annotations(
        annotations,
        runtime_sandbox(runtime_config),
        runtime_config,
        features=_features(engine),
        strict=strict,
    )


_EXPERIMENTAL: Mapping[str, Feature] | None = None


def _features(engine: Engine | None) -> Mapping[str, Feature]:
    """The experimental features ``runtime.experimental`` may name: Kata 4.1 registers none.

    (The engine's features are Kata 1.x's, for the kata1 profile.)
    """
    global _EXPERIMENTAL
    if _EXPERIMENTAL is None:
        from .loader import EXPERIMENTAL_FEATURES

        _EXPERIMENTAL = EXPERIMENTAL_FEATURES
    return _EXPERIMENTAL


def sandbox_config(
    spec: Spec,
    runtime_config: RuntimeConfig,
    bundle_path: str,
    cid: str,
    *,
    detach: bool = False,
    systemd_cgroup: bool = False,
    engine: Engine,
    strict: bool = False,
    probe_block_devices: bool = False,
) -> SandboxConfig:
    """Convert a spec into a Kata 4.1 ``SandboxConfig`` (Go's ``oci.SandboxConfig``).

    Either every annotation override applies or none does
    (:class:`AnnotationError` lists each rejected one); ``strict`` rejects
    unknown ``io.katacontainers.`` keys. Neither ``spec`` nor
    ``runtime_config`` is modified.
    """
    base = _base_sandbox(
        spec, runtime_config, bundle_path, cid, detach, systemd_cgroup, engine, probe_block_devices
    )
    # (annotate.apply_annotations, one call fewer: this is every conversion's path)
    applied = apply_overrides(
        spec.annotations,
        base,
        runtime_config,
        features=_EXPERIMENTAL if _EXPERIMENTAL is not None else _features(engine),
        strict=strict,
        table=annotate.GO_TABLE,
    )
    return static_resources(applied) if applied.static_resource_mgmt else applied  # (off: no call)


def plan_sandbox_config(
    spec: Spec,
    runtime_config: RuntimeConfig,
    bundle_path: str,
    cid: str,
    *,
    detach: bool = False,
    systemd_cgroup: bool = False,
    engine: Engine,
    strict: bool = False,
    probe_block_devices: bool = False,
) -> tuple[SandboxConfig, OverridePlan]:
    """The 4.1 sandbox before annotation overrides, and what each would do.

    ``static_resources(plan.apply(base))`` is :func:`sandbox_config`'s result.
    """
    base = _base_sandbox(
        spec, runtime_config, bundle_path, cid, detach, systemd_cgroup, engine, probe_block_devices
    )
    plan = annotate.plan_annotations(
        spec.annotations, base, runtime_config, features=_features(engine), strict=strict
    )
    return base, plan
