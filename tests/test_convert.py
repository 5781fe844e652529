"""Conversion: container_config, sandbox_config and the rest of Kata's API, with Kata's test cases."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from structlog.testing import capture_logs

import kata_oci
from kata_oci import (
    AgentType,
    Cmd,
    ContainerConfig,
    ContainerState,
    ContainerStatus,
    DeviceError,
    DeviceInfo,
    EnvVar,
    EnvVarError,
    HypervisorType,
    KataOCIError,
    KernelParamError,
    Mount,
    NetworkConfig,
    NoLinuxError,
    Param,
    ProxyType,
    RootFs,
    RuntimeConfig,
    SandboxConfig,
    ShimType,
    ShmSizeError,
    SpecError,
    StateString,
    annotations as ka,
    decode_spec,
)
from kata_oci.spec import LinuxCapabilities, LinuxDeviceCgroup, LinuxResources

from helpers import FIXTURES

CONTAINER_ID = "virtc-oci-test"


def kata_test_runtime_config() -> RuntimeConfig:
    """The runtime configuration of Kata's utils_test.go."""
    return RuntimeConfig(
        hypervisor_type=HypervisorType.QEMU,
        agent_type=AgentType.KATA,
        proxy_type=ProxyType.KATA,
        shim_type=ShimType.KATA,
        console="/tmp/console",
    )


@pytest.fixture
def bundle(tmp_path: Path) -> Path:
    path = tmp_path / "ocibundle"
    path.mkdir()
    shutil.copy(FIXTURES / "kata-minimal-config.json", path / "config.json")
    return path


def test_minimal_sandbox_config_is_katas_expected_config(bundle: Path) -> None:
    """Kata's TestMinimalSandboxConfig, field by field."""
    console = "/tmp/console"
    spec = kata_oci.parse_config_json(bundle)
    config = kata_oci.sandbox_config(
        spec, kata_test_runtime_config(), str(bundle), CONTAINER_ID, console, False, True
    )
    caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
    expected_cmd = Cmd(
        args=["sh"],
        envs=[
            EnvVar(var="PATH", value="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
            EnvVar(var="TERM", value="xterm"),
        ],
        work_dir="/",
        user="0",
        primary_group="0",
        supplementary_groups=["10", "29"],
        interactive=True,
        console=console,
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
    expected_container = ContainerConfig(
        id=CONTAINER_ID,
        root_fs=RootFs(target=os.path.join(bundle, "rootfs"), mounted=True),
        readonly_rootfs=True,
        cmd=expected_cmd,
        annotations={ka.BUNDLE_PATH_KEY: str(bundle), ka.CONTAINER_TYPE_KEY: "pod_sandbox"},
        mounts=expected_mounts,
        device_infos=[DeviceInfo(container_path="/dev/vfio/17", major=242, minor=0, dev_type="c")],
        resources=LinuxResources(devices=[LinuxDeviceCgroup(allow=False, access="rwm")]),
        custom_spec=spec,
    )
    expected = SandboxConfig(
        id=CONTAINER_ID,
        hostname="testHostname",
        hypervisor_type=HypervisorType.QEMU,
        agent_type=AgentType.KATA,
        proxy_type=ProxyType.KATA,
        shim_type=ShimType.KATA,
        network_config=NetworkConfig(),
        containers=[expected_container],
        annotations={ka.BUNDLE_PATH_KEY: str(bundle)},
        systemd_cgroup=True,
    )
    assert config.containers[0].cmd == expected_cmd
    assert config.containers[0].mounts == expected_mounts
    assert config.containers[0] == expected_container
    assert config == expected
    # every field compared, by name, so a failure says which one
    for name in SandboxConfig.__struct_fields__:
        assert getattr(config, name) == getattr(expected, name), name


def test_container_config_does_not_mutate_the_spec(bundle: Path) -> None:
    spec = kata_oci.parse_config_json(bundle)
    before = kata_oci.encode_spec(spec)
    config = kata_oci.container_config(spec, str(bundle), "c1")
    config.cmd.args.append("extra")
    config.mounts[0].options.append("ro")
    assert kata_oci.encode_spec(spec) == before
    assert spec.annotations is None


def test_env_in_the_command_splits_at_the_first_equals_and_skips_malformed() -> None:
    spec = minimal_spec(env=["A=b=c", "NOEQUALS", "EMPTY=", "=value"])
    with capture_logs() as logs:
        cmd = kata_oci.container_config(spec, "/b", "c1").cmd
    assert cmd.envs == [
        EnvVar(var="A", value="b=c"),
        EnvVar(var="EMPTY", value=""),
        EnvVar(var="", value="value"),
    ]
    skipped = [e for e in logs if e["event"] == "env_var_skipped"]
    assert len(skipped) == 1
    assert skipped[0]["entry"] == "NOEQUALS"


def minimal_spec(**process: object) -> kata_oci.Spec:
    doc = {
        "ociVersion": "1.0.2",
        "process": {"cwd": "/", "args": ["sh"], **process},
        "root": {"path": "rootfs"},
        "linux": {},
    }
    return decode_spec(kata_oci.to_json(doc))


def test_rootfs_absolute_is_kept_relative_is_joined_and_cleaned() -> None:
    spec = decode_spec(b'{"process": {}, "root": {"path": "/abs/rootfs"}, "linux": {}}')
    assert kata_oci.container_config(spec, "/bundle", "c").root_fs.target == "/abs/rootfs"
    spec = decode_spec(b'{"process": {}, "root": {"path": "./a/../rootfs/"}, "linux": {}}')
    assert kata_oci.container_config(spec, "/bundle/", "c").root_fs.target == "/bundle/rootfs"


def test_uid_gid_and_groups_are_decimal_strings() -> None:
    spec = minimal_spec(user={"uid": 4294967295, "gid": 7, "additionalGids": [0, 65534]})
    cmd = kata_oci.container_config(spec, "/b", "c").cmd
    assert (cmd.user, cmd.primary_group, cmd.supplementary_groups) == ("4294967295", "7", ["0", "65534"])


def test_terminal_console_detach_and_no_new_privileges() -> None:
    spec = minimal_spec(terminal=True, noNewPrivileges=True)
    cmd = kata_oci.container_config(spec, "/b", "c", console="/dev/pts/3", detach=True).cmd
    assert cmd.interactive and cmd.no_new_privileges and cmd.detach
    assert cmd.console == "/dev/pts/3"


def test_capabilities_absent_give_an_empty_set_as_compatoci() -> None:
    cmd = kata_oci.container_config(minimal_spec(), "/b", "c").cmd
    assert cmd.capabilities == LinuxCapabilities()


def test_mount_read_only_only_for_the_exact_ro_option() -> None:
    spec = decode_spec(
        b'{"process": {}, "root": {"path": "r"}, "linux": {}, "mounts": ['
        b'{"destination": "/a", "options": ["rbind", "ro"]},'
        b'{"destination": "/b", "options": ["rw", "rox", "RO"]},'
        b'{"destination": "/c"}]}'
    )
    mounts = kata_oci.container_config(spec, "/b", "c").mounts
    assert [m.read_only for m in mounts] == [True, False, False]
    assert mounts[2].options == []


@pytest.mark.parametrize("devtype", ["c", "b", "u", "p"])
def test_device_types_accepted(devtype: str) -> None:
    spec = decode_spec(
        kata_oci.to_json(
            {
                "process": {},
                "root": {"path": "r"},
                "linux": {
                    "devices": [
                        {
                            "path": "/dev/x",
                            "type": devtype,
                            "major": 1,
                            "minor": 2,
                            "fileMode": 0o666,
                            "uid": 3,
                            "gid": 4,
                        }
                    ]
                },
            }
        )
    )
    (info,) = kata_oci.container_config(spec, "/b", "c").device_infos
    assert info == DeviceInfo(
        container_path="/dev/x", dev_type=devtype, major=1, minor=2, file_mode=0o666, uid=3, gid=4
    )


def test_device_type_failure_names_the_device() -> None:
    """Kata's TestDeviceTypeFailure."""
    spec = decode_spec(
        b'{"process": {}, "root": {"path": "r"}, "linux": {"devices": [{"path": "/dev/vfio", "type": "f"}]}}'
    )
    with pytest.raises(DeviceError) as info:
        kata_oci.container_config(spec, "/b", "c")
    assert "/dev/vfio" in str(info.value)
    assert "'f'" in str(info.value)
    assert "linux.devices[0]" in str(info.value)


def test_device_path_empty() -> None:
    """Kata's TestDevicePathEmpty."""
    spec = decode_spec(
        b'{"process": {}, "root": {"path": "r"},'
        b' "linux": {"devices": [{"type": "c", "major": 252, "minor": 1}]}}'
    )
    with pytest.raises(DeviceError, match="path cannot be empty"):
        kata_oci.container_config(spec, "/b", "c")


@pytest.mark.parametrize(
    ("doc", "error", "path"),
    [
        (b'{"root": {"path": "r"}, "linux": {}}', SpecError, "$.process"),
        (b'{"process": {}, "linux": {}}', SpecError, "$.root"),
        (b'{"process": {}, "root": {"path": "r"}}', NoLinuxError, "$.linux"),
    ],
)
def test_missing_sections_are_typed_errors(doc: bytes, error: type[SpecError], path: str) -> None:
    spec = decode_spec(doc)
    with pytest.raises(error) as info:
        kata_oci.sandbox_config(spec, RuntimeConfig(), "/b", "c")
    assert info.value.path == path
    assert type(info.value) is error


def test_missing_linux_is_go_err_no_linux() -> None:
    spec = decode_spec(b'{"process": {}, "root": {"path": "r"}}')
    with pytest.raises(NoLinuxError, match="missing Linux section"):
        kata_oci.network_config(spec, RuntimeConfig())


def test_missing_resources_give_empty_resources() -> None:
    config = kata_oci.container_config(minimal_spec(), "/b", "c")
    assert config.resources == LinuxResources()


def test_container_type_annotation_comes_from_the_cri_plugins() -> None:
    spec = minimal_spec()
    spec.annotations = {"io.kubernetes.cri.container-type": "container", "io.kubernetes.cri.sandbox-id": "s"}
    config = kata_oci.container_config(spec, "/b", "c")
    assert config.annotations[ka.CONTAINER_TYPE_KEY] == "pod_container"
    assert kata_oci.get_container_type(config.annotations) is kata_oci.ContainerType.POD_CONTAINER


def test_unknown_container_type_fails_conversion() -> None:
    spec = minimal_spec()
    spec.annotations = {"io.kubernetes.cri.container-type": "bogus"}
    with pytest.raises(kata_oci.ContainerTypeError):
        kata_oci.sandbox_config(spec, RuntimeConfig(), "/b", "c")


def test_network_config_from_namespace_and_runtime() -> None:
    spec = decode_spec(
        b'{"linux": {"namespaces": [{"type": "pid"}, {"type": "network", "path": "/var/run/netns/a"},'
        b'{"type": "network", "path": ""}]}}'
    )
    rc = RuntimeConfig(disable_new_net_ns=True, inter_network_model=kata_oci.NetInterworkingModel.MACVTAP)
    rc.netmon_config.path = "/usr/libexec/kata-netmon"
    rc.netmon_config.enable = True
    net = kata_oci.network_config(spec, rc)
    assert net.net_ns_path == "/var/run/netns/a"
    assert net.disable_new_net_ns is True
    assert net.interworking_model is kata_oci.NetInterworkingModel.MACVTAP
    assert net.netmon_config == rc.netmon_config
    assert net.netmon_config is not rc.netmon_config


# -- shm size (Kata's TestGetShmSize*) -----------------------------------------


def test_shm_size_without_dev_shm_mount_is_zero() -> None:
    assert kata_oci.shm_size([]) == 0
    assert kata_oci.shm_size([Mount(destination="/dev/pts", type="devpts")]) == 0


def test_shm_size_tmpfs_is_the_default() -> None:
    mount = Mount(source="/dev/shm", destination="/dev/shm", type="tmpfs")
    assert kata_oci.shm_size([mount]) == kata_oci.DEFAULT_SHM_SIZE == 64 * 1024 * 1024
    bind_of_dev_shm = Mount(source="/dev/shm", destination="/dev/shm", type="bind")
    assert kata_oci.shm_size([bind_of_dev_shm]) == kata_oci.DEFAULT_SHM_SIZE


def test_shm_size_bind_mount_of_a_real_directory_is_its_filesystem_size(tmp_path: Path) -> None:
    st = os.statvfs(tmp_path)
    mount = Mount(source=str(tmp_path), destination="/dev/shm", type="bind")
    assert kata_oci.shm_size([mount]) == st.f_bsize * st.f_blocks


def test_shm_size_first_dev_shm_mount_decides(tmp_path: Path) -> None:
    mounts = [
        Mount(source="/dev/shm", destination="/dev/shm", type="tmpfs"),
        Mount(source="/nonexistent", destination="/dev/shm", type="bind"),
    ]
    assert kata_oci.shm_size(mounts) == kata_oci.DEFAULT_SHM_SIZE


def test_shm_size_bind_mount_of_a_missing_source_is_an_error() -> None:
    mount = Mount(source="/var/run/shared/shm", destination="/dev/shm", type="bind")
    with pytest.raises(ShmSizeError) as info:
        kata_oci.shm_size([mount])
    assert "/var/run/shared/shm" in str(info.value)
    assert "No such file" in str(info.value)


def test_sandbox_config_measures_shm_bind_mount(tmp_path: Path) -> None:
    spec = minimal_spec()
    spec.mounts = [kata_oci.spec.Mount(destination="/dev/shm", type="bind", source=str(tmp_path))]
    st = os.statvfs(tmp_path)
    assert kata_oci.sandbox_config(spec, RuntimeConfig(), "/b", "c").shm_size == st.f_bsize * st.f_blocks


# -- env vars (Kata's TestEnvVars / TestMalformedEnvVars) ---------------------------


def test_env_vars_keep_order_duplicates_and_double_quotes() -> None:
    envs = ["foo=bar", "TERM=xterm", "HOME=/home/foo", 'TERM="bar"', 'foo=""']
    assert kata_oci.env_vars(envs) == [
        EnvVar(var="foo", value="bar"),
        EnvVar(var="TERM", value="xterm"),
        EnvVar(var="HOME", value="/home/foo"),
        EnvVar(var="TERM", value='"bar"'),
        EnvVar(var="foo", value='""'),
    ]


def test_env_vars_trim_single_quotes_and_spaces_as_a_set() -> None:
    assert kata_oci.env_vars(["A=' x '", "B=''' ''", "C=a'b", "D=' \t'x' '", "E=b=c"]) == [
        EnvVar(var="A", value="x"),
        EnvVar(var="B", value=""),
        EnvVar(var="C", value="a'b"),
        EnvVar(var="D", value="\t'x"),
        EnvVar(var="E", value="b=c"),
    ]


@pytest.mark.parametrize(
    ("entry", "reason"), [("foo", "expected NAME=VALUE"), ("=foo", "empty name"), ("=foo=", "empty name")]
)
def test_malformed_env_vars(entry: str, reason: str) -> None:
    with pytest.raises(EnvVarError) as info:
        kata_oci.env_vars(["OK=1", entry])
    assert reason in str(info.value)
    assert repr(entry) in str(info.value)


# -- states -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (StateString.READY, "created"),
        (StateString.RUNNING, "running"),
        (StateString.STOPPED, "stopped"),
        (StateString.PAUSED, "paused"),
        (StateString.UNSET, ""),
        ("bogus", ""),
    ],
)
def test_state_to_oci_state(state: str, expected: str) -> None:
    assert kata_oci.state_to_oci_state(state) == expected


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        (StateString.READY, "created"),
        (StateString.RUNNING, "running"),
        (StateString.STOPPED, "stopped"),
        (StateString.UNSET, ""),
    ],
)
def test_status_to_oci_state(state: StateString, expected: str) -> None:
    annotations = {ka.BUNDLE_PATH_KEY: "/run/bundle"}
    status = ContainerStatus(
        id="testContID",
        state=ContainerState(state=state),
        pid=12345,
        root_fs="testRootFs",
        annotations=annotations,
    )
    oci = kata_oci.status_to_oci_state(status)
    assert oci == kata_oci.State(
        oci_version="1.0.2",
        id="testContID",
        status=expected,
        pid=12345,
        bundle="/run/bundle",
        annotations=annotations,
    )


def test_get_oci_config() -> None:
    spec = minimal_spec()
    assert kata_oci.get_oci_config(ContainerStatus(id="c", spec=spec)) is spec
    with pytest.raises(KataOCIError, match="missing OCI spec"):
        kata_oci.get_oci_config(ContainerStatus(id="c"))


# -- kernel params (Kata's TestAddKernelParam*) --------------------------------------


def test_add_kernel_param_valid() -> None:
    config = RuntimeConfig()
    config.add_kernel_param(Param(key="foo", value="bar"))
    assert config.hypervisor_config.kernel_params == [Param(key="foo", value="bar")]
    config.hypervisor_config.add_kernel_param(Param(key="quiet"))
    assert config.hypervisor_config.kernel_params[-1] == Param(key="quiet", value="")


def test_add_kernel_param_invalid() -> None:
    config = RuntimeConfig()
    with pytest.raises(KernelParamError):
        config.add_kernel_param(Param(key="", value="bar"))
    assert config.hypervisor_config.kernel_params == []


def test_runtime_config_defaults_are_go_zero_values() -> None:
    rc = RuntimeConfig()
    assert rc.hypervisor_type == "" and rc.agent_type == "" and rc.proxy_type == "" and rc.shim_type == ""
    assert rc.agent_config is None and rc.shim_config is None
    assert rc.hypervisor_config.num_vcpus == 0 and rc.hypervisor_config.memory_size == 0
    assert rc.hypervisor_config.enable_annotations == []
    assert rc.inter_network_model == "default"
    assert rc.experimental == []


def test_configuration_types_encode_to_json() -> None:
    import json

    rc = kata_test_runtime_config()
    rc.add_kernel_param(Param(key="quiet"))
    doc = json.loads(kata_oci.to_json(rc))
    assert doc["hypervisor_type"] == "qemu"
    assert doc["hypervisor_config"]["kernel_params"] == [{"key": "quiet", "value": ""}]
    assert doc["hypervisor_config"]["num_vcpus"] == 0
    sandbox = kata_oci.sandbox_config(minimal_spec(), rc, "/b", "c")
    doc = json.loads(kata_oci.to_json(sandbox))
    assert doc["containers"][0]["cmd"]["args"] == ["sh"]
    assert doc["network_config"]["interworking_model"] == "default"
