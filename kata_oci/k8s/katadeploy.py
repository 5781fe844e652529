"""kata-deploy 4.1.0's defaults: its handlers, RuntimeClasses and configuration-file layout.

What kata-deploy's Helm chart installs with its default values on an x86_64
node (``data/kata-deploy-4.1.0.json``, derived from kata-deploy's code and
chart; see its ``_provenance``): for each shim a handler ``kata-<shim>``, a
RuntimeClass of the same name with the chart's ``overhead.podFixed``, the shim
binary (Go or runtime-rs), and ``ConfigPath`` =
``/opt/kata/share/defaults/kata-containers[/runtime-rs]/runtimes/<shim>/configuration-<shim>.toml``.
containerd gets ``pod_annotations = ["io.katacontainers.*"]`` and
``container_annotations = ["io.kubernetes.container.terminationMessage*"]``
per handler, CRI-O ``runtime_config_path`` and no ``allowed_annotations``.
The chart renders RuntimeClasses for s390x-only shims (``kata-qemu-se*``) on
every node, while an x86_64 node has no such handler; there is no
RuntimeClass ``kata`` unless ``runtimeClasses.createDefault`` is set.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from .nodeconfig import CRIKind, Handler, NodeConfig
from .objects import ObjectRef, RuntimeClassObject

__all__ = ["VERSION", "kata_deploy_node", "kata_deploy_runtime_classes", "table"]

VERSION = "4.1.0"
_SOURCE = f"kata-deploy {VERSION} defaults"


@functools.cache
def table() -> dict[str, Any]:
    """The shipped kata-deploy table (parsed once)."""
    text = resources.files(__package__).joinpath(f"data/kata-deploy-{VERSION}.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


@functools.cache
def kata_deploy_node(cri: CRIKind | str = CRIKind.CONTAINERD) -> NodeConfig:
    """The node configuration kata-deploy writes for ``cri`` (x86_64, default Helm values)."""
    kind = CRIKind(cri)
    t = table()
    handlers: dict[str, Handler] = {}
    for name, h in t["handlers"].items():
        if not h["on_x86_64_node"]:
            continue
        handlers[name] = Handler(
            name=name,
            cri=kind,
            runtime_type=(
                t["containerd_runtime_type"].replace("<handler>", name)
                if kind is CRIKind.CONTAINERD
                else t["crio_runtime_type"]
            ),
            runtime_path=h["runtime_path"],
            config_path=h["config_path"],
            pod_annotations=tuple(t["containerd_pod_annotations"]) if kind is CRIKind.CONTAINERD else (),
            container_annotations=(
                tuple(t["containerd_container_annotations"]) if kind is CRIKind.CONTAINERD else ()
            ),
            kata=True,
            runtime="rs" if h["runtime"] == "runtime-rs" else "go",
            source=_SOURCE,
            shim=h["shim"],
        )
    default = "runc" if kind is CRIKind.CONTAINERD else "crun"
    handlers[default] = Handler(default, kind, "io.containerd.runc.v2" if default == "runc" else "oci")
    schema = "containerd config version 3" if kind is CRIKind.CONTAINERD else "CRI-O configuration"
    return NodeConfig(kind, handlers, default, f"{schema} ({_SOURCE})", (_SOURCE,))


@functools.cache
def kata_deploy_runtime_classes() -> tuple[RuntimeClassObject, ...]:
    """The RuntimeClasses kata-deploy's chart creates by default (every architecture's)."""
    out = []
    for name, h in table()["handlers"].items():
        rc = h["runtime_class"]
        if rc is None:
            continue
        ref = ObjectRef("RuntimeClass", name, source=_SOURCE)
        out.append(RuntimeClassObject(ref, name, name, dict(rc["overhead"] or {})))
    return tuple(out)
