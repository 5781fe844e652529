"""The ``go`` profile's annotation table, key by key: Kata 4.1's parsing, checks and effects.

Beyond Kata's own tests (tests/test_go_utils.py): one test per behaviour of
``src/runtime/pkg/oci/utils.go`` at 4.1.0, and per deliberate difference
(docs/differences-go.md).
"""

from __future__ import annotations

import base64
import gzip
from pathlib import Path

import pytest

import kata_oci.sandbox
from kata_oci import overrides
from kata_oci.config import Param
from kata_oci.errors import AnnotationError, ConfigError
from kata_oci.overrides import Outcome
from kata_oci.profiles.go import annotate, table as t
from kata_oci.profiles.go.sandbox import SandboxConfig, static_resources
from kata_oci.profiles.go.types import (
    HypervisorConfig,
    HypervisorType,
    KataAgentConfig,
    PCIePort,
    RuntimeConfig,
)
from kata_oci.profiles.kata1 import annotate as kata1_annotate
from kata_oci.types import Feature


def rc(kind: HypervisorType = HypervisorType.QEMU, **hyp: object) -> RuntimeConfig:
    hyp.setdefault("enable_annotations", [".*"])
    return RuntimeConfig(hypervisor_type=kind, hypervisor_config=HypervisorConfig(**hyp))  # type: ignore[arg-type]


def sb(kind: HypervisorType = HypervisorType.QEMU, **hyp: object) -> SandboxConfig:
    return SandboxConfig(hypervisor_type=kind, hypervisor_config=HypervisorConfig(**hyp))  # type: ignore[arg-type]


def add(
    ann: dict[str, str], runtime: RuntimeConfig | None = None, sandbox: SandboxConfig | None = None
) -> SandboxConfig:
    return annotate.apply_annotations(ann, sandbox or sb(), runtime or rc(), features={})


def decision(
    key: str, value: str, runtime: RuntimeConfig | None = None, sandbox: SandboxConfig | None = None
):  # type: ignore[no-untyped-def]
    plan = annotate.plan_annotations({key: value}, sandbox or sb(), runtime or rc(), features={})
    (d,) = [d for d in plan.decisions if d.key == key]
    return d


def rejected(key: str, value: str, **kw: object) -> str:
    d = decision(key, value, **kw)  # type: ignore[arg-type]
    assert d.outcome is Outcome.REJECTED, d
    return d.reason


@pytest.fixture
def many_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    overrides.host_cpus.cache_clear()
    monkeypatch.setattr(t, "host_cpus", lambda: 1000)


# -- the table ------------------------------------------------------------------------------


def test_table_has_every_key_of_kata_4_1() -> None:
    """84 rows plus the 3 keys the runtime writes: the 87 keys of annotations.go (SGX EPC included)."""
    assert len(t.DECLARATIONS) == len(t.BY_KEY) == 84
    assert len(t.BY_KEY) + len(t.NOT_OVERRIDES) == 87
    assert annotate.GO_TABLE.name == "go" and annotate.GO_TABLE.title == "Kata 4.1"
    for d in t.DECLARATIONS:
        assert d.checks() is not None and d.description
        assert d.gated == d.key.startswith("io.katacontainers.config.hypervisor.")


def test_removed_keys_have_precise_hints() -> None:
    removed = annotate.GO_TABLE.removed_keys
    assert "removed in Kata 2.4" in removed[t._H + "enable_swap"]
    assert t.COLD_PLUG_VFIO in removed[t._H + "hotplug_vfio_on_root_bus"]
    assert removed["io.katacontainers.config.runtime.cc_init_data"].endswith(t.INITDATA)
    assert not set(removed) & set(t.BY_KEY)
    d = decision(t._H + "enable_swap", "true")
    assert d.outcome is Outcome.UNKNOWN and "Kata 4.1" in d.reason


def test_kata1_table_is_the_default_and_unchanged() -> None:
    plan = overrides.plan_overrides(
        {t._H + "enable_swap": "true"},
        kata_oci.sandbox.SandboxConfig(),
        _kata1_rc(),
        features={},
    )
    assert plan.decisions[0].outcome is Outcome.APPLIED
    assert kata1_annotate.KATA1_TABLE.name == "kata1"


def _kata1_rc():  # type: ignore[no-untyped-def]
    from kata_oci.config import HypervisorConfig as H1, RuntimeConfig as R1

    return R1(hypervisor_config=H1(enable_annotations=[".*"]))


# -- the gate ----------------------------------------------------------------------------------


def test_gate_applies_to_every_hypervisor_key_known_or_not() -> None:
    closed = rc(enable_annotations=[])
    assert "not enabled" in rejected(t.DEFAULT_MEMORY, "1024", runtime=closed)
    assert "not enabled" in rejected(t._H + "no_such_key", "x", runtime=closed)
    # runtime and agent keys, and the SGX key, are not gated
    assert add({t.SANDBOX_CGROUP_ONLY: "true", t.SGX_EPC: "1Mi"}, closed).sandbox_cgroup_only
    got = add({t.DEFAULT_MEMORY: "512"}, rc(enable_annotations=["^default_memory$"]))
    assert got.hypervisor_config.memory_size == 512


def test_all_or_nothing() -> None:
    base = sb()
    with pytest.raises(AnnotationError) as info:
        add({t.DEFAULT_MEMORY: "1024", t.MSIZE_9P: "0", t.INDEP_IO_THREADS: "51"}, sandbox=base)
    assert {p.key for p in info.value.errors} == {t.MSIZE_9P, t.INDEP_IO_THREADS}
    assert base.hypervisor_config.memory_size == 0


# -- numbers -------------------------------------------------------------------------------------


def test_default_memory_minimum_and_remote() -> None:
    assert "less than Kata's minimum of 256" in rejected(t.DEFAULT_MEMORY, "128")
    assert add({t.DEFAULT_MEMORY: "256"}).hypervisor_config.memory_size == 256
    remote = add({t.DEFAULT_MEMORY: "1"}, rc(HypervisorType.REMOTE), sb(HypervisorType.REMOTE))
    assert remote.hypervisor_config.memory_size == 1


def test_uint32_values_that_go_would_wrap_are_rejected() -> None:
    for key in (
        t.DEFAULT_MEMORY,
        t.PCIE_ROOT_PORT,
        t.MEM_SLOTS,
        t.AGENT_CONTAINER_PIPE_SIZE,
        t.VIRTIO_FS_CACHE_SIZE,
    ):
        reason = rejected(key, str(2**32 + 512))
        assert "silently wrap it to 512" in reason
    assert add({t.DEFAULT_MEMORY: str(2**32 - 1)}).hypervisor_config.memory_size == 2**32 - 1


def test_uint64_values_keep_64_bits() -> None:
    got = add({t.MEM_OFFSET: str(2**64 - 1), t.CREATE_CONTAINER_TIMEOUT: str(2**40)})
    assert got.hypervisor_config.mem_offset == 2**64 - 1 and got.create_container_timeout == 2**40
    assert "out of range" in rejected(t.MEM_OFFSET, str(2**64))
    assert "invalid syntax" in rejected(t.MEM_OFFSET, "+1")


def test_default_vcpus_is_a_float32(many_cpus: None) -> None:
    assert add({t.DEFAULT_VCPUS: "0.5"}).hypervisor_config.num_vcpus_f == 0.5
    assert add({t.DEFAULT_VCPUS: "2.2"}).hypervisor_config.num_vcpus_f == pytest.approx(2.2, abs=1e-6)
    assert add({t.DEFAULT_VCPUS: "2.2"}).hypervisor_config.num_vcpus_f == 2.200000047683716  # float32(2.2)
    assert add({t.DEFAULT_VCPUS: "0x1p-2"}).hypervisor_config.num_vcpus_f == 0.25
    assert add({t.DEFAULT_VCPUS: "1_0"}).hypervisor_config.num_vcpus_f == 10.0
    assert "negative" in rejected(t.DEFAULT_VCPUS, "-1")
    assert "NaN" in rejected(t.DEFAULT_VCPUS, "NaN")
    assert "too large" in rejected(t.DEFAULT_VCPUS, "inf")
    assert "out of range" in rejected(t.DEFAULT_VCPUS, "1e39")
    assert "invalid syntax" in rejected(t.DEFAULT_VCPUS, " 1")


def test_vcpu_limits_host_and_qemu(many_cpus: None) -> None:
    assert "more than the 1000 CPUs" in rejected(t.DEFAULT_VCPUS, "1000.5")
    assert "QEMU's maximum" in rejected(t.DEFAULT_MAX_VCPUS, str(t.MAX_QEMU_VCPUS + 1))
    clh = add(
        {t.DEFAULT_MAX_VCPUS: str(t.MAX_QEMU_VCPUS + 1)}, rc(HypervisorType.CLH), sb(HypervisorType.CLH)
    )
    assert clh.hypervisor_config.default_max_vcpus == t.MAX_QEMU_VCPUS + 1
    remote = add(
        {t.DEFAULT_VCPUS: "5000", t.DEFAULT_MAX_VCPUS: "5000"},
        rc(HypervisorType.REMOTE),
        sb(HypervisorType.REMOTE),
    )
    assert remote.hypervisor_config.default_max_vcpus == 5000


def test_positive_only_keys_keep_the_configured_value_on_zero() -> None:
    base = sb(pcie_root_port=4, mem_slots=10, mem_offset=7)
    got = add(
        {t.PCIE_ROOT_PORT: "0", t.MEM_SLOTS: "0", t.MEM_OFFSET: "0", t.PCIE_SWITCH_PORT: "0"}, sandbox=base
    )
    assert (got.hypervisor_config.pcie_root_port, got.hypervisor_config.mem_slots) == (4, 10)
    assert decision(t.PCIE_ROOT_PORT, "0").outcome is Outcome.IGNORED


def test_indep_iothreads_and_msize_9p_ranges() -> None:
    assert "from 1 to 50" in rejected(t.INDEP_IO_THREADS, "0")
    assert "from 1 to 50" in rejected(t.INDEP_IO_THREADS, "51")
    assert add({t.INDEP_IO_THREADS: "50"}).hypervisor_config.indep_iothreads == 50
    assert "positive" in rejected(t.MSIZE_9P, "0")


def test_sector_size_checked_against_the_configuration() -> None:
    base = sb(block_device_physical_sector_size=512)
    with pytest.raises(AnnotationError, match="logical sector size"):
        add({t.BLOCK_DEVICE_LOGICAL_SECTOR_SIZE: "4096"}, sandbox=base)
    assert add({t.BLOCK_DEVICE_PHYSICAL_SECTOR_SIZE: "0"}, sandbox=sb(block_device_logical_sector_size=4096))
    bad = sb(block_device_logical_sector_size=4096, block_device_physical_sector_size=512)
    with pytest.raises(ConfigError, match="logical sector size"):
        add({}, sandbox=bad)


# -- strings, lists, choices -----------------------------------------------------------------------


def test_kernel_params_replace_same_key() -> None:
    base = sb(kernel_params=[Param(key="a", value="1"), Param(key="b", value="2"), Param(key="a", value="0")])
    got = add({t.KERNEL_PARAMS: "a=3 c x=1 x=2"}, sandbox=base).hypervisor_config.kernel_params
    assert [(p.key, p.value) for p in got] == [("b", "2"), ("a", "3"), ("c", ""), ("x", "2")]
    assert "empty key" in rejected(t.KERNEL_PARAMS, "a=1 =2")
    assert decision(t.KERNEL_PARAMS, "").outcome is Outcome.IGNORED


def test_kernel_verity_params() -> None:
    good = "root_hash=ab,salt=cd,data_blocks=8,data_block_size=4096,hash_block_size=4096"
    assert add({t.KERNEL_VERITY_PARAMS: good}).hypervisor_config.kernel_verity_params == good
    assert "missing root_hash" in rejected(t.KERNEL_VERITY_PARAMS, "salt=cd")
    assert "multiple of 512" in rejected(t.KERNEL_VERITY_PARAMS, good.replace("4096,hash", "1000,hash"))
    assert "non-zero" in rejected(t.KERNEL_VERITY_PARAMS, good.replace("data_blocks=8", "data_blocks=0"))
    assert "not key=value" in rejected(t.KERNEL_VERITY_PARAMS, "root_hash")


def test_virtio_fs_extra_args_json_list_appended() -> None:
    base = sb(virtio_fs_extra_args=["--a"])
    assert add(
        {t.VIRTIO_FS_EXTRA_ARGS: '["--b", "--c"]'}, sandbox=base
    ).hypervisor_config.virtio_fs_extra_args == [
        "--a",
        "--b",
        "--c",
    ]
    assert add({t.VIRTIO_FS_EXTRA_ARGS: "null"}, sandbox=base).hypervisor_config.virtio_fs_extra_args == [
        "--a"
    ]
    assert "not JSON" in rejected(t.VIRTIO_FS_EXTRA_ARGS, "--b")
    assert "list of strings" in rejected(t.VIRTIO_FS_EXTRA_ARGS, "[1]")
    assert "not JSON" in rejected(t.VIRTIO_FS_EXTRA_ARGS, "[NaN]")


def test_virtio_fs_needs_a_daemon() -> None:
    assert "without a daemon" in rejected(t.SHARED_FS, "virtio-fs")
    with pytest.raises(ConfigError, match="virtio-fs without daemon"):
        add({}, sandbox=sb(shared_fs="virtio-fs"))
    assert add({t.SHARED_FS: "virtio-9p"}).hypervisor_config.shared_fs == "virtio-9p"
    assert "not supported" in rejected(t.SHARED_FS, "none")


def test_block_device_choices() -> None:
    assert "not supported" in rejected(t.BLOCK_DEVICE_AIO, "posix")
    assert add({t.BLOCK_DEVICE_DRIVER: "nvdimm"}).hypervisor_config.block_device_driver == "nvdimm"


def test_hot_and_cold_plug_vfio() -> None:
    base = sb(hot_plug_vfio=PCIePort.ROOT_PORT, cold_plug_vfio=PCIePort.ROOT_PORT)
    hot = add({t.HOT_PLUG_VFIO: "switch-port"}, sandbox=base).hypervisor_config
    assert (hot.hot_plug_vfio, hot.cold_plug_vfio) == (PCIePort.SWITCH_PORT, PCIePort.NO_PORT)
    cold = add({t.COLD_PLUG_VFIO: "bridge-port"}, sandbox=base).hypervisor_config
    assert (cold.hot_plug_vfio, cold.cold_plug_vfio) == (PCIePort.NO_PORT, PCIePort.BRIDGE_PORT)
    # Go applies hot plug first, then cold plug: given both, hot plug ends up off
    both = add(
        {t.COLD_PLUG_VFIO: "root-port", t.HOT_PLUG_VFIO: "switch-port"}, sandbox=base
    ).hypervisor_config
    assert (both.hot_plug_vfio, both.cold_plug_vfio) == (PCIePort.NO_PORT, PCIePort.ROOT_PORT)
    assert add({t.HOT_PLUG_VFIO: ""}, sandbox=base).hypervisor_config.hot_plug_vfio == PCIePort.NO_PORT
    assert "invalid PCIe port" in rejected(t.COLD_PLUG_VFIO, "invalid-port")


def test_entropy_source_allow_list() -> None:
    assert "valid_entropy_sources is empty" in rejected(t.ENTROPY_SOURCE, "/dev/hwrng")
    allowed = rc(entropy_source_list=["/dev/*random*"])
    assert add({t.ENTROPY_SOURCE: "/dev/urandom"}, allowed).hypervisor_config.entropy_source == "/dev/urandom"
    assert "not a file matched" in rejected(t.ENTROPY_SOURCE, "", runtime=allowed)


def test_gpu_keys_only_for_remote() -> None:
    d = decision(t.DEFAULT_GPUS, "abc")
    assert d.outcome is Outcome.IGNORED and "remote" in d.reason
    remote = add({t.DEFAULT_GPUS: "2"}, rc(HypervisorType.REMOTE), sb(HypervisorType.REMOTE))
    assert remote.hypervisor_config.default_gpus == 2


def test_sgx_epc_quantity() -> None:
    assert add({t.SGX_EPC: "64Mi"}).hypervisor_config.sgx_epc_size == 64 << 20
    assert add({t.SGX_EPC: "-1Ki"}).hypervisor_config.sgx_epc_size == -1024
    assert add({t.SGX_EPC: "Ki"}).hypervisor_config.sgx_epc_size == 0
    assert "unsupported EPC format" in rejected(t.SGX_EPC, "64M")
    assert "unsupported EPC format" in rejected(t.SGX_EPC, "0")
    assert "Kata would set the EPC size to 0" in rejected(t.SGX_EPC, "1Pi")
    assert "Kata would set the EPC size to 0" in rejected(t.SGX_EPC, "1.5Ki")
    assert "cannot parse" in rejected(t.SGX_EPC, "1Kix")


def test_vfio_mode_and_network_model() -> None:
    got = add({t.VFIO_MODE: "guest-kernel", t.INTER_NETWORK_MODEL: "default"})
    assert got.vfio_mode == "guest-kernel"
    assert got.network_config.interworking_model == "tcfilter"
    assert "unknown VFIO mode" in rejected(t.VFIO_MODE, "vfio-pci")


def test_experimental_features_and_vcpu_pinning() -> None:
    feature = Feature(name="newstuff")
    plan = annotate.plan_annotations(
        {t.EXPERIMENTAL: "newstuff", t.ENABLE_VCPUS_PINNING: "true"},
        sb(),
        rc(enable_annotations=[]),
        features={"newstuff": feature},
    )
    got = plan.apply(sb())
    assert got.experimental == [feature] and got.enable_vcpus_pinning
    assert "unsupported experimental feature" in rejected(t.EXPERIMENTAL, "x")


def test_defined_but_not_applied_keys_are_ignored() -> None:
    for key in (t.GUEST_SELINUX_LABEL, t.ENABLE_PPROF, t.CONTAINER_RESOURCES_SWAPPINESS):
        d = decision(key, "1")
        assert d.outcome is Outcome.IGNORED and "not" in d.reason


def test_numa_mapping_reads_host_nodes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for node, cpus in ((0, "0-3"), (1, "4-7"), (2, "")):
        (tmp_path / f"node{node}").mkdir()
        (tmp_path / f"node{node}" / "cpulist").write_text(cpus + "\n")
    (tmp_path / "online").write_text("0-2\n")
    monkeypatch.setattr(annotate, "NUMA_NODE_ROOT", str(tmp_path))
    h = add({t.NUMA_MAPPING: "0,1 2"}).hypervisor_config
    assert [(n.host_nodes, n.host_cpus) for n in h.guest_numa_nodes] == [("0,1", "0-3,4-7"), ("2", "")]
    assert h.numa_mapping == ["0,1", "2"]
    every = add({t.NUMA_MAPPING: " "}).hypervisor_config
    assert [n.host_nodes for n in every.guest_numa_nodes] == ["0", "1", "2"] and every.numa_mapping == []
    assert "not available" in rejected(t.NUMA_MAPPING, "5")
    assert "not a number" in rejected(t.NUMA_MAPPING, "x")
    assert "more than 4096" in rejected(t.NUMA_MAPPING, "0-999999999")


# -- confidential containers ---------------------------------------------------------------------------


def _initdata(doc: str) -> str:
    return base64.b64encode(gzip.compress(doc.encode())).decode()


SECRET = "-----BEGIN PRIVATE KEY----- hunter2"


def test_initdata_decoded_and_summarised_without_secrets() -> None:
    doc = f'version = "0.1.0"\nalgorithm = "sha384"\n[data]\n"aa.toml" = "{SECRET}"\n"policy.rego" = "x"\n'
    d = decision(t.INITDATA, _initdata(doc))
    assert d.outcome is Outcome.APPLIED
    assert d.new.version == "0.1.0" and d.new.algorithm == "sha384"
    assert d.new.files == ("aa.toml", "policy.rego")
    assert SECRET not in repr(d) and "hunter2" not in str(d.new)
    assert d.value == f"<{len(_initdata(doc))} characters of base64, not shown>"
    with pytest.raises(AnnotationError) as info:
        add({t.INITDATA: _initdata(doc.replace("sha384", "md5"))})
    assert "H4sI" not in str(info.value) and "characters of base64, not shown" in str(info.value)
    got = add({t.INITDATA: _initdata(doc)}).hypervisor_config
    assert got.initdata == doc and len(got.initdata_digest) == 48


@pytest.mark.parametrize(
    ("value", "step"),
    [
        ("not base64!", "base64"),
        (base64.b64encode(b"plain text, not gzip").decode(), "gzip"),
        (base64.b64encode(gzip.compress(b"x")[:-3]).decode(), "gzip"),
        (_initdata("version = \n"), "toml"),
        (_initdata('version = 1\nalgorithm = "sha256"\n'), "toml"),
        (_initdata('algorithm = "sha256"\n[data]\n"a" = 1\n'), "toml"),
        (_initdata('version = "0.1.0"\nalgorithm = "md5"\n'), "algorithm"),
        (_initdata('version = "0.1.0"\n'), "algorithm"),
    ],
)
def test_initdata_failures_name_the_step(value: str, step: str) -> None:
    reason = rejected(t.INITDATA, value)
    assert f"initdata {step} step failed" in reason


def test_initdata_empty_is_ignored_and_old_key_is_renamed() -> None:
    assert decision(t.INITDATA, "").outcome is Outcome.IGNORED
    old = decision("io.katacontainers.config.runtime.cc_init_data", "x")
    assert old.outcome is Outcome.UNKNOWN


def test_agent_policy_decoded_with_its_size() -> None:
    policy = "package agent_policy\ndefault CreateContainerRequest := true\n"
    d = decision(t.POLICY, base64.b64encode(policy.encode()).decode())
    assert d.outcome is Outcome.APPLIED and d.new == f"<{len(policy)} bytes, not shown>"
    got = add({t.POLICY: base64.b64encode(policy.encode()).decode()})
    assert got.agent_config == KataAgentConfig(policy=policy)
    assert "not base64" in rejected(t.POLICY, "abc")


# -- static resource management ---------------------------------------------------------------------------


def test_static_resources_add_the_workload() -> None:
    from kata_oci.profiles.go.sandbox import SandboxResourceSizing

    base = SandboxConfig(
        static_resource_mgmt=True,
        hypervisor_config=HypervisorConfig(num_vcpus_f=1.0, memory_size=2048, default_max_vcpus=8),
        sandbox_resources=SandboxResourceSizing(workload_cpus=1.5, workload_mem_mb=512),
    )
    got = static_resources(base)
    assert got.hypervisor_config.num_vcpus_f == 2.5 and got.hypervisor_config.memory_size == 2560
    assert got.hypervisor_config.default_max_vcpus == 3
    assert (got.sandbox_resources.base_cpus, got.sandbox_resources.base_mem_mb) == (1.0, 2048)
    zero = static_resources(SandboxConfig(static_resource_mgmt=True))
    assert zero.hypervisor_config.default_max_vcpus == 1
    assert (
        static_resources(
            SandboxConfig(hypervisor_config=HypervisorConfig(default_max_vcpus=8))
        ).hypervisor_config.default_max_vcpus
        == 8
    )
    huge = SandboxConfig(
        static_resource_mgmt=True,
        hypervisor_config=HypervisorConfig(memory_size=2**32 - 1),
        sandbox_resources=SandboxResourceSizing(workload_mem_mb=2),
    )
    with pytest.raises(ConfigError, match="would wrap"):
        static_resources(huge)


def test_initdata_toml_read_as_burntsushi_v1_6_does() -> None:
    """A UTF-8 BOM is skipped and TOML 1.1 forms (newlines in an inline table, \\e) are accepted."""
    doc = '\ufeffversion = "0.1.0"\nalgorithm = "sha256"\ndata = {\n  "a.toml" = "x\\e",\n}\n'
    d = decision(t.INITDATA, _initdata(doc))
    assert d.outcome is Outcome.APPLIED, d.reason
    assert d.new.files == ("a.toml",)
    assert "initdata toml step failed" in rejected(t.INITDATA, _initdata('version = "0.1.0"\nalgorithm = \n'))


def test_experimental_annotation_names_no_feature_of_kata_4_1() -> None:
    """Kata 4.1 registers no experimental feature: every name is refused (kata1's newstore too)."""
    plan = annotate.plan_annotations({t.EXPERIMENTAL: "newstore"}, sb(), rc())
    (d,) = plan.decisions
    assert d.outcome is Outcome.REJECTED and "registered: none" in d.reason
