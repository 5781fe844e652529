"""The go profile's configuration loader: Kata 4.1's katautils, its tests ported, the corpus.

Ported from Kata 4.1.0 ``src/runtime/pkg/katautils/config_test.go`` (7c6ba40):
the behaviour, not the code. Host facts are pinned with a HostChecks pointing
at tmp files, so the results do not depend on the machine running the tests.
"""

from __future__ import annotations

import logging
import tomllib
from pathlib import Path

import pytest

from kata_oci.errors import ConfigError
from kata_oci.hostchecks import HostChecks
from kata_oci.profiles.go import loader
from kata_oci.profiles.go.types import (
    HypervisorType,
    KataAgentConfig,
    NetInterworkingModel,
    Param,
    PCIePort,
    RuntimeConfig,
    VFIOModeType,
)

from helpers import SHARED

CORPUS = SHARED / "corpus" / "kata-config" / "generated"
GO_FILES = sorted((CORPUS / "kata4-go").glob("*.toml")) if (CORPUS / "kata4-go").is_dir() else []
RS_FILES = (
    sorted((CORPUS / "kata4-runtime-rs").glob("*.toml")) if (CORPUS / "kata4-runtime-rs").is_dir() else []
)
K1_FILES = sorted((CORPUS / "kata1-runtime").glob("*.toml")) if (CORPUS / "kata1-runtime").is_dir() else []
SHIPPED = Path(loader.__file__).parents[2] / "data" / "kata4-go" / "configuration-qemu.toml"


def host(tmp_path: Path, cpus: int = 4, memory_mib: int = 8192, vsock: bool = True) -> HostChecks:
    """A host with ``cpus`` CPUs, ``memory_mib`` of memory and (or not) a vsock device."""
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("".join(f"processor\t: {i}\nmodel name\t: x\n\n" for i in range(cpus)))
    device = tmp_path / ("vhost-vsock" if vsock else "no-vhost-vsock")
    if vsock:
        device.touch()
    return HostChecks(
        vhost_vsock=str(device),
        proc_cpuinfo=str(cpuinfo),
        total_memory=memory_mib << 20,
        arch="x86_64",
    )


def assets(tmp_path: Path, *names: str, size: int = 3) -> dict[str, str]:
    out = {}
    for name in names:
        p = tmp_path / name
        p.write_bytes(b"x" * size)
        out[name] = str(p)
    return out


def write(tmp_path: Path, text: str, name: str = "configuration.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def load(tmp_path: Path, text: str, **kw: object) -> RuntimeConfig:
    if "host_checks" not in kw:
        kw["host_checks"] = host(tmp_path)
    return loader.load_runtime_config(write(tmp_path, text), **kw)  # type: ignore[arg-type]


def error(tmp_path: Path, text: str, **kw: object) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, text, **kw)
    return info.value


def qemu(tmp_path: Path, extra: str = "", *, image: bool = True) -> str:
    """A [hypervisor.qemu] table whose assets exist (no shared file system unless ``extra`` sets one)."""
    files = assets(tmp_path, "qemu", "kernel", "image")
    body = f'path = "{files["qemu"]}"\nkernel = "{files["kernel"]}"\n'
    if "shared_fs" not in extra.lower():
        body += 'shared_fs = "none"\n'
    if image:
        body += f'image = "{files["image"]}"\n'
    return f"[hypervisor.qemu]\n{body}{extra}\n[agent.kata]\n"


# --------------------------------------------------------------------------
# every 4.1 generated file loads, with its values and 4.1's defaults


@pytest.mark.skipif(not GO_FILES, reason="../shared corpus not available")
@pytest.mark.parametrize("path", GO_FILES, ids=lambda p: p.name)
def test_every_kata4_go_file_loads_with_its_values(path: Path, tmp_path: Path) -> None:
    # no host checks: the assets are not installed here
    config = loader.load_runtime_config(path, strict=True, host_checks=None)
    doc = tomllib.loads(path.read_text())
    ((name, table),) = doc["hypervisor"].items()
    assert config.profile == "go"
    assert config.hypervisor_type == HypervisorType(name)
    hc = config.hypervisor_config
    rt = doc["runtime"]
    assert config.debug == rt.get("enable_debug", False)
    assert config.static_sandbox_resource_mgmt == rt.get("static_sandbox_resource_mgmt", False)
    assert config.sandbox_cgroup_only == rt.get("sandbox_cgroup_only", False)
    assert config.empty_dir_mode == (rt.get("emptydir_mode") or "shared-fs")
    assert config.vfio_mode == VFIOModeType(rt.get("vfio_mode", "vfio"))
    assert config.agent_config.long_live_conn is True
    assert config.agent_config.dial_timeout == doc["agent"]["kata"].get("dial_timeout", 0)
    assert config.agent_config.kernel_modules == doc["agent"]["kata"].get("kernel_modules", [])
    if name == "remote":
        assert hc.shared_fs == "none"
        assert hc.block_device_driver == "dummy"
        assert hc.remote_hypervisor_socket == table.get(
            "remote_hypervisor_socket", "/run/peerpod/hypervisor.sock"
        )
        assert hc.remote_hypervisor_timeout == (table.get("remote_hypervisor_timeout") or 600)
        return
    assert hc.kernel_path == table["kernel"]
    assert hc.image_path == table.get("image", "")
    if name != "dragonball":
        assert hc.hypervisor_path == table["path"]
        assert hc.initrd_path == table.get("initrd", "")
    assert hc.enable_annotations == table.get("enable_annotations", [])
    assert hc.entropy_source == table.get("entropy_source", "/dev/urandom")
    assert hc.entropy_source_list == (table.get("valid_entropy_sources", []) if name != "stratovirt" else [])
    memory = table.get("default_memory", 0)
    assert hc.memory_size == (memory if memory >= 256 else 2048)
    assert hc.mem_slots == (table.get("memory_slots") or 10)
    if name in ("qemu", "clh"):
        assert hc.cold_plug_vfio == PCIePort(table.get("cold_plug_vfio") or "no-port")
        assert hc.hot_plug_vfio == PCIePort(table.get("hot_plug_vfio") or "no-port")
        assert hc.shared_fs == (table.get("shared_fs") or "virtio-fs")
        assert hc.rootfs_type == (table.get("rootfs_type") or "ext4")
    if name == "qemu":
        assert hc.confidential_guest == table.get("confidential_guest", False)
        assert hc.block_device_aio == (table.get("block_device_aio") or "io_uring")
        assert hc.virtio_fs_cache == (table.get("virtio_fs_cache") or "never")
        assert hc.hypervisor_machine_type == (table.get("machine_type") or "q35")
        assert hc.measurement_algo == (table.get("measurement_algo") or "sha512")
        assert hc.guest_swap == table.get("enable_guest_swap", False)
    # the user's kernel parameters come last
    user = loader.kernel_param_fields(table.get("kernel_params", ""))
    tail = [
        p.key + ("=" + p.value if p.value else "")
        for p in hc.kernel_params[len(hc.kernel_params) - len(user) :]
    ]
    assert [t.rstrip("=") for t in tail] == [u.rstrip("=") for u in user]


@pytest.mark.skipif(not GO_FILES, reason="../shared corpus not available")
def test_confidential_files_keep_shared_fs_none() -> None:
    for name in (
        "qemu-coco-dev",
        "qemu-tdx",
        "qemu-snp",
        "qemu-se",
        "qemu-nvidia-gpu-snp",
        "qemu-nvidia-gpu-tdx",
    ):
        config = loader.load_runtime_config(CORPUS / "kata4-go" / f"configuration-{name}.toml")
        assert config.hypervisor_config.shared_fs == "none", name
        assert config.hypervisor_config.confidential_guest == (name != "qemu-coco-dev"), name


def test_shipped_default_is_the_4_1_qemu_configuration() -> None:
    config = loader.load_runtime_config(SHIPPED, strict=True)
    assert config.hypervisor_type == HypervisorType.QEMU
    assert config.hypervisor_config.hypervisor_path == "/usr/bin/qemu-system-x86_64"
    assert "Kata Containers 4.1.0" in SHIPPED.read_text().splitlines()[0]


def test_find_config_file_falls_back_to_the_shipped_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loader, "DEFAULT_CONFIG_PATHS", ("/nonexistent/a.toml",))
    assert loader.find_config_file({}) == SHIPPED


def test_find_config_file_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    etc, usr = tmp_path / "etc.toml", tmp_path / "usr.toml"
    usr.write_text("")
    monkeypatch.setattr(loader, "DEFAULT_CONFIG_PATHS", (str(etc), str(usr)))
    assert loader.find_config_file({}) == usr
    etc.write_text("")
    assert loader.find_config_file({}) == etc
    # KATA_CONF_FILE: only one of the default files (the shim refuses the others)
    assert loader.find_config_file({"KATA_CONF_FILE": str(usr)}) == usr
    other = tmp_path / "other.toml"
    other.write_text("")
    with pytest.raises(ConfigError, match="only shipped Kata configuration files are accepted"):
        loader.find_config_file({"KATA_CONF_FILE": str(other)})


# --------------------------------------------------------------------------
# TestMinimalRuntimeConfig, TestHypervisorDefaults*, TestAgentDefaults


def test_minimal_runtime_config(tmp_path: Path) -> None:
    config = loader.runtime_config_from_toml(
        '[agent.kata]\ndebug_console_enabled=true\nkernel_modules=["a", "b", "c"]\n'
    )
    hc = config.hypervisor_config
    assert config.hypervisor_type == HypervisorType.QEMU
    assert hc.hypervisor_path == "/usr/bin/qemu-system-x86_64"
    assert hc.jailer_path == "/usr/bin/jailer"
    assert hc.image_path == "/usr/share/kata-containers/kata-containers.img"
    assert hc.initrd_path == "/usr/share/kata-containers/kata-containers-initrd.img"
    assert (hc.rootfs_type, hc.hypervisor_machine_type, hc.num_vcpus_f, hc.default_max_vcpus) == (
        "ext4",
        "q35",
        1.0,
        0,
    )
    assert (hc.memory_size, hc.default_bridges, hc.block_device_driver, hc.msize_9p) == (
        2048,
        1,
        "virtio-scsi",
        8192,
    )
    assert (hc.hypervisor_loglevel, hc.virtio_fs_cache, hc.block_device_aio) == (1, "never", "io_uring")
    assert hc.disable_guest_selinux is True
    assert (hc.hot_plug_vfio, hc.cold_plug_vfio) == (PCIePort.NO_PORT, PCIePort.NO_PORT)
    assert hc.vhost_user_store_path == "/var/run/kata-containers/vhost-user/"
    assert config.agent_config == KataAgentConfig(
        long_live_conn=True, enable_debug_console=True, kernel_modules=["a", "b", "c"]
    )
    assert config.factory_config.template_path == "/run/vc/vm/template"
    assert config.factory_config.vm_cache_endpoint == "/var/run/kata-containers/cache.sock"
    assert config.empty_dir_mode == "shared-fs"
    assert hc.kernel_params == [
        Param(key="systemd.unit", value="kata-containers.target"),
        Param(key="systemd.mask", value="systemd-networkd.service"),
        Param(key="systemd.mask", value="systemd-networkd.socket"),
        Param(key="scsi_mod.scan", value="none"),
        Param(key="agent.debug_console", value=""),
        Param(key="agent.debug_console_vport", value="1026"),
    ]
    # initConfig's quirk: the defaults it sets are overwritten
    assert config.inter_network_model == NetInterworkingModel.DEFAULT
    assert config.vfio_mode == VFIOModeType.VFIO


def test_no_agent_table_gives_go_zero_agent() -> None:
    config = loader.runtime_config_from_toml("[runtime]\nenable_debug = true\n")
    assert config.agent_config == KataAgentConfig()
    assert config.debug is True


@pytest.mark.parametrize(
    ("vcpus", "expected"),
    [("0", 1.0), ("-1", 4.0), ("2", 2.0), ("5", 4.0), ("0.5", 0.5), ("1.1", 1.100000023841858), ("4", 4.0)],
)
def test_default_vcpus(tmp_path: Path, vcpus: str, expected: float) -> None:
    config = load(tmp_path, qemu(tmp_path, f"default_vcpus = {vcpus}"))
    assert config.hypervisor_config.num_vcpus_f == expected


@pytest.mark.parametrize(("maxvcpus", "expected"), [(0, 4), (2, 2), (5, 4), (241, 4)])
def test_default_max_vcpus(tmp_path: Path, maxvcpus: int, expected: int) -> None:
    config = load(tmp_path, qemu(tmp_path, f"default_maxvcpus = {maxvcpus}"))
    assert config.hypervisor_config.default_max_vcpus == expected


def test_max_vcpus_capped_by_architecture(tmp_path: Path) -> None:
    facts = host(tmp_path, cpus=300)
    config = load(tmp_path, qemu(tmp_path), host_checks=facts)
    assert config.hypervisor_config.default_max_vcpus == 240
    assert config.hypervisor_config.num_vcpus_f == 1.0
    minus = load(tmp_path, qemu(tmp_path, "default_vcpus = -1"), host_checks=facts)
    assert minus.hypervisor_config.num_vcpus_f == 240.0


@pytest.mark.parametrize(
    ("memory", "expected"), [(0, 2048), (128, 2048), (255, 2048), (256, 256), (1024, 1024)]
)
def test_default_memory_below_256_gives_2048(tmp_path: Path, memory: int, expected: int) -> None:
    assert (
        load(tmp_path, qemu(tmp_path, f"default_memory = {memory}")).hypervisor_config.memory_size == expected
    )


@pytest.mark.parametrize(("maxmemory", "expected"), [(0, 8192), (1024, 1024), (9000, 8192)])
def test_default_maxmemory_bounded_by_host(tmp_path: Path, maxmemory: int, expected: int) -> None:
    hc = load(tmp_path, qemu(tmp_path, f"default_maxmemory = {maxmemory}")).hypervisor_config
    assert hc.default_max_memory_size == expected


def test_get_host_cpus_counts_processor_lines(tmp_path: Path) -> None:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(
        "processor   : 0\nprocessor\t: 1\nBogoMIPS\t: 48.00\nprocessor\t: 2\nvendor_id : x\n"
        "processor\t: 3\nprocessor\t: 4\nmodel : 60\nprocessor\t: 5\n\nmodel name : y\n"
    )
    assert HostChecks(proc_cpuinfo=str(cpuinfo)).host_cpus() == 6
    assert HostChecks(proc_cpuinfo=str(tmp_path / "missing"), num_cpus=3).host_cpus() == 3


@pytest.mark.parametrize(("bridges", "expected"), [(0, 1), (1, 1), (5, 5), (6, 5), (4000, 5)])
def test_default_bridges(tmp_path: Path, bridges: int, expected: int) -> None:
    assert (
        load(tmp_path, qemu(tmp_path, f"default_bridges = {bridges}")).hypervisor_config.default_bridges
        == expected
    )


@pytest.mark.parametrize(("level", "expected"), [(0, 1), (2, 2), (3, 3), (9, 3)])
def test_hypervisor_loglevel(tmp_path: Path, level: int, expected: int) -> None:
    hc = load(tmp_path, qemu(tmp_path, f"hypervisor_loglevel = {level}")).hypervisor_config
    assert hc.hypervisor_loglevel == expected


@pytest.mark.parametrize(("ports", "expected"), [(0, 0), (16, 16), (17, 16)])
def test_pcie_ports_clamped(tmp_path: Path, ports: int, expected: int) -> None:
    hc = load(
        tmp_path, qemu(tmp_path, f"pcie_root_port = {ports}\npcie_switch_port = {ports}")
    ).hypervisor_config
    assert (hc.pcie_root_port, hc.pcie_switch_port) == (expected, expected)


def test_default_virtio_fs_cache(tmp_path: Path) -> None:
    assert (
        load(tmp_path, qemu(tmp_path, 'shared_fs = "virtio-9p"')).hypervisor_config.virtio_fs_cache == "never"
    )
    hc = load(tmp_path, qemu(tmp_path, 'shared_fs = "virtio-9p"\nvirtio_fs_cache = "auto"')).hypervisor_config
    assert hc.virtio_fs_cache == "auto"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", ""), ("abc", "abc"), (",, abc ,,, 123 ,,", "abc,123"), ("abc,123", "abc,123"), (",,,", "")],
)
def test_default_machine_accelerators_and_cpu_features(tmp_path: Path, value: str, expected: str) -> None:
    text = qemu(tmp_path, f'machine_accelerators = "{value}"\ncpu_features = "{value}"')
    hc = load(tmp_path, text).hypervisor_config
    assert (hc.machine_accelerators, hc.cpu_features) == (expected, expected)


def test_kernel_params_keep_quoted_values_together(tmp_path: Path) -> None:
    text = qemu(tmp_path, "kernel_params = 'a=1 b=\"x y\"  c'")
    params = load(tmp_path, text).hypervisor_config.kernel_params
    assert params[-3:] == [Param(key="a", value="1"), Param(key="b", value='"x y"'), Param(key="c", value="")]


def test_agent_kernel_params_in_go_order(tmp_path: Path) -> None:
    text = qemu(tmp_path) + (
        "enable_debug = true\nenable_tracing = true\ndebug_console_enabled = true\n"
        "cdh_api_timeout = 50\nlaunch_process_timeout = 7\nvisible_cdi_devices = true\n"
    )
    params = load(tmp_path, text).hypervisor_config.kernel_params
    keys = [(p.key, p.value) for p in params]
    assert keys[3:] == [
        ("scsi_mod.scan", "none"),
        ("agent.log", "debug"),
        ("agent.trace", "true"),
        ("agent.debug_console", ""),
        ("agent.debug_console_vport", "1026"),
        ("agent.cdh_api_timeout", "50"),
        ("agent.launch_process_timeout", "7"),
        ("agent.visible_cdi_devices", "true"),
    ]


def test_invalid_kernel_params(tmp_path: Path) -> None:
    err = error(tmp_path, qemu(tmp_path, 'kernel_params = "=foo"'))
    assert err.reason.startswith("Empty kernel parameter")
    assert err.key == "hypervisor.qemu.kernel_params"


def test_factory_defaults(tmp_path: Path) -> None:
    fc = load(tmp_path, qemu(tmp_path)).factory_config
    assert (fc.template, fc.template_path, fc.vm_cache_number) == (False, "/run/vc/vm/template", 0)
    assert fc.vm_cache_endpoint == "/var/run/kata-containers/cache.sock"


# --------------------------------------------------------------------------
# the per-hypervisor builders (TestNew*HypervisorConfig)


def test_qemu_needs_vsock_with_host_checks(tmp_path: Path) -> None:
    err = error(tmp_path, qemu(tmp_path), host_checks=host(tmp_path, vsock=False))
    assert err.reason.startswith("host system doesn't support vsock")
    load(tmp_path, qemu(tmp_path), host_checks=None)  # no host checks: no device needed


def test_qemu_virtio_fs_needs_daemon(tmp_path: Path) -> None:
    err = error(tmp_path, qemu(tmp_path, 'shared_fs = "virtio-fs-nydus"'))
    assert err.reason == "cannot enable virtio-fs-nydus without daemon path in configuration file"
    assert err.key == "hypervisor.qemu.virtio_fs_daemon"
    assert load(tmp_path, qemu(tmp_path, 'shared_fs = "none"')).hypervisor_config.shared_fs == "none"


def test_shared_fs_default_is_virtio_fs(tmp_path: Path) -> None:
    err = error(tmp_path, qemu(tmp_path, "# no shared_fs"))
    assert "cannot enable virtio-fs without daemon path" in err.reason


def test_invalid_shared_fs_block_driver_aio_monitor(tmp_path: Path) -> None:
    cases = {
        'shared_fs = "nfs"': "Invalid hypervisor shared file system nfs specified "
        "(supported file systems: [virtio-9p virtio-fs virtio-fs-nydus none])",
        'shared_fs = "none"\nblock_device_driver = "ide"': "Invalid hypervisor block storage driver ide "
        "specified (supported drivers: [virtio-scsi virtio-blk virtio-mmio nvdimm virtio-blk-ccw])",
        'shared_fs = "none"\nblock_device_aio = "posix"': "Invalid hypervisor block storage I/O mechanism  "
        "posix specified (supported AIO: [io_uring native threads])",
        'shared_fs = "none"\nextra_monitor_socket = "x"': "Invalid hypervisor extra monitor socket x "
        "specified (supported values: [hmp qmp qmp-pretty])",
    }
    for extra, reason in cases.items():
        assert error(tmp_path, qemu(tmp_path, extra)).reason == reason


@pytest.mark.parametrize(
    ("size", "ok"),
    [(0, True), (512, True), (4096, True), (65536, True), (256, False), (1000, False), (131072, False)],
)
def test_validate_block_device_sector_size(tmp_path: Path, size: int, ok: bool) -> None:
    text = qemu(tmp_path, f'shared_fs = "none"\nblock_device_logical_sector_size = {size}')
    if ok:
        assert load(tmp_path, text).hypervisor_config.block_device_logical_sector_size == size
    else:
        err = error(tmp_path, text)
        assert err.reason == (
            f"invalid block_device_logical_sector_size {size}: "
            "must be 0 or a power of 2 between 512 and 65536"
        )


def test_validate_block_device_sector_sizes(tmp_path: Path) -> None:
    sizes = "block_device_logical_sector_size = 4096\nblock_device_physical_sector_size = 512"
    err = error(tmp_path, qemu(tmp_path, 'shared_fs = "none"\n' + sizes))
    assert err.reason == "invalid sector sizes: logical (4096) must not be larger than physical (512)"


def test_qemu_microvm_disables_nvdimm(tmp_path: Path) -> None:
    hc = load(tmp_path, qemu(tmp_path, 'shared_fs = "none"\nmachine_type = "microvm"')).hypervisor_config
    assert hc.disable_image_nvdimm is True


def test_qemu_image_and_initrd_both_kept(tmp_path: Path) -> None:
    # TestNewQemuHypervisorConfigImageAndInitrd: the 4.1 loader takes both; the VM start refuses
    files = assets(tmp_path, "initrd")
    hc = load(tmp_path, qemu(tmp_path, f'shared_fs = "none"\ninitrd = "{files["initrd"]}"')).hypervisor_config
    assert hc.image_path and hc.initrd_path


def test_firecracker_builder(tmp_path: Path) -> None:
    files = assets(tmp_path, "fc", "kernel", "image", "jailer")
    text = (
        f'[hypervisor.firecracker]\npath = "{files["fc"]}"\nkernel = "{files["kernel"]}"\n'
        f'image = "{files["image"]}"\njailer_path = "{files["jailer"]}"\ndisable_block_device_use = true\n'
        "rx_rate_limiter_max_rate = 10\n"
    )
    config = load(tmp_path, text, host_checks=host(tmp_path, vsock=False))  # 4.1 fc does not check vsock
    hc = config.hypervisor_config
    assert config.hypervisor_type == HypervisorType.FIRECRACKER
    assert hc.jailer_path == files["jailer"]
    assert hc.disable_block_device_use is False
    assert hc.disable_vhost_net is True
    assert hc.disable_guest_selinux is True
    assert hc.shared_fs == ""
    assert hc.rx_rate_limiter_max_rate == 10


def test_clh_builder(tmp_path: Path) -> None:
    files = assets(tmp_path, "clh", "kernel", "image")
    base = f'[hypervisor.clh]\npath = "{files["clh"]}"\nkernel = "{files["kernel"]}"\n'
    assert error(tmp_path, base).reason == "image or initrd must be defined in the configuration file"
    with_image = base + f'image = "{files["image"]}"\n'
    assert error(tmp_path, with_image + 'shared_fs = "virtio-9p"\n').reason == (
        "Cloud Hypervisor does not support virtio-9p shared filesystem option"
    )
    text = with_image + (
        'virtio_fs_daemon = "/usr/libexec/virtiofsd"\nnet_rate_limiter_bw_one_time_burst = 5\n'
        "disk_rate_limiter_ops_max_rate = 3\ndisk_rate_limiter_ops_one_time_burst = 4\n"
    )
    hc = load(tmp_path, text).hypervisor_config
    assert hc.shared_fs == "virtio-fs"
    assert hc.virtio_fs_cache == ""  # clh keeps the raw value
    assert hc.net_rate_limiter_bw_one_time_burst == 0  # ignored without its max rate
    assert (hc.disk_rate_limiter_ops_max_rate, hc.disk_rate_limiter_ops_one_time_burst) == (3, 4)
    assert hc.disable_vhost_net is True


def test_clh_pcie_rules(tmp_path: Path) -> None:
    files = assets(tmp_path, "clh", "kernel", "image")
    base = (
        f'[hypervisor.clh]\npath = "{files["clh"]}"\nkernel = "{files["kernel"]}"\n'
        f'image = "{files["image"]}"\n'
        'shared_fs = "none"\n'
    )
    assert error(tmp_path, base + 'cold_plug_vfio = "switch-port"').reason == (
        "only cold-plug=no-port or root-port supported on CLH"
    )
    assert (
        load(tmp_path, base + 'cold_plug_vfio = "root-port"').hypervisor_config.cold_plug_vfio == "root-port"
    )


def test_pcie_hot_and_cold_plug_exclusive(tmp_path: Path) -> None:
    err = error(
        tmp_path,
        qemu(tmp_path, 'shared_fs = "none"\nhot_plug_vfio = "root-port"\ncold_plug_vfio = "root-port"'),
    )
    assert (
        err.reason
        == "invalid hot-plug=root-port and cold-plug=root-port settings, only one of them can be set"
    )
    hc = load(
        tmp_path, qemu(tmp_path, 'shared_fs = "none"\ncold_plug_vfio = "bridge-port"')
    ).hypervisor_config
    assert hc.cold_plug_vfio == PCIePort.BRIDGE_PORT
    # a value Go has no constant for: Go's check on q35 (String() shows it), kata-oci's elsewhere
    err = error(tmp_path, qemu(tmp_path, 'cold_plug_vfio = "nowhere"'))
    assert err.reason == (
        "invalid vfio_port=<unknown PCIePort: nowhere> setting, allowed values no-port, bridge-port, "
        "root-port, switch-port"
    )
    assert err.key == "hypervisor.qemu.cold_plug_vfio"
    err = error(tmp_path, qemu(tmp_path, 'cold_plug_vfio = "nowhere"\nhot_plug_vfio = "root-port"'))
    assert err.reason.startswith(
        "invalid hot-plug=root-port and cold-plug=<unknown PCIePort: nowhere> settings"
    )
    err = error(tmp_path, qemu(tmp_path, 'cold_plug_vfio = "nowhere"\nmachine_type = "pc"'))
    assert err.reason.startswith("invalid cold_plug_vfio=nowhere: allowed values")
    # "invalid-port" is a Go constant: accepted off q35/virt, refused on them
    hc = load(
        tmp_path, qemu(tmp_path, 'cold_plug_vfio = "invalid-port"\nmachine_type = "pc"')
    ).hypervisor_config
    assert hc.cold_plug_vfio == PCIePort.INVALID_PORT
    assert (
        "invalid vfio_port=invalid-port"
        in error(tmp_path, qemu(tmp_path, 'cold_plug_vfio = "invalid-port"')).reason
    )
    # the check comes after the others, as in Go: an unknown experimental feature is reported first
    text = qemu(tmp_path, 'cold_plug_vfio = "nowhere"') + '\n[runtime]\nexperimental = ["nope"]\n'
    assert error(tmp_path, text).reason == 'Unsupported experimental feature "nope"'


def test_stratovirt_builder(tmp_path: Path) -> None:
    files = assets(tmp_path, "sv", "kernel", "image", "initrd")
    base = f'[hypervisor.stratovirt]\npath = "{files["sv"]}"\nkernel = "{files["kernel"]}"\n'
    both = base + f'image = "{files["image"]}"\ninitrd = "{files["initrd"]}"\n'
    assert error(tmp_path, both).reason == (
        "having both an image and an initrd defined in the configuration file is not supported"
    )
    text = base + f'initrd = "{files["initrd"]}"\nshared_fs = "none"\nkernel_params = "a=1  b"\n'
    assert error(tmp_path, text, host_checks=host(tmp_path, vsock=False)).reason.startswith(
        "host system doesn't support vsock"
    )
    hc = load(tmp_path, text).hypervisor_config
    assert hc.kernel_params[-2:] == [Param(key="a", value="1"), Param(key="b", value="")]
    assert hc.virtio_fs_cache == "never"


def test_dragonball_and_remote_builders(tmp_path: Path) -> None:
    files = assets(tmp_path, "kernel", "image")
    config = load(
        tmp_path, f'[hypervisor.dragonball]\nkernel = "{files["kernel"]}"\nimage = "{files["image"]}"\n'
    )
    assert config.hypervisor_type == HypervisorType.DRAGONBALL
    assert config.hypervisor_config.hypervisor_path == ""
    remote = load(tmp_path, '[hypervisor.remote]\nmachine_type = "m"\ndefault_memory = 1\n')
    hc = remote.hypervisor_config
    assert (hc.remote_hypervisor_socket, hc.remote_hypervisor_timeout) == (
        "/run/peerpod/hypervisor.sock",
        600,
    )
    assert (hc.memory_size, hc.hypervisor_machine_type, hc.shared_fs) == (0, "m", "none")


@pytest.mark.parametrize("name", ["foo", "bar", "clhbaz", "QEMU", "acrn"])
def test_invalid_hypervisor_section(tmp_path: Path, name: str) -> None:
    err = error(tmp_path, f'[hypervisor.{name}]\npath = "/"\n')
    assert err.reason.startswith(f'configuration file contains invalid hypervisor section: "{name}"')
    assert err.key == f"hypervisor.{name}"


def test_two_hypervisor_tables_refused(tmp_path: Path) -> None:
    err = error(tmp_path, "[hypervisor.qemu]\n[hypervisor.clh]\n", host_checks=None)
    assert "more than one hypervisor table" in err.reason


def test_guest_extension_images(tmp_path: Path) -> None:
    good = '[[hypervisor.qemu.guest_extension_images]]\nname = "coco"\npath = "/x.img"\n'
    text = qemu(tmp_path, 'shared_fs = "none"').replace("[agent.kata]\n", "") + good
    hc = load(tmp_path, text).hypervisor_config
    assert [(g.name, g.path) for g in hc.guest_extension_images] == [("coco", "/x.img")]
    bad = text.replace('"coco"', '"a b"')
    assert "has an invalid name" in error(tmp_path, bad).reason
    verity = text.replace('path = "/x.img"', 'path = "/x.img"\nverity_params = "root_hash=ab,salt=cd"')
    assert error(tmp_path, verity).reason == (
        "guest_extension_images 'coco' has invalid verity_params: missing kernel_verity_params data_blocks"
    )


# --------------------------------------------------------------------------
# host checks (TestConfigLoadConfigurationFail*, TestCheckHypervisorConfig, TestValidateBindMounts)


def test_missing_kernel_and_image_with_host_checks(tmp_path: Path) -> None:
    files = assets(tmp_path, "qemu")
    text = (
        f'[hypervisor.qemu]\npath = "{files["qemu"]}"\nkernel = "{tmp_path}/nokernel"\nshared_fs = "none"\n'
    )
    err = error(tmp_path, text)
    assert err.reason == f"file {tmp_path}/nokernel does not exist"
    assert err.key == "hypervisor.qemu.kernel"
    assert err.line == 3
    assert load(tmp_path, text, host_checks=None).hypervisor_config.kernel_path == f"{tmp_path}/nokernel"
    default_path = '[hypervisor.qemu]\nshared_fs = "none"\n'
    err = error(tmp_path, default_path)
    assert (
        err.reason == "file /usr/bin/qemu-system-x86_64 does not exist (the default; the key is not set)"
        or (Path("/usr/bin/qemu-system-x86_64").exists())
    )


def test_paths_resolved_like_go_with_host_checks(tmp_path: Path) -> None:
    files = assets(tmp_path, "real-kernel")
    (tmp_path / "kernel-link").symlink_to(files["real-kernel"])
    text = qemu(tmp_path, 'shared_fs = "none"').replace(f'{tmp_path}/kernel"', f'{tmp_path}/kernel-link"')
    assert load(tmp_path, text).hypervisor_config.kernel_path == files["real-kernel"]
    assert load(tmp_path, text, host_checks=None).hypervisor_config.kernel_path == f"{tmp_path}/kernel-link"


def test_asset_root_redirects_checks(tmp_path: Path) -> None:
    root = tmp_path / "root"
    for p in ("usr/bin/qemu-system-x86_64", "usr/share/kata-containers/vmlinuz.container", "img"):
        (root / p).parent.mkdir(parents=True, exist_ok=True)
        (root / p).write_bytes(b"x")
    facts = host(tmp_path)
    checks = HostChecks(
        asset_root=str(root), vhost_vsock=facts.vhost_vsock, proc_cpuinfo=facts.proc_cpuinfo, arch="x86_64"
    )
    config = load(tmp_path, '[hypervisor.qemu]\nimage = "/img"\nshared_fs = "none"\n', host_checks=checks)
    assert config.hypervisor_config.kernel_path == "/usr/share/kata-containers/vmlinuz.container"
    err = error(tmp_path, '[hypervisor.qemu]\nimage = "/nope"\nshared_fs = "none"\n', host_checks=checks)
    assert err.reason == "file /nope does not exist"


def test_check_hypervisor_config_image_sizes(tmp_path: Path) -> None:
    empty = assets(tmp_path, "empty-initrd", size=0)
    base = qemu(tmp_path, 'shared_fs = "none"', image=False)
    err = error(tmp_path, base.replace("[agent.kata]", f'initrd = "{empty["empty-initrd"]}"\n[agent.kata]'))
    assert err.reason == f'image "{empty["empty-initrd"]}" is empty'
    big = tmp_path / "big-initrd"
    with big.open("wb") as f:
        f.truncate(300 << 20)
    text = base.replace("[agent.kata]", f'initrd = "{big}"\ndefault_memory = 256\n[agent.kata]')
    assert error(tmp_path, text).reason == f'VM memory (256MB) smaller than image "{big}" size (300MB)'
    load(tmp_path, text, host_checks=None)  # not measured without host checks


def test_validate_bind_mounts(tmp_path: Path) -> None:
    d1, d2 = tmp_path / "d1", tmp_path / "d2"
    d1.mkdir()
    d2.mkdir()
    (d1 / "cat.txt").write_text("a")
    (d2 / "cat.txt").write_text("b")
    (d1 / "foobar.txt").write_text("c")
    base = qemu(tmp_path, 'shared_fs = "none"') + "\n[runtime]\nsandbox_bind_mounts = {}\n"
    cases = [
        ([d1, d2], True),
        ([d1, d1 / "cat.txt", d1 / "foobar.txt"], True),
        ([d1 / "cat.txt", d2 / "cat.txt"], False),
        (["/this/does/not/exist"], False),
        ([d1 / "foobar.txt", "/this/does/not/exist"], False),
        ([], True),
    ]
    for mounts, ok in cases:
        text = base.format("[" + ", ".join(f'"{m}"' for m in mounts) + "]")
        if ok:
            assert load(tmp_path, text).sandbox_bind_mounts == [str(m) for m in mounts]
        else:
            assert error(tmp_path, text).reason.startswith("sandbox-bindmounts: ")
            load(tmp_path, text, host_checks=None)


# --------------------------------------------------------------------------
# [runtime] and checkConfig (TestCheckNetNsConfig, TestCheckEmptyDirMode, TestCheckFactoryConfig)


def test_check_net_ns_config(tmp_path: Path) -> None:
    base = qemu(tmp_path, 'shared_fs = "none"') + "\n[runtime]\ndisable_new_netns = true\n"
    assert (
        error(tmp_path, base).reason
        == "config disable_new_netns only works with 'none' internetworking_model"
    )
    assert load(tmp_path, base + 'internetworking_model = "none"\n').disable_new_net_ns is True


@pytest.mark.parametrize(
    ("mode", "ok"),
    [
        ("shared-fs", True),
        ("block-encrypted", True),
        ("block-plain", True),
        ("invalid", False),
        ("shared_fs", False),
        ("block_encrypted", False),
        ("block_plain", False),
    ],
)
def test_check_empty_dir_mode(tmp_path: Path, mode: str, ok: bool) -> None:
    text = qemu(tmp_path, 'shared_fs = "none"') + f'\n[runtime]\nemptydir_mode = "{mode}"\n'
    if ok:
        assert load(tmp_path, text).empty_dir_mode == mode
    else:
        assert error(tmp_path, text).reason == (
            f'invalid emptydir_mode="{mode}", allowed values: "shared-fs", "block-encrypted", "block-plain"'
        )


def test_check_factory_config(tmp_path: Path) -> None:
    files = assets(tmp_path, "clh", "kernel", "image")
    clh = (
        f'[hypervisor.clh]\npath = "{files["clh"]}"\nkernel = "{files["kernel"]}"\n'
        f'image = "{files["image"]}"\n'
        'shared_fs = "none"\n[factory]\nvm_cache_number = 2\n'
    )
    assert error(tmp_path, clh).reason == "VM cache just support qemu"
    text = qemu(tmp_path, 'shared_fs = "none"') + "\n[factory]\nvm_cache_number = 2\nenable_template = true\n"
    fc = load(tmp_path, text).factory_config
    assert (fc.vm_cache_number, fc.template) == (2, True)


def test_runtime_values_and_modes(tmp_path: Path) -> None:
    text = qemu(tmp_path, 'shared_fs = "none"') + (
        '\n[runtime]\ninternetworking_model = "macvtap"\nvfio_mode = "guest-kernel"\n'
        "create_container_timeout = 120\nexperimental_force_guest_pull = true\n"
        'dan_conf = "/d"\npod_resource_api_sock = "/s"\nkubelet_root_dir = "/k"\n'
        "enable_vcpus_pinning = true\n"
    )
    config = load(tmp_path, text)
    assert config.inter_network_model == NetInterworkingModel.MACVTAP
    assert config.vfio_mode == VFIOModeType.GUEST_KERNEL
    assert (config.create_container_timeout, config.force_guest_pull, config.dan_config) == (120, True, "/d")
    assert (config.pod_resource_api_sock, config.kubelet_root_dir, config.enable_vcpus_pinning) == (
        "/s",
        "/k",
        True,
    )
    bad = text.replace('"guest-kernel"', '"mdev"')
    assert error(tmp_path, bad).reason == "Unknown VFIO mode mdev"
    bad = text.replace('"macvtap"', '"bridged"')
    assert error(tmp_path, bad).reason == "Unknown type bridged"


def test_unsupported_experimental_feature(tmp_path: Path) -> None:
    text = qemu(tmp_path, 'shared_fs = "none"') + '\n[runtime]\nexperimental = ["nope"]\n'
    assert error(tmp_path, text).reason == 'Unsupported experimental feature "nope"'


# --------------------------------------------------------------------------
# decoding: types, ranges, case, syntax, unknown keys


def test_types_and_ranges(tmp_path: Path) -> None:
    base = qemu(tmp_path, 'shared_fs = "none"\n{}')
    cases = {
        "default_memory = -1": ("value -1 is out of range for uint32", "hypervisor.qemu.default_memory"),
        "default_memory = 4294967296": ("value 4294967296 is out of range for uint32", None),
        'default_memory = "2048"': ("expected an integer (Go uint32), found string '2048'", None),
        "memory_offset = -1": ("value -1 is out of range for uint64", None),
        "default_vcpus = 16777216": (
            "value 16777216 is out of the range of integers a float32 holds exactly",
            None,
        ),
        "default_vcpus = 3.5e38": ("value 3.5e+38 is out of range for float32", None),
        "enable_debug = 1": ("expected a boolean, found integer 1", None),
    }
    for extra, (reason, key) in cases.items():
        err = error(tmp_path, base.format(extra))
        assert err.reason == reason, extra
        if key:
            assert err.key == key
            assert err.line is not None


def test_keys_match_case_insensitively_but_table_names_do_not(tmp_path: Path) -> None:
    text = qemu(tmp_path, 'SHARED_FS = "none"\nDefault_Memory = 512').replace("[hypervisor", "[Hypervisor")
    assert load(tmp_path, text).hypervisor_config.memory_size == 512
    err = error(tmp_path, qemu(tmp_path, 'shared_fs = "none"\nSHARED_FS = "none"'))
    assert "both set 'shared_fs'" in err.reason


def test_invalid_toml_contents(tmp_path: Path) -> None:
    err = error(tmp_path, "[hypervisor.qemu]\npath = \n")
    assert err.reason.startswith("invalid TOML")
    assert err.line == 2
    dup = error(tmp_path, "[hypervisor.qemu]\npath = 'a'\n[hypervisor.qemu]\npath = 'b'\n")
    assert dup.reason.startswith("invalid TOML")


def test_unreadable_and_missing_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        loader.load_runtime_config(tmp_path / "nope.toml")
    with pytest.raises(ConfigError, match="Is a directory"):
        loader.load_runtime_config(tmp_path)


def test_unknown_keys_warned_or_refused(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    text = qemu(tmp_path, 'shared_fs = "none"\nenable_swap = true') + "\n[netmon]\nenable_netmon = true\n"
    with caplog.at_level(logging.WARNING, logger="kata_oci"):
        load(tmp_path, text)
    logged = caplog.text
    assert "hypervisor.qemu.enable_swap" in logged
    assert "netmon" in logged
    err = error(tmp_path, text, strict=True)
    assert err.key == "hypervisor.qemu.enable_swap"
    assert "unknown key" in err.reason


# --------------------------------------------------------------------------
# drop-ins (TestLoadDropInConfiguration and Go's applyKey rules)


def test_load_drop_in_configuration(tmp_path: Path) -> None:
    main = write(
        tmp_path,
        '[hypervisor.qemu]\npath = "/usr/bin/qemu-kvm"\ndefault_bridges = 3\n'
        '[runtime]\nenable_debug = true\ninternetworking_model="tcfilter"\n',
    )
    drop = tmp_path / "config.d"
    drop.mkdir()
    (drop / "10-base").write_text(
        '[hypervisor.qemu]\ndefault_vcpus = 2\ndefault_bridges = 4\nshared_fs = "virtio-fs"\n'
        '[runtime]\nsandbox_cgroup_only=true\ninternetworking_model="macvtap"\nvfio_mode="guest-kernel"\n'
    )
    (drop / "10-override").write_text(
        '[hypervisor.qemu]\nshared_fs = "virtio-9p"\n[runtime]\nvfio_mode="vfio"\n'
    )
    config = loader.load_runtime_config(main, host_checks=None)
    hc = config.hypervisor_config
    assert hc.hypervisor_path == "/usr/bin/qemu-kvm"
    assert hc.num_vcpus_f == 2.0
    assert hc.default_bridges == 4
    assert hc.shared_fs == "virtio-9p"
    assert config.debug is True
    assert config.sandbox_cgroup_only is True
    assert config.inter_network_model == NetInterworkingModel.MACVTAP
    assert config.vfio_mode == VFIOModeType.VFIO


def test_drop_ins_beside_the_resolved_file(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    write(real, '[hypervisor.qemu]\nshared_fs = "none"\n')
    (real / "config.d").mkdir()
    (real / "config.d" / "a.toml").write_text("[hypervisor.qemu]\ndefault_memory = 4096\n")
    (tmp_path / "link.toml").symlink_to(real / "configuration.toml")
    config = loader.load_runtime_config(tmp_path / "link.toml", host_checks=None)
    assert config.hypervisor_config.memory_size == 4096


def test_drop_in_errors_name_the_drop_in(tmp_path: Path) -> None:
    main = write(tmp_path, '[hypervisor.qemu]\nshared_fs = "none"\n')
    drop = tmp_path / "config.d"
    drop.mkdir()
    (drop / "50-bad.toml").write_text("[hypervisor.qemu]\ndefault_memory = -5\n")
    with pytest.raises(ConfigError) as info:
        loader.load_runtime_config(main, host_checks=None)
    assert info.value.file == str(drop / "50-bad.toml")
    assert info.value.line == 2
    # a value from a drop-in that the builder refuses is reported in the drop-in too
    (drop / "50-bad.toml").write_text('[hypervisor.qemu]\nblock_device_driver = "ide"\n')
    with pytest.raises(ConfigError) as info:
        loader.load_runtime_config(main, host_checks=None)
    assert info.value.file == str(drop / "50-bad.toml")
    assert info.value.key == "hypervisor.qemu.block_device_driver"


def test_drop_in_unknown_key_in_a_map_table_is_an_error(tmp_path: Path) -> None:
    main = write(tmp_path, '[hypervisor.qemu]\nshared_fs = "none"\n')
    drop = tmp_path / "config.d"
    drop.mkdir()
    (drop / "a").write_text("[hypervisor.qemu]\nDEFAULT_MEMORY = 4096\n")
    with pytest.raises(ConfigError, match='key "DEFAULT_MEMORY" not found'):
        loader.load_runtime_config(main, host_checks=None)
    (drop / "a").write_text("[runtime]\nnot_a_key = 1\n")
    loader.load_runtime_config(main, host_checks=None)  # elsewhere: reported, not refused
    with pytest.raises(ConfigError, match="unknown key"):
        loader.load_runtime_config(main, host_checks=None, strict=True)


def test_drop_in_directory_entry_that_is_a_directory(tmp_path: Path) -> None:
    main = write(tmp_path, '[hypervisor.qemu]\nshared_fs = "none"\n')
    (tmp_path / "config.d" / "sub").mkdir(parents=True)
    with pytest.raises(ConfigError, match="Is a directory"):
        loader.load_runtime_config(main, host_checks=None)


# --------------------------------------------------------------------------
# detect


@pytest.mark.skipif(not GO_FILES, reason="../shared corpus not available")
def test_detect_separates_go_from_rs_and_kata1() -> None:
    for path in GO_FILES:
        assert loader.detect(tomllib.loads(path.read_text())) >= 80, path.name
    for path in RS_FILES + K1_FILES:
        assert loader.detect(tomllib.loads(path.read_text())) == 0, path.name


def test_detect_scores() -> None:
    assert loader.detect({}) == 0
    assert loader.detect({"proxy": {"kata": {}}}) == 0
    assert loader.detect({"hypervisor": {"acrn": {}}}) == 0
    assert loader.detect({"hypervisor": {"qemu": {"use_vsock": True}}}) == 0
    weak = loader.detect({"hypervisor": {"qemu": {"path": "/x"}}})
    strong = loader.detect(
        {"hypervisor": {"qemu": {}}, "runtime": {"vfio_mode": "vfio", "emptydir_mode": "x"}}
    )
    assert 0 < weak < strong <= 100


def test_toml_rules_of_burntsushi_v1(tmp_path: Path) -> None:
    # v1.6.0 skips a UTF-8 BOM, and refuses leading zeros and bytes that are not UTF-8
    path = tmp_path / "bom.toml"
    path.write_bytes(b'\xef\xbb\xbf[hypervisor.remote]\nmachine_type = "m"\n')
    assert loader.load_runtime_config(path).hypervisor_config.hypervisor_machine_type == "m"
    with pytest.raises(ConfigError, match="invalid TOML"):
        loader.runtime_config_from_toml("[hypervisor.remote]\nremote_hypervisor_timeout = 0600\n")
    path.write_bytes(b'[hypervisor.remote]\nmachine_type = "caf\xe9"\n')
    with pytest.raises(ConfigError, match="UTF-8"):
        loader.load_runtime_config(path)


# --------------------------------------------------------------------------
# TestConfigLoadConfiguration and its failure variants (createAllRuntimeConfigFiles)


def _all_runtime_config_files(tmp_path: Path) -> tuple[Path, RuntimeConfig]:
    """Go's createAllRuntimeConfigFiles: the file, its assets, and the RuntimeConfig Kata loads from it."""
    from kata_oci.profiles.go.types import FactoryConfig, HypervisorConfig

    d = tmp_path / "test"
    d.mkdir()
    hypervisor, kernel, image, virtiofsd = (
        str(d / n) for n in ("hypervisor", "kernel", "image", "virtiofsd")
    )
    for f in (hypervisor, kernel, image):
        Path(f).write_text("foo")
    text = f"""
    # Runtime configuration file

    [hypervisor.qemu]
    path = "{hypervisor}"
    kernel = "{kernel}"
    block_device_driver =  "virtio-scsi"
    block_device_aio =  "io_uring"
    kernel_params = "foo=bar xyz"
    image = "{image}"
    rootfs_type = "ext4"
    machine_type = "machineType"
    default_vcpus = 1
    default_maxvcpus = 0
    default_memory = 2048
    disable_block_device_use =  true
    enable_iothreads =  true
    indep_iothreads = 0
    cold_plug_vfio =  "bridge-port"
    hot_plug_vfio =   "no-port"
    pcie_root_port = 0
    pcie_switch_port = 0
    msize_9p = 8192
    enable_debug = false
    guest_hook_path = ""
    shared_fs = "virtio-9p"
    virtio_fs_daemon = "{virtiofsd}"

    [agent.kata]
    enable_debug = false
    enable_tracing = false

    [runtime]
    enable_debug = false
    enable_tracing = false
    disable_new_netns= false
    enable_pprof= true
    jaeger_endpoint= "localhost"
    jaeger_user= "jaeger_user1"
    jaeger_password= "jaeger_password1"
    """
    config_path = d / "runtime.toml"
    config_path.write_text(text)
    (d / "link-to-configuration.toml").symlink_to(config_path)
    expected = RuntimeConfig(
        hypervisor_type=HypervisorType.QEMU,
        hypervisor_config=HypervisorConfig(
            hypervisor_path=hypervisor,
            kernel_path=kernel,
            image_path=image,
            rootfs_type="ext4",
            kernel_params=[
                Param(key="systemd.unit", value="kata-containers.target"),
                Param(key="systemd.mask", value="systemd-networkd.service"),
                Param(key="systemd.mask", value="systemd-networkd.socket"),
                Param(key="scsi_mod.scan", value="none"),
                Param(key="foo", value="bar"),
                Param(key="xyz", value=""),
            ],
            hypervisor_machine_type="machineType",
            num_vcpus_f=1.0,
            default_max_vcpus=4,  # getCurrentCpuNum() of the pinned host
            memory_size=2048,
            default_max_memory_size=8192,
            disable_block_device_use=True,
            block_device_driver="virtio-scsi",
            block_device_aio="io_uring",
            default_bridges=1,
            enable_iothreads=True,
            hot_plug_vfio=PCIePort.NO_PORT,
            cold_plug_vfio=PCIePort.BRIDGE_PORT,
            msize_9p=8192,
            mem_slots=10,
            entropy_source="/dev/urandom",
            vhost_user_store_path="/var/run/kata-containers/vhost-user/",
            shared_fs="virtio-9p",
            hypervisor_loglevel=1,
            virtio_fs_daemon=virtiofsd,
            virtio_fs_cache="never",
            measurement_algo="sha512",
        ),
        agent_config=KataAgentConfig(long_live_conn=True),
        enable_pprof=True,
        jaeger_endpoint="localhost",
        jaeger_user="jaeger_user1",
        jaeger_password="jaeger_password1",
        factory_config=FactoryConfig(
            template_path="/run/vc/vm/template", vm_cache_endpoint="/var/run/kata-containers/cache.sock"
        ),
        empty_dir_mode="shared-fs",
    )
    return config_path, expected


def test_config_load_configuration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config_path, expected = _all_runtime_config_files(tmp_path)
    facts = host(tmp_path)
    link = config_path.parent / "link-to-configuration.toml"
    monkeypatch.setattr(loader, "DEFAULT_CONFIG_PATHS", ("/nonexistent/etc.toml", str(config_path)))
    for path in (config_path, link, None):
        assert loader.load_runtime_config(path, host_checks=facts) == expected, path


def test_config_load_configuration_fail_broken_symlink(tmp_path: Path) -> None:
    config_path, _ = _all_runtime_config_files(tmp_path)
    link = config_path.parent / "link-to-configuration.toml"
    config_path.unlink()
    with pytest.raises(ConfigError, match="Cannot find usable config file"):
        loader.load_runtime_config(link, host_checks=host(tmp_path))


def test_config_load_configuration_fail_symlink_loop(tmp_path: Path) -> None:
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    a.symlink_to(b)
    b.symlink_to(a)
    with pytest.raises(ConfigError, match="symbolic links"):
        loader.load_runtime_config(a)


@pytest.mark.parametrize(("asset", "key"), [("hypervisor", "path"), ("image", "image"), ("kernel", "kernel")])
def test_config_load_configuration_fail_missing_asset(tmp_path: Path, asset: str, key: str) -> None:
    config_path, _ = _all_runtime_config_files(tmp_path)
    (config_path.parent / asset).unlink()
    with pytest.raises(ConfigError) as info:
        loader.load_runtime_config(config_path, host_checks=host(tmp_path))
    assert info.value.key == f"hypervisor.qemu.{key}"
    assert info.value.reason == f"file {config_path.parent / asset} does not exist"


def test_config_load_configuration_fail_invalid_contents(tmp_path: Path) -> None:
    path = write(tmp_path, "<?xml version='1.0'?>\n<foo>I am not TOML! ;-)</foo>\n<bar>I am invalid XML!")
    with pytest.raises(ConfigError, match="invalid TOML"):
        loader.load_runtime_config(path)


def test_config_load_configuration_fail_duplicated_data(tmp_path: Path) -> None:
    config_path, _ = _all_runtime_config_files(tmp_path)
    text = config_path.read_text()
    config_path.write_text(text + text)
    with pytest.raises(ConfigError, match="invalid TOML"):
        loader.load_runtime_config(config_path, host_checks=host(tmp_path))


# --------------------------------------------------------------------------
# NUMA (defaultGuestNUMANodes, checkNumaConfig), from a tmp sysfs


def _sysfs(tmp_path: Path, cpus: dict[int, str]) -> str:
    root = tmp_path / "node"
    root.mkdir()
    (root / "online").write_text(f"0-{max(cpus)}\n")
    for i, cpulist in cpus.items():
        (root / f"node{i}").mkdir()
        (root / f"node{i}" / "cpulist").write_text(cpulist + "\n")
    return str(root)


def test_numa_nodes_from_the_host_topology(tmp_path: Path) -> None:
    import dataclasses

    checks = dataclasses.replace(host(tmp_path), sysfs_node=_sysfs(tmp_path, {0: "0-3", 1: "4-7"}))
    text = qemu(tmp_path, "enable_numa = true") + "\n[runtime]\nstatic_sandbox_resource_mgmt = true\n"
    nodes = load(tmp_path, text, host_checks=checks).hypervisor_config.guest_numa_nodes
    assert [(n.host_nodes, n.host_cpus) for n in nodes] == [("0", "0-3"), ("1", "4-7")]
    mapped = text.replace("enable_numa = true", 'enable_numa = true\nnuma_mapping = ["0-1"]')
    nodes = load(tmp_path, mapped, host_checks=checks).hypervisor_config.guest_numa_nodes
    assert [(n.host_nodes, n.host_cpus) for n in nodes] == [("0-1", "0-3,4-7")]
    # more than one node needs static sizing and amd64/arm64
    dynamic = text.replace("static_sandbox_resource_mgmt = true", "")
    assert "requires static_sandbox_resource_mgmt" in error(tmp_path, dynamic, host_checks=checks).reason
    ppc = dataclasses.replace(checks, arch="ppc64le")
    assert error(tmp_path, text, host_checks=ppc).reason == (
        'multi-NUMA support is only available on amd64 and arm64, got "ppc64le"'
    )


def test_numa_without_topology_is_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import dataclasses

    checks = dataclasses.replace(host(tmp_path), sysfs_node=str(tmp_path / "missing"))
    with caplog.at_level(logging.WARNING, logger="kata_oci"):
        hc = load(tmp_path, qemu(tmp_path, "enable_numa = true"), host_checks=checks).hypervisor_config
    assert hc.guest_numa_nodes == []
    assert "Cannot construct guest NUMA nodes" in caplog.text


@pytest.mark.parametrize(
    ("text", "expected"), [("", []), ("0", [0]), ("0-3,5", [0, 1, 2, 3, 5]), ("3,1-2", [1, 2, 3])]
)
def test_parse_cpuset(text: str, expected: list[int]) -> None:
    from kata_oci.hostchecks import parse_cpuset

    assert parse_cpuset(text) == expected


@pytest.mark.parametrize("text", ["a", "3-1", "1-", ",", "1,,2", " 1"])
def test_parse_cpuset_refuses(text: str) -> None:
    from kata_oci.hostchecks import HostCheckError, parse_cpuset

    with pytest.raises(HostCheckError):
        parse_cpuset(text)


def test_default_vcpus_float32_edges(tmp_path: Path) -> None:
    import math

    for value in ("inf", "-inf", "3.5e38"):
        assert (
            "out of range for float32" in error(tmp_path, qemu(tmp_path, f"default_vcpus = {value}")).reason
        )
    # NaN passes BurntSushi's range check and every comparison of defaultVCPUs()
    hc = load(tmp_path, qemu(tmp_path, "default_vcpus = nan")).hypervisor_config
    assert math.isnan(hc.num_vcpus_f)
    assert load(tmp_path, qemu(tmp_path, "default_vcpus = 16777215")).hypervisor_config.num_vcpus_f == 4.0


def test_facts_without_checks(tmp_path: Path) -> None:
    import dataclasses

    facts = dataclasses.replace(host(tmp_path, cpus=64, memory_mib=1 << 20, vsock=False), check_files=False)
    text = '[hypervisor.qemu]\nkernel = "/nowhere/k"\nshared_fs = "none"\ndefault_vcpus = -1\n'
    hc = loader.runtime_config_from_toml(text, host_checks=facts).hypervisor_config
    assert (hc.num_vcpus_f, hc.default_max_vcpus, hc.default_max_memory_size) == (64.0, 64, 1 << 20)
    assert hc.kernel_path == "/nowhere/k"  # no file checked, no vsock needed
    with pytest.raises(ConfigError, match="does not exist"):
        loader.runtime_config_from_toml(text, host_checks=dataclasses.replace(facts, check_files=True))


# --------------------------------------------------------------------------
# every key of every kata4-go file, against the TOML value and 4.1's defaults
# (an independent restatement of the six Go builders' field lists)

_CPUS, _MEM = 8, 16384


def _same(v: object, hv: str) -> object:
    return v


def _default(d: object) -> object:
    return lambda v, hv: v or d


def _vcpus(v: float, hv: str) -> float:
    return float(_CPUS) if v < 0 or v > _CPUS else (1.0 if v == 0 else v)


def _clean(v: str, hv: str) -> str:
    return ",".join(p.strip() for p in v.split(",") if p.strip())


_KEYS: dict[str, tuple[str, object]] = {
    "path": ("hypervisor_path", _same),
    "jailer_path": ("jailer_path", _same),
    "kernel": ("kernel_path", _same),
    "initrd": ("initrd_path", _same),
    "image": ("image_path", _same),
    "rootfs_type": ("rootfs_type", _default("ext4")),
    "firmware": ("firmware_path", _same),
    "firmware_volume": ("firmware_volume_path", _same),
    "machine_accelerators": ("machine_accelerators", _clean),
    "cpu_features": ("cpu_features", _clean),
    "kernel_verity_params": ("kernel_verity_params", _same),
    "machine_type": ("hypervisor_machine_type", lambda v, hv: v if hv == "remote" else v or "q35"),
    "tdx_quote_generation_service_socket_port": ("qgs_port", _same),
    "block_device_driver": ("block_device_driver", _default("virtio-scsi")),
    "block_device_aio": ("block_device_aio", _default("io_uring")),
    "entropy_source": ("entropy_source", _default("/dev/urandom")),
    "shared_fs": ("shared_fs", _default("virtio-fs")),
    "virtio_fs_daemon": ("virtio_fs_daemon", _same),
    "virtio_fs_cache": ("virtio_fs_cache", lambda v, hv: v if hv == "clh" else v or "never"),
    "vhost_user_store_path": ("vhost_user_store_path", _default("/var/run/kata-containers/vhost-user/")),
    "guest_hook_path": ("guest_hook_path", _same),
    "guest_memory_dump_path": ("guest_memory_dump_path", _same),
    "seccompsandbox": ("seccomp_sandbox", _same),
    "remote_hypervisor_socket": ("remote_hypervisor_socket", _default("/run/peerpod/hypervisor.sock")),
    "remote_hypervisor_timeout": ("remote_hypervisor_timeout", _default(600)),
    "snp_id_block": ("snp_id_block", _same),
    "snp_id_auth": ("snp_id_auth", _same),
    "snp_guest_policy": ("snp_guest_policy", _same),
    "measurement_algo": ("measurement_algo", _default("sha512")),
    "valid_hypervisor_paths": ("hypervisor_path_list", _same),
    "valid_jailer_paths": ("jailer_path_list", _same),
    "valid_virtio_fs_daemon_paths": ("virtio_fs_daemon_list", _same),
    "virtio_fs_extra_args": ("virtio_fs_extra_args", _same),
    "pflashes": ("pflash", _same),
    "valid_vhost_user_store_paths": ("vhost_user_store_path_list", _same),
    "valid_entropy_sources": ("entropy_source_list", _same),
    "enable_annotations": ("enable_annotations", _same),
    "rx_rate_limiter_max_rate": ("rx_rate_limiter_max_rate", _same),
    "tx_rate_limiter_max_rate": ("tx_rate_limiter_max_rate", _same),
    "memory_offset": ("mem_offset", _same),
    "default_maxmemory": ("default_max_memory_size", lambda v, hv: _MEM if v == 0 or v > _MEM else v),
    "hypervisor_loglevel": ("hypervisor_loglevel", lambda v, hv: 1 if v == 0 else min(v, 3)),
    "virtio_fs_cache_size": ("virtio_fs_cache_size", _same),
    "virtio_fs_queue_size": ("virtio_fs_queue_size", _same),
    "default_maxvcpus": ("default_max_vcpus", lambda v, hv: min(_CPUS if v == 0 or v >= _CPUS else v, 240)),
    "default_memory": ("memory_size", lambda v, hv: 2048 if v < 256 else v),
    "memory_slots": ("mem_slots", _default(10)),
    "default_bridges": ("default_bridges", lambda v, hv: 1 if v == 0 else min(v, 5)),
    "msize_9p": ("msize_9p", _default(8192)),
    "default_vcpus": ("num_vcpus_f", _vcpus),
    "block_device_cache_set": ("block_device_cache_set", _same),
    "block_device_cache_direct": ("block_device_cache_direct", _same),
    "block_device_cache_noflush": ("block_device_cache_noflush", _same),
    "block_device_logical_sector_size": ("block_device_logical_sector_size", _same),
    "block_device_physical_sector_size": ("block_device_physical_sector_size", _same),
    "enable_vhost_user_store": ("enable_vhost_user_store", _same),
    "vhost_user_reconnect_timeout_sec": ("vhost_user_device_reconnect", _same),
    "disable_block_device_use": ("disable_block_device_use", _same),
    "enable_mem_prealloc": ("mem_prealloc", _same),
    "reclaim_guest_freed_memory": ("reclaim_guest_freed_memory", _same),
    "enable_hugepages": ("huge_pages", _same),
    "enable_virtio_mem": ("virtio_mem", _same),
    "enable_iommu": ("iommu", _same),
    "enable_iommu_platform": ("iommu_platform", _same),
    "enable_numa": ("guest_numa_nodes", lambda v, hv: []),
    "numa_mapping": ("numa_mapping", _same),
    "enable_debug": ("debug", _same),
    "disable_nesting_checks": ("disable_nesting_checks", _same),
    "enable_iothreads": ("enable_iothreads", _same),
    "indep_iothreads": ("indep_iothreads", _same),
    "disable_image_nvdimm": ("disable_image_nvdimm", _same),
    "hot_plug_vfio": ("hot_plug_vfio", _default("no-port")),
    "cold_plug_vfio": ("cold_plug_vfio", _default("no-port")),
    "pcie_root_port": ("pcie_root_port", lambda v, hv: min(v, 16)),
    "pcie_switch_port": ("pcie_switch_port", lambda v, hv: min(v, 16)),
    "disable_vhost_net": ("disable_vhost_net", _same),
    "guest_memory_dump_paging": ("guest_memory_dump_paging", _same),
    "confidential_guest": ("confidential_guest", _same),
    "sev_snp_guest": ("sev_snp_guest", _same),
    "enable_guest_swap": ("guest_swap", _same),
    "rootless": ("rootless", _same),
    "disable_seccomp": ("disable_seccomp", _same),
    "disable_selinux": ("disable_selinux", _same),
    "disable_guest_selinux": ("disable_guest_selinux", _same),
    "use_legacy_serial": ("legacy_serial", _same),
    "extra_monitor_socket": ("extra_monitor_socket", _same),
}
for _kind in ("disk", "net"):
    for _what in ("bw", "ops"):
        _rate = f"{_kind}_rate_limiter_{_what}_max_rate"
        _KEYS[_rate] = (_rate, _same)
        _KEYS[f"{_kind}_rate_limiter_{_what}_one_time_burst"] = (
            f"{_kind}_rate_limiter_{_what}_one_time_burst",
            _same,  # zeroed below when its max rate is 0
        )

_COMMON = {"kernel", "kernel_verity_params", "default_vcpus", "default_maxvcpus", "default_memory"}
_COMMON |= {"memory_slots", "entropy_source", "enable_debug"}
_COPIED: dict[str, set[str]] = {
    "qemu": set(_KEYS)
    - {"jailer_path", "valid_jailer_paths", "remote_hypervisor_socket"}
    - {"remote_hypervisor_timeout", "disable_seccomp"}
    - {k for k in _KEYS if k.startswith(("disk_rate", "net_rate"))},
    "clh": _COMMON
    | {"path", "valid_hypervisor_paths", "initrd", "image", "rootfs_type", "firmware", "machine_accelerators"}
    | {"machine_type", "memory_offset", "default_maxmemory", "enable_virtio_mem", "valid_entropy_sources"}
    | {"default_bridges", "disable_block_device_use", "shared_fs", "virtio_fs_daemon"}
    | {"valid_virtio_fs_daemon_paths", "hypervisor_loglevel", "virtio_fs_cache_size", "virtio_fs_cache"}
    | {"enable_mem_prealloc", "reclaim_guest_freed_memory", "enable_hugepages", "disable_nesting_checks"}
    | {"block_device_driver", "block_device_cache_set", "block_device_cache_direct", "enable_iothreads"}
    | {"indep_iothreads", "msize_9p", "disable_image_nvdimm", "cold_plug_vfio", "hot_plug_vfio"}
    | {"pcie_root_port", "pcie_switch_port", "guest_hook_path", "virtio_fs_extra_args", "enable_annotations"}
    | {"disable_seccomp", "confidential_guest", "rootless", "disable_selinux", "disable_guest_selinux"}
    | {"measurement_algo"}
    | {k for k in _KEYS if k.startswith(("disk_rate", "net_rate"))},
    "firecracker": _COMMON
    | {"path", "valid_hypervisor_paths", "jailer_path", "valid_jailer_paths", "initrd", "image"}
    | {"rootfs_type", "firmware", "default_maxmemory", "valid_entropy_sources", "default_bridges"}
    | {"enable_hugepages", "disable_nesting_checks", "block_device_driver", "enable_iothreads"}
    | {"indep_iothreads", "guest_hook_path", "rx_rate_limiter_max_rate", "tx_rate_limiter_max_rate"}
    | {"enable_annotations", "disable_selinux"},
    "stratovirt": _COMMON
    | {"path", "valid_hypervisor_paths", "initrd", "image", "rootfs_type", "machine_type", "memory_offset"}
    | {"default_maxmemory", "default_bridges", "disable_block_device_use", "shared_fs", "virtio_fs_daemon"}
    | {"valid_virtio_fs_daemon_paths", "hypervisor_loglevel", "virtio_fs_cache_size", "virtio_fs_cache"}
    | {"virtio_fs_extra_args", "enable_hugepages", "disable_nesting_checks", "block_device_driver"}
    | {"block_device_logical_sector_size", "block_device_physical_sector_size", "guest_hook_path"}
    | {"enable_annotations", "disable_seccomp", "disable_selinux", "disable_guest_selinux"},
    "dragonball": _COMMON | {"image", "rootfs_type"},
    "remote": {"remote_hypervisor_socket", "remote_hypervisor_timeout", "machine_type", "enable_annotations"}
    | {"guest_hook_path"},
}
_FORCED: dict[str, dict[str, object]] = {
    "clh": {"disable_vhost_net": True},
    "firecracker": {"disable_vhost_net": True, "disable_guest_selinux": True},
    "stratovirt": {"disable_vhost_net": True},
    "remote": {"disable_guest_selinux": True, "shared_fs": "none", "block_device_driver": "dummy"},
}


@pytest.mark.skipif(not GO_FILES, reason="../shared corpus not available")
@pytest.mark.parametrize("path", GO_FILES, ids=lambda p: p.name)
def test_every_key_of_every_kata4_go_file(path: Path, tmp_path: Path) -> None:
    import dataclasses

    from kata_oci.profiles.go.types import HypervisorConfig, float32

    facts = dataclasses.replace(host(tmp_path, cpus=_CPUS, memory_mib=_MEM), check_files=False)
    config = loader.load_runtime_config(path, strict=True, host_checks=facts)
    ((name, table),) = tomllib.loads(path.read_text())["hypervisor"].items()
    hc = config.hypervisor_config
    zero = HypervisorConfig()
    for key, value in table.items():
        if key == "kernel_params":
            continue  # checked in test_every_kata4_go_file_loads_with_its_values
        field, fn = _KEYS[key]  # every key of the file is a 4.1 key
        got = getattr(hc, field)
        if key not in _COPIED[name]:  # the builder does not copy it
            assert got == _FORCED.get(name, {}).get(field, getattr(zero, field)), key
            continue
        if key == "default_vcpus":
            value = float32(value)
        if key.endswith("_one_time_burst") and table.get(key.replace("one_time_burst", "max_rate"), 0) == 0:
            value = 0
        assert got == fn(value, name), key  # type: ignore[operator]


def test_factory_template_needs_no_initrd_in_4_1(tmp_path: Path) -> None:
    # Kata 1.x refused enable_template without an initrd; 4.1's checkFactoryConfig does not
    fc = load(tmp_path, qemu(tmp_path) + "\n[factory]\nenable_template = true\n").factory_config
    assert fc.template is True
    assert fc.template_path == "/run/vc/vm/template"


def test_drop_in_adding_a_second_hypervisor(tmp_path: Path) -> None:
    main = write(tmp_path, '[hypervisor.qemu]\nshared_fs = "none"\n')
    (tmp_path / "config.d").mkdir()
    (tmp_path / "config.d" / "clh.toml").write_text('[hypervisor.clh]\npath = "/c"\n')
    with pytest.raises(ConfigError, match="more than one hypervisor table"):
        loader.load_runtime_config(main, host_checks=None)
    # a drop-in table with no key adds nothing (Go copies keys, not tables)
    (tmp_path / "config.d" / "clh.toml").write_text("[hypervisor.clh]\n[agent.other]\n")
    config = loader.load_runtime_config(main, host_checks=None)
    assert config.hypervisor_type == HypervisorType.QEMU
    assert config.agent_config == KataAgentConfig()


def test_drop_in_dotted_keys_and_agent(tmp_path: Path) -> None:
    main = write(tmp_path, '[hypervisor.qemu]\nshared_fs = "none"\n[agent.kata]\ndial_timeout = 5\n')
    (tmp_path / "config.d").mkdir()
    (tmp_path / "config.d" / "a.toml").write_text(
        "hypervisor.qemu.default_memory = 4096\nagent.kata.enable_debug = true\nfactory.vm_cache_number = 3\n"
    )
    config = loader.load_runtime_config(main, host_checks=None)
    assert config.hypervisor_config.memory_size == 4096
    assert (config.agent_config.debug, config.agent_config.dial_timeout) == (True, 5)
    assert config.factory_config.vm_cache_number == 3


# --------------------------------------------------------------------------
# TestNew{Qemu,Firecracker,Clh}HypervisorConfig


@pytest.mark.parametrize(
    ("name", "assets_in_order", "extra"),
    [
        ("qemu", ("hypervisor", "kernel", "image"), 'shared_fs = "none"\nmachine_type = "machineType"\n'),
        ("firecracker", ("hypervisor", "jailer", "kernel", "image"), 'block_device_driver = "virtio-mmio"\n'),
    ],
)
def test_new_hypervisor_config_fails_until_every_asset_exists(
    tmp_path: Path, name: str, assets_in_order: tuple[str, ...], extra: str
) -> None:
    paths = {a: tmp_path / a for a in assets_in_order}
    text = (
        f'[hypervisor.{name}]\npath = "{paths["hypervisor"]}"\nkernel = "{paths["kernel"]}"\n'
        f'image = "{paths["image"]}"\ndisable_block_device_use = false\nenable_iothreads = true\n'
        "rx_rate_limiter_max_rate = 10000000\ntx_rate_limiter_max_rate = 10000000\n"
        'block_device_aio = "io_uring"\ncold_plug_vfio = "bridge-port"\n' + extra
    )
    if "jailer" in paths:
        text += f'jailer_path = "{paths["jailer"]}"\n'
    checks = host(tmp_path)
    for asset in assets_in_order:
        with pytest.raises(ConfigError, match="does not exist") as info:
            load(tmp_path, text, host_checks=checks)
        assert str(paths[asset]) in info.value.reason  # Go's order: the first missing one
        paths[asset].write_text("foo")  # checkHypervisorConfig wants a non-empty image
    hc = load(tmp_path, text, host_checks=checks).hypervisor_config
    assert (hc.hypervisor_path, hc.kernel_path, hc.image_path) == tuple(
        str(paths[a]) for a in ("hypervisor", "kernel", "image")
    )
    assert (hc.rx_rate_limiter_max_rate, hc.tx_rate_limiter_max_rate) == (10000000, 10000000)
    assert hc.enable_iothreads is True
    if name == "firecracker":
        assert (hc.jailer_path, hc.block_device_driver, hc.disable_vhost_net) == (
            str(paths["jailer"]),
            "virtio-mmio",
            True,
        )
    else:
        assert (hc.block_device_aio, hc.cold_plug_vfio) == ("io_uring", PCIePort.BRIDGE_PORT)


def test_new_clh_hypervisor_config_rate_limiters(tmp_path: Path) -> None:
    files = assets(tmp_path, "hypervisor", "kernel", "image", "virtiofsd")
    text = (
        f'[hypervisor.clh]\npath = "{files["hypervisor"]}"\nkernel = "{files["kernel"]}"\n'
        f'image = "{files["image"]}"\nvirtio_fs_daemon = "{files["virtiofsd"]}"\nvirtio_fs_cache = "always"\n'
        "net_rate_limiter_bw_max_rate = 1000\nnet_rate_limiter_bw_one_time_burst = 1000\n"
        "net_rate_limiter_ops_max_rate = 0\nnet_rate_limiter_ops_one_time_burst = 1000\n"
        "disk_rate_limiter_bw_max_rate = 1000\ndisk_rate_limiter_bw_one_time_burst = 1000\n"
        "disk_rate_limiter_ops_max_rate = 0\ndisk_rate_limiter_ops_one_time_burst = 1000\n"
    )
    hc = load(tmp_path, text).hypervisor_config
    assert (hc.disable_vhost_net, hc.virtio_fs_cache) == (True, "always")
    assert (hc.net_rate_limiter_bw_max_rate, hc.net_rate_limiter_bw_one_time_burst) == (1000, 1000)
    assert (hc.net_rate_limiter_ops_max_rate, hc.net_rate_limiter_ops_one_time_burst) == (0, 0)
    assert (hc.disk_rate_limiter_bw_max_rate, hc.disk_rate_limiter_bw_one_time_burst) == (1000, 1000)
    assert (hc.disk_rate_limiter_ops_max_rate, hc.disk_rate_limiter_ops_one_time_burst) == (0, 0)


def test_drop_in_map_table_in_another_case_is_ignored_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Go decodes [Hypervisor.qemu] case-insensitively, then restores the map tables and
    # applies only keys whose first part is exactly "hypervisor" or "agent"
    main = write(tmp_path, '[hypervisor.qemu]\nshared_fs = "none"\n')
    (tmp_path / "config.d").mkdir()
    (tmp_path / "config.d" / "a.toml").write_text("[Hypervisor.qemu]\ndefault_memory = 4096\n")
    with caplog.at_level(logging.WARNING, logger="kata_oci"):
        config = loader.load_runtime_config(main, host_checks=None)
    assert config.hypervisor_config.memory_size == 2048
    assert "configuration_drop_in_table_ignored" in caplog.text


# --------------------------------------------------------------------------
# TOML 1.1, which BurntSushi v1.6.0 reads by default


def test_toml_1_1_forms_load_as_go_reads_them() -> None:
    text = (
        "[hypervisor.qemu]\n"
        'shared_fs = "none"\n'
        'kernel_params = "a=\\x41 b=\\e"\n'
        "guest_extension_images = [\n"
        '  { name = "coco",  # a comment inside the table\n'
        '    path = "/x.img", },\n'
        "]\n"
        "default_memory = 4096\n"
        "default_vcpus = 02\n"  # line 9: a leading zero stays an error
    )
    with pytest.raises(ConfigError) as info:
        loader.runtime_config_from_toml(text)
    assert info.value.line == 9  # the 1.0 error, on the file's own lines
    config = loader.runtime_config_from_toml(text.replace("default_vcpus = 02\n", ""))
    hc = config.hypervisor_config
    assert [(g.name, g.path) for g in hc.guest_extension_images] == [("coco", "/x.img")]
    assert hc.kernel_params[-2:] == [Param(key="a", value="A"), Param(key="b", value="\x1b")]
    assert hc.memory_size == 4096


def test_toml11_to_10_keeps_lines_and_1_0_text() -> None:
    from kata_oci.profiles.go.toml11 import toml11_to_10

    plain = 'a = { b = 1, c = "x,}" }\nd = [1,\n 2,]\ne = "\\\\e"\n# {\n'
    assert toml11_to_10(plain) == plain
    rewritten = toml11_to_10("a = {\n b = 1,\n}\nc = 2\n")
    assert tomllib.loads(rewritten) == {"a": {"b": 1}, "c": 2}
    assert rewritten.count("\n") == 4
    assert rewritten.splitlines()[3] == "c = 2"


def test_no_experimental_feature_in_4_1(tmp_path: Path) -> None:
    # Kata 1.x's "newstore" is registered with kata-oci's engine (for kata1), not in Kata 4.1
    text = qemu(tmp_path) + '\n[runtime]\nexperimental = ["newstore"]\n'
    assert error(tmp_path, text).reason == 'Unsupported experimental feature "newstore"'
    assert load(tmp_path, qemu(tmp_path) + "\n[runtime]\nexperimental = []\n").experimental == []
