"""kata-oci plugin: the labels of kubelet's dockershim (and cri-dockerd).

dockershim passed its container labels to the runtime as annotations; Kata
copied its keys into ``virtcontainers/pkg/annotations/dockershim``. The pod
identity comes from the labels kubelet itself puts on every container
(``pkg/kubelet/types/labels.go``), which dockershim passed on unchanged.
dockershim writes no sandbox sizing. Everything here is a key table.
"""

from __future__ import annotations

from kata_oci import CRI, ContainerType, IdentityKeys, hookimpl

#: The container type label: "podsandbox" or "container".
CONTAINER_TYPE_LABEL_KEY = "io.kubernetes.docker.type"
CONTAINER_TYPE_LABEL_SANDBOX = "podsandbox"
CONTAINER_TYPE_LABEL_CONTAINER = "container"
#: The ID of the pod sandbox the container belongs to.
SANDBOX_ID_LABEL_KEY = "io.kubernetes.sandbox.id"

#: kubelet's labels: the pod's name, namespace and UID, and the container's
#: name ("POD" for the pod sandbox's own container).
POD_NAME_LABEL_KEY = "io.kubernetes.pod.name"
POD_NAMESPACE_LABEL_KEY = "io.kubernetes.pod.namespace"
POD_UID_LABEL_KEY = "io.kubernetes.pod.uid"
CONTAINER_NAME_LABEL_KEY = "io.kubernetes.container.name"

CRI_KEYS = CRI(
    name="dockershim",
    container_type_key=CONTAINER_TYPE_LABEL_KEY,
    container_types={
        CONTAINER_TYPE_LABEL_SANDBOX: ContainerType.POD_SANDBOX,
        CONTAINER_TYPE_LABEL_CONTAINER: ContainerType.POD_CONTAINER,
    },
    sandbox_id_key=SANDBOX_ID_LABEL_KEY,
    identity=IdentityKeys(
        sandbox_name=POD_NAME_LABEL_KEY,
        sandbox_namespace=POD_NAMESPACE_LABEL_KEY,
        sandbox_uid=POD_UID_LABEL_KEY,
        container_name=CONTAINER_NAME_LABEL_KEY,
    ),
)


@hookimpl
def kata_oci_declare_cri() -> CRI:
    return CRI_KEYS
