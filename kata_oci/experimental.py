"""Kata 1.x's experimental features, registered as a built-in kata-oci plugin.

Kata 1.x registers one feature (``virtcontainers/persist``): ``newstore``.
Plugins may register more through the ``kata_oci_experimental_features`` hook.
"""

from __future__ import annotations

import re

from .hookspecs import hookimpl
from .types import Feature

__all__ = ["FEATURE_NAME", "NEW_STORE", "check_feature", "kata1_features"]

#: The form of a feature name (Kata's ``nameRegStr``).
FEATURE_NAME = re.compile(r"[a-z][a-z0-9_]*\Z")

NEW_STORE = Feature(
    name="newstore",
    description=(
        "This is a new storage driver which reorganized disk data structures, it has to be an "
        "experimental feature since it breaks backward compatibility."
    ),
    exp_release="2.0",
)


def kata1_features() -> dict[str, Feature]:
    """The features Kata 1.x registers itself, by name: what the kata1 loader knows without an engine."""
    return {NEW_STORE.name: NEW_STORE}


def check_feature(feature: object) -> str | None:
    """What is wrong with a feature a plugin registers, or ``None`` (Kata's ``validateFeature``)."""
    if not isinstance(feature, Feature):
        return f"{feature!r} is not a kata_oci.config.Feature"
    if not feature.name or not feature.description or not feature.exp_release:
        return "experimental feature must have valid name, description and expected release"
    if not FEATURE_NAME.match(feature.name):
        return f"feature name {feature.name!r} must match ^[a-z][a-z0-9_]*$"
    return None


@hookimpl
def kata_oci_experimental_features() -> list[Feature]:
    return [NEW_STORE]
