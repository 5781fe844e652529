"""Kata 4.1's annotation rules compiled for the shared applier (:mod:`kata_oci.overrides`).

The parsers (one per :class:`~kata_oci.profiles.go.table.Kind`, Go's parsing
rules through :mod:`kata_oci.golang`), the planner each row of
:data:`~kata_oci.profiles.go.table.DECLARATIONS` compiles to, and the checks
that span keys (:func:`finish`), in the order ``addAnnotations`` makes them:

* ``blk_logical_sector_size`` must not exceed ``blk_physical_sector_size``
  (when both are set, from annotations or the configuration);
* ``shared_fs = virtio-fs`` needs a ``virtio_fs_daemon``;
* ``hot_plug_vfio`` sets ``cold_plug_vfio`` to ``no-port`` and the other way
  round, in that order (given both, hot plug ends up off);
* ``cc_init_data`` also sets ``initdata_digest``; decisions show what the
  initdata and the policy hold, never their contents.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

from kata_oci import golang
from kata_oci.errors import ConfigError, KataOCIError
from kata_oci.overrides import (
    AnnotationTable,
    Context,
    Finish,
    Ignored,
    OverridePlan,
    Rejected,
    apply_overrides,
    plan_overrides,
)
from kata_oci.types import NetInterworkingModel, Param

from . import initdata as _initdata, table as t
from .table import Declaration, Effect, Kind, When
from .types import GuestNUMANode, HypervisorType, PCIePort, VFIOModeType

__all__ = ["GO_TABLE", "apply_annotations", "plan_annotations"]

_SHOWN = 200
_UINT32_MAX = 0xFFFF_FFFF
_FLOAT32_MAX = 3.4028234663852886e38
#: Where the host's NUMA nodes are described (Kata reads it for numa_mapping).
NUMA_NODE_ROOT = "/sys/devices/system/node"
_MAX_NUMA_IDS = 4096  # Linux has at most 1024 nodes; Go would walk any range, kata-oci stops here


def _shown(value: str) -> str:
    return value if len(value) <= _SHOWN else value[:_SHOWN] + f"...({len(value)} characters)"


# -- parsers: raw string -> value ------------------------------------------------------------

_Parser = Callable[[Declaration, str, Context], Any]
_BOOL_EXPECTED = "a boolean (1, t, T, TRUE, true, True, 0, f, F, FALSE, false, False)"


def _parse_bool(decl: Declaration, raw: str, ctx: Context) -> Any:
    try:
        return golang.parse_bool(raw)
    except golang.NumError as exc:
        raise Rejected(f"{exc.err}: expected {_BOOL_EXPECTED}") from None


def _parse_uint64(decl: Declaration, raw: str, ctx: Context) -> int:
    try:
        return golang.parse_uint(raw, 64)
    except golang.NumError as exc:
        raise Rejected(
            f"{exc.err}: expected an unsigned decimal integer (0 to 18446744073709551615)"
        ) from None


def _parse_uint32(decl: Declaration, raw: str, ctx: Context) -> Any:
    value = _parse_uint64(decl, raw, ctx)
    if value > _UINT32_MAX:
        raise Rejected(
            f"{value} is more than 4294967295: Kata 4.1 would silently wrap it to {value & _UINT32_MAX}"
        )
    return value


def _parse_float32(decl: Declaration, raw: str, ctx: Context) -> Any:
    try:
        value = golang.parse_float(raw, 32)
    except golang.NumError as exc:
        raise Rejected(f"{exc.err}: expected a non-negative number") from None
    if value != value:
        raise Rejected("NaN is not a number of vCPUs (Kata 4.1 would take it)")
    if value < 0:
        raise Rejected("must not be negative")
    if value > _FLOAT32_MAX:
        raise Rejected("the number is too large for a 32-bit float")
    return value


def _parse_choice(decl: Declaration, raw: str, ctx: Context) -> Any:
    if raw not in decl.choices:
        raise Rejected(f"{_shown(raw)!r} is not supported (supported: {', '.join(decl.choices)})")
    return raw


def _parse_path(decl: Declaration, raw: str, ctx: Context) -> Any:
    assert decl.allow_list is not None
    globs: list[str] = getattr(ctx.runtime_config.hypervisor_config, decl.allow_list)
    if golang.path_in_globs(globs, raw):
        return raw
    setting = t.ALLOW_LIST_SETTINGS[decl.allow_list]
    if globs:
        reason = f"{_shown(raw)!r} is not a file matched by {setting} = {list(globs)!r}"
    else:
        reason = f"{setting} is empty, so no value is allowed"
    where = f"[hypervisor.{ctx.runtime_config.hypervisor_type or '<name>'}]"
    raise Rejected(reason, f"to allow it, list it in {setting} in {where} of the configuration")


def _parse_kernel_params(decl: Declaration, raw: str, ctx: Context) -> Any:
    """``vc.DeserializeParams(strings.Fields(raw))``, refusing an empty key (one loop)."""
    params = []
    for item in golang.fields(raw):  # never "": deserialize_params' skip is not needed
        key, _, value = item.partition("=")
        if not key:
            raise Rejected(f"kernel parameter {_shown('=' + value)!r} has an empty key")
        params.append(Param(key=key, value=value))
    return params


_GO_WS = "".join(sorted(golang.GO_SPACE))


def _verity_error(reason: str) -> Rejected:
    return Rejected(f"invalid kernel_verity_params: {reason}")


def _parse_kernel_verity(decl: Declaration, raw: str, ctx: Context) -> Any:
    """``vc.ParseKernelVerityParams``: the value is kept as written once it parses."""
    if not raw.strip(_GO_WS):
        return raw
    values: dict[str, str] = {}
    for field in raw.split(","):
        field = field.strip(_GO_WS)
        if not field:
            continue
        key, sep, value = field.partition("=")
        if not sep:
            raise _verity_error(f"entry {_shown(field)!r} is not key=value")
        values[key] = value
    if not values.get("root_hash"):
        raise _verity_error("missing root_hash")
    numbers = {}
    for name in ("data_blocks", "data_block_size", "hash_block_size"):
        value = values.get(name, "")
        if not value:
            raise _verity_error(f"missing {name}")
        try:
            numbers[name] = golang.parse_uint(value, 64)
        except golang.NumError as exc:
            raise _verity_error(f"{name} {_shown(value)!r}: {exc.err}") from None
    if not values.get("salt"):
        raise _verity_error("missing salt")
    for name, number in numbers.items():
        if number == 0:
            raise _verity_error(f"{name} must be non-zero")
    for name in ("data_block_size", "hash_block_size"):
        if numbers[name] % 512:
            raise _verity_error(f"{name} must be a multiple of 512")
    return raw


def _parse_list(decl: Declaration, raw: str, ctx: Context) -> Any:
    return golang.split(raw, decl.separator)


def _parse_json_list(decl: Declaration, raw: str, ctx: Context) -> Any:
    """``json.Unmarshal`` into ``[]string``: ``null`` is no argument, a ``null`` element is ""."""
    try:
        value = json.loads(raw, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        raise Rejected(f"not JSON: {reason}; expected a JSON list of strings") from None
    if value is None:
        return []
    if not isinstance(value, list) or not all(v is None or isinstance(v, str) for v in value):
        raise Rejected('expected a JSON list of strings, such as ["--thread-pool-size=1"]')
    # a null element leaves Go's string at its zero value ""
    return ["" if v is None else _LONE_SURROGATE.sub("\ufffd", v) for v in value]


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _parse_features(decl: Declaration, raw: str, ctx: Context) -> Any:
    chosen = []
    for name in golang.split(raw, decl.separator):
        feature = ctx.features.get(name)
        if feature is None:
            known = ", ".join(sorted(ctx.features)) or "none"
            raise Rejected(f"unsupported experimental feature {_shown(name)!r} (registered: {known})")
        chosen.append(feature)
    return chosen


def _parse_network_model(decl: Declaration, raw: str, ctx: Context) -> Any:
    try:
        return NetInterworkingModel.from_setting(raw)
    except KataOCIError:
        raise Rejected(
            f"unknown network model {_shown(raw)!r} (known: default, macvtap, tcfilter, none)"
        ) from None


def _parse_pcie_port(decl: Declaration, raw: str, ctx: Context) -> Any:
    if raw == "":
        return PCIePort.NO_PORT
    if raw not in t.PCIE_PORTS:
        raise Rejected(f"invalid PCIe port {_shown(raw)!r} (valid: {', '.join(t.PCIE_PORTS)})")
    return PCIePort(raw)


def _parse_vfio_mode(decl: Declaration, raw: str, ctx: Context) -> Any:
    if raw not in t.VFIO_MODES:
        raise Rejected(f"unknown VFIO mode {_shown(raw)!r} (known: {', '.join(t.VFIO_MODES)})")
    return VFIOModeType(raw)


def _atoi(s: str) -> int | None:
    """``strconv.Atoi``: an optional sign and ASCII digits, within int64."""
    body = s[1:] if s[:1] in ("+", "-") else s
    if not body or not body.isascii() or not body.isdigit():
        return None
    n = int(body[:20]) if len(body) <= 20 else 1 << 64
    n = -n if s[:1] == "-" else n
    return n if -(1 << 63) <= n < (1 << 63) else None


def _cpuset(spec: str) -> list[int]:
    """``cpuset.Parse`` then ``ToSlice``: sorted unique ids (a range of 3 parts is skipped, as in Kata)."""
    if spec == "":
        return []
    ids: set[int] = set()
    for part in spec.split(","):
        bounds = part.split("-")
        if len(bounds) == 1:
            n = _atoi(bounds[0])
            if n is None:
                raise Rejected(
                    f"invalid NUMA node list {_shown(spec)!r}: {_shown(bounds[0])!r} is not a number"
                )
            ids.add(n)
        elif len(bounds) == 2:
            lo, hi = _atoi(bounds[0]), _atoi(bounds[1])
            if lo is None or hi is None:
                raise Rejected(f"invalid NUMA node list {_shown(spec)!r}: {_shown(part)!r} is not a range")
            if hi - lo + 1 + len(ids) > _MAX_NUMA_IDS:
                raise Rejected(f"NUMA node list {_shown(spec)!r} names more than {_MAX_NUMA_IDS} nodes")
            ids.update(range(lo, hi + 1))
        if len(ids) > _MAX_NUMA_IDS:
            raise Rejected(f"NUMA node list {_shown(spec)!r} names more than {_MAX_NUMA_IDS} nodes")
    return sorted(ids)


def _node_cpus(node: int) -> str:
    path = os.path.join(NUMA_NODE_ROOT, f"node{node}", "cpulist")
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read(1 << 16)
    except OSError as exc:
        raise Rejected(f"host NUMA node {node} is not available ({path}: {exc.strerror or exc})") from None
    return text.removesuffix("\n")


def _host_nodes() -> list[int]:
    path = os.path.join(NUMA_NODE_ROOT, "online")
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read(1 << 16)
    except OSError as exc:
        raise Rejected(f"cannot list the host's NUMA nodes ({path}: {exc.strerror or exc})") from None
    return _cpuset(text.removesuffix("\n"))


def _parse_numa_mapping(decl: Declaration, raw: str, ctx: Context) -> Any:
    """``vcutils.GetGuestNUMANodes(strings.Fields(value))``, reading the host's sysfs as Kata does."""
    mapping = golang.fields(raw)
    nodes = []
    if mapping:
        for host_nodes in mapping:
            cpus = ""
            for node in _cpuset(host_nodes):
                more = _node_cpus(node)
                cpus = f"{cpus},{more}" if cpus else more
            nodes.append(GuestNUMANode(host_nodes=host_nodes, host_cpus=cpus))
    else:
        nodes = [GuestNUMANode(host_nodes=str(n), host_cpus=_node_cpus(n)) for n in _host_nodes()]
    return _NumaValue(nodes, mapping)


class _NumaValue(list[GuestNUMANode]):
    """The guest NUMA nodes, carrying the raw mapping (Kata also keeps it in ``numa_mapping``)."""

    def __init__(self, nodes: list[GuestNUMANode], mapping: list[str]) -> None:
        super().__init__(nodes)
        self.mapping = mapping


_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_SUFFIXES = frozenset({"", "n", "u", "m", "k", "M", "G", "T", "P", "E"})


def _parse_quantity(decl: Declaration, raw: str, ctx: Context) -> Any:
    """``resource.ParseQuantity``, which Kata requires in the BinarySI format, then ``AsInt64``."""
    fmt_hint = "use Ki | Mi | Gi | Ti | Pi | Ei as suffix"
    if raw == "":
        raise Rejected("cannot parse an empty quantity")
    if raw == "0":
        raise Rejected(f"unsupported EPC format {raw!r}: {fmt_hint}")
    pos, end = 0, len(raw)
    negative = False
    if raw[0] in "+-":
        negative, pos = raw[0] == "-", 1
    while pos < end and raw[pos] == "0":
        pos += 1
    start = pos
    while pos < end and "0" <= raw[pos] <= "9":
        pos += 1
    num = raw[start:pos] or "0"
    denom = ""
    if pos < end and raw[pos] == ".":
        pos += 1
        dstart = pos
        while pos < end and "0" <= raw[pos] <= "9":
            pos += 1
        denom = raw[dstart:pos]
    suffix_start = pos
    while pos < end and raw[pos] in "eEinumkKMGTP":
        pos += 1
    if pos < end and raw[pos] in "+-":
        pos += 1
    while pos < end and "0" <= raw[pos] <= "9":
        pos += 1
    if pos != end:
        raise Rejected(f"cannot parse quantity {_shown(raw)!r}: not a number with a unit such as 64Mi")
    suffix = raw[suffix_start:]
    exponent = _BINARY_SUFFIXES.get(suffix)
    if exponent is None:
        decimal_exp = len(suffix) > 1 and suffix[0] in "eE" and _atoi(suffix[1:]) is not None
        if suffix in _DECIMAL_SUFFIXES or decimal_exp:
            raise Rejected(f"unsupported EPC format {_shown(raw)!r}: {fmt_hint}")
        raise Rejected(f"cannot parse quantity {_shown(raw)!r}: unknown suffix {_shown(suffix)!r}")
    precision = 15 - len(num) - int(exponent * 3 / 10) - 1
    if denom or precision < 0:
        raise Rejected(
            f"{_shown(raw)!r} is not read exactly by Kata 4.1 (only a whole number with Ki, Mi, Gi or Ti "
            "of up to 11, 8, 5 or 2 digits is; Kata would set the EPC size to 0)"
        )
    value = int(num) << exponent
    return -value if negative else value


def _parse_initdata(decl: Declaration, raw: str, ctx: Context) -> Any:
    try:
        return _initdata.decode_initdata(raw)
    except _initdata.InitdataError as exc:
        raise Rejected(f"initdata {exc.step} step failed: {exc.reason}") from None


def _parse_base64(decl: Declaration, raw: str, ctx: Context) -> Any:
    try:
        data = _initdata.decode_base64(raw)
    except _initdata.InitdataError as exc:
        raise Rejected(f"not base64: {exc.reason}") from None
    return data.decode("utf-8", "replace")


def _parse_raw(decl: Declaration, raw: str, ctx: Context) -> Any:
    return raw


PARSERS: Mapping[Kind, _Parser] = {
    Kind.BOOL: _parse_bool,
    Kind.UINT32: _parse_uint32,
    Kind.UINT64: _parse_uint64,
    Kind.FLOAT32: _parse_float32,
    Kind.STRING: _parse_raw,
    Kind.PATH: _parse_path,
    Kind.CHOICE: _parse_choice,
    Kind.KERNEL_PARAMS: _parse_kernel_params,
    Kind.KERNEL_VERITY: _parse_kernel_verity,
    Kind.LIST: _parse_list,
    Kind.JSON_LIST: _parse_json_list,
    Kind.FEATURES: _parse_features,
    Kind.NETWORK_MODEL: _parse_network_model,
    Kind.PCIE_PORT: _parse_pcie_port,
    Kind.VFIO_MODE: _parse_vfio_mode,
    Kind.NUMA_MAPPING: _parse_numa_mapping,
    Kind.QUANTITY: _parse_quantity,
    Kind.INITDATA: _parse_initdata,
    Kind.BASE64: _parse_base64,
    Kind.ASSET: _parse_raw,
}


def _replace_params(old: list[Param], new: list[Param]) -> list[Param]:
    """Kata 4.1's kernel_params rule: each parameter drops every earlier one with its key, then is added.

    The same result as Go's loop (configured parameters whose key the
    annotation does not name, in order, then the annotation's last parameter
    of each key, in order), in linear time.
    """
    keys = {p.key for p in new}
    kept = [p for p in old if p.key not in keys] if old else []
    if len(keys) == len(new):  # no key twice in the annotation: each of its parameters is the last
        return kept + new
    last = {p.key: i for i, p in enumerate(new)}
    return kept + [p for i, p in enumerate(new) if last[p.key] == i]


_REMOTE_ONLY = (When.REMOTE, When.REMOTE_NON_EMPTY)
_NON_EMPTY = (When.NON_EMPTY, When.REMOTE_NON_EMPTY)


def _compile(decl: Declaration) -> Callable[[str, Context], tuple[Any, Any]]:
    """The planner of one row: (old, new), or Rejected / Ignored."""
    if not decl.applied:
        note = decl.note or "defined by Kata 4.1 but not applied"

        def not_applied(raw: str, ctx: Context) -> tuple[Any, Any]:
            raise Ignored(note)

        return not_applied

    parse = PARSERS[decl.kind]
    checks = tuple(rule.check for rule in decl.rules)
    parts = tuple(decl.target.split(".")) if decl.target is not None else ()
    when = decl.when
    effect = decl.effect
    key = decl.key

    if (
        decl.kind in (Kind.BOOL, Kind.UINT32, Kind.UINT64, Kind.FLOAT32)
        and when in (When.ALWAYS, When.POSITIVE)
        and effect is Effect.SET
        and len(parts) in (1, 2)
    ):
        return _scalar_planner(decl, parse, checks, parts, when is When.POSITIVE)
    if (
        decl.kind is Kind.PATH
        and when in (When.ALWAYS, When.NON_EMPTY)
        and effect is Effect.SET
        and not checks
        and not decl.asset
        and len(parts) == 2
    ):
        return _path_planner(decl, parse, parts, when is When.NON_EMPTY)
    if (
        decl.kind is Kind.KERNEL_PARAMS
        and when is When.NON_EMPTY
        and effect is Effect.REPLACE_PARAMS
        and not checks
        and len(parts) == 2
    ):
        return _kernel_params_planner(decl, parse, parts)
    if (
        decl.kind in (Kind.STRING, Kind.CHOICE, Kind.LIST)
        and when in (When.ALWAYS, When.NON_EMPTY)
        and effect is Effect.SET
        and not checks
        and len(parts) in (1, 2)
    ):
        return _text_planner(decl, parse, parts, when is When.NON_EMPTY)

    def planner(raw: str, ctx: Context) -> tuple[Any, Any]:
        sandbox = ctx.sandbox
        if when in _REMOTE_ONLY and sandbox.hypervisor_type is not HypervisorType.REMOTE:
            raise Ignored("read only for the remote hypervisor")
        if when in _NON_EMPTY and raw == "":
            raise Ignored('"" keeps the configured value')
        value = parse(decl, raw, ctx)
        for check in checks:
            check(value, ctx)
        if when is When.POSITIVE and value == 0:
            raise Ignored("0 keeps the configured value")
        if not parts:  # an asset: only copied
            return sandbox.annotations.get(key), raw
        old: Any = sandbox
        for part in parts:
            old = getattr(old, part)
        if effect is Effect.APPEND:
            value = [*old, *value]
        elif effect is Effect.REPLACE_PARAMS:
            value = _replace_params(old, value)
        return old, value

    return planner


_GO_BOOLS: Mapping[str, bool] = {
    **dict.fromkeys(("1", "t", "T", "true", "TRUE", "True"), True),
    **dict.fromkeys(("0", "f", "F", "false", "FALSE", "False"), False),
}


def _scalar_planner(
    decl: Declaration,
    parse: _Parser,
    checks: tuple[Callable[[Any, Context], None], ...],
    parts: tuple[str, ...],
    positive: bool,
) -> Callable[[str, Context], tuple[Any, Any]]:
    """The most common rows (a boolean or a number setting one field), with the parse inlined.

    A float32 row's whole number of up to 7 digits (below 2**24, so exact in
    a float32) is what ``strconv.ParseFloat(raw, 32)`` gives: ``float(int(raw))``.
    """
    is_bool = decl.kind is Kind.BOOL
    is_float = decl.kind is Kind.FLOAT32
    limit = _UINT32_MAX if decl.kind is Kind.UINT32 else (1 << 64) - 1
    head, attr = parts if len(parts) == 2 else ("", parts[0])

    def scalar_planner(raw: str, ctx: Context) -> tuple[Any, Any]:
        value: Any
        if is_bool:
            value = _GO_BOOLS.get(raw)
            if value is None:
                value = parse(decl, raw, ctx)  # raises, with the reason
        elif is_float:
            value = (
                float(int(raw))
                if len(raw) <= 7 and raw.isascii() and raw.isdigit()
                else parse(decl, raw, ctx)
            )
        elif len(raw) <= 19 and raw.isascii() and raw.isdigit() and int(raw) <= limit:
            value = int(raw)
        else:
            value = parse(decl, raw, ctx)
        for check in checks:
            check(value, ctx)
        if positive and value == 0:
            raise Ignored("0 keeps the configured value")
        sandbox = ctx.sandbox
        return (getattr(getattr(sandbox, head), attr) if head else getattr(sandbox, attr)), value

    return scalar_planner


def _text_planner(
    decl: Declaration, parse: _Parser, parts: tuple[str, ...], non_empty: bool
) -> Callable[[str, Context], tuple[Any, Any]]:
    """Strings, choices and lists setting one field: the row's steps and nothing else."""
    head, attr = parts if len(parts) == 2 else ("", parts[0])
    raw_only = decl.kind is Kind.STRING
    choices = frozenset(decl.choices)
    is_choice = decl.kind is Kind.CHOICE

    def text_planner(raw: str, ctx: Context) -> tuple[Any, Any]:
        if non_empty and raw == "":
            raise Ignored('"" keeps the configured value')
        if raw_only or (is_choice and raw in choices):
            value: Any = raw
        else:
            value = parse(decl, raw, ctx)  # a list, or a choice that raises with the reason
        sandbox = ctx.sandbox
        return (getattr(getattr(sandbox, head), attr) if head else getattr(sandbox, attr)), value

    return text_planner


def _path_planner(
    decl: Declaration, parse: _Parser, parts: tuple[str, ...], non_empty: bool
) -> Callable[[str, Context], tuple[Any, Any]]:
    """A host path setting one field: in the allow list, or rejected (with the reason, by the parser)."""
    head, attr = parts
    allow_list = decl.allow_list
    assert allow_list is not None

    def path_planner(raw: str, ctx: Context) -> tuple[Any, Any]:
        if non_empty and raw == "":
            raise Ignored('"" keeps the configured value')
        if not golang.path_in_globs(getattr(ctx.runtime_config.hypervisor_config, allow_list), raw):
            parse(decl, raw, ctx)  # raises Rejected, saying why
        return getattr(getattr(ctx.sandbox, head), attr), raw

    return path_planner


def _kernel_params_planner(
    decl: Declaration, parse: _Parser, parts: tuple[str, ...]
) -> Callable[[str, Context], tuple[Any, Any]]:
    """``kernel_params``: "" keeps the configured ones; each parsed parameter replaces its key's."""
    head, attr = parts

    def kernel_params_planner(raw: str, ctx: Context) -> tuple[Any, Any]:
        if raw == "":
            raise Ignored('"" keeps the configured value')
        value = parse(decl, raw, ctx)
        old = getattr(getattr(ctx.sandbox, head), attr)
        return old, _replace_params(old, value)

    return kernel_params_planner


# -- checks across keys, in Kata's order -------------------------------------------------------

_HYP = "hypervisor_config"


_NO_CHANGES: Mapping[str, Any] = {}


def _finish(f: Finish) -> None:
    hyp = f.groups.get(_HYP, _NO_CHANGES)
    base = f.sandbox.hypervisor_config
    present = f.annotations
    # addHypervisorBlockOverrides: logical sector size <= physical
    # (each field is read from the updates, else the sandbox: Finish.value, inlined on this hot path)
    logical = hyp.get("block_device_logical_sector_size", base.block_device_logical_sector_size)
    physical = hyp.get("block_device_physical_sector_size", base.block_device_physical_sector_size)
    if logical and physical and logical > physical:
        reason = f"logical sector size ({logical}) must not be larger than physical ({physical})"
        keys = [
            k
            for k in (t.BLOCK_DEVICE_LOGICAL_SECTOR_SIZE, t.BLOCK_DEVICE_PHYSICAL_SECTOR_SIZE)
            if k in present
        ]
        if keys:
            for k in keys:
                f.reject(k, reason)
        else:
            f.fail(ConfigError(f"invalid sector sizes: {reason}", key="block_device_logical_sector_size"))
    # addHypervisorVirtioFsOverrides: virtio-fs needs a daemon
    if hyp.get("shared_fs", base.shared_fs) == "virtio-fs" and not hyp.get(
        "virtio_fs_daemon", base.virtio_fs_daemon
    ):
        keys = [k for k in (t.SHARED_FS, t.VIRTIO_FS_DAEMON) if k in present and _applied(f, k)]
        if keys:
            for k in keys:
                f.reject(k, "cannot enable virtio-fs without a daemon path", f"set {t.VIRTIO_FS_DAEMON}")
        else:
            f.fail(
                ConfigError(
                    "cannot enable virtio-fs without daemon path: shared_fs is virtio-fs and "
                    "virtio_fs_daemon is empty",
                    key="virtio_fs_daemon",
                )
            )
    # addHypervisorHotColdPlugVfioOverrides: hot plug first, then cold plug
    if "cold_plug_vfio" in hyp:
        if "hot_plug_vfio" in hyp:
            f.note(t.HOT_PLUG_VFIO, f"then set to no-port, because {t.COLD_PLUG_VFIO} is given too")
        f.set(_HYP, "hot_plug_vfio", PCIePort.NO_PORT)
    elif "hot_plug_vfio" in hyp:
        f.set(_HYP, "cold_plug_vfio", PCIePort.NO_PORT)
    # numa_mapping sets two fields
    nodes = hyp.get("guest_numa_nodes")
    if isinstance(nodes, _NumaValue):
        f.set(_HYP, "guest_numa_nodes", list(nodes))
        f.set(_HYP, "numa_mapping", list(nodes.mapping))
        f.show(t.NUMA_MAPPING, f.sandbox.hypervisor_config.guest_numa_nodes, list(nodes))
    # cc_init_data sets two fields; decisions show a summary, never the contents
    init = hyp.get("initdata")
    if isinstance(init, _initdata.Initdata):
        f.set(_HYP, "initdata", init.text)
        f.set(_HYP, "initdata_digest", init.digest)
        old = f.sandbox.hypervisor_config.initdata
        f.show(t.INITDATA, _redacted(old), init.summary())
    raw_initdata = present.get(t.INITDATA)
    if raw_initdata:
        # base64 of gzip: even a prefix of it decompresses to the secrets it carries
        f.redact(t.INITDATA, f"<{len(raw_initdata)} characters of base64, not shown>")
    if t.POLICY in present and "policy" in f.groups.get("agent_config", {}):
        policy = f.groups["agent_config"]["policy"]
        f.show(t.POLICY, _redacted(f.sandbox.agent_config.policy), _redacted(policy))


def _config_passes(sandbox: Any) -> bool:
    """:func:`_finish` with no annotation: the sector sizes and virtio-fs checks of the configuration."""
    hyp = sandbox.hypervisor_config
    logical, physical = hyp.block_device_logical_sector_size, hyp.block_device_physical_sector_size
    if logical and physical and logical > physical:
        return False
    return hyp.shared_fs != "virtio-fs" or bool(hyp.virtio_fs_daemon)


def _applied(f: Finish, key: str) -> bool:
    decl = t.BY_KEY[key]
    assert decl.target is not None
    head, _, attr = decl.target.rpartition(".")
    return attr in f.groups.get(head, {})


def _redacted(text: str) -> str:
    if not text:
        return ""
    return f"<{len(text.encode('utf-8', 'surrogateescape'))} bytes, not shown>"


#: Kata 4.1's table, compiled.
GO_TABLE = AnnotationTable(
    "go",
    "Kata 4.1",
    t.DECLARATIONS,
    compile=_compile,
    not_overrides=t.NOT_OVERRIDES,
    finish=_finish,
    removed_keys=t.REMOVED_KEYS,
    config_passes=_config_passes,
)


def _default_features() -> Mapping[str, Any]:
    from .sandbox import _features

    return _features(None)


def plan_annotations(
    annotations: Mapping[str, str] | None,
    sandbox: Any,
    runtime_config: Any,
    *,
    features: Mapping[str, Any] | None = None,
    strict: bool = False,
) -> OverridePlan:
    """What every annotation does to a 4.1 ``sandbox`` under ``runtime_config``, changing nothing.

    ``features``: the experimental features ``runtime.experimental`` may name
    (Kata 4.1's, none, when ``None``).
    """
    features = _default_features() if features is None else features
    return plan_overrides(
        annotations, sandbox, runtime_config, features=features, strict=strict, table=GO_TABLE
    )


def apply_annotations(
    annotations: Mapping[str, str] | None,
    sandbox: Any,
    runtime_config: Any,
    *,
    features: Mapping[str, Any] | None = None,
    strict: bool = False,
) -> Any:
    """A copy of a 4.1 ``sandbox`` with every annotation applied, or :class:`AnnotationError`."""
    features = _default_features() if features is None else features
    return apply_overrides(
        annotations, sandbox, runtime_config, features=features, strict=strict, table=GO_TABLE
    )
