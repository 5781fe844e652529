"""Loading a runtime-rs configuration file as kata-types 4.1.0 does (``TomlConfig::load_from_file``).

1. The file: the path given (it must exist; symlinks resolved), else the first of kata-types'
   ``DEFAULT_RUNTIME_CONFIGURATIONS`` that exists.
2. The drop-in directory ``config.d/`` beside the (resolved) file: every entry, sorted by
   name, must be a regular file (or a symlink to one) holding TOML; each is merged into the
   base document as kata-types' ``toml_tree_ops::merge`` does (tables merge key by key, any
   other value replaces, even with another type).
3. The merged document becomes a :class:`~.types.TomlConfig` with serde's rules: wrong types
   and out-of-range integers are errors; unknown keys are errors in ``[agent.*]`` tables
   (``deny_unknown_fields``), ignored by runtime-rs elsewhere, which kata-oci reports as
   warnings (errors with ``strict``).
4. ``adjust_config`` (:mod:`.hypervisors`), with the host only when ``host_checks`` is given.

Validation (``TomlConfig::validate``) is not part of loading in runtime-rs either: it runs after
the annotations, in :func:`kata_oci.profiles.rs.annotate.sandbox_config`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import msgspec

from kata_oci.errors import ConfigError
from kata_oci.files import parse_toml, read_toml

from . import hypervisors
from .detect import detect
from .types import F32_FIELDS, FLATTENED, Agent, Hypervisor, Runtime, TomlConfig

__all__ = [
    "DEFAULT_RUNTIME_CONFIGURATIONS",
    "detect",
    "from_document",
    "load_runtime_config",
    "loads",
    "merge",
    "read_document",
]

#: kata-types' ``DEFAULT_RUNTIME_CONFIGURATIONS``, in lookup order.
DEFAULT_RUNTIME_CONFIGURATIONS: tuple[str, ...] = (
    "/etc/kata-containers/runtime-rs/configuration.toml",
    "/usr/share/defaults/kata-containers/runtime-rs/configuration.toml",
    "/opt/kata/share/defaults/kata-containers/runtime-rs/configuration.toml",
)

_U32_MAX = 0xFFFF_FFFF


def _read_toml(path: str) -> dict[str, Any]:
    """One TOML file as a document, through the bounded reader every loader uses."""
    return read_toml(path, what="runtime-rs configuration")


def merge(base: dict[str, Any], dropin: dict[str, Any]) -> None:
    """kata-types' ``toml_tree_ops::merge`` of a drop-in into ``base``, in place."""
    for key, val in dropin.items():
        if key in base and isinstance(val, dict) and isinstance(base[key], dict):
            merge(base[key], val)
        else:
            base[key] = val


def _find(path: str | os.PathLike[str] | None) -> str:
    if path is not None and os.fspath(path) != "":
        try:
            return os.path.realpath(os.fspath(path), strict=True)
        except OSError as e:
            raise ConfigError(f"cannot open: {e.strerror or e}", file=os.fspath(path)) from None
    for candidate in DEFAULT_RUNTIME_CONFIGURATIONS:
        try:
            return os.path.realpath(candidate, strict=True)
        except OSError:
            continue
    raise ConfigError(
        "no runtime-rs configuration file found (tried " + ", ".join(DEFAULT_RUNTIME_CONFIGURATIONS) + ")"
    )


def read_document(path: str) -> dict[str, Any]:
    """The file at ``path`` with its ``config.d/`` drop-ins merged (``drop_in::load``'s tree)."""
    doc = _read_toml(path)
    dropin_dir = os.path.join(os.path.dirname(path), "config.d")
    try:
        entries = sorted(os.scandir(dropin_dir), key=lambda e: os.fsencode(e.name))
    except FileNotFoundError:
        return doc
    except OSError as e:
        raise ConfigError(f"cannot read the drop-in directory: {e.strerror or e}", file=dropin_dir) from None
    for entry in entries:
        try:
            # DirEntry::file_type() does not follow symlinks: a symlinked drop-in is refused
            # (despite the message), as runtime-rs does.
            is_file = entry.is_file(follow_symlinks=False)
        except OSError as e:
            raise ConfigError(f"cannot read drop-in: {e.strerror or e}", file=entry.path) from None
        if not is_file:
            raise ConfigError("drop-in cfg file can only be a regular file or a symlink", file=entry.path)
        merge(doc, _read_toml(entry.path))
    return doc


class _Problems:
    def __init__(self, file: str | None, strict: bool) -> None:
        self.file = file
        self.strict = strict
        self.warnings: list[str] = []

    def error(self, reason: str, key: str | None = None) -> ConfigError:
        return ConfigError(reason, file=self.file, key=key)

    def unknown(self, key: str) -> None:
        if self.strict:
            raise self.error("unknown key: runtime-rs ignores it (strict)", key)
        self.warnings.append(f"{key}: unknown key, runtime-rs ignores it")


def _field_names(cls: type) -> dict[str, str]:
    """TOML name -> attribute name of a Struct's fields."""
    return {f.encode_name: f.name for f in msgspec.structs.fields(cls)}


def _convert(value: Any, cls: type, where: str, problems: _Problems) -> Any:
    try:
        return msgspec.convert(value, cls, strict=True)
    except msgspec.ValidationError as e:
        msg = str(e)
        key = where
        if " - at `$." in msg:
            msg, _, at = msg.partition(" - at `$.")
            key = f"{where}.{at.rstrip('`')}"
        elif "unknown field `" in msg:
            key = f"{where}.{msg.split('`')[1]}"
        raise problems.error(f"invalid value: {msg}", key) from None


def _alias(table: dict[str, Any], alias: str, name: str, where: str, problems: _Problems) -> None:
    if alias in table:
        if name in table:
            raise problems.error(f"duplicate field `{name}`", f"{where}.{name}")
        table[name] = table.pop(alias)


def _table(value: Any, where: str, problems: _Problems) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise problems.error(f"invalid type: expected a table, found {type(value).__name__}", where)
    return value


_HV_TOP = {k: v for k, v in _field_names(Hypervisor).items() if v not in FLATTENED}
_HV_SUB = {attr: _field_names(cls) for attr, cls in FLATTENED.items()}
_HV_KNOWN = set(_HV_TOP).union(*_HV_SUB.values(), {"dbg_monitor_socket"})


def _hypervisor(name: str, raw: Any, problems: _Problems) -> Hypervisor:
    where = f"hypervisor.{name}"
    table = dict(_table(raw, where, problems))
    _alias(table, "dbg_monitor_socket", "extra_monitor_socket", where, problems)
    top = {k: v for k, v in table.items() if k in _HV_TOP}
    hv: Hypervisor = _convert(top, Hypervisor, where, problems)
    for attr, names in _HV_SUB.items():
        part = {k: v for k, v in table.items() if k in names}
        setattr(hv, attr, _convert(part, FLATTENED[attr], where, problems))
    for sub, field in F32_FIELDS:
        obj = getattr(hv, sub)
        setattr(obj, field, _f32(getattr(obj, field)))
    if "hugepage_type" in table and hv.memory_info.hugepage_type not in ("hugetlbfs", "thp"):
        raise problems.error(
            f"unknown variant `{hv.memory_info.hugepage_type}`, expected `hugetlbfs` or `thp`",
            f"{where}.hugepage_type",
        )
    for key in table:
        if key not in _HV_KNOWN:
            problems.unknown(f"{where}.{key}")
    return hv


def _f32(x: float) -> float:
    import struct

    try:
        return float(struct.unpack("<f", struct.pack("<f", x))[0])
    except OverflowError:
        return float("inf") if x > 0 else float("-inf")


def _agent(name: str, raw: Any, problems: _Problems) -> Agent:
    where = f"agent.{name}"
    table = dict(_table(raw, where, problems))
    if "mem_agent" in table and isinstance(table["mem_agent"], dict):
        mem = dict(table["mem_agent"])
        _alias(mem, "mem_agent_enable", "enable", f"{where}.mem_agent", problems)
        table["mem_agent"] = mem
    if "create_container_timeout" in table:
        secs = table["create_container_timeout"]
        if isinstance(secs, bool) or not isinstance(secs, int) or not 0 <= secs <= _U32_MAX:
            raise problems.error(
                f"invalid value: expected u32 seconds, found {secs!r}", f"{where}.create_container_timeout"
            )
        table["create_container_timeout"] = min(secs * 1000, _U32_MAX)  # saturating_mul(1000)
    agent: Agent = _convert(table, Agent, where, problems)
    return agent


def _runtime(raw: Any, problems: _Problems) -> Runtime:
    table = _table(raw, "runtime", problems)
    names = _field_names(Runtime)
    rt: Runtime = _convert({k: v for k, v in table.items() if k in names}, Runtime, "runtime", problems)
    for key in table:
        if key not in names:
            problems.unknown(f"runtime.{key}")
    return rt


def from_document(doc: dict[str, Any], *, file: str | None = None, strict: bool = False) -> TomlConfig:
    """A merged TOML document as kata-types' ``TomlConfig`` (serde rules, before adjusting)."""
    problems = _Problems(file, strict)
    agents = {n: _agent(n, t, problems) for n, t in _table(doc.get("agent", {}), "agent", problems).items()}
    hvs = {
        n: _hypervisor(n, t, problems)
        for n, t in _table(doc.get("hypervisor", {}), "hypervisor", problems).items()
    }
    runtime = _runtime(doc["runtime"], problems) if "runtime" in doc else Runtime()
    for key in doc:
        if key not in ("agent", "hypervisor", "runtime"):
            problems.unknown(key)
    return TomlConfig(
        agent=agents, hypervisor=hvs, runtime=runtime, path=file, warnings=tuple(problems.warnings)
    )


def loads(text: str, *, strict: bool = False, host_checks: Any = None) -> TomlConfig:
    """``TomlConfig::load(content)``: a configuration from TOML text (no drop-ins), adjusted."""
    doc = parse_toml(text, what="runtime-rs configuration")
    config = from_document(doc, strict=strict)
    hypervisors.adjust_config(config, hypervisors.HostFacts.of(host_checks))
    return config


def load_runtime_config(
    path: str | os.PathLike[str] | None = None, *, strict: bool = False, host_checks: Any = None
) -> TomlConfig:
    """``TomlConfig::load_from_file(path)``: the file, its ``config.d/`` drop-ins, adjusted.

    ``path`` None looks in kata-types' default locations. ``strict`` makes keys runtime-rs
    ignores errors; ``host_checks`` (a ``HostChecks``; None: do not look at the host) turns on
    the path resolution and host clamps kata-types does.

    Raises:
        ConfigError: naming the file, the key and the reason.
    """
    file = _find(path)
    doc = read_document(file)
    config = from_document(doc, file=str(Path(file)), strict=strict)
    hypervisors.adjust_config(config, hypervisors.HostFacts.of(host_checks))
    return config
