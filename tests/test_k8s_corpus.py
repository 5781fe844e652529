"""Every manifest of the corpus's k8s/pods/ (and pods-more/), checked against kata-deploy 4.1.0, pinned.

``fixtures/k8s/pods-expected.json`` holds, per scenario and file, one
``[object, key, verdict, layer]`` row per record (``key`` null: the pod
itself), or the parse error. The rows were reviewed by hand against the
corpus's notes (PROVENANCE.md, containerd-code-facts.md, mapping.json):

* kata-deploy 4.1 creates no RuntimeClass ``kata`` (``createDefault`` is
  off), none for ``kata-remote`` (``shims.remote.enabled`` is off), and none
  for AKS's ``kata-cc*`` or the ``kata-qemu-numa`` custom runtime: the pod is
  refused at the RuntimeClass layer, its Kata keys with it;
* it does render ``kata-qemu-se`` (every architecture) while an x86_64 node
  has no such handler: refused by containerd (``no runtime for ...``);
* ``runtimeClassName: ${VAR}`` and ``name: ${POD_NAME}`` or ``POD_NAME``
  (CI templates) are not DNS subdomains: the API server refuses the pod; a
  bare Pod meets the RuntimeClass admission plugin first (mutating admission
  runs before validation), so ``${VAR}`` is "not found" there, while a
  workload is validated when it is created; a quantity such as
  ``${NUMA_TEST_VCPUS}`` fails decoding, before either;
* with ``createDefault`` (Kata CI's setting) ``kata`` is ``kata-qemu-runtime-rs``,
  checked with the ``rs`` profile: ``agent.kernel_modules`` and
  ``runtime.disable_guest_seccomp`` are ungated, ``hypervisor.kernel_params``
  and ``default_vcpus`` are in runtime-rs qemu's ``enable_annotations``, so
  they apply; ``cc_init_data`` is not, and runtime-rs only logs and ignores it.
  The Go handlers get the ``go`` profile (Kata 4.1's Go runtime). A row
  that a newly registered profile answers differently from its pinned
  ``kata1`` row is reported (the test skips, naming the files to review),
  not failed.
* the 3.24-era QAT how-to (pods-more) sets ``image`` and ``kernel``, which
  Kata 4.1's Go qemu file does not enable: rejected by the ``go`` profile.

Set ``KATA_OCI_REGENERATE=1`` to rewrite the file (then review the diff).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from kata_oci.errors import ManifestError
from kata_oci.k8s import (
    Cluster,
    ObjectRef,
    RuntimeClassObject,
    check_manifests,
    kata_deploy_runtime_classes,
    read_documents,
)

from helpers import FIXTURES, shared_path

EXPECTED = FIXTURES / "k8s" / "pods-expected.json"


def _clusters(kata_config: Path) -> dict[str, Cluster]:
    dirs = [kata_config / "generated" / "kata4-go", kata_config / "generated" / "kata4-runtime-rs"]
    default_rc = RuntimeClassObject(
        ObjectRef("RuntimeClass", "kata"), "kata", "kata-qemu-runtime-rs", {"cpu": "250m", "memory": "160Mi"}
    )
    return {
        "kata-deploy-defaults": Cluster(kata_config_dirs=dirs),
        # The profiles of the handlers' runtimes: rs for kata-qemu-runtime-rs, go (or kata1 until
        # the go profile is registered) for the Go handlers.
        "kata-deploy-createDefault": Cluster(
            runtime_classes=[*kata_deploy_runtime_classes(), default_rc], kata_config_dirs=dirs
        ),
    }


def _observed(pods_dir: Path, cluster: Cluster, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in sorted(pods_dir.iterdir()):
        if f.name == "PROVENANCE.md":
            continue
        try:
            report = check_manifests(read_documents(f), cluster)
        except ManifestError as exc:
            out[prefix + f.name] = {"error": exc.reason, "line": exc.line}
            continue
        out[prefix + f.name] = [
            [f"{r.object.kind}/{r.object.name}", r.key, str(r.verdict), str(r.layer)]
            + ([r.profile] if r.profile else [])
            for p in report.pods
            for r in p.records
        ]
    return out


@pytest.fixture(scope="module")
def observed() -> dict[str, Any]:
    pods = shared_path("corpus", "k8s", "pods")
    more = shared_path("corpus", "k8s", "pods-more")
    kata_config = shared_path("corpus", "kata-config")
    result = {
        name: {**_observed(pods, cl), **_observed(more, cl, "pods-more/")}
        for name, cl in _clusters(kata_config).items()
    }
    if os.environ.get("KATA_OCI_REGENERATE"):
        EXPECTED.write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    return result


def _newly_profiled(seen: Any, pinned: Any) -> bool:
    """The rows differ only because kata1 answered when pinned and a 4.x profile answers now."""
    if not (isinstance(seen, list) and isinstance(pinned, list)) or len(seen) != len(pinned):
        return False
    return any(p[4:] == ["kata1"] and s[4:] in (["go"], ["rs"]) for s, p in zip(seen, pinned, strict=True))


def test_every_corpus_manifest_is_pinned(observed: dict[str, Any]) -> None:
    expected = json.loads(EXPECTED.read_text())
    assert set(expected) == set(observed)
    stale = []
    for scenario, files in expected.items():
        assert set(files) == set(observed[scenario]), scenario
        for name, rows in files.items():
            seen = observed[scenario][name]
            if seen != rows and _newly_profiled(seen, rows):
                stale.append(name)  # a profile registered since: review and regenerate
                continue
            assert seen == rows, (scenario, name)
    if stale:
        pytest.skip(f"answered by a newly registered profile, to review and pin: {', '.join(stale)}")


def test_all_73_manifests_are_covered(observed: dict[str, Any]) -> None:
    files = {n: v for n, v in observed["kata-deploy-defaults"].items() if not n.startswith("pods-more/")}
    assert len(files) == 73
    more = {n: v for n, v in observed["kata-deploy-defaults"].items() if n.startswith("pods-more/")}
    assert len(more) == 18
    assert [n for n, v in more.items() if isinstance(v, dict)] == [
        "pods-more/caa-ibmcloud-ROKS_SETUP-L461.yaml"
    ]
    errors = sorted(n for n, v in files.items() if isinstance(v, dict))
    # The two files the corpus keeps invalid on purpose, and only those.
    assert errors == [
        "coco-operator-docs-PEERPODS-TEST-L26.yaml",
        "kata-docs-NVIDIA-GPU-passthrough-and-Kata-QEMU-L73.yaml",
    ]


def test_hand_checked_rows(observed: dict[str, Any]) -> None:
    d = observed["kata-deploy-defaults"]
    c = observed["kata-deploy-createDefault"]
    km = "io.katacontainers.config.agent.kernel_modules"
    assert ["Pod/pod1", km, "rejected", "runtimeclass"] in d[
        "kata-docs-how-to-load-kernel-modules-with-kata-L89.yaml"
    ]
    assert ["Pod/pod1", km, "applied", "kata", "rs"] in c[
        "kata-docs-how-to-load-kernel-modules-with-kata-L89.yaml"
    ]
    assert d["coco-charts-QUICKSTART-L115.yaml"] == [["Pod/confidential-pod-se", None, "rejected", "cri"]]
    # A bare Pod meets the RuntimeClass plugin (mutating admission) before validation.
    assert d["kata-tests-pod-config.yaml.in"] == [["Pod/test-e2e", None, "rejected", "runtimeclass"]]
    assert d["caa-webhook-hack-pod.yaml"] == [["Pod/nginx", None, "rejected", "runtimeclass"]]
    assert d["kata-deploy-examples-nginx-deployment-qemu.yaml"] == []  # kata-qemu exists, no annotations
    seccomp = "io.katacontainers.config.runtime.disable_guest_seccomp"
    assert ["Pod/seccomp-container", seccomp, "applied", "kata", "rs"] in c["kata-tests-pod-seccomp.yaml"]
    # pods-more: the 3.24-era QAT how-to sets image and kernel, which Kata 4.1's qemu file does not enable.
    qat = d["pods-more/kata-docs-3.24.0-using-Intel-QAT-and-kata-L460.yaml"]
    assert [r[1:] for r in qat] == [
        ["io.katacontainers.config.hypervisor.image", "rejected", "kata", "go"],
        ["io.katacontainers.config.hypervisor.kernel", "rejected", "kata", "go"],
        ["io.katacontainers.config.hypervisor.kernel_params", "applied", "kata", "go"],
    ]
    # kata-stratovirt has an overhead entry in the chart but no shim: no RuntimeClass.
    strato = d["pods-more/kata-deploy-examples-test-deploy-kata-stratovirt.yaml"]
    assert strato == [["Deployment/php-apache-kata-stratovirt", None, "rejected", "runtimeclass"]]
    # a CI template: both the name and the runtimeClassName are placeholders.
    svc = d["pods-more/kata-tests-repo-confidential-service.yaml.in"]
    assert [r[1:4] for r in svc if r[1] is None] == [[None, "rejected", "kubernetes"]] * 2
    # runtime-rs (kata defaults to kata-qemu-runtime-rs with createDefault): a hypervisor key that
    # enable_annotations does not allow is only logged and ignored (Go would refuse the sandbox);
    # default_vcpus is enabled in runtime-rs's qemu file and "0.5" parses as a float.
    policy = c["pods-more/kata-docs-how-to-use-the-kata-agent-policy-L59.yaml"]
    assert policy == [
        [
            "Pod/policy-exec-rejected",
            "io.katacontainers.config.hypervisor.cc_init_data",
            "ignored",
            "kata",
            "rs",
        ]
    ]
    vcpus = c["pods-more/kata-tests-pod-sandbox-vcpus-allocation.yaml"]
    assert {tuple(r[2:]) for r in vcpus} == {("applied", "kata", "rs")}


def test_every_kata_deploy_handler_loads_its_configuration_with_its_runtimes_profile() -> None:
    kata_config = shared_path("corpus", "kata-config", "generated")
    cl = Cluster(kata_config_dirs=[kata_config / "kata4-go", kata_config / "kata4-runtime-rs"])
    kata = {name: h for name, h in cl.node.handlers.items() if h.kata}
    assert len(kata) == 23
    for name, handler in kata.items():
        target = cl.kata_target(handler)
        assert target.error is None, (name, target.error)
        assert target.path is not None and target.path.endswith(f"configuration-{handler.shim}.toml"), name
        assert target.profile == handler.runtime, name  # go for the Go shim, rs for runtime-rs
