"""Reading manifests: YAML streams, JSON, lists, every workload kind, bad input."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from kata_oci.errors import KataOCIError, ManifestError
from kata_oci.k8s import collect, documents as kdocs, parse_documents, read_documents
from kata_oci.k8s.objects import TEMPLATE_PATHS

POD_SPEC = {"runtimeClassName": "kata-qemu", "containers": [{"name": "c", "image": "busybox"}]}
ANN = {"io.katacontainers.config.hypervisor.default_vcpus": "2"}


def _template(ann: dict[str, str] | None = None) -> dict[str, object]:
    return {"metadata": {"annotations": dict(ann or ANN)}, "spec": POD_SPEC}


def _wrap(kind: str, api: str, path: tuple[str, ...]) -> dict[str, object]:
    obj: dict[str, object] = {"apiVersion": api, "kind": kind, "metadata": {"name": "w", "namespace": "ns"}}
    if not path:
        obj["metadata"] = {"name": "w", "namespace": "ns", "annotations": dict(ANN)}
        obj["spec"] = POD_SPEC
        return obj
    inner: dict[str, object] = obj
    for part in path[:-1]:
        inner = inner.setdefault(part, {})  # type: ignore[assignment]
    inner[path[-1]] = _template()
    return obj


WORKLOADS = [
    ("Pod", "v1"),
    ("PodTemplate", "v1"),
    ("ReplicationController", "v1"),
    ("Deployment", "apps/v1"),
    ("ReplicaSet", "apps/v1"),
    ("StatefulSet", "apps/v1"),
    ("DaemonSet", "apps/v1"),
    ("Job", "batch/v1"),
    ("CronJob", "batch/v1"),
]


@pytest.mark.parametrize(("kind", "api"), WORKLOADS)
def test_every_workload_kind_yields_its_pod_template(kind: str, api: str) -> None:
    obj = _wrap(kind, api, TEMPLATE_PATHS[kind][1])
    found = collect(parse_documents(json.dumps(obj)))
    assert len(found.pods) == 1, found.notes
    pod = found.pods[0]
    assert pod.ref.kind == kind
    assert (pod.ref.namespace, pod.ref.name) == ("ns", "w")
    assert pod.annotations == ANN
    assert pod.spec["runtimeClassName"] == "kata-qemu"
    assert pod.path == ".".join(TEMPLATE_PATHS[kind][1])


def test_every_kind_of_the_issue_is_in_the_table() -> None:
    assert {k for k, _ in WORKLOADS} == set(TEMPLATE_PATHS)


def test_multi_document_yaml_with_empty_documents_and_other_kinds() -> None:
    text = """
---
apiVersion: v1
kind: Service
metadata: {name: svc}
---
---
apiVersion: v1
kind: Pod
metadata: {name: a}
spec: {containers: [{name: c}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, annotations: {io.katacontainers.config.hypervisor.default_vcpus: "2"}}
spec:
  template:
    metadata: {annotations: {io.katacontainers.config.hypervisor.default_memory: "4096"}}
    spec: {containers: [{name: c}]}
"""
    docs = parse_documents(text, source="m.yaml")
    assert [d.index for d in docs] == [0, 2, 3]  # the empty document 1 is skipped, indexes kept
    found = collect(docs)
    assert [p.ref.name for p in found.pods] == ["a", "d"]
    assert found.pods[1].annotations == {"io.katacontainers.config.hypervisor.default_memory": "4096"}
    assert found.pods[1].outer_annotations == {"io.katacontainers.config.hypervisor.default_vcpus": "2"}
    assert [n.message for n in found.notes] == ["skipped: kind Service holds no pod template"]
    assert found.notes[0].object is not None and found.notes[0].object.source == "m.yaml"


def test_kind_list_and_typed_lists() -> None:
    kubectl = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [_wrap("Pod", "v1", ()), _wrap("Deployment", "apps/v1", ("spec", "template"))],
    }
    pod_list = {
        "apiVersion": "v1",
        "kind": "PodList",
        "items": [{"metadata": {"name": "p"}, "spec": POD_SPEC}],
    }
    found = collect(parse_documents(json.dumps(kubectl)) + parse_documents(json.dumps(pod_list)))
    assert [(p.ref.kind, p.ref.item) for p in found.pods] == [("Pod", 0), ("Deployment", 1), ("Pod", 0)]


def test_runtime_classes_are_collected_and_a_foreign_api_group_is_skipped() -> None:
    text = """
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: kata-x}
handler: kata-qemu
overhead: {podFixed: {cpu: 250m, memory: 160Mi}}
---
apiVersion: example.com/v1
kind: Deployment
metadata: {name: crd}
spec: {template: {spec: {}}}
---
apiVersion: node.k8s.io/v1
kind: RuntimeClass
metadata: {name: no-handler}
"""
    found = collect(parse_documents(text))
    assert [(r.name, r.handler, dict(r.pod_fixed)) for r in found.runtime_classes] == [
        ("kata-x", "kata-qemu", {"cpu": "250m", "memory": "160Mi"})
    ]
    assert not found.pods
    assert [n.message for n in found.notes] == [
        "skipped: example.com/v1 Deployment is not the Kubernetes Deployment API",
        "skipped: a RuntimeClass needs metadata.name and handler",
    ]


def test_timestamps_stay_strings_and_numbers_stay_numbers() -> None:
    (doc,) = parse_documents("metadata:\n  annotations:\n    a: 2024-01-01\n    b: 2\n    c: yes\n")
    assert doc.value["metadata"]["annotations"] == {"a": "2024-01-01", "b": 2, "c": True}


def test_json_document_fast_path_and_yaml_flow_fallback() -> None:
    (doc,) = parse_documents('{"kind": "Pod", "metadata": {"name": "j"}}')
    assert doc.value["metadata"]["name"] == "j"
    (doc,) = parse_documents("{kind: Pod, metadata: {name: flow}}")  # not JSON, YAML flow style
    assert doc.value["metadata"]["name"] == "flow"


@pytest.mark.parametrize(
    ("text", "line", "column"),
    [
        ("kind: Pod\nmetadata:\n  name: [unclosed\n", 4, 1),
        ("a: b\n c: d\n", 2, 3),
        ("key: value\n\tbad: tab\n", 2, 1),
    ],
)
def test_bad_yaml_is_a_manifest_error_with_file_line_and_column(text: str, line: int, column: int) -> None:
    with pytest.raises(ManifestError) as exc:
        parse_documents(text, source="bad.yaml")
    err = exc.value
    assert isinstance(err, KataOCIError)
    assert (err.file, err.line, err.column) == ("bad.yaml", line, column)
    assert str(err).startswith(f"bad.yaml:{line}:{column}: invalid YAML")


def test_bad_json_is_reported_by_the_yaml_parser_with_a_position() -> None:
    with pytest.raises(ManifestError) as exc:
        parse_documents('{"kind": "Pod",\n "metadata": {"name": "x"}', source="bad.json")
    assert (exc.value.line, exc.value.column) == (3, 1)  # where the text ended, still open


def test_unsafe_tags_are_refused() -> None:
    with pytest.raises(ManifestError, match="invalid YAML"):
        parse_documents("!!python/object/apply:os.system ['true']\n")


def test_deep_nesting_is_a_clean_error() -> None:
    with pytest.raises(ManifestError):
        parse_documents("[" * 100_000 + "]" * 100_000)


def test_size_and_document_count_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kdocs, "MAX_MANIFEST_BYTES", 100)
    with pytest.raises(ManifestError, match="more than 100 bytes"):
        parse_documents("a: b\n" * 30)
    monkeypatch.setattr(kdocs, "MAX_MANIFEST_BYTES", 1 << 20)
    monkeypatch.setattr(kdocs, "MAX_DOCUMENTS", 3)
    with pytest.raises(ManifestError, match="more than 3 documents"):
        parse_documents("---\na: 1\n" * 5)


def test_files_directories_and_stdin(tmp_path: Path) -> None:
    (tmp_path / "b.yaml").write_text("kind: Pod\nmetadata: {name: b}\n")
    (tmp_path / "a.json").write_text('{"kind": "Pod", "metadata": {"name": "a"}}')
    (tmp_path / "notes.txt").write_text("not a manifest")
    (tmp_path / ".hidden.yaml").write_text("kind: Pod\nmetadata: {name: hidden}\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "c.yml").write_text("kind: Pod\nmetadata: {name: c}\n")
    names = [d.value["metadata"]["name"] for d in read_documents(tmp_path)]
    assert names == ["a", "b"]
    names = [d.value["metadata"]["name"] for d in read_documents(tmp_path, recursive=True)]
    assert names == ["a", "b", "c"]
    stdin = io.BytesIO(b"kind: Pod\nmetadata: {name: s}\n")
    (doc,) = read_documents("-", stdin=stdin)
    assert (doc.source, doc.value["metadata"]["name"]) == ("<stdin>", "s")


def test_unreadable_paths_are_manifest_errors(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="cannot read") as exc:
        list(read_documents(tmp_path / "missing.yaml"))
    assert exc.value.file == str(tmp_path / "missing.yaml")


def test_scalar_documents_are_noted_not_errors() -> None:
    found = collect(parse_documents("just a string\n---\n- a list\n"))
    assert not found.pods
    assert [n.message for n in found.notes] == [
        "skipped: not a Kubernetes object (a str)",
        "skipped: not a Kubernetes object (a list)",
    ]
