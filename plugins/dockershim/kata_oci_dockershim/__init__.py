"""kata-oci plugin: the labels of kubelet's dockershim (and cri-dockerd).

dockershim passed its container labels to the runtime as annotations; Kata
copied its keys into ``virtcontainers/pkg/annotations/dockershim``.
"""

from __future__ import annotations

from kata_oci import CRI, ContainerType, hookimpl

#: The container type label: "podsandbox" or "container".
CONTAINER_TYPE_LABEL_KEY = "io.kubernetes.docker.type"
CONTAINER_TYPE_LABEL_SANDBOX = "podsandbox"
CONTAINER_TYPE_LABEL_CONTAINER = "container"
#: The ID of the pod sandbox the container belongs to.
SANDBOX_ID_LABEL_KEY = "io.kubernetes.sandbox.id"

CRI_KEYS = CRI(
    name="dockershim",
    container_type_key=CONTAINER_TYPE_LABEL_KEY,
    container_types={
        CONTAINER_TYPE_LABEL_SANDBOX: ContainerType.POD_SANDBOX,
        CONTAINER_TYPE_LABEL_CONTAINER: ContainerType.POD_CONTAINER,
    },
    sandbox_id_key=SANDBOX_ID_LABEL_KEY,
)


@hookimpl
def kata_oci_declare_cri() -> CRI:
    return CRI_KEYS
