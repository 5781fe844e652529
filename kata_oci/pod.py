"""Which pod a container belongs to, by name: the pod identity CRIs write.

Kata 1.x never reads it. Later Kata runtimes do, each its own way: the Go
runtime sends the pod's name and namespace to a remote hypervisor
(``setHypervisorConfigAnnotations``, reading containerd's
``io.kubernetes.cri.sandbox-name`` or CRI-O's ``io.kubernetes.cri-o.SandboxName``)
and looks devices up by ``io.kubernetes.cri-o.KubeName``; runtime-rs reads
``KubeName``. CRI-O writes both, and they differ: ``KubeName`` is the pod's
name, ``SandboxName`` CRI-O's own ``k8s_<pod>_<namespace>_<uid>_<attempt>``.
In kata-oci each CRI plugin says where its identity is (an
:class:`~kata_oci.IdentityKeys` table, or the ``kata_oci_pod_identity`` hook),
and :func:`kata_oci.pod_identity` (an engine's ``pod_identity``) asks them in order.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import msgspec

from .cri import key_tuple
from .errors import KataOCIError

if TYPE_CHECKING:
    from .cri import IdentityKeys

__all__ = ["IDENTITY_FIELDS", "CRIConflictError", "PodIdentity", "identity_from_keys"]

#: The identity fields, in the order they are shown.
IDENTITY_FIELDS: tuple[str, ...] = ("sandbox_name", "sandbox_namespace", "sandbox_uid", "container_name")


class CRIConflictError(KataOCIError):
    """The annotations of two CRI plugins disagree on the pod's identity or sizing (strict mode).

    Disagreeing container types and sandbox IDs raise
    :class:`~kata_oci.ContainerTypeError` and :class:`~kata_oci.SandboxIDError`
    instead, as they always have. ``conflicts`` holds one message per
    disagreement, each naming both plugins and both values.
    """

    def __init__(self, what: str, conflicts: tuple[str, ...]) -> None:
        self.what = what
        self.conflicts = conflicts
        super().__init__(f"conflicting CRI annotations ({what}): " + "; ".join(conflicts))


class PodIdentity(msgspec.Struct, frozen=True, kw_only=True):
    """The pod and container names a CRI wrote into a spec.

    Every name is ``None`` when the answering CRI does not say it (containerd,
    for instance, gives no container name for the pod sandbox itself).

    ``sandbox_name``, ``sandbox_namespace``, ``sandbox_uid``
        The pod's Kubernetes name, namespace and UID.
    ``container_name``
        The container's name in the pod.
    ``plugin``
        The CRI plugin that answered; ``None`` when none did.
    ``conflicts``
        What later CRI plugins said differently (the first plugin to answer
        wins, as for the container type).
    """

    sandbox_name: str | None = None
    sandbox_namespace: str | None = None
    sandbox_uid: str | None = None
    container_name: str | None = None
    plugin: str | None = None
    conflicts: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        """True when no name is known."""
        return all(getattr(self, f) is None for f in IDENTITY_FIELDS)

    def names(self) -> dict[str, str]:
        """The known names by field, in :data:`IDENTITY_FIELDS` order."""
        return {f: v for f in IDENTITY_FIELDS if (v := getattr(self, f)) is not None}


def identity_from_keys(annotations: Mapping[str, str], keys: IdentityKeys) -> PodIdentity | None:
    """The identity read from the annotations an :class:`~kata_oci.IdentityKeys` names.

    For each field the first of its keys present gives its value (even
    ``""``). ``None`` when no key at all is present.
    """
    found: dict[str, str] = {}
    for field in IDENTITY_FIELDS:
        for key in key_tuple(getattr(keys, field)):
            value = annotations.get(key)
            if value is not None:
                found[field] = value
                break
    if not found:
        return None
    return PodIdentity(
        sandbox_name=found.get("sandbox_name"),
        sandbox_namespace=found.get("sandbox_namespace"),
        sandbox_uid=found.get("sandbox_uid"),
        container_name=found.get("container_name"),
    )
