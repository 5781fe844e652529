"""Is a parsed ``configuration.toml`` a Kata 1.x one?

Kata 1.x is the only Kata with ``[proxy.*]``, ``[shim.*]`` and ``[netmon]``
tables (Kata 2.0 removed the proxy and the shim, 3.0 netmon) and the only one
with ACRN; it knows the hypervisors ``qemu``, ``firecracker``, ``acrn`` and
``clh`` only. Every key is also checked against 1.x's schema
(:class:`kata_oci.profiles.kata1.loader.TomlConfig`, names folded as Go's TOML decoder
folds them): keys 1.x does not know are what later Katas added.

Scores: 0 for a hypervisor 1.x does not have, or for a file with keys 1.x
does not know and none of its own tables; 95 for a file with 1.x's own
tables and only 1.x keys, less 5 per unknown key down to 60; 5 for a file
that has nothing 1.x lacks and nothing only 1.x has (a minimal file that any
Kata would load).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["KATA1_HYPERVISORS", "KATA1_ONLY_TABLES", "detect", "unknown_keys"]

#: Top-level tables no Kata after 1.x has.
KATA1_ONLY_TABLES = ("proxy", "shim", "netmon")
#: The ``[hypervisor.<name>]`` tables Kata 1.x knows (case-sensitive, as in Go).
KATA1_HYPERVISORS = ("qemu", "firecracker", "acrn", "clh")

_schema: dict[str, Any] | None = None


def _fields(typ: Any) -> frozenset[str]:
    # The encoded names as the Struct keeps them: msgspec.structs.fields(typ) gives the same
    # names but evaluates every field's annotation first (~2 ms for the 7 tables, at start-up).
    return frozenset(name.lower() for name in typ.__struct_encode_fields__)


def _known() -> dict[str, Any]:
    """Top-level table -> (named?, the lower-cased keys its tables take)."""
    global _schema
    if _schema is None:
        from .loader import _NAMED_TABLES, _TABLES

        schema: dict[str, Any] = {name: (True, _fields(t)) for name, t in _NAMED_TABLES.items()}
        schema.update({name: (False, _fields(t)) for name, t in _TABLES.items()})
        _schema = schema
    return _schema


def unknown_keys(doc: Mapping[str, Any]) -> list[str]:
    """The dotted keys of ``doc`` Kata 1.x's schema does not have (Go ignores them)."""
    out: list[str] = []
    known = _known()
    for top, value in doc.items():
        entry = known.get(top.lower())
        if entry is None or not isinstance(value, Mapping):
            out.append(top)
            continue
        named, keys = entry
        tables = value.items() if named else [(None, value)]
        for sub, table in tables:
            where = f"{top}.{sub}" if sub is not None else top
            if not isinstance(table, Mapping):
                out.append(where)
                continue
            out.extend(f"{where}.{key}" for key in table if key.lower() not in keys)
    return out


def _table(doc: Mapping[str, Any], name: str) -> Any:
    for key, value in doc.items():
        if key.lower() == name:
            return value
    return None


def detect(doc: Mapping[str, Any]) -> int:
    """How sure (0-100) we are that ``doc`` is a Kata 1.x configuration (see the module)."""
    hypervisors = _table(doc, "hypervisor")
    names = set(hypervisors) if isinstance(hypervisors, Mapping) else set()
    if names - set(KATA1_HYPERVISORS):
        return 0
    marks = sum(1 for top in doc if top.lower() in KATA1_ONLY_TABLES) + ("acrn" in names)
    unknown = len(unknown_keys(doc))
    if marks:
        return max(60, 95 - 5 * unknown)
    return 0 if unknown else 5
