"""Annotation overrides: Kata's own cases, Go's parsing rules, gating, all-or-nothing."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

import kata_oci
from kata_oci import (
    AnnotationError,
    ConfigError,
    HypervisorType,
    KataAgentConfig,
    NetInterworkingModel,
    Outcome,
    Param,
    RuntimeConfig,
    SandboxConfig,
    annotations as ka,
    apply_overrides,
    overrides,
    plan_overrides,
)
from kata_oci.config import Feature, HypervisorConfig
from kata_oci.experimental import NEW_STORE
from kata_oci.profiles.kata1 import annotate as kata1_annotate

from helpers import shared_path

H = ka.KATA_ANNOT_HYPERVISOR_PREFIX
FEATURES = {"newstore": NEW_STORE}


def rc_with(**hypervisor: Any) -> RuntimeConfig:
    return RuntimeConfig(
        hypervisor_type=HypervisorType.QEMU, hypervisor_config=HypervisorConfig(**hypervisor)
    )


def sandbox_for(rc: RuntimeConfig, **kw: Any) -> SandboxConfig:
    return SandboxConfig(
        hypervisor_type=rc.hypervisor_type,
        hypervisor_config=rc.hypervisor_config,
        agent_config=rc.agent_config,
        **kw,
    )


def apply(annotations: dict[str, str], rc: RuntimeConfig, **kw: Any) -> SandboxConfig:
    sandbox = kw.pop("sandbox", None) or sandbox_for(rc)
    return apply_overrides(annotations, sandbox, rc, features=FEATURES, **kw)


def need(*paths: str) -> None:
    for p in paths:
        if not os.path.exists(p):
            pytest.skip(f"{p} does not exist on this host")


# -- Kata's TestAddAssetAnnotations -------------------------------------------------


def test_add_asset_annotations(tmp_path: Path) -> None:
    fake = str(tmp_path / "fake-binary")
    Path(fake).write_bytes(b"")
    expected = {
        ka.FIRMWARE_PATH: fake, ka.FIRMWARE_HASH: "ffff",
        ka.HYPERVISOR_PATH: fake, ka.HYPERVISOR_HASH: "bbbbb",
        ka.HYPERVISOR_CTL_PATH: fake, ka.HYPERVISOR_CTL_HASH: "cc",
        ka.IMAGE_PATH: fake, ka.IMAGE_HASH: "52ss2550983",
        ka.INITRD_PATH: fake, ka.INITRD_HASH: "aaaa",
        ka.JAILER_PATH: fake, ka.JAILER_HASH: "dddd",
        ka.KERNEL_PATH: fake, ka.KERNEL_HASH: "3l2353we871g",
    }  # fmt: skip
    sandbox = SandboxConfig()
    for rc in (rc_with(), rc_with(enable_annotations=["nonexistent"]), rc_with(enable_annotations=[".*"])):
        with pytest.raises(AnnotationError):
            apply(expected, rc, sandbox=sandbox)
        assert sandbox.annotations == {}
    rc = rc_with(
        enable_annotations=[".*"],
        hypervisor_path_list=[fake],
        hypervisor_ctl_path_list=[fake],
        jailer_path_list=[fake],
    )
    result = apply(expected, rc, sandbox=sandbox)
    assert result.annotations == expected
    assert result.hypervisor_config.hypervisor_path == fake
    assert result.hypervisor_config.hypervisor_ctl_path == fake
    assert result.hypervisor_config.jailer_path == fake
    assert sandbox.annotations == {}


def test_not_enabled_error_lists_every_key_and_says_how_to_enable(tmp_path: Path) -> None:
    with pytest.raises(AnnotationError) as info:
        apply(
            {H + "kernel": "/k", H + "default_vcpus": "1", "io.other": "x"},
            rc_with(enable_annotations=["^kernel$"]),
        )
    err = info.value
    assert [p.key for p in err.errors] == [H + "default_vcpus"]
    message = str(err)
    assert "not enabled" in message
    assert '"^default_vcpus$"' in message
    assert "enable_annotations" in message
    assert "[hypervisor.qemu]" in message


# -- Kata's TestAddAgentAnnotations / TestContainerPipeSizeAnnotation ------------------


def test_add_agent_annotations() -> None:
    rc = RuntimeConfig(agent_config=KataAgentConfig())
    modules = ["e1000e InterruptThrottleRate=3000,3000,3000 EEE=1", "i915 enable_ppgtt=0"]
    result = apply({ka.KERNEL_MODULES: ";".join(modules), ka.AGENT_CONTAINER_PIPE_SIZE: "1024"}, rc)
    assert result.agent_config == KataAgentConfig(kernel_modules=modules, container_pipe_size=1024)
    assert rc.agent_config == KataAgentConfig()


def test_container_pipe_size_annotation_invalid() -> None:
    rc = RuntimeConfig(agent_config=KataAgentConfig())
    sandbox = sandbox_for(rc)
    with pytest.raises(AnnotationError) as info:
        apply({ka.AGENT_CONTAINER_PIPE_SIZE: "foo", ka.KERNEL_MODULES: "m"}, rc, sandbox=sandbox)
    assert info.value.errors[0].key == ka.AGENT_CONTAINER_PIPE_SIZE
    assert sandbox.agent_config == KataAgentConfig()  # kernel_modules not half-applied either


def test_agent_annotations_without_a_kata_agent_are_ignored() -> None:
    plan = plan_overrides(
        {ka.AGENT_CONTAINER_PIPE_SIZE: "not-a-number"}, SandboxConfig(), RuntimeConfig(), features=FEATURES
    )
    (decision,) = plan.decisions
    assert decision.outcome is Outcome.IGNORED
    assert "Kata agent" in decision.reason


@pytest.mark.parametrize(
    ("key", "value", "field", "expected"),
    [
        (ka.AGENT_TRACE, "true", "trace", True),
        (ka.AGENT_TRACE_MODE, "static", "trace_mode", "static"),
        (ka.AGENT_TRACE_TYPE, "isolated", "trace_type", "isolated"),
        (ka.KERNEL_MODULES, "", "kernel_modules", [""]),
        (ka.KERNEL_MODULES, "a;;b", "kernel_modules", ["a", "", "b"]),
    ],
)
def test_agent_annotation_values(key: str, value: str, field: str, expected: Any) -> None:
    rc = RuntimeConfig(agent_config=KataAgentConfig(kernel_modules=["old"]))
    assert getattr(apply({key: value}, rc).agent_config, field) == expected


# -- Kata's TestAddHypervisorAnnotations -------------------------------------------------

HYPERVISOR_VALUES = {
    "default_vcpus": "1",
    "default_max_vcpus": "1",
    "default_memory": "1024",
    "memory_slots": "20",
    "memory_offset": "512",
    "enable_virtio_mem": "true",
    "enable_mem_prealloc": "true",
    "enable_swap": "true",
    "file_mem_backend": "/dev/shm",
    "enable_hugepages": "true",
    "enable_iommu": "true",
    "block_device_driver": "virtio-scsi",
    "disable_block_device_use": "true",
    "enable_iothreads": "true",
    "block_device_cache_set": "true",
    "block_device_cache_direct": "true",
    "block_device_cache_noflush": "true",
    "shared_fs": "virtio-fs",
    "virtio_fs_daemon": "/bin/false",
    "virtio_fs_cache": "/home/cache",
    "msize_9p": "512",
    "machine_type": "q35",
    "machine_accelerators": "nofw",
    "cpu_features": "pmu=off",
    "disable_vhost_net": "true",
    "guest_hook_path": "/usr/bin/",
    "use_vsock": "true",
    "disable_image_nvdimm": "true",
    "hotplug_vfio_on_root_bus": "true",
    "pcie_root_port": "2",
    "entropy_source": "/dev/urandom",
    "enable_iommu_platform": "true",
}


def kata_hypervisor_rc() -> RuntimeConfig:
    return rc_with(
        enable_annotations=[".*"],
        file_backed_mem_root_list=["/dev/shm*"],
        virtio_fs_daemon_list=["/bin/*ls*"],
    )


def test_add_hypervisor_annotations_kernel_params() -> None:
    result = apply({H + "kernel_params": "vsyscall=emulate iommu=on"}, kata_hypervisor_rc())
    assert result.hypervisor_config.kernel_params == [
        Param(key="vsyscall", value="emulate"),
        Param(key="iommu", value="on"),
    ]


def test_add_hypervisor_annotations_every_key() -> None:
    need("/dev/shm", "/bin/false")
    hc = apply({H + k: v for k, v in HYPERVISOR_VALUES.items()}, kata_hypervisor_rc()).hypervisor_config
    assert (hc.num_vcpus, hc.default_max_vcpus, hc.memory_size, hc.mem_slots, hc.mem_offset) == (
        1,
        1,
        1024,
        20,
        512,
    )
    assert hc.virtio_mem and hc.mem_prealloc and not hc.mlock and hc.huge_pages and hc.iommu
    assert hc.file_backed_mem_root_dir == "/dev/shm"
    assert hc.block_device_driver == "virtio-scsi"
    assert hc.disable_block_device_use and hc.enable_iothreads
    assert hc.block_device_cache_set and hc.block_device_cache_direct and hc.block_device_cache_noflush
    assert (hc.shared_fs, hc.virtio_fs_daemon, hc.virtio_fs_cache, hc.msize_9p) == (
        "virtio-fs",
        "/bin/false",
        "/home/cache",
        512,
    )
    assert (hc.hypervisor_machine_type, hc.machine_accelerators, hc.cpu_features) == (
        "q35",
        "nofw",
        "pmu=off",
    )
    assert hc.disable_vhost_net and hc.use_vsock and hc.disable_image_nvdimm and hc.hotplug_vfio_on_root_bus
    assert (hc.guest_hook_path, hc.pcie_root_port, hc.entropy_source) == ("/usr/bin/", 2, "/dev/urandom")
    assert hc.iommu_platform


@pytest.mark.parametrize(
    ("changes", "bad_key"),
    [
        ({"default_vcpus": "655536"}, "default_vcpus"),
        ({"default_vcpus": "-1"}, "default_vcpus"),
        ({"default_vcpus": "1", "default_max_vcpus": "-1"}, "default_max_vcpus"),
    ],
)
def test_add_hypervisor_annotations_failing_vcpus(changes: dict[str, str], bad_key: str) -> None:
    need("/dev/shm", "/bin/false")
    values = {**HYPERVISOR_VALUES, **changes}
    with pytest.raises(AnnotationError) as info:
        apply({H + k: v for k, v in values.items()}, kata_hypervisor_rc())
    assert [p.key for p in info.value.errors] == [H + bad_key]


# -- Kata's TestAddProtectedHypervisorAnnotations --------------------------------------


def test_add_protected_hypervisor_annotations() -> None:
    need("/dev/shm", "/bin/false")
    rc = rc_with()
    sandbox = sandbox_for(rc)
    with pytest.raises(AnnotationError):
        apply({H + "kernel_params": "vsyscall=emulate iommu=on"}, rc, sandbox=sandbox)
    assert sandbox.hypervisor_config == HypervisorConfig()

    rc = rc_with(
        enable_annotations=[".*"],
        file_backed_mem_root_dir="do-not-touch",
        virtio_fs_daemon="dangerous-daemon",
    )
    sandbox = sandbox_for(rc)
    annotations = {H + "file_mem_backend": "/dev/shm", H + "virtio_fs_daemon": "/bin/false"}
    with pytest.raises(AnnotationError) as info:
        apply(annotations, rc, sandbox=sandbox)
    assert {p.key for p in info.value.errors} == {H + "file_mem_backend", H + "virtio_fs_daemon"}
    assert sandbox.hypervisor_config.file_backed_mem_root_dir == "do-not-touch"
    assert sandbox.hypervisor_config.virtio_fs_daemon == "dangerous-daemon"

    rc.hypervisor_config.file_backed_mem_root_list = ["/dev/*m"]
    rc.hypervisor_config.virtio_fs_daemon_list = ["/bin/*ls*"]
    hc = apply(annotations, rc, sandbox=sandbox_for(rc)).hypervisor_config
    assert (hc.file_backed_mem_root_dir, hc.virtio_fs_daemon) == ("/dev/shm", "/bin/false")


# -- Kata's TestAddRuntimeAnnotations ------------------------------------------------------


def test_add_runtime_annotations() -> None:
    rc = rc_with()  # nothing enabled: runtime keys are not gated
    result = apply(
        {
            ka.DISABLE_GUEST_SECCOMP: "true",
            ka.SANDBOX_CGROUP_ONLY: "true",
            ka.DISABLE_NEW_NETNS: "true",
            ka.INTER_NETWORK_MODEL: "macvtap",
        },
        rc,
    )
    assert result.disable_guest_seccomp and result.sandbox_cgroup_only
    assert result.network_config.disable_new_net_ns
    assert result.network_config.interworking_model is NetInterworkingModel.MACVTAP


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("default", NetInterworkingModel.TCFILTER),
        ("tcfilter", NetInterworkingModel.TCFILTER),
        ("none", NetInterworkingModel.NONE),
        ("macvtap", NetInterworkingModel.MACVTAP),
    ],
)
def test_network_model_default_means_katas_default_tcfilter(
    value: str, expected: NetInterworkingModel
) -> None:
    assert apply({ka.INTER_NETWORK_MODEL: value}, rc_with()).network_config.interworking_model is expected


@pytest.mark.parametrize("value", ["MACVTAP", "", " macvtap", "Invalid"])
def test_network_model_invalid(value: str) -> None:
    with pytest.raises(AnnotationError, match=re.escape(ka.INTER_NETWORK_MODEL)):
        apply({ka.INTER_NETWORK_MODEL: value}, rc_with())


# -- experimental features ------------------------------------------------------------------


def test_experimental_newstore() -> None:
    result = apply(
        {ka.EXPERIMENTAL: "newstore"},
        RuntimeConfig(experimental=[Feature(name="x", description="d", exp_release="1")]),
    )
    assert result.experimental == [NEW_STORE]


@pytest.mark.parametrize("value", ["", "newstore  newstore", "foo", "newstore foo", " newstore"])
def test_experimental_invalid(value: str) -> None:
    with pytest.raises(AnnotationError) as info:
        apply({ka.EXPERIMENTAL: value}, RuntimeConfig())
    assert "unsupported experimental feature" in str(info.value)
    assert "registered: newstore" in str(info.value)


def test_experimental_feature_from_a_plugin(builtin_plugins: list[object]) -> None:
    from kata_oci import hookimpl

    class Plugin:
        __name__ = "featureplugin"

        @hookimpl
        def kata_oci_experimental_features(self) -> list[Feature]:
            return [Feature(name="fast_boot", description="boots fast", exp_release="3.0")]

    engine = kata_oci.Engine.from_plugins([Plugin(), *builtin_plugins])
    assert set(engine.features) == {"newstore", "fast_boot"}
    plan = plan_overrides(
        {ka.EXPERIMENTAL: "fast_boot newstore"}, SandboxConfig(), RuntimeConfig(), features=engine.features
    )
    assert [f.name for f in plan.updates["experimental"]] == ["fast_boot", "newstore"]


@pytest.mark.parametrize(
    ("feature", "message"),
    [
        (Feature(name="Bad", description="d", exp_release="1"), "must match"),
        (Feature(name="ok", description="", exp_release="1"), "valid name, description"),
        (Feature(name="newstore", description="d", exp_release="1"), "registered before"),
    ],
)
def test_bad_feature_registration_is_a_plugin_error(feature: Feature, message: str) -> None:
    from kata_oci import PluginError, hookimpl

    class Plugin:
        __name__ = "badfeature"

        @hookimpl
        def kata_oci_experimental_features(self) -> list[Feature]:
            return [feature]

    with pytest.raises(PluginError, match=message):
        kata_oci.Engine.from_plugins([Plugin()])


# -- Go's parsing rules at their edges --------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "t", "T", "TRUE", "true", "True"])
def test_bool_true_spellings(value: str) -> None:
    assert (
        apply({H + "use_vsock": value}, rc_with(enable_annotations=[".*"])).hypervisor_config.use_vsock
        is True
    )


@pytest.mark.parametrize("value", ["0", "f", "F", "FALSE", "false", "False"])
def test_bool_false_spellings(value: str) -> None:
    rc = rc_with(enable_annotations=[".*"], use_vsock=True)
    assert apply({H + "use_vsock": value}, rc).hypervisor_config.use_vsock is False


@pytest.mark.parametrize("value", ["yes", "on", "tRUE", " true", "true ", "", "2", "y"])
def test_bool_rejected_spellings(value: str) -> None:
    with pytest.raises(AnnotationError) as info:
        apply({H + "use_vsock": value}, rc_with(enable_annotations=[".*"]))
    assert "invalid syntax" in str(info.value)
    assert "boolean" in str(info.value)


@pytest.mark.parametrize(("value", "expected"), [("007", 7), ("0", 0), ("4294967295", 4294967295)])
def test_uint32_accepted(value: str, expected: int) -> None:
    assert (
        apply({H + "default_memory": value}, rc_with(enable_annotations=[".*"])).hypervisor_config.memory_size
        == expected
    )


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("+1", "invalid syntax"),
        ("-1", "invalid syntax"),
        ("1_000", "invalid syntax"),
        (" 1", "invalid syntax"),
        ("1 ", "invalid syntax"),
        ("", "invalid syntax"),
        ("0x10", "invalid syntax"),
        ("1e3", "invalid syntax"),
        ("\uff11\uff12", "invalid syntax"),
        ("4294967296", "value out of range"),
        ("99999999999x", "value out of range"),
    ],
)
def test_uint32_rejected(value: str, why: str) -> None:
    with pytest.raises(AnnotationError) as info:
        apply({H + "default_memory": value}, rc_with(enable_annotations=[".*"]))
    assert why in str(info.value)
    assert info.value.errors[0].key == H + "default_memory"


def test_kernel_params_fields_split_on_go_whitespace_only() -> None:
    rc = rc_with(enable_annotations=[".*"], kernel_params=[Param(key="quiet")])
    params = apply({H + "kernel_params": "a=1\u00a0b\tc=x=y\x1cd"}, rc).hypervisor_config.kernel_params
    assert params == [
        Param(key="quiet"),
        Param(key="a", value="1"),
        Param(key="b"),
        Param(key="c", value="x=y\x1cd"),
    ]
    assert rc.hypervisor_config.kernel_params == [Param(key="quiet")]  # input untouched


def test_kernel_params_empty_key_rejected_and_empty_value_ignored() -> None:
    rc = rc_with(enable_annotations=[".*"])
    with pytest.raises(AnnotationError, match="empty key"):
        apply({H + "kernel_params": "a=1 =x"}, rc)
    plan = plan_overrides({H + "kernel_params": ""}, sandbox_for(rc), rc, features=FEATURES)
    assert plan.decisions[0].outcome is Outcome.IGNORED


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("machine_type", ""),
        ("memory_slots", "0"),
        ("memory_offset", "0"),
        ("entropy_source", ""),
        ("guest_hook_path", ""),
    ],
)
def test_empty_or_zero_values_keep_the_configuration(key: str, value: str) -> None:
    rc = rc_with(
        enable_annotations=[".*"],
        hypervisor_machine_type="pc",
        mem_slots=10,
        mem_offset=5,
        entropy_source="/dev/random",
        guest_hook_path="/hooks",
    )
    plan = plan_overrides({H + key: value}, sandbox_for(rc), rc, features=FEATURES)
    assert plan.decisions[0].outcome is Outcome.IGNORED
    assert plan.apply(sandbox_for(rc)).hypervisor_config == rc.hypervisor_config


def test_msize_9p_zero_rejected() -> None:
    with pytest.raises(AnnotationError, match="at least 1"):
        apply({H + "msize_9p": "0"}, rc_with(enable_annotations=[".*"]))


def test_enable_swap_sets_mlock_to_the_opposite() -> None:
    rc = rc_with(enable_annotations=[".*"], mlock=True)
    assert apply({H + "enable_swap": "true"}, rc).hypervisor_config.mlock is False
    rc = rc_with(enable_annotations=[".*"], mlock=False)
    assert apply({H + "enable_swap": "false"}, rc).hypervisor_config.mlock is True


@pytest.mark.parametrize("driver", ka.BLOCK_DEVICE_DRIVERS)
def test_block_device_drivers(driver: str) -> None:
    assert (
        apply(
            {H + "block_device_driver": driver}, rc_with(enable_annotations=[".*"])
        ).hypervisor_config.block_device_driver
        == driver
    )


def test_block_device_driver_invalid_lists_the_supported() -> None:
    with pytest.raises(AnnotationError) as info:
        apply({H + "block_device_driver": "virtio-blk-pci"}, rc_with(enable_annotations=[".*"]))
    assert "virtio-scsi, virtio-blk, virtio-mmio, nvdimm, virtio-blk-ccw" in str(info.value)


def test_vcpus_at_most_host_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(overrides, "host_cpus", lambda: 4)
    rc = rc_with(enable_annotations=[".*"])
    assert apply({H + "default_vcpus": "4"}, rc).hypervisor_config.num_vcpus == 4
    with pytest.raises(AnnotationError, match="more than the 4 CPUs"):
        apply({H + "default_vcpus": "5"}, rc)


def test_host_cpus_is_the_affinity_set() -> None:
    assert overrides.host_cpus() == len(os.sched_getaffinity(0))


def test_max_vcpus_qemu_limit_only_for_qemu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(overrides, "host_cpus", lambda: 1024)
    limit = kata1_annotate.MAX_QEMU_VCPUS
    rc = rc_with(enable_annotations=[".*"])
    assert apply({H + "default_max_vcpus": str(limit)}, rc).hypervisor_config.default_max_vcpus == limit
    with pytest.raises(AnnotationError, match="QEMU's maximum"):
        apply({H + "default_max_vcpus": str(limit + 1)}, rc)
    rc.hypervisor_type = HypervisorType.FIRECRACKER
    assert (
        apply({H + "default_max_vcpus": str(limit + 1)}, rc).hypervisor_config.default_max_vcpus == limit + 1
    )


def test_shared_fs_virtio_fs_without_daemon_is_rejected() -> None:
    with pytest.raises(AnnotationError) as info:
        apply({H + "shared_fs": "virtio-fs"}, rc_with(enable_annotations=[".*"]))
    assert info.value.errors[0].key == H + "shared_fs"
    assert "daemon" in str(info.value)


def test_virtio_fs_without_daemon_in_the_configuration_is_a_config_error() -> None:
    rc = rc_with(shared_fs="virtio-fs")
    with pytest.raises(ConfigError, match="virtio_fs_daemon"):
        apply({}, rc)
    # an annotation that switches back to 9p repairs it, as in Go
    rc.hypervisor_config.enable_annotations = ["shared_fs"]
    assert apply({H + "shared_fs": "virtio-9p"}, rc).hypervisor_config.shared_fs == "virtio-9p"


# -- gating traps -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patterns", "key", "enabled"),
    [
        ([".*"], "default_vcpus", True),
        (["default_vcpus"], "default_vcpus", True),
        (["vcpus"], "default_vcpus", True),  # unanchored, as Go
        (["^vcpus"], "default_vcpus", False),
        (["^default_vcpus$"], "default_max_vcpus", False),
        (["(?=x)", "default_memory"], "default_vcpus", False),  # lookahead does not compile in RE2
        (["[", "default"], "default_vcpus", True),  # a bad pattern matches nothing; the next one does
        (["\\Z"], "default_vcpus", False),
        ([], "default_vcpus", False),
    ],
)
def test_enable_annotations_rules(patterns: list[str], key: str, enabled: bool) -> None:
    assert ka.is_enabled(H + key, rc_with(enable_annotations=patterns))[0] is enabled


def test_dollar_does_not_match_before_a_trailing_newline() -> None:
    # Python's re would let "default_vcpus\n" through "^default_vcpus$"; RE2 does not.
    rc = rc_with(enable_annotations=["^default_vcpus$"])
    plan = plan_overrides({H + "default_vcpus\n": "1"}, sandbox_for(rc), rc, features=FEATURES)
    assert plan.decisions[0].outcome is Outcome.REJECTED
    assert "not enabled" in plan.decisions[0].reason


def test_non_hypervisor_keys_are_not_gated() -> None:
    rc = rc_with(enable_annotations=[])
    plan = plan_overrides(
        {ka.DISABLE_GUEST_SECCOMP: "true", "io.kubernetes.cri.sandbox-id": "x"},
        SandboxConfig(),
        rc,
        features=FEATURES,
    )
    assert [d.outcome for d in plan.decisions] == [Outcome.APPLIED]


@pytest.mark.parametrize(
    "value",
    [
        "/bin/../bin/false",
        "/bin/false/",
        "/bin/false\n",
        "/bin//false",
        "/bin/./false",
        "bin/false",
        "/bin/fals*",
    ],
)
def test_path_allow_list_takes_the_exact_string_only(value: str) -> None:
    need("/bin/false")
    rc = rc_with(enable_annotations=[".*"], hypervisor_path_list=["/bin/false"])
    with pytest.raises(AnnotationError, match="not a file matched by valid_hypervisor_paths"):
        apply({H + "path": value}, rc)
    assert apply({H + "path": "/bin/false"}, rc).hypervisor_config.hypervisor_path == "/bin/false"


def test_path_allow_list_symlink_is_its_own_path_not_its_target(tmp_path: Path) -> None:
    target = tmp_path / "qemu-real"
    target.write_bytes(b"")
    link = tmp_path / "qemu-link"
    link.symlink_to(target)
    rc = rc_with(enable_annotations=[".*"], hypervisor_path_list=[str(tmp_path / "*-link")])
    assert apply({H + "path": str(link)}, rc).hypervisor_config.hypervisor_path == str(link)
    with pytest.raises(AnnotationError):
        apply({H + "path": str(target)}, rc)


def test_empty_allow_list_rejects_everything_and_says_so() -> None:
    need("/bin/false")
    with pytest.raises(AnnotationError) as info:
        apply({H + "virtio_fs_daemon": "/bin/false"}, rc_with(enable_annotations=[".*"]))
    assert "valid_virtio_fs_daemon_paths is empty" in str(info.value)


# -- all-or-nothing, every problem at once ---------------------------------------------------


def test_several_bad_annotations_are_all_reported_sorted_and_none_applied() -> None:
    rc = rc_with(enable_annotations=["default_", "use_vsock", "path"])
    sandbox = sandbox_for(rc)
    annotations = {
        H + "use_vsock": "maybe",
        H + "default_memory": "lots",
        H + "default_vcpus": "1",  # valid: must not be applied either
        H + "path": "/usr/bin/evil",
        H + "machine_type": "q35",  # not enabled
        ka.DISABLE_GUEST_SECCOMP: "true",  # valid
    }
    with pytest.raises(AnnotationError) as info:
        apply(annotations, rc, sandbox=sandbox)
    keys = [p.key for p in info.value.errors]
    assert keys == sorted(keys)
    assert keys == [H + "default_memory", H + "machine_type", H + "path", H + "use_vsock"]
    for problem in info.value.errors:
        assert problem.key in str(info.value)
        assert problem.reason
    assert "'maybe'" in str(info.value) and "/usr/bin/evil" in str(info.value)
    assert sandbox.hypervisor_config.num_vcpus == 0
    assert sandbox.disable_guest_seccomp is False
    assert str(info.value).startswith("4 annotations rejected, none applied")


def test_sandbox_config_with_a_rejected_annotation_raises_and_changes_nothing() -> None:
    spec = kata_oci.decode_spec(
        json.dumps(
            {
                "process": {},
                "root": {"path": "r"},
                "linux": {},
                "annotations": {H + "default_vcpus": "1", H + "default_memory": "x"},
            }
        ).encode()
    )
    rc = rc_with(enable_annotations=[".*"])
    before = kata_oci.to_json(rc)
    with pytest.raises(AnnotationError):
        kata_oci.sandbox_config(spec, rc, "/b", "c")
    assert kata_oci.to_json(rc) == before


def test_apply_never_mutates_its_inputs() -> None:
    rc = rc_with(enable_annotations=[".*"], kernel_params=[Param(key="a")])
    sandbox = sandbox_for(rc, annotations={"k": "v"})
    before_rc, before_sb = kata_oci.to_json(rc), kata_oci.to_json(sandbox)
    annotations = {
        H + "kernel_params": "b=1",
        H + "default_memory": "512",
        H + "kernel_hash": "abc",
        ka.DISABLE_NEW_NETNS: "true",
    }
    frozen = dict(annotations)
    result = apply(annotations, rc, sandbox=sandbox)
    assert kata_oci.to_json(rc) == before_rc
    assert kata_oci.to_json(sandbox) == before_sb
    assert annotations == frozen
    assert result.hypervisor_config.kernel_params == [Param(key="a"), Param(key="b", value="1")]
    assert result.annotations == {"k": "v", H + "kernel_hash": "abc"}
    assert result.network_config.disable_new_net_ns is True


def test_ten_thousand_annotations() -> None:
    rc = rc_with(enable_annotations=[".*"])
    annotations = {f"io.example/key-{i}": str(i) for i in range(10_000)}
    annotations[H + "default_memory"] = "4096"
    annotations["io.kubernetes.cri.sandbox-id"] = "s"
    result = apply(annotations, rc)
    assert result.hypervisor_config.memory_size == 4096
    plan = plan_overrides(annotations, sandbox_for(rc), rc, features=FEATURES)
    assert len(plan.decisions) == 1


# -- unknown keys ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "closest"),
    [
        (H + "default_vcpu", H + "default_vcpus"),
        ("io.kata-containers.config.hypervisor.default_vcpus", H + "default_vcpus"),
        ("io.katacontainers.config.runtime.disable_guest_seccmp", ka.DISABLE_GUEST_SECCOMP),
        ("io.katacontainers.config.agent.kernel_module", ka.KERNEL_MODULES),
    ],
)
def test_unknown_keys_warn_with_the_closest_known_key(key: str, closest: str) -> None:
    rc = rc_with(enable_annotations=[".*"])
    with capture_logs() as logs:
        plan = plan_overrides({key: "1"}, sandbox_for(rc), rc, features=FEATURES)
    (decision,) = plan.decisions
    assert decision.outcome is Outcome.UNKNOWN
    assert decision.hint == f"did you mean {closest}?"
    assert [(e["event"], e["key"], e["closest"]) for e in logs] == [("unknown_annotation", key, closest)]
    plan.apply(sandbox_for(rc))  # not an error


def test_unknown_keys_are_errors_when_strict() -> None:
    rc = rc_with(enable_annotations=[".*"])
    with pytest.raises(AnnotationError, match="did you mean"):
        apply({H + "default_vcpu": "1"}, rc, strict=True)


def test_unknown_hypervisor_key_not_enabled_is_rejected_as_kata_does() -> None:
    with pytest.raises(AnnotationError, match="not enabled"):
        apply({H + "no_such_thing": "1"}, rc_with(enable_annotations=["default_vcpus"]))


def test_many_unknown_keys_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    rc = rc_with(enable_annotations=[".*"])
    annotations = {f"{H}unknown_{i}": "1" for i in range(2000)}
    with capture_logs() as logs:
        plan = plan_overrides(annotations, sandbox_for(rc), rc, features=FEATURES)
    assert len(plan.decisions) == 2000
    assert len(logs) <= 40
    assert logs[-1]["event"] == "unknown_annotations"
    assert logs[-1]["count"] == 2000


def test_runtime_written_keys_are_not_unknown() -> None:
    plan = plan_overrides(
        {ka.BUNDLE_PATH_KEY: "/b", ka.CONTAINER_TYPE_KEY: "pod_sandbox"},
        SandboxConfig(),
        RuntimeConfig(),
        features=FEATURES,
    )
    assert {d.outcome for d in plan.decisions} == {Outcome.IGNORED}


# -- the table -----------------------------------------------------------------------------------


def test_every_annotation_kata_defines_is_declared() -> None:
    keys = json.loads(shared_path("corpus", "keys", "kata1-vc-annotations.json").read_text())
    go = {
        c["value"]
        for c in keys["constants"]
        if c["value"].startswith("io.katacontainers.config.") and not c["value"].endswith(".")
    }
    assert go - set(ka.BY_KEY) == set()


def test_the_table_declares_each_key_once_with_a_target_or_a_reason() -> None:
    assert len(ka.BY_KEY) == len(ka.DECLARATIONS)
    for decl in ka.DECLARATIONS:
        assert decl.target is not None or decl.asset or not decl.applied, decl.key
        assert decl.description
        if decl.target:
            head = decl.target.split(".")[0]
            assert head in SandboxConfig.__struct_fields__, decl.key


def test_unsafe_annotations_are_the_host_paths() -> None:
    unsafe = {d.name for d in ka.DECLARATIONS if d.unsafe}
    assert {
        "path",
        "ctlpath",
        "jailer_path",
        "virtio_fs_daemon",
        "file_mem_backend",
        "vhost_user_store_path",
        "kernel",
        "image",
        "initrd",
        "firmware",
    } <= unsafe
    assert "default_vcpus" not in unsafe


def test_listing_with_a_runtime_config() -> None:
    rc = rc_with(enable_annotations=["^default_"])
    enabled = {d.name for d in ka.DECLARATIONS if ka.is_enabled(d.key, rc)[0]}
    assert {"default_vcpus", "default_max_vcpus", "default_memory"} <= enabled
    assert "kernel_params" not in enabled
    assert "disable_guest_seccomp" in enabled  # runtime keys are not gated
    decl = ka.BY_KEY[H + "default_vcpus"]
    assert decl.kind is ka.Kind.UINT32
    assert decl.target == "hypervisor_config.num_vcpus"
    assert "at most the CPUs this process may run on" in decl.checks()


def test_kata1_rows_moved_beside_their_table_and_keep_their_old_names() -> None:
    """kata1's compiled table lives in profiles/kata1/annotate.py; the applier's old names still find it."""
    assert overrides.KATA1_TABLE is kata1_annotate.KATA1_TABLE
    assert overrides.MAX_QEMU_VCPUS == kata1_annotate.MAX_QEMU_VCPUS
    assert overrides.KATA1_KEY_INDEX is kata1_annotate.KATA1_TABLE.key_index
    assert overrides._kata1_table() is kata1_annotate.KATA1_TABLE  # table=None: the seed API's default
    with pytest.raises(AttributeError, match="no attribute 'KATA2_TABLE'"):
        overrides.KATA2_TABLE  # noqa: B018
