"""Property tests (hypothesis): conversion under arbitrary annotations and runtime configurations.

For any annotation map and any runtime configuration, ``kata_oci.sandbox_config``

* returns, or raises a :class:`~kata_oci.KataOCIError` (never another exception);
* leaves its inputs as they were (spec, its annotation dict, runtime configuration);
* is deterministic (the same input gives the same JSON, or the same error message);
* is all-or-nothing: after an :class:`~kata_oci.AnnotationError` the configuration is what
  the spec converts to with no Kata annotation at all;
* applies only what the operator allows: every ``io.katacontainers.config.hypervisor.``
  key passed ``enable_annotations``, and every host-path annotation is exactly one of
  the results of its allow-list's globs.

And any JSON value put in place of any spec field decodes, or raises a
:class:`~kata_oci.SpecError` whose ``path`` is a JSON path (``$...``).

Bounded so that the whole file runs in a few seconds.
"""

from __future__ import annotations

import json
import logging
import string
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, event, given, settings, strategies as st

import kata_oci
from kata_oci import (
    AgentType,
    AnnotationError,
    HypervisorType,
    KataAgentConfig,
    KataOCIError,
    RuntimeConfig,
    SpecError,
    annotations as ka,
    golang,
)
from kata_oci.annotations import DECLARATIONS, Kind
from kata_oci.configfile import DEFAULT_CONFIG_RESOURCE
from kata_oci.log import LOGGER_NAME

from helpers import FIXTURES

H = ka.KATA_ANNOT_HYPERVISOR_PREFIX
SHIPPED = kata_oci.load_runtime_config(Path(str(resources.files("kata_oci") / DEFAULT_CONFIG_RESOURCE)))
BASE_JSON: dict[str, Any] = json.loads(
    (FIXTURES / "conformance" / "runtime-spec-good-spec-example.json").read_text(encoding="utf-8")
)
PATH_DECLARATIONS = {d.key: d for d in DECLARATIONS if d.kind is Kind.PATH}
CRI_TYPE_KEYS = (
    "io.kubernetes.cri.container-type",
    "io.kubernetes.cri-o.ContainerType",
    "io.kubernetes.docker.type",
)

SETTINGS = settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


@pytest.fixture(autouse=True, scope="module")
def quiet() -> Iterator[None]:
    """Unknown annotations are logged as warnings: thousands of them here, none of interest."""
    logger = logging.getLogger(LOGGER_NAME)
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


# ----------------------------------------------------------------------------
# a directory of host "binaries" for the path allow-lists


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("host")
    for name in ("qemu", "qemu-lite", "virtiofsd", "jailer", "ctl", "memdir/file", "vhost/dev"):
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    (root / "link-to-qemu").symlink_to(root / "qemu")
    (root / "dangling").symlink_to(root / "nowhere")
    return root


# ----------------------------------------------------------------------------
# strategies

GO_BOOLS = ["1", "t", "T", "true", "TRUE", "True", "0", "f", "F", "false", "FALSE", "False"]
NEAR_BOOLS = ["tRUE", "yes", "no", " true", "true ", "on", "2", "-0", "truE", "\ttrue"]
NUMBERS = [
    "0", "1", "2", "00", "007", "4294967295", "4294967296", "18446744073709551616",
    "9" * 40, "+1", "-1", " 1", "1 ", "1_000", "0x10", "1e3", "\u0661\u0662", "\uff11", "1.5", "",
]  # fmt: skip
CHOICES = [
    "virtio-scsi", "virtio-blk", "virtio-mmio", "nvdimm", "virtio-blk-ccw", "virtio-9p", "virtio-fs",
    "VIRTIO-FS", "virtio-fs ", "default", "macvtap", "tcfilter", "none", "newstore", "newstore other",
]  # fmt: skip
PARAMS = ["agent.log=debug", "a=b c", "=x", "a==b", " ", "\x1c", "a\u2003b=c", "init=/bin/sh"]
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=24)


def path_values(host: Path) -> st.SearchStrategy[str]:
    h = str(host)
    return st.sampled_from(
        [
            f"{h}/qemu", f"{h}/qemu/", f"{h}//qemu", f"{h}/./qemu", f"{h}/memdir/../qemu",
            f"{h}/../{host.name}/qemu", f"{h}/qemu\n", f"{h}/qemu\x00", f"{h}/link-to-qemu", f"{h}/dangling",
            f"{h}/missing", f"{h}/virtiofsd", f"{h}/jailer", f"{h}/ctl", f"{h}/memdir", f"{h}/memdir/",
            f"{h}/memdir/file", f"{h}/vhost", f"{h}/vhost/dev", f"{h}/q*", f"{h}/*", h, "", "/", "..",
            "/usr/bin/qemu-system-x86_64", "/usr/bin/virtiofsd", "/dev/shm",
        ]
    )  # fmt: skip


def values(host: Path) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(GO_BOOLS + NEAR_BOOLS + NUMBERS + CHOICES + PARAMS),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        path_values(host),
        TEXT,
    )


KNOWN_KEYS = sorted({d.key for d in DECLARATIONS} | set(ka.NOT_OVERRIDES))
UNKNOWN_KEYS = st.one_of(
    TEXT.map(lambda s: H + s),
    TEXT.map(lambda s: ka.KATA_ANNOTATIONS_PREFIX + s),
    TEXT.map(lambda s: ka.KATA_ANNOT_RUNTIME_PREFIX + s),
    st.sampled_from(
        [H + "default_vcpus\n", H + "DEFAULT_VCPUS", "io.kata-containers.config.hypervisor.path"]
    ),
    TEXT,
)


def cri_entries() -> st.SearchStrategy[tuple[str, str]]:
    return st.tuples(
        st.sampled_from(CRI_TYPE_KEYS),
        st.sampled_from(["sandbox", "container"] * 4 + ["podsandbox", "Sandbox", "", "{}"]),
    )


@st.composite
def annotation_maps(draw: st.DrawFn, host: Path) -> dict[str, str]:
    """0-500 entries: a few drawn key/value pairs, CRI keys, and filler of every kind."""
    keys = st.one_of(st.sampled_from(KNOWN_KEYS), st.sampled_from(sorted(PATH_DECLARATIONS)), UNKNOWN_KEYS)
    size = draw(st.sampled_from([1, 3, 12]))
    pairs = draw(st.lists(st.tuples(keys, values(host)), max_size=size))
    pairs += draw(st.lists(cri_entries(), max_size=1))
    filler = draw(st.integers(min_value=0, max_value=500 - len(pairs)))
    # Every kind of filler, unknown hypervisor keys included (a "did you mean" look-up costs
    # a few microseconds).
    kinds = draw(
        st.sampled_from(["plain", "plain", "kata-unknown", "kata-unknown", "hypervisor-unknown", "mixed"])
    )
    out = dict(pairs)
    for i in range(filler):
        kind = kinds if kinds != "mixed" else ("plain", "kata-unknown", "hypervisor-unknown")[i % 3]
        if kind == "plain":
            out.setdefault(f"example.com/filler-{i}", str(i))
        elif kind == "kata-unknown":
            out.setdefault(f"{ka.KATA_ANNOTATIONS_PREFIX}filler.{i}", str(i))
        else:
            out.setdefault(f"{H}filler_{i}", str(i))
    return out


PATTERNS = [
    ".*", "^default_", "[", "", "default_vcpus$", "kernel", "^(path|jailer_path|ctlpath)$", "virtio_fs",
    "(a+)+$", "^$", "memory", "enable_.*", "\\", "(?i)DEFAULT", "^(?!x)", "file_mem_backend|vhost_user",
    ".", "^kernel_params$", "x{1001}", "\\pL", "\\bpath\\b",
]  # fmt: skip


def globs(host: Path) -> st.SearchStrategy[list[str]]:
    h = str(host)
    return st.lists(
        st.sampled_from(
            [
                f"{h}/qemu", f"{h}/q*", f"{h}/*", f"{h}/*/*", f"{h}/missing", f"{h}/[", f"{h}/qemu/",
                f"{h}/memdir", f"{h}/memdir/*", f"{h}/link-to-qemu", f"{h}/dangling", f"{h}/vhost*",
                f"{h}/v[h-z]*", f"{h}/\\q*",
                "", "/usr/bin/*", "/dev/shm*",
            ]
        ),
        max_size=3,
    )  # fmt: skip


@st.composite
def runtime_configs(draw: st.DrawFn, host: Path) -> RuntimeConfig:
    hc = SHIPPED.hypervisor_config
    hc = msgspec.structs.replace(
        hc,
        enable_annotations=draw(st.just([".*"]) | st.lists(st.sampled_from(PATTERNS), max_size=3)),
        hypervisor_path_list=draw(globs(host)),
        hypervisor_ctl_path_list=draw(globs(host)),
        jailer_path_list=draw(globs(host)),
        file_backed_mem_root_list=draw(globs(host)),
        virtio_fs_daemon_list=draw(globs(host)),
        vhost_user_store_path_list=draw(globs(host)),
        shared_fs=draw(st.sampled_from(["virtio-9p", "virtio-fs"])),
        virtio_fs_daemon=draw(st.sampled_from(["", "/usr/bin/virtiofsd"])),
        kernel_params=list(hc.kernel_params),
    )
    kata_agent = draw(st.booleans())
    return msgspec.structs.replace(
        SHIPPED,
        hypervisor_type=draw(
            st.sampled_from([HypervisorType.QEMU, HypervisorType.FIRECRACKER, HypervisorType.CLH])
        ),
        hypervisor_config=hc,
        agent_type=AgentType.KATA if kata_agent else AgentType.NOOP,
        agent_config=KataAgentConfig(kernel_modules=["m"]) if kata_agent else None,
        experimental=[],
    )


def spec_with(annotations: dict[str, str]) -> kata_oci.Spec:
    return kata_oci.decode_spec(json.dumps({**BASE_JSON, "annotations": annotations}).encode())


def convert(spec: kata_oci.Spec, rc: RuntimeConfig, strict: bool = False) -> kata_oci.SandboxConfig:
    return kata_oci.sandbox_config(spec, rc, "/run/bundle", "cid", strict_annotations=strict)


def outcome(spec: kata_oci.Spec, rc: RuntimeConfig, strict: bool = False) -> tuple[str, Any]:
    try:
        return "ok", convert(spec, rc, strict)
    except KataOCIError as exc:
        return "error", exc


def planned_outcome(spec: kata_oci.Spec, rc: RuntimeConfig, strict: bool) -> tuple[str, Any]:
    """The documented equivalent of sandbox_config: plan_sandbox_config, then plan.apply(base)."""
    try:
        base, plan = kata_oci.plan_sandbox_config(spec, rc, "/run/bundle", "cid", strict_annotations=strict)
        return "ok", plan.apply(base)
    except KataOCIError as exc:
        return "error", exc


def fingerprint(result: tuple[str, Any]) -> tuple[str, str, bytes | str]:
    kind, value = result
    if kind == "ok":
        return kind, "", kata_oci.to_json(value)
    return kind, type(value).__name__, str(value)


def order_free(result: tuple[str, Any]) -> tuple[str, str, Any]:
    """What must not depend on the annotations' order: the result, or the error and its text.

    (Every unknown key gets its hint, whatever else the spec holds: an
    AnnotationError's text, hints included, is the same in any order.)
    """
    kind, value = result
    if kind == "ok":
        return kind, "", without_custom_spec(value)
    return kind, type(value).__name__, str(value)


def without_custom_spec(sandbox: kata_oci.SandboxConfig) -> bytes:
    containers = [msgspec.structs.replace(c, custom_spec=None) for c in sandbox.containers]
    return kata_oci.to_json(msgspec.structs.replace(sandbox, containers=containers))


# ----------------------------------------------------------------------------
# conversion properties


@SETTINGS
@given(data=st.data())
def test_sandbox_config_properties(host: Path, data: st.DataObject) -> None:
    annotations = data.draw(annotation_maps(host), label="annotations")
    rc = data.draw(runtime_configs(host), label="runtime_config")
    strict = data.draw(st.sampled_from([False, False, False, True]), label="strict_annotations")
    spec = spec_with(annotations)
    spec_before, rc_before, ann_before = (
        kata_oci.to_json(spec),
        kata_oci.to_json(rc),
        dict(spec.annotations or {}),
    )

    first = outcome(spec, rc, strict)  # never anything but a KataOCIError

    # no input mutation
    assert kata_oci.to_json(spec) == spec_before
    assert kata_oci.to_json(rc) == rc_before
    assert spec.annotations == ann_before
    # deterministic, and the same as the plan-then-apply route
    assert fingerprint(outcome(spec, rc, strict)) == fingerprint(first)
    assert fingerprint(planned_outcome(spec, rc, strict)) == fingerprint(first)
    # and independent of the annotations' order (the spec keeps its own order: compare without it)
    reordered = outcome(spec_with(dict(reversed(annotations.items()))), rc, strict)
    assert order_free(reordered) == order_free(first)

    kind, value = first
    event(f"outcome: {type(value).__name__}")
    if kind == "error":
        if isinstance(value, AnnotationError):
            assert value.errors, "an AnnotationError names at least one annotation"
            assert list(value.errors) == sorted(value.errors, key=lambda p: p.key)
            # all-or-nothing: what was planned is the configuration without any Kata annotation
            base, _plan = kata_oci.plan_sandbox_config(
                spec, rc, "/run/bundle", "cid", strict_annotations=strict
            )
            plain = {k: v for k, v in annotations.items() if not k.startswith(ka.KATA_ANNOTATIONS_PREFIX)}
            clean_kind, clean = outcome(spec_with(plain), rc)
            if clean_kind == "error":  # the configuration itself is refused (virtio-fs, no daemon)
                assert isinstance(clean, kata_oci.ConfigError), clean
                clean, _ = kata_oci.plan_sandbox_config(spec_with(plain), rc, "/run/bundle", "cid")
            assert without_custom_spec(base) == without_custom_spec(clean)
        return

    result = value
    assert result.containers[0].custom_spec is spec
    for key, raw in annotations.items():
        if key.startswith(H):
            assert ka.is_enabled(key, rc)[0], f"{key} applied without an enable_annotations match"
        decl = PATH_DECLARATIONS.get(key)
        if decl is not None:
            event("a host-path annotation applied")
            allowed = getattr(rc.hypervisor_config, decl.allow_list or "")
            results = {m for g in allowed for m in golang.glob(g)}
            assert raw in results, f"{key}={raw!r} applied but not a glob result of {allowed!r}"
            assert msgspec.structs.asdict(result.hypervisor_config)[decl.target.rpartition(".")[2]] == raw  # type: ignore[union-attr]


@settings(max_examples=150, deadline=None, database=None)
@given(data=st.data())
def test_host_path_annotation_applies_iff_it_is_a_glob_result(host: Path, data: st.DataObject) -> None:
    key = data.draw(st.sampled_from(sorted(PATH_DECLARATIONS)), label="key")
    value = data.draw(path_values(host), label="value")
    # Often list the value itself, or a glob of its directory, so that both answers are common.
    near = [[], [value], [value.rpartition("/")[0] + "/*"], [value.rstrip("/") + "*"]]
    allowed = data.draw(globs(host), label="allow_list") + data.draw(st.sampled_from(near), label="near")
    patterns = data.draw(st.just([".*"]) | st.lists(st.sampled_from(PATTERNS), max_size=2), label="patterns")
    decl = PATH_DECLARATIONS[key]
    rc = msgspec.structs.replace(
        SHIPPED,
        hypervisor_config=msgspec.structs.replace(
            SHIPPED.hypervisor_config,
            enable_annotations=patterns,
            shared_fs="virtio-9p",
            **{decl.allow_list or "": allowed},
        ),
    )
    spec = spec_with({key: value})
    expected = ka.is_enabled(key, rc)[0] and value in {m for g in allowed for m in golang.glob(g)}
    event(f"applied: {expected}")
    if expected:
        result = convert(spec, rc)
        assert msgspec.structs.asdict(result.hypervisor_config)[decl.target.rpartition(".")[2]] == value  # type: ignore[union-attr]
        if decl.asset:
            assert result.annotations[key] == value
    else:
        with pytest.raises(AnnotationError) as info:
            convert(spec, rc)
        assert [p.key for p in info.value.errors] == [key]


@settings(max_examples=60, deadline=None, database=None)
@given(
    patterns=st.lists(st.sampled_from(PATTERNS), max_size=3),
    suffix=st.sampled_from([d.key[len(H) :] for d in DECLARATIONS if d.key.startswith(H)]),
)
def test_rejected_hypervisor_key_names_how_to_enable_it(patterns: list[str], suffix: str) -> None:
    rc = msgspec.structs.replace(
        SHIPPED,
        hypervisor_config=msgspec.structs.replace(SHIPPED.hypervisor_config, enable_annotations=patterns),
    )
    enabled = ka.is_enabled(H + suffix, rc)[0]
    assert enabled == golang.regexp_contains(patterns, suffix)
    plan = kata_oci.plan_overrides({H + suffix: "x"}, kata_oci.SandboxConfig(), rc, features={})
    (decision,) = plan.decisions
    if not enabled:
        assert decision.outcome is kata_oci.Outcome.REJECTED
        assert decision.hint is not None and "enable_annotations" in decision.hint


# ----------------------------------------------------------------------------
# decoding: any JSON value in place of any field


def _field_paths(info: Any, prefix: tuple[str | int, ...], depth: int) -> Iterator[tuple[str | int, ...]]:
    """Every JSON path of the Spec model (a list's first item, a map's key "k")."""
    mi = msgspec.inspect
    if isinstance(info, mi.UnionType):
        for t in info.types:
            if not isinstance(t, mi.NoneType):
                yield from _field_paths(t, prefix, depth)
        return
    if isinstance(info, mi.StructType):
        if depth > 8:
            return
        for f in info.fields:
            path = (*prefix, f.encode_name)
            yield path
            yield from _field_paths(f.type, path, depth + 1)
    elif isinstance(info, mi.ListType):
        yield (*prefix, 0)
        yield from _field_paths(info.item_type, (*prefix, 0), depth + 1)
    elif isinstance(info, mi.DictType):
        yield (*prefix, "k")
        yield from _field_paths(info.value_type, (*prefix, "k"), depth + 1)


SPEC_PATHS = sorted(set(_field_paths(msgspec.inspect.type_info(kata_oci.Spec), (), 0)), key=str)

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
    | st.sampled_from([1e308, -1e308, 2**64, 2**64 - 1, -(2**63) - 1, 2**32, -1, 0.5, "", "\x00"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)


def _put(doc: Any, path: tuple[str | int, ...], value: Any) -> Any:
    """A copy of ``doc`` with ``value`` at ``path``, creating what is missing on the way."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(head, int):
        items = (
            list(doc) if isinstance(doc, list) and doc else [{} if rest and isinstance(rest[0], str) else []]
        )
        items[0] = _put(items[0], rest, value)
        return items
    obj = dict(doc) if isinstance(doc, dict) else {}
    child = obj.get(head, [] if rest and isinstance(rest[0], int) else {})
    obj[head] = _put(child, rest, value)
    return obj


def _json_path(path: tuple[str | int, ...]) -> str:
    out = "$"
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


@settings(max_examples=400, deadline=None, database=None)
@given(path=st.sampled_from(SPEC_PATHS), value=JSON_VALUES)
def test_any_json_value_in_any_field_is_a_spec_or_a_spec_error(
    path: tuple[str | int, ...], value: Any
) -> None:
    doc = _put(BASE_JSON, path, value)
    data = json.dumps(doc).encode()
    error: SpecError | None = None
    try:
        spec = kata_oci.decode_spec(data)
    except SpecError as exc:
        error = exc
    if error is not None:
        assert error.path.startswith("$"), error.path
        # The base is valid: the fault is at the replaced value, or inside it.
        expected = _json_path(path)
        shown = error.path
        if ".k" in expected or "[...]" in shown or "['" in shown:  # map keys: msgspec's [...] or the key
            return
        assert shown.startswith(expected) or (value is None and expected.startswith(shown)), (shown, expected)
        return
    # What decodes converts, or fails with a documented error.
    try:
        kata_oci.sandbox_config(spec, SHIPPED, "/run/bundle", "cid")
    except KataOCIError:
        pass


@settings(max_examples=200, deadline=None, database=None)
@given(data=st.binary(max_size=64) | st.text(alphabet=string.printable, max_size=64).map(str.encode))
def test_any_bytes_decode_to_a_spec_or_a_spec_error(data: bytes) -> None:
    path = "$"
    try:
        kata_oci.decode_spec(b'{"annotations":' + data + b"}")
    except SpecError as exc:
        path = exc.path
    assert path.startswith("$")
