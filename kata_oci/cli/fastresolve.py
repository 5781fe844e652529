"""``kata-oci resolve``'s fast path: the same answer without msgspec, pluggy, argparse or the engine.

``resolve`` runs in per-pod hooks and scripts, where start-up is most of its
time, and importing msgspec alone costs more than 3 times ``python -c pass``.
So when the question is the common one, this module answers it with the
standard library's C JSON scanner and the plugin snapshot
(:mod:`kata_oci.snapfile`) read as data:

* the line is ``resolve BUNDLE`` with ``--json``, ``--strict``, ``--config
  FILE`` or ``--kata NAME`` (nothing from stdin, no ``-v``/``--debug``);
* the snapshot is warm and no plugin with hooks concerns the annotations, so
  the answer comes from the cached CRI declarations alone (as
  :meth:`kata_oci.snapshot.Snapshot.engine` would give it);
* the profile is known without reading a configuration: ``--kata`` names a
  built-in profile that keeps Kata's CRI rules, or no configuration is found
  and the default profile's shipped one applies;
* ``config.json`` reads cleanly, as :class:`kata_oci.spec.ResolveView` would
  read it: an object whose ``annotations`` are strings and whose
  ``linux.resources`` members hold in-range integers;
* at most one CRI plugin's keys are present and no well-known CRI key goes
  unread (no conflicts, nothing to warn about), the container type's value is
  one that CRI writes and every sizing value is a plain decimal in range.

Anything else (an error above all) returns ``None`` before anything is
written, and the command runs its full path (:mod:`kata_oci.cli.resolve`),
whose output and messages are the reference: tests run both paths over the
same bundles and compare what they print. The text report goes through the
full path's own :func:`~kata_oci.cli.resolve.text_lines`.
"""

from __future__ import annotations

import os

from kata_oci import snapfile
from kata_oci.readfile import is_plain_path, read_regular_file
from kata_oci.vcpus import sizing_text, vm_vcpus
from kata_oci.wellknown_keys import WELL_KNOWN_CRI_KEYS

from . import common, output
from .resolve import container_type_by, text_lines

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

__all__ = ["IDENTITY_FIELDS", "MAX_CONFIG_SIZE", "run"]

#: :data:`kata_oci.spec.MAX_CONFIG_SIZE` and :data:`kata_oci.pod.IDENTITY_FIELDS` (tests pin them equal).
MAX_CONFIG_SIZE = 64 << 20
IDENTITY_FIELDS = ("sandbox_name", "sandbox_namespace", "sandbox_uid", "container_name")

_I64 = (-(1 << 63), (1 << 63) - 1)
_U64 = (0, (1 << 64) - 1)
_MIB = 1024 * 1024
_MAX_MEMORY_MB = 0xFFFF_FFFF  # kata_oci.sizing.MAX_MEMORY_MB: beyond it the full path warns
_WHITE = " \t\n\r"
_FLAGS = ("--json", "--strict")
_VALUED = ("--config", "--kata")


class _Unsure(Exception):
    """This path cannot be sure to answer as the full path would: the full path answers."""


def run(words: list[str]) -> int | None:
    """The exit status of ``kata-oci resolve WORDS`` answered here, or ``None`` (nothing written)."""
    try:
        write = _answer(words)
    except Exception:  # _Unsure, or anything unforeseen: the full path is the reference
        return None
    write()
    return common.EXIT_OK


def _answer(words: list[str]) -> Callable[[], None]:
    opts, path = _options(words)
    snap = _snapshot()
    choice = _choice(snap, opts)
    bundle, config_json = common.bundle_paths(path)
    ann, resources = _config_json(config_json)
    decls = _declarations(snap, ann)
    plugin, decl = decls[0] if decls else ("", {})

    ctype, type_from = choice["default_container_type"], None
    key = decl.get("container_type_key", "")
    if key and key in ann:
        ctype = decl.get("container_types", {}).get(ann[key])
        if not isinstance(ctype, str):
            raise _Unsure("a value the CRI does not write: ContainerTypeError")
        type_from = (plugin, key, ann[key])
    sid, sid_from = None, None
    key = decl.get("sandbox_id_key", "")
    if key and key in ann:
        sid, sid_from = ann[key], (plugin, key, ann[key])
    names = _identity(ann, decl.get("identity"))
    sandbox = _sandbox_sizing(ann, decl.get("sizing"))
    container = _container_sizing(resources)
    profile_says = f"{choice['name']} (Kata {choice['version']}; {choice['why']})"

    if opts["json"]:
        doc = {
            "bundle": bundle,
            "configuration": choice["file"],
            "profile": choice["name"],
            "container_type": ctype,
            "container_type_from": _from(type_from),
            "sandbox_id": sid,
            "sandbox_id_from": _from(sid_from),
            "pod": {
                **{field: names.get(field) for field in IDENTITY_FIELDS},
                "plugin": plugin if names else None,
                "conflicts": [],
            },
            "sandbox_sizing": _sizing_doc(sandbox),
            "sandbox_sizing_from": plugin if sandbox is not None else None,
            "container_sizing": _sizing_doc(container),
            "conflicts": [],
            "unread_cri_keys": [],
        }
        raw = _json_text(doc, "").encode()  # a lone surrogate (a non-UTF-8 path) raises: the full path
        return lambda: output.write_json_bytes(raw)
    lines = text_lines(
        container_type=ctype,
        container_type_by=container_type_by(type_from, choice["version"], guessed=False),
        sandbox_id=sid,
        sandbox_id_by=f"(plugin {plugin}: {sid_from[1]})" if sid_from else "(no CRI key)",
        identity_plugin=plugin if names else None,
        names=names,
        sandbox_sizing=sizing_text(*(sandbox or (0.0, 0))),
        sandbox_sizing_by=f"(plugin {plugin})" if sandbox is not None else "(no CRI sizing key)",
        container_sizing=sizing_text(*container),
        conflicts=(),
        unread=(),
        profile=profile_says,
        configuration=choice["file"],
    )
    return lambda: output.write_lines(lines)


# -- the command line ----------------------------------------------------------------


def _options(words: list[str]) -> tuple[dict[str, Any], str]:
    """``--json``, ``--strict``, ``--config FILE``, ``--kata NAME`` and BUNDLE, each at most once."""
    opts: dict[str, Any] = {"json": False, "strict": False, "config": None, "kata": None}
    bundle = None
    it = iter(words)
    for word in it:
        name, eq, value = word.partition("=")
        if word in _FLAGS:
            if opts[word[2:]]:
                raise _Unsure(word)
            opts[word[2:]] = True
        elif name in _VALUED:
            if not eq:
                value = next(it)  # StopIteration: argparse's error
            if not value or value.startswith("-") or opts[name[2:]] is not None:
                raise _Unsure(word)  # stdin, an option where a value should be, a repeat
            opts[name[2:]] = value
        elif word.startswith("-") or bundle is not None:
            raise _Unsure(word)  # any other option (-v, --debug, -h, an abbreviation), stdin, a 2nd bundle
        else:
            bundle = word
    if bundle is None:
        raise _Unsure("no bundle")
    return opts, bundle


# -- the snapshot, the profile and the plugins ---------------------------------------------


def _snapshot() -> dict[str, Any]:
    data = snapfile.read()
    if data is None:
        raise _Unsure("no snapshot")
    snap: dict[str, Any] = _loads(data.decode())
    if not snapfile.is_current(snap["key"], snap["files"]):
        raise _Unsure("a stale snapshot")
    return snap


def _choice(snap: Mapping[str, Any], opts: Mapping[str, Any]) -> dict[str, Any]:
    """The profile and file :func:`kata_oci.find_runtime_config` chooses, when no file must be read."""
    facts = {p["name"]: p for p in snap["profiles"]}
    chosen = facts[opts["kata"]] if opts["kata"] is not None else None  # KeyError: ProfileError
    file: Any
    if opts["config"] is not None:
        file = _path_text(opts["config"])
    elif configured := os.environ.get(snap["config_env"]):
        file = _path_text(configured)
    else:
        paths = chosen["config_paths"] if chosen is not None else snap["config_paths"]
        file = next((p for p in paths if os.path.exists(p)), None)
    if file is not None:
        if chosen is None:
            raise _Unsure("a configuration file to detect the profile from")
        profile, why = chosen, "--kata"
    else:
        profile = chosen if chosen is not None else facts[snap["default_profile"]]
        file = profile["shipped_config"]
        why = "--kata" if chosen is not None else "default: no configuration found"
    if not profile["plain_rules"] or not isinstance(file, str):
        raise _Unsure("a profile with rules of its own, or no shipped configuration")
    choice: dict[str, Any] = {**profile, "file": file, "why": why}
    return choice


def _path_text(path: str) -> str:
    """``path`` when ``str(pathlib.Path(path))`` is ``path`` itself (no ``.``, ``//`` or final ``/``)."""
    if not is_plain_path(path):
        raise _Unsure("a path pathlib would rewrite")
    return path


def _declarations(snap: Mapping[str, Any], ann: Mapping[str, str]) -> list[tuple[str, dict[str, Any]]]:
    """The one CRI declaration whose keys are present, or none: more than one may conflict.

    As :meth:`kata_oci.snapshot.Snapshot.needs_hooks` has it, a plugin with
    answering hooks matters when it declares nothing or its keys are present:
    then only the full path (the plugins loaded) can answer.
    """
    present = []
    declared: set[str] = set()
    for plugin, decl in snap["declarations"]:
        keys = _annotation_keys(decl)
        declared |= keys
        if any(key in ann for key in keys):
            present.append((plugin, decl))
    names = {plugin for plugin, _ in snap["declarations"]}
    hooked = set(snap["hooked"])
    if len(present) > 1 or hooked - names or hooked & {plugin for plugin, _ in present}:
        raise _Unsure("several CRIs' keys, or a plugin's hooks")
    if any(row[0] in ann and row[0] not in declared for row in WELL_KNOWN_CRI_KEYS):
        raise _Unsure("a well-known CRI key no plugin reads")
    return present


def _annotation_keys(decl: Mapping[str, Any]) -> set[str]:
    """:meth:`kata_oci.CRI.annotation_keys` of a declaration as the snapshot stores it."""
    keys = {decl.get("container_type_key", ""), decl.get("sandbox_id_key", ""), *decl.get("hook_keys", {})}
    for value in (decl.get("identity") or {}).values():
        keys.update([value] if isinstance(value, str) else value)
    keys.update((decl.get("sizing") or {}).values())
    keys.discard("")
    return keys


# -- config.json ------------------------------------------------------------------------


def _config_json(path: str) -> tuple[dict[str, str], Mapping[str, Any]]:
    """The annotations and ``linux.resources`` of a config.json, checked as ResolveView checks them."""
    if not (path.endswith(".json") and not os.path.isdir(path)):
        path = os.path.join(path, "config.json")
    doc = _loads(read_regular_file(path, MAX_CONFIG_SIZE).decode())
    if type(doc) is not dict:
        raise _Unsure("not an object")
    ann = _member(doc, "annotations")
    if any(type(v) is not str for v in ann.values()):
        raise _Unsure("an annotation that is not a string")
    resources = _member(_member(doc, "linux"), "resources")
    cpu, memory = _member(resources, "cpu"), _member(resources, "memory")
    _integer(cpu, "quota", _I64)
    _integer(cpu, "period", _U64)
    _integer(memory, "limit", _I64)
    if any(name in cpu and type(cpu[name]) is not str for name in ("cpus", "mems")):
        raise _Unsure("a cpuset that is not a string")
    return ann, resources


def _member(obj: Mapping[str, Any], name: str) -> dict[str, Any]:
    value = obj.get(name)
    if value is None:
        return {}
    if type(value) is not dict:
        raise _Unsure(f"{name} is not an object")
    return value


def _integer(obj: Mapping[str, Any], name: str, bounds: tuple[int, int]) -> None:
    value = obj.get(name)
    if value is not None and not (type(value) is int and bounds[0] <= value <= bounds[1]):
        raise _Unsure(f"{name} is not an integer in range")


def _loads(text: str) -> Any:
    """``json.loads`` through the C scanner alone (``json`` itself imports ``re``), stricter.

    Refused, so that what is accepted is what msgspec accepts: a member given
    twice, NaN and the infinities, and (conservatively) any ``\\uD...`` escape,
    which may be half a surrogate pair.
    """
    import _json

    if "\\ud" in text or "\\uD" in text:
        raise _Unsure("a surrogate escape")
    start = len(text) - len(text.lstrip(_WHITE))
    value, end = _json.make_scanner(_Context())(text, start)  # type: ignore[arg-type]
    if text[end:].strip(_WHITE):
        raise _Unsure("trailing data")
    return value


class _Context:
    """What ``_json.make_scanner`` reads of a ``json.JSONDecoder``."""

    def __init__(self) -> None:
        self.strict = True
        self.object_hook = None
        self.object_pairs_hook = _pairs
        self.parse_float = float
        self.parse_int = int
        self.parse_constant = _constant
        self.memo: dict[str, str] = {}


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _Unsure("a member given twice")
    return obj


def _constant(name: str) -> Any:
    raise _Unsure(name)


# -- the answers ---------------------------------------------------------------------


def _identity(ann: Mapping[str, str], keys: Mapping[str, Any] | None) -> dict[str, str]:
    """:func:`kata_oci.pod.identity_from_keys` as names: for each field, the first of its keys present."""
    names: dict[str, str] = {}
    for field in IDENTITY_FIELDS:
        value = (keys or {}).get(field, ())
        for key in [value] if isinstance(value, str) else value:
            if key and key in ann:
                names[field] = ann[key]
                break
    return names


def _sandbox_sizing(ann: Mapping[str, str], keys: Mapping[str, str] | None) -> tuple[float, int] | None:
    """:func:`kata_oci.sizing.sizing_from_keys` for values that parse (else the full path warns)."""
    if not keys or not any(key and key in ann for key in keys.values()):
        return None

    def read(field: str, bounds: tuple[int, int]) -> int:
        key = keys.get(field, "")
        return _go_int(ann[key], bounds) if key and key in ann else 0

    period, quota = read("cpu_period", _U64), read("cpu_quota", _I64)
    memory, shares = read("memory", _I64), read("cpu_shares", _U64)
    return vm_vcpus(period, quota, shares), _memory_mb(memory)


def _container_sizing(resources: Mapping[str, Any]) -> tuple[float, int]:
    """:func:`kata_oci.sizing.calculate_container_sizing` of checked ``linux.resources``."""
    cpu, memory = _member(resources, "cpu"), _member(resources, "memory")
    quota, period = cpu.get("quota"), cpu.get("period")
    if quota is None or period is None:
        quota = period = 0
    limit = memory.get("limit")
    return vm_vcpus(period, quota), _memory_mb(0 if limit is None else limit)


def _go_int(text: str, bounds: tuple[int, int]) -> int:
    """``strconv.ParseInt``/``ParseUint(text, 10, 64)`` when it succeeds; a failure is the full path's."""
    digits = text[1:] if bounds[0] < 0 and text[:1] in ("+", "-") else text
    if not (digits.isascii() and digits.isdigit()):
        raise _Unsure("a sizing value that does not parse")
    value = int(text)
    if not bounds[0] <= value <= bounds[1]:
        raise _Unsure("a sizing value out of range")
    return value


def _memory_mb(memory: int) -> int:
    mb = max(memory, 0) // _MIB
    if mb > _MAX_MEMORY_MB:
        raise _Unsure("a memory size the full path saturates, with a warning")
    return mb


# -- the JSON report ---------------------------------------------------------------


def _from(answer: tuple[str, str, str] | None) -> dict[str, str] | None:
    return None if answer is None else dict(zip(("plugin", "key", "value"), answer, strict=True))


def _sizing_doc(sizing: tuple[float, int] | None) -> dict[str, Any]:
    vcpus, memory_mb = sizing or (0.0, 0)
    return {"vcpus": vcpus, "memory_mb": memory_mb, "overhead": None}


def _json_text(value: Any, indent: str) -> str:
    """``value`` as ``msgspec.json.format(msgspec.json.encode(value), indent=2)`` writes it."""
    import _json

    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if type(value) is str:
        text: str = _json.encode_basestring(value)
        return text
    if type(value) is int:
        return repr(value)
    if type(value) is float:
        text = repr(value)
        if "e" in text or "n" in text:  # 1e-05, inf, nan: msgspec spells these its own way
            raise _Unsure(text)
        return text
    inner = indent + "  "
    if type(value) is list:
        if not value:
            return "[]"
        return "[\n" + ",\n".join(inner + _json_text(v, inner) for v in value) + "\n" + indent + "]"
    if type(value) is dict:
        if not value:
            return "{}"
        items = (f"{inner}{_json_text(k, inner)}: {_json_text(v, inner)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    raise _Unsure(type(value).__name__)
