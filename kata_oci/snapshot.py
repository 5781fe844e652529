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
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import msgspec

from . import snapfile
from .cri import CRI
from .plugins import PluginInfo
from .snapfile import FORMAT, MAX_SNAPSHOT_SIZE, cache_file, environment_key
from .types import Feature

if TYPE_CHECKING:
    from .engine import Engine

__all__ = [
    "FORMAT",
    "MAX_SNAPSHOT_SIZE",
    "ProfileFacts",
    "Snapshot",
    "cache_file",
    "environment_key",
    "load",
    "save",
]

# The most files keyed per plugin: a bigger package gets no snapshot.
_MAX_FILES = 20_000


class _EntryPoint(msgspec.Struct, frozen=True):
    name: str
    value: str
    distribution: str | None = None
    version: str | None = None


class ProfileFacts(msgspec.Struct, frozen=True):
    """What ``kata-oci resolve``'s fast path needs of a built-in profile, without importing it.

    ``plain_rules``: the profile answers the container type and the
    container's sizing by Kata's CRI rules (:class:`~kata_oci.Profile`'s own
    methods), as kata1 and go do; runtime-rs has rules of its own.
    """

    name: str
    version: str
    default_container_type: str
    config_paths: list[str]
    shipped_config: str | None
    plain_rules: bool


class Snapshot(msgspec.Struct):
    """What a full engine build found in one environment.

    ``profiles``, ``default_profile``, ``config_paths`` and ``config_env``
    are what the ``resolve`` fast path (:mod:`kata_oci.cli.fastresolve`)
    needs to choose a configuration file and profile as
    :func:`kata_oci.find_runtime_config` does: the built-in profiles' facts,
    :data:`kata_oci.profiles.DEFAULT_PROFILE`, Kata's look-up paths and
    ``$KATA_CONF_FILE``'s name.
    """

    key: str
    entry_points: list[_EntryPoint]
    declarations: list[tuple[str, CRI]]
    features: list[Feature]
    plugins: list[PluginInfo]
    hooked: dict[str, list[str]]
    files: dict[str, tuple[int, int]]  # every plugin file and package directory -> (mtime_ns, size)
    profiles: list[ProfileFacts] = msgspec.field(default_factory=list)
    default_profile: str = ""
    config_paths: list[str] = msgspec.field(default_factory=list)
    config_env: str = ""

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


_decoder = msgspec.json.Decoder(Snapshot)


def load() -> Snapshot | None:
    """The snapshot of this environment, if there is one, it is current and it can be trusted."""
    data = snapfile.read()
    if data is None:
        return None
    try:
        snapshot = _decoder.decode(data)
    except ValueError:  # msgspec.DecodeError is a ValueError
        return None
    if not snapfile.is_current(snapshot.key, snapshot.files):
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
        seen = snapfile.stamp(p)
        if seen is None:
            if p == file:
                return False
            continue  # a RECORD entry not on disk (uninstalled pieces): the environment key sees it
        files[p] = seen
    return True


def _profile_facts(engine: Engine, files: dict[str, tuple[int, int]]) -> list[ProfileFacts]:
    """The built-in profiles' facts, each keyed by the file of the module that defines it."""
    from .plugins import BUILTIN_PROFILES
    from .profiles import base

    facts = []
    for name in BUILTIN_PROFILES:
        profile = engine.profiles.get(name)
        if profile is None:
            continue
        cls = type(profile)
        for module in {cls.__module__, base.__name__, "kata_oci.profiles"}:
            file: str | None = getattr(sys.modules.get(module), "__file__", None)
            seen = snapfile.stamp(file) if file else None
            if file is None or seen is None:
                return []
            files[file] = seen
        facts.append(
            ProfileFacts(
                name=profile.name,
                version=profile.version,
                default_container_type=str(profile.default_container_type),
                config_paths=list(profile.config_paths),
                shipped_config=profile.shipped_config_file(),
                plain_rules=cls.container_type is base.Profile.container_type
                and cls.calculate_container_sizing is base.Profile.calculate_container_sizing,
            )
        )
    return facts


def save(engine: Engine) -> None:
    """Record what ``engine`` (built from the installed entry points) found. Best effort."""
    if cache_file() is None or engine.plugin_manager is None:
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
    from .profiles import DEFAULT_PROFILE
    from .profiles.base import CONFIG_FILE_ENV, DEFAULT_CONFIG_PATHS

    try:
        profiles = _profile_facts(engine, files)
    except Exception:  # a plugin's broken profile: the commands say so; here, no facts (no fast path)
        profiles = []
    snapshot = Snapshot(
        key=environment_key(),
        entry_points=entry_points,
        declarations=list(engine.cris),
        features=list(engine.features.values()),
        plugins=plugins,
        hooked=engine.hooked_plugins(),
        files=files,
        profiles=profiles,
        default_profile=DEFAULT_PROFILE,
        config_paths=list(DEFAULT_CONFIG_PATHS),
        config_env=CONFIG_FILE_ENV,
    )
    snapfile.write(msgspec.json.encode(snapshot))
