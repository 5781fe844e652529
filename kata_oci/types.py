"""Small value types shared across kata-oci: the container type."""

from __future__ import annotations

import enum

__all__ = ["ContainerType"]


class ContainerType(enum.StrEnum):
    """What a container is to Kata (``vc.ContainerType``).

    The values are Kata's own strings, the ones stored under the
    ``io.katacontainers.pkg.oci.container_type`` annotation.
    """

    POD_SANDBOX = "pod_sandbox"
    POD_CONTAINER = "pod_container"
    UNKNOWN = "unknown_container_type"

    def is_sandbox(self) -> bool:
        """True for the container that creates the pod sandbox (Kata's ``IsSandbox``)."""
        return self is ContainerType.POD_SANDBOX
