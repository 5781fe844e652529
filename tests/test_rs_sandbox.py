"""runtime-rs's sandbox: kernel parameters, validation, container type and initial size.

Sources (kata-containers 7c6ba40): crates/runtimes/src/manager.rs (load_config,
update_agent_kernel_params), crates/resource/src/cpu_mem/initial_size.rs and its tests,
src/libs/kata-types/src/k8s.rs (container_type), utils/u32_set.rs tests.
"""

from __future__ import annotations

import pytest

from kata_oci.errors import AnnotationError, ConfigError
from kata_oci.overrides import Outcome
from kata_oci.profiles.rs import loader, sandbox, sizing
from kata_oci.profiles.rs.sizing import InitialSize
from kata_oci.profiles.rs.types import CpuInfo, Hypervisor, MemoryInfo, TomlConfig
from kata_oci.spec import Spec

A = "io.katacontainers.config."
H = A + "hypervisor."
MIB = 1 << 20
CONTAINERD_TYPE = "io.kubernetes.cri.container-type"


BASE = """
[hypervisor.qemu]
kernel = "/k"
image = "/i"
kernel_params = "ro"
enable_annotations = [".*"]
[agent.agent0]
enable_debug = true
enable_tracing = true
debug_console_enabled = true
[runtime]
name = "virt_container"
hypervisor_name = "qemu"
agent_name = "agent0"
"""


def base() -> TomlConfig:
    return loader.loads(BASE)


def spec(annotations: dict[str, str] | None = None, **linux: object) -> Spec:
    doc: dict[str, object] = {"ociVersion": "1.0.2", "annotations": annotations or {}}
    if linux:
        doc["linux"] = linux
    import msgspec

    return msgspec.convert(doc, Spec)


def test_sandbox_agent_kernel_params_before_the_hypervisors() -> None:
    sb = sandbox.sandbox_config(spec({A + "agent.container_pipe_size": "5"}), base(), "cid")
    # agent0: enable_debug, enable_tracing, debug_console_enabled; pipe size from the annotation
    assert sb.hypervisor.boot_info.kernel_params == (
        "agent.cdh_api_timeout=50 agent.container_pipe_size=5 agent.debug_console "
        "agent.debug_console_vport=1026 agent.log=debug agent.trace=true ro"
    )
    assert sb.agent_kernel_params["agent.container_pipe_size"] == "5"
    assert (sb.id, sb.container_type, sb.hypervisor_name) == ("cid", "single_container", "qemu")


def test_validation_failure_is_charged_to_its_annotation() -> None:
    config = base()
    plan = sandbox.plan_sandbox(spec({H + "shared_fs": "bogus", H + "memory_slots": "7"}), config)
    (d,) = [d for d in plan.decisions if d.key == H + "shared_fs"]
    assert d.outcome is Outcome.REJECTED and "Invalid shared_fs type bogus" in d.reason
    (ok,) = [d for d in plan.decisions if d.key == H + "memory_slots"]
    assert ok.outcome is Outcome.APPLIED
    with pytest.raises(AnnotationError):
        plan.apply()


def test_validation_failure_of_the_configuration_itself() -> None:
    config = base()
    config.agent["agent0"].reconnect_timeout_ms = 1
    plan = sandbox.plan_sandbox(spec({H + "memory_slots": "7"}), config)
    with pytest.raises(ConfigError, match="reconnect_timeout_ms must be >= dial_timeout_ms"):
        plan.apply()


@pytest.mark.parametrize(
    ("annotations", "kind"),
    [
        ({}, "single_container"),
        ({CONTAINERD_TYPE: "sandbox"}, "pod_sandbox"),
        ({CONTAINERD_TYPE: "container"}, "pod_container"),
        ({"io.kubernetes.docker.type": "podsandbox"}, "pod_sandbox"),
        # CRI-O's key is read first, and an unknown value is skipped, not an error
        ({"io.kubernetes.cri-o.ContainerType": "container", CONTAINERD_TYPE: "sandbox"}, "pod_container"),
        ({"io.kubernetes.cri-o.ContainerType": "bogus", CONTAINERD_TYPE: "sandbox"}, "pod_sandbox"),
        ({CONTAINERD_TYPE: "single_container"}, "single_container"),
    ],
)
def test_container_type_order(annotations: dict[str, str], kind: str) -> None:
    assert sizing.container_type(annotations) == kind


def test_container_type_with_id() -> None:
    annotations = {
        CONTAINERD_TYPE: "container",
        "io.kubernetes.cri.sandbox-id": "c-sb",
        "io.kubernetes.cri-o.SandboxID": "o-sb",
    }
    assert sizing.container_type_with_id(annotations) == ("pod_container", "o-sb")


@pytest.mark.parametrize(
    ("period", "quota", "memory", "vcpu_ceil", "mem_mb"),
    [
        # initial_size.rs get_test_data
        (None, None, None, 0.0, 0),
        (100_000, 220_000, 512 * MIB, 3.0, 512),
        (None, None, 513 * MIB, 0.0, 514),
    ],
)
def test_initial_size_sandbox_and_container(
    period: int | None, quota: int | None, memory: int | None, vcpu_ceil: float, mem_mb: int
) -> None:
    annotations = {
        CONTAINERD_TYPE: "sandbox",
        sizing.SANDBOX_CPU_PERIOD_KEY: "" if period is None else str(period),
        sizing.SANDBOX_CPU_QUOTA_KEY: "" if quota is None else str(quota),
        sizing.SANDBOX_MEM_KEY: "" if memory is None else str(memory),
    }
    size = sizing.initial_size(spec(annotations))
    assert (float(-(-size.vcpu // 1)), size.mem_mb) == (vcpu_ceil, mem_mb)
    cpu: dict[str, object] = {}
    if period is not None:
        cpu["period"] = period
    if quota is not None:
        cpu["quota"] = quota
    resources: dict[str, object] = {"cpu": cpu}
    if memory is not None:
        resources["memory"] = {"limit": memory}
    size = sizing.initial_size(spec({CONTAINERD_TYPE: "container"}, resources=resources))
    assert (float(-(-size.vcpu // 1)), size.mem_mb) == (vcpu_ceil, mem_mb)


def test_supplement_from_annotations() -> None:
    annotations = {sizing.SANDBOX_CPU_PERIOD_KEY: "100000", sizing.SANDBOX_CPU_QUOTA_KEY: "120000",
                   sizing.SANDBOX_MEM_KEY: str(256 * MIB)}  # fmt: skip
    size = sizing.initial_size(spec(annotations))
    assert abs(size.vcpu - 1.2) < 0.0001 and size.mem_mb == 256


def test_cpuset_counts_without_expanding() -> None:
    size = sizing.initial_size(spec({}, resources={"cpu": {"cpus": "0-3,2,7"}}))
    assert size.vcpu == 5.0
    size = sizing.initial_size(spec({}, resources={"cpu": {"cpus": "0-4294967295"}}))
    assert size.vcpu == 4294967296.0
    assert sizing.initial_size(spec({}, resources={"cpu": {"cpus": "1-2-3,3"}})).vcpu == 0.0
    assert sizing.initial_size(spec({}, resources={"cpu": {"cpus": "3-3"}})).vcpu == 0.0


def _config(dv: float, ov: float, mv: int, dm: int, om: int, mm: int, static: bool) -> TomlConfig:
    hv = Hypervisor(
        cpu_info=CpuInfo(default_vcpus=dv, overhead_vcpus=ov, default_maxvcpus=mv),
        memory_info=MemoryInfo(default_memory=dm, overhead_memory=om, default_maxmemory=mm),
    )
    config = TomlConfig(hypervisor={"qemu": hv})
    config.runtime.hypervisor_name = "qemu"
    config.runtime.static_sandbox_resource_mgmt = static
    return config


@pytest.mark.parametrize(
    ("cfg", "size", "vcpus", "maxvcpus", "memory", "maxmemory"),
    [
        # initial_size.rs tests (f32 arithmetic: 0.5 + 1.2 is the f32 1.7)
        ((1.0, 0.5, 4, 256, 128, 4096, True), (1.2, 512), 1.7000000476837158, 2, 640, 4096),
        ((1.0, 0.5, 4, 256, 128, 4096, False), (1.2, 512), 1.0, 4, 256, 4096),
        ((1.0, 1.0, 2, 256, 128, 4096, True), (2.5, 0), 3.5, 4, 128, 4096),
        ((1.0, 0.5, 8, 256, 128, 4096, True), (1.2, 0), 1.7000000476837158, 2, 128, 4096),
        ((1.0, 0.5, 4, 256, 128, 300, True), (0.0, 512), 1.0, 1, 640, 640),
        ((2.0, 0.5, 8, 512, 128, 4096, True), (0.0, 0), 2.0, 2, 512, 4096),
        ((3.0, 0.75, 8, 1024, 256, 4096, True), (1.25, 1024), 2.0, 2, 1280, 4096),
        ((3.0, 0.5, 8, 1024, 128, 4096, True), (1.5, 0), 2.0, 2, 128, 4096),
        ((3.0, 0.5, 8, 1024, 128, 4096, True), (0.0, 512), 1.0, 1, 640, 4096),
        ((3.0, 0.0, 8, 1024, 0, 4096, True), (1.25, 1024), 1.25, 2, 1024, 4096),
        ((3.0, 0.0, 8, 1024, 0, 4096, True), (0.0, 512), 1.0, 1, 512, 4096),
    ],
)
def test_setup_config(
    cfg: tuple, size: tuple[float, int], vcpus: float, maxvcpus: int, memory: int, maxmemory: int
) -> None:
    config = _config(*cfg)
    orig = sizing.setup_config(InitialSize(*size), config)
    hv = config.hypervisor["qemu"]
    assert orig == cfg[3]  # test_setup_config_preserves_orig_toml_default_mem
    assert hv.cpu_info.default_vcpus == vcpus
    assert hv.cpu_info.default_maxvcpus == maxvcpus
    assert (hv.memory_info.default_memory, hv.memory_info.default_maxmemory) == (memory, maxmemory)


def test_setup_config_static_errors_on_zero_memory() -> None:
    with pytest.raises(ConfigError, match="computed sandbox memory is 0 MiB") as info:
        sizing.setup_config(InitialSize(1.0, 0), _config(1.0, 0.5, 8, 1024, 0, 4096, True))
    assert "default_memory/overhead_memory" in str(info.value)


def _outcome(fn: object) -> tuple[str, object]:
    try:
        return "ok", fn()  # type: ignore[operator]
    except AnnotationError as e:
        return "error", (str(e), [(p.key, p.reason) for p in e.errors][: AnnotationError.SHOWN])


@pytest.mark.parametrize("strict", [False, True])
def test_a_conversion_is_its_plans_sandbox_without_the_unshown_hints(strict: bool) -> None:
    # The conversion skips "did you mean" for unknown keys it does not reject, and for the
    # rejected ones past those its error shows: the same sandbox, the same message.
    typos = {
        A + "agent.enable_tracin": "true",
        H + "default_vcpu": "2",
        A + "runtime.disable_guest_secomp": "1",
    }
    many = {A + f"agent.unknown_knob_{i}": "1" for i in range(120)}
    hyp = {H + f"unknown_knob_{i}": "1" for i in range(120)}  # enabled by ".*": rejected
    removed = {H + "enable_swap": "true"}
    for ann in ({**typos, **many}, {**typos, **many, **hyp}, {**removed, **many}, typos, {}):
        s = spec({**ann, H + "default_memory": "4096"})
        got = _outcome(lambda s=s: sandbox.sandbox_config(s, base(), "cid", strict=strict))
        want = _outcome(lambda s=s: sandbox.plan_sandbox(s, base(), "cid", strict=strict).apply())
        assert got == want, sorted(ann)[:3]
    plan = sandbox.plan_sandbox(spec({**typos, **many}), base(), "cid", hints=False)
    assert all(d.hint is None for d in plan.decisions if d.outcome is Outcome.UNKNOWN)
    full = sandbox.plan_sandbox(spec({**typos, **many}), base(), "cid")
    assert {d.key: d.hint for d in full.decisions}[A + "agent.enable_tracin"] == (
        f"did you mean {A}agent.enable_tracing?"
    )


def test_a_conversion_guesses_only_for_the_rejections_its_error_shows() -> None:
    hyp = {H + f"unknown_knob_{i:04}": "1" for i in range(200)}
    hyp[H + "default_vcpu"] = "1"  # sorts first: shown, with its guess
    hyp[H + "virtio_fs_cach"] = "1"  # sorts last: past the shown ones, no guess
    rejected = list(sandbox.plan_sandbox(spec(hyp), base(), "cid", hints=False).decisions)
    assert [d.outcome for d in rejected] == [Outcome.REJECTED] * len(hyp)
    by_key = {d.key: d.hint for d in rejected}
    assert by_key[H + "default_vcpu"] == f"did you mean {H}default_vcpus?"
    assert by_key[H + "virtio_fs_cach"] is None
    assert sum(d.hint is not None for d in rejected[AnnotationError.SHOWN :]) == 0
    full = {d.key: d.hint for d in sandbox.plan_sandbox(spec(hyp), base(), "cid").decisions}
    assert full[H + "virtio_fs_cach"] == f"did you mean {H}virtio_fs_cache?"  # a plan guesses for all
