"""The same annotations under several runtime profiles, side by side.

Kata's two runtimes read the same ``io.katacontainers.config.*`` annotations differently
(the Go runtime fails the pod on a hypervisor key ``enable_annotations`` does not allow,
runtime-rs only warns; ``default_memory = "2 GiB"`` is an error for one and 2048 MiB for the
other...). :func:`compare_profiles` answers, for a pod author, what each profile would do
with each annotation and where they disagree; ``kata-oci check --kata go,rs`` prints it.

Each profile decides with its own runtime configuration (a ``configuration.toml`` is
profile-specific) through :meth:`kata_oci.Profile.plan_annotations`: the verdicts are
exactly those of that profile's ``plan_sandbox_config``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from .overrides import Decision, Outcome

if TYPE_CHECKING:
    from .engine import Engine
    from .overrides import OverridePlan

__all__ = ["ComparisonRow", "ProfileComparison", "compare_profiles"]


def _effect(d: Decision | None) -> str:
    """What a decision does, in a few words: the thing to compare across profiles."""
    if d is None:
        return "not reported"
    if d.outcome is Outcome.APPLIED:
        return f"applied: {d.new!r}"
    if d.outcome is Outcome.IGNORED and d.reason.startswith("runtime-rs warns:"):
        return "ignored (warning)"
    return d.outcome.value


@dataclass(frozen=True)
class ComparisonRow:
    """One annotation: each profile's decision (None: that profile did not report the key)."""

    key: str
    value: str
    decisions: Mapping[str, Decision | None]

    @property
    def differs(self) -> bool:
        """Whether the profiles disagree: another outcome, or another value applied."""
        return len({_effect(d) for d in self.decisions.values()}) > 1

    def summary(self) -> str:
        """``go: rejected; rs: applied: 2048`` (one clause per profile)."""
        return "; ".join(f"{name}: {_effect(d)}" for name, d in self.decisions.items())


@dataclass(frozen=True)
class ProfileComparison:
    """Every annotation under every profile compared, and each profile's own plan."""

    profiles: tuple[str, ...]
    rows: tuple[ComparisonRow, ...]
    plans: Mapping[str, OverridePlan]

    @property
    def differences(self) -> tuple[ComparisonRow, ...]:
        """The rows where the profiles disagree."""
        return tuple(r for r in self.rows if r.differs)

    def fails(self, profile: str) -> bool:
        """Whether the sandbox would fail under ``profile`` (a rejection or a configuration error)."""
        plan = self.plans[profile]
        return bool(plan.rejected) or plan.config_error is not None

    def to_builtins(self) -> dict[str, Any]:
        """JSON-ready: per profile its decisions and failure, per key the comparison."""
        return {
            "profiles": {
                name: {
                    "fails": self.fails(name),
                    "config_error": None if plan.config_error is None else str(plan.config_error),
                    "decisions": msgspec.to_builtins(list(plan.decisions)),
                }
                for name, plan in self.plans.items()
            },
            "annotations": [
                {
                    "key": r.key,
                    "value": r.value,
                    "differs": r.differs,
                    "verdicts": {n: None if d is None else d.outcome.value for n, d in r.decisions.items()},
                }
                for r in self.rows
            ],
        }


def compare_profiles(
    annotations: Mapping[str, str] | None,
    runtime_configs: Mapping[str, Any] | Sequence[str],
    *,
    engine: Engine | None = None,
    strict: bool = False,
) -> ProfileComparison:
    """Each profile's verdict on each annotation, and where the profiles disagree.

    ``runtime_configs`` maps a profile name to the runtime configuration that profile uses
    (``kata_oci.get_profile(name).load_runtime_config(path)``); a plain list of names loads
    each profile's shipped configuration, or the one Kata would find on this machine.

    Raises:
        ProfileError: a name no registered profile has.
        ConfigError: a profile with neither a configuration file nor a shipped one.
    """
    from .engine import default_engine
    from .errors import ConfigError
    from .profiles import get_profile

    eng = default_engine() if engine is None else engine
    if not isinstance(runtime_configs, Mapping):
        loaded: dict[str, Any] = {}
        for name in runtime_configs:
            profile = get_profile(name, engine=eng)
            path = profile.find_config_file() or profile.shipped_config()
            if path is None:
                raise ConfigError(f"profile {name!r}: no configuration file found and none shipped")
            loaded[name] = profile.load_runtime_config(path)
        runtime_configs = loaded
    plans: dict[str, OverridePlan] = {}
    for name, config in runtime_configs.items():
        profile = get_profile(name, engine=eng)
        plans[name] = profile.plan_annotations(annotations or {}, config, engine=eng, strict=strict)
    by_profile = {name: {d.key: d for d in plan.decisions} for name, plan in plans.items()}
    keys = sorted({k for decided in by_profile.values() for k in decided})
    values = dict(annotations or {})
    rows = tuple(
        ComparisonRow(key, values.get(key, ""), {name: by_profile[name].get(key) for name in plans})
        for key in keys
    )
    return ProfileComparison(tuple(plans), rows, plans)
