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


# -- every row of docs/differences-go.md has a test ----------------------------------------------


def _gz_b64(data: bytes) -> str:
    import base64
    import gzip

    return base64.b64encode(gzip.compress(data)).decode()


def test_initdata_beyond_8_mib_is_refused() -> None:
    """utils.go addHypervisorInitdataOverrides: io.ReadAll reads any size; kata-oci stops at 8 MiB."""
    from kata_oci.profiles.go import initdata

    doc = b'version = "0.1.0"\nalgorithm = "sha256"\n#' + b"x" * initdata.MAX_INITDATA_BYTES + b"\n"
    with pytest.raises(AnnotationError, match="initdata size step failed"):
        add({t.INITDATA: _gz_b64(doc)})


def test_initdata_padding_in_the_middle_is_refused() -> None:
    """utils.go addHypervisorInitdataOverrides: base64.NewDecoder decodes 1024-character chunks
    separately, so padding ending one is accepted; kata-oci wants it at the end only."""
    import base64

    from kata_oci.profiles.go import initdata

    first = base64.b64encode(b"\0" * 766).decode()  # 1024 characters, ending in "=="
    assert len(first) == 1024 and first.endswith("==")
    with pytest.raises(initdata.InitdataError) as info:
        initdata.decode_base64(first + "AAAA")
    assert info.value.step == "base64"


def test_policy_that_is_not_utf8_has_its_bytes_replaced() -> None:
    """utils.go addAgentConfigOverrides: ``c.Policy = string(decoded_rules)`` keeps the bytes."""
    import base64

    out = add({t.POLICY: base64.b64encode(b"allow\xff").decode()})
    assert out.agent_config.policy == "allow\ufffd"


def test_dan_config_is_not_looked_for_when_unset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """utils.go networkConfig: ``os.Stat(filepath.Join(config.DanConfig, cid+".json"))`` looks in the
    working directory when DanConfig is ""; kata-oci does not."""
    import kata_oci
    from kata_oci.profiles.go.sandbox import network_config

    (tmp_path / "cid.json").write_text("{}")
    monkeypatch.chdir(tmp_path)
    spec = kata_oci.Spec(linux=kata_oci.spec.Linux())
    assert network_config(spec, "cid", rc()).dan_config_path == ""
    runtime = RuntimeConfig(dan_config=str(tmp_path))
    assert network_config(spec, "cid", runtime).dan_config_path == str(tmp_path / "cid.json")


def test_block_devices_are_not_probed_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """utils.go newLinuxDeviceInfo: blockDeviceReadOnlyProbe runs for every block device; kata-oci
    only with probe_block_devices=True."""
    import kata_oci
    from kata_oci.profiles.go import sandbox as gosb

    asked: list[tuple[int, int]] = []
    monkeypatch.setattr(gosb, "block_device_read_only", lambda ma, mi: asked.append((ma, mi)) or True)
    spec = kata_oci.Spec(
        root=kata_oci.spec.Root(path="rootfs"),
        process=kata_oci.spec.Process(cwd="/"),
        linux=kata_oci.spec.Linux(
            resources=kata_oci.spec.LinuxResources(),
            devices=[kata_oci.spec.LinuxDevice(type="b", path="/dev/vda", major=8, minor=0)],
        ),
    )
    (dev,) = gosb.container_config(spec, "/b", "c", engine=kata_oci.default_engine()).device_infos
    assert dev.read_only is False and asked == []
    (dev,) = gosb.container_config(
        spec, "/b", "c", engine=kata_oci.default_engine(), probe_block_devices=True
    ).device_infos
    assert dev.read_only is True and asked == [(8, 0)]


def test_container_type_value_of_another_cri_is_refused() -> None:
    """utils.go ContainerType: one flat list of values for every CRI key (containerd's key with
    dockershim's "podsandbox" is a pod sandbox); kata-oci's CRI plugins own their values."""
    import kata_oci

    with pytest.raises(kata_oci.ContainerTypeError):
        kata_oci.container_type({"io.kubernetes.cri.container-type": "podsandbox"}, profile="go")


@pytest.mark.parametrize(
    ("doc", "annotations"),
    [
        (b'{"ociVersion":"1.0.2","Annotations":{"a":"b"}}', None),  # Go: {"a": "b"}
        (b'{"ociVersion":"1.0.2","annotations":{"a":"1"},"annotations":{"b":"2"}}', {"b": "2"}),  # Go: both
    ],
)
def test_config_json_decoding_differences(doc: bytes, annotations: dict[str, str] | None) -> None:
    """Kata 4.1 reads config.json with encoding/json (containerd-shim-v2 via oci.ParseConfigJSON):
    letter case ignored, duplicate maps merged; kata-oci's decoder is exact (docs/differences-go.md)."""
    import kata_oci

    assert kata_oci.decode_spec(doc).annotations == annotations
    assert "matched case-insensitively" in _DIFFERENCES and "the two maps merged" in _DIFFERENCES


@pytest.mark.parametrize(
    "doc", [b'{"ociVersion":"1.0.2","annotations":{"a":"\xff"}}', b'{"ociVersion":"1.0.2","hostname":null}']
)
def test_config_json_null_and_bad_utf8_are_spec_errors(doc: bytes) -> None:
    """encoding/json keeps a zero value for null and replaces invalid UTF-8; kata-oci refuses both."""
    import kata_oci

    with pytest.raises(kata_oci.SpecError):
        kata_oci.decode_spec(doc)
    assert "replaced by U+FFFD | `SpecError`" in _DIFFERENCES


_CHECKED_ON_64_BITS = {
    t.INDEP_IO_THREADS,
    t.BLOCK_DEVICE_LOGICAL_SECTOR_SIZE,
    t.BLOCK_DEVICE_PHYSICAL_SECTOR_SIZE,
}


@pytest.mark.parametrize("decl", [d for d in t.DECLARATIONS if d.kind is t.Kind.UINT32], ids=lambda d: d.name)
def test_every_uint32_key_refuses_what_go_would_wrap(decl: t.Declaration) -> None:
    """utils.go: every ``uint32(v)`` after ``ParseUint(v, 10, 64)``. The keys whose check runs on
    the 64-bit value (indep_iothreads, the sector sizes) fail in Go too; the others wrap and are
    listed in docs/differences-go.md."""
    plan = annotate.plan_annotations({decl.key: str(2**32 + 1)}, sb(REMOTE), rc(REMOTE), features={})
    (d,) = plan.decisions
    assert d.outcome is Outcome.REJECTED
    if decl.key not in _CHECKED_ON_64_BITS:
        assert "silently wrap it to 1" in d.reason
        row = _DIFFERENCES.split("| A `uint32` key", 1)[1].split("\n", 1)[0]
        assert f"`{decl.name}`" in row or f"`agent.{decl.name}`" in row, decl.key


def test_custom_spec_is_the_callers_spec_unmodified() -> None:
    """utils.go ContainerConfig: ``Annotations: ocispec.Annotations`` shares the spec's map, so
    adding BundlePathKey and ContainerTypeKey also changes ``CustomSpec.Annotations`` (and the
    caller's spec); kata-oci leaves the spec as it is (docs/differences-go.md)."""
    import kata_oci
    from kata_oci.profiles.go import sandbox as gosb

    spec = kata_oci.Spec(
        annotations={"x": "y"},
        root=kata_oci.spec.Root(path="rootfs"),
        process=kata_oci.spec.Process(cwd="/"),
        linux=kata_oci.spec.Linux(resources=kata_oci.spec.LinuxResources()),
    )
    container = gosb.container_config(spec, "/b", "cid", engine=kata_oci.default_engine())
    assert container.custom_spec is spec and spec.annotations == {"x": "y"}
    assert container.annotations == {
        "x": "y",
        t.BUNDLE_PATH_KEY: "/b",
        t.CONTAINER_TYPE_KEY: "single_container",
    }
    assert "`CustomSpec.Annotations`" in _DIFFERENCES


def test_initdata_key_in_another_case_with_a_wrong_type_fails() -> None:
    """utils.go addHypervisorInitdataOverrides: toml.Decode into types.Initdata (BurntSushi/toml)
    unifies every key that matches a field exactly or case-insensitively, so ``VERSION = 2`` beside
    ``version = "1"`` is an "incompatible types" error."""
    doc = b'version = "1"\nVERSION = 2\nalgorithm = "sha256"\n'
    with pytest.raises(AnnotationError, match="initdata toml step failed"):
        add({t.INITDATA: _gz_b64(doc)})
    ok = add({t.INITDATA: _gz_b64(b'version = "1"\nALGORITHM = "sha256"\n')}).hypervisor_config
    assert len(ok.initdata_digest) == 32


def test_initdata_data_table_in_another_case_is_checked_too() -> None:
    """BurntSushi/toml decodes ``[DATA]`` into ``Data map[string]string`` as well: a number fails."""
    doc = b'version = "1"\nalgorithm = "sha256"\n[data]\n"a" = "x"\n[DATA]\n"b" = 1\n'
    with pytest.raises(AnnotationError, match="initdata toml step failed"):
        add({t.INITDATA: _gz_b64(doc)})
