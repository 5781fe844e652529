"""The hot paths give the general paths' answers: container type, sandbox ID.

The engine answers the two questions every container asks with a few
look-ups when one CRI key decides alone; any other spec (several CRI keys,
a value the CRI does not write, an empty key that the fast path uses as a
placeholder) takes the general path. :meth:`Engine.resolve` always takes the
general path, so it is the oracle here, over every combination of keys.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

import kata_oci
from kata_oci import Engine, KataOCIError

from helpers import spec_with

TYPE_KEYS = {
    "io.kubernetes.cri.container-type": ("sandbox", "container", "podsandbox"),
    "io.kubernetes.cri-o.ContainerType": ("sandbox", "container", "bogus"),
    "io.kubernetes.docker.type": ("podsandbox", "container", "sandbox"),
}
SID_KEYS = {
    "io.kubernetes.cri.sandbox-id": ("one", ""),
    "io.kubernetes.cri-o.SandboxID": ("one", "two"),
    "io.kubernetes.sandbox.id": ("two",),
}
EXTRA = ({}, {"": "x"}, {"example.com/a": "b", "io.katacontainers.pkg.oci.bundle_path": "/b"})


def _combinations(keys: dict[str, tuple[str, ...]]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    names = list(keys)
    for n in range(len(names) + 1):
        for chosen in itertools.combinations(names, n):
            for values in itertools.product(*(keys[k] for k in chosen)):
                out.extend({**extra, **dict(zip(chosen, values, strict=True))} for extra in EXTRA)
    return out


def _outcome(fn: object, *args: object, **kwargs: object) -> tuple[str, object]:
    with capture_logs() as logs:
        try:
            value = fn(*args, **kwargs)  # type: ignore[operator]
        except KataOCIError as exc:
            return type(exc).__name__, str(exc)
    return "ok", (value, [e["event"] for e in logs])


@pytest.mark.parametrize("strict", [False, True])
def test_container_type_fast_path_agrees_with_the_general_path(engine: Engine, strict: bool) -> None:
    cases = _combinations(TYPE_KEYS)
    assert len(cases) > 100
    for ann in cases:
        spec = spec_with(ann)
        fast = _outcome(engine.container_type, spec, strict=strict)
        as_mapping = _outcome(engine.container_type, ann, strict=strict)
        try:
            with capture_logs() as logs:
                general: tuple[str, object] = (
                    "ok",
                    (engine.resolve(spec, strict=strict).container_type, [e["event"] for e in logs]),
                )
        except KataOCIError as exc:
            general = type(exc).__name__, str(exc)
        assert fast == general == as_mapping, ann


@pytest.mark.parametrize("strict", [False, True])
def test_sandbox_id_fast_path_agrees_with_the_general_path(engine: Engine, strict: bool) -> None:
    for ann in _combinations(SID_KEYS):
        spec = spec_with(ann)
        fast = _outcome(engine.sandbox_id, spec, strict=strict)
        try:
            with capture_logs() as logs:
                sid = engine.resolve(spec, strict=strict).sandbox_id
                events = [e["event"] for e in logs]
            general: tuple[str, object] = ("ok", (sid, events)) if sid is not None else ("missing", None)
        except KataOCIError as exc:
            general = type(exc).__name__, str(exc)
        if general[0] == "missing":
            assert fast[0] == "SandboxIDError", ann
        else:
            assert fast == general, ann


def test_module_functions_take_the_same_paths(engine: Engine) -> None:
    for ann in _combinations(TYPE_KEYS)[:60] + _combinations(SID_KEYS):
        spec = spec_with(ann)
        assert _outcome(kata_oci.container_type, spec, engine=engine) == _outcome(engine.container_type, spec)
        assert _outcome(kata_oci.sandbox_id, spec, engine=engine) == _outcome(engine.sandbox_id, spec)
        assert _outcome(kata_oci.container_type, spec, engine=engine, strict=True) == _outcome(
            engine.container_type, spec, strict=True
        )


# -- the override pass: the keys a scan for "kata" finds, or every key -------------------------------

KATA1_KEYS = [
    "io.katacontainers.config.hypervisor.default_memory",
    "io.katacontainers.config.hypervisor.default_vcpus",
    "io.katacontainers.config.hypervisor.kernel_params",
    "io.katacontainers.config.hypervisor.enable_iommu",
    "io.katacontainers.config.hypervisor.shared_fs",
    "io.katacontainers.config.agent.kernel_modules",
    "io.katacontainers.config.runtime.disable_guest_seccomp",
    "io.katacontainers.config.hypervisor.unknown_knob",
    "io.katacontainers.config.hypervisor.use_vsock",
    "io.katacontainers.pkg.oci.bundle_path",
    "io.katacontainers.config.hypervisor.cold_plug_vfio",
]
ODD_KEYS = [
    "io.katacontainer.config.hypervisor.default_memory",  # misspelt: a hint
    "io.kata-containers.config.hypervisor.kernel_params",
    "Kata.default_memory",
    "KATA_DEFAULT_MEMORY",
    "kAtA.default_memory",  # lowercases to kata, none of the three forms
    "\u212aata.default_memory",  # KELVIN SIGN: lowercases to an ASCII k
    "\u0130kata.x",  # lowercases to two characters
    "pre\nio.katacontainers.config.hypervisor.default_memory",  # a newline, the scan's separator
    "ka\nta",
    "io.katacontainers.config.hypervisor.default_memory\nkata",
    "sgx.intel.com/epc",  # a go key without "kata": the go table's pass takes every key
    "katakata",
    "",
]
PLAIN_KEYS = [f"example.com/annotation-{i}" for i in range(40)] + ["io.kubernetes.cri.sandbox-id"]
VALUES = ["2048", "1", "true", "quiet", "-1", "virtio-fs", "e1000e", "bogus", ""]


def _random_annotations(rng: object, n: int) -> dict[str, str]:
    import random

    assert isinstance(rng, random.Random)
    pool = KATA1_KEYS + ODD_KEYS + PLAIN_KEYS
    keys = rng.sample(pool, min(n, len(pool)))
    if rng.random() < 0.5:  # most specs hold no odd key
        keys = [k for k in keys if k not in ODD_KEYS]
    return {k: rng.choice(VALUES) for k in keys}


def _verdicts(profile: str, ann: dict[str, str], rc: object, strict: bool) -> object:
    with capture_logs() as logs:
        try:
            plan = kata_oci.plan_annotations(ann, rc, strict=strict, profile=profile)
            out: object = (
                plan.decisions,
                [(head, list(group.items())) for head, group in plan.groups.items()],
                list(plan.assets.items()),
                str(plan.config_error),
            )
        except KataOCIError as exc:
            out = (type(exc).__name__, str(exc))
    return out, [(e["event"], e.get("key")) for e in logs]


def _runtime_config(profile: str) -> object:
    if profile == "go":
        from kata_oci.profiles.go.types import HypervisorConfig, HypervisorType, RuntimeConfig

        return RuntimeConfig(
            hypervisor_type=HypervisorType.QEMU, hypervisor_config=HypervisorConfig(enable_annotations=[".*"])
        )
    return kata_oci.RuntimeConfig(
        hypervisor_type=kata_oci.HypervisorType.QEMU,
        hypervisor_config=kata_oci.HypervisorConfig(enable_annotations=[".*"]),
        agent_type=kata_oci.AgentType.KATA,
        agent_config=kata_oci.KataAgentConfig(),
    )


def _table_and_sandbox(profile: str) -> tuple[Any, object]:
    """The profile's compiled table and an empty sandbox of its type."""
    if profile == "go":
        from kata_oci.profiles.go.annotate import GO_TABLE
        from kata_oci.profiles.go.sandbox import SandboxConfig as GoSandbox

        return GO_TABLE, GoSandbox()
    from kata_oci.profiles.kata1.annotate import KATA1_TABLE
    from kata_oci.sandbox import SandboxConfig

    return KATA1_TABLE, SandboxConfig()


def _pass_result(found: Any) -> tuple[object, ...]:
    """What one pass decided: decisions, updates, assets, rejected, the configuration error."""
    return (
        found.decisions,
        [(head, list(group.items())) for head, group in found.groups.items()],
        list(found.assets.items()),
        found.rejected,
        str(found.config_error),
    )


def _hot_pass(profile: str, ann: dict[str, str], rc: object, strict: bool) -> object:
    """The conversion's pass (record=False): the updates and the rejections only."""
    from kata_oci import overrides

    table, sandbox = _table_and_sandbox(profile)
    with capture_logs() as logs:
        found = overrides._evaluate(ann, sandbox, rc, {}, strict, False, True, table.key_index, table)
    return (*_pass_result(found), [(e["event"], e.get("key")) for e in logs])


@pytest.mark.parametrize("profile", ["kata1", "go"])
def test_the_override_scan_gives_the_key_by_key_verdicts(
    profile: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import random

    from kata_oci import keyscan, overrides

    rng = random.Random(17)
    rc = _runtime_config(profile)
    scanned = 0
    for case in range(300):
        ann = _random_annotations(rng, rng.randrange(16, 60))
        strict = case % 3 == 0
        monkeypatch.setattr(keyscan, "SCAN_FROM", 10**9)
        by_key = _verdicts(profile, ann, rc, strict)
        hot = _hot_pass(profile, ann, rc, strict)
        monkeypatch.setattr(keyscan, "SCAN_FROM", 16)
        monkeypatch.setattr(keyscan, "CHUNK", rng.choice([1, 3, 8]))
        monkeypatch.setattr(keyscan, "BLOCK", rng.choice([2, 5, 16, 512]))  # two levels, or one
        assert _verdicts(profile, ann, rc, strict) == by_key, ann
        assert _hot_pass(profile, ann, rc, strict) == hot, ann
        kept = overrides._kata_keys(ann)
        scanned += kept is not None and len(kept) < len(ann)
    assert scanned > 100  # most cases did skip blocks


def test_kata_keys_keeps_the_blocks_that_may_hold_kata_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    from kata_oci import keyscan, overrides

    odd = ["Kata.x", "KATA_Y", "kAtA", "\u212aata", "katakata", "a\nkata"]
    plain = [f"example.com/a-{i}" for i in range(300)]
    ann = dict.fromkeys([*plain[:100], *KATA1_KEYS, *plain[100:200], *odd, *plain[200:]], "v")
    monkeypatch.setattr(keyscan, "BLOCK", 128)  # 317 keys: blocks of 128, then sub-blocks
    monkeypatch.setattr(keyscan, "CHUNK", 16)
    kept = overrides._kata_keys(ann)
    assert kept is not None
    assert [k for k in kept if "kata" in k.lower()] == [*KATA1_KEYS, *odd]  # each one, in order
    assert len(kept) <= 4 * keyscan.CHUNK < len(ann)  # the blocks without one are skipped
    assert kept == [k for k in ann if k in kept]
    monkeypatch.setattr(keyscan, "CHUNK", 1)
    one_by_one = overrides._kata_keys(ann)
    assert one_by_one is not None
    assert [k for k in ann if "kata" in k or "Kata" in k or "KATA" in k] == [
        k for k in one_by_one if "kata" in k or "Kata" in k or "KATA" in k
    ]
    # lowercased only when a "K" is there: kAtA and the Kelvin sign are not among the three forms
    assert one_by_one == [*KATA1_KEYS, "Kata.x", "KATA_Y", "katakata", "a\nkata"]
    assert overrides._kata_keys(dict.fromkeys(["ka", "ta"], "v")) == []  # no hit across the separator
    assert overrides._kata_keys({1: "v"}) is None  # type: ignore[dict-item]
    monkeypatch.setattr(keyscan, "BLOCK", 4)
    assert overrides._kata_keys({**dict.fromkeys("abcdefgh", "v"), 1: "v"}) is None  # type: ignore[dict-item]


def test_kata_keys_finds_each_form_at_every_place_of_many_blocks() -> None:
    """Two levels of blocks (512, then 64): a key at a block's edge, a form found only after a "K"."""
    from kata_oci import overrides

    n = 5000
    keys = [f"example.com/annotation-{i}" for i in range(n)]
    at = {
        0: "kata",  # the whole key, first of all
        63: "x.kata",  # last of a sub-block
        64: "KATA.y",  # first of the next
        511: "io.katacontainers.config.hypervisor.default_vcpus",  # last of a first-level block
        512: "Kubernetes/Kata",  # first of the next: "K" twice, the form after the second
        1500: "KAT\nA",  # a newline splits it: no form
        2047: "k\nkata",  # a form after a newline
        n - 1: "a" * 300 + "Kata",  # the very last key, a long one
    }
    for i, key in at.items():
        keys[i] = key
    keys[3000] = "Kubernetes.io/KAT"  # a "K" without a form: its blocks are skipped
    ann = dict.fromkeys(keys, "v")
    kept = overrides._kata_keys(ann)
    assert kept is not None
    # the sub-blocks of 64 holding a form, whole, in order
    chunks = sorted({i // 64 for i, k in at.items() if "kata" in k or "Kata" in k or "KATA" in k})
    assert kept == [k for c in chunks for k in keys[c * 64 : c * 64 + 64]]
    assert "KAT\nA" not in kept and "Kubernetes.io/KAT" not in kept
    assert overrides._kata_keys(dict.fromkeys(keys[1:63], "v")) == []  # one level: no hit, nothing


FIELDS_INPUTS = [
    "",
    " ",
    "agent.log=debug quiet",
    "  a\tb\nc\vd\fe\rf  ",
    "a\x1cb c",  # \x1c-\x1f: white space to str.split, not to Go
    "a\x1fb\x1d\x1e",
    "a\x85b\xa0c\u2000d",  # Go's non-ASCII spaces
    "a\u200bb",  # zero-width space: not a Go space
    "x=1  y=2 \t z",
]


@pytest.mark.parametrize("text", FIELDS_INPUTS)
def test_fields_ascii_fast_path_agrees_with_the_general_path(text: str) -> None:
    from kata_oci import golang

    general = [f for f in text.translate(golang._TO_SPACE).split(" ") if f]
    assert golang.fields(text) == general


@pytest.mark.parametrize("name", ["file", "missing", "dir/", "dir/x", "dangling"])
def test_glob_without_meta_skips_only_a_check_that_cannot_fail(tmp_path: Path, name: str) -> None:
    from kata_oci import golang

    (tmp_path / "file").write_text("")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    pattern = str(tmp_path / name)
    expected = [pattern] if name in ("file", "dir/", "dangling") else []
    assert golang.glob_strict(pattern) == expected
    assert golang.path_in_globs([pattern], pattern) is bool(expected)
    with pytest.raises(golang.BadPattern):
        golang.glob_strict(str(tmp_path / "[x"))  # with meta, the syntax is still checked


@pytest.mark.parametrize(
    "env",
    [
        None,
        [],
        ["A=1", "B=", "C=x=y", "D", "=e", "F==", "G=1=2=3"],
        ["PATH=/bin", "LANG=C.UTF-8"],
    ],
)
def test_go_cmd_envs_is_strings_split_name_and_second_part(env: list[str] | None) -> None:
    from kata_oci.profiles.go.sandbox import _cmd_envs

    expected = [(e.split("=")[0], e.split("=")[1]) for e in env or () if "=" in e]
    with capture_logs() as logs:
        got = [(v.var, v.value) for v in _cmd_envs(env)]
    assert got == expected
    skipped = [entry["index"] for entry in logs if entry["event"] == "env_var_skipped"]
    assert skipped == [i for i, e in enumerate(env or ()) if "=" not in e]


@pytest.mark.parametrize(
    "raw", ["0", "1", "2", "007", "9999999", "16777217", "99999999", "1.5", "1e0", "+1", "0x1p0", "inf", "-0"]
)
def test_go_float32_row_fast_path_agrees_with_strconv(raw: str) -> None:
    from kata_oci import golang
    from kata_oci.overrides import _Context
    from kata_oci.profiles.go import annotate, table
    from kata_oci.profiles.go.sandbox import runtime_sandbox
    from kata_oci.profiles.go.types import RuntimeConfig

    rc = RuntimeConfig()
    planner = annotate.GO_TABLE.entries[table.DEFAULT_VCPUS][1]
    ctx = _Context(rc, runtime_sandbox(rc), {})
    try:
        expected: object = golang.parse_float(raw, 32)
    except golang.NumError:
        expected = "rejected"
    try:
        _, got = planner(raw, ctx)
    except kata_oci.overrides.Rejected:
        got = "rejected"
    if expected != "rejected" and expected > kata_oci.overrides.host_cpus():  # type: ignore[operator]
        expected = "rejected"
    assert got == expected
    assert type(got) is type(expected)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("", "a=1 b"),
        ("a=0 c=3", "a=1 b"),
        ("a=0 c=3", "a=1 a=2 b c=4"),
        ("x x=1", "x=2"),
        ("a=1", ""),
    ],
)
def test_go_replace_params_is_kata_41s_loop(old: str, new: str) -> None:
    from kata_oci.config import Param, deserialize_params
    from kata_oci.profiles.go.annotate import _replace_params

    def go_loop(params: list[Param], added: list[Param]) -> list[Param]:
        out = list(params)
        for p in added:  # each added parameter drops every earlier one with its key
            out = [q for q in out if q.key != p.key] + [p]
        return out

    o, n = deserialize_params(old.split()), deserialize_params(new.split())
    assert _replace_params(o, n) == go_loop(o, n)


def test_profile_names_answer_as_the_profiles_do_before_and_after_collection(
    builtin_plugins: list[object],
) -> None:
    from kata_oci.errors import ProfileError
    from kata_oci.profiles.go.profile import PROFILE as GO

    spec = spec_with({"io.kubernetes.cri.sandbox-id": "one"})
    for fresh in (Engine.from_plugins(builtin_plugins), Engine.from_plugins(builtin_plugins)):
        assert fresh._profiles is None  # the first call collects them through get_profile
        assert kata_oci.container_type(spec, profile="go", engine=fresh) is GO.default_container_type
        assert fresh._profiles is not None
        assert kata_oci.container_type(spec, profile="go", engine=fresh) is GO.default_container_type
        assert kata_oci.container_type(spec, profile=GO, engine=fresh) is GO.default_container_type
        assert kata_oci.sandbox_id(spec, profile="go", engine=fresh) == "one"
        assert (
            kata_oci.container_type({}, profile="kata1", engine=fresh) is kata_oci.ContainerType.POD_SANDBOX
        )
        with pytest.raises(ProfileError):
            kata_oci.container_type(spec, profile="nope", engine=fresh)
        with pytest.raises(ProfileError):
            kata_oci.sandbox_id(spec, profile="nope", engine=fresh)


def test_rs_reads_the_same_config_keys_through_the_block_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    import random

    from kata_oci import keyscan
    from kata_oci.profiles.rs import annotate as rs

    prefix = "io.katacontainers.config."
    rng = random.Random(23)
    pieces = [prefix, "io.katacontainers.", "io.katacontainers.config", "example.com/x", "\n", "a", "IO."]
    checked = 0
    for _ in range(300):
        n = rng.randrange(1, 200)
        keys = {"".join(rng.choice(pieces) for _ in range(rng.randrange(1, 4))) + str(i) for i in range(n)}
        ann = dict.fromkeys(keys, "1")
        want = sorted(k for k in ann if k.startswith(prefix))
        monkeypatch.setattr(keyscan, "SCAN_FROM", rng.choice([0, 16, 10**9]))
        monkeypatch.setattr(keyscan, "BLOCK", rng.choice([2, 7, 512]))
        monkeypatch.setattr(keyscan, "CHUNK", rng.choice([1, 3, 64]))
        assert rs._config_keys(ann) == want, ann
        checked += len(want) > 0
    assert checked > 100
    # not a string: the walk says what it says of such a key, as without the scan
    monkeypatch.setattr(keyscan, "SCAN_FROM", 0)
    assert keyscan.keys_matching({1: "v"}, rs._has_config_prefix) is None  # type: ignore[dict-item]
    with pytest.raises(AttributeError):
        rs._config_keys({1: "v"})  # type: ignore[dict-item]


def test_rs_plan_with_many_plain_annotations_is_the_plan_without_them() -> None:
    from kata_oci.profiles.rs import annotate as rs
    from kata_oci.profiles.rs.loader import loads

    rc = loads(
        '[hypervisor.qemu]\nkernel = "/k"\nimage = "/i"\nenable_annotations = [".*"]\n'
        '[agent.kata]\n[runtime]\nname = "virt_container"\nhypervisor_name = "qemu"\nagent_name = "kata"\n'
    )
    kata = {
        "io.katacontainers.config.hypervisor.default_vcpus": "2",
        "io.katacontainers.config.hypervisor.default_memory": "4096",
        "io.katacontainers.config.hypervisor.no_such_knob": "1",
        "io.katacontainers.config.agent.enable_tracing": "true",
    }
    plain = {f"example.com/annotation-{i}": f"v{i}" for i in range(3000)}
    many = {**dict(list(plain.items())[:1700]), **kata, **dict(list(plain.items())[1700:])}
    decisions = rs.plan_annotations(kata, rc).decisions
    assert [d.key for d in decisions] == sorted(kata)  # every Kata key decided, the plain ones never
    assert rs.plan_annotations(many, rc).decisions == decisions


def _no_warning_heard(monkeypatch: pytest.MonkeyPatch) -> None:
    """As in a process whose logging has only NullHandlers (pytest's own handler hears everything)."""
    from kata_oci import log

    monkeypatch.setattr(type(log.log), "enabled", lambda self, level: False)


def _quiet_pass(profile: str, ann: dict[str, str], rc: object) -> object:
    """The conversion's pass with no warning heard (no capture): the scan looks for the prefix only."""
    from kata_oci import log, overrides

    table, sandbox = _table_and_sandbox(profile)
    assert not log.log.enabled("warning")  # the quiet case (see _no_warning_heard)
    return _pass_result(overrides._evaluate(ann, sandbox, rc, {}, False, False, True, None, table))


@pytest.mark.parametrize("profile", ["kata1", "go"])
def test_the_quiet_scan_for_the_prefix_gives_the_key_by_key_result(
    profile: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import random

    from kata_oci import keyscan

    _no_warning_heard(monkeypatch)
    rng = random.Random(23)
    rc = _runtime_config(profile)
    looks_like = [f"example.com/kata-{i}" for i in range(30)] + [f"Kata{i}" for i in range(10)]
    for _ in range(300):
        ann = _random_annotations(rng, rng.randrange(16, 60))
        for key in rng.sample(looks_like, rng.randrange(0, 20)):  # keys that only look like Kata's
            ann[key] = rng.choice(VALUES)
        monkeypatch.setattr(keyscan, "SCAN_FROM", 10**9)
        by_key = _quiet_pass(profile, ann, rc)
        monkeypatch.setattr(keyscan, "SCAN_FROM", 16)
        monkeypatch.setattr(keyscan, "CHUNK", rng.choice([1, 3, 8]))
        monkeypatch.setattr(keyscan, "BLOCK", rng.choice([2, 5, 16, 512]))
        assert _quiet_pass(profile, ann, rc) == by_key, ann


def test_the_quiet_scan_skips_keys_that_only_look_like_kata_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    from kata_oci import keyscan, overrides

    seen: list[list[str]] = []
    real = keyscan.keys_matching

    def recording(annotations: dict[str, str], may_hold: object, **options: str) -> list[str] | None:
        found = real(annotations, may_hold, **options)  # type: ignore[arg-type]
        seen.append(list(found or ()))
        return found

    monkeypatch.setattr(keyscan, "keys_matching", recording)
    _no_warning_heard(monkeypatch)
    ann = {f"example.com/kata-{i}": "v" for i in range(1000)}
    ann["io.katacontainers.config.hypervisor.default_memory"] = "4096"
    rc = _runtime_config("kata1")
    from kata_oci.profiles.kata1.annotate import KATA1_TABLE
    from kata_oci.sandbox import SandboxConfig

    found = overrides._evaluate(ann, SandboxConfig(), rc, {}, False, False, True, None, KATA1_TABLE)
    assert found.groups == {"hypervisor_config": {"memory_size": 4096}}
    assert len(seen) == 1 and len(seen[0]) <= keyscan.CHUNK  # one chunk read key by key, not 1,001 keys


@pytest.mark.parametrize("long_keys", [0, 8, 128, 10**9])
def test_prefix_scan_of_long_keys_key_by_key_misses_none(
    long_keys: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past a block of long keys the scan tests key by key (str.startswith): every prefixed key is kept."""
    import random

    from kata_oci import keyscan, overrides

    rng = random.Random(long_keys)
    monkeypatch.setattr(keyscan, "LONG_KEYS", long_keys)
    monkeypatch.setattr(keyscan, "BLOCK", 16)
    monkeypatch.setattr(keyscan, "CHUNK", 4)
    prefix = "io.katacontainers."
    keys = [f"example.com/{'x' * rng.randrange(0, 300)}{i}" for i in range(400)]
    keys += [f"x\n{prefix}n{i}" for i in range(5)] + [f"{prefix}k{i}" for i in range(20)] + ["kata-only"]
    rng.shuffle(keys)
    ann = dict.fromkeys(keys, "v")
    found = keyscan.keys_matching(ann, overrides._may_hold_prefixed, prefix=prefix)
    assert found is not None
    assert [k for k in found if k.startswith(prefix)] == [k for k in keys if k.startswith(prefix)]
    if long_keys <= 128:  # the keys here are ~150 characters on average: tested one by one
        assert len(found) < 60
    assert keyscan.keys_matching({**ann, 7: "v"}, overrides._may_hold_prefixed, prefix=prefix) is None  # type: ignore[dict-item]
