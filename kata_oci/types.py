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
    #: A container started without a CRI (Kata 2.0 and later; never a Kata 1.x answer).
    SINGLE_CONTAINER = "single_container"
    UNKNOWN = "unknown_container_type"

    def is_sandbox(self) -> bool:
        """True for the container that creates the sandbox (Kata's ``IsSandbox``).

        A pod sandbox, or (Kata 2.0 and later) a single container, which is its own sandbox.
        """
        return self is ContainerType.POD_SANDBOX or self is ContainerType.SINGLE_CONTAINER


class Feature(msgspec.Struct, kw_only=True, frozen=True):
    """An experimental feature (``experimental.Feature``)."""

    name: str
    description: str = ""
    exp_release: str = ""
