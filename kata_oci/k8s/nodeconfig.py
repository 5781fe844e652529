"""A node's CRI runtime handlers, as containerd or CRI-O configure them.

:class:`NodeConfig` is what :mod:`.containerd` and :mod:`.crio` read from
their configuration files (or :mod:`.katadeploy` builds from kata-deploy's
defaults): the runtime handlers by name, the default one, and for each
:class:`Handler` what decides which pod annotations reach its runtime and
which Kata configuration file it boots from.
"""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kata_oci import files

__all__ = ["CRIKind", "Handler", "NodeConfig", "read_toml"]


def read_toml(path: str | os.PathLike[str], *, what: str) -> dict[str, Any]:
    """A CRI configuration file as TOML, through kata-oci's one bounded TOML reader.

    Raises :class:`~kata_oci.ConfigError` naming the file (and line) for a
    file that cannot be read or is not TOML.
    """
    return files.read_toml(path, what=what)


class CRIKind(enum.StrEnum):
    """The container runtime interface implementation of a node."""

    CONTAINERD = "containerd"
    CRIO = "crio"


@dataclass(frozen=True, slots=True)
class Handler:
    """One runtime handler (a RuntimeClass ``handler``) of a node's CRI.

    ``pod_annotations``/``container_annotations`` are containerd's pass-through
    patterns (``path.Match``); ``allowed_annotations`` CRI-O's list (which
    never gates ``io.katacontainers.*`` keys); ``config_path`` containerd's
    ``options.ConfigPath`` or CRI-O's ``runtime_config_path`` (``None``: the
    shim's own default lookup); ``kata`` whether the handler runs a Kata shim,
    ``runtime`` which one when the binary says (``"go"`` or ``"rs"``).
    """

    name: str
    cri: CRIKind
    runtime_type: str = ""
    runtime_path: str | None = None
    config_path: str | None = None
    pod_annotations: tuple[str, ...] = ()
    container_annotations: tuple[str, ...] = ()
    allowed_annotations: tuple[str, ...] = ()
    kata: bool = False
    runtime: str | None = None
    source: str | None = None
    problems: tuple[str, ...] = ()
    #: kata-deploy's shim name (``qemu``, ``qemu-runtime-rs``) when known.
    shim: str | None = None
    #: CRI-O's ``default_annotations`` of the handler: every pod's, unless it sets the key itself.
    default_annotations: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class NodeConfig:
    """A node's runtime handlers and the CRI that runs them.

    ``default_handler`` is the handler a pod without ``runtimeClassName``
    gets (containerd's ``default_runtime_name``, CRI-O's ``default_runtime``);
    ``schema`` names the configuration format read (``containerd config
    version 3``); ``notes`` what was odd in the files (a table containerd
    would ignore, an import not found).
    """

    cri: CRIKind
    handlers: Mapping[str, Handler]
    default_handler: str
    schema: str = ""
    sources: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def handler(self, name: str) -> Handler | None:
        """The handler for a RuntimeClass handler name (``""``: the default runtime)."""
        return self.handlers.get(name or self.default_handler)


def kata_runtime_of(
    runtime_type: str, runtime_path: str | None, config_path: str | None
) -> tuple[bool, str | None]:
    """(is this a Kata shim?, ``"go"``/``"rs"`` when the paths tell) from a handler's settings.

    containerd's ``runtime_type`` ``io.containerd.kata-qemu.v2`` names the
    binary ``containerd-shim-kata-qemu-v2``; kata-deploy pins it with
    ``runtime_path`` instead, and installs runtime-rs under ``runtime-rs/``.
    """
    binary = os.path.basename(runtime_path) if runtime_path else ""
    kata = "kata" in binary or runtime_type.startswith("io.containerd.kata")
    runtime = None
    if kata:
        paths = " ".join(p for p in (runtime_path, config_path) if p)
        runtime = "rs" if "runtime-rs" in paths else ("go" if runtime_path or config_path else None)
    return kata, runtime
