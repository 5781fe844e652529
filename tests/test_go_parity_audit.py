"""An audit of the ``go`` profile against Kata 4.1.0's Go code (commit 7c6ba40), key by key.

Each test names the Go file and function whose behaviour it pins, for a case
where kata-oci differed from Kata 4.1 (found by reading the code, and by
running the Go standard library where the question was its parsing rules).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kata_oci.errors import AnnotationError
from kata_oci.overrides import Outcome
from kata_oci.profiles.go import annotate, table as t
from kata_oci.profiles.go.sandbox import SandboxConfig
from kata_oci.profiles.go.types import HypervisorConfig, HypervisorType, RuntimeConfig


def rc(kind: HypervisorType = HypervisorType.QEMU, **hyp: object) -> RuntimeConfig:
    hyp.setdefault("enable_annotations", [".*"])
    return RuntimeConfig(hypervisor_type=kind, hypervisor_config=HypervisorConfig(**hyp))  # type: ignore[arg-type]


def sb(kind: HypervisorType = HypervisorType.QEMU, **hyp: object) -> SandboxConfig:
    return SandboxConfig(hypervisor_type=kind, hypervisor_config=HypervisorConfig(**hyp))  # type: ignore[arg-type]


def add(
    ann: dict[str, str], runtime: RuntimeConfig | None = None, sandbox: SandboxConfig | None = None
) -> SandboxConfig:
    return annotate.apply_annotations(ann, sandbox or sb(), runtime or rc(), features={})


REMOTE = HypervisorType.REMOTE
_DIFFERENCES = (Path(__file__).parents[1] / "docs" / "differences-go.md").read_text(encoding="utf-8")


# -- pkg/oci/utils.go, addHypervisorVirtioFsOverrides -------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [('["a", null]', ["--x", "a", ""]), ("[null]", ["--x", ""]), ("null", ["--x"]), ("[]", ["--x"])],
)
def test_virtio_fs_extra_args_null_element_is_an_empty_string(raw: str, expected: list[str]) -> None:
    """utils.go addHypervisorVirtioFsOverrides: ``json.Unmarshal`` into ``[]string`` leaves a
    JSON ``null`` element as the zero value "" (checked with Go's encoding/json), no error."""
    out = add({t.VIRTIO_FS_EXTRA_ARGS: raw}, sandbox=sb(virtio_fs_extra_args=["--x"]))
    assert out.hypervisor_config.virtio_fs_extra_args == expected


@pytest.mark.parametrize("raw", ['["a", 1]', '[["a"]]', '{"a": "b"}', '"a"', "[true]"])
def test_virtio_fs_extra_args_other_types_still_fail(raw: str) -> None:
    """utils.go addHypervisorVirtioFsOverrides: any non-string, non-null element is an UnmarshalTypeError."""
    with pytest.raises(AnnotationError):
        add({t.VIRTIO_FS_EXTRA_ARGS: raw})


# -- pkg/oci/utils.go, addHypervisorGPUOverrides ------------------------------------------------


def test_default_gpu_model_empty_keeps_the_configured_model_for_remote() -> None:
    """utils.go addHypervisorGPUOverrides: ``if value != ""`` guards DefaultGPUModel."""
    out = add({t.DEFAULT_GPU_MODEL: ""}, runtime=rc(REMOTE), sandbox=sb(REMOTE, default_gpu_model="a100"))
    assert out.hypervisor_config.default_gpu_model == "a100"
    plan = annotate.plan_annotations(
        {t.DEFAULT_GPU_MODEL: ""}, sb(REMOTE, default_gpu_model="a100"), rc(REMOTE), features={}
    )
    (d,) = plan.decisions
    assert d.outcome is Outcome.IGNORED


def test_default_gpu_model_is_set_for_remote_and_not_read_otherwise() -> None:
    """utils.go addHypervisorGPUOverrides: returns early unless the hypervisor is remote."""
    out = add({t.DEFAULT_GPU_MODEL: "h100"}, runtime=rc(REMOTE), sandbox=sb(REMOTE, default_gpu_model="a"))
    assert out.hypervisor_config.default_gpu_model == "h100"
    out = add({t.DEFAULT_GPU_MODEL: "h100"}, sandbox=sb(default_gpu_model="a"))
    assert out.hypervisor_config.default_gpu_model == "a"


# -- pkg/oci/utils.go, CalculateSandboxSizing ---------------------------------------------------

_CRIO_RESOURCES = '{"cpu_period":100000,"cpu_quota":200000,"memory_limit_in_bytes":1073741824}'


def test_sandbox_sizing_reads_containerd_keys_only() -> None:
    """utils.go CalculateSandboxSizing reads ctrAnnotations.SandboxCPUPeriod/Quota/Shares/Mem and
    nothing else: CRI-O's pod-linux-resources.crio.io gives a Kata 4.1 VM no workload size."""
    import kata_oci

    crio = {"io.kubernetes.cri-o.ContainerType": "sandbox", "pod-linux-resources.crio.io": _CRIO_RESOURCES}
    assert kata_oci.calculate_sandbox_sizing(crio, profile="go") == kata_oci.Sizing()
    both = {
        **crio,
        "io.kubernetes.cri.sandbox-cpu-period": "100000",
        "io.kubernetes.cri.sandbox-cpu-quota": "50000",
        "io.kubernetes.cri.sandbox-memory": str(256 << 20),
    }
    assert kata_oci.calculate_sandbox_sizing(both, profile="go") == kata_oci.Sizing(vcpus=0.5, memory_mb=256)
    shares = {"io.kubernetes.cri.sandbox-cpu-quota": "-1", "io.kubernetes.cri.sandbox-cpu-shares": "2049"}
    assert kata_oci.calculate_sandbox_sizing(shares, profile="go") == kata_oci.Sizing(vcpus=3.0)
    assert kata_oci.calculate_sandbox_sizing(None, profile="go") == kata_oci.Sizing()


def test_sized_runtime_config_of_a_crio_sandbox_has_no_workload() -> None:
    """containerd-shim-v2/create.go stores CalculateSandboxSizing's answer in SandboxCPUs/SandboxMemMB."""
    import kata_oci
    from kata_oci.profiles.go.sizing import sized_runtime_config

    spec = kata_oci.Spec(annotations={"pod-linux-resources.crio.io": _CRIO_RESOURCES})
    out = sized_runtime_config(spec, rc(), pod_sandbox=True)
    assert (out.sandbox_cpus, out.sandbox_mem_mb) == (0.0, 0)


def test_sandbox_memory_beyond_uint32_saturates_a_documented_difference() -> None:
    """utils.go calculateVMResources: ``uint32(memory / 1024 / 1024)`` wraps (2**32 + 5 MiB is 5 MiB);
    kata-oci saturates at 4294967295 MiB with a warning (docs/differences-go.md)."""
    import kata_oci

    ann = {"io.kubernetes.cri.sandbox-memory": str((2**32 + 5) << 20)}
    assert kata_oci.calculate_sandbox_sizing(ann, profile="go").memory_mb == 0xFFFF_FFFF
    assert "saturates at 4294967295" in _DIFFERENCES


# -- pkg/oci/utils.go, SandboxConfig (static sandbox resource management) -----------------------


@pytest.mark.parametrize("vcpus", ["4294967296", "5e9", "3e38"])
def test_static_sizing_vcpus_beyond_uint32_is_refused_a_documented_difference(vcpus: str) -> None:
    """utils.go SandboxConfig: ``DefaultMaxVCPUs = NumVCPUs()``, ``uint32(math.Ceil(...))``, which
    wraps on amd64 (5e9 vCPUs give 705032704, 2**32 give 0 then 1; checked with Go). Only the
    remote hypervisor lets default_vcpus past the host's CPU count; kata-oci refuses."""
    from kata_oci.errors import ConfigError
    from kata_oci.profiles.go.sandbox import static_resources

    out = add({t.DEFAULT_VCPUS: vcpus}, runtime=rc(REMOTE), sandbox=sb(REMOTE))
    static = out.__class__(
        **{**{f: getattr(out, f) for f in out.__struct_fields__}, "static_resource_mgmt": True}
    )
    with pytest.raises(ConfigError, match="4294967295 vCPUs"):
        static_resources(static)
    assert "NumVCPUs()" in _DIFFERENCES


def test_static_sizing_rounds_up_and_floors_at_one() -> None:
    """utils.go SandboxConfig: BaseCPUs/BaseMemMB keep the defaults, the workload is added, the
    maximum is the rounded-up total, and 0 becomes 1."""
    from kata_oci.profiles.go.sandbox import SandboxResourceSizing, static_resources

    base = SandboxConfig(
        static_resource_mgmt=True,
        hypervisor_config=HypervisorConfig(num_vcpus_f=0.5, memory_size=2048, default_max_vcpus=8),
        sandbox_resources=SandboxResourceSizing(workload_cpus=1.25, workload_mem_mb=512),
    )
    out = static_resources(base)
    hyp, res = out.hypervisor_config, out.sandbox_resources
    assert (hyp.num_vcpus_f, hyp.memory_size, hyp.default_max_vcpus) == (1.75, 2560, 2)
    assert (res.base_cpus, res.base_mem_mb) == (0.5, 2048)
    zero = SandboxConfig(static_resource_mgmt=True, hypervisor_config=HypervisorConfig(default_max_vcpus=8))
    assert static_resources(zero).hypervisor_config.default_max_vcpus == 1
