"""Conformance: the runtime-spec's own examples and test configs, and specs written by real engines.

Two sources:

* the developers' corpus in ``../shared/corpus`` (skipped cleanly when absent): every
  runtime-spec example and schema test file, and every spec of ``real-specs/`` with the
  container type and sandbox ID that ``real-specs/INDEX.json`` says Kata derives;
* a few verbatim copies in ``tests/fixtures/conformance/`` (Apache-2.0 data; see
  ``tests/fixtures/conformance/PROVENANCE.md``: runtime-spec @6999a89, containerd v1.7.10's
  CRI spec builders, runc @76d9cf5), so that one good, one bad and one real engine spec
  are always checked.

Kata's configuration files (``corpus/kata-config/``) are covered by ``tests/test_configfile.py``.
``docs/conformance.md`` explains every expectation below that differs from the schema's verdict.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec
import pytest

import kata_oci
from kata_oci import (
    ContainerType,
    ContainerTypeError,
    KataOCIError,
    NoLinuxError,
    RuntimeConfig,
    SandboxIDError,
    ShmSizeError,
    SpecError,
    annotations as ka,
)
from kata_oci.configfile import DEFAULT_CONFIG_RESOURCE
from kata_oci.overrides import host_cpus

from helpers import FIXTURES, ROOT, SHARED, shared_path

CORPUS = SHARED / "corpus"
RUNTIME_SPEC = CORPUS / "runtime-spec"
SCHEMA_TESTS = RUNTIME_SPEC / "schema" / "test"
REAL_SPECS = CORPUS / "real-specs"
CONFORMANCE = FIXTURES / "conformance"
DOC = ROOT / "docs" / "conformance.md"


def shipped_runtime_config() -> RuntimeConfig:
    """The Kata 1.x configuration.toml shipped inside kata-oci (QEMU, enable_annotations [".*"])."""
    return kata_oci.load_runtime_config(Path(str(resources.files("kata_oci") / DEFAULT_CONFIG_RESOURCE)))


RC = shipped_runtime_config()


def corpus_files(directory: Path, pattern: str = "*.json") -> list[Any]:
    """One parameter per file, named after it; a single skipped parameter when the corpus is absent."""
    if not directory.is_dir():
        return [pytest.param(None, id="corpus-absent", marks=pytest.mark.skip(reason=f"{directory} absent"))]
    return [pytest.param(p, id=p.name) for p in sorted(directory.glob(pattern))]


def convert(spec: kata_oci.Spec, rc: RuntimeConfig = RC) -> kata_oci.SandboxConfig:
    return kata_oci.sandbox_config(spec, rc, "/run/bundle", "conformance-cid")


def with_shm_source(spec: kata_oci.Spec, source: Path) -> kata_oci.Spec:
    """The spec with its /dev/shm bind mount pointed at ``source`` (the engine's path is not on this host)."""
    mounts = [
        msgspec.structs.replace(m, source=str(source))
        if m.destination == "/dev/shm" and m.type == "bind"
        else m
        for m in spec.mounts or ()
    ]
    return msgspec.structs.replace(spec, mounts=mounts)


# ----------------------------------------------------------------------------
# runtime-spec: config.md's example and schema/test/config/{good,bad}
#
# What each file gives, by name: "ok" (decodes and converts), or the error class and, for
# SpecError, the JSON path. Decoding and conversion are separate steps: a schema-valid spec
# may still lack what Kata's conversion needs (process, root, linux).

CONFIG_GOOD: dict[str, tuple[type[KataOCIError] | None, str | None]] = {
    "freebsd-example.json": (NoLinuxError, "$.linux"),
    "freebsd-minimal.json": (SpecError, "$.process"),
    "linux-netdevice.json": (SpecError, "$.process"),
    "linux-rdma.json": (SpecError, "$.process"),
    "minimal-for-start.json": (NoLinuxError, "$.linux"),
    "minimal.json": (SpecError, "$.process"),
    "spec-example.json": (None, None),
    "zos-example.json": (NoLinuxError, "$.linux"),
    "zos-minimal.json": (SpecError, "$.process"),
}

# bad/: either a JSON type Go's encoding/json also refuses (SpecError when decoding, with
# the path), or only schema-invalid (a pattern, an enum, a section the 1.3 model does not
# have): accepted by Go and by kata-oci alike, listed in docs/conformance.md.
CONFIG_BAD_DECODE: dict[str, str] = {
    "invalid-json.json": "$",
    "linux-rdma.json": "$.linux.resources.rdma['mlx5_1'].hcaHandles",
    "linux-netdevice.json": "$.linux.netDevices['eth0'].name",  # netDevices is in the 1.3 model
}
CONFIG_BAD_SCHEMA_ONLY: dict[str, tuple[type[KataOCIError], str]] = {
    "freebsd-vnet-disable.json": (SpecError, "$.process"),
    "linux-hugepage.json": (SpecError, "$.process"),
}


def check_round_trip(spec: kata_oci.Spec) -> None:
    assert kata_oci.decode_spec(kata_oci.encode_spec(spec)) == spec


def check_conversion(spec: kata_oci.Spec, expected: type[KataOCIError] | None, path: str | None) -> None:
    if expected is None:
        result = convert(spec)
        assert result.containers[0].custom_spec is spec
        assert result.hypervisor_config.enable_annotations == RC.hypervisor_config.enable_annotations
        return
    with pytest.raises(expected) as info:
        convert(spec)
    assert type(info.value) is expected
    if path is not None:
        assert isinstance(info.value, SpecError)
        assert info.value.path == path


def test_config_md_example_decodes_and_converts() -> None:
    spec = kata_oci.parse_config_json(shared_path("corpus", "runtime-spec", "config-md-example.json"))
    check_round_trip(spec)
    assert kata_oci.container_type(spec) is ContainerType.POD_SANDBOX  # no CRI key: Kata 1.x's default
    result = convert(spec)
    assert result.hostname == spec.hostname
    assert result.containers[0].cmd.args == spec.process.args  # type: ignore[union-attr]


@pytest.mark.parametrize("path", corpus_files(SCHEMA_TESTS / "config" / "good"))
def test_runtime_spec_good_config(path: Path) -> None:
    expected, json_path = CONFIG_GOOD[path.name]  # a new file upstream needs an entry here
    spec = kata_oci.parse_config_json(path)
    check_round_trip(spec)
    check_conversion(spec, expected, json_path)


@pytest.mark.parametrize("path", corpus_files(SCHEMA_TESTS / "config" / "bad"))
def test_runtime_spec_bad_config(path: Path) -> None:
    assert path.name in CONFIG_BAD_DECODE or path.name in CONFIG_BAD_SCHEMA_ONLY, path.name
    if path.name in CONFIG_BAD_DECODE:
        with pytest.raises(SpecError) as info:
            kata_oci.parse_config_json(path)
        assert type(info.value) is SpecError
        assert info.value.path == CONFIG_BAD_DECODE[path.name]
        assert info.value.bundle == str(path)
        return
    # Only schema-invalid: Go's encoding/json and kata-oci accept it (docs/conformance.md).
    spec = kata_oci.parse_config_json(path)
    check_round_trip(spec)
    check_conversion(spec, *CONFIG_BAD_SCHEMA_ONLY[path.name])


def test_every_schema_only_bad_config_is_in_the_conformance_doc() -> None:
    text = DOC.read_text(encoding="utf-8")
    for name in CONFIG_BAD_SCHEMA_ONLY:
        assert f"`{name}`" in text, name


# features.json is not a config.json and kata-oci has no decoder for it. Fed to decode_spec,
# each answers with a Spec (its fields are unknown, so ignored) or a SpecError, nothing else.
FEATURES: dict[str, str | None] = {
    "minimal.json": None,
    "runc.json": "$.hooks",  # features' hooks is a list of names, config's an object
    "missing-ociVersionMax.json": None,
}


@pytest.mark.parametrize("path", [*corpus_files(SCHEMA_TESTS / "features" / "good")])
def test_runtime_spec_features_good_is_not_a_config(path: Path) -> None:
    check_features(path)


@pytest.mark.parametrize("path", [*corpus_files(SCHEMA_TESTS / "features" / "bad")])
def test_runtime_spec_features_bad_is_not_a_config(path: Path) -> None:
    check_features(path)


def check_features(path: Path) -> None:
    expected = FEATURES[path.name]
    if expected is None:
        spec = kata_oci.parse_config_json(path)
        assert spec == kata_oci.Spec()
        with pytest.raises(SpecError, match="missing root"):
            convert(spec)
    else:
        with pytest.raises(SpecError) as info:
            kata_oci.parse_config_json(path)
        assert info.value.path == expected


@pytest.mark.parametrize("path", corpus_files(SCHEMA_TESTS / "state" / "good"))
def test_runtime_spec_good_state(path: Path) -> None:
    state = kata_oci.decode_state(path.read_bytes(), source=str(path))
    assert state.id and state.status and state.bundle
    assert kata_oci.decode_state(kata_oci.encode_spec(state)) == state


@pytest.mark.parametrize("path", corpus_files(SCHEMA_TESTS / "state" / "bad"))
def test_runtime_spec_bad_state(path: Path) -> None:
    with pytest.raises(SpecError) as info:
        kata_oci.decode_state(path.read_bytes(), source=str(path))
    assert info.value.path == "$"


# ----------------------------------------------------------------------------
# real engine specs: real-specs/INDEX.json


def index_entries() -> list[Any]:
    index = REAL_SPECS / "INDEX.json"
    if not index.is_file():
        return [pytest.param(None, id="corpus-absent", marks=pytest.mark.skip(reason=f"{index} absent"))]
    entries = json.loads(index.read_text(encoding="utf-8"))["entries"]
    return [pytest.param(e, id=e["file"]) for e in entries if "#" not in e["file"]]


def genpolicy_cases() -> list[Any]:
    index = REAL_SPECS / "INDEX.json"
    captures = REAL_SPECS / "kata-genpolicy-captures" / "createcontainer-annotations.json"
    if not (index.is_file() and captures.is_file()):
        return [pytest.param(None, None, id="corpus-absent", marks=pytest.mark.skip(reason="corpus absent"))]
    entries = {e["file"]: e for e in json.loads(index.read_text(encoding="utf-8"))["entries"]}
    out = []
    for case in json.loads(captures.read_text(encoding="utf-8"))["cases"]:
        name = case["file"].split("/testdata/", 1)[1] + f"[{case['index']}]"
        entry = entries[f"kata-genpolicy-captures/createcontainer-annotations.json#{name}"]
        out.append(pytest.param(case, entry, id=name))
    return out


def kata1_expectation(entry: dict[str, Any]) -> str:
    """INDEX's Kata 1.x container type: with no CRI key Kata 1.x says pod_sandbox (2.x: single_container)."""
    expected = entry.get("kata1_ContainerType")
    if expected is None:  # genpolicy cases only give 2.x, and always carry a CRI key
        assert entry["cri_keys_present"], entry
        expected = entry["kata2_ContainerType"]
    if not entry["cri_keys_present"]:
        assert expected == "pod_sandbox"
        assert entry["kata2_ContainerType"] == "single_container"
    return str(expected)


def check_identity(annotations: dict[str, str] | None, entry: dict[str, Any]) -> None:
    spec = kata_oci.Spec(annotations=annotations)
    expected_type = kata1_expectation(entry)
    if expected_type.endswith("(error)"):
        with pytest.raises(ContainerTypeError):
            kata_oci.container_type(spec)
    else:
        assert kata_oci.container_type(spec) == ContainerType(expected_type)
    if entry["kata2_SandboxID"] is None:  # SandboxID reads the same keys in 1.x and 2.x
        with pytest.raises(SandboxIDError):
            kata_oci.sandbox_id(spec)
    else:
        assert kata_oci.sandbox_id(spec) == entry["kata2_SandboxID"]


@pytest.mark.parametrize("entry", index_entries())
def test_real_spec(entry: dict[str, Any], tmp_path: Path) -> None:
    path = REAL_SPECS / entry["file"]
    spec = kata_oci.parse_config_json(path)
    check_round_trip(spec)
    if entry.get("ociVersion") is not None:
        assert spec.oci_version == entry["ociVersion"]
    present = kata_oci.cri_container_type_keys() + kata_oci.cri_sandbox_id_keys()
    assert sorted(k for k in present if k in (spec.annotations or {})) == sorted(entry["cri_keys_present"])
    kata_keys = {
        k: v for k, v in (spec.annotations or {}).items() if k.startswith(ka.KATA_ANNOTATIONS_PREFIX)
    }
    assert kata_keys == entry["io.katacontainers_annotations"]
    check_identity(spec.annotations, entry)

    # Conversion with the shipped configuration. The engine's /dev/shm source is not on this
    # host: as written, a bind mount of it is a ShmSizeError; pointed at a real directory,
    # the spec converts (or fails for a reason of its own, named by a KataOCIError).
    # The first /dev/shm mount decides (Go's getShmSize); a tmpfs one gives 64 MiB.
    shm = next((m for m in spec.mounts or () if m.destination == "/dev/shm"), None)
    if shm is not None and shm.type == "bind" and not Path(shm.source).exists():
        with pytest.raises(ShmSizeError, match="/dev/shm bind mount source"):
            convert(spec)
        spec = with_shm_source(spec, tmp_path)
    if entry["file"].startswith("crio-unit-test/"):  # synthetic: no root, and a bad type
        with pytest.raises(SpecError) as info:
            convert(spec)
        assert info.value.path == "$.root"
        return
    result = convert(spec)
    assert result.containers[0].annotations[ka.CONTAINER_TYPE_KEY] == kata1_expectation(entry)
    if shm is not None:
        assert result.shm_size > 0
        if shm.type != "bind":
            assert result.shm_size == kata_oci.DEFAULT_SHM_SIZE
    hc = result.hypervisor_config
    overrides = entry["io.katacontainers_annotations"]
    if ka.DEFAULT_MEMORY in overrides:
        assert hc.memory_size == int(overrides[ka.DEFAULT_MEMORY])
        assert hc.num_vcpus == int(overrides[ka.DEFAULT_VCPUS])
        assert hc.kernel_params[-1] == kata_oci.Param(key="agent.log", value="debug")
    else:
        assert hc == RC.hypervisor_config


@pytest.mark.parametrize(("case", "entry"), genpolicy_cases())
def test_genpolicy_capture_annotations(case: dict[str, Any], entry: dict[str, Any]) -> None:
    """Kata agent-form captures: only their annotation maps are runtime-spec data (INDEX's note)."""
    annotations = case["annotations"]
    check_identity(annotations, entry)
    # The shim's own key, read back as Kata's GetContainerType does.
    assert kata_oci.get_container_type(annotations) == ContainerType(entry["kata_shim_container_type"])


def test_genpolicy_agent_form_is_not_runtime_spec_json() -> None:
    """The agent form's capitalised keys are not the spec's names: kata-oci ignores them.

    Go's encoding/json would match ``Annotations``, ``Process``, ... case-insensitively
    (docs/conformance.md); kata-oci matches names exactly, so nothing of it is read.
    """
    forms = json.loads(
        shared_path(
            "corpus", "real-specs", "kata-genpolicy-captures", "createcontainer-oci-agent-form.json"
        ).read_text(encoding="utf-8")
    )["cases"]
    maps = json.loads(
        shared_path(
            "corpus", "real-specs", "kata-genpolicy-captures", "createcontainer-annotations.json"
        ).read_text(encoding="utf-8")
    )["cases"]
    assert len(forms) == len(maps)
    for form, only_map in zip(forms, maps, strict=True):
        agent = form["oci_agent_form"]
        assert agent["Annotations"] == only_map["annotations"]
        spec = kata_oci.decode_spec(json.dumps(agent).encode())
        assert spec.annotations is None
        assert spec.process is None and spec.linux is None and spec.root is None


# ----------------------------------------------------------------------------
# the same checks on the fixtures, which always run


def fixture(name: str) -> Path:
    return CONFORMANCE / name


def test_fixture_runtime_spec_good_example() -> None:
    spec = kata_oci.parse_config_json(fixture("runtime-spec-good-spec-example.json"))
    check_round_trip(spec)
    check_conversion(spec, *CONFIG_GOOD["spec-example.json"])
    assert kata_oci.container_type(spec) is ContainerType.POD_SANDBOX


def test_fixture_runtime_spec_bad_rdma_is_a_spec_error_with_the_path() -> None:
    path = fixture("runtime-spec-bad-linux-rdma.json")
    with pytest.raises(SpecError) as info:
        kata_oci.parse_config_json(path)
    assert info.value.path == CONFIG_BAD_DECODE["linux-rdma.json"]
    assert "Expected `int | null`, got `str`" in info.value.reason


def test_fixture_runtime_spec_bad_hugepage_is_only_schema_invalid() -> None:
    spec = kata_oci.parse_config_json(fixture("runtime-spec-bad-linux-hugepage.json"))
    (limit,) = spec.linux.resources.hugepage_limits  # type: ignore[union-attr]
    assert limit.page_size == "64kB"  # the schema's pattern wants 64KB; neither Go nor we check
    check_conversion(spec, *CONFIG_BAD_SCHEMA_ONLY["linux-hugepage.json"])


def test_fixture_containerd_sandbox_spec(tmp_path: Path) -> None:
    spec = kata_oci.parse_config_json(fixture("containerd-v1.7.10-cri-sandbox-config.json"))
    check_round_trip(spec)
    sid = "4bae4a8e74302a8edfe17424aff0b632cae893687f4d9ad2f2115666899f9a12"
    assert kata_oci.container_type(spec) is ContainerType.POD_SANDBOX
    assert kata_oci.sandbox_id(spec) == sid
    # containerd's sandbox /dev/shm does not exist here: Go's getShmSize fails the same way.
    with pytest.raises(ShmSizeError, match=sid):
        convert(spec)
    spec = with_shm_source(spec, tmp_path)
    if host_cpus() < 2:
        with pytest.raises(kata_oci.AnnotationError, match="default_vcpus"):
            convert(spec)
        return
    result = convert(spec)
    assert result.hypervisor_config.num_vcpus == 2
    assert result.hypervisor_config.memory_size == 4096
    assert result.hypervisor_config.kernel_params[-1] == kata_oci.Param(key="agent.log", value="debug")
    assert result.shm_size > 0
    assert RC.hypervisor_config.num_vcpus == 1  # the shared configuration is left alone


def test_fixture_runc_spec_without_cri_keys() -> None:
    spec = kata_oci.parse_config_json(fixture("runc-spec-cgroup2.json"))
    check_round_trip(spec)
    # Kata 1.x: no CRI key means a pod sandbox (2.x would say single_container)...
    assert kata_oci.container_type(spec) is ContainerType.POD_SANDBOX
    # ... and there is no sandbox ID to find.
    with pytest.raises(SandboxIDError):
        kata_oci.sandbox_id(spec)
    result = convert(spec)
    assert result.containers[0].annotations[ka.CONTAINER_TYPE_KEY] == "pod_sandbox"
