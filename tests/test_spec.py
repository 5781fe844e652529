"""The OCI spec model: decoding, errors with JSON paths, the pre-1.0 form, round trips."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import kata_oci
from kata_oci import SpecError, decode_spec, encode_spec, parse_config_json
from kata_oci.spec import LinuxCapabilities

from helpers import FIXTURES

EVERY_FIELD = FIXTURES / "every-field.json"
MINIMAL = FIXTURES / "kata-minimal-config.json"


def test_every_field_round_trips_with_the_specs_own_spellings() -> None:
    original = json.loads(EVERY_FIELD.read_bytes())
    spec = decode_spec(EVERY_FIELD.read_bytes())
    assert json.loads(encode_spec(spec)) == original


@pytest.mark.parametrize(
    ("path", "key"),
    [
        (("linux", "resources", "memory"), "kernelTCP"),
        (("linux", "resources", "memory"), "disableOOMKiller"),
        (("linux", "resources"), "blockIO"),
        (("linux", "resources", "network"), "classID"),
        (("linux", "resources", "blockIO"), "throttleReadIOPSDevice"),
        (("linux", "resources", "blockIO"), "throttleWriteIOPSDevice"),
        (("linux", "resources", "blockIO"), "throttleReadBpsDevice"),
        (("linux", "intelRdt"), "closID"),
        (("linux", "intelRdt"), "l3CacheSchema"),
        (("solaris",), "cappedCPU"),
        (("windows", "network"), "DNSSearchList"),
        (("windows", "network"), "allowUnqualifiedDNSQuery"),
        (("windows", "hyperv"), "utilityVMPath"),
        ((), "ociVersion"),
    ],
)
def test_special_spellings_survive_encoding(path: tuple[str, ...], key: str) -> None:
    encoded = json.loads(encode_spec(decode_spec(EVERY_FIELD.read_bytes())))
    node = encoded
    for part in path:
        node = node[part]
    assert key in node


def test_id_mapping_spellings() -> None:
    encoded = json.loads(encode_spec(decode_spec(EVERY_FIELD.read_bytes())))
    assert encoded["linux"]["uidMappings"][0] == {"containerID": 3, "hostID": 1000, "size": 65536}
    assert set(encoded["linux"]["gidMappings"][0]) == {"containerID", "hostID", "size"}


def test_typed_values() -> None:
    spec = decode_spec(EVERY_FIELD.read_bytes())
    assert spec.process is not None
    assert spec.process.user.uid == 1
    assert spec.process.user.additional_gids == [5, 6]
    assert spec.linux is not None and spec.linux.resources is not None
    assert spec.linux.resources.memory is not None
    assert spec.linux.resources.memory.kernel_tcp == 4
    assert spec.linux.resources.memory.disable_oom_killer is True
    assert spec.linux.resources.block_io is not None
    assert spec.linux.resources.block_io.throttle_read_iops_device is not None
    assert spec.linux.resources.block_io.throttle_read_iops_device[0].rate == 300
    assert spec.linux.uid_mappings is not None
    assert spec.linux.uid_mappings[0].host_id == 1000


def test_pre_1_0_capabilities_list_fills_all_five_sets() -> None:
    spec = parse_config_json(MINIMAL.parent / MINIMAL.name)
    assert spec.process is not None
    caps = spec.process.capabilities
    assert isinstance(caps, LinuxCapabilities)
    expected = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    assert caps.bounding == expected
    assert caps.effective == expected
    assert caps.inheritable == expected
    assert caps.permitted == expected
    assert caps.ambient == expected


def test_capabilities_object_form_is_kept() -> None:
    spec = decode_spec(b'{"process": {"capabilities": {"bounding": ["CAP_KILL"]}}}')
    assert spec.process is not None
    assert spec.process.capabilities == LinuxCapabilities(bounding=["CAP_KILL"])


def test_capabilities_list_of_non_strings_is_a_spec_error() -> None:
    with pytest.raises(SpecError) as info:
        decode_spec(b'{"process": {"capabilities": ["CAP_KILL", 3]}}')
    assert info.value.path == "$.process.capabilities[1]"


@pytest.mark.parametrize(
    ("doc", "path", "reason"),
    [
        (b'{"process": {"user": {"uid": "0"}}}', "$.process.user.uid", "Expected `int`, got `str`"),
        (b'{"process": {"user": {"uid": -1}}}', "$.process.user.uid", ">= 0"),
        (b'{"process": {"user": {"uid": 4294967296}}}', "$.process.user.uid", "<= 4294967295"),
        (b'{"process": {"user": {"uid": 1.5}}}', "$.process.user.uid", "got `float`"),
        (b'{"mounts": [{}, {"options": ["ro", 1]}]}', "$.mounts[1].options[1]", "got `int`"),
        (b'{"annotations": {"ok": "1", "bad": 2}}', "$.annotations['bad']", "got `int`"),
        (b'{"linux": {"sysctl": {"k": null}}}', "$.linux.sysctl['k']", "got `null`"),
        (
            b'{"linux": {"resources": {"memory": {"limit": 9223372036854775808}}}}',
            "$.linux.resources.memory.limit",
            "<= 9223372036854775807",
        ),
        (
            b'{"process": {"rlimits": [{"hard": 18446744073709551616}]}}',
            "$.process.rlimits[0].hard",
            "<= 18446744073709551615",
        ),
        (b'{"hostname": null}', "$.hostname", "got `null`"),
        (b"[]", "$", "got `array`"),
        (b'{"ociVersion": "1.0.2"', "$", "truncated"),
        (b"not json", "$", "malformed"),
    ],
)
def test_decode_errors_name_the_json_path(doc: bytes, path: str, reason: str) -> None:
    with pytest.raises(SpecError) as info:
        decode_spec(doc, source="/run/bundle")
    assert info.value.path == path
    assert reason in info.value.reason
    assert "/run/bundle" in str(info.value)
    # A JSON path, or for malformed JSON the line and column (the path would be only "$").
    assert path in str(info.value) if info.value.line is None else "at line 1, column" in str(info.value)
    assert isinstance(info.value, kata_oci.KataOCIError)
    assert isinstance(info.value, ValueError)


def test_invalid_utf8_is_a_spec_error() -> None:
    with pytest.raises(SpecError, match="UTF-8"):
        decode_spec(b'{"hostname": "\xff"}')


def test_unknown_fields_are_kept() -> None:
    spec = decode_spec(
        b'{"ociVersion": "1.0.2", "futureField": {"x": [1, 2]}, "root": {"path": "r", "new": 1}}'
    )
    assert spec.oci_version == "1.0.2"
    assert spec.root is not None and spec.root.path == "r"
    assert spec.extra == {"futureField": {"x": [1, 2]}}
    assert spec.root.extra == {"new": 1}


def test_duplicate_keys_last_wins_as_in_go() -> None:
    spec = decode_spec(b'{"hostname": "first", "hostname": "second"}')
    assert spec.hostname == "second"


def test_null_sections_and_annotations_are_none() -> None:
    spec = decode_spec(b'{"process": null, "annotations": null, "mounts": null, "linux": {"devices": null}}')
    assert spec.process is None
    assert spec.annotations is None
    assert spec.mounts is None
    assert spec.linux is not None and spec.linux.devices is None


def test_zero_values_are_written_as_the_document_had_them_and_decode_back_equal() -> None:
    doc = b'{"ociVersion": "1.0.2", "process": {"user": {"uid": 0}, "terminal": false}}'
    spec = decode_spec(doc)
    assert json.loads(encode_spec(spec)) == json.loads(doc)
    assert decode_spec(encode_spec(spec)) == spec


def test_parse_config_json_reads_bundle_directory(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_bytes(b'{"ociVersion": "1.0.2", "hostname": "h"}')
    assert parse_config_json(tmp_path).hostname == "h"
    assert parse_config_json(str(tmp_path)).hostname == "h"
    assert parse_config_json(tmp_path / "config.json").hostname == "h"


def test_parse_config_json_missing_file_names_the_bundle(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        parse_config_json(tmp_path)
    assert str(tmp_path) in str(info.value)
    assert "No such file" in info.value.reason


def test_parse_config_json_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "config.json").mkdir()
    with pytest.raises(SpecError, match="Is a directory"):
        parse_config_json(tmp_path)


def test_parse_config_json_bad_json_names_bundle_and_path(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_bytes(b'{"process": {"args": "sh"}}')
    with pytest.raises(SpecError) as info:
        parse_config_json(tmp_path)
    assert info.value.path == "$.process.args"
    assert info.value.bundle == os.fspath(tmp_path)


def test_state_round_trip() -> None:
    doc = {
        "ociVersion": "1.0.2",
        "id": "c1",
        "status": "running",
        "pid": 42,
        "bundle": "/b",
        "annotations": {"k": "v"},
    }
    state = kata_oci.decode_state(json.dumps(doc).encode())
    assert state.pid == 42 and state.status == "running"
    assert json.loads(encode_spec(state)) == doc
