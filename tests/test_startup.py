"""Start-up (issue 17): the constants that let profile detection skip the loaders match them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import kata_oci
from kata_oci.api import ConfigChoice
from kata_oci.profiles.go import detect as go_detect, loader as go_loader
from kata_oci.profiles.go.hypervisors import HYPERVISOR_TYPES
from kata_oci.profiles.go.schema import TomlHypervisor
from kata_oci.profiles.rs import detect as rs_detect, hypervisors as rs_hypervisors, loader as rs_loader

from helpers import ROOT


def test_go_detection_constants_are_the_schemas() -> None:
    assert frozenset(TomlHypervisor.__struct_fields__) == go_detect._GO_HYPERVISOR_KEYS
    assert frozenset(HYPERVISOR_TYPES) == go_detect.HYPERVISOR_NAMES
    assert go_loader.detect is go_detect.detect  # the loader's public name stays


def test_rs_detection_constants_are_the_plugins() -> None:
    assert frozenset(rs_hypervisors.PLUGINS) == rs_detect.HYPERVISOR_NAMES
    assert rs_loader.detect is rs_detect.detect


def test_detecting_a_profile_imports_no_loader_of_another_profile() -> None:
    """kata-oci convert --config <Kata 1.x file> detects kata1 without the go and rs loaders."""
    code = (
        "import sys, kata_oci\n"
        "choice = kata_oci.find_runtime_config(sys.argv[1])\n"
        "assert choice.profile.name == 'kata1', choice\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    config = ROOT / "kata_oci" / "data" / "configuration.toml"
    argv = [sys.executable, "-c", code, str(config)]
    out = subprocess.run(argv, capture_output=True, text=True, check=True)
    imported = set(out.stdout.split())
    assert "kata_oci.profiles.go.detect" in imported  # every profile was asked
    assert "kata_oci.profiles.rs.detect" in imported
    for unwanted in (
        "kata_oci.profiles.go.loader",
        "kata_oci.profiles.go.schema",
        "kata_oci.profiles.go.hypervisors",
        "kata_oci.profiles.rs.loader",
        "kata_oci.profiles.rs.hypervisors",
        "kata_oci.profiles.rs.types",
    ):
        assert unwanted not in imported, unwanted


def test_shipped_config_file_is_the_text_of_shipped_config() -> None:
    for name in ("kata1", "go", "rs"):
        profile = kata_oci.get_profile(name)
        shipped = profile.shipped_config()
        assert shipped is not None and shipped.is_file(), name
        assert profile.shipped_config_file() == str(shipped), name


def test_config_choice_path_is_a_path_built_on_first_use(tmp_path: Path) -> None:
    profile = kata_oci.get_profile("go")
    text = ConfigChoice(str(tmp_path / "c.toml"), profile, "argument")
    path = ConfigChoice(tmp_path / "c.toml", profile, "argument")
    assert text.filename == path.filename == str(tmp_path / "c.toml")
    assert isinstance(text.path, Path) and text.path == tmp_path / "c.toml"
    assert text == path
    assert repr(text) == repr(path)
    assert text.describe() == f"profile go (given), file {tmp_path / 'c.toml'} (argument)"
    choice = kata_oci.find_runtime_config("./" + str(tmp_path / "c.toml").lstrip("/"), profile="go")
    assert choice.filename == str(Path("./" + str(tmp_path / "c.toml").lstrip("/")))  # as Path prints it
