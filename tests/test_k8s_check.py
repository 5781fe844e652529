"""check_manifests: each layer's decision on real kata-deploy configuration files."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import msgspec
import pytest

from kata_oci.k8s import (
    Cluster,
    Layer,
    Verdict,
    check_manifests,
    load_containerd_config,
    load_crio_config,
    parse_documents,
)

from helpers import FIXTURES

K8S = FIXTURES / "k8s"
KATA4_GO = K8S / "kata4-go"
V = Verdict
L = Layer
HYP = "io.katacontainers.config.hypervisor."


def _pod(ann: Any = None, rc: str | None = "kata-qemu", kind: str = "Pod", **spec: Any) -> dict[str, Any]:
    pod_spec: dict[str, Any] = {"containers": [{"name": "c", "image": "busybox"}], **spec}
    if rc is not None:
        pod_spec["runtimeClassName"] = rc
    meta: dict[str, Any] = {"name": "p", "namespace": "ns"}
    if ann is not None:
        meta["annotations"] = ann
    return {"apiVersion": "v1", "kind": kind, "metadata": meta, "spec": pod_spec}


def _verdicts(report: Any) -> dict[str | None, tuple[str, str]]:
    return {r.key: (str(r.verdict), str(r.layer)) for r in report.records}


@pytest.fixture(scope="module")
def v3() -> Cluster:
    node = load_containerd_config(K8S / "kata-deploy-4.1.0-derived-containerd-config-v3.toml")
    return Cluster(node, kata_config_dirs=[KATA4_GO], profile="kata1")


@pytest.fixture(scope="module")
def defaults() -> Cluster:
    return Cluster(kata_config_dirs=[KATA4_GO], profile="kata1")


def test_kata_layer_verdicts_with_kata_deploy_containerd_v3(v3: Cluster) -> None:
    ann = {
        HYP + "default_vcpus": "2",  # not in enable_annotations of configuration-qemu.toml
        HYP + "kernel_params": "agent.log=debug",  # enabled
        "io.katacontainers.config.agent.kernel_modules": "e1000e",  # ungated
        "io.katacontainers.config.hypervisor.no_such_key": "1",  # gated prefix, not enabled
        "io.katacontainers.config.runtime.no_such_key": "1",  # unknown
        "app": "web",  # not Kata's business: no record
    }
    report = check_manifests([_pod(ann)], v3)
    (pod,) = report.pods
    assert (pod.runtime_class, pod.handler, pod.cri, pod.profile) == (
        "kata-qemu",
        "kata-qemu",
        "containerd",
        "kata1",
    )
    assert pod.kata_config == str(KATA4_GO / "configuration-qemu.toml")
    assert _verdicts(pod) == {
        HYP + "default_vcpus": ("rejected", "kata"),
        HYP + "kernel_params": ("applied", "kata"),
        "io.katacontainers.config.agent.kernel_modules": ("applied", "kata"),
        HYP + "no_such_key": ("rejected", "kata"),
        "io.katacontainers.config.runtime.no_such_key": ("unknown", "kata"),
    }
    by_key = {r.key: r for r in pod.records}
    rej = by_key[HYP + "default_vcpus"]
    assert (
        rej.fix == 'to allow it, add "^default_vcpus$" to enable_annotations in [hypervisor.qemu] '
        "of configuration-qemu.toml"
    )
    assert rej.profile == "kata1" and rej.object.name == "p" and rej.object.namespace == "ns"
    assert by_key[HYP + "kernel_params"].target == "hypervisor_config.kernel_params"
    # The verdicts are Kata 1.x's, as asked, and the report says so.
    assert "profile kata1 as asked, although this handler runs Kata 4.x's Go runtime" in pod.notes
    assert pod.spec_keys == sorted(k for k in ann if k.startswith("io.katacontainers."))
    # kata-deploy passes kubelet's termination-message keys to the containers, and no other.
    assert pod.container_keys == [
        "io.kubernetes.container.terminationMessagePath",
        "io.kubernetes.container.terminationMessagePolicy",
    ]
    assert report.failed


def test_containerd_v2_schema_gives_the_same_verdicts(v3: Cluster) -> None:
    node = load_containerd_config(K8S / "kata-deploy-4.1.0-derived-containerd-config-v2.toml")
    v2 = Cluster(node, kata_config_dirs=[KATA4_GO], profile="kata1")
    ann = {HYP + "default_vcpus": "2", HYP + "kernel_params": "a=b"}
    assert _verdicts(check_manifests([_pod(ann)], v2).pods[0]) == _verdicts(
        check_manifests([_pod(ann)], v3).pods[0]
    )


def test_pod_annotations_not_matching_are_dropped_at_the_cri(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        "version = 3\n"
        '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.kata-qemu]\n'
        'runtime_type = "io.containerd.kata-qemu.v2"\n'
        'pod_annotations = ["io.katacontainers.config.hypervisor.*"]\n'
        '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.kata-qemu.options]\n'
        'ConfigPath = "/opt/kata/share/defaults/kata-containers/runtimes/qemu/configuration-qemu.toml"\n'
    )
    cl = Cluster(load_containerd_config(cfg), kata_config_dirs=[KATA4_GO], profile="kata1")
    ann = {
        HYP + "kernel_params": "a=b",
        "io.katacontainers.config.agent.kernel_modules": "e1000e",
        "io.kata-containers.config.hypervisor.kernel_params": "typo",  # looks like Kata: reported
    }
    (pod,) = check_manifests([_pod(ann)], cl).pods
    assert _verdicts(pod) == {
        HYP + "kernel_params": ("applied", "kata"),
        "io.katacontainers.config.agent.kernel_modules": ("dropped", "cri"),
        "io.kata-containers.config.hypervisor.kernel_params": ("dropped", "cri"),
    }
    dropped = next(r for r in pod.records if r.key == "io.katacontainers.config.agent.kernel_modules")
    assert (
        dropped.fix
        == "add `io.katacontainers.*` to pod_annotations of runtime kata-qemu in containerd's config"
    )
    assert "io.katacontainers.config.hypervisor.*" in dropped.reason


def test_crio_passes_every_kata_key(tmp_path: Path) -> None:
    cl = Cluster(load_crio_config(K8S / "crio.conf.d"), kata_config_dirs=[KATA4_GO], profile="kata1")
    ann = {HYP + "kernel_params": "a=b", "io.katacontainers.config.agent.kernel_modules": "e1000e"}
    (pod,) = check_manifests([_pod(ann)], cl).pods
    assert pod.cri == "crio"
    assert _verdicts(pod) == dict.fromkeys(ann, ("applied", "kata"))
    assert pod.sizing is not None and pod.sizing.workload is None
    assert "pod-linux-resources.crio.io" in pod.sizing.cri_annotations
    assert "Kata 4.x does not read" in (pod.sizing.note or "")
    assert "io.kubernetes.container.hash" in pod.container_keys  # CRI-O keeps kubelet's keys


def test_kubernetes_layer_refuses_bad_keys_values_and_size(defaults: Cluster) -> None:
    long_key = HYP + "blk_logical_sector_size_for_the_rootfs_disk_too_long"
    (pod,) = check_manifests([_pod({long_key: "512", HYP + "kernel_params": "x"})], defaults).pods
    assert _verdicts(pod) == {
        long_key: ("rejected", "kubernetes"),
        HYP + "kernel_params": ("rejected", "kubernetes"),  # the whole pod is refused
    }
    by_key = {r.key: r for r in pod.records}
    assert by_key[long_key].reason.endswith("name part must be no more than 63 characters")
    assert by_key[HYP + "kernel_params"].reason.startswith("the API server refuses the pod: ")
    # A value that is not a string fails decoding, before any validation.
    ann = {long_key: "512", HYP + "default_vcpus": 2}
    (pod,) = check_manifests([_pod(ann)], defaults).pods
    by_key = {r.key: r for r in pod.records}
    assert "cannot unmarshal number into Go struct field" in by_key[HYP + "default_vcpus"].reason
    assert by_key[HYP + "default_vcpus"].fix == "quote the value: annotation values are strings"
    assert "cannot unmarshal number" in by_key[long_key].reason  # never validated
    big = {HYP + "kernel_params": "x" * (256 * 1024)}
    (pod,) = check_manifests([_pod(big)], defaults).pods
    assert _verdicts(pod) == {
        None: ("rejected", "kubernetes"),
        HYP + "kernel_params": ("rejected", "kubernetes"),
    }
    assert "more than the 262144" in pod.records[0].reason


def test_a_bare_pod_meets_the_runtimeclass_plugin_before_validation(defaults: Cluster) -> None:
    long_key = HYP + "blk_logical_sector_size_for_the_rootfs_disk_too_long"
    (pod,) = check_manifests([_pod({long_key: "512"}, rc="kata")], defaults).pods
    assert _verdicts(pod) == {None: ("rejected", "runtimeclass"), long_key: ("rejected", "runtimeclass")}
    deploy = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d"},
        "spec": {
            "template": {"metadata": {"annotations": {long_key: "512"}}, "spec": {"runtimeClassName": "kata"}}
        },
    }
    (pod,) = check_manifests([deploy], defaults).pods  # the Deployment itself is validated first
    assert _verdicts(pod) == {long_key: ("rejected", "kubernetes")}


def test_null_value_is_an_empty_string_as_the_api_server_stores_it(v3: Cluster) -> None:
    (pod,) = check_manifests([_pod({HYP + "kernel_params": None})], v3).pods
    (rec,) = pod.records
    assert (rec.value, rec.layer) == ("", L.KATA)


def test_workload_own_metadata_never_reaches_the_pods(defaults: Cluster) -> None:
    deploy = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "d", "annotations": {HYP + "kernel_params": "a=b"}},
        "spec": {"template": {"metadata": {}, "spec": {"runtimeClassName": "kata-qemu", "containers": []}}},
    }
    (pod,) = check_manifests([deploy], defaults).pods
    (rec,) = pod.records
    assert (rec.verdict, rec.layer, rec.fix) == (
        V.DROPPED,
        L.KUBERNETES,
        "move it to spec.template.metadata.annotations",
    )


def test_runtime_class_layer(defaults: Cluster) -> None:
    ann = {HYP + "kernel_params": "a=b"}
    (pod,) = check_manifests([_pod(ann, rc="kata")], defaults).pods
    assert _verdicts(pod) == {
        None: ("rejected", "runtimeclass"),
        HYP + "kernel_params": ("rejected", "runtimeclass"),
    }
    assert pod.records[0].reason.startswith(
        'pod rejected: RuntimeClass "kata" not found (kata-deploy 4.1.0: only with'
    )
    assert "kata-clh" in (pod.records[0].fix or "")
    (pod,) = check_manifests([_pod(ann, rc=None)], defaults).pods
    assert _verdicts(pod) == {HYP + "kernel_params": ("ignored", "runtimeclass")}
    assert "default runtime runc" in pod.records[0].reason
    # A bare Pod's RuntimeClass is looked up before validation: "${RUNTIME_CLASS}" is not found.
    (pod,) = check_manifests([_pod(ann, rc="${RUNTIME_CLASS}")], defaults).pods
    assert _verdicts(pod) == {
        None: ("rejected", "runtimeclass"),
        HYP + "kernel_params": ("rejected", "runtimeclass"),
    }


def test_runtime_classes_beside_the_pod_are_used(defaults: Cluster) -> None:
    rc = {
        "apiVersion": "node.k8s.io/v1",
        "kind": "RuntimeClass",
        "metadata": {"name": "kata"},
        "handler": "kata-qemu",
    }
    (pod,) = check_manifests([rc, _pod({HYP + "kernel_params": "a=b"}, rc="kata")], defaults).pods
    assert _verdicts(pod) == {HYP + "kernel_params": ("applied", "kata")}
    assert pod.handler == "kata-qemu"


def test_cri_layer_unknown_and_non_kata_handlers(defaults: Cluster) -> None:
    ann = {HYP + "kernel_params": "a=b"}
    (pod,) = check_manifests([_pod(ann, rc="kata-qemu-se")], defaults).pods
    assert _verdicts(pod) == {None: ("rejected", "cri"), HYP + "kernel_params": ("rejected", "cri")}
    assert pod.records[0].reason == (
        'no runtime for "kata-qemu-se" is configured '
        "(kata-deploy installs this shim only on another architecture)"
    )
    runc = {
        "apiVersion": "node.k8s.io/v1",
        "kind": "RuntimeClass",
        "metadata": {"name": "runc"},
        "handler": "runc",
    }
    (pod,) = check_manifests([runc, _pod(ann, rc="runc")], defaults).pods
    assert _verdicts(pod) == {HYP + "kernel_params": ("ignored", "cri")}


def test_handler_override(defaults: Cluster) -> None:
    cl = Cluster(kata_config_dirs=[KATA4_GO], handler="kata-qemu", profile="kata1")
    (pod,) = check_manifests([_pod({HYP + "kernel_params": "a=b"}, rc="kata")], cl).pods
    assert _verdicts(pod) == {HYP + "kernel_params": ("applied", "kata")}


def test_missing_kata_configuration_is_said_not_guessed(tmp_path: Path) -> None:
    cl = Cluster(kata_config_dirs=[tmp_path])
    (pod,) = check_manifests([_pod({HYP + "kernel_params": "a=b"})], cl).pods
    (rec,) = pod.records
    assert (rec.verdict, rec.layer) == (V.UNKNOWN, L.KATA)
    assert rec.reason.startswith(
        "not checked: Kata configuration /opt/kata/share/defaults/kata-containers/runtimes/qemu"
    )


def test_sandbox_sizing_from_resources_and_overhead(defaults: Cluster) -> None:
    pod = _pod({}, containers=[{"name": "c", "resources": {"limits": {"cpu": "2", "memory": "4Gi"}}}])
    (report,) = check_manifests([pod], defaults).pods
    sizing = report.sizing
    assert sizing is not None
    assert sizing.cri_annotations == {
        "io.kubernetes.cri.sandbox-cpu-period": "100000",
        "io.kubernetes.cri.sandbox-cpu-quota": "200000",
        "io.kubernetes.cri.sandbox-cpu-shares": "2048",
        "io.kubernetes.cri.sandbox-memory": "4294967296",
    }
    assert sizing.workload is not None
    assert (sizing.workload.vcpus, sizing.workload.memory_mb) == (2.0, 4096)
    # kata-qemu's RuntimeClass overhead (250m, 320Mi): the pod's cgroup, not Kata's sizing.
    assert (sizing.overhead_cpu_millis, sizing.overhead_memory_bytes) == (250, 320 * 2**20)


def test_a_passed_sizing_key_overrides_containerds(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        "version = 3\n"
        '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.kata-qemu]\n'
        'runtime_type = "io.containerd.kata-qemu.v2"\npod_annotations = ["*"]\n'
    )
    cl = Cluster(load_containerd_config(cfg), kata_config_dirs=[KATA4_GO], profile="kata1")
    (report,) = check_manifests([_pod({"io.kubernetes.cri.sandbox-memory": str(8 * 2**30)})], cl).pods
    assert report.sizing is not None and report.sizing.workload is not None
    assert report.sizing.workload.memory_mb == 8192


def test_a_pod_of_1000_containers() -> None:
    containers = [
        {"name": f"c{i}", "resources": {"limits": {"cpu": "10m", "memory": "1Mi"}}} for i in range(1000)
    ]
    text = json.dumps(_pod({HYP + "kernel_params": "a=b"}, containers=containers))
    cl = Cluster(kata_config_dirs=[KATA4_GO], profile="kata1")
    start = time.perf_counter()
    (report,) = check_manifests(parse_documents(text), cl).pods
    elapsed = time.perf_counter() - start
    assert report.sizing is not None and report.sizing.workload is not None
    assert report.sizing.cri_annotations["io.kubernetes.cri.sandbox-cpu-quota"] == "1000000"  # 10 CPUs
    assert (report.sizing.workload.vcpus, report.sizing.workload.memory_mb) == (10.0, 1000)
    assert _verdicts(report) == {HYP + "kernel_params": ("applied", "kata")}
    assert elapsed < 5  # a sanity bound, not a benchmark (benchmarks/ measures)


def test_every_workload_kind_is_checked(defaults: Cluster) -> None:
    template = {
        "metadata": {"annotations": {HYP + "kernel_params": "a=b"}},
        "spec": {"runtimeClassName": "kata-qemu"},
    }
    objs = [
        {"apiVersion": "v1", "kind": "PodTemplate", "metadata": {"name": "t"}, "template": template},
        {
            "apiVersion": "v1",
            "kind": "ReplicationController",
            "metadata": {"name": "rc"},
            "spec": {"template": template},
        },
        *[
            {
                "apiVersion": api,
                "kind": kind,
                "metadata": {"name": kind.lower()},
                "spec": {"template": template},
            }
            for kind, api in [
                ("Deployment", "apps/v1"),
                ("ReplicaSet", "apps/v1"),
                ("StatefulSet", "apps/v1"),
                ("DaemonSet", "apps/v1"),
                ("Job", "batch/v1"),
            ]
        ],
        {
            "apiVersion": "batch/v1",
            "kind": "CronJob",
            "metadata": {"name": "cj"},
            "spec": {"jobTemplate": {"spec": {"template": template}}},
        },
    ]
    report = check_manifests(objs, defaults)
    assert [p.object.kind for p in report.pods] == [
        "PodTemplate",
        "ReplicationController",
        "Deployment",
        "ReplicaSet",
        "StatefulSet",
        "DaemonSet",
        "Job",
        "CronJob",
    ]
    for p in report.pods:
        assert _verdicts(p) == {HYP + "kernel_params": ("applied", "kata")}


def test_records_encode_as_json(v3: Cluster) -> None:
    report = check_manifests([_pod({HYP + "default_vcpus": "2"})], v3)
    doc = json.loads(msgspec.json.encode(report.records))
    assert doc[0]["object"] == {
        "kind": "Pod",
        "name": "p",
        "namespace": "ns",
        "source": "<object>",
        "document": 0,
    }
    assert {k: doc[0][k] for k in ("key", "value", "verdict", "layer")} == {
        "key": HYP + "default_vcpus",
        "value": "2",
        "verdict": "rejected",
        "layer": "kata",
    }


def test_the_cluster_is_built_once_and_each_pod_is_cheap(v3: Cluster) -> None:
    pods = [_pod({HYP + "kernel_params": f"a={i % 3}"}) for i in range(300)]
    check_manifests(pods[:1], v3)  # loads the handler's configuration
    start = time.perf_counter()
    report = check_manifests(pods, v3)
    assert len(report.pods) == 300
    assert time.perf_counter() - start < 3
    assert len(v3._targets) >= 1


def test_the_profile_follows_the_handlers_runtime_or_says_it_does_not() -> None:
    from kata_oci.errors import ProfileError
    from kata_oci.profiles import get_profile

    try:
        get_profile("go")
        has_go = True
    except ProfileError:
        has_go = False
    (pod,) = check_manifests(
        [_pod({HYP + "kernel_params": "a=b"})], Cluster(kata_config_dirs=[KATA4_GO])
    ).pods
    if has_go:
        assert pod.profile == "go"
        assert {r.profile for r in pod.records} == {"go"}
    else:
        assert pod.profile == "kata1"
        assert any("no 'go' profile yet" in n and "not the verdicts of Kata 4.x" in n for n in pod.notes)


def test_the_shipped_build_default_is_used_when_the_node_file_is_absent() -> None:
    cl = Cluster(profile="kata1")  # no --kata-config-dir, and no /opt/kata here
    (pod,) = check_manifests([_pod({HYP + "kernel_params": "a=b"})], cl).pods
    if Path("/opt/kata").exists():
        pytest.skip("this machine has /opt/kata")
    assert pod.kata_config is not None and pod.kata_config.endswith(
        "kata_oci/data/kata4-go/configuration-qemu.toml"
    )
    assert any("using kata-oci's copy of its build default" in n for n in pod.notes)
    (rs,) = check_manifests([_pod({HYP + "kernel_params": "a=b"}, rc="kata-qemu-runtime-rs")], cl).pods
    # runtime-rs's build default is shipped too (kata_oci/data/kata4-runtime-rs)
    assert rs.kata_config is not None and rs.kata_config.endswith(
        "kata_oci/data/kata4-runtime-rs/configuration-qemu-runtime-rs.toml"
    )
    assert rs.records[0].layer == L.KATA and rs.records[0].verdict is not V.UNKNOWN


def test_runtime_rs_handler_gets_the_rs_profile_and_its_sizing() -> None:
    cl = Cluster(kata_config_dirs=[KATA4_GO, K8S / "kata4-runtime-rs"])
    ann = {HYP + "default_vcpus": "0.5", HYP + "cc_init_data": "x", HYP + "kernel_params": "a=b"}
    containers = [{"name": "c", "resources": {"limits": {"cpu": "1500m", "memory": "1025Mi"}}}]
    (pod,) = check_manifests([_pod(ann, rc="kata-qemu-runtime-rs", containers=containers)], cl).pods
    assert pod.profile == "rs"
    assert pod.kata_config == str(K8S / "kata4-runtime-rs" / "configuration-qemu-runtime-rs.toml")
    assert _verdicts(pod) == {
        HYP + "default_vcpus": ("applied", "kata"),  # enabled for runtime-rs qemu, parsed as an f32
        HYP + "cc_init_data": ("ignored", "kata"),  # not enabled: runtime-rs only logs it
        HYP + "kernel_params": ("applied", "kata"),
    }
    assert pod.sizing is not None and pod.sizing.workload is not None
    assert pod.sizing.profile == "rs"
    # runtime-rs's InitialSize rounds an odd MiB count up to even; Go's arithmetic would say 1025.
    assert (pod.sizing.workload.vcpus, pod.sizing.workload.memory_mb) == (1.5, 1026)
    (go,) = check_manifests([_pod({}, rc="kata-qemu", containers=containers)], cl).pods
    assert go.sizing is not None and go.sizing.workload is not None
    assert go.sizing.workload.memory_mb == 1025


def test_go_profile_verdicts_through_a_manifest(tmp_path: Path) -> None:
    """Kata 4.1's rules, not 1.x's: 256 MiB minimum, float vCPUs, static sizing on."""
    from kata_oci.errors import ProfileError
    from kata_oci.profiles import get_profile

    try:
        get_profile("go")
    except ProfileError:
        pytest.skip("no go profile registered")
    text = (KATA4_GO / "configuration-qemu.toml").read_text()
    text = text.replace(
        'enable_annotations = ["enable_iommu", "kernel_params", "kernel_verity_params"]',
        'enable_annotations = ["default_memory", "default_vcpus", "kernel_params"]',
    ).replace("static_sandbox_resource_mgmt = false", "static_sandbox_resource_mgmt = true")
    conf = tmp_path / "runtimes" / "qemu"
    conf.mkdir(parents=True)
    (conf / "configuration-qemu.toml").write_text(text)
    cl = Cluster(kata_config_dirs=[tmp_path])
    ann = {HYP + "default_memory": "128", HYP + "default_vcpus": "0.5", HYP + "enable_iommu": "true"}
    containers = [{"name": "c", "resources": {"limits": {"cpu": "1", "memory": "512Mi"}}}]
    (pod,) = check_manifests([_pod(ann, containers=containers)], cl).pods
    assert pod.profile == "go"
    assert _verdicts(pod) == {
        HYP + "default_memory": ("rejected", "kata"),  # below Kata 4.x's 256 MiB minimum
        HYP + "default_vcpus": ("applied", "kata"),  # ParseFloat(.., 32)
        HYP + "enable_iommu": ("rejected", "kata"),  # no longer enabled in this file
    }
    assert pod.sizing is not None and pod.sizing.static_sandbox_resource_mgmt is True
    assert pod.sizing.workload is not None and pod.sizing.workload.memory_mb == 512


def test_a_dropped_misspelling_gets_the_profiles_did_you_mean(defaults: Cluster) -> None:
    typo = "io.kata-containers.config.runtime.disable_guest_seccomp"
    (pod,) = check_manifests([_pod({typo: "true"})], defaults).pods
    (rec,) = pod.records
    assert (rec.verdict, rec.layer) == (V.DROPPED, L.CRI)
    assert rec.fix == "did you mean io.katacontainers.config.runtime.disable_guest_seccomp?"


def test_crio_default_annotations_reach_every_pod_unless_it_sets_the_key(tmp_path: Path) -> None:
    (tmp_path / "crio.conf").write_text(
        "[crio.runtime.runtimes.kata-qemu]\n"
        'runtime_path = "/opt/kata/bin/containerd-shim-kata-v2"\nruntime_type = "vm"\n'
        'runtime_config_path = "/opt/kata/share/defaults/kata-containers/runtimes/qemu/'
        'configuration-qemu.toml"\n'
        "[crio.runtime.runtimes.kata-qemu.default_annotations]\n"
        '"io.katacontainers.config.hypervisor.kernel_params" = "agent.log=debug"\n'
        '"io.katacontainers.config.agent.kernel_modules" = "e1000e"\n'
    )
    cl = Cluster(load_crio_config(tmp_path / "crio.conf"), kata_config_dirs=[KATA4_GO])
    (pod,) = check_manifests([_pod({"io.katacontainers.config.agent.kernel_modules": "i915"})], cl).pods
    by_key = {r.key: r for r in pod.records}
    assert by_key[HYP + "kernel_params"].verdict is V.APPLIED
    assert by_key[HYP + "kernel_params"].reason.startswith("from default_annotations of runtime kata-qemu")
    mods = by_key["io.katacontainers.config.agent.kernel_modules"]
    assert (mods.value, mods.verdict) == ("i915", V.APPLIED)  # the pod's own value wins
    assert not mods.reason.startswith("from default_annotations")


def test_one_cluster_shared_by_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    cl = Cluster(kata_config_dirs=[KATA4_GO])
    pods = [_pod({HYP + "kernel_params": f"a={i % 7}", HYP + "default_vcpus": "2"}) for i in range(100)]

    def run(_: int) -> list[dict[str | None, tuple[str, str]]]:
        return [_verdicts(p) for p in check_manifests(pods, cl).pods]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(run, range(8)))
    assert all(r == results[0] for r in results)
    assert results[0][0] == {
        HYP + "kernel_params": ("applied", "kata"),
        HYP + "default_vcpus": ("rejected", "kata"),
    }
    assert list(cl._targets) == ["kata-qemu"]  # loaded once
