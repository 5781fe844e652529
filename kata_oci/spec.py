"""The OCI runtime-spec ``config.json`` and ``state`` as msgspec Structs.

The model mirrors runtime-spec 1.0.2 (``specs-go``) field for field. Python
names are snake_case; the JSON names are the spec's own, including the
spellings a plain camel-case rename would break (``kernelTCP``, ``blockIO``,
``disableOOMKiller``, ``classID``, ``throttleReadIOPSDevice``, ``containerID``,
``hostID``, ``closID``, ``cappedCPU``, ``DNSSearchList``, ``utilityVMPath``).

Decoding follows Go's ``encoding/json`` where it matters to Kata:

* unknown fields are ignored;
* a field Go holds as a pointer, slice or map (a section, a list, a map, an
  optional number) may be ``null`` and is then ``None``;
* a wrong JSON type raises :class:`~kata_oci.errors.SpecError` naming the JSON
  path (``$.process.user.uid``);
* duplicate keys: the last one wins, as in Go;
* ``process.capabilities`` may be the pre-1.0 (rc4) list of strings; it is then
  copied into all five sets, as Kata's ``compatoci`` does.

Deliberate differences from Go's decoder (see the README): JSON keys match
field names exactly (Go also accepts other letter cases), ``null`` for a plain
string, number or boolean is an error (Go keeps the zero value), and invalid
UTF-8 is an error (Go replaces it with U+FFFD).

Encoding omits fields that hold their zero value, so ``decode(encode(spec))``
gives back an equal ``Spec``.
"""

import os
import re
from typing import Annotated, Any

import msgspec

from .errors import SpecError
from .files import read_regular_file

__all__ = [
    "OCI_VERSION",
    "Box",
    "Hook",
    "Hooks",
    "LinuxBlockIO",
    "LinuxCPU",
    "LinuxCapabilities",
    "LinuxDevice",
    "LinuxDeviceCgroup",
    "LinuxHugepageLimit",
    "LinuxIDMapping",
    "LinuxIntelRdt",
    "LinuxInterfacePriority",
    "LinuxMemory",
    "LinuxNamespace",
    "LinuxNetwork",
    "LinuxPersonality",
    "LinuxPids",
    "LinuxRdma",
    "LinuxResources",
    "LinuxSeccomp",
    "LinuxSeccompArg",
    "LinuxSyscall",
    "LinuxThrottleDevice",
    "LinuxWeightDevice",
    "Linux",
    "Mount",
    "POSIXRlimit",
    "Process",
    "Root",
    "Solaris",
    "SolarisAnet",
    "SolarisCappedCPU",
    "SolarisCappedMemory",
    "Spec",
    "State",
    "User",
    "VM",
    "VMHypervisor",
    "VMImage",
    "VMKernel",
    "Windows",
    "WindowsCPUResources",
    "WindowsDevice",
    "WindowsHyperV",
    "WindowsMemoryResources",
    "WindowsNetwork",
    "WindowsResources",
    "WindowsStorageResources",
    "decode_spec",
    "decode_state",
    "encode_spec",
    "parse_config_json",
    "to_json",
]

#: The largest config.json :func:`parse_config_json` reads (real ones are a few KiB).
MAX_CONFIG_SIZE = 64 << 20

#: The runtime-spec version this model follows, as Go's ``specs.Version``
#: reports it in OCI states.
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
}


# Go's integer types: a value out of range is an error, as in encoding/json.
U16 = Annotated[int, msgspec.Meta(ge=0, le=0xFFFF)]
U32 = Annotated[int, msgspec.Meta(ge=0, le=0xFFFF_FFFF)]
U64 = Annotated[int, msgspec.Meta(ge=0)]  # msgspec rejects integers beyond 64 bits itself
I64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]


def _json_name(name: str) -> str:
    special = _JSON_NAMES.get(name)
    if special is not None:
        return special
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


class _Base(msgspec.Struct, kw_only=True, omit_defaults=True, rename=_json_name):
    """Common configuration of every spec struct."""


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
    height: U64 = 0
    width: U64 = 0

    def __post_init__(self) -> None:
        _check_u64(self, ("height", "width"))


class User(_Base):
    uid: U32 = 0
    gid: U32 = 0
    additional_gids: list[U32] | None = None
    username: str = ""


class LinuxCapabilities(_Base):
    bounding: list[str] | None = None
    effective: list[str] | None = None
    inheritable: list[str] | None = None
    permitted: list[str] | None = None
    ambient: list[str] | None = None


class POSIXRlimit(_Base):
    type: str = ""
    hard: U64 = 0
    soft: U64 = 0

    def __post_init__(self) -> None:
        _check_u64(self, ("hard", "soft"))


class Process(_Base):
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
    selinux_label: str = ""

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
    path: str = ""
    readonly: bool = False


class Mount(_Base):
    destination: str = ""
    type: str = ""
    source: str = ""
    options: list[str] | None = None


class Hook(_Base):
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


class LinuxIDMapping(_Base):
    container_id: U32 = 0
    host_id: U32 = 0
    size: U32 = 0


class LinuxNamespace(_Base):
    type: str = ""
    path: str = ""


class LinuxDevice(_Base):
    path: str = ""
    type: str = ""
    major: I64 = 0
    minor: I64 = 0
    file_mode: U32 | None = None
    uid: U32 | None = None
    gid: U32 | None = None


class LinuxDeviceCgroup(_Base):
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

    def __post_init__(self) -> None:
        _check_u64(self, ("swappiness",))


class LinuxCPU(_Base):
    shares: U64 | None = None
    quota: I64 | None = None
    period: U64 | None = None
    realtime_runtime: I64 | None = None
    realtime_period: U64 | None = None
    cpus: str = ""
    mems: str = ""

    def __post_init__(self) -> None:
        _check_u64(self, ("shares", "period", "realtime_period"))


class LinuxPids(_Base):
    limit: I64 = 0


class LinuxWeightDevice(_Base):
    major: I64 = 0
    minor: I64 = 0
    weight: U16 | None = None
    leaf_weight: U16 | None = None


class LinuxThrottleDevice(_Base):
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
    page_size: str = ""
    limit: U64 = 0

    def __post_init__(self) -> None:
        _check_u64(self, ("limit",))


class LinuxInterfacePriority(_Base):
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


class LinuxSeccompArg(_Base):
    index: U64 = 0
    value: U64 = 0
    value_two: U64 = 0
    op: str = ""

    def __post_init__(self) -> None:
        _check_u64(self, ("index", "value", "value_two"))


class LinuxSyscall(_Base):
    names: list[str] | None = None
    action: str = ""
    errno_ret: U64 | None = None
    args: list[LinuxSeccompArg] | None = None

    def __post_init__(self) -> None:
        _check_u64(self, ("errno_ret",))


class LinuxSeccomp(_Base):
    default_action: str = ""
    architectures: list[str] | None = None
    flags: list[str] | None = None
    syscalls: list[LinuxSyscall] | None = None


class LinuxIntelRdt(_Base):
    clos_id: str = ""
    l3_cache_schema: str = ""
    mem_bw_schema: str = ""


class LinuxPersonality(_Base):
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
    seccomp: LinuxSeccomp | None = None
    rootfs_propagation: str = ""
    masked_paths: list[str] | None = None
    readonly_paths: list[str] | None = None
    mount_label: str = ""
    intel_rdt: LinuxIntelRdt | None = None
    personality: LinuxPersonality | None = None


# --------------------------------------------------------------------------
# solaris, windows, vm


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
    id: str = ""
    id_type: str = ""


class WindowsMemoryResources(_Base):
    limit: U64 | None = None

    def __post_init__(self) -> None:
        _check_u64(self, ("limit",))


class WindowsCPUResources(_Base):
    count: U64 | None = None
    shares: U16 | None = None
    maximum: U16 | None = None

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
    layer_folders: list[str] | None = None
    devices: list[WindowsDevice] | None = None
    resources: WindowsResources | None = None
    credential_spec: Any = None
    servicing: bool = False
    ignore_flushes_during_boot: bool = False
    hyperv: WindowsHyperV | None = None
    network: WindowsNetwork | None = None


class VMHypervisor(_Base):
    path: str = ""
    parameters: list[str] | None = None


class VMKernel(_Base):
    path: str = ""
    parameters: list[str] | None = None
    initrd: str = ""


class VMImage(_Base):
    path: str = ""
    format: str = ""


class VM(_Base):
    hypervisor: VMHypervisor | None = None
    kernel: VMKernel | None = None
    image: VMImage | None = None


# --------------------------------------------------------------------------
# the documents


class Spec(_Base):
    """A bundle's ``config.json``."""

    oci_version: str = ""
    process: Process | None = None
    root: Root | None = None
    hostname: str = ""
    mounts: list[Mount] | None = None
    hooks: Hooks | None = None
    annotations: dict[str, str] | None = None
    linux: Linux | None = None
    solaris: Solaris | None = None
    windows: Windows | None = None
    vm: VM | None = None


class State(_Base):
    """The OCI runtime state of a container (``runtime.md``, "State")."""

    oci_version: str = ""
    id: str = ""
    status: str = ""
    pid: I64 = 0
    bundle: str = ""
    annotations: dict[str, str] | None = None


# --------------------------------------------------------------------------
# decoding and encoding

_spec_decoder = msgspec.json.Decoder(Spec)
_state_decoder = msgspec.json.Decoder(State)
_encoder = msgspec.json.Encoder()

# msgspec ends validation messages with " - at `$.a.b[0]`".
_AT = re.compile(r" - at `(\$[^`]*)`$")


def _name_map_key(data: Any, path: str) -> str:
    """Replace msgspec's ``[...]`` (a map value) by the key at fault, when it can be found.

    msgspec reports a bad value in a string map as ``$.annotations[...]``;
    a person needs the key. Only called on the error path.
    """
    head, sep, tail = path.partition("[...]")
    if not sep or tail:
        return path
    try:
        node = msgspec.json.decode(data)
        for part in re.findall(r"\.([^.\[]+)|\[(\d+)\]", head[1:]):
            node = node[part[0]] if part[0] else node[int(part[1])]
        bad = next(k for k, v in node.items() if not isinstance(v, str))
    except Exception:  # the document is what it is: keep msgspec's path
        return path
    return f"{head}[{bad!r}]"


def _spec_error(exc: msgspec.DecodeError, data: Any, bundle: str | None) -> SpecError:
    message = str(exc)
    match = _AT.search(message)
    if match:
        path = _name_map_key(data, match.group(1))
        reason = message[: match.start()]
        reason, _, field = reason.partition(" - field ")
        if field:
            path += "." + field
        return SpecError(reason, path=path, bundle=bundle)
    return SpecError(message, path="$", bundle=bundle)


def _decode(decoder: msgspec.json.Decoder[Any], data: Any, source: str | None) -> Any:
    try:
        return decoder.decode(data)
    except msgspec.DecodeError as exc:
        raise _spec_error(exc, data, source) from None
    except UnicodeDecodeError as exc:
        # Go would replace the bytes with U+FFFD; kata-oci refuses them.
        raise SpecError(f"invalid UTF-8 in a string at byte {exc.start}", bundle=source) from None
    except UnicodeEncodeError as exc:  # str input holding a lone surrogate
        raise SpecError(
            f"invalid Unicode (a lone surrogate) at character {exc.start}", bundle=source
        ) from None
    except RecursionError:
        raise SpecError("JSON nested too deeply", bundle=source) from None


def decode_spec(data: bytes | bytearray | memoryview | str, *, source: str | None = None) -> Spec:
    """Decode the bytes of a ``config.json`` into a :class:`Spec`.

    ``source`` names where the bytes came from, for error messages.
    Raises :class:`SpecError` on malformed JSON or a value of the wrong type.
    """
    spec: Spec = _decode(_spec_decoder, data, source)
    return spec


def decode_state(data: bytes | str, *, source: str | None = None) -> State:
    """Decode an OCI state document (``runc state`` output) into a :class:`State`."""
    state: State = _decode(_state_decoder, data, source)
    return state


def encode_spec(spec: Spec | State) -> bytes:
    """Encode a :class:`Spec` (or :class:`State`) as compact JSON."""
    return _encoder.encode(spec)


def to_json(obj: Any) -> bytes:
    """Encode any kata-oci value (a spec, a ``SandboxConfig``, a ``RuntimeConfig``, ...) as JSON."""
    return _encoder.encode(obj)


def parse_config_json(bundle_path: str | os.PathLike[str]) -> Spec:
    """Read and decode ``<bundle_path>/config.json``.

    ``bundle_path`` may also name the ``config.json`` file itself. Raises
    :class:`SpecError` naming the bundle when the file cannot be read or
    decoded.
    """
    bundle = os.fspath(bundle_path)
    path = (
        bundle
        if bundle.endswith(".json") and not os.path.isdir(bundle)
        else os.path.join(bundle, "config.json")
    )
    try:
        data = read_regular_file(path, MAX_CONFIG_SIZE)
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = getattr(exc, "strerror", None) or str(exc)
        raise SpecError(f"cannot read {path!r}: {reason}", bundle=bundle) from None
    return decode_spec(data, source=bundle)
