"""Builders of AdmissionReview requests for the webhook's tests."""

from __future__ import annotations

import json
import uuid
from typing import Any

from kata_oci.k8s.objects import TEMPLATE_PATHS

HYP = "io.katacontainers.config.hypervisor."
#: Kind -> (apiVersion, resource) of each kind with a pod template.
KINDS = {
    "Pod": ("v1", "pods"),
    "PodTemplate": ("v1", "podtemplates"),
    "ReplicationController": ("v1", "replicationcontrollers"),
    "Deployment": ("apps/v1", "deployments"),
    "ReplicaSet": ("apps/v1", "replicasets"),
    "StatefulSet": ("apps/v1", "statefulsets"),
    "DaemonSet": ("apps/v1", "daemonsets"),
    "Job": ("batch/v1", "jobs"),
    "CronJob": ("batch/v1", "cronjobs"),
}
assert set(KINDS) == set(TEMPLATE_PATHS)


def pod_spec(runtime_class: str | None = "kata-qemu") -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [{"name": "app", "image": "registry.k8s.io/pause:3.10"}]}
    if runtime_class is not None:
        spec["runtimeClassName"] = runtime_class
    return spec


def workload(
    kind: str, annotations: dict[str, Any], runtime_class: str | None = "kata-qemu", name: str = "w"
) -> dict[str, Any]:
    """An object of ``kind`` whose pod template has ``annotations``."""
    api_version, _ = KINDS[kind]
    template = {"metadata": {"annotations": annotations}, "spec": pod_spec(runtime_class)}
    obj: dict[str, Any] = {"apiVersion": api_version, "kind": kind, "metadata": {"name": name}}
    path = TEMPLATE_PATHS[kind][1]
    if not path:
        obj["metadata"]["annotations"] = annotations
        obj["spec"] = template["spec"]
        return obj
    cursor = obj
    for part in path[:-1]:
        cursor = cursor.setdefault(part, {})
    cursor[path[-1]] = template
    return obj


def review_doc(
    obj: dict[str, Any] | None,
    *,
    operation: str = "CREATE",
    namespace: str = "default",
    sub_resource: str | None = None,
    api_version: str = "admission.k8s.io/v1",
    uid: str | None = None,
) -> dict[str, Any]:
    kind = obj["kind"] if obj else "Pod"
    version = KINDS.get(kind, ("v1", "x"))[0]
    group, _, ver = version.rpartition("/")
    request: dict[str, Any] = {
        "uid": uid or str(uuid.uuid4()),
        "kind": {"group": group, "version": ver, "kind": kind},
        "resource": {"group": group, "version": ver, "resource": KINDS.get(kind, ("", "x"))[1]},
        "namespace": namespace,
        "name": meta.get("name", "") if isinstance(meta := (obj or {}).get("metadata"), dict) else "",
        "operation": operation,
        "userInfo": {"username": "alice"},
        "object": obj,
    }
    if sub_resource:
        request["subResource"] = sub_resource
    return {"apiVersion": api_version, "kind": "AdmissionReview", "request": request}


def review_body(obj: dict[str, Any] | None, **kw: Any) -> bytes:
    return json.dumps(review_doc(obj, **kw)).encode()
