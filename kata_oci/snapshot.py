"""A per-environment cache of the installed plugins, for the ``kata-oci`` command's start-up.

Finding entry points reads every installed distribution's metadata, and
loading plugins imports pluggy and the plugins: together ~40 ms, more than a
conversion. The command therefore keeps, per Python environment, what the
last full build found: the entry points, each plugin's CRI declaration, the
experimental features, and which plugins implement answering hooks. When the
environment has not changed, the command builds its engine from that:

* from the declarations alone (no plugin imported, no pluggy) when no plugin
  with hooks concerns the spec at hand;
* otherwise from the cached entry points (no metadata scan).

The snapshot is keyed by the interpreter, ``sys.path`` and the modification
times of the ``sys.path`` directories (installing or removing a distribution
changes its site directory), and by the modification time and size of every
file of each plugin distribution (its ``RECORD``) and every file and
directory of each plugin's package (an editable plugin changes in place, a
submodule included). It lives in ``$KATA_OCI_CACHE_DIR``, or
``$XDG_CACHE_HOME/kata-oci``, or ``~/.cache/kata-oci``; ``KATA_OCI_NO_CACHE=1``
turns it off. Only the command uses it: the library's default engine always
reads the installed entry points.

A snapshot decides which code the command trusts, so it is handled as such:
the directory is created 0700 and used only when owned by the user and
writable by no one else; the file is written to an ``O_EXCL|O_NOFOLLOW``
temporary file of unpredictable name, then renamed over the snapshot (a
symlink, FIFO or directory there is replaced or, failing that, left alone,
and the temporary file removed); it is read without following a symlink,
without blocking, at most :data:`MAX_SNAPSHOT_SIZE` bytes, and only when it
is a regular file owned by the user and writable by no one else.
"""

from __future__ import annotations

import os
import sys
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from .cri import CRI
from .files import read_regular_file
from .plugins import PluginInfo
from .types import Feature

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["Snapshot", "cache_file", "environment_key", "load", "save"]

FORMAT = 2

#: The largest snapshot read (one with the three built-in plugins is ~20 KiB).
MAX_SNAPSHOT_SIZE = 8 << 20
# The most files keyed per plugin: a bigger package gets no snapshot.
_MAX_FILES = 20_000


class _EntryPoint(msgspec.Struct, frozen=True):
    name: str
    value: str
    distribution: str | None = None
    version: str | None = None


class Snapshot(msgspec.Struct):
    """What a full engine build found in one environment."""

    key: str
    entry_points: list[_EntryPoint]
    declarations: list[tuple[str, CRI]]
    features: list[Feature]
    plugins: list[PluginInfo]
    hooked: dict[str, list[str]]
    files: dict[str, tuple[int, int]]  # every plugin file and package directory -> (mtime_ns, size)

    def engine(self, *, strict: bool = False) -> Engine:
        """An engine over the cached declarations, importing no plugin."""
        from .engine import Engine

        return Engine.from_declarations(
            self.declarations,
            features={f.name: f for f in self.features},
            plugin_infos={
                p.name: PluginInfo(p.name, p.module, p.distribution, p.version) for p in self.plugins
            },
            strict=strict,
        )

    def needs_hooks(self, annotations: Mapping[str, str] | None) -> bool:
        """Whether a plugin with answering hooks concerns these annotations.

        A declared plugin's hooks are not called for a spec that carries none
        of its declared keys; an undeclared plugin's hooks always are.
        """
        if not self.hooked:
            return False
        declared = dict(self.declarations)
        ann = annotations or {}
        for plugin in self.hooked:
            decl = declared.get(plugin)
            if decl is None or any(key in ann for key in decl.annotation_keys()):
                return True
        return False

    def entry_point_source(self) -> list[Any]:
        """The cached entry points, loadable without scanning distributions."""
        return [_Loadable(ep) for ep in self.entry_points]


class _Dist:
    def __init__(self, name: str | None, version: str | None) -> None:
        self.name = name
        self.version = version


class _Loadable:
    """Quacks like ``importlib.metadata.EntryPoint`` for kata_oci.plugins."""

    def __init__(self, ep: _EntryPoint) -> None:
        self.name = ep.name
        self.value = ep.value
        self.dist = _Dist(ep.distribution, ep.version) if ep.distribution else None

    def load(self) -> Any:
        import importlib

        module, _, attr = self.value.partition(":")
        obj: Any = importlib.import_module(module.strip())
        for part in attr.strip().split(".") if attr.strip() else ():
            obj = getattr(obj, part)
        return obj


def cache_file() -> str | None:
    """Where this environment's snapshot lives, or ``None`` when caching is off."""
    if os.environ.get("KATA_OCI_NO_CACHE"):
        return None
    base = os.environ.get("KATA_OCI_CACHE_DIR")
    if not base:
        xdg = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        base = os.path.join(xdg, "kata-oci")
    name = zlib.crc32(f"{sys.executable}\0{sys.prefix}".encode())
    return os.path.join(base, f"plugins-{name:08x}.json")


def environment_key() -> str:
    """What decides which plugins are installed and importable, as one string."""
    from . import __version__

    parts: list[str] = [str(FORMAT), __version__, sys.executable, sys.version]
    for entry in sys.path:
        try:
            parts.append(f"{entry}\0{os.stat(entry or '.').st_mtime_ns}")
        except OSError:
            parts.append(f"{entry}\0-")
    return "\n".join(parts)


_decoder = msgspec.json.Decoder(Snapshot)


def _private_dir(path: str, *, create: bool) -> int | None:
    """A descriptor of directory ``path`` if it is the user's and writable by no one else."""
    if create:
        try:
            os.makedirs(path, mode=0o700, exist_ok=True)
        except (OSError, ValueError):
            return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except (OSError, ValueError):
        return None
    st = os.fstat(fd)
    if st.st_uid != os.geteuid() or st.st_mode & 0o022:
        os.close(fd)
        return None
    return fd


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return st.st_mtime_ns, st.st_size


def load() -> Snapshot | None:
    """The snapshot of this environment, if there is one, it is current and it can be trusted."""
    path = cache_file()
    if path is None:
        return None
    dir_fd = _private_dir(os.path.dirname(path), create=False)
    if dir_fd is None:
        return None
    try:
        data = read_regular_file(
            os.path.basename(path),
            MAX_SNAPSHOT_SIZE,
            dir_fd=dir_fd,
            follow_symlinks=False,
            owner=os.geteuid(),
        )
        snapshot = _decoder.decode(data)
    except (OSError, ValueError):  # msgspec.DecodeError is a ValueError
        return None
    finally:
        os.close(dir_fd)
    if snapshot.key != environment_key():
        return None
    for file, seen in snapshot.files.items():
        if _stamp(file) != tuple(seen):
            return None
    return snapshot


def _plugin_files(plugin: object, info: PluginInfo | None, files: dict[str, tuple[int, int]]) -> bool:
    """Add every file a plugin is made of; False when one cannot be looked at (no snapshot then)."""
    paths: list[str] = []
    file = getattr(plugin, "__file__", None)
    if file:
        paths.append(file)
        if os.path.basename(file) == "__init__.py":  # a package: all of it, submodules included
            for root, dirs, names in os.walk(os.path.dirname(file)):
                dirs[:] = [d for d in dirs if d != "__pycache__"]
                paths.append(root)
                paths.extend(os.path.join(root, n) for n in names if not n.endswith((".pyc", ".pyo")))
                if len(paths) > _MAX_FILES:
                    return False
    if info is not None and info.distribution:
        from importlib import metadata

        try:
            dist = metadata.distribution(info.distribution)
        except metadata.PackageNotFoundError:
            return False
        records = (dist.files or [])[:_MAX_FILES]
        paths.extend(str(dist.locate_file(r)) for r in records if not str(r).endswith((".pyc", ".pyo")))
    for p in paths:
        seen = _stamp(p)
        if seen is None:
            if p == file:
                return False
            continue  # a RECORD entry not on disk (uninstalled pieces): the environment key sees it
        files[p] = seen
    return True


def save(engine: Engine) -> None:
    """Record what ``engine`` (built from the installed entry points) found. Best effort."""
    path = cache_file()
    if path is None or engine.plugin_manager is None:
        return
    files: dict[str, tuple[int, int]] = {}
    plugins = []
    for name, plugin in engine.plugin_manager.list_name_plugin():
        info = engine.plugin_infos.get(name)
        plugins.append(
            PluginInfo(
                name,
                info.module if info else getattr(plugin, "__name__", repr(plugin)),
                info.distribution if info else None,
                info.version if info else None,
            )
        )
        if not _plugin_files(plugin, info, files):
            return
    entry_points = [
        _EntryPoint(info.name, info.module, info.distribution, info.version)
        for info in engine.plugin_infos.values()
        if info.distribution is not None
    ]
    snapshot = Snapshot(
        key=environment_key(),
        entry_points=entry_points,
        declarations=list(engine.cris),
        features=list(engine.features.values()),
        plugins=plugins,
        hooked=engine.hooked_plugins(),
        files=files,
    )
    _write(path, msgspec.json.encode(snapshot))


def _write(path: str, data: bytes) -> None:
    """Write ``data`` at ``path`` atomically, in a private directory; nothing left behind on failure."""
    dir_fd = _private_dir(os.path.dirname(path), create=True)
    if dir_fd is None:
        return
    name = os.path.basename(path)
    tmp = f".{name}.{os.urandom(8).hex()}.tmp"
    try:
        fd = os.open(
            tmp,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
            0o600,
            dir_fd=dir_fd,
        )
    except OSError:
        os.close(dir_fd)
        return
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)  # replaces a symlink or FIFO itself
        tmp = ""
    except OSError:
        pass
    finally:
        if tmp:
            try:
                os.unlink(tmp, dir_fd=dir_fd)
            except OSError:
                pass
        os.close(dir_fd)
