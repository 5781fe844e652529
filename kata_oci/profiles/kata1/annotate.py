"""Kata 1.x's annotation rows, compiled: parsers, checks and the cross-key check, at Go parity.

What :mod:`kata_oci.profiles.kata1.table` declares, turned into planners
for the shared applier (:mod:`kata_oci.overrides`): one parser per kind
(``strconv.ParseBool``, ``strconv.ParseUint(v, 10, 32)``,
``strings.Fields``, ``strings.Split``), the checks a row asks for (path
allow-lists through ``filepath.Glob``, host and QEMU vCPU limits, minimums),
and the one check across keys Kata 1.x makes (virtio-fs needs a daemon).
The Go runtime of Kata 4.1 has its own in :mod:`kata_oci.profiles.go.annotate`.
"""

from __future__ import annotations

import platform
from collections.abc import Callable, Mapping
from typing import Any

from kata_oci import golang, overrides as _overrides
from kata_oci.errors import ConfigError, KataOCIError, cut as _shown
from kata_oci.overrides import (
    AnnotationTable,
    Context as _Context,
    Decision,
    Finish,
    Ignored as _Ignored,
    Outcome,
    Rejected as _Rejected,
    _Entry,
    _Planner,
    config_section,
)
from kata_oci.sandbox import SandboxConfig

from . import table as ka
from .table import BY_KEY, Declaration, Effect, Kind, When
from .types import HypervisorType, KataAgentConfig, NetInterworkingModel, RuntimeConfig, deserialize_params

__all__ = ["KATA1_KEY_INDEX", "KATA1_TABLE", "MAX_QEMU_VCPUS"]  # noqa: F822 - KATA1_KEY_INDEX: __getattr__

# Go's vc.MaxQemuVCPUs() for each architecture Kata 1.x builds for.
_QEMU_MAX_BY_ARCH = {"x86_64": 240, "aarch64": 123, "arm64": 123, "ppc64le": 128, "s390x": 248}
#: The most vCPUs QEMU accepts on this architecture (Go's ``vc.MaxQemuVCPUs()``).
MAX_QEMU_VCPUS = _QEMU_MAX_BY_ARCH.get(platform.machine(), 240)


# -- parsers: raw string -> value, by kind -------------------------------------------

_BOOL_EXPECTED = "a boolean (1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False)"
_UINT_EXPECTED = "an unsigned 32-bit decimal integer (0 to 4294967295)"


def _parse_bool(decl: Declaration, raw: str, ctx: _Context) -> Any:
    try:
        return golang.parse_bool(raw)
    except golang.NumError as exc:
        raise _Rejected(f"{exc.err}: expected {_BOOL_EXPECTED}") from None


def _parse_uint32(decl: Declaration, raw: str, ctx: _Context) -> Any:
    try:
        return golang.parse_uint(raw, 32)
    except golang.NumError as exc:
        raise _Rejected(f"{exc.err}: expected {_UINT_EXPECTED}") from None


def _parse_choice(decl: Declaration, raw: str, ctx: _Context) -> Any:
    if raw not in decl.choices:
        raise _Rejected(f"{_shown(raw)!r} is not supported (supported: {', '.join(decl.choices)})")
    return raw


def _parse_kernel_params(decl: Declaration, raw: str, ctx: _Context) -> Any:
    params = deserialize_params(golang.fields(raw))
    for p in params:
        if not p.key:
            raise _Rejected(f"kernel parameter {_shown('=' + p.value)!r} has an empty key")
    return params


def _parse_list(decl: Declaration, raw: str, ctx: _Context) -> Any:
    return golang.split(raw, decl.separator)


def _parse_features(decl: Declaration, raw: str, ctx: _Context) -> Any:
    chosen = []
    for name in golang.split(raw, decl.separator):
        feature = ctx.features.get(name)
        if feature is None:
            known = ", ".join(sorted(ctx.features)) or "none"
            raise _Rejected(f"unsupported experimental feature {_shown(name)!r} (registered: {known})")
        chosen.append(feature)
    return chosen


def _parse_network_model(decl: Declaration, raw: str, ctx: _Context) -> Any:
    try:
        return NetInterworkingModel.from_setting(raw)
    except KataOCIError:
        raise _Rejected(
            f"unknown network model {_shown(raw)!r} (known: default, macvtap, tcfilter, none)"
        ) from None


def _parse_raw(decl: Declaration, raw: str, ctx: _Context) -> Any:
    return raw


_PARSERS: dict[Kind, Callable[[Declaration, str, _Context], Any]] = {
    Kind.BOOL: _parse_bool,
    Kind.UINT32: _parse_uint32,
    Kind.STRING: _parse_raw,
    Kind.PATH: _parse_raw,
    Kind.ASSET: _parse_raw,
    Kind.CHOICE: _parse_choice,
    Kind.KERNEL_PARAMS: _parse_kernel_params,
    Kind.LIST: _parse_list,
    Kind.FEATURES: _parse_features,
    Kind.NETWORK_MODEL: _parse_network_model,
}


# -- checks: value -> nothing, or _Rejected ---------------------------------------------


def _check_allow_list(decl: Declaration, raw: str, value: Any, ctx: _Context) -> None:
    assert decl.allow_list is not None
    globs: list[str] = getattr(ctx.runtime_config.hypervisor_config, decl.allow_list)
    if golang.path_in_globs(globs, raw):
        return
    setting = ka.ALLOW_LIST_SETTINGS[decl.allow_list]
    if globs:
        reason = f"{_shown(raw)!r} is not a file matched by {setting} = {list(globs)!r}"
    else:
        reason = f"{setting} is empty, so no value is allowed"
    hint = f"to allow it, list it in {setting} in {config_section(ctx.runtime_config)} of the configuration"
    raise _Rejected(reason, hint)


def _check_host_cpus(decl: Declaration, raw: str, value: Any, ctx: _Context) -> None:
    cpus = _overrides.host_cpus()
    if value > cpus:
        raise _Rejected(f"{value} vCPUs is more than the {cpus} CPUs this process may run on")


def _check_qemu_vcpus(decl: Declaration, raw: str, value: Any, ctx: _Context) -> None:
    # By value: a RuntimeConfig built in Python may hold the plain string "qemu".
    if ctx.sandbox.hypervisor_type == HypervisorType.QEMU and value > MAX_QEMU_VCPUS:
        raise _Rejected(f"{value} vCPUs is more than QEMU's maximum of {MAX_QEMU_VCPUS}")


def _check_minimum(decl: Declaration, raw: str, value: Any, ctx: _Context) -> None:
    assert decl.minimum is not None
    if value < decl.minimum:
        raise _Rejected(f"must be at least {decl.minimum}")


# -- one planner per declaration, built once ----------------------------------------------

_GO_BOOLS: dict[str, bool] = {
    **dict.fromkeys(("1", "t", "T", "true", "TRUE", "True"), True),
    **dict.fromkeys(("0", "f", "F", "false", "FALSE", "False"), False),
}


def _compile(decl: Declaration) -> _Planner:
    """The function deciding one annotation: (old, new), or _Rejected / _Ignored.

    Built once per declaration, so that applying an annotation runs only the
    steps its row asks for (and host_cpus() is looked up at call time, so a
    test can replace it).
    """
    if not decl.applied:

        def not_applied(raw: str, ctx: _Context) -> tuple[Any, Any]:
            raise _Ignored("defined by Kata 1.x but not applied")

        return not_applied

    parse = _PARSERS[decl.kind]
    checks = []
    if decl.allow_list is not None:
        checks.append(_check_allow_list)
    if decl.max_host_cpus:
        checks.append(_check_host_cpus)
    if decl.max_qemu_vcpus:
        checks.append(_check_qemu_vcpus)
    if decl.minimum is not None:
        checks.append(_check_minimum)
    target = decl.target
    parts = tuple(target.split(".")) if target is not None else ()
    agent_only = bool(parts) and parts[0] == "agent_config"
    non_empty = decl.when is When.NON_EMPTY
    positive = decl.when is When.POSITIVE
    negate = decl.effect is Effect.NEGATE
    append = decl.effect is Effect.APPEND
    key = decl.key

    if decl.kind in (Kind.BOOL, Kind.UINT32) and not agent_only and len(parts) == 2 and not append:
        # The most common rows: a boolean or a number setting one field.
        head, attr = parts
        is_bool = decl.kind is Kind.BOOL

        def scalar_planner(raw: str, ctx: _Context) -> tuple[Any, Any]:
            value: Any
            if is_bool:
                value = _GO_BOOLS.get(raw)
                if value is None:
                    value = parse(decl, raw, ctx)  # raises, with Go's message
            elif len(raw) <= 10 and raw.isascii() and raw.isdigit() and int(raw) <= 0xFFFF_FFFF:
                value = int(raw)
            else:
                value = parse(decl, raw, ctx)
            for check in checks:
                check(decl, raw, value, ctx)
            if positive and value == 0:
                raise _Ignored("0 keeps the configured value")
            old = getattr(getattr(ctx.sandbox, head), attr) if head else getattr(ctx.sandbox, attr)
            return old, (not value) if negate else value

        return scalar_planner

    def planner(raw: str, ctx: _Context) -> tuple[Any, Any]:
        sandbox = ctx.sandbox
        if agent_only and not isinstance(sandbox.agent_config, KataAgentConfig):
            raise _Ignored("the runtime configuration has no Kata agent, so agent settings do not apply")
        if non_empty and raw == "":
            raise _Ignored('"" keeps the configured value')
        value = parse(decl, raw, ctx)
        for check in checks:
            check(decl, raw, value, ctx)
        if positive and value == 0:
            raise _Ignored("0 keeps the configured value")
        if not parts:  # an asset: only copied
            return sandbox.annotations.get(key), raw
        old: Any = sandbox
        for part in parts:
            old = getattr(old, part)
        if negate:
            value = not value
        elif append:
            value = [*old, *value]
        return old, value

    return planner


def _virtio_fs_check(
    sandbox: SandboxConfig,
    runtime_config: RuntimeConfig,
    hypervisor: dict[str, Any],
    decisions: list[Decision],
    annotations: Mapping[str, str],
) -> tuple[ConfigError | None, bool]:
    """virtio-fs needs a daemon, whether shared_fs came from an annotation or the configuration.

    Returns (a configuration error, whether the shared_fs annotation is
    rejected); the rejection replaces the applied decision, or is added when
    the pass records only rejections.
    """
    shared_fs = hypervisor.get("shared_fs", sandbox.hypervisor_config.shared_fs)
    daemon = hypervisor.get("virtio_fs_daemon", sandbox.hypervisor_config.virtio_fs_daemon)
    if shared_fs != "virtio-fs" or daemon:
        return None, False
    if "shared_fs" in hypervisor:
        rejected = Decision(
            ka.SHARED_FS,
            annotations.get(ka.SHARED_FS, ""),
            Outcome.REJECTED,
            "cannot enable virtio-fs without a daemon path",
            BY_KEY[ka.SHARED_FS].target,
            hint=f"set {ka.VIRTIO_FS_DAEMON} or virtio_fs_daemon in {config_section(runtime_config)}",
        )
        for i, d in enumerate(decisions):
            if d.key == ka.SHARED_FS and d.outcome is Outcome.APPLIED:
                decisions[i] = rejected
                break
        else:
            decisions.append(rejected)
        return None, True
    error = ConfigError(
        "cannot enable virtio-fs without daemon path: shared_fs is virtio-fs and virtio_fs_daemon is empty",
        key=f"hypervisor.{runtime_config.hypervisor_type or '<name>'}.virtio_fs_daemon",
    )
    return error, False


def _kata1_config_passes(sandbox: SandboxConfig) -> bool:
    """:func:`_kata1_finish` with no annotation: virtio-fs has its daemon (or is not asked for)."""
    hyp = sandbox.hypervisor_config
    return hyp.shared_fs != "virtio-fs" or bool(hyp.virtio_fs_daemon)


def _kata1_finish(finish: Finish) -> None:
    error, rejected = _virtio_fs_check(
        finish.sandbox,
        finish.runtime_config,
        finish.groups.get("hypervisor_config", {}),
        finish.decisions,
        finish.annotations,
    )
    if error is not None:
        finish.fail(error)
    finish.result.rejected |= rejected


#: Kata 1.x's table (:mod:`kata_oci.profiles.kata1.table`), compiled; its hints know the keys of later Katas.
KATA1_TABLE = AnnotationTable(
    "kata1",
    "Kata 1.x",
    ka.DECLARATIONS,
    compile=_compile,
    not_overrides=ka.NOT_OVERRIDES,
    finish=_kata1_finish,
    removed_keys=ka.LATER_KEYS,
    config_passes=_kata1_config_passes,
)

_PLANNERS: dict[str, _Entry] = KATA1_TABLE.entries

#: Kata 1.x's table for unknown-key hints: its keys, and the keys of later Katas it does not know.


def __getattr__(name: str) -> Any:
    """``KATA1_KEY_INDEX``, Kata 1.x's table's hint index, built when first asked."""
    if name == "KATA1_KEY_INDEX":
        return KATA1_TABLE.key_index
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
