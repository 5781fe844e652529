"""``kata-oci check`` on Kubernetes manifests: detection, output formats, exit statuses, escaping."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from kata_oci.cli import main

from helpers import FIXTURES, ROOT

K8S = FIXTURES / "k8s"
KATA4_GO = K8S / "kata4-go"
V3 = K8S / "kata-deploy-4.1.0-derived-containerd-config-v3.toml"
KATA_OCI = Path(sys.executable).with_name("kata-oci")
HYP = "io.katacontainers.config.hypervisor."

MIXED = f"""\
apiVersion: v1
kind: Service
metadata: {{name: svc}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: prod}}
spec:
  template:
    metadata:
      annotations:
        {HYP}default_vcpus: "4"
        {HYP}kernel_params: "agent.log=debug"
    spec:
      runtimeClassName: kata-qemu
      containers:
      - name: app
        image: nginx
        resources: {{limits: {{cpu: "2", memory: 2Gi}}}}
"""
GOOD = f"""\
apiVersion: v1
kind: Pod
metadata:
  name: ok
  annotations:
    {HYP}kernel_params: "agent.log=debug"
spec:
  runtimeClassName: kata-qemu
  containers: [{{name: c, image: busybox}}]
"""


@pytest.fixture
def mixed(tmp_path: Path) -> Path:
    f = tmp_path / "deploy.yaml"
    f.write_text(MIXED)
    return f


def _run(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    status = main(["check", *map(str, args)])
    out, err = capsys.readouterr()
    return status, out, err


def test_text_names_object_key_verdict_layer_reason_and_fix(
    capsys: pytest.CaptureFixture[str], mixed: Path
) -> None:
    status, out, _ = _run(capsys, mixed, "--kata-config-dir", KATA4_GO)
    assert status == 1  # default_vcpus is rejected
    lines = out.splitlines()
    assert any(line.startswith("Deployment/prod/web  (") and "handler kata-qemu" in line for line in lines)
    rejected = next(line for line in lines if f"{HYP}default_vcpus" in line)
    assert rejected.split()[:2] == ["rejected", "kata"]
    assert "= '4': not enabled" in rejected
    fix = lines[lines.index(rejected) + 1].strip()
    assert fix.startswith("fix: ")
    assert '"^default_vcpus$"' in fix and "enable_annotations" in fix and "configuration-qemu.toml" in fix
    assert any(line.split()[:2] == ["applied", "kata"] and "kernel_params" in line for line in lines)
    assert "  sizing   2 vCPUs, 2048 MiB from the pod's resources" in lines
    assert lines[-2].startswith("# 1 pods: 1 applied, 1 rejected; 1 objects skipped")
    assert lines[-1].endswith("skipped: kind Service holds no pod template")


def test_exit_0_when_everything_applies(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(GOOD)
    status, out, _ = _run(capsys, tmp_path, "--kata-config-dir", KATA4_GO)  # a directory of manifests
    assert status == 0
    assert "applied  kata" in out


def test_containerd_config_drops_with_the_fix(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(GOOD)
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        "version = 3\n"
        '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.kata-qemu]\n'
        'runtime_type = "io.containerd.kata-qemu.v2"\n'
        '[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.kata-qemu.options]\n'
        'ConfigPath = "/opt/kata/share/defaults/kata-containers/runtimes/qemu/configuration-qemu.toml"\n'
    )
    status, out, _ = _run(
        capsys, tmp_path / "pod.yaml", "--containerd-config", cfg, "--kata-config-dir", KATA4_GO
    )
    assert status == 1
    assert "dropped  cri" in out
    assert (
        "fix: add `io.katacontainers.*` to pod_annotations of runtime kata-qemu in containerd's config" in out
    )


def test_crio_config_passes_kata_keys(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(GOOD)
    status, out, _ = _run(
        capsys, tmp_path / "pod.yaml", "--crio-config", K8S / "crio.conf.d", "--kata-config-dir", KATA4_GO
    )
    assert status == 0
    assert out.startswith("# cri: crio")


def test_json_records(capsys: pytest.CaptureFixture[str], mixed: Path) -> None:
    status, out, _ = _run(capsys, mixed, "--kata-config-dir", KATA4_GO, "--json")
    assert status == 1
    doc = json.loads(out)
    assert doc["ok"] is False
    rec = next(r for r in doc["records"] if r["key"] == HYP + "default_vcpus")
    assert {k: rec[k] for k in ("container", "value", "verdict", "layer", "profile")} == {
        "container": None,
        "value": "4",
        "verdict": "rejected",
        "layer": "kata",
        "profile": rec["profile"],
    }
    assert rec["profile"] in ("kata1", "go")
    assert rec["object"]["kind"] == "Deployment" and rec["object"]["name"] == "web"
    assert rec["reason"] and rec["fix"]
    (pod,) = doc["pods"]
    assert pod["sizing"]["cri_annotations"]["io.kubernetes.cri.sandbox-memory"] == str(2 << 30)
    assert doc["skipped"][0]["message"] == "skipped: kind Service holds no pod template"


def test_sarif(capsys: pytest.CaptureFixture[str], mixed: Path) -> None:
    status, out, _ = _run(capsys, mixed, "--kata-config-dir", KATA4_GO, "--format", "sarif")
    assert status == 1
    sarif = json.loads(out)
    assert sarif["version"] == "2.1.0"
    (result,) = sarif["runs"][0]["results"]  # the applied key is not a finding
    assert (result["ruleId"], result["level"]) == ("kata-oci/rejected", "error")
    loc = result["locations"][0]["physicalLocation"]
    assert loc["artifactLocation"]["uri"] == str(mixed)
    assert loc["region"]["startLine"] == 12  # the default_vcpus line of the file
    assert MIXED.splitlines()[11].strip().startswith(HYP + "default_vcpus")


def test_github_annotations(capsys: pytest.CaptureFixture[str], mixed: Path) -> None:
    status, out, _ = _run(capsys, mixed, "--kata-config-dir", KATA4_GO, "--format", "github")
    assert status == 1
    (line,) = out.splitlines()
    assert line.startswith(f"::error file={mixed},line=12,title=kata-oci%3A rejected by kata::")
    assert "Fix: " in line and "default_vcpus" in line


def test_bad_yaml_exits_2_with_file_line_and_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: Pod\nmetadata:\n  name: [x\n")
    status, out, err = _run(capsys, bad)
    assert status == 2
    assert out == ""
    assert err.startswith(f"kata-oci: error: {bad}:4:1: invalid YAML")


def test_missing_kata_configuration_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    (tmp_path / "pod.yaml").write_text(GOOD)
    empty = tmp_path / "none"
    empty.mkdir()
    status, out, err = _run(capsys, tmp_path / "pod.yaml", "--kata-config-dir", empty)
    assert status == 2
    assert "unknown  kata" in out and "not checked" in out
    assert "give --kata-config-dir" in err


def test_untrusted_strings_are_escaped(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "evil.json"
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "annotations": {HYP + "kernel_params": "a=\x1b[31mred\nforged line"}},
        "spec": {"runtimeClassName": "kata-qemu"},
    }
    f.write_text(json.dumps(pod))
    status, out, _ = _run(capsys, f, "--kata-config-dir", KATA4_GO)
    assert "\x1b" not in out
    assert "forged line" not in out.replace("\\nforged line", "")  # no line of its own
    assert status == 0


def test_bundle_and_manifest_detection(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, mixed: Path
) -> None:
    bundle = ROOT / "examples" / "bundles" / "containerd-pod-sandbox"
    status, out, _ = _run(capsys, bundle, "--config", ROOT / "kata_oci" / "data" / "configuration.toml")
    assert status == 0 and "# configuration:" in out  # the bundle check, as before
    status, _, err = _run(capsys, bundle, mixed)
    assert status == 2 and "not both" in err
    status, _, err = _run(capsys, bundle, "--containerd-config", V3)
    assert status == 2 and "--containerd-config apply to Kubernetes manifests" in err
    j = tmp_path / "pod.json"
    j.write_text(json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j"}, "spec": {}}))
    status, out, _ = _run(capsys, j)
    assert status == 0 and "Pod/j" in out


def test_stdin_manifest_through_the_real_command() -> None:
    result = subprocess.run(
        [str(KATA_OCI), "check", "-", "--kata-config-dir", str(KATA4_GO), "--json"],
        input=MIXED,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 1, result.stderr
    doc = json.loads(result.stdout)
    assert doc["records"][0]["object"]["source"] == "<stdin>"


def test_stdin_bundle_still_works(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = (ROOT / "examples" / "bundles" / "containerd-pod-sandbox" / "config.json").read_bytes()

    class Stdin:
        buffer = io.BytesIO(spec)

    monkeypatch.setattr(sys, "stdin", Stdin)
    from kata_oci.cli import common

    monkeypatch.setattr(common, "_stdin_used", [])
    status, out, _ = _run(capsys, "-", "--config", ROOT / "kata_oci" / "data" / "configuration.toml")
    assert status == 0 and "# configuration:" in out


def test_side_by_side_profiles_and_one_configuration(capsys: pytest.CaptureFixture[str], mixed: Path) -> None:
    status, out, _ = _run(capsys, mixed, "--kata-config-dir", KATA4_GO, "--kata", "go,kata1", "--json")
    assert status == 1
    doc = json.loads(out)
    assert set(doc["profiles"]) == {"go", "kata1"}
    for name, report in doc["profiles"].items():
        assert {r["profile"] for r in report["records"] if r["layer"] == "kata"} == {name}
    conf = KATA4_GO / "configuration-qemu.toml"
    status, out, _ = _run(capsys, mixed, "--config", conf, "--handler", "kata-clh", "--kata", "go")
    assert status == 1
    assert f"Kata configuration: {conf}" in out.splitlines()[0]
    assert "handler kata-clh, configuration-qemu.toml, profile go" in out
