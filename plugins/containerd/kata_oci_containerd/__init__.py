"""kata-oci plugin: the annotation keys of containerd's CRI plugin.

containerd's CRI plugin (``pkg/cri/annotations``, ``internal/cri/annotations``
since 2.0) marks each container it creates with its kind and its pod
sandbox's ID, names the pod and the container, and writes the pod's total
resources into the pod sandbox's annotations. Everything here is a key
table: the engine reads it, no hook is needed.
"""

from __future__ import annotations

from kata_oci import CRI, ContainerType, IdentityKeys, SizingKeys, hookimpl

#: The container type annotation: "sandbox" or "container".
CONTAINER_TYPE = "io.kubernetes.cri.container-type"
CONTAINER_TYPE_SANDBOX = "sandbox"
CONTAINER_TYPE_CONTAINER = "container"
#: The ID of the pod sandbox the container belongs to.
SANDBOX_ID = "io.kubernetes.cri.sandbox-id"

#: The pod's name, namespace and UID, and the container's name in the pod.
SANDBOX_NAME = "io.kubernetes.cri.sandbox-name"
SANDBOX_NAMESPACE = "io.kubernetes.cri.sandbox-namespace"
SANDBOX_UID = "io.kubernetes.cri.sandbox-uid"
CONTAINER_NAME = "io.kubernetes.cri.container-name"

#: The pod's resources, on the pod sandbox only: CFS period and quota (µs),
#: CPU shares, and memory (bytes), as decimal strings (containerd ≥ 1.6).
SANDBOX_CPU_PERIOD = "io.kubernetes.cri.sandbox-cpu-period"
SANDBOX_CPU_QUOTA = "io.kubernetes.cri.sandbox-cpu-quota"
SANDBOX_CPU_SHARES = "io.kubernetes.cri.sandbox-cpu-shares"
SANDBOX_MEMORY = "io.kubernetes.cri.sandbox-memory"

CRI_KEYS = CRI(
    name="containerd",
    container_type_key=CONTAINER_TYPE,
    container_types={
        CONTAINER_TYPE_SANDBOX: ContainerType.POD_SANDBOX,
        CONTAINER_TYPE_CONTAINER: ContainerType.POD_CONTAINER,
    },
    sandbox_id_key=SANDBOX_ID,
    identity=IdentityKeys(
        sandbox_name=SANDBOX_NAME,
        sandbox_namespace=SANDBOX_NAMESPACE,
        sandbox_uid=SANDBOX_UID,
        container_name=CONTAINER_NAME,
    ),
    sizing=SizingKeys(
        cpu_period=SANDBOX_CPU_PERIOD,
        cpu_quota=SANDBOX_CPU_QUOTA,
        cpu_shares=SANDBOX_CPU_SHARES,
        memory=SANDBOX_MEMORY,
    ),
)


@hookimpl
def kata_oci_declare_cri() -> CRI:
    return CRI_KEYS
