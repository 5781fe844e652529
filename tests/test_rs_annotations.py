"""The rs profile's annotation step, ported from kata-types' own tests (7c6ba40).

Sources: src/libs/kata-types/tests/test_config.rs (with its fixtures in
tests/fixtures/rs/), src/libs/kata-types/src/initdata.rs ``mod tests``, and the
``update_config_by_annotation`` code for the behaviours the issue lists.
"""

from __future__ import annotations

import base64
import gzip
from pathlib import Path

import pytest

from kata_oci.errors import AnnotationError, ConfigError
from kata_oci.overrides import Outcome
from kata_oci.profiles.rs import annotate, loader
from kata_oci.profiles.rs.annotate import WARNS, plan_annotations, replace_kernel_params
from kata_oci.profiles.rs.hypervisors import HostFacts
from kata_oci.profiles.rs.table import BY_KEY, DECLARATIONS, RsKind
from kata_oci.profiles.rs.types import TomlConfig

from helpers import FIXTURES

A = "io.katacontainers.config."
H = A + "hypervisor."


def anno0() -> TomlConfig:
    return loader.load_runtime_config(FIXTURES / "rs" / "configuration-anno-0.toml")


def anno1() -> TomlConfig:
    return loader.load_runtime_config(FIXTURES / "rs" / "configuration-anno-1.toml")


def verdict(plan: annotate.RsOverridePlan, key: str) -> annotate.Decision:
    (d,) = [d for d in plan.decisions if d.key == key]
    return d


# --------------------------------------------------------------------------- test_config.rs


def test_change_config_annotation() -> None:
    """test_change_config_annotation (host checks off: the Rust test mkdirs the paths it names)."""
    annotations = {
        A + "agent.kernel_modules": "j465 aaa=1;r33w",
        A + "agent.enable_tracing": "false",
        A + "agent.container_pipe_size": "3",
        H + "path": "./hypervisor_path",
        H + "block_device_driver": "device",
        H + "block_device_cache_noflush": "false",
        H + "vhost_user_store_path": "./store_path",
        A + "runtime.disable_guest_seccomp": "true",
        H + "guest_hook_path": "./test_hypervisor_hook_path",
        H + "enable_mem_prealloc": "false",
        H + "default_vcpus": "12",
        A + "runtime.enable_pprof": "false",
        H + "enable_guest_swap": "false",
        H + "default_memory": "100MiB",
        H + "enable_iothreads": "false",
        H + "indep_iothreads": "3",
        H + "enable_hugepages": "false",
        H + "jailer_path": "./test_jailer_path",
        H + "kernel": "./test_kernel_path",
        H + "memory_slots": "100",
        H + "virtio_fs_extra_args": "rr,dg,er",
        H + "enable_virtio_mem": "false",
        H + "virtio_fs_daemon": "./virtio_fs",
        A + "runtime.experimental": "c,d,e",
    }
    plan = plan_annotations(annotations, anno0())
    assert all(d.outcome is Outcome.APPLIED for d in plan.decisions), plan.decisions
    config = plan.result()
    ag, hv = config.agent["agent0"], config.hypervisor["qemu"]
    assert ag.kernel_modules == [
        "e1000e InterruptThrottleRate=3000,3000,3000 EEE=1",
        "i915_enabled_ppgtt=0",
        "j465 aaa=1",
        "r33w",
    ]
    assert not ag.enable_tracing and ag.container_pipe_size == 3
    assert hv.path == "./hypervisor_path"
    assert hv.blockdev_info.block_device_driver == "device"
    assert not hv.blockdev_info.block_device_cache_noflush and hv.blockdev_info.block_device_cache_set
    assert hv.blockdev_info.vhost_user_store_path == "./store_path"
    assert hv.security_info.guest_hook_path == "./test_hypervisor_hook_path"
    assert not hv.memory_info.enable_mem_prealloc
    assert hv.cpu_info.default_vcpus == 12.0
    assert not hv.memory_info.enable_guest_swap
    assert hv.memory_info.default_memory == 100
    assert not hv.enable_iothreads and hv.indep_iothreads == 3
    assert not hv.memory_info.enable_hugepages
    assert hv.jailer_path == "./test_jailer_path"
    assert hv.boot_info.kernel == "./test_kernel_path"
    assert hv.memory_info.memory_slots == 100
    assert hv.shared_fs.virtio_fs_extra_args[5:] == ["rr", "dg", "er"]
    assert not hv.memory_info.enable_virtio_mem
    assert hv.shared_fs.virtio_fs_daemon == "./virtio_fs"
    assert config.runtime.disable_guest_seccomp and not config.runtime.enable_pprof
    assert config.runtime.experimental == ["a", "b", "c", "d", "e"]
    # the input configuration is untouched
    assert anno0().runtime.experimental == ["a", "b"]


def test_fail_to_change_block_device_driver_because_not_enabled() -> None:
    plan = plan_annotations({H + "block_device_driver": "fvfvfvfvf"}, anno1())
    d = verdict(plan, H + "block_device_driver")
    assert d.outcome is Outcome.IGNORED and d.reason.startswith(WARNS)
    assert plan.result().hypervisor["qemu"].blockdev_info.block_device_driver == "virtio-blk"


def test_fail_to_change_enable_guest_swap_because_not_enabled() -> None:
    plan = plan_annotations({H + "enable_guest_swap": "false"}, anno1())
    assert verdict(plan, H + "enable_guest_swap").outcome is Outcome.IGNORED
    assert plan.result().hypervisor["qemu"].memory_info.enable_guest_swap is True


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        (H + "path", "/usr/bin/nle", "Path /usr/bin/nle is not permitted"),  # ..._invalid_path
        (H + "memory_slots", "-1", "parse u32 error"),  # ..._less_than_zero
        (H + "default_memory", "10", "less than minimum limitation 64"),
        (H + "default_vcpus", "400", "Vcpus specified in annotation 400 is more than maximum limitation 256"),
        (H + "enable_guest_swap", "false1", "parse bool error"),
        (H + "default_vcpus", "ddc", "parse i32 error"),
        (A + "runtime.name", "other-container", "runtime specified in annotation other-container is not in"),
        (H + "blk_logical_sector_size", "1000", "invalid sector size 1000"),
        (H + "blk_physical_sector_size", "256", "invalid sector size 256"),
        (H + "blk_logical_sector_size", "131072", "invalid sector size 131072"),
    ],
)
def test_fail_to_change(key: str, value: str, reason: str) -> None:
    plan = plan_annotations({key: value}, anno0())
    d = verdict(plan, key)
    assert d.outcome is Outcome.REJECTED
    assert reason in d.reason
    with pytest.raises(AnnotationError):
        plan.result()


def test_fail_to_change_kernel_path_because_of_invalid_path(tmp_path: Path) -> None:
    host = HostFacts(cpus=4, memory_mib=8192, root=str(tmp_path))
    plan = plan_annotations({H + "kernel": "/usr/bin/cdcd"}, anno0(), host_checks=host)
    assert verdict(plan, H + "kernel").outcome is Outcome.REJECTED
    # without host checks the path is taken, with a hint that runtime-rs checks it on the node
    d = verdict(plan_annotations({H + "kernel": "/usr/bin/cdcd"}, anno0()), H + "kernel")
    assert d.outcome is Outcome.APPLIED and "exist on the node" in (d.hint or "")


def test_block_device_sector_size_annotations_valid() -> None:
    hv = (
        plan_annotations(
            {H + "blk_logical_sector_size": "512", H + "blk_physical_sector_size": "4096"}, anno0()
        )
        .result()
        .hypervisor["qemu"]
    )
    assert (
        hv.blockdev_info.block_device_logical_sector_size,
        hv.blockdev_info.block_device_physical_sector_size,
    ) == (
        512,
        4096,
    )
    hv = (
        plan_annotations({H + "blk_logical_sector_size": "0", H + "blk_physical_sector_size": "0"}, anno0())
        .result()
        .hypervisor["qemu"]
    )
    assert hv.blockdev_info.block_device_logical_sector_size == 0


def test_logical_sector_larger_than_physical() -> None:
    plan = plan_annotations(
        {H + "blk_logical_sector_size": "4096", H + "blk_physical_sector_size": "512"}, anno0()
    )
    for key in (H + "blk_logical_sector_size", H + "blk_physical_sector_size"):
        d = verdict(plan, key)
        assert d.outcome is Outcome.REJECTED and "must not be larger than physical" in d.reason


# --------------------------------------------------------------------------- initdata.rs tests


def _gz64(text: str) -> str:
    return base64.b64encode(gzip.compress(text.encode())).decode()


def test_initdata_empty_valid_and_broken() -> None:
    config = anno0()
    config.hypervisor["qemu"].security_info.enable_annotations = ["cc_init_data"]
    key = H + "cc_init_data"
    toml = 'algorithm = "sha384"\nversion = "0.1.0"\n[data]\n"a.toml" = "x"\n'
    plan = plan_annotations({key: _gz64(toml)}, config)
    assert plan.result().hypervisor["qemu"].security_info.initdata == toml
    assert plan_annotations({key: ""}, config).result().hypervisor["qemu"].security_info.initdata == ""
    # runtime-rs panics (unwrap) on these; kata-oci rejects them naming the step
    d = verdict(plan_annotations({key: "This is not valid base64!"}, config), key)
    assert d.outcome is Outcome.REJECTED and "base64 decode" in d.reason and "panics" in d.reason
    not_gzip = base64.b64encode(b"This is not gzipped content").decode()
    d = verdict(plan_annotations({key: not_gzip}, config), key)
    assert d.outcome is Outcome.REJECTED and "gz decoder failed" in d.reason
    truncated = base64.b64encode(gzip.compress(b"x" * 1000)[:-12]).decode()
    assert verdict(plan_annotations({key: truncated}, config), key).outcome is Outcome.REJECTED
    bomb = base64.b64encode(gzip.compress(b"\0" * (17 << 20))).decode()
    d = verdict(plan_annotations({key: bomb}, config), key)
    assert d.outcome is Outcome.REJECTED and "kata-oci's limit" in d.reason


# --------------------------------------------------------------------------- the differences


def _qemu(enable: list[str]) -> TomlConfig:
    config = anno0()
    config.hypervisor["qemu"].security_info.enable_annotations = enable
    return config


def test_not_enabled_is_only_a_warning_never_silent() -> None:
    plan = plan_annotations({H + "default_memory": "4096", H + "no_such": "1"}, _qemu([]))
    d = verdict(plan, H + "default_memory")
    assert d.outcome is Outcome.IGNORED and d.reason.startswith(WARNS) and "not enabled" in d.reason
    assert "enable_annotations" in (d.hint or "")
    assert verdict(plan, H + "no_such").outcome is Outcome.UNKNOWN
    assert plan.result().hypervisor["qemu"].memory_info.default_memory == 128
    assert len(plan.warned) == 2


def test_enabled_unknown_or_hash_key_is_invalid_annotation_type() -> None:
    plan = plan_annotations({H + "kernel_hash": "abc", H + "ctlpath": "/x"}, _qemu([".*"]))
    for key in (H + "kernel_hash", H + "ctlpath"):
        d = verdict(plan, key)
        assert d.outcome is Outcome.REJECTED and d.reason == f"Invalid annotation type {key}"


def test_one_invalid_pattern_disables_every_key() -> None:
    plan = plan_annotations({H + "default_memory": "4096"}, _qemu(["default_memory", "("]))
    d = verdict(plan, H + "default_memory")
    assert d.outcome is Outcome.IGNORED and "RegexSet::new fails" in d.reason


def test_booleans_only_true_false_and_values_trimmed() -> None:
    config = _qemu([".*"])
    assert (
        verdict(plan_annotations({H + "enable_iommu": "1"}, config), H + "enable_iommu").outcome
        is Outcome.REJECTED
    )
    plan = plan_annotations({H + "enable_iommu": " true\n", H + "memory_slots": "\t7 "}, config)
    hv = plan.result().hypervisor["qemu"]
    assert hv.device_info.enable_iommu is True and hv.memory_info.memory_slots == 7


def test_default_memory_units_and_unparsable_ignored() -> None:
    config = _qemu(["default_memory"])
    assert (
        plan_annotations({H + "default_memory": "2 GiB"}, config)
        .result()
        .hypervisor["qemu"]
        .memory_info.default_memory
        == 2048
    )
    plan = plan_annotations({H + "default_memory": "lots"}, config)
    d = verdict(plan, H + "default_memory")
    assert d.outcome is Outcome.IGNORED and "failed to parse byte" in d.reason
    assert plan.result().hypervisor["qemu"].memory_info.default_memory == 128


def test_kernel_modules_append_and_comma_lists_split() -> None:
    config = _qemu(["virtio_fs_extra_args"])
    plan = plan_annotations(
        {
            A + "agent.kernel_modules": "a;b",
            H + "virtio_fs_extra_args": "x,,y",
            A + "runtime.experimental": "",
        },
        config,
    )
    c = plan.result()
    assert c.agent["agent0"].kernel_modules[-2:] == ["a", "b"]
    assert c.hypervisor["qemu"].shared_fs.virtio_fs_extra_args[-3:] == ["x", "", "y"]
    assert c.runtime.experimental == ["a", "b", ""]  # "".split(',') is [""] in Rust too


def test_hypervisor_and_agent_name_switch_without_gate() -> None:
    config = _qemu([])
    config.hypervisor["clh"] = config.hypervisor["qemu"].__copy__()
    config.hypervisor["clh"].memory_info.default_memory = 512
    plan = plan_annotations({A + "runtime.hypervisor_name": "clh", A + "runtime.agent_name": "nope"}, config)
    assert verdict(plan, A + "runtime.hypervisor_name").outcome is Outcome.APPLIED
    assert verdict(plan, A + "runtime.agent_name").outcome is Outcome.IGNORED
    c = plan.result()
    assert c.runtime.hypervisor_name == "clh" and c.runtime.agent_name == "agent0"


def test_path_lists_are_string_globs_where_star_crosses_slash() -> None:
    config = _qemu(["path"])
    config.hypervisor["qemu"].valid_hypervisor_paths = ["/opt/*"]
    d = verdict(plan_annotations({H + "path": "/opt/a/b/qemu"}, config), H + "path")
    assert d.outcome is Outcome.APPLIED  # no existence check, * crosses /


def test_sandbox_bind_mounts_refused_with_a_warning() -> None:
    d = verdict(
        plan_annotations({A + "runtime.sandbox_bind_mounts": "/etc"}, anno0()),
        A + "runtime.sandbox_bind_mounts",
    )
    assert d.outcome is Outcome.IGNORED and "not permitted" in d.reason


def test_create_container_timeout_overflow_is_rejected_not_wrapped() -> None:
    key = A + "runtime.create_container_timeout"
    assert plan_annotations({key: "60"}, anno0()).result().agent["agent0"].request_timeout_ms == 60000
    d = verdict(plan_annotations({key: "4294968"}, anno0()), key)
    assert d.outcome is Outcome.REJECTED and "wrap" in d.reason


def test_shared_mounts_json() -> None:
    key = A + "runtime.shared_mounts"
    value = '[{"name":"m","src_ctr":"a","src_path":"/p","dst_ctr":"b","dst_path":"/q"}]'
    c = plan_annotations({key: value}, anno0()).result()
    assert c.runtime.shared_mounts[0].dst_path == "/q"
    assert verdict(plan_annotations({key: "[{"}, anno0()), key).outcome is Outcome.REJECTED
    assert verdict(plan_annotations({key: '[{"bogus":1}]'}, anno0()), key).outcome is Outcome.REJECTED


def test_replace_kernel_params() -> None:
    assert (
        replace_kernel_params("ro quiet console=hvc0", "console=ttyS0 debug")
        == "ro quiet console=ttyS0 debug"
    )
    assert replace_kernel_params("a=1  b", "") == "a=1  b"
    assert replace_kernel_params("a= b", "c") == "a b c"  # "a=" is kept as "a"


def test_missing_names_are_configuration_errors() -> None:
    config = anno0()
    config.runtime.name = ""
    plan = plan_annotations({H + "default_memory": "1"}, config)
    with pytest.raises(ConfigError, match="Runtime name is missing"):
        plan.result()


def test_unsupported_rust_regex_is_a_clear_configuration_error() -> None:
    plan = plan_annotations({H + "default_memory": "4096"}, _qemu(["[a&&b]"]))
    with pytest.raises(ConfigError, match="cannot evaluate"):
        plan.result()


def test_strict_rejects_unknown_keys() -> None:
    plan = plan_annotations({A + "agent.nope": "1"}, anno0(), strict=True)
    assert verdict(plan, A + "agent.nope").outcome is Outcome.REJECTED
    plan = plan_annotations({A + "agent.nope": "1"}, anno0())
    d = verdict(plan, A + "agent.nope")
    assert d.outcome is Outcome.UNKNOWN and d.reason.startswith(WARNS)


def test_removed_key_hint() -> None:
    d = verdict(plan_annotations({A + "runtime.cc_init_data": "x"}, anno0()), A + "runtime.cc_init_data")
    assert d.hint == "renamed to io.katacontainers.config.hypervisor.cc_init_data"


# --------------------------------------------------------------------------- the table


def test_table_has_one_row_per_key_of_update_config_by_annotation() -> None:
    assert len(BY_KEY) == len(DECLARATIONS)
    kinds = {d.kind for d in DECLARATIONS}
    assert RsKind.INVALID in kinds and RsKind.SWITCH in kinds
    d = BY_KEY[H + "default_vcpus"]
    assert d.gated and d.target == "hypervisor.<name>.cpu_info.default_vcpus"
    assert not BY_KEY[A + "agent.kernel_modules"].gated
    assert BY_KEY[H + "path"].unsafe and not BY_KEY[H + "memory_slots"].unsafe
    assert any("str::parse::<bool>" in c for c in BY_KEY[H + "enable_iommu"].checks())


def test_adjust_failure_on_the_host_is_charged_to_its_annotation(tmp_path: Path) -> None:
    # prefetch_files.list is taken as written, then adjust_config resolves it on the host
    config = loader.loads(
        '[hypervisor.qemu]\nenable_annotations = [".*"]\n[agent.kata]\n'
        '[runtime]\nname = "virt_container"\nhypervisor_name = "qemu"\nagent_name = "kata"\n'
    )
    for name in ("usr/bin/qemu-system-x86_64", "vmlinuz", "dev/urandom"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("")
    host = HostFacts(cpus=2, memory_mib=4096, root=str(tmp_path))
    annotations = {H + "prefetch_files.list": "/no/such/list", H + "memory_slots": "8"}
    plan = plan_annotations(annotations, config, host_checks=host)
    d = verdict(plan, H + "prefetch_files.list")
    assert d.outcome is Outcome.REJECTED and "adjust_config fails" in d.reason
    assert verdict(plan, H + "memory_slots").outcome is Outcome.APPLIED
    one = plan_annotations({H + "prefetch_files.list": "/no/such/list"}, config, host_checks=host)
    assert verdict(one, H + "prefetch_files.list").outcome is Outcome.REJECTED
    # without host checks, nothing is resolved: applied
    assert (
        verdict(plan_annotations(annotations, config), H + "prefetch_files.list").outcome is Outcome.APPLIED
    )
