"""Loading a Kata 1.x configuration.toml: schema, defaults, per-hypervisor mapping, checks, errors."""

from __future__ import annotations

import logging
import os
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from kata_oci import configfile
from kata_oci.config import (
    AgentType,
    FactoryConfig,
    HypervisorType,
    KataAgentConfig,
    NetInterworkingModel,
    NetmonConfig,
    Param,
    ProxyConfig,
    ProxyType,
    ShimConfig,
    ShimType,
    deserialize_params,
)
from kata_oci.configfile import (
    CONFIG_FILE_ENV,
    DEFAULT_CONFIG_RESOURCE,
    TomlConfig,
    decode_toml_config,
    find_config_file,
    load_runtime_config,
    runtime_config_from_toml,
)
from kata_oci.errors import ConfigError, KataOCIError
from kata_oci.experimental import NEW_STORE

from helpers import SHARED, shared_path

CPUS = 4
MAX_VCPUS = 240

KATA1 = (
    "configuration-acrn.toml",
    "configuration-clh.toml",
    "configuration-fc.toml",
    "configuration-qemu-virtiofs.toml",
    "configuration-qemu.toml",
)
SYSTEMD = [
    Param(key="systemd.unit", value="kata-containers.target"),
    Param(key="systemd.mask", value="systemd-networkd.service"),
    Param(key="systemd.mask", value="systemd-networkd.socket"),
]
SCSI = Param(key="scsi_mod.scan", value="none")

QEMU = '[hypervisor.qemu]\nimage = "/img"\n'


@pytest.fixture(autouse=True)
def _fixed_host(monkeypatch: pytest.MonkeyPatch) -> None:
    """4 CPUs, x86_64's vCPU cap, no /dev/vhost-vsock: the results do not depend on the machine."""
    monkeypatch.setattr(configfile, "_num_cpus", lambda: CPUS)
    monkeypatch.setattr(configfile, "_max_qemu_vcpus", lambda: MAX_VCPUS)
    monkeypatch.setattr(configfile, "_VHOST_VSOCK", "/nonexistent/vhost-vsock")


def write(tmp_path: Path, text: str, name: str = "configuration.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def load(tmp_path: Path, text: str, **kwargs: Any) -> Any:
    return load_runtime_config(write(tmp_path, text), **kwargs)


def error(tmp_path: Path, text: str, **kwargs: Any) -> ConfigError:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_runtime_config(path, **kwargs)
    assert info.value.file == str(path)
    return info.value


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def kata1(name: str) -> Path:
    return shared_path("corpus", "kata-config", "generated", "kata1-runtime", name)


# --------------------------------------------------------------------------
# the generated Kata 1.x files


def expected_vcpus(n: int) -> int:
    if n < 0 or n > CPUS:
        return CPUS
    return n or 1


def expected_max_vcpus(n: int) -> int:
    if n == 0 or n >= CPUS:
        n = CPUS
    return min(n, MAX_VCPUS)


@pytest.mark.parametrize("name", KATA1)
def test_kata1_file_loads_with_the_files_own_values(name: str) -> None:
    path = kata1(name)
    raw = tomllib.loads(path.read_text())
    [(hv_name, hv)] = raw["hypervisor"].items()
    config = load_runtime_config(path)
    hc = config.hypervisor_config

    assert config.hypervisor_type == hv_name
    assert hc.hypervisor_path == hv["path"]
    assert hc.kernel_path == hv["kernel"]
    assert hc.image_path == hv["image"]  # an image wins over an initrd
    assert hc.initrd_path == ""
    assert hc.num_vcpus == expected_vcpus(hv.get("default_vcpus", 0))
    assert hc.default_max_vcpus == expected_max_vcpus(hv.get("default_maxvcpus", 0))
    assert hc.memory_size == (hv.get("default_memory") or 2048)
    assert hc.default_bridges == (hv.get("default_bridges") or 1)
    assert hc.block_device_driver == (hv.get("block_device_driver") or "virtio-scsi")
    assert hc.enable_annotations == hv.get("enable_annotations", [])
    assert hc.hypervisor_path_list == hv.get("valid_hypervisor_paths", [])
    assert hc.firmware_path == hv.get("firmware", "")

    if hv_name == "qemu":
        assert hc.shared_fs == (hv.get("shared_fs") or "virtio-9p")
        assert hc.hypervisor_machine_type == hv["machine_type"]
        assert hc.cpu_features == hv["cpu_features"]
    elif hv_name == "clh":
        assert hc.shared_fs == "virtio-fs"
    else:
        assert hc.shared_fs == ""
    if hv_name in ("qemu", "clh"):
        assert hc.msize_9p == (hv.get("msize_9p") or 8192)
        assert hc.virtio_fs_daemon == hv["virtio_fs_daemon"]
        assert hc.virtio_fs_daemon_list == hv["valid_virtio_fs_daemon_paths"]
        assert hc.virtio_fs_cache == hv["virtio_fs_cache"]
    else:
        assert hc.msize_9p == 0
        assert hc.virtio_fs_daemon_list == []
    assert hc.file_backed_mem_root_list == (
        hv.get("valid_file_mem_backends", []) if hv_name in ("qemu", "clh") else []
    )
    assert hc.vhost_user_store_path_list == (
        hv.get("valid_vhost_user_store_paths", []) if hv_name == "qemu" else []
    )
    assert hc.hypervisor_ctl_path_list == (hv.get("valid_ctlpaths", []) if hv_name == "acrn" else [])
    assert hc.hypervisor_ctl_path == (hv.get("ctlpath", "") if hv_name == "acrn" else "")
    assert hc.jailer_path_list == (hv.get("valid_jailer_paths", []) if hv_name == "firecracker" else [])

    user = deserialize_params(hv.get("kernel_params", "").split())
    scsi = [SCSI] if hc.block_device_driver == "virtio-scsi" else []
    assert hc.kernel_params == SYSTEMD + scsi + user

    agent = raw["agent"]["kata"]
    assert config.agent_type == AgentType.KATA
    assert config.agent_config is not None
    assert config.agent_config.kernel_modules == agent.get("kernel_modules", [])
    assert config.agent_config.use_vsock == hc.use_vsock

    runtime = raw["runtime"]
    assert config.inter_network_model == runtime["internetworking_model"]
    assert config.disable_guest_seccomp is runtime["disable_guest_seccomp"]
    assert config.sandbox_cgroup_only is runtime["sandbox_cgroup_only"]
    assert config.debug is runtime.get("enable_debug", False)
    assert config.experimental == []

    if hc.use_vsock:
        assert (config.proxy_type, config.proxy_config) == (ProxyType.NO_PROXY, ProxyConfig())
    else:
        assert config.proxy_type == ProxyType.KATA
        assert config.proxy_config == ProxyConfig(path=raw["proxy"]["kata"]["path"])
    assert config.shim_type == ShimType.KATA
    assert config.shim_config == ShimConfig(path=raw["shim"]["kata"]["path"])
    assert config.netmon_config == NetmonConfig(path=raw["netmon"]["path"])


@pytest.mark.parametrize(
    ("name", "hypervisor", "max_vcpus", "proxy", "model", "use_vsock"),
    [
        (
            "configuration-acrn.toml",
            HypervisorType.ACRN,
            1,
            ProxyType.KATA,
            NetInterworkingModel.MACVTAP,
            False,
        ),
        ("configuration-clh.toml", HypervisorType.CLH, CPUS, ProxyType.NO_PROXY, "tcfilter", True),
        ("configuration-fc.toml", HypervisorType.FIRECRACKER, CPUS, ProxyType.NO_PROXY, "tcfilter", True),
        ("configuration-qemu-virtiofs.toml", HypervisorType.QEMU, CPUS, ProxyType.KATA, "tcfilter", False),
        ("configuration-qemu.toml", HypervisorType.QEMU, CPUS, ProxyType.KATA, "tcfilter", False),
    ],
)
def test_kata1_effective_values(
    name: str, hypervisor: HypervisorType, max_vcpus: int, proxy: ProxyType, model: str, use_vsock: bool
) -> None:
    """The research table of what Kata makes of each generated file."""
    config = load_runtime_config(kata1(name))
    hc = config.hypervisor_config
    assert config.hypervisor_type == hypervisor
    assert (hc.num_vcpus, hc.default_max_vcpus) == (1, max_vcpus)
    assert (hc.memory_size, hc.mem_slots, hc.default_bridges) == (2048, 10, 1)
    assert hc.use_vsock is use_vsock
    assert config.proxy_type == proxy
    assert config.inter_network_model == model
    assert config.disable_guest_seccomp is True


def test_qemu_file_uses_the_image_and_drops_the_initrd() -> None:
    raw = tomllib.loads(kata1("configuration-qemu.toml").read_text())["hypervisor"]["qemu"]
    assert raw["initrd"] and raw["image"]
    hc = load_runtime_config(kata1("configuration-qemu.toml")).hypervisor_config
    assert (hc.image_path, hc.initrd_path) == (raw["image"], "")


# --------------------------------------------------------------------------
# the shipped default and the lookup order


def test_shipped_default_is_in_the_package_and_loads() -> None:
    resource = resources.files("kata_oci") / DEFAULT_CONFIG_RESOURCE
    assert resource.is_file()
    text = resource.read_text(encoding="utf-8")
    assert (
        text.startswith("# ") and "04f29832" in text.splitlines()[0] and "Apache-2.0" in text.splitlines()[0]
    )
    config = load_runtime_config(Path(str(resource)))
    assert config.hypervisor_type == HypervisorType.QEMU
    assert config.hypervisor_config.hypervisor_path == "/usr/bin/qemu-system-x86_64"


def test_shipped_default_is_the_generated_qemu_file() -> None:
    shipped = (resources.files("kata_oci") / DEFAULT_CONFIG_RESOURCE).read_text(encoding="utf-8")
    original = kata1("configuration-qemu.toml").read_text(encoding="utf-8")
    assert shipped.split("\n", 1)[1] == original


@pytest.fixture
def no_system_configs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, Path]:
    etc, usr = tmp_path / "etc.toml", tmp_path / "usr.toml"
    monkeypatch.setattr(configfile, "DEFAULT_CONFIG_PATHS", (str(etc), str(usr)))
    return etc, usr


def test_lookup_falls_back_to_the_shipped_default(no_system_configs: tuple[Path, Path]) -> None:
    found = find_config_file({})
    assert found == Path(str(resources.files("kata_oci") / DEFAULT_CONFIG_RESOURCE))
    assert found.is_file()


def test_lookup_prefers_etc_then_usr_share(no_system_configs: tuple[Path, Path]) -> None:
    etc, usr = no_system_configs
    usr.write_text(QEMU)
    assert find_config_file({}) == usr
    etc.write_text(QEMU)
    assert find_config_file({}) == etc
    etc.unlink()
    etc.symlink_to(etc.with_name("missing.toml"))
    assert find_config_file({}) == usr  # a dangling symlink does not count


def test_lookup_env_var_wins_even_when_missing(no_system_configs: tuple[Path, Path], tmp_path: Path) -> None:
    etc, _ = no_system_configs
    etc.write_text(QEMU)
    assert find_config_file({CONFIG_FILE_ENV: "/no/such.toml"}) == Path("/no/such.toml")
    assert find_config_file({CONFIG_FILE_ENV: ""}) == etc


def test_lookup_reads_the_process_environment(
    no_system_configs: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine = write(tmp_path, '[hypervisor.clh]\nimage = "/img"\nvirtio_fs_daemon = "/d"\n', "mine.toml")
    monkeypatch.setenv(CONFIG_FILE_ENV, str(mine))
    assert find_config_file() == mine
    assert load_runtime_config().hypervisor_type == HypervisorType.CLH
    monkeypatch.delenv(CONFIG_FILE_ENV)
    assert (
        load_runtime_config().hypervisor_config.image_path == "/usr/share/kata-containers/kata-containers.img"
    )


# --------------------------------------------------------------------------
# defaults


def test_qemu_table_alone_needs_an_image_or_initrd(tmp_path: Path) -> None:
    err = error(tmp_path, "[hypervisor.qemu]\n")
    assert "Either initrd or image must be set" in err.reason
    assert (err.key, err.line) == ("hypervisor.qemu.image", 1)


def test_defaults_when_keys_are_absent(tmp_path: Path) -> None:
    config = load(tmp_path, QEMU)
    hc = config.hypervisor_config
    assert config.hypervisor_type == HypervisorType.QEMU
    assert hc.hypervisor_path == "/usr/bin/qemu-lite-system-x86_64"
    assert hc.kernel_path == "/usr/share/kata-containers/vmlinuz.container"
    assert (hc.image_path, hc.initrd_path, hc.firmware_path, hc.jailer_path) == ("/img", "", "", "")
    assert (hc.num_vcpus, hc.default_max_vcpus, hc.memory_size, hc.mem_slots) == (1, CPUS, 2048, 10)
    assert (hc.default_bridges, hc.msize_9p, hc.mem_offset) == (1, 8192, 0)
    assert hc.block_device_driver == "virtio-scsi"
    assert hc.shared_fs == "virtio-9p"
    assert hc.hypervisor_machine_type == "pc"
    assert hc.entropy_source == "/dev/urandom"
    assert hc.virtio_fs_cache == "none"
    assert hc.vhost_user_store_path == "/var/run/kata-containers/vhost-user/"
    assert hc.mlock is True
    assert hc.use_vsock is False
    assert hc.enable_annotations == [] and hc.hypervisor_path_list == [] and hc.pflash == []
    assert hc.kernel_params == [*SYSTEMD, SCSI]
    assert config.agent_type == AgentType.KATA and config.agent_config == KataAgentConfig()
    assert config.proxy_type == ProxyType.KATA and config.proxy_config == ProxyConfig()
    assert config.shim_type == ShimType.KATA and config.shim_config is None
    assert config.netmon_config == NetmonConfig(path="/usr/libexec/kata-containers/kata-netmon")
    assert config.factory_config == FactoryConfig(
        template_path="/run/vc/vm/template", vm_cache_endpoint="/var/run/kata-containers/cache.sock"
    )
    assert config.inter_network_model == NetInterworkingModel.DEFAULT
    assert not (config.debug or config.trace or config.disable_guest_seccomp or config.disable_new_net_ns)


def test_no_hypervisor_table_gives_gos_default_hypervisor_config(tmp_path: Path) -> None:
    for text in ("", "[hypervisor]\n", "[runtime]\nenable_debug = true\n"):
        hc = load(tmp_path, text).hypervisor_config
        assert hc.hypervisor_path == "/usr/bin/qemu-lite-system-x86_64"
        assert hc.jailer_path == "/usr/bin/jailer"
        assert hc.image_path == "/usr/share/kata-containers/kata-containers.img"
        assert hc.initrd_path == "/usr/share/kata-containers/kata-containers-initrd.img"
        assert (hc.num_vcpus, hc.default_max_vcpus, hc.memory_size, hc.mem_slots) == (1, 0, 2048, 0)
        assert (hc.entropy_source, hc.shared_fs, hc.virtio_fs_cache) == ("", "", "none")
        assert hc.kernel_params == [*SYSTEMD, SCSI]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 1), (1, 1), (3, 3), (CPUS, CPUS), (CPUS + 1, CPUS), (-1, CPUS), (-(2**31), CPUS), (2**31 - 1, CPUS)],
)
def test_default_vcpus_rules(tmp_path: Path, value: int, expected: int) -> None:
    hc = load(tmp_path, QEMU + f"default_vcpus = {value}\n").hypervisor_config
    assert hc.num_vcpus == expected


@pytest.mark.parametrize(
    ("cpus", "value", "expected"),
    [
        (4, 0, 4),
        (4, 1, 1),
        (4, 3, 3),
        (4, 4, 4),
        (4, 5, 4),
        (4, 2**32 - 1, 4),
        (300, 0, 240),
        (300, 250, 240),
        (300, 100, 100),
        (300, 240, 240),
    ],
)
def test_default_maxvcpus_rules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cpus: int, value: int, expected: int
) -> None:
    monkeypatch.setattr(configfile, "_num_cpus", lambda: cpus)
    hc = load(tmp_path, QEMU + f"default_maxvcpus = {value}\n").hypervisor_config
    assert hc.default_max_vcpus == expected


def test_default_maxvcpus_is_not_raised_to_default_vcpus(tmp_path: Path) -> None:
    hc = load(tmp_path, QEMU + "default_vcpus = 3\ndefault_maxvcpus = 2\n").hypervisor_config
    assert (hc.num_vcpus, hc.default_max_vcpus) == (3, 2)


def test_default_maxvcpus_applies_to_every_hypervisor(tmp_path: Path) -> None:
    hc = load(tmp_path, '[hypervisor.acrn]\nimage = "/img"\n').hypervisor_config
    assert hc.default_max_vcpus == CPUS


def test_cpu_count_is_the_affinity_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.undo()  # the real host
    cpus = len(os.sched_getaffinity(0))
    assert configfile._num_cpus() == cpus
    hc = load(tmp_path, QEMU + "default_vcpus = 2147483647\n").hypervisor_config
    assert hc.num_vcpus == cpus


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 1), (1, 1), (5, 5), (6, 5), (1000, 5)],
)
def test_default_bridges(tmp_path: Path, value: int, expected: int) -> None:
    assert load(tmp_path, QEMU + f"default_bridges = {value}\n").hypervisor_config.default_bridges == expected


def test_memory_and_msize(tmp_path: Path) -> None:
    hc = load(tmp_path, QEMU + "default_memory = 512\nmsize_9p = 1024\nmemory_slots = 3\n").hypervisor_config
    assert (hc.memory_size, hc.msize_9p, hc.mem_slots) == (512, 1024, 3)


# --------------------------------------------------------------------------
# kernel parameters


def test_kernel_params_split_on_go_whitespace(tmp_path: Path) -> None:
    # \u001c is white space for Python's str.split(), not for Go's strings.Fields.
    value = r"a=b\u001cc \u00a0d\u0085e\u3000f\tg=1=2  h= i"
    text = QEMU + f'kernel_params = "{value}"\n'
    assert len(tomllib.loads(text)["hypervisor"]["qemu"]["kernel_params"].split()) == 8
    hc = load(tmp_path, text).hypervisor_config
    assert hc.kernel_params[4:] == [
        Param(key="a", value="b\x1cc"),
        Param(key="d"),
        Param(key="e"),
        Param(key="f"),
        Param(key="g", value="1=2"),
        Param(key="h"),
        Param(key="i"),
    ]


def test_kernel_params_order_and_agent_params(tmp_path: Path) -> None:
    text = (
        '[hypervisor.qemu]\ninitrd = "/initrd"\nblock_device_driver = "virtio-blk"\n'
        'kernel_params = "quiet foo=bar foo=baz"\n'
        '[agent.kata]\nenable_debug = true\nenable_tracing = true\ntrace_mode = "static"\n'
        "container_pipe_size = 2097152\n"
    )
    config = load(tmp_path, text)
    assert config.hypervisor_config.kernel_params == [
        Param(key="agent.log", value="debug"),
        Param(key="agent.trace", value="isolated"),
        Param(key="agent.container_pipe_size", value="2097152"),
        Param(key="quiet"),
        Param(key="foo", value="bar"),
        Param(key="foo", value="baz"),
    ]
    # the trace defaults are applied to a copy, as in Go
    assert config.agent_config is not None
    assert (config.agent_config.trace_mode, config.agent_config.trace_type) == ("static", "")
    assert config.agent_config.container_pipe_size == 2097152


def test_kernel_param_with_empty_key(tmp_path: Path) -> None:
    text = QEMU + 'kernel_params = "a =b"\n'
    err = error(tmp_path, text)
    assert err.reason.startswith("Empty kernel parameter")
    assert (err.key, err.line) == ("hypervisor.qemu.kernel_params", 3)


@pytest.mark.parametrize(
    ("mode", "kind", "problem"),
    [("bogus", "", 'invalid kata agent trace mode: "bogus" (need "dynamic" or "static")'),
     ("", "bogus", 'invalid kata agent trace type: "bogus" (need "isolated" or "collated")')],
)  # fmt: skip
def test_agent_trace_settings_are_checked_when_tracing(
    tmp_path: Path, mode: str, kind: str, problem: str
) -> None:
    agent = f'[agent.kata]\ntrace_mode = "{mode}"\ntrace_type = "{kind}"\n'
    load(tmp_path, QEMU + agent)  # not tracing: not checked
    err = error(tmp_path, QEMU + agent + "enable_tracing = true\n")
    assert err.reason == problem
    assert err.key == ("agent.kata.trace_mode" if mode else "agent.kata.trace_type")


def test_dynamic_tracing_adds_no_parameter(tmp_path: Path) -> None:
    config = load(tmp_path, QEMU + "[agent.kata]\nenable_tracing = true\n")
    assert config.hypervisor_config.kernel_params == [*SYSTEMD, SCSI]


# --------------------------------------------------------------------------
# errors: sections, types, ranges, syntax, files


@pytest.mark.parametrize("name", ["mock", "QEMU", "dragonball", "cloud-hypervisor"])
def test_unknown_hypervisor_section(tmp_path: Path, name: str) -> None:
    text = f'# a comment\n[hypervisor.{name}]\nimage = "/img"\n'
    err = error(tmp_path, text)
    assert (err.key, err.line) == (f"hypervisor.{name}", 2)
    assert f"unknown hypervisor {name!r}" in err.reason
    assert f"[hypervisor.{name}]" in str(err) and f":{2}" in str(err)


def test_several_hypervisor_sections(tmp_path: Path) -> None:
    err = error(tmp_path, QEMU + '[hypervisor.clh]\nimage = "/img"\nvirtio_fs_daemon = "/d"\n')
    assert "more than one hypervisor table (qemu, clh)" in err.reason
    assert err.line == 3


def test_wrong_type_names_key_and_line(tmp_path: Path) -> None:
    text = QEMU + '\n# vCPUs\ndefault_vcpus = "1"\n'
    err = error(tmp_path, text)
    assert (err.key, err.line) == ("hypervisor.qemu.default_vcpus", 5)
    assert err.reason == "expected an integer (Go int32), found string '1'"
    assert str(err) == f"{err.file}:5 [hypervisor.qemu.default_vcpus]: {err.reason}"
    assert isinstance(err, KataOCIError) and isinstance(err, ValueError)


@pytest.mark.parametrize(
    ("setting", "key", "reason"),
    [
        ("default_memory = -1", "hypervisor.qemu.default_memory", "value -1 is out of range for uint32"),
        ("msize_9p = 4294967296", "hypervisor.qemu.msize_9p", "value 4294967296 is out of range for uint32"),
        ("default_vcpus = 2147483648", "hypervisor.qemu.default_vcpus", "out of range for int32"),
        ("default_vcpus = -2147483649", "hypervisor.qemu.default_vcpus", "out of range for int32"),
        ("default_memory = 2048.0", "hypervisor.qemu.default_memory", "found float"),
        ("default_memory = true", "hypervisor.qemu.default_memory", "found boolean"),
        ("use_vsock = 1", "hypervisor.qemu.use_vsock", "expected a boolean, found integer"),
        ("kernel_params = []", "hypervisor.qemu.kernel_params", "expected a string, found array"),
        ('enable_annotations = ".*"', "hypervisor.qemu.enable_annotations", "expected an array"),
        ('pflashes = ["a", 2]', "hypervisor.qemu.pflashes[1]", "expected a string, found integer"),
    ],
)
def test_bad_values(tmp_path: Path, setting: str, key: str, reason: str) -> None:
    err = error(tmp_path, QEMU + setting + "\n")
    assert err.key == key
    assert err.line == 3
    assert reason in err.reason


@pytest.mark.parametrize(
    ("text", "key", "line"),
    [
        ('[runtime]\nenable_debug = "yes"\n', "runtime.enable_debug", 2),
        ("[factory]\nvm_cache_number = -1\n", "factory.vm_cache_number", 2),
        ('[agent.kata]\nkernel_modules = [\n  "a",\n  3,\n]\n', "agent.kata.kernel_modules[1]", 2),
        ("[netmon]\nenable_netmon = 0\n", "netmon.enable_netmon", 2),
        ("runtime = 1\n", "runtime", 1),
        ("hypervisor = 1\n", "hypervisor", 1),
        ('[hypervisor]\npath = "/x"\n', "hypervisor.path", 2),
        ("[proxy]\nkata = []\n", "proxy.kata", 2),
    ],
)
def test_bad_values_in_other_tables(tmp_path: Path, text: str, key: str, line: int) -> None:
    err = error(tmp_path, text)
    assert (err.key, err.line) == (key, line)


def test_toml_syntax_error_has_the_line(tmp_path: Path) -> None:
    text = QEMU + "kernel = \n[runtime]\n"
    err = error(tmp_path, text)
    assert err.line == 3
    assert err.key == "hypervisor.qemu.kernel"
    assert err.reason.startswith("invalid TOML: ")
    err = error(tmp_path, QEMU + 'kernel = "unterminated')
    assert err.line == 3
    err = error(tmp_path, QEMU + "[runtime]\n[runtime]\n")
    assert err.line == 4


def test_duplicate_key_is_a_syntax_error(tmp_path: Path) -> None:
    err = error(tmp_path, QEMU + "default_vcpus = 1\ndefault_vcpus = 2\n")
    assert err.line == 4


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load_runtime_config(path)
    assert info.value.file == str(path)
    assert info.value.reason == f"Cannot find usable config file (file {path} does not exist)"


def test_directory_and_non_utf8(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the configuration file"):
        load_runtime_config(tmp_path)
    # Not UTF-8 outside a string or a comment: an error, as in Go (BurntSushi/toml v0.3.1).
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'[hypervisor.qemu]\nimage = "/img"\nkern\xe9l = "/k"\n')
    with pytest.raises(ConfigError) as info:
        load_runtime_config(path)
    assert info.value.line == 3
    assert "UTF-8" in info.value.reason


def test_decode_toml_config_gives_the_tables() -> None:
    toml = decode_toml_config(
        b'[hypervisor.qemu]\nPath = "/q"\n[agent.kata]\n[runtime]\nexperimental = ["x"]\n'
    )
    assert isinstance(toml, TomlConfig)
    assert toml.hypervisor["qemu"].path == "/q"
    assert list(toml.agent) == ["kata"]
    assert toml.runtime.experimental == ["x"]
    assert toml.proxy == {} and toml.factory.vm_cache_number == 0
    with pytest.raises(ConfigError) as info:
        decode_toml_config("[runtime]\nenable_debug = 1\n", file="x.toml")
    assert str(info.value) == "x.toml:2 [runtime.enable_debug]: expected a boolean, found integer 1"


# --------------------------------------------------------------------------
# the decoder's key matching


def test_unknown_keys_and_tables_are_ignored(tmp_path: Path) -> None:
    text = (
        QEMU + 'rootfs_type = "ext4"\ndefault_maxmemory = 0\n[hypervisor.qemu.extra]\nx = 1\n'
        "[runtime]\nenable_pprof = true\n[image]\nservice_offload = false\n"
    )
    config = load(tmp_path, text)
    assert config.hypervisor_config.image_path == "/img"


def test_struct_keys_match_case_insensitively(tmp_path: Path) -> None:
    text = (
        '[Hypervisor.qemu]\nIMAGE = "/img"\nDefault_VCPUs = 2\nkernel_Params = "x"\n'
        '[RUNTIME]\nEnable_Debug = true\nInterNetworking_Model = "none"\n'
    )
    config = load(tmp_path, text)
    assert config.hypervisor_config.image_path == "/img"
    assert config.hypervisor_config.num_vcpus == 2
    assert config.hypervisor_config.kernel_params[-1] == Param(key="x")
    assert config.debug is True
    assert config.inter_network_model == NetInterworkingModel.NONE


def test_same_key_twice_with_different_case(tmp_path: Path) -> None:
    err = error(tmp_path, QEMU + 'path = "/a"\nPath = "/b"\n')
    assert err.key == "hypervisor.qemu.Path"
    assert err.line == 4


# --------------------------------------------------------------------------
# [runtime]


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("", NetInterworkingModel.DEFAULT),
        ('internetworking_model = ""', NetInterworkingModel.DEFAULT),
        ('internetworking_model = "default"', NetInterworkingModel.TCFILTER),
        ('internetworking_model = "tcfilter"', NetInterworkingModel.TCFILTER),
        ('internetworking_model = "macvtap"', NetInterworkingModel.MACVTAP),
        ('internetworking_model = "none"', NetInterworkingModel.NONE),
    ],
)
def test_internetworking_model(tmp_path: Path, setting: str, expected: NetInterworkingModel) -> None:
    assert load(tmp_path, QEMU + "[runtime]\n" + setting + "\n").inter_network_model == expected


@pytest.mark.parametrize("value", ["Default", "bridged", " none"])
def test_internetworking_model_invalid(tmp_path: Path, value: str) -> None:
    err = error(tmp_path, QEMU + f'[runtime]\ninternetworking_model = "{value}"\n')
    assert err.reason.startswith(f"Unknown type {value}")
    assert (err.key, err.line) == ("runtime.internetworking_model", 4)


def test_runtime_flags(tmp_path: Path) -> None:
    text = QEMU + (
        "[runtime]\nenable_debug = true\nenable_tracing = true\ndisable_guest_seccomp = true\n"
        "sandbox_cgroup_only = true\nenable_agent_pidns = true\ndisable_new_netns = true\n"
        'internetworking_model = "none"\n'
    )
    config = load(tmp_path, text)
    assert config.debug and config.trace and config.disable_guest_seccomp
    assert config.sandbox_cgroup_only and config.enable_agent_pid_ns and config.disable_new_net_ns


def test_experimental_features(tmp_path: Path) -> None:
    config = load(tmp_path, QEMU + '[runtime]\nexperimental = ["newstore"]\n')
    assert config.experimental == [NEW_STORE]
    err = error(tmp_path, QEMU + '[runtime]\nexperimental = ["newstore", "warp\\"drive"]\n')
    assert err.reason.startswith('Unsupported experimental feature "warp\\"drive"')
    assert (err.key, err.line) == ("runtime.experimental", 4)


def test_disable_new_netns_needs_the_none_model(tmp_path: Path) -> None:
    err = error(tmp_path, QEMU + "[runtime]\ndisable_new_netns = true\n")
    assert err.reason == "config disable_new_netns only works with 'none' internetworking_model"
    assert err.key == "runtime.disable_new_netns"
    err = error(tmp_path, QEMU + '[runtime]\ndisable_new_netns = true\ninternetworking_model = "default"\n')
    assert "only works with 'none'" in err.reason
    text = (
        QEMU
        + "[netmon]\nenable_netmon = true\n"
        + '[runtime]\ndisable_new_netns = true\ninternetworking_model = "none"\n'
    )
    assert error(tmp_path, text).reason == "config disable_new_netns conflicts with enable_netmon"


def test_shim_tracing_needs_disable_new_netns(tmp_path: Path) -> None:
    err = error(tmp_path, QEMU + "[shim.kata]\nenable_tracing = true\n")
    assert err.reason == "Shim tracing requires disable_new_netns for Jaeger agent communication"
    text = (
        QEMU
        + "[shim.kata]\nenable_tracing = true\n"
        + '[runtime]\ndisable_new_netns = true\ninternetworking_model = "none"\n'
    )
    config = load(tmp_path, text)
    assert config.shim_config == ShimConfig(path="/usr/libexec/kata-containers/kata-shim", trace=True)


# --------------------------------------------------------------------------
# agent, proxy, shim, netmon, factory


def test_agent_proxy_shim_sections(tmp_path: Path) -> None:
    text = QEMU + (
        '[proxy.kata]\npath = "/p"\nenable_debug = true\n'
        '[shim.kata]\npath = "/s"\nenable_debug = true\n'
        '[agent.kata]\nenable_debug = true\nkernel_modules = ["e1000e InterruptThrottleRate=3000", "i915"]\n'
        '[netmon]\npath = "/n"\nenable_debug = true\n'
    )
    config = load(tmp_path, text)
    assert (config.proxy_type, config.proxy_config) == (ProxyType.KATA, ProxyConfig(path="/p", debug=True))
    assert (config.shim_type, config.shim_config) == (ShimType.KATA, ShimConfig(path="/s", debug=True))
    assert config.agent_config == KataAgentConfig(
        debug=True, kernel_modules=["e1000e InterruptThrottleRate=3000", "i915"]
    )
    assert config.netmon_config == NetmonConfig(path="/n", debug=True)


@pytest.mark.parametrize(
    ("section", "reason"),
    [("proxy.cc", "cc proxy type not supported"),
     ("agent.hyperstart", "hyperstart agent type is not supported"),
     ("shim.Kata", "Kata shim is not supported")],
)  # fmt: skip
def test_only_kata_agent_proxy_shim(tmp_path: Path, section: str, reason: str) -> None:
    err = error(tmp_path, QEMU + f"[{section}]\n")
    assert err.reason == reason
    assert (err.key, err.line) == (section, 3)


def test_use_vsock_means_no_proxy(tmp_path: Path) -> None:
    text = (
        QEMU + 'use_vsock = true\n[proxy.kata]\npath = "/p"\n[runtime]\nenable_debug = true\n[agent.kata]\n'
    )
    config = load(tmp_path, text)
    assert config.hypervisor_config.use_vsock is True
    assert (config.proxy_type, config.proxy_config) == (ProxyType.NO_PROXY, ProxyConfig(debug=True))
    assert config.agent_config is not None and config.agent_config.use_vsock is True


def test_use_vsock_strict_needs_the_vsock_device(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = host_files(tmp_path)
    text = qemu_with(files) + "use_vsock = true\n"
    config = load(tmp_path, text, strict=True)
    assert config.hypervisor_config.use_vsock is False
    assert config.proxy_type == ProxyType.KATA
    monkeypatch.setattr(configfile, "_VHOST_VSOCK", str(files["kernel"]))
    assert load(tmp_path, text, strict=True).proxy_type == ProxyType.NO_PROXY


def test_factory(tmp_path: Path) -> None:
    text = (
        '[hypervisor.qemu]\ninitrd = "/i"\n'
        '[factory]\nenable_template = true\ntemplate_path = "/t"\nvm_cache_number = 3\n'
    )
    assert load(tmp_path, text).factory_config == FactoryConfig(
        template=True,
        template_path="/t",
        vm_cache_number=3,
        vm_cache_endpoint="/var/run/kata-containers/cache.sock",
    )
    err = error(tmp_path, QEMU + "[factory]\nenable_template = true\n")
    assert err.reason == "Factory option enable_template requires an initrd image"
    assert (err.key, err.line) == ("factory.enable_template", 4)
    clh = '[hypervisor.clh]\nimage = "/img"\nvirtio_fs_daemon = "/d"\n'
    err = error(tmp_path, clh + "[factory]\nvm_cache_number = 1\n")
    assert err.reason == "VM cache just support qemu"


def test_builtin_mode_ignores_agent_proxy_shim_tables(tmp_path: Path) -> None:
    text = (
        QEMU
        + '[proxy.cc]\n[shim.kata]\npath = "/s"\n'
        + "[agent.kata]\nenable_debug = true\n[runtime]\nenable_debug = true\n"
    )
    config = load(tmp_path, text, builtin=True)
    assert (config.proxy_type, config.proxy_config) == (ProxyType.KATA_BUILTIN, ProxyConfig(debug=True))
    assert (config.shim_type, config.shim_config) == (ShimType.KATA_BUILTIN, ShimConfig())
    assert config.agent_config == KataAgentConfig(long_live_conn=True)
    assert config.hypervisor_config.kernel_params == [*SYSTEMD, SCSI]  # no agent.log=debug


# --------------------------------------------------------------------------
# per-hypervisor mapping


def test_qemu_specific_fields(tmp_path: Path) -> None:
    text = (
        '[hypervisor.qemu]\nimage = "/img"\nmachine_type = "microvm"\n'
        'machine_accelerators = ",, abc ,,, 123 ,,"\n'
        'cpu_features = ", , abc , ,"\nshared_fs = "virtio-fs"\nvirtio_fs_daemon = "/d"\nenable_swap = true\n'
        'pflashes = ["/f1", "/f2"]\nguest_hook_path = "/hooks"\nfile_mem_backend = "/dev/shm"\n'
        'enable_iommu = true\nenable_iommu_platform = true\nvirtio_fs_cache = "always"\n'
    )
    hc = load(tmp_path, text).hypervisor_config
    assert hc.disable_image_nvdimm is True
    assert (hc.machine_accelerators, hc.cpu_features) == ("abc,123", "abc")
    assert (hc.shared_fs, hc.virtio_fs_daemon, hc.virtio_fs_cache) == ("virtio-fs", "/d", "always")
    assert hc.mlock is False
    assert hc.pflash == ["/f1", "/f2"]
    assert (hc.guest_hook_path, hc.file_backed_mem_root_dir) == ("/hooks", "/dev/shm")
    assert hc.iommu and hc.iommu_platform
    assert hc.msize_9p == 8192


def test_comma_list_cleaning() -> None:
    assert configfile._clean_comma_list(",, abc ,,, 123 ,,") == "abc,123"
    assert configfile._clean_comma_list(", , abc , ,") == "abc"
    assert configfile._clean_comma_list("a, ,b") == "a,,b"
    assert configfile._clean_comma_list("\u3000pmu=off\u3000") == "pmu=off"


@pytest.mark.parametrize(
    ("text", "key", "reason"),
    [
        (QEMU + 'shared_fs = "virtio-fs"\n', "virtio_fs_daemon",
         "cannot enable virtio-fs without daemon path"),
        (QEMU + 'shared_fs = "9p"\n', "shared_fs", "Invalid hypervisor shared file system 9p specified "
         "(supported file systems: [virtio-9p virtio-fs])"),
        (QEMU + 'block_device_driver = "virtio-fs"\n', "block_device_driver",
         "Invalid hypervisor block storage driver virtio-fs specified "
         "(supported drivers: [virtio-scsi virtio-blk virtio-mmio nvdimm virtio-blk-ccw])"),
        ('[hypervisor.clh]\nimage = "/img"\n', "virtio_fs_daemon", "virtio-fs daemon path is missing"),
        ('[hypervisor.clh]\ninitrd = "/i"\nvirtio_fs_daemon = "/d"\n', "initrd",
         "having an initrd defined in the configuration file is not supported"),
        ('[hypervisor.acrn]\ninitrd = "/i"\n', "image", "image is not set"),
        ('[hypervisor.firecracker]\nkernel = "/k"\n', "image", "Either initrd or image must be set"),
    ],
)  # fmt: skip
def test_hypervisor_errors(tmp_path: Path, text: str, key: str, reason: str) -> None:
    err = error(tmp_path, text)
    assert err.key is not None and err.key.endswith("." + key)
    assert reason in err.reason
    assert err.line is not None


def test_firecracker_fields(tmp_path: Path) -> None:
    text = (
        '[hypervisor.firecracker]\nimage = "/img"\nuse_vsock = false\nshared_fs = "virtio-fs"\n'
        'jailer_path = "/j"\nvalid_jailer_paths = ["/j*"]\nmsize_9p = 100\nmachine_type = "q35"\n'
    )
    config = load(tmp_path, text)
    hc = config.hypervisor_config
    assert (hc.use_vsock, hc.disable_vhost_net) == (True, True)
    assert (hc.shared_fs, hc.msize_9p, hc.hypervisor_machine_type) == ("", 0, "")
    assert (hc.jailer_path, hc.jailer_path_list) == ("/j", ["/j*"])
    assert config.proxy_type == ProxyType.NO_PROXY


def test_acrn_fields(tmp_path: Path) -> None:
    text = '[hypervisor.acrn]\nimage = "/img"\ninitrd = "/i"\nvalid_ctlpaths = ["/c"]\nuse_vsock = true\n'
    hc = load(tmp_path, text).hypervisor_config
    assert (hc.image_path, hc.initrd_path) == ("/img", "")
    assert (hc.hypervisor_ctl_path, hc.hypervisor_ctl_path_list) == ("/usr/bin/acrnctl", ["/c"])
    assert hc.use_vsock is False
    assert hc.disable_block_device_use is False and hc.hypervisor_machine_type == ""


def test_clh_fields(tmp_path: Path) -> None:
    text = (
        '[hypervisor.clh]\nimage = "/img"\nvirtio_fs_daemon = "/d"\nshared_fs = "virtio-9p"\n'
        'guest_hook_path = "/h"\ncpu_features = "pmu=off"\n'
    )
    hc = load(tmp_path, text).hypervisor_config
    assert (hc.shared_fs, hc.virtio_fs_cache, hc.guest_hook_path, hc.cpu_features) == (
        "virtio-fs",
        "",
        "",
        "",
    )
    assert (hc.use_vsock, hc.disable_vhost_net, hc.hypervisor_machine_type) == (True, True, "pc")


# --------------------------------------------------------------------------
# strict mode


def host_files(tmp_path: Path) -> dict[str, Path]:
    files = {}
    for name in ("qemu", "kernel", "image", "initrd", "daemon", "proxy", "shim", "netmon", "firmware"):
        files[name] = tmp_path / "host" / name
        files[name].parent.mkdir(exist_ok=True)
        files[name].write_bytes(b"x" * 1024)
    return files


def qemu_with(files: dict[str, Path], *, image: str = "image") -> str:
    return (
        f'[hypervisor.qemu]\npath = "{files["qemu"]}"\nkernel = "{files["kernel"]}"\n'
        f'{image} = "{files[image]}"\nfirmware = "{files["firmware"]}"\n'
    )


def test_strict_accepts_existing_files_and_keeps_paths_as_written(tmp_path: Path) -> None:
    files = host_files(tmp_path)
    link = tmp_path / "kernel-link"
    link.symlink_to(files["kernel"])
    text = qemu_with(files).replace(str(files["kernel"]), str(link)) + (
        f'shared_fs = "virtio-fs"\nvirtio_fs_daemon = "{files["daemon"]}"\n'
        f'[proxy.kata]\npath = "{files["proxy"]}"\n[shim.kata]\npath = "{files["shim"]}"\n'
        f'[netmon]\nenable_netmon = true\npath = "{files["netmon"]}"\n'
    )
    hc = load(tmp_path, text, strict=True).hypervisor_config
    assert hc.kernel_path == str(link)


def test_not_strict_never_touches_the_host(tmp_path: Path) -> None:
    text = (
        '[hypervisor.firecracker]\npath = "/no/fc"\nkernel = "/no/k"\nimage = "/no/i"\n'
        'jailer_path = "/no/j"\n'
        '[shim.kata]\npath = "/no/shim"\n[netmon]\nenable_netmon = true\npath = "/no/netmon"\n'
    )
    config = load(tmp_path, text)
    assert config.hypervisor_config.jailer_path == "/no/j"
    assert config.hypervisor_config.use_vsock is True  # no /dev/vhost-vsock needed


@pytest.mark.parametrize(
    ("missing", "key"),
    [
        ("qemu", "hypervisor.qemu.path"),
        ("kernel", "hypervisor.qemu.kernel"),
        ("firmware", "hypervisor.qemu.firmware"),
    ],
)
def test_strict_missing_file_names_key_and_path(tmp_path: Path, missing: str, key: str) -> None:
    files = host_files(tmp_path)
    files[missing].unlink()
    err = error(tmp_path, qemu_with(files), strict=True)
    assert err.key == key
    assert f"file {files[missing]} does not exist" in err.reason
    assert err.line == line_of(qemu_with(files), str(files[missing]))


def test_strict_checks_defaults_too(tmp_path: Path) -> None:
    files = host_files(tmp_path)
    text = f'[hypervisor.qemu]\nkernel = "{files["kernel"]}"\nimage = "{files["image"]}"\n'
    err = error(tmp_path, text, strict=True)
    assert err.key == "hypervisor.qemu.path"
    assert "/usr/bin/qemu-lite-system-x86_64" in err.reason and "the default" in err.reason


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ('pflashes = ["/no/flash"]\n', "hypervisor.qemu.pflashes"),
        ('shared_fs = "virtio-fs"\nvirtio_fs_daemon = "/no/virtiofsd"\n', "hypervisor.qemu.virtio_fs_daemon"),
        ('[proxy.kata]\npath = "/no/proxy"\n', "proxy.kata.path"),
        ("[proxy.kata]\n", "proxy.kata.path"),
        ('[shim.kata]\npath = "/no/shim"\n', "shim.kata.path"),
        ("[netmon]\nenable_netmon = true\n", "netmon.path"),
    ],
)
def test_strict_other_paths(tmp_path: Path, extra: str, key: str) -> None:
    files = host_files(tmp_path)
    err = error(tmp_path, qemu_with(files) + extra, strict=True)
    assert err.key == key


def test_strict_unused_paths_are_not_checked(tmp_path: Path) -> None:
    files = host_files(tmp_path)
    extra = 'virtio_fs_daemon = "/no/virtiofsd"\n[netmon]\npath = "/no/netmon"\n'
    load(tmp_path, qemu_with(files) + extra, strict=True)


def test_strict_image_and_initrd_follow_go(tmp_path: Path) -> None:
    files = host_files(tmp_path)
    both = qemu_with(files) + f'initrd = "{files["initrd"]}"\n'
    err = error(tmp_path, both, strict=True)
    assert "having both an image and an initrd" in err.reason
    files["image"].unlink()  # only the initrd exists: it is used, the image dropped
    hc = load(tmp_path, both, strict=True).hypervisor_config
    assert (hc.image_path, hc.initrd_path) == ("", str(files["initrd"]))
    assert hc.kernel_params == [SCSI]
    files["initrd"].unlink()
    err = error(tmp_path, both, strict=True)
    assert err.reason.startswith("Either initrd or image must be set to a valid path (initrd: file ")


def test_strict_image_size_checks(tmp_path: Path) -> None:
    files = host_files(tmp_path)
    text = qemu_with(files, image="initrd") + "default_memory = 3\n"
    files["initrd"].write_bytes(b"")
    assert error(tmp_path, text, strict=True).reason == f'image "{files["initrd"]}" is empty'
    files["initrd"].write_bytes(b"\0" * (3 * 1024 * 1024))
    err = error(tmp_path, text, strict=True)
    assert err.reason == f'VM memory (3MB) smaller than image "{files["initrd"]}" size (3MB)'
    load(tmp_path, text.replace("= 3", "= 4"), strict=True)
    load(tmp_path, text)  # not strict: not measured
    image_text = qemu_with(files, image="initrd").replace("initrd =", "image =") + "default_memory = 3\n"
    load(tmp_path, image_text, strict=True)  # an image only warns


def test_strict_firecracker_needs_vsock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    files = host_files(tmp_path)
    text = qemu_with(files).replace("hypervisor.qemu", "hypervisor.firecracker")
    err = error(tmp_path, text, strict=True)
    assert (err.reason, err.key, err.line) == (
        "No vsock support, firecracker cannot be used",
        "hypervisor.firecracker",
        1,
    )
    monkeypatch.setattr(configfile, "_VHOST_VSOCK", str(files["kernel"]))
    assert load(tmp_path, text, strict=True).hypervisor_type == HypervisorType.FIRECRACKER


# --------------------------------------------------------------------------
# Kata 2.x/3.x files and the .toml.in templates


CORPUS = SHARED / "corpus" / "kata-config"
OTHER_GENERATION = {
    "generated/kata2-runtime/configuration-clh.toml": HypervisorType.CLH,
    "generated/kata2-runtime/configuration-fc.toml": HypervisorType.FIRECRACKER,
    "generated/kata2-runtime/configuration-qemu.toml": HypervisorType.QEMU,
    "generated/kata2-runtime-rs/configuration-qemu-runtime-rs.toml": HypervisorType.QEMU,
    "generated/kata2-runtime-rs/configuration-dragonball.toml": None,  # [hypervisor.dragonball]
    "configuration-qemu.toml": HypervisorType.QEMU,
}


@pytest.mark.parametrize(("name", "expected"), OTHER_GENERATION.items())
def test_kata2_and_kata3_files(name: str, expected: HypervisorType | None) -> None:
    path = shared_path("corpus", "kata-config", *name.split("/"))
    if expected is None:
        with pytest.raises(ConfigError) as info:
            load_runtime_config(path)
        assert info.value.key == "hypervisor.dragonball"
        assert info.value.line == line_of(path.read_text(), "[hypervisor.dragonball]")
        return
    raw = tomllib.loads(path.read_text())
    [hv] = raw["hypervisor"].values()
    config = load_runtime_config(path)
    assert config.hypervisor_type == expected
    assert config.hypervisor_config.image_path == hv["image"]
    assert config.hypervisor_config.kernel_params[-2:] == deserialize_params(hv["kernel_params"].split())
    assert config.proxy_type == (ProxyType.KATA if expected == HypervisorType.QEMU else ProxyType.NO_PROXY)
    assert config.shim_config is None  # 2.x has no [shim.kata]


def templates() -> list[str]:
    if not CORPUS.is_dir():
        return ["kata1-runtime/configuration-qemu.toml.in"]  # skipped by shared_path
    return sorted(str(p.relative_to(CORPUS)) for p in CORPUS.glob("*/*.toml.in"))


@pytest.mark.parametrize("name", templates())
def test_templates_fail_with_the_placeholders_line(name: str) -> None:
    path = shared_path("corpus", "kata-config", *name.split("/"))
    text = path.read_text()
    with pytest.raises(tomllib.TOMLDecodeError) as toml_error:
        tomllib.loads(text)
    with pytest.raises(ConfigError) as info:
        load_runtime_config(path)
    err = info.value
    assert err.line is not None and f"(at line {err.line}," in str(toml_error.value)
    assert "@" in text.splitlines()[err.line - 1]
    assert err.key is not None and err.key.startswith("hypervisor.")


def test_config_error_for_every_failure_is_never_a_bare_exception(tmp_path: Path) -> None:
    for text in (
        "[[hypervisor]]\n",
        "hypervisor = []\n",
        '[hypervisor.qemu]\nimage = ["x"]\n',
        "agent = 1\n",
    ):
        with pytest.raises(ConfigError):
            runtime_config_from_toml(text, file="t.toml")


# --------------------------------------------------------------------------
# Go's TOML parser (BurntSushi/toml v0.3.1, vendored by Kata 1.x) vs tomllib


@pytest.mark.parametrize(
    ("value", "expected"),
    [("02048", 2048), ("+02048", 2048), ("0_2048", 2048), ("00", 0), ("0", 0), ("2048", 2048)],
)
def test_leading_zero_integers_load_as_go_does(value: str, expected: int) -> None:
    config = runtime_config_from_toml(
        f'[hypervisor.qemu]\nimage = "/img"\ndefault_memory = {value}\nmemory_slots = 010 # 10\n'
    )
    assert config.hypervisor_config.memory_size == (expected or 2048)  # 0 means Kata's default
    assert config.hypervisor_config.mem_slots == 10


def test_leading_zeros_elsewhere_are_left_alone() -> None:
    text = (
        '[hypervisor.qemu]\nimage = "/img"\nkernel_params = "a=02048 b c=01"\n'
        "enable_annotations = ['x = 01']\n# default_memory = 0999\n"
        '[agent.kata]\nkernel_modules = ["m", "p=01"]\n'
    )
    config = runtime_config_from_toml(text)
    hc = config.hypervisor_config
    assert [p.value for p in hc.kernel_params[-3:]] == ["02048", "", "01"]
    assert hc.enable_annotations == ["x = 01"]
    assert config.agent_config is not None
    assert config.agent_config.kernel_modules == ["m", "p=01"]


def test_go_toml_text_rewrites_only_values() -> None:
    from kata_oci.configfile import go_toml_text

    assert go_toml_text("a = [01, 2,\n  003]\nb = { c = 07 }\n") == "a = [1, 2,\n  3]\nb = { c = 7 }\n"
    assert (
        go_toml_text("d = 1979-05-27\nt = 07:32:00\nf = 01.5\n") == "d = 1979-05-27\nt = 07:32:00\nf = 1.5\n"
    )
    untouched = "[t]\n01 = 2\ns = '''x = 01'''\n"
    assert go_toml_text(untouched) == untouched


def test_invalid_utf8_in_strings_and_comments_loads_as_go_does(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'# caf\xe9\n[hypervisor.qemu]\nimage = "/img"\nkernel = "/caf\xe9" # \xff\xfe\n')
    config = load_runtime_config(path)
    assert config.hypervisor_config.kernel_path == "/caf\ufffd"
    assert runtime_config_from_toml(path.read_bytes()).hypervisor_config.kernel_path == "/caf\ufffd"


def test_strict_means_unknown_keys_host_checks_are_their_own_switch(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from kata_oci.hostchecks import HostChecks

    text = '[hypervisor.qemu]\nimage = "/nonexistent/img"\nenable_nothing = true\n[netmon]\nfoo = 1\n'
    with caplog.at_level(logging.WARNING, logger="kata_oci"):
        runtime_config_from_toml(text)  # not strict: warned, not refused
    assert "hypervisor.qemu.enable_nothing" in caplog.text
    assert "netmon.foo" in caplog.text
    with pytest.raises(ConfigError) as info:
        runtime_config_from_toml(text, strict=True, host_checks=None)
    assert info.value.key == "hypervisor.qemu.enable_nothing"
    assert info.value.line == 3
    clean = '[hypervisor.qemu]\nimage = "/nonexistent/img"\n'
    runtime_config_from_toml(clean, strict=True, host_checks=None)  # strict alone: no host checks
    with pytest.raises(ConfigError, match="does not exist"):
        runtime_config_from_toml(clean, host_checks=HostChecks())  # host checks alone
    with pytest.raises(ConfigError, match="does not exist"):
        runtime_config_from_toml(clean, strict=True)  # the compatible default: strict does both


def test_host_checks_facts_and_asset_root(tmp_path: Path) -> None:
    from kata_oci.hostchecks import HostChecks

    root = tmp_path / "root"
    for p in ("usr/bin/qemu-lite-system-x86_64", "usr/share/kata-containers/vmlinuz.container", "img"):
        (root / p).parent.mkdir(parents=True, exist_ok=True)
        (root / p).write_bytes(b"x")
    checks = HostChecks(asset_root=str(root), num_cpus=3, arch="ppc64le")
    text = '[hypervisor.qemu]\nimage = "/img"\ndefault_vcpus = 8\n'
    hc = runtime_config_from_toml(text, host_checks=checks).hypervisor_config
    assert (hc.num_vcpus, hc.default_max_vcpus) == (3, 3)
    assert hc.image_path == "/img"
    assert (
        runtime_config_from_toml(
            text, host_checks=HostChecks(num_cpus=200, arch="ppc64le", asset_root=str(root))
        ).hypervisor_config.default_max_vcpus
        == 128
    )


def test_host_facts_without_file_checks() -> None:
    from kata_oci.hostchecks import HostChecks

    facts = HostChecks(num_cpus=6, arch="s390x", check_files=False, vhost_vsock="/nonexistent")
    text = '[hypervisor.firecracker]\nimage = "/nonexistent/img"\ndefault_vcpus = -1\n'
    hc = runtime_config_from_toml(text, host_checks=facts).hypervisor_config
    assert (hc.num_vcpus, hc.default_max_vcpus) == (6, 6)


@pytest.mark.parametrize(
    ("toml", "expected"),
    [
        ('kernel_params = "a=x\x01y"', "x\x01y"),  # a basic string keeps it (escaped for tomllib)
        ("kernel_params = 'a=x\x01\\\\y\"z'", 'x\x01\\\\y"z'),  # a literal one becomes basic
        ('kernel_params = """a=m\x7f"""', "m\x7f"),
        ("kernel_params = '''a=m\x02\\n'''", "m\x02\\n"),
    ],
)
def test_control_characters_in_strings_load_as_go_does(toml: str, expected: str) -> None:
    config = runtime_config_from_toml(f'[hypervisor.qemu]\nimage = "/img"\n{toml}\n# \x01 comment\x1f\n')
    assert config.hypervisor_config.kernel_params[-1] == Param(key="a", value=expected)


def test_control_characters_outside_strings_are_refused() -> None:
    with pytest.raises(ConfigError):
        runtime_config_from_toml('[hypervisor.qemu]\nimage = "/img"\x01\n')
