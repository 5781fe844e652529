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
changes its site directory) and of each plugin module's file (an editable
plugin can change in place). It lives in ``$KATA_OCI_CACHE_DIR``, or
``$XDG_CACHE_HOME/kata-oci``, or ``~/.cache/kata-oci``; ``KATA_OCI_NO_CACHE=1``
turns it off. Only the command uses it: the library's default engine always
reads the installed entry points.
"""

from __future__ import annotations

import os
import sys
import zlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from .cri import CRI
from .plugins import PluginInfo
from .types import Feature

if TYPE_CHECKING:
    from .engine import Engine

__all__ = ["Snapshot", "cache_file", "environment_key", "load", "save"]

FORMAT = 1


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
    files: dict[str, int]  # plugin module file -> mtime_ns

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


def load() -> Snapshot | None:
    """The snapshot of this environment, if there is one and it is current."""
    path = cache_file()
    if path is None:
        return None
    try:
        with open(path, "rb") as f:
            snapshot = _decoder.decode(f.read())
    except (OSError, msgspec.DecodeError, UnicodeDecodeError):
        return None
    if snapshot.key != environment_key():
        return None
    for file, mtime in snapshot.files.items():
        try:
            if os.stat(file).st_mtime_ns != mtime:
                return None
        except OSError:
            return None
    return snapshot


def save(engine: Engine) -> None:
    """Record what ``engine`` (built from the installed entry points) found. Best effort."""
    path = cache_file()
    if path is None or engine.plugin_manager is None:
        return
    files: dict[str, int] = {}
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
        file = getattr(plugin, "__file__", None)
        if file:
            try:
                files[file] = os.stat(file).st_mtime_ns
            except OSError:
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
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "wb") as f:
            f.write(msgspec.json.encode(snapshot))
        os.replace(tmp, path)
    except OSError:
        return
