"""Pod identity: each CRI plugin's keys, CRI-O's two spellings, conflicts, the resolve command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest
from structlog.testing import capture_logs

import kata_oci
from kata_oci import CRI, CRIConflictError, Engine, IdentityKeys, PluginError, PodIdentity, hookimpl

from helpers import ROOT, shared_path, spec_with

REAL = "corpus", "real-specs"


def _real(*parts: str) -> kata_oci.Spec:
    return kata_oci.parse_config_json(shared_path(*REAL, *parts))


# -- containerd -----------------------------------------------------------------------------------


def test_containerd_real_sandbox_and_container() -> None:
    sandbox = kata_oci.pod_identity(_real("containerd-v1.7.10-cri-generated", "sandbox-config.json"))
    assert sandbox == PodIdentity(
        sandbox_name="nginx-kata",
        sandbox_namespace="default",
        sandbox_uid="9c64c5bf-298f-46c4-ad63-e2270a2ff44c",
        container_name=None,  # containerd names no container on the sandbox
        plugin="containerd",
    )
    container = kata_oci.pod_identity(_real("containerd-v1.7.10-cri-generated", "container-config.json"))
    assert container.names() == {**sandbox.names(), "container_name": "nginx"}


def test_containerd_keys(engine: Engine) -> None:
    ann = {
        "io.kubernetes.cri.sandbox-name": "web",
        "io.kubernetes.cri.sandbox-namespace": "prod",
        "io.kubernetes.cri.sandbox-uid": "u-1",
        "io.kubernetes.cri.container-name": "app",
    }
    assert engine.pod_identity(spec_with(ann)) == PodIdentity(
        sandbox_name="web",
        sandbox_namespace="prod",
        sandbox_uid="u-1",
        container_name="app",
        plugin="kata_oci_containerd",
    )


def test_a_present_empty_value_is_given_as_kata_gives_empty_sandbox_ids(engine: Engine) -> None:
    identity = engine.pod_identity(spec_with({"io.kubernetes.cri.sandbox-namespace": ""}))
    assert (identity.sandbox_namespace, identity.sandbox_name) == ("", None)
    assert identity.plugin == "kata_oci_containerd"


def test_containerd_keys_match_containerds_source() -> None:
    import kata_oci_containerd

    keys = json.loads(
        shared_path("corpus", "keys", "containerd-v1.7.33-pkg-cri-annotations.json").read_text()
    )
    values = {c["name"]: c["value"] for c in keys["constants"]}
    assert kata_oci_containerd.CRI_KEYS.identity == IdentityKeys(
        sandbox_name=values["SandboxName"],
        sandbox_namespace=values["SandboxNamespace"],
        sandbox_uid=values["SandboxUID"],
        container_name=values["ContainerName"],
    )


# -- CRI-O ------------------------------------------------------------------------------------------


def test_crio_sandbox_uses_kubename_and_namespace() -> None:
    identity = kata_oci.pod_identity(_real("falco-libs-crictl-mocks", "crio-pod-runtimeSpec.json"))
    assert identity == PodIdentity(
        sandbox_name="podsandbox1",  # KubeName, not SandboxName's k8s_podsandbox1_redhat.test.crio_..._1
        sandbox_namespace="redhat.test.crio",
        sandbox_uid="redhat-test-crio",  # the pod metadata's uid
        container_name=None,
        plugin="crio",
    )


def test_crio_container_has_no_kubename_so_sandboxname_is_parsed() -> None:
    spec = _real("falco-libs-crictl-mocks", "crio-container-runtimeSpec.json")
    assert spec.annotations is not None
    assert "io.kubernetes.cri-o.KubeName" not in spec.annotations
    identity = kata_oci.pod_identity(spec)
    assert identity.names() == {
        "sandbox_name": "podsandbox1",
        "sandbox_namespace": "redhat.test.crio",
        "sandbox_uid": "redhat-test-crio",
        "container_name": "podsandbox1-redis",  # the container metadata's name
    }


def test_crio_node_capture_with_capitalised_metadata_and_kubelet_labels() -> None:
    # CRI-O in 2022 wrote {"Name":..,"UID":..} and copied kubelet's labels into the annotations:
    # the dockershim plugin reads those too, and agrees, so there is no conflict.
    spec = _real(
        "ibm-core-dump-handler-crictl-captures",
        "crio-sandbox-inspectp-from-crictl-imagecommand-runtimeSpec.json",
    )
    identity = kata_oci.pod_identity(spec)
    assert identity.names() == {
        "sandbox_name": "segfaulter",
        "sandbox_namespace": "default",
        "sandbox_uid": "aaaa2b4a-f398-41c0-928b-049e1cc4ec40",
    }
    assert (identity.plugin, identity.conflicts) == ("crio", ())


def test_crio_sandbox_and_container_of_one_pod_agree(engine: Engine) -> None:
    pod = {
        "io.kubernetes.cri-o.ContainerType": "sandbox",
        "io.kubernetes.cri-o.KubeName": "web-0",
        "io.kubernetes.cri-o.Namespace": "shop",
        "io.kubernetes.cri-o.SandboxName": "k8s_web-0_shop_6e1f0b2c-1b7e-4c52-9d4c-0a1b2c3d4e5f_0",
        "io.kubernetes.cri-o.Metadata": (
            '{"name":"web-0","uid":"6e1f0b2c-1b7e-4c52-9d4c-0a1b2c3d4e5f","namespace":"shop"}'
        ),
    }
    ctr = {
        "io.kubernetes.cri-o.ContainerType": "container",
        "io.kubernetes.cri-o.SandboxName": pod["io.kubernetes.cri-o.SandboxName"],
        "io.kubernetes.cri-o.Name": "k8s_nginx_web-0_shop_6e1f0b2c-1b7e-4c52-9d4c-0a1b2c3d4e5f_2",
        "io.kubernetes.cri-o.Metadata": '{"name":"nginx","attempt":2}',
    }
    a, b = engine.pod_identity(spec_with(pod)), engine.pod_identity(spec_with(ctr))
    for field in ("sandbox_name", "sandbox_namespace", "sandbox_uid"):
        assert getattr(a, field) == getattr(b, field)
    assert (a.container_name, b.container_name) == (None, "nginx")
    # without the metadata, the container's name comes from CRI-O's Name
    del ctr["io.kubernetes.cri-o.Metadata"]
    assert engine.pod_identity(spec_with(ctr)).container_name == "nginx"


def test_crio_sandboxname_that_is_not_crios_pattern_is_given_as_is(engine: Engine) -> None:
    # What Kata's Go runtime does with SandboxName in every case.
    identity = engine.pod_identity(spec_with({"io.kubernetes.cri-o.SandboxName": "hand-made"}))
    assert identity.names() == {"sandbox_name": "hand-made"}


def test_crio_bad_metadata_warns_and_falls_back(engine: Engine) -> None:
    ann = {
        "io.kubernetes.cri-o.ContainerType": "container",
        "io.kubernetes.cri-o.Metadata": "{broken",
        "io.kubernetes.cri-o.Name": "k8s_redis_db_ns_uid-9_0",
    }
    with capture_logs() as logs:
        identity = engine.pod_identity(spec_with(ann))
    assert identity.container_name == "redis"
    assert [e["event"] for e in logs] == ["crio_metadata_invalid"]


def test_crio_declares_both_spellings_kata_disagrees_on() -> None:
    import kata_oci_crio

    identity = kata_oci_crio.CRI_KEYS.identity
    assert identity is not None
    assert identity.sandbox_name == ("io.kubernetes.cri-o.KubeName", "io.kubernetes.cri-o.SandboxName")
    rust = json.loads(shared_path("corpus", "keys", "kata-types-annotations-rs.json").read_text())
    crio_rs = {c["name"]: c["value"] for c in rust["constants"] if c["file"].endswith("crio.rs")}
    assert crio_rs["SANDBOX_NAME_LABEL_KEY"] == kata_oci_crio.KUBE_NAME
    assert crio_rs["SANDBOX_NAMESPACE_LABEL_KEY"] == kata_oci_crio.NAMESPACE
    go = json.loads(shared_path("corpus", "keys", "crio-v1.34.0-pkg-annotations.json").read_text())
    assert {c["value"] for c in go["constants"]} >= {kata_oci_crio.SANDBOX_NAME, kata_oci_crio.METADATA}


def test_crio_hook_is_called_instead_of_its_table(builtin_plugins: list[object]) -> None:
    # the table alone would give SandboxName's raw value; the hook parses it
    ann = {"io.kubernetes.cri-o.SandboxName": "k8s_p_ns_u_0"}
    assert Engine.from_plugins(builtin_plugins).pod_identity(spec_with(ann)).sandbox_name == "p"
    hook = Engine.from_plugins(builtin_plugins).plugin_manager.hook.kata_oci_pod_identity
    assert hook(annotations=ann) == PodIdentity(sandbox_name="p", sandbox_namespace="ns", sandbox_uid="u")
    assert hook(annotations={}) is None


# -- dockershim -------------------------------------------------------------------------------------


def test_dockershim_kubelet_labels(engine: Engine) -> None:
    ann = {
        "io.kubernetes.docker.type": "container",
        "io.kubernetes.sandbox.id": "abc",
        "io.kubernetes.pod.name": "web",
        "io.kubernetes.pod.namespace": "default",
        "io.kubernetes.pod.uid": "uid-1",
        "io.kubernetes.container.name": "app",
    }
    assert engine.pod_identity(spec_with(ann)) == PodIdentity(
        sandbox_name="web",
        sandbox_namespace="default",
        sandbox_uid="uid-1",
        container_name="app",
        plugin="kata_oci_dockershim",
    )


def test_dockershim_sandbox_container_is_named_pod(engine: Engine) -> None:
    ann = {"io.kubernetes.docker.type": "podsandbox", "io.kubernetes.container.name": "POD"}
    assert engine.pod_identity(spec_with(ann)).container_name == "POD"


# -- order, conflicts, errors ------------------------------------------------------------------------


def test_no_identity_keys(engine: Engine) -> None:
    assert engine.pod_identity(spec_with({"io.kubernetes.cri.container-type": "sandbox"})) == PodIdentity()
    assert engine.pod_identity(None) == PodIdentity()
    assert (
        Engine.from_plugins([]).pod_identity(spec_with({"io.kubernetes.cri.sandbox-name": "x"}))
        == PodIdentity()
    )


CLASH = {
    "io.kubernetes.cri.sandbox-name": "web",
    "io.kubernetes.cri.sandbox-namespace": "prod",
    "io.kubernetes.pod.name": "api",
    "io.kubernetes.pod.namespace": "prod",
    "io.kubernetes.container.name": "POD",
}


def test_disagreeing_cris_first_wins_with_a_warning(engine: Engine) -> None:
    with capture_logs() as logs:
        identity = engine.pod_identity(spec_with(CLASH))
    assert (identity.plugin, identity.sandbox_name) == ("kata_oci_containerd", "web")
    assert identity.container_name is None  # the first plugin's answer is not merged with others'
    (conflict,) = identity.conflicts  # the namespaces agree; the container name is said once
    assert (
        conflict
        == "sandbox name: plugin 'kata_oci_containerd' says 'web' but plugin 'kata_oci_dockershim' says 'api'"
    )
    (event,) = [e for e in logs if e["event"] == "cri_conflict"]
    assert (event["what"], event["plugin"], event["log_level"]) == (
        "pod identity",
        "kata_oci_containerd",
        "warning",
    )


def test_disagreeing_cris_strict(builtin_plugins: list[object]) -> None:
    with pytest.raises(CRIConflictError) as info:
        Engine.from_plugins(builtin_plugins, strict=True).pod_identity(spec_with(CLASH))
    assert "'web'" in str(info.value) and "'api'" in str(info.value)
    assert info.value.what == "pod identity"
    assert isinstance(info.value, kata_oci.KataOCIError)
    with pytest.raises(CRIConflictError):
        kata_oci.pod_identity(spec_with(CLASH), strict=True)


def test_pod_identity_is_a_frozen_struct_that_encodes() -> None:
    identity = PodIdentity(sandbox_name="a", plugin="p")
    with pytest.raises(AttributeError):
        identity.sandbox_name = "b"  # type: ignore[misc]
    doc = msgspec.json.decode(msgspec.json.encode(identity))
    assert doc == {
        "sandbox_name": "a",
        "sandbox_namespace": None,
        "sandbox_uid": None,
        "container_name": None,
        "plugin": "p",
        "conflicts": [],
    }


def test_a_third_party_identity_table_with_fallback_keys() -> None:
    class Plugin:
        __name__ = "mycri"

        @hookimpl
        def kata_oci_declare_cri(self) -> CRI:
            return CRI(name="mycri", identity=IdentityKeys(sandbox_name=("x/pod", "x/pod-legacy")))

    engine = Engine.from_plugins([Plugin()])
    assert engine.pod_identity({"x/pod-legacy": "old"}).sandbox_name == "old"
    assert engine.pod_identity({"x/pod-legacy": "old", "x/pod": "new"}).sandbox_name == "new"


@pytest.mark.parametrize(
    ("identity", "message"),
    [
        ({"sandbox_name": "k"}, "identity must be a kata_oci.IdentityKeys"),
        (IdentityKeys(sandbox_name=["k"]), "identity.sandbox_name must be a key or a tuple"),  # type: ignore[arg-type]
        (IdentityKeys(container_name=("k", "")), "identity.container_name must be a key or a tuple"),
    ],
)
def test_bad_identity_declaration_is_a_plugin_error(identity: Any, message: str) -> None:
    class Plugin:
        __name__ = "badidentity"

        @hookimpl
        def kata_oci_declare_cri(self) -> CRI:
            return CRI(name="badidentity", identity=identity)

    with pytest.raises(PluginError, match=message):
        Engine.from_plugins([Plugin()])


def test_a_hook_returning_garbage_or_failing_is_a_plugin_error() -> None:
    class Garbage:
        __name__ = "garbage"

        @hookimpl
        def kata_oci_pod_identity(self, annotations: Any) -> Any:
            return "web"

    class Broken:
        __name__ = "broken"

        @hookimpl
        def kata_oci_pod_identity(self, annotations: Any) -> Any:
            return annotations["missing"]

    with pytest.raises(PluginError, match=r"not a kata_oci\.PodIdentity"):
        Engine.from_plugins([Garbage()]).pod_identity({})
    with pytest.raises(PluginError, match=r"broken.*KeyError"):
        Engine.from_plugins([Broken()]).pod_identity({})


def test_a_hook_raising_a_kata_oci_error_is_passed_on() -> None:
    class Strict:
        __name__ = "strictcri"

        @hookimpl
        def kata_oci_pod_identity(self, annotations: Any) -> Any:
            raise kata_oci.SpecError("bad pod name", path="$.annotations")

    with pytest.raises(kata_oci.SpecError, match="bad pod name"):
        Engine.from_plugins([Strict()]).pod_identity({})


# -- kata-oci resolve ----------------------------------------------------------------------------------


KATA_OCI = Path(sys.executable).with_name("kata-oci")


def _resolve(*args: str | Path) -> str:
    """``kata-oci resolve ARGS`` in a subprocess (the command sets process-wide log levels)."""
    result = subprocess.run(
        [str(KATA_OCI), "resolve", *map(str, args)], capture_output=True, text=True, check=False, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_resolve_shows_identity_and_sizing() -> None:
    bundle = ROOT / "examples" / "bundles" / "containerd-pod-container"
    text = _resolve(bundle)
    assert "pod identity:   (plugin containerd)" in text
    assert "  sandbox namespace: default\n" in text
    assert "  container name:    nginx\n" in text
    assert "sandbox sizing: 0 vCPUs, 0 MiB  (no CRI sizing key)" in text
    assert "container sizing: 0.5 vCPUs, 256 MiB  (linux.resources)" in text
    doc = json.loads(_resolve(bundle, "--json"))
    assert doc["pod"]["sandbox_name"] == "nginx-kata"
    assert doc["pod"]["plugin"] == "containerd"
    assert doc["container_sizing"] == {"vcpus": 0.5, "memory_mb": 256, "overhead": None}
    sandbox = json.loads(_resolve(bundle.with_name("containerd-pod-sandbox"), "--json"))
    assert sandbox["sandbox_sizing"] == {"vcpus": 0.5, "memory_mb": 256, "overhead": None}
    assert sandbox["sandbox_sizing_from"] == "containerd"


def test_resolve_lists_identity_and_sizing_conflicts(tmp_path: Path) -> None:
    spec = json.loads((ROOT / "examples" / "bundles" / "containerd-pod-sandbox" / "config.json").read_text())
    spec["annotations"]["io.kubernetes.pod.name"] = "someone-else"
    spec["annotations"]["pod-linux-resources.crio.io"] = '{"cpu_period":100000,"cpu_quota":400000}'
    (tmp_path / "config.json").write_text(json.dumps(spec))
    doc = json.loads(_resolve(tmp_path, "--json"))
    assert len(doc["conflicts"]) == 2
    assert doc["conflicts"][0].startswith("sandbox name: plugin 'containerd' says 'nginx-kata'")
    assert doc["conflicts"][1].startswith("sandbox sizing: plugin 'containerd' says 0.5 vCPUs, 256 MiB")
    assert "conflict:       sandbox name" in _resolve(tmp_path)


def test_resolve_without_any_cri_key() -> None:
    text = _resolve(ROOT / "examples" / "bundles" / "runc-container")
    assert "pod identity:   -  (no CRI identity key)" in text
    doc = json.loads(_resolve(ROOT / "examples" / "bundles" / "runc-container", "--json"))
    assert doc["pod"]["plugin"] is None
    assert doc["sandbox_sizing_from"] is None
