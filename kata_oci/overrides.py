"""Applying ``io.katacontainers.config.*`` annotations: any profile's table, gated, all-or-nothing.

The shared applier, beneath the profiles: it walks the spec's annotations
(not the table), looks each key up in a profile's compiled
:class:`AnnotationTable` (Kata 1.x's, :mod:`kata_oci.profiles.kata1.annotate`,
when none is given), and decides for each: applied, rejected
(with the reason and how to allow it), ignored (a valid value that changes
nothing, or an agent setting without a Kata agent) or unknown. When anything
is rejected, nothing is applied and one :class:`~kata_oci.AnnotationError`
lists every rejected annotation; otherwise a new configuration is returned.
The input configuration is never modified.

Each profile's rows bring their own parsing rules (Go's ``strconv``, in
:mod:`kata_oci.profiles.kata1.annotate` and :mod:`kata_oci.profiles.go.annotate`);
the ``enable_annotations`` gate is the rule they share (:mod:`kata_oci.gating`).
runtime-rs makes a pass of its own (:mod:`kata_oci.profiles.rs.annotate`) and
shares the result types.
"""

from __future__ import annotations

import enum
import functools
import operator
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

import msgspec
from msgspec import structs

from . import keyscan
from .errors import MAX_SHOWN, AnnotationError, AnnotationProblem, ConfigError, cut
from .gating import KATA_ANNOT_HYPERVISOR_PREFIX, KATA_ANNOTATIONS_PREFIX, gate
from .hints import KeyIndex, enable_hint
from .log import log
from .types import Feature

if TYPE_CHECKING:
    from .profiles.kata1.types import RuntimeConfig

__all__ = [
    "KATA1_KEY_INDEX",  # noqa: F822 - moved to profiles/kata1/annotate.py: __getattr__ finds them
    "KATA1_TABLE",  # noqa: F822
    "MAX_QEMU_VCPUS",  # noqa: F822
    "AnnotationTable",
    "Context",
    "Decision",
    "Finish",
    "Ignored",
    "OverridePlan",
    "Outcome",
    "Rejected",
    "apply_overrides",
    "config_section",
    "host_cpus",
    "plan_overrides",
]

#: A profile's SandboxConfig (a msgspec Struct): what the applier copies and updates.
_S = TypeVar("_S", bound=msgspec.Struct)

# How many unknown keys get a warning of their own: hostile specs may carry
# hundreds of thousands.
_HINT_LIMIT = 32
_EMPTY: Mapping[str, str] = {}


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


_REJECTED = Outcome.REJECTED


class Decision(msgspec.Struct, frozen=True):
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


class OverridePlan(msgspec.Struct, frozen=True):
    """Every annotation's decision, and the updates to make when none is rejected."""

    # A frozen Struct like Decision, not a @dataclass: dataclasses (inspect, copy) costs
    # `kata-oci convert` about a python start-up.
    decisions: tuple[Decision, ...]
    groups: Mapping[str, Mapping[str, Any]] = msgspec.field(default_factory=dict)
    assets: Mapping[str, str] = msgspec.field(default_factory=dict)
    config_error: ConfigError | None = None

    @property
    def updates(self) -> dict[str, Any]:
        """The new value of every target field, by dotted path (``hypervisor_config.num_vcpus``)."""
        return {
            (f"{head}.{attr}" if head else attr): value
            for head, changes in self.groups.items()
            for attr, value in changes.items()
        }

    @property
    def rejected(self) -> tuple[Decision, ...]:
        return tuple(d for d in self.decisions if d.outcome is Outcome.REJECTED)

    def raise_for_rejected(self) -> None:
        """Raise :class:`AnnotationError` listing every rejected annotation, if any."""
        rejected = self.rejected
        if rejected:
            # (a pod author may send thousands: a short str key or value is kept without a call)
            raise AnnotationError(
                [
                    AnnotationProblem(
                        k if type(k := d.key) is str and len(k) <= MAX_SHOWN else _shown(k),
                        v if type(v := d.value) is str and len(v) <= MAX_SHOWN else _shown(v),
                        d.reason + f" ({d.hint})" if d.hint else d.reason,
                    )
                    for d in rejected
                ]
            )
        if self.config_error is not None:
            raise self.config_error

    def apply(self, sandbox: _S) -> _S:
        """A new ``SandboxConfig`` with every update made; ``sandbox`` is left as it is."""
        self.raise_for_rejected()
        return _apply(sandbox, self.groups, self.assets)


def _apply(sandbox: _S, groups: Mapping[str, Mapping[str, Any]], assets: Mapping[str, str]) -> _S:
    if not groups and not assets:
        return sandbox
    top = dict(groups.get("", {}))
    for head, changes in groups.items():
        if head:
            top[head] = structs.replace(getattr(sandbox, head), **changes)
    if assets:
        top["annotations"] = {**sandbox.annotations, **assets}  # type: ignore[attr-defined]
    return structs.replace(sandbox, **top)


class Rejected(Exception):
    """Raised by a planner or a check: the annotation is rejected, with the reason and a hint."""

    def __init__(self, reason: str, hint: str | None = None) -> None:
        self.reason = reason
        self.hint = hint


class Ignored(Exception):
    """Raised by a planner: the value is valid but changes nothing (the reason says why)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


_Rejected = Rejected
_Ignored = Ignored


_shown = cut


def config_section(runtime_config: RuntimeConfig) -> str:
    """The configuration file's section a hint names: ``[hypervisor.<type>]``."""
    return f"[hypervisor.{runtime_config.hypervisor_type or '<name>'}]"


#: How many refused hypervisor keys of one pass get their own reason and the pattern to add (the
#: first by key, as an error lists them); the others share one reason and no hint. A pod author
#: may send thousands such keys, and Kata stops at the first: each costs a Decision, no more.
REFUSALS_DETAILED = AnnotationError.SHOWN
_NOT_ENABLED = "not enabled: no enable_annotations pattern matches "


class _Refusals:
    """The reason one pass gives every hypervisor key ``enable_annotations`` refuses (``shared``).

    :meth:`detail` then gives the first :data:`REFUSALS_DETAILED` by key
    their own reason (the suffix) and hint (the exact pattern to add).
    """

    __slots__ = ("runtime_config", "shared", "tail")

    def __init__(self, runtime_config: RuntimeConfig) -> None:
        patterns = runtime_config.hypervisor_config.enable_annotations
        self.runtime_config = runtime_config
        self.tail = (
            f" (enable_annotations = {list(patterns)!r})" if patterns else " (enable_annotations is empty)"
        )
        self.shared = _NOT_ENABLED + "its suffix" + self.tail

    def detail(self, decisions: list[Decision]) -> None:
        """Give the first refused keys of ``decisions`` (sorted by key) their own reason and hint."""
        where = f"{config_section(self.runtime_config)} of the configuration"
        left = REFUSALS_DETAILED
        for i, d in enumerate(decisions):
            if d.reason is self.shared:
                suffix = d.key[len(KATA_ANNOT_HYPERVISOR_PREFIX) :]
                reason = _NOT_ENABLED + repr(_shown(suffix)) + self.tail
                decisions[i] = structs.replace(d, reason=reason, hint=enable_hint(suffix, where))
                left -= 1
                if not left:
                    return


class _Context:
    """What a planner may consult: the runtime configuration, the sandbox before overrides, the features."""

    __slots__ = ("features", "runtime_config", "sandbox")

    def __init__(self, runtime_config: Any, sandbox: Any, features: Mapping[str, Feature]):
        self.runtime_config = runtime_config
        self.sandbox = sandbox
        self.features = features


Context = _Context


_Planner = Callable[[str, _Context], tuple[Any, Any]]


class _Entry(NamedTuple):
    """A declaration with what the hot path needs, precomputed."""

    decl: Any  # the profile's declaration (its .key, .target, .gated, .asset)
    planner: _Planner
    gate_suffix: str | None  # the key without the hypervisor prefix, when gated
    head: str | None  # target struct ("" for SandboxConfig itself)
    attr: str | None  # target field


def _entry(decl: Any, compile: Callable[[Any], _Planner]) -> _Entry:
    suffix = decl.key[len(KATA_ANNOT_HYPERVISOR_PREFIX) :] if decl.gated else None
    head = attr = None
    if decl.target is not None:
        # interned: structs.replace(**changes) finds an interned name by identity, ~3x faster
        # on go's 120-field HypervisorConfig than a sliced string it compares field by field
        head, _, attr = map(sys.intern, decl.target.rpartition("."))
    return _Entry(decl, compile(decl), suffix, head, attr)


class Finish:
    """The cross-key checks a table runs after every annotation was planned.

    ``groups`` holds the updates so far (target struct -> field -> new
    value). :meth:`reject` turns an applied annotation into a rejected one;
    :meth:`fail` records a problem of the configuration itself; :meth:`set`
    makes a side update Kata makes; :meth:`note` and :meth:`show` change
    what a recorded decision says.
    """

    __slots__ = ("annotations", "decisions", "groups", "record", "result", "runtime_config", "sandbox")

    def __init__(
        self, result: _Result, annotations: Mapping[str, str], sandbox: Any, runtime_config: Any, record: bool
    ) -> None:
        self.result = result
        self.annotations = annotations
        self.sandbox = sandbox
        self.runtime_config = runtime_config
        self.groups = result.groups
        self.decisions = result.decisions
        self.record = record

    def value(self, head: str, attr: str) -> Any:
        """A field's value after the updates so far (``head`` "" for the sandbox itself)."""
        group = self.groups.get(head)
        if group is not None and attr in group:
            return group[attr]
        base = getattr(self.sandbox, head) if head else self.sandbox
        return getattr(base, attr)

    def set(self, head: str, attr: str, value: Any) -> None:
        """Make one more update (a side effect of the annotations, in Kata's order)."""
        self.groups.setdefault(head, {})[attr] = value

    def reject(self, key: str, reason: str, hint: str | None = None) -> None:
        """Reject annotation ``key``, replacing its applied decision (or adding the rejection)."""
        self.result.rejected = True
        rejected = Decision(key, self.annotations.get(key, ""), Outcome.REJECTED, reason, None, hint=hint)
        for i, d in enumerate(self.decisions):
            if d.key == key:
                self.decisions[i] = structs.replace(rejected, target=d.target)
                return
        self.decisions.append(rejected)

    def note(self, key: str, reason: str) -> None:
        """Add a remark to annotation ``key``'s applied decision (a later key changed its effect)."""
        for i, d in enumerate(self.decisions):
            if d.key == key and d.outcome is Outcome.APPLIED:
                self.decisions[i] = structs.replace(d, reason=reason)
                return

    def show(self, key: str, old: Any, new: Any) -> None:
        """Show other values in annotation ``key``'s applied decision (a summary instead of a secret)."""
        for i, d in enumerate(self.decisions):
            if d.key == key and d.outcome is Outcome.APPLIED:
                self.decisions[i] = structs.replace(d, old=old, new=new)
                return

    def redact(self, key: str, text: str) -> None:
        """Show ``text`` instead of annotation ``key``'s value in its decision, whatever the outcome."""
        for i, d in enumerate(self.decisions):
            if d.key == key:
                self.decisions[i] = structs.replace(d, value=text)

    def fail(self, error: ConfigError) -> None:
        """The configuration itself is wrong (not an annotation): conversion fails with ``error``."""
        if self.result.config_error is None:
            self.result.config_error = error


class AnnotationTable:
    """One profile's annotation table, compiled for the applier once.

    ``declarations`` are the rows (each with ``.key``, ``.target``,
    ``.gated``, ``.asset``); ``compile`` turns a row into its planner (a
    function ``(raw, context) -> (old, new)`` raising :class:`Rejected` or
    :class:`Ignored`), so each profile registers its own kinds, parsers and
    checks. ``finish`` runs the checks that span keys (``virtio-fs`` needs a
    daemon, ...). ``title`` names the Kata the table describes in messages
    ("Kata 1.x"); ``removed_keys`` maps keys of other profiles or older
    Katas to the hint sentence unknown keys get (through ``key_index``).
    ``config_passes(sandbox)`` says whether the configuration alone passes
    ``finish``: a spec without annotations then skips the pass (the most
    common conversion). It must agree with ``finish`` on an empty pass.
    """

    __slots__ = (
        "_key_index",
        "by_key",
        "config_passes",
        "declarations",
        "entries",
        "finish",
        "name",
        "not_overrides",
        "other_keys",
        "removed_keys",
        "title",
        "unprefixed_keys",
    )

    def __init__(
        self,
        name: str,
        title: str,
        declarations: tuple[Any, ...],
        *,
        compile: Callable[[Any], _Planner],
        not_overrides: frozenset[str],
        finish: Callable[[Finish], None] | None = None,
        removed_keys: Mapping[str, str] | None = None,
        config_passes: Callable[[Any], bool] | None = None,
    ) -> None:
        self.name = name
        self.title = title
        self.declarations = declarations
        self.by_key: Mapping[str, Any] = {d.key: d for d in declarations}
        self.entries: dict[str, _Entry] = {d.key: _entry(d, compile) for d in declarations}
        self.not_overrides = not_overrides
        self.finish = finish
        self.config_passes = config_passes if finish is not None else _always
        self.removed_keys: Mapping[str, str] = dict(removed_keys or {})
        self._key_index: KeyIndex | None = None  # built on first use: only an unknown key needs it
        # The table's keys without a literal "kata" (Kata 4.1's sgx.intel.com/epc), which the scan
        # for "kata" may miss:
        # a spec holding one takes the pass over every key (see _kata_keys).
        self.other_keys = tuple(k for k in (*self.entries, *not_overrides) if "kata" not in k)
        # The table's keys outside io.katacontainers., which the quiet scan (for that prefix) misses.
        self.unprefixed_keys = tuple(k for k in self.entries if not k.startswith(KATA_ANNOTATIONS_PREFIX))

    @property
    def key_index(self) -> KeyIndex:
        """The index of the table's keys for unknown keys' hints, built when first asked (~1-2 ms)."""
        index = self._key_index
        if index is None:
            index = self._key_index = KeyIndex([*self.by_key, *self.not_overrides], self.removed_keys)
        return index

    def __repr__(self) -> str:
        return f"<AnnotationTable {self.name}: {len(self.declarations)} keys>"


def _always(sandbox: Any) -> bool:
    """A table without cross-key checks: any configuration passes."""
    return True


def _kata1_table() -> AnnotationTable:
    """Kata 1.x's table, the seed API's default (``table=None``).

    Imported when first asked: the applier sits beneath the profiles, and
    kata1's rows live in :mod:`kata_oci.profiles.kata1.annotate`.
    """
    from .profiles.kata1.annotate import KATA1_TABLE

    return KATA1_TABLE


#: Names that moved to :mod:`kata_oci.profiles.kata1.annotate`, still found here (for reading:
#: kata1's rows read their own module's globals, so patch them there).
_MOVED = frozenset({"KATA1_TABLE", "KATA1_KEY_INDEX", "MAX_QEMU_VCPUS"})


def __getattr__(name: str) -> Any:
    """Kata 1.x's table, its hint index and QEMU's vCPU limit, from their own module."""
    if name in _MOVED:
        from .profiles.kata1 import annotate

        return getattr(annotate, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _looks_like_kata(key: str) -> bool:
    """A key that is not under io.katacontainers. but may have been meant to be."""
    if "kata" not in key and "Kata" not in key and "KATA" not in key:
        return False
    return not key.startswith(KATA_ANNOTATIONS_PREFIX)


# From keyscan.SCAN_FROM annotations on, the pass reads only the keys of the blocks that may hold
# "kata" (kata_oci.keyscan: its block sizes and threshold, shared with runtime-rs's pass).
# The three forms of "kata" _evaluate looks for. re's search for a literal runs a tight C loop
# over its first letter: about twice as fast as str.find's on annotation keys.
_KATA = re.compile("kata").search
_KATA_TITLE = re.compile("Kata").search
_KATA_UPPER = re.compile("KATA").search


def _may_hold_kata(text: str) -> bool:
    """Whether ``text`` holds "kata", "Kata" or "KATA" (the last two looked for only after a "K")."""
    return _KATA(text) is not None or (
        "K" in text and (_KATA_TITLE(text) is not None or _KATA_UPPER(text) is not None)
    )


def _may_hold_prefixed(text: str) -> bool:
    """Whether newline-joined keys may hold one under ``io.katacontainers.`` (they hold "katacontainers.")."""
    return _KATACONTAINERS(text) is not None


# re's search for a literal scans for its first letter, rare in keys: faster than "\nio.kata..." in text
_KATACONTAINERS = re.compile(re.escape(KATA_ANNOTATIONS_PREFIX[3:])).search


def _kata_keys(annotations: Mapping[str, str]) -> list[str] | None:
    """The keys that may hold "kata", "Kata" or "KATA", in the mapping's order, without a loop over every key.

    Only such keys can do anything in :func:`_evaluate`: the table's keys
    (bar ``other_keys``), ``io.katacontainers.`` keys, and the other keys
    that may have been meant as one ("kata", "Kata" or "KATA" anywhere).
    ``None`` when a key is not a string (the pass then says what it says of
    such a mapping).
    """
    return keyscan.keys_matching(annotations, _may_hold_kata)


class _Result:
    """What one pass over the annotations found."""

    __slots__ = ("assets", "config_error", "decisions", "groups", "rejected")

    def __init__(self) -> None:
        self.decisions: list[Decision] = []
        self.groups: dict[str, dict[str, Any]] = {}  # target struct -> field -> new value
        self.assets: dict[str, str] = {}
        self.rejected = False
        self.config_error: ConfigError | None = None


def _evaluate(
    annotations: Mapping[str, str] | None,
    sandbox: Any,
    runtime_config: Any,
    features: Mapping[str, Feature],
    strict: bool,
    record: bool,
    warn: bool,
    key_index: KeyIndex | None,
    table: AnnotationTable,
) -> _Result:
    """One pass over the spec's annotations (not the table): the whole decision, made once.

    With ``record`` false (the conversion's hot path) only the updates and
    the rejected decisions are kept: an error is built from this same pass,
    never from a second one that could see another host (a file appearing).
    """
    if not annotations:  # nothing to decide: only the table's checks of the configuration itself
        result = _Result()
        if table.finish is not None:
            table.finish(Finish(result, _EMPTY, sandbox, runtime_config, record))
        if record or result.rejected:
            result.decisions.sort(key=_by_key)
        return result
    ctx = _Context(runtime_config, sandbox, features)
    gate_cache, gate_compute = gate(tuple(runtime_config.hypervisor_config.enable_annotations))
    kata_prefix = KATA_ANNOTATIONS_PREFIX
    hyp_prefix = KATA_ANNOT_HYPERVISOR_PREFIX
    hyp_len = len(hyp_prefix)
    result = _Result()
    decisions = result.decisions
    groups = result.groups
    unknown: list[tuple[str, str]] = []  # io.katacontainers. keys not in the table
    misspelt: list[tuple[str, str]] = []  # other keys that may have meant one
    entries = table.entries
    not_overrides = table.not_overrides
    items: Iterable[tuple[str, str]] = (annotations or _EMPTY).items()
    quiet = False  # (found out only for many annotations: a look-alike key costs a few steps)
    refusals: _Refusals | None = None  # made at the first key enable_annotations refuses
    if annotations and len(annotations) >= keyscan.SCAN_FROM:
        # Nothing will show a key that only looks like a Kata key (not recorded, not strict, no
        # warning heard): then only the io.katacontainers. keys can change the result, and the scan
        # looks for that prefix, not for "kata" anywhere (a pod author may write "kata" in every key).
        quiet = not (record or strict or (warn and log.enabled("warning")))
        found: list[str] | None = None
        if quiet and not any(k in annotations for k in table.unprefixed_keys):
            found = keyscan.keys_matching(annotations, _may_hold_prefixed, prefix=KATA_ANNOTATIONS_PREFIX)
        elif not any(k in annotations for k in table.other_keys):
            found = _kata_keys(annotations)
        if found is not None:
            items = [(key, annotations[key]) for key in found]
    for key, raw in items:
        entry = entries.get(key)
        if entry is not None:
            decl, planner, suffix, head, attr = entry
            if (
                suffix is not None
                and (gate_cache[suffix] if suffix in gate_cache else gate_compute(suffix)) is None
            ):
                result.rejected = True
                if refusals is None:
                    refusals = _Refusals(runtime_config)
                decisions.append(Decision(key, raw, _REJECTED, refusals.shared, decl.target))
                continue
            try:
                old, new = planner(raw, ctx)
            except _Rejected as rej:
                result.rejected = True
                decisions.append(Decision(key, raw, Outcome.REJECTED, rej.reason, decl.target, hint=rej.hint))
                continue
            except _Ignored as ign:
                if record:
                    decisions.append(Decision(key, raw, Outcome.IGNORED, ign.reason, decl.target))
                continue
            if decl.asset:
                result.assets[key] = raw
            if head is not None:
                group = groups.get(head)
                if group is None:
                    group = groups[head] = {}
                group[attr] = new  # type: ignore[index]
            if record:
                decisions.append(
                    Decision(key, raw, Outcome.APPLIED, target=decl.target or "annotations", old=old, new=new)
                )
            continue
        if "kata" not in key and "Kata" not in key and "KATA" not in key:
            continue  # neither an io.katacontainers. key nor one meant as one (the cheapest test)
        if not key.startswith(kata_prefix):
            if not quiet and _looks_like_kata(key):
                misspelt.append((key, raw))
            continue
        # an io.katacontainers. key that is not in the table
        if (
            key.startswith(hyp_prefix)
            and (gate_cache[suffix] if (suffix := key[hyp_len:]) in gate_cache else gate_compute(suffix))
            is None
        ):
            result.rejected = True
            if refusals is None:
                refusals = _Refusals(runtime_config)
            decisions.append(Decision(key, raw, _REJECTED, refusals.shared))
            continue
        if key in not_overrides:
            if record:
                decisions.append(
                    Decision(key, raw, Outcome.IGNORED, "set by the runtime, not a configuration override")
                )
            continue
        unknown.append((key, raw))
    if unknown or misspelt:
        index = table.key_index if key_index is None else key_index
        _unknown_keys(unknown, misspelt, result, strict, record, warn, index, table.title)
    if table.finish is not None:
        table.finish(Finish(result, annotations or _EMPTY, sandbox, runtime_config, record))
    if record or result.rejected:
        decisions.sort(key=_by_key)
    if refusals is not None:
        refusals.detail(decisions)
    return result


def plan_overrides(
    annotations: Mapping[str, str] | None,
    sandbox: Any,
    runtime_config: Any,
    *,
    features: Mapping[str, Feature],
    strict: bool = False,
    key_index: KeyIndex | None = None,
    table: AnnotationTable | None = None,
) -> OverridePlan:
    """Decide what every Kata annotation does to ``sandbox``, changing nothing.

    ``features`` are the registered experimental features by name (an
    engine's ``features``: :func:`kata_oci.plan_overrides` passes the default
    engine's); ``strict`` rejects unknown
    ``io.katacontainers.`` keys instead of warning about them; ``key_index``
    gives unknown keys their hints (the table's when ``None``); ``table`` is
    the profile's annotation table (Kata 1.x's when ``None``), ``sandbox``
    and ``runtime_config`` that profile's types.
    """
    tab = _kata1_table() if table is None else table
    found = _evaluate(
        annotations,
        sandbox,
        runtime_config,
        features,
        strict,
        True,
        True,
        key_index,
        tab,
    )
    return OverridePlan(tuple(found.decisions), found.groups, found.assets, found.config_error)


#: A decision's sort key (in C: a pass may sort thousands of decisions).
_by_key = operator.attrgetter("key")


def _unknown_keys(
    unknown: list[tuple[str, str]],
    misspelt: list[tuple[str, str]],
    result: _Result,
    strict: bool,
    record: bool,
    warn: bool,
    key_index: KeyIndex,
    title: str = "Kata 1.x",
) -> None:
    """Decide the keys no row knows, in key order, so the outcome does not depend on the spec's order.

    Every unknown ``io.katacontainers.`` key is unknown (rejected when
    strict); another key counts only when the index names the known key it
    stands for (a wrong prefix, or one edit away). Hints cost microseconds
    (see :mod:`kata_oci.hints`), and an unknown key's is computed only when
    it is shown: recorded, in an error, or in one of the first _HINT_LIMIT
    warnings of a logger that emits warnings.
    """
    log_on = warn and log.enabled("warning")
    if not (record or strict or log_on):
        return  # nothing will show these keys, and they change nothing: no hint is worth its cost
    # (key, value, whether the hint is computed, the closest known key)
    counted: list[tuple[str, str, bool, str | None]] = [(key, raw, False, None) for key, raw in unknown]
    for key, raw in misspelt:
        closest = key_index.closest(key)
        if closest is not None:
            counted.append((key, raw, True, closest))
    counted.sort()
    shown = 0
    removed = key_index.removed
    for key, raw, known, closest in counted:
        shown += 1
        log_it = log_on and shown <= _HINT_LIMIT
        sentence = None
        if not known and (record or strict or log_it):
            sentence = removed.get(key)
            closest = None if sentence is not None else key_index.closest(key)
        text = sentence or (f"did you mean {closest}?" if closest is not None else None)
        if log_it:
            log.warning("unknown_annotation", key=_shown(key), closest=closest, hint=text)
        if strict:
            result.rejected = True
            result.decisions.append(Decision(key, raw, Outcome.REJECTED, "unknown annotation", hint=text))
        elif record:
            result.decisions.append(
                Decision(key, raw, Outcome.UNKNOWN, f"not an annotation {title} knows: ignored", hint=text)
            )
    if log_on and shown > _HINT_LIMIT:
        log.warning("unknown_annotations", count=shown, shown=_HINT_LIMIT)


def apply_overrides(
    annotations: Mapping[str, str] | None,
    sandbox: _S,
    runtime_config: Any,
    *,
    features: Mapping[str, Feature],
    strict: bool = False,
    key_index: KeyIndex | None = None,
    table: AnnotationTable | None = None,
) -> _S:
    """Apply every Kata annotation to a copy of ``sandbox``, or raise having applied none.

    Raises :class:`AnnotationError` (every rejected annotation, sorted by
    key) or, when the configuration itself asks for virtio-fs without a
    daemon, :class:`ConfigError`. One pass decides: the error lists the
    rejections that pass found. ``features`` and ``table`` as in
    :func:`plan_overrides`.
    """
    tab = _kata1_table() if table is None else table
    if not annotations and (passes := tab.config_passes) is not None and passes(sandbox):
        return sandbox  # nothing to decide, and the configuration passes the table's checks
    found = _evaluate(annotations, sandbox, runtime_config, features, strict, False, True, key_index, tab)
    if found.rejected or found.config_error is not None:
        OverridePlan(
            tuple(found.decisions), found.groups, found.assets, found.config_error
        ).raise_for_rejected()
        raise AssertionError("a rejecting pass recorded no rejection")  # pragma: no cover
    return _apply(sandbox, found.groups, found.assets)
