"""CRI-O's runtime table, and what its ``allowed_annotations`` does (and does not) gate.

Configuration: ``crio.conf`` and the drop-in files of ``crio.conf.d/`` (every
regular file, in name order, each merged over the last: kata-deploy writes
``99-kata-deploy`` with no suffix). ``[crio.runtime]`` ``default_runtime``
(``crun`` when unset) and ``[crio.runtime.runtimes.NAME]`` ``runtime_path``,
``runtime_type``, ``runtime_config_path`` (Kata's configuration file),
``allowed_annotations`` and ``default_annotations`` (every pod's annotations
unless the pod sets the key: ``prepareKubeAnnotations``) are read.

Filtering (``FilterDisallowedAnnotations``, ``pkg/config/workloads.go``):
CRI-O only removes its *own* experimental annotations that a handler does not
allow: every key that **starts with** an entry of :data:`ALL_ALLOWED_ANNOTATIONS`
missing from the handler's (and the activated workload's) allowed list is
deleted. Everything else, every ``io.katacontainers.*`` key included, reaches
the sandbox's spec and, copied from it, every container's. An allowed entry
that is not in that list makes CRI-O refuse its configuration
(``invalid allowed_annotation``). CRI-O writes no ``io.kubernetes.cri.sandbox-*``
sizing keys, only ``pod-linux-resources.crio.io`` (JSON), which Kata 4.x does
not read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final

from .nodeconfig import CRIKind, Handler, NodeConfig, kata_runtime_of, read_toml

__all__ = [
    "ALL_ALLOWED_ANNOTATIONS",
    "DEFAULT_RUNTIME",
    "filter_disallowed",
    "load_crio_config",
    "removed_by",
]

#: ``v2.AllAllowedAnnotations`` of CRI-O (f954a17e, pkg/annotations/v2/annotations.go): prefixes.
ALL_ALLOWED_ANNOTATIONS: Final = (
    "io.kubernetes.cri.rdt-class",
    "bundle",
    "org.systemd.property.",
    "org.criu.config",
    "module.wasm.image/variant",
    "io.kubernetes.cri.container-type",
    "run.oci.",
    "cgroup2-mount-hierarchy-rw.crio.io",
    "cpu-c-states.crio.io",
    "cpu-freq-governor.crio.io",
    "cpu-load-balancing.crio.io",
    "cpu-quota.crio.io",
    "cpu-shared.crio.io",
    "devices.crio.io",
    "disable-fips.crio.io",
    "irq-load-balancing.crio.io",
    "link-logs.crio.io",
    "io.containers.trace-syscall",
    "platform-runtime-path.crio.io",
    "pod-linux-overhead.crio.io",
    "pod-linux-resources.crio.io",
    "seccomp-notifier-action.crio.io",
    "seccomp-profile.crio.io",
    "shm-size.crio.io",
    "spoofed.crio.io",
    "org.opencontainers.image.stopSignal",
    "try-skip-volume-selinux-label.crio.io",
    "umask.crio.io",
    "unified-cgroup.crio.io",
    "userns-mode.crio.io",
    "io.kubernetes.cri-o.cgroup2-mount-hierarchy-rw",
    "io.kubernetes.cri-o.Devices",
    "io.kubernetes.cri-o.DisableFIPS",
    "io.kubernetes.cri-o.LinkLogs",
    "io.kubernetes.cri-o.PlatformRuntimePath",
    "io.kubernetes.cri-o.PodLinuxOverhead",
    "io.kubernetes.cri-o.PodLinuxResources",
    "io.kubernetes.cri-o.seccompNotifierAction",
    "seccomp-profile.kubernetes.cri-o.io",
    "io.kubernetes.cri-o.ShmSize",
    "io.kubernetes.cri-o.Spoofed",
    "io.kubernetes.cri-o.TrySkipVolumeSELinuxLabel",
    "io.kubernetes.cri-o.umask",
    "io.kubernetes.cri-o.UnifiedCgroup",
    "io.kubernetes.cri-o.userns-mode",
)
_ALLOWED_SET: Final = frozenset(ALL_ALLOWED_ANNOTATIONS)
#: CRI-O's ``DefaultRuntime`` on Linux, and what its built-in handler allows.
DEFAULT_RUNTIME: Final = "crun"
_DEFAULT_ALLOWED: Final = ("io.containers.trace-syscall", "devices.crio.io")


def removed_by(allowed: Iterable[str], key: str) -> str | None:
    """The disallowed prefix that makes CRI-O delete ``key``, or ``None`` when it stays."""
    allowed_set = set(allowed)
    for d in ALL_ALLOWED_ANNOTATIONS:
        if d not in allowed_set and key.startswith(d):
            return d
    return None


def filter_disallowed(allowed: Iterable[str], annotations: Mapping[str, str]) -> dict[str, str]:
    """The annotations CRI-O keeps for a handler allowing ``allowed``."""
    allowed_t = tuple(allowed)
    return {k: v for k, v in annotations.items() if removed_by(allowed_t, k) is None}


def _merge(into: dict[str, Any], doc: Mapping[str, Any]) -> None:
    for k, v in doc.items():
        if isinstance(v, Mapping) and isinstance(into.get(k), dict):
            _merge(into[k], v)
        elif isinstance(v, Mapping):
            into[k] = {}
            _merge(into[k], v)
        else:
            into[k] = v


def _files(path: str | os.PathLike[str]) -> list[str]:
    p = Path(path)
    if p.is_dir():
        return [str(e) for e in sorted(p.iterdir(), key=lambda e: e.name) if e.is_file()]
    return [str(p)]


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _handler(name: str, table: Mapping[str, Any], source: str) -> Handler:
    problems: list[str] = []
    runtime_type = table.get("runtime_type")
    runtime_type = runtime_type if isinstance(runtime_type, str) and runtime_type else "oci"
    runtime_path = table.get("runtime_path")
    runtime_path = runtime_path if isinstance(runtime_path, str) and runtime_path else None
    config_path = table.get("runtime_config_path")
    config_path = config_path if isinstance(config_path, str) and config_path else None
    allowed = _strings(table.get("allowed_annotations"))
    if allowed is None:
        allowed = ()
        if "allowed_annotations" in table:
            problems.append(f"runtimes.{name}.allowed_annotations is not a list of strings")
    problems.extend(
        f"invalid allowed_annotation: {a} (CRI-O refuses this configuration)"
        for a in allowed
        if a not in _ALLOWED_SET
    )
    defaults = table.get("default_annotations")
    default_annotations: tuple[tuple[str, str], ...] = ()
    if isinstance(defaults, Mapping):
        default_annotations = tuple((k, v) for k, v in defaults.items() if isinstance(v, str))
        if len(default_annotations) != len(defaults):
            problems.append(f"runtimes.{name}.default_annotations holds values that are not strings")
    kata, runtime = kata_runtime_of("", runtime_path, config_path)
    if kata and runtime_type != "vm":
        problems.append(f'runtime_type is {runtime_type!r}: a Kata shim needs runtime_type = "vm"')
    return Handler(
        name=name,
        cri=CRIKind.CRIO,
        runtime_type=runtime_type,
        runtime_path=runtime_path,
        config_path=config_path,
        allowed_annotations=allowed,
        kata=kata,
        runtime=runtime,
        source=source,
        problems=tuple(problems),
        default_annotations=default_annotations,
    )


def load_crio_config(paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> NodeConfig:
    """CRI-O's runtime handlers from ``crio.conf`` files or ``crio.conf.d`` directories, merged in order."""
    given = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    files = [f for p in given for f in _files(p)]
    merged: dict[str, Any] = {}
    for f in files:
        _merge(merged, read_toml(f, what="CRI-O configuration"))
    runtime = merged.get("crio", {}).get("runtime", {})
    runtime = runtime if isinstance(runtime, Mapping) else {}
    tables = runtime.get("runtimes")
    tables = tables if isinstance(tables, Mapping) else {}
    handlers = {n: _handler(n, t, ", ".join(files)) for n, t in tables.items() if isinstance(t, Mapping)}
    notes: list[str] = []
    default = runtime.get("default_runtime")
    if not isinstance(default, str) or not default:
        default = DEFAULT_RUNTIME
        if default not in handlers:
            handlers[default] = Handler(
                default, CRIKind.CRIO, "oci", allowed_annotations=_DEFAULT_ALLOWED, source="CRI-O's default"
            )
    elif default not in handlers:
        notes.append(
            f"default_runtime set to {default!r}, but no runtime entry table "
            f"[crio.runtime.runtimes.{default}] was found: CRI-O refuses this configuration"
        )
    return NodeConfig(CRIKind.CRIO, handlers, default, "CRI-O configuration", tuple(files), tuple(notes))
