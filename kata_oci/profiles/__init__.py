"""Runtime profiles: one sub-package per Kata implementation, and the registry that finds them.

Built in: ``kata1`` (Kata 1.13, :mod:`kata_oci.profiles.kata1`), ``go`` (the
Go runtime of Kata 4.1) and ``rs`` (runtime-rs 4.1), each a
:class:`~kata_oci.profiles.base.Profile` declared through the
``kata_oci_declare_profile`` hook by a default plugin of the core; a plugin
adds its own the same way. The registry is the engine's
(:attr:`kata_oci.Engine.profiles`); these functions ask the default engine
unless given one.

Detection (:func:`detect_profile`): every profile scores the parsed TOML
document from 0 to 100 (:meth:`Profile.detect`); the highest score wins; a
tie, or no profile scoring above 0, is a :class:`~kata_oci.ConfigError`
asking for ``profile=`` (``--kata``). A wrong guess cannot pass unnoticed:
every runtime configuration names its profile (``runtime_config.profile``),
and handing one profile's configuration to another is a
:class:`~kata_oci.ProfileError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kata_oci.engine import Engine, default_engine

from .base import Profile, SandboxPlan

__all__ = [
    "DEFAULT_PROFILE",
    "Profile",
    "SandboxPlan",
    "detect_profile",
    "detection_scores",
    "get_profile",
    "list_profiles",
    "profiles",
]

#: The profile used when nothing says which: no configuration file found anywhere
#: (its shipped configuration is then loaded), or a file that cannot be read.
DEFAULT_PROFILE = "go"


def _engine(engine: Engine | None) -> Engine:
    return default_engine() if engine is None else engine


def get_profile(name: str | Profile, *, engine: Engine | None = None) -> Profile:
    """The profile registered as ``name`` (a Profile is returned as it is).

    Raises :class:`~kata_oci.ProfileError` naming the registered profiles when
    there is none by that name.
    """
    if type(name) is not str and isinstance(name, Profile):  # a str skips the (slow) ABC check
        return name
    return _engine(engine).profile(name)


def profiles(*, engine: Engine | None = None) -> list[Profile]:
    """Every registered profile, built-in ones first."""
    return list(_engine(engine).profiles.values())


#: :func:`profiles` under a name that does not clash with this package's.
list_profiles = profiles


def detection_scores(doc: Mapping[str, Any], *, engine: Engine | None = None) -> dict[str, int]:
    """Each registered profile's score (0-100) for the parsed TOML document ``doc``."""
    from kata_oci.errors import PluginError

    eng = _engine(engine)
    scores: dict[str, int] = {}
    for name, profile in eng.profiles.items():
        try:
            score = profile.detect(doc)
        except Exception as exc:
            plugin = eng.profile_plugin(name) or name
            raise PluginError(
                plugin, f"profile {name!r}: detect failed: {type(exc).__name__}: {exc}"
            ) from exc
        if type(score) is not int or not 0 <= score <= 100:
            plugin = eng.profile_plugin(name) or name
            raise PluginError(
                plugin, f"profile {name!r}: detect returned {score!r}, not an int from 0 to 100"
            )
        scores[name] = score
    return scores


def detect_profile(
    doc: Mapping[str, Any], *, engine: Engine | None = None, file: str | None = None
) -> Profile:
    """The profile whose configuration ``doc`` (a parsed ``configuration.toml``) is.

    The highest :meth:`Profile.detect` score wins. Raises
    :class:`~kata_oci.ConfigError` (``file`` names the file) when no profile
    scores above 0 or when two share the highest score.
    """
    from kata_oci.errors import ConfigError

    eng = _engine(engine)
    scores = detection_scores(doc, engine=eng)
    best = max(scores.values(), default=0)
    winners = [name for name, score in scores.items() if score == best]
    said = ", ".join(f"{name} {score}" for name, score in scores.items())
    if best == 0:
        raise ConfigError(
            f"no runtime profile recognises this configuration (scores: {said or 'no profile registered'}); "
            "say which Kata it is for with profile= (--kata)",
            file=file,
        )
    if len(winners) > 1:
        raise ConfigError(
            f"this configuration could be for any of {', '.join(winners)} (scores: {said}); "
            "say which Kata it is for with profile= (--kata)",
            file=file,
        )
    return eng.profiles[winners[0]]
