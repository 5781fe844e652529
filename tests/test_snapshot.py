"""The kata-oci command's per-environment plugin snapshot: same answers, fewer imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

import kata_oci
from kata_oci import snapshot
from kata_oci.engine import Engine

from helpers import ROOT

KATA_OCI = Path(sys.executable).with_name("kata-oci")
EXAMPLES = sorted(p for p in (ROOT / "examples" / "bundles").iterdir() if (p / "config.json").exists())


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("KATA_OCI_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("KATA_OCI_NO_CACHE", raising=False)
    return tmp_path


def run(*args: str | Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(KATA_OCI), *map(str, args)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={**os.environ, **env},
    )


def test_save_then_load(cache: Path) -> None:
    engine = Engine.from_entry_points()
    assert snapshot.load() is None
    snapshot.save(engine)
    snap = snapshot.load()
    assert snap is not None
    assert [name for name, _ in snap.declarations] == [name for name, _ in engine.cris]
    assert dict(snap.declarations) == dict(engine.cris)
    assert {f.name for f in snap.features} == set(engine.features)
    assert "crio" in snap.hooked  # CRI-O answers identity and sizing with hooks
    assert {ep.name for ep in snap.entry_points} >= {"containerd", "crio", "dockershim"}


def test_no_cache_and_corrupt_cache(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot.save(Engine.from_entry_points())
    path = snapshot.cache_file()
    assert path is not None and os.path.exists(path)
    Path(path).write_text("{not json")
    assert snapshot.load() is None
    monkeypatch.setenv("KATA_OCI_NO_CACHE", "1")
    assert snapshot.cache_file() is None
    assert snapshot.load() is None


def test_a_changed_plugin_file_makes_the_snapshot_stale(cache: Path, tmp_path: Path) -> None:
    source = tmp_path / "fake_snapshot_plugin.py"
    source.write_text(
        "from kata_oci import CRI, hookimpl\n"
        "@hookimpl\n"
        "def kata_oci_declare_cri():\n"
        "    return CRI(name='fake', sandbox_id_key='io.example/sid')\n"
    )
    module = types.ModuleType("fake_snapshot_plugin")
    module.__file__ = str(source)
    exec(compile(source.read_text(), str(source), "exec"), module.__dict__)
    snapshot.save(Engine.from_plugins([module]))
    assert snapshot.load() is not None
    st = source.stat()
    os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    assert snapshot.load() is None


def test_a_changed_environment_makes_the_snapshot_stale(cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snapshot.save(Engine.from_entry_points())
    assert snapshot.load() is not None
    monkeypatch.setattr(sys, "path", [*sys.path, str(cache)])
    assert snapshot.load() is None


@pytest.mark.parametrize("bundle", EXAMPLES, ids=[b.name for b in EXAMPLES])
def test_the_snapshot_engine_answers_as_the_full_engine(cache: Path, bundle: Path) -> None:
    full = Engine.from_entry_points()
    snapshot.save(full)
    snap = snapshot.load()
    assert snap is not None
    spec = kata_oci.parse_config_json(bundle)
    light = snap.engine()
    assert light.plugin_manager is None
    assert light.resolve(spec) == full.resolve(spec)
    assert light.cri_container_type_keys() == full.cri_container_type_keys()
    assert dict(light.features) == dict(full.features)
    if not snap.needs_hooks(spec.annotations):
        assert light.pod_identity(spec) == full.pod_identity(spec)
        assert light.sandbox_sizing_answer(spec) == full.sandbox_sizing_answer(spec)


def test_needs_hooks_only_when_a_hooked_plugins_key_is_present(cache: Path) -> None:
    snapshot.save(Engine.from_entry_points())
    snap = snapshot.load()
    assert snap is not None
    assert not snap.needs_hooks({"io.kubernetes.cri.container-type": "sandbox"})
    assert not snap.needs_hooks(None)
    assert snap.needs_hooks({"io.kubernetes.cri-o.ContainerType": "sandbox"})
    assert snap.needs_hooks({"pod-linux-resources.crio.io": "{}"})


@pytest.mark.parametrize("bundle", EXAMPLES, ids=[b.name for b in EXAMPLES])
def test_command_output_is_the_same_with_and_without_the_snapshot(cache: Path, bundle: Path) -> None:
    uncached = run("resolve", bundle, "--json", KATA_OCI_NO_CACHE="1")
    first = run("resolve", bundle, "--json")  # builds and saves the snapshot
    second = run("resolve", bundle, "--json")  # uses it
    assert uncached.returncode == first.returncode == second.returncode == 0
    assert json.loads(uncached.stdout) == json.loads(first.stdout) == json.loads(second.stdout)
    assert snapshot.cache_file() is not None
    assert list(cache.iterdir())


def test_a_warm_resolve_imports_neither_pluggy_nor_metadata_nor_plugins(cache: Path, tmp_path: Path) -> None:
    # Two CRIs' keys: the full path (not kata_oci.cli.fastresolve, see tests/test_fastresolve.py)
    # compares them, with the engine of the snapshot's declarations.
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    ann = {"io.kubernetes.cri.container-type": "sandbox", "io.kubernetes.docker.type": "podsandbox"}
    (bundle / "config.json").write_text(json.dumps({"annotations": ann}))
    run("resolve", bundle)  # warm the snapshot
    result = subprocess.run(
        [sys.executable, "-X", "importtime", str(KATA_OCI), "resolve", str(bundle)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if "|" in line}
    assert "kata_oci.spec" in imported  # the import log is what we think it is
    for unwanted in (
        "pluggy",
        "importlib.metadata",
        "kata_oci_containerd",
        "kata_oci_crio",
        "structlog",
        "logging",
        "kata_oci.overrides",
        "kata_oci.configfile",
        "re2",
        # start-up cuts (issue 17): ConfigChoice is no dataclass, shipped files are found
        # with os.path, and argparse's formatter asks the terminal width without shutil
        "dataclasses",
        "importlib.resources",
        "importlib.readers",
        "zipfile",
        "tempfile",
        "shutil",
        "pathlib",  # ConfigChoice.filename; a Path only when asked for
    ):
        assert unwanted not in imported, unwanted
