"""Disagreeing CRI annotations: first wins with a warning, strict names both plugins, `check` reports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from structlog.testing import capture_logs

import kata_oci
from kata_oci import ContainerType, ContainerTypeError, Engine, SandboxIDError

from helpers import ROOT, spec_with

KATA_OCI = Path(sys.executable).with_name("kata-oci")
SHIPPED = ROOT / "kata_oci" / "data" / "configuration.toml"
SANDBOX = ROOT / "examples" / "bundles" / "containerd-pod-sandbox" / "config.json"


def _bundle(tmp_path: Path, **extra: str) -> Path:
    spec = json.loads(SANDBOX.read_text())
    spec["annotations"].update(extra)
    (tmp_path / "config.json").write_text(json.dumps(spec))
    return tmp_path


def _check(bundle: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KATA_OCI), "check", str(bundle), "--config", str(SHIPPED), *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )


# -- the wording, on the library -------------------------------------------------------------

TYPE_CLASH = {"io.kubernetes.cri.container-type": "sandbox", "io.kubernetes.cri-o.ContainerType": "container"}
ID_CLASH = {"io.kubernetes.cri.sandbox-id": "one", "io.kubernetes.cri-o.SandboxID": "two"}


def test_one_says_sandbox_the_other_container(engine: Engine) -> None:
    with capture_logs() as logs:
        assert engine.container_type(spec_with(TYPE_CLASH)) is ContainerType.POD_SANDBOX  # Kata's order
    (event,) = [e for e in logs if e["event"] == "cri_conflict"]
    assert (event["log_level"], event["chosen"], event["plugin"]) == (
        "warning",
        "pod_sandbox",
        "kata_oci_containerd",
    )
    with pytest.raises(ContainerTypeError) as info:
        engine.container_type(spec_with(TYPE_CLASH), strict=True)
    assert str(info.value) == (
        "conflicting CRI annotations: container type: plugin 'kata_oci_containerd' says 'pod_sandbox' "
        "(io.kubernetes.cri.container-type='sandbox') but plugin 'kata_oci_crio' says 'pod_container' "
        "(io.kubernetes.cri-o.ContainerType='container')"
    )


def test_different_sandbox_ids(engine: Engine) -> None:
    assert engine.sandbox_id(spec_with(ID_CLASH)) == "one"
    with pytest.raises(SandboxIDError, match=r"'kata_oci_containerd' says 'one'.*'kata_oci_crio' says 'two'"):
        engine.sandbox_id(spec_with(ID_CLASH), strict=True)


def test_a_later_cri_with_a_value_it_does_not_write_names_both_plugins(engine: Engine) -> None:
    ann = {"io.kubernetes.cri.container-type": "container", "io.kubernetes.docker.type": "bogus"}
    assert engine.container_type(spec_with(ann)) is ContainerType.POD_CONTAINER
    with pytest.raises(ContainerTypeError) as info:
        engine.container_type(spec_with(ann), strict=True)
    message = str(info.value)
    assert message.startswith("conflicting CRI annotations: container type: plugin 'kata_oci_containerd'")
    assert "plugin 'kata_oci_dockershim' cannot read io.kubernetes.docker.type='bogus'" in message


def test_every_disagreement_is_reported_not_only_the_first(engine: Engine) -> None:
    ann = {**TYPE_CLASH, "io.kubernetes.docker.type": "bogus"}
    conflicts = engine.resolve(spec_with(ann)).conflicts
    assert [c.split(" but plugin ")[1].split(" ")[0] for c in conflicts] == [
        "'kata_oci_crio'",
        "'kata_oci_dockershim'",
    ]
    assert not any("<ContainerType" in c for c in conflicts)  # values, not enum reprs


def test_the_first_cri_key_still_decides_when_its_value_is_bad(engine: Engine) -> None:
    ann = {"io.kubernetes.cri.container-type": "bogus", "io.kubernetes.cri-o.ContainerType": "container"}
    with pytest.raises(ContainerTypeError, match="unknown container type 'bogus'"):
        engine.container_type(spec_with(ann))


def test_agreeing_cris_are_no_conflict(engine: Engine) -> None:
    ann = {"io.kubernetes.cri.container-type": "container", "io.kubernetes.cri-o.ContainerType": "container"}
    assert engine.resolve(spec_with(ann), strict=True).conflicts == ()


def test_module_functions_take_strict() -> None:
    with pytest.raises(ContainerTypeError):
        kata_oci.container_type(spec_with(TYPE_CLASH), strict=True)
    with pytest.raises(SandboxIDError):
        kata_oci.sandbox_id(spec_with(ID_CLASH), strict=True)


# -- kata-oci check -------------------------------------------------------------------------------------


def test_check_reports_a_container_type_conflict(tmp_path: Path) -> None:
    bundle = _bundle(tmp_path, **{"io.kubernetes.cri-o.ContainerType": "container"})
    result = _check(bundle)
    assert result.returncode == 0, result.stderr  # Kata's first-wins order: usable
    conflicts = [line for line in result.stdout.splitlines() if line.startswith("conflict ")]
    assert conflicts == [
        "conflict container type: plugin 'containerd' says 'pod_sandbox' "
        "(io.kubernetes.cri.container-type='sandbox') but plugin 'crio' says 'pod_container' "
        "(io.kubernetes.cri-o.ContainerType='container')"
    ]
    strict = _check(bundle, "--strict")
    assert strict.returncode == 1, strict.stderr  # rejected, with the report (not an error)
    assert "conflict container type" in strict.stdout
    assert strict.stderr == ""


def test_check_json_lists_every_kind_of_conflict(tmp_path: Path) -> None:
    bundle = _bundle(
        tmp_path,
        **{
            "io.kubernetes.cri-o.SandboxID": "another-pod",
            "io.kubernetes.cri-o.KubeName": "another-name",
            "pod-linux-resources.crio.io": '{"cpu_period":100000,"cpu_quota":300000}',
        },
    )
    doc = json.loads(_check(bundle, "--json").stdout)
    assert doc["ok"] is True
    assert [c.split(":")[0] for c in doc["cri_conflicts"]] == ["sandbox ID", "sandbox name", "sandbox sizing"]
    assert all("'containerd'" in c and "'crio'" in c for c in doc["cri_conflicts"])
    strict = json.loads(_check(bundle, "--json", "--strict").stdout)
    assert strict["ok"] is False


def test_check_without_conflicts_prints_none(tmp_path: Path) -> None:
    result = _check(_bundle(tmp_path))
    assert result.returncode == 0
    assert "conflict" not in result.stdout
