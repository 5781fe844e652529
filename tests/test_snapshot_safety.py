"""The plugin snapshot cache against a hostile or careless file system (issue 15).

It is written atomically (an O_EXCL|O_NOFOLLOW temporary file with an
unpredictable name, then a rename) in a private directory owned by the user,
read with config.json's bounds, ignored when someone else could have written
it, and keyed on every file of each plugin distribution.
"""

from __future__ import annotations

import importlib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kata_oci import snapshot
from kata_oci.engine import Engine


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    base = tmp_path / "cache"
    monkeypatch.setenv("KATA_OCI_CACHE_DIR", str(base))
    monkeypatch.delenv("KATA_OCI_NO_CACHE", raising=False)
    return base


def saved(cache: Path) -> Path:
    snapshot.save(Engine.from_entry_points())
    path = snapshot.cache_file()
    assert path is not None and os.path.isfile(path)
    assert snapshot.load() is not None
    return Path(path)


def test_the_directory_is_created_private(cache: Path) -> None:
    saved(cache)
    st = os.stat(cache)
    assert stat.S_IMODE(st.st_mode) == 0o700
    assert st.st_uid == os.geteuid()


def test_a_symlink_at_the_old_temporary_name_is_not_followed(cache: Path, tmp_path: Path) -> None:
    cache.mkdir(mode=0o700)
    path = snapshot.cache_file()
    assert path is not None
    victim = tmp_path / "victim"
    victim.write_text("precious")
    os.symlink(victim, f"{path}.{os.getpid()}.tmp")  # the name the writer used to use
    snapshot.save(Engine.from_entry_points())
    assert victim.read_text() == "precious"
    assert snapshot.load() is not None


def test_a_symlink_at_the_snapshot_path_is_replaced_not_written_through(cache: Path, tmp_path: Path) -> None:
    cache.mkdir(mode=0o700)
    path = snapshot.cache_file()
    assert path is not None
    victim = tmp_path / "victim"
    victim.write_text("precious")
    os.symlink(victim, path)
    assert snapshot.load() is None  # not read through the link either
    snapshot.save(Engine.from_entry_points())
    assert victim.read_text() == "precious"
    assert not os.path.islink(path)


def test_a_directory_at_the_snapshot_path_leaves_no_temporary_files(cache: Path) -> None:
    cache.mkdir(mode=0o700)
    path = snapshot.cache_file()
    assert path is not None
    os.mkdir(path)
    for _ in range(3):
        snapshot.save(Engine.from_entry_points())
    assert sorted(os.listdir(cache)) == [os.path.basename(path)]
    assert snapshot.load() is None


def _load_in_a_subprocess(cache: Path) -> subprocess.CompletedProcess[str]:
    code = "from kata_oci import snapshot; print(snapshot.load())"
    env = {**os.environ, "KATA_OCI_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=20)


def test_a_fifo_at_the_snapshot_path_does_not_hang(cache: Path) -> None:
    cache.mkdir(mode=0o700)
    path = snapshot.cache_file()
    assert path is not None
    os.mkfifo(path)
    result = _load_in_a_subprocess(cache)
    assert result.returncode == 0 and result.stdout.strip() == "None"


def test_a_symlink_to_dev_zero_is_not_read_without_bound(cache: Path) -> None:
    cache.mkdir(mode=0o700)
    path = snapshot.cache_file()
    assert path is not None
    os.symlink("/dev/zero", path)
    result = _load_in_a_subprocess(cache)
    assert result.returncode == 0 and result.stdout.strip() == "None"


def test_a_huge_snapshot_is_not_read(cache: Path) -> None:
    path = saved(cache)
    with open(path, "ab") as f:
        f.truncate(snapshot.MAX_SNAPSHOT_SIZE + 1)
    assert snapshot.load() is None


@pytest.mark.parametrize("mode", [0o777, 0o775, 0o1777])
def test_a_snapshot_in_a_directory_others_can_write_is_ignored(cache: Path, mode: int) -> None:
    saved(cache)
    os.chmod(cache, mode)
    assert snapshot.load() is None
    snapshot.save(Engine.from_entry_points())  # and none is written there
    os.chmod(cache, 0o700)


@pytest.mark.parametrize("mode", [0o666, 0o646, 0o660])
def test_a_snapshot_file_others_can_write_is_ignored(cache: Path, mode: int) -> None:
    path = saved(cache)
    os.chmod(path, mode)
    assert snapshot.load() is None


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file away")
def test_a_snapshot_owned_by_someone_else_is_ignored(cache: Path) -> None:
    path = saved(cache)
    os.chown(path, 12345, 12345)
    assert snapshot.load() is None
    os.chown(path, 0, 0)
    assert snapshot.load() is not None
    os.chown(cache, 12345, 12345)
    assert snapshot.load() is None


def test_a_change_in_a_plugin_submodule_makes_the_snapshot_stale(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pkg = tmp_path / "src" / "fake_pkg_plugin"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text(
        "from kata_oci import hookimpl\n"
        "from .tables import DECLARATION\n"
        "@hookimpl\n"
        "def kata_oci_declare_cri():\n"
        "    return DECLARATION\n"
    )
    tables = pkg / "tables.py"
    tables.write_text(
        "from kata_oci import CRI\nDECLARATION = CRI(name='fake', sandbox_id_key='io.example/sid')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path / "src"))
    module = importlib.import_module("fake_pkg_plugin")
    try:
        snapshot.save(Engine.from_plugins([module]))
        assert snapshot.load() is not None
        st = tables.stat()
        os.utime(tables, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
        assert snapshot.load() is None
        snapshot.save(Engine.from_plugins([module]))
        assert snapshot.load() is not None
        (pkg / "extra.py").write_text("X = 1\n")  # a new file in the package
        os.utime(pkg, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
        assert snapshot.load() is None
    finally:
        for name in [m for m in sys.modules if m.startswith("fake_pkg_plugin")]:
            del sys.modules[name]


def test_every_file_of_an_installed_plugin_distribution_is_keyed(cache: Path) -> None:
    snapshot.save(Engine.from_entry_points())
    snap = snapshot.load()
    assert snap is not None
    import kata_oci_crio

    assert kata_oci_crio.__file__ is not None
    assert os.path.realpath(kata_oci_crio.__file__) in {os.path.realpath(f) for f in snap.files}
    # the distribution's own files (its RECORD) too
    assert any("kata_oci_crio" in f and ".dist-info" in f for f in snap.files)
