"""kata-oci benchmarks: every figure as a ratio to a baseline measured in the same run.

    uv run python benchmarks/run.py            # everything (about a minute)
    uv run python benchmarks/run.py --quick    # fewer repeats
    uv run python benchmarks/run.py --only cli # one group: table, e2e, convert, resolve, scale, unknown,
                                               # cli, k8s, profiles, audit, memory
    uv run python benchmarks/run.py --quick --only table --check   # CI: issue 17's targets, exit 1 if missed

Inputs: benchmarks/data/k8s-sandbox-config.json (a containerd pod sandbox with
46 annotations, 18 of them hypervisor overrides) and Kata's minimal test config.
Times are medians of many samples; the spread is the interquartile range.
Absolute times move between runs and machines; the ratios are the figures.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"

# Go reference figures (Kata 1.x pkg/oci, Go 1.19, a machine of this kind), in µs,
# and Python's json.loads of the same bytes measured back to back with them.
GO = {
    "e2e_k8s": 370.0,
    "convert_k8s": 78.0,
    "e2e_minimal": 96.0,
    "convert_minimal": 13.0,
    "resolve": 0.060,
    "process": 33_000.0,
    # SandboxConfig for a spec with 1,000 unknown io.katacontainers.config.hypervisor. keys (issue 15).
    "unknown_1000": 3_500.0,
}
GO_JSON_LOADS = {"k8s": 51.0, "minimal": 17.0}

# Figures the targets are checked against: case -> (median s, baseline s, msgspec floor s or None).
TARGETS: dict[str, tuple[float, float, float | None]] = {}


@dataclass
class Stats:
    median: float  # seconds per call
    q1: float
    q3: float

    @property
    def spread(self) -> float:
        return (self.q3 - self.q1) / self.median * 100 if self.median else 0.0


def measure(fn: Callable[[], Any], *, samples: int, target: float = 0.01) -> Stats:
    """Median time per call over `samples` samples of enough calls to last ~target seconds."""
    fn()
    number = 1
    while True:
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - t0
        if elapsed >= target or number >= 1 << 20:
            break
        number *= 2 if elapsed == 0 else max(2, min(10, int(target / elapsed) + 1))
    times = []
    gc_was = gc.isenabled()
    for _ in range(samples):
        t0 = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t0) / number)
    if gc_was:
        gc.enable()
    q = statistics.quantiles(times, n=4)
    return Stats(statistics.median(times), q[0], q[2])


def fmt_time(seconds: float) -> str:
    if seconds < 1e-6:
        return f"{seconds * 1e9:8.1f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} µs"
    return f"{seconds * 1e3:8.2f} ms"


class Report:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def row(
        self,
        group: str,
        case: str,
        stats: Stats,
        baseline: str | None = None,
        base: Stats | None = None,
        note: str = "",
    ) -> None:
        ratio = stats.median / base.median if base else None
        self.rows.append(
            {
                "group": group,
                "case": case,
                "median_s": stats.median,
                "spread_pct": stats.spread,
                "baseline": baseline,
                "ratio": ratio,
                "note": note,
            }
        )
        r = f"{ratio:6.2f}x {baseline}" if ratio is not None else ""
        print(f"  {case:<46}{fmt_time(stats.median)}  ±{stats.spread:4.1f}%  {r}  {note}", flush=True)


def k8s_bundle(tmp: Path) -> tuple[Path, Path]:
    """The k8s input in a bundle whose /dev/shm bind source exists (Kata measures it)."""
    bundle = tmp / "k8s"
    bundle.mkdir()
    shm = tmp / "shm"
    shm.mkdir()
    doc = json.loads((DATA / "k8s-sandbox-config.json").read_bytes())
    for m in doc["mounts"]:
        if m["destination"] == "/dev/shm":
            m["source"] = str(shm)
    (bundle / "config.json").write_bytes(json.dumps(doc, separators=(",", ":")).encode())
    return bundle, bundle / "config.json"


def minimal_bundle(tmp: Path) -> tuple[Path, Path]:
    bundle = tmp / "minimal"
    bundle.mkdir()
    shutil.copy(DATA / "minimal-config.json", bundle / "config.json")
    return bundle, bundle / "config.json"


def k8s_runtime_config() -> Any:
    import kata_oci

    return kata_oci.RuntimeConfig(
        hypervisor_type=kata_oci.HypervisorType.QEMU,
        hypervisor_config=kata_oci.HypervisorConfig(enable_annotations=[".*"]),
        agent_type=kata_oci.AgentType.KATA,
        agent_config=kata_oci.KataAgentConfig(),
    )


def minimal_runtime_config() -> Any:
    import kata_oci

    return kata_oci.RuntimeConfig(
        hypervisor_type=kata_oci.HypervisorType.QEMU,
        agent_type=kata_oci.AgentType.KATA,
        proxy_type=kata_oci.ProxyType.KATA,
        shim_type=kata_oci.ShimType.KATA,
    )


# Issue 17's table: Kata 1.x pkg/oci built with Go 1.19, one run on one of these 2-CPU machines,
# medians, in µs; with the yardsticks of that same run (Go's json.Unmarshal and Python's json.loads
# of the k8s bytes, `python -c pass`).
GO17 = {
    "e2e_k8s": 204.0,
    "e2e_minimal": 40.5,
    "sc_k8s": 48.6,
    "sc_minimal": 5.7,
    "ct_sid": 0.042,
    "mounts_1000": 285.0,
    "plain_10000": 244.0,
    "convert_process": 28_000.0,
    "resolve_process": 27_000.0,
}
GO17_JSON_UNMARSHAL = 147.0
GO17_JSON_LOADS = 36.0
GO17_PYTHON_PASS = 14_000.0
# Issue 15: 1,000 unknown io.katacontainers.config.hypervisor. keys took Go ~3.5 ms more or less the
# 78 µs of the bare conversion, in a run where json.loads of the k8s bytes took 51 µs.
GO15_UNKNOWN_PER_KEY_RATIO = (3_500.0 - 78.0) / 1000 / 51.0

# (case, label, Go in units of the yardstick or None, target as a multiple of Go's ratio, yardstick)
TABLE_CASES: list[tuple[str, str, float | None, float, str]] = [
    ("e2e_k8s", "parse + SandboxConfig, k8s", GO17["e2e_k8s"] / GO17_JSON_LOADS, 1 / 3, "J"),
    ("e2e_minimal", "parse + SandboxConfig, minimal", GO17["e2e_minimal"] / GO17_JSON_LOADS, 1 / 3, "J"),
    ("sc_k8s", "SandboxConfig alone, k8s", GO17["sc_k8s"] / GO17_JSON_LOADS, 1.0, "J"),
    ("sc_minimal", "SandboxConfig alone, minimal", GO17["sc_minimal"] / GO17_JSON_LOADS, 1.0, "J"),
    ("ct_sid", "ContainerType + SandboxID", GO17["ct_sid"] / GO17_JSON_LOADS, 6.0, "J"),
    ("ct_sid_floor", "  Python's floor: two such calls, empty bodies", None, 1.0, "J"),
    ("mounts_1000", "SandboxConfig alone, k8s + 1,000 mounts", GO17["mounts_1000"] / GO17_JSON_LOADS, 1, "J"),
    (
        "per_mount",
        "  per extra mount",
        (GO17["mounts_1000"] - GO17["sc_k8s"]) / 1000 / GO17_JSON_LOADS,
        1.0,
        "J",
    ),
    (
        "plain_10000",
        "SandboxConfig alone, k8s + 10,000 plain annotations",
        GO17["plain_10000"] / GO17_JSON_LOADS,
        2.0,
        "J",
    ),
    (
        "per_plain",
        "  per extra plain annotation",
        (GO17["plain_10000"] - GO17["sc_k8s"]) / 10_000 / GO17_JSON_LOADS,
        2.0,
        "J",
    ),
    (
        "per_lookalike",
        '  per extra look-alike key ("kata" in it, not Kata\'s)',
        (GO17["plain_10000"] - GO17["sc_k8s"]) / 10_000 / GO17_JSON_LOADS,  # to Go, a plain key
        2.0,
        "J",
    ),
    ("per_known", "per extra Kata annotation, known (the k8s input's 20)", None, 1.0, "J"),
    ("per_unknown", "per extra Kata annotation, unknown (1,000)", GO15_UNKNOWN_PER_KEY_RATIO, 1.0, "J"),
    (
        "per_refused",
        "per extra hypervisor key enable_annotations refuses",
        GO15_UNKNOWN_PER_KEY_RATIO,  # Go stops at the first: held to its per unknown key
        1.0,
        "J",
    ),
    ("per_env", "per extra process.env entry (10,000)", None, 1.0, "J"),
    ("per_gid", "per extra supplementary group (10,000)", None, 1.0, "J"),
    ("resolve_process", "`kata-oci resolve` process", GO17["resolve_process"] / GO17_PYTHON_PASS, 1.2, "P"),
    ("convert_process", "`kata-oci convert` process", GO17["convert_process"] / GO17_PYTHON_PASS, 2.0, "P"),
]
YARDSTICKS = {"J": "json.loads (k8s)", "P": "python -c pass"}
# case -> (median s, yardstick s): filled by bench_table, read by table_summary.
TABLE: dict[str, tuple[float, float]] = {}
MISSED: dict[str, str] = {}  # case -> "ratio > target", for the cases of the last table run


def _empty(spec: Any, *, strict: bool | None = None, profile: Any = None, engine: Any = None) -> None:
    """kata_oci.container_type's signature and nothing else: ct_sid's floor."""


def _refused(spec: Any, rc: Any, b: str) -> None:
    """A conversion that enable_annotations refuses: the AnnotationError is the expected result."""
    import kata_oci

    try:
        kata_oci.sandbox_config(spec, rc, b, "sandbox")
    except kata_oci.AnnotationError:
        return
    raise AssertionError("the refused keys were not refused")


def _profile_inputs(tmp: Path, profile: str) -> dict[str, tuple[Any, Any, str, Path]]:
    """name -> (spec, runtime configuration, bundle path, config.json) for one profile."""
    import kata_oci

    out = {}
    for name, maker in (("k8s", k8s_bundle), ("minimal", minimal_bundle)):
        bundle, path = maker(tmp / profile)
        spec = kata_oci.parse_config_json(bundle)
        if profile == "go":
            rc = go_runtime_config(annotations=name == "k8s")
            # use_vsock is a Kata 1.x key: unknown to 4.1, it would time a warning, not a conversion
            spec.annotations = {
                k: v for k, v in (spec.annotations or {}).items() if not k.endswith(".use_vsock")
            }
            doc = json.loads(path.read_bytes())
            doc["annotations"] = spec.annotations
            path.write_bytes(json.dumps(doc, separators=(",", ":")).encode())
        else:
            rc = k8s_runtime_config() if name == "k8s" else minimal_runtime_config()
        out[name] = (spec, rc, str(bundle), path)
    return out


def bench_table(rep: Report, tmp: Path, samples: int) -> None:
    """Issue 17's table, each case as a ratio to a yardstick of this run, beside Go's in the same units."""
    import kata_oci
    from kata_oci.gating import KATA_ANNOT_HYPERVISOR_PREFIX

    kata_oci.default_engine()
    k8s_bytes = (DATA / "k8s-sandbox-config.json").read_bytes()
    decoder = msgspec.json.Decoder()
    few = max(5, samples // 3)

    def convert(spec: Any, rc: Any, b: str) -> Any:
        return kata_oci.sandbox_config(spec, rc, b, "sandbox")

    def yardstick() -> Stats:
        return measure(lambda: json.loads(k8s_bytes), samples=samples)

    j_before = yardstick()
    msgspec_k8s = measure(lambda: decoder.decode(k8s_bytes), samples=samples)
    print(f"\nissue 17's table; yardstick J = json.loads of the k8s bytes: {fmt_time(j_before.median)}")
    print(
        f"  (in Go's run: json.loads {GO17_JSON_LOADS:g} µs, "
        f"Go's json.Unmarshal {GO17_JSON_UNMARSHAL:g} µs = "
        f"{GO17_JSON_UNMARSHAL / GO17_JSON_LOADS:.2f} J; here msgspec's decode = "
        f"{msgspec_k8s.median / j_before.median:.2f} J)"
    )
    figures: dict[str, float] = {}
    for profile in ("kata1", "go"):
        (tmp / profile).mkdir()
        inputs = _profile_inputs(tmp, profile)
        tag = "" if profile == "kata1" else " [go]"
        for name, (spec, rc, b, _) in inputs.items():
            figures[f"e2e_{name}{tag}"] = measure(
                lambda b=b, rc=rc: kata_oci.sandbox_config(kata_oci.parse_config_json(b), rc, b, "sandbox"),
                samples=samples,
            ).median
            figures[f"sc_{name}{tag}"] = measure(
                lambda spec=spec, rc=rc, b=b: kata_oci.sandbox_config(spec, rc, b, "sandbox"), samples=samples
            ).median
        spec, rc, b, _ = inputs["k8s"]
        base = figures[f"sc_k8s{tag}"]
        mounts = [
            kata_oci.spec.Mount(
                destination=f"/m{i}", type="bind", source=f"/src/{i}", options=["rbind", "ro"]
            )
            for i in range(1000)
        ]
        more = msgspec.structs.replace(spec, mounts=[*(spec.mounts or []), *mounts])
        t = measure(lambda more=more, rc=rc, b=b: convert(more, rc, b), samples=few)
        figures[f"mounts_1000{tag}"] = t.median
        figures[f"per_mount{tag}"] = (t.median - base) / 1000
        ann = dict(spec.annotations or {})
        ann.update((f"example.com/annotation-{i}", f"value-{i}") for i in range(10_000))
        more = msgspec.structs.replace(spec, annotations=ann)
        t = measure(lambda more=more, rc=rc, b=b: convert(more, rc, b), samples=few)
        figures[f"plain_10000{tag}"] = t.median
        figures[f"per_plain{tag}"] = (t.median - base) / 10_000
        ann = dict(spec.annotations or {})
        ann.update((f"example.com/kata-annotation-{i}", f"value-{i}") for i in range(10_000))
        more = msgspec.structs.replace(spec, annotations=ann)
        t = measure(lambda more=more, rc=rc, b=b: convert(more, rc, b), samples=few)
        figures[f"per_lookalike{tag}"] = (t.median - base) / 10_000
        kata = {k: v for k, v in (spec.annotations or {}).items() if k.startswith("io.katacontainers.")}
        bare = msgspec.structs.replace(
            spec, annotations={k: v for k, v in (spec.annotations or {}).items() if k not in kata}
        )
        t = measure(lambda bare=bare, rc=rc, b=b: convert(bare, rc, b), samples=few)
        figures[f"per_known{tag}"] = (base - t.median) / len(kata)
        ann = dict(spec.annotations or {})
        ann.update((f"io.katacontainers.config.hypervisor.unknown_knob_{i}", str(i)) for i in range(1000))
        more = msgspec.structs.replace(spec, annotations=ann)
        t = measure(lambda more=more, rc=rc, b=b: convert(more, rc, b), samples=few)
        figures[f"per_unknown{tag}"] = (t.median - base) / 1000
        # Keys enable_annotations refuses: a pattern that enables the k8s input's own keys only,
        # and the conversion with one refused key against the one with 1,001 (both raise).
        hyp = KATA_ANNOT_HYPERVISOR_PREFIX
        own = sorted(k[len(hyp) :] for k in spec.annotations or {} if k.startswith(hyp))
        narrow = msgspec.structs.replace(
            rc,
            hypervisor_config=msgspec.structs.replace(
                rc.hypervisor_config, enable_annotations=["^(" + "|".join(own) + ")$"]
            ),
        )
        refused = []
        for n in (1, 1001):
            ann = dict(spec.annotations or {})
            ann.update((f"{hyp}refused_knob_{i}", str(i)) for i in range(n))
            more = msgspec.structs.replace(spec, annotations=ann)
            refused.append(
                measure(lambda more=more, rc=narrow, b=b: _refused(more, rc, b), samples=few).median
            )
        figures[f"per_refused{tag}"] = (refused[1] - refused[0]) / 1000
        # Two more lists a pod author writes (the container's env and securityContext's
        # supplementalGroups), which Go's run did not measure: shown, with no target.
        process = spec.process
        env = [*(process.env or []), *(f"VAR_{i}=value-{i}" for i in range(10_000))]
        more = msgspec.structs.replace(spec, process=msgspec.structs.replace(process, env=env))
        t = measure(lambda more=more, rc=rc, b=b: convert(more, rc, b), samples=few)
        figures[f"per_env{tag}"] = (t.median - base) / 10_000
        user = msgspec.structs.replace(process.user, additional_gids=list(range(10_000)))
        more = msgspec.structs.replace(spec, process=msgspec.structs.replace(process, user=user))
        t = measure(lambda more=more, rc=rc, b=b: convert(more, rc, b), samples=few)
        figures[f"per_gid{tag}"] = (t.median - base) / 10_000
        prof = None if profile == "kata1" else profile
        figures[f"ct_sid{tag}"] = measure(
            lambda spec=spec, p=prof: (
                kata_oci.container_type(spec, profile=p),
                kata_oci.sandbox_id(spec, profile=p),
            ),
            samples=samples,
        ).median
        if not tag:  # the calls alone: what no body can save (the same signature, keyword arguments)
            figures["ct_sid_floor"] = measure(
                lambda spec=spec, p=prof: (_empty(spec, profile=p), _empty(spec, profile=p)), samples=samples
            ).median
    python = _installed(tmp)
    script = python.with_name("kata-oci")
    command = [str(script)] if script.exists() else [str(python), "-m", "kata_oci"]
    example = str(ROOT / "examples" / "bundles" / "containerd-pod-sandbox")
    cache = {"KATA_OCI_CACHE_DIR": str(tmp / "cache")}
    runs = max(11, samples)
    # kata1's shipped configuration (enable_annotations = [".*"]), as in Go's run
    config = str(ROOT / "kata_oci" / "data" / "configuration.toml")
    processes = (
        ("resolve_process", ["resolve", example]),
        ("convert_process", ["convert", example, "--config", config]),
    )
    for _, args in processes:  # warm: the plugin snapshot and the bytecode are written
        subprocess.run([*command, *args], check=True, stdout=subprocess.DEVNULL, env={**os.environ, **cache})
    floor = _time_process([str(python), "-c", "pass"], runs)
    for case, args in processes:
        figures[case] = _time_process([*command, *args], runs, cache).median
    j_after = yardstick()
    j = statistics.mean([j_before.median, j_after.median])
    drift = abs(j_after.median - j_before.median) / j * 100
    print(
        f"  J before {fmt_time(j_before.median)}, after {fmt_time(j_after.median)} (drift {drift:.0f}%: "
        f"the noise of this run); python -c pass {fmt_time(floor.median)}"
    )
    header = f"  {'case':<54}{'kata-oci':>11}  {'ratio':>9}  {'Go ratio':>9}  {'target':>9}"
    print(header)
    for profile_tag in ("", " [go]"):
        for case, label, go, factor, unit in TABLE_CASES:
            key = case + profile_tag
            if key not in figures:
                continue
            yard = j if unit == "J" else floor.median
            value = figures[key]
            ratio = value / yard
            TABLE[key] = (value, yard)
            target = go * factor if go is not None else None
            verdict = "" if target is None else ("met" if ratio <= target else "NOT met")
            if target is not None and ratio > target:
                MISSED[key] = f"{ratio:.4g} {unit} > {target:.4g} {unit}"
            rep.rows.append(
                {
                    "group": "table",
                    "case": key,
                    "median_s": value,
                    "baseline": YARDSTICKS[unit],
                    "ratio": ratio,
                    "go_ratio": go,
                    "target_ratio": target,
                }
            )
            go_s = f"{go:9.4g}" if go is not None else f"{'—':>9}"
            tgt = f"{target:9.4g}" if target is not None else f"{'—':>9}"
            shown = label + profile_tag
            print(f"  {shown:<54}{fmt_time(value)}  {ratio:8.4g}{unit}  {go_s}  {tgt}  {verdict}")
    print("  (ratios: J = json.loads of the k8s bytes, P = python -c pass;")
    print("   Go's ratios use the yardsticks of Go's run;")
    print("   [go] = the go profile (Kata 4.1) on the same input, against Kata 1.x's Go figures)")


def bench_e2e(rep: Report, tmp: Path, samples: int) -> None:
    import kata_oci

    # The floor is msgspec's untyped decode: the Spec structs refuse unknown members (so that
    # decode_spec can keep them), and the minimal input has one (the pre-1.0 "platform").
    decoder = msgspec.json.Decoder()
    for name, (bundle, path), rc in (
        ("k8s", k8s_bundle(tmp), k8s_runtime_config()),
        ("minimal", minimal_bundle(tmp), minimal_runtime_config()),
    ):
        print(f"\nbundle -> SandboxConfig, {name} input ({path.stat().st_size} bytes)")
        data = path.read_bytes()
        b = str(bundle)
        floor = measure(lambda path=path: decoder.decode(path.read_bytes()), samples=samples)
        loads = measure(lambda data=data: json.loads(data), samples=samples)
        e2e = measure(
            lambda b=b, rc=rc: kata_oci.sandbox_config(kata_oci.parse_config_json(b), rc, b, "sandbox"),
            samples=samples,
        )
        TARGETS[f"e2e_{name}"] = (e2e.median, loads.median, floor.median)
        rep.row("e2e", f"floor: read + msgspec.decode, untyped ({name})", floor)
        rep.row("e2e", f"reference: json.loads of the bytes ({name})", loads)
        rep.row("e2e", f"parse_config_json + sandbox_config ({name})", e2e, "msgspec floor", floor)
        rep.row(
            "e2e",
            f"  same, against json.loads ({name})",
            e2e,
            "json.loads",
            loads,
            note=f"Go: {GO[f'e2e_{name}'] / GO_JSON_LOADS[name]:.1f}x json.loads; 3x faster than Go: "
            f"≤ {GO[f'e2e_{name}'] / GO_JSON_LOADS[name] / 3:.1f}x",
        )


def bench_convert(rep: Report, tmp: Path, samples: int) -> None:
    import kata_oci

    print("\nSandboxConfig only (spec decoded once)")
    for name, (bundle, path), rc in (
        ("k8s", k8s_bundle(tmp), k8s_runtime_config()),
        ("minimal", minimal_bundle(tmp), minimal_runtime_config()),
    ):
        spec = kata_oci.parse_config_json(bundle)
        b = str(bundle)
        data = path.read_bytes()
        loads = measure(lambda data=data: json.loads(data), samples=samples)
        conv = measure(
            lambda spec=spec, rc=rc, b=b: kata_oci.sandbox_config(spec, rc, b, "sandbox"), samples=samples
        )
        TARGETS[f"convert_{name}"] = (conv.median, loads.median, None)
        rep.row(
            "convert",
            f"sandbox_config ({name})",
            conv,
            "json.loads",
            loads,
            note=f"Go: {GO[f'convert_{name}'] / GO_JSON_LOADS[name]:.2f}x json.loads",
        )


def bench_resolve(rep: Report, tmp: Path, samples: int) -> None:
    import kata_oci

    print("\ncontainer_type + sandbox_id")
    bundle, _ = k8s_bundle(tmp)
    spec = kata_oci.parse_config_json(bundle)
    kata_oci.default_engine()
    ann = spec.annotations or {}
    key = "io.kubernetes.cri.sandbox-id"
    base = measure(lambda: ann.get(key), samples=samples)
    both = measure(lambda: (kata_oci.container_type(spec), kata_oci.sandbox_id(spec)), samples=samples)
    rep.row("resolve", "baseline: one dict.get", base)
    TARGETS["resolve"] = (both.median, base.median, None)
    rep.row(
        "resolve",
        "container_type + sandbox_id (k8s)",
        both,
        "dict.get",
        base,
        note=f"target ≤ 1.5 µs; Go ~{GO['resolve'] * 1000:.0f} ns",
    )


def bench_scale(rep: Report, tmp: Path, samples: int) -> None:
    import kata_oci

    print("\nscale: cost per annotation and per mount must stay flat")
    bundle, _ = k8s_bundle(tmp)
    base_spec = kata_oci.parse_config_json(bundle)
    rc = k8s_runtime_config()
    b = str(bundle)
    for n in (10, 100, 1000, 10_000):
        ann = dict(base_spec.annotations or {})
        for i in range(n):
            ann[f"example.com/annotation-{i}"] = f"value-{i}"
        spec = msgspec.structs.replace(base_spec, annotations=ann)
        st = measure(
            lambda spec=spec: kata_oci.sandbox_config(spec, rc, b, "sandbox"), samples=max(5, samples // 3)
        )
        rep.row(
            "scale", f"annotations +{n:>6}", st, note=f"{st.median / n * 1e9:7.1f} ns per extra annotation"
        )
    for n in (10, 100, 1000):
        mounts = [
            kata_oci.spec.Mount(
                destination=f"/m{i}", type="bind", source=f"/src/{i}", options=["rbind", "ro"]
            )
            for i in range(n)
        ]
        spec = msgspec.structs.replace(base_spec, mounts=(base_spec.mounts or []) + mounts)
        st = measure(
            lambda spec=spec: kata_oci.sandbox_config(spec, rc, b, "sandbox"), samples=max(5, samples // 3)
        )
        rep.row("scale", f"mounts +{n:>5}", st, note=f"{st.median / n * 1e9:7.1f} ns per extra mount")


def bench_unknown(rep: Report, tmp: Path, samples: int) -> None:
    """1,000 unknown io.katacontainers. keys: each must cost a gate look-up, not a "did you mean" search."""
    import kata_oci

    print("\nunknown keys: 1,000 unknown io.katacontainers.config.hypervisor. keys (enabled by '.*')")
    bundle, path = k8s_bundle(tmp)
    base_spec = kata_oci.parse_config_json(bundle)
    rc = k8s_runtime_config()
    b = str(bundle)
    ann = dict(base_spec.annotations or {})
    for i in range(1000):
        ann[f"io.katacontainers.config.hypervisor.unknown_knob_{i}"] = str(i)
    spec = msgspec.structs.replace(base_spec, annotations=ann)
    data = path.read_bytes()
    loads = measure(lambda: json.loads(data), samples=samples)
    plain = measure(lambda: kata_oci.sandbox_config(base_spec, rc, b, "sandbox"), samples=samples)
    st = measure(lambda: kata_oci.sandbox_config(spec, rc, b, "sandbox"), samples=max(5, samples // 2))
    TARGETS["unknown_1000"] = (st.median, loads.median, None)
    rep.row("unknown", "reference: json.loads of the k8s bytes", loads)
    rep.row("unknown", "sandbox_config (k8s)", plain, "json.loads", loads)
    rep.row(
        "unknown",
        "sandbox_config (k8s + 1,000 unknown keys)",
        st,
        "json.loads",
        loads,
        note=f"{(st.median - plain.median) / 1000 * 1e9:6.0f} ns per unknown key; "
        f"Go: {GO['unknown_1000'] / GO_JSON_LOADS['k8s']:.0f}x json.loads, "
        f"{GO['unknown_1000'] / 1000:.1f} µs per key",
    )


def _time_process(cmd: list[str], runs: int, env: dict[str, str] | None = None) -> Stats:
    env = {**os.environ, **(env or {})}
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env, cwd=ROOT)
        times.append(time.perf_counter() - t0)
    q = statistics.quantiles(times, n=4)
    return Stats(statistics.median(times), q[0], q[2])


def _installed(tmp: Path) -> Path:
    """kata-oci and its plugins in a fresh environment, as a user installs them (bytecode compiled).

    The development environment also holds mypy's typing_extensions, which
    msgspec imports when present (~8 ms); a user's install does not.
    """
    uv = os.environ.get("UV") or shutil.which("uv")
    if uv is None:
        return Path(sys.executable)
    venv = tmp / "venv"
    subprocess.run([uv, "venv", "-q", "--python", sys.executable, str(venv)], check=True)
    python = venv / "bin" / "python"
    plugins = [str(ROOT / "plugins" / p) for p in ("containerd", "crio", "dockershim")]
    subprocess.run(
        [uv, "pip", "install", "-q", "--compile-bytecode", "--python", str(python), str(ROOT), *plugins],
        check=True,
    )
    # Workspace members install as editable: compile the sources too (PYTHONDONTWRITEBYTECODE
    # may be set, and then nothing would ever be cached).
    for path in (ROOT / "kata_oci", *(ROOT / "plugins" / p for p in ("containerd", "crio", "dockershim"))):
        subprocess.run(
            [str(python), "-m", "compileall", "-q", str(path)], check=False, stdout=subprocess.DEVNULL
        )
    return python


def bench_cli(rep: Report, tmp: Path, samples: int) -> None:
    print("\nthe kata-oci process, installed in a fresh environment")
    python = _installed(tmp)
    script = python.with_name("kata-oci")
    command = [str(script)] if script.exists() else [str(python), "-m", "kata_oci"]
    runs = max(15, samples)
    example = str(ROOT / "examples" / "bundles" / "containerd-pod-sandbox")
    crio = str(ROOT / "examples" / "bundles" / "crio-pod-sandbox")
    cache = {"KATA_OCI_CACHE_DIR": str(tmp / "cache")}
    floor = _time_process([str(python), "-c", "pass"], runs)
    msgspec_floor = _time_process([str(python), "-c", "import msgspec"], runs)
    rep.row("cli", "floor: python -c pass", floor)
    rep.row("cli", "reference: python -c 'import msgspec'", msgspec_floor, "python -c pass", floor)
    cases = (
        ("kata-oci resolve (containerd bundle)", ["resolve", example], cache),
        ("kata-oci resolve (CRI-O bundle: plugins loaded)", ["resolve", crio], cache),
        ("kata-oci resolve, no snapshot", ["resolve", example], {**cache, "KATA_OCI_NO_CACHE": "1"}),
        # kata1's shipped configuration (enable_annotations = [".*"]): the default one refuses its overrides
        (
            "kata-oci convert",
            ["convert", example, "--config", str(ROOT / "kata_oci" / "data" / "configuration.toml")],
            cache,
        ),
    )
    for name, args, env in cases:
        subprocess.run([*command, *args], check=True, stdout=subprocess.DEVNULL, env={**os.environ, **env})
        st = _time_process([*command, *args], runs, env)
        note = "target <= 4x" if name.startswith("kata-oci resolve (containerd") else ""
        if name == "kata-oci convert":
            note = f"Go whole process ~{GO['process'] / 1000:.0f} ms"
        rep.row("cli", name, st, "python -c pass", floor, note=note)
        if name.startswith("kata-oci resolve (containerd"):
            TARGETS["process"] = (st.median, floor.median, None)
    target = command if len(command) == 1 else command[1:]  # the script, or -m kata_oci
    out = subprocess.run(
        [str(python), "-X", "importtime", *target, "resolve", example],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={**os.environ, **cache},
    )
    rows = []
    for line in out.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    print("  import time of a warm `kata-oci resolve` (cumulative µs, top-level imports):")
    for cum, mod in sorted((r for r in rows if not r[1].startswith("  ")), reverse=True)[:12]:
        print(f"    {cum:>8}  {mod.strip()}")


def bench_memory(rep: Report, tmp: Path, samples: int, conversions: int) -> None:
    import kata_oci

    print(f"\nmemory: one conversion's peak, and growth over {conversions} conversions")
    bundle, _ = k8s_bundle(tmp)
    rc = k8s_runtime_config()
    b = str(bundle)

    def once() -> Any:
        return kata_oci.sandbox_config(kata_oci.parse_config_json(b), rc, b, "sandbox")

    once()
    tracemalloc.start()
    tracemalloc.reset_peak()
    base, _ = tracemalloc.get_traced_memory()
    result = once()
    _, peak = tracemalloc.get_traced_memory()
    del result
    print(f"  peak allocation of one conversion (k8s): {(peak - base) / 1024:.1f} KiB")
    window = max(1000, conversions // 10)
    for _ in range(window):
        once()
    gc.collect()
    start, _ = tracemalloc.get_traced_memory()
    for _ in range(conversions):
        once()
    gc.collect()
    end, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    growth = end - start
    print(f"  traced memory after {window} warm-up conversions: {start / 1024:.1f} KiB")
    print(
        f"  after {conversions} more: {end / 1024:.1f} KiB "
        f"(growth {growth / 1024:+.1f} KiB, {growth / conversions:+.2f} bytes per conversion)"
    )
    rep.rows.append({"group": "memory", "case": "growth_bytes", "value": growth, "peak_bytes": peak - base})


def _k8s_manifest(n: int, *, unique: bool) -> list[dict[str, Any]]:
    """``n`` pods of a Kata RuntimeClass, each with resources and four Kata annotations."""
    pods = []
    for i in range(n):
        v = i if unique else i % 10
        pods.append(
            {
                "apiVersion": "v1",
                "kind": "Pod",
                "metadata": {
                    "name": f"pod-{i}",
                    "namespace": "bench",
                    "labels": {"app": "bench", "tier": str(i % 3)},
                    "annotations": {
                        "io.katacontainers.config.hypervisor.kernel_params": f"agent.log=debug quiet x={v}",
                        "io.katacontainers.config.hypervisor.default_memory": "4096",
                        "io.katacontainers.config.agent.kernel_modules": "e1000e",
                        "io.katacontainers.config.runtime.disable_guest_seccomp": "true",
                        "prometheus.io/scrape": "true",
                    },
                },
                "spec": {
                    "runtimeClassName": "kata-qemu",
                    "containers": [
                        {
                            "name": "app",
                            "image": "registry.example/app:1.0",
                            "ports": [{"containerPort": 8080}],
                            "resources": {
                                "requests": {"cpu": "250m", "memory": "256Mi"},
                                "limits": {"cpu": "1", "memory": "1Gi"},
                            },
                        },
                        {
                            "name": "sidecar",
                            "image": "registry.example/proxy:2",
                            "resources": {"limits": {"cpu": "100m", "memory": "64Mi"}},
                        },
                    ],
                },
            }
        )
    return pods


def bench_k8s(rep: Report, tmp: Path, samples: int) -> None:
    """A 1,000-pod manifest file, read and checked layer by layer against kata-deploy's defaults."""
    print("\nk8s: a 1,000-pod manifest checked against kata-deploy 4.1 (containerd, configuration-qemu.toml)")
    for unique in (False, True):
        _bench_k8s_case(rep, max(5, samples // 3), unique=unique)


def _bench_k8s_case(rep: Report, few: int, *, unique: bool) -> None:
    import yaml

    from kata_oci.k8s import Cluster, check_manifests, parse_documents

    kata_dir = ROOT / "tests" / "fixtures" / "k8s" / "kata4-go"
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    pods = _k8s_manifest(1000, unique=unique)
    data = yaml.dump_all(pods, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False).encode()
    jdata = json.dumps({"apiVersion": "v1", "kind": "List", "items": pods}).encode()
    label = "1,000 distinct values" if unique else "10 distinct values"

    def check(raw: bytes) -> Any:
        cluster = Cluster(kata_config_dirs=[kata_dir])  # built per run: the cold case
        return check_manifests(parse_documents(raw), cluster)

    report = check(data)
    assert len(report.pods) == 1000
    assert len(report.records) == 4000
    parse = measure(lambda: list(yaml.load_all(data, Loader=loader)), samples=few, target=0.2)
    total = measure(lambda: check(data), samples=few, target=0.2)
    jtotal = measure(lambda: check(jdata), samples=few, target=0.2)
    jloads = measure(lambda: json.loads(jdata), samples=few, target=0.2)
    warm = Cluster(kata_config_dirs=[kata_dir])
    docs = parse_documents(data)
    check_manifests(docs[:1], warm)
    only = measure(lambda: check_manifests(docs, warm), samples=few, target=0.2)
    if not unique:
        TARGETS["k8s_1000"] = (total.median, parse.median, None)
    per_pod = f"{total.median / 1000 * 1e6:.0f} µs per pod"
    rep.row("k8s", f"reference: libyaml safe_load_all, {len(data) // 1024} KiB", parse)
    rep.row("k8s", f"YAML file: read + check ({label})", total, "libyaml load", parse, note=per_pod)
    rep.row("k8s", f"JSON List: read + check ({label})", jtotal, "json.loads", jloads)
    rep.row(
        "k8s",
        f"check only, warm cluster ({label})",
        only,
        "libyaml load",
        parse,
        note=f"{only.median / 1000 * 1e6:.0f} µs per pod",
    )


def go_runtime_config(*, annotations: bool) -> Any:
    """Kata 4.1's equivalent of the kata1 configurations above (the go profile's types)."""
    from kata_oci.profiles.go.types import HypervisorConfig, HypervisorType, RuntimeConfig

    hyp = (
        HypervisorConfig(enable_annotations=[".*"], entropy_source_list=["/dev/urandom"])
        if annotations
        else None
    )
    return RuntimeConfig(hypervisor_type=HypervisorType.QEMU, hypervisor_config=hyp or HypervisorConfig())


def bench_profiles(rep: Report, tmp: Path, samples: int) -> None:
    import kata_oci

    print("\nSandboxConfig by profile: go (Kata 4.1) against kata1 (Kata 1.x), the same spec")
    for name, (bundle, _), kata1_rc, go_rc in (
        ("k8s", k8s_bundle(tmp), k8s_runtime_config(), go_runtime_config(annotations=True)),
        ("minimal", minimal_bundle(tmp), minimal_runtime_config(), go_runtime_config(annotations=False)),
    ):
        spec = kata_oci.parse_config_json(bundle)
        # use_vsock is a Kata 1.x key: unknown to 4.1, it would time a warning, not a conversion
        spec.annotations = {k: v for k, v in (spec.annotations or {}).items() if not k.endswith(".use_vsock")}
        b = str(bundle)
        kata1 = measure(
            lambda spec=spec, rc=kata1_rc, b=b: kata_oci.sandbox_config(spec, rc, b, "sandbox"),
            samples=samples,
        )
        go = measure(
            lambda spec=spec, rc=go_rc, b=b: kata_oci.sandbox_config(spec, rc, b, "sandbox"), samples=samples
        )
        TARGETS[f"profile_go_{name}"] = (go.median, kata1.median, None)
        rep.row("profiles", f"sandbox_config, kata1 ({name})", kata1)
        rep.row("profiles", f"sandbox_config, go ({name})", go, "kata1", kata1, note="target: ≤ 1.0x kata1")


def node_state(tmp: Path, pods: int = 500) -> tuple[Path, Path]:
    """A node's state directories with ``pods`` Kata bundles (the k8s spec), half containerd, half CRI-O."""
    shm = tmp / "node-shm"
    shm.mkdir(exist_ok=True)
    doc = json.loads((DATA / "k8s-sandbox-config.json").read_bytes())
    for m in doc["mounts"]:
        if m["destination"] == "/dev/shm":
            m["source"] = str(shm)
    data = json.dumps(doc, separators=(",", ":")).encode()
    containerd, crio = tmp / "containerd", tmp / "crio"
    for i in range(pods):
        bundle = crio / f"{i:064x}" / "userdata" if i % 2 else containerd / "k8s.io" / f"{i:064x}"
        bundle.mkdir(parents=True)
        (bundle / "config.json").write_bytes(data)
        if not i % 2:
            (bundle / "shim-binary-path").write_text("/usr/local/bin/containerd-shim-kata-v2")
    return containerd, crio


def bench_audit(rep: Report, tmp: Path, samples: int) -> None:
    print("\nthe node audit: kata-oci check --all over 500 pods (the k8s spec, 46 annotations each)")
    python = _installed(tmp)
    script = python.with_name("kata-oci")
    command = [str(script)] if script.exists() else [str(python), "-m", "kata_oci"]
    containerd, crio = node_state(tmp)
    config = str(ROOT / "kata_oci" / "data" / "configuration.toml")
    args = ["check", "--containerd-root", str(containerd), "--crio-root", str(crio), "--config", config]
    env = {"KATA_OCI_CACHE_DIR": str(tmp / "cache")}
    runs = max(5, samples // 3)
    floor = _time_process([str(python), "-c", "pass"], runs)
    subprocess.run([*command, *args], check=True, stdout=subprocess.DEVNULL, env={**os.environ, **env})
    st = _time_process([*command, *args], runs, env)
    rep.row("audit", "floor: python -c pass", floor)
    rep.row("audit", "kata-oci check --all, 500 pods", st, "python -c pass", floor, note="target < 1 s")
    TARGETS["audit_500"] = (st.median, floor.median, None)


def rs_runtime_config() -> Any:
    """runtime-rs's equivalent: QEMU, every annotation enabled, /dev/urandom allowed."""
    from kata_oci.profiles.rs.loader import loads

    return loads(
        '[hypervisor.qemu]\nkernel = "/k"\nimage = "/i"\nenable_annotations = [".*"]\n'
        'valid_entropy_sources = ["/dev/urandom"]\n[agent.kata]\n[runtime]\nname = "virt_container"\n'
        'hypervisor_name = "qemu"\nagent_name = "kata"\n'
    )


def bench_rs(rep: Report, tmp: Path, samples: int) -> None:
    import kata_oci

    print("\nSandbox by profile: rs (runtime-rs 4.1) against kata1, the k8s spec")
    bundle, _ = k8s_bundle(tmp)
    spec = kata_oci.parse_config_json(bundle)
    # keys runtime-rs refuses (Kata 1.x's use_vsock, msize_9p, virtio-9p, virtio-blk) would time a
    # rejection, not a sandbox
    drop = (".use_vsock", ".msize_9p", ".block_device_driver", ".shared_fs")
    spec.annotations = {k: v for k, v in (spec.annotations or {}).items() if not k.endswith(drop)}
    b, kata1_rc, rs_rc = str(bundle), k8s_runtime_config(), rs_runtime_config()
    kata1 = measure(lambda: kata_oci.sandbox_config(spec, kata1_rc, b, "sandbox"), samples=samples)
    rs = measure(lambda: kata_oci.sandbox_config(spec, rs_rc, b, "sandbox"), samples=samples)
    rep.row("profiles", "sandbox_config, kata1 (k8s, rs's keys)", kata1)
    rep.row("profiles", "sandbox_config, rs (k8s)", rs, "kata1", kata1)


GROUPS = {
    "table": bench_table,
    "e2e": bench_e2e,
    "convert": bench_convert,
    "resolve": bench_resolve,
    "scale": bench_scale,
    "unknown": bench_unknown,
    "cli": bench_cli,
    "k8s": bench_k8s,
    "profiles": bench_profiles,
    "audit": bench_audit,
    "rs": bench_rs,
}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="fewer samples and conversions")
    parser.add_argument("--only", choices=[*GROUPS, "memory"], action="append", help="run only these groups")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when a target of issue 17's table is not met (CI: --quick --only table --check)",
    )
    parser.add_argument("--conversions", type=int, default=None, help="conversions for the memory test")
    args = parser.parse_args()
    samples = 9 if args.quick else 25
    conversions = args.conversions or (10_000 if args.quick else 100_000)
    print(
        f"kata-oci benchmarks — Python {sys.version.split()[0]} on {os.uname().machine}, "
        f"{len(os.sched_getaffinity(0))} CPUs, {samples} samples per case"
    )
    rep = Report()
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        for name, fn in GROUPS.items():
            if not args.only or name in args.only:
                sub = tmp / name
                sub.mkdir()
                fn(rep, sub, samples)
        if not args.only or "memory" in args.only:
            sub = tmp / "memory"
            sub.mkdir()
            bench_memory(rep, sub, samples, conversions)
    summary()
    if args.json:
        Path(args.json).write_text(json.dumps(rep.rows, indent=2))
    missed = dict(MISSED)
    # --check: a case missed is measured again (the whole table, twice at most) and fails only when
    # missed every time, so that a moment's noise on a shared machine does not fail CI.
    for attempt in range(2 if args.check and (not args.only or "table" in args.only) else 0):
        if not missed:
            break
        print(f"\n--check: measuring the table again for {', '.join(missed)} (attempt {attempt + 2} of 3)")
        MISSED.clear()
        with tempfile.TemporaryDirectory() as t:
            bench_table(Report(), Path(t), samples)
        missed = {case: MISSED[case] for case in missed if case in MISSED}
    if missed:
        print("\nissue 17's targets not met: " + "; ".join(f"{k} ({v})" for k, v in missed.items()))
    if args.check and missed:
        sys.exit(1)


def summary() -> None:
    """Each target of the performance issue, met or not, in the units it is stated in."""
    # (case, absolute target in µs, target as a ratio to the baseline, the baseline's name)
    checks = (
        ("e2e_k8s", 120.0, 370.0 / 51.0 / 3, "json.loads"),
        ("e2e_minimal", 40.0, 96.0 / 17.0 / 3, "json.loads"),
        ("convert_k8s", 50.0, 50.0 / 51.0, "json.loads"),
        ("resolve", 1.5, None, "dict.get"),
        ("process", None, 4.0, "python -c pass"),
        # less than twice Go's time (3.5 ms) for 1,000 unknown keys
        ("unknown_1000", 2 * GO["unknown_1000"], 2 * GO["unknown_1000"] / GO_JSON_LOADS["k8s"], "json.loads"),
        # issue 13: a 1,000-pod manifest file checked "well under a second"
        ("k8s_1000", 500_000.0, None, "libyaml load"),
        # issue 11: the go profile no slower than kata1 on the same input
        ("profile_go_k8s", None, 1.0, "kata1"),
        ("profile_go_minimal", None, 1.0, "kata1"),
        # the node audit of 500 pods "well under a second": half a second, ~25x a bare interpreter
        ("audit_500", 500_000.0, None, "python -c pass"),
    )
    if not any(case in TARGETS for case, *_ in checks):
        return
    print("\ntargets (absolute on the reference machine, and as ratios to a baseline of this run)")
    for case, absolute, ratio, baseline in checks:
        if case not in TARGETS:
            continue
        median, base, floor = TARGETS[case]
        parts = [f"  {case:<14}{fmt_time(median)}"]
        if absolute is not None:
            unit = absolute * 1e-6
            parts.append(f"target {absolute:g} µs: {'met' if median <= unit else 'NOT met'}")
        if ratio is not None:
            mine = median / base
            verdict = "met" if mine <= ratio else "NOT met"
            parts.append(f"{mine:.2f}x {baseline} (target <= {ratio:.2f}x: {verdict})")
        if floor is not None:
            parts.append(f"{median / floor:.2f}x the msgspec decode floor")
        print("; ".join(parts))


if __name__ == "__main__":
    main()
