"""Loading a Kata 4.1 ``configuration.toml`` into the go profile's :class:`RuntimeConfig`.

This is Kata 4.1.0's ``pkg/katautils`` ``LoadConfiguration`` (``config.go``,
``config-settings.go.in``) in Python: the same TOML schema (:class:`TomlConfig`
mirrors Go's ``tomlConfig``), the same defaults, the six hypervisor builders
(qemu, clh, firecracker, dragonball, stratovirt, remote), the agent, runtime
and factory tables, ``SetKernelParams`` and ``checkConfig``, in Go's order, so
the first error is the one Kata reports. Errors are
:class:`~kata_oci.ConfigError` naming the file, the dotted key and the line.
The schema is in :mod:`kata_oci.profiles.go.schema`, the six hypervisor
builders and their defaults in :mod:`kata_oci.profiles.go.hypervisors`.

What is copied from Go
----------------------
* **Decoding** (BurntSushi/toml v1.6.0): keys match a field exactly, then
  case-insensitively; the ``<name>`` of ``[hypervisor.<name>]`` and
  ``[agent.<name>]`` is case-sensitive. Integers are range-checked for their
  Go type (``uint32``, ``uint64``, ``int64``); ``default_vcpus`` is a
  ``float32`` that takes an integer up to 2**24 - 1 or a float up to float32's
  maximum, rounded to float32.
* **Defaults**: 1 vCPU, 2048 MiB (also for any ``default_memory`` below 256),
  10 memory slots, 1 bridge (at most 5), machine ``q35``, block driver
  ``virtio-scsi`` with AIO ``io_uring``, shared file system ``virtio-fs``,
  virtio-fs cache ``never`` (qemu and stratovirt; clh keeps the raw value),
  entropy ``/dev/urandom``, hypervisor log level 1 (at most 3), msize 8192,
  rootfs ``ext4``, measurement ``sha512``, hot/cold plug ``no-port``, PCIe
  root and switch ports at most 16, remote socket
  ``/run/peerpod/hypervisor.sock`` with a 600 s timeout, factory template path
  ``/run/vc/vm/template`` and cache endpoint
  ``/var/run/kata-containers/cache.sock``, ``emptydir_mode`` ``shared-fs``.
* **vCPUs and memory**: ``default_vcpus`` 0 gives 1, negative or more than
  the host CPUs (``/proc/cpuinfo``'s ``processor`` lines, capped at
  ``govmm.MaxVCPUs()``) gives that count; ``default_maxvcpus`` 0 or at least
  the host CPUs gives the host CPUs, capped at ``MaxVCPUs()`` (240 x86_64,
  123 arm64, 128 ppc64le, 248 s390x, 512 riscv64); ``default_maxmemory`` 0 or
  more than the host memory gives the host memory (MiB).
* **initConfig's quirk**: the default network model and VFIO mode are set and
  then overwritten, so an absent ``internetworking_model`` stays
  :attr:`~NetInterworkingModel.DEFAULT` and an absent ``vfio_mode`` stays
  :attr:`~VFIOModeType.VFIO`.
* **Agent**: the last ``[agent.<any name>]`` table gives the agent
  configuration with ``long_live_conn``; with none, Go's zero value.
* **Kernel parameters** (``SetKernelParams``): the systemd parameters when an
  image is used, ``scsi_mod.scan=none`` for virtio-scsi, the agent's
  (``agent.log=debug``, ``agent.trace=true``, ``agent.debug_console`` and its
  vport, ``agent.cdh_api_timeout``, ``agent.launch_process_timeout``,
  ``agent.visible_cdi_devices=true``), then the user's, split with Go's
  ``KernelParamFields`` (quotes kept together; stratovirt uses
  ``strings.Fields``).
* **Drop-ins**: every entry of the ``config.d`` directory beside the
  (symlink-resolved) file, in name order, is decoded over the result; a key
  it sets replaces the value (a table's other keys stay). An unknown key in a
  drop-in's ``[hypervisor.*]`` or ``[agent.*]`` table, or one spelled in
  another case, is an error there as in Go; elsewhere it is reported.
* **Checks** (``checkConfig``): ``disable_new_netns`` needs the ``none``
  model; VM memory not zero; the VM cache only with qemu; NUMA needs
  ``static_sandbox_resource_mgmt`` and amd64/arm64; the PCIe hot/cold plug
  rules for qemu and clh.
* **Lookup** (:func:`find_config_file`): an explicit path, else
  ``$KATA_CONF_FILE`` (only when it is one of the default files, as the shim
  requires), else ``/etc/kata-containers/configuration.toml``, else
  ``/usr/share/defaults/kata-containers/configuration.toml``, else the Kata
  4.1 QEMU configuration shipped in kata-oci.

Deliberate differences
----------------------
* **Host checks are a switch** (``host_checks``, a
  :class:`~kata_oci.hostchecks.HostChecks`; ``None``: not done): asset paths
  (hypervisor, kernel, initrd, image, firmware, firmware volume, jailer,
  pflash images, ``sandbox_bind_mounts``) exist, ``/dev/vhost-vsock`` for qemu
  and stratovirt, image and initrd sizes against the VM memory. Without them
  paths are stored as written. The CPU count and host memory are read from
  this machine either way (they are facts Kata clamps with), unless a
  ``HostChecks`` gives them.
* **No configuration file found**: Go fails ("Cannot find usable config
  file"); :func:`find_config_file` falls back to the Kata 4.1 QEMU
  configuration shipped in kata-oci, what a user of today's Kata runs.
* **Unknown keys** are logged as warnings (``configuration_unknown_key``)
  where Go ignores them silently; with ``strict=True`` the first is a
  ConfigError.
* **Several hypervisor or agent tables**: Go uses one at random (map order);
  kata-oci raises a ConfigError.
* **A key given twice in different case**: Go keeps one at random; kata-oci
  raises a ConfigError.
* **A negative ``uint64``/``uint`` value** (``memory_offset``,
  ``default_maxmemory``, the rate limiters, ``create_container_timeout``,
  ``vm_cache_number``, ``snp_guest_policy``): BurntSushi v1 range-checks only
  the 8- to 32-bit sizes, so Go wraps ``-1`` to 2**64 - 1 silently; kata-oci
  rejects it as out of range.
* **An invalid ``hot_plug_vfio``/``cold_plug_vfio``** is refused for every
  hypervisor and machine type; Go refuses it only for qemu/clh on q35/virt and
  otherwise keeps a value no code accepts.
* **TOML**: ``tomllib`` (TOML 1.0) parses, through
  :func:`kata_oci.files.parse_toml`'s bounds. Like BurntSushi v1.6.0 it
  refuses numbers with leading zeros and bytes that are not UTF-8, and a
  leading UTF-8 BOM is skipped as Go does. v1.6.0 reads TOML 1.1: when
  ``tomllib`` refuses a file, its 1.1 forms (newlines, comments and a
  trailing comma in inline tables, ``\\e`` and ``\\xHH`` escapes) are
  rewritten as 1.0 (:mod:`kata_oci.profiles.go.toml11`) and it is parsed
  again. Messages are kata-oci's.
* **Logging**: Go's info/warn messages go through :mod:`kata_oci.log`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final, TypeVar

import msgspec

from kata_oci import golang
from kata_oci.errors import ConfigError, KataOCIError, cut
from kata_oci.files import parse_toml, read_toml_text
from kata_oci.hostchecks import THIS_HOST, HostCheckError, HostChecks
from kata_oci.loading import (
    Doc as _Doc,
    equal_fold as _equal_fold,
    located as _located,
    toml_type as _toml_type,
    validation_error as _validation_error,
)
from kata_oci.log import log
from kata_oci.profiles.go.detect import detect
from kata_oci.profiles.go.hypervisors import (
    _MIB,
    HYPERVISOR_TYPES,
    HypervisorBuilder,
    default_hypervisor_config,
    kernel_param_fields,
    parse_kernel_verity_params,
)
from kata_oci.profiles.go.schema import (
    _NAMED_TABLES,
    _NESTED,
    _TABLES,
    TomlAgent,
    TomlConfig,
    TomlFactory,
    TomlGuestExtensionImage,
    TomlHypervisor,
    TomlRuntime,
    _Table,
)
from kata_oci.profiles.go.toml11 import toml11_to_10
from kata_oci.profiles.go.types import (
    FactoryConfig,
    Feature,
    HypervisorConfig,
    HypervisorType,
    KataAgentConfig,
    NetInterworkingModel,
    Param,
    PCIePort,
    RuntimeConfig,
    VFIOModeType,
    float32,
)

__all__ = [
    "CONFIG_FILE_ENV",
    "DEFAULT_CONFIG_PATHS",
    "DEFAULT_CONFIG_RESOURCE",
    "DROP_IN_DIR",
    "EXPERIMENTAL_FEATURES",
    "TomlAgent",
    "TomlConfig",
    "TomlFactory",
    "TomlGuestExtensionImage",
    "TomlHypervisor",
    "TomlRuntime",
    "default_hypervisor_config",
    "detect",
    "find_config_file",
    "kernel_param_fields",
    "load_runtime_config",
    "parse_kernel_verity_params",
    "runtime_config_from_toml",
]

#: The environment variable naming the configuration file (containerd-shim-kata-v2).
CONFIG_FILE_ENV: Final = "KATA_CONF_FILE"

#: Kata's default configuration files, in priority order (``GetDefaultConfigFilePaths``).
DEFAULT_CONFIG_PATHS: tuple[str, ...] = (
    "/etc/kata-containers/configuration.toml",
    "/usr/share/defaults/kata-containers/configuration.toml",
)

#: The Kata 4.1 QEMU configuration shipped in kata-oci, relative to the ``kata_oci`` package.
DEFAULT_CONFIG_RESOURCE: Final = "data/kata4-go/configuration-qemu.toml"

#: The drop-in directory, beside the configuration file (``decodeDropIns``).
DROP_IN_DIR: Final = "config.d"

#: The largest configuration file read (Kata's are ~30 KiB).
MAX_CONFIG_FILE_SIZE = 16 << 20
#: The most drop-in files read.
MAX_DROP_INS = 1000

# --------------------------------------------------------------------------
# Go's defaults the loader applies itself (the hypervisors' are in kata_oci.profiles.go.hypervisors)

_SYSTEMD_UNIT = "kata-containers.target"
_DEFAULT_TEMPLATE_PATH = "/run/vc/vm/template"
_DEFAULT_VM_CACHE_ENDPOINT = "/var/run/kata-containers/cache.sock"
_EMPTY_DIR_MODES = ("shared-fs", "block-encrypted", "block-plain")
_VFIO_MODES = ("vfio", "guest-kernel")

#: The experimental features Kata 4.1 registers (``experimental.Register``): none. (Kata 1.x's
#: ``newstore``, which kata-oci's engine still declares for ``kata1``, was removed in 2.0.)
EXPERIMENTAL_FEATURES: Mapping[str, Feature] = MappingProxyType({})

_MAX_SAFE_FLOAT32_INT = 2**24 - 1
_MAX_FLOAT32 = 3.4028234663852886e38

_T = TypeVar("_T", bound=_Table)


# --------------------------------------------------------------------------
# decoding one file: fold keys, note unknown ones, convert with Go's types


def _read_toml(doc: _Doc) -> dict[str, Any]:
    """Parse TOML text: the one place the go profile parses TOML (:func:`kata_oci.files.parse_toml`)."""
    text = doc.text[1:] if doc.text.startswith("\ufeff") else doc.text  # BurntSushi v1 skips a UTF-8 BOM
    try:
        return parse_toml(text, file=doc.file, what="configuration file")
    except ConfigError as exc:
        first = exc
    if first.reason.startswith("invalid TOML") and (rewritten := toml11_to_10(text)) != text:
        try:  # BurntSushi v1.6.0 reads TOML 1.1: try its forms as TOML 1.0
            return parse_toml(rewritten, file=doc.file, what="configuration file")
        except ConfigError as exc:
            first = exc  # what is wrong once the 1.1 forms are accepted (lines are kept)
    raise _located(first, doc) from None


class _Unknown(msgspec.Struct, frozen=True):
    """A key the schema does not know, and where it was found."""

    doc: _Doc
    key: tuple[str, ...]


def _fold(
    table: Mapping[str, Any],
    names: frozenset[str],
    where: tuple[str, ...],
    doc: _Doc,
    unknown: list[_Unknown],
) -> dict[str, Any]:
    """The known keys of ``table`` under their canonical names; the others go to ``unknown``."""
    out: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for key, value in table.items():
        canonical = key if key in names else next((n for n in names if _equal_fold(n, key)), None)
        if canonical is None:
            unknown.append(_Unknown(doc, (*where, key)))
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


def _float32_value(value: Any, key: tuple[str, ...], doc: _Doc) -> float:
    """BurntSushi's float32 decoding: an integer up to 2**24 - 1, a float up to MaxFloat32."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise doc.error(f"expected a float (Go float32), found {_toml_type(value)}", key)
    if isinstance(value, int):
        if abs(value) > _MAX_SAFE_FLOAT32_INT:
            raise doc.error(f"value {value} is out of the range of integers a float32 holds exactly", key)
        return float(value)
    if abs(value) > _MAX_FLOAT32:  # inf too; NaN passes, as in Go
        raise doc.error(f"value {value!r} is out of range for float32", key)
    return float32(value)


def _convert(
    table: Mapping[str, Any], typ: type[_T], where: tuple[str, ...], doc: _Doc, unknown: list[_Unknown]
) -> tuple[_T, dict[str, Any]]:
    """``table`` as ``typ``, and its folded form (canonical keys, values as Go decodes them)."""
    folded = _fold(table, frozenset(typ.__struct_fields__), where, doc, unknown)
    values = dict(folded)
    for name, sub in _NESTED.items():
        entries = values.get(name)
        if name in typ.__struct_fields__ and isinstance(entries, list):
            values[name] = [
                _fold(e, frozenset(sub.__struct_fields__), (*where, f"{name}[{i}]"), doc, unknown)
                if isinstance(e, Mapping)
                else e
                for i, e in enumerate(entries)
            ]
    if "default_vcpus" in values and typ is TomlHypervisor:
        values["default_vcpus"] = _float32_value(values["default_vcpus"], (*where, "default_vcpus"), doc)
    try:
        return msgspec.convert(values, type=typ), values
    except msgspec.ValidationError as exc:
        raise _validation_error(exc, values, typ, where, doc) from None


class _Decoded(msgspec.Struct):
    """One file decoded: its folded tables (canonical keys) per section."""

    named: dict[str, dict[str, dict[str, Any]]]
    plain: dict[str, dict[str, Any]]


def _decode(doc: _Doc, unknown: list[_Unknown]) -> _Decoded:
    raw = _read_toml(doc)
    top = _fold(raw, frozenset(_NAMED_TABLES) | frozenset(_TABLES), (), doc, unknown)
    named: dict[str, dict[str, dict[str, Any]]] = {}
    plain: dict[str, dict[str, Any]] = {}
    for name, typ in _NAMED_TABLES.items():
        if name not in top:
            continue
        tables = top[name]
        if not isinstance(tables, dict):
            raise doc.error(f"expected [{name}.<name>] tables, found {_toml_type(tables)}", (name,))
        entries: dict[str, dict[str, Any]] = {}
        for sub, table in tables.items():
            if not isinstance(table, dict):
                raise doc.error(f"expected a table, found {_toml_type(table)}", (name, sub))
            entries[sub] = _convert(table, typ, (name, sub), doc, unknown)[1]
        named[name] = entries
    for name, typ in _TABLES.items():
        if name not in top:
            continue
        table = top[name]
        if not isinstance(table, dict):
            raise doc.error(f"expected a table, found {_toml_type(table)}", (name,))
        plain[name] = _convert(table, typ, (name,), doc, unknown)[1]
    return _Decoded(named=named, plain=plain)


def _text(data: str | bytes, file: str) -> str:
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"not valid UTF-8: {exc.reason}", file=file, line=line) from None


def _read(path: str, what: str) -> str:
    return read_toml_text(
        path,
        what=what,
        limit=MAX_CONFIG_FILE_SIZE,
        missing="Cannot find usable config file (file {path} does not exist)",  # Kata's words
    )


# --------------------------------------------------------------------------
# the merged document (main file + drop-ins), remembering which file set a key


class _Merged:
    """The folded tables of the main file with the drop-ins applied over them."""

    def __init__(self, main: _Decoded, doc: _Doc) -> None:
        self.main = doc
        self.named: dict[str, dict[str, dict[str, Any]]] = {
            k: {n: dict(t) for n, t in v.items()} for k, v in main.named.items()
        }
        self.plain: dict[str, dict[str, Any]] = {k: dict(v) for k, v in main.plain.items()}
        self.origin: dict[tuple[str, ...], _Doc] = {}

    def apply(self, drop: _Decoded, doc: _Doc, raw_keys: list[tuple[str, ...]]) -> None:
        """``updateFromDropIn``: each key the drop-in sets replaces the value."""
        for section, tables in drop.plain.items():
            target = self.plain.setdefault(section, {})
            for key, value in tables.items():
                target[key] = value
                self.origin[(section, key)] = doc
        for raw_key in raw_keys:  # [section, name, field]: Go's applyKey, exact names only
            section, name, field = raw_key[0], raw_key[1], raw_key[2]
            value = drop.named.get(section, {}).get(name, {})
            if field not in value:
                continue
            self.named.setdefault(section, {}).setdefault(name, {})[field] = value[field]
            self.origin[(section, name, field)] = doc

    @property
    def main_file(self) -> str:
        return self.main.file

    def doc_for(self, key: tuple[str, ...]) -> _Doc:
        for n in range(len(key), 0, -1):
            if (found := self.origin.get(key[:n])) is not None:
                return found
        return self.main

    def error(self, reason: str, *key: str) -> ConfigError:
        if not key:
            return ConfigError(reason, file=self.main.file)
        return self.doc_for(key).error(reason, key)


def _raw_keys(doc: _Doc) -> list[tuple[str, ...]]:
    """The ``[hypervisor|agent, name, field]`` keys a drop-in sets (Go's ``md.Keys()`` of length >= 3)."""
    raw = _read_toml(doc)
    out: list[tuple[str, ...]] = []
    for key in raw:
        if key not in _NAMED_TABLES and any(_equal_fold(name, key) for name in _NAMED_TABLES):
            log.warning(
                "configuration_drop_in_table_ignored",
                key=key,
                file=doc.file,
                reason=f"Kata 4.1 applies a drop-in's [{key.lower()}.*] keys only when the table is "
                "spelled in lower case: this one is ignored",
            )
    for section in _NAMED_TABLES:
        tables = raw.get(section)
        if not isinstance(tables, dict):
            continue
        for name, table in tables.items():
            if isinstance(table, dict):
                out.extend((section, name, field) for field in table)
    return out


def _check_drop_in_named_keys(doc: _Doc, raw_keys: list[tuple[str, ...]]) -> None:
    """Go's ``applyKey`` looks fields up by exact TOML tag: another key is an error."""
    for section, name, field in raw_keys:
        fields = _NAMED_TABLES[section].__struct_fields__
        if field not in fields:
            raise doc.error(
                f"error applying key '[{section} {name} {field}]' from drop-in file "
                f"{golang.go_quote(doc.file)}: "
                f"error getting key {golang.go_quote(field)} from a decoded drop-in conf file: "
                f"key {golang.go_quote(field)} not found",
                (section, name, field),
            )


def _drop_in_files(config_file: str) -> list[str]:
    """The entries of ``config.d`` beside ``config_file``, in name order (``os.ReadDir``)."""
    directory = os.path.join(os.path.dirname(config_file), DROP_IN_DIR)
    try:
        names = sorted(os.listdir(directory), key=os.fsencode)
    except FileNotFoundError:
        return []
    except NotADirectoryError as exc:
        raise ConfigError(
            f"error reading {golang.go_quote(directory)} directory: {exc.strerror}", file=config_file
        ) from None
    except OSError as exc:
        raise ConfigError(
            f"error reading {golang.go_quote(directory)} directory: {exc.strerror or exc}", file=config_file
        ) from None
    if len(names) > MAX_DROP_INS:
        raise ConfigError(
            f"{directory}: more than {MAX_DROP_INS} drop-in files, the most kata-oci reads", file=config_file
        )
    return [os.path.join(directory, name) for name in names]


# --------------------------------------------------------------------------
# LoadConfiguration


def _agent_kernel_params(agent: KataAgentConfig) -> list[Param]:
    """Go's ``vc.KataAgentKernelParams``."""
    params: list[Param] = []
    if agent.debug:
        params.append(Param(key="agent.log", value="debug"))
    if agent.trace:
        params.append(Param(key="agent.trace", value="true"))
    if agent.container_pipe_size > 0:
        params.append(Param(key="agent.container_pipe_size", value=str(agent.container_pipe_size)))
    if agent.enable_debug_console:
        params.append(Param(key="agent.debug_console", value=""))
        params.append(Param(key="agent.debug_console_vport", value="1026"))
    if agent.cdh_api_timeout > 0:
        params.append(Param(key="agent.cdh_api_timeout", value=str(agent.cdh_api_timeout)))
    if agent.launch_process_timeout > 0:
        params.append(Param(key="agent.launch_process_timeout", value=str(agent.launch_process_timeout)))
    if agent.visible_cdi_devices:
        params.append(Param(key="agent.visible_cdi_devices", value="true"))
    return params


class _Loader:
    """One run of Go's ``LoadConfiguration`` over a merged document."""

    def __init__(self, merged: _Merged, host: HostChecks | None) -> None:
        self.m = merged
        self.host = host if host is not None and host.check_files else None  # checks
        self.facts = host or THIS_HOST
        self.toml = TomlConfig(
            hypervisor={
                n: msgspec.convert(t, TomlHypervisor) for n, t in merged.named.get("hypervisor", {}).items()
            },
            agent={n: msgspec.convert(t, TomlAgent) for n, t in merged.named.get("agent", {}).items()},
            factory=msgspec.convert(merged.plain.get("factory", {}), TomlFactory),
            runtime=msgspec.convert(merged.plain.get("runtime", {}), TomlRuntime),
        )
        self.hypervisor_name: str | None = None

    def error(self, reason: str, *key: str) -> ConfigError:
        return self.m.error(reason, *key)

    def load(self) -> RuntimeConfig:
        rt = self.toml.runtime
        config = RuntimeConfig(
            hypervisor_type=HypervisorType.QEMU,
            hypervisor_config=default_hypervisor_config(),
            agent_config=KataAgentConfig(),
        )
        config.debug = rt.enable_debug
        config.trace = rt.enable_tracing
        if rt.internetworking_model:
            try:
                config.inter_network_model = NetInterworkingModel.from_setting(rt.internetworking_model)
            except KataOCIError:
                raise self.error(
                    f"Unknown type {rt.internetworking_model}", "runtime", "internetworking_model"
                ) from None
        if rt.vfio_mode:
            if rt.vfio_mode not in _VFIO_MODES:
                raise self.error(f"Unknown VFIO mode {rt.vfio_mode}", "runtime", "vfio_mode")
            config.vfio_mode = VFIOModeType(rt.vfio_mode)
        self.hypervisor(config)
        self.agent(config)
        if rt.emptydir_mode and rt.emptydir_mode not in _EMPTY_DIR_MODES:
            quoted = ", ".join(golang.go_quote(m) for m in _EMPTY_DIR_MODES)
            raise self.error(
                f"invalid emptydir_mode={golang.go_quote(rt.emptydir_mode)}, allowed values: {quoted}",
                "runtime",
                "emptydir_mode",
            )
        config.empty_dir_mode = rt.emptydir_mode or _EMPTY_DIR_MODES[0]
        f = self.toml.factory
        config.factory_config = FactoryConfig(
            template=f.enable_template,
            template_path=f.template_path or _DEFAULT_TEMPLATE_PATH,
            vm_cache_number=f.vm_cache_number,
            vm_cache_endpoint=f.vm_cache_endpoint or _DEFAULT_VM_CACHE_ENDPOINT,
        )
        self.kernel_params(config)

        config.disable_guest_seccomp = rt.disable_guest_seccomp
        config.enable_vcpus_pinning = rt.enable_vcpus_pinning
        config.guest_selinux_label = rt.guest_selinux_label
        config.static_sandbox_resource_mgmt = rt.static_sandbox_resource_mgmt
        config.sandbox_cgroup_only = rt.sandbox_cgroup_only
        config.disable_new_net_ns = rt.disable_new_netns
        config.enable_pprof = rt.enable_pprof
        config.jaeger_endpoint = rt.jaeger_endpoint
        config.jaeger_user = rt.jaeger_user
        config.jaeger_password = rt.jaeger_password
        config.create_container_timeout = rt.create_container_timeout
        config.experimental = self.experimental(rt.experimental)
        self.bind_mounts(rt.sandbox_bind_mounts)
        config.sandbox_bind_mounts = list(rt.sandbox_bind_mounts)
        config.disable_guest_empty_dir = rt.disable_guest_empty_dir
        config.dan_config = rt.dan_conf
        self.check(config)
        config.force_guest_pull = rt.experimental_force_guest_pull
        config.pod_resource_api_sock = rt.pod_resource_api_sock
        config.kubelet_root_dir = rt.kubelet_root_dir
        log.debug(
            "configuration_loaded",
            file=self.m.main.file,
            profile="go",
            hypervisor=str(config.hypervisor_type),
            host_checks=self.host is not None,
        )
        return config

    # -- sections

    def hypervisor(self, config: RuntimeConfig) -> None:
        names = list(self.toml.hypervisor)
        for name in names:
            if name not in HYPERVISOR_TYPES:
                raise self.error(
                    f"configuration file contains invalid hypervisor section: {golang.go_quote(name)} "
                    "(Kata 4.1 knows firecracker, qemu, clh, dragonball, stratovirt and remote; "
                    "section names are case-sensitive)",
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
        config.hypervisor_type = HYPERVISOR_TYPES[name]
        hypervisor = HypervisorBuilder(
            name, self.toml.hypervisor[name], self.m, None if self.host is None else self.facts
        )
        if self.host is None and self.facts is not THIS_HOST:
            hypervisor.facts = self.facts  # facts without checks
        config.hypervisor_config = hypervisor.build()

    def agent(self, config: RuntimeConfig) -> None:
        names = list(self.toml.agent)
        if len(names) > 1:
            raise self.error(
                f"more than one agent table ({', '.join(names)}): Kata would use one of them at random",
                "agent",
                names[1],
            )
        for a in self.toml.agent.values():
            config.agent_config = KataAgentConfig(
                long_live_conn=True,
                debug=a.enable_debug,
                trace=a.enable_tracing,
                kernel_modules=list(a.kernel_modules),
                enable_debug_console=a.debug_console_enabled,
                dial_timeout=a.dial_timeout,
                cdh_api_timeout=a.cdh_api_timeout,
                launch_process_timeout=a.launch_process_timeout,
                visible_cdi_devices=a.visible_cdi_devices,
            )

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
        params += _agent_kernel_params(config.agent_config)
        for param in hc.kernel_params:
            if not param.key:
                key = ("hypervisor", self.hypervisor_name, "kernel_params") if self.hypervisor_name else ()
                raise self.error(f"Empty kernel parameter (in {param.key}={param.value})", *key)
            params.append(param)
        hc.kernel_params = params

    def experimental(self, names: list[str]) -> list[Feature]:
        """``exp.Get`` of each name, among :data:`EXPERIMENTAL_FEATURES` (Kata 4.1 registers none)."""
        features = []
        for name in names:
            feature = EXPERIMENTAL_FEATURES.get(name)
            if feature is None:
                raise self.error(
                    f"Unsupported experimental feature {golang.go_quote(name)}", "runtime", "experimental"
                )
            features.append(feature)
        return features

    def bind_mounts(self, mounts: list[str]) -> None:
        """Go's ``validateBindMounts`` (only with host checks: it resolves each path)."""
        if self.host is None:
            return
        bases: set[str] = set()
        for mount in mounts:
            try:
                path = self.host.resolve(mount)
            except HostCheckError as exc:
                raise self.error(
                    f"sandbox-bindmounts: Failed to resolve path: {mount}: {exc.reason}",
                    "runtime",
                    "sandbox_bind_mounts",
                ) from None
            base = os.path.basename(path.rstrip("/")) or "/"
            if base in bases:
                raise self.error(
                    f"sandbox-bindmounts: File {path} has base that matches already specified bindmount",
                    "runtime",
                    "sandbox_bind_mounts",
                )
            bases.add(base)

    # -- checkConfig

    def check(self, config: RuntimeConfig) -> None:
        if config.disable_new_net_ns and config.inter_network_model != NetInterworkingModel.NONE:
            raise self.error(
                "config disable_new_netns only works with 'none' internetworking_model",
                "runtime",
                "disable_new_netns",
            )
        self.check_hypervisor(config.hypervisor_config)
        if config.factory_config.vm_cache_number > 0 and config.hypervisor_type != HypervisorType.QEMU:
            raise self.error("VM cache just support qemu", "factory", "vm_cache_number")
        self.check_numa(config)
        self.check_pcie(config)

    def hv_key(self, field: str | None = None) -> tuple[str, ...]:
        if self.hypervisor_name is None:
            return ()
        return ("hypervisor", self.hypervisor_name, field) if field else ("hypervisor", self.hypervisor_name)

    def check_hypervisor(self, hc: HypervisorConfig) -> None:
        if hc.remote_hypervisor_socket:
            return
        memory = hc.memory_size
        if memory == 0:  # pragma: no cover - unreachable: every builder but remote sets it
            raise self.error("VM memory cannot be zero", *self.hv_key())
        if self.host is None:
            return
        for path, field, is_initrd in ((hc.image_path, "image", False), (hc.initrd_path, "initrd", True)):
            if not path:
                continue
            try:
                size = self.host.file_size(path)
            except HostCheckError as exc:
                raise self.error(exc.reason, *self.hv_key(field)) from None
            if size == 0:
                raise self.error(f"image {golang.go_quote(path)} is empty", *self.hv_key(field))
            if size > _MIB:
                size_mb = size // _MIB
                if size_mb >= memory:
                    shown = golang.go_quote(path)
                    message = f"VM memory ({memory}MB) smaller than image {shown} size ({size_mb}MB)"
                    if is_initrd:
                        raise self.error(message, *self.hv_key(field))
                    log.warning(
                        "configuration_image_larger_than_memory", reason=message, file=self.m.main.file
                    )

    def check_numa(self, config: RuntimeConfig) -> None:
        if len(config.hypervisor_config.guest_numa_nodes) <= 1:
            return
        arch = self.facts.machine()
        if arch not in ("x86_64", "amd64", "aarch64", "arm64"):
            goarch = {"ppc64le": "ppc64le", "s390x": "s390x", "riscv64": "riscv64"}.get(arch, arch)
            raise self.error(
                f"multi-NUMA support is only available on amd64 and arm64, got {golang.go_quote(goarch)}",
                *self.hv_key("enable_numa"),
            )
        if not config.static_sandbox_resource_mgmt:
            raise self.error(
                "NUMA support requires static_sandbox_resource_mgmt to be enabled; "
                "NUMA topology is not compatible with dynamic CPU/memory hotplug",
                *self.hv_key("enable_numa"),
            )

    def check_pcie(self, config: RuntimeConfig) -> None:
        """Go's ``checkPCIeConfig``, on the values as written (``String()`` shows an unknown one)."""
        hc = config.hypervisor_config
        h = self.toml.hypervisor.get(self.hypervisor_name or "")
        raw = {
            "cold_plug_vfio": (h.cold_plug_vfio if h else "") or PCIePort.NO_PORT.value,
            "hot_plug_vfio": (h.hot_plug_vfio if h else "") or PCIePort.NO_PORT.value,
        }
        known = {p.value for p in PCIePort}

        def shown(field: str) -> str:
            value = raw[field]
            return value if value in known else f"<unknown PCIePort: {value}>"

        self._check_pcie(
            config, hc.hypervisor_machine_type, raw["cold_plug_vfio"], raw["hot_plug_vfio"], shown
        )
        for field, value in raw.items():
            if value not in known and config.hypervisor_type in (HypervisorType.QEMU, HypervisorType.CLH):
                raise self.error(
                    f"invalid {field}={value}: allowed values {PCIePort.NO_PORT}, {PCIePort.BRIDGE_PORT}, "
                    f"{PCIePort.ROOT_PORT}, {PCIePort.SWITCH_PORT} (Kata 4.1 refuses it only on q35 and "
                    "virt machines, and keeps a value no later code accepts elsewhere)",
                    *self.hv_key(field),
                )

    def _check_pcie(
        self, config: RuntimeConfig, machine_type: str, cold: str, hot: str, shown: Callable[[str], str]
    ) -> None:
        if config.hypervisor_type not in (HypervisorType.QEMU, HypervisorType.CLH):
            if self.hypervisor_name is not None:
                log.debug(
                    "configuration_pcie_topology_ignored",
                    reason="Advanced PCIe Topology only available for QEMU/CLH hypervisor",
                    file=self.m.main.file,
                )
            return
        if cold != PCIePort.NO_PORT and hot != PCIePort.NO_PORT:
            raise self.error(
                f"invalid hot-plug={shown('hot_plug_vfio')} and cold-plug={shown('cold_plug_vfio')} "
                "settings, only one of them can be set",
                *self.hv_key("cold_plug_vfio"),
            )
        if cold == PCIePort.NO_PORT and hot == PCIePort.NO_PORT:
            return
        if machine_type not in ("q35", "virt"):
            return
        if config.hypervisor_type == HypervisorType.CLH:
            if cold not in (PCIePort.NO_PORT, PCIePort.ROOT_PORT):
                raise self.error(
                    f"only cold-plug={PCIePort.NO_PORT} or {PCIePort.ROOT_PORT} supported on CLH",
                    *self.hv_key("cold_plug_vfio"),
                )
            if hot not in (PCIePort.NO_PORT, PCIePort.ROOT_PORT):
                raise self.error(
                    f"only hot-plug={PCIePort.NO_PORT} or {PCIePort.ROOT_PORT} supported on CLH",
                    *self.hv_key("hot_plug_vfio"),
                )
        port = hot if hot != PCIePort.NO_PORT else cold
        if port in (PCIePort.BRIDGE_PORT, PCIePort.ROOT_PORT, PCIePort.SWITCH_PORT):
            return
        raise self.error(
            f"invalid vfio_port={shown('cold_plug_vfio')} setting, allowed values {PCIePort.NO_PORT}, "
            f"{PCIePort.BRIDGE_PORT}, {PCIePort.ROOT_PORT}, {PCIePort.SWITCH_PORT}",
            *self.hv_key("hot_plug_vfio" if hot != PCIePort.NO_PORT else "cold_plug_vfio"),
        )


# --------------------------------------------------------------------------
# unknown keys


def _report_unknown(unknown: list[_Unknown], *, strict: bool) -> list[str]:
    """Keys Kata ignores: logged, and returned as notes (``strict``: the first is a ConfigError)."""
    if strict and unknown:  # the first in the files' order
        first = min(
            unknown, key=lambda u: (u.doc.file != unknown[0].doc.file, u.doc.error("", u.key).line or 0)
        )
        unknown = [first]
    notes: list[str] = []
    for u in unknown:
        dotted = ".".join(u.key)
        if strict:
            raise u.doc.error(f"unknown key {dotted!r}: Kata 4.1 does not know it", u.key)
        log.warning(
            "configuration_unknown_key",
            key=dotted,
            file=u.doc.file,
            reason="Kata 4.1 ignores this key",
        )
        notes.append(f"{u.doc.file}: {cut(dotted)}: unknown key, Kata 4.1 ignores it")
    return notes


# --------------------------------------------------------------------------
# public entry points


def _shipped_default() -> Path:
    from kata_oci.profiles.base import shipped_file

    return Path(shipped_file(DEFAULT_CONFIG_RESOURCE))


def find_config_file(env: Mapping[str, str] | None = None) -> Path:
    """The configuration file Kata 4.1's shim would use when none is given.

    ``$KATA_CONF_FILE`` when set and not empty, which must be one of
    :data:`DEFAULT_CONFIG_PATHS` (after resolving symlinks, as the shim
    checks; else :class:`ConfigError`); else the first of
    :data:`DEFAULT_CONFIG_PATHS` that exists; else the Kata 4.1 QEMU
    configuration shipped in kata-oci. ``env`` defaults to :data:`os.environ`.
    """
    environ = os.environ if env is None else env
    if configured := environ.get(CONFIG_FILE_ENV):
        resolved = os.path.realpath(configured)
        shipped = {os.path.realpath(p) for p in DEFAULT_CONFIG_PATHS if os.path.exists(p)}
        if not os.path.exists(configured) or resolved not in shipped:
            raise ConfigError(
                f"invalid {CONFIG_FILE_ENV} {golang.go_quote(configured)}: only shipped Kata "
                "configuration files are accepted",
                file=configured,
            )
        return Path(configured)
    for candidate in DEFAULT_CONFIG_PATHS:
        if os.path.exists(candidate):
            return Path(candidate)
    return _shipped_default()


def _load(doc: _Doc, drop_ins: list[str], *, strict: bool, host_checks: HostChecks | None) -> RuntimeConfig:
    unknown: list[_Unknown] = []
    merged = _Merged(_decode(doc, unknown), doc)
    for path in drop_ins:
        drop_doc = _Doc(path, _read(path, "drop-in file"))
        decoded = _decode(drop_doc, unknown)
        raw_keys = _raw_keys(drop_doc)
        _check_drop_in_named_keys(drop_doc, raw_keys)
        merged.apply(decoded, drop_doc, raw_keys)
    warnings = _report_unknown(unknown, strict=strict)
    config = _Loader(merged, host_checks).load()
    config.warnings = tuple(warnings)
    return config


def runtime_config_from_toml(
    data: str | bytes,
    *,
    file: str | None = None,
    strict: bool = False,
    host_checks: HostChecks | None = None,
) -> RuntimeConfig:
    """Map configuration text onto a :class:`RuntimeConfig`, as :func:`load_runtime_config` does.

    ``file`` names the source in errors. No drop-in directory is read.
    """
    name = file or "<configuration>"
    return _load(_Doc(name, _text(data, name)), [], strict=strict, host_checks=host_checks)


def load_runtime_config(
    path: str | os.PathLike[str] | None = None,
    *,
    strict: bool = False,
    host_checks: HostChecks | None = None,
) -> RuntimeConfig:
    """Load a Kata 4.1 ``configuration.toml`` (and its ``config.d/`` drop-ins) as ``LoadConfiguration``.

    ``path`` ``None`` means :func:`find_config_file`. The drop-in directory is
    looked for beside the file with its symlinks resolved, as Go's
    ``ResolvePath`` does. ``strict`` makes unknown keys errors;
    ``host_checks`` turns on Kata's host checks (see the module
    documentation).

    Raises :class:`ConfigError` for a missing or unreadable file, a TOML syntax
    error, a wrong type, a value out of range or a setting Kata would refuse.
    """
    file = find_config_file() if path is None else Path(path)
    name = str(file)
    doc = _Doc(name, _read(name, "configuration file"))
    resolved = os.path.realpath(name)
    return _load(doc, _drop_in_files(resolved), strict=strict, host_checks=host_checks)


# --------------------------------------------------------------------------
# detection: in .detect (imported above, re-exported), which needs neither this module nor the schema
