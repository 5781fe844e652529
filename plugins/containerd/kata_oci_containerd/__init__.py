"""kata-oci plugin: the annotation keys of containerd's CRI plugin.

containerd's CRI plugin (``pkg/cri/annotations``) marks each container it
creates with its kind and its pod sandbox's ID.
"""

from __future__ import annotations

from kata_oci import CRI, ContainerType, hookimpl

#: The container type annotation: "sandbox" or "container".
CONTAINER_TYPE = "io.kubernetes.cri.container-type"
CONTAINER_TYPE_SANDBOX = "sandbox"
CONTAINER_TYPE_CONTAINER = "container"
#: The ID of the pod sandbox the container belongs to.
SANDBOX_ID = "io.kubernetes.cri.sandbox-id"

CRI_KEYS = CRI(
    name="containerd",
    container_type_key=CONTAINER_TYPE,
    container_types={
        CONTAINER_TYPE_SANDBOX: ContainerType.POD_SANDBOX,
        CONTAINER_TYPE_CONTAINER: ContainerType.POD_CONTAINER,
    },
    sandbox_id_key=SANDBOX_ID,
)


@hookimpl
def kata_oci_declare_cri() -> CRI:
    return CRI_KEYS
