"""The CLI with the rs profile: check side by side, annotations per profile, resolve --kata rs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kata_oci.cli import main

from helpers import ROOT

H = "io.katacontainers.config.hypervisor."
Capture = pytest.CaptureFixture[str]
CRIO_SANDBOX = ROOT / "examples" / "bundles" / "crio-pod-sandbox"


@pytest.fixture(autouse=True)
def _no_kata_conf(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KATA_CONF_FILE", raising=False)


def bundle(tmp_path: Path, annotations: dict[str, str]) -> Path:
    doc = {"ociVersion": "1.0.2", "process": {"cwd": "/", "args": ["sh"]}, "root": {"path": "rootfs"},
           "linux": {}, "annotations": annotations}  # fmt: skip
    (tmp_path / "config.json").write_text(json.dumps(doc))
    return tmp_path


def test_check_side_by_side_names_each_difference(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = bundle(tmp_path, {H + "default_memory": "2 GiB", H + "enable_iommu": "1", H + "memory_slots": "10"})
    rc = main(["check", "--kata", "kata1,rs", str(b)])
    out = capsys.readouterr().out
    assert rc == 1
    assert f"{H}default_memory = '2 GiB'  DIFFERS" in out
    assert "  rs    applied  hypervisor.<name>.memory_info.default_memory: 2048 -> 2048" in out
    assert f"{H}enable_iommu = '1'  DIFFERS" in out
    assert "rs    rejected parse bool error" in out
    assert "profile: kata1" in out and "profile: rs" in out
    assert "# 3 annotations, 3 differ; kata1: fails, rs: fails" in out  # memory_slots: gated in rs, not kata1


def test_check_side_by_side_json_per_profile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    b = bundle(tmp_path, {H + "default_memory": "2 GiB"})
    rc = main(["check", "--kata", "kata1,rs", "--json", str(b)])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 1 and doc["ok"] is False
    assert set(doc["profiles"]) == {"kata1", "rs"}
    assert doc["profiles"]["rs"]["version"] == "4.1.0"
    assert doc["profiles"]["rs"]["decisions"][0]["new"] == 2048
    assert doc["annotations"] == [
        {
            "key": H + "default_memory",
            "value": "2 GiB",
            "differs": True,
            "verdicts": {"kata1": "rejected", "rs": "applied"},
        }
    ]


RS_TOML = """
[hypervisor.qemu]
kernel = "/k"
image = "/i"
[agent.kata]
[runtime]
name = "virt_container"
hypervisor_name = "qemu"
agent_name = "kata"
"""


def test_check_side_by_side_uses_config_for_its_profile(tmp_path: Path, capsys: Capture) -> None:
    config = tmp_path / "rs.toml"
    config.write_text(RS_TOML)
    (tmp_path / "b").mkdir()
    assert (
        main(["check", "--kata", "kata1,rs", "--config", str(config), str(bundle(tmp_path / "b", {}))]) == 0
    )
    out = capsys.readouterr().out
    assert f"# configuration: {config}; profile: rs" in out
    assert "no io.katacontainers. annotations" in out
    assert "# 0 annotations, 0 differ; kata1: ok, rs: ok" in out


def test_check_side_by_side_refuses_one_profile_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check", "--kata", "rs,rs", str(bundle(tmp_path, {}))]) != 0
    assert "two or more different profiles" in capsys.readouterr().err


def test_annotations_for_several_profiles(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["annotations", "--kata", "kata1,rs", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    rows = {r["key"]: r["profiles"] for r in doc["annotations"]}
    assert rows[H + "default_memory"]["rs"]["type"] == "memory"
    assert rows[H + "default_memory"]["kata1"]["type"] == "uint32"
    assert rows[H + "prefetch_files.list"]["kata1"] == {"known": False, "hint": None}
    assert rows["io.katacontainers.config.agent.trace_mode"]["rs"]["hint"] == "removed in Kata 2.0"
    assert rows[H + "default_memory"]["rs"]["enabled"] is True  # the shipped runtime-rs file enables it


def test_resolve_with_runtime_rs_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["resolve", "--kata", "rs", "--json", str(CRIO_SANDBOX)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["profile"] == "rs" and doc["container_type"] == "pod_sandbox"
    assert doc["container_type_from"].startswith("rs profile's own rules")
    # runtime-rs sizes a sandbox from containerd's keys only: CRI-O's are not read
    assert doc["sandbox_sizing"] == {"vcpus": 0.0, "memory_mb": 0, "overhead": None}


def test_features_names_the_rs_profile_and_its_gate(capsys: Capture) -> None:
    assert main(["features", "--kata", "rs"]) == 0
    doc = json.loads(capsys.readouterr().out)
    own = doc["annotations"]
    assert own["org.kata-oci.profile"] == "rs"
    assert "default_memory" in json.loads(own["org.kata-oci.enable_annotations"])
    assert H + "default_memory" in json.loads(own["org.kata-oci.enabled"])
    assert H + "path" in doc["potentiallyUnsafeConfigAnnotations"]
