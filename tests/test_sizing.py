"""Sandbox and container sizing: Kata 2.x's arithmetic, and each CRI plugin's keys."""

from __future__ import annotations

import json
import math
import struct
from typing import Any

import msgspec
import pytest
from structlog.testing import capture_logs

import kata_oci
from kata_oci import (
    CRI,
    CRIConflictError,
    Engine,
    PluginError,
    Sizing,
    SizingKeys,
    calculate_container_sizing,
    calculate_vm_resources,
    hookimpl,
)
from kata_oci.golang import NumError
from kata_oci.sizing import MAX_MEMORY_MB, parse_go_int

from helpers import shared_path, spec_with

CTRD = {
    "period": "io.kubernetes.cri.sandbox-cpu-period",
    "quota": "io.kubernetes.cri.sandbox-cpu-quota",
    "shares": "io.kubernetes.cri.sandbox-cpu-shares",
    "memory": "io.kubernetes.cri.sandbox-memory",
}
CRIO_RESOURCES = "pod-linux-resources.crio.io"
CRIO_RESOURCES_V1 = "io.kubernetes.cri-o.PodLinuxResources"
CRIO_OVERHEAD = "pod-linux-overhead.crio.io"
CRIO_OVERHEAD_V1 = "io.kubernetes.cri-o.PodLinuxOverhead"


def _go_f32(x: float) -> float:
    value: float = struct.unpack("<f", struct.pack("<f", x))[0]
    return value


# -- Kata's own test cases, copied from src/runtime/pkg/oci/utils_test.go (@7c6ba40) --------------

# TestCalculateContainerSizing: (spec as JSON, cpu, mem MiB)
KATA_CONTAINER_SIZING: list[tuple[Any, float, int]] = [
    (None, 0, 0),
    ({}, 0, 0),
    ({"linux": {"resources": {"cpu": {}, "memory": {}}}}, 0, 0),
    ({"linux": {"resources": {"cpu": {"quota": 200, "period": 100}, "memory": {"limit": 1048576}}}}, 2, 1),
    (
        {"linux": {"resources": {"cpu": {"quota": 200, "period": 1}, "memory": {"limit": 1073741824}}}},
        200,
        1024,
    ),
    (
        {"linux": {"resources": {"cpu": {"quota": 200, "period": 1}, "memory": {"limit": -1073741824}}}},
        200,
        0,
    ),
    ({"linux": {"resources": {"cpu": {"quota": 10, "period": 0}, "memory": {"limit": 0}}}}, 0, 0),
    ({"linux": {"resources": {"cpu": {"quota": 10, "period": 1}, "memory": {"limit": -1}}}}, 10, 0),
]

# TestCalculateSandboxSizing, containerd's annotations: (memory, quota, period, shares, cpu, mem MiB)
KATA_SANDBOX_SIZING: list[tuple[str, str, str, str | None, float, int]] = [
    ("1048576", "200", "100", None, 2, 1),
    ("1024", "200", "1", None, 200, 0),
    ("foobar", "200", "spaghetti", None, 0, 0),
    ("-1048576", "-100", "1", None, 0, 0),
    ("-1", "100", "1", None, 100, 0),
    ("4294967296", "400", "100", None, 4, 4096),
    ("1048576", "-1", "100", "2048", 2, 1),
    ("0", "-1", "100", "1536", 2, 0),
    ("0", "0", "100", "2", 0, 0),
    ("0", "200", "100", "8192", 2, 0),
    ("0", "-1", "100", "0", 0, 0),
]


@pytest.mark.parametrize(("doc", "cpu", "mem"), KATA_CONTAINER_SIZING)
def test_kata_container_sizing_cases(doc: Any, cpu: float, mem: int) -> None:
    spec = None if doc is None else kata_oci.decode_spec(json.dumps(doc).encode())
    assert calculate_container_sizing(spec) == Sizing(vcpus=cpu, memory_mb=mem)


@pytest.mark.parametrize(("memory", "quota", "period", "shares", "cpu", "mem"), KATA_SANDBOX_SIZING)
def test_kata_sandbox_sizing_cases(
    engine: Engine, memory: str, quota: str, period: str, shares: str | None, cpu: float, mem: int
) -> None:
    ann = {CTRD["memory"]: memory, CTRD["quota"]: quota, CTRD["period"]: period}
    if shares is not None:
        ann[CTRD["shares"]] = shares
    assert engine.sandbox_sizing(spec_with(ann)) == Sizing(vcpus=cpu, memory_mb=mem)


@pytest.mark.parametrize("spec", [None, kata_oci.Spec(), spec_with({})])
def test_kata_sandbox_sizing_without_annotations(engine: Engine, spec: kata_oci.Spec | None) -> None:
    answer = engine.sandbox_sizing_answer(spec)
    assert answer == kata_oci.SizingAnswer(Sizing(vcpus=0, memory_mb=0), None, ())


def test_the_copied_cases_are_katas() -> None:
    data = json.loads(shared_path("corpus", "kata-tests", "kata2-utils_test-expectations.json").read_text())
    tests = {t["go_test"]: t for t in data["tests"]}
    container = [(c["spec"], c["cpu"], c["mem_mib"]) for c in tests["TestCalculateContainerSizing"]["cases"]]
    assert container == [(doc, cpu, mem) for doc, cpu, mem in KATA_CONTAINER_SIZING]
    sandbox = tests["TestCalculateSandboxSizing"]
    assert sandbox["keys"] == CTRD
    annotated = [c for c in sandbox["cases"] if "spec" not in c]
    assert [
        (c["memory"], c["quota"], c["period"], c["shares"], c["cpu"], c["mem_mib"]) for c in annotated
    ] == KATA_SANDBOX_SIZING
    assert [c["spec"] for c in sandbox["cases"] if "spec" in c] == [None, {}]


# -- the arithmetic beyond Kata's cases -----------------------------------------------------------


@pytest.mark.parametrize("shares", [0, 2, 2048])
def test_cfs_quota_disabled_gives_zero_vcpus_whatever_the_shares(engine: Engine, shares: int) -> None:
    # kata-containers#11312: nodes without CFS quotas write quota = period = 0. Kata must not divide
    # by zero, and (since #13140) only a negative quota lets the shares speak: 0 vCPUs, as Kata.
    ann = {CTRD["quota"]: "0", CTRD["period"]: "0", CTRD["shares"]: str(shares), CTRD["memory"]: "536870912"}
    assert engine.sandbox_sizing(spec_with(ann)) == Sizing(vcpus=0, memory_mb=512)
    assert calculate_vm_resources(0, 0, 0, shares=shares) == Sizing()
    doc = {"linux": {"resources": {"cpu": {"quota": 0, "period": 0, "shares": shares}}}}
    assert calculate_container_sizing(kata_oci.decode_spec(json.dumps(doc).encode())) == Sizing()


def test_container_sizing_never_uses_shares() -> None:
    doc = {"linux": {"resources": {"cpu": {"quota": -1, "period": 100000, "shares": 4096}}}}
    assert calculate_container_sizing(kata_oci.decode_spec(json.dumps(doc).encode())).vcpus == 0
    assert calculate_vm_resources(100000, -1, 0, shares=4096).vcpus == 4


def test_container_sizing_needs_both_quota_and_period() -> None:
    doc = {"linux": {"resources": {"cpu": {"quota": 200000}, "memory": {"limit": 2097152}}}}
    assert calculate_container_sizing(kata_oci.decode_spec(json.dumps(doc).encode())) == Sizing(0, 2)


@pytest.mark.parametrize(
    ("quota", "period", "vcpus", "whole"),
    [
        (220000, 100000, 2.2, 3),  # Kata's own comment: "2200 mCPU rounded up to 3"
        (50000, 100000, 0.5, 1),
        (150000, 100000, 1.5, 2),
        (1, 3, 0.33333334, 1),  # float32, printed as Go prints it
        (100000001, 100000000, 1.0, 1),  # float32 rounds 1.00000001 to 1: Kata boots 1 vCPU, not 2
        (16777217, 1, 16777216.0, 16777216),  # float32(16777217) is 16777216
    ],
)
def test_vcpus_are_go_float32_and_rounded_up_only_on_demand(
    quota: int, period: int, vcpus: float, whole: int
) -> None:
    sizing = calculate_vm_resources(period, quota, 0)
    assert sizing.vcpus == vcpus
    assert _go_f32(sizing.vcpus) == _go_f32(_go_f32(quota) / _go_f32(period))
    assert sizing.whole_vcpus == whole


def test_int64_to_float32_is_rounded_once_as_go_does() -> None:
    # 2**53 + 2**29 + 1: via float64 it would round down to a float32 tie, then to even (down);
    # Go converts the int64 directly and rounds up.
    n = 2**53 + 2**29 + 1
    assert _go_f32(float(n)) == float(2**53)  # the double rounding Go does not do
    sizing = calculate_vm_resources(1, n, 0)
    assert sizing.vcpus == 9.0072e15  # what Go prints for that float32
    assert _go_f32(sizing.vcpus) == float(2**53 + 2**30)
    assert sizing.whole_vcpus == 2**53 + 2**30  # rounded from the float32, not from 9.0072e15
    assert calculate_vm_resources(1, 2**63 - 1, 0).vcpus == 9.223372e18


def test_shares_fallback_rounds_up() -> None:
    assert calculate_vm_resources(100000, -1, 0, shares=1).vcpus == 1
    assert calculate_vm_resources(100000, -1, 0, shares=1025).vcpus == 2
    assert calculate_vm_resources(0, -1, 0, shares=3072).vcpus == 3


def test_negative_period_or_shares_count_as_zero() -> None:
    assert calculate_vm_resources(-100000, 50000, 0) == Sizing()
    assert calculate_vm_resources(100000, -1, 0, shares=-2048) == Sizing()


def test_memory_is_whole_mib_and_saturates_instead_of_wrapping() -> None:
    assert calculate_vm_resources(0, 0, 2 * 1048576 - 1).memory_mb == 1
    with capture_logs() as logs:
        huge = calculate_vm_resources(0, 0, 2**63 - 1)
    assert huge.memory_mb == MAX_MEMORY_MB  # Go's uint32() would give 4294967295 here too, by wrapping
    with capture_logs() as logs:
        assert calculate_vm_resources(0, 0, (2**32 + 5) * 1048576).memory_mb == MAX_MEMORY_MB  # Go: 5
    assert [e["event"] for e in logs] == ["sizing_memory_too_large"]


def test_sizing_is_a_frozen_msgspec_struct_that_encodes() -> None:
    sizing = Sizing(vcpus=1.5, memory_mb=256, overhead=Sizing(vcpus=0.25, memory_mb=64))
    with pytest.raises(AttributeError):
        sizing.vcpus = 2  # type: ignore[misc]
    assert msgspec.json.decode(msgspec.json.encode(sizing), type=Sizing) == sizing
    assert str(sizing) == "1.5 vCPUs, 256 MiB (+ overhead 0.25 vCPUs, 64 MiB)"


# -- Go's integer parsing ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "signed", "expected"),
    [
        ("100000", False, 100000),
        ("007", False, 7),
        ("18446744073709551615", False, 2**64 - 1),
        ("-1", True, -1),
        ("+5", True, 5),
        ("9223372036854775807", True, 2**63 - 1),
        ("-9223372036854775808", True, -(2**63)),
    ],
)
def test_parse_go_int_accepts(value: str, signed: bool, expected: int) -> None:
    assert parse_go_int(value, signed=signed) == expected


@pytest.mark.parametrize(
    ("value", "signed", "message"),
    [
        ("", True, 'strconv.ParseInt: parsing "": invalid syntax'),
        ("+", True, 'strconv.ParseInt: parsing "+": invalid syntax'),
        ("-1", False, 'strconv.ParseUint: parsing "-1": invalid syntax'),
        (" 1", True, 'strconv.ParseInt: parsing " 1": invalid syntax'),
        ("1e3", True, 'strconv.ParseInt: parsing "1e3": invalid syntax'),
        ("0x10", True, 'strconv.ParseInt: parsing "0x10": invalid syntax'),
        ("1_000", True, 'strconv.ParseInt: parsing "1_000": invalid syntax'),
        ("9223372036854775808", True, 'strconv.ParseInt: parsing "9223372036854775808": value out of range'),
        (
            "99999999999999999999",
            True,
            'strconv.ParseInt: parsing "99999999999999999999": value out of range',
        ),
        (
            "18446744073709551616",
            False,
            'strconv.ParseUint: parsing "18446744073709551616": value out of range',
        ),
    ],
)
def test_parse_go_int_rejects_as_go_does(value: str, signed: bool, message: str) -> None:
    with pytest.raises(NumError) as info:
        parse_go_int(value, signed=signed)
    assert str(info.value) == message


# -- containerd -----------------------------------------------------------------------------------


def test_containerd_real_sandbox_spec() -> None:
    path = shared_path("corpus", "real-specs", "containerd-v1.7.10-cri-generated", "sandbox-config.json")
    spec = kata_oci.parse_config_json(path)
    assert kata_oci.calculate_sandbox_sizing(spec) == Sizing(vcpus=0.5, memory_mb=256)
    container = kata_oci.parse_config_json(path.with_name("container-config.json"))
    assert calculate_container_sizing(container) == Sizing(vcpus=0.5, memory_mb=256)
    assert (
        kata_oci.calculate_sandbox_sizing(container) == Sizing()
    )  # containerd writes it on the sandbox only


def test_containerd_best_effort_pod_gets_no_vcpu_from_its_floor_shares() -> None:
    path = shared_path("corpus", "real-specs", "containerd-v1.7.10-cri-generated")
    spec = kata_oci.parse_config_json(path / "besteffort-hostnet-sandbox-config.json")
    assert spec.annotations is not None
    assert spec.annotations[CTRD["shares"]] == "2"
    assert kata_oci.calculate_sandbox_sizing(spec) == Sizing()


def test_containerd_unparsable_values_warn_and_count_as_zero(engine: Engine) -> None:
    ann = {CTRD["period"]: "spaghetti", CTRD["quota"]: "200", CTRD["memory"]: "1Gi", CTRD["shares"]: "-2"}
    with capture_logs() as logs:
        sizing = engine.sandbox_sizing(spec_with(ann))
    assert sizing == Sizing()
    warnings = {e["key"]: e for e in logs if e["event"] == "sandbox_sizing_value_invalid"}
    assert set(warnings) == {CTRD["period"], CTRD["memory"], CTRD["shares"]}
    assert warnings[CTRD["period"]]["value"] == "spaghetti"
    assert warnings[CTRD["period"]]["reason"] == 'strconv.ParseUint: parsing "spaghetti": invalid syntax'
    assert warnings[CTRD["memory"]]["cri"] == "containerd"
    assert all(e["log_level"] == "warning" for e in warnings.values())


def test_containerd_one_key_is_enough_to_answer(engine: Engine) -> None:
    answer = engine.sandbox_sizing_answer(spec_with({CTRD["memory"]: "268435456"}))
    assert (answer.plugin, answer.sizing) == ("kata_oci_containerd", Sizing(vcpus=0, memory_mb=256))


def test_containerd_declares_its_sizing_keys() -> None:
    import kata_oci_containerd

    sizing = kata_oci_containerd.CRI_KEYS.sizing
    assert sizing == SizingKeys(
        cpu_period=CTRD["period"], cpu_quota=CTRD["quota"], cpu_shares=CTRD["shares"], memory=CTRD["memory"]
    )


def test_containerd_keys_match_containerds_source() -> None:
    for name in (
        "containerd-v1.7.33-pkg-cri-annotations.json",
        "containerd-HEAD-internal-cri-annotations.json",
    ):
        keys = json.loads(shared_path("corpus", "keys", name).read_text())
        values = {c["name"]: c["value"] for c in keys["constants"]}
        assert [
            values[n] for n in ("SandboxCPUPeriod", "SandboxCPUQuota", "SandboxCPUShares", "SandboxMem")
        ] == [
            CTRD["period"],
            CTRD["quota"],
            CTRD["shares"],
            CTRD["memory"],
        ]


# -- CRI-O ------------------------------------------------------------------------------------------


def _crio(**annotations: str) -> dict[str, str]:
    return {"io.kubernetes.cri-o.ContainerType": "sandbox", **annotations}


# What CRI-O's json.Marshal of the CRI message gives (snake_case json tags, omitempty).
RESOURCES = (
    '{"cpu_period":100000,"cpu_quota":150000,"cpu_shares":1536,"memory_limit_in_bytes":536870912,'
    '"hugepage_limits":[{"page_size":"2MB"},{"page_size":"1GB"}],"unified":{"memory.oom.group":"1"}}'
)
OVERHEAD = '{"cpu_period":100000,"cpu_quota":25000,"cpu_shares":256,"memory_limit_in_bytes":167772160}'


def test_crio_resources_and_overhead(engine: Engine) -> None:
    answer = engine.sandbox_sizing_answer(spec_with({CRIO_RESOURCES: RESOURCES, CRIO_OVERHEAD: OVERHEAD}))
    assert answer.plugin == "kata_oci_crio"
    assert answer.sizing == Sizing(vcpus=1.5, memory_mb=512, overhead=Sizing(vcpus=0.25, memory_mb=160))
    assert answer.sizing.whole_vcpus == 2  # the overhead is reported, not added


def test_crio_before_1_35_used_the_v1_keys(engine: Engine) -> None:
    spec = spec_with(_crio(**{CRIO_RESOURCES_V1: RESOURCES, CRIO_OVERHEAD_V1: OVERHEAD}))
    assert engine.sandbox_sizing(spec) == Sizing(1.5, 512, Sizing(0.25, 160))


def test_crio_prefers_the_v2_key_as_crio_does(engine: Engine) -> None:
    spec = spec_with({CRIO_RESOURCES: RESOURCES, CRIO_RESOURCES_V1: '{"cpu_period":1,"cpu_quota":8}'})
    assert engine.sandbox_sizing(spec) == Sizing(vcpus=1.5, memory_mb=512)


def test_crio_null_means_kubelet_sent_nothing(engine: Engine) -> None:
    answer = engine.sandbox_sizing_answer(spec_with({CRIO_RESOURCES: "null", CRIO_OVERHEAD: "null"}))
    assert (answer.plugin, answer.sizing) == ("kata_oci_crio", Sizing())
    assert answer.sizing.overhead is None


def test_crio_overhead_alone(engine: Engine) -> None:
    assert engine.sandbox_sizing(spec_with({CRIO_OVERHEAD: OVERHEAD})) == Sizing(0, 0, Sizing(0.25, 160))


def test_crio_static_cpu_manager_sizes_from_shares(engine: Engine) -> None:
    raw = '{"cpu_period":100000,"cpu_quota":-1,"cpu_shares":4096,"memory_limit_in_bytes":1073741824}'
    assert engine.sandbox_sizing(spec_with({CRIO_RESOURCES: raw})) == Sizing(vcpus=4, memory_mb=1024)


def test_crio_omitted_fields_are_zero_and_quota_disabled_is_safe(engine: Engine) -> None:
    assert engine.sandbox_sizing(spec_with({CRIO_RESOURCES: "{}"})) == Sizing()
    assert engine.sandbox_sizing(spec_with({CRIO_RESOURCES: '{"cpu_shares":2048}'})) == Sizing()


@pytest.mark.parametrize(
    "raw",
    [
        "{not json",
        '{"cpu_period":"100000","cpu_quota":200000}',  # protojson writes int64 as strings: not CRI-O
        '{"cpu_period":100000.5}',
        '{"cpu_quota":true}',
        "[100000, 200000]",
        '{"cpu_quota":9223372036854775808}',
    ],
)
def test_crio_unreadable_json_warns_and_counts_as_zero(engine: Engine, raw: str) -> None:
    with capture_logs() as logs:
        answer = engine.sandbox_sizing_answer(spec_with({CRIO_RESOURCES: raw}))
    assert (answer.plugin, answer.sizing) == ("kata_oci_crio", Sizing())
    (warning,) = [e for e in logs if e["event"] == "sandbox_sizing_value_invalid"]
    assert warning["key"] == CRIO_RESOURCES
    assert warning["cri"] == "crio"
    assert warning["log_level"] == "warning"


def test_crio_camel_case_names_are_not_what_crio_writes(engine: Engine) -> None:
    raw = '{"cpuPeriod":100000,"cpuQuota":200000,"memoryLimitInBytes":1073741824}'
    assert engine.sandbox_sizing(spec_with({CRIO_RESOURCES: raw})) == Sizing()


def test_crio_negative_period_warns(engine: Engine) -> None:
    with capture_logs() as logs:
        sizing = engine.sandbox_sizing(spec_with({CRIO_RESOURCES: '{"cpu_period":-100000,"cpu_quota":5}'}))
    assert sizing == Sizing()
    assert [e["reason"] for e in logs if e["event"] == "sandbox_sizing_value_invalid"] == [
        "cpu_period is negative"
    ]


def test_crio_hook_through_pluggy_is_firstresult(engine: Engine) -> None:
    hook = engine.plugin_manager.hook.kata_oci_sandbox_sizing
    assert hook(annotations={CRIO_RESOURCES: RESOURCES}) == Sizing(vcpus=1.5, memory_mb=512)
    assert hook(annotations={}) is None


def test_crio_keys_match_crios_source() -> None:
    import kata_oci_crio

    head = json.loads(shared_path("corpus", "keys", "crio-HEAD-pkg-annotations-v2.json").read_text())
    values = {c["name"]: c["value"] for c in head["constants"]}
    assert values["PodLinuxResources"] == kata_oci_crio.POD_LINUX_RESOURCES
    assert values["PodLinuxOverhead"] == kata_oci_crio.POD_LINUX_OVERHEAD
    assert values["V1PodLinuxResources"] == kata_oci_crio.POD_LINUX_RESOURCES_V1
    assert values["V1PodLinuxOverhead"] == kata_oci_crio.POD_LINUX_OVERHEAD_V1


# -- dockershim ----------------------------------------------------------------------------------


def test_dockershim_writes_no_sizing(builtin_plugins: list[object]) -> None:
    import kata_oci_dockershim

    assert kata_oci_dockershim.CRI_KEYS.sizing is None
    only_docker = Engine.from_plugins([builtin_plugins[2]])
    ann = {"io.kubernetes.docker.type": "podsandbox", "io.kubernetes.pod.name": "p", CTRD["quota"]: "100"}
    assert only_docker.sandbox_sizing_answer(spec_with(ann)) == kata_oci.SizingAnswer(Sizing())


# -- conflicts, third-party plugins, errors ------------------------------------------------------------


BOTH = {CTRD["quota"]: "200000", CTRD["period"]: "100000", CRIO_RESOURCES: RESOURCES}


def test_disagreeing_cris_first_wins_with_a_warning(engine: Engine) -> None:
    with capture_logs() as logs:
        answer = engine.sandbox_sizing_answer(spec_with(BOTH))
    assert (answer.plugin, answer.sizing) == ("kata_oci_containerd", Sizing(vcpus=2, memory_mb=0))
    (conflict,) = answer.conflicts
    assert "kata_oci_containerd" in conflict and "kata_oci_crio" in conflict
    assert "2 vCPUs, 0 MiB" in conflict and "1.5 vCPUs, 512 MiB" in conflict
    assert [e["what"] for e in logs if e["event"] == "cri_conflict"] == ["sandbox sizing"]


def test_disagreeing_cris_strict_raise(builtin_plugins: list[object]) -> None:
    strict = Engine.from_plugins(builtin_plugins, strict=True)
    with pytest.raises(CRIConflictError) as info:
        strict.sandbox_sizing(spec_with(BOTH))
    assert info.value.what == "sandbox sizing"
    assert "kata_oci_crio" in str(info.value)
    assert strict.sandbox_sizing(spec_with(BOTH), strict=False).vcpus == 2
    with pytest.raises(CRIConflictError):
        kata_oci.calculate_sandbox_sizing(spec_with(BOTH), strict=True)


def test_agreeing_cris_are_no_conflict(engine: Engine) -> None:
    ann = {CTRD["quota"]: "150000", CTRD["period"]: "100000", CTRD["memory"]: "536870912"}
    raw = '{"cpu_period":100000,"cpu_quota":150000,"memory_limit_in_bytes":536870912}'
    assert engine.sandbox_sizing_answer(spec_with({**ann, CRIO_RESOURCES: raw})).conflicts == ()


def test_a_third_party_sizing_table() -> None:
    class Plugin:
        __name__ = "tablecri"

        @hookimpl
        def kata_oci_declare_cri(self) -> CRI:
            return CRI(name="tablecri", sizing=SizingKeys(cpu_quota="x/quota", cpu_period="x/period"))

    engine = Engine.from_plugins([Plugin()])
    assert engine.sandbox_sizing({"x/quota": "300", "x/period": "100"}) == Sizing(vcpus=3)


@pytest.mark.parametrize(
    ("sizing", "message"),
    [
        ("io.example/cpus", "sizing must be a kata_oci.SizingKeys"),
        (SizingKeys(cpu_quota=5), "sizing.cpu_quota must be a string"),  # type: ignore[arg-type]
    ],
)
def test_bad_sizing_declaration_is_a_plugin_error(sizing: Any, message: str) -> None:
    class Plugin:
        __name__ = "badsizing"

        @hookimpl
        def kata_oci_declare_cri(self) -> CRI:
            return CRI(name="badsizing", sizing=sizing)

    with pytest.raises(PluginError, match=message):
        Engine.from_plugins([Plugin()])


def test_a_hook_returning_garbage_or_failing_is_a_plugin_error() -> None:
    class Garbage:
        __name__ = "garbage"

        @hookimpl
        def kata_oci_sandbox_sizing(self, annotations: Any) -> Any:
            return {"vcpus": 2}

    class Broken:
        __name__ = "broken"

        @hookimpl
        def kata_oci_sandbox_sizing(self, annotations: Any) -> Any:
            return 1 / 0

    with pytest.raises(PluginError, match=r"garbage.*not a kata_oci\.Sizing"):
        Engine.from_plugins([Garbage()]).sandbox_sizing({})
    with pytest.raises(PluginError, match=r"broken.*ZeroDivisionError") as info:
        Engine.from_plugins([Broken()]).sandbox_sizing({})
    assert info.value.plugin == "broken"


def test_a_hook_takes_the_place_of_its_own_table(builtin_plugins: list[object]) -> None:
    class Doubler:
        __name__ = "doubler"

        @hookimpl
        def kata_oci_declare_cri(self) -> CRI:
            return CRI(name="doubler", sizing=SizingKeys(cpu_quota="d/quota"))

        @hookimpl
        def kata_oci_sandbox_sizing(self, annotations: Any) -> Sizing | None:
            quota = annotations.get("d/quota")
            return None if quota is None else Sizing(vcpus=2 * int(quota))

    engine = Engine.from_plugins([Doubler(), *builtin_plugins])
    assert engine.sandbox_sizing({"d/quota": "3"}) == Sizing(vcpus=6)
    assert engine.sandbox_sizing({CTRD["quota"]: "1", CTRD["period"]: "1"}) == Sizing(vcpus=1)


def test_sizing_is_never_computed_for_the_container_type_or_sandbox_id(builtin_plugins: list[object]) -> None:
    calls: list[str] = []

    class Counting:
        __name__ = "counting"

        @hookimpl
        def kata_oci_sandbox_sizing(self, annotations: Any) -> None:
            calls.append("sizing")

        @hookimpl
        def kata_oci_pod_identity(self, annotations: Any) -> None:
            calls.append("identity")

    engine = Engine.from_plugins([*builtin_plugins, Counting()])
    spec = spec_with({"io.kubernetes.cri.container-type": "container", "io.kubernetes.cri.sandbox-id": "s"})
    for _ in range(3):
        engine.container_type(spec)
        engine.sandbox_id(spec)
        engine.resolve(spec)
    assert calls == []
    engine.sandbox_sizing(spec)
    engine.pod_identity(spec)
    assert calls == ["sizing", "identity"]


def test_whole_vcpus_is_ceil_of_the_float32() -> None:
    assert [Sizing(vcpus=v).whole_vcpus for v in (0, 0.1, 1, 2.2)] == [0, 1, 1, 3]
    assert Sizing(vcpus=1.00000001).whole_vcpus == 1  # float32(1.00000001) is 1
    assert math.ceil(1.00000001) == 2
