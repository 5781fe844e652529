"""A cluster as the manifest checker sees it: RuntimeClasses, a node's CRI, Kata's configuration files.

Build a :class:`Cluster` once (from files with :meth:`Cluster.from_files`, or
kata-deploy's defaults with no arguments) and check any number of pods
against it: each handler's Kata configuration is found and loaded on first use
and kept, so checking one more pod costs only that pod's annotations.

Kata's configuration file for a handler: containerd's ``ConfigPath`` or
CRI-O's ``runtime_config_path`` (kata-deploy's layout by default). Given
``kata_config_dirs``, that path is looked for inside each directory by its
trailing components (``runtimes/qemu/configuration-qemu.toml``, then
``configuration-qemu.toml``), the directories in the order given, so a copy
of ``/opt/kata`` or of ``/opt/kata/share/defaults/kata-containers`` and flat
directories of ``configuration-*.toml`` files all work (a flat directory per
runtime: the Go and Rust runtimes both have a ``configuration-remote.toml``);
without them, the path itself when this machine has it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .documents import read_documents
from .kata import KataTarget, load_kata_target
from .katadeploy import kata_deploy_node, kata_deploy_runtime_classes
from .nodeconfig import CRIKind, Handler, NodeConfig
from .objects import RuntimeClassObject, collect
from .quantity import QuantityError, milli_value, parse_quantity, value

if TYPE_CHECKING:
    from kata_oci.engine import Engine

__all__ = ["Cluster", "Overhead", "load_runtime_classes", "overhead_of"]

_DATA = Path(__file__).resolve().parent.parent / "data"
#: (runtime, configuration file name) -> the build default kata-oci ships.
_SHIPPED = {
    ("go", "configuration-qemu.toml"): _DATA / "kata4-go" / "configuration-qemu.toml",
    ("rs", "configuration-qemu-runtime-rs.toml"): _DATA
    / "kata4-runtime-rs"
    / "configuration-qemu-runtime-rs.toml",
}


@dataclass(frozen=True, slots=True)
class Overhead:
    """A RuntimeClass's ``overhead.podFixed`` (CPU in millicores, memory in bytes)."""

    cpu_millis: int | None = None
    memory_bytes: int | None = None
    problem: str | None = None


def overhead_of(rc: RuntimeClassObject) -> Overhead:
    """A RuntimeClass's ``overhead.podFixed`` as numbers (a bad quantity: ``problem``)."""
    try:
        cpu = rc.pod_fixed.get("cpu")
        mem = rc.pod_fixed.get("memory")
        cpu_q: int | None = parse_quantity(cpu) if cpu is not None else None
        mem_q: int | None = parse_quantity(mem) if mem is not None else None
    except QuantityError as exc:
        return Overhead(problem=f"RuntimeClass {rc.name} overhead: {exc}")
    return Overhead(
        milli_value(cpu_q) if cpu_q is not None else None, value(mem_q) if mem_q is not None else None
    )


def load_runtime_classes(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
) -> list[RuntimeClassObject]:
    """The RuntimeClass objects of manifest files or directories (other objects are ignored)."""
    return collect(read_documents(paths)).runtime_classes


def _candidates(config_path: str, dirs: Sequence[Path]) -> list[Path]:
    parts = [p for p in Path(config_path).parts if p not in ("/", "")]
    return [d.joinpath(*parts[i:]) for d in dirs for i in range(len(parts))]


class Cluster:
    """RuntimeClasses + one node's CRI configuration + where Kata's configuration files are.

    Defaults are kata-deploy 4.1.0's: its RuntimeClasses, its containerd
    configuration (``cri="crio"`` for CRI-O's), its layout of Kata files.
    ``handler`` makes every pod use that handler whatever its
    ``runtimeClassName``; ``exclusive_cpus`` says the nodes run kubelet's
    static CPU manager (Guaranteed pods with whole CPUs get no CFS quota);
    ``strict`` makes unknown ``io.katacontainers.`` keys rejected;
    ``profile`` forces one Kata profile (``kata1``, ``go``, ``rs``) for every
    handler instead of the one its runtime has; ``kata_config`` one Kata
    configuration file for every Kata handler instead of each one's own;
    ``engine`` the engine whose profiles and CRI plugins decide (the default
    engine when ``None``: a Cluster is where the checker reaches it).

    A Cluster may be shared by threads (an admission webhook's workers): a
    handler's configuration is loaded once under a lock, and the memo tables
    only ever gain entries, bounded in size. Build a new Cluster when the
    files change.
    """

    def __init__(
        self,
        node: NodeConfig | None = None,
        runtime_classes: Iterable[RuntimeClassObject] | None = None,
        *,
        kata_config_dirs: Iterable[str | os.PathLike[str]] = (),
        handler: str | None = None,
        exclusive_cpus: bool = False,
        strict: bool = False,
        profile: str | None = None,
        kata_config: str | os.PathLike[str] | None = None,
        engine: Engine | None = None,
    ) -> None:
        self.node = node if node is not None else kata_deploy_node(CRIKind.CONTAINERD)
        classes = kata_deploy_runtime_classes() if runtime_classes is None else tuple(runtime_classes)
        self.runtime_classes: Mapping[str, RuntimeClassObject] = {rc.name: rc for rc in classes}
        self.overheads: Mapping[str, Overhead] = {rc.name: overhead_of(rc) for rc in classes}
        self.kata_config_dirs = tuple(Path(d) for d in kata_config_dirs)
        self.handler_override = handler
        self.exclusive_cpus = exclusive_cpus
        self.strict = strict
        self.profile = profile
        self.kata_config = os.fspath(kata_config) if kata_config is not None else None
        self._engine = engine
        self._targets: dict[str, KataTarget] = {}
        # Per-cluster memo tables of the checker (bounded there): a 1,000-pod file asks the same few.
        self._match_cache: dict[tuple[str, str], bool] = {}
        self._plan_cache: dict[tuple[str, tuple[tuple[str, str], ...]], Any] = {}
        self._container_keys: dict[tuple[str, bool, bool], list[str]] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_files(
        cls,
        *,
        containerd_config: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
        crio_config: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
        runtime_classes: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
        kata_config_dir: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
        handler: str | None = None,
        exclusive_cpus: bool = False,
        strict: bool = False,
        profile: str | None = None,
        kata_config: str | os.PathLike[str] | None = None,
        engine: Engine | None = None,
    ) -> Cluster:
        """A cluster from configuration files; what is not given is kata-deploy's default."""
        from .containerd import load_containerd_config
        from .crio import load_crio_config

        if containerd_config is not None and crio_config is not None:
            from kata_oci.errors import ManifestError

            raise ManifestError("give a containerd or a CRI-O configuration, not both")
        node = None
        if containerd_config is not None:
            node = load_containerd_config(containerd_config)
        elif crio_config is not None:
            node = load_crio_config(crio_config)
        classes = load_runtime_classes(runtime_classes) if runtime_classes is not None else None
        dirs: Sequence[str | os.PathLike[str]]
        if kata_config_dir is None:
            dirs = ()
        elif isinstance(kata_config_dir, str | os.PathLike):
            dirs = (kata_config_dir,)
        else:
            dirs = tuple(kata_config_dir)
        for d in dirs:
            if not os.path.isdir(d):  # a typo must not pass for "the file is not there"
                from kata_oci.errors import ConfigError

                raise ConfigError("not a directory (kata_config_dir)", file=os.fspath(d))
        return cls(
            node,
            classes,
            kata_config_dirs=dirs,
            handler=handler,
            exclusive_cpus=exclusive_cpus,
            strict=strict,
            profile=profile,
            kata_config=kata_config,
            engine=engine,
        )

    @property
    def engine(self) -> Engine:
        """The engine given, else the default engine (asked each time, as the module functions do)."""
        if self._engine is not None:
            return self._engine
        from kata_oci.engine import default_engine

        return default_engine()

    def kata_config_file(self, handler: Handler) -> tuple[str | None, str | None]:
        """(the Kata configuration file ``handler``'s pods boot from, a note), as found here.

        ``None`` when it is not found. Without ``kata_config_dirs``, a file
        this machine does not have falls back to kata-oci's shipped copy of
        the same build default (Kata 4.1's ``configuration-qemu.toml``), which
        kata-deploy installs unchanged; the note says so.
        """
        if self.kata_config is not None:
            return self.kata_config, None
        path = handler.config_path
        if path is None:
            # The shim's own lookup: /etc first, then the build's default file.
            path = "/usr/share/defaults/kata-containers/configuration.toml"
            for etc in _candidates("/etc/kata-containers/configuration.toml", self.kata_config_dirs):
                if etc.is_file():
                    return str(etc), None
            if not self.kata_config_dirs and os.path.isfile("/etc/kata-containers/configuration.toml"):
                return "/etc/kata-containers/configuration.toml", None
        if not self.kata_config_dirs:
            if os.path.isfile(path):
                return path, None
            shipped = _SHIPPED.get((handler.runtime or "go", os.path.basename(path)))
            if shipped is not None and shipped.is_file():
                return str(shipped), (
                    f"{path} is not on this machine: using kata-oci's copy of its build default "
                    f"({shipped.name} of Kata 4.1.0, as kata-deploy installs it)"
                )
            return None, None
        for c in _candidates(path, self.kata_config_dirs):
            if c.is_file():
                return str(c), None
        return None, None

    def kata_target(self, handler: Handler) -> KataTarget:
        """The loaded Kata configuration of ``handler`` (loaded once, then kept)."""
        target = self._targets.get(handler.name)
        if target is not None:
            return target
        with self._lock:
            target = self._targets.get(handler.name)
            if target is None:
                path, note = self.kata_config_file(handler)
                target = load_kata_target(
                    path, handler.runtime or "go", engine=self.engine, note=note, profile=self.profile
                )
                if path is None:
                    looked = ", ".join(str(d) for d in self.kata_config_dirs) or "this machine"
                    want = handler.config_path or "the shim's default configuration.toml"
                    target = KataTarget(
                        None,
                        handler.runtime or "go",
                        None,
                        error=f"Kata configuration {want} not found in {looked}",
                    )
                self._targets[handler.name] = target
        return target
