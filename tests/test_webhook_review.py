"""The webhook's decisions (kata_oci.webhook.review) and `kata-oci webhook --review`, without a server."""

from __future__ import annotations

import io
import json
import sys

import pytest

from kata_oci.cli import main
from kata_oci.errors import ConfigError
from kata_oci.k8s import Verdict
from kata_oci.webhook import ReviewError, load_config, review_bytes
from kata_oci.webhook.review import MAX_MESSAGE_CHARS, MAX_WARNING_RUNES, MAX_WARNINGS_RUNES

from helpers import FIXTURES, ROOT
from webhook_helpers import HYP, KINDS, review_body, workload

K8S = FIXTURES / "k8s"
EXAMPLES = ROOT / "examples" / "webhook"


@pytest.fixture(scope="module")
def config():
    return load_config(None)


def decide(obj, config, **kw):
    return review_bytes(review_body(obj, **kw), config)


def test_enabled_annotation_is_allowed_without_warnings(config):
    r = decide(workload("Pod", {f"{HYP}kernel_params": "agent.log=debug"}), config)
    assert r.allowed and r.warnings == [] and r.skipped is None
    assert [rec.verdict for rec in r.records] == [Verdict.APPLIED]
    assert r.response()["response"] == {"uid": r.uid, "allowed": True}


def test_rejected_annotations_deny_with_key_reason_and_fix(config):
    r = decide(workload("Pod", {f"{HYP}default_memory": "4096", f"{HYP}default_vcpus": "4"}), config)
    assert not r.allowed
    status = r.response()["response"]["status"]
    assert status["code"] == 403
    msg = status["message"]
    assert msg.startswith("kata-oci: Kata would refuse Pod default/w: ")
    for key in ("default_memory", "default_vcpus"):
        assert f"annotation {HYP}{key}: rejected (kata): not enabled" in msg
        assert f'add "^{key}$" to enable_annotations' in msg


def test_dropped_unknown_and_removed_keys_are_warnings(config):
    ann = {
        "katacontainers.io/default_memory": "2048",
        "io.katacontainers.config.runtime.disable_guest_seccom": "true",
        "io.katacontainers.config_path": "/x",
    }
    r = decide(workload("Pod", ann), config)
    assert r.allowed
    assert len(r.warnings) == 3
    dropped, typo, removed = r.warnings
    assert "katacontainers.io/default_memory: dropped (cri)" in dropped
    assert "did you mean io.katacontainers.config.runtime.disable_guest_seccomp?" in typo
    assert "removed in Kata 4.0" in removed
    assert r.response()["response"]["warnings"] == r.warnings


def test_pod_without_kata_runtime_class_is_allowed_untouched(config):
    bad = {f"{HYP}default_memory": "4096", "io.katacontainers.nonsense": "1"}
    for rc in (None, "runc-class-we-do-not-know"):
        r = decide(workload("Pod", bad, runtime_class=rc), config)
        assert r.allowed and r.warnings == [] and r.records == []
        assert r.skipped == "no Kata RuntimeClass"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_workload_kind_is_checked(kind, config):
    r = decide(workload(kind, {f"{HYP}default_memory": "4096"}, name="obj"), config)
    assert not r.allowed, kind
    assert f"refuse {kind} default/obj" in (r.message or "")
    assert f"{HYP}default_memory" in (r.message or "")
    ok = decide(workload(kind, {f"{HYP}kernel_params": "x=1"}), config)
    assert ok.allowed and not ok.warnings


def test_workload_own_annotations_warn_as_dropped(config):
    obj = workload("Deployment", {})
    obj["metadata"]["annotations"] = {f"{HYP}kernel_params": "x=1"}
    r = decide(obj, config)
    assert r.allowed
    assert len(r.warnings) == 1 and "dropped (kubernetes)" in r.warnings[0]
    assert "Kubernetes does not copy" in r.warnings[0]


@pytest.mark.parametrize(
    ("operation", "sub", "kind", "why"),
    [
        ("DELETE", None, "Pod", "operation DELETE"),
        ("CONNECT", None, "Pod", "operation CONNECT"),
        ("CREATE", "ephemeralcontainers", "Pod", "subresource ephemeralcontainers"),
        ("UPDATE", None, "Pod", "a Pod's UPDATE"),
    ],
)
def test_operations_that_are_not_checked(operation, sub, kind, why, config):
    obj = workload(kind, {f"{HYP}default_memory": "4096"})
    r = decide(obj, config, operation=operation, sub_resource=sub)
    assert r.allowed and r.records == [] and r.skipped is not None and r.skipped.startswith(why)


def test_workload_update_is_checked(config):
    r = decide(workload("StatefulSet", {f"{HYP}default_memory": "4096"}), config, operation="UPDATE")
    assert not r.allowed


def test_kind_without_pod_template_is_allowed(config):
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {}}
    r = decide(obj, config)
    assert r.allowed and r.skipped == "kind ConfigMap holds no pod template"


@pytest.mark.parametrize(
    ("body", "says"),
    [
        (b"{", "not JSON"),
        (b"[]", "not an AdmissionReview"),
        (b'{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}', "needs a request"),
        (b'{"apiVersion": "admission.k8s.io/v1", "kind": "Pod", "request": {"uid": "u"}}', "kind must be"),
        (b'{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {}}', "uid"),
        (b'{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":""}}', "is empty"),
        (b'{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":7}}', "uid"),
    ],
)
def test_malformed_reviews_raise_review_error(body, says, config):
    with pytest.raises(ReviewError, match=says):
        review_bytes(body, config)


@pytest.mark.parametrize("version", ["admission.k8s.io/v1beta1", "admission.k8s.io/v2", ""])
def test_other_api_versions_are_refused(version, config):
    with pytest.raises(ReviewError, match="is not served"):
        review_bytes(review_body(workload("Pod", {}), api_version=version), config)


def test_hostile_object_shapes_never_crash(config):
    for obj in (
        {"kind": "Pod", "apiVersion": "v1", "metadata": "x", "spec": []},
        {"kind": "Pod", "apiVersion": "v1", "metadata": {"annotations": 1}, "spec": {"runtimeClassName": 5}},
        {
            "kind": "Pod",
            "apiVersion": "v1",
            "metadata": {"annotations": {"io.katacontainers.x": {"a": 1}}},
            "spec": {"runtimeClassName": "kata-qemu"},
        },
    ):
        r = decide(obj, config)
        assert isinstance(r.allowed, bool)
        json.loads(r.encode())


def test_denial_message_is_bounded(config):
    ann = {f"{HYP}default_memory{'x' * 40}{i}": "1" for i in range(400)}
    ann[f"{HYP}default_memory"] = "1"
    r = decide(workload("Pod", ann), config)
    assert not r.allowed
    assert len(r.message or "") <= MAX_MESSAGE_CHARS + 100
    assert "more" in (r.message or "").rsplit(";", 1)[-1]


def test_warnings_are_within_the_api_servers_limits(config):
    ann = {f"katacontainers.io/key-{i}-{'y' * 50}": "1" for i in range(200)}
    r = decide(workload("Pod", ann), config)
    assert r.allowed
    assert 1 < len(r.warnings) < 200
    assert all(len(w) <= MAX_WARNING_RUNES for w in r.warnings)
    assert sum(len(w) for w in r.warnings) <= MAX_WARNINGS_RUNES
    assert r.warnings[-1].endswith("more warnings left out")


def test_control_characters_are_escaped(config):
    r = decide(workload("Pod", {"katacontainers.io/x": "v", "io.katacontainers.\x1b[31mred": "v"}), config)
    assert not r.allowed  # the API server refuses the key, and the checker says so
    assert (r.message or "").isprintable()
    assert "\\x1b[31mred" in (r.message or "")


def test_configuration_policy_per_namespace(tmp_path):
    (tmp_path / "webhook.yaml").write_text(
        "policy: {warn: [dropped, unknown, ignored]}\nnamespaces:\n  strict: {deny: [rejected, unknown]}\n"
    )
    cfg = load_config(tmp_path / "webhook.yaml")
    ann = {"io.katacontainers.config.runtime.disable_guest_seccom": "true"}
    assert decide(workload("Pod", ann), cfg, namespace="default").allowed
    denied = decide(workload("Pod", ann), cfg, namespace="strict")
    assert not denied.allowed and "unknown (kata)" in (denied.message or "")
    assert cfg.policy.warn == {Verdict.DROPPED, Verdict.UNKNOWN, Verdict.IGNORED}


def test_configuration_files_from_a_configmap_directory(tmp_path):
    (tmp_path / "config.toml").write_bytes(
        (K8S / "kata-deploy-4.1.0-derived-containerd-config-v3.toml").read_bytes()
    )
    (tmp_path / "kata").mkdir()
    (tmp_path / "kata" / "configuration-qemu.toml").write_text(
        (K8S / "kata4-go" / "configuration-qemu.toml")
        .read_text()
        .replace("enable_annotations = [", 'enable_annotations = ["default_memory", ', 1)
    )
    (tmp_path / "webhook.yaml").write_text("containerdConfig: config.toml\nkataConfigDirs: [kata]\n")
    cfg = load_config(tmp_path / "webhook.yaml")
    assert str(tmp_path / "kata" / "configuration-qemu.toml") in cfg.files
    r = decide(workload("Pod", {f"{HYP}default_memory": "4096"}), cfg)
    assert r.allowed, r.message


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("namspaces: {}\n", "unknown key 'namspaces'"),
        ("policy: {deny: [refused]}\n", "'refused' is not a verdict"),
        ("policy: {deny: rejected}\n", "must be a list of verdicts"),
        ("policy: [1]\n", "policy: must be a mapping"),
        ("- a\n", "must be a mapping"),
        ("exclusiveCPUs: 3\n", "exclusiveCPUs"),
        ("containerdConfig: missing.toml\n", "missing.toml"),
    ],
)
def test_bad_configuration_files(tmp_path, text, says):
    (tmp_path / "webhook.yaml").write_text(text)
    with pytest.raises(ConfigError, match=says):
        load_config(tmp_path / "webhook.yaml")


# -- kata-oci webhook --review ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status", "allowed"),
    [
        ("review-allowed.json", 0, True),
        ("review-denied.json", 1, False),
        ("review-warned.json", 0, True),
        ("review-runc.json", 0, True),
        ("review-deployment.json", 1, False),
    ],
)
def test_review_command_on_the_examples(name, status, allowed, capsys):
    assert main(["webhook", "--review", str(EXAMPLES / name)]) == status
    doc = json.loads(capsys.readouterr().out)
    uid = json.loads((EXAMPLES / name).read_text())["request"]["uid"]
    assert doc["apiVersion"] == "admission.k8s.io/v1" and doc["kind"] == "AdmissionReview"
    assert doc["response"]["uid"] == uid
    assert doc["response"]["allowed"] is allowed
    assert bool(doc["response"].get("warnings")) is (name == "review-warned.json")


def test_review_command_reads_stdin(monkeypatch, capsys):
    body = review_body(workload("Job", {f"{HYP}default_vcpus": "8"}))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(body)))
    assert main(["webhook", "--review", "-"]) == 1
    assert "default_vcpus" in json.loads(capsys.readouterr().out)["response"]["status"]["message"]


def test_review_command_on_a_bad_review(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_bytes(review_body(workload("Pod", {}), api_version="admission.k8s.io/v1beta1"))
    assert main(["webhook", "--review", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "admission.k8s.io/v1beta1" in err and "is not served" in err
