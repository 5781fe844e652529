"""Which container a spec describes and which pod sandbox it belongs to.

The functions of Kata 1.x's ``pkg/oci`` that read CRI annotations, answered
by the default engine's CRI plugins, and the two that read Kata's own keys.
"""

from __future__ import annotations

from collections.abc import Mapping

from .engine import default_engine
from .errors import ContainerTypeError, cut
from .log import log
from .profiles.kata1 import table as ka
from .spec import Spec
from .types import ContainerType

__all__ = [
    "container_type",
    "cri_container_type_keys",
    "cri_container_types",
    "cri_sandbox_id_keys",
    "get_container_type",
    "get_sandbox_config_path",
    "is_crio_container_manager",
    "sandbox_id",
]


def container_type(spec: Spec, *, strict: bool | None = None) -> ContainerType:
    """The container type from the CRI annotations (Go's ``oci.ContainerType``).

    The first CRI plugin (containerd, CRI-O, dockershim, then third-party
    ones) whose type key is present decides; a value that CRI does not write
    raises :class:`ContainerTypeError`; no CRI key gives ``POD_SANDBOX``.
    ``strict`` turns disagreeing CRI keys into an error (default: the
    engine's setting, which is to log a warning).
    """
    return default_engine().container_type(spec, strict=strict)


def sandbox_id(spec: Spec, *, strict: bool | None = None) -> str:
    """The sandbox ID from the CRI annotations (Go's ``oci.SandboxID``).

    The first CRI sandbox-ID key present gives its value, even ``""``; none
    raises :class:`SandboxIDError`.
    """
    return default_engine().sandbox_id(spec, strict=strict)


def is_crio_container_manager(spec: Spec) -> bool:
    """True when the spec carries CRI-O's container-type key with a CRI-O value.

    Answered by the CRI plugin declared under the name ``"crio"``; without it
    installed, no spec is recognised as CRI-O's.
    """
    return default_engine().container_manager(spec, "crio")


def cri_container_type_keys() -> list[str]:
    """Every CRI container-type key of the registered plugins, in order."""
    return default_engine().cri_container_type_keys()


def cri_sandbox_id_keys() -> list[str]:
    """Every CRI sandbox-ID key of the registered plugins, in order."""
    return default_engine().cri_sandbox_id_keys()


def cri_container_types() -> list[tuple[str, ContainerType]]:
    """Every (annotation value, container type) pair of the registered plugins."""
    return default_engine().cri_container_types()


def get_container_type(annotations: Mapping[str, str] | None) -> ContainerType:
    """The container type stored under Kata's own key (Go's ``GetContainerType``).

    Reads ``io.katacontainers.pkg.oci.container_type``, which
    :func:`~kata_oci.container_config` writes. A missing key raises
    :class:`ContainerTypeError`; so does a value that is not a Kata container
    type (Go would return it unchecked).
    """
    value = (annotations or {}).get(ka.CONTAINER_TYPE_KEY)
    if value is None:
        log.error("container_type_not_found", key=ka.CONTAINER_TYPE_KEY)
        raise ContainerTypeError(
            f"could not find container type: annotation {ka.CONTAINER_TYPE_KEY} is missing"
        )
    try:
        return ContainerType(value)
    except ValueError:
        raise ContainerTypeError(
            f"unknown container type {cut(value)!r} in annotation {ka.CONTAINER_TYPE_KEY}"
        ) from None


def get_sandbox_config_path(annotations: Mapping[str, str] | None) -> str:
    """The sandbox configuration path (``io.katacontainers.config_path``), ``""`` if absent."""
    return (annotations or {}).get(ka.SANDBOX_CONFIG_PATH_KEY, "")
