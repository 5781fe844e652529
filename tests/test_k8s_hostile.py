"""Hostile manifests: bounded messages and time, no traceback, nothing half decided."""

from __future__ import annotations

import json
import time

import pytest

from kata_oci.errors import KataOCIError, ManifestError
from kata_oci.k8s import Cluster, Verdict, check_manifests, parse_documents

from helpers import FIXTURES

KATA4_GO = FIXTURES / "k8s" / "kata4-go"
HYP = "io.katacontainers.config.hypervisor."


@pytest.fixture(scope="module")
def cluster() -> Cluster:
    return Cluster(kata_config_dirs=[KATA4_GO])


def _pod(ann: object, spec: object = None) -> dict[str, object]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "annotations": ann},
        "spec": spec if spec is not None else {"runtimeClassName": "kata-qemu"},
    }


def test_billion_laughs_is_not_expanded(cluster: Cluster) -> None:
    levels = ['a0: &a0 ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    levels += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]
    text = "\n".join(levels) + (
        "\nkind: Pod\nmetadata:\n  name: bomb\n  annotations: {a: *a8}\n"
        "spec:\n  runtimeClassName: kata-qemu\n  containers: *a8\n"
    )
    start = time.perf_counter()
    report = check_manifests(parse_documents(text), cluster)
    assert time.perf_counter() - start < 2
    (pod,) = report.pods
    assert [r.verdict for r in pod.records] == [Verdict.REJECTED]  # a list is not a string
    assert "cannot unmarshal array" in pod.records[0].reason


def test_a_one_megabyte_key_gives_a_short_reason(cluster: Cluster) -> None:
    key = "io.katacontainers." + "k" * (1 << 20)
    (pod,) = check_manifests([_pod({key: "1"})], cluster).pods
    assert all(len(r.reason) < 2000 for r in pod.records)
    assert {r.verdict for r in pod.records} == {Verdict.REJECTED}


def test_twenty_thousand_annotations(cluster: Cluster) -> None:
    ann = {f"e/k{i}": "v" for i in range(20_000)}  # 169 KiB: under the API server's 256 KiB
    ann[HYP + "kernel_params"] = "a=b"
    start = time.perf_counter()
    (pod,) = check_manifests([_pod(ann)], cluster).pods
    assert time.perf_counter() - start < 5
    assert [(r.key, r.verdict) for r in pod.records] == [(HYP + "kernel_params", Verdict.APPLIED)]


@pytest.mark.parametrize(
    "spec",
    [
        {"runtimeClassName": "kata-qemu", "containers": "not a list"},
        {"runtimeClassName": "kata-qemu", "containers": [1, None, {"resources": "x"}]},
        {
            "runtimeClassName": "kata-qemu",
            "containers": [{"resources": {"limits": {"cpu": [1], "memory": {}}}}],
        },
        {"runtimeClassName": "kata-qemu", "initContainers": {"a": 1}, "resources": 7},
        {"runtimeClassName": 12},
        {"runtimeClassName": ["kata-qemu"]},
    ],
)
def test_malformed_specs_are_decided_not_crashed(cluster: Cluster, spec: dict[str, object]) -> None:
    (pod,) = check_manifests([_pod({HYP + "kernel_params": "a=b"}, spec)], cluster).pods
    assert pod.records
    for r in pod.records:
        assert r.verdict in set(Verdict)


@pytest.mark.parametrize("annotations", [["a", "b"], "text", 5, {"k": {"nested": 1}}, {"k": [1, 2]}])
def test_malformed_annotations_refuse_the_pod(cluster: Cluster, annotations: object) -> None:
    (pod,) = check_manifests([_pod(annotations)], cluster).pods
    assert pod.records
    assert {(r.verdict, r.layer) for r in pod.records} == {(Verdict.REJECTED, "kubernetes")}


def test_non_string_keys_become_their_json_text_as_kubectl_sends_them(cluster: Cluster) -> None:
    text = (
        "kind: Pod\nmetadata:\n  name: p\n  annotations: {1: x, true: y}\n"
        "spec: {runtimeClassName: kata-qemu}\n"
    )
    (pod,) = check_manifests(parse_documents(text), cluster).pods
    assert pod.records == []  # "1" and "true" are valid keys, and not Kata's


def test_huge_quantities_do_not_overflow(cluster: Cluster) -> None:
    spec = {
        "runtimeClassName": "kata-qemu",
        "containers": [{"name": "c", "resources": {"limits": {"cpu": "1e300", "memory": "1e300"}}}],
    }
    (pod,) = check_manifests([_pod({}, spec)], cluster).pods
    assert pod.sizing is not None and pod.sizing.workload is not None
    assert pod.sizing.cri_annotations["io.kubernetes.cri.sandbox-memory"] == str((1 << 63) - 1)  # int64
    assert pod.sizing.workload.memory_mb == 0xFFFF_FFFF  # saturated, as kata_oci.sizing documents


def test_invalid_utf8_and_binary_input() -> None:
    with pytest.raises(ManifestError) as exc:
        parse_documents(b"kind: Pod\nmetadata: {name: \xff\xfe}\n", source="bin.yaml")
    assert isinstance(exc.value, KataOCIError)
    assert exc.value.file == "bin.yaml"


def test_errors_name_the_source_and_stay_one_error() -> None:
    text = json.dumps([{"kind": "Pod"}]) + "garbage"
    with pytest.raises(ManifestError) as exc:
        parse_documents(text, source="x.json")
    assert str(exc.value).startswith("x.json:")
