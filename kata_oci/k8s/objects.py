"""The Kubernetes objects kata-oci reads: pod templates (of a Pod or a workload) and RuntimeClasses.

A Pod is its own template; every workload kind holds one at a fixed path
(:data:`TEMPLATE_PATHS`), and that template's ``metadata.annotations`` are the
pod annotations kubelet sends to the CRI, never the workload's own
``metadata.annotations``. ``kind: List`` (``kubectl get -o yaml``) and typed
lists (``PodList``, whose items carry no ``kind``) are opened. Any other object
(a Service, a ConfigMap, a custom resource) is skipped with a :class:`Note`,
never an error: a manifest file holds them all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import msgspec

from kata_oci.errors import ManifestError

from .documents import Document

__all__ = [
    "TEMPLATE_PATHS",
    "Manifests",
    "Note",
    "ObjectRef",
    "PodTemplate",
    "RuntimeClassObject",
    "collect",
]

#: Kind -> (API groups it is served from, path of its pod template). A Pod is its own template.
TEMPLATE_PATHS: Mapping[str, tuple[frozenset[str], tuple[str, ...]]] = {
    "Pod": (frozenset({""}), ()),
    "PodTemplate": (frozenset({""}), ("template",)),
    "ReplicationController": (frozenset({""}), ("spec", "template")),
    "Deployment": (frozenset({"apps", "extensions"}), ("spec", "template")),
    "ReplicaSet": (frozenset({"apps", "extensions"}), ("spec", "template")),
    "StatefulSet": (frozenset({"apps"}), ("spec", "template")),
    "DaemonSet": (frozenset({"apps", "extensions"}), ("spec", "template")),
    "Job": (frozenset({"batch"}), ("spec", "template")),
    "CronJob": (frozenset({"batch"}), ("spec", "jobTemplate", "spec", "template")),
}
_RUNTIME_CLASS_GROUPS = frozenset({"node.k8s.io"})


class ObjectRef(msgspec.Struct, frozen=True, omit_defaults=True):
    """Which object a record is about: kind, namespace, name, and where it was read.

    ``source`` is the file, ``document`` the index of the YAML document in it
    (0-based), ``item`` the index in a ``List``'s ``items``.
    """

    kind: str
    name: str
    namespace: str | None = None
    source: str | None = None
    document: int | None = None
    item: int | None = None

    def __str__(self) -> str:
        ns = f"{self.namespace}/" if self.namespace else ""
        return f"{self.kind}/{ns}{self.name}"


@dataclass(frozen=True, slots=True)
class PodTemplate:
    """One pod as a CRI will see it: the Pod itself or a workload's pod template.

    ``annotations`` and ``spec`` are the template's raw ``metadata.annotations``
    (any type: the Kubernetes layer checks them) and ``spec``;
    ``outer_annotations`` the workload's own ``metadata.annotations`` (``None``
    for a Pod), which never reach a pod; ``path`` the template's dotted path in
    the object (``spec.template``, ``""`` for a Pod).
    """

    ref: ObjectRef
    path: str
    annotations: Any
    spec: Mapping[str, Any]
    outer_annotations: Any = None

    @property
    def annotations_path(self) -> str:
        return f"{self.path}.metadata.annotations" if self.path else "metadata.annotations"


@dataclass(frozen=True, slots=True)
class RuntimeClassObject:
    """A RuntimeClass (``node.k8s.io``): its name, CRI handler and ``overhead.podFixed``."""

    ref: ObjectRef
    name: str
    handler: str
    pod_fixed: Mapping[str, Any] = field(default_factory=dict)


class Note(msgspec.Struct, frozen=True, omit_defaults=True):
    """Something kata-oci read but did not check, and why."""

    object: ObjectRef | None
    message: str


@dataclass(slots=True)
class Manifests:
    """What a set of documents holds: pods, RuntimeClasses, and notes on the rest."""

    pods: list[PodTemplate] = field(default_factory=list)
    runtime_classes: list[RuntimeClassObject] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


def _group(api_version: Any) -> str | None:
    if not isinstance(api_version, str):
        return None
    return api_version.rpartition("/")[0] if "/" in api_version else ""


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _ref(obj: Mapping[str, Any], kind: str, doc: Document, item: int | None) -> ObjectRef:
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    name = _str(meta.get("name"))
    if not name:
        generate = _str(meta.get("generateName"))
        name = f"{generate}*" if generate else ""
    return ObjectRef(kind, name, _str(meta.get("namespace")) or None, doc.source, doc.index, item)


def _dig(obj: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = obj
    for part in path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


#: The most ``List`` objects nested in each other's ``items`` that are opened (kubectl writes one).
MAX_LIST_DEPTH: Final = 32


def _add_object(
    obj: Any, doc: Document, item: int | None, into: Manifests, kind_hint: str | None, depth: int = 0
) -> None:
    if not isinstance(obj, Mapping):
        where = ObjectRef("?", "", None, doc.source, doc.index, item)
        into.notes.append(Note(where, f"skipped: not a Kubernetes object (a {type(obj).__name__})"))
        return
    kind = _str(obj.get("kind")) or kind_hint
    if not kind:
        into.notes.append(Note(_ref(obj, "?", doc, item), "skipped: no kind"))
        return
    items = obj.get("items")
    if kind.endswith("List") and isinstance(items, list):
        if depth >= MAX_LIST_DEPTH:
            raise ManifestError(
                f"document {doc.index}: Lists nested more than {MAX_LIST_DEPTH} deep in items",
                file=doc.source,
            )
        hint = kind[: -len("List")] if kind != "List" else None
        for i, sub in enumerate(items):
            _add_object(sub, doc, i, into, hint, depth + 1)
        return
    ref = _ref(obj, kind, doc, item)
    group = _group(obj.get("apiVersion"))
    if kind == "RuntimeClass" and (group is None or group in _RUNTIME_CLASS_GROUPS):
        _add_runtime_class(obj, ref, into)
        return
    known = TEMPLATE_PATHS.get(kind)
    if known is None:
        into.notes.append(Note(ref, f"skipped: kind {kind} holds no pod template"))
        return
    groups, path = known
    if group is not None and group not in groups:
        into.notes.append(
            Note(ref, f"skipped: {obj.get('apiVersion')} {kind} is not the Kubernetes {kind} API")
        )
        return
    template = obj if not path else _dig(obj, path)
    if not isinstance(template, Mapping):
        into.notes.append(Note(ref, f"skipped: no pod template at {'.'.join(path)}"))
        return
    meta = template.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    spec = template.get("spec")
    outer = None
    if path:
        outer_meta = obj.get("metadata")
        outer = outer_meta.get("annotations") if isinstance(outer_meta, Mapping) else None
    into.pods.append(
        PodTemplate(
            ref,
            ".".join(path),
            meta.get("annotations"),
            spec if isinstance(spec, Mapping) else {},
            outer,
        )
    )


def _add_runtime_class(obj: Mapping[str, Any], ref: ObjectRef, into: Manifests) -> None:
    handler = _str(obj.get("handler"))
    if not ref.name or not handler:
        into.notes.append(Note(ref, "skipped: a RuntimeClass needs metadata.name and handler"))
        return
    pod_fixed = _dig(obj, ("overhead", "podFixed"))
    into.runtime_classes.append(
        RuntimeClassObject(ref, ref.name, handler, pod_fixed if isinstance(pod_fixed, Mapping) else {})
    )


def collect(documents: Iterable[Document]) -> Manifests:
    """Sort parsed documents into pod templates, RuntimeClasses and notes on what was skipped."""
    found = Manifests()
    for doc in documents:
        _add_object(doc.value, doc, None, found, None)
    return found
