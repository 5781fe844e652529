"""Container type and sandbox ID, with Kata's own test cases (Kata 1.x semantics)."""

from __future__ import annotations

import json
import re

import pytest

import kata_oci
from kata_oci import ContainerType, ContainerTypeError, SandboxIDError, annotations as ka

from helpers import shared_path, spec_with

POD_SANDBOX = ContainerType.POD_SANDBOX
POD_CONTAINER = ContainerType.POD_CONTAINER

# Kata's TestContainerType cases (1.x semantics: no key gives a pod sandbox).
KATA_CONTAINER_TYPE_CASES = [
    ({}, POD_SANDBOX),
    (None, POD_SANDBOX),
    ({"": ""}, POD_SANDBOX),
    ({"io.kubernetes.cri.container-type": "sandbox"}, POD_SANDBOX),
    ({"io.kubernetes.cri.container-type": "container"}, POD_CONTAINER),
    ({"io.kubernetes.cri-o.ContainerType": "sandbox"}, POD_SANDBOX),
    ({"io.kubernetes.cri-o.ContainerType": "container"}, POD_CONTAINER),
    ({"io.kubernetes.docker.type": "podsandbox"}, POD_SANDBOX),
    ({"io.kubernetes.docker.type": "container"}, POD_CONTAINER),
    ({"unrelated": "sandbox"}, POD_SANDBOX),
]


@pytest.mark.parametrize(("annotations", "expected"), KATA_CONTAINER_TYPE_CASES)
def test_container_type(annotations: dict[str, str] | None, expected: ContainerType) -> None:
    assert kata_oci.container_type(spec_with(annotations)) is expected


@pytest.mark.parametrize(
    "annotations",
    [
        {"io.kubernetes.cri.container-type": "foo"},
        {"io.kubernetes.cri-o.ContainerType": "unknown_type"},
        {"io.kubernetes.cri-o.ContainerType": "foo"},
        {"io.kubernetes.docker.type": "foo"},
        {"io.kubernetes.cri.container-type": ""},
    ],
)
def test_unknown_container_type_names_key_and_value(annotations: dict[str, str]) -> None:
    ((key, value),) = annotations.items()
    with pytest.raises(ContainerTypeError) as info:
        kata_oci.container_type(spec_with(annotations))
    assert key in str(info.value)
    assert repr(value) in str(info.value)
    assert "unknown container type" in str(info.value)


def test_first_cri_key_present_decides_without_fall_through() -> None:
    # containerd comes first: its bad value is an error even though CRI-O's is fine.
    spec = spec_with(
        {"io.kubernetes.cri.container-type": "bogus", "io.kubernetes.cri-o.ContainerType": "container"}
    )
    with pytest.raises(ContainerTypeError, match=re.escape("io.kubernetes.cri.container-type")):
        kata_oci.container_type(spec)


def test_a_value_of_another_cri_is_not_accepted() -> None:
    # Go accepts any CRI's value under any CRI's key; kata-oci asks the key's own CRI.
    with pytest.raises(ContainerTypeError):
        kata_oci.container_type(spec_with({"io.kubernetes.cri.container-type": "podsandbox"}))


def test_sandbox_id_found() -> None:
    assert (
        kata_oci.sandbox_id(spec_with({"io.kubernetes.cri-o.SandboxID": "testSandboxID"})) == "testSandboxID"
    )
    assert kata_oci.sandbox_id(spec_with({"io.kubernetes.cri.sandbox-id": "abc"})) == "abc"
    assert kata_oci.sandbox_id(spec_with({"io.kubernetes.sandbox.id": "d0ck"})) == "d0ck"


def test_sandbox_id_present_but_empty_is_returned_as_go_does() -> None:
    assert kata_oci.sandbox_id(spec_with({"io.kubernetes.cri.sandbox-id": ""})) == ""


@pytest.mark.parametrize("annotations", [None, {}, {"io.kubernetes.cri.container-type": "container"}])
def test_sandbox_id_missing(annotations: dict[str, str] | None) -> None:
    with pytest.raises(SandboxIDError) as info:
        kata_oci.sandbox_id(spec_with(annotations))
    # The message says which keys were looked for.
    assert "io.kubernetes.cri.sandbox-id" in str(info.value)
    assert "io.kubernetes.cri-o.SandboxID" in str(info.value)


def test_sandbox_id_first_key_wins_in_kata_order() -> None:
    spec = spec_with({"io.kubernetes.sandbox.id": "docker", "io.kubernetes.cri-o.SandboxID": "crio"})
    assert kata_oci.sandbox_id(spec) == "crio"


def test_keys_of_two_cris_that_agree() -> None:
    spec = spec_with(
        {
            "io.kubernetes.cri.container-type": "container",
            "io.kubernetes.cri-o.ContainerType": "container",
            "io.kubernetes.cri.sandbox-id": "same",
            "io.kubernetes.cri-o.SandboxID": "same",
        }
    )
    assert kata_oci.container_type(spec) is POD_CONTAINER
    assert kata_oci.sandbox_id(spec) == "same"


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        ({ka.CONTAINER_TYPE_KEY: "pod_sandbox"}, POD_SANDBOX),
        ({ka.CONTAINER_TYPE_KEY: "pod_container"}, POD_CONTAINER),
    ],
)
def test_get_container_type_reads_katas_own_key(annotations: dict[str, str], expected: ContainerType) -> None:
    assert kata_oci.get_container_type(annotations) is expected


@pytest.mark.parametrize("annotations", [{}, None, {"io.kubernetes.cri.container-type": "sandbox"}])
def test_get_container_type_missing(annotations: dict[str, str] | None) -> None:
    with pytest.raises(ContainerTypeError, match=ka.CONTAINER_TYPE_KEY):
        kata_oci.get_container_type(annotations)


def test_get_container_type_rejects_a_value_kata_does_not_write() -> None:
    with pytest.raises(ContainerTypeError, match="'sandbox'"):
        kata_oci.get_container_type({ka.CONTAINER_TYPE_KEY: "sandbox"})


def test_get_sandbox_config_path() -> None:
    assert kata_oci.get_sandbox_config_path({"io.katacontainers.config_path": "/etc/k.toml"}) == "/etc/k.toml"
    assert kata_oci.get_sandbox_config_path({}) == ""
    assert kata_oci.get_sandbox_config_path(None) == ""


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        ({"io.kubernetes.cri-o.ContainerType": "abc"}, False),
        ({"io.kubernetes.cri-o.ContainerType": "sandbox"}, True),
        ({"io.kubernetes.cri-o.ContainerType": "container"}, True),
        ({"io.kubernetes.cri.container-type": "sandbox"}, False),
        ({}, False),
        # CRI-O's key decides even when another CRI's key comes first.
        (
            {"io.kubernetes.cri.container-type": "sandbox", "io.kubernetes.cri-o.ContainerType": "sandbox"},
            True,
        ),
    ],
)
def test_is_crio_container_manager(annotations: dict[str, str], expected: bool) -> None:
    assert kata_oci.is_crio_container_manager(spec_with(annotations)) is expected


def test_key_lists_are_katas_in_katas_order(engine: kata_oci.Engine) -> None:
    # The built-in plugins' engine: third-party plugins installed beside them add keys.
    assert engine.cri_container_type_keys() == [
        "io.kubernetes.cri.container-type",
        "io.kubernetes.cri-o.ContainerType",
        "io.kubernetes.docker.type",
    ]
    assert engine.cri_sandbox_id_keys() == [
        "io.kubernetes.cri.sandbox-id",
        "io.kubernetes.cri-o.SandboxID",
        "io.kubernetes.sandbox.id",
    ]
    assert sorted(engine.cri_container_types()) == sorted(
        [
            ("sandbox", POD_SANDBOX),
            ("container", POD_CONTAINER),
            ("sandbox", POD_SANDBOX),
            ("container", POD_CONTAINER),
            ("podsandbox", POD_SANDBOX),
            ("container", POD_CONTAINER),
        ]
    )


def test_container_type_is_a_str_enum() -> None:
    assert ContainerType.POD_SANDBOX == "pod_sandbox"
    assert ContainerType.POD_CONTAINER == "pod_container"
    assert ContainerType.UNKNOWN == "unknown_container_type"
    assert ContainerType("pod_sandbox").is_sandbox()
    assert not ContainerType.POD_CONTAINER.is_sandbox()


def test_constants() -> None:
    assert (
        kata_oci.STATE_CREATED,
        kata_oci.STATE_RUNNING,
        kata_oci.STATE_STOPPED,
        kata_oci.STATE_PAUSED,
    ) == (
        "created",
        "running",
        "stopped",
        "paused",
    )
    assert kata_oci.KERNEL_MODULES_SEPARATOR == ";"
    assert ka.BUNDLE_PATH_KEY == "io.katacontainers.pkg.oci.bundle_path"
    assert ka.DEFAULT_VCPUS == "io.katacontainers.config.hypervisor.default_vcpus"


def test_kata_annotation_constants_match_katas_source() -> None:
    keys = json.loads(shared_path("corpus", "keys", "kata1-vc-annotations.json").read_text())
    go = {c["value"] for c in keys["constants"] if c["value"].startswith("io.katacontainers.")}
    ours = {v for k, v in vars(ka).items() if k.isupper() and isinstance(v, str)}
    assert go - ours == set()


def test_kata_expectations_from_the_corpus() -> None:
    data = json.loads(shared_path("corpus", "kata-tests", "kata1-utils_test-expectations.json").read_text())
    checked = 0
    for test in data["tests"]:
        if test["go_test"].startswith("TestContainerType"):
            for case in test["cases"]:
                spec = spec_with(case["annotations"])
                if case["error"]:
                    with pytest.raises(ContainerTypeError):
                        kata_oci.container_type(spec)
                else:
                    assert kata_oci.container_type(spec) == case["expected_type"]
                checked += 1
        elif test["go_test"].startswith("TestSandboxID"):
            for case in test["cases"]:
                spec = spec_with(case["annotations"])
                if case["error"]:
                    with pytest.raises(SandboxIDError):
                        kata_oci.sandbox_id(spec)
                else:
                    assert kata_oci.sandbox_id(spec) == case["expected"]
                checked += 1
        elif test["go_test"].startswith("TestGetContainerType"):
            for case in test["cases"]:
                if case["error"]:
                    with pytest.raises(ContainerTypeError):
                        kata_oci.get_container_type(case["annotations"])
                else:
                    assert kata_oci.get_container_type(case["annotations"]) == case["expected_type"]
                checked += 1
    assert checked >= 9
