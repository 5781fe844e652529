"""The rs profile through kata-oci's public API: registry, detection, loading, sandbox, sizing."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

import kata_oci
from kata_oci.errors import AnnotationError, ProfileError
from kata_oci.overrides import Outcome
from kata_oci.profiles import detect_profile, get_profile
from kata_oci.profiles.rs.sandbox import RsSandbox
from kata_oci.spec import Spec
from kata_oci.types import ContainerType

from helpers import FIXTURES

RS_TOML = """
[hypervisor.qemu]
kernel = "/k"
image = "/i"
enable_annotations = ["default_memory"]
[agent.kata]
[runtime]
name = "virt_container"
hypervisor_name = "qemu"
agent_name = "kata"
"""


@pytest.fixture
def rs_file(tmp_path: Path) -> Path:
    path = tmp_path / "configuration.toml"
    path.write_text(RS_TOML)
    return path


def _spec(annotations: dict[str, str]) -> Spec:
    return msgspec.convert({"ociVersion": "1.0.2", "annotations": annotations}, Spec)


def test_rs_is_registered() -> None:
    rs = get_profile("rs")
    assert (rs.name, rs.version) == ("rs", "4.1.0")
    assert "runtime-rs" in rs.title
    assert rs.default_container_type is ContainerType.SINGLE_CONTAINER
    assert "rs" in [p.name for p in kata_oci.list_profiles()]
    assert {d.key for d in rs.declarations} >= {"io.katacontainers.config.hypervisor.default_memory"}
    assert "io.katacontainers.config.runtime.cc_init_data" in rs.removed_keys


def test_rs_files_are_detected_as_rs(rs_file: Path) -> None:
    import tomllib

    assert detect_profile(tomllib.loads(rs_file.read_text())).name == "rs"
    assert (
        detect_profile(tomllib.loads((FIXTURES / "rs" / "configuration-anno-0.toml").read_text())).name
        == "rs"
    )


def test_load_and_plan_through_the_profile(rs_file: Path) -> None:
    rs = get_profile("rs")
    config = rs.load_runtime_config(rs_file)
    assert config.profile == "rs"
    engine = kata_oci.default_engine()
    spec = _spec({"io.katacontainers.config.hypervisor.default_memory": "1 GiB",
                  "io.katacontainers.config.hypervisor.default_vcpus": "2"})  # fmt: skip
    plan = rs.plan_sandbox_config(spec, config, "/b", "cid", engine=engine)
    by_key = {d.key.rpartition(".")[2]: d for d in plan.decisions}
    assert by_key["default_memory"].outcome is Outcome.APPLIED and by_key["default_memory"].new == 1024
    assert by_key["default_vcpus"].outcome is Outcome.IGNORED
    assert by_key["default_vcpus"].reason.startswith("runtime-rs warns:")
    sandbox = plan.sandbox
    assert isinstance(sandbox, RsSandbox)
    assert sandbox.hypervisor.memory_info.default_memory == 1024
    assert sandbox.id == "cid"
    # the same verdicts without a bundle
    verdicts = rs.plan_annotations(spec.annotations, config, engine=engine)
    assert [d.outcome for d in verdicts.decisions] == [d.outcome for d in plan.decisions]


def test_rejection_raises(rs_file: Path) -> None:
    rs = get_profile("rs")
    config = rs.load_runtime_config(rs_file)
    spec = _spec({"io.katacontainers.config.hypervisor.default_memory": "10"})
    with pytest.raises(AnnotationError, match="less than minimum limitation 64"):
        rs.sandbox_config(spec, config, "/b", "cid", engine=kata_oci.default_engine())


def test_another_profiles_configuration_is_refused(rs_file: Path) -> None:
    kata1_config = kata_oci.RuntimeConfig()
    with pytest.raises(ProfileError, match="runtime-rs configuration"):
        get_profile("rs").plan_annotations({}, kata1_config, engine=kata_oci.default_engine())


def test_container_type_sandbox_id_and_sizing() -> None:
    rs = get_profile("rs")
    engine = kata_oci.default_engine()
    annotations = {
        "io.kubernetes.cri-o.ContainerType": "container",
        "io.kubernetes.cri-o.SandboxID": "sb1",
        "io.kubernetes.cri.container-type": "sandbox",
    }
    assert rs.container_type(annotations, engine=engine) is ContainerType.POD_CONTAINER
    assert rs.sandbox_id(annotations, engine=engine) == "sb1"
    assert rs.container_type({}, engine=engine) is ContainerType.SINGLE_CONTAINER
    sizing = rs.calculate_sandbox_sizing(
        {
            "io.kubernetes.cri.container-type": "sandbox",
            "io.kubernetes.cri.sandbox-cpu-period": "100000",
            "io.kubernetes.cri.sandbox-cpu-quota": "150000",
            "io.kubernetes.cri.sandbox-memory": str(513 << 20),
        },
        engine=engine,
    )
    assert (sizing.vcpus, sizing.memory_mb) == (1.5, 514)


def test_top_level_api_follows_the_rs_configuration(rs_file: Path) -> None:
    config = kata_oci.load_runtime_config(rs_file)
    assert config.profile == "rs"  # detected from the file
    spec = _spec({"io.katacontainers.config.hypervisor.default_memory": "512MiB"})
    _, plan = kata_oci.plan_sandbox_config(spec, config, "/b", "cid")
    assert plan.decisions[0].new == 512
    sizing = kata_oci.calculate_sandbox_sizing(
        {"io.kubernetes.cri.sandbox-memory": str(3 << 20)}, profile="rs"
    )
    assert sizing.memory_mb == 4  # 3 MiB is odd: runtime-rs rounds up to even
