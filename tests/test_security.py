"""The guarantees of SECURITY.md, one test each; each test is named after the guarantee it pins.

Some tests pin a *non*-guarantee (what Kata 1.x lets a pod author do and kata-oci therefore
lets through too): their names say so, so that a change in either direction is noticed.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import msgspec
import pytest

import kata_oci
from kata_oci import (
    AnnotationError,
    ContainerTypeError,
    KataAgentConfig,
    KataOCIError,
    NetInterworkingModel,
    Param,
    RuntimeConfig,
    SpecError,
    annotations as ka,
)
from kata_oci.annotations import DECLARATIONS, Kind
from kata_oci.configfile import DEFAULT_CONFIG_RESOURCE
from kata_oci.log import LOGGER_NAME
from kata_oci.spec import MAX_CONFIG_SIZE

from helpers import FIXTURES

H = ka.KATA_ANNOT_HYPERVISOR_PREFIX
SHIPPED = kata_oci.load_runtime_config(Path(str(resources.files("kata_oci") / DEFAULT_CONFIG_RESOURCE)))
BASE: dict[str, Any] = json.loads(
    (FIXTURES / "conformance" / "runtime-spec-good-spec-example.json").read_text(encoding="utf-8")
)
HYPERVISOR_DECLARATIONS = [d for d in DECLARATIONS if d.key.startswith(H)]
PATH_KEYS = [d.key for d in DECLARATIONS if d.kind is Kind.PATH]
ASSET_ONLY_KEYS = [d.key for d in DECLARATIONS if d.kind is Kind.ASSET]


@pytest.fixture(autouse=True)
def quiet() -> Iterator[None]:
    logger = logging.getLogger(LOGGER_NAME)
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.fixture
def binary(tmp_path: Path) -> Path:
    """A host "binary" the operator allow-lists."""
    path = tmp_path / "bin" / "allowed"
    path.parent.mkdir()
    path.write_bytes(b"")
    return path


def spec_with(annotations: dict[str, str]) -> kata_oci.Spec:
    return kata_oci.decode_spec(json.dumps({**BASE, "annotations": annotations}).encode())


def rc_with(**hypervisor: Any) -> RuntimeConfig:
    return msgspec.structs.replace(
        SHIPPED,
        hypervisor_config=msgspec.structs.replace(
            SHIPPED.hypervisor_config, shared_fs="virtio-9p", **hypervisor
        ),
    )


def convert(spec: kata_oci.Spec, rc: RuntimeConfig, **kw: Any) -> kata_oci.SandboxConfig:
    return kata_oci.sandbox_config(spec, rc, "/run/bundle", "cid", **kw)


def valid_value(decl: ka.Declaration, binary: Path) -> str:
    """A value each hypervisor key accepts on its own terms (type, range, allow-list)."""
    if decl.kind is Kind.BOOL:
        return "true"
    if decl.kind is Kind.UINT32:
        return "1"
    if decl.kind is Kind.PATH:
        return str(binary)
    if decl.kind is Kind.CHOICE:
        return "virtio-9p" if decl.key == ka.SHARED_FS else decl.choices[0]
    if decl.kind is Kind.KERNEL_PARAMS:
        return "quiet"
    return "/some/value"


def allow_everything(binary: Path, patterns: list[str]) -> RuntimeConfig:
    return rc_with(enable_annotations=patterns, **{a: [str(binary)] for a in ka.ALLOW_LIST_SETTINGS})


# ----------------------------------------------------------------------------
# 1. gating by enable_annotations


def test_every_hypervisor_annotation_is_gated_by_enable_annotations(binary: Path) -> None:
    annotations = {d.key: valid_value(d, binary) for d in HYPERVISOR_DECLARATIONS}
    spec = spec_with(annotations)
    # Enabled, every value passes: the rejections below are the gate's alone.
    assert convert(spec, allow_everything(binary, [".*"])).hypervisor_config.num_vcpus == 1
    for patterns in ([], ["[unclosed"], ["^nothing$"]):
        with pytest.raises(AnnotationError) as info:
            convert(spec, allow_everything(binary, patterns))
        assert sorted(p.key for p in info.value.errors) == sorted(annotations)
        assert all("not enabled" in p.reason for p in info.value.errors)
    # Each key needs a pattern of its own: enabling all the others is not enough.
    for decl in HYPERVISOR_DECLARATIONS:
        others = [f"^{d.key[len(H) :]}$" for d in HYPERVISOR_DECLARATIONS if d is not decl]
        with pytest.raises(AnnotationError) as info:
            convert(spec, allow_everything(binary, others))
        assert [p.key for p in info.value.errors] == [decl.key]


def test_enable_annotations_patterns_are_unanchored_searches() -> None:
    """Go's regexp.MatchString: "vcpus" also enables default_max_vcpus; anchor patterns with ^...$."""
    rc = rc_with(enable_annotations=["vcpus"])
    assert ka.is_enabled(ka.DEFAULT_VCPUS, rc)[0]
    assert ka.is_enabled(ka.DEFAULT_MAX_VCPUS, rc)[0]
    assert not ka.is_enabled(ka.DEFAULT_MAX_VCPUS, rc_with(enable_annotations=["^default_vcpus$"]))[0]


def test_an_empty_pattern_enables_every_hypervisor_annotation() -> None:
    """Not a kata-oci choice but Go's: "" matches everywhere. Operators must not list it."""
    rc = rc_with(enable_annotations=[""])
    assert all(ka.is_enabled(d.key, rc)[0] for d in HYPERVISOR_DECLARATIONS)
    assert (
        convert(spec_with({ka.KERNEL_PATH: "/etc/shadow"}), rc).annotations[ka.KERNEL_PATH] == "/etc/shadow"
    )


def test_the_shipped_kata1_default_enables_every_hypervisor_annotation() -> None:
    """Kata 1.x's configuration.toml says enable_annotations = [".*"]: everything is enabled."""
    assert SHIPPED.hypervisor_config.enable_annotations == [".*"]
    assert all(ka.is_enabled(d.key, SHIPPED)[0] for d in HYPERVISOR_DECLARATIONS)


# ----------------------------------------------------------------------------
# 2. host binaries: exact glob results only


@pytest.mark.parametrize("key", PATH_KEYS)
def test_host_binary_paths_must_be_an_exact_result_of_the_operators_globs(binary: Path, key: str) -> None:
    decl = ka.BY_KEY[key]
    assert decl.allow_list is not None and decl.target is not None
    field = decl.target.rpartition(".")[2]
    rc = rc_with(enable_annotations=[".*"], **{decl.allow_list: [str(binary.parent / "*")]})
    assert getattr(convert(spec_with({key: str(binary)}), rc).hypervisor_config, field) == str(binary)
    (binary.parent / "link").symlink_to("/bin/sh")
    variants = [
        f"{binary}/", f"{binary.parent}//{binary.name}", f"{binary.parent}/./{binary.name}",
        f"{binary.parent}/../{binary.parent.name}/{binary.name}", f"{binary}\n", f"{binary}\x00",
        "/bin/sh", str(binary.parent / "missing"), str(binary.parent),
    ]  # fmt: skip
    for value in variants:
        with pytest.raises(AnnotationError) as info:
            convert(spec_with({key: value}), rc)
        assert [p.key for p in info.value.errors] == [key], value
    # A symlink the glob lists is allowed as itself (the operator's glob decides what is listed).
    assert getattr(convert(spec_with({key: str(binary.parent / "link")}), rc).hypervisor_config, field)


@pytest.mark.parametrize("key", PATH_KEYS)
def test_an_empty_allow_list_allows_no_host_binary_path(binary: Path, key: str) -> None:
    decl = ka.BY_KEY[key]
    for allow in ([], [""], [str(binary.parent / "[")]):  # empty, Kata's default [""], a bad glob
        rc = rc_with(enable_annotations=[".*"], **{decl.allow_list or "": allow})
        with pytest.raises(AnnotationError, match=ka.ALLOW_LIST_SETTINGS[decl.allow_list or ""]):
            convert(spec_with({key: str(binary)}), rc)


# ----------------------------------------------------------------------------
# 3. guest assets and free strings: what enable_annotations alone lets through


@pytest.mark.parametrize("key", ASSET_ONLY_KEYS)
def test_guest_assets_are_only_copied_as_annotations(key: str) -> None:
    """kernel, image, initrd, firmware (and hashes): no allow-list in Kata 1.x.

    The value is copied into the sandbox annotations, for the VM factory to use; the
    hypervisor configuration itself keeps the operator's paths. Any host path goes.
    """
    rc = rc_with(enable_annotations=[".*"])
    result = convert(spec_with({key: "/etc/shadow"}), rc)
    assert result.annotations[key] == "/etc/shadow"
    assert result.hypervisor_config == rc.hypervisor_config
    with pytest.raises(AnnotationError):
        convert(spec_with({key: "/etc/shadow"}), rc_with(enable_annotations=["^default_vcpus$"]))


def test_entropy_source_is_a_host_path_that_only_enable_annotations_gates() -> None:
    """Kata 1.x has no valid_entropy_sources: once enabled, any host file is the VM's RNG source."""
    rc = rc_with(enable_annotations=["^entropy_source$"])
    assert (
        convert(spec_with({ka.ENTROPY_SOURCE: "/dev/sda"}), rc).hypervisor_config.entropy_source == "/dev/sda"
    )
    with pytest.raises(AnnotationError):
        convert(spec_with({ka.ENTROPY_SOURCE: "/dev/sda"}), rc_with(enable_annotations=["^kernel$"]))


def test_kernel_params_append_any_parameter_once_enabled() -> None:
    rc = rc_with(enable_annotations=["^kernel_params$"])
    result = convert(spec_with({ka.KERNEL_PARAMS: "init=/bin/sh agent.debug_console"}), rc)
    assert result.hypervisor_config.kernel_params[-2:] == [
        Param(key="init", value="/bin/sh"),
        Param(key="agent.debug_console", value=""),
    ]
    assert result.hypervisor_config.kernel_params[:-2] == SHIPPED.hypervisor_config.kernel_params
    with pytest.raises(AnnotationError, match="empty key"):
        convert(spec_with({ka.KERNEL_PARAMS: "=x"}), rc)


# ----------------------------------------------------------------------------
# 4. runtime and agent keys: not gated in Kata 1.x


def test_runtime_and_agent_annotations_are_not_gated() -> None:
    """Non-guarantee: no enable_annotations pattern is needed for these (Kata 1.x)."""
    annotations = {
        ka.DISABLE_GUEST_SECCOMP: "true",
        ka.SANDBOX_CGROUP_ONLY: "true",
        ka.DISABLE_NEW_NETNS: "true",
        ka.INTER_NETWORK_MODEL: "none",
        ka.EXPERIMENTAL: "newstore",
        ka.KERNEL_MODULES: "evil_module",
        ka.AGENT_TRACE: "true",
        ka.AGENT_CONTAINER_PIPE_SIZE: "1",
    }
    rc = rc_with(enable_annotations=[])
    result = convert(spec_with(annotations), rc)
    assert result.disable_guest_seccomp is True
    assert result.sandbox_cgroup_only is True
    assert result.network_config.disable_new_net_ns is True
    assert result.network_config.interworking_model is NetInterworkingModel.NONE
    assert [f.name for f in result.experimental] == ["newstore"]
    assert isinstance(result.agent_config, KataAgentConfig)
    assert result.agent_config.kernel_modules == ["evil_module"]
    assert result.agent_config.trace is True


# ----------------------------------------------------------------------------
# 5. all-or-nothing, no mutation, determinism


def test_overrides_are_all_or_nothing(binary: Path) -> None:
    rc = allow_everything(binary, [".*"])
    good = {ka.DEFAULT_MEMORY: "4096", ka.KERNEL_PARAMS: "quiet", ka.HYPERVISOR_PATH: str(binary)}
    good |= {ka.DISABLE_GUEST_SECCOMP: "false", ka.KERNEL_MODULES: "m", ka.KERNEL_PATH: "/k"}
    for bad in ({ka.DEFAULT_VCPUS: "many"}, {ka.JAILER_PATH: "/bin/sh"}, {ka.EXPERIMENTAL: "nope"}):
        spec = spec_with(good | bad)
        with pytest.raises(AnnotationError) as info:
            convert(spec, rc)
        assert [p.key for p in info.value.errors] == list(bad)
        assert "none applied" in str(info.value)
        # What was decided for the good ones never reached a configuration.
        base, _ = kata_oci.plan_sandbox_config(spec, rc, "/run/bundle", "cid")
        assert base.hypervisor_config == rc.hypervisor_config
        assert ka.KERNEL_PATH not in base.annotations
    assert convert(spec_with(good), rc).hypervisor_config.memory_size == 4096


def test_inputs_are_never_modified(binary: Path) -> None:
    rc = allow_everything(binary, [".*"])
    for given in (
        {ka.DEFAULT_MEMORY: "4096", ka.KERNEL_PARAMS: "a=b", ka.KERNEL_MODULES: "m", ka.KERNEL_PATH: "/k"},
        {ka.DEFAULT_MEMORY: "4096", ka.DEFAULT_VCPUS: "x"},
    ):
        spec = spec_with(given)
        before = kata_oci.to_json(spec), kata_oci.to_json(rc), dict(given)
        try:
            result = convert(spec, rc)
            assert result.hypervisor_config is not rc.hypervisor_config
            assert result.hypervisor_config.kernel_params is not rc.hypervisor_config.kernel_params
        except AnnotationError:
            pass
        assert (kata_oci.to_json(spec), kata_oci.to_json(rc), spec.annotations) == before


def test_conversion_is_deterministic(binary: Path) -> None:
    rc = allow_everything(binary, ["^default_", "kernel"])
    spec = spec_with(
        {ka.DEFAULT_MEMORY: "1", ka.KERNEL_PARAMS: "x", f"{H}b": "1", f"{H}a": "2", ka.IMAGE_PATH: "/i"}
    )
    messages = set()
    for _ in range(5):
        with pytest.raises(AnnotationError) as info:
            convert(spec, rc)
        messages.add(str(info.value))
        assert [p.key for p in info.value.errors] == sorted(p.key for p in info.value.errors)
    assert len(messages) == 1


# ----------------------------------------------------------------------------
# 6. what is not an override is never applied


def test_unknown_kata_annotations_are_never_applied() -> None:
    annotations = {
        f"{H}DEFAULT_VCPUS": "8",
        f"{H}default_vcpus ": "8",
        "io.kata-containers.config.hypervisor.default_vcpus": "8",
        f"{ka.KATA_CONF_ANNOTATIONS_PREFIX}shim.path": "/bin/sh",
        ka.BUNDLE_PATH_KEY: "/elsewhere",
        ka.CONTAINER_TYPE_KEY: "pod_container",
    }
    result = convert(spec_with(annotations), SHIPPED)
    assert result.hypervisor_config == SHIPPED.hypervisor_config
    assert result.annotations == {ka.BUNDLE_PATH_KEY: "/run/bundle"}  # the runtime's own, not the pod's
    assert result.containers[0].annotations[ka.CONTAINER_TYPE_KEY] == "pod_sandbox"
    with pytest.raises(AnnotationError) as info:
        convert(spec_with(annotations), SHIPPED, strict_annotations=True)
    assert {p.key for p in info.value.errors} >= {f"{H}DEFAULT_VCPUS", f"{H}default_vcpus "}


def test_an_unknown_cri_container_type_is_an_error_not_a_default() -> None:
    for key in kata_oci.cri_container_type_keys():
        for value in ("", "Sandbox", "pod_sandbox", "sandbox "):
            with pytest.raises(ContainerTypeError):
                convert(spec_with({key: value}), SHIPPED)


# ----------------------------------------------------------------------------
# 7. hostile input: typed errors, bounded work and messages


def test_bad_input_raises_only_kata_oci_errors() -> None:
    """Pinned here by a sample; tests/test_properties.py and fuzz/ cover it at large."""
    documents = [
        b"",
        b"{",
        b"[]",
        b"null",
        b'{"process":1}',
        b'{"annotations":{"a":1}}',
        b"\xff",
        b"[" * 10**5,
    ]
    documents += [json.dumps({**BASE, "annotations": {k: "\x00" * 3}}).encode() for k in ka.BY_KEY]
    for data in documents:
        try:
            convert(kata_oci.decode_spec(data), SHIPPED)
        except KataOCIError:
            pass


def test_error_messages_stay_bounded() -> None:
    """A 1 MB value, a 1 MB key, 20,000 rejected keys: the message stays readable."""
    cases = [
        {ka.BLOCK_DEVICE_DRIVER: "x" * 2**20},
        {ka.HYPERVISOR_PATH: "/" + "x" * 2**20},
        {H + "k" * 2**20: "1"},
        {f"{H}k{i}": "1" for i in range(20_000)},
    ]
    rc = rc_with(enable_annotations=["^block_device_driver$", "^path$"])
    for case in cases:
        with pytest.raises(AnnotationError) as info:
            convert(spec_with(case), rc)
        assert len(str(info.value)) < 64 * 1024
        assert len(info.value.errors) == len(case)


def test_config_json_is_read_only_from_a_bounded_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo" / "config.json"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    done = threading.Event()
    outcome: list[BaseException] = []

    def parse() -> None:
        try:
            kata_oci.parse_config_json(fifo.parent)
        except BaseException as exc:
            outcome.append(exc)
        done.set()

    threading.Thread(target=parse, daemon=True).start()
    if not done.wait(timeout=5):  # unblock a regression rather than hang the suite
        os.close(os.open(fifo, os.O_WRONLY))
        done.wait(timeout=5)
        pytest.fail("parse_config_json blocked on a FIFO")
    assert len(outcome) == 1 and isinstance(outcome[0], SpecError)
    for target in ("/dev/zero", "/dev/null"):
        bundle = tmp_path / target.replace("/", "_")
        bundle.mkdir()
        (bundle / "config.json").symlink_to(target)
        with pytest.raises(SpecError, match="not a regular file"):
            kata_oci.parse_config_json(bundle)
    big = tmp_path / "big"
    big.mkdir()
    with (big / "config.json").open("wb") as f:
        f.truncate(MAX_CONFIG_SIZE + 1)  # sparse
    with pytest.raises(SpecError):
        kata_oci.parse_config_json(big)
