"""kata-oci plugin for "acme": which key says the container's kind, which holds its pod's ID."""

from kata_oci import CRI, ContainerType, hookimpl

CRI_KEYS = CRI(
    name="acme",
    container_type_key="io.acme.cri/kind",
    container_types={"pod": ContainerType.POD_SANDBOX, "workload": ContainerType.POD_CONTAINER},
    sandbox_id_key="io.acme.cri/pod-id",
)


@hookimpl
def kata_oci_declare_cri() -> CRI:
    return CRI_KEYS
