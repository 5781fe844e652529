"""The rs profile's configuration loader, ported from kata-types' own tests (7c6ba40).

Sources: src/libs/kata-types/src/config/{runtime.rs,drop_in.rs,mod.rs} and
config/hypervisor/mod.rs ``mod tests``; the corpus of Kata 4.1's generated files.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kata_oci.errors import ConfigError
from kata_oci.profiles.rs import hypervisors, loader
from kata_oci.profiles.rs.hypervisors import HostFacts
from kata_oci.profiles.rs.types import Agent, CpuInfo, MemoryInfo, TomlConfig

from helpers import FIXTURES, shared_path

RS_FIXTURES = FIXTURES / "rs"


def load(text: str) -> TomlConfig:
    return loader.loads(text)


# --------------------------------------------------------------------------- runtime.rs tests


def test_invalid_config() -> None:
    with pytest.raises(ConfigError, match="enable_debug"):
        load("[runtime]\nenable_debug = 10\n")
    for content in (
        '[runtime]\nenable_debug = true\ninternetworking_model = "test"\n',
        '[runtime]\nenable_debug = true\ninternetworking_model = "macvtap,none"\n',
        '[runtime]\nenable_debug = true\nvfio_mode = "none"\n',
        '[runtime]\nenable_debug = true\nvfio_mode = "vfio,guest-kernel"\n',
        '[runtime]\nenable_debug = true\nvfio_mode = "guest_kernel"\n',
        '[runtime]\nemptydir_mode = "invalid-value"\n',
    ):
        config = load(content)
        with pytest.raises(ConfigError, match=r"Invalid (internetworking_model|vfio_mode|emptydir_mode)"):
            hypervisors.validate(config)


@pytest.mark.parametrize("mode", ["shared-fs", "block-encrypted", "block-plain"])
def test_valid_emptydir_mode(mode: str) -> None:
    config = load(f'[runtime]\nemptydir_mode = "{mode}"\n')
    hypervisors.validate(config)
    assert config.runtime.emptydir_mode == mode


def test_default_emptydir_mode_and_network_model() -> None:
    config = load("[runtime]\n")
    hypervisors.validate(config)
    assert config.runtime.emptydir_mode == "shared-fs"
    assert config.runtime.internetworking_model == "tcfilter"


def test_config() -> None:
    config = load(
        """
[runtime]
name = "virt-container"
enable_debug = true
experimental = ["a", "b"]
internetworking_model = "macvtap"
disable_new_netns = true
sandbox_bind_mounts = []
sandbox_cgroup_only = true
enable_vcpus_pinning = true
enable_tracing = true
jaeger_endpoint = "localhost:1234"
jaeger_user = "user"
jaeger_password = "pw"
enable_pprof = true
disable_guest_seccomp = true
vfio_mode = "vfio"
field_should_be_ignored = true
"""
    )
    hypervisors.validate(config)
    rt = config.runtime
    assert rt.name == "virt-container"
    assert rt.debug is True
    assert rt.experimental == ["a", "b"]
    assert rt.internetworking_model == "macvtap"
    assert rt.disable_new_netns and rt.sandbox_cgroup_only and rt.enable_vcpus_pinning and rt.enable_tracing
    assert rt.sandbox_bind_mounts == []
    # runtime-rs ignores the unknown key; kata-oci says so, and refuses it when strict
    assert config.warnings == ("runtime.field_should_be_ignored: unknown key, runtime-rs ignores it",)


def test_unknown_runtime_key_is_an_error_when_strict() -> None:
    with pytest.raises(ConfigError, match="unknown key") as info:
        loader.loads("[runtime]\nfield_should_be_ignored = true\n", strict=True)
    assert info.value.key == "runtime.field_should_be_ignored"


def test_unknown_agent_key_is_always_an_error() -> None:
    # Agent is #[serde(deny_unknown_fields)]: runtime-rs itself refuses the file.
    with pytest.raises(ConfigError, match="unknown field") as info:
        load("[agent.kata]\nno_such_key = 1\n")
    assert info.value.key == "agent.kata.no_such_key"


def test_serde_types_and_ranges() -> None:
    with pytest.raises(ConfigError) as info:
        load('[hypervisor.qemu]\ndefault_memory = "2048"\n')
    assert info.value.key == "hypervisor.qemu.default_memory"
    with pytest.raises(ConfigError):
        load("[hypervisor.qemu]\ndefault_memory = -1\n")
    with pytest.raises(ConfigError):
        load("[hypervisor.qemu]\ndefault_memory = 4294967296\n")
    # an integer for an f32 field is fine, and is rounded to single precision
    config = load("[hypervisor.qemu]\ndefault_vcpus = 2\noverhead_vcpus = 0.1\n")
    assert config.hypervisor["qemu"].cpu_info.default_vcpus == 2.0
    assert config.hypervisor["qemu"].cpu_info.overhead_vcpus == 0.10000000149011612


def test_create_container_timeout_is_seconds_held_as_milliseconds() -> None:
    config = load("[agent.kata]\ncreate_container_timeout = 30\n")
    assert config.agent["kata"].request_timeout_ms == 30_000
    config = load("[agent.kata]\ncreate_container_timeout = 4294967295\n")
    assert config.agent["kata"].request_timeout_ms == 4294967295  # saturating_mul(1000)


def test_serde_aliases() -> None:
    config = load(
        '[hypervisor.qemu]\ndbg_monitor_socket = "hmp"\n[agent.kata.mem_agent]\nmem_agent_enable = true\n'
    )
    assert config.hypervisor["qemu"].debug_info.extra_monitor_socket == "hmp"
    assert config.agent["kata"].mem_agent.enable is True


def test_host_checks_resolve_paths(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="Qemu binary path `/usr/bin/qemu-system-x86_64` is invalid"):
        loader.loads(
            "[hypervisor.qemu]\n", host_checks=HostFacts(cpus=1, memory_mib=1024, root=str(tmp_path))
        )
    assert loader.loads("[hypervisor.qemu]\n").hypervisor["qemu"].path == "/usr/bin/qemu-system-x86_64"


def test_unknown_hypervisor_table() -> None:
    with pytest.raises(ConfigError, match="Can not find plugin for hypervisor stratovirt"):
        load('[hypervisor.stratovirt]\npath = "/usr/bin/stratovirt"\n')


# --------------------------------------------------------------------------- drop_in.rs tests

BASE_CONFIG_DATA = """
[hypervisor.qemu]
path = "/usr/bin/qemu-kvm"
default_bridges = 3
[runtime]
enable_debug = true
internetworking_model="tcfilter"
"""


def _check_base(config: TomlConfig) -> None:
    assert config.hypervisor["qemu"].path == "/usr/bin/qemu-kvm"
    assert config.hypervisor["qemu"].device_info.default_bridges == 3
    assert config.runtime.debug
    assert config.runtime.internetworking_model == "tcfilter"


def test_no_dropins_dir(tmp_path: Path) -> None:
    (tmp_path / "runtime.toml").write_text(BASE_CONFIG_DATA)
    _check_base(loader.from_document(loader.read_document(str(tmp_path / "runtime.toml"))))


def test_no_dropins(tmp_path: Path) -> None:
    (tmp_path / "runtime.toml").write_text(BASE_CONFIG_DATA)
    (tmp_path / "config.d").mkdir()
    _check_base(loader.from_document(loader.read_document(str(tmp_path / "runtime.toml"))))


def test_dropins(tmp_path: Path) -> None:
    (tmp_path / "runtime.toml").write_text(BASE_CONFIG_DATA)
    dropins = tmp_path / "config.d"
    dropins.mkdir()
    (dropins / "10-base").write_text(
        """
[hypervisor.qemu]
default_vcpus = 2
default_bridges = 4
shared_fs = "virtio-fs"
[runtime]
sandbox_cgroup_only=true
internetworking_model="macvtap"
vfio_mode="guest-kernel"
"""
    )
    (dropins / "20-override").write_text(
        '[hypervisor.qemu]\nshared_fs = "none"\n[runtime]\nvfio_mode="vfio"\n'
    )
    config = loader.from_document(loader.read_document(str(tmp_path / "runtime.toml")))
    qemu = config.hypervisor["qemu"]
    assert qemu.path == "/usr/bin/qemu-kvm"
    assert qemu.cpu_info.default_vcpus == 2.0
    assert qemu.device_info.default_bridges == 4
    assert qemu.shared_fs.shared_fs == "none"
    assert config.runtime.debug and config.runtime.sandbox_cgroup_only
    assert config.runtime.internetworking_model == "macvtap"
    assert config.runtime.vfio_mode == "vfio"
    # ...and load_runtime_config adjusts: "none" means no shared file system
    assert (
        loader.load_runtime_config(tmp_path / "runtime.toml").hypervisor["qemu"].shared_fs.shared_fs is None
    )


def test_dropin_must_be_a_regular_file(tmp_path: Path) -> None:
    (tmp_path / "runtime.toml").write_text(BASE_CONFIG_DATA)
    (tmp_path / "config.d" / "sub").mkdir(parents=True)
    with pytest.raises(ConfigError, match="regular file or a symlink"):
        loader.load_runtime_config(tmp_path / "runtime.toml")


def test_merge_like_toml_tree_ops() -> None:
    # drop_in.rs toml_tree_ops tests: a drop-in extends, overrides, and may change a type
    base = {"number": 42, "sub": {"another_string": "foo"}}
    loader.merge(base, {"string": "hello", "sub": {"yet_another_number": 13}})
    assert base == {
        "number": 42,
        "string": "hello",
        "sub": {"another_string": "foo", "yet_another_number": 13},
    }
    base = {"number": "foo", "sub": {"another_string": 42}}
    loader.merge(base, {"number": 42, "sub": {"another_string": "foo"}})
    assert base == {"number": 42, "sub": {"another_string": "foo"}}
    base = {"sub": 1}
    loader.merge(base, {"sub": {"a": 1}})
    assert base == {"sub": {"a": 1}}


# --------------------------------------------------------------------------- hypervisor/mod.rs tests


def test_add_kernel_params() -> None:
    params = hypervisors.add_kernel_params("", ["foo", "bar", "baz=faz"])
    assert params == "foo bar baz=faz"
    assert hypervisors.add_kernel_params(params, ["boo=far", "a", "b=c"]) == "boo=far a b=c foo bar baz=faz"


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        # test_cpu_info_adjust_config, with a host of 8 CPUs
        (CpuInfo(default_vcpus=0.0, default_maxvcpus=0), CpuInfo(default_vcpus=1.0, default_maxvcpus=8)),
        (
            CpuInfo(cpu_features="a,b,c", default_vcpus=9999999.0, default_maxvcpus=9999999),
            CpuInfo(cpu_features="a,b,c", default_vcpus=8.0, default_maxvcpus=8),
        ),
        (
            CpuInfo(cpu_features="a, b ,c", default_vcpus=-1.0, default_maxvcpus=1),
            CpuInfo(cpu_features="a,b,c", default_vcpus=1.0, default_maxvcpus=1),
        ),
        (
            CpuInfo(cpu_features="x, y", default_vcpus=0.0, overhead_vcpus=0.5, default_maxvcpus=2),
            CpuInfo(cpu_features="x,y", default_vcpus=1.0, overhead_vcpus=0.5, default_maxvcpus=2),
        ),
    ],
)
def test_cpu_info_adjust_config(given: CpuInfo, expected: CpuInfo) -> None:
    hypervisors.adjust_cpu_info(given, 8)
    assert given == expected


def test_cpu_info_adjust_without_host_keeps_zero_max() -> None:
    c = CpuInfo(default_vcpus=0.0, default_maxvcpus=0)
    hypervisors.adjust_cpu_info(c, None)
    assert (c.default_vcpus, c.default_maxvcpus) == (1.0, 0)


def _host(tmp_path: Path, cpus: int, memory_mib: int) -> HostFacts:
    """A host root holding the files QEMU's defaults name, which adjust_config resolves."""
    for name in ("usr/bin/qemu-system-x86_64", "vmlinuz", "dev/urandom"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    return HostFacts(cpus=cpus, memory_mib=memory_mib, root=str(tmp_path))


def test_memory_info_adjust_keeps_explicit_overhead_memory(tmp_path: Path) -> None:
    config = TomlConfig(hypervisor={"qemu": hypervisors.Hypervisor()})
    hv = config.hypervisor["qemu"]
    hv.memory_info = MemoryInfo(default_memory=1024, overhead_memory=512, default_maxmemory=4096)
    hypervisors.adjust_config(config, _host(tmp_path, 8, 16384))
    assert hv.path == "/usr/bin/qemu-system-x86_64"  # resolved under the host root
    assert (hv.memory_info.overhead_memory, hv.memory_info.default_memory) == (512, 1024)
    assert hv.memory_info.default_maxmemory == 4096


def test_memory_info_adjust_clamps_to_host(tmp_path: Path) -> None:
    config = TomlConfig(hypervisor={"qemu": hypervisors.Hypervisor()})
    config.hypervisor["qemu"].memory_info = MemoryInfo(default_memory=8192)
    hypervisors.adjust_config(config, _host(tmp_path, 2, 4096))
    assert config.hypervisor["qemu"].memory_info.default_memory == 4096
    assert config.hypervisor["qemu"].memory_info.default_maxmemory == 4096


@pytest.mark.parametrize("size", [0, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536])
def test_validate_block_device_sector_size_valid(size: int) -> None:
    assert hypervisors.validate_block_device_sector_size(size) is None


@pytest.mark.parametrize("size", [3, 100, 1000, 3000, 5000, 1, 256, 131072, 1048576])
def test_validate_block_device_sector_size_invalid(size: int) -> None:
    assert "must be 0 or a power of 2" in (hypervisors.validate_block_device_sector_size(size) or "")


def _qemu_with_sectors(logical: int, physical: int) -> TomlConfig:
    return load(
        f'[hypervisor.qemu]\nkernel = "/k"\nimage = "/i"\nblk_logical_sector_size = 0\n'
        f"block_device_logical_sector_size = {logical}\nblock_device_physical_sector_size = {physical}\n"
    )


@pytest.mark.parametrize(("lg", "ph"), [(0, 0), (512, 0), (0, 4096), (512, 4096), (4096, 4096), (512, 512)])
def test_validate_block_device_sector_sizes_valid(lg: int, ph: int) -> None:
    hypervisors.validate(_qemu_with_sectors(lg, ph))


@pytest.mark.parametrize(("lg", "ph"), [(4096, 512), (4096, 1024), (65536, 512)])
def test_validate_block_device_sector_sizes_logical_exceeds_physical(lg: int, ph: int) -> None:
    with pytest.raises(ConfigError, match="must not be larger than physical"):
        hypervisors.validate(_qemu_with_sectors(lg, ph))


# --------------------------------------------------------------------------- config/mod.rs tests


def test_get_agent_kernel_params() -> None:
    agent = Agent(
        debug=True,
        enable_tracing=True,
        container_pipe_size=20,
        debug_console_enabled=True,
        launch_process_timeout=60,
        visible_cdi_devices=True,
    )
    config = TomlConfig(agent={"test_agent": agent})
    config.runtime.agent_name = "test_agent"
    kv = hypervisors.agent_kernel_params(config)
    assert kv["agent.log"] == "debug"
    assert kv["agent.trace"] == "true"
    assert kv["agent.container_pipe_size"] == "20"
    assert kv["agent.debug_console"] == ""
    assert kv["agent.debug_console_vport"] == "1026"
    assert kv["agent.launch_process_timeout"] == "60"
    assert kv["agent.visible_cdi_devices"] == "true"
    assert kv["agent.cdh_api_timeout"] == "50"  # the default 50000 ms, in seconds
    assert list(kv) == sorted(kv)  # a BTreeMap


# --------------------------------------------------------------------------- kata-types' fixtures


def test_texture_loads_with_its_values() -> None:
    config = loader.load_runtime_config(RS_FIXTURES / "configuration-anno-0.toml")
    qemu = config.hypervisor["qemu"]
    assert config.runtime.hypervisor_name == "qemu" and config.runtime.agent_name == "agent0"
    assert qemu.blockdev_info.memory_offset == 0x100000
    assert qemu.cpu_info.cpu_features == "pmu=off,vmx=off"
    assert qemu.shared_fs.virtio_fs_extra_args == ["-o", "arg1=xxx,arg2", "-o", "hello world", "--arg3=yyy"]
    assert config.agent["agent0"].kernel_modules == [
        "e1000e InterruptThrottleRate=3000,3000,3000 EEE=1",
        "i915_enabled_ppgtt=0",
    ]


# --------------------------------------------------------------------------- Kata 4.1's generated files

RS_DIR = ("corpus", "kata-config", "generated", "kata4-runtime-rs")
GO_DIR = ("corpus", "kata-config", "generated", "kata4-go")

# Files runtime-rs 4.1.0 loads but whose validate() fails, with kata-types' reason.
_INVALID = {
    "configuration-qemu-se-runtime-rs.toml": "Both guest boot image and initrd for qemu are empty",
    "configuration-rs-fc.toml": "reconnect_timeout_ms must be >= dial_timeout_ms",
}


def test_every_runtime_rs_file_loads() -> None:
    files = sorted(shared_path(*RS_DIR).glob("*.toml"))
    assert len(files) >= 15
    names = set()
    for f in files:
        config = loader.load_runtime_config(f)
        assert config.profile == "rs"
        assert config.runtime.hypervisor_name in config.hypervisor
        assert config.runtime.agent_name in config.agent
        names.add(config.runtime.hypervisor_name)
        if f.name in _INVALID:
            with pytest.raises(ConfigError, match=_INVALID[f.name]):
                hypervisors.validate(config)
        else:
            hypervisors.validate(config)
    assert names == {"qemu", "clh", "firecracker", "dragonball", "remote", "openvmm"}


def test_detect_tells_rs_from_go_both_ways() -> None:
    for f in shared_path(*RS_DIR).glob("*.toml"):
        assert loader.detect(tomllib.loads(f.read_text())) >= 70, f.name
    for f in shared_path(*GO_DIR).glob("*.toml"):
        assert loader.detect(tomllib.loads(f.read_text())) == 0, f.name


def test_detect_without_corpus() -> None:
    assert loader.detect({"runtime": {"hypervisor_name": "qemu"}, "hypervisor": {"qemu": {}}}) == 90
    assert loader.detect({"hypervisor": {"qemu": {}}, "factory": {}}) == 0  # Go's top-level [factory]
    assert loader.detect({"hypervisor": {"stratovirt": {}}, "runtime": {"name": "virt_container"}}) == 0
    assert loader.detect({"hypervisor": {"qemu": {}}}) == 0  # no [runtime] names: not runtime-rs
    assert loader.detect({"hypervisor": {"openvmm": {}}}) == 80
    assert loader.detect([]) == 0  # type: ignore[arg-type]


def test_host_facts_from_host_checks(tmp_path: Path) -> None:
    from kata_oci.hostchecks import HostChecks

    facts = HostFacts.of(HostChecks(num_cpus=3, total_memory=2048 << 20, asset_root=str(tmp_path)))
    assert facts == HostFacts(cpus=3, memory_mib=2048, root=str(tmp_path))
    # check_files=False: the host's CPUs and memory, but no file looked at
    config = loader.loads(
        "[hypervisor.qemu]\ndefault_vcpus = 8\n", host_checks=HostChecks(num_cpus=2, check_files=False)
    )
    assert config.hypervisor["qemu"].cpu_info.default_vcpus == 2.0
    assert config.hypervisor["qemu"].path == "/usr/bin/qemu-system-x86_64"


def test_the_registry_detects_each_kata4_file_as_its_runtime() -> None:
    from kata_oci.profiles import detect_profile

    for directory, expected in ((RS_DIR, "rs"), (GO_DIR, "go")):
        for f in shared_path(*directory).glob("*.toml"):
            assert detect_profile(tomllib.loads(f.read_text()), file=str(f)).name == expected, f.name
