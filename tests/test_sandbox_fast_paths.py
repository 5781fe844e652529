"""The conversion's hot-path constructions give what the plain general forms give.

The SandboxConfigs are built with at most 15 keywords and the other fields
stored after (a call of 16 keywords or more goes through a dict CPython
builds); the bundle's root filesystem path is ``filepath.Join`` of two
without its loop; ``process.env`` is split in one comprehension. Each is
checked here against the plain form over many inputs.
"""

from __future__ import annotations

import itertools
from typing import Any

import msgspec
import pytest
from structlog.testing import capture_logs

import kata_oci
from kata_oci import golang
from kata_oci.convert import _cmd_envs, _sandbox, bundle_join
from kata_oci.profiles.go import sandbox as gosb, types as gotypes
from kata_oci.profiles.kata1 import types as k1
from kata_oci.sandbox import EnvVar, NetworkConfig, SandboxConfig
from kata_oci.types import Feature

PARTS = ["", "/", ".", "..", "b", "/b", "b/", "/b/", "b//c", "./b", "../b", "b/./c", "b/../c", "rootfs"]
PARTS += ["/a/b/.", "a/.."]


@pytest.mark.parametrize(("bundle", "target"), list(itertools.product(PARTS, PARTS)))
def test_bundle_join_is_filepath_join_of_two(bundle: str, target: str) -> None:
    assert bundle_join(bundle, target) == golang.join(bundle, target)


def _kata1_envs(env: list[str]) -> tuple[list[EnvVar], list[tuple[str, int]]]:
    """Kata 1.x's cmdEnvs, entry by entry: split at the first "=", an entry without one skipped (and said)."""
    out, warned = [], []
    for i, entry in enumerate(env):
        name, sep, value = entry.partition("=")
        if sep:
            out.append(EnvVar(name, value))
        else:
            warned.append(("env_var_skipped", i))
    return out, warned


ENVS = [
    ["A=1"],
    ["A=1", "B=2=3", "C="],
    ["NOEQ"],
    ["A=1", "NOEQ", "=v", "B"],
    ["PATH=/usr/bin:/bin", "TERM=xterm", "X==", "Y=a=b=c"],
    [f"K{i}={'=' * (i % 3)}v{i}" if i % 5 else f"K{i}" for i in range(40)],
]


@pytest.mark.parametrize("env", ENVS)
def test_kata1_cmd_envs_is_the_entry_by_entry_split(env: list[str]) -> None:
    expected, warned = _kata1_envs(env)
    with capture_logs() as logs:
        got = _cmd_envs(env)
    assert got == expected
    assert [(e["event"], e["index"]) for e in logs] == warned


def _kata1_rcs() -> list[k1.RuntimeConfig]:
    feature = Feature(name="newstore", description="d", exp_release="2.0.0")
    return [
        k1.RuntimeConfig(),
        k1.RuntimeConfig(
            hypervisor_type=k1.HypervisorType.QEMU,
            agent_type=k1.AgentType.KATA,
            agent_config=k1.KataAgentConfig(),
            proxy_type=k1.ProxyType.KATA,
            shim_type=k1.ShimType.KATA,
            shim_config=k1.ShimConfig(),
            sandbox_cgroup_only=True,
            enable_agent_pid_ns=True,
            disable_guest_seccomp=True,
            experimental=[feature],
        ),
    ]


@pytest.mark.parametrize("rc", _kata1_rcs())
@pytest.mark.parametrize("systemd_cgroup", [False, True])
def test_kata1_sandbox_is_the_constructor_with_every_field(
    rc: k1.RuntimeConfig, systemd_cgroup: bool
) -> None:
    network = NetworkConfig(net_ns_path="/n")
    fields: dict[str, Any] = {
        "id": "cid",
        "hostname": "h",
        "hypervisor_type": rc.hypervisor_type,
        "hypervisor_config": rc.hypervisor_config,
        "agent_type": rc.agent_type,
        "agent_config": rc.agent_config,
        "proxy_type": rc.proxy_type,
        "proxy_config": rc.proxy_config,
        "shim_type": rc.shim_type,
        "shim_config": rc.shim_config,
        "network_config": network,
        "containers": [],
        "annotations": {"k": "v"},
        "shm_size": 7,
        "systemd_cgroup": systemd_cgroup,
        "sandbox_cgroup_only": rc.sandbox_cgroup_only,
        "enable_agent_pid_ns": rc.enable_agent_pid_ns,
        "disable_guest_seccomp": rc.disable_guest_seccomp,
        "experimental": list(rc.experimental),
    }
    built = _sandbox(rc, network, "cid", "h", [], {"k": "v"}, 7, systemd_cgroup)
    assert built == SandboxConfig(**fields)
    assert built.experimental is not rc.experimental  # a copy, as before
    # every field the constructor does not default is one the conversion sets
    defaulted = {f.name for f in msgspec.structs.fields(SandboxConfig)} - set(fields)
    assert defaulted == {"share_pid_ns", "stateful"}


# (sandbox field, runtime configuration field) for what SandboxConfig() copies in Kata 4.1
GO_COPIED = [
    ("hypervisor_type", "hypervisor_type"),
    ("hypervisor_config", "hypervisor_config"),
    ("agent_config", "agent_config"),
    ("static_resource_mgmt", "static_sandbox_resource_mgmt"),
    ("vfio_mode", "vfio_mode"),
    ("sandbox_cgroup_only", "sandbox_cgroup_only"),
    ("sandbox_bind_mounts", "sandbox_bind_mounts"),
    ("disable_guest_seccomp", "disable_guest_seccomp"),
    ("empty_dir_mode", "empty_dir_mode"),
    ("enable_vcpus_pinning", "enable_vcpus_pinning"),
    ("guest_selinux_label", "guest_selinux_label"),
    ("experimental", "experimental"),
    ("create_container_timeout", "create_container_timeout"),
    ("force_guest_pull", "force_guest_pull"),
    ("kubelet_root_dir", "kubelet_root_dir"),
]


def _go_rcs() -> list[gotypes.RuntimeConfig]:
    return [
        gotypes.RuntimeConfig(),
        gotypes.RuntimeConfig(
            hypervisor_type=gotypes.HypervisorType.QEMU,
            hypervisor_config=gotypes.HypervisorConfig(num_vcpus_f=2.0),
            sandbox_bind_mounts=["/a", "/b:ro"],
            experimental=[Feature(name="f")],
            vfio_mode=list(gotypes.VFIOModeType)[-1],
            disable_guest_seccomp=True,
            enable_vcpus_pinning=True,
            guest_selinux_label="l",
            sandbox_cpus=1.5,
            sandbox_mem_mb=256,
            static_sandbox_resource_mgmt=True,
            disable_new_net_ns=True,
            sandbox_cgroup_only=True,
            empty_dir_mode="shared-fs",
            create_container_timeout=30,
            force_guest_pull=True,
            kubelet_root_dir="/k",
            inter_network_model=list(gotypes.NetInterworkingModel)[-1],
        ),
    ]


def _go_expected(rc: gotypes.RuntimeConfig, **more: Any) -> gosb.SandboxConfig:
    fields: dict[str, Any] = {mine: getattr(rc, theirs) for mine, theirs in GO_COPIED}
    fields["sandbox_bind_mounts"] = list(rc.sandbox_bind_mounts)
    fields["experimental"] = list(rc.experimental)
    fields["sandbox_resources"] = gosb.SandboxResourceSizing(
        workload_cpus=rc.sandbox_cpus, workload_mem_mb=rc.sandbox_mem_mb
    )
    fields.update(more)
    return gosb.SandboxConfig(**fields)


@pytest.mark.parametrize("rc", _go_rcs())
def test_go_runtime_sandbox_is_the_constructor_with_every_field(rc: gotypes.RuntimeConfig) -> None:
    network = gosb.NetworkConfig(
        interworking_model=rc.inter_network_model, disable_new_network=rc.disable_new_net_ns
    )
    built = gosb.runtime_sandbox(rc)
    assert built == _go_expected(rc, network_config=network)
    assert built.sandbox_bind_mounts is not rc.sandbox_bind_mounts
    assert built.experimental is not rc.experimental


@pytest.mark.parametrize("rc", _go_rcs())
@pytest.mark.parametrize("systemd_cgroup", [False, True])
def test_go_base_sandbox_is_the_constructor_with_every_field(
    rc: gotypes.RuntimeConfig, systemd_cgroup: bool, tmp_path: Any
) -> None:
    spec = kata_oci.decode_spec(
        b'{"ociVersion": "1.0.2", "hostname": "h", "root": {"path": "rootfs"}, "process": {"cwd": "/"},'
        b' "linux": {"resources": {}}, "annotations": {"a": "b"}}'
    )
    engine = kata_oci.default_engine()
    built = gosb._base_sandbox(spec, rc, str(tmp_path), "cid", False, systemd_cgroup, engine, False)
    container = gosb.container_config(spec, str(tmp_path), "cid", engine=engine)
    expected = _go_expected(
        rc,
        id="cid",
        hostname="h",
        network_config=gosb.network_config(spec, "cid", rc),
        containers=[container],
        annotations={"io.katacontainers.pkg.oci.bundle_path": str(tmp_path)},
        shm_size=0,
        systemd_cgroup=systemd_cgroup,
    )
    assert built == expected
    untouched = {f.name for f in msgspec.structs.fields(gosb.SandboxConfig)} - {m for m, _ in GO_COPIED}
    assert untouched - {
        "id",
        "hostname",
        "network_config",
        "containers",
        "annotations",
        "shm_size",
        "systemd_cgroup",
        "sandbox_resources",
    } == {"volumes", "share_pid_ns"}


def test_kata1_mounts_hold_the_spec_mounts_options_lists() -> None:
    # As Go's slice: the same list, no copy per mount (a copy per mount is a tracked list each, and
    # a thousand mounts then set off garbage collections); a mount without options gets its own [].
    spec = kata_oci.decode_spec(
        b'{"root": {"path": "/r"}, "process": {"cwd": "/"}, "linux": {},'
        b' "mounts": [{"destination": "/a", "options": ["rbind", "ro"]}, {"destination": "/b"},'
        b' {"destination": "/c", "options": []}, {"destination": "/d"}]}'
    )
    config = kata_oci.container_config(spec, "/bundle", "cid")
    assert spec.mounts is not None
    a, b, c, d = config.mounts
    assert a.options is spec.mounts[0].options and a.read_only
    assert c.options is spec.mounts[2].options and not c.read_only
    assert b.options == [] and d.options == [] and b.options is not d.options and not b.read_only
    assert [m.options for m in config.mounts] == [["rbind", "ro"], [], [], []]


HOT_MODULES = [
    "kata_oci/convert.py",
    "kata_oci/profiles/go/sandbox.py",
    "kata_oci/spec.py",
    "kata_oci/readfile.py",
]


@pytest.mark.parametrize("module", HOT_MODULES)
def test_no_call_on_the_conversion_paths_passes_16_keywords(module: str) -> None:
    # CPython 3.11 builds a dict for a call of 16 keywords or more (CALL_FUNCTION_EX): ~1 us on a
    # struct construction, the largest single cost SandboxConfig alone had.
    import ast
    from pathlib import Path

    tree = ast.parse((Path(kata_oci.__file__).parent.parent / module).read_text())
    wide = [
        f"{module}:{node.lineno} {ast.unparse(node.func)} ({len(node.keywords)} keywords)"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and len(node.keywords) * 2 + len(node.args) > 30
    ]
    assert wide == []


# -- a spec without annotations skips the override pass (AnnotationTable.config_passes) ----------

_SHARED_FS = ["virtio-fs", "virtio-9p", "virtio-fs-nydus", ""]
_DAEMONS = ["", "/usr/libexec/virtiofsd"]
_SECTORS = [(0, 0), (512, 4096), (4096, 4096), (4096, 512), (4096, 0), (0, 512)]


def _full_pass(table: Any, sandbox: Any, rc: Any) -> tuple[str | None, bool]:
    """What the whole pass (no shortcut) says of a spec without annotations: (config error, rejected)."""
    from kata_oci.overrides import _evaluate

    found = _evaluate(None, sandbox, rc, {}, False, False, True, None, table)
    # the shortcut returns the sandbox as it is: the whole pass must make no update either
    assert (found.groups, found.assets, found.decisions) == ({}, {}, [])
    return (str(found.config_error) if found.config_error else None), found.rejected


def _no_annotations_cases() -> list[tuple[str, Any, Any]]:
    from kata_oci.convert import runtime_sandbox_config
    from kata_oci.profiles.go.annotate import GO_TABLE
    from kata_oci.profiles.kata1.annotate import KATA1_TABLE

    cases = []
    for fs, daemon in itertools.product(_SHARED_FS, _DAEMONS):
        rc = k1.RuntimeConfig(hypervisor_config=k1.HypervisorConfig(shared_fs=fs, virtio_fs_daemon=daemon))
        cases.append(("kata1", KATA1_TABLE, (runtime_sandbox_config(rc), rc)))
        for logical, physical in _SECTORS:
            hyp = gotypes.HypervisorConfig(
                shared_fs=fs,
                virtio_fs_daemon=daemon,
                block_device_logical_sector_size=logical,
                block_device_physical_sector_size=physical,
            )
            grc = gotypes.RuntimeConfig(hypervisor_config=hyp)
            cases.append(("go", GO_TABLE, (gosb.runtime_sandbox(grc), grc)))
    return cases


@pytest.mark.parametrize(("name", "table", "pair"), _no_annotations_cases())
@pytest.mark.parametrize("annotations", [None, {}])
def test_a_spec_without_annotations_gets_the_whole_pass_verdict(
    name: str, table: Any, pair: tuple[Any, Any], annotations: dict[str, str] | None
) -> None:
    from kata_oci.overrides import apply_overrides

    sandbox, rc = pair
    error, rejected = _full_pass(table, sandbox, rc)
    assert not rejected  # no annotation: nothing to reject, only the configuration can fail
    assert table.config_passes(sandbox) is (error is None)
    if error is None:
        assert apply_overrides(annotations, sandbox, rc, features={}, table=table) is sandbox
    else:
        with pytest.raises(kata_oci.ConfigError) as exc:
            apply_overrides(annotations, sandbox, rc, features={}, table=table)
        assert str(exc.value) == error


def test_the_no_annotations_cases_cover_both_verdicts() -> None:
    verdicts = {(name, table.config_passes(pair[0])) for name, table, pair in _no_annotations_cases()}
    assert verdicts == {("kata1", True), ("kata1", False), ("go", True), ("go", False)}


# -- a hostile process.env costs no warning per entry past a bound -------------------------------


@pytest.mark.parametrize("profile", ["kata1", "go"])
def test_env_entries_without_equals_warn_up_to_a_bound_then_count(profile: str) -> None:
    from kata_oci.convert import ENV_WARNINGS, _cmd_envs as kata1_envs
    from kata_oci.profiles.go.sandbox import _cmd_envs as go_envs

    envs = kata1_envs if profile == "kata1" else go_envs
    env = [f"BAD{i}" if i % 2 else f"OK{i}=v" for i in range(1000)]
    with capture_logs() as logs:
        got = envs(env)
    assert [e.var for e in got] == [f"OK{i}" for i in range(0, 1000, 2)]
    each = [e for e in logs if e["event"] == "env_var_skipped"]
    assert [e["index"] for e in each] == list(range(1, 2 * ENV_WARNINGS, 2))
    assert [(e["event"], e["count"], e["shown"]) for e in logs if e["event"] == "env_vars_skipped"] == [
        ("env_vars_skipped", 500, ENV_WARNINGS)
    ]


def test_go_env_cut_debug_events_stop_at_the_bound() -> None:
    import logging

    from kata_oci.convert import ENV_WARNINGS
    from kata_oci.profiles.go.sandbox import _cmd_envs

    env = [f"V{i}=a=b" for i in range(100)]
    logger = logging.getLogger("kata_oci")
    level = logger.level
    logger.setLevel(logging.DEBUG)
    try:
        with capture_logs() as logs:
            got = _cmd_envs(env)
    finally:
        logger.setLevel(level)
    assert [(e.var, e.value) for e in got] == [(f"V{i}", "a") for i in range(100)]
    assert [e["index"] for e in logs if e["event"] == "env_var_cut"] == list(range(ENV_WARNINGS))


def test_env_entries_are_not_walked_again_when_no_warning_is_heard(monkeypatch: pytest.MonkeyPatch) -> None:
    import kata_oci.convert as convert

    walked: list[int] = []
    monkeypatch.setattr(convert, "warn_skipped_envs", lambda env: walked.append(len(env)))
    monkeypatch.setattr(type(convert.log), "enabled", lambda self, level: False)
    assert convert._cmd_envs(["A", "B=1"]) == [EnvVar("B", "1")]
    assert walked == []
    monkeypatch.setattr(type(convert.log), "enabled", lambda self, level: True)
    convert._cmd_envs(["A", "B=1"])
    assert walked == [2]
