"""The spec model loses nothing (issue 15): runtime-spec 1.3, unknown members, Go's zero values.

Decoding keeps every member, known to the 1.3 model or not; encoding writes the
fields Go's ``specs-go`` writes (``omitempty`` rules), and for a decoded document
its zero values as the document had them. Checked on fixtures always, and on the
whole corpus in ``../shared`` when it is there; the output is validated against
the runtime-spec's JSON schema (a copy in ``tests/fixtures/runtime-spec-schema``).
"""

from __future__ import annotations

import copy
import json
import pickle
from pathlib import Path
from typing import Any

import msgspec
import pytest

import kata_oci
from kata_oci import SpecError, decode_spec, encode_spec
from kata_oci.errors import SpecFileError
from kata_oci.spec import (
    VM,
    LinuxDevice,
    LinuxDeviceCgroup,
    LinuxIDMapping,
    LinuxMemory,
    LinuxSeccompArg,
    LinuxSyscall,
    Process,
    Root,
    Spec,
    decode_state,
    parse_config_json,
    to_json,
)

from helpers import FIXTURES, SHARED

LOSSLESS = FIXTURES / "lossless"
SCHEMA_DIR = FIXTURES / "runtime-spec-schema"
PODMAN = LOSSLESS / "podman-4.3-container.json"
EVERY_FIELD_13 = LOSSLESS / "every-field-v1.3.json"
CORPUS = SHARED / "corpus"


def value(data: bytes) -> Any:
    return json.loads(data)


def go_encoded(obj: msgspec.Struct) -> Any:
    """What Go's rules alone give: the object rebuilt, so it has no memory of a document."""
    rebuilt = msgspec.convert(msgspec.to_builtins(obj), type(obj))
    return value(encode_spec(rebuilt))


# --------------------------------------------------------------------------
# the findings: fields lost on decode


def test_podman_4_3_keeps_umask_and_default_errno_ret() -> None:
    data = PODMAN.read_bytes()
    spec = decode_spec(data)
    assert spec.process is not None and spec.process.user.umask == 0o022
    assert spec.linux is not None and spec.linux.seccomp is not None
    assert spec.linux.seccomp.default_errno_ret == 38
    encoded = value(encode_spec(spec))
    assert encoded["process"]["user"]["umask"] == 18
    assert encoded["linux"]["seccomp"]["defaultErrnoRet"] == 38
    assert encoded == value(data)


def unknown_members(obj: Any, at: str = "$") -> list[str]:
    if isinstance(obj, msgspec.Struct):
        found = [f"{at}.{k}" for k in obj.__dict__.get("_extra", {})]
        for name in obj.__struct_fields__:
            found += unknown_members(getattr(obj, name), f"{at}.{name}")
        return found
    if isinstance(obj, list):
        return [m for i, item in enumerate(obj) for m in unknown_members(item, f"{at}[{i}]")]
    if isinstance(obj, dict):
        return [m for k, item in obj.items() for m in unknown_members(item, f"{at}[{k!r}]")]
    return []


def test_every_runtime_spec_1_3_field_is_in_the_model() -> None:
    data = EVERY_FIELD_13.read_bytes()
    spec = decode_spec(data)
    assert unknown_members(spec) == []  # nothing fell through to ``extra``
    assert value(encode_spec(spec)) == value(data)
    assert go_encoded(spec) == value(data)  # the fixture is written the way Go writes it
    assert spec.process is not None and spec.process.scheduler is not None
    assert spec.process.scheduler.nice == -5
    assert spec.process.io_priority is not None and spec.process.io_priority.class_ == "IOPRIO_CLASS_IDLE"
    assert spec.linux is not None and spec.linux.net_devices is not None
    assert spec.linux.net_devices["eth1"].name == "ctr1"
    assert spec.linux.time_offsets is not None and spec.linux.time_offsets["monotonic"].secs == -1
    assert spec.vm is not None and spec.vm.hw_config is not None and spec.vm.hw_config.iomems is not None
    assert spec.vm.hw_config.iomems[1].first_mfn is None


@pytest.mark.parametrize(
    ("doc", "where", "member"),
    [
        (b'{"ociVersion": "1.3.0", "future": {"x": [1, 2.5, null]}}', (), "future"),
        (
            b'{"process": {"cwd": "/", "futureProcess": true, "user": {"uid": 1, "u2": 3}}}',
            ("process",),
            "futureProcess",
        ),
        (b'{"process": {"cwd": "/", "user": {"uid": 1, "u2": 3}}}', ("process", "user"), "u2"),
        (
            b'{"mounts": [{"destination": "/a"}, {"destination": "/b", "idmapX": "y"}]}',
            ("mounts", 1),
            "idmapX",
        ),
        (
            b'{"linux": {"resources": {"rdma": {"mlx": {"hcaHandles": 1, "new": 0}}}}}',
            ("linux", "resources", "rdma", "mlx"),
            "new",
        ),
        (
            b'{"process": {"cwd": "/", "capabilities": {"bounding": [], "next": ["X"]}}}',
            ("process", "capabilities"),
            "next",
        ),
        (
            b'{"linux": {"seccomp": {"defaultAction": "A", "syscalls": [{"names": ["n"], "action": "A",'
            b' "args": [{"index": 0, "value": 1, "op": "EQ", "v3": 9}]}]}}}',
            ("linux", "seccomp", "syscalls", 0, "args", 0),
            "v3",
        ),
        (b'{"OCIVersion": "1.0.2"}', (), "OCIVersion"),  # another letter case: an unknown member, kept
    ],
)
def test_unknown_members_are_kept_and_written_back(doc: bytes, where: tuple[Any, ...], member: str) -> None:
    spec = decode_spec(doc)
    node: Any = spec
    for step in where:
        node = (
            getattr(node, step) if isinstance(step, str) and isinstance(node, msgspec.Struct) else node[step]
        )
    assert list(node.extra) == [member]
    assert value(encode_spec(spec)) == value(doc)


def test_extra_of_a_built_value_is_written_after_the_known_fields() -> None:
    root = Root(path="rootfs")
    root.extra["x-engine"] = {"a": 1}
    root.extra["path"] = "ignored: a known field wins"
    assert encode_spec(root) == b'{"path":"rootfs","x-engine":{"a":1}}'
    root.extra = {}
    assert encode_spec(root) == b'{"path":"rootfs"}'


def test_state_keeps_unknown_members() -> None:
    doc = b'{"ociVersion": "1.3.0", "id": "c", "status": "running", "pid": 4, "bundle": "/b", "x": "kata"}'
    state = decode_state(doc)
    assert state.extra == {"x": "kata"}
    assert value(encode_spec(state)) == value(doc)


# --------------------------------------------------------------------------
# the findings: zero values lost on encode (Go writes them)


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        (LinuxDeviceCgroup(allow=False, access="rwm"), {"allow": False, "access": "rwm"}),
        (LinuxIDMapping(size=1), {"containerID": 0, "hostID": 0, "size": 1}),
        (
            LinuxDevice(path="/dev/x", type="c", major=1),
            {"path": "/dev/x", "type": "c", "major": 1, "minor": 0},
        ),
        (LinuxSeccompArg(op="SCMP_CMP_EQ"), {"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}),
        (LinuxSyscall(action="SCMP_ACT_ALLOW"), {"names": None, "action": "SCMP_ACT_ALLOW"}),
        (LinuxMemory(limit=0, swap=None), {"limit": 0}),  # a pointer to zero is written, nil is not
        (Process(), {"user": {"uid": 0, "gid": 0}, "cwd": ""}),
        (Spec(hostname=""), {"ociVersion": ""}),
        (VM(), {"hypervisor": {"path": ""}, "kernel": {"path": ""}, "image": {"path": "", "format": ""}}),
    ],
)
def test_built_values_encode_as_go_writes_them(obj: msgspec.Struct, expected: dict[str, Any]) -> None:
    assert value(encode_spec(obj)) == expected


def test_decoded_zero_values_go_writes_survive() -> None:
    doc = (
        b'{"ociVersion": "1.3.0", "linux": {"uidMappings": [{"containerID": 0, "hostID": 0, "size": 1}],'
        b' "devices": [{"path": "/dev/x", "type": "c", "major": 1, "minor": 0}],'
        b' "resources": {"devices": [{"allow": false, "access": "rwm"}]},'
        b' "seccomp": {"defaultAction": "A", "syscalls": [{"names": ["x"], "action": "A",'
        b' "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]}]}}}'
    )
    spec = decode_spec(doc)
    assert value(encode_spec(spec)) == value(doc)
    assert go_encoded(spec) == value(doc)  # the same without any memory of the document


def test_a_document_not_written_by_go_comes_back_as_it_was() -> None:
    doc = b'{"process": {"terminal": false, "user": {}, "args": []}, "hostname": "", "linux": null}'
    spec = decode_spec(doc)
    assert value(encode_spec(spec)) == value(doc)
    # Go itself would write ociVersion, cwd, uid and gid and drop the zero values:
    assert go_encoded(spec) == {"ociVersion": "", "process": {"user": {"uid": 0, "gid": 0}, "cwd": ""}}


def test_values_changed_after_decoding_are_written() -> None:
    spec = decode_spec(b'{"process": {"user": {}}, "root": {"path": "r"}}')
    assert spec.process is not None and spec.root is not None
    spec.process.cwd = "/work"
    spec.process.user.uid = 7
    spec.root.readonly = True
    spec.hostname = "h"
    assert value(encode_spec(spec)) == {
        "process": {"user": {"uid": 7}, "cwd": "/work"},
        "root": {"path": "r", "readonly": True},
        "hostname": "h",
    }


def test_to_json_of_a_spec_is_encode_spec() -> None:
    spec = decode_spec(PODMAN.read_bytes())
    assert to_json(spec) == encode_spec(spec)


@pytest.mark.parametrize(
    "path",
    [
        PODMAN,
        EVERY_FIELD_13,
        LOSSLESS / "crun-1.8-spec.json",  # written by C: "inheritable": []
        LOSSLESS / "runtime-spec-config-md-example.json",  # by hand: "nanosecs": 0
        *sorted((FIXTURES / "conformance").glob("*.json")),
    ],
    ids=lambda p: p.name,
)
def test_fixture_round_trips_to_the_same_json_value(path: Path) -> None:
    data = path.read_bytes()
    try:
        spec = decode_spec(data)
    except SpecError:
        assert "bad" in path.name  # the schema's bad examples with a wrong JSON type
        return
    assert value(encode_spec(spec)) == value(data)


# --------------------------------------------------------------------------
# the whole corpus, and the schema


def corpus_specs() -> list[Any]:
    if not CORPUS.is_dir():
        return [pytest.param(None, id="corpus-absent", marks=pytest.mark.skip(reason=f"{CORPUS} absent"))]
    files = [
        *sorted((CORPUS / "real-specs").rglob("*.json")),
        CORPUS / "runtime-spec" / "config-md-example.json",
        *sorted((CORPUS / "runtime-spec" / "schema" / "test" / "config").rglob("*.json")),
    ]
    return [pytest.param(p, id=str(p.relative_to(CORPUS))) for p in files if p.name != "INDEX.json"]


CORPUS_DECODE_ERRORS = {  # runtime-spec's bad examples with a JSON type Go refuses too
    "invalid-json.json": "$",
    "linux-rdma.json": "$.linux.resources.rdma['mlx5_1'].hcaHandles",
    "linux-netdevice.json": "$.linux.netDevices['eth0'].name",
}


@pytest.fixture(scope="module")
def validator() -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    referencing = pytest.importorskip("referencing")
    resources = [
        (p.name, referencing.Resource.from_contents(json.loads(p.read_text()), referencing.jsonschema.DRAFT4))
        for p in SCHEMA_DIR.glob("*.json")
    ]
    registry = referencing.Registry().with_resources(resources)
    schema = json.loads((SCHEMA_DIR / "config-schema.json").read_text())
    return jsonschema.Draft4Validator(schema, registry=registry)


@pytest.mark.parametrize("path", corpus_specs())
def test_corpus_spec_round_trips_and_stays_schema_valid(path: Path, validator: Any) -> None:
    data = path.read_bytes()
    if path.parent.name == "bad" and path.name in CORPUS_DECODE_ERRORS:
        with pytest.raises(SpecError) as info:
            decode_spec(data)
        assert info.value.path == CORPUS_DECODE_ERRORS[path.name]
        return
    spec = decode_spec(data)
    out = value(encode_spec(spec))
    assert out == value(data)
    assert schema_errors(validator, out) == schema_errors(validator, value(data))


def schema_errors(validator: Any, doc: Any) -> set[tuple[tuple[Any, ...], str]]:
    return {(tuple(e.absolute_path), e.message) for e in validator.iter_errors(doc)}


@pytest.mark.parametrize(
    "path",
    [
        PODMAN,
        EVERY_FIELD_13,
        LOSSLESS / "crun-1.8-spec.json",
        LOSSLESS / "runtime-spec-config-md-example.json",
    ],
    ids=lambda p: p.name,
)
def test_output_has_no_schema_error_the_input_has_not(path: Path, validator: Any) -> None:
    data = path.read_bytes()
    spec = decode_spec(data)
    before = schema_errors(validator, value(data))
    assert schema_errors(validator, value(encode_spec(spec))) == before
    assert schema_errors(validator, go_encoded(spec)) <= before


def test_the_schema_errors_of_the_fixtures_are_the_known_ones(validator: Any) -> None:
    # podman writes the file-type bits into fileMode (0o20666); Go's type for
    # windows.resources.cpu.affinity is a list, the schema's an object.
    assert schema_errors(validator, value(PODMAN.read_bytes())) == {
        (("linux", "devices", 0, "fileMode"), "8630 is greater than the maximum of 511")
    }
    assert {path for path, _ in schema_errors(validator, value(EVERY_FIELD_13.read_bytes()))} == {
        ("windows", "resources", "cpu", "affinity")
    }


def test_built_spec_is_schema_valid(validator: Any) -> None:
    spec = Spec(
        oci_version=kata_oci.spec.SPEC_VERSION,
        process=Process(args=["sh"], cwd="/"),
        root=Root(path="rootfs"),
        linux=kata_oci.spec.Linux(
            resources=kata_oci.spec.LinuxResources(devices=[LinuxDeviceCgroup(allow=False, access="rwm")]),
            uid_mappings=[LinuxIDMapping(size=1)],
        ),
    )
    assert list(validator.iter_errors(value(encode_spec(spec)))) == []


# --------------------------------------------------------------------------
# the fast path: no second pass unless a member is unknown; same errors either way


def test_a_document_without_unknown_members_is_decoded_in_one_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = kata_oci.spec._decode_or_raise
    monkeypatch.setattr(kata_oci.spec, "_decode_or_raise", lambda *a: calls.append(a) or real(*a))
    decode_spec(PODMAN.read_bytes())
    assert calls == []
    decode_spec(b'{"x": 1}')
    assert len(calls) == 1


def test_unknown_members_in_many_objects_are_all_kept() -> None:
    # More objects with unknown members than are taken out one by one: the whole walk.
    mounts = [{"destination": f"/m{i}", f"x{i}": i} for i in range(kata_oci.spec._RETRIES + 3)]
    doc = {"ociVersion": "1.3.0", "x-root": 0, "mounts": mounts, "process": {"cwd": "/", "user": {"y": 1}}}
    spec = decode_spec(json.dumps(doc).encode())
    assert spec.mounts is not None
    assert [m.extra for m in spec.mounts] == [{f"x{i}": i} for i in range(len(mounts))]
    assert spec.process is not None and spec.process.user.extra == {"y": 1}
    assert value(encode_spec(spec)) == doc


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        (b'{"process": {"user": {"uid": "0"}}}', "$.process.user.uid"),
        (b'{"mounts": [{}, {"options": ["ro", 1]}]}', "$.mounts[1].options[1]"),
        (b'{"annotations": {"ok": "1", "bad": 2}}', "$.annotations['bad']"),
        (b'{"process": {"rlimits": [{"hard": 18446744073709551616}]}}', "$.process.rlimits[0].hard"),
        (b'{"process": {"capabilities": ["CAP_KILL", 3]}}', "$.process.capabilities[1]"),
        (b'{"hostname": null}', "$.hostname"),
    ],
)
@pytest.mark.parametrize("member", [b'"zzz": 1', b'"platform": {"os": "linux", "arch": "amd64"}'])
def test_an_unknown_member_does_not_change_the_error(doc: bytes, path: str, member: bytes) -> None:
    with pytest.raises(SpecError) as plain:
        decode_spec(doc)
    with_unknown = b"{" + member + b", " + doc[1:]
    with pytest.raises(SpecError) as second:
        decode_spec(with_unknown)
    assert plain.value.path == second.value.path == path
    assert plain.value.reason == second.value.reason


def general_path(data: bytes) -> Spec:
    """What the general unknown-member path gives (the pre-1.0 ``platform`` route bypassed)."""
    message = kata_oci.spec._typed(Spec, kata_oci.spec._spec_decoder, data, None)
    assert isinstance(message, kata_oci.spec._Unknown)
    spec: Spec = kata_oci.spec._keep_unknown(Spec, data, None, message)
    return spec


@pytest.mark.parametrize(
    "doc",
    [
        {"ociVersion": "1.0.0-rc1", "platform": {"os": "linux", "arch": "amd64"}, "hostname": "h"},
        {"platform": None, "process": {"cwd": "/", "args": ["sh"]}},
        {"platform": "linux/amd64"},  # Go (specs-go has no platform) takes any value: so does kata-oci
        {"platform": {"os": "linux", "variant": "v8"}, "root": {"path": "rootfs", "x": 1}},  # + a nested one
        {"platform": {"os": "linux"}, "x-root": [1], "mounts": [{"destination": "/a"}]},  # + another root one
    ],
)
def test_the_pre_1_0_platform_member_is_kept_as_the_general_path_keeps_it(doc: dict[str, Any]) -> None:
    # Kata's own test configuration has it: decoded in one more typed pass, with the same result.
    data = json.dumps(doc).encode()
    spec, general = decode_spec(data), general_path(data)
    assert type(spec) is Spec and spec == general
    assert spec.extra == general.extra and "platform" in spec.extra
    assert unknown_members(spec) == unknown_members(general)
    assert value(encode_spec(spec)) == doc


def test_the_platform_route_carries_every_field_of_the_model() -> None:
    # _pre10 names Spec's fields one by one: a field added to the model must be carried too.
    fields = msgspec.structs.fields(Spec)
    values = {f.name: f"value of {f.name}" for f in fields}
    legacy = kata_oci.spec._Pre10Spec(**values, platform={"os": "linux"})
    spec = kata_oci.spec._pre10(legacy)
    assert type(spec) is Spec
    assert msgspec.structs.asdict(spec) == values
    assert spec.extra == {"platform": {"os": "linux"}}
    assert {f.name for f in msgspec.structs.fields(kata_oci.spec._Pre10Spec)} == {*values, "platform"}


def test_the_platform_route_is_one_typed_pass_more(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = kata_oci.spec._decode_or_raise
    monkeypatch.setattr(kata_oci.spec, "_decode_or_raise", lambda *a: calls.append(a) or real(*a))
    spec = decode_spec((FIXTURES / "kata-minimal-config.json").read_bytes())
    assert calls == []  # no untyped decode
    assert spec.extra == {"platform": {"os": "linux", "arch": "amd64"}}


# --------------------------------------------------------------------------
# SpecError messages (issue 16): missing, empty, line and column, bounded


def test_a_missing_file_says_so_plainly(tmp_path: Path) -> None:
    with pytest.raises(SpecFileError) as info:
        parse_config_json(tmp_path / "nowhere")
    file = tmp_path / "nowhere" / "config.json"
    assert str(info.value) == f"cannot read {file}: No such file or directory"
    assert "(at $)" not in str(info.value) and "invalid OCI spec" not in str(info.value)
    assert isinstance(info.value, SpecError) and info.value.file == str(tmp_path / "nowhere" / "config.json")


@pytest.mark.parametrize("content", [b"", b" \n\t\r\n"])
def test_an_empty_file_says_empty(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "config.json").write_bytes(content)
    with pytest.raises(SpecFileError, match=r"config\.json is empty"):
        parse_config_json(tmp_path)
    with pytest.raises(SpecError, match="empty document"):
        decode_spec(content)


@pytest.mark.parametrize(
    ("doc", "line", "column", "what"),
    [
        (b'{\n  "ociVersion": "1.3.0",\n  "hostname": x\n}', 3, 15, "invalid character"),
        (b'{\n  "a": 1\n  "b": 2\n}', 3, 3, "expected ',' or '}'"),
        (b'{"ociVersion": "1.3.0"} {}', 1, 25, "trailing characters"),
        (
            b'{\n  "hostname": "h\xc3\xa9llo", x',
            2,
            24,
            "object keys must be strings",
        ),  # columns count characters
        (b'{\n  "ociVersion": "1.3.0",\n', 3, 1, "truncated"),
    ],
)
def test_a_syntax_error_gives_line_and_column(doc: bytes, line: int, column: int, what: str) -> None:
    with pytest.raises(SpecError) as info:
        decode_spec(doc, source="/run/b")
    assert (info.value.line, info.value.column) == (line, column)
    assert str(info.value).endswith(f", at line {line}, column {column}")
    assert what in info.value.reason
    assert "byte" not in str(info.value)


def test_invalid_utf8_gives_line_and_column() -> None:
    with pytest.raises(SpecError) as info:
        decode_spec(b'{\n"hostname": "ab\xff"}')
    assert (info.value.line, info.value.column) == (2, 16)


def test_spec_error_messages_are_bounded() -> None:
    key = "k" * 1_000_000
    doc = json.dumps({"annotations": {key: 1}}).encode()
    with pytest.raises(SpecError) as info:
        decode_spec(doc)
    assert len(str(info.value)) < 2_000
    assert "(1000000 characters)" in str(info.value)
    assert info.value.path.startswith("$.annotations['kkk")


def test_a_file_name_with_control_characters_is_escaped_in_the_message(tmp_path: Path) -> None:
    with pytest.raises(SpecFileError) as info:
        parse_config_json(tmp_path / "a\x1b[31m\nb")
    message = str(info.value)
    assert "\x1b" not in message and "\n" not in message
    assert "a\\x1b[31m\\nb" in message
    assert info.value.file == str(
        tmp_path / "a\x1b[31m\nb" / "config.json"
    )  # the attribute is the name itself


@pytest.mark.parametrize("kind", [bytes, bytearray, memoryview, str])
def test_every_input_type_round_trips(kind: type) -> None:
    doc = b'{"process": {"terminal": false, "user": {}, "x": 1}, "linux": {"resources": {"devices": []}}}'
    data = doc.decode() if kind is str else kind(doc)
    spec = decode_spec(data)
    if kind is bytearray:
        data[:] = b" " * len(doc)  # the caller may reuse its buffer: the spec does not depend on it
    assert value(encode_spec(spec)) == value(doc)


def test_custom_spec_is_the_spec_and_encodes_to_the_config_json() -> None:
    from importlib import resources

    from kata_oci.configfile import DEFAULT_CONFIG_RESOURCE

    rc = kata_oci.load_runtime_config(Path(str(resources.files("kata_oci") / DEFAULT_CONFIG_RESOURCE)))
    doc = json.loads((FIXTURES / "conformance" / "runtime-spec-good-spec-example.json").read_bytes())
    doc["x-engine"] = {"kept": True}
    doc["process"]["terminal"] = False
    doc["linux"]["resources"]["devices"].append({"allow": False, "access": "rwm", "x-rule": 1})
    data = json.dumps(doc).encode()
    spec = decode_spec(data)
    sandbox = kata_oci.sandbox_config(spec, rc, "/run/bundle", "cid")
    container = sandbox.containers[0]
    assert container.custom_spec is spec
    assert value(encode_spec(container.custom_spec)) == doc
    assert spec.linux is not None and container.resources is spec.linux.resources


@pytest.mark.parametrize(
    "duplicate",
    [copy.copy, copy.deepcopy, lambda s: pickle.loads(pickle.dumps(s))],
    ids=["copy", "deepcopy", "pickle"],
)
def test_copies_and_pickles_keep_unknown_members_and_zero_values(duplicate: Any) -> None:
    doc = b'{"x-engine": 1, "process": {"terminal": false, "user": {}, "x-process": [2]}}'
    spec = decode_spec(doc)
    twin = duplicate(spec)
    assert twin == spec
    assert value(encode_spec(twin)) == value(doc)


@pytest.mark.parametrize(
    ("doc", "path"),
    [
        (
            b'{"linux": {"netDevices": {"ok": {"name": "a"}, "bad": {"name": 23}}}}',
            "$.linux.netDevices['bad'].name",
        ),
        (
            b'{"linux": {"resources": {"rdma": {"a": {"hcaHandles": 1}, "b": 5}}}}',
            "$.linux.resources.rdma['b']",
        ),
        (b'{"linux": {"timeOffsets": {"boottime": {"secs": "1"}}}}', "$.linux.timeOffsets['boottime'].secs"),
        (b'{"annotations": {"a": "1", "b": null}}', "$.annotations['b']"),
    ],
)
def test_a_bad_value_in_a_map_names_its_key(doc: bytes, path: str) -> None:
    with pytest.raises(SpecError) as info:
        decode_spec(doc)
    assert info.value.path == path
