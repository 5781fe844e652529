"""Applying ``io.katacontainers.config.*`` annotations: the table, gated, all-or-nothing.

The engine walks the spec's annotations (not the table), looks each key up in
:data:`kata_oci.annotations.BY_KEY`, and decides for each: applied, rejected
(with the reason and how to allow it), ignored (a valid value that changes
nothing, or an agent setting without a Kata agent) or unknown. When anything
is rejected, nothing is applied and one :class:`~kata_oci.AnnotationError`
lists every rejected annotation; otherwise a new configuration is returned.
The input configuration is never modified.

Go's parsing rules apply exactly (``strconv.ParseBool``,
``strconv.ParseUint(v, 10, 32)``, ``strings.Fields``, ``strings.Split``, RE2
unanchored search, ``filepath.Glob``), through :mod:`kata_oci.golang`.
"""

from __future__ import annotations

import difflib
import enum
import functools
import os
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from msgspec import structs

from . import annotations as ka
from . import golang
from .annotations import BY_KEY, Declaration, Effect, Kind, When
from .config import (
    Feature,
    HypervisorType,
    KataAgentConfig,
    NetInterworkingModel,
    RuntimeConfig,
    deserialize_params,
)
from .errors import AnnotationError, AnnotationProblem, ConfigError, KataOCIError
from .log import log
from .sandbox import SandboxConfig

__all__ = [
    "MAX_QEMU_VCPUS",
    "Decision",
    "OverridePlan",
    "Outcome",
    "apply_overrides",
    "host_cpus",
    "plan_overrides",
]

# Go's vc.MaxQemuVCPUs() for each architecture Kata 1.x builds for.
_QEMU_MAX_BY_ARCH = {"x86_64": 240, "aarch64": 123, "arm64": 123, "ppc64le": 128, "s390x": 248}
#: The most vCPUs QEMU accepts on this architecture (Go's ``vc.MaxQemuVCPUs()``).
MAX_QEMU_VCPUS = _QEMU_MAX_BY_ARCH.get(platform.machine(), 240)

# How many unknown keys get a "did you mean" hint and a warning of their own:
# hostile specs may carry hundreds of thousands.
_HINT_LIMIT = 32
_MAX_VALUE_SHOWN = 200


@functools.cache
def host_cpus() -> int:
    """The CPUs this process may run on (Go's ``runtime.NumCPU``: the affinity set, read once)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return os.cpu_count() or 1


class Outcome(enum.StrEnum):
    """What happened to one annotation."""

    APPLIED = "applied"
    REJECTED = "rejected"
    IGNORED = "ignored"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Decision:
    """The fate of one annotation.

    ``target`` is the field it sets (a dotted path in ``SandboxConfig``),
    ``old``/``new`` its value before and after (for applied ones), ``reason``
    why it was rejected or ignored, and ``hint`` what would change that (the
    configuration setting to edit, or the closest known key).
    """

    key: str
    value: str
    outcome: Outcome
    reason: str = ""
    target: str | None = None
    old: Any = None
    new: Any = None
    hint: str | None = None


@dataclass(frozen=True)
class OverridePlan:
    """Every annotation's decision, and the updates to make when none is rejected."""

    decisions: tuple[Decision, ...]
    updates: Mapping[str, Any] = field(default_factory=dict)
    assets: Mapping[str, str] = field(default_factory=dict)
    config_error: ConfigError | None = None

    @property
    def rejected(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.outcome is Outcome.REJECTED)

    def raise_for_rejected(self) -> None:
        """Raise :class:`AnnotationError` listing every rejected annotation, if any."""
        rejected = self.rejected
        if rejected:
            raise AnnotationError(
                [
                    AnnotationProblem(d.key, _shown(d.value), d.reason + (f" ({d.hint})" if d.hint else ""))
                    for d in rejected
                ]
            )
        if self.config_error is not None:
            raise self.config_error

    def apply(self, sandbox: SandboxConfig) -> SandboxConfig:
        """A new ``SandboxConfig`` with every update made; ``sandbox`` is left as it is."""
        self.raise_for_rejected()
        if not self.updates and not self.assets:
            return sandbox
        groups: dict[str, dict[str, Any]] = {}
        for target, value in self.updates.items():
            head, _, attr = target.rpartition(".")
            groups.setdefault(head, {})[attr] = value
        top = groups.pop("", {})
        for head, changes in groups.items():
            top[head] = structs.replace(getattr(sandbox, head), **changes)
        if self.assets:
            top["annotations"] = {**sandbox.annotations, **self.assets}
        return structs.replace(sandbox, **top)


class _Rejected(Exception):
    def __init__(self, reason: str, hint: str | None = None) -> None:
        self.reason = reason
        self.hint = hint


class _Ignored(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


def _shown(value: str) -> str:
    if len(value) <= _MAX_VALUE_SHOWN:
        return value
    return value[:_MAX_VALUE_SHOWN] + f"...({len(value)} characters)"


def _section(runtime_config: RuntimeConfig) -> str:
    return f"[hypervisor.{runtime_config.hypervisor_type or '<name>'}]"


def _not_enabled(key: str, runtime_config: RuntimeConfig) -> _Rejected:
    suffix = key[len(ka.KATA_ANNOT_HYPERVISOR_PREFIX) :]
    patterns = runtime_config.hypervisor_config.enable_annotations
    pattern = "^" + suffix.replace(".", "\\.") + "$"
    reason = "not enabled: no enable_annotations pattern matches " + repr(suffix)
    reason += f" (enable_annotations = {list(patterns)!r})" if patterns else " (enable_annotations is empty)"
    where = f"{_section(runtime_config)} of the configuration"
    hint = f'to allow it, add "{pattern}" to enable_annotations in {where}'
    return _Rejected(reason, hint)


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


class _Context:
    __slots__ = ("features", "runtime_config", "sandbox")

    def __init__(
        self, runtime_config: RuntimeConfig, sandbox: SandboxConfig, features: Mapping[str, Feature]
    ):
        self.runtime_config = runtime_config
        self.sandbox = sandbox
        self.features = features


def _parse(decl: Declaration, raw: str, ctx: _Context) -> Any:
    """The value of one annotation, or _Rejected/_Ignored."""
    kind = decl.kind
    try:
        if kind is Kind.BOOL:
            return golang.parse_bool(raw)
        if kind is Kind.UINT32:
            return golang.parse_uint(raw, 32)
    except golang.NumError as exc:
        expected = (
            "a boolean (1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False)"
            if kind is Kind.BOOL
            else "an unsigned 32-bit decimal integer (0 to 4294967295)"
        )
        raise _Rejected(f"{exc.err}: expected {expected}") from None
    if kind is Kind.CHOICE:
        if raw not in decl.choices:
            raise _Rejected(f"{raw!r} is not supported (supported: {', '.join(decl.choices)})")
        return raw
    if kind is Kind.KERNEL_PARAMS:
        params = deserialize_params(golang.fields(raw))
        empty = [p for p in params if not p.key]
        if empty:
            raise _Rejected(f"kernel parameter {'=' + empty[0].value!r} has an empty key")
        return params
    if kind is Kind.LIST:
        return golang.split(raw, decl.separator)
    if kind is Kind.FEATURES:
        chosen = []
        for name in golang.split(raw, decl.separator):
            feature = ctx.features.get(name)
            if feature is None:
                known = ", ".join(sorted(ctx.features)) or "none"
                raise _Rejected(f"unsupported experimental feature {name!r} (registered: {known})")
            chosen.append(feature)
        return chosen
    if kind is Kind.NETWORK_MODEL:
        try:
            return NetInterworkingModel.from_setting(raw)
        except KataOCIError as exc:
            raise _Rejected(str(exc)) from None
    return raw  # STRING, PATH, ASSET


def _check(decl: Declaration, raw: str, value: Any, ctx: _Context) -> None:
    hc = ctx.runtime_config.hypervisor_config
    if decl.allow_list is not None:
        globs: list[str] = getattr(hc, decl.allow_list)
        if not golang.path_in_globs(globs, raw):
            setting = ka.ALLOW_LIST_SETTINGS[decl.allow_list]
            if globs:
                reason = f"{raw!r} is not a file matched by {setting} = {list(globs)!r}"
            else:
                reason = f"{setting} is empty, so no value is allowed"
            hint = f"to allow it, list it in {setting} in {_section(ctx.runtime_config)} of the configuration"
            raise _Rejected(reason, hint)
    if decl.max_host_cpus and value > host_cpus():
        raise _Rejected(f"{value} vCPUs is more than the {host_cpus()} CPUs this process may run on")
    if decl.max_qemu_vcpus and ctx.sandbox.hypervisor_type is HypervisorType.QEMU and value > MAX_QEMU_VCPUS:
        raise _Rejected(f"{value} vCPUs is more than QEMU's maximum of {MAX_QEMU_VCPUS}")
    if decl.minimum is not None and value < decl.minimum:
        raise _Rejected(f"must be at least {decl.minimum}")


def _decide(decl: Declaration, raw: str, ctx: _Context) -> tuple[Any, Any]:
    """(old, new) for an annotation that applies; raises _Rejected or _Ignored."""
    if not decl.applied:
        raise _Ignored("defined by Kata 1.x but not applied")
    target = decl.target
    if (
        target is not None
        and target.startswith("agent_config.")
        and not isinstance(ctx.sandbox.agent_config, KataAgentConfig)
    ):
        raise _Ignored("the runtime configuration has no Kata agent, so agent settings do not apply")
    if decl.when is When.NON_EMPTY and raw == "":
        raise _Ignored('"" keeps the configured value')
    value = _parse(decl, raw, ctx)
    _check(decl, raw, value, ctx)
    if decl.when is When.POSITIVE and value == 0:
        raise _Ignored("0 keeps the configured value")
    if target is None:  # an asset: only copied
        return ctx.sandbox.annotations.get(decl.key), raw
    old = _get(ctx.sandbox, target)
    if decl.effect is Effect.NEGATE:
        value = not value
    elif decl.effect is Effect.APPEND:
        value = [*old, *value]
    return old, value


_KNOWN_KEYS = tuple(sorted({*BY_KEY, *ka.NOT_OVERRIDES}))


def _closest(key: str) -> str | None:
    """The known key closest to a misspelt one (typo, or a wrong prefix such as io.kata-containers.)."""
    name = key.rpartition(".")[2]
    if key.startswith(ka.KATA_ANNOTATIONS_PREFIX):
        candidates = _KNOWN_KEYS
        probe = key
    else:  # wrong prefix: compare what follows it
        candidates = _KNOWN_KEYS
        probe = ka.KATA_ANNOTATIONS_PREFIX + key.split(".", 2)[-1] if key.count(".") >= 2 else key
    match = difflib.get_close_matches(probe, candidates, n=1, cutoff=0.75)
    if match:
        return match[0]
    by_name = {k.rpartition(".")[2]: k for k in _KNOWN_KEYS}
    match = difflib.get_close_matches(name, list(by_name), n=1, cutoff=0.8)
    return by_name[match[0]] if match else None


def _looks_like_kata(key: str) -> bool:
    lowered = key.lower()
    return "kata" in lowered and not key.startswith(ka.KATA_ANNOTATIONS_PREFIX)


def plan_overrides(
    annotations: Mapping[str, str] | None,
    sandbox: SandboxConfig,
    runtime_config: RuntimeConfig,
    *,
    features: Mapping[str, Feature] | None = None,
    strict: bool = False,
) -> OverridePlan:
    """Decide what every Kata annotation does to ``sandbox``, changing nothing.

    ``features`` are the registered experimental features by name (the
    default engine's when ``None``); ``strict`` rejects unknown
    ``io.katacontainers.`` keys instead of warning about them.
    """
    if features is None:
        from .engine import default_engine

        features = default_engine().features
    ctx = _Context(runtime_config, sandbox, features)
    decisions: list[Decision] = []
    updates: dict[str, Any] = {}
    assets: dict[str, str] = {}
    hinted = 0
    unknown = 0
    for key, raw in (annotations or {}).items():
        if not key.startswith(ka.KATA_ANNOTATIONS_PREFIX):
            if _looks_like_kata(key):
                unknown += 1
                hint = _closest(key) if hinted < _HINT_LIMIT else None
                hinted += 1
                if hint is not None:
                    decisions.append(_unknown(key, raw, hint, strict, unknown <= _HINT_LIMIT))
            continue
        decl = BY_KEY.get(key)
        if key.startswith(ka.KATA_ANNOT_HYPERVISOR_PREFIX):
            enabled, _ = ka.is_enabled(key, runtime_config)
            if not enabled:
                rej = _not_enabled(key, runtime_config)
                decisions.append(
                    Decision(
                        key, raw, Outcome.REJECTED, rej.reason, decl.target if decl else None, hint=rej.hint
                    )
                )
                continue
        if decl is None:
            if key in ka.NOT_OVERRIDES:
                decisions.append(
                    Decision(key, raw, Outcome.IGNORED, "set by the runtime, not a configuration override")
                )
                continue
            unknown += 1
            hint = _closest(key) if hinted < _HINT_LIMIT else None
            hinted += 1
            decisions.append(_unknown(key, raw, hint, strict, unknown <= _HINT_LIMIT))
            continue
        try:
            old, new = _decide(decl, raw, ctx)
        except _Rejected as rej:
            decisions.append(Decision(key, raw, Outcome.REJECTED, rej.reason, decl.target, hint=rej.hint))
            continue
        except _Ignored as ign:
            decisions.append(Decision(key, raw, Outcome.IGNORED, ign.reason, decl.target))
            continue
        if decl.asset:
            assets[key] = raw
        if decl.target is not None:
            updates[decl.target] = new
        decisions.append(
            Decision(key, raw, Outcome.APPLIED, target=decl.target or "annotations", old=old, new=new)
        )
    if unknown > _HINT_LIMIT:
        log.warning("unknown_annotations", count=unknown, shown=_HINT_LIMIT)

    config_error = _virtio_fs_check(sandbox, runtime_config, updates, decisions)
    decisions.sort(key=lambda d: d.key)
    return OverridePlan(tuple(decisions), updates, assets, config_error)


def _unknown(key: str, raw: str, hint: str | None, strict: bool, log_it: bool) -> Decision:
    if log_it:
        log.warning("unknown_annotation", key=key, closest=hint)
    text = f"did you mean {hint}?" if hint else None
    if strict:
        return Decision(key, raw, Outcome.REJECTED, "unknown annotation", hint=text)
    return Decision(key, raw, Outcome.UNKNOWN, "not an annotation Kata 1.x knows: ignored", hint=text)


def _virtio_fs_check(
    sandbox: SandboxConfig, runtime_config: RuntimeConfig, updates: dict[str, Any], decisions: list[Decision]
) -> ConfigError | None:
    """virtio-fs needs a daemon, whether shared_fs came from an annotation or the configuration."""
    shared_fs = updates.get("hypervisor_config.shared_fs", sandbox.hypervisor_config.shared_fs)
    daemon = updates.get("hypervisor_config.virtio_fs_daemon", sandbox.hypervisor_config.virtio_fs_daemon)
    if shared_fs != "virtio-fs" or daemon:
        return None
    for i, d in enumerate(decisions):
        if d.key == ka.SHARED_FS and d.outcome is Outcome.APPLIED:
            decisions[i] = Decision(
                d.key,
                d.value,
                Outcome.REJECTED,
                "cannot enable virtio-fs without a daemon path",
                d.target,
                hint=f"set {ka.VIRTIO_FS_DAEMON} or virtio_fs_daemon in {_section(runtime_config)}",
            )
            return None
    return ConfigError(
        "cannot enable virtio-fs without daemon path: shared_fs is virtio-fs and virtio_fs_daemon is empty",
        key=f"hypervisor.{runtime_config.hypervisor_type or '<name>'}.virtio_fs_daemon",
    )


def apply_overrides(
    annotations: Mapping[str, str] | None,
    sandbox: SandboxConfig,
    runtime_config: RuntimeConfig,
    *,
    features: Mapping[str, Feature] | None = None,
    strict: bool = False,
) -> SandboxConfig:
    """Apply every Kata annotation to a copy of ``sandbox``, or raise having applied none.

    Raises :class:`AnnotationError` (every rejected annotation, sorted by
    key) or, when the configuration itself asks for virtio-fs without a
    daemon, :class:`ConfigError`.
    """
    return plan_overrides(annotations, sandbox, runtime_config, features=features, strict=strict).apply(
        sandbox
    )
