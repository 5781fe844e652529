"""The manifest checker's answers: one record per annotation per pod, and a report per pod.

A :class:`Record` says what became of one annotation of one pod (or, with
``key`` ``None``, of the pod itself): its :class:`Verdict` and the
:class:`Layer` that decided, why, and what would change it. The verdicts:

* ``applied``  - it reaches Kata, which applies it;
* ``rejected`` - refused, and the pod with it: the API server refuses the
  object, the pod cannot start (no RuntimeClass, no handler), or Kata refuses
  to create the sandbox;
* ``dropped``  - silently left out on the way: containerd's
  ``pod_annotations`` does not pass it, CRI-O removes it, or it is not on the
  pod template;
* ``ignored``  - it arrives and changes nothing (not a Kata pod, a key Kata
  reads elsewhere, a value that changes nothing);
* ``unknown``  - Kata does not know the key (a misspelling or a removed key).
"""

from __future__ import annotations

import enum

import msgspec

from kata_oci.sizing import Sizing

from .objects import Note, ObjectRef

__all__ = ["CheckReport", "Layer", "PodReport", "PodSizing", "Record", "Verdict"]


class Verdict(enum.StrEnum):
    APPLIED = "applied"
    REJECTED = "rejected"
    DROPPED = "dropped"
    IGNORED = "ignored"
    UNKNOWN = "unknown"


class Layer(enum.StrEnum):
    """The layers an annotation crosses, in order."""

    KUBERNETES = "kubernetes"
    RUNTIMECLASS = "runtimeclass"
    CRI = "cri"
    KATA = "kata"


class Record(msgspec.Struct, frozen=True):
    """What one layer decided about one annotation (``key`` ``None``: about the pod).

    Every field is always present in its JSON form (``null`` when unset).

    ``container`` names a container when the record concerns only it;
    ``target`` is the Kata setting an applied key changes; ``profile`` the
    Kata rules (``kata1``, ``go``, ``rs``) that gave a Kata-layer verdict.
    """

    object: ObjectRef
    key: str | None
    value: str | None
    verdict: Verdict
    layer: Layer
    reason: str
    fix: str | None = None
    container: str | None = None
    target: str | None = None
    profile: str | None = None


class PodSizing(msgspec.Struct, frozen=True, omit_defaults=True):
    """The sandbox sizing predicted for a pod.

    ``cri_annotations`` are the sizing keys the CRI writes on the sandbox
    (containerd's ``io.kubernetes.cri.sandbox-*``); ``workload`` what Kata's
    ``CalculateSandboxSizing`` makes of them (added to the VM's defaults when
    ``static_sandbox_resource_mgmt`` is on); ``overhead_cpu_millis`` /
    ``overhead_memory_bytes`` the RuntimeClass's ``overhead.podFixed``, which
    the pod's cgroup gets but Kata's sizing does not see.
    """

    cri_annotations: dict[str, str] = {}
    workload: Sizing | None = None
    overhead_cpu_millis: int | None = None
    overhead_memory_bytes: int | None = None
    static_sandbox_resource_mgmt: bool | None = None
    note: str | None = None
    #: The profile whose sizing rules gave ``workload`` (``None``: Go's, without a configuration).
    profile: str | None = None


class PodReport(msgspec.Struct, omit_defaults=True):
    """Everything the checker found for one pod (a Pod, or a workload's pod template)."""

    object: ObjectRef
    records: list[Record] = []
    runtime_class: str | None = None
    handler: str | None = None
    cri: str | None = None
    kata_config: str | None = None
    profile: str | None = None
    sizing: PodSizing | None = None
    #: The io.katacontainers.* keys that reach the sandbox's OCI spec (and every container's).
    spec_keys: list[str] = []
    #: kubelet's own container annotations the CRI passes into the containers' specs.
    container_keys: list[str] = []
    notes: list[str] = []


class CheckReport(msgspec.Struct, omit_defaults=True):
    """The result of checking a set of manifests."""

    pods: list[PodReport] = []
    notes: list[Note] = []

    @property
    def records(self) -> list[Record]:
        return [r for p in self.pods for r in p.records]

    @property
    def failed(self) -> bool:
        """Anything rejected or dropped (the command's exit status 1)."""
        return any(r.verdict in (Verdict.REJECTED, Verdict.DROPPED) for r in self.records)
