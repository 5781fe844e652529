"""The declaration by which a CRI plugin states its annotation keys.

A CRI implementation (containerd's CRI plugin, CRI-O, dockershim, ...) writes
into each container's ``config.json`` annotations that tell a runtime what the
container is. A kata-oci CRI plugin declares those keys as a :class:`CRI`, and
the engine answers :func:`kata_oci.container_type` and
:func:`kata_oci.sandbox_id` from a table built once from every declaration.

Beyond Kata 1.x, a declaration may also name the keys that carry the pod's
identity (:class:`IdentityKeys`, answering :func:`kata_oci.pod_identity`) and
the pod's resources (:class:`SizingKeys`, answering
:func:`kata_oci.calculate_sandbox_sizing`). Every new field is optional, so a
declaration written for kata-oci 0.1 stays valid.
"""

from collections.abc import Mapping
from typing import Any

import msgspec

from .types import ContainerType

__all__ = ["CRI", "IdentityKeys", "SizingKeys", "key_tuple"]

#: One annotation key, or several in order of preference (the first present wins).
Keys = str | tuple[str, ...]


def key_tuple(keys: Keys) -> tuple[str, ...]:
    """``keys`` as a tuple: ``"k"`` is ``("k",)``, ``""`` is ``()``."""
    if isinstance(keys, str):
        return (keys,) if keys else ()
    return tuple(keys)


class IdentityKeys(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The annotations naming the pod and the container, for :func:`kata_oci.pod_identity`.

    Each field is a key, or a tuple of keys tried in order (the first one
    present gives its value, even ``""``); ``()`` when the CRI writes none.

    ``sandbox_name``
        The pod's name (Kubernetes ``metadata.name``).
    ``sandbox_namespace``
        The pod's namespace.
    ``sandbox_uid``
        The pod's UID.
    ``container_name``
        The container's name in the pod.
    """

    sandbox_name: Keys = ()
    sandbox_namespace: Keys = ()
    sandbox_uid: Keys = ()
    container_name: Keys = ()

    def pairs(self) -> list[tuple[str, str]]:
        """Every (field, key) pair, in field order then preference order."""
        return [(f, key) for f in self.__struct_fields__ for key in key_tuple(getattr(self, f))]


class SizingKeys(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The annotations carrying the pod's resources, for :func:`kata_oci.calculate_sandbox_sizing`.

    Each field is one key (``""`` when the CRI writes none). Values are read
    as Kata 2.x reads containerd's: decimal integers, ``cpu_period`` and
    ``cpu_shares`` unsigned, ``cpu_quota`` and ``memory`` (bytes) signed; a
    value that does not parse counts as 0, with a warning.
    """

    cpu_period: str = ""
    cpu_quota: str = ""
    cpu_shares: str = ""
    memory: str = ""

    def pairs(self) -> list[tuple[str, str]]:
        """Every (field, key) pair that is set."""
        return [(f, getattr(self, f)) for f in self.__struct_fields__ if getattr(self, f)]


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
    ``identity``
        The annotations naming the pod and container (:class:`IdentityKeys`),
        or ``None``.
    ``sizing``
        The annotations carrying the pod's CPU and memory
        (:class:`SizingKeys`), or ``None``.
    ``hook_keys``
        Further annotations that the plugin's own hooks read, mapped to what
        they hold. The engine does not read them; ``kata-oci features`` lists
        them, so that every key kata-oci understands is documented.
    """

    name: str
    container_type_key: str = ""
    container_types: Mapping[str, ContainerType] = msgspec.field(default_factory=dict)
    sandbox_id_key: str = ""
    identity: IdentityKeys | None = None
    sizing: SizingKeys | None = None
    hook_keys: Mapping[str, str] = msgspec.field(default_factory=dict)

    def annotation_keys(self) -> frozenset[str]:
        """Every annotation key this declaration names (type, sandbox ID, identity, sizing, hook keys)."""
        keys = {self.container_type_key, self.sandbox_id_key, *self.hook_keys}
        if self.identity is not None:
            keys.update(key for _, key in self.identity.pairs())
        if self.sizing is not None:
            keys.update(key for _, key in self.sizing.pairs())
        keys.discard("")
        return frozenset(keys)

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
        problems.extend(self._check_identity())
        problems.extend(self._check_sizing())
        hook_keys: Any = self.hook_keys
        if not isinstance(hook_keys, Mapping) or not all(
            isinstance(k, str) and k and isinstance(v, str) for k, v in hook_keys.items()
        ):
            problems.append("hook_keys must map non-empty key strings to description strings")
        return problems

    def _check_identity(self) -> list[str]:
        identity: Any = self.identity
        if identity is None:
            return []
        if not isinstance(identity, IdentityKeys):
            return ["identity must be a kata_oci.IdentityKeys or None"]
        problems = []
        for field in IdentityKeys.__struct_fields__:
            value: Any = getattr(identity, field)
            if isinstance(value, str):
                continue
            if not isinstance(value, tuple) or not all(isinstance(k, str) and k for k in value):
                problems.append(f"identity.{field} must be a key or a tuple of non-empty keys")
        return problems

    def _check_sizing(self) -> list[str]:
        sizing: Any = self.sizing
        if sizing is None:
            return []
        if not isinstance(sizing, SizingKeys):
            return ["sizing must be a kata_oci.SizingKeys or None"]
        return [
            f"sizing.{field} must be a string"
            for field in SizingKeys.__struct_fields__
            if not isinstance(getattr(sizing, field), str)
        ]

    def described_keys(self) -> list[tuple[str, str]]:
        """Every annotation key this declaration names, with what it holds, in a stable order."""
        out: list[tuple[str, str]] = []
        if self.container_type_key:
            values = ", ".join(f"{v}={t}" for v, t in self.container_types.items())
            out.append((self.container_type_key, f"CRI {self.name}: container type ({values})"))
        if self.sandbox_id_key:
            out.append((self.sandbox_id_key, f"CRI {self.name}: sandbox ID"))
        if self.identity is not None:
            out.extend(
                (key, f"CRI {self.name}: pod identity, {field.replace('_', ' ')}")
                for field, key in self.identity.pairs()
            )
        if self.sizing is not None:
            out.extend(
                (key, f"CRI {self.name}: sandbox sizing, {field.replace('_', ' ')}")
                for field, key in self.sizing.pairs()
            )
        out.extend((key, f"CRI {self.name}: {what}") for key, what in self.hook_keys.items())
        return out
