"""deploy/: the manifests `kubectl apply -k deploy/` applies, checked without a cluster.

There is no kubectl nor a cluster here. What `kubectl apply --dry-run=client`
checks, the objects' schemas, is checked with kubernetes-validate (the
Kubernetes OpenAPI schemas, packaged): every built-in object of deploy/, and
the ConfigMap kustomize generates, validates strictly (no unknown field)
against the schemas of the oldest (1.25) and newest Kubernetes releases it
ships; cert-manager's objects, which have no built-in schema, are checked
structurally. Beyond the schemas: every file
parses as YAML with kata-oci's reader, the kustomization names every file and
only those, each object has the fields the API server requires of its kind,
names and label/annotation keys pass the API server's own syntax rules
(kata_oci.k8s.apiserver: DNS-1123 subdomains, qualified names), and the
pieces agree with each other (selectors, ports, the Service the webhook
calls, the Secret the Certificate writes, the ConfigMap the pods mount, the
timeouts). The ConfigMap's own webhook.yaml is loaded and answers the
examples/ reviews.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from kata_oci.k8s import apiserver, parse_documents
from kata_oci.webhook import load_config, review_bytes

from helpers import ROOT
from webhook_helpers import KINDS

DEPLOY = ROOT / "deploy"


def _load(path: Path) -> list[Any]:
    return [d.value for d in parse_documents(path.read_bytes(), source=str(path))]


@pytest.fixture(scope="module")
def kustomization() -> dict[str, Any]:
    [doc] = _load(DEPLOY / "kustomization.yaml")
    return doc


@pytest.fixture(scope="module")
def objects(kustomization: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    out = {}
    for name in kustomization["resources"]:
        for obj in _load(DEPLOY / name):
            out[(obj["kind"], obj["metadata"]["name"])] = obj
    return out


def test_the_kustomization_names_every_manifest_and_config_file(kustomization: dict[str, Any]) -> None:
    manifests = sorted(p.name for p in DEPLOY.glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(kustomization["resources"]) == manifests
    [gen] = kustomization["configMapGenerator"]
    assert sorted(gen["files"]) == sorted(f"config/{p.name}" for p in (DEPLOY / "config").iterdir())
    assert gen["options"]["disableNameSuffixHash"] is True  # updated in place, so the webhook reloads it
    assert kustomization["namespace"] == "kata-oci-system"


REQUIRED = {
    "Namespace": [],
    "ServiceAccount": [],
    "Issuer": [("spec",)],
    "Certificate": [("spec", "secretName"), ("spec", "issuerRef", "name"), ("spec", "dnsNames")],
    "Deployment": [("spec", "selector"), ("spec", "template", "spec", "containers")],
    "Service": [("spec", "ports"), ("spec", "selector")],
    "PodDisruptionBudget": [("spec", "selector")],
    "ValidatingWebhookConfiguration": [("webhooks",)],
}
API_VERSIONS = {
    "Namespace": "v1",
    "ServiceAccount": "v1",
    "Service": "v1",
    "Deployment": "apps/v1",
    "PodDisruptionBudget": "policy/v1",
    "Issuer": "cert-manager.io/v1",
    "Certificate": "cert-manager.io/v1",
    "ValidatingWebhookConfiguration": "admissionregistration.k8s.io/v1",
}


def _dig(obj: Any, path: tuple[str, ...]) -> Any:
    for part in path:
        assert isinstance(obj, Mapping) and part in obj, f"missing {'.'.join(path)}"
        obj = obj[part]
    return obj


# The Kubernetes releases whose schemas the manifests must pass: the oldest and
# the newest kubernetes-validate ships schemas for.
SCHEMA_VERSIONS = ("1.25.0", "latest")
CRD_KINDS = {"Issuer", "Certificate"}  # cert-manager's: no built-in schema


def _generated_configmap(kustomization: dict[str, Any]) -> dict[str, Any]:
    """The ConfigMap kustomize's configMapGenerator makes of deploy/config/."""
    [gen] = kustomization["configMapGenerator"]
    data = {Path(f).name: (DEPLOY / f).read_text() for f in gen["files"]}
    meta = {"name": gen["name"], "namespace": kustomization["namespace"]}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def _schema_validate(obj: dict[str, Any], version: str) -> None:
    kv = pytest.importorskip("kubernetes_validate")
    kv.validate(obj, kv.latest_version() if version == "latest" else version, strict=True)


@pytest.mark.parametrize("version", SCHEMA_VERSIONS)
def test_every_built_in_object_validates_against_the_kubernetes_schema(
    objects: dict[Any, Any], kustomization: dict[str, Any], version: str
) -> None:
    built_in = [o for (kind, _), o in objects.items() if kind not in CRD_KINDS]
    assert {o["kind"] for o in built_in} >= {"Deployment", "Service", "ValidatingWebhookConfiguration"}
    for obj in [*built_in, _generated_configmap(kustomization)]:
        _schema_validate(obj, version)


def test_the_schema_check_refuses_a_misspelt_field(objects: dict[Any, Any]) -> None:
    """The check is real: an unknown field (strict) and a wrong type are both refused."""
    kv = pytest.importorskip("kubernetes_validate")
    import copy

    deployment = copy.deepcopy(next(o for (kind, _), o in objects.items() if kind == "Deployment"))
    deployment["spec"]["replica"] = deployment["spec"].pop("replicas")
    with pytest.raises(kv.ValidationError):
        _schema_validate(deployment, "latest")
    deployment["spec"]["replicas"] = "two"
    del deployment["spec"]["replica"]
    with pytest.raises(kv.ValidationError):
        _schema_validate(deployment, "latest")


def test_every_object_has_its_kinds_required_fields_and_valid_names(objects: dict[Any, Any]) -> None:
    assert {kind for kind, _ in objects} == set(REQUIRED)
    for (kind, name), obj in objects.items():
        assert obj["apiVersion"] == API_VERSIONS[kind], kind
        assert apiserver.is_dns1123_subdomain(name) == [], name
        for path in REQUIRED[kind]:
            assert _dig(obj, path), (kind, path)
        meta = obj["metadata"]
        for key in (*meta.get("labels", {}), *meta.get("annotations", {})):
            assert apiserver.annotation_key_errors(key) == [], key
        assert all(isinstance(v, str) for v in meta.get("labels", {}).values())
        cluster_scoped = kind in ("Namespace", "ValidatingWebhookConfiguration")
        assert ("namespace" in meta) is not cluster_scoped, kind


def _pod(objects: dict[Any, Any]) -> dict[str, Any]:
    return objects[("Deployment", "kata-oci-webhook")]["spec"]["template"]


def test_the_deployment_is_two_non_root_read_only_replicas_with_probes(objects: dict[Any, Any]) -> None:
    dep = objects[("Deployment", "kata-oci-webhook")]
    assert dep["spec"]["replicas"] == 2
    pod = dep["spec"]["template"]
    assert dep["spec"]["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
    spec = pod["spec"]
    assert spec["securityContext"]["runAsNonRoot"] is True and spec["securityContext"]["runAsUser"] > 0
    assert spec["automountServiceAccountToken"] is False
    [c] = spec["containers"]
    sc = c["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert c["resources"]["requests"]["cpu"] and c["resources"]["limits"]["memory"]
    ports = {p["name"]: p["containerPort"] for p in c["ports"]}
    assert f"--port={ports['https']}" in c["args"]
    for probe, path in (
        ("livenessProbe", "/healthz"),
        ("readinessProbe", "/readyz"),
        ("startupProbe", "/healthz"),
    ):
        get = c[probe]["httpGet"]
        assert (get["path"], get["port"], get["scheme"]) == (path, "https", "HTTPS")
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    volumes = {v["name"]: v for v in spec["volumes"]}
    assert set(mounts) == set(volumes)
    args = dict(a.removeprefix("--").split("=", 1) for a in c["args"] if a.startswith("--"))
    assert args["config"].startswith(mounts["config"] + "/")
    assert args["tls-cert"] == f"{mounts['tls']}/tls.crt" and args["tls-key"] == f"{mounts['tls']}/tls.key"


def test_the_pieces_agree(objects: dict[Any, Any], kustomization: dict[str, Any]) -> None:
    pod = _pod(objects)
    svc = objects[("Service", "kata-oci-webhook")]
    pdb = objects[("PodDisruptionBudget", "kata-oci-webhook")]
    cert = objects[("Certificate", "kata-oci-webhook")]
    vwc = objects[("ValidatingWebhookConfiguration", "kata-oci-webhook")]
    labels = pod["metadata"]["labels"]
    assert svc["spec"]["selector"].items() <= labels.items()
    assert pdb["spec"]["selector"]["matchLabels"].items() <= labels.items()
    assert pdb["spec"]["minAvailable"] == 1
    [c] = pod["spec"]["containers"]
    assert svc["spec"]["ports"][0]["targetPort"] in {p["name"] for p in c["ports"]}
    volumes = {v["name"]: v for v in pod["spec"]["volumes"]}
    assert volumes["tls"]["secret"]["secretName"] == cert["spec"]["secretName"]
    assert volumes["config"]["configMap"]["name"] == kustomization["configMapGenerator"][0]["name"]
    assert (cert["spec"]["issuerRef"]["kind"], cert["spec"]["issuerRef"]["name"]) in objects
    ns = svc["metadata"]["namespace"]
    assert f"{svc['metadata']['name']}.{ns}.svc" in cert["spec"]["dnsNames"]
    assert (
        vwc["metadata"]["annotations"]["cert-manager.io/inject-ca-from"] == f"{ns}/{cert['metadata']['name']}"
    )
    [hook] = vwc["webhooks"]
    ref = hook["clientConfig"]["service"]
    assert (ref["name"], ref["namespace"], ref["port"], ref["path"]) == (
        svc["metadata"]["name"],
        ns,
        svc["spec"]["ports"][0]["port"],
        "/validate",
    )
    assert hook["admissionReviewVersions"] == ["v1"] and hook["sideEffects"] == "None"
    assert hook["failurePolicy"] in ("Ignore", "Fail")
    args = dict(a.removeprefix("--").split("=", 1) for a in c["args"] if a.startswith("--"))
    assert 1 <= float(args["timeout"]) < hook["timeoutSeconds"] <= 30
    # its own namespace is never sent to it (so it can always start)
    own = objects[("Namespace", ns)]["metadata"]["labels"]
    exprs = hook["namespaceSelector"]["matchExpressions"]
    assert any(e["operator"] == "NotIn" and own.get(e["key"]) in e["values"] for e in exprs)


def test_the_webhook_sees_pods_and_every_workload_kind_only(objects: dict[Any, Any]) -> None:
    [hook] = objects[("ValidatingWebhookConfiguration", "kata-oci-webhook")]["webhooks"]
    seen = {}
    for rule in hook["rules"]:
        for group in rule["apiGroups"]:
            for res in rule["resources"]:
                seen[(group, res)] = set(rule["operations"])
    wanted = {(v.rpartition("/")[0], r) for v, r in KINDS.values()}
    assert set(seen) == wanted
    assert seen[("", "pods")] == {"CREATE"}
    assert all(ops == {"CREATE", "UPDATE"} for k, ops in seen.items() if k != ("", "pods"))


def test_the_configmaps_configuration_loads_and_answers(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(DEPLOY / "config", config)
    cfg = load_config(config / "webhook.yaml")
    for name in ("configuration-qemu.toml", "configuration-qemu-runtime-rs.toml", "config.toml"):
        assert str(config / name) in cfg.files
    examples = ROOT / "examples" / "webhook"
    expected = {"allowed": True, "denied": False, "warned": True, "runc": True, "deployment": False}
    for name, allowed in expected.items():
        assert review_bytes((examples / f"review-{name}.json").read_bytes(), cfg).allowed is allowed, name
    rs = cfg.cluster.kata_target(cfg.cluster.node.handlers["kata-qemu-runtime-rs"])
    assert rs.error is None and rs.path == str(config / "configuration-qemu-runtime-rs.toml")


def test_the_image_build_file_installs_the_webhook_extra_as_non_root() -> None:
    text = (DEPLOY / "Containerfile").read_text()
    assert '"kata-oci[webhook]"' in text
    assert "USER 65532:65532" in text
    assert 'ENTRYPOINT ["kata-oci"]' in text
