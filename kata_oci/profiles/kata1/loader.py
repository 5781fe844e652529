"""Loading a Kata Containers 1.x ``configuration.toml`` into a :class:`~kata_oci.RuntimeConfig`.

This is Kata 1.x's ``pkg/katautils`` ``LoadConfiguration`` in Python: the same
TOML schema (:class:`TomlConfig` mirrors Go's ``tomlConfig``), the same
defaults, the same per-hypervisor mapping and the same checks, in the same
order, so that the first error reported is the one Kata would report. Every
error is a :class:`~kata_oci.ConfigError` naming the file, the dotted key
(``hypervisor.qemu.default_vcpus``) and, when it can be found, the line.

Public API:

* :func:`load_runtime_config` — read a file (or find one) and map it.
* :func:`runtime_config_from_toml` — the same for TOML text already in memory.
* :func:`decode_toml_config` — only the decoding step, into :class:`TomlConfig`.
* :func:`find_config_file` — Kata's lookup order, with a shipped fallback.

What is copied from Go exactly
------------------------------
* **Decoding** (BurntSushi/toml v0.3.1): unknown keys and tables are ignored
  (kata-oci reports each: a ``configuration_unknown_key`` warning, or with
  ``strict=True`` a ConfigError for the first);
  the keys of a table Go decodes into a struct are matched exactly, then
  case-insensitively (``PATH`` fills ``path``, ``[Runtime]`` is ``[runtime]``),
  while the ``<name>`` of ``[hypervisor.<name>]`` (and of proxy, shim, agent)
  is case-sensitive. Integer fields are range-checked for their Go type
  (``default_vcpus`` is an ``int32``, most others ``uint32``); a float, a
  boolean or a string where Go wants an integer is an error.
* **Defaults** (``config-settings.go.in``): 1 vCPU, 2048 MiB, 10 memory slots,
  1 bridge (at most 5), msize 8192, block driver ``virtio-scsi``, shared file
  system ``virtio-9p``, machine type ``pc``, entropy source ``/dev/urandom``,
  virtio-fs cache ``none`` (qemu only; clh keeps the raw value), vhost-user
  store ``/var/run/kata-containers/vhost-user/`` (with the trailing slash),
  hypervisor path ``/usr/bin/qemu-lite-system-x86_64`` for every hypervisor,
  kernel ``/usr/share/kata-containers/vmlinuz.container``, ctl path
  ``/usr/bin/acrnctl``, no jailer, proxy, shim and netmon paths under
  ``/usr/libexec/kata-containers/``, factory template path
  ``/run/vc/vm/template`` and cache endpoint
  ``/var/run/kata-containers/cache.sock``.
* **vCPUs**: ``default_vcpus`` 0 gives 1; negative or more than the CPU count
  gives the CPU count. ``default_maxvcpus`` 0 or at least the CPU count gives
  the CPU count, and the result is capped at Go's ``MaxQemuVCPUs()`` for this
  architecture (240 on x86_64; 123 arm64; 128 ppc64le; 248 s390x; 240
  elsewhere) — for every hypervisor. The CPU count is
  ``len(os.sched_getaffinity(0))`` (Go's ``runtime.NumCPU``).
* **Per hypervisor**: each builder sets exactly the fields Go's sets
  (firecracker: vsock on, vhost-net off, no shared file system or msize; clh:
  shared file system forced to ``virtio-fs``, vsock on, no guest hook path;
  acrn: image required, initrd ignored, ctl path set; qemu: ``microvm`` forces
  ``disable_image_nvdimm``). ``enable_swap`` is stored inverted as ``mlock``.
  ``machine_accelerators`` and ``cpu_features`` are cleaned as Go does
  (``",, abc ,,, 123 ,,"`` → ``"abc,123"``).
* **Kernel parameters**: ``kernel_params`` is split with Go's
  ``strings.Fields`` (Unicode white space, not Python's ``str.split()``), then
  ``SetKernelParams`` builds, in order: the three systemd parameters when an
  image is used, ``scsi_mod.scan=none`` for ``virtio-scsi``, the agent's
  parameters (``agent.log=debug``, ``agent.trace=<type>`` for static tracing,
  ``agent.container_pipe_size``), then the user's. An empty key is an error.
* **Allow-lists** (``enable_annotations``, ``valid_hypervisor_paths``,
  ``valid_ctlpaths`` — Go's spelling, not ``valid_hypervisor_ctlpaths`` —,
  ``valid_jailer_paths``, ``valid_virtio_fs_daemon_paths``,
  ``valid_vhost_user_store_paths``, ``valid_file_mem_backends``) are copied
  verbatim, for the hypervisors whose Go builder copies them.
* **[runtime]**: ``internetworking_model`` is parsed only when not empty, so an
  absent or empty model stays the zero value
  :attr:`~kata_oci.NetInterworkingModel.DEFAULT` (Go's ``initConfig`` quirk),
  while ``"default"`` gives ``TCFILTER``. Experimental features are looked up
  by name among the ``features`` the caller passes (an engine's: the
  ``kata1`` profile of an engine passes that engine's; none given, Kata 1.x's
  own, ``newstore``).
* **Agent, proxy, shim**: only the ``kata`` name is accepted; an absent
  ``[agent.kata]`` gives an empty :class:`~kata_oci.KataAgentConfig`, an absent
  ``[shim.kata]`` no shim configuration (Go's ``nil``). When the hypervisor
  uses vsock, the proxy becomes ``noProxy`` with the *runtime*'s debug flag.
  With ``builtin=True`` the shimv2 rules apply (``kataBuiltInProxy``,
  ``kataBuiltInShim``, a long-lived agent connection, the TOML agent, proxy and
  shim tables not read).
* **Checks** (``checkNetNsConfig``, ``checkHypervisorConfig``,
  ``checkFactoryConfig``), with Go's messages, after everything else.
* **Lookup** (:func:`find_config_file`): ``$KATA_CONF_FILE`` (as
  containerd-shim-kata-v2 reads it), then
  ``/etc/kata-containers/configuration.toml``, then
  ``/usr/share/defaults/kata-containers/configuration.toml``.

Deliberate differences from Go
------------------------------
* **No host access without host checks.** kata-oci may run where no
  hypervisor is installed, so paths are taken as written: not made absolute,
  not resolved through symlinks, not checked. With host checks
  (``host_checks=HostChecks(...)``, whose paths and facts default to Kata's;
  by default, :data:`FROM_STRICT`, they are on exactly when ``strict=True``,
  kata-oci 0.1's rule from before the two switches were split) the paths Go
  resolves (hypervisor, kernel, image/initrd, firmware, pflash images, jailer,
  ctl path, proxy, shim) must exist, and so must two Go does not check: the
  virtio-fs daemon when virtio-fs is used, and the netmon binary when netmon is
  enabled. Even then the stored paths are the ones written, not the resolved
  ones Go stores. Host checks also do Go's other checks: the image and
  initrd sizes against the VM memory, ``/dev/vhost-vsock`` for firecracker (an
  error without it) and for qemu's ``use_vsock`` (turned off without it).
  Without host checks the files are never opened, ``use_vsock`` is taken as
  written and firecracker needs no vsock device.
* **Both ``image`` and ``initrd`` set.** Go keeps whichever of the two files
  exists, fails when both exist and when neither does — so the outcome depends
  on the host (the generated ``configuration-qemu.toml``, shipped here as the
  default, sets both). Without host checks, kata-oci uses the **image** and
  ignores the initrd (as kata-deploy and the snap did, by commenting the initrd
  out); with host checks, Go's rule applies. Setting neither is an error in both
  modes, as in Go.
* **Unknown hypervisor section.** Go ignores ``[hypervisor.<unknown>]`` (also
  ``[hypervisor.QEMU]``) and wipes the hypervisor settings, failing later with
  "VM memory cannot be zero"; kata-oci raises a ConfigError naming the section.
* **Several hypervisor sections.** Go picks one at random (map order);
  kata-oci raises a ConfigError.
* **A key given twice with different case** (``path`` and ``PATH``): Go keeps
  one at random; kata-oci raises a ConfigError.
* **``vm_cache_number`` < 0** wraps around in Go (an unchecked ``uint``);
  kata-oci rejects it as out of range.
* **``[agent.kata] container_pipe_size``** is not a Kata 1.x key (1.x sets it
  only through an annotation); kata-oci accepts it as an extension (a
  ``uint32``) and passes it on, which also adds the
  ``agent.container_pipe_size`` kernel parameter.
* **TOML version.** Parsing is ``tomllib`` (TOML 1.0), which accepts what Go's
  TOML 0.4 parser rejects (mixed-type arrays, dotted keys, hex integers, ...).
  Two things v0.3.1 accepts and TOML 1.0 refuses are matched
  (:func:`go_toml_text`): numbers with leading zeros (``default_memory =
  02048`` is 2048), and control characters or bytes that are not UTF-8 inside
  a comment or a string (a byte in a string becomes U+FFFD, where the Go
  string keeps the raw byte: a
  Python ``str`` cannot hold it, and U+FFFD is what Go shows when it encodes
  the value as JSON). Errors are
  reported in kata-oci's words, not Go's. The file is read through
  :func:`kata_oci.files.read_toml_text` and :func:`kata_oci.files.parse_toml`:
  more than 64 levels of nested tables (dotted parts included), arrays or inline tables, a key of more than 64
  dotted parts or a table header longer than 1024 characters is a ConfigError
  (Go's parser has no such bounds; no real configuration comes near them).
* **Logging.** Go's syslog hook and logger level changes are not reproduced;
  warnings Go logs are logged through :mod:`kata_oci.log`.
"""

from __future__ import annotations

import enum
import os
import platform
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Final, TypeVar

import msgspec

from kata_oci import golang
from kata_oci.errors import ConfigError, KataOCIError, cut
from kata_oci.files import parse_toml, read_regular_file, read_toml_text
from kata_oci.loading import (
    Doc as _Doc,
    clean_comma_list as _clean_comma_list,
    equal_fold as _equal_fold,
    located as _located,
    toml_type as _toml_type,
    validation_error as _validation_error,
)
from kata_oci.log import log
from kata_oci.readfile import path_text

from .types import (
    AgentType,
    FactoryConfig,
    Feature,
    HypervisorConfig,
    HypervisorType,
    KataAgentConfig,
    NetInterworkingModel,
    NetmonConfig,
    Param,
    ProxyConfig,
    ProxyType,
    RuntimeConfig,
    ShimConfig,
    ShimType,
    deserialize_params,
)

if TYPE_CHECKING:
    from pathlib import Path

    from kata_oci.hostchecks import HostChecks

__all__ = [
    "CONFIG_FILE_ENV",
    "DEFAULT_CONFIG_PATHS",
    "DEFAULT_CONFIG_RESOURCE",
    "FROM_STRICT",
    "TomlAgent",
    "TomlConfig",
    "TomlFactory",
    "TomlHypervisor",
    "TomlNetmon",
    "TomlProxy",
    "TomlRuntime",
    "TomlShim",
    "decode_toml_config",
    "find_config_file",
    "go_toml_text",
    "load_runtime_config",
    "runtime_config_from_toml",
]

#: The environment variable naming the configuration file (containerd-shim-kata-v2).
CONFIG_FILE_ENV: Final = "KATA_CONF_FILE"

#: Kata's default configuration files, in priority order (``GetDefaultConfigFilePaths``).
DEFAULT_CONFIG_PATHS: tuple[str, ...] = (
    "/etc/kata-containers/configuration.toml",
    "/usr/share/defaults/kata-containers/configuration.toml",
)

#: The configuration shipped inside the package, relative to the ``kata_oci``
#: package (:func:`kata_oci.profiles.base.shipped_file`).
DEFAULT_CONFIG_RESOURCE: Final = "data/configuration.toml"

# --------------------------------------------------------------------------
# Go's defaults (pkg/katautils/config-settings.go.in, config.go)

_DEFAULT_HYPERVISOR_PATH = "/usr/bin/qemu-lite-system-x86_64"
_DEFAULT_HYPERVISOR_CTL_PATH = "/usr/bin/acrnctl"
_DEFAULT_JAILER_PATH = "/usr/bin/jailer"
_DEFAULT_IMAGE_PATH = "/usr/share/kata-containers/kata-containers.img"
_DEFAULT_KERNEL_PATH = "/usr/share/kata-containers/vmlinuz.container"
_DEFAULT_INITRD_PATH = "/usr/share/kata-containers/kata-containers-initrd.img"
_DEFAULT_FIRMWARE_PATH = ""
_DEFAULT_PROXY_PATH = "/usr/libexec/kata-containers/kata-proxy"
_DEFAULT_SHIM_PATH = "/usr/libexec/kata-containers/kata-shim"
_DEFAULT_NETMON_PATH = "/usr/libexec/kata-containers/kata-netmon"
_DEFAULT_MACHINE_TYPE = "pc"
_DEFAULT_VCPU_COUNT = 1
_DEFAULT_MEM_SIZE = 2048  # MiB
_DEFAULT_MEM_SLOTS = 10
_DEFAULT_BRIDGES = 1
_MAX_PCI_BRIDGES = 5
_DEFAULT_BLOCK_DRIVER = "virtio-scsi"
_DEFAULT_MSIZE_9P = 8192
_DEFAULT_ENTROPY_SOURCE = "/dev/urandom"
_DEFAULT_VIRTIO_FS_CACHE = "none"
_DEFAULT_VHOST_USER_STORE_PATH = "/var/run/kata-containers/vhost-user/"
_DEFAULT_TEMPLATE_PATH = "/run/vc/vm/template"
_DEFAULT_VM_CACHE_ENDPOINT = "/var/run/kata-containers/cache.sock"
_SYSTEMD_UNIT = "kata-containers.target"

_BLOCK_DRIVERS = ("virtio-scsi", "virtio-blk", "virtio-mmio", "nvdimm", "virtio-blk-ccw")
_VIRTIO_9P = "virtio-9p"
_VIRTIO_FS = "virtio-fs"
_SHARED_FS = (_VIRTIO_9P, _VIRTIO_FS)
_MICROVM = "microvm"
_KATA = "kata"  # the only agent, proxy and shim table name
_TRACE_MODES = ("dynamic", "static")
_TRACE_TYPES = ("isolated", "collated")

_HYPERVISOR_TYPES: dict[str, HypervisorType] = {
    "qemu": HypervisorType.QEMU,
    "firecracker": HypervisorType.FIRECRACKER,
    "acrn": HypervisorType.ACRN,
    "clh": HypervisorType.CLH,
}

# Go's vc.MaxQemuVCPUs() for each architecture Kata 1.x builds for.
_QEMU_MAX_VCPUS = {"x86_64": 240, "amd64": 240, "aarch64": 123, "arm64": 123, "ppc64le": 128, "s390x": 248}

#: The device Go stats to decide whether vsock is supported (``utils.VHostVSockDevicePath``).
_VHOST_VSOCK = "/dev/vhost-vsock"

_MIB = 1024 * 1024

# --------------------------------------------------------------------------
# the TOML schema (Go's tomlConfig and its tables)

#: Go ``int32``.
Int32 = Annotated[int, msgspec.Meta(ge=-(2**31), le=2**31 - 1, extra={"go": "int32"})]
#: Go ``uint32``.
Uint32 = Annotated[int, msgspec.Meta(ge=0, le=2**32 - 1, extra={"go": "uint32"})]
#: Go ``uint`` (64 bits; negative values rejected, where Go wraps them around; TOML
#: integers stop at 2**63 - 1 anyway).
Uint = Annotated[int, msgspec.Meta(ge=0, extra={"go": "uint"})]


def _strings() -> Any:
    return msgspec.field(default_factory=list)


class _Table(msgspec.Struct, kw_only=True):
    """A TOML table Go decodes into a struct; unknown keys are ignored."""


class TomlHypervisor(_Table):
    """``[hypervisor.<name>]`` (Go's ``hypervisor`` struct; keys as in the TOML file)."""

    path: str = ""
    valid_hypervisor_paths: list[str] = _strings()
    jailer_path: str = ""
    valid_jailer_paths: list[str] = _strings()
    kernel: str = ""
    ctlpath: str = ""
    valid_ctlpaths: list[str] = _strings()
    initrd: str = ""
    image: str = ""
    firmware: str = ""
    machine_accelerators: str = ""
    cpu_features: str = ""
    kernel_params: str = ""
    machine_type: str = ""
    block_device_driver: str = ""
    entropy_source: str = ""
    shared_fs: str = ""
    virtio_fs_daemon: str = ""
    valid_virtio_fs_daemon_paths: list[str] = _strings()
    virtio_fs_cache: str = ""
    virtio_fs_extra_args: list[str] = _strings()
    pflashes: list[str] = _strings()
    virtio_fs_cache_size: Uint32 = 0
    block_device_cache_set: bool = False
    block_device_cache_direct: bool = False
    block_device_cache_noflush: bool = False
    enable_vhost_user_store: bool = False
    vhost_user_store_path: str = ""
    valid_vhost_user_store_paths: list[str] = _strings()
    default_vcpus: Int32 = 0
    default_maxvcpus: Uint32 = 0
    default_memory: Uint32 = 0
    memory_slots: Uint32 = 0
    memory_offset: Uint32 = 0
    default_bridges: Uint32 = 0
    msize_9p: Uint32 = 0
    pcie_root_port: Uint32 = 0
    disable_block_device_use: bool = False
    enable_mem_prealloc: bool = False
    enable_hugepages: bool = False
    enable_virtio_mem: bool = False
    enable_iommu: bool = False
    enable_iommu_platform: bool = False
    file_mem_backend: str = ""
    valid_file_mem_backends: list[str] = _strings()
    enable_swap: bool = False
    enable_debug: bool = False
    disable_nesting_checks: bool = False
    enable_iothreads: bool = False
    use_vsock: bool = False
    disable_image_nvdimm: bool = False
    hotplug_vfio_on_root_bus: bool = False
    disable_vhost_net: bool = False
    guest_hook_path: str = ""
    enable_annotations: list[str] = _strings()


class TomlProxy(_Table):
    """``[proxy.<name>]``."""

    path: str = ""
    enable_debug: bool = False


class TomlShim(_Table):
    """``[shim.<name>]``."""

    path: str = ""
    enable_debug: bool = False
    enable_tracing: bool = False


class TomlAgent(_Table):
    """``[agent.<name>]``; ``container_pipe_size`` is a kata-oci extension."""

    enable_debug: bool = False
    enable_tracing: bool = False
    trace_mode: str = ""
    trace_type: str = ""
    kernel_modules: list[str] = _strings()
    container_pipe_size: Uint32 = 0


class TomlNetmon(_Table):
    """``[netmon]``."""

    path: str = ""
    enable_debug: bool = False
    enable_netmon: bool = False


class TomlRuntime(_Table):
    """``[runtime]``."""

    enable_debug: bool = False
    enable_tracing: bool = False
    disable_new_netns: bool = False
    disable_guest_seccomp: bool = False
    sandbox_cgroup_only: bool = False
    enable_agent_pidns: bool = False
    experimental: list[str] = _strings()
    internetworking_model: str = ""


class TomlFactory(_Table):
    """``[factory]``."""

    enable_template: bool = False
    template_path: str = ""
    vm_cache_number: Uint = 0
    vm_cache_endpoint: str = ""


class TomlConfig(_Table):
    """A whole ``configuration.toml`` (Go's ``tomlConfig``); tables keep the file's order."""

    hypervisor: dict[str, TomlHypervisor] = msgspec.field(default_factory=dict)
    proxy: dict[str, TomlProxy] = msgspec.field(default_factory=dict)
    shim: dict[str, TomlShim] = msgspec.field(default_factory=dict)
    agent: dict[str, TomlAgent] = msgspec.field(default_factory=dict)
    runtime: TomlRuntime = msgspec.field(default_factory=TomlRuntime)
    factory: TomlFactory = msgspec.field(default_factory=TomlFactory)
    netmon: TomlNetmon = msgspec.field(default_factory=TomlNetmon)


_NAMED_TABLES: dict[str, type[_Table]] = {
    "hypervisor": TomlHypervisor,
    "proxy": TomlProxy,
    "shim": TomlShim,
    "agent": TomlAgent,
}
_TABLES: dict[str, type[_Table]] = {"runtime": TomlRuntime, "factory": TomlFactory, "netmon": TomlNetmon}

_T = TypeVar("_T", bound=_Table)

# --------------------------------------------------------------------------
# the host: Go's runtime.NumCPU() and vc.MaxQemuVCPUs()


def _num_cpus() -> int:
    """Go's ``runtime.NumCPU()``: the CPUs in this process's affinity set."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return os.cpu_count() or 1


def _max_qemu_vcpus() -> int:
    """Go's ``vc.MaxQemuVCPUs()`` for this architecture (240 when unknown)."""
    return _QEMU_MAX_VCPUS.get(platform.machine(), 240)


# --------------------------------------------------------------------------
# decoding


def _fold_keys(
    table: Mapping[str, Any],
    names: frozenset[str],
    where: tuple[str, ...],
    doc: _Doc,
    unknown: list[tuple[str, ...]] | None = None,
) -> dict[str, Any]:
    """The known keys of ``table`` under their canonical names (exact match, then case-insensitive).

    Unknown keys are left out, as Go's decoder ignores them, and their paths
    appended to ``unknown`` so they can be reported.
    """
    out: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for key, value in table.items():
        canonical = key if key in names else next((n for n in names if _equal_fold(n, key)), None)
        if canonical is None:
            if unknown is not None:
                unknown.append((*where, key))
            continue
        if canonical in origin:
            raise doc.error(
                f"{origin[canonical]!r} and {key!r} both set {canonical!r} (keys are matched "
                "case-insensitively; Kata would keep one of them at random)",
                (*where, key),
            )
        origin[canonical] = key
        out[canonical] = value
    return out


def _convert(
    table: Mapping[str, Any],
    typ: type[_T],
    where: tuple[str, ...],
    doc: _Doc,
    unknown: list[tuple[str, ...]] | None = None,
) -> _T:
    folded = _fold_keys(table, frozenset(typ.__struct_fields__), where, doc, unknown)
    try:
        return msgspec.convert(folded, type=typ)
    except msgspec.ValidationError as exc:
        raise _validation_error(exc, folded, typ, where, doc) from None


def _decode(doc: _Doc, unknown: list[tuple[str, ...]] | None = None) -> TomlConfig:
    try:
        raw: Any = parse_toml(doc.text, file=doc.file, what="configuration file")
    except ConfigError as exc:
        raise _located(exc, doc) from None
    top = _fold_keys(raw, frozenset(_NAMED_TABLES) | frozenset(_TABLES), (), doc, unknown)
    fields: dict[str, Any] = {}
    for name, typ in _NAMED_TABLES.items():
        if name not in top:
            continue
        tables = top[name]
        if not isinstance(tables, dict):
            raise doc.error(f"expected [{name}.<name>] tables, found {_toml_type(tables)}", (name,))
        entries: dict[str, _Table] = {}
        for sub, table in tables.items():
            if not isinstance(table, dict):
                raise doc.error(f"expected a table, found {_toml_type(table)}", (name, sub))
            entries[sub] = _convert(table, typ, (name, sub), doc, unknown)
        fields[name] = entries
    for name, typ in _TABLES.items():
        if name not in top:
            continue
        table = top[name]
        if not isinstance(table, dict):
            raise doc.error(f"expected a table, found {_toml_type(table)}", (name,))
        fields[name] = _convert(table, typ, (name,), doc, unknown)
    return TomlConfig(**fields)


def _report_unknown(doc: _Doc, unknown: list[tuple[str, ...]], *, strict: bool) -> list[str]:
    """Keys Go's decoder ignores: a warning each, returned as notes; ``strict``: a ConfigError."""
    if not unknown:
        return []
    if strict:
        first = min(unknown, key=lambda key: doc.error("", key).line or 0)
        raise doc.error(f"unknown key {'.'.join(first)!r}: Kata 1.x does not know it", first)
    for key in unknown:
        log.warning(
            "configuration_unknown_key", key=".".join(key), file=doc.file, reason="Kata 1.x ignores this key"
        )
    return [f"{doc.file}: {cut('.'.join(key))}: unknown key, Kata 1.x ignores it" for key in unknown]


def decode_toml_config(data: str | bytes, *, file: str | None = None) -> TomlConfig:
    """Decode configuration text into :class:`TomlConfig`, as Go's ``toml.Decode`` into ``tomlConfig``.

    ``file`` names the source in errors. Raises :class:`ConfigError` for a
    TOML syntax error, a value of the wrong type or out of range.
    """
    return _decode(_Doc(file or "<configuration>", _text(data, file or "<configuration>")))


def _text(data: str | bytes, file: str) -> str:
    """The configuration text, with BurntSushi/toml v0.3.1's leniencies applied (see :func:`go_toml_text`)."""
    if isinstance(data, str):
        return go_toml_text(data, file)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", "surrogateescape")
    return go_toml_text(text, file)


# --------------------------------------------------------------------------
# BurntSushi/toml v0.3.1 (vendored by Kata 1.x) accepts what tomllib refuses

# A value that may be a number with a leading zero: after "=", "[" or ",".
_LEADING_ZERO_HINT = re.compile(r"[=\[,][ \t]*[+-]?0[0-9_]")
# (patterns: compiled by re on first use, for the rare file that needs them)
_GO_NUMBER = r"([+-]?)([0-9][0-9_]*)((?:\.[0-9_]+)?(?:[eE][+-]?[0-9_]+)?)"
_NUMBER_END = frozenset(" \t\r\n,]}#")
_SURROGATES = "[\udc80-\udcff]"
# What v0.3.1 reads inside strings and comments and TOML 1.0 refuses: non-UTF-8 bytes
# (as surrogateescape code points) and control characters other than tab, LF and CR.
_GO_ONLY = re.compile("[\udc80-\udcff\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _go_string(segment: str, quote: str, multiline: bool) -> str:
    """A string token v0.3.1 reads, rewritten so tomllib reads the same value.

    A byte that is not UTF-8 becomes U+FFFD; a control character becomes a
    ``\\uXXXX`` escape, a literal ('...') string becoming a basic one for it.
    """
    if _GO_ONLY.search(segment) is None:
        return segment
    delim = 3 if multiline else 1
    body = re.sub(
        _SURROGATES, "\ufffd", segment[delim:-delim] if len(segment) >= 2 * delim else segment[delim:]
    )
    closed = len(segment) >= 2 * delim and segment.endswith(quote * delim)
    if quote == "'":
        body = body.replace("\\", "\\\\").replace('"', '\\"')
    body = re.sub("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", lambda m: f"\\u{ord(m.group()):04x}", body)
    return '"' * delim + body + ('"' * delim if closed else "")


def _string_end(text: str, i: int, quote: str, *, multiline: bool, escapes: bool) -> int:
    """The index just past the string opening at ``i`` (its quote(s) included), or ``len(text)``."""
    j = i + (3 if multiline else 1)
    n = len(text)
    while j < n:
        c = text[j]
        if escapes and c == "\\":
            j += 2
            continue
        if not multiline and c == "\n":
            return j
        if c == quote and (not multiline or text.startswith(quote * 3, j)):
            return j + (3 if multiline else 1)
        j += 1
    return n


def go_toml_text(text: str, file: str = "<configuration>") -> str:
    """``text`` as Kata 1.x's TOML parser (BurntSushi/toml v0.3.1) reads it, for ``tomllib``.

    v0.3.1 lexes a number as digits and hands it to ``strconv.ParseInt``/``ParseFloat``,
    so a leading zero is accepted (``default_memory = 02048`` is 2048, ``+007`` is 7,
    ``01.5`` is 1.5); TOML 1.0 forbids it. Such values are rewritten without their
    leading zeros. v0.3.1 also reads bytes that are not UTF-8 and control
    characters inside a comment or a string (a Go string holds any bytes): in a
    comment they are blanked, in a string a control character is kept (escaped for
    tomllib) and a byte that is not UTF-8 becomes U+FFFD (a Python ``str`` cannot
    hold the raw byte, and U+FFFD is what Go itself shows for it when it encodes
    the value as JSON). Anywhere else they are an error, as in Go. ``text`` holds
    such bytes as ``surrogateescape`` code points. Line numbers are kept.
    """
    has_bad = _GO_ONLY.search(text) is not None
    if not has_bad and _LEADING_ZERO_HINT.search(text) is None:
        return text
    go_number = re.compile(_GO_NUMBER).match
    out: list[str] = []
    stack: list[str] = []  # "array" / "inline"
    expect_value = False
    i, n, start = 0, len(text), 0
    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            end = n if end < 0 else end
            if has_bad:
                out.append(text[start:i])
                out.append(_GO_ONLY.sub(" ", text[i:end]))
                start = end
            i = end
            continue
        if c in "\"'":
            multiline = text.startswith(c * 3, i)
            end = _string_end(text, i, c, multiline=multiline, escapes=c == '"')
            if has_bad:
                out.append(text[start:i])
                out.append(_go_string(text[i:end], c, multiline))
                start = end
            i = end
            expect_value = False
            continue
        if c == "=":
            expect_value = True
        elif c == "[":
            if expect_value:
                stack.append("array")
        elif c == "{":
            stack.append("inline")
            expect_value = False
        elif c in "]}":
            if stack and stack[-1] == ("array" if c == "]" else "inline"):
                stack.pop()
            expect_value = False
        elif c == ",":
            expect_value = bool(stack) and stack[-1] == "array"
        elif c == "\n":
            if not stack:
                expect_value = False
        elif c in " \t\r":
            pass
        elif expect_value and (c in "+-" or (c.isascii() and c.isdigit())):
            m = go_number(text, i)
            expect_value = False
            if m is not None and (m.end() == n or text[m.end()] in _NUMBER_END):
                sign, digits, rest = m.groups()
                if len(digits) > 1 and digits[0] == "0" and "__" not in digits and not digits.endswith("_"):
                    out.append(text[start:i])
                    out.append(sign + (digits.lstrip("0_") or "0") + rest)
                    start = m.end()
                i = m.end()
                continue
        else:
            expect_value = False
        i += 1
    out.append(text[start:])
    result = "".join(out)
    if has_bad and (m := re.search(_SURROGATES, result)) is not None:
        line = result.count("\n", 0, m.start()) + 1
        raise ConfigError(
            "not valid UTF-8: invalid start byte outside a string or comment", file=file, line=line
        )
    return result


# --------------------------------------------------------------------------
# the hypervisor builders


class _Hypervisor:
    """Go's ``hypervisor`` helper methods and the four ``new*HypervisorConfig`` builders."""

    def __init__(self, name: str, h: TomlHypervisor, doc: _Doc, *, host: HostChecks | None) -> None:
        self.name = name
        self.h = h
        self.doc = doc
        self.facts = host
        self.host = host if host is not None and host.check_files else None
        self.checking = self.host is not None  # Kata's host checks are on

    def key(self, field: str) -> tuple[str, ...]:
        return ("hypervisor", self.name, field)

    def error(self, reason: str, field: str | None = None) -> ConfigError:
        return self.doc.error(reason, self.key(field) if field else ("hypervisor", self.name))

    # -- paths

    def _missing(self, path: str) -> str | None:
        """Why Go's ``ResolvePath`` would refuse ``path``, or ``None``."""
        if not path:
            return "path must be specified"
        try:
            os.stat(self.host.asset(path) if self.host is not None else path)
        except FileNotFoundError:
            return f"file {os.path.abspath(path)} does not exist"
        except OSError as exc:
            return f"{path}: {exc.strerror or exc}"
        return None

    def resolved(self, field: str, value: str, default: str = "") -> str:
        """``value`` or its default; with host checks, it must exist."""
        path = value or default
        if self.checking and path:
            problem = self._missing(path)
            if problem is not None:
                hint = "" if value else " (the default; the key is not set)"
                raise self.error(f"{field}: {problem}{hint}", field)
        return path

    def initrd_and_image(self) -> tuple[str, str]:
        """Go's ``getInitrdAndImage``; without host checks, an image wins over an initrd."""
        h = self.h
        if self.checking:
            err_initrd = self._missing(h.initrd) if h.initrd else "initrd is not set"
            err_image = self._missing(h.image) if h.image else "image is not set"
            initrd = h.initrd if err_initrd is None else ""
            image = h.image if err_image is None else ""
            if initrd and image:
                raise self.error(
                    "having both an image and an initrd defined in the configuration file is not supported",
                    "initrd",
                )
            if err_initrd is not None and err_image is not None:
                raise self.error(
                    f"Either initrd or image must be set to a valid path (initrd: {err_initrd}) "
                    f"(image: {err_image})",
                    "image" if h.image or not h.initrd else "initrd",
                )
            return initrd, image
        if not h.initrd and not h.image:
            raise self.error(
                "Either initrd or image must be set to a valid path "
                "(initrd: initrd is not set) (image: image is not set)",
                "image",
            )
        if h.image:
            if h.initrd:
                log.debug("configuration_initrd_ignored", initrd=h.initrd, image=h.image, file=self.doc.file)
            return "", h.image
        return h.initrd, ""

    def firmware(self) -> str:
        return self.resolved("firmware", self.h.firmware, _DEFAULT_FIRMWARE_PATH)

    def pflash(self) -> list[str]:
        if self.checking:
            for entry in self.h.pflashes:
                if self._missing(entry) is not None:
                    raise self.error(f"pflash path doesn't exist: {entry}", "pflashes")
        return list(self.h.pflashes)

    # -- values

    def kernel_params(self) -> list[Param]:
        return deserialize_params(golang.fields(self.h.kernel_params))

    def machine_type(self) -> str:
        return self.h.machine_type or _DEFAULT_MACHINE_TYPE

    def cpus(self) -> int:
        """Go's ``runtime.NumCPU()``: the host's fact when given, else this process's."""
        if self.facts is not None and self.facts.num_cpus is not None:
            return self.facts.num_cpus
        return _num_cpus()

    def qemu_max_vcpus(self) -> int:
        if self.facts is not None and self.facts.arch is not None:
            return _QEMU_MAX_VCPUS.get(self.facts.arch, 240)
        return _max_qemu_vcpus()

    def supports_vsock(self) -> bool:
        return self.host is not None and self.host.supports_vsock()

    def num_vcpus(self) -> int:
        cpus = self.cpus()
        n = self.h.default_vcpus
        if n < 0 or n > cpus:
            return cpus
        if n == 0:
            return _DEFAULT_VCPU_COUNT
        return n

    def max_vcpus(self) -> int:
        cpus = self.cpus()
        requested = self.h.default_maxvcpus
        if requested >= cpus or requested == 0:
            requested = cpus
        return min(requested, self.qemu_max_vcpus())

    def memory(self) -> int:
        return self.h.default_memory or _DEFAULT_MEM_SIZE

    def mem_slots(self) -> int:
        return self.h.memory_slots or _DEFAULT_MEM_SLOTS

    def bridges(self) -> int:
        n = self.h.default_bridges
        if n == 0:
            return _DEFAULT_BRIDGES
        return min(n, _MAX_PCI_BRIDGES)

    def msize_9p(self) -> int:
        return self.h.msize_9p or _DEFAULT_MSIZE_9P

    def entropy_source(self) -> str:
        return self.h.entropy_source or _DEFAULT_ENTROPY_SOURCE

    def block_device_driver(self) -> str:
        driver = self.h.block_device_driver
        if not driver:
            return _DEFAULT_BLOCK_DRIVER
        if driver in _BLOCK_DRIVERS:
            return driver
        raise self.error(
            f"Invalid hypervisor block storage driver {driver} specified "
            f"(supported drivers: [{' '.join(_BLOCK_DRIVERS)}])",
            "block_device_driver",
        )

    def shared_fs(self) -> str:
        fs = self.h.shared_fs
        if not fs:
            return _VIRTIO_9P
        if fs in _SHARED_FS:
            return fs
        raise self.error(
            f"Invalid hypervisor shared file system {fs} specified "
            f"(supported file systems: [{' '.join(_SHARED_FS)}])",
            "shared_fs",
        )

    def virtio_fs_daemon(self) -> str:
        """The daemon path; with host checks it must exist (Go does not check it)."""
        return self.resolved("virtio_fs_daemon", self.h.virtio_fs_daemon)

    def common(self) -> dict[str, Any]:
        """The fields all four builders set the same way."""
        h = self.h
        return {
            "hypervisor_path_list": list(h.valid_hypervisor_paths),
            "num_vcpus": self.num_vcpus(),
            "default_max_vcpus": self.max_vcpus(),
            "memory_size": self.memory(),
            "mem_slots": self.mem_slots(),
            "entropy_source": self.entropy_source(),
            "default_bridges": self.bridges(),
            "huge_pages": h.enable_hugepages,
            "mlock": not h.enable_swap,
            "debug": h.enable_debug,
            "disable_nesting_checks": h.disable_nesting_checks,
            "enable_annotations": list(h.enable_annotations),
        }

    # -- builders

    def qemu(self) -> HypervisorConfig:
        h = self.h
        path = self.resolved("path", h.path, _DEFAULT_HYPERVISOR_PATH)
        kernel = self.resolved("kernel", h.kernel, _DEFAULT_KERNEL_PATH)
        initrd, image = self.initrd_and_image()
        firmware = self.firmware()
        pflash = self.pflash()
        machine_type = self.machine_type()
        disable_image_nvdimm = h.disable_image_nvdimm
        if machine_type == _MICROVM and not disable_image_nvdimm:
            disable_image_nvdimm = True
            log.info("configuration_microvm_nvdimm_disabled", file=self.doc.file)
        block_driver = self.block_device_driver()
        shared_fs = self.shared_fs()
        if shared_fs == _VIRTIO_FS and not h.virtio_fs_daemon:
            raise self.error(
                "cannot enable virtio-fs without daemon path in configuration file", "virtio_fs_daemon"
            )
        daemon = self.virtio_fs_daemon() if shared_fs == _VIRTIO_FS else h.virtio_fs_daemon
        use_vsock = h.use_vsock
        if use_vsock and self.host is not None and not self.supports_vsock():
            log.warning("configuration_no_vsock_support", device=self.host.vhost_vsock, file=self.doc.file)
            use_vsock = False
        return HypervisorConfig(
            **self.common(),
            hypervisor_path=path,
            kernel_path=kernel,
            initrd_path=initrd,
            image_path=image,
            firmware_path=firmware,
            machine_accelerators=_clean_comma_list(h.machine_accelerators),
            cpu_features=_clean_comma_list(h.cpu_features),
            kernel_params=self.kernel_params(),
            hypervisor_machine_type=machine_type,
            mem_offset=h.memory_offset,
            virtio_mem=h.enable_virtio_mem,
            disable_block_device_use=h.disable_block_device_use,
            shared_fs=shared_fs,
            virtio_fs_daemon=daemon,
            virtio_fs_daemon_list=list(h.valid_virtio_fs_daemon_paths),
            virtio_fs_cache_size=h.virtio_fs_cache_size,
            virtio_fs_cache=h.virtio_fs_cache or _DEFAULT_VIRTIO_FS_CACHE,
            virtio_fs_extra_args=list(h.virtio_fs_extra_args),
            pflash=pflash,
            mem_prealloc=h.enable_mem_prealloc,
            iommu=h.enable_iommu,
            iommu_platform=h.enable_iommu_platform,
            file_backed_mem_root_dir=h.file_mem_backend,
            file_backed_mem_root_list=list(h.valid_file_mem_backends),
            block_device_driver=block_driver,
            block_device_cache_set=h.block_device_cache_set,
            block_device_cache_direct=h.block_device_cache_direct,
            block_device_cache_noflush=h.block_device_cache_noflush,
            enable_iothreads=h.enable_iothreads,
            msize_9p=self.msize_9p(),
            use_vsock=use_vsock,
            disable_image_nvdimm=disable_image_nvdimm,
            hotplug_vfio_on_root_bus=h.hotplug_vfio_on_root_bus,
            pcie_root_port=h.pcie_root_port,
            disable_vhost_net=h.disable_vhost_net,
            enable_vhost_user_store=h.enable_vhost_user_store,
            vhost_user_store_path=h.vhost_user_store_path or _DEFAULT_VHOST_USER_STORE_PATH,
            vhost_user_store_path_list=list(h.valid_vhost_user_store_paths),
            guest_hook_path=h.guest_hook_path,
        )

    def firecracker(self) -> HypervisorConfig:
        h = self.h
        path = self.resolved("path", h.path, _DEFAULT_HYPERVISOR_PATH)
        jailer = self.resolved("jailer_path", h.jailer_path)
        kernel = self.resolved("kernel", h.kernel, _DEFAULT_KERNEL_PATH)
        initrd, image = self.initrd_and_image()
        firmware = self.firmware()
        kernel_params = self.kernel_params()
        block_driver = self.block_device_driver()
        if self.host is not None and not self.supports_vsock():
            raise self.error("No vsock support, firecracker cannot be used")
        return HypervisorConfig(
            **self.common(),
            hypervisor_path=path,
            jailer_path=jailer,
            jailer_path_list=list(h.valid_jailer_paths),
            kernel_path=kernel,
            initrd_path=initrd,
            image_path=image,
            firmware_path=firmware,
            kernel_params=kernel_params,
            disable_block_device_use=h.disable_block_device_use,
            block_device_driver=block_driver,
            enable_iothreads=h.enable_iothreads,
            disable_vhost_net=True,
            use_vsock=True,
            guest_hook_path=h.guest_hook_path,
        )

    def acrn(self) -> HypervisorConfig:
        h = self.h
        path = self.resolved("path", h.path, _DEFAULT_HYPERVISOR_PATH)
        ctl_path = self.resolved("ctlpath", h.ctlpath, _DEFAULT_HYPERVISOR_CTL_PATH)
        kernel = self.resolved("kernel", h.kernel, _DEFAULT_KERNEL_PATH)
        if not h.image:
            raise self.error("image is not set", "image")
        image = self.resolved("image", h.image)
        firmware = self.firmware()
        kernel_params = self.kernel_params()
        block_driver = self.block_device_driver()
        return HypervisorConfig(
            **self.common(),
            hypervisor_path=path,
            kernel_path=kernel,
            image_path=image,
            hypervisor_ctl_path=ctl_path,
            hypervisor_ctl_path_list=list(h.valid_ctlpaths),
            firmware_path=firmware,
            kernel_params=kernel_params,
            block_device_driver=block_driver,
            disable_vhost_net=h.disable_vhost_net,
            guest_hook_path=h.guest_hook_path,
        )

    def clh(self) -> HypervisorConfig:
        h = self.h
        path = self.resolved("path", h.path, _DEFAULT_HYPERVISOR_PATH)
        kernel = self.resolved("kernel", h.kernel, _DEFAULT_KERNEL_PATH)
        initrd, image = self.initrd_and_image()
        if initrd:
            raise self.error("having an initrd defined in the configuration file is not supported", "initrd")
        firmware = self.firmware()
        machine_accelerators = _clean_comma_list(h.machine_accelerators)
        kernel_params = self.kernel_params()
        machine_type = self.machine_type()
        block_driver = self.block_device_driver()
        if not h.virtio_fs_daemon:
            raise self.error("virtio-fs daemon path is missing in configuration file", "virtio_fs_daemon")
        daemon = self.virtio_fs_daemon()
        return HypervisorConfig(
            **self.common(),
            hypervisor_path=path,
            kernel_path=kernel,
            initrd_path=initrd,
            image_path=image,
            firmware_path=firmware,
            machine_accelerators=machine_accelerators,
            kernel_params=kernel_params,
            hypervisor_machine_type=machine_type,
            mem_offset=h.memory_offset,
            virtio_mem=h.enable_virtio_mem,
            disable_block_device_use=h.disable_block_device_use,
            shared_fs=_VIRTIO_FS,
            virtio_fs_daemon=daemon,
            virtio_fs_daemon_list=list(h.valid_virtio_fs_daemon_paths),
            virtio_fs_cache_size=h.virtio_fs_cache_size,
            virtio_fs_cache=h.virtio_fs_cache,
            mem_prealloc=h.enable_mem_prealloc,
            file_backed_mem_root_dir=h.file_mem_backend,
            file_backed_mem_root_list=list(h.valid_file_mem_backends),
            block_device_driver=block_driver,
            block_device_cache_set=h.block_device_cache_set,
            block_device_cache_direct=h.block_device_cache_direct,
            block_device_cache_noflush=h.block_device_cache_noflush,
            enable_iothreads=h.enable_iothreads,
            msize_9p=self.msize_9p(),
            hotplug_vfio_on_root_bus=h.hotplug_vfio_on_root_bus,
            pcie_root_port=h.pcie_root_port,
            disable_vhost_net=True,
            use_vsock=True,
            virtio_fs_extra_args=list(h.virtio_fs_extra_args),
        )

    def build(self) -> HypervisorConfig:
        builders = {"qemu": self.qemu, "firecracker": self.firecracker, "acrn": self.acrn, "clh": self.clh}
        return builders[self.name]()


def _default_hypervisor_config() -> HypervisorConfig:
    """Go's ``GetDefaultHypervisorConfig()``: used when the file has no hypervisor table."""
    return HypervisorConfig(
        hypervisor_path=_DEFAULT_HYPERVISOR_PATH,
        jailer_path=_DEFAULT_JAILER_PATH,
        kernel_path=_DEFAULT_KERNEL_PATH,
        image_path=_DEFAULT_IMAGE_PATH,
        initrd_path=_DEFAULT_INITRD_PATH,
        firmware_path=_DEFAULT_FIRMWARE_PATH,
        hypervisor_machine_type=_DEFAULT_MACHINE_TYPE,
        num_vcpus=_DEFAULT_VCPU_COUNT,
        default_max_vcpus=0,
        memory_size=_DEFAULT_MEM_SIZE,
        default_bridges=_DEFAULT_BRIDGES,
        mlock=True,
        block_device_driver=_DEFAULT_BLOCK_DRIVER,
        msize_9p=_DEFAULT_MSIZE_9P,
        vhost_user_store_path=_DEFAULT_VHOST_USER_STORE_PATH,
        virtio_fs_cache=_DEFAULT_VIRTIO_FS_CACHE,
    )


# --------------------------------------------------------------------------
# LoadConfiguration


class _Loader:
    """One run of Go's ``LoadConfiguration`` over a decoded file."""

    def __init__(
        self,
        toml: TomlConfig,
        doc: _Doc,
        *,
        host: HostChecks | None,
        builtin: bool,
        features: Mapping[str, Feature] | None,
    ) -> None:
        self.toml = toml
        self.doc = doc
        self.facts = host
        self.host = host if host is not None and host.check_files else None
        self.checking = self.host is not None  # Kata's host checks are on
        self.builtin = builtin
        self.features = features
        self.hypervisor_name: str | None = None

    def error(self, reason: str, *key: str) -> ConfigError:
        return self.doc.error(reason, key or None)

    def exists(self, path: str, *key: str) -> str:
        """With host checks, ``path`` must exist (Go's ``ResolvePath``)."""
        if self.host is not None:
            try:
                os.stat(self.host.asset(path))
            except FileNotFoundError:
                raise self.error(f"file {os.path.abspath(path)} does not exist", *key) from None
            except OSError as exc:
                raise self.error(f"{path}: {exc.strerror or exc}", *key) from None
        return path

    def load(self) -> RuntimeConfig:
        toml, rt = self.toml, self.toml.runtime
        config = RuntimeConfig(
            hypervisor_type=HypervisorType.QEMU,
            hypervisor_config=_default_hypervisor_config(),
            agent_type=AgentType.KATA,
            agent_config=KataAgentConfig(),
            proxy_type=ProxyType.KATA,
            shim_type=ShimType.KATA,
            inter_network_model=NetInterworkingModel.DEFAULT,
            debug=rt.enable_debug,
            trace=rt.enable_tracing,
        )
        if rt.internetworking_model:
            try:
                config.inter_network_model = NetInterworkingModel.from_setting(rt.internetworking_model)
            except KataOCIError:
                raise self.error(
                    f"Unknown type {rt.internetworking_model} (known: default, macvtap, tcfilter, none)",
                    "runtime",
                    "internetworking_model",
                ) from None
        self.hypervisor(config)
        self.proxy(config)
        self.agent(config)
        self.shim(config)
        config.factory_config = FactoryConfig(
            template=toml.factory.enable_template,
            template_path=toml.factory.template_path or _DEFAULT_TEMPLATE_PATH,
            vm_cache_number=toml.factory.vm_cache_number,
            vm_cache_endpoint=toml.factory.vm_cache_endpoint or _DEFAULT_VM_CACHE_ENDPOINT,
        )
        netmon = toml.netmon
        netmon_path = netmon.path or _DEFAULT_NETMON_PATH
        if netmon.enable_netmon:
            self.exists(netmon_path, "netmon", "path")
        config.netmon_config = NetmonConfig(
            path=netmon_path, debug=netmon.enable_debug, enable=netmon.enable_netmon
        )
        self.kernel_params(config)

        config.disable_guest_seccomp = rt.disable_guest_seccomp
        if config.hypervisor_config.use_vsock:
            config.proxy_type = ProxyType.NO_PROXY
            config.proxy_config = ProxyConfig(debug=config.debug)
        config.sandbox_cgroup_only = rt.sandbox_cgroup_only
        config.disable_new_net_ns = rt.disable_new_netns
        config.enable_agent_pid_ns = rt.enable_agent_pidns
        if config.enable_agent_pid_ns:
            log.warning(
                "configuration_agent_pidns_enabled",
                reason="sharing the agent's PID namespace has security implications; debug only",
                file=self.doc.file,
            )
        config.experimental = self.experimental(rt.experimental)

        self.check_netns(config)
        self.check_hypervisor(config)
        self.check_factory(config)
        log.debug(
            "configuration_loaded",
            file=self.doc.file,
            hypervisor=str(config.hypervisor_type),
            host_checks=self.host is not None,
        )
        return config

    # -- sections

    def hypervisor(self, config: RuntimeConfig) -> None:
        names = list(self.toml.hypervisor)
        for name in names:
            if name not in _HYPERVISOR_TYPES:
                raise self.error(
                    f"unknown hypervisor {name!r}: Kata 1.x knows qemu, firecracker, acrn and clh "
                    "(section names are case-sensitive)",
                    "hypervisor",
                    name,
                )
        if len(names) > 1:
            raise self.error(
                f"more than one hypervisor table ({', '.join(names)}): Kata would use one of them at random",
                "hypervisor",
                names[1],
            )
        if not names:
            return
        name = names[0]
        self.hypervisor_name = name
        config.hypervisor_type = _HYPERVISOR_TYPES[name]
        config.hypervisor_config = _Hypervisor(
            name, self.toml.hypervisor[name], self.doc, host=self.facts
        ).build()

    def _only_kata(self, section: str, names: list[str], what: str) -> None:
        for name in names:
            if name != _KATA:
                raise self.error(what.format(name), section, name)

    def proxy(self, config: RuntimeConfig) -> None:
        if self.builtin:
            config.proxy_type = ProxyType.KATA_BUILTIN
            config.proxy_config = ProxyConfig(debug=config.debug)
            return
        self._only_kata("proxy", list(self.toml.proxy), "{} proxy type not supported")
        if (proxy := self.toml.proxy.get(_KATA)) is not None:
            config.proxy_type = ProxyType.KATA
            path = self.exists(proxy.path or _DEFAULT_PROXY_PATH, "proxy", _KATA, "path")
            config.proxy_config = ProxyConfig(path=path, debug=proxy.enable_debug)

    def agent(self, config: RuntimeConfig) -> None:
        use_vsock = config.hypervisor_config.use_vsock
        if self.builtin:
            config.agent_type = AgentType.KATA
            config.agent_config = KataAgentConfig(long_live_conn=True, use_vsock=use_vsock)
            return
        self._only_kata("agent", list(self.toml.agent), "{} agent type is not supported")
        if (agent := self.toml.agent.get(_KATA)) is not None:
            config.agent_type = AgentType.KATA
            config.agent_config = KataAgentConfig(
                use_vsock=use_vsock,
                debug=agent.enable_debug,
                trace=agent.enable_tracing,
                trace_mode=agent.trace_mode,
                trace_type=agent.trace_type,
                kernel_modules=list(agent.kernel_modules),
                container_pipe_size=agent.container_pipe_size,
            )

    def shim(self, config: RuntimeConfig) -> None:
        if self.builtin:
            config.shim_type = ShimType.KATA_BUILTIN
            config.shim_config = ShimConfig()
            return
        self._only_kata("shim", list(self.toml.shim), "{} shim is not supported")
        if (shim := self.toml.shim.get(_KATA)) is not None:
            config.shim_type = ShimType.KATA
            path = self.exists(shim.path or _DEFAULT_SHIM_PATH, "shim", _KATA, "path")
            config.shim_config = ShimConfig(path=path, debug=shim.enable_debug, trace=shim.enable_tracing)

    def kernel_params(self, config: RuntimeConfig) -> None:
        """Go's ``SetKernelParams``: Kata's parameters first, the user's last."""
        hc = config.hypervisor_config
        params: list[Param] = []
        if hc.image_path:  # needSystemd
            params += [
                Param(key="systemd.unit", value=_SYSTEMD_UNIT),
                Param(key="systemd.mask", value="systemd-networkd.service"),
                Param(key="systemd.mask", value="systemd-networkd.socket"),
            ]
        if hc.block_device_driver == "virtio-scsi":
            params.append(Param(key="scsi_mod.scan", value="none"))
        agent = config.agent_config
        if agent is not None:
            mode, trace_type = agent.trace_mode, agent.trace_type
            if agent.trace:  # KataAgentSetDefaultTraceConfigOptions, on a copy
                mode = mode or _TRACE_MODES[0]
                trace_type = trace_type or _TRACE_TYPES[0]
                if mode not in _TRACE_MODES:
                    raise self.error(
                        f"invalid kata agent trace mode: {golang.go_quote(mode)} "
                        f"(need {golang.go_quote(_TRACE_MODES[0])} or {golang.go_quote(_TRACE_MODES[1])})",
                        "agent",
                        _KATA,
                        "trace_mode",
                    )
                if trace_type not in _TRACE_TYPES:
                    raise self.error(
                        f"invalid kata agent trace type: {golang.go_quote(trace_type)} "
                        f"(need {golang.go_quote(_TRACE_TYPES[0])} or {golang.go_quote(_TRACE_TYPES[1])})",
                        "agent",
                        _KATA,
                        "trace_type",
                    )
            if agent.debug:
                params.append(Param(key="agent.log", value="debug"))
            if agent.trace and mode == "static":
                params.append(Param(key="agent.trace", value=trace_type))
            if agent.container_pipe_size > 0:
                params.append(Param(key="agent.container_pipe_size", value=str(agent.container_pipe_size)))
        for param in hc.kernel_params:
            if not param.key:
                key = ("hypervisor", self.hypervisor_name, "kernel_params") if self.hypervisor_name else ()
                raise self.error(f"Empty kernel parameter (in {param.key}={param.value})", *key)
            params.append(param)
        hc.kernel_params = params

    def experimental(self, names: list[str]) -> list[Feature]:
        if not names:
            return []
        registered = self.features
        if registered is None:
            from kata_oci.experimental import kata1_features

            registered = kata1_features()
        features = []
        for name in names:
            feature = registered.get(name)
            if feature is None:
                known = ", ".join(sorted(registered)) or "none"
                raise self.error(
                    f"Unsupported experimental feature {golang.go_quote(name)} (registered: {known})",
                    "runtime",
                    "experimental",
                )
            features.append(feature)
        return features

    # -- checkConfig

    def check_netns(self, config: RuntimeConfig) -> None:
        if config.disable_new_net_ns:
            if config.netmon_config.enable:
                raise self.error(
                    "config disable_new_netns conflicts with enable_netmon", "netmon", "enable_netmon"
                )
            if config.inter_network_model != NetInterworkingModel.NONE:
                raise self.error(
                    "config disable_new_netns only works with 'none' internetworking_model",
                    "runtime",
                    "disable_new_netns",
                )
        elif config.shim_config is not None and config.shim_config.trace:
            raise self.error(
                "Shim tracing requires disable_new_netns for Jaeger agent communication",
                "shim",
                _KATA,
                "enable_tracing",
            )

    def check_hypervisor(self, config: RuntimeConfig) -> None:
        hc = config.hypervisor_config
        hv_key = ("hypervisor", self.hypervisor_name) if self.hypervisor_name else ()
        memory = hc.memory_size
        if memory == 0:  # pragma: no cover - unreachable: unknown hypervisor tables are refused
            raise self.error("VM memory cannot be zero", *hv_key)
        if self.host is None:
            return
        for path, field, is_initrd in ((hc.image_path, "image", False), (hc.initrd_path, "initrd", True)):
            if not path:
                continue
            key = (*hv_key, field) if hv_key else ()
            try:
                size = os.stat(self.host.asset(path)).st_size
            except OSError as exc:
                raise self.error(f"{path}: {exc.strerror or exc}", *key) from None
            if size == 0:
                raise self.error(f"image {golang.go_quote(path)} is empty", *key)
            if size > _MIB:
                size_mb = size // _MIB
                if size_mb >= memory:
                    quoted = golang.go_quote(path)
                    message = f"VM memory ({memory}MB) smaller than image {quoted} size ({size_mb}MB)"
                    if is_initrd:
                        raise self.error(message, *key)
                    log.warning("configuration_image_larger_than_memory", reason=message, file=self.doc.file)

    def check_factory(self, config: RuntimeConfig) -> None:
        factory = config.factory_config
        if factory.template and not config.hypervisor_config.initrd_path:
            raise self.error(
                "Factory option enable_template requires an initrd image", "factory", "enable_template"
            )
        if factory.vm_cache_number > 0:
            if config.hypervisor_type != HypervisorType.QEMU:
                raise self.error("VM cache just support qemu", "factory", "vm_cache_number")
            if config.agent_type != AgentType.KATA:  # pragma: no cover - the agent is always kata
                raise self.error("VM cache just support kata agent", "factory", "vm_cache_number")


# --------------------------------------------------------------------------
# public entry points


def _shipped_default() -> Path:
    from pathlib import Path

    from kata_oci.profiles.base import shipped_file

    return Path(shipped_file(DEFAULT_CONFIG_RESOURCE))


def find_config_file(env: Mapping[str, str] | None = None) -> Path:
    """The configuration file Kata would use.

    In order: ``$KATA_CONF_FILE`` when set and not empty (returned even if it
    does not exist: Kata then fails rather than falling back), the first of
    :data:`DEFAULT_CONFIG_PATHS` that exists (symlinks followed; the path is
    returned as listed, not resolved), else the configuration shipped inside
    kata-oci (:data:`DEFAULT_CONFIG_RESOURCE`). ``env`` defaults to
    :data:`os.environ`.
    """
    from pathlib import Path  # here: a --config file needs no pathlib (~0.5 ms of start-up)

    environ = os.environ if env is None else env
    if configured := environ.get(CONFIG_FILE_ENV):
        return Path(configured)
    for candidate in DEFAULT_CONFIG_PATHS:
        if os.path.exists(candidate):
            return Path(candidate)
    return _shipped_default()


class _Legacy(enum.Enum):
    """The ``host_checks`` default: Kata's host checks exactly when ``strict`` (kata-oci 0.1's rule)."""

    FROM_STRICT = enum.auto()


#: ``host_checks=FROM_STRICT`` (the default): host checks on with ``strict``, as before they were split.
FROM_STRICT: Final = _Legacy.FROM_STRICT


def _host(strict: bool, host_checks: HostChecks | _Legacy | None) -> HostChecks | None:
    if host_checks is FROM_STRICT:
        if not strict:
            return None
        from kata_oci.hostchecks import HostChecks  # dataclasses (inspect, copy): only when checking

        return HostChecks(vhost_vsock=_VHOST_VSOCK)
    return host_checks


def runtime_config_from_toml(
    data: str | bytes,
    *,
    file: str | None = None,
    strict: bool = False,
    builtin: bool = False,
    host_checks: HostChecks | _Legacy | None = FROM_STRICT,
    features: Mapping[str, Feature] | None = None,
) -> RuntimeConfig:
    """Map configuration text onto a :class:`RuntimeConfig`, as :func:`load_runtime_config` does.

    ``file`` names the source in errors.
    """
    name = file or "<configuration>"
    doc = _Doc(name, _text(data, name))
    unknown: list[tuple[str, ...]] = []
    toml = _decode(doc, unknown)
    warnings = _report_unknown(doc, unknown, strict=strict)
    config = _Loader(toml, doc, host=_host(strict, host_checks), builtin=builtin, features=features).load()
    config.warnings = tuple(warnings)
    return config


#: The largest configuration file read (Kata's are ~20 KiB).
MAX_CONFIG_FILE_SIZE = 16 << 20


def load_runtime_config(
    path: str | os.PathLike[str] | None = None,
    *,
    strict: bool = False,
    builtin: bool = False,
    host_checks: HostChecks | _Legacy | None = FROM_STRICT,
    features: Mapping[str, Feature] | None = None,
) -> RuntimeConfig:
    """Load a Kata 1.x ``configuration.toml`` as Kata's ``LoadConfiguration`` does.

    ``path`` ``None`` means :func:`find_config_file` (with the process
    environment). ``strict`` makes a key Kata 1.x does not know an error
    (otherwise it is logged as a warning). ``host_checks`` turns on Kata's host
    checks (the files the configuration names must exist, ...; see the module
    documentation): a :class:`~kata_oci.hostchecks.HostChecks`, or ``None`` for
    none. Its default, :data:`FROM_STRICT`, keeps the rule of kata-oci 0.1,
    where ``strict`` did both: host checks (with Kata's paths) exactly when
    ``strict``.
    ``builtin`` applies containerd-shim-kata-v2's rules (built-in proxy and
    shim, long-lived agent connection) instead of the ``kata-runtime`` CLI's.
    ``features`` are the registered experimental features ``experimental``
    may name (an engine's; ``None``: Kata 1.x's own,
    :func:`kata_oci.experimental.kata1_features`).

    Raises :class:`ConfigError` for a missing or unreadable file, a TOML syntax
    error, a wrong type, a value out of range or a setting Kata would refuse.
    """
    file = find_config_file() if path is None else path_text(path)
    data: str | bytes
    try:
        data = read_toml_text(
            file,
            what="configuration file",
            limit=MAX_CONFIG_FILE_SIZE,
            missing="Cannot find usable config file (file {path} does not exist)",  # Kata's words
        )
    except ConfigError as exc:
        if not exc.reason.startswith("not valid UTF-8"):
            raise
        # Go's parser reads bytes that are not UTF-8 inside strings and comments (see go_toml_text)
        data = read_regular_file(file, MAX_CONFIG_FILE_SIZE)
    return runtime_config_from_toml(
        data, file=str(file), strict=strict, builtin=builtin, host_checks=host_checks, features=features
    )
