"""The Kata layer: a handler's configuration file, and its verdict on a pod's annotations.

This module is the manifest checker's only door to Kata's rules (the adapter
of contract 1 in the team plan). Today the only profile kata-oci has is
``kata1`` (Kata 1.13's ``plan_overrides``), so a handler that runs the Go
runtime of Kata 4.x or runtime-rs gets Kata 1.x verdicts, and every record
says so (``profile="kata1"`` and a note): they are never passed off as the
4.x runtime's. When the profile registry lands, :func:`plan_kata` asks
``get_profile(name).plan_annotations(...)`` instead.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kata_oci.errors import KataOCIError
from kata_oci.overrides import OverridePlan

__all__ = ["KataTarget", "load_kata_target", "plan_kata"]

_SANDBOX_SPEC = (
    b'{"ociVersion":"1.0.2","process":{"cwd":"/","args":["/pause"],"user":{"uid":0,"gid":0}},'
    b'"root":{"path":"rootfs"},"linux":{},'
    b'"annotations":{"io.kubernetes.cri.container-type":"sandbox","io.kubernetes.cri.sandbox-id":"pod"}}'
)


@dataclass(frozen=True, slots=True)
class KataTarget:
    """One Kata configuration file, loaded once, that a handler's pods are checked against.

    ``runtime`` is what the handler runs (``go`` or ``rs``), ``profile`` the
    rules the verdicts follow; ``error`` says why there are none (the file
    could not be found or loaded); ``note`` what a reader must know about
    them (another runtime's rules).
    """

    path: str | None
    runtime: str
    profile: str | None
    runtime_config: Any = None
    base: Any = None
    error: str | None = None
    note: str | None = None

    @property
    def static_sandbox_resource_mgmt(self) -> bool | None:
        rc = self.runtime_config
        value = getattr(rc, "static_sandbox_resource_mgmt", None)
        return value if isinstance(value, bool) else None


def load_kata_target(path: str | None, runtime: str) -> KataTarget:
    """Load the configuration file a ``runtime`` (``go``/``rs``) handler boots from."""
    if path is None:
        return KataTarget(None, runtime, None, error="no Kata configuration file found for this handler")
    from kata_oci.configfile import load_runtime_config
    from kata_oci.convert import plan_sandbox_config
    from kata_oci.spec import decode_spec

    note = (
        f"Kata 1.x (kata1) rules: kata-oci has no {runtime!r} profile yet, so these are not "
        f"the verdicts of Kata 4.x's {'runtime-rs' if runtime == 'rs' else 'Go runtime'}"
    )
    try:
        rc = load_runtime_config(path)
        base, _ = plan_sandbox_config(decode_spec(_SANDBOX_SPEC), rc, os.path.dirname(path) or ".", "pod")
    except KataOCIError as exc:
        return KataTarget(path, runtime, "kata1", error=f"kata1 rules cannot load it: {exc}", note=note)
    return KataTarget(path, runtime, "kata1", rc, base, note=note)


def plan_kata(target: KataTarget, annotations: Mapping[str, str], *, strict: bool = False) -> OverridePlan:
    """Kata's decision on every annotation that reaches the sandbox (the adapter)."""
    from kata_oci.overrides import plan_overrides

    return plan_overrides(annotations, target.base, target.runtime_config, strict=strict)
