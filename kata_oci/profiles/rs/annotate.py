"""Applying annotations as runtime-rs 4.1.0 does (kata-types' ``update_config_by_annotation``).

The steps, in runtime-rs's order (``load_config`` in crates/runtimes/src/manager.rs):

1. ``runtime.hypervisor_name`` / ``runtime.agent_name`` annotations switch to another
   ``[hypervisor.*]`` / ``[agent.*]`` table when one of that name exists (no gate, the raw
   value); otherwise they change nothing.
2. The runtime, hypervisor and agent names must be set and name existing tables.
3. Every annotation, each on its own (:mod:`.table` says how):

   * a hypervisor key is read only if the ``RegexSet`` of the table's ``enable_annotations``
     matches the key without its prefix; otherwise runtime-rs only *warns* ("Annotation ...
     not enabled") and goes on. kata-oci reports this as ``ignored`` with a reason starting
     ``"runtime-rs warns:"``: never silent, never a failure. One invalid pattern makes
     ``RegexSet::new`` fail and disables every key.
   * an enabled hypervisor key runtime-rs has no arm for fails: "Invalid annotation type".
   * agent and runtime keys are never gated; an unknown one only warns.

4. Block sector sizes: logical must not exceed physical.
5. ``adjust_config`` again, then the agent's kernel parameters are put before the
   hypervisor's (``update_agent_kernel_params``), then ``validate()``.

runtime-rs stops at the first error, in the random order of a ``HashMap``; kata-oci decides
every annotation and rejects all that fail, and applies nothing when one does.

Deliberate differences, each a clear :class:`~kata_oci.AnnotationError` reason where
runtime-rs would misbehave:

* ``cc_init_data`` that is not base64 of gzip of UTF-8 makes runtime-rs panic (``unwrap``);
  kata-oci rejects it, naming the step. A decompressed size above 16 MiB is also refused.
* ``runtime.create_container_timeout`` above 4294967 s overflows ``u32`` milliseconds,
  which a release build of runtime-rs wraps silently; kata-oci rejects it.
* Without host checks, the paths runtime-rs requires to exist (``kernel``, ``image``,
  ``initrd``, ``firmware``, ``guest_hook_path``) are applied with a hint that runtime-rs
  checks them on the node.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from kata_oci import keyscan
from kata_oci.errors import AnnotationError, ConfigError, cut
from kata_oci.hints import KeyIndex
from kata_oci.overrides import Decision, Outcome, OverridePlan
from kata_oci.rust import (
    RegexSet,
    RegexSyntaxError,
    RustParseError,
    convert_to_megabytes,
    parse_bool,
    parse_f32,
    parse_u32,
    parse_u64,
    parse_usize,
    regex_set,
    trim,
    validate_path_pattern,
)

from . import hypervisors
from .hypervisors import HostFacts, _rust_float, parse_kernel_verity_params
from .table import (
    BY_KEY,
    CONFIG_PREFIX,
    HYPERVISOR_PREFIX,
    REMOVED_KEYS,
    RUNTIME_NAMES,
    RsDeclaration,
    RsKind,
)
from .types import Agent, Hypervisor, SharedMount, TomlConfig, copy_config

__all__ = ["RsOverridePlan", "WARNS", "plan_annotations", "update_config_by_annotation"]

#: The prefix of the reason of every verdict runtime-rs only logs a warning for.
WARNS = "runtime-rs warns: "

_APPLIED, _REJECTED, _IGNORED, _UNKNOWN = Outcome.APPLIED, Outcome.REJECTED, Outcome.IGNORED, Outcome.UNKNOWN
_PANICS = "runtime-rs panics on this value (unwrap): "
_MAX_INITDATA = 16 << 20
_U32_MAX = 0xFFFF_FFFF
_SWITCH_HV = CONFIG_PREFIX + "runtime.hypervisor_name"
_SWITCH_AGENT = CONFIG_PREFIX + "runtime.agent_name"


class RsOverridePlan(OverridePlan, frozen=True):
    """The verdicts, and the configuration runtime-rs would hold after them.

    ``config`` is the adjusted :class:`~.types.TomlConfig` after the annotations (None when one
    is rejected or the configuration itself fails); :meth:`result` returns it or raises.
    """

    config: TomlConfig | None = None

    def result(self) -> TomlConfig:
        """The configuration after the annotations, or the error runtime-rs would fail with."""
        self.raise_for_rejected()
        assert self.config is not None
        return self.config

    def apply(self, base: Any = None) -> Any:
        """The configuration after the annotations (``base`` is not used), or the error."""
        return self.result()

    @property
    def warned(self) -> tuple[Decision, ...]:
        """The annotations runtime-rs only warns about."""
        return tuple(d for d in self.decisions if d.reason.startswith(WARNS))


class _Reject(Exception):
    def __init__(self, reason: str, hint: str | None = None) -> None:
        self.reason = reason
        self.hint = hint


class _Ignore(Exception):
    def __init__(self, reason: str) -> None:
        self.reason = reason


@dataclass
class _Ctx:
    config: TomlConfig
    hv: Hypervisor
    agent: Agent
    hv_name: str
    host: HostFacts | None


def _get(obj: Any, path: str) -> Any:
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _set(obj: Any, path: str, value: Any) -> None:
    head, _, last = path.rpartition(".")
    if head:
        obj = _get(obj, head)
    setattr(obj, last, value)


def _root(ctx: _Ctx, target: str) -> tuple[Any, str]:
    section, _, rest = target.partition(".")
    if section == "hv":
        return ctx.hv, rest
    if section == "agent":
        return ctx.agent, rest
    return ctx.config.runtime, rest


_PARSE_ERRORS = {
    RsKind.BOOL: ("parse bool error", parse_bool),
    RsKind.U32: ("parse u32 error", parse_u32),
    RsKind.U64: ("parse u64 error", parse_u64),
    RsKind.USIZE: ("parse usize error", parse_usize),
    RsKind.F32: ("parse i32 error", parse_f32),  # sic: runtime-rs's message for default_vcpus
    RsKind.TIMEOUT_SECS: ("parse u32 error", parse_u32),
}


def _parsed(d: RsDeclaration, value: str) -> Any:
    """``get_value::<T>``: the trimmed value parsed by Rust's ``FromStr``."""
    message, parse = _PARSE_ERRORS[d.kind]
    try:
        return parse(trim(value))
    except RustParseError as e:
        raise _Reject(f"{message} ({e.reason})") from None


def _decode_initdata(value: str) -> str:
    """kata-types' ``add_hypervisor_initdata_overrides``: base64 -> gzip -> UTF-8 text."""
    if value == "":
        return ""
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as e:
        raise _Reject(_PANICS + f"base64 decode: {e}") from None
    if base64.b64encode(raw).decode() != value:  # the base64 crate's STANDARD engine is canonical
        raise _Reject(_PANICS + "base64 decode: non-canonical padding or bits")
    d = zlib.decompressobj(wbits=31)  # one gzip member, as flate2's GzDecoder
    try:
        out = d.decompress(raw, _MAX_INITDATA + 1)
    except zlib.error as e:
        raise _Reject(_PANICS + f"gz decoder failed: {e}") from None
    if len(out) > _MAX_INITDATA or d.unconsumed_tail:
        raise _Reject(f"initdata decompresses to more than {_MAX_INITDATA} bytes (kata-oci's limit)")
    if not d.eof:
        raise _Reject(_PANICS + "gz decoder failed: truncated gzip data")
    try:
        return out.decode("utf-8")
    except UnicodeDecodeError:
        raise _Reject(_PANICS + "gz decoder failed: stream did not contain valid UTF-8") from None


def _no_duplicate_fields(value: str) -> None:
    """serde's derived ``Deserialize`` refuses a field given twice (msgspec keeps the last).

    Called on JSON msgspec already read as a list of flat objects, so nesting is shallow.
    """

    def pairs(items: list[tuple[str, Any]]) -> None:
        seen: set[str] = set()
        for k, _ in items:
            if k in seen:
                raise _Reject(f"invalid shared_mounts JSON: duplicate field `{cut(k)}`")
            seen.add(k)

    json.loads(value, object_pairs_hook=pairs)


def replace_kernel_params(current: str, new_params: str) -> str:
    """``BootInfo::replace_kernel_params``: same-key parameters replaced, the new ones last."""
    if new_params == "":
        return current
    existing: list[tuple[str, str]] = []
    for param in current.split(" "):
        param = trim(param)
        if not param:
            continue
        key, eq, val = param.partition("=")
        existing.append((key, val) if eq else (param, ""))
    keys: list[str] = []
    added: list[str] = []
    for param in new_params.split(" "):
        param = trim(param)
        if not param:
            continue
        keys.append(param.partition("=")[0])
        added.append(param)
    kept = [f"{k}={v}" if v else k for k, v in existing if k not in keys]
    return " ".join(kept + added)


def _apply(d: RsDeclaration, value: str, ctx: _Ctx) -> tuple[Any, Any, str | None]:
    """Apply one enabled/ungated row to ``ctx``: (old, new, hint) or _Reject/_Ignore."""
    k = d.kind
    assert d.field is not None
    obj, attr = _root(ctx, d.field)
    old = _get(obj, attr)
    hint = None
    if k is RsKind.BOOL or k in (RsKind.U32, RsKind.U64, RsKind.USIZE):
        new = _parsed(d, value)
        if d.maximum is not None and new > d.maximum:
            raise _Reject(d.maximum_message)
        if d.sector:
            why = hypervisors.validate_block_device_sector_size(new)
            if why:
                raise _Reject(why)
    elif k is RsKind.F32:
        new = _parsed(d, value)
        limit = hypervisors.PLUGINS[ctx.hv_name].max_cpus
        if new > float(limit):
            raise _Reject(
                f"Vcpus specified in annotation {_rust_float(new)} is more than maximum limitation {limit}"
            )
    elif k is RsKind.MEMORY:
        try:
            mib = convert_to_megabytes(value)
        except RustParseError as e:
            raise _Reject(e.reason) from None
        if mib is None:
            raise _Ignore(
                f'{WARNS}"failed to parse byte from string {cut(value)}" (logged as an error); '
                f"default_memory stays {old}"
            )
        minimum = hypervisors.PLUGINS[ctx.hv_name].min_memory
        if mib < minimum:
            raise _Reject(f"memory specified in annotation {mib} is less than minimum limitation {minimum}")
        new = mib
    elif k is RsKind.STRING:
        new = value
    elif k is RsKind.TRIMMED:
        new = trim(value)
    elif k is RsKind.GLOB_PATH:
        assert d.allow_list is not None
        patterns = _get(ctx.hv, d.allow_list)
        if not validate_path_pattern(patterns, value):
            raise _Reject(
                f"Path {cut(value)} is not permitted",
                f"add a matching glob to {d.allow_list.rpartition('.')[2]} in [hypervisor.{ctx.hv_name}]",
            )
        new = value
    elif k is RsKind.HOST_PATH:
        if value and ctx.host is not None:
            try:
                ctx.host.resolve(value)
            except OSError as e:
                raise _Reject(f"path {cut(value)} is invalid{e.strerror or e}") from None
        elif value:
            hint = "runtime-rs also requires this path to exist on the node (not checked: no host checks)"
        new = value
    elif k is RsKind.KERNEL_PARAMS:
        new = replace_kernel_params(old, value)
    elif k is RsKind.VERITY:
        if trim(value) == "":
            raise _Ignore("empty: runtime-rs keeps the configured kernel_verity_params")
        why = parse_kernel_verity_params(value)
        if why:
            raise _Reject(why)
        new = value
    elif k is RsKind.HUGEPAGE:
        new = trim(value)
        if new not in ("hugetlbfs", "thp"):
            raise _Reject(
                f"parse huge pages type: {cut(value)}, error: unknown variant `{cut(new)}`, "
                "expected one of `hugetlbfs`, `thp`"
            )
    elif k is RsKind.APPEND:
        new = [*old, *value.split(d.separator)]
    elif k is RsKind.INITDATA:
        new = _decode_initdata(value)
    elif k is RsKind.TIMEOUT_SECS:
        secs = _parsed(d, value)
        if secs * 1000 > _U32_MAX:
            raise _Reject(
                f"{secs} s does not fit in u32 milliseconds (runtime-rs would wrap it to "
                f"{(secs * 1000) & _U32_MAX} ms)"
            )
        new = secs * 1000
    elif k is RsKind.RUNTIME_NAME:
        if value not in RUNTIME_NAMES:
            raise _Reject(f"runtime specified in annotation {cut(value)} is not in {list(RUNTIME_NAMES)!r}")
        new = value
    elif k is RsKind.SHARED_MOUNTS:
        try:
            new = msgspec.json.decode(value.encode("utf-8", "surrogatepass"), type=list[SharedMount])
        except (msgspec.DecodeError, UnicodeEncodeError) as e:
            raise _Reject(f"invalid shared_mounts JSON: {cut(str(e))}") from None
        _no_duplicate_fields(value)
    else:  # pragma: no cover - every kind is handled above
        raise AssertionError(k)
    _set(obj, attr, new)
    return old, new, hint


_key_index: KeyIndex | None = None


def _hint_unknown(key: str, guess: bool = True) -> str | None:
    """The removed-key sentence, or (``guess``) "did you mean" the known key one edit away.

    The same index as kata1's and go's (:class:`kata_oci.hints.KeyIndex`),
    built on first use. A guess costs a few microseconds; the sentence, a
    dict look-up.
    """
    global _key_index
    sentence = REMOVED_KEYS.get(key)
    if sentence is not None or not guess:
        return sentence
    if _key_index is None:
        _key_index = KeyIndex(BY_KEY, REMOVED_KEYS)
    return _key_index.hint(key)


def _shown(v: Any) -> Any:
    if isinstance(v, list) and v and isinstance(v[0], msgspec.Struct):
        return msgspec.to_builtins(v)
    return v


_HAS_CONFIG_PREFIX = re.compile(re.escape(CONFIG_PREFIX)).search


def _has_config_prefix(text: str) -> bool:
    return _HAS_CONFIG_PREFIX(text) is not None


def _config_keys(annotations: Mapping[str, str]) -> list[str]:
    """The ``io.katacontainers.config.`` keys, sorted; the others are never read.

    Many annotations are first narrowed in C (:func:`kata_oci.keyscan.keys_matching`)
    to the blocks that may hold one, so each key no rule reads costs a few
    nanoseconds, not a Python step.
    """
    candidates: Any = annotations
    if len(annotations) >= keyscan.SCAN_FROM:
        found = keyscan.keys_matching(annotations, _has_config_prefix, prefix=CONFIG_PREFIX)
        if found is not None:
            candidates = found
    return sorted(k for k in candidates if k.startswith(CONFIG_PREFIX))


def plan_annotations(
    annotations: Mapping[str, str],
    runtime_config: TomlConfig,
    *,
    strict: bool = False,
    host_checks: Any = None,
    hints: bool = True,
) -> RsOverridePlan:
    """Every ``io.katacontainers.config.*`` annotation's verdict under runtime-rs 4.1.0.

    ``runtime_config`` is not modified. ``strict`` turns keys runtime-rs does not know
    (which it only warns about) into rejections. ``host_checks`` (None: do not look at the
    host) makes the path checks runtime-rs does on the node. ``hints=False`` (a conversion,
    which shows only rejections) gives an unknown key that is not rejected no hint, and
    guesses "did you mean" for the first :attr:`AnnotationError.SHOWN` rejected ones only
    (those its message shows): a guess costs a few microseconds, and a pod author may
    write unknown keys by the thousand.
    """
    host = HostFacts.of(host_checks)
    guesses = AnnotationError.SHOWN

    def unknown_hint(key: str, rejected: bool) -> str | None:
        nonlocal guesses
        if hints:
            return _hint_unknown(key)
        if not rejected:
            return None
        guesses -= 1
        return _hint_unknown(key, guess=guesses >= 0)

    work = copy_config(runtime_config)
    decisions: list[Decision] = []
    keys = _config_keys(annotations)

    # 1. the table switches (raw values, no gate)
    switched: dict[str, Decision] = {}
    for key, tables, attr in (
        (_SWITCH_HV, work.hypervisor, "hypervisor_name"),
        (_SWITCH_AGENT, work.agent, "agent_name"),
    ):
        if key not in annotations:
            continue
        value = annotations[key]
        section = attr.partition("_")[0]
        old = getattr(work.runtime, attr)
        if value in tables:
            setattr(work.runtime, attr, value)
            switched[key] = Decision(key, value, _APPLIED, target=f"runtime.{attr}", old=old, new=value)
        else:
            switched[key] = Decision(
                key,
                value,
                _IGNORED,
                f"no [{section}.{cut(value)}] table in the configuration: runtime-rs keeps {old!r}",
                target=f"runtime.{attr}",
            )

    # 2. the names
    rt = work.runtime
    problem = None
    if not rt.name:
        problem = "Runtime name is missing in the configuration"
    elif not rt.hypervisor_name:
        problem = "Hypervisor name is missing in the configuration"
    elif not rt.agent_name:
        problem = "Agent name is missing in the configuration"
    elif rt.hypervisor_name not in work.hypervisor:
        problem = f"Invalid hypervisor name {rt.hypervisor_name}"
    elif rt.agent_name not in work.agent:
        problem = f"Invalid agent name {rt.agent_name}"
    if problem is not None:
        error = ConfigError(problem, file=runtime_config.path)
        first = f"not read: runtime-rs fails first: {problem}"
        decisions.extend(switched.get(k) or Decision(k, annotations[k], _IGNORED, first) for k in keys)
        return RsOverridePlan(tuple(decisions), config_error=error)

    hv_name = rt.hypervisor_name
    ctx = _Ctx(work, work.hypervisor[hv_name], work.agent[rt.agent_name], hv_name, host)
    patterns = ctx.hv.security_info.enable_annotations
    gate: RegexSet | None = None
    gate_problem = ""
    try:
        gate = regex_set(patterns)
    except RegexSyntaxError as e:
        if e.unsupported:
            error = ConfigError(
                f"enable_annotations: {e}", file=runtime_config.path, key=f"hypervisor.{hv_name}"
            )
            return RsOverridePlan(
                tuple(Decision(k, annotations[k], _IGNORED, f"not decided: {e}") for k in keys),
                config_error=error,
            )
        gate_problem = (
            f"enable_annotations has an invalid pattern, so RegexSet::new fails and none is enabled ({e})"
        )

    # 3. each annotation
    sectors: list[int] = []
    for key in keys:
        value = annotations[key]
        if key in switched:
            decisions.append(switched[key])
            continue
        d = BY_KEY.get(key)
        if key.startswith(HYPERVISOR_PREFIX):
            suffix = key[len(HYPERVISOR_PREFIX) :]
            enabled = gate is not None and gate.is_match(suffix)
            if not enabled:
                why = gate_problem or (
                    f"no enable_annotations pattern of [hypervisor.{hv_name}] matches {cut(suffix)!r}"
                )
                if d is None:
                    outcome = _REJECTED if strict else _UNKNOWN
                    hint = unknown_hint(key, strict)
                else:
                    outcome = _IGNORED
                    hint = f'to allow it, add "^{suffix.replace(".", chr(92) + ".")}$" to enable_annotations'
                    hint += f" in [hypervisor.{hv_name}]"
                decisions.append(
                    Decision(
                        key,
                        value,
                        outcome,
                        f"{WARNS}Annotation {cut(key)} not enabled ({why})",
                        target=d.target if d else None,
                        hint=hint,
                    )
                )
                continue
            if d is None or d.kind is RsKind.INVALID:
                decisions.append(
                    Decision(
                        key,
                        value,
                        _REJECTED,
                        f"Invalid annotation type {cut(key)}",
                        hint=unknown_hint(key, True),
                    )
                )
                continue
        elif d is None:
            decisions.append(
                Decision(
                    key,
                    value,
                    _REJECTED if strict else _UNKNOWN,
                    f"{WARNS}Annotation {cut(key)} not enabled (runtime-rs knows no such key)",
                    hint=unknown_hint(key, strict),
                )
            )
            continue
        if d.kind is RsKind.REFUSED:
            decisions.append(
                Decision(
                    key,
                    value,
                    _IGNORED,
                    f"{WARNS}Annotation {cut(key)} is not permitted from workload annotations",
                    hint="host bind mounts come only from sandbox_bind_mounts in the configuration file",
                )
            )
            continue
        try:
            old, new, hint = _apply(d, value, ctx)
        except _Reject as e:
            decisions.append(Decision(key, value, _REJECTED, e.reason, target=d.target, hint=e.hint))
            continue
        except _Ignore as e:
            decisions.append(Decision(key, value, _IGNORED, e.reason, target=d.target))
            continue
        if d.sector:
            sectors.append(len(decisions))
        decisions.append(
            Decision(key, value, _APPLIED, target=d.target, old=_shown(old), new=_shown(new), hint=hint)
        )

    # 4. logical <= physical, once both are known
    b = ctx.hv.blockdev_info
    lg, ph = b.block_device_logical_sector_size, b.block_device_physical_sector_size
    config_error: ConfigError | None = None
    if lg and ph and lg > ph:
        reason = f"invalid sector sizes: logical ({lg}) must not be larger than physical ({ph})"
        if sectors:
            for i in sectors:
                decisions[i] = msgspec.structs.replace(
                    decisions[i], outcome=_REJECTED, reason=reason, old=None, new=None
                )
        else:
            config_error = ConfigError(reason, file=runtime_config.path)

    result = tuple(decisions)
    if config_error is not None or any(x.outcome is _REJECTED for x in result):
        return RsOverridePlan(result, config_error=config_error)

    # 5. adjust again, as update_config_by_annotation ends
    try:
        hypervisors.adjust_config(work, host)
    except ConfigError as e:
        applied = [d for d in result if d.outcome is _APPLIED]
        if len(applied) == 1:  # the configuration itself adjusted when it was loaded: this one did it
            result = _reject(result, applied[0], e)
        elif applied:
            result = _charged(annotations, runtime_config, result, e, strict, host)
        if any(d.outcome is _REJECTED for d in result):
            return RsOverridePlan(result)
        return RsOverridePlan(result, config_error=e)
    return RsOverridePlan(result, config=work)


def _charged(
    annotations: Mapping[str, str],
    runtime_config: TomlConfig,
    decisions: tuple[Decision, ...],
    error: ConfigError,
    strict: bool,
    host: HostFacts | None,
) -> tuple[Decision, ...]:
    """An ``adjust_config`` failure (a path that does not resolve on the host) charged to the
    applied annotations that cause it on their own."""
    out = decisions
    for d in decisions:
        if d.outcome is not _APPLIED:
            continue
        alone = plan_annotations({d.key: annotations[d.key]}, runtime_config, strict=strict, host_checks=host)
        blamed = next((x for x in alone.decisions if x.key == d.key), None)
        if blamed is not None and blamed.outcome is _REJECTED:
            out = _reject(out, d, error)
    return out


def _reject(decisions: tuple[Decision, ...], d: Decision, error: ConfigError) -> tuple[Decision, ...]:
    reason = f"runtime-rs applies it, then adjust_config fails: {error.reason}"
    changed = msgspec.structs.replace(d, outcome=_REJECTED, reason=reason)
    return tuple(changed if x is d else x for x in decisions)


def update_config_by_annotation(
    annotations: Mapping[str, str], config: TomlConfig, *, host_checks: Any = None
) -> TomlConfig:
    """The configuration after the annotations, or :class:`~kata_oci.AnnotationError` /
    :class:`~kata_oci.ConfigError` where runtime-rs fails. ``config`` is left as it is."""
    return plan_annotations(annotations, config, host_checks=host_checks).result()


def with_agent_kernel_params(config: TomlConfig) -> TomlConfig:
    """``update_agent_kernel_params``: the agent's parameters put before the hypervisor's."""
    params = [k if v == "" else f"{k}={v}" for k, v in hypervisors.agent_kernel_params(config).items() if k]
    hv = config.hypervisor.get(config.runtime.hypervisor_name)
    if hv is not None:
        hv.boot_info.kernel_params = hypervisors.add_kernel_params(hv.boot_info.kernel_params, params)
    return config
