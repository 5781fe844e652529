"""The Kata layer: a handler's configuration file, and its verdict on a pod's annotations.

This module is the manifest checker's only door to Kata's rules: the profile
registry (``kata_oci.get_profile(name).plan_annotations(...)``, contract 1 of
the team plan). A handler that runs the Go runtime of Kata 4.x gets the ``go``
profile, one that runs runtime-rs the ``rs`` profile. While kata-oci has no
such profile registered, the verdicts come from ``kata1`` (Kata 1.13's rules)
and every record and report says so (``profile="kata1"`` and a note): they are
never passed off as the 4.x runtime's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kata_oci.errors import KataOCIError, ProfileError, cut
from kata_oci.overrides import OverridePlan

if TYPE_CHECKING:
    from kata_oci.engine import Engine

__all__ = ["KataTarget", "load_kata_target", "plan_kata"]

_PROFILE_OF_RUNTIME = {"go": "go", "rs": "rs"}
_RUNTIME_TITLE = {"go": "Kata 4.x's Go runtime", "rs": "Kata 4.x's runtime-rs"}


@dataclass(frozen=True, slots=True)
class KataTarget:
    """One Kata configuration file, loaded once, that a handler's pods are checked against.

    ``runtime`` is what the handler runs (``go`` or ``rs``), ``profile`` the
    name of the rules the verdicts follow; ``error`` says why there are none
    (the file could not be found or loaded); ``notes`` what a reader must know
    about them (another runtime's rules, a shipped default file); ``engine``
    the engine ``rules`` came from, whose CRI plugins and features they use.
    """

    path: str | None
    runtime: str
    profile: str | None
    runtime_config: Any = None
    rules: Any = None  # the Profile object
    error: str | None = None
    notes: tuple[str, ...] = ()
    engine: Any = None  # the Engine that registered ``rules``

    @property
    def static_sandbox_resource_mgmt(self) -> bool | None:
        """The configuration's ``static_sandbox_resource_mgmt`` (Go: top level; Rust: ``[runtime]``)."""
        rc = self.runtime_config
        value = getattr(rc, "static_sandbox_resource_mgmt", None)
        if value is None:
            value = getattr(getattr(rc, "runtime", None), "static_sandbox_resource_mgmt", None)
        return value if isinstance(value, bool) else None

    def sandbox_sizing(self, annotations: Mapping[str, str]) -> Any:
        """The profile's sandbox sizing of the sandbox's annotations, or ``None`` for Go's arithmetic.

        A profile with sizing rules of its own (runtime-rs's ``InitialSize``)
        answers; the others size as Go's ``CalculateSandboxSizing`` does.
        """
        from kata_oci.profiles.base import Profile

        rules = self.rules
        if rules is None or type(rules).calculate_sandbox_sizing is Profile.calculate_sandbox_sizing:
            return None
        return rules.calculate_sandbox_sizing(annotations, engine=self.engine)


def _profile_for(runtime: str, forced: str | None, engine: Engine) -> tuple[Any, str | None]:
    if forced is not None:
        rules = engine.profile(forced)  # ProfileError names the registered ones
        wanted = _PROFILE_OF_RUNTIME.get(runtime, "go")
        note = None
        if rules.name != wanted:
            note = (
                f"profile {rules.name} as asked, although this handler runs "
                f"{_RUNTIME_TITLE.get(runtime, runtime)}"
            )
        return rules, note
    name = _PROFILE_OF_RUNTIME.get(runtime, "go")
    try:
        return engine.profile(name), None
    except ProfileError:
        title = _RUNTIME_TITLE.get(runtime, runtime)
        note = (
            f"Kata 1.x (kata1) rules: kata-oci has no {name!r} profile yet, so these are not "
            f"the verdicts of {title}"
        )
        return engine.profile("kata1"), note


def load_kata_target(
    path: str | None, runtime: str, *, engine: Engine, note: str | None = None, profile: str | None = None
) -> KataTarget:
    """Load the configuration file a ``runtime`` (``go``/``rs``) handler boots from.

    ``profile`` forces the rules (a profile name) instead of the handler's
    runtime's; the profiles are ``engine``'s.
    """
    if path is None:
        return KataTarget(None, runtime, None, error="no Kata configuration file found for this handler")
    rules, rules_note = _profile_for(runtime, profile, engine)
    notes = tuple(n for n in (rules_note, note) if n)
    try:
        rc = rules.load_runtime_config(path)
    except KataOCIError as exc:
        error = f"{rules.name} rules cannot load it: {exc}"
        return KataTarget(path, runtime, rules.name, rules=rules, error=error, notes=notes, engine=engine)
    # What the loader noticed and Kata ignores (unknown keys): a note on each pod it boots.
    notes += tuple(cut(w, 1000) for w in getattr(rc, "warnings", ()))
    return KataTarget(path, runtime, rules.name, rc, rules, notes=notes, engine=engine)


def plan_kata(target: KataTarget, annotations: Mapping[str, str], *, strict: bool = False) -> OverridePlan:
    """The profile's decision on every annotation that reaches the sandbox (the adapter)."""
    plan: OverridePlan = target.rules.plan_annotations(
        annotations, target.runtime_config, engine=target.engine, strict=strict
    )
    return plan
