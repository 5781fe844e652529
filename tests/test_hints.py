"""Hints for annotation keys (issue 15, issue 11 item 6): exact "to enable it" patterns,
a "did you mean" index that costs the same for every key, removed keys, and the
one-pass all-or-nothing decision.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from structlog.testing import capture_logs

import kata_oci
from kata_oci import (
    AnnotationError,
    HypervisorType,
    Outcome,
    RuntimeConfig,
    SandboxConfig,
    annotations as ka,
    apply_overrides,
    golang,
    hints,
    plan_overrides,
)
from kata_oci.config import HypervisorConfig
from kata_oci.hints import KeyIndex, enable_pattern
from kata_oci.log import set_level
from kata_oci.profiles.kata1 import annotate as kata1_annotate

H = ka.KATA_ANNOT_HYPERVISOR_PREFIX
GATED_SUFFIXES = sorted(d.key[len(H) :] for d in ka.DECLARATIONS if d.gated)


def rc_with(hypervisor_type: Any = HypervisorType.QEMU, **hypervisor: Any) -> RuntimeConfig:
    return RuntimeConfig(hypervisor_type=hypervisor_type, hypervisor_config=HypervisorConfig(**hypervisor))


def sandbox_for(rc: RuntimeConfig) -> SandboxConfig:
    return SandboxConfig(
        hypervisor_type=rc.hypervisor_type,
        hypervisor_config=rc.hypervisor_config,
        agent_config=rc.agent_config,
    )


def plan(annotations: dict[str, str], rc: RuntimeConfig, **kw: Any) -> kata_oci.OverridePlan:
    return plan_overrides(annotations, sandbox_for(rc), rc, features={}, **kw)


# -- "to enable it": a pattern that enables exactly the key -------------------------------------

HOSTILE_SUFFIXES = ["\\w*", "x|", ".*", "p.th", "(?:)", "[a-z]+", "a{0}", "x$|^", "k\\", "a\nb", 'q"', "é.+"]


@pytest.mark.parametrize("suffix", HOSTILE_SUFFIXES)
def test_enable_hint_enables_exactly_the_key(suffix: str) -> None:
    rc = rc_with(enable_annotations=["^default_vcpus$"])
    (decision,) = plan({H + suffix: "1"}, rc).decisions
    assert decision.outcome is Outcome.REJECTED
    assert decision.hint is not None
    found = re.fullmatch(
        r'to allow it, add "(.*)" to enable_annotations in (.*?)(?: \(in TOML: (.*)\))?', decision.hint, re.S
    )
    assert found is not None, decision.hint
    pattern = found.group(1)
    # what to write in the file: the pattern itself, or the TOML string given for it
    quoted = found.group(3) or f'"{pattern}"'
    assert tomllib.loads(f"p = {quoted}")["p"] == pattern
    rx = golang.compile_regexp(pattern)
    assert rx is not None
    assert rx.search(suffix)
    for other in ["", suffix + "x", "x" + suffix, *GATED_SUFFIXES]:
        if other != suffix:
            assert not rx.search(other), (pattern, other)


def test_enable_hint_with_the_pattern_added_lets_the_key_through() -> None:
    for suffix in HOSTILE_SUFFIXES + GATED_SUFFIXES:
        pattern = enable_pattern(suffix)
        assert pattern is not None
        assert ka.is_enabled(H + suffix, rc_with(enable_annotations=[pattern]))[0]


def test_no_pattern_for_a_suffix_that_is_not_utf8() -> None:
    suffix = "x\udcff"
    assert enable_pattern(suffix) is None
    (decision,) = plan({H + suffix: "1"}, rc_with(enable_annotations=["^a$"])).decisions
    assert decision.outcome is Outcome.REJECTED
    assert decision.hint is not None and "enable_annotations" in decision.hint


# -- "did you mean": an index, the same answer for every key, whatever the order ---------------


@pytest.mark.parametrize(
    ("key", "closest"),
    [
        (H + "default_vcpu", H + "default_vcpus"),  # a character missing
        (H + "default_vcpuss", H + "default_vcpus"),  # one too many
        (H + "default-vcpus", H + "default_vcpus"),  # one changed
        (H + "defualt_vcpus", H + "default_vcpus"),  # two swapped
        ("io.katacontainers.config.runtime.default_vcpus", H + "default_vcpus"),  # wrong section
        ("io.kata-containers.config.hypervisor.default_vcpus", H + "default_vcpus"),  # wrong prefix
        ("io.katacontainers.config.agent.kernel_module", ka.KERNEL_MODULES),
    ],
)
def test_closest_known_key(key: str, closest: str) -> None:
    index = KeyIndex([*ka.BY_KEY, *ka.NOT_OVERRIDES])
    assert index.closest(key) == closest


@pytest.mark.parametrize(
    "key", [H + "zzzzzzzz", H + "x" * 10_000, "io.katacontainers.config.hypervisor.", H + "default_vcpusxyz"]
)
def test_no_guess_for_keys_far_from_any(key: str) -> None:
    assert KeyIndex([*ka.BY_KEY]).closest(key) is None


def test_every_unknown_key_gets_its_hint_not_only_the_first_few() -> None:
    # The difflib search ran for the first 32 keys only, so key 33's hint depended on the others.
    rc = rc_with(enable_annotations=[".*"])
    annotations = {f"{H}filler_{i:03}": "1" for i in range(100)}
    annotations[H + "virtio_fs_deamon"] = "1"  # sorts after the filler
    decisions = {d.key: d for d in plan(annotations, rc).decisions}
    assert decisions[H + "virtio_fs_deamon"].hint == f"did you mean {ka.VIRTIO_FS_DAEMON}?"


def test_misspelt_prefix_keys_are_judged_whatever_else_is_there() -> None:
    rc = rc_with(enable_annotations=[".*"])
    annotations = {f"{H}filler_{i:03}": "1" for i in range(100)}
    annotations["io.kata-containers.config.hypervisor.default_vcpu"] = "1"
    with pytest.raises(AnnotationError) as info:
        apply_overrides(annotations, sandbox_for(rc), rc, features={}, strict=True)
    keys = {p.key for p in info.value.errors}
    assert "io.kata-containers.config.hypervisor.default_vcpu" in keys


def test_no_hint_computed_for_a_warning_nobody_sees(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    real = KeyIndex.closest
    monkeypatch.setattr(KeyIndex, "closest", lambda self, key: calls.append(key) or real(self, key))
    rc = rc_with(enable_annotations=[".*"])
    annotations = {f"{H}unknown_{i}": "1" for i in range(500)}
    previous = set_level("error")
    try:
        apply_overrides(annotations, sandbox_for(rc), rc, features={})
    finally:
        set_level(previous)
    assert calls == []
    with capture_logs():
        apply_overrides(annotations, sandbox_for(rc), rc, features={})
    assert 0 < len(calls) <= 32  # the keys whose warning is emitted


# -- removed and renamed keys (issue 11 item 6) --------------------------------------------------


def test_removed_key_gets_its_sentence_not_a_guess() -> None:
    # A key one edit away from a known one still gets its sentence, not "did you mean".
    removed = {H + "default_vcpu": "renamed to io.katacontainers.config.hypervisor.default_vcpus"}
    index = KeyIndex([H + "default_vcpus"], removed)
    rc = rc_with(enable_annotations=[".*"])
    with capture_logs() as logs:
        (decision,) = plan({H + "default_vcpu": "2"}, rc, key_index=index).decisions
    assert decision.outcome is Outcome.UNKNOWN
    assert decision.hint == removed[H + "default_vcpu"]
    assert logs[0]["hint"] == removed[H + "default_vcpu"]
    with pytest.raises(AnnotationError, match="renamed to"):
        apply_overrides(
            {H + "default_vcpu": "2"}, sandbox_for(rc), rc, features={}, key_index=index, strict=True
        )


@pytest.mark.parametrize(
    "key",
    [
        "io.katacontainers.config.agent.policy",
        H + "cc_init_data",
        "io.katacontainers.config.runtime.vfio_mode",
    ],
)
def test_kata1_names_keys_of_later_katas(key: str) -> None:
    # Kata 1.x guessed "did you mean ...trace_type?" for agent.policy.
    (decision,) = plan({key: "x"}, rc_with(enable_annotations=[".*"])).decisions
    assert decision.outcome is Outcome.UNKNOWN
    assert decision.hint is not None and "not a Kata 1.x key" in decision.hint
    assert "did you mean" not in decision.hint


def test_key_index_is_table_driven() -> None:
    index = KeyIndex(["org.example.config.alpha", "org.example.config.beta"], prefix="org.example.")
    assert index.closest("org.example.config.alpah") == "org.example.config.alpha"
    assert index.closest("com.example.config.beta") == "org.example.config.beta"
    assert index.hint("org.example.config.gamma") is None


# -- one decision, made once ----------------------------------------------------------------------


def test_allow_list_answer_changing_between_passes_gives_no_partial_result(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    answers = iter([False])  # the file is missing at the first look, there at any later one
    monkeypatch.setattr(golang, "path_in_globs", lambda globs, path: next(answers, True))
    rc = rc_with(enable_annotations=[".*"], hypervisor_path_list=[str(tmp_path / "*")])
    annotations = {ka.HYPERVISOR_PATH: str(tmp_path / "qemu"), H + "default_memory": "4096"}
    with pytest.raises(AnnotationError) as info:
        apply_overrides(annotations, sandbox_for(rc), rc, features={})
    assert [p.key for p in info.value.errors] == [ka.HYPERVISOR_PATH]


# -- the QEMU vCPU cap, whatever the hypervisor_type's Python type ---------------------------------


@pytest.mark.parametrize("hypervisor_type", [HypervisorType.QEMU, "qemu"])
def test_qemu_vcpu_cap_applies_to_a_plain_string(
    hypervisor_type: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kata_oci import overrides

    monkeypatch.setattr(overrides, "host_cpus", lambda: 4096)
    rc = rc_with(hypervisor_type, enable_annotations=[".*"])
    too_many = str(kata1_annotate.MAX_QEMU_VCPUS + 1)
    with pytest.raises(AnnotationError, match="QEMU's maximum"):
        apply_overrides({ka.DEFAULT_MAX_VCPUS: too_many}, sandbox_for(rc), rc, features={})


def test_hints_module_is_documented() -> None:
    assert hints.__doc__ and "KeyIndex" in hints.__doc__


def test_pattern_checks_cost_at_most_one_compilation_per_ascii_character(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A regexp compilation costs ~40 µs: one per rejected key would let pod authors set the cost.
    compiled: list[str] = []
    real = golang.compile_regexp
    monkeypatch.setattr(golang, "compile_regexp", lambda p: compiled.append(p) or real(p))
    hints._literal_in_re2.cache_clear()
    rc = rc_with(enable_annotations=["^default_vcpus$"])
    annotations = {f"{H}knob|{i}*(x)": "1" for i in range(2000)}
    decisions = plan(annotations, rc).decisions
    assert len(decisions) == 2000 and all(d.outcome is Outcome.REJECTED for d in decisions)
    # (the gate looks its own pattern up once per key, from golang's cache)
    assert len([p for p in compiled if p != "^default_vcpus$"]) <= 128


def test_each_profile_names_the_keys_it_does_not_know() -> None:
    from kata_oci.profiles import get_profile, list_profiles

    assert "io.katacontainers.config.agent.policy" in get_profile("kata1").removed_keys
    for profile in list_profiles():  # a removed key is never also a key of the profile's table
        assert not set(profile.removed_keys) & {d.key for d in profile.declarations}, profile.name


def test_a_tables_key_index_is_built_only_when_an_unknown_key_needs_it() -> None:
    import subprocess
    import sys

    from helpers import FIXTURES

    code = (
        "import sys, kata_oci, msgspec; from kata_oci.profiles.kata1 import annotate as o;"
        "spec = kata_oci.decode_spec(open(sys.argv[1], 'rb').read());"
        "spec.annotations = {'io.katacontainers.config.hypervisor.default_memory': '2048'};"
        "rc = kata_oci.RuntimeConfig(hypervisor_type=kata_oci.HypervisorType.QEMU);"
        "rc.hypervisor_config.enable_annotations = ['.*'];"
        "kata_oci.sandbox_config(spec, rc, '/b', 'c'); print(o.KATA1_TABLE._key_index is None);"
        "plan = kata_oci.plan_annotations({'io.katacontainers.config.hypervisor.default_memry': '1'}, rc);"
        "print(o.KATA1_TABLE._key_index is not None, plan.decisions[0].hint)"
    )
    fixture = str(FIXTURES / "kata-minimal-config.json")
    run = subprocess.run([sys.executable, "-c", code, fixture], capture_output=True, text=True, check=True)
    assert run.stdout.split() == [
        "True",
        "True",
        "did",
        "you",
        "mean",
        "io.katacontainers.config.hypervisor.default_memory?",
    ]


# -- closest()'s first test: a name no known name is one edit away from costs two look-ups ----------


class _Everything:
    """A set holding every string: with it as heads and tails, closest() skips its first test."""

    def __contains__(self, item: object) -> bool:
        return True


def _indexes() -> list[KeyIndex]:
    from kata_oci.profiles.go.annotate import GO_TABLE

    return [kata1_annotate.KATA1_TABLE.key_index, GO_TABLE.key_index]


def _near_and_far_keys(index: KeyIndex) -> list[str]:
    """Keys one edit (of every kind, at every position) from each known name, and keys far from all."""
    import random

    rng = random.Random(17)
    letters = "abcdefghijklmnopqrstuvwxyz_.-0"
    names = sorted({k.rpartition(".")[2] for k in index.known})
    sections = ["io.katacontainers.config.hypervisor", "io.katacontainer.config.agent", "example.com/x"]
    out: list[str] = []
    for name in names:
        edits = {name[:i] + name[i + 1 :] for i in range(len(name))}  # a character missing
        edits |= {name[:i] + rng.choice(letters) + name[i:] for i in range(len(name) + 1)}  # one too many
        edits |= {name[:i] + rng.choice(letters) + name[i + 1 :] for i in range(len(name))}  # changed
        edits |= {name[:i] + name[i + 1] + name[i] + name[i + 2 :] for i in range(len(name) - 1)}  # swapped
        out += [f"{rng.choice(sections)}.{e}" for e in sorted(edits)]
    for _ in range(3000):  # far: random names, and "kata" keys that are no Kata key at all
        name = "".join(rng.choice(letters) for _ in range(rng.randint(0, 30)))
        out += [f"{rng.choice(sections)}.{name}", f"example.com/kata-{name}", name]
    return out


@pytest.mark.parametrize("which", [0, 1], ids=["kata1", "go"])
def test_closest_first_test_never_changes_the_answer(which: int) -> None:
    index = _indexes()[which]
    keys = _near_and_far_keys(index)
    fast = [index.closest(k) for k in keys]
    full = KeyIndex(index.known, index.removed, prefix=index.prefix)
    full._heads = full._tails = _Everything()  # type: ignore[assignment]
    assert fast == [full.closest(k) for k in keys]
    found = sum(c is not None for c in fast)
    assert found > len(keys) // 4  # the near keys are found (so both paths were compared on hits)
    assert found < len(keys) - 3000  # and the far ones are not


def test_closest_first_test_answers_far_keys_without_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    from kata_oci import hints

    index = _indexes()[0]
    calls: list[tuple[str, str]] = []
    real = hints._one_edit

    def counting(a: str, b: str) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hints, "_one_edit", counting)
    assert index.closest("example.com/kata-4f9c2e71b0") is None
    assert index.closest("io.katacontainers.config.hypervisor.zzzzzzzzzzzz") is None
    assert calls == []
    assert index.closest("io.katacontainers.config.hypervisor.default_memroy") is not None


def test_toml_string_reads_back_as_the_text_in_toml() -> None:
    """Both ways of quoting (in C without control characters, else character by character) are TOML's."""
    import random

    from kata_oci.hints import toml_string

    rng = random.Random(5)
    alphabet = ["\\", '"', "a", "^", "$", ".", "\n", "\t", "\x00", "\x1f", "\x7f", "é", "\u2028", " "]
    texts = [
        "",
        "^default_vcpus$",
        "^a\\.b$",
        '"',
        "\\\\",
        *("".join(rng.choices(alphabet, k=rng.randrange(12))) for _ in range(2000)),
    ]
    for text in texts:
        quoted = toml_string(text)
        assert tomllib.loads(f"x = {quoted}")["x"] == text, repr(text)
        assert quoted.isprintable() or "\u2028" in text  # control characters escaped, never raw
