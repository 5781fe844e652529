"""kata-oci plugin: the annotation keys of CRI-O.

CRI-O (``internal/annotations``, ``pkg/annotations/v2``) marks each container
it creates with its kind and its pod sandbox's ID: a key table says that.
Its pod identity and pod resources need logic, so this plugin also
implements two hooks:

* ``kata_oci_pod_identity``: CRI-O names the pod twice. ``KubeName`` (and
  ``Namespace``) hold the pod's Kubernetes name, but only in the pod
  sandbox's spec; ``SandboxName``, in every spec, is CRI-O's own
  ``k8s_<pod>_<namespace>_<uid>_<attempt>``. Kata's Go runtime sends
  ``SandboxName`` as is to a remote hypervisor, runtime-rs reads
  ``KubeName``; this plugin gives the pod's name in both specs, taking it
  from ``KubeName`` when there and from ``SandboxName``'s parts otherwise.
* ``kata_oci_sandbox_sizing``: CRI-O ≥ 1.28 writes the pod's resources and
  overhead as the JSON of the CRI ``LinuxContainerResources`` message
  (``{"cpu_period":100000,"cpu_quota":50000,...}``; Go's ``encoding/json``
  field names, snake_case, ``null`` when kubelet sent none), under
  ``pod-linux-resources.crio.io`` / ``pod-linux-overhead.crio.io`` since
  CRI-O 1.35 and ``io.kubernetes.cri-o.PodLinuxResources`` /
  ``...PodLinuxOverhead`` before. Kata's Go runtime reads neither.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

import msgspec

from kata_oci import (
    CRI,
    ContainerType,
    IdentityKeys,
    PodIdentity,
    Sizing,
    calculate_vm_resources,
    hookimpl,
)
from kata_oci.log import log

#: The container type annotation: "sandbox" or "container".
CONTAINER_TYPE = "io.kubernetes.cri-o.ContainerType"
CONTAINER_TYPE_SANDBOX = "sandbox"
CONTAINER_TYPE_CONTAINER = "container"
#: The ID of the pod sandbox the container belongs to.
SANDBOX_ID = "io.kubernetes.cri-o.SandboxID"

#: The pod's name and namespace (pod sandbox spec only).
KUBE_NAME = "io.kubernetes.cri-o.KubeName"
NAMESPACE = "io.kubernetes.cri-o.Namespace"
#: CRI-O's name of the pod sandbox, ``k8s_<pod>_<namespace>_<uid>_<attempt>`` (every spec).
SANDBOX_NAME = "io.kubernetes.cri-o.SandboxName"
#: CRI-O's name of the container, ``k8s_<container>_<pod>_<namespace>_<uid>_<attempt>``.
NAME = "io.kubernetes.cri-o.Name"
#: The JSON of the CRI metadata: the pod's (name, uid, namespace) or the container's (name).
METADATA = "io.kubernetes.cri-o.Metadata"

#: The pod's resources and overhead (JSON ``LinuxContainerResources``, pod sandbox spec only).
POD_LINUX_RESOURCES = "pod-linux-resources.crio.io"
POD_LINUX_OVERHEAD = "pod-linux-overhead.crio.io"
#: The same before CRI-O 1.35 (CRI-O reads the new key first, then the old).
POD_LINUX_RESOURCES_V1 = "io.kubernetes.cri-o.PodLinuxResources"
POD_LINUX_OVERHEAD_V1 = "io.kubernetes.cri-o.PodLinuxOverhead"

CRI_KEYS = CRI(
    name="crio",
    container_type_key=CONTAINER_TYPE,
    container_types={
        CONTAINER_TYPE_SANDBOX: ContainerType.POD_SANDBOX,
        CONTAINER_TYPE_CONTAINER: ContainerType.POD_CONTAINER,
    },
    sandbox_id_key=SANDBOX_ID,
    # What a table alone would say; kata_oci_pod_identity below refines it.
    identity=IdentityKeys(sandbox_name=(KUBE_NAME, SANDBOX_NAME), sandbox_namespace=NAMESPACE),
    hook_keys={
        NAME: "container name k8s_<container>_<pod>_<namespace>_<uid>_<attempt> (pod identity)",
        METADATA: "JSON of the CRI pod or container metadata (pod identity)",
        POD_LINUX_RESOURCES: "JSON of the CRI LinuxContainerResources of the pod (sandbox sizing)",
        POD_LINUX_RESOURCES_V1: f"before CRI-O 1.35, {POD_LINUX_RESOURCES}",
        POD_LINUX_OVERHEAD: "JSON of the CRI LinuxContainerResources of the pod overhead (reported)",
        POD_LINUX_OVERHEAD_V1: f"before CRI-O 1.35, {POD_LINUX_OVERHEAD}",
    },
)


@hookimpl
def kata_oci_declare_cri() -> CRI:
    return CRI_KEYS


# -- pod identity ---------------------------------------------------------------------

# Kubernetes names and namespaces never contain "_", nor do UIDs: the parts are unambiguous.
_SANDBOX_NAME = re.compile(r"k8s_([^_]*)_([^_]*)_([^_]*)_[0-9]+\Z")
_CONTAINER_NAME = re.compile(r"k8s_([^_]*)_[^_]*_[^_]*_[^_]*_[0-9]+\Z")


def _metadata(annotations: Mapping[str, str]) -> dict[str, str]:
    """The string fields of the Metadata JSON, by lower-case name ({} when absent or unreadable).

    CRI-O reads it back with Go's case-insensitive ``encoding/json``, and has
    written both ``{"name": ...}`` and ``{"Name": ...}``.
    """
    raw = annotations.get(METADATA)
    if raw is None:
        return {}
    try:
        doc: Any = msgspec.json.decode(raw)
    except (msgspec.DecodeError, RecursionError) as exc:  # RecursionError: nested too deep
        log.warning("crio_metadata_invalid", key=METADATA, value=raw[:200], reason=str(exc)[:200])
        return {}
    if not isinstance(doc, dict):
        return {}
    return {k.lower(): v for k, v in doc.items() if isinstance(v, str)}


@hookimpl
def kata_oci_pod_identity(annotations: Mapping[str, str]) -> PodIdentity | None:
    """CRI-O's pod identity, the same in the pod sandbox's spec and its containers' specs.

    Pod name: ``KubeName``, else the pod metadata's name (sandbox spec), else
    the ``<pod>`` part of ``SandboxName``, else ``SandboxName`` as is (what
    Kata's Go runtime uses). Namespace: ``Namespace``, else the metadata's,
    else ``SandboxName``'s part. UID: the pod metadata's, else
    ``SandboxName``'s part. Container name (container specs only): the
    container metadata's name, else the ``<container>`` part of ``Name``.
    """
    kind = annotations.get(CONTAINER_TYPE)
    meta = _metadata(annotations)
    pod_meta = meta if kind == CONTAINER_TYPE_SANDBOX else {}
    raw_sandbox_name = annotations.get(SANDBOX_NAME)
    parts = _SANDBOX_NAME.match(raw_sandbox_name or "")
    pod, namespace, uid = parts.groups() if parts else (None, None, None)

    name = _first_of(annotations.get(KUBE_NAME), pod_meta.get("name"), pod, raw_sandbox_name)
    namespace = _first_of(annotations.get(NAMESPACE), pod_meta.get("namespace"), namespace)
    uid = _first_of(pod_meta.get("uid"), uid)
    container = None
    if kind == CONTAINER_TYPE_CONTAINER:
        ctr = _CONTAINER_NAME.match(annotations.get(NAME, ""))
        container = _first_of(meta.get("name"), ctr.group(1) if ctr else None)
    identity = PodIdentity(
        sandbox_name=name, sandbox_namespace=namespace, sandbox_uid=uid, container_name=container
    )
    return None if identity.is_empty() else identity


def _first_of(*values: str | None) -> str | None:
    return next((v for v in values if v is not None), None)


# -- sandbox sizing -------------------------------------------------------------------

_I64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]


class LinuxContainerResources(msgspec.Struct, frozen=True, kw_only=True):
    """The fields of the CRI ``LinuxContainerResources`` message that sizing uses.

    Named as CRI-O writes them (the message's Go ``json`` tags). Omitted
    fields are 0, as Go's ``omitempty`` left them out; fields not listed
    here (``hugepage_limits``, ``unified``, ...) are ignored.
    """

    cpu_period: _I64 = 0
    cpu_quota: _I64 = 0
    cpu_shares: _I64 = 0
    memory_limit_in_bytes: _I64 = 0


def _value(annotations: Mapping[str, str], *keys: str) -> tuple[str, str] | None:
    return next(((k, annotations[k]) for k in keys if k in annotations), None)


def _sizing(key: str, raw: str) -> Sizing | None:
    """The sizing of one JSON value; ``None`` for ``null``; zero, with a warning, if unreadable."""
    try:
        res = msgspec.json.decode(raw, type=LinuxContainerResources | None)
    except (msgspec.DecodeError, RecursionError) as exc:  # ValidationError is a DecodeError
        log.warning(
            "sandbox_sizing_value_invalid",
            key=key,
            value=raw[:200],
            cri="crio",
            reason=str(exc)[:200],
            consequence="counts as 0",
        )
        return Sizing()
    if res is None:
        return None
    for field in ("cpu_period", "cpu_shares"):  # unsigned in Kata's arithmetic
        if getattr(res, field) < 0:
            log.warning(
                "sandbox_sizing_value_invalid",
                key=key,
                value=raw[:200],
                cri="crio",
                reason=f"{field} is negative",
                consequence="counts as 0",
            )
    return calculate_vm_resources(
        res.cpu_period, res.cpu_quota, res.memory_limit_in_bytes, shares=res.cpu_shares
    )


@hookimpl
def kata_oci_sandbox_sizing(annotations: Mapping[str, str]) -> Sizing | None:
    """The pod's resources from CRI-O's JSON, with the pod overhead beside them.

    ``None`` when neither the resources nor the overhead key is there. The
    resources ``null`` (kubelet sent none) size nothing: ``Sizing()``. The
    overhead ``null`` or absent: no :attr:`~kata_oci.Sizing.overhead`.
    """
    resources = _value(annotations, POD_LINUX_RESOURCES, POD_LINUX_RESOURCES_V1)
    overhead = _value(annotations, POD_LINUX_OVERHEAD, POD_LINUX_OVERHEAD_V1)
    if resources is None and overhead is None:
        return None
    sizing = _sizing(*resources) if resources is not None else None
    extra = _sizing(*overhead) if overhead is not None else None
    return msgspec.structs.replace(sizing or Sizing(), overhead=extra)
