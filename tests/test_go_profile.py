"""The ``go`` profile behind the Profile interface: registry, loader, conversion, verdicts."""

from __future__ import annotations

import tomllib
from pathlib import Path

import msgspec
import pytest

import kata_oci
from kata_oci.engine import default_engine
from kata_oci.overrides import Outcome
from kata_oci.profiles import detect_profile
from kata_oci.profiles.go import PROFILE, sandbox as gosb, table as t
from kata_oci.profiles.go.sandbox import SandboxConfig, SandboxResourceSizing
from kata_oci.profiles.go.types import HypervisorConfig, HypervisorType, RuntimeConfig
from kata_oci.spec import Spec
from kata_oci.types import ContainerType

MINIMAL = Path(__file__).parent / "fixtures" / "go" / "minimal-config.json"


def _spec(annotations: dict[str, str] | None = None) -> Spec:
    spec = kata_oci.decode_spec(MINIMAL.read_bytes())
    spec.annotations = annotations
    return spec


def test_go_is_registered_with_its_attributes() -> None:
    profile = kata_oci.get_profile("go")
    assert profile is PROFILE
    assert (profile.name, profile.version) == ("go", "4.1.0")
    assert profile.default_container_type is ContainerType.SINGLE_CONTAINER
    assert profile.runtime_config_type is RuntimeConfig
    assert len(profile.declarations) == 84
    assert profile.removed_keys[t._H + "enable_swap"].startswith("removed in Kata 2.4")
    assert default_engine().profile_plugin("go") == "kata_oci.profiles.go.plugin"
    for decl in profile.declarations:
        assert isinstance(decl.kind, str) and isinstance(decl.checks(), list)


def test_shipped_configuration_loads_and_is_detected_as_go() -> None:
    path = PROFILE.shipped_config()
    assert path.is_file()
    config = PROFILE.load_runtime_config(path)
    assert config.profile == "go" and config.hypervisor_type is HypervisorType.QEMU
    doc = tomllib.loads(path.read_text())
    assert PROFILE.detect(doc) > 0
    assert detect_profile(doc).name == "go"


def test_container_type_without_a_cri_key_is_single_container() -> None:
    engine = default_engine()
    assert PROFILE.container_type(_spec(), engine=engine) is ContainerType.SINGLE_CONTAINER
    sandbox = {"io.kubernetes.cri.container-type": "sandbox"}
    assert PROFILE.container_type(_spec(sandbox), engine=engine) is ContainerType.POD_SANDBOX


def test_sandbox_config_through_the_profile_and_the_api() -> None:
    config = PROFILE.load_runtime_config(PROFILE.shipped_config())
    engine = default_engine()
    direct = PROFILE.sandbox_config(_spec(), config, "/bundle", "cid", engine=engine)
    assert isinstance(direct, SandboxConfig)
    via_api = kata_oci.sandbox_config(_spec(), config, "/bundle", "cid")
    assert msgspec.to_builtins(via_api) == msgspec.to_builtins(direct)
    assert direct.containers[0].annotations[t.CONTAINER_TYPE_KEY] == "single_container"
    assert direct.hypervisor_type is HypervisorType.QEMU


def test_plan_sandbox_config_applies_static_resources() -> None:
    config = RuntimeConfig(
        hypervisor_type=HypervisorType.QEMU,
        hypervisor_config=HypervisorConfig(num_vcpus_f=1.0, memory_size=2048, enable_annotations=[".*"]),
        static_sandbox_resource_mgmt=True,
        sandbox_cpus=2.0,
        sandbox_mem_mb=1024,
    )
    spec = _spec({t.DEFAULT_MEMORY: "4096"})
    plan = PROFILE.plan_sandbox_config(spec, config, "/b", "cid", engine=default_engine())
    sandbox = plan.sandbox
    assert sandbox.hypervisor_config.memory_size == 4096 + 1024
    assert sandbox.hypervisor_config.num_vcpus_f == 3.0 and sandbox.hypervisor_config.default_max_vcpus == 3
    assert sandbox.sandbox_resources == SandboxResourceSizing(
        workload_cpus=2.0, base_cpus=1.0, workload_mem_mb=1024, base_mem_mb=4096
    )
    assert msgspec.to_builtins(
        gosb.sandbox_config(spec, config, "/b", "cid", engine=kata_oci.default_engine())
    ) == msgspec.to_builtins(sandbox)


def test_plan_annotations_gives_kata_4_1_verdicts() -> None:
    """The issue's examples, under Kata 4.1's rules (annotations enabled in the shipped configuration)."""
    config = PROFILE.load_runtime_config(PROFILE.shipped_config())
    config = msgspec.structs.replace(
        config, hypervisor_config=msgspec.structs.replace(config.hypervisor_config, enable_annotations=[".*"])
    )
    annotations = {
        t.DEFAULT_MEMORY: "128",
        t.DEFAULT_VCPUS: "0.5",
        t.ENTROPY_SOURCE: "/dev/hwrng",
        t._H + "enable_swap": "true",
        t.VFIO_MODE: "guest-kernel",
        t.POLICY: "cGFja2FnZSBhZ2VudF9wb2xpY3k=",
    }
    plan = PROFILE.plan_annotations(annotations, config, engine=default_engine())
    got = {d.key: d for d in plan.decisions}
    assert got[t.DEFAULT_MEMORY].outcome is Outcome.REJECTED
    assert got[t.DEFAULT_VCPUS].outcome is Outcome.APPLIED and got[t.DEFAULT_VCPUS].new == 0.5
    assert got[t.ENTROPY_SOURCE].outcome is Outcome.REJECTED
    assert got[t._H + "enable_swap"].outcome is Outcome.UNKNOWN
    assert "enable_guest_swap" in (got[t._H + "enable_swap"].hint or "")
    assert got[t.VFIO_MODE].outcome is Outcome.APPLIED
    assert got[t.POLICY].new == "<20 bytes, not shown>"


def test_a_kata1_configuration_is_refused_by_the_go_profile() -> None:
    kata1 = kata_oci.RuntimeConfig()
    with pytest.raises(kata_oci.KataOCIError):
        kata_oci.sandbox_config(_spec(), kata1, "/b", "cid", profile="go")


def test_sized_runtime_config_is_the_shims_step() -> None:
    from kata_oci.profiles.go.sizing import sized_runtime_config

    config = RuntimeConfig(hypervisor_type=HypervisorType.QEMU)
    pod = _spec(
        {
            "io.kubernetes.cri.container-type": "sandbox",
            "io.kubernetes.cri.sandbox-cpu-period": "100000",
            "io.kubernetes.cri.sandbox-cpu-quota": "250000",
            "io.kubernetes.cri.sandbox-memory": str(512 << 20),
        }
    )
    sized = sized_runtime_config(pod, config, pod_sandbox=True)
    assert (sized.sandbox_cpus, sized.sandbox_mem_mb) == (2.5, 512)
    single = msgspec.convert(
        {"linux": {"resources": {"cpu": {"quota": 50000, "period": 100000}, "memory": {"limit": 1 << 30}}}},
        Spec,
    )
    sized = sized_runtime_config(single, config, pod_sandbox=False)
    assert (sized.sandbox_cpus, sized.sandbox_mem_mb) == (0.5, 1024)
    assert config.sandbox_cpus == 0.0  # not modified


def test_runtime_sandbox_carries_what_sandbox_config_copies() -> None:
    config = PROFILE.load_runtime_config(PROFILE.shipped_config())
    alone = gosb.runtime_sandbox(config)
    full = gosb.sandbox_config(_spec(), config, "/b", "cid", engine=kata_oci.default_engine())
    for field in ("hypervisor_type", "hypervisor_config", "agent_config", "vfio_mode", "sandbox_cgroup_only"):
        assert getattr(alone, field) == getattr(full, field), field


def test_env_values_stop_at_the_second_equals_sign_as_in_kata_4_1(caplog: pytest.LogCaptureFixture) -> None:
    """Kata 4.1's cmdEnvs uses strings.Split: A=b=c gives b; an entry without = is skipped."""
    envs = gosb._cmd_envs(["A=b=c", "NOEQ", "B=", "C=d"])
    assert [(e.var, e.value) for e in envs] == [("A", "b"), ("B", ""), ("C", "d")]
    assert gosb._cmd_envs(None) == []
