"""Is a parsed ``configuration.toml`` a runtime-rs one? (:func:`detect`)

Apart from :mod:`.loader` so that detecting a profile (every command that
reads a configuration without ``--kata``) imports neither the loader nor its
hypervisor plugins: the names it needs are a constant here, checked against
``hypervisors.PLUGINS`` by tests/test_startup.py.
"""

from __future__ import annotations

from typing import Any

__all__ = ["HYPERVISOR_NAMES", "detect"]

#: The hypervisors runtime-rs knows (``hypervisors.PLUGINS``' keys).
HYPERVISOR_NAMES = frozenset(("qemu", "clh", "firecracker", "dragonball", "remote", "openvmm"))


def detect(doc: Any) -> int:
    """How sure (0..100) that a parsed TOML document is a runtime-rs configuration.

    runtime-rs names its tables in ``[runtime]`` (``name``, ``hypervisor_name``,
    ``agent_name``: the Go runtime has none of these) and keeps its factory inside the
    hypervisor table; ``openvmm`` exists only in runtime-rs. A top-level ``[factory]`` or a
    ``stratovirt`` table (Go only) rules it out, and so does a file without the ``[runtime]``
    names, with which runtime-rs refuses every sandbox.
    """
    if not isinstance(doc, dict):
        return 0
    hvs = doc.get("hypervisor")
    hv_names = set(hvs) if isinstance(hvs, dict) else set()
    if "factory" in doc or "stratovirt" in hv_names or "acrn" in hv_names:
        return 0
    rt = doc.get("runtime")
    rt = rt if isinstance(rt, dict) else {}
    score = 0
    if "hypervisor_name" in rt or "agent_name" in rt:
        score = 90
    elif "name" in rt:
        score = 70
    if "openvmm" in hv_names:
        score = max(score, 80)
    if score and hv_names and not hv_names <= HYPERVISOR_NAMES:
        score = min(score, 30)
    # A file that names no runtime, hypervisor or agent in [runtime] is no runtime-rs file:
    # runtime-rs loads it but refuses every sandbox ("Runtime name is missing"). Score 0.
    return score
