"""containerd's CRI: its runtime handlers, which pod annotations it passes, what it adds.

Configuration (``config.toml``): the runtime table is at
``plugins."io.containerd.cri.v1.runtime".containerd.runtimes`` in schema
version 3 (containerd 2.x), ``plugins."io.containerd.grpc.v1.cri".containerd.runtimes``
in version 2 (1.x) and ``plugins.cri.containerd.runtimes`` in version 1; a file
without ``version`` is version 1, whose fully qualified plugin names containerd
also migrates. Each runtime's ``runtime_type``, ``runtime_path``,
``pod_annotations``, ``container_annotations`` and ``options.ConfigPath`` (Kata's
configuration file) are read. Several files (a main config and kata-deploy's
drop-in) merge in order, later runtimes replacing earlier ones of the same name.

Pass-through (``GetPassthroughAnnotations``, ``internal/cri/util/util.go``): a
pod annotation reaches the runtime when some ``pod_annotations`` pattern
matches its key with Go's ``path.Match`` (:func:`kata_oci.golang.path_match`:
anchored, ``*`` not crossing ``/``, a malformed pattern matching nothing). The
passed annotations go into the sandbox's OCI spec and into every container's,
where the kubelet's container annotations filtered by
``container_annotations`` follow them. containerd then writes its own keys
(later writes win): on the sandbox the ``io.kubernetes.cri.sandbox-*`` sizing
keys first (so a passed key of that name replaces them), then the passed
annotations, then ``DefaultCRIAnnotations``; on containers no sizing keys.
"""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

from kata_oci import golang

from .kubelet import LinuxResources
from .nodeconfig import CRIKind, Handler, NodeConfig, kata_runtime_of, read_toml

__all__ = [
    "SANDBOX_CPU_PERIOD",
    "SANDBOX_CPU_QUOTA",
    "SANDBOX_CPU_SHARES",
    "SANDBOX_MEMORY",
    "load_containerd_config",
    "passthrough",
    "sandbox_sizing_annotations",
]

SANDBOX_CPU_PERIOD: Final = "io.kubernetes.cri.sandbox-cpu-period"
SANDBOX_CPU_QUOTA: Final = "io.kubernetes.cri.sandbox-cpu-quota"
SANDBOX_CPU_SHARES: Final = "io.kubernetes.cri.sandbox-cpu-shares"
SANDBOX_MEMORY: Final = "io.kubernetes.cri.sandbox-memory"

_PLUGIN_BY_VERSION: Final = {
    3: ("io.containerd.cri.v1.runtime",),
    2: ("io.containerd.grpc.v1.cri",),
    1: ("cri", "io.containerd.grpc.v1.cri", "io.containerd.cri.v1.runtime"),
}
_DEFAULT_RUNTIME: Final = "runc"
_MAX_IMPORTS: Final = 64


def passthrough(patterns: Sequence[str], annotations: Mapping[str, str]) -> dict[str, str]:
    """The annotations some pattern matches with ``path.Match`` (containerd's pass-through)."""
    if not patterns:
        return {}
    return {k: v for k, v in annotations.items() if any(golang.path_match(p, k) for p in patterns)}


def sandbox_sizing_annotations(res: LinuxResources) -> dict[str, str]:
    """The sizing keys containerd writes on the sandbox from kubelet's resources (decimal)."""
    return {
        SANDBOX_CPU_PERIOD: str(res.cpu_period),
        SANDBOX_CPU_QUOTA: str(res.cpu_quota),
        SANDBOX_CPU_SHARES: str(res.cpu_shares),
        SANDBOX_MEMORY: str(res.memory_limit_in_bytes),
    }


def _table(doc: Mapping[str, Any], *path: str) -> Mapping[str, Any] | None:
    value: Any = doc
    for part in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value if isinstance(value, Mapping) else None


def _strings(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{where} is not a list of strings: containerd would refuse the file")
        return ()
    return tuple(value)


def _string(
    value: Any, where: str, problems: list[str], why: str = "containerd would refuse the file"
) -> str:
    """A string setting of a runtime table ("" when absent); another type is a problem, and ""."""
    if value is None:
        return ""
    if not isinstance(value, str):
        problems.append(f"{where} is not a string ({type(value).__name__}): {why}")
        return ""
    return value


def _handler(name: str, table: Mapping[str, Any], source: str) -> Handler:
    problems: list[str] = []
    runtime_type = _string(table.get("runtime_type"), f"runtimes.{name}.runtime_type", problems)
    runtime_path = _string(table.get("runtime_path"), f"runtimes.{name}.runtime_path", problems) or None
    options = table.get("options")
    config_path = (
        _string(
            options.get("ConfigPath"),
            f"runtimes.{name}.options.ConfigPath",
            problems,
            "the shim could not decode its options (read here as not set)",
        )
        or None
        if isinstance(options, Mapping)
        else None
    )
    kata, runtime = kata_runtime_of(runtime_type, runtime_path, config_path)
    return Handler(
        name=name,
        cri=CRIKind.CONTAINERD,
        runtime_type=runtime_type,
        runtime_path=runtime_path,
        config_path=config_path,
        pod_annotations=_strings(table.get("pod_annotations"), f"runtimes.{name}.pod_annotations", problems),
        container_annotations=_strings(
            table.get("container_annotations"), f"runtimes.{name}.container_annotations", problems
        ),
        kata=kata,
        runtime=runtime,
        source=source,
        problems=tuple(problems),
    )


def _imports(doc: Mapping[str, Any], source: str, notes: list[str]) -> list[str]:
    raw = doc.get("imports")
    if not isinstance(raw, list):
        return []
    found: list[str] = []
    base = os.path.dirname(source)
    for pattern in raw:
        if not isinstance(pattern, str):
            continue
        full = pattern if os.path.isabs(pattern) else os.path.join(base, pattern)
        matches = sorted(glob.glob(full))
        if not matches:
            notes.append(f"{source}: import {pattern!r} not found here (left out)")
        found.extend(matches)
    return found


def load_containerd_config(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> NodeConfig:
    """containerd's runtime handlers from one or more ``config.toml`` files (merged in order).

    ``imports`` that exist on this machine are read too (relative to the
    importing file). Raises :class:`~kata_oci.errors.ManifestError` for a file
    that cannot be read or is not TOML.
    """
    queue = [os.fspath(paths)] if isinstance(paths, str | os.PathLike) else [os.fspath(p) for p in paths]
    handlers: dict[str, Handler] = {}
    default = _DEFAULT_RUNTIME
    notes: list[str] = []
    sources: list[str] = []
    versions: set[int] = set()
    seen: set[str] = set()
    while queue and len(sources) < _MAX_IMPORTS:
        source = queue.pop(0)
        if source in seen:
            continue
        seen.add(source)
        sources.append(source)
        doc = read_toml(source, what="containerd configuration")
        version = doc.get("version", 1)
        if not isinstance(version, int) or version not in _PLUGIN_BY_VERSION:
            notes.append(f"{source}: unknown config version {version!r}, read as version 3")
            version = 3
        versions.add(version)
        queue[:0] = _imports(doc, source, notes)
        plugins = _table(doc, "plugins") or {}
        for plugin in _PLUGIN_BY_VERSION[version]:
            cri = _table(plugins, plugin, "containerd")
            if cri is None:
                continue
            name = cri.get("default_runtime_name")
            if isinstance(name, str) and name:
                default = name
            for rname, table in (_table(cri, "runtimes") or {}).items():
                if isinstance(table, Mapping):
                    handlers[rname] = _handler(rname, table, source)
        ignored = {
            plugin
            for names in _PLUGIN_BY_VERSION.values()
            for plugin in names
            if plugin not in _PLUGIN_BY_VERSION[version] and _table(plugins, plugin, "containerd", "runtimes")
        }
        notes.extend(
            f"{source}: runtimes under plugins.{plugin!r} are ignored in a version {version} file"
            for plugin in sorted(ignored)
        )
    schema = "containerd config version " + "/".join(str(v) for v in sorted(versions))
    return NodeConfig(CRIKind.CONTAINERD, handlers, default, schema, tuple(sources), tuple(notes))
