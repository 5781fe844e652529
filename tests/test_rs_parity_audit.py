"""Parity audit of the rs profile against runtime-rs / kata-types 4.1.0 (7c6ba40).

Each test names the Rust code it checks. Float vectors were produced by ``str::parse::<f32>``
of rustc 1.95 (core::num::dec2flt), the parser kata-types' ``Annotation::get_value::<f32>``
uses for ``default_vcpus`` (src/libs/kata-types/src/annotations/mod.rs,
``update_config_by_annotation``).
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any

import pytest

from kata_oci.overrides import Decision, Outcome
from kata_oci.profiles.rs.annotate import plan_annotations
from kata_oci.rust import parse_f32

from helpers import FIXTURES


def _bits(x: float) -> int:
    return int(struct.unpack("<I", struct.pack("<f", x))[0]) if x != float("inf") else 0x7F800000


# (input, the f32 bits Rust's str::parse::<f32> returns): decimals within a few units of the
# 29th significant digit of a point halfway between two f32 values, where a decimal rounded
# to 28 digits decides the wrong way; and the overflow boundary (f32::MAX + ulp/2 = 2^128 - 2^103).
F32_VECTORS = [
    ("6.4265045086017624819007996936847360e+34", 0x7946082E),
    ("1.0215422258430047415800403499748950016e+37", 0x7CF5ED66),
    ("1.54195737792052422032312539436999791202899835200993786809990e-33", 0x090019CF),
    ("6.9248873670914312672408641446863883936405181884765625e-13", 0x2B42EB12),
    ("2.98124447992834659391700934371033695386655937776718919979268e-30", 0x0E71DE06),
    ("3.8740703679083956481168070672384e+31", 0x73F47CFC),
    ("1.92374010985368780799999999999999e+18", 0x5DD593FB),
    ("3.3645074841599999999999999999e+12", 0x5443D711),
    ("2.08880223999999999999999999999999999e+9", 0x4EF9012F),
    ("3.4028235677973366e38", 0x7F7FFFFF),  # just below the boundary: f32::MAX
    ("3.40282356779733661637539395458142568448e38", 0x7F800000),  # the boundary: ties to inf
    ("3.4028235e38", 0x7F7FFFFF),
    ("1.00000005960464477539062499", 0x3F800000),
    ("1.000000059604644775390625", 0x3F800000),
    ("1.00000005960464477539062501", 0x3F800001),
]


@pytest.mark.parametrize(("text", "bits"), F32_VECTORS)
def test_parse_f32_rounds_as_rust(text: str, bits: int) -> None:
    """core ``<f32 as FromStr>::from_str``: correctly rounded from the whole decimal."""
    assert _bits(parse_f32(text)) == bits
    assert _bits(-parse_f32("-" + text)) == bits


# --------------------------------------------------------------------------- annotations


A = "io.katacontainers.config."
H = A + "hypervisor."


def _config(enable: str = '".*"') -> Any:
    text = (FIXTURES / "rs" / "configuration-anno-1.toml").read_text()
    text = re.sub(r"(?m)^enable_annotations = .*$", f"enable_annotations = [{enable}]", text)
    return _load(text)


def _load(text: str) -> Any:
    import tempfile

    from kata_oci.profiles.rs import loader

    with tempfile.TemporaryDirectory() as d:
        path = Path(d) / "configuration.toml"
        path.write_text(text)
        return loader.load_runtime_config(path)


def _verdict(annotations: dict[str, str], enable: str = '".*"') -> Decision:
    plan = plan_annotations(annotations, _config(enable))
    (d,) = plan.decisions
    return d


def test_shared_mounts_duplicate_field_is_rejected() -> None:
    """``serde_json::from_str::<Vec<SharedMount>>`` (annotations/mod.rs, runtime.shared_mounts):
    serde's derived ``Deserialize`` fails on a field given twice ("duplicate field `name`")."""
    mount = '"src_ctr":"a","src_path":"/p","dst_ctr":"b","dst_path":"/q"'
    d = _verdict({A + "runtime.shared_mounts": f'[{{"name":"x","name":"y",{mount}}}]'})
    assert d.outcome is Outcome.REJECTED
    assert "duplicate field `name`" in d.reason
    d = _verdict({A + "runtime.shared_mounts": f'[{{"name":"x",{mount}}}]'})
    assert d.outcome is Outcome.APPLIED


_MINIMAL = """
[hypervisor.qemu]
path = "/usr/bin/qemu-system-x86_64"
kernel = "/usr/share/kata-containers/vmlinux.container"
image = "/usr/share/kata-containers/kata-containers.img"
default_maxvcpus = 8
enable_annotations = [".*"]

[agent.kata]

[runtime]
name = "virt-container"
hypervisor_name = "qemu"
agent_name = "kata"
"""


def test_default_vcpus_above_maxvcpus_is_clamped_without_host() -> None:
    """``CpuInfo::adjust_config`` (config/hypervisor/mod.rs) ends with
    ``if default_vcpus > default_maxvcpus { default_vcpus = default_maxvcpus }``, whatever the
    host: after ``update_config_by_annotation``'s ``adjust_config`` the later ``validate()``
    ("default_vcpus(..) is greater than default_maxvcpus(..)") cannot fail on an annotation."""
    from kata_oci.profiles.rs.sandbox import plan_sandbox
    from kata_oci.spec import Spec

    plan = plan_sandbox(Spec(annotations={H + "default_vcpus": "100"}), _load(_MINIMAL))
    assert plan.config_error is None
    (d,) = plan.decisions
    assert d.outcome is Outcome.APPLIED
    assert plan.config is not None
    assert plan.config.hypervisor["qemu"].cpu_info.default_vcpus == 8.0


def test_symlinked_dropin_is_refused(tmp_path: Path) -> None:
    """``drop_in::update_from_dropin`` (config/drop_in.rs) tests ``DirEntry::file_type()``,
    which does not follow symlinks: a symlinked drop-in fails with "drop-in cfg file can only
    be a regular file or a symlink" (checked with rustc: a symlink's ``is_file()`` is false)."""
    from kata_oci.errors import ConfigError
    from kata_oci.profiles.rs import loader

    base = tmp_path / "configuration.toml"
    base.write_text(_MINIMAL)
    (tmp_path / "config.d").mkdir()
    real = tmp_path / "memory.toml"
    real.write_text("[hypervisor.qemu]\ndefault_memory = 4096\n")
    (tmp_path / "config.d" / "10-memory.toml").symlink_to(real)
    with pytest.raises(ConfigError, match="can only be a regular file"):
        loader.load_runtime_config(base)
    (tmp_path / "config.d" / "10-memory.toml").unlink()
    (tmp_path / "config.d" / "10-memory.toml").write_text(real.read_text())
    assert loader.load_runtime_config(base).hypervisor["qemu"].memory_info.default_memory == 4096


def test_infinite_default_vcpus_in_the_file_is_a_clear_verdict() -> None:
    """``default_vcpus = inf`` is a valid TOML float; on a host ``CpuInfo::adjust_config``
    clamps it to the host's CPUs, and Rust's ``f32 as u32`` saturates where the plugins'
    ``validate`` and ``setup_config`` (initial_size.rs) cast it. Without a host kata-oci
    keeps it: a ConfigError, never an OverflowError."""
    from kata_oci.errors import KataOCIError
    from kata_oci.profiles.rs.hypervisors import HostFacts
    from kata_oci.profiles.rs.sandbox import plan_sandbox
    from kata_oci.spec import Spec

    text = _MINIMAL.replace("default_maxvcpus = 8", "default_maxvcpus = 0\ndefault_vcpus = inf")
    text = text.replace("[runtime]", "[runtime]\nstatic_sandbox_resource_mgmt = true")
    plan = plan_sandbox(Spec(annotations={}), _load(text))
    assert isinstance(plan.config_error, KataOCIError)
    host = HostFacts(cpus=4, memory_mib=8192, check_files=False)
    plan = plan_sandbox(Spec(annotations={}), _load(text), host_checks=host)
    assert plan.config_error is None and plan.config is not None
    assert plan.config.hypervisor["qemu"].cpu_info.default_vcpus == 4.0


def test_nan_overhead_vcpus_gives_one_vcpu() -> None:
    """``InitialSizeManager::setup_config`` (crates/resource/src/cpu_mem/initial_size.rs):
    ``(overhead_vcpus + vcpu).max(1.0)``; Rust's ``f32::max`` returns the other operand
    when one is NaN (Python's ``max`` kept the NaN)."""
    from kata_oci.profiles.rs.sandbox import plan_sandbox
    from kata_oci.spec import Spec

    text = _MINIMAL.replace("default_maxvcpus = 8", "default_maxvcpus = 8\noverhead_vcpus = nan")
    text = text.replace("[runtime]", "[runtime]\nstatic_sandbox_resource_mgmt = true")
    annotations = {
        "io.kubernetes.cri.container-type": "sandbox",
        "io.kubernetes.cri.sandbox-cpu-quota": "200000",
        "io.kubernetes.cri.sandbox-cpu-period": "100000",
        "io.kubernetes.cri.sandbox-memory": "2147483648",
    }
    plan = plan_sandbox(Spec(annotations=annotations), _load(text))
    assert plan.config_error is None and plan.config is not None
    cpu = plan.config.hypervisor["qemu"].cpu_info
    assert (cpu.default_vcpus, cpu.default_maxvcpus) == (1.0, 1)


def test_extension_verity_params_blank_is_rust_trim() -> None:
    """``Hypervisor::validate`` (config/hypervisor/mod.rs) skips an extension image's
    ``verity_params`` only when ``str::trim`` leaves nothing; U+001F is not Unicode
    White_Space (Python's ``str.strip`` removes it), so runtime-rs parses it and fails."""
    from kata_oci.errors import ConfigError
    from kata_oci.profiles.rs import hypervisors

    extra = '\n[[hypervisor.qemu.guest_extension_images]]\nname = "coco"\nverity_params = "{}"\n'
    head, _, tail = _MINIMAL.partition("\n[agent.kata]")
    config = _load(head + extra.format("\\u001f") + "\n[agent.kata]" + tail)
    with pytest.raises(ConfigError, match="invalid verity_params: Invalid kernel_verity_params entry"):
        hypervisors.validate(config, None)
    hypervisors.validate(_load(head + extra.format(" \\t") + "\n[agent.kata]" + tail), None)
