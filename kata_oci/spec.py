"""The OCI runtime-spec ``config.json`` and ``state`` as msgspec Structs.

The model mirrors runtime-spec 1.3.0 (``specs-go/config.go`` at v1.3.0) field
for field, every platform's section included. Python names are snake_case; the
JSON names are the spec's own, including the spellings a plain camel-case
rename would break (``kernelTCP``, ``blockIO``, ``classID``, ``hostID``,
``execCPUAffinity``, ``hwconfig``, ``DNSSearchList``, ...).

Nothing is lost. A JSON member the model does not know (a newer spec's field,
an engine's own) is kept on the object it was in, as :attr:`_Base.extra`, and
:func:`encode_spec` writes it back unchanged. Decoding stays as fast as a plain
typed decode: the Structs refuse unknown fields, so a document without any is
decoded in one pass; only a document that has some is decoded a second time,
untyped, to collect them (the pre-1.0 root ``platform`` alone has a cheaper
route: a second typed pass, see :class:`_Pre10Spec`).

:func:`encode_spec` writes what Go's ``encoding/json`` writes for ``specs-go``:
a field tagged ``omitempty`` is left out when it holds its zero value (a
pointer field, here ``X | None``, only when it is ``None``); every other field
is always written, zero or not (``"allow": false``, ``"containerID": 0``,
``"minor": 0``, ``"index": 0``). Each class lists those fields in
``_go_written``; Go's plain struct values (``process.user``, ``vm.kernel``) are
always written too.

Decoding follows Go's ``encoding/json`` where it matters to Kata:

* a field Go holds as a pointer, slice or map (a section, a list, a map, an
  optional number) may be ``null`` and is then ``None``;
* a wrong JSON type raises :class:`~kata_oci.errors.SpecError` naming the JSON
  path (``$.process.user.uid``); malformed JSON names the line and column;
* duplicate keys: the last one wins, as in Go;
* ``process.capabilities`` may be the pre-1.0 (rc4) list of strings; it is then
  copied into all five sets, as Kata's ``compatoci`` does.

Deliberate differences from Go's decoder (see docs/conformance.md): JSON keys
match field names exactly (Go also accepts other letter cases; a key in another
case is kept as an unknown member), ``null`` for a plain string, number or
boolean is an error (Go keeps the zero value), and invalid UTF-8 is an error
(Go replaces it with U+FFFD).
"""

import os
import re
from typing import Annotated, Any, ClassVar, Union, get_args, get_origin

import msgspec

from .errors import SpecError, SpecFileError, cut
from .files import read_regular_file

__all__ = [
    "MAX_CONFIG_SIZE",
    "OCI_VERSION",
    "SPEC_VERSION",
    "VM",
    "ZOS",
    "Box",
    "CPUAffinity",
    "FreeBSD",
    "FreeBSDDevice",
    "FreeBSDJail",
    "FreeBSDJailAllow",
    "HWConfig",
    "Hook",
    "Hooks",
    "IOMems",
    "Linux",
    "LinuxBlockIO",
    "LinuxCPU",
    "LinuxCapabilities",
    "LinuxDevice",
    "LinuxDeviceCgroup",
    "LinuxHugepageLimit",
    "LinuxIDMapping",
    "LinuxIOPriority",
    "LinuxIntelRdt",
    "LinuxInterfacePriority",
    "LinuxMemory",
    "LinuxMemoryPolicy",
    "LinuxNamespace",
    "LinuxNetDevice",
    "LinuxNetwork",
    "LinuxPersonality",
    "LinuxPids",
    "LinuxRdma",
    "LinuxResources",
    "LinuxSeccomp",
    "LinuxSeccompArg",
    "LinuxSyscall",
    "LinuxThrottleDevice",
    "LinuxTimeOffset",
    "LinuxWeightDevice",
    "Mount",
    "POSIXRlimit",
    "Process",
    "ResolveView",
    "Root",
    "Scheduler",
    "Solaris",
    "SolarisAnet",
    "SolarisCappedCPU",
    "SolarisCappedMemory",
    "Spec",
    "State",
    "User",
    "VMHypervisor",
    "VMImage",
    "VMKernel",
    "Windows",
    "WindowsCPUGroupAffinity",
    "WindowsCPUResources",
    "WindowsDevice",
    "WindowsHyperV",
    "WindowsMemoryResources",
    "WindowsNetwork",
    "WindowsResources",
    "WindowsStorageResources",
    "ZOSNamespace",
    "decode_resolve_view",
    "decode_spec",
    "decode_state",
    "encode_spec",
    "parse_config_json",
    "read_config_json",
    "to_json",
]

#: The largest config.json :func:`parse_config_json` reads (real ones are a few KiB).
MAX_CONFIG_SIZE = 64 << 20

#: The runtime-spec release the model follows (Go's ``specs.Version`` at v1.3.0).
SPEC_VERSION = "1.3.0"

#: The ``ociVersion`` kata-oci reports for Kata 1.x in OCI states and as
#: ``ociVersionMax`` in ``features``: the runtime-spec version Kata 1.x's
#: conversion was written against (kata-oci's model before 1.3). Kept so that
#: Kata 1.x results stay what they were.
OCI_VERSION = "1.0.2"

# JSON names that msgspec's camel-case rename would spell wrongly.
_JSON_NAMES = {
    "kernel_tcp": "kernelTCP",
    "block_io": "blockIO",
    "disable_oom_killer": "disableOOMKiller",
    "class_id": "classID",
    "throttle_read_iops_device": "throttleReadIOPSDevice",
    "throttle_write_iops_device": "throttleWriteIOPSDevice",
    "container_id": "containerID",
    "host_id": "hostID",
    "clos_id": "closID",
    "capped_cpu": "cappedCPU",
    "dns_search_list": "DNSSearchList",
    "allow_unqualified_dns_query": "allowUnqualifiedDNSQuery",
    "utility_vm_path": "utilityVMPath",
    "exec_cpu_affinity": "execCPUAffinity",
    "hw_config": "hwconfig",
    "first_gfn": "firstGFN",
    "first_mfn": "firstMFN",
    "nr_mfns": "nrMFNs",
}


# Go's integer types: a value out of range is an error, as in encoding/json.
U16 = Annotated[int, msgspec.Meta(ge=0, le=0xFFFF)]
U32 = Annotated[int, msgspec.Meta(ge=0, le=0xFFFF_FFFF)]
U64 = Annotated[int, msgspec.Meta(ge=0)]  # msgspec rejects integers beyond 64 bits itself
I32 = Annotated[int, msgspec.Meta(ge=-(2**31), le=2**31 - 1)]
I64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]


def _json_name(name: str) -> str:
    special = _JSON_NAMES.get(name)
    if special is not None:
        return special
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class _Base(
    msgspec.Struct,
    kw_only=True,
    omit_defaults=True,
    rename=_json_name,
    forbid_unknown_fields=True,  # so that a document with unknown members takes the keeping path
    dict=True,  # room for ``extra``, which is not a field
):
    """Common configuration of every spec struct."""

    #: The fields Go writes even when they hold their zero value (no ``omitempty``).
    _go_written: ClassVar[tuple[str, ...]] = ()

    @property
    def extra(self) -> dict[str, Any]:
        """The members of this JSON object that the model does not know, in input order.

        Kept by decoding and written back by :func:`encode_spec` after the known
        fields; change it in place or assign a new dict. Not part of ``==``, and
        not carried over by ``msgspec.structs.replace``.
        """
        extra: dict[str, Any] = self.__dict__.setdefault("_extra", {})
        return extra

    @extra.setter
    def extra(self, members: dict[str, Any]) -> None:
        self.__dict__["_extra"] = dict(members)

    # Copies and pickles keep ``extra`` and what the document had (msgspec's own keep fields only).
    def __copy__(self) -> Any:
        return _rebuild(type(self), msgspec.structs.asdict(self), dict(self.__dict__))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), msgspec.structs.asdict(self), dict(self.__dict__)))


def _rebuild(cls: type[_Base], fields: dict[str, Any], state: dict[str, Any]) -> Any:
    obj = cls(**fields)
    obj.__dict__.update(state)
    return obj


_U64_MAX = 0xFFFF_FFFF_FFFF_FFFF


def _check_u64(obj: Any, fields: tuple[str, ...]) -> None:
    """Reject integers beyond Go's uint64, which msgspec's bounds cannot express."""
    for name in fields:
        value = getattr(obj, name)
        if value is not None and value > _U64_MAX:
            raise ValueError(f"Expected `int` <= {_U64_MAX} - field {_json_name(name)}")


# --------------------------------------------------------------------------
# process


class Box(_Base):
    _go_written = ("height", "width")
    height: U64 = 0
    width: U64 = 0

    def __post_init__(self) -> None:
        _check_u64(self, ("height", "width"))


class User(_Base):
    _go_written = ("uid", "gid")
    uid: U32 = 0
    gid: U32 = 0
    umask: U32 | None = None
    additional_gids: list[U32] | None = None
    username: str = ""


class LinuxCapabilities(_Base):
    bounding: list[str] | None = None
    effective: list[str] | None = None
    inheritable: list[str] | None = None
    permitted: list[str] | None = None
    ambient: list[str] | None = None


class POSIXRlimit(_Base):
    _go_written = ("type", "hard", "soft")
    type: str = ""
    hard: U64 = 0
    soft: U64 = 0

    def __post_init__(self) -> None:
        _check_u64(self, ("hard", "soft"))


class Scheduler(_Base):
    """``process.scheduler`` (runtime-spec 1.1): ``sched_setattr(2)`` parameters."""

    _go_written = ("policy",)
    policy: str = ""
    nice: I32 = 0
    priority: I32 = 0
    flags: list[str] | None = None
    runtime: U64 = 0
    deadline: U64 = 0
    period: U64 = 0

    def __post_init__(self) -> None:
        _check_u64(self, ("runtime", "deadline", "period"))


class LinuxIOPriority(_Base):
    """``process.ioPriority`` (runtime-spec 1.1)."""

    _go_written = ("class_", "priority")
    class_: str = msgspec.field(default="", name="class")
    priority: I64 = 0


class CPUAffinity(_Base):
    """``process.execCPUAffinity`` (runtime-spec 1.3)."""

    initial: str = ""
    final: str = ""


class Process(_Base):
    _go_written = ("user", "cwd")
    terminal: bool = False
    console_size: Box | None = None
    user: User = msgspec.field(default_factory=User)
    args: list[str] | None = None
    command_line: str = ""
    env: list[str] | None = None
    cwd: str = ""
    # The pre-1.0 (rc4) form is a plain list; __post_init__ normalises it.
    capabilities: LinuxCapabilities | list[str] | None = None
    rlimits: list[POSIXRlimit] | None = None
    no_new_privileges: bool = False
    apparmor_profile: str = ""
    oom_score_adj: I64 | None = None
    scheduler: Scheduler | None = None
    selinux_label: str = ""
    io_priority: LinuxIOPriority | None = None
    exec_cpu_affinity: CPUAffinity | None = None

    def __post_init__(self) -> None:
        caps = self.capabilities
        if isinstance(caps, list):
            # compatoci: every set gets the same list (one list object, as Go).
            self.capabilities = LinuxCapabilities(
                bounding=caps, effective=caps, inheritable=caps, permitted=caps, ambient=caps
            )


# --------------------------------------------------------------------------
# root, mounts, hooks


class Root(_Base):
    _go_written = ("path",)
    path: str = ""
    readonly: bool = False


class LinuxIDMapping(_Base):
    _go_written = ("container_id", "host_id", "size")
    container_id: U32 = 0
    host_id: U32 = 0
    size: U32 = 0


class Mount(_Base):
    _go_written = ("destination",)
    destination: str = ""
    type: str = ""
    source: str = ""
    options: list[str] | None = None
    uid_mappings: list[LinuxIDMapping] | None = None
    gid_mappings: list[LinuxIDMapping] | None = None


class Hook(_Base):
    _go_written = ("path",)
    path: str = ""
    args: list[str] | None = None
    env: list[str] | None = None
    timeout: I64 | None = None


class Hooks(_Base):
    prestart: list[Hook] | None = None
    create_runtime: list[Hook] | None = None
    create_container: list[Hook] | None = None
    start_container: list[Hook] | None = None
    poststart: list[Hook] | None = None
    poststop: list[Hook] | None = None


# --------------------------------------------------------------------------
# linux


class LinuxNamespace(_Base):
    _go_written = ("type",)
    type: str = ""
    path: str = ""


class LinuxTimeOffset(_Base):
    """One entry of ``linux.timeOffsets`` (runtime-spec 1.1)."""

    secs: I64 = 0
    nanosecs: U32 = 0


class LinuxDevice(_Base):
    _go_written = ("path", "type", "major", "minor")
    path: str = ""
    type: str = ""
    major: I64 = 0
    minor: I64 = 0
    file_mode: U32 | None = None
    uid: U32 | None = None
    gid: U32 | None = None


class LinuxNetDevice(_Base):
    """One entry of ``linux.netDevices`` (runtime-spec 1.3)."""

    name: str = ""


class LinuxDeviceCgroup(_Base):
    _go_written = ("allow",)
    allow: bool = False
    type: str = ""
    major: I64 | None = None
    minor: I64 | None = None
    access: str = ""


class LinuxMemory(_Base):
    limit: I64 | None = None
    reservation: I64 | None = None
    swap: I64 | None = None
    kernel: I64 | None = None
    kernel_tcp: I64 | None = None
    swappiness: U64 | None = None
    disable_oom_killer: bool | None = None
    use_hierarchy: bool | None = None
    check_before_update: bool | None = None

    def __post_init__(self) -> None:
        _check_u64(self, ("swappiness",))


class LinuxCPU(_Base):
    shares: U64 | None = None
    quota: I64 | None = None
    burst: U64 | None = None
    period: U64 | None = None
    realtime_runtime: I64 | None = None
    realtime_period: U64 | None = None
    cpus: str = ""
    mems: str = ""
    idle: I64 | None = None

    def __post_init__(self) -> None:
        _check_u64(self, ("shares", "burst", "period", "realtime_period"))


class LinuxPids(_Base):
    limit: I64 | None = None


class LinuxWeightDevice(_Base):
    _go_written = ("major", "minor")
    major: I64 = 0
    minor: I64 = 0
    weight: U16 | None = None
    leaf_weight: U16 | None = None


class LinuxThrottleDevice(_Base):
    _go_written = ("major", "minor", "rate")
    major: I64 = 0
    minor: I64 = 0
    rate: U64 = 0

    def __post_init__(self) -> None:
        _check_u64(self, ("rate",))


class LinuxBlockIO(_Base):
    weight: U16 | None = None
    leaf_weight: U16 | None = None
    weight_device: list[LinuxWeightDevice] | None = None
    throttle_read_bps_device: list[LinuxThrottleDevice] | None = None
    throttle_write_bps_device: list[LinuxThrottleDevice] | None = None
    throttle_read_iops_device: list[LinuxThrottleDevice] | None = None
    throttle_write_iops_device: list[LinuxThrottleDevice] | None = None


class LinuxHugepageLimit(_Base):
    _go_written = ("page_size", "limit")
    page_size: str = ""
    limit: U64 = 0

    def __post_init__(self) -> None:
        _check_u64(self, ("limit",))


class LinuxInterfacePriority(_Base):
    _go_written = ("name", "priority")
    name: str = ""
    priority: U32 = 0


class LinuxNetwork(_Base):
    class_id: U32 | None = None
    priorities: list[LinuxInterfacePriority] | None = None


class LinuxRdma(_Base):
    hca_handles: U32 | None = None
    hca_objects: U32 | None = None


class LinuxResources(_Base):
    devices: list[LinuxDeviceCgroup] | None = None
    memory: LinuxMemory | None = None
    cpu: LinuxCPU | None = None
    pids: LinuxPids | None = None
    block_io: LinuxBlockIO | None = None
    hugepage_limits: list[LinuxHugepageLimit] | None = None
    network: LinuxNetwork | None = None
    rdma: dict[str, LinuxRdma] | None = None
    unified: dict[str, str] | None = None


class LinuxSeccompArg(_Base):
    _go_written = ("index", "value", "op")
    index: U64 = 0
    value: U64 = 0
    value_two: U64 = 0
    op: str = ""

    def __post_init__(self) -> None:
        _check_u64(self, ("index", "value", "value_two"))


class LinuxSyscall(_Base):
    _go_written = ("names", "action")
    names: list[str] | None = None
    action: str = ""
    errno_ret: U64 | None = None
    args: list[LinuxSeccompArg] | None = None

    def __post_init__(self) -> None:
        _check_u64(self, ("errno_ret",))


class LinuxSeccomp(_Base):
    _go_written = ("default_action",)
    default_action: str = ""
    default_errno_ret: U64 | None = None
    architectures: list[str] | None = None
    flags: list[str] | None = None
    listener_path: str = ""
    listener_metadata: str = ""
    syscalls: list[LinuxSyscall] | None = None

    def __post_init__(self) -> None:
        _check_u64(self, ("default_errno_ret",))


class LinuxIntelRdt(_Base):
    clos_id: str = ""
    schemata: list[str] | None = None
    l3_cache_schema: str = ""
    mem_bw_schema: str = ""
    enable_monitoring: bool = False


class LinuxMemoryPolicy(_Base):
    """``linux.memoryPolicy`` (runtime-spec 1.3): ``set_mempolicy(2)``."""

    _go_written = ("mode", "nodes")
    mode: str = ""
    nodes: str = ""
    flags: list[str] | None = None


class LinuxPersonality(_Base):
    _go_written = ("domain",)
    domain: str = ""
    flags: list[str] | None = None


class Linux(_Base):
    uid_mappings: list[LinuxIDMapping] | None = None
    gid_mappings: list[LinuxIDMapping] | None = None
    sysctl: dict[str, str] | None = None
    resources: LinuxResources | None = None
    cgroups_path: str = ""
    namespaces: list[LinuxNamespace] | None = None
    devices: list[LinuxDevice] | None = None
    net_devices: dict[str, LinuxNetDevice] | None = None
    seccomp: LinuxSeccomp | None = None
    rootfs_propagation: str = ""
    masked_paths: list[str] | None = None
    readonly_paths: list[str] | None = None
    mount_label: str = ""
    intel_rdt: LinuxIntelRdt | None = None
    memory_policy: LinuxMemoryPolicy | None = None
    personality: LinuxPersonality | None = None
    time_offsets: dict[str, LinuxTimeOffset] | None = None


# --------------------------------------------------------------------------
# solaris, windows, vm, z/OS, FreeBSD


class SolarisCappedCPU(_Base):
    ncpus: str = ""


class SolarisCappedMemory(_Base):
    physical: str = ""
    swap: str = ""


class SolarisAnet(_Base):
    linkname: str = ""
    lower_link: str = ""
    allowed_address: str = ""
    configure_allowed_address: str = ""
    defrouter: str = ""
    link_protection: str = ""
    mac_address: str = ""


class Solaris(_Base):
    milestone: str = ""
    limitpriv: str = ""
    max_shm_memory: str = ""
    anet: list[SolarisAnet] | None = None
    capped_cpu: SolarisCappedCPU | None = None
    capped_memory: SolarisCappedMemory | None = None


class WindowsDevice(_Base):
    _go_written = ("id", "id_type")
    id: str = ""
    id_type: str = ""


class WindowsMemoryResources(_Base):
    limit: U64 | None = None

    def __post_init__(self) -> None:
        _check_u64(self, ("limit",))


class WindowsCPUGroupAffinity(_Base):
    mask: U64 = 0
    group: U32 = 0

    def __post_init__(self) -> None:
        _check_u64(self, ("mask",))


class WindowsCPUResources(_Base):
    count: U64 | None = None
    shares: U16 | None = None
    maximum: U16 | None = None
    affinity: list[WindowsCPUGroupAffinity] | None = None

    def __post_init__(self) -> None:
        _check_u64(self, ("count",))


class WindowsStorageResources(_Base):
    iops: U64 | None = None
    bps: U64 | None = None
    sandbox_size: U64 | None = None

    def __post_init__(self) -> None:
        _check_u64(self, ("iops", "bps", "sandbox_size"))


class WindowsResources(_Base):
    memory: WindowsMemoryResources | None = None
    cpu: WindowsCPUResources | None = None
    storage: WindowsStorageResources | None = None


class WindowsNetwork(_Base):
    endpoint_list: list[str] | None = None
    allow_unqualified_dns_query: bool = False
    dns_search_list: list[str] | None = None
    network_shared_container_name: str = ""
    network_namespace: str = ""


class WindowsHyperV(_Base):
    utility_vm_path: str = ""


class Windows(_Base):
    _go_written = ("layer_folders",)
    layer_folders: list[str] | None = None
    devices: list[WindowsDevice] | None = None
    resources: WindowsResources | None = None
    credential_spec: Any = None
    servicing: bool = False
    ignore_flushes_during_boot: bool = False
    hyperv: WindowsHyperV | None = None
    network: WindowsNetwork | None = None


class VMHypervisor(_Base):
    _go_written = ("path",)
    path: str = ""
    parameters: list[str] | None = None


class VMKernel(_Base):
    _go_written = ("path",)
    path: str = ""
    parameters: list[str] | None = None
    initrd: str = ""


class VMImage(_Base):
    _go_written = ("path", "format")
    path: str = ""
    format: str = ""


class IOMems(_Base):
    """One entry of ``vm.hwconfig.iomems`` (runtime-spec 1.2)."""

    _go_written = ("first_mfn", "nr_mfns")
    first_gfn: U64 | None = None
    first_mfn: U64 | None = None
    nr_mfns: U64 | None = None

    def __post_init__(self) -> None:
        _check_u64(self, ("first_gfn", "first_mfn", "nr_mfns"))


class HWConfig(_Base):
    """``vm.hwconfig`` (runtime-spec 1.2; Go spells it ``hwconfig``, the schema ``hwConfig``)."""

    device_tree: str = ""
    vcpus: U32 | None = None
    memory: U64 | None = None
    dtdevs: list[str] | None = None
    iomems: list[IOMems] | None = None
    irqs: list[U32] | None = None

    def __post_init__(self) -> None:
        _check_u64(self, ("memory",))


class VM(_Base):
    # Go holds these three as values, not pointers: it always writes them.
    hypervisor: VMHypervisor = msgspec.field(default_factory=VMHypervisor)
    kernel: VMKernel = msgspec.field(default_factory=VMKernel)
    image: VMImage = msgspec.field(default_factory=VMImage)
    hw_config: HWConfig | None = None


class ZOSNamespace(_Base):
    _go_written = ("type",)
    type: str = ""
    path: str = ""


class ZOS(_Base):
    """``zos`` (runtime-spec 1.2)."""

    namespaces: list[ZOSNamespace] | None = None


class FreeBSDDevice(_Base):
    _go_written = ("path",)
    path: str = ""
    mode: U32 | None = None


class FreeBSDJailAllow(_Base):
    set_hostname: bool = False
    raw_sockets: bool = False
    chflags: bool = False
    mount: list[str] | None = None
    quotas: bool = False
    socket_af: bool = False
    mlock: bool = False
    reserved_ports: bool = False
    suser: bool = False


class FreeBSDJail(_Base):
    parent: str = ""
    host: str = ""
    ip4: str = ""
    ip4_addr: list[str] | None = None
    ip6: str = ""
    ip6_addr: list[str] | None = None
    vnet: str = ""
    interface: str = ""
    vnet_interfaces: list[str] | None = None
    sysvmsg: str = ""
    sysvsem: str = ""
    sysvshm: str = ""
    enforce_statfs: I64 | None = None
    allow: FreeBSDJailAllow | None = None


class FreeBSD(_Base):
    """``freebsd`` (runtime-spec 1.3)."""

    devices: list[FreeBSDDevice] | None = None
    jail: FreeBSDJail | None = None


# --------------------------------------------------------------------------
# the documents


class Spec(_Base):
    """A bundle's ``config.json``."""

    _go_written = ("oci_version",)
    oci_version: str = ""
    process: Process | None = None
    root: Root | None = None
    hostname: str = ""
    domainname: str = ""
    mounts: list[Mount] | None = None
    hooks: Hooks | None = None
    annotations: dict[str, str] | None = None
    linux: Linux | None = None
    solaris: Solaris | None = None
    windows: Windows | None = None
    vm: VM | None = None
    zos: ZOS | None = None
    freebsd: FreeBSD | None = None


class State(_Base):
    """The OCI runtime state of a container (``runtime.md``, "State")."""

    _go_written = ("oci_version", "id", "status", "bundle")
    oci_version: str = ""
    id: str = ""
    status: str = ""
    pid: I64 = 0
    bundle: str = ""
    annotations: dict[str, str] | None = None


# --------------------------------------------------------------------------
# the shape of each struct, for keeping unknown members and for encoding

_WRITE, _OMIT_NONE, _OMIT_ZERO = 0, 1, 2  # Go: no omitempty; omitempty on a pointer; on a value
_LIST, _MAP, _DYN = "list", "map", "dyn"  # a list of structs, a map of structs, a union

# One field: (attribute, JSON name, encoding rule, child). The child says where
# structs are below the field: None (none), a struct class, or (_LIST | _MAP, class),
# or _DYN (a union holding a struct or not: process.capabilities).
_Child = None | str | type[_Base] | tuple[str, type[_Base]]
_Field = tuple[str, str, int, _Child]

_SHAPES: dict[type[_Base], tuple[tuple[_Field, ...], dict[str, tuple[str, _Child]]]] = {}


def _strip_annotated(tp: Any) -> Any:
    return get_args(tp)[0] if get_origin(tp) is Annotated else tp


def _is_struct(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, _Base)


def _field_shape(cls: type[_Base], info: msgspec.structs.FieldInfo) -> _Field:
    tp = _strip_annotated(info.type)
    optional = False
    if get_origin(tp) in (Union, type(int | None)):
        args = [a for a in get_args(tp) if a is not type(None)]
        optional = len(args) < len(get_args(tp))
        if len(args) > 1:
            return (info.name, info.encode_name, _OMIT_NONE, _DYN)
        tp = _strip_annotated(args[0])
    origin = get_origin(tp)
    child: _Child = None
    if origin is list and _is_struct(item := _strip_annotated(get_args(tp)[0])):
        child = (_LIST, item)
    elif origin is dict and _is_struct(value := _strip_annotated(get_args(tp)[1])):
        child = (_MAP, value)
    elif _is_struct(tp):
        child = tp
    if info.name in cls._go_written or (child is tp and not optional):
        rule = _WRITE  # no omitempty, or a struct value (Go never omits those)
    elif origin in (list, dict):
        rule = _OMIT_ZERO  # a slice or map: omitted when nil or empty
    elif optional or tp is Any:
        rule = _OMIT_NONE  # a pointer or interface: omitted when nil only
    else:
        rule = _OMIT_ZERO
    return (info.name, info.encode_name, rule, child)


def _shape(cls: type[_Base]) -> tuple[tuple[_Field, ...], dict[str, tuple[str, _Child]]]:
    shape = _SHAPES.get(cls)
    if shape is None:
        fields = tuple(_field_shape(cls, f) for f in msgspec.structs.fields(cls))
        shape = _SHAPES[cls] = (fields, {name: (attr, child) for attr, name, _, child in fields})
    return shape


# --------------------------------------------------------------------------
# encoding


def _plain(obj: _Base) -> dict[str, Any]:
    """``obj`` as the JSON object to write, unknown members included.

    A zero value follows Go's rule (``_WRITE``: written; ``omitempty``:
    left out), except in an object decoded from JSON, which writes a zero value
    exactly when its member was in the document (``_keys``), so that a
    document not written by Go (``"terminal": false``, ``"options": []``, no
    ``cwd``) comes back as it was. A value that is not zero is always written.
    """
    fields, _ = _shape(type(obj))
    present: frozenset[str] | None = obj.__dict__.get("_keys")
    out: dict[str, Any] = {}
    for attr, name, rule, child in fields:
        value = getattr(obj, attr)
        if present is None:
            if rule == _OMIT_NONE:
                if value is None:
                    continue
            elif rule == _OMIT_ZERO and not value:
                continue
        elif name not in present and (value is None or (rule != _OMIT_NONE and not value)):
            continue
        if child is not None and value is not None:
            if present is not None and name not in present and _is_empty_struct(value):
                continue  # a struct value (process.user) the document did not have
            value = _plain_value(value)
        out[name] = value
    extra = obj.__dict__.get("_extra")
    if extra:
        for name, value in extra.items():
            out.setdefault(name, value)  # a known field wins over an unknown member of its name
    return out


def _is_empty_struct(value: Any) -> bool:
    return isinstance(value, _Base) and value == type(value)() and not value.__dict__.get("_extra")


def _mark_present(node: Any, obj: _Base) -> None:
    """Record on ``obj`` and the structs below it which members their JSON objects had."""
    if not isinstance(node, dict):
        return
    obj.__dict__["_keys"] = frozenset(node)
    fields, _ = _shape(type(obj))
    for attr, name, _, child in fields:
        if child is None:
            continue
        sub, value = node.get(name), getattr(obj, attr)
        if sub is None or value is None:
            continue
        if isinstance(value, _Base):
            _mark_present(sub, value)
        elif isinstance(value, list) and isinstance(sub, list):
            for item_node, item in zip(sub, value, strict=False):
                if isinstance(item, _Base):
                    _mark_present(item_node, item)
        elif isinstance(value, dict) and isinstance(sub, dict):
            for key, item in value.items():
                if isinstance(item, _Base) and key in sub:
                    _mark_present(sub[key], item)


def _plain_value(value: Any) -> Any:
    if isinstance(value, _Base):
        return _plain(value)
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain_value(v) for k, v in value.items()}
    return value


_encoder = msgspec.json.Encoder()


def encode_spec(spec: _Base) -> bytes:
    """Encode a :class:`Spec`, a :class:`State` or any part of them as compact JSON.

    The fields are those Go's ``specs-go`` writes (its ``omitempty`` rules),
    then the unknown members kept from decoding (:attr:`_Base.extra`). For a
    document decoded by :func:`decode_spec`, zero values are written as the
    document had them, so ``encode_spec(decode_spec(b))`` is the JSON value of
    ``b`` (key order and spacing aside), whoever wrote it.
    """
    state = spec.__dict__
    source = state.get("_source")
    if source is not None and not state.get("_marked"):
        # Done once, when first encoded: decoding stays a single typed pass.
        _mark_present(_any_decoder.decode(source), spec)
        state["_marked"] = True
    return _encoder.encode(_plain(spec))


def to_json(obj: Any) -> bytes:
    """Encode any kata-oci value (a spec, a ``SandboxConfig``, a ``RuntimeConfig``, ...) as JSON.

    A spec struct is encoded by :func:`encode_spec`. Inside other values (a
    ``ContainerConfig``'s ``custom_spec`` and ``resources``) spec structs are
    encoded by msgspec, which leaves out every zero-valued field and the
    unknown members: use :func:`encode_spec` on them for the exact spec.
    """
    if isinstance(obj, _Base):
        return encode_spec(obj)
    return _encoder.encode(obj)


# --------------------------------------------------------------------------
# decoding

_spec_decoder = msgspec.json.Decoder(Spec)
_state_decoder = msgspec.json.Decoder(State)
_any_decoder = msgspec.json.Decoder()

# msgspec ends validation messages with " - at `$.a.b[0]`", syntax errors with "(byte N)".
# (patterns, compiled by re on first use: only errors and unknown members need them)
_AT = r" - at `(\$[^`]*)`$"
_BYTE = r" \(byte (\d+)\)$"
_UNKNOWN_FIELD = "Object contains unknown field"


def _raw(data: bytes | bytearray | memoryview | str) -> bytes:
    return data.encode("utf-8", "surrogatepass") if isinstance(data, str) else bytes(data)


def _line_column(raw: bytes, offset: int) -> tuple[int, int]:
    """Line and column (both from 1; the column counts characters) of byte ``offset``."""
    head = raw[:offset]
    start = head.rfind(b"\n") + 1
    return head.count(b"\n") + 1, len(head[start:].decode("utf-8", "replace")) + 1


_PATH_PART = r"\.([^.\[]+)|\[(\d+)\]"


def _map_item_class(cls: type[_Base], head: str) -> type[_Base] | None:
    """The struct class of the values of the map at JSON path ``head``, if it holds structs."""
    pending: _Child = None
    for name, index in re.findall(_PATH_PART, head[1:]):
        if index:
            if not (isinstance(pending, tuple) and pending[0] == _LIST):
                return None
            cls, pending = pending[1], None
            continue
        entry = _shape(cls)[1].get(name)
        if entry is None:
            return None
        child = entry[1]
        if isinstance(child, tuple):
            pending = child
        elif isinstance(child, type):
            cls, pending = child, None
        else:
            return None
    return pending[1] if isinstance(pending, tuple) and pending[0] == _MAP else None


def _fits(value: Any, cls: type[_Base] | None) -> bool:
    if cls is None:
        return isinstance(value, str)
    try:
        msgspec.convert(value, cls)
    except (msgspec.ValidationError, RecursionError):
        return False
    return True


def _name_map_key(cls: type[_Base], data: Any, path: str) -> str:
    """Replace msgspec's ``[...]`` (a map value) by the key at fault, when it can be found.

    msgspec reports a bad value in a map as ``$.annotations[...]`` or
    ``$.linux.netDevices[...].name``; a person needs the key. Only called on
    the error path.
    """
    head, sep, tail = path.partition("[...]")
    if not sep or "[...]" in tail:
        return path
    try:
        item_cls = _map_item_class(cls, head)
        node = msgspec.json.decode(data)
        for name, index in re.findall(_PATH_PART, head[1:]):
            node = node[name] if name else node[int(index)]
        bad = next(k for k, v in node.items() if not _fits(v, item_cls))
    except Exception:  # the document is what it is: keep msgspec's path
        return path
    return f"{head}[{cut(bad)!r}]{tail}"


def _spec_error(
    exc: msgspec.DecodeError, data: Any, source: str | None, cls: type[_Base] | None = None
) -> SpecError:
    message = str(exc)
    match = re.search(_AT, message)
    if match:
        path = _name_map_key(cls or Spec, data, match.group(1))
        reason = message[: match.start()]
        reason, _, field = reason.partition(" - field ")
        if field:
            path += "." + field
        return SpecError(reason, path=path, bundle=source)
    raw = _raw(data)
    if not raw.strip(b" \t\r\n"):
        return SpecError("empty document: no JSON value", bundle=source)
    match = re.search(_BYTE, message)
    if match:  # "JSON is malformed: invalid character (byte 8)"
        what = message[: match.start()]
        offset = int(match.group(1)) - what.endswith("trailing characters")  # msgspec counts one past
        line, column = _line_column(raw, offset)
    elif message.startswith("Input data was truncated"):
        line, column = _line_column(raw, len(raw))
        what = "JSON is truncated: the document ends before it is complete"
    else:
        return SpecError(message, bundle=source)
    return SpecError(f"{what}, at line {line}, column {column}", bundle=source, line=line, column=column)


def _unicode_error(data: Any, source: str | None) -> SpecError:
    # Go would replace the bytes with U+FFFD; kata-oci refuses them.
    raw = _raw(data)
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_column(raw, exc.start)
        return SpecError(
            f"invalid UTF-8 at line {line}, column {column}", bundle=source, line=line, column=column
        )
    return SpecError("invalid UTF-8 in a string", bundle=source)  # a \\ud800 escape in str input


def _decode_or_raise(decode: Any, data: Any, source: str | None) -> Any:
    try:
        return decode(data)
    except msgspec.DecodeError as exc:
        raise _spec_error(exc, data, source) from None
    except (UnicodeDecodeError, UnicodeEncodeError):
        raise _unicode_error(data, source) from None
    except RecursionError:
        raise SpecError("JSON nested too deeply", bundle=source) from None


_WALKS: dict[type[_Base], tuple[frozenset[str], tuple[tuple[str, str, _Child], ...]]] = {}


def _walk_info(cls: type[_Base]) -> tuple[frozenset[str], tuple[tuple[str, str, _Child], ...]]:
    """The JSON names ``cls`` knows, and its fields that hold structs: (JSON name, attribute, child)."""
    info = _WALKS.get(cls)
    if info is None:
        fields, _ = _shape(cls)
        info = _WALKS[cls] = (
            frozenset(name for _, name, _, _ in fields),
            tuple((name, attr, child) for attr, name, _, child in fields if child is not None),
        )
    return info


def _collect_unknown(
    node: dict[str, Any],
    cls: type[_Base],
    at: tuple[Any, ...],
    found: list[tuple[tuple[Any, ...], dict[str, Any]]],
) -> None:
    """Take the members ``cls`` does not know out of ``node`` (and its children), into ``found``."""
    known, nested = _walk_info(cls)
    if not node.keys() <= known:
        extra = {name: value for name, value in node.items() if name not in known}
        for name in extra:
            del node[name]
        found.append((at, extra))
    for name, attr, child in nested:
        value = node.get(name)
        if value is None:
            continue
        if isinstance(child, tuple):
            kind, item_cls = child
            if kind == _LIST and isinstance(value, list):
                for i, item in enumerate(value):
                    if isinstance(item, dict):
                        _collect_unknown(item, item_cls, (*at, attr, i), found)
            elif kind == _MAP and isinstance(value, dict):
                for key, item in value.items():
                    if isinstance(item, dict):
                        _collect_unknown(item, item_cls, (*at, attr, key), found)
        elif isinstance(value, dict):
            sub = child if isinstance(child, type) else LinuxCapabilities  # _DYN: capabilities
            _collect_unknown(value, sub, (*at, attr), found)


def _follow(obj: Any, at: tuple[Any, ...]) -> Any:
    """The value at ``at`` (attribute names, list indices, map keys) below ``obj``."""
    for step in at:
        obj = getattr(obj, step) if isinstance(step, str) and isinstance(obj, _Base) else obj[step]
    return obj


_Where = tuple[dict[str, Any], type[_Base], tuple[Any, ...]]


def _locate(tree: Any, cls: type[_Base], path: str) -> _Where | None:
    """The object at JSON path ``path`` in ``tree``, its struct class and its steps for _follow."""
    if "[...]" in path:  # inside a map: msgspec does not say which key
        return None
    node, pending = tree, None
    at: tuple[Any, ...] = ()
    try:
        for name, index in re.findall(_PATH_PART, path[1:]):
            if index:
                if not (isinstance(pending, tuple) and pending[0] == _LIST):
                    return None
                node, cls, pending = node[int(index)], pending[1], None
                at = (*at, int(index))
                continue
            attr, child = _shape(cls)[1][name]
            node, at = node[name], (*at, attr)
            if isinstance(child, tuple):
                pending = child
            elif child == _DYN:
                cls, pending = LinuxCapabilities, None
            elif isinstance(child, type):
                cls, pending = child, None
            else:
                return None
    except (KeyError, IndexError, TypeError):
        return None
    return (node, cls, at) if pending is None and isinstance(node, dict) else None


def _typed(cls: type[_Base], decoder: msgspec.json.Decoder[Any], data: Any, source: str | None) -> Any:
    """``decoder.decode(data)``, or the message of an unknown member's error; other errors raised."""
    try:
        return decoder.decode(data)
    except msgspec.ValidationError as exc:
        message = str(exc)
        if not message.startswith(_UNKNOWN_FIELD):
            raise _spec_error(exc, data, source, cls) from None
    except msgspec.DecodeError as exc:
        raise _spec_error(exc, data, source, cls) from None
    except (UnicodeDecodeError, UnicodeEncodeError):
        raise _unicode_error(data, source) from None
    except RecursionError:
        raise SpecError("JSON nested too deeply", bundle=source) from None
    return _Unknown(message)


class _Unknown(str):
    """The message of msgspec's error for an unknown member (what :func:`_typed` gives back)."""


def _decode(cls: type[_Base], decoder: msgspec.json.Decoder[Any], data: Any, source: str | None) -> Any:
    """Decode ``data`` into ``cls``, keeping the members the model does not know."""
    obj = _typed(cls, decoder, data, source)
    if type(obj) is not _Unknown:
        return obj
    if obj == _PLATFORM_FIRST and cls is Spec:
        obj = _typed(Spec, _pre10_decoder, data, source)
        if type(obj) is not _Unknown:
            return _pre10(obj)
    return _keep_unknown(cls, data, source, obj)


class _Pre10Spec(Spec):
    """A ``config.json`` with the pre-1.0 ``platform`` member (``{os, arch}``): a decoding aid only.

    runtime-spec 1.0 dropped ``platform`` (``specs-go`` has no such field: it
    is an unknown member, kept in the root's ``extra``), but documents written
    for the release candidates still carry it, Kata's own test configuration
    among them. Through the unknown-member path (an untyped decode, then a
    conversion) they cost ~2.5x a typed decode; this class knows the member,
    so they take one more typed pass instead, and :func:`_pre10` makes the
    result the plain :class:`Spec` the general path gives.
    """

    platform: Any = msgspec.UNSET


_pre10_decoder = msgspec.json.Decoder(_Pre10Spec)
#: msgspec's message when the first unknown member is the root's ``platform`` (no path: the root).
_PLATFORM_FIRST = _UNKNOWN_FIELD + " `platform`"


def _pre10(legacy: _Pre10Spec) -> Spec:
    """``legacy`` as a :class:`Spec`, its ``platform`` member in the root's ``extra``."""
    # Every field by name, in one call of fewer than 16 keywords (CPython passes 16 or more
    # through a dict): a third of asdict() and Spec(**fields).
    spec = Spec(
        oci_version=legacy.oci_version,
        process=legacy.process,
        root=legacy.root,
        hostname=legacy.hostname,
        domainname=legacy.domainname,
        mounts=legacy.mounts,
        hooks=legacy.hooks,
        annotations=legacy.annotations,
        linux=legacy.linux,
        solaris=legacy.solaris,
        windows=legacy.windows,
        vm=legacy.vm,
        zos=legacy.zos,
        freebsd=legacy.freebsd,
    )
    spec.__dict__["_extra"] = {"platform": legacy.platform}
    return spec


def _keep_unknown(cls: type[_Base], data: Any, source: str | None, message: str) -> Any:
    """Decode ``data`` into ``cls`` when the typed decode failed with ``message`` (an unknown member)."""
    # Some member is unknown: decode untyped, take the unknown members out, convert the rest.
    # msgspec says where the first one is: take out that object's unknown members and
    # convert again, a few times; a document with unknown members in many objects is
    # walked whole instead.
    tree = _decode_or_raise(_any_decoder.decode, data, source)
    found: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
    for _ in range(_RETRIES):
        match = re.search(_AT, message)
        where = _locate(tree, cls, match.group(1) if match else "$")
        if where is None:
            break
        node, node_cls, at = where
        known = _walk_info(node_cls)[0]
        extra = {name: value for name, value in node.items() if name not in known}
        if not extra:
            break
        for name in extra:
            del node[name]
        found.append((at, extra))
        try:
            return _attach(msgspec.convert(tree, cls), found)
        except msgspec.ValidationError as exc:
            message = str(exc)
            if not message.startswith(_UNKNOWN_FIELD):
                raise _spec_error(exc, data, source, cls) from None
        except RecursionError:
            raise SpecError("JSON nested too deeply", bundle=source) from None
    if isinstance(tree, dict):
        _collect_unknown(tree, cls, (), found)
    try:
        return _attach(msgspec.convert(tree, cls), found)
    except msgspec.ValidationError as exc:
        raise _spec_error(exc, data, source, cls) from None
    except RecursionError:
        raise SpecError("JSON nested too deeply", bundle=source) from None


#: How many objects with unknown members are taken out one by one before the whole walk.
_RETRIES = 4


def _attach(obj: _Base, found: list[tuple[tuple[Any, ...], dict[str, Any]]]) -> _Base:
    for at, extra in found:
        _follow(obj, at).__dict__["_extra"] = extra
    return obj


def _keep_source(obj: _Base, data: Any) -> Any:
    # What the document had is worked out when it is first encoded (see encode_spec).
    obj.__dict__["_source"] = data if isinstance(data, (bytes, str)) else bytes(data)
    return obj


def decode_spec(data: bytes | bytearray | memoryview | str, *, source: str | None = None) -> Spec:
    """Decode the bytes of a ``config.json`` into a :class:`Spec`.

    ``source`` names where the bytes came from, for error messages.
    Raises :class:`SpecError` on malformed JSON or a value of the wrong type.
    Members the model does not know are kept (:attr:`_Base.extra`).
    """
    spec: Spec = _keep_source(_decode(Spec, _spec_decoder, data, source), data)
    return spec


def decode_state(data: bytes | str, *, source: str | None = None) -> State:
    """Decode an OCI state document (``runc state`` output) into a :class:`State`."""
    state: State = _keep_source(_decode(State, _state_decoder, data, source), data)
    return state


def parse_config_json(bundle_path: str | os.PathLike[str]) -> Spec:
    """Read and decode ``<bundle_path>/config.json``.

    ``bundle_path`` may also name the ``config.json`` file itself. Raises
    :class:`~kata_oci.errors.SpecFileError` (a :class:`SpecError`) when the
    file cannot be read or is empty, :class:`SpecError` naming the bundle when
    it cannot be decoded.
    """
    return decode_spec(read_config_json(bundle_path), source=os.fspath(bundle_path))


def read_config_json(bundle_path: str | os.PathLike[str]) -> bytes:
    """The bytes of ``<bundle_path>/config.json`` (or of ``bundle_path``, a ``.json`` file), not empty.

    What :func:`parse_config_json` reads, with its :class:`~kata_oci.errors.SpecFileError`.
    """
    bundle = os.fspath(bundle_path)
    if bundle.endswith(".json") and not os.path.isdir(bundle):
        path = bundle
    else:  # os.path.join(bundle, "config.json"), without its generic machinery (on every parse)
        path = bundle + "/config.json" if bundle and bundle[-1] != "/" else bundle + "config.json"
    try:
        data = read_regular_file(path, MAX_CONFIG_SIZE)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = getattr(exc, "strerror", None) or str(exc)
        raise SpecFileError(reason, file=path, bundle=bundle) from None
    # (a document that starts with something other than JSON's white space is not blank: no strip,
    # which copies the whole document when it ends with a newline)
    if not data or (data[0] in _JSON_SPACE and not data.strip(b" \t\r\n")):
        reason = "empty" if not data else "empty (only white space)"
        raise SpecFileError(reason, file=path, bundle=bundle, empty=True)
    return data


_JSON_SPACE = frozenset(b" \t\r\n")


# --------------------------------------------------------------------------
# what `kata-oci resolve` reads of a config.json


class _ResolveCPU(msgspec.Struct, frozen=True):
    quota: I64 | None = None
    period: U64 | None = None
    cpus: str = ""  # runtime-rs's sizing reads the cpuset too
    mems: str = ""

    def __post_init__(self) -> None:
        _check_u64(self, ("period",))


class _ResolveMemory(msgspec.Struct, frozen=True):
    limit: I64 | None = None


class _ResolveResources(msgspec.Struct, frozen=True):
    cpu: _ResolveCPU | None = None
    memory: _ResolveMemory | None = None


class _ResolveLinux(msgspec.Struct, frozen=True):
    resources: _ResolveResources | None = None


class ResolveView(msgspec.Struct, frozen=True):
    """The members of a ``config.json`` that ``kata-oci resolve`` reads, and nothing else.

    ``annotations`` (an object of strings, or null) and, for the container's
    sizing, ``linux.resources.cpu.quota``/``period``/``cpus``/``mems`` and
    ``linux.resources.memory.limit``, with :class:`Spec`'s types and errors;
    every other member is skipped unread (malformed or not), so that
    ``resolve`` answers without decoding the whole spec. Attribute for
    attribute a :class:`Spec` as far as these members go.
    """

    annotations: dict[str, str] | None = None
    linux: _ResolveLinux | None = None


_resolve_decoder = msgspec.json.Decoder(ResolveView)


def decode_resolve_view(data: bytes | str, *, source: str | None = None) -> ResolveView:
    """Decode the members of a ``config.json`` that ``resolve`` reads (:class:`ResolveView`).

    Errors are :func:`decode_spec`'s, naming the member as it does.
    """
    view: ResolveView = _decode_or_raise(_resolve_decoder.decode, data, source)
    return view
