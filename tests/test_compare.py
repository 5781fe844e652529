"""compare_profiles: one pod's annotations under several profiles, and where they disagree.

The go-vs-rs cases are the differences issue 12 lists under "Why"; they run when the go
profile is registered. The kata1-vs-rs cases run always.
"""

from __future__ import annotations

import copy
from typing import Any

import msgspec
import pytest

import kata_oci
from kata_oci.compare import compare_profiles
from kata_oci.overrides import Outcome
from kata_oci.profiles.rs import loader

from helpers import FIXTURES

A = "io.katacontainers.config."
H = A + "hypervisor."

RS_TOML = """
[hypervisor.qemu]
kernel = "/k"
image = "/i"
enable_annotations = [".*"]
valid_hypervisor_paths = ["/opt/*"]
virtio_fs_daemon = "/usr/libexec/virtiofsd"
[agent.kata]
kernel_modules = ["m1"]
[runtime]
name = "virt_container"
hypervisor_name = "qemu"
agent_name = "kata"
"""


def rs_config(enable: list[str] | None = None) -> Any:
    config = loader.loads(RS_TOML)
    if enable is not None:
        config.hypervisor["qemu"].security_info.enable_annotations = enable
    return config


def kata1_config(enable: list[str]) -> Any:
    profile = kata_oci.get_profile("kata1")
    config = profile.load_runtime_config(profile.shipped_config())
    hv = msgspec.structs.replace(config.hypervisor_config, enable_annotations=enable)
    return msgspec.structs.replace(config, hypervisor_config=hv)


def test_kata1_and_rs_side_by_side() -> None:
    annotations = {
        H + "default_memory": "2 GiB",  # kata1: ParseUint fails; rs: byte-unit, 2048 MiB
        H + "enable_iommu": "1",  # kata1: ParseBool takes "1"; rs: only true/false
        H + "memory_slots": "10",  # the same for both
    }
    comparison = compare_profiles(annotations, {"kata1": kata1_config([".*"]), "rs": rs_config()})
    assert comparison.profiles == ("kata1", "rs")
    rows = {r.key: r for r in comparison.rows}
    memory = rows[H + "default_memory"]
    assert memory.differs
    assert memory.decisions["kata1"].outcome is Outcome.REJECTED  # type: ignore[union-attr]
    assert memory.decisions["rs"].new == 2048  # type: ignore[union-attr]
    assert rows[H + "enable_iommu"].differs
    assert rows[H + "enable_iommu"].decisions["rs"].outcome is Outcome.REJECTED  # type: ignore[union-attr]
    assert not rows[H + "memory_slots"].differs
    assert {r.key for r in comparison.differences} == {H + "default_memory", H + "enable_iommu"}
    assert comparison.fails("kata1") and comparison.fails("rs")
    assert memory.summary() == "kata1: rejected; rs: applied: 2048"
    doc = comparison.to_builtins()
    assert doc["profiles"]["rs"]["fails"] is True
    assert [a["differs"] for a in doc["annotations"]] == [True, True, False]


def test_a_key_one_profile_does_not_report() -> None:
    # prefetch_files.list is a runtime-rs key only: both profiles still report it
    comparison = compare_profiles(
        {H + "prefetch_files.list": "/p"}, {"kata1": kata1_config([]), "rs": rs_config([])}
    )
    (row,) = comparison.rows
    assert row.decisions["rs"].outcome is Outcome.IGNORED  # type: ignore[union-attr]
    assert row.decisions["rs"].reason.startswith("runtime-rs warns:")  # type: ignore[union-attr]


def test_unknown_profile_is_a_profile_error() -> None:
    with pytest.raises(kata_oci.ProfileError):
        compare_profiles({}, {"nope": None})


def test_names_alone_load_each_profiles_configuration() -> None:
    comparison = compare_profiles({H + "memory_slots": "10"}, ["kata1"])
    assert comparison.profiles == ("kata1",)


# --------------------------------------------------------------------------- go vs rs (issue 12 "Why")


@pytest.fixture
def go() -> Any:
    if "go" not in [p.name for p in kata_oci.list_profiles()]:
        pytest.skip("the go profile is not registered")
    return kata_oci.get_profile("go")


def go_config(go: Any, enable: list[str]) -> Any:
    config = go.load_runtime_config(go.shipped_config())
    hv = msgspec.structs.replace(
        config.hypervisor_config, enable_annotations=enable, hypervisor_path_list=["/opt/*"]
    )
    return msgspec.structs.replace(config, hypervisor_config=hv)


@pytest.mark.parametrize(
    ("key", "value", "rs_outcome"),
    [
        (H + "default_memory", "4096", Outcome.IGNORED),  # not enabled: Go fails, runtime-rs warns
    ],
)
def test_go_and_rs_not_enabled(go: Any, key: str, value: str, rs_outcome: Outcome) -> None:
    comparison = compare_profiles({key: value}, {"go": go_config(go, []), "rs": rs_config([])})
    (row,) = comparison.rows
    assert row.differs
    assert row.decisions["go"].outcome is Outcome.REJECTED  # type: ignore[union-attr]
    assert row.decisions["rs"].outcome is rs_outcome  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("key", "value", "rs_outcome"),
    [
        (H + "enable_iommu", "1", Outcome.REJECTED),  # booleans: only true/false in Rust
        (H + "memory_slots", " 10 ", Outcome.APPLIED),  # trimmed by runtime-rs only
        (H + "default_memory", "2 GiB", Outcome.APPLIED),  # byte-unit in runtime-rs
        (H + "default_memory", "lots", Outcome.IGNORED),  # runtime-rs ignores what it cannot parse
        (H + "virtio_fs_extra_args", "-o,a", Outcome.APPLIED),  # comma list, not Go's JSON list
        (H + "path", "/opt/a/b", Outcome.APPLIED),  # * crosses /, no existence check
        (H + "kernel_hash", "abc", Outcome.REJECTED),  # enabled but unhandled: Invalid annotation type
        (A + "runtime.experimental", "a,b", Outcome.APPLIED),  # split on commas, no feature registry
        (A + "runtime.hypervisor_name", "qemu", Outcome.APPLIED),  # runtime-rs only: the table switch
        (H + "prefetch_files.list", "/p", Outcome.APPLIED),  # runtime-rs only
        (A + "agent.cdh_api_timeout_ms", "5", Outcome.APPLIED),  # runtime-rs only
        (H + "cold_plug_vfio", "root-port", Outcome.REJECTED),  # Go only: enabled, no arm in runtime-rs
    ],
)
def test_go_and_rs_disagree(go: Any, key: str, value: str, rs_outcome: Outcome) -> None:
    comparison = compare_profiles({key: value}, {"go": go_config(go, [".*"]), "rs": rs_config()})
    (row,) = comparison.rows
    assert row.decisions["rs"].outcome is rs_outcome  # type: ignore[union-attr]
    assert row.differs, row.summary()


def test_go_and_rs_one_bad_pattern(go: Any) -> None:
    comparison = compare_profiles(
        {H + "memory_slots": "10"},
        {"go": go_config(go, ["memory_slots", "("]), "rs": rs_config(["memory_slots", "("])},
    )
    (row,) = comparison.rows
    assert row.decisions["go"].outcome is Outcome.APPLIED  # type: ignore[union-attr]
    assert row.decisions["rs"].outcome is Outcome.IGNORED  # type: ignore[union-attr]


def test_go_and_rs_kernel_modules(go: Any) -> None:
    comparison = compare_profiles(
        {A + "agent.kernel_modules": "m2"}, {"go": go_config(go, []), "rs": rs_config()}
    )
    (row,) = comparison.rows
    assert row.decisions["rs"].new == ["m1", "m2"]  # type: ignore[union-attr]  (appends; Go replaces)


def test_rs_fixture_is_usable_for_comparisons() -> None:
    config = loader.load_runtime_config(FIXTURES / "rs" / "configuration-anno-1.toml")
    comparison = compare_profiles({H + "path": "/usr/bin/lsns"}, {"rs": copy.deepcopy(config)})
    assert comparison.rows[0].decisions["rs"].outcome is Outcome.APPLIED  # type: ignore[union-attr]
