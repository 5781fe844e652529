"""A well-known CRI key that no installed plugin reads is said, never answered with a silent default."""

from __future__ import annotations

import json
import logging

import pytest

from kata_oci import ContainerType, ContainerTypeError, SandboxIDError, Spec
from kata_oci.cli import common, main
from kata_oci.engine import Engine
from kata_oci.wellknown import WELL_KNOWN_CRI_KEYS

from helpers import ROOT

kata_oci_containerd = pytest.importorskip("kata_oci_containerd")
kata_oci_crio = pytest.importorskip("kata_oci_crio")
kata_oci_dockershim = pytest.importorskip("kata_oci_dockershim")

EXAMPLES = ROOT / "examples" / "bundles"
SHIPPED = ROOT / "kata_oci" / "data" / "configuration.toml"
CRIO = {"io.kubernetes.cri-o.ContainerType": "container", "io.kubernetes.cri-o.SandboxID": "abc"}


def test_with_every_plugin_nothing_is_unread() -> None:
    engine = Engine.from_plugins([kata_oci_containerd, kata_oci_crio, kata_oci_dockershim])
    every = {key: "x" for key, *_ in WELL_KNOWN_CRI_KEYS}
    assert engine.unread_cri_keys(every) == ()
    assert engine.resolve(CRIO).unread == ()


def test_the_table_names_keys_the_shipped_plugins_declare() -> None:
    engine = Engine.from_plugins([kata_oci_containerd, kata_oci_crio, kata_oci_dockershim])
    declared = {key for _, decl in engine.cris for key in decl.annotation_keys()}
    assert {key for key, *_ in WELL_KNOWN_CRI_KEYS} <= declared


def test_without_crio_its_keys_are_named_with_the_distribution(caplog: pytest.LogCaptureFixture) -> None:
    engine = Engine.from_plugins([kata_oci_containerd])
    found = engine.resolve(Spec(annotations=CRIO))
    assert found.container_type is ContainerType.POD_SANDBOX  # Kata's default...
    assert [u.key for u in found.unread] == list(CRIO)  # ...but not silently
    assert {u.distribution for u in found.unread} == {"kata-oci-crio"}
    assert "install kata-oci-crio" in str(found.unread[0])
    with caplog.at_level(logging.WARNING, logger="kata_oci"):
        assert engine.container_type(Spec(annotations=CRIO)) is ContainerType.POD_SANDBOX
    assert "cri_key_unread" in caplog.text


def test_strict_refuses_to_guess() -> None:
    engine = Engine.from_plugins([kata_oci_containerd])
    with pytest.raises(ContainerTypeError, match="kata-oci-crio"):
        engine.container_type(Spec(annotations=CRIO), strict=True)
    with pytest.raises(SandboxIDError, match=r"io\.kubernetes\.cri-o\.SandboxID"):
        engine.sandbox_id({"io.kubernetes.cri-o.SandboxID": "abc"}, strict=True)
    with pytest.raises(ContainerTypeError):
        engine.resolve(CRIO, strict=True)
    assert Engine.from_plugins([kata_oci_containerd], strict=True).unread_cri_keys({}) == ()


def test_no_plugin_at_all_names_every_cri() -> None:
    engine = Engine.from_plugins([])
    every = {key: "x" for key, *_ in WELL_KNOWN_CRI_KEYS}
    assert {u.cri for u in engine.unread_cri_keys(every)} == {"containerd", "CRI-O", "dockershim"}


@pytest.fixture
def containerd_only(monkeypatch: pytest.MonkeyPatch) -> None:
    engine = Engine.from_plugins([kata_oci_containerd])
    monkeypatch.setattr(common, "engine", lambda *a, **k: engine)


BUNDLE = str(EXAMPLES / "crio-pod-container")


@pytest.mark.usefixtures("containerd_only")
def test_resolve_says_so_in_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["resolve", BUNDLE]) == 0
    out = capsys.readouterr().out
    assert (
        "not read:       io.kubernetes.cri-o.ContainerType='container' is CRI-O's container type key" in out
    )
    assert "install kata-oci-crio" in out
    assert main(["resolve", BUNDLE, "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert {u["key"] for u in doc["unread_cri_keys"]} >= set(CRIO)
    assert doc["unread_cri_keys"][0]["distribution"] == "kata-oci-crio"
    assert main(["resolve", BUNDLE, "--strict"]) == 1
    assert "kata-oci-crio" in capsys.readouterr().err


@pytest.mark.usefixtures("containerd_only")
def test_check_and_convert_say_so_and_strict_fails(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", BUNDLE, "--config", str(SHIPPED)]) == 0
    assert "not read io.kubernetes.cri-o.ContainerType" in capsys.readouterr().out
    assert main(["check", BUNDLE, "--config", str(SHIPPED), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["unread_cri_keys"]
    assert main(["check", BUNDLE, "--config", str(SHIPPED), "--strict"]) == 1
    capsys.readouterr()
    assert main(["convert", BUNDLE, "--config", str(SHIPPED), "--container"]) == 0
    assert "warning: io.kubernetes.cri-o.ContainerType" in capsys.readouterr().err
    assert main(["convert", BUNDLE, "--config", str(SHIPPED), "--strict"]) == 1
    assert "kata-oci-crio" in capsys.readouterr().err
