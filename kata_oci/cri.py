"""The declaration by which a CRI plugin states its annotation keys.

A CRI implementation (containerd's CRI plugin, CRI-O, dockershim, ...) writes
into each container's ``config.json`` annotations that tell a runtime what the
container is. A kata-oci CRI plugin declares those keys as a :class:`CRI`, and
the engine answers :func:`kata_oci.container_type` and
:func:`kata_oci.sandbox_id` from a table built once from every declaration.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from .types import ContainerType

__all__ = ["CRI"]


class CRI(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The annotation keys and values of one CRI implementation.

    ``name``
        A short, unique name (``"containerd"``), shown in messages and by
        ``kata-oci plugins``.
    ``container_type_key``
        The annotation whose value says whether the container is the pod
        sandbox or a container in it; ``""`` if the CRI has none.
    ``container_types``
        Every value of that annotation the CRI writes, mapped to a
        :class:`~kata_oci.ContainerType`. A value not listed here is an error
        (``ContainerTypeError``), not "not mine".
    ``sandbox_id_key``
        The annotation holding the ID of the pod sandbox; ``""`` if none.
    """

    name: str
    container_type_key: str = ""
    container_types: Mapping[str, ContainerType] = msgspec.field(default_factory=dict)
    sandbox_id_key: str = ""

    def check(self) -> list[str]:
        """Return what is wrong with this declaration (empty when it is usable)."""
        problems: list[str] = []
        # Plugins are third-party code: check at run time what the types promise.
        types: Any = self.container_types
        if not isinstance(self.name, str) or not self.name:
            problems.append("name must be a non-empty string")
        problems.extend(
            f"{field} must be a string"
            for field in ("container_type_key", "sandbox_id_key")
            if not isinstance(getattr(self, field), str)
        )
        if not isinstance(types, Mapping):
            problems.append("container_types must be a mapping")
        else:
            for value, ctype in types.items():
                if not isinstance(value, str) or not isinstance(ctype, ContainerType):
                    problems.append(f"container_types[{value!r}] must map a string to a ContainerType")
        if self.container_types and not self.container_type_key:
            problems.append("container_types is set but container_type_key is empty")
        return problems
