"""Kata 4.1's own tests of ``src/runtime/pkg/oci`` (``utils_test.go`` at 7c6ba40), ported.

Each test is named after the Go test it ports and checks the same inputs and
expectations, through the ``go`` profile. Go's ``addAnnotations(spec,
&config, runtimeConfig)`` is :func:`add` here: the annotations applied to a
bare 4.1 ``SandboxConfig`` (every field its zero value, as the Go tests'
``vc.SandboxConfig{}``), all or nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import msgspec
import pytest

import kata_oci
from kata_oci import golang
from kata_oci.errors import AnnotationError, DeviceError, KernelParamError, ShmSizeError
from kata_oci.profiles.go import annotate, sandbox as gosb, table as t
from kata_oci.profiles.go.sandbox import Mount, SandboxConfig
from kata_oci.profiles.go.types import (
    HypervisorConfig,
    HypervisorType,
    KataAgentConfig,
    NetInterworkingModel,
    Param,
    PCIePort,
    RuntimeConfig,
)
from kata_oci.sandbox import EnvVar, RootFs
from kata_oci.sizing import Sizing, calculate_container_sizing, calculate_sandbox_sizing
from kata_oci.spec import LinuxCapabilities, LinuxDevice, LinuxDeviceCgroup, LinuxResources, Spec

MIN_MEMORY = t.MIN_HYPERVISOR_MEMORY
CONTAINER_ID = "virtc-oci-test"

# The initdata of TestAddRemoteHypervisorAnnotations and TestAddRuntimeAnnotations.
INITDATA = (
    "H4sIAFlC92cAAytLLSrOzM9TsFVQMtAz1DNQ4krMSc8vyizJyAWJFWckGpmaKXFFpySWJMZyKSUm6pXk5+YoAeXU1dW5QJhLKTklA4to"
    "QX5OZnKlXlFqej6yBABS/5JkcQAAAA=="
)
INITDATA_TEXT = """version = "0.1.0"
algorithm = "sha256"
[data]
"aa.toml" = '''
'''

"cdh.toml" = '''
'''

"policy.rego" = '''
'''
"""
INITDATA_DIGEST = bytes(
    [
        0xC6,
        0x69,
        0x4B,
        0xB7,
        0xA2,
        0x9D,
        0x6F,
        0x37,
        0xEC,
        0x72,
        0xA1,
        0x55,
        0x82,
        0xE0,
        0x4,
        0xB9,
        0xF3,
        0x14,
        0x21,
        0x59,
        0x68,
        0x2D,
        0xB8,
        0x50,
        0x9A,
        0x30,
        0x44,
        0x7,
        0x41,
        0x9A,
        0x49,
        0xE5,
    ]
)


def add(
    annotations: dict[str, str], runtime_config: RuntimeConfig, sandbox: SandboxConfig | None = None
) -> SandboxConfig:
    """Go's ``addAnnotations``: a new SandboxConfig, or AnnotationError."""
    return annotate.apply_annotations(annotations, sandbox or SandboxConfig(), runtime_config, features={})


def rc(**hyp: object) -> RuntimeConfig:
    return RuntimeConfig(hypervisor_type=HypervisorType.QEMU, hypervisor_config=HypervisorConfig(**hyp))  # type: ignore[arg-type]


MINIMAL_CONFIG = (Path(__file__).parent / "fixtures" / "go" / "minimal-config.json").read_text()


def test_minimal_sandbox_config(tmp_path: Path) -> None:
    """TestMinimalSandboxConfig."""
    bundle = tmp_path / "ocibundle"
    bundle.mkdir()
    (bundle / "config.json").write_text(MINIMAL_CONFIG)
    spec = kata_oci.parse_config_json(bundle)
    runtime = RuntimeConfig(hypervisor_type=HypervisorType.QEMU)
    caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    expected_cmd = gosb.Cmd(
        args=["sh"],
        envs=[
            EnvVar("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
            EnvVar("TERM", "xterm"),
        ],
        work_dir="/",
        user="0",
        primary_group="0",
        supplementary_groups=["10", "29"],
        interactive=True,
        no_new_privileges=True,
        capabilities=LinuxCapabilities(
            bounding=caps, effective=caps, inheritable=caps, permitted=caps, ambient=caps
        ),
    )
    expected_mounts = [
        Mount(source="proc", destination="/proc", type="proc"),
        Mount(
            source="tmpfs",
            destination="/dev",
            type="tmpfs",
            options=["nosuid", "strictatime", "mode=755", "size=65536k"],
        ),
        Mount(
            source="devpts",
            destination="/dev/pts",
            type="devpts",
            options=["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"],
        ),
    ]
    expected_container = gosb.ContainerConfig(
        id=CONTAINER_ID,
        root_fs=RootFs(target=str(bundle / "rootfs"), mounted=True),
        readonly_rootfs=True,
        cmd=expected_cmd,
        annotations={t.BUNDLE_PATH_KEY: str(bundle), t.CONTAINER_TYPE_KEY: "single_container"},
        mounts=expected_mounts,
        device_infos=[gosb.DeviceInfo(container_path="/dev/vfio/17", major=242, minor=0, dev_type="c")],
        resources=LinuxResources(devices=[LinuxDeviceCgroup(allow=False, access="rwm")]),
        custom_spec=spec,
    )
    expected = SandboxConfig(
        id=CONTAINER_ID,
        hostname="testHostname",
        hypervisor_type=HypervisorType.QEMU,
        network_config=gosb.NetworkConfig(),
        containers=[expected_container],
        annotations={t.BUNDLE_PATH_KEY: str(bundle)},
        systemd_cgroup=True,
    )
    got = gosb.sandbox_config(
        spec,
        runtime,
        str(bundle),
        CONTAINER_ID,
        detach=False,
        systemd_cgroup=True,
        engine=kata_oci.default_engine(),
    )
    assert msgspec.to_builtins(got) == msgspec.to_builtins(expected)
    assert got == expected


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("", "", "single_container"),
        ("io.kubernetes.cri.container-type", "foo", None),
        ("io.kubernetes.cri.container-type", "sandbox", "pod_sandbox"),
        ("io.kubernetes.cri.container-type", "container", "pod_container"),
        ("io.kubernetes.cri-o.ContainerType", "foo", None),
        ("io.kubernetes.cri-o.ContainerType", "sandbox", "pod_sandbox"),
        ("io.kubernetes.cri-o.ContainerType", "container", "pod_container"),
        ("io.kubernetes.docker.type", "foo", None),
        ("io.kubernetes.docker.type", "podsandbox", "pod_sandbox"),
        ("io.kubernetes.docker.type", "container", "pod_container"),
    ],
)
def test_container_type(key: str, value: str, expected: str | None) -> None:
    """TestContainerType: no CRI key is a single container (Kata 2.0 and later)."""
    spec = Spec(annotations={key: value})
    if expected is None:
        with pytest.raises(kata_oci.ContainerTypeError):
            gosb._container_type(spec, kata_oci.default_engine())
    else:
        assert gosb._container_type(spec, kata_oci.default_engine()) == expected


def test_sandbox_id_successful() -> None:
    """TestSandboxIDSuccessful."""
    assert (
        kata_oci.sandbox_id(Spec(annotations={"io.kubernetes.cri-o.SandboxID": "testSandboxID"}))
        == "testSandboxID"
    )


def test_sandbox_id_failure() -> None:
    """TestSandboxIDFailure."""
    with pytest.raises(kata_oci.SandboxIDError):
        kata_oci.sandbox_id(Spec())


def test_add_kernel_param_valid() -> None:
    """TestAddKernelParamValid."""
    config = RuntimeConfig()
    config.add_kernel_param(Param(key="foo", value="bar"))
    assert config.hypervisor_config.kernel_params == [Param(key="foo", value="bar")]


def test_add_kernel_param_invalid() -> None:
    """TestAddKernelParamInvalid."""
    with pytest.raises(KernelParamError):
        RuntimeConfig().add_kernel_param(Param(key="", value="bar"))


def test_device_type_failure() -> None:
    """TestDeviceTypeFailure."""
    with pytest.raises(DeviceError, match="unexpected device type 'f'"):
        gosb._device_info(0, LinuxDevice(path="/dev/vfio", type="f"), None, False)


def test_contains() -> None:
    """TestContains: the device types Kata 4.1 allows."""
    assert "c" in gosb._DEVICE_TYPES and "p" in gosb._DEVICE_TYPES
    assert "f" not in gosb._DEVICE_TYPES and "socket" not in gosb._DEVICE_TYPES


def test_device_path_empty() -> None:
    """TestDevicePathEmpty."""
    with pytest.raises(DeviceError, match="path cannot be empty"):
        gosb._device_info(0, LinuxDevice(type="c", major=252, minor=1), None, False)


def _rule(allow: bool, typ: str, major: int | None, minor: int | None, access: str) -> LinuxDeviceCgroup:
    return LinuxDeviceCgroup(allow=allow, type=typ, major=major, minor=minor, access=access)


@pytest.mark.parametrize(
    ("name", "rules", "expected"),
    [
        ("nil resources", None, False),
        ("no rules", [], False),
        ("exact match read-only (rm)", [_rule(True, "b", 8, 0, "rm")], True),
        ("exact match read-only (r)", [_rule(True, "b", 8, 0, "r")], True),
        ("exact match read-write (rwm)", [_rule(True, "b", 8, 0, "rwm")], False),
        ("type all (a) read-only", [_rule(True, "a", 8, 0, "rm")], True),
        ("empty type read-only", [_rule(True, "", 8, 0, "rm")], True),
        ("deny rule is ignored", [_rule(False, "b", 8, 0, "rm")], False),
        ("wildcard major is ignored", [_rule(True, "b", None, 0, "rm")], False),
        ("wildcard minor is ignored", [_rule(True, "b", 8, None, "rm")], False),
        ("type mismatch is ignored", [_rule(True, "c", 8, 0, "rm")], False),
        ("different device is ignored", [_rule(True, "b", 9, 1, "rm")], False),
        ("first exact match wins", [_rule(True, "b", 8, 0, "rm"), _rule(True, "b", 8, 0, "rwm")], True),
    ],
)
def test_device_cgroup_access_is_read_only(
    name: str, rules: list[LinuxDeviceCgroup] | None, expected: bool
) -> None:
    """TestDeviceCgroupAccessIsReadOnly."""
    assert gosb._cgroup_read_only(rules, "b", 8, 0) is expected, name


def test_container_device_infos_read_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """TestContainerDeviceInfosReadOnly: the BLKROGET probe stubbed, only 8:32 read-only."""
    monkeypatch.setattr(gosb, "block_device_read_only", lambda major, minor: (major, minor) == (8, 32))
    rules = [_rule(True, "b", 8, 0, "rm"), _rule(True, "b", 8, 16, "rwm"), _rule(True, "b", 8, 32, "rwm")]
    devices = [
        LinuxDevice(path="/dev/cgroup-ro-blk", type="b", major=8, minor=0),
        LinuxDevice(path="/dev/rw-blk", type="b", major=8, minor=16),
        LinuxDevice(path="/dev/blkroget-ro-blk", type="b", major=8, minor=32),
    ]
    infos = [gosb._device_info(i, d, rules, True) for i, d in enumerate(devices)]
    assert [d.read_only for d in infos] == [True, False, True]
    # without host checks, the host is not asked
    assert [gosb._device_info(i, d, rules, False).read_only for i, d in enumerate(devices)] == [
        True,
        False,
        False,
    ]


def test_get_shm_size() -> None:
    """TestGetShmSize."""
    from kata_oci.convert import shm_size

    assert shm_size([]) == 0
    m = Mount(source="/dev/shm", destination="/dev/shm", type="tmpfs")
    assert shm_size([m]) == 65536 * 1024  # type: ignore[list-item]
    m = Mount(source="/var/run/shared/shm", destination="/dev/shm", type="bind")
    with pytest.raises(ShmSizeError):
        shm_size([m])  # type: ignore[list-item]


@pytest.mark.skipif(os.geteuid() != 0, reason="Test disabled as requires root privileges")
def test_get_shm_size_bind_mounted(tmp_path: Path) -> None:  # pragma: no cover - root only
    """TestGetShmSizeBindMounted: the statfs of the source (any filesystem here: no mount(2) from Python)."""
    from kata_oci.convert import shm_size

    st = os.statvfs(tmp_path)
    m = Mount(source=str(tmp_path), destination="/dev/shm", type="bind")
    assert shm_size([m]) == st.f_bsize * st.f_blocks  # type: ignore[list-item]


def test_add_asset_annotations(tmp_path: Path) -> None:
    """TestAddAssetAnnotations."""
    fake = tmp_path / "fake-binary"
    fake.write_bytes(b"")
    expected = {
        t.FIRMWARE_PATH: str(fake),
        t.FIRMWARE_HASH: "ffff",
        t.HYPERVISOR_PATH: str(fake),
        t.HYPERVISOR_HASH: "bbbbb",
        t.IMAGE_PATH: str(fake),
        t.IMAGE_HASH: "52ss2550983",
        t.INITRD_PATH: str(fake),
        t.INITRD_HASH: "aaaa",
        t.JAILER_PATH: str(fake),
        t.JAILER_HASH: "dddd",
        t.KERNEL_PATH: str(fake),
        t.KERNEL_HASH: "3l2353we871g",
    }
    config = SandboxConfig()
    runtime = rc()
    # not enabled
    with pytest.raises(AnnotationError):
        add(expected, runtime, config)
    assert config.annotations == {}
    # not enabled correctly
    with pytest.raises(AnnotationError):
        add(expected, rc(enable_annotations=["nonexistent"]), config)
    # every annotation enabled, but the path lists are not set
    with pytest.raises(AnnotationError):
        add(expected, rc(enable_annotations=[".*"]), config)
    glob = str(tmp_path) + "/*"
    got = add(
        expected, rc(enable_annotations=[".*"], hypervisor_path_list=[glob], jailer_path_list=[glob]), config
    )
    assert got.annotations == expected


def test_add_agent_annotations() -> None:
    """TestAddAgentAnnotations."""
    modules = ["e1000e InterruptThrottleRate=3000,3000,3000 EEE=1", "i915 enable_ppgtt=0"]
    annotations = {t.KERNEL_MODULES: ";".join(modules), t.AGENT_CONTAINER_PIPE_SIZE: "1024"}
    got = add(annotations, rc())
    assert got.agent_config == KataAgentConfig(kernel_modules=modules, container_pipe_size=1024)


def test_container_pipe_size_annotation() -> None:
    """TestContainerPipeSizeAnnotation."""
    config = SandboxConfig()
    with pytest.raises(AnnotationError, match="container_pipe_size"):
        add({t.AGENT_CONTAINER_PIPE_SIZE: "foo"}, rc(), config)
    assert config.agent_config == KataAgentConfig(container_pipe_size=0)


def _hypervisor_annotations() -> dict[str, str]:
    return {
        t.KERNEL_PARAMS: "vsyscall=emulate iommu=on",
        t.DEFAULT_VCPUS: "1",
        t.DEFAULT_MAX_VCPUS: "1",
        t.DEFAULT_MEMORY: "1024",
        t.MEM_SLOTS: "20",
        t.MEM_OFFSET: "512",
        t.VIRTIO_MEM: "true",
        t.MEM_PREALLOC: "true",
        t.HUGE_PAGES: "true",
        t.IOMMU: "true",
        t.BLOCK_DEVICE_DRIVER: "virtio-scsi",
        t.BLOCK_DEVICE_AIO: "io_uring",
        t.DISABLE_BLOCK_DEVICE_USE: "true",
        t.ENABLE_IO_THREADS: "true",
        t.BLOCK_DEVICE_CACHE_SET: "true",
        t.BLOCK_DEVICE_CACHE_DIRECT: "true",
        t.BLOCK_DEVICE_CACHE_NOFLUSH: "true",
        t.SHARED_FS: "virtio-fs",
        t.VIRTIO_FS_DAEMON: "/bin/false",
        t.VIRTIO_FS_CACHE: "auto",
        t.VIRTIO_FS_EXTRA_ARGS: '[ "arg0", "arg1" ]',
        t.MSIZE_9P: "512",
        t.MACHINE_TYPE: "q35",
        t.MACHINE_ACCELERATORS: "nofw",
        t.CPU_FEATURES: "pmu=off",
        t.DISABLE_VHOST_NET: "true",
        t.GUEST_HOOK_PATH: "/usr/bin/",
        t.DISABLE_IMAGE_NVDIMM: "true",
        t.COLD_PLUG_VFIO: "bridge-port",
        t.HOT_PLUG_VFIO: "no-port",
        t.PCIE_ROOT_PORT: "1",
        t.PCIE_SWITCH_PORT: "1",
        t.IOMMU_PLATFORM: "true",
        t.SGX_EPC: "64Mi",
        t.USE_LEGACY_SERIAL: "true",
        t.RX_RATE_LIMITER_MAX_RATE: "10000000",
        t.TX_RATE_LIMITER_MAX_RATE: "10000000",
        t.BLOCK_DEVICE_LOGICAL_SECTOR_SIZE: "512",
        t.BLOCK_DEVICE_PHYSICAL_SECTOR_SIZE: "4096",
    }


@pytest.mark.skipif(not golang.path_in_globs(["/bin/*ls*"], "/bin/false"), reason="no /bin/false")
def test_add_hypervisor_annotations() -> None:
    """TestAddHypervisorAnnotations."""
    runtime = rc(enable_annotations=[".*"], virtio_fs_daemon_list=["/bin/*ls*"])
    only = add({t.KERNEL_PARAMS: "vsyscall=emulate iommu=on"}, runtime)
    assert only.hypervisor_config == HypervisorConfig(
        kernel_params=[Param(key="vsyscall", value="emulate"), Param(key="iommu", value="on")]
    )

    ann = _hypervisor_annotations()
    h = add(ann, runtime).hypervisor_config
    assert h.num_vcpus_f == 1.0
    assert h.default_max_vcpus == 1
    assert h.memory_size == 1024
    assert h.mem_slots == 20
    assert h.mem_offset == 512
    assert h.virtio_mem and h.mem_prealloc and h.huge_pages and h.iommu
    assert h.block_device_driver == "virtio-scsi"
    assert h.block_device_aio == "io_uring"
    assert h.disable_block_device_use and h.enable_iothreads
    assert h.block_device_cache_set and h.block_device_cache_direct and h.block_device_cache_noflush
    assert h.shared_fs == "virtio-fs"
    assert h.virtio_fs_daemon == "/bin/false"
    assert h.virtio_fs_cache == "auto"
    assert sorted(h.virtio_fs_extra_args) == ["arg0", "arg1"]
    assert h.msize_9p == 512
    assert h.hypervisor_machine_type == "q35"
    assert h.machine_accelerators == "nofw"
    assert h.cpu_features == "pmu=off"
    assert h.disable_vhost_net
    assert h.guest_hook_path == "/usr/bin/"
    assert h.disable_image_nvdimm
    assert h.cold_plug_vfio == PCIePort.BRIDGE_PORT
    assert h.hot_plug_vfio == PCIePort.NO_PORT
    assert h.pcie_root_port == 1
    assert h.pcie_switch_port == 1
    assert h.iommu_platform
    assert h.sgx_epc_size == 67108864
    assert h.legacy_serial
    assert h.rx_rate_limiter_max_rate == 10000000
    assert h.tx_rate_limiter_max_rate == 10000000
    assert h.block_device_logical_sector_size == 512
    assert h.block_device_physical_sector_size == 4096

    # an absurd number of vCPUs is refused, and so is a negative one
    for vcpus in ("655536", "-1"):
        with pytest.raises(AnnotationError, match="default_vcpus"):
            add({**ann, t.DEFAULT_VCPUS: vcpus}, runtime)
    with pytest.raises(AnnotationError, match="default_max_vcpus"):
        add({**ann, t.DEFAULT_MAX_VCPUS: "-1"}, runtime)
    # (Go's last case sets default_memory to MinHypervisorMemory+1 and re-asserts the previous error)
    assert add({**ann, t.DEFAULT_MEMORY: str(MIN_MEMORY + 1)}, runtime).hypervisor_config.memory_size == 257


@pytest.mark.parametrize("size", ["0", "512", "1024", "2048", "4096", "8192", "16384", "32768", "65536"])
def test_block_device_sector_size_annotations_valid(size: str) -> None:
    """TestBlockDeviceSectorSizeAnnotations: 0 and powers of 2 from 512 to 65536."""
    ann = {t.BLOCK_DEVICE_LOGICAL_SECTOR_SIZE: size, t.BLOCK_DEVICE_PHYSICAL_SECTOR_SIZE: size}
    h = add(ann, rc(enable_annotations=[".*"])).hypervisor_config
    assert h.block_device_logical_sector_size == h.block_device_physical_sector_size == int(size)


@pytest.mark.parametrize(
    ("key", "size"),
    [
        *((t.BLOCK_DEVICE_LOGICAL_SECTOR_SIZE, v) for v in ("3", "100", "1000", "3000", "5000", "1", "256")),
        *((t.BLOCK_DEVICE_PHYSICAL_SECTOR_SIZE, v) for v in ("131072", "1048576")),
    ],
)
def test_block_device_sector_size_annotations_invalid(key: str, size: str) -> None:
    """TestBlockDeviceSectorSizeAnnotations: not a power of 2, below 512, above 65536."""
    with pytest.raises(AnnotationError, match="power of 2"):
        add({key: size}, rc(enable_annotations=[".*"]))


def test_block_device_sector_size_annotations_pairs() -> None:
    """TestBlockDeviceSectorSizeAnnotations: logical must not exceed physical."""
    runtime = rc(enable_annotations=[".*"])
    L, P = t.BLOCK_DEVICE_LOGICAL_SECTOR_SIZE, t.BLOCK_DEVICE_PHYSICAL_SECTOR_SIZE
    h = add({L: "4096", P: "4096"}, runtime).hypervisor_config
    assert (h.block_device_logical_sector_size, h.block_device_physical_sector_size) == (4096, 4096)
    h = add({L: "512", P: "4096"}, runtime).hypervisor_config
    assert (h.block_device_logical_sector_size, h.block_device_physical_sector_size) == (512, 4096)
    with pytest.raises(AnnotationError, match="must not be larger than physical"):
        add({L: "4096", P: "512"}, runtime)


def test_add_remote_hypervisor_annotations() -> None:
    """TestAddRemoteHypervisorAnnotations: no host limits for remote; initdata; GPUs."""
    runtime = RuntimeConfig(hypervisor_type=HypervisorType.REMOTE)
    assert add({}, runtime).hypervisor_config == HypervisorConfig()
    runtime = RuntimeConfig(
        hypervisor_type=HypervisorType.REMOTE, hypervisor_config=HypervisorConfig(enable_annotations=[".*"])
    )
    sb = SandboxConfig(hypervisor_type=HypervisorType.REMOTE)
    ann = {t.DEFAULT_VCPUS: "2000"}
    add(ann, runtime, sb)
    ann[t.DEFAULT_MAX_VCPUS] = "2000"
    add(ann, runtime, sb)
    ann[t.DEFAULT_MEMORY] = "1"
    add(ann, runtime, sb)
    ann[t.INITDATA] = INITDATA
    got = add(ann, runtime, sb)
    assert got.hypervisor_config.initdata == INITDATA_TEXT
    assert got.hypervisor_config.initdata_digest == INITDATA_DIGEST
    ann[t.DEFAULT_GPUS] = "-1"
    with pytest.raises(AnnotationError, match="default_gpus"):
        add(ann, runtime, sb)
    ann[t.DEFAULT_GPUS] = "1"
    assert add(ann, runtime, sb).hypervisor_config.default_gpus == 1
    ann[t.DEFAULT_GPU_MODEL] = "tesla"
    assert add(ann, runtime, sb).hypervisor_config.default_gpu_model == "tesla"


def test_add_protected_hypervisor_annotations() -> None:
    """TestAddProtectedHypervisorAnnotations: the gate, then the allow-lists."""
    config = SandboxConfig()
    with pytest.raises(AnnotationError, match="not enabled"):
        add({t.KERNEL_PARAMS: "vsyscall=emulate iommu=on"}, rc(), config)
    assert config.hypervisor_config == HypervisorConfig()
    ann = {
        t.KERNEL_PARAMS: "vsyscall=emulate iommu=on",
        t.VIRTIO_FS_DAEMON: "/bin/false",
        t.ENTROPY_SOURCE: "/dev/urandom",
    }
    config = SandboxConfig(
        hypervisor_config=HypervisorConfig(virtio_fs_daemon="dangerous-daemon", entropy_source="truly-random")
    )
    with pytest.raises(AnnotationError):
        add(ann, rc(enable_annotations=[".*"]), config)
    assert config.hypervisor_config.virtio_fs_daemon == "dangerous-daemon"
    assert config.hypervisor_config.entropy_source == "truly-random"
    runtime = rc(
        enable_annotations=[".*"], virtio_fs_daemon_list=["/bin/*ls*"], entropy_source_list=["/dev/*random*"]
    )
    got = add(ann, runtime, config)
    assert got.hypervisor_config.virtio_fs_daemon == "/bin/false"
    assert got.hypervisor_config.entropy_source == "/dev/urandom"
    for vcpus in ("655536", "-1"):
        with pytest.raises(AnnotationError):
            add({**ann, t.DEFAULT_VCPUS: vcpus}, runtime, config)
    with pytest.raises(AnnotationError):
        add({**ann, t.DEFAULT_VCPUS: "1", t.DEFAULT_MAX_VCPUS: "-1"}, runtime, config)


def test_add_runtime_annotations() -> None:
    """TestAddRuntimeAnnotations."""
    runtime = rc(enable_annotations=["cc_init_data"])
    ann = {
        t.DISABLE_GUEST_SECCOMP: "true",
        t.SANDBOX_CGROUP_ONLY: "true",
        t.DISABLE_NEW_NETNS: "true",
        t.INTER_NETWORK_MODEL: "macvtap",
        t.CREATE_CONTAINER_TIMEOUT: "100",
        t.INITDATA: INITDATA,
    }
    got = add(ann, runtime)
    assert got.disable_guest_seccomp
    assert got.sandbox_cgroup_only
    assert got.network_config.disable_new_network
    assert got.network_config.interworking_model is NetInterworkingModel.MACVTAP
    assert got.create_container_timeout == 100
    assert got.hypervisor_config.initdata == INITDATA_TEXT
    assert got.hypervisor_config.initdata_digest == INITDATA_DIGEST


@pytest.mark.parametrize(
    ("regexps", "to_match", "expected"),
    [
        ([], "", False),
        ([], "nonempty", False),
        (["simple"], "simple", True),
        (["simple"], "some_simple_text", True),
        (["simple"], "simp", False),
        (["one", "two"], "one", True),
        (["one", "two"], "two", True),
        (["o*"], "oooo", True),
        (["o*"], "oooa", True),
        (["^o*$"], "oooa", False),
    ],
)
def test_regexp_contains(regexps: list[str], to_match: str, expected: bool) -> None:
    """TestRegexpContains: the enable_annotations gate's matching."""
    assert golang.regexp_contains(regexps, to_match) is expected
    key = t.KATA_ANNOT_HYPERVISOR_PREFIX + to_match
    plan = annotate.plan_annotations({key: "x"}, SandboxConfig(), rc(enable_annotations=regexps))
    assert (plan.decisions[0].outcome.value != "rejected") is expected or to_match == ""


@pytest.mark.parametrize(
    ("globs", "to_match", "expected"),
    [
        ([], "", False),
        ([], "nonempty", False),
        (["simple"], "simple", False),
        (["simple"], "some_simple_text", False),
        (["/bin/ls"], "/bin/ls", True),
        (["/bin/ls", "/bin/false"], "/bin/ls", True),
        (["/bin/ls", "/bin/false"], "/bin/false", True),
        (["/bin/ls", "/bin/false"], "/bin/bar", False),
        (["/bin/*ls*"], "/bin/ls", True),
        (["/bin/*ls*"], "/bin/false", True),
        (["bin/ls"], "/bin/ls", False),
        (["./bin/ls"], "/bin/ls", False),
        (["*/bin/ls"], "/bin/ls", False),
    ],
)
def test_check_path_is_in_globs(globs: list[str], to_match: str, expected: bool) -> None:
    """TestCheckPathIsInGlobs (needs /bin/ls and /bin/false, as the Go test does)."""
    if not (os.path.exists("/bin/ls") and os.path.exists("/bin/false")):
        pytest.skip("no /bin/ls or /bin/false")
    assert golang.path_in_globs(globs, to_match) is expected


@pytest.mark.parametrize(("value", "expected"), [("abc", False), ("sandbox", True), ("container", True)])
def test_is_crio_container_manager(value: str, expected: bool) -> None:
    """TestIsCRIOContainerManager: a CRI-O container type key with a value CRI-O writes."""
    spec = Spec(annotations={"io.kubernetes.cri-o.ContainerType": value})
    if expected:
        assert gosb._container_type(spec, kata_oci.default_engine()) in ("pod_sandbox", "pod_container")
    else:
        with pytest.raises(kata_oci.ContainerTypeError):
            gosb._container_type(spec, kata_oci.default_engine())


@pytest.mark.parametrize(
    ("value", "ok", "expected"),
    [("", False, 0), ("a", False, 0), ("16", True, 16), ("0", True, 0), ("-1", False, 0)],
)
def test_parse_annotation_uint_configuration(value: str, ok: bool, expected: int) -> None:
    """TestParseAnnotationUintConfiguration: ParseUint(v, 10, 64), through a uint64 key."""
    key = t.RX_RATE_LIMITER_MAX_RATE
    runtime = rc(enable_annotations=[".*"])
    if ok:
        assert add({key: value}, runtime).hypervisor_config.rx_rate_limiter_max_rate == expected
    else:
        with pytest.raises(AnnotationError, match="rx_rate_limiter_max_rate"):
            add({key: value}, runtime)


def test_parse_annotation_uint_configuration_with_check() -> None:
    """TestParseAnnotationUintConfiguration, the validFunc cases: a range check after the parse."""
    runtime = rc(enable_annotations=[".*"])
    assert add({t.INDEP_IO_THREADS: "16"}, runtime).hypervisor_config.indep_iothreads == 16
    with pytest.raises(AnnotationError, match="from 1 to 50"):
        add({t.INDEP_IO_THREADS: "80"}, runtime)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["1", "t", "T", "true", "TRUE", "True"], True),
        (["0", "f", "F", "false", "FALSE", "False"], False),
        (["a", "FalSE", "Fal", "TRue", "TRU", "falsE"], None),
    ],
)
def test_parse_annotation_bool_configuration(values: list[str], expected: bool | None) -> None:
    """TestParseAnnotationBoolConfiguration."""
    for value in values:
        if expected is None:
            with pytest.raises(AnnotationError, match="disable_guest_seccomp"):
                add({t.DISABLE_GUEST_SECCOMP: value}, rc())
        else:
            assert add({t.DISABLE_GUEST_SECCOMP: value}, rc()).disable_guest_seccomp is expected


def _ctr_spec(memory: int, quota: int, period: int) -> Spec:
    return msgspec.convert(
        {"linux": {"resources": {"cpu": {"quota": quota, "period": period}, "memory": {"limit": memory}}}},
        Spec,
    )


@pytest.mark.parametrize(
    ("spec", "cpu", "mem"),
    [
        (None, 0, 0),
        (Spec(), 0, 0),
        (msgspec.convert({"linux": {"resources": {"cpu": {}, "memory": {}}}}, Spec), 0, 0),
        (_ctr_spec(1024 * 1024, 200, 100), 2, 1),
        (_ctr_spec(1024 * 1024 * 1024, 200, 1), 200, 1024),
        (_ctr_spec(-1 * 1024 * 1024 * 1024, 200, 1), 200, 0),
        (_ctr_spec(0, 10, 0), 0, 0),
        (_ctr_spec(-1, 10, 1), 10, 0),
    ],
)
def test_calculate_container_sizing(spec: Spec | None, cpu: float, mem: int) -> None:
    """TestCalculateContainerSizing."""
    assert calculate_container_sizing(spec) == Sizing(vcpus=cpu, memory_mb=mem)


def _sizing(memory: str, quota: str, period: str, shares: str | None = None) -> Spec:
    ann = {
        "io.kubernetes.cri.sandbox-cpu-period": period,
        "io.kubernetes.cri.sandbox-cpu-quota": quota,
        "io.kubernetes.cri.sandbox-memory": memory,
    }
    if shares is not None:
        ann["io.kubernetes.cri.sandbox-cpu-shares"] = shares
    return Spec(annotations=ann)


@pytest.mark.parametrize(
    ("spec", "cpu", "mem"),
    [
        (None, 0, 0),
        (Spec(), 0, 0),
        (_sizing("1048576", "200", "100"), 2, 1),
        (_sizing("1024", "200", "1"), 200, 0),
        (_sizing("foobar", "200", "spaghetti"), 0, 0),
        (_sizing("-1048576", "-100", "1"), 0, 0),
        (_sizing("-1", "100", "1"), 100, 0),
        (_sizing("4294967296", "400", "100"), 4, 4096),
        (_sizing("1048576", "-1", "100", "2048"), 2, 1),
        (_sizing("0", "-1", "100", "1536"), 2, 0),
        (_sizing("0", "0", "100", "2"), 0, 0),
        (_sizing("0", "200", "100", "8192"), 2, 0),
        (_sizing("0", "-1", "100", "0"), 0, 0),
    ],
)
def test_calculate_sandbox_sizing(spec: Spec | None, cpu: float, mem: int) -> None:
    """TestCalculateSandboxSizing."""
    got = calculate_sandbox_sizing(spec, engine=kata_oci.default_engine())
    assert (got.vcpus, got.memory_mb) == (cpu, mem)


@pytest.mark.parametrize(
    ("mount", "expected"),
    [
        (
            {"source": "proc", "destination": "/proc", "type": "proc"},
            Mount(source="proc", destination="/proc", type="proc"),
        ),
        (
            {"source": "proc", "destination": "/proc", "type": "proc", "options": ["ro"]},
            Mount(source="proc", destination="/proc", type="proc", options=["ro"], read_only=True),
        ),
        (
            {"source": "/abc", "destination": "/def", "type": "none", "options": ["bind"]},
            Mount(source="/abc", destination="/def", type="bind", options=["bind"]),
        ),
        (
            {"source": "/abc", "destination": "/def", "type": "none", "options": ["rbind"]},
            Mount(source="/abc", destination="/def", type="bind", options=["rbind"]),
        ),
    ],
)
def test_new_mount(mount: dict[str, object], expected: Mount) -> None:
    """TestNewMount."""
    spec_mount = msgspec.convert({"mounts": [mount]}, Spec).mounts[0]  # type: ignore[index]
    assert gosb._new_mounts([spec_mount]) == [expected]


@pytest.mark.parametrize(
    ("mount_type", "options", "expected_type"),
    [
        ("ephemeral", ["rbind", "rw"], "ephemeral"),  # Kata's own mount types keep theirs
        ("local", ["bind"], "local"),
        ("", ["nosuid", "rbind"], "bind"),
        ("tmpfs", ["nosuid", "bindx", "xbind"], "tmpfs"),  # whole options only
        ("overlay", ["ro", "bind"], "bind"),
    ],
)
def test_new_mount_type_rewrite(mount_type: str, options: list[str], expected_type: str) -> None:
    """newMount: bind or rbind among the options makes a bind mount, unless ephemeral or local."""
    spec_mount = msgspec.convert(
        {"mounts": [{"destination": "/d", "type": mount_type, "options": options}]}, Spec
    ).mounts[0]  # type: ignore[index]
    (got,) = gosb._new_mounts([spec_mount])
    assert (got.type, got.read_only, got.options) == (expected_type, "ro" in options, options)
