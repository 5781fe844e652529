"""``kata-oci resolve``'s fast path (kata_oci.cli.fastresolve): the full path's output, without msgspec.

Every case runs twice as a process: with a warm snapshot (the fast path when
it can answer) and with ``KATA_OCI_NO_CACHE=1`` (always the full path, the
plugins loaded); status, stdout and stderr must be the same, and the fast
path must have answered exactly where it is meant to.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import given, strategies as st

from kata_oci import pod, sizing, spec
from kata_oci.cli import fastresolve
from kata_oci.profiles.base import DEFAULT_CONFIG_PATHS

from helpers import ROOT

KATA_OCI = Path(sys.executable).with_name("kata-oci")
EXAMPLES = ROOT / "examples" / "bundles"
KATA1_CONFIG = ROOT / "kata_oci" / "data" / "configuration.toml"
# With a configuration at Kata's default paths, the profile is detected from it: the full path.
NO_NODE_CONFIG = not any(os.path.exists(p) for p in DEFAULT_CONFIG_PATHS)

CONTAINERD = {
    "io.kubernetes.cri.container-type": "sandbox",
    "io.kubernetes.cri.sandbox-id": "abc",
    "io.kubernetes.cri.sandbox-name": "web",
    "io.kubernetes.cri.sandbox-namespace": "default",
}


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("KATA_OCI_NO_CACHE", "KATA_CONF_FILE")}
    return {**env, **extra}


@pytest.fixture(scope="module")
def warm(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    env = _env(KATA_OCI_CACHE_DIR=str(tmp_path_factory.mktemp("cache")))
    subprocess.run([str(KATA_OCI), "resolve", str(EXAMPLES / "runc-container")], env=env, check=True)
    return env


def _fast(env: dict[str, str], args: list[str]) -> tuple[subprocess.CompletedProcess[str], bool]:
    """The command with a warm snapshot, and whether the fast path answered (argparse not imported)."""
    argv = [sys.executable, "-X", "importtime", str(KATA_OCI), "resolve", *args]
    result = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    imported = set()
    stderr = []
    for line in result.stderr.splitlines(keepends=True):
        if line.startswith("import time:"):
            imported.add(line.rsplit("|", 1)[-1].strip())
        else:
            stderr.append(line)
    assert "kata_oci.cli" in imported  # the import log is what we think it is
    result.stderr = "".join(stderr)
    return result, "argparse" not in imported


def _full(args: list[str]) -> subprocess.CompletedProcess[str]:
    env = _env(KATA_OCI_NO_CACHE="1")
    argv = [str(KATA_OCI), "resolve", *args]
    return subprocess.run(argv, capture_output=True, text=True, env=env, cwd=ROOT, check=False)


def _same(warm: dict[str, str], args: list[str], *, fast: bool | None) -> subprocess.CompletedProcess[str]:
    got, used_fast = _fast(warm, args)
    want = _full(args)
    assert (got.returncode, got.stdout, got.stderr) == (want.returncode, want.stdout, want.stderr), args
    if fast is not None:
        assert used_fast is fast, args
    return want


def _bundle(tmp_path: Path, name: str, doc: Any) -> Path:
    bundle = tmp_path / name
    bundle.mkdir()
    data = doc if isinstance(doc, bytes) else json.dumps(doc).encode()
    (bundle / "config.json").write_bytes(data)
    return bundle


@pytest.mark.parametrize("name", sorted(p.name for p in EXAMPLES.iterdir()))
@pytest.mark.parametrize(
    "flags", [[], ["--json"], ["--strict"], ["--kata", "kata1"], ["--kata", "go", "--json"]]
)
def test_every_example_prints_the_same(warm: dict[str, str], name: str, flags: list[str]) -> None:
    hooks = name.startswith("crio")  # CRI-O's plugin answers identity and sizing with hooks: full path
    known = NO_NODE_CONFIG or "--kata" in flags  # else the profile comes from the node's configuration
    _same(warm, [str(EXAMPLES / name), *flags], fast=not hooks if known else None)


# (name, config.json, whether the fast path answers)
CASES: list[tuple[str, Any, bool]] = [
    ("containerd", {"annotations": CONTAINERD}, True),
    ("no-annotations", {}, True),
    ("null-annotations", {"annotations": None}, True),
    ("sandbox-id-only", {"annotations": {"io.kubernetes.cri.sandbox-id": "x"}}, True),
    ("empty-identity", {"annotations": {**CONTAINERD, "io.kubernetes.cri.sandbox-name": ""}}, True),
    (
        "dockershim",
        {"annotations": {"io.kubernetes.docker.type": "podsandbox", "io.kubernetes.sandbox.id": "d1"}},
        True,
    ),
    ("bad-process-ignored", {"process": 5, "linux": {"sysctl": 7}, "annotations": CONTAINERD}, True),
    ("huge-int-ignored", b'{"x": 123456789012345678901234567890, "annotations": {}}', True),
    ("escapes", {"annotations": {**CONTAINERD, "io.kubernetes.cri.sandbox-name": "w\x1beb\u202e\xe9"}}, True),
    (
        "resources",
        {"linux": {"resources": {"cpu": {"quota": 50000, "period": 100000}, "memory": {"limit": 1 << 30}}}},
        True,
    ),
    (
        "negative-resources",
        {"linux": {"resources": {"cpu": {"quota": -1, "period": 100000}, "memory": {"limit": -5}}}},
        True,
    ),
    ("quota-without-period", {"linux": {"resources": {"cpu": {"quota": 5, "cpus": "0-1"}}}}, True),
    (
        "sizing",
        {
            "annotations": {
                **CONTAINERD,
                "io.kubernetes.cri.sandbox-cpu-quota": "-1",
                "io.kubernetes.cri.sandbox-cpu-shares": "2048",
                "io.kubernetes.cri.sandbox-memory": "+268435456",
            }
        },
        True,
    ),
    (
        "sizing-fraction",
        {
            "annotations": {
                "io.kubernetes.cri.sandbox-cpu-quota": "1",
                "io.kubernetes.cri.sandbox-cpu-period": "3",
            }
        },
        True,
    ),
    # the full path answers these (warnings, conflicts, values the fast path leaves alone)
    ("sizing-unparsable", {"annotations": {"io.kubernetes.cri.sandbox-memory": "lots"}}, False),
    ("sizing-plus-unsigned", {"annotations": {"io.kubernetes.cri.sandbox-cpu-period": "+5"}}, False),
    (
        "memory-saturates",
        {"linux": {"resources": {"memory": {"limit": (1 << 63) - 1}}}},
        False,
    ),
    (
        "conflict",
        {
            "annotations": {
                "io.kubernetes.cri.container-type": "sandbox",
                "io.kubernetes.docker.type": "container",
            }
        },
        False,
    ),
    (
        "sid-conflict",
        {"annotations": {"io.kubernetes.cri.sandbox-id": "a", "io.kubernetes.sandbox.id": "b"}},
        False,
    ),
    ("crio", {"annotations": {"io.kubernetes.cri-o.ContainerType": "sandbox"}}, False),
    ("duplicate-same", b'{"annotations": {"a": "1", "a": "2"}}', False),
    # errors: the full path's message and status
    ("unknown-type", {"annotations": {"io.kubernetes.cri.container-type": "weird"}}, False),
    ("annotation-not-string", {"annotations": {"a": 1}}, False),
    ("annotations-array", {"annotations": []}, False),
    ("duplicate-bad-first", b'{"annotations": 5, "annotations": {}}', False),
    ("surrogate", b'{"annotations": {"a": "\\ud800"}}', False),
    ("nan", b'{"x": NaN}', False),
    ("bom", b"\xef\xbb\xbf{}", False),
    ("not-utf8-ignored", b'{"x": "\xff", "annotations": {}}', False),
    ("trailing", b"{} x", False),
    ("not-an-object", b"[]", False),
    ("empty", b"", False),
    ("white", b"  \n", False),
    ("cpus-not-string", {"linux": {"resources": {"cpu": {"cpus": 5}}}}, False),
    ("period-too-big", {"linux": {"resources": {"cpu": {"period": 1 << 64}}}}, False),
    ("quota-float", {"linux": {"resources": {"cpu": {"quota": 1.0}}}}, False),
    ("quota-bool", {"linux": {"resources": {"cpu": {"quota": True}}}}, False),
    ("linux-not-object", {"linux": 5}, False),
]


@pytest.mark.parametrize(("name", "doc", "fast"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("json_flag", [[], ["--json"]])
def test_generated_bundles_print_the_same(
    warm: dict[str, str], tmp_path: Path, name: str, doc: Any, fast: bool, json_flag: list[str]
) -> None:
    bundle = _bundle(tmp_path, name, doc)
    _same(warm, [str(bundle), "--kata", "go" if json_flag else "kata1", *json_flag], fast=fast)


def test_a_tiny_vcpu_count_is_fast_in_text_and_full_in_json(warm: dict[str, str], tmp_path: Path) -> None:
    bundle = _bundle(tmp_path, "b", {"linux": {"resources": {"cpu": {"quota": 1, "period": 100000}}}})
    assert "1e-05 vCPUs" in _same(warm, [str(bundle), "--kata", "go"], fast=True).stdout
    _same(warm, [str(bundle), "--kata", "go", "--json"], fast=False)  # msgspec writes 0.00001


def test_bundle_paths_and_errors(warm: dict[str, str], tmp_path: Path) -> None:
    bundle = _bundle(tmp_path, "b", {"annotations": CONTAINERD})
    _same(warm, [str(bundle / "config.json"), "--kata", "go"], fast=True)
    _same(warm, [str(bundle) + "/", "--kata", "go"], fast=True)
    userdata = _bundle(tmp_path / "b", "userdata", {"annotations": CONTAINERD})
    _same(warm, [str(userdata), "--kata", "kata1", "--json"], fast=True)
    _same(warm, [str(tmp_path / "missing"), "--kata", "go"], fast=False)
    (tmp_path / "dir" / "config.json").mkdir(parents=True)
    _same(warm, [str(tmp_path / "dir"), "--kata", "go"], fast=False)
    (tmp_path / "plain").write_text("{}")
    _same(warm, [str(tmp_path / "plain"), "--kata", "go"], fast=False)


def test_options_the_fast_path_leaves_to_argparse(warm: dict[str, str]) -> None:
    bundle = str(EXAMPLES / "containerd-pod-sandbox")
    _same(warm, [bundle, "--config", str(KATA1_CONFIG), "--kata", "kata1"], fast=True)
    _same(warm, [bundle, f"--config={KATA1_CONFIG}", "--kata=kata1", "--json"], fast=True)
    _same(warm, [bundle, "--config", str(KATA1_CONFIG)], fast=False)  # the profile is detected
    _same(warm, [bundle, "--config", "./" + str(KATA1_CONFIG.relative_to(ROOT)), "--kata", "go"], fast=False)
    _same(warm, [bundle, "--kata", "rs"], fast=False)  # runtime-rs's own rules
    _same(warm, [bundle, "--kata", "nope"], fast=False)
    _same(warm, [bundle, "--json", "--json"], fast=False)
    _same(warm, [bundle, "--kat", "go"], fast=False)
    _same(warm, [bundle, "-v", "--kata", "go"], fast=False)
    _same(warm, [bundle, bundle], fast=False)
    _same(warm, ["--kata", "go"], fast=False)
    _same(warm, [bundle, "--kata"], fast=False)
    _same(warm, [bundle, "--kata", "go", "--config", "-"], fast=False)


def test_kata_conf_file_names_the_configuration(warm: dict[str, str]) -> None:
    bundle = str(EXAMPLES / "containerd-pod-sandbox")
    env = {**warm, "KATA_CONF_FILE": str(KATA1_CONFIG)}
    for args, fast in (([bundle, "--kata", "kata1"], True), ([bundle], False)):
        got, used_fast = _fast(env, args)
        want = subprocess.run(
            [str(KATA_OCI), "resolve", *args],
            capture_output=True,
            text=True,
            env={**env, "KATA_OCI_NO_CACHE": "1"},
            cwd=ROOT,
            check=False,
        )
        assert (got.returncode, got.stdout, got.stderr) == (want.returncode, want.stdout, want.stderr)
        assert used_fast is fast
        assert str(KATA1_CONFIG) in got.stdout


def test_a_warm_resolve_imports_neither_msgspec_nor_argparse_nor_typing(warm: dict[str, str]) -> None:
    argv = [
        sys.executable,
        "-X",
        "importtime",
        str(KATA_OCI),
        "resolve",
        str(EXAMPLES / "containerd-pod-sandbox"),
    ]
    result = subprocess.run([*argv, "--kata", "go"], capture_output=True, text=True, env=warm, check=True)
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "kata_oci.cli.fastresolve" in imported  # the import log is what we think it is
    for unwanted in (
        "msgspec",
        "argparse",
        "typing",
        "re",
        "json",
        "collections",
        "functools",
        "pluggy",
        "kata_oci.spec",
        "kata_oci.engine",
        "kata_oci.snapshot",
        "kata_oci.profiles",
        "kata_oci.errors",
    ):
        assert unwanted not in imported, unwanted


# -- the pieces, against what they stand for ------------------------------------------------


def test_constants_are_the_librarys() -> None:
    assert fastresolve.MAX_CONFIG_SIZE == spec.MAX_CONFIG_SIZE
    assert fastresolve.IDENTITY_FIELDS == pod.IDENTITY_FIELDS
    assert fastresolve._MAX_MEMORY_MB == sizing.MAX_MEMORY_MB
    assert tuple(pod.PodIdentity.__struct_fields__) == (*pod.IDENTITY_FIELDS, "plugin", "conflicts")
    assert tuple(sizing.Sizing.__struct_fields__) == ("vcpus", "memory_mb", "overhead")


_JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(1 << 63), max_value=(1 << 64) - 1)
    | st.floats(allow_nan=False, allow_infinity=False, min_value=-1e15, max_value=1e15).filter(
        lambda f: "e" not in repr(f)
    )
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=12,
)


@given(_JSON)
def test_json_text_is_msgspecs_indented_json(value: Any) -> None:
    try:
        want = msgspec.json.format(msgspec.json.encode(value), indent=2)
    except UnicodeEncodeError:  # a lone surrogate: the fast path gives up on it too
        with pytest.raises(UnicodeEncodeError):
            fastresolve._json_text(value, "").encode()
        return
    assert fastresolve._json_text(value, "").encode() == want


@given(st.text(alphabet="/.a", max_size=8))
def test_path_text_is_what_pathlib_prints(path: str) -> None:
    try:
        kept = fastresolve._path_text(path)
    except fastresolve._Unsure:
        return
    assert kept == str(Path(path)) == path


@given(st.one_of(st.text(alphabet="+-0123456789_ a", max_size=22), st.integers().map(str)), st.booleans())
def test_go_int_is_strconvs_when_it_answers(text: str, signed: bool) -> None:
    bounds = fastresolve._I64 if signed else fastresolve._U64
    try:
        want: int | None = sizing.parse_go_int(text, signed=signed)
    except ValueError:  # golang.NumError
        want = None
    try:
        got: int | None = fastresolve._go_int(text, bounds)
    except fastresolve._Unsure:
        got = None
    assert got == want


@given(st.text(alphabet='{}[]":,0123456789 \t\nabe.-+\\ud', max_size=30))
def test_loads_accepts_only_what_the_resolve_view_accepts(text: str) -> None:
    try:
        fastresolve._loads(text)
    except Exception:
        return
    msgspec.json.decode(text)  # what the fast path reads, msgspec reads too (no error here)
