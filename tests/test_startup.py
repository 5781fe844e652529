"""Start-up (issue 17): the constants that let profile detection skip the loaders match them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

import kata_oci
from kata_oci import files, golang
from kata_oci.api import ConfigChoice
from kata_oci.cli import _parser, convert as cli_convert
from kata_oci.profiles.go import detect as go_detect, loader as go_loader
from kata_oci.profiles.go.hypervisors import HYPERVISOR_TYPES
from kata_oci.profiles.go.schema import TomlHypervisor
from kata_oci.profiles.rs import detect as rs_detect, hypervisors as rs_hypervisors, loader as rs_loader
from kata_oci.readfile import path_text

from helpers import ROOT


def test_kata1_detection_reads_the_schemas_field_names() -> None:
    import msgspec

    from kata_oci.profiles.kata1 import detect as kata1_detect, loader as kata1_loader

    tables = {**kata1_loader._NAMED_TABLES, **kata1_loader._TABLES}
    assert set(kata1_detect._known()) == set(tables)
    for name, typ in tables.items():
        names = frozenset(f.encode_name.lower() for f in msgspec.structs.fields(typ))
        assert kata1_detect._known()[name][1] == names, name


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


@given(st.one_of(st.text(alphabet="/.a", max_size=8), st.text(max_size=8)))
def test_path_text_is_what_pathlib_prints(path: str) -> None:
    assert path_text(path) == str(Path(path))
    assert path_text(Path(path)) == str(Path(path))


def test_a_warm_convert_imports_no_dataclasses_argparse_pathlib_or_host_checks(
    tmp_path: Path,
) -> None:
    """`kata-oci convert BUNDLE --config FILE` (issue 17's process case) leaves out what it does not use."""
    env = {k: v for k, v in os.environ.items() if k not in ("KATA_OCI_NO_CACHE", "KATA_CONF_FILE")}
    env["KATA_OCI_CACHE_DIR"] = str(tmp_path / "cache")
    script = Path(sys.executable).with_name("kata-oci")
    bundle = ROOT / "examples" / "bundles" / "containerd-pod-sandbox"
    config = ROOT / "kata_oci" / "data" / "configuration.toml"
    args = [str(script), "convert", str(bundle), "--config", str(config)]
    warm = subprocess.run(args, capture_output=True, text=True, env=env, check=True)  # writes the snapshot
    result = subprocess.run(
        [sys.executable, "-X", "importtime", *args], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout == warm.stdout and '"hypervisor_config"' in result.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert {"kata_oci.convert", "kata_oci.overrides", "tomllib"} <= imported  # the log is what we think
    # msgspec imports typing_extensions where it is installed (here: mypy's), and that imports inspect
    heavy = () if "typing_extensions" in imported else ("inspect", "copy")
    for unwanted in (
        *heavy,
        "dataclasses",
        "argparse",
        "re2",  # kata1's shipped enable_annotations is [".*"]: no regex engine needed
        "pathlib",
        "urllib.parse",
        "ipaddress",
        "kata_oci.hostchecks",
        "pluggy",
        "importlib.metadata",
        "kata_oci.profiles.go.loader",
        "kata_oci.profiles.rs.loader",
    ):
        assert unwanted not in imported, unwanted


_WORDS = [
    *(o for o, *_ in cli_convert.OPTIONS),
    "--config",
    "--kata",
    "--debug",
    "-v",
    "--verbose",
    "--version",
    "-h",
    "--conf",
    "--id=x",
    "--",
    "-",
    "-1",
    "",
    "b",
    "c.toml",
    "go",
]


@given(st.lists(st.sampled_from(_WORDS), max_size=7))
def test_convert_reads_a_plain_line_as_argparse_does(words: list[str]) -> None:
    """Where ``convert`` reads its words itself, argparse reads the same (and does not fail)."""
    fast = cli_convert.simple_args(words)
    if fast is None:
        return
    assert vars(fast) == vars(_parser("convert").parse_args(["convert", *words]))


def test_convert_reads_plain_lines_itself() -> None:
    assert cli_convert.simple_args(["b", "--config", "c.toml", "--compact", "-v"]) is not None
    for refused in (
        ["b", "--config"],
        ["b", "--config=c"],
        ["b", "c"],
        ["--conf", "c", "b"],
        ["-", "--json"],
    ):
        assert cli_convert.simple_args(refused) is None, refused


@given(
    st.one_of(st.text(alphabet="ab_1", max_size=4), st.sampled_from(["", ".*", "a.*", "(a)"])),
    st.text(alphabet="ab_1.\n\u00e9\udc80", max_size=8),
)
def test_plain_patterns_match_as_re2_does(pattern: str, text: str) -> None:
    """Literals, ``.*`` and the empty pattern are answered without RE2, as RE2 answers them."""
    rx = golang.compile_regexp(pattern)
    compiled, _ = golang._re2_compile(pattern)
    assert rx is not None and compiled is not None
    assert rx.search(text) == golang.Regexp(pattern, compiled).search(text)
    plain = pattern in ("", ".*") or (pattern.replace("_", "").isalnum())
    assert isinstance(rx._rx, golang._Plain) is plain


def test_a_second_parse_of_the_same_toml_takes_the_first_ones_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Detection and the loader parse a configuration once between them, and never share a document."""
    import tomllib

    calls: list[str] = []
    loads = tomllib.loads
    monkeypatch.setattr(tomllib, "loads", lambda text: calls.append(text) or loads(text))
    text = '[hypervisor.qemu]\npath = "/q"\nkernel_params = ["a", "b"]\n[x]\ny = 1\n'
    first = files.parse_toml(text, file="one.toml")
    first["hypervisor"]["qemu"]["kernel_params"].append("changed")  # a caller may change its own
    second = files.parse_toml(text, file="two.toml")
    third = files.parse_toml(text)
    assert len(calls) == 2  # the second parse took the copy; the third parsed again
    assert second == third == tomllib.loads(text) != first
    assert second["hypervisor"] is not third["hypervisor"]
    with pytest.raises(kata_oci.ConfigError):
        files.parse_toml(text + "[x]\n")  # a different text is parsed, and refused
