"""The CRI annotation keys kata-oci knows without any plugin: to say when nobody reads them.

Each CRI's keys are read by its plugin distribution (kata-oci-containerd,
kata-oci-crio, kata-oci-dockershim), installed or not. When a spec carries
one of the keys below and no registered plugin declares it, the answer would
otherwise be Kata's default (a pod sandbox, no sandbox ID, no sizing) given
silently; :func:`unread_keys` names each such key, the CRI that writes it and
the distribution that reads it, so that the engine warns (or, strict,
refuses) and the command says so.

Only the keys that decide an answer are listed: container type, sandbox ID
and the pod's sizing. A row is (key, what it decides, CRI, distribution).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import msgspec

from .wellknown_keys import WELL_KNOWN_CRI_KEYS

__all__ = ["WELL_KNOWN_CRI_KEYS", "UnreadKey", "unread_keys", "watch_list"]


class UnreadKey(msgspec.Struct, frozen=True):
    """A well-known CRI key in a spec that no registered plugin reads."""

    key: str
    value: str
    decides: str  # "container type", "sandbox ID", "sandbox sizing"
    cri: str
    distribution: str

    def __str__(self) -> str:
        shown = self.value if len(self.value) <= 80 else self.value[:77] + "..."
        return (
            f"{self.key}={shown!r} is {self.cri}'s {self.decides} key, but no installed plugin reads it "
            f"(install {self.distribution})"
        )


def watch_list(declared: Iterable[str]) -> tuple[tuple[str, str, str, str], ...]:
    """The rows whose key none of ``declared`` (every registered plugin's keys) is."""
    known = set(declared)
    return tuple(row for row in WELL_KNOWN_CRI_KEYS if row[0] not in known)


def unread_keys(
    annotations: Mapping[str, str] | None, watch: tuple[tuple[str, str, str, str], ...]
) -> tuple[UnreadKey, ...]:
    """The keys of ``watch`` present in ``annotations``, in table order."""
    if not annotations or not watch:
        return ()
    return tuple(
        UnreadKey(key, annotations[key], decides, cri, dist)
        for key, decides, cri, dist in watch
        if key in annotations
    )
