"""The OCI runtime-spec features document (``features.md``) for what kata-oci understands.

A runtime MAY publish a JSON "features document" (``runc features``,
``crun features``, ``runsc features``) so that engines know, without trying,
what it accepts. kata-oci's says:

``ociVersionMin``, ``ociVersionMax``
    The runtime-spec versions whose ``config.json`` kata-oci reads (its
    model follows runtime-spec 1.0.2; newer fields are ignored).
``annotations``
    Every ``config.json`` annotation kata-oci knows, mapped to what it does,
    as gVisor lists its ``dev.gvisor.flag.*`` annotations: Kata's override
    annotations (:data:`kata_oci.profiles.kata1.table.DECLARATIONS`) and the keys of
    every registered CRI plugin. The values describe the key and do not
    depend on the configuration, as the spec asks ("determined on the
    compilation time").
``potentiallyUnsafeConfigAnnotations``
    The override annotations that name host binaries or paths (a
    declaration's ``unsafe``): an engine should not let untrusted pods set
    them.

What a given Kata configuration enables is kata-oci's own section. The
schema would allow it as a property of its own, but ``features.md`` says the
document "MUST NOT contain properties that are not defined" by the spec, so it
goes in ``annotations`` under kata-oci's prefix ``org.kata-oci.``, whose
values are strings: JSON text where structured. ``org.kata-oci.enabled`` lists
the override annotations the configuration lets through,
``org.kata-oci.disabled`` those its ``enable_annotations`` patterns block.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from . import __version__
from .spec import OCI_VERSION

if TYPE_CHECKING:
    from .engine import Engine
    from .profiles.base import Profile

__all__ = ["KATA_OCI_PREFIX", "OCI_VERSION_MIN", "features_document"]

#: The smallest runtime-spec version kata-oci claims to read (Kata reads pre-1.0 specs too).
OCI_VERSION_MIN = "1.0.0"
#: The prefix of kata-oci's own entries in the document's ``annotations``.
KATA_OCI_PREFIX = "org.kata-oci."


def _describe(d: Any) -> str:
    what = d.target or (
        "copied into the sandbox annotations" if getattr(d, "asset", False) else "not applied"
    )
    text = f"{d.description} ({d.kind}; {what})"
    checks = [c for c in d.checks() if c != "key enabled by enable_annotations"]
    if d.gated:
        text += "; gated by enable_annotations"
    if checks:
        text += "; " + "; ".join(checks)
    return text


def _json(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def features_document(
    runtime_config: Any = None,
    *,
    config_path: str | None = None,
    engine: Engine | None = None,
    profile: str | Profile | None = None,
) -> dict[str, Any]:
    """kata-oci's OCI features document, as a JSON-ready dict.

    ``engine`` (default: the default engine) supplies the CRI plugins' keys;
    ``runtime_config``, when given, fills kata-oci's section with what it
    enables (``config_path`` is recorded as where it came from). The
    annotations are those of ``profile``: the runtime configuration's, else
    ``kata1``; ``org.kata-oci.profile`` names it.
    """
    if engine is None:
        from .engine import default_engine

        engine = default_engine()
    from .api import runtime_profile
    from .profiles import get_profile

    if runtime_config is not None:
        chosen = runtime_profile(runtime_config, profile, engine=engine)
    else:
        chosen = get_profile("kata1" if profile is None else profile, engine=engine)
    declarations: Any = chosen.declarations
    annotations: dict[str, str] = {d.key: _describe(d) for d in declarations}
    for _plugin, cri in engine.cris:
        for key, what in cri.described_keys():
            annotations[key] = f"{annotations[key]}; {what}" if key in annotations else what

    own: dict[str, str] = {
        KATA_OCI_PREFIX + "version": __version__,
        KATA_OCI_PREFIX + "profile": chosen.name,
        KATA_OCI_PREFIX + "cri-plugins": _json([name for name, _ in engine.cris]),
    }
    if runtime_config is not None:
        enabled: list[str] = []
        disabled: list[str] = []
        for d in declarations:
            (enabled if chosen.annotation_enabled(d.key, runtime_config)[0] else disabled).append(d.key)
        own[KATA_OCI_PREFIX + "enable_annotations"] = _json(chosen.enable_annotations(runtime_config))
        own[KATA_OCI_PREFIX + "enabled"] = _json(enabled)
        own[KATA_OCI_PREFIX + "disabled"] = _json(disabled)
        if config_path is not None:
            own[KATA_OCI_PREFIX + "configuration"] = config_path
    annotations.update(own)

    return {
        "ociVersionMin": OCI_VERSION_MIN,
        "ociVersionMax": OCI_VERSION,
        "annotations": dict(sorted(annotations.items())),
        "potentiallyUnsafeConfigAnnotations": sorted(d.key for d in declarations if d.unsafe),
    }
