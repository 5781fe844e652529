"""Hostile and odd input: each case with the outcome kata-oci promises.

Every outcome is asserted: a result, or a :class:`~kata_oci.KataOCIError` subclass. Nothing
here asserts wall-clock time; where super-linear work is the risk, the same case runs at two
sizes and the answer is checked at both. Cases that show a library bug are marked
``xfail(strict=True)`` with the diagnosis in the reason.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
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
    ConfigError,
    ContainerType,
    HypervisorType,
    KataOCIError,
    PluginError,
    RuntimeConfig,
    ShmSizeError,
    SpecError,
    annotations as ka,
    golang,
    hookimpl,
)
from kata_oci.annotations import DECLARATIONS, Kind
from kata_oci.config import HypervisorConfig
from kata_oci.configfile import DEFAULT_CONFIG_RESOURCE
from kata_oci.log import LOGGER_NAME
from kata_oci.spec import MAX_CONFIG_SIZE

from helpers import FIXTURES

H = ka.KATA_ANNOT_HYPERVISOR_PREFIX
SHIPPED = kata_oci.load_runtime_config(Path(str(resources.files("kata_oci") / DEFAULT_CONFIG_RESOURCE)))
BASE: dict[str, Any] = json.loads(
    (FIXTURES / "conformance" / "runtime-spec-good-spec-example.json").read_text(encoding="utf-8")
)
MESSAGE_BOUND = 16 * 1024  # an error message a person can read; the inputs below are 1 MB and more
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def quiet() -> Iterator[None]:
    """Hostile specs make kata-oci warn a lot (unknown keys); the warnings are not under test here."""
    logger = logging.getLogger(LOGGER_NAME)
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def doc(**changes: Any) -> dict[str, Any]:
    return {**BASE, **changes}


def encode(document: Any) -> bytes:
    return json.dumps(document).encode()


def spec_from(document: Any) -> kata_oci.Spec:
    return kata_oci.decode_spec(encode(document))


def convert(spec: kata_oci.Spec, rc: RuntimeConfig = SHIPPED, **kw: Any) -> kata_oci.SandboxConfig:
    return kata_oci.sandbox_config(spec, rc, "/run/bundle", "cid", **kw)


def rc_with(**hypervisor: Any) -> RuntimeConfig:
    return msgspec.structs.replace(
        SHIPPED, hypervisor_config=msgspec.structs.replace(SHIPPED.hypervisor_config, **hypervisor)
    )


# ----------------------------------------------------------------------------
# size


def test_ten_megabyte_config_json_decodes_and_converts(tmp_path: Path) -> None:
    process = {**BASE["process"], "env": [f"VAR{i}=" + "x" * 100 for i in range(100_000)]}
    data = encode(doc(process=process))
    assert len(data) > 10_000_000
    (tmp_path / "config.json").write_bytes(data)
    spec = kata_oci.parse_config_json(tmp_path)
    result = convert(spec)
    assert len(result.containers[0].cmd.envs) == 100_000
    assert result.containers[0].cmd.envs[-1].var == "VAR99999"


def test_hundred_thousand_annotations() -> None:
    annotations = {f"example.com/key-{i}": str(i) for i in range(50_000)}
    annotations |= {f"{ka.KATA_ANNOTATIONS_PREFIX}unknown.{i}": str(i) for i in range(50_000)}
    annotations[H + "default_memory"] = "4096"
    spec = spec_from(doc(annotations=annotations))
    assert len(spec.annotations or {}) == 100_001
    result = convert(spec)  # unknown io.katacontainers. keys are ignored, with one summary warning
    assert result.hypervisor_config.memory_size == 4096
    # strict_annotations refuses them all, and applies nothing.
    with pytest.raises(AnnotationError) as info:
        convert(spec, strict_annotations=True)
    assert len(info.value.errors) == 50_000
    assert SHIPPED.hypervisor_config.memory_size == 2048


def big_value(decl: ka.Declaration, size: int) -> str:
    """A value of ``size`` characters that the key's parser refuses (free-form strings accept it)."""
    if decl.kind is Kind.KERNEL_PARAMS:
        return "=" + "x" * size  # a parameter with an empty key
    return "x" * size


def test_one_megabyte_annotation_value_is_shortened_in_the_problem() -> None:
    """The rejected value itself is shown shortened (AnnotationProblem.value)."""
    spec = spec_from(doc(annotations={ka.DEFAULT_VCPUS: "9" * MB}))
    with pytest.raises(AnnotationError) as info:
        convert(spec)
    (problem,) = info.value.errors
    assert problem.key == ka.DEFAULT_VCPUS
    assert len(problem.value) < 300  # shortened, e.g. "999...(1048576 characters)"
    assert len(str(info.value)) < MESSAGE_BOUND


def test_one_megabyte_annotation_value_gives_a_bounded_message() -> None:
    rc = rc_with(enable_annotations=[".*"])
    long_messages = {}
    one_per_kind = {d.kind: d.key for d in DECLARATIONS}.values()
    for decl in DECLARATIONS:
        # 1 MB for one key of each kind, 64 KB for the others (same code path, a quarter second less each)
        size = MB if decl.key in one_per_kind else 64 * 1024
        spec = spec_from(doc(annotations={decl.key: big_value(decl, size)}))
        try:
            convert(spec, rc)
        except AnnotationError as exc:
            if len(str(exc)) > MESSAGE_BOUND:
                long_messages[decl.key] = len(str(exc))
    assert not long_messages, long_messages


def test_one_megabyte_annotation_key_gives_a_bounded_message() -> None:
    spec = spec_from(doc(annotations={H + "k" * MB: "1"}))
    with pytest.raises(AnnotationError) as info:
        convert(spec, rc_with(enable_annotations=["^default_vcpus$"]))
    assert len(str(info.value)) < MESSAGE_BOUND


def test_twenty_thousand_rejected_annotations_give_a_bounded_message() -> None:
    spec = spec_from(doc(annotations={f"{H}k{i}": "1" for i in range(20_000)}))
    with pytest.raises(AnnotationError) as info:
        convert(spec, rc_with(enable_annotations=[]))
    assert len(info.value.errors) == 20_000
    assert len(str(info.value)) < MESSAGE_BOUND


@pytest.mark.parametrize("profile", ["kata1", "go"])
def test_refused_hypervisor_keys_past_the_shown_ones_share_a_reason(
    profile: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kata stops at the first key enable_annotations refuses; kata-oci names them all, at a Decision each.

    The first AnnotationError.SHOWN by key get their own reason and the pattern to add (a hint
    costs a few microseconds: thousands of them were the costliest item a pod author could send);
    the others share the pass's reason, whatever order the annotations come in.
    """
    from kata_oci import overrides

    calls: list[str] = []
    real_hint = overrides.enable_hint
    monkeypatch.setattr(
        overrides, "enable_hint", lambda suffix, where: calls.append(suffix) or real_hint(suffix, where)
    )
    keys = [f"{H}k{i:05d}" for i in range(2_000)]
    rc = rc_with(enable_annotations=["^default_vcpus$"])
    if profile == "go":
        rc = kata_oci.load_runtime_config(FIXTURES / "k8s" / "kata4-go" / "configuration-qemu.toml")
        rc = msgspec.structs.replace(
            rc,
            hypervisor_config=msgspec.structs.replace(
                rc.hypervisor_config, enable_annotations=["^default_vcpus$"]
            ),
        )
    messages = set()
    for ordered in (keys, keys[::-1]):
        calls.clear()
        with pytest.raises(AnnotationError) as info:
            convert(spec_from(doc(annotations=dict.fromkeys(ordered, "1"))), rc)
        errors = info.value.errors
        assert [p.key for p in errors] == keys  # all of them, by key
        shown = AnnotationError.SHOWN
        assert sorted(calls) == [k[len(H) :] for k in keys[:shown]]  # a hint for the shown ones only
        for p in errors[:shown]:
            suffix = p.key[len(H) :]
            assert f"matches {suffix!r} (enable_annotations = ['^default_vcpus$'])" in p.reason
            assert f'to allow it, add "^{suffix}$" to enable_annotations in [hypervisor.qemu]' in p.reason
        shared = "not enabled: no enable_annotations pattern matches its suffix"
        assert {p.reason for p in errors[shown:]} == {shared + " (enable_annotations = ['^default_vcpus$'])"}
        messages.add(str(info.value))
    assert len(messages) == 1
    (message,) = messages
    assert message.count("to allow it") == AnnotationError.SHOWN
    assert message.endswith(f"... and {2_000 - AnnotationError.SHOWN} more")


def test_a_few_refused_keys_each_get_their_own_reason_and_hint() -> None:
    keys = {H + "default_memory": "4096", H + "no_such_key": "1"}
    plan = kata_oci.plan_sandbox_config(
        spec_from(doc(annotations=keys)), rc_with(enable_annotations=["^kernel_params$"]), "/b", "cid"
    ).plan
    reasons = {d.key: (d.reason, d.hint) for d in plan.decisions}
    assert reasons[H + "default_memory"][0].startswith(
        "not enabled: no enable_annotations pattern matches 'default_memory'"
    )
    assert reasons[H + "default_memory"][1].startswith('to allow it, add "^default_memory$"')
    assert reasons[H + "no_such_key"][1].startswith('to allow it, add "^no_such_key$"')


def test_strict_verdict_on_a_misspelt_key_does_not_depend_on_other_annotations() -> None:
    typo = "io.kata-containers.config.hypervisor.default_vcpus"
    with pytest.raises(AnnotationError):
        convert(spec_from(doc(annotations={typo: "1"})), strict_annotations=True)
    padded = {f"example.com/kata-label-{i}": "x" for i in range(40)} | {typo: "1"}
    with pytest.raises(AnnotationError) as info:
        convert(spec_from(doc(annotations=padded)), strict_annotations=True)
    assert typo in [p.key for p in info.value.errors]


def test_annotation_error_does_not_depend_on_annotation_order() -> None:
    annotations = {f"{ka.KATA_ANNOTATIONS_PREFIX}config.hypervisor.default_vcpu{i}": "1" for i in range(40)}
    messages = set()
    for ordered in (annotations, dict(reversed(annotations.items()))):
        with pytest.raises(AnnotationError) as info:
            convert(spec_from(doc(annotations=ordered)), strict_annotations=True)
        messages.add(str(info.value))
    assert len(messages) == 1


# ----------------------------------------------------------------------------
# JSON oddities


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"[" * 100_000, id="100k-brackets"),
        pytest.param(b'{"annotations":' + b'{"a":' * 100_000, id="100k-objects"),
        pytest.param(
            b'{"windows":{"credentialSpec":' + b"[" * 100_000 + b"]" * 100_000 + b"}}", id="any-field"
        ),
        pytest.param(b'{"unknown":' + b"[" * 100_000 + b"]" * 100_000 + b"}", id="unknown-field"),
        pytest.param(b'{"windows":{"credentialSpec":' + b"[" * 2_000 + b"]" * 2_000 + b"}}", id="2000-deep"),
    ],
)
def test_deeply_nested_json_is_a_spec_error(data: bytes) -> None:
    with pytest.raises(SpecError) as info:
        kata_oci.decode_spec(data)
    assert info.value.path.startswith("$")


def test_moderately_nested_json_in_a_free_form_field_decodes() -> None:
    nested: Any = []
    for _ in range(200):
        nested = [nested]
    spec = spec_from(doc(windows={"credentialSpec": nested}))
    assert spec.windows is not None and spec.windows.credential_spec == nested


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b'{"hostname":"a\xffb"}', id="value"),
        pytest.param(b'{"annotations":{"k\xff":"v"}}', id="annotation-key"),
        pytest.param(b'{"annotations":{"k":"\xc0\xaf"}}', id="overlong"),
        pytest.param(b'{"annotations":{"k":"\xed\xa0\x80"}}', id="encoded-surrogate"),
        pytest.param(b'{"annotations":{"k":"\xe2\x82"}}', id="truncated-sequence"),
        pytest.param(b'{"hostname":"\\ud800"}', id="lone-surrogate-escape"),
        pytest.param(b"\xef\xbb\xbf{}", id="byte-order-mark"),
    ],
)
def test_invalid_utf8_is_a_spec_error(data: bytes) -> None:
    with pytest.raises(SpecError):
        kata_oci.decode_spec(data)


def test_invalid_utf8_in_an_unknown_field_name_is_a_spec_error() -> None:
    # Unknown members are kept and written back (issue 15): one that is not text cannot be.
    with pytest.raises(SpecError, match="invalid UTF-8 at line 1, column 4"):
        kata_oci.decode_spec(b'{"x\xff":1}')


def test_str_input_with_a_lone_surrogate_is_a_spec_error() -> None:
    with pytest.raises(SpecError):
        kata_oci.decode_spec('{"hostname":"\ud800"}')


def test_nul_bytes_in_keys_and_values() -> None:
    annotations = {
        "example.com/a\x00b": "c\x00d",
        ka.DEFAULT_VCPUS + "\x00": "1",  # not a known key: ignored with a warning
    }
    spec = spec_from(doc(hostname="host\x00name", annotations=annotations))
    assert spec.annotations == annotations
    result = convert(spec)
    assert result.hostname == "host\x00name"
    assert result.hypervisor_config == SHIPPED.hypervisor_config
    # A NUL in a value Kata parses is a syntax error, not a truncation.
    with pytest.raises(AnnotationError, match="invalid syntax"):
        convert(spec_from(doc(annotations={ka.DEFAULT_VCPUS: "1\x00"})))
    # A NUL in a /dev/shm bind source is a ShmSizeError, not a ValueError from os.statvfs.
    mounts = [{"destination": "/dev/shm", "type": "bind", "source": "/dev\x00/shm", "options": ["rbind"]}]
    with pytest.raises(ShmSizeError):
        convert(spec_from(doc(mounts=mounts)))


def test_duplicate_json_keys_the_last_wins_without_merging() -> None:
    data = b'{"hostname":"a","hostname":"b","process":{"cwd":"/a"},"process":{"args":["x"]},' \
        b'"annotations":{"k":"1"},"annotations":{"j":"2","j":"3"}}'  # fmt: skip
    spec = kata_oci.decode_spec(data)
    assert spec.hostname == "b"
    # Go's encoding/json would merge the two objects (cwd "/a" and args ["x"]) and the two
    # maps ({"k": "1", "j": "3"}); kata-oci keeps the last of each (docs/conformance.md).
    assert spec.process is not None
    assert spec.process.cwd == "" and spec.process.args == ["x"]
    assert spec.annotations == {"j": "3"}


@pytest.mark.parametrize(
    ("process", "path"),
    [
        pytest.param({"user": {"uid": 2**32}}, "$.process.user.uid", id="uid-2^32"),
        pytest.param({"user": {"uid": 2**64}}, "$.process.user.uid", id="uid-2^64"),
        pytest.param({"user": {"uid": -1}}, "$.process.user.uid", id="negative-uid"),
        pytest.param({"user": {"gid": -(2**63)}}, "$.process.user.gid", id="negative-gid"),
        pytest.param(
            {"user": {"additionalGids": [1, -1]}}, "$.process.user.additionalGids[1]", id="negative-gid-list"
        ),
        pytest.param(
            {"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 2**64}]}, "$.process.rlimits[0].hard", id="u64+1"
        ),
        pytest.param(
            {"rlimits": [{"type": "x", "soft": 10**400}]}, "$.process.rlimits[0].soft", id="400-digits"
        ),
        pytest.param({"oomScoreAdj": 2**63}, "$.process.oomScoreAdj", id="i64+1"),
        pytest.param({"oomScoreAdj": -(2**63) - 1}, "$.process.oomScoreAdj", id="i64-1"),
        pytest.param({"user": {"uid": 1.0}}, "$.process.user.uid", id="float-uid"),
        pytest.param({"user": {"uid": 1e400}}, "$.process.user.uid", id="infinite-float"),
    ],
)
def test_numbers_out_of_range_are_spec_errors(process: dict[str, Any], path: str) -> None:
    data = encode(doc(process={**BASE["process"], **process})).replace(b"Infinity", b"1e400")
    with pytest.raises(SpecError) as info:
        kata_oci.decode_spec(data)
    assert info.value.path == path


def test_numbers_at_the_limits_decode() -> None:
    process = {**BASE["process"], "user": {"uid": 2**32 - 1, "gid": 0}, "oomScoreAdj": -(2**63)}
    process["rlimits"] = [{"type": "RLIMIT_NOFILE", "hard": 2**64 - 1, "soft": 0}]
    spec = spec_from(doc(process=process))
    assert spec.process is not None and spec.process.rlimits is not None
    assert spec.process.rlimits[0].hard == 2**64 - 1
    result = convert(spec)
    assert result.containers[0].cmd.user == str(2**32 - 1)
    big = spec_from(doc(windows={"credentialSpec": 10**30}))  # free-form JSON keeps big integers
    assert kata_oci.decode_spec(kata_oci.encode_spec(big)) == big


# ----------------------------------------------------------------------------
# config.json that is not a regular file


def test_config_json_that_is_a_directory(tmp_path: Path) -> None:
    (tmp_path / "config.json").mkdir()
    with pytest.raises(SpecError, match="cannot read"):
        kata_oci.parse_config_json(tmp_path)
    with pytest.raises(SpecError, match="cannot read"):
        kata_oci.parse_config_json(tmp_path / "config.json" / "config.json")


def test_config_json_in_a_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "config.json").symlink_to(tmp_path / "loop.json")
    (tmp_path / "loop.json").symlink_to(tmp_path / "config.json")
    with pytest.raises(SpecError, match="cannot read") as info:
        kata_oci.parse_config_json(tmp_path)
    assert info.value.bundle == str(tmp_path)
    with pytest.raises(SpecError, match="cannot read"):
        kata_oci.parse_config_json(tmp_path / "loop.json")


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a chmod 000 file anyway")
def test_config_json_that_is_unreadable(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_bytes(encode(BASE))
    path.chmod(0)
    try:
        with pytest.raises(SpecError, match="Permission denied"):
            kata_oci.parse_config_json(tmp_path)
    finally:
        path.chmod(0o600)


def test_config_json_that_is_dev_null(tmp_path: Path) -> None:
    (tmp_path / "config.json").symlink_to("/dev/null")
    with pytest.raises(SpecError, match="not a regular file"):
        kata_oci.parse_config_json(tmp_path)


def test_config_json_larger_than_kata_oci_reads(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    with path.open("wb") as f:  # sparse: no disk used
        f.truncate(MAX_CONFIG_SIZE + 1)
    with pytest.raises(SpecError, match="more than"):
        kata_oci.parse_config_json(tmp_path)


def test_bundle_path_with_a_nul_byte_is_a_spec_error(tmp_path: Path) -> None:
    with pytest.raises(SpecError):
        kata_oci.parse_config_json(str(tmp_path) + "/bundle\x00")


def test_configuration_path_with_a_nul_byte_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        kata_oci.load_runtime_config(str(tmp_path) + "/configuration.toml\x00")


def test_config_json_that_is_a_fifo_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "config.json"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def parse() -> None:
        try:
            kata_oci.parse_config_json(tmp_path)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    reader = threading.Thread(target=parse, daemon=True)
    reader.start()
    reader.join(timeout=1)
    hung = reader.is_alive()
    if hung:  # let the reader go: a writer that closes at once gives it end-of-file
        fd = os.open(fifo, os.O_WRONLY)
        os.close(fd)
        reader.join(timeout=10)
    assert not hung, "parse_config_json blocked on a FIFO"
    assert outcome and isinstance(outcome[0], SpecError)


def test_config_json_that_is_dev_zero_is_a_spec_error(tmp_path: Path) -> None:
    (tmp_path / "config.json").symlink_to("/dev/zero")
    script = textwrap.dedent(
        f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (512 << 20, 512 << 20))
        import kata_oci
        try:
            kata_oci.parse_config_json({str(tmp_path)!r})
        except kata_oci.SpecError:
            sys.exit(0)
        except BaseException as exc:
            print(type(exc).__name__)
            sys.exit(3)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_configuration_that_is_a_fifo_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "configuration.toml"
    os.mkfifo(fifo)
    outcome: list[BaseException | None] = []

    def load() -> None:
        try:
            kata_oci.load_runtime_config(fifo)
            outcome.append(None)
        except BaseException as exc:
            outcome.append(exc)

    loader = threading.Thread(target=load, daemon=True)
    loader.start()
    loader.join(timeout=1)
    hung = loader.is_alive()
    if hung:  # a writer that closes at once gives the reader end-of-file
        os.close(os.open(fifo, os.O_WRONLY))
        loader.join(timeout=10)
    assert not hung, "load_runtime_config blocked on a FIFO"
    assert outcome and isinstance(outcome[0], ConfigError)


def test_configuration_that_is_dev_zero_is_a_config_error() -> None:
    script = textwrap.dedent(
        """
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (512 << 20, 512 << 20))
        import kata_oci
        try:
            kata_oci.load_runtime_config("/dev/zero")
        except kata_oci.ConfigError:
            sys.exit(0)
        except BaseException as exc:
            print(type(exc).__name__)
            sys.exit(3)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


# ----------------------------------------------------------------------------
# host-path annotations against their allow-lists


@pytest.fixture
def host(tmp_path: Path) -> Path:
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "qemu").write_bytes(b"")
    (tmp_path / "bin" / "link").symlink_to(tmp_path / "bin" / "qemu")
    (tmp_path / "evil").write_bytes(b"")
    return tmp_path


def path_cases(h: str) -> list[tuple[str, bool]]:
    """(annotation value, allowed?) against the allow-list [h/bin/qemu]."""
    return [
        (f"{h}/bin/qemu", True),
        (f"{h}/bin/../bin/qemu", False),
        (f"{h}/bin/./qemu", False),
        (f"{h}//bin/qemu", False),
        (f"{h}/bin/qemu/", False),
        (f"{h}/bin/qemu\n", False),
        (f"{h}/bin/qemu\n{h}/evil", False),
        (f"{h}/bin/qemu\x00", False),
        (f"{h}/bin/link", False),  # a symlink to the allowed file is another string
        (f"{h}/bin/qemu/../../evil", False),
        (f"{h}/bin/../evil", False),
        (f"{h}/bin/q*", False),
        (f"{h}/bin/qem?", False),
        (f" {h}/bin/qemu", False),
        ("", False),
    ]


@pytest.mark.parametrize("key", [d.key for d in DECLARATIONS if d.kind is Kind.PATH])
def test_path_annotations_pass_only_as_an_exact_glob_result(host: Path, key: str) -> None:
    decl = ka.BY_KEY[key]
    assert decl.allow_list is not None and decl.target is not None
    field = decl.target.rpartition(".")[2]
    rc = rc_with(enable_annotations=[".*"], shared_fs="virtio-9p", **{decl.allow_list: [f"{host}/bin/qemu"]})
    for value, allowed in path_cases(str(host)):
        spec = spec_from(doc(annotations={key: value}))
        if allowed:
            assert getattr(convert(spec, rc).hypervisor_config, field) == value
        else:
            with pytest.raises(AnnotationError) as info:
                convert(spec, rc)
            assert [p.key for p in info.value.errors] == [key], value
    # With a glob, what the glob lists passes, symlinks included: the operator's glob decides.
    rc = rc_with(enable_annotations=[".*"], shared_fs="virtio-9p", **{decl.allow_list: [f"{host}/bin/*"]})
    assert golang.glob(f"{host}/bin/*") == [f"{host}/bin/link", f"{host}/bin/qemu"]
    result = convert(spec_from(doc(annotations={key: f"{host}/bin/link"})), rc)
    assert getattr(result.hypervisor_config, field) == f"{host}/bin/link"
    with pytest.raises(AnnotationError):
        convert(spec_from(doc(annotations={key: f"{host}/bin/../evil"})), rc)


# ----------------------------------------------------------------------------
# enable_annotations patterns that are huge or pathological: linear (RE2), and right


def enabled(suffix: str, patterns: list[str]) -> bool:
    return ka.is_enabled(H + suffix, rc_with(enable_annotations=patterns))[0]


@pytest.mark.parametrize("n", [1_000, 100_000])
def test_nested_quantifier_pattern_against_a_long_key(n: int) -> None:
    assert enabled("a" * n, ["(a+)+$"])
    assert not enabled("a" * n + "!", ["^(a+)+$"])
    assert enabled("b" + "a" * n, ["(a|aa)+$"])
    assert not enabled("a" * n + "!", ["^(a|a?)+$"])
    # and end to end, through the conversion: a rejected key names the pattern list
    spec = spec_from(doc(annotations={H + "a" * n + "!": "1"}))
    with pytest.raises(AnnotationError, match="not enabled"):
        convert(spec, rc_with(enable_annotations=["^(a+)+$"]))


@pytest.mark.parametrize("n", [1_000, 10_000])
def test_huge_enable_annotations_patterns(n: int) -> None:
    alternation = "^(?:" + "|".join(f"key{i}" for i in range(n)) + ")$"  # 100 KB at n = 10,000
    assert len(alternation) > 6 * n
    assert enabled(f"key{n - 1}", [alternation])
    assert not enabled(f"key{n}", [alternation])
    literal = "x" * (10 * n)
    assert enabled("y" + "x" * 20 + "y", ["x{20}"])
    assert not enabled("default_vcpus", [literal])
    assert not enabled("x" * (10 * n - 1), [literal])
    # Matching is linear in the key for a given pattern (RE2), but the pattern's size counts
    # too: a 100 KB literal that does match a 100 KB key costs O(pattern x key) (~45 s) once
    # RE2's DFA runs out of memory, as in Go's NFA. See SECURITY.md (operator's patterns).
    # Go's limits: nesting deeper than 1000, or a repeat count above 1000, does not compile
    # (matches nothing); RE2 alone would accept the first.
    assert not enabled("a", ["(" * 1001 + "a" + ")" * 1001])
    assert enabled("a", ["(" * 999 + "a" + ")" * 999])
    assert not enabled("a" * 1001, ["a{1001}"])
    spec = spec_from(doc(annotations={ka.DEFAULT_MEMORY: "1024"}))
    rc = rc_with(enable_annotations=[alternation, "^default_memory$"])
    assert convert(spec, rc).hypervisor_config.memory_size == 1024


@pytest.mark.parametrize("n", [1_000, 100_000])
def test_long_keys_against_ordinary_patterns(n: int) -> None:
    key = "default_" + "v" * n
    patterns = ["^default_(vcpus|memory)$", "kernel", "(a+)+$", "^default_v+$"]
    assert enabled(key, patterns)
    assert not enabled(key + "!", patterns)
    assert enabled(key + "kernel", patterns)


@pytest.mark.parametrize("n", [1_000, 4_000])
def test_patterns_rejected_by_go_match_nothing(n: int) -> None:
    for pattern in ["(" * n, "[" * n, "\\" * (2 * n + 1), "a**" * n, "(?<n>a)" * n, "\\C" * n]:
        assert golang.compile_regexp(pattern) is None, pattern[:20]
        assert not enabled("a", [pattern])


# ----------------------------------------------------------------------------
# plugins that misbehave at answer time


class CrashingResolver:
    @hookimpl
    def kata_oci_resolve_container_type(self, annotations: Any) -> Any:
        raise RuntimeError("plugin bug")


def test_a_crashing_resolve_hook_is_a_plugin_error(builtin_plugins: list[object]) -> None:
    engine = kata_oci.Engine.from_plugins([*builtin_plugins, CrashingResolver()])
    with pytest.raises(PluginError):
        engine.container_type({})


def test_a_resolve_hook_answering_garbage_is_a_plugin_error(builtin_plugins: list[object]) -> None:
    class Garbage:
        @hookimpl
        def kata_oci_resolve_container_type(self, annotations: Any) -> Any:
            return "not-a-type"

    engine = kata_oci.Engine.from_plugins([Garbage(), *builtin_plugins])
    with pytest.raises(PluginError):
        engine.container_type({})
    assert engine.container_type({"io.kubernetes.cri.container-type": "sandbox"}) is ContainerType.POD_SANDBOX


def test_hostile_input_never_raises_anything_but_kata_oci_errors() -> None:
    """A sweep of odd documents through the whole pipeline, as the fuzz target runs it."""
    documents: list[bytes] = [
        b"", b"null", b"0", b'""', b"[]", b"{}", b'{"process":null}', b'{"linux":[]}',
        encode(doc(process=None)), encode(doc(linux=None)), encode(doc(root={"path": "../../.."})),
        encode(doc(linux={**BASE["linux"], "devices": [{"path": "", "type": "c"}]})),
        encode(doc(linux={**BASE["linux"], "devices": [{"path": "/dev/x", "type": "z"}]})),
        encode(doc(process={**BASE["process"], "env": ["NOEQUALS", "=empty", "A=b=c"]})),
        encode(doc(annotations={"io.kubernetes.cri.container-type": "{}"})),
        encode(doc(annotations={"io.kubernetes.cri.container-type": "sandbox",
                                "io.kubernetes.cri-o.ContainerType": "container"})),
        encode(doc(annotations={ka.SHARED_FS: "virtio-fs"})),
        encode(doc(annotations={ka.EXPERIMENTAL: ""})),
        encode(doc(annotations={ka.INTER_NETWORK_MODEL: "default", ka.KERNEL_PARAMS: "\x1c=\u2003"})),
    ]  # fmt: skip
    everything = HypervisorConfig(enable_annotations=[".*"])
    rcs = [
        SHIPPED,
        RuntimeConfig(),
        RuntimeConfig(hypervisor_type=HypervisorType.QEMU, hypervisor_config=everything),
    ]
    for data in documents:
        try:
            spec = kata_oci.decode_spec(data)
        except SpecError:
            continue
        for rc in rcs:
            try:
                convert(spec, rc)
            except KataOCIError:
                pass


# ----------------------------------------------------------------------------
# the fuzz target, briefly (long runs: fuzz/README.md)


def test_fuzz_target_smoke_run(tmp_path: Path) -> None:
    pytest.importorskip("atheris", reason="atheris is not installable here")
    target = Path(__file__).parent.parent / "fuzz" / "fuzz_sandbox_config.py"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    proc = subprocess.run(
        [
            sys.executable, str(target), str(corpus), str(FIXTURES / "conformance"),
            "-runs=2000", "-max_total_time=5", "-timeout=10", "-rss_limit_mb=2048",
            f"-artifact_prefix={tmp_path}/", f"-dict={target.parent / 'kata_oci.dict'}",
        ],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    assert "Done " in output and " runs in " in output, output[-2000:]
    assert not list(tmp_path.glob("crash-*")) and not list(tmp_path.glob("timeout-*"))
