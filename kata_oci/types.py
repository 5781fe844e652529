"""Small value types shared across kata-oci: the container type, experimental features."""

from __future__ import annotations

import enum

import msgspec

__all__ = ["ContainerType", "Feature"]


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


class Feature(msgspec.Struct, kw_only=True, frozen=True):
    """An experimental feature (``experimental.Feature``)."""

    name: str
    description: str = ""
    exp_release: str = ""
