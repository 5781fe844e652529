"""Kubernetes manifests: what Kata will do with a pod's annotations, before the pod reaches a node.

The pipeline, top-down:

* :mod:`.documents` reads YAML streams or JSON (files, directories, stdin);
* :mod:`.objects` finds the pod templates (Pod and every workload kind,
  ``List``) and RuntimeClasses in them;
* :mod:`.cluster` holds what the cluster is: RuntimeClasses, one node's CRI
  configuration (:mod:`.containerd`, :mod:`.crio`; :mod:`.katadeploy`'s
  defaults) and where Kata's configuration files are;
* :mod:`.check` walks each pod through the layers (:mod:`.apiserver`,
  RuntimeClass, CRI, :mod:`.kata`) and sizes its sandbox (:mod:`.kubelet`);
* :mod:`.records` holds the answers.

::

    from kata_oci.k8s import Cluster, check_manifests, read_documents

    cluster = Cluster.from_files(containerd_config="config.toml", kata_config_dir="/opt/kata")
    report = check_manifests(read_documents("deploy/"), cluster)
    for r in report.records:
        print(r.object, r.key, r.verdict, r.layer, r.reason, r.fix)
"""

from __future__ import annotations

from .check import check_manifests, check_pod
from .cluster import Cluster, load_runtime_classes
from .containerd import load_containerd_config
from .crio import load_crio_config
from .documents import Document, parse_documents, read_documents
from .katadeploy import kata_deploy_node, kata_deploy_runtime_classes
from .nodeconfig import CRIKind, Handler, NodeConfig
from .objects import Manifests, Note, ObjectRef, PodTemplate, RuntimeClassObject, collect
from .records import CheckReport, Layer, PodReport, PodSizing, Record, Verdict


def read_manifests(paths: object, *, recursive: bool = False) -> Manifests:
    """The pods, RuntimeClasses and skipped objects of manifest files, directories or ``"-"`` (stdin)."""
    return collect(read_documents(paths, recursive=recursive))  # type: ignore[arg-type]


__all__ = [
    "CRIKind",
    "CheckReport",
    "Cluster",
    "Document",
    "Handler",
    "Layer",
    "Manifests",
    "NodeConfig",
    "Note",
    "ObjectRef",
    "PodReport",
    "PodSizing",
    "PodTemplate",
    "Record",
    "RuntimeClassObject",
    "Verdict",
    "check_manifests",
    "check_pod",
    "collect",
    "kata_deploy_node",
    "kata_deploy_runtime_classes",
    "load_containerd_config",
    "load_crio_config",
    "load_runtime_classes",
    "parse_documents",
    "read_documents",
    "read_manifests",
]
