"""Small value types shared across kata-oci and its profiles.

The container type, experimental features, kernel parameters and the network
interworking model: the same in Kata 1.x and 4.1, so every profile's
configuration types use these.
"""

from __future__ import annotations

import enum

import msgspec

from .errors import KataOCIError

__all__ = [
    "ContainerType",
    "Feature",
    "NetInterworkingModel",
    "Param",
    "deserialize_params",
    "serialize_params",
]


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


class NetInterworkingModel(enum.StrEnum):
    """How the VM is connected to the container network (``vc.NetInterworkingModel``).

    Go holds this as an integer whose zero value is the "default" model; the
    string ``"default"`` given to :meth:`from_setting` means Kata's *default
    choice*, which is ``tcfilter`` (Go's ``SetModel``).
    """

    DEFAULT = "default"
    MACVTAP = "macvtap"
    TCFILTER = "tcfilter"
    NONE = "none"

    @classmethod
    def from_setting(cls, name: str) -> NetInterworkingModel:
        """Parse a configuration or annotation value as Go's ``SetModel`` does.

        Exact, case-sensitive names; ``"default"`` gives :attr:`TCFILTER`.
        Raises :class:`KataOCIError` for anything else.
        """
        if name == "default":
            return cls.TCFILTER
        if name in ("macvtap", "tcfilter", "none"):
            return cls(name)
        raise KataOCIError(f"unknown network model {name!r} (known: default, macvtap, tcfilter, none)")


class Param(msgspec.Struct, kw_only=True, frozen=True):
    """A kernel or hypervisor parameter (``vc.Param``)."""

    key: str = ""
    value: str = ""


def deserialize_params(parameters: list[str]) -> list[Param]:
    """``vc.DeserializeParams``: ``"k=v"`` → ``Param(k, v)``, ``"k"`` → ``Param(k, "")``; ``""`` skipped."""
    out = []
    for item in parameters:
        if not item:
            continue
        key, sep, value = item.partition("=")
        out.append(Param(key=key, value=value if sep else ""))
    return out


def serialize_params(params: list[Param], delim: str) -> list[str]:
    """``vc.SerializeParams``: the inverse of :func:`deserialize_params` for a delimiter."""
    out: list[str] = []
    for p in params:
        if not p.key and not p.value:
            continue
        if not p.key:
            out.append(p.value)
        elif not p.value:
            out.append(p.key)
        elif not delim:
            out.extend((p.key, p.value))
        else:
            out.append(p.key + delim + p.value)
    return out
